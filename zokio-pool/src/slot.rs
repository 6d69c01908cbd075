//! Free slots and the static sentinel that ends every free list.
//!
//! A free slot stores, in its first word, the next free slot. Every list ends in [`EMPTY`], a
//! static "slot" whose `next` is null, so testing a popped slot's `next` for null is the empty
//! test: the pop reads `next` anyway, and needs no separate comparison.

use core::ptr;

/// The header written into a slot while it is free.
#[repr(C)]
pub(crate) struct FreeSlot {
    /// The next free slot, or the sentinel. Null only in the sentinel.
    pub(crate) next: *mut FreeSlot,
}

/// A `FreeSlot` that is only ever read, so it can be shared by every thread.
pub(crate) struct Sentinel(FreeSlot);

// SAFETY: the sentinel is never written after its constant initialization (the pool writes only
// into slots it popped, and the sentinel is never popped: its null `next` marks it), so sharing
// a reference across threads exposes no mutation.
unsafe impl Sync for Sentinel {}

/// The end of every non-empty list, and the head of an empty one.
pub(crate) static EMPTY: Sentinel = Sentinel(FreeSlot {
    next: ptr::null_mut(),
});

/// A pointer to the sentinel, in the type the lists use. It is never written through.
#[inline(always)]
pub(crate) const fn empty() -> *mut FreeSlot {
    ptr::addr_of!(EMPTY.0).cast_mut()
}

/// A list of free slots handed between a cache and the depot: its top and its length.
#[derive(Clone, Copy)]
pub(crate) struct List {
    pub(crate) head: ptr::NonNull<FreeSlot>,
    pub(crate) len: usize,
}
