//! Taking and giving back raw slots of a pool: the inlined glue between a pool's static items
//! and its thread cache.
//!
//! In recycle mode a slot is a header (the free-list link, then a state word) followed by the
//! object, and a free slot may keep its object: the state word says whether it does. In a plain
//! pool the object starts the slot and overlaps the link; every `header` test below is a
//! constant, so a plain pool pays nothing for recycle mode.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::pool::Pool;

/// State word of a free slot in recycle mode: no object.
pub(crate) const EMPTY_SLOT: usize = 0;
/// State word of a free slot in recycle mode: it keeps a constructed object.
pub(crate) const KEPT: usize = 1;

/// A slot taken from a pool: where its object goes, and whether a kept object is there.
pub(crate) struct Taken<T> {
    pub(crate) object: NonNull<T>,
    pub(crate) kept: bool,
}

/// Takes a slot of pool `P` for one `P::Item`, or `None` if the pool is at its `max`.
///
/// A zero-sized item takes no memory: the object is at a dangling, aligned pointer.
#[inline(always)]
pub(crate) fn alloc<P: Pool + ?Sized>() -> Option<Taken<P::Item>> {
    let depot = P::__depot();
    let config = P::__CONFIG;
    if config.is_zst() {
        return depot.zst_take().then(|| Taken {
            object: NonNull::dangling(),
            kept: false,
        });
    }
    let key = P::__cache();
    let slot = key.with(|cache| cache.pop(key, depot))?;
    if config.header == 0 {
        return Some(Taken {
            object: slot.cast(),
            kept: false,
        });
    }
    // SAFETY: in recycle mode every slot starts with a header of `header` bytes whose second
    // word is the state, written when the chunk was carved and whenever the slot was freed.
    unsafe {
        let kept = slot.cast::<usize>().as_ptr().add(1).read() == KEPT;
        Some(Taken {
            object: slot.add(config.header).cast(),
            kept,
        })
    }
}

/// The slot of an object of pool `P`.
///
/// # Safety
/// `object` is the object pointer of a slot taken from `P`.
#[inline(always)]
unsafe fn slot_of<P: Pool + ?Sized>(object: NonNull<P::Item>) -> NonNull<u8> {
    // SAFETY: the object sits `header` bytes into its slot.
    unsafe { object.cast::<u8>().sub(P::__CONFIG.header) }
}

/// Gives a slot back to pool `P`, without an object.
///
/// # Safety
/// `object` was taken from `P`'s pool by [`alloc`] and nothing refers to it any more; its
/// object has been dropped or moved out, or was never written.
#[inline(always)]
pub(crate) unsafe fn release<P: Pool + ?Sized>(object: NonNull<P::Item>) {
    // SAFETY: forwarded from the caller.
    unsafe { give_back::<P>(object, EMPTY_SLOT) }
}

/// Gives a slot back to recycling pool `P` with its object, which stays constructed.
///
/// # Safety
/// As for [`release`], except that the object is valid and reset, and `P` is in recycle mode.
#[inline(always)]
pub(crate) unsafe fn release_kept<P: Pool + ?Sized>(object: NonNull<P::Item>) {
    debug_assert!(P::__CONFIG.header != 0);
    // SAFETY: forwarded from the caller.
    unsafe { give_back::<P>(object, KEPT) }
}

/// # Safety
/// As for [`release`] or [`release_kept`], according to `state`.
#[inline(always)]
unsafe fn give_back<P: Pool + ?Sized>(object: NonNull<P::Item>, state: usize) {
    let depot = P::__depot();
    if P::__CONFIG.is_zst() {
        depot.zst_give();
        return;
    }
    // SAFETY: forwarded from the caller.
    let slot = unsafe { slot_of::<P>(object) };
    if P::__CONFIG.header != 0 {
        // SAFETY: in recycle mode the slot starts with a two-word header; the state word is ours
        // to write now that the slot is given back.
        unsafe { slot.cast::<usize>().as_ptr().add(1).write(state) };
    }
    let key = P::__cache();
    // SAFETY: forwarded from the caller; `key` and `depot` are P's (`Pool`'s contract).
    key.with(|cache| unsafe { cache.push(slot, key, depot) })
}

/// Free slots at hand for this thread in pool `P`: its cache's plus the depot's. What
/// `max_idle` is compared with.
#[inline]
pub(crate) fn idle<P: Pool + ?Sized>() -> usize {
    let depot = P::__depot();
    let here = P::__cache()
        .try_with(|c| c.held(P::__CONFIG.magazine))
        .unwrap_or(0);
    here + depot.free_slots()
}

/// Gives a slot back (without an object) when dropped: keeps a slot from leaking when user code
/// panics.
pub(crate) struct ReleaseOnDrop<P: Pool + ?Sized> {
    object: NonNull<P::Item>,
    _pool: PhantomData<fn() -> P>,
}

impl<P: Pool + ?Sized> ReleaseOnDrop<P> {
    /// # Safety
    /// The guard takes ownership of the slot of `object`, taken from `P`'s pool: by the time
    /// the guard drops, the object must be dropped, moved out or never written, and nothing may
    /// refer to it (or the guard must be forgotten).
    #[inline(always)]
    pub(crate) unsafe fn new(object: NonNull<P::Item>) -> Self {
        ReleaseOnDrop {
            object,
            _pool: PhantomData,
        }
    }
}

impl<P: Pool + ?Sized> Drop for ReleaseOnDrop<P> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: `new`'s contract: the guard owns a slot of P whose object is gone.
        unsafe { release::<P>(self.object) }
    }
}
