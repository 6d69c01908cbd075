//! Magazines: arrays of pointers to free slots (Bonwick's design).
//!
//! A free slot's memory is never written by the pool: the slot's address sits in a magazine, an
//! array of `M` pointers that belongs to a thread cache or to the depot. Taking a slot reads the
//! array, which stays in the L1 cache, and never the slot itself, which may be cold or, after a
//! cross-thread free, in another core's cache; consecutive takes do not depend on each other's
//! loads, so the processor overlaps them (an intrusive list chases one pointer per take).
//!
//! Arrays are allocated when a cache or the depot needs one and reused: an empty array goes
//! back to the depot's stock when its cache takes a full magazine. `trim` frees the stock
//! beyond what the active caches may need.

use core::ptr::NonNull;
use std::alloc::{self, Layout};

/// One entry of a magazine: a pointer to a free slot.
pub(crate) type Round = NonNull<u8>;

/// A magazine handed between a cache and the depot: its array and how many rounds (free slots)
/// it holds, `1..=M` at the front of the array.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Magazine {
    pub(crate) rounds: NonNull<Round>,
    pub(crate) len: usize,
}

/// The layout of an array of `m` rounds.
fn layout(m: usize) -> Layout {
    // `Config::of` checked in const evaluation that M rounds fit a layout.
    Layout::array::<Round>(m).expect("zokio-pool: magazine layout was validated by Config::of")
}

/// A new, empty array of `m >= 1` rounds.
pub(crate) fn new_array(m: usize) -> NonNull<Round> {
    let layout = layout(m);
    // SAFETY: `m >= 1` (Config::of), so the layout has a non-zero size.
    let raw = unsafe { alloc::alloc(layout) };
    match NonNull::new(raw) {
        Some(p) => p.cast(),
        None => alloc::handle_alloc_error(layout),
    }
}

/// Frees an array of [`new_array`].
///
/// # Safety
/// `array` came from `new_array(m)` with this `m`, holds no round anyone needs, and is not
/// used after.
pub(crate) unsafe fn free_array(array: NonNull<Round>, m: usize) {
    // SAFETY: allocated by `new_array(m)`, with this layout (the caller's contract).
    unsafe { alloc::dealloc(array.as_ptr().cast(), layout(m)) };
}
