//! Taking and giving back raw slots of a pool: the inlined glue between a pool's static items
//! and its thread cache.
//!
//! A slot's layout is in `slot.rs`: in recycle mode a header (a state word) goes before the
//! object, and a free slot may keep its object. In a plain pool the object is the whole slot;
//! every `header` test below is on a constant, so a plain pool pays nothing for recycle mode.

use core::marker::PhantomData;
use core::ptr::{self, NonNull};

use crate::cache::{Home, LocalCache};
use crate::pool::Pool;
use crate::slot;

/// Whether every object goes to the global allocator on its own: slots are then never reused,
/// so Miri and AddressSanitizer see each object's lifetime, and a use after free is reported as
/// one. On with the cargo feature `checking`, and by default under Miri, except for this crate's
/// own unit tests (which test the real pool) and builds with `--cfg zokio_pool_real` (which run
/// the real pool under Miri).
///
/// Statistics stay exact in checking mode, but nothing is reused: `reused` stays 0 and
/// `capacity` is the number of live objects.
pub const CHECKING_MODE: bool = cfg!(any(
    feature = "checking",
    all(miri, not(test), not(zokio_pool_real))
));

/// The byte debug builds fill a free slot's object bytes with, so that a use after the slot went
/// back reads an obvious pattern.
const POISON: u8 = 0xDB;

/// A slot taken from a pool: where its object goes, and whether a kept object is there.
pub(crate) struct Taken<T> {
    pub(crate) object: NonNull<T>,
    pub(crate) kept: bool,
    /// Where the slot still is, for [`commit`] to take it off the cache.
    source: Source,
}

/// Where an uncommitted slot is.
#[derive(Clone, Copy)]
enum Source {
    /// Taken already (the slow path, a zero-sized item, checking mode).
    Taken,
    /// The top of the cache's loaded array; taking it makes this the new top.
    Array(*mut crate::magazine::Round),
}

/// Runs `f` on this thread's cache of pool `P`, reached through a register
/// ([`LocalCache::in_register`]): the way every hot path of the typed pools (takes, give-backs,
/// recycle mode's counts) reaches its cache, so that they all address it the same way and
/// LLVM computes the address once per function.
#[inline(always)]
pub(crate) fn with_cache<P: Pool + ?Sized, R>(f: impl FnOnce(&LocalCache) -> R) -> R {
    P::__cache().with(|cache| f(cache.in_register()))
}

/// Takes a slot of pool `P` for one `P::Item`, or `None` if the pool is at its `max`.
#[inline(always)]
pub(crate) fn alloc<P: Pool + ?Sized>() -> Option<Taken<P::Item>> {
    let taken = alloc_uncommitted::<P>()?;
    commit::<P>(&taken);
    Some(taken)
}

/// Ends [`alloc_uncommitted`]: takes the slot off the thread cache if it is still there.
#[inline(always)]
pub(crate) fn commit<P: Pool + ?Sized>(taken: &Taken<P::Item>) {
    match taken.source {
        Source::Taken => {}
        Source::Array(top) => with_cache::<P, _>(|cache| cache.commit_array(top)),
    }
}

/// [`alloc`], except that a slot found in the thread cache (the top of its loaded array) stays
/// listed there until [`commit`]: the caller may write the object first, which lets LLVM build a value
/// directly in its slot (the cache's stores are atomic, and LLVM moves no memory access across
/// an atomic store). No code that may use the pool (user code: a constructor, a `Drop`) may run
/// before the `commit`, which must come before anything else touches the pool on this thread.
///
/// A zero-sized item takes no memory: the object is at a dangling, aligned pointer. In a pool
/// with a `max`, the slot is reserved first (`Depot::reserve`, one atomic compare-exchange;
/// the test of `max` is on a constant, so other pools pay nothing).
#[inline(always)]
pub(crate) fn alloc_uncommitted<P: Pool + ?Sized>() -> Option<Taken<P::Item>> {
    let depot = P::__depot();
    let config = P::__CONFIG;
    if config.is_direct() || CHECKING_MODE {
        crate::registry::register(depot, P::__name, release_pool::<P>);
        let slot = depot.direct_take(config.slot_layout())?;
        let object = if config.is_zst() {
            NonNull::dangling()
        } else {
            // SAFETY: a block of slot size, laid out as a slot.
            unsafe { slot::object(slot, config.header) }
        };
        // A kept zero-sized object is only a count: taking one is taking the count.
        let kept = config.is_zst()
            && P::__RECYCLE.is_some()
            && !CHECKING_MODE
            && depot.stats().take_kept_zst();
        return Some(Taken {
            object,
            kept,
            source: Source::Taken,
        });
    }
    let limited = config.max != usize::MAX;
    if limited && !depot.reserve() {
        return None;
    }
    let (slot, source) = match with_cache::<P, _>(|cache| cache.peek_array()) {
        // SAFETY: `peek_array` returns a round of the loaded array that holds an initialized
        // free slot.
        Some(top) => (unsafe { top.read() }, Source::Array(top)),
        None => match pop_slow::<P>() {
            Some(slot) => (slot, Source::Taken),
            None => {
                // Not reached: a reserved take grows the pool past `max` if it must.
                if limited {
                    depot.unreserve();
                }
                return None;
            }
        },
    };
    #[cfg(zokio_pool_asan)]
    // SAFETY: the object bytes of a slot of this pool, poisoned when it was freed.
    unsafe {
        crate::asan::unpoison(slot.add(config.header), config.item_size)
    };
    if config.header == 0 {
        return Some(Taken {
            object: slot.cast(),
            kept: false,
            source,
        });
    }
    // SAFETY: a free slot of this recycling pool, just taken by this thread.
    let kept = unsafe { crate::recycle::count::on_take::<P>(slot) };
    Some(Taken {
        // SAFETY: a slot of this pool.
        object: unsafe { slot::object(slot, config.header) },
        kept,
        source,
    })
}

