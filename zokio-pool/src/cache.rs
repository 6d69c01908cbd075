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
use crate::slot::{empty, FreeSlot, List};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Never used on this thread: the flush is not registered yet.
    Unregistered,
    /// In use.
    Active,
    /// Flushed at thread exit: every operation goes to the depot.
    Closed,
}

/// The thread cache of one pool on one thread. Created by the derive's `thread_local!`.
///
/// Bookkeeping on the hot path is two counters: `room`, which makes a push onto a full list
/// take the slow path, and `handed`, the one statistics counter. The number of slots given back
/// is derived from them when it is needed (see `LocalCache::unfolded`).
#[doc(hidden)]
pub struct LocalCache {
    /// The loaded list (the sentinel when empty). Pops and pushes happen at its head.
    head: Cell<*mut FreeSlot>,
    /// `M + 1 - len(loaded)` while active, so a push that would make the loaded list longer
    /// than M brings it to 0. Always 1 when not active, so every push takes the slow path.
    room: Cell<usize>,
    /// The previous magazine: the sentinel, or a list of exactly M free slots.
    prev: Cell<*mut FreeSlot>,
    /// Never-used slots taken from the depot: the next one and how many are left.
    fresh_next: Cell<*mut u8>,
    fresh_left: Cell<usize>,
    /// Slots handed out since the last fold.
    handed: Cell<usize>,
    /// Fresh slots handed out since the last fold.
    fresh: Cell<usize>,
    /// Balances slots moved in and out by the slow paths, so that
    /// `returned = handed + held - base` (wrapping) counts the slots given back since the last
    /// fold, `held` being the slots in the two lists.
    base: Cell<usize>,
    state: Cell<State>,
}

