//! The per-thread, per-pool cache: the hot path.
//!
//! A cache holds two lists of free slots: the loaded one (pops and pushes happen at its head) and
//! at most one previous, full magazine of M slots. `pop` and `push` are a handful of instructions
//! on `Cell`s: no lock, no atomic, no size lookup. Everything else is in `#[cold]` functions:
//! swapping magazines, talking to the depot, the first use on a thread (registering the flush
//! that runs at thread exit) and every operation after that flush.
//!
//! The cache type has no `Drop`, so its `thread_local!` (const-initialized) needs no
//! registration check on access. The flush is registered separately, on the slow path.

use core::cell::{Cell, RefCell};
use core::ptr::NonNull;
use std::thread::LocalKey;

use crate::depot::{Depot, Refill};
use crate::slot::{sentinel, FreeSlot, BLOCKED, EMPTY};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Never used on this thread: the flush is not registered yet. Head is `BLOCKED`.
    Unregistered,
    /// In use: head is a list (possibly `EMPTY`).
    Active,
    /// Flushed at thread exit: head is `BLOCKED`, every operation goes to the depot.
    Closed,
}

/// The thread cache of one pool on one thread. Created by the derive's `thread_local!`.
#[doc(hidden)]
pub struct LocalCache {
    /// The loaded list: `EMPTY`, a list of free slots, or `BLOCKED` (see [`State`]).
    head: Cell<*mut FreeSlot>,
    /// The previous magazine: `EMPTY` or a list of exactly M free slots.
    prev: Cell<*mut FreeSlot>,
    /// Never-used slots taken from the depot: the next one and how many are left.
    fresh_next: Cell<*mut u8>,
    fresh_left: Cell<usize>,
    /// Counters not yet folded into the depot.
    handed: Cell<usize>,
    returned: Cell<usize>,
    fresh: Cell<usize>,
    state: Cell<State>,
}

impl core::fmt::Debug for LocalCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalCache").field("state", &self.state.get()).finish_non_exhaustive()
    }
}

impl Default for LocalCache {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalCache {
    /// A cache that has not been used yet.
    pub const fn new() -> LocalCache {
        LocalCache {
            head: Cell::new(sentinel(&BLOCKED)),
            prev: Cell::new(sentinel(&EMPTY)),
            fresh_next: Cell::new(core::ptr::null_mut()),
            fresh_left: Cell::new(0),
            handed: Cell::new(0),
            returned: Cell::new(0),
            fresh: Cell::new(0),
            state: Cell::new(State::Unregistered),
        }
    }

    /// Takes a free slot.
    ///
    /// `key` must be the key of this cache and `depot` the depot of its pool.
    #[inline(always)]
    pub(crate) fn pop(
        &self,
        key: &'static LocalKey<LocalCache>,
        depot: &'static Depot,
    ) -> Option<NonNull<u8>> {
        let top = self.head.get();
        // SAFETY: `head` always points to a valid FreeSlot: a free slot this cache owns or a
        // static sentinel.
        let next = unsafe { (*top).next };
        if next.is_null() {
            return self.pop_slow(key, depot);
        }
        self.head.set(next);
        self.handed.set(self.handed.get() + 1);
        // SAFETY: `top` is not a sentinel (its `next` is not null), so it is a slot.
        Some(unsafe { NonNull::new_unchecked(top.cast()) })
    }

    /// Gives back a slot. `magazine` is the pool's M.
    ///
    /// # Safety
    /// `slot` is a slot of this cache's pool that no handle refers to any more; `key` is the key
    /// of this cache and `depot` the depot of its pool, whose magazine size is `magazine`.
    #[inline(always)]
    pub(crate) unsafe fn push(
        &self,
        slot: NonNull<u8>,
        magazine: usize,
        key: &'static LocalKey<LocalCache>,
        depot: &'static Depot,
    ) {
        let head = self.head.get();
        // SAFETY: `head` always points to a valid FreeSlot (a slot or a sentinel).
        let depth = unsafe { (*head).depth } + 1;
        if depth > magazine {
            // SAFETY: forwarded from the caller.
            return unsafe { self.push_slow(slot, key, depot) };
        }
        let s = slot.cast::<FreeSlot>().as_ptr();
        // SAFETY: the caller gives the slot to the pool; it is aligned and large enough for a
        // FreeSlot (Config::of makes every slot at least two words and word-aligned).
        unsafe { s.write(FreeSlot { next: head, depth }) };
        self.head.set(s);
        self.returned.set(self.returned.get() + 1);
    }

