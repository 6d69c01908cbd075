//! The statistics of kept objects: what taking and giving back a slot of a recycling pool
//! counts. Called by `raw.rs` (which takes and gives back slots) and by `mode.rs`; uses only
//! the layers below them (the slot's state word, the thread cache).

use core::ptr::NonNull;

use crate::pool::Pool;
use crate::slot;

/// The statistics of a slot of recycling pool `P` just taken from this thread's cache; returns
/// whether it keeps an object. A kept object's capacity leaves the statistics; an empty slot is
/// counted (the number of kept objects is derived from it). A kept object of no capacity counts
/// nothing.
///
/// # Safety
/// `slot` is a free slot of `P`, a recycling pool, just taken by this thread.
#[inline(always)]
pub(crate) unsafe fn on_take<P: Pool + ?Sized>(slot: NonNull<u8>) -> bool {
    // SAFETY: a free slot of a recycling pool, ours (the caller's contract).
    let state = unsafe { slot::state(slot) };
    let depot = P::__depot();
    if state == slot::EMPTY {
        crate::raw::with_cache::<P, _>(|cache| cache.count_recycle(depot, 1, 0));
        return false;
    }
    // One compare against a constant (the state of a kept object of no capacity) rather than a
    // subtraction and a test: the common case of objects with no capacity pays one instruction.
    if state != slot::kept(0) {
        let capacity = slot::kept_capacity(state);
        crate::raw::with_cache::<P, _>(|cache| {
            cache.count_recycle(depot, 0, capacity.wrapping_neg())
        });
    }
    true
}

/// Counts a slot of a recycling pool given back empty (see [`on_take`]).
#[inline(always)]
pub(crate) fn on_give_back_empty<P: Pool + ?Sized>() {
    let empty = 1usize.wrapping_neg();
    crate::raw::with_cache::<P, _>(|cache| cache.count_recycle(P::__depot(), empty, 0));
}

/// Counts a slot of a recycling pool given back keeping an object whose state word is
/// `state` (see [`slot::kept`]): its `kept_capacity` joins the statistics.
#[inline(always)]
pub(crate) fn on_give_back_kept<P: Pool + ?Sized>(state: usize) {
    let counted = slot::kept_capacity(state);
    if counted != 0 {
        crate::raw::with_cache::<P, _>(|cache| cache.count_recycle(P::__depot(), 0, counted));
    }
}