/// A slot from `P`'s thread cache when its loaded array has none (the slow path): the next slot
/// of the cache's never-used run if nothing comes before it (`carve_next`), else lists the pool
/// and takes the cache's slow path. Out of line, and with no arguments (it finds its own cache
/// and depot), so that the call costs the caller little.
///
/// `extern "C"`, as `LocalCache::push_slow`: such a function cannot unwind (a panic in it
/// aborts), so its callers need no unwinding edge at the call, and LLVM keeps what they hold
/// in registers across it instead of storing it before each call. A `Vec` of boxes emptied
/// with `pop` then kept its length in memory at every drop; one instruction less per object
/// of the 64 B batches in `scripts/instructions.sh`. Nothing here can panic but on a broken
/// invariant, where aborting is the right end.
///
/// `#[cold]`, so that LLVM lays the call out after the caller's fast path, which then falls
/// through to the caller's writing of the object instead of jumping over the call: one
/// instruction fewer per take (the 64 B pair of `scripts/instructions.sh`, 39.0 -> 38.0).
#[cold]
#[inline(never)]
extern "C" fn pop_slow<P: Pool + ?Sized>() -> Option<NonNull<u8>> {
    let key = P::__cache();
    let depot = P::__depot();
    key.with(|cache| {
        if let Some(slot) = cache.pop_swapped() {
            return Some(slot);
        }
        if let Some(slot) = cache.carve_next(depot) {
            return Some(slot);
        }
        // Listing runs no user code and takes no slot, so it may run with the cache at hand.
        crate::registry::register(depot, P::__name, release_pool::<P>);
        cache.pop_slow(Home::Key(key), depot)
    })
}

/// `trim`'s work on pool `P` (its calling thread's cache already drained), `all` true: drops
/// the objects its free slots keep (recycle mode), then gives every chunk with no slot outside
/// the depot back to the page heap. `all` false: the working-set rule only (`Depot::reap`;
/// kept objects stay). Returns the bytes given to the heap. Nothing live moves.
pub(crate) fn release_pool<P: Pool + ?Sized>(all: bool) -> usize {
    if P::__CONFIG.is_direct() || CHECKING_MODE {
        // Objects outside the slot machinery go back to the allocator one by one already.
        return 0;
    }
    if !all {
        return P::__depot().reap();
    }
    if P::__CONFIG.header != 0 && P::__RECYCLE.is_some() {
        crate::recycle::reclaim::discard_free_kept::<P>();
    }
    P::__depot().release_free_chunks()
}

/// Gives a slot back to pool `P`, without an object.
///
/// # Safety
/// `object` was taken from `P`'s pool by [`alloc`] and nothing refers to it any more; its
/// object has been dropped or moved out, or was never written.
#[inline(always)]
pub(crate) unsafe fn release<P: Pool + ?Sized>(object: NonNull<P::Item>) {
    if P::__CONFIG.header != 0 && !CHECKING_MODE {
        crate::recycle::count::on_give_back_empty::<P>();
    }
    // SAFETY: forwarded from the caller.
    unsafe { give_back::<P>(object, slot::EMPTY) }
}

