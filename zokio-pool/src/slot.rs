//! Free slots and the static sentinels that end every free list.
//!
//! A free slot stores, in its own first two words, the next free slot and its depth: the number of
//! slots from it to the end of its list, itself included. Depth counts from the bottom, so popping
//! the top of a list leaves a valid list, and a list's length is its head's depth: no counter has
//! to be kept beside the list.
//!
//! Every list ends in a sentinel, a static "slot" whose `next` is null. Testing a popped slot's
//! `next` for null is therefore the empty test, and reading the head's depth before a push is
//! always valid.

use core::ptr;

/// The header written into a slot while it is free.
#[repr(C)]
pub(crate) struct FreeSlot {
    /// The next free slot, or a sentinel. Null only in sentinels.
    pub(crate) next: *mut FreeSlot,
    /// Slots from this one to the end of the list, this one included (0 in [`EMPTY`]).
    pub(crate) depth: usize,
}

/// A `FreeSlot` that is only ever read, so it can be shared by every thread.
pub(crate) struct Sentinel(FreeSlot);

// SAFETY: a sentinel is never written after its constant initialization (the pool writes only
// into slots it popped, and a sentinel is never popped: its null `next` marks it), so sharing a
// reference across threads exposes no mutation.
unsafe impl Sync for Sentinel {}

/// The end of every non-empty list, and the head of an empty one. Depth 0.
pub(crate) static EMPTY: Sentinel = Sentinel(FreeSlot { next: ptr::null_mut(), depth: 0 });

/// The head of a cache that must take the slow path on every push and pop: one not yet
/// registered for its thread-exit flush, or one closed by that flush. Its depth is larger than
/// any magazine, so a push overflows; its `next` is null, so a pop finds it empty.
pub(crate) static BLOCKED: Sentinel =
    Sentinel(FreeSlot { next: ptr::null_mut(), depth: usize::MAX / 2 });

/// A pointer to a sentinel, in the type the lists use. It is never written through.
#[inline(always)]
pub(crate) const fn sentinel(s: &'static Sentinel) -> *mut FreeSlot {
    ptr::addr_of!(s.0).cast_mut()
}
