//! Recycle mode at run time: what a recycling pool does that a plain one does not.
//!
//! - `PoolBox::take` and its siblings ([`try_take`]) hand out a kept object, or build one
//!   with the pool's `init`;
//! - a box's drop resets its object and keeps it in its slot ([`drop_kept`]), unless it is over
//!   `max_capacity` or `max_idle`, or its reset panics;
//! - a new value that lands on a slot keeping an object drops that object first
//!   ([`discard_kept`]);
//! - a slot given back with its object ([`release_kept`]), and, in `count.rs`, the
//!   statistics of kept objects, which the lower layer (`raw.rs`) also calls.
//!
//! The slot's state word, which says whether a free slot keeps an object, is in `slot.rs`.

use core::mem;
use core::ptr::{self, NonNull};

use super::{count, Recycler};
use crate::pool::{Pool, RecyclePool};
use crate::raw;
use crate::slot;

/// `PoolBox::take`'s work: the object of a slot of recycling pool `P`, initialized (a kept
/// object, or a new one built by the pool's `init` when the slot taken keeps none), now the
/// caller's to own; `None` if the pool is at its `max`. If `init` panics, the slot goes back
/// empty.
#[inline(always)]
pub(crate) fn try_take<P: RecyclePool>() -> Option<NonNull<P::Item>> {
    let taken = raw::alloc::<P>()?;
    if !taken.kept {
        let Some(recycler) = P::__RECYCLE else {
            unreachable!("a RecyclePool has recycle hooks")
        };
        // SAFETY: the slot is ours and holds no object; if `init` panics, the guard gives it
        // back empty.
        let guard = unsafe { raw::ReleaseOnDrop::<P>::new(taken.object) };
        // SAFETY: the object's place is aligned and large enough for a `P::Item`.
        unsafe { taken.object.as_ptr().write((recycler.init)()) };
        mem::forget(guard);
    }
    Some(taken.object)
}

/// Drops the kept object of a slot just taken, to make room for a new value, and counts it in
/// `PoolStats::discarded`. If the object's drop panics, the slot goes back empty.
///
/// # Safety
/// `object` is the object of a slot of `P` just taken (and committed) by the caller, marked
/// kept: it holds a valid, reset object, now the caller's; the slot holds no object after.
#[inline]
pub(crate) unsafe fn discard_kept<P: Pool + ?Sized>(object: NonNull<P::Item>) {
    // SAFETY: the slot is ours (the caller's contract); if dropping the object panics, the guard
    // gives back a slot in which no object is left.
    let guard = unsafe { raw::ReleaseOnDrop::<P>::new(object) };
    P::__depot().stats().count_discarded();
    // SAFETY: a valid, reset object, now ours (the caller's contract), dropped once.
    unsafe { ptr::drop_in_place(object.as_ptr()) };
    mem::forget(guard);
}

/// Recycle mode's [`Discard`](raw::Discard): counts the object in `PoolStats::discarded` first.
struct DiscardKept<P: Pool + ?Sized>(NonNull<P::Item>);

impl<P: Pool + ?Sized> Drop for DiscardKept<P> {
    fn drop(&mut self) {
        P::__depot().stats().count_discarded();
        drop(raw::Discard::<P>(self.0));
    }
}

/// Recycle mode's drop: reset the object in place and keep it, unless it is over a bound.
///
/// # Safety
/// `object` is the valid, owned object of a slot of `P`, a recycling pool whose hooks are `r`.
#[inline]
pub(crate) unsafe fn drop_kept<P: Pool + ?Sized>(object: NonNull<P::Item>, r: &Recycler<P::Item>) {
    // If the reset panics, the object is dropped and its slot given back empty.
    let discard = DiscardKept::<P>(object);
    // SAFETY: the object is valid and ours (the caller's contract).
    (r.reset)(unsafe { &mut *object.as_ptr() });
    // SAFETY: as above.
    let capacity = (r.capacity)(unsafe { object.as_ref() });
    let keep = !raw::CHECKING_MODE
        && capacity <= r.max_capacity
        && (r.max_idle == usize::MAX || idle::<P>() < r.max_idle);
    if keep {
        mem::forget(discard);
        // SAFETY: the object is valid and reset; the pool recycles.
        unsafe { release_kept::<P>(object, capacity) };
    }
}

/// Gives a slot back to recycling pool `P` with its object, which stays constructed;
/// `capacity` is its `Recycle::kept_capacity`, for the statistics.
///
/// # Safety
/// As for `raw::release`, except that the object is valid and reset, and `P` is in recycle
/// mode.
#[inline(always)]
pub(crate) unsafe fn release_kept<P: Pool + ?Sized>(object: NonNull<P::Item>, capacity: usize) {
    if P::__CONFIG.is_zst() {
        // Nothing to keep but the count; the caller forgot the object.
        P::__depot().stats().keep_zst();
        // SAFETY: forwarded from the caller.
        return unsafe { raw::give_back::<P>(object, slot::EMPTY) };
    }
    debug_assert!(P::__CONFIG.header != 0);
    let state = slot::kept(capacity);
    count::on_give_back_kept::<P>(state);
    // SAFETY: forwarded from the caller.
    unsafe { raw::give_back::<P>(object, state) }
}

/// Free slots at hand for this thread in pool `P`: its cache's plus the depot's. What
/// `max_idle` is compared with.
#[inline]
pub(crate) fn idle<P: Pool + ?Sized>() -> usize {
    let depot = P::__depot();
    if P::__CONFIG.is_zst() {
        return depot.stats().kept_zst();
    }
    let here = P::__cache().try_with(|c| c.held()).unwrap_or(0);
    here + depot.free_slots()
}