/// Gives a slot back; `state` is its state word in recycle mode ([`slot::EMPTY`] or
/// [`slot::kept`]), else [`slot::EMPTY`].
///
/// # Safety
/// As for [`release`], or, with a kept state, the object is valid and reset, and `P` is in
/// recycle mode.
#[inline(always)]
pub(crate) unsafe fn give_back<P: Pool + ?Sized>(object: NonNull<P::Item>, state: usize) {
    let depot = P::__depot();
    let config = P::__CONFIG;
    if config.is_zst() {
        // SAFETY: a zero-sized object has no memory; the depot only counts.
        unsafe { depot.direct_give(object.cast(), config.slot_layout()) };
        notify_direct::<P>();
        return;
    }
    // SAFETY: the object of a slot of P (the caller's contract).
    let slot = unsafe { slot::of_object(object, config.header) };
    if state == slot::EMPTY {
        // SAFETY: the object's bytes are the caller's to give back: nothing refers to them.
        unsafe { scrub::<P>(object.cast()) };
    }
    if CHECKING_MODE || config.direct {
        // SAFETY: in checking mode and in a direct pool every slot comes from `direct_take`,
        // with this pool's slot layout (`alloc_uncommitted`).
        unsafe { depot.direct_give(slot, config.slot_layout()) };
        notify_direct::<P>();
        return;
    }
    if P::__CONFIG.header != 0 {
        // SAFETY: a slot of a recycling pool, given back: nothing refers to it any more.
        unsafe { slot::set_state(slot, state) };
    }
    let key = P::__cache();
    // SAFETY: forwarded from the caller; `key` and `depot` are P's (`Pool`'s contract).
    with_cache::<P, _>(|cache| unsafe { cache.push(slot, Home::Key(key), depot) });
    if config.max != usize::MAX {
        // After the slot is back, so that whoever reserves next may find it; then a waiter,
        // if any, is woken to do so.
        depot.unreserve();
        depot.waiters().notify();
    }
}

/// After a slot given back outside the thread caches (a zero-sized item, checking mode) of a
/// pool with a `max`: wakes a waiter, if any. The fence pairs with the one a waiter makes
/// between registering and trying again (see `wait`).
#[inline(always)]
fn notify_direct<P: Pool + ?Sized>() {
    if P::__CONFIG.max != usize::MAX {
        crate::sync::fence(core::sync::atomic::Ordering::SeqCst);
        P::__depot().waiters().notify();
    }
}

/// Erases the bytes of an object whose slot goes back empty: zeroes them for a `zeroize` pool,
/// fills them with [`POISON`] in debug builds, and poisons them for AddressSanitizer when built
/// with `--cfg zokio_pool_asan`.
///
/// # Safety
/// `object` points to the `item_size` bytes of an object of `P` that nothing refers to.
#[inline(always)]
unsafe fn scrub<P: Pool + ?Sized>(object: NonNull<u8>) {
    let config = P::__CONFIG;
    if config.zeroize {
        for i in 0..config.item_size {
            // SAFETY: inside the object's bytes (the caller's contract); volatile, so the
            // writes are not removed as dead stores.
            unsafe { object.as_ptr().add(i).write_volatile(0) };
        }
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    }
    if cfg!(debug_assertions) && !config.zeroize && !CHECKING_MODE {
        // SAFETY: the object's bytes (the caller's contract).
        unsafe { object.as_ptr().write_bytes(POISON, config.item_size) };
    }
    #[cfg(zokio_pool_asan)]
    if !CHECKING_MODE {
        // SAFETY: the object's bytes, which nobody touches until the slot is handed out again
        // (and `alloc` unpoisons them then).
        unsafe { crate::asan::poison(object, config.item_size) };
    }
}

/// Whether `object` is the object of a slot of pool `P` (a debug check of `from_raw`).
pub(crate) fn owns<P: Pool + ?Sized>(object: NonNull<P::Item>) -> bool {
    let config = P::__CONFIG;
    if config.is_direct() || CHECKING_MODE {
        return true;
    }
    // SAFETY: only an address computation; `owns` checks it against the chunks.
    let slot = object.cast::<u8>().as_ptr().wrapping_sub(config.header);
    NonNull::new(slot).is_some_and(|slot| P::__depot().owns(slot))
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

/// Drops the object and gives its slot back empty when dropped; the slot is released even if
/// the object's drop panics.
pub(crate) struct Discard<P: Pool + ?Sized>(pub(crate) NonNull<P::Item>);

impl<P: Pool + ?Sized> Drop for Discard<P> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: `Discard` is made only for a slot of P whose object is valid and owned; the
        // guard gives the slot back after the object is dropped, even if its drop panics.
        let _release = unsafe { ReleaseOnDrop::<P>::new(self.0) };
        // SAFETY: as above: the object is dropped once, here.
        unsafe { ptr::drop_in_place(self.0.as_ptr()) };
    }
}
