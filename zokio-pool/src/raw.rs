//! Taking and giving back raw slots of a pool: the inlined glue between a pool's static items
//! and its thread cache.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::pool::Pool;

/// Takes a slot of pool `P` for one `P::Item`, or `None` if the pool is at its `max`.
///
/// A zero-sized item takes no memory: the slot is a dangling, aligned pointer.
#[inline(always)]
pub(crate) fn alloc<P: Pool + ?Sized>() -> Option<NonNull<u8>> {
    let depot = P::__depot();
    if P::__CONFIG.is_zst() {
        return depot
            .zst_take()
            .then(NonNull::<P::Item>::dangling)
            .map(NonNull::cast);
    }
    let key = P::__cache();
    key.with(|cache| cache.pop(key, depot))
}

/// Gives a slot back to pool `P`.
///
/// # Safety
/// `slot` was taken from `P`'s pool by [`alloc`] and nothing refers to it any more (its item has
/// been dropped or moved out, or was never written).
#[inline(always)]
pub(crate) unsafe fn release<P: Pool + ?Sized>(slot: NonNull<u8>) {
    let depot = P::__depot();
    if P::__CONFIG.is_zst() {
        depot.zst_give();
        return;
    }
    let key = P::__cache();
    // SAFETY: forwarded from the caller; `key` and `depot` are P's (`Pool`'s contract).
    key.with(|cache| unsafe { cache.push(slot, key, depot) })
}

/// Gives a slot back when dropped: keeps a slot from leaking when user code panics.
pub(crate) struct ReleaseOnDrop<P: Pool + ?Sized> {
    slot: NonNull<u8>,
    _pool: PhantomData<fn() -> P>,
}

impl<P: Pool + ?Sized> ReleaseOnDrop<P> {
    /// # Safety
    /// The guard takes ownership of `slot`, a slot of `P`'s pool: by the time it drops, the
    /// slot's item must be dropped, moved out or never written, and nothing may refer to it
    /// (or the guard must be forgotten).
    #[inline(always)]
    pub(crate) unsafe fn new(slot: NonNull<u8>) -> Self {
        ReleaseOnDrop {
            slot,
            _pool: PhantomData,
        }
    }
}

impl<P: Pool + ?Sized> Drop for ReleaseOnDrop<P> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: `new`'s contract: the guard owns a slot of P whose item is gone.
        unsafe { release::<P>(self.slot) }
    }
}