impl core::fmt::Debug for LocalCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalCache")
            .field("state", &self.state.get())
            .finish_non_exhaustive()
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
            head: Cell::new(empty()),
            room: Cell::new(1),
            prev: Cell::new(empty()),
            fresh_next: Cell::new(core::ptr::null_mut()),
            fresh_left: Cell::new(0),
            handed: Cell::new(0),
            fresh: Cell::new(0),
            base: Cell::new(0),
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
        // SAFETY: `head` always points to a valid FreeSlot: a free slot this cache owns or the
        // static sentinel.
        let next = unsafe { (*top).next };
        if next.is_null() {
            return self.pop_slow(key, depot);
        }
        self.head.set(next);
        self.room.set(self.room.get() + 1);
        self.handed.set(self.handed.get() + 1);
        // SAFETY: `top` is not the sentinel (its `next` is not null), so it is a slot.
        Some(unsafe { NonNull::new_unchecked(top.cast()) })
    }

    /// Gives back a slot.
    ///
    /// # Safety
    /// `slot` is a slot of this cache's pool that no handle refers to any more; `key` is the key
    /// of this cache and `depot` the depot of its pool.
    #[inline(always)]
    pub(crate) unsafe fn push(
        &self,
        slot: NonNull<u8>,
        key: &'static LocalKey<LocalCache>,
        depot: &'static Depot,
    ) {
        // `room >= 1` outside the slow paths, so this does not wrap.
        let room = self.room.get() - 1;
        self.room.set(room);
        if room == 0 {
            // SAFETY: forwarded from the caller.
            return unsafe { self.push_slow(slot, key, depot) };
        }
        let s = slot.cast::<FreeSlot>().as_ptr();
        // SAFETY: the caller gives the slot to the pool; it is aligned and large enough for a
        // FreeSlot (Config::of makes every slot at least a word and word-aligned).
        unsafe {
            s.write(FreeSlot {
                next: self.head.get(),
            })
        };
        self.head.set(s);
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
        let magazine = depot.config().magazine;
        // The loaded list is empty: load the previous magazine, else ask the depot.
        let prev = self.prev.replace(empty());
        if prev != empty() {
            self.head.set(prev);
            self.room.set(1);
            return self.pop(key, depot);
        }
        // Free slots in the depot go before never-used ones, even with a fresh run at hand: a
        // fresh slot is then handed out only when no free slot is left, so on one thread every
        // fresh slot marks a new peak of live objects, which `observe_live` below records.
        if self.fresh_left.get() == 0 || depot.free_slots() > 0 {
            let (handed, returned, _) = self.unfolded(magazine);
            depot.observe_live(handed, returned);
            self.fold(depot);
            let refill = if self.fresh_left.get() == 0 {
                depot.refill(magazine)
            } else {
                // Never a fresh run: the one at hand would be lost.
                depot
                    .take_magazine()
                    .map_or(Refill::Exhausted, Refill::Magazine)
            };
            match refill {
                Refill::Magazine(list) => {
                    self.head.set(list.head.as_ptr());
                    self.room.set(magazine + 1 - list.len);
                    self.base.set(self.base.get().wrapping_add(list.len));
                    return self.pop(key, depot);
                }
                Refill::Fresh(start, n) => {
                    self.fresh_next.set(start.as_ptr());
                    self.fresh_left.set(n);
                }
                Refill::Exhausted if self.fresh_left.get() == 0 => return None,
                // Another thread took the magazine first: use the fresh run.
                Refill::Exhausted => {}
            }
        }
        let slot = self.fresh_next.get();
        // SAFETY: `fresh_left > 0`, so `slot` is a never-used slot of a chunk and the next one
        // (possibly one past the run's end) is in or one past the same chunk.
        self.fresh_next
            .set(unsafe { slot.add(depot.config().slot_size) });
        self.fresh_left.set(self.fresh_left.get() - 1);
        self.fresh.set(self.fresh.get() + 1);
        self.handed.set(self.handed.get() + 1);
        // A fresh slot enters the cache's accounts as if it had been moved in and popped.
        self.base.set(self.base.get().wrapping_add(1));
        let (handed, returned, _) = self.unfolded(magazine);
        depot.observe_live(handed, returned);
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
        // Undo the fast path's decrement: the loaded list is full, or the cache is not active.
        self.room.set(1);
        match self.state.get() {
            State::Active => {}
            State::Unregistered => {
                self.register(key, depot);
                // SAFETY: forwarded from the caller.
                return unsafe { self.push(slot, key, depot) };
            }
            // SAFETY: forwarded from the caller.
            State::Closed => return unsafe { depot.give_one(slot) },
        }
        // The loaded list holds M slots: a previous full magazine goes to the depot, and the
        // loaded list becomes the previous one.
        let magazine = depot.config().magazine;
        if let Some(full) = NonNull::new(self.prev.get()).filter(|p| p.as_ptr() != empty()) {
            // Fold while both lists are still counted in `held`, then take the M slots that
            // leave out of the balance.
            self.fold(depot);
            depot.give_magazine(List {
                head: full,
                len: magazine,
            });
            self.base.set(self.base.get().wrapping_sub(magazine));
        }
        self.prev.set(self.head.replace(empty()));
        self.room.set(magazine + 1);
        // SAFETY: forwarded from the caller; the loaded list is now empty, so this push takes
        // the fast path.
        unsafe { self.push(slot, key, depot) }
    }

    /// Registers the thread-exit flush; if the thread is already past its TLS teardown, closes
    /// the cache instead.
    fn register(&self, key: &'static LocalKey<LocalCache>, depot: &'static Depot) {
        let registered = FLUSH
            .try_with(|f| f.caches.borrow_mut().push((key, depot)))
            .is_ok();
        if registered {
            self.state.set(State::Active);
            self.room.set(depot.config().magazine + 1);
        } else {
            self.state.set(State::Closed);
        }
    }

    /// Slots in the two lists; `magazine` is the pool's M.
    pub(crate) fn held(&self, magazine: usize) -> usize {
        if self.state.get() != State::Active {
            return 0;
        }
        let prev = if self.prev.get() == empty() {
            0
        } else {
            magazine
        };
        magazine + 1 - self.room.get() + prev
    }

    /// Moves the unfolded counters to the depot.
    fn fold(&self, depot: &Depot) {
        let (handed, returned, fresh) = self.unfolded(depot.config().magazine);
        depot.count(handed, returned, fresh);
        self.handed.set(0);
        self.fresh.set(0);
        self.base.set(self.held(depot.config().magazine));
    }

    /// Marks a cache that lives outside a `thread_local!` as in use, without registering a
    /// thread-exit flush (the loom models call `close` themselves).
    #[cfg(all(test, loom))]
    pub(crate) fn activate_for_model(&self, magazine: usize) {
        self.state.set(State::Active);
        self.room.set(magazine + 1);
    }

    /// Thread exit: everything goes to the depot, and the cache closes.
    pub(crate) fn close(&self, depot: &Depot) {
        let magazine = depot.config().magazine;
        self.fold(depot);
        let loaded_len = self.held(magazine)
            - if self.prev.get() == empty() {
                0
            } else {
                magazine
            };
        let list = |head: *mut FreeSlot, len: usize| {
            NonNull::new(head)
                .filter(|h| h.as_ptr() != empty())
                .map(|head| List { head, len })
        };
        let loaded = list(self.head.replace(empty()), loaded_len);
        let prev = list(self.prev.replace(empty()), magazine);
        let left = self.fresh_left.take();
        let fresh = NonNull::new(self.fresh_next.get())
            .filter(|_| left > 0)
            .map(|p| (p, left));
        self.state.set(State::Closed);
        self.room.set(1);
        self.base.set(0);
        depot.absorb([loaded, prev], fresh);
    }

    /// The counters not yet folded, `(handed, returned, fresh)`; `magazine` is the pool's M.
    pub(crate) fn unfolded(&self, magazine: usize) -> (usize, usize, usize) {
        let handed = self.handed.get();
        let held = self.held(magazine);
        let returned = handed.wrapping_add(held).wrapping_sub(self.base.get());
        (handed, returned, self.fresh.get())
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