    #[cold]
    #[inline(never)]
    fn pop_slow(
        &self,
        key: &'static LocalKey<LocalCache>,
        depot: &'static Depot,
    ) -> Option<NonNull<u8>> {
        match self.state.get() {
            State::Active => {}
            State::Unregistered => {
                self.register(key, depot);
                return self.pop(key, depot);
            }
            State::Closed => return depot.take_one(),
        }
        // The loaded list is empty.
        let prev = self.prev.get();
        if prev != sentinel(&EMPTY) {
            self.prev.set(sentinel(&EMPTY));
            self.head.set(prev);
            return self.pop(key, depot);
        }
        if self.fresh_left.get() == 0 {
            self.fold(depot);
            match depot.refill(depot.config().magazine) {
                Refill::Magazine(mag) => {
                    self.head.set(mag.as_ptr());
                    return self.pop(key, depot);
                }
                Refill::Fresh(start, n) => {
                    self.fresh_next.set(start.as_ptr());
                    self.fresh_left.set(n);
                }
                Refill::Exhausted => return None,
            }
        }
        let slot = self.fresh_next.get();
        // SAFETY: `fresh_left > 0`, so `slot` is a never-used slot of a chunk and the next one
        // (possibly one past the run's end) is in or one past the same chunk.
        self.fresh_next.set(unsafe { slot.add(depot.config().slot_size) });
        self.fresh_left.set(self.fresh_left.get() - 1);
        self.fresh.set(self.fresh.get() + 1);
        self.handed.set(self.handed.get() + 1);
        depot.observe_live(self.handed.get(), self.returned.get());
        // SAFETY: slots are carved from non-null chunks.
        Some(unsafe { NonNull::new_unchecked(slot) })
    }

    /// # Safety
    /// As for [`push`](Self::push).
    #[cold]
    #[inline(never)]
    unsafe fn push_slow(
        &self,
        slot: NonNull<u8>,
        key: &'static LocalKey<LocalCache>,
        depot: &'static Depot,
    ) {
        let magazine = depot.config().magazine;
        match self.state.get() {
            State::Active => {}
            State::Unregistered => {
                self.register(key, depot);
                // SAFETY: forwarded from the caller.
                return unsafe { self.push(slot, magazine, key, depot) };
            }
            // SAFETY: forwarded from the caller.
            State::Closed => return unsafe { depot.give_one(slot) },
        }
        // The loaded list holds M slots: it becomes the previous magazine, and a previous full
        // one goes to the depot.
        let prev = self.prev.replace(self.head.get());
        if let Some(full) = NonNull::new(prev).filter(|p| p.as_ptr() != sentinel(&EMPTY)) {
            self.fold(depot);
            depot.give_magazine(full);
        }
        self.head.set(sentinel(&EMPTY));
        // SAFETY: forwarded from the caller; the loaded list is now empty, so this push takes
        // the fast path.
        unsafe { self.push(slot, magazine, key, depot) }
    }

    /// Registers the thread-exit flush; if the thread is already past its TLS teardown, closes
    /// the cache instead.
    fn register(&self, key: &'static LocalKey<LocalCache>, depot: &'static Depot) {
        let registered = FLUSH
            .try_with(|f| f.caches.borrow_mut().push((key, depot)))
            .is_ok();
        if registered {
            self.state.set(State::Active);
            self.head.set(sentinel(&EMPTY));
        } else {
            self.state.set(State::Closed);
        }
    }

    /// Moves the unfolded counters to the depot.
    fn fold(&self, depot: &Depot) {
        depot.observe_live(self.handed.get(), self.returned.get());
        depot.count(self.handed.take(), self.returned.take(), self.fresh.take());
    }

    /// Thread exit: everything goes to the depot, and the cache closes.
    fn close(&self, depot: &Depot) {
        let list = |p: *mut FreeSlot| NonNull::new(p).filter(|p| p.as_ptr() != sentinel(&EMPTY));
        let head = list(self.head.replace(sentinel(&BLOCKED)));
        let prev = list(self.prev.replace(sentinel(&EMPTY)));
        let left = self.fresh_left.take();
        let fresh = NonNull::new(self.fresh_next.get()).filter(|_| left > 0).map(|p| (p, left));
        self.state.set(State::Closed);
        self.fold(depot);
        depot.absorb([head, prev], fresh);
    }

    /// The counters not yet folded, `(handed, returned, fresh)`.
    pub(crate) fn unfolded(&self) -> (usize, usize, usize) {
        (self.handed.get(), self.returned.get(), self.fresh.get())
    }
}

/// The caches used on this thread, flushed when the thread exits.
struct Flush {
    caches: RefCell<Vec<(&'static LocalKey<LocalCache>, &'static Depot)>>,
}

impl Drop for Flush {
    fn drop(&mut self) {
        for (key, depot) in core::mem::take(self.caches.get_mut()) {
            // A const-initialized thread local without `Drop` is never destroyed, so this
            // succeeds; if a platform ever frees it first, there is nothing left to flush.
            let _ = key.try_with(|cache| cache.close(depot));
        }
    }
}

std::thread_local! {
    static FLUSH: Flush = const { Flush { caches: RefCell::new(Vec::new()) } };
}
