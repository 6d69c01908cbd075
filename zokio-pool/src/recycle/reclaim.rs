//! Trimming a recycling pool: the objects that its depot's free slots keep are dropped, so that
//! their chunks can go back to the page heap (`trim.rs`). Uses only the layers below the boxes
//! (the slot's state word, the depot), like `count.rs`.

use core::ptr::{self, NonNull};

use crate::pool::Pool;
use crate::slot;

/// `trim`'s work on recycling pool `P`: drops the objects that the depot's free slots keep, so
/// that their chunks can go back (`Depot::release_free_chunks` keeps a chunk with a kept
/// object), and counts each in `PoolStats::discarded`. The slots leave the depot while their
/// objects drop, outside its lock (a `Drop` is user code), and go back empty, even if a drop
/// panics. Slots kept by thread caches are not touched.
pub(crate) fn discard_free_kept<P: Pool + ?Sized>() {
    let depot = P::__depot();
    let slots = depot.take_kept();
    if slots.is_empty() {
        return;
    }
    /// Gives the slots back when done, or when a drop panics.
    struct GiveBack<'a>(&'a crate::depot::Depot, &'a [NonNull<u8>]);
    impl Drop for GiveBack<'_> {
        fn drop(&mut self) {
            // SAFETY: free slots taken from this depot by `take_kept`, ours alone; each one's
            // state word is written: EMPTY once its object was dropped (or its drop began),
            // else still the state of the object it keeps.
            unsafe { self.0.give_back_free(self.1) };
        }
    }
    let _give_back = GiveBack(depot, &slots);
    for &slot in &slots {
        // SAFETY: a free slot of a recycling pool, out of the depot: ours alone, its state
        // word initialized.
        let state = unsafe { slot::state(slot) };
        if state == slot::EMPTY {
            continue;
        }
        // SAFETY: as above. The slot is marked empty first: if the drop panics, it goes back
        // empty (its object is then dropped as far as its drop got, never twice).
        unsafe { slot::set_state(slot, slot::EMPTY) };
        // The slot counts as given back empty: one kept object less, and its capacity.
        let capacity = slot::kept_capacity(state);
        depot
            .stats()
            .count_kept(1usize.wrapping_neg(), capacity.wrapping_neg());
        depot.stats().count_discarded();
        // SAFETY: a slot in a kept state holds a valid, reset object, now ours, dropped once.
        unsafe { ptr::drop_in_place(slot::object::<P::Item>(slot, P::__CONFIG.header).as_ptr()) };
    }
}
