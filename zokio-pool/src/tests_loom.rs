//! loom models of the depot: magazine exchanges between threads, the closed-cache path, the
//! `max` check of the counter-only path, a thread-exit flush racing with another thread, a
//! fold of the statistics racing with a reader, and a reader summing a live cache's counters
//! while its owner folds and exchanges magazines, and a free racing a waiter that registers
//! for a slot of a full pool; and `PoolArc`'s count: drops, clones, `try_unwrap`, `into_inner`,
//! `get_mut` and `make_mut` racing one another on two threads; and a release of free chunks
//! (`trim`) racing a cache's magazine exchanges.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p zokio-pool --lib --release tests_loom`
//! (`LOOM_MAX_PREEMPTIONS=3` by default in CI; more for a release check).

use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::Relaxed;
use std::collections::HashSet;

use loom::cell::UnsafeCell;
use loom::sync::atomic::AtomicUsize;
use loom::sync::Arc;
use loom::thread;

use crate::__private::{Config, Depot, LocalCache, Options};
use crate::arc::{ArcInner, Count};
use crate::cache::Home;
use crate::depot::Refill;
use crate::magazine::Magazine;
use crate::stats::Folded;

/// Slots a cache gets from the depot, as addresses: a magazine (read from `array`, which the
/// depot filled) or a fresh run.
fn refill(depot: &Depot) -> Vec<usize> {
    let mut array = depot.spare_array();
    match depot.refill(&mut array, depot.config().magazine_size) {
        Refill::Magazine(len) => (0..len)
            // SAFETY: the depot put `len` rounds at the front of the array.
            .map(|i| unsafe { array.add(i).read() }.as_ptr() as usize)
            .collect(),
        Refill::Fresh(start, n) => (0..n)
            .map(|i| start.as_ptr() as usize + i * depot.config().slot_size)
            .collect(),
        Refill::Exhausted => Vec::new(),
    }
}

/// Takes every free slot out of the depot, checking that none is listed twice.
fn drain(depot: &Depot) -> HashSet<usize> {
    let mut seen = HashSet::new();
    while depot.free_slots() > 0 {
        for s in refill(depot) {
            assert!(seen.insert(s), "slot {s:#x} listed twice");
        }
    }
    seen
}

/// Puts `slots` in a magazine and gives it to the depot.
fn give(depot: &Depot, slots: &[usize]) {
    if slots.is_empty() {
        return;
    }
    let rounds = depot.spare_array();
    for (i, &s) in slots.iter().enumerate() {
        // SAFETY: the array has M rounds and a cache holds at most M slots from one refill;
        // each slot was taken from this depot by the caller and is free.
        unsafe { rounds.add(i).write(NonNull::new(s as *mut u8).unwrap()) };
    }
    depot.give_magazine(Magazine {
        rounds,
        len: slots.len(),
    });
}

fn config(options: Options) -> Config {
    Config::of::<u64>(options)
}

#[test]
fn magazines_exchanged_by_two_threads_lose_and_duplicate_no_slot() {
    loom::model(|| {
        let depot = Arc::new(Depot::new(config(Options::DEFAULT.cache(2).chunk(4))));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let depot = depot.clone();
                thread::spawn(move || {
                    let mine = refill(&depot);
                    assert!(!mine.is_empty());
                    give(&depot, &mine);
                    mine
                })
            })
            .collect();
        // A thread may take the magazine the other gave back: what matters is that every slot
        // either thread held is in the depot exactly once at the end.
        let held: HashSet<usize> = workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect();
        let capacity = depot.stats().folded().capacity;
        assert_eq!(depot.free_slots(), held.len());
        assert_eq!(drain(&depot), held);
        assert!(held.len() <= capacity);
    });
}

#[test]
fn a_release_racing_exchanges_frees_only_chunks_wholly_in_the_depot() {
    loom::model(|| {
        // Chunks of two slots, magazines of two; two chunks, all their slots free in the depot.
        let depot = Arc::new(Depot::new(config(Options::DEFAULT.cache(2).chunk(2))));
        let (first, second) = (refill(&depot), refill(&depot));
        give(&depot, &first);
        give(&depot, &second);
        let slot = |s: usize| NonNull::new(s as *mut u8).unwrap();
        let user = {
            let depot = depot.clone();
            thread::spawn(move || {
                // A cache takes a magazine (a chunk's two slots), gives one back and then the
                // other: while it holds a slot, its chunk must stay the depot's.
                let mine = refill(&depot);
                give(&depot, &mine[..1]);
                let owned = mine[1..].iter().all(|&s| depot.owns(slot(s)));
                give(&depot, &mine[1..]);
                owned
            })
        };
        let released = depot.release_free_chunks();
        assert!(
            user.join().unwrap(),
            "a chunk went back while a slot of it was held"
        );
        // What is left is exactly the slots of the chunks the depot has (kept, or grown after
        // the release when the cache found none), once each; a released chunk is a page.
        let capacity = depot.stats().folded().capacity;
        let left = drain(&depot);
        assert_eq!(left.len(), capacity);
        assert!(left.iter().all(|&s| depot.owns(slot(s))));
        assert!([0, 4096, 8192].contains(&released), "{released}");
    });
}

#[test]
fn closed_caches_share_the_last_slot_of_a_full_pool() {
    loom::model(|| {
        let depot = Arc::new(Depot::new(config(Options::DEFAULT.max(1).cache(2))));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let depot = depot.clone();
                thread::spawn(move || {
                    // What `raw::alloc` and `raw::give_back` do for a pool with a `max`.
                    if !depot.reserve() {
                        return false;
                    }
                    let slot = depot
                        .take_one()
                        .expect("a reserved take always gets a slot");
                    // SAFETY: the slot is ours and goes back once.
                    unsafe { depot.give_one(slot) };
                    depot.unreserve();
                    true
                })
            })
            .collect();
        let got = workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .filter(|&got| got)
            .count();
        assert!(got >= 1, "the slot is taken at least once");
        let Folded {
            handed,
            returned,
            fresh,
            capacity,
            ..
        } = depot.stats().folded();
        // One reservation at a time, and the slot is back before it ends: never a second slot.
        assert_eq!((handed, returned, fresh, capacity), (got, got, 1, 1));
        assert_eq!(depot.free_slots(), 1);
    });
}

#[test]
fn the_max_of_the_counter_only_path_admits_one_object() {
    loom::model(|| {
        let depot = Arc::new(Depot::new(Config::of::<()>(Options::DEFAULT.max(1))));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let depot = depot.clone();
                thread::spawn(move || depot.direct_take(std::alloc::Layout::new::<()>()).is_some())
            })
            .collect();
        let got = workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .filter(|&g| g)
            .count();
        assert_eq!(got, 1, "exactly one of two racing takes fits under max = 1");
    });
}

std::thread_local! {
    // Only its address is used: the modelled cache is marked active and never registers.
    static UNUSED_KEY: LocalCache = const { LocalCache::new() };
}

#[test]
fn a_thread_exit_flush_racing_with_another_thread_keeps_every_slot() {
    loom::model(|| {
        let depot: &'static Depot = Box::leak(Box::new(Depot::new(config(
            Options::DEFAULT.cache(1).chunk(4),
        ))));
        let exiting = thread::spawn(move || {
            let cache = LocalCache::new();
            cache.activate_for_model(depot);
            let a = cache.pop(Home::Key(&UNUSED_KEY), depot).unwrap();
            let b = cache.pop(Home::Key(&UNUSED_KEY), depot).unwrap();
            let held = [a.as_ptr() as usize, b.as_ptr() as usize];
            // SAFETY: slots of this depot, given back once.
            unsafe {
                cache.push(a, Home::Key(&UNUSED_KEY), depot);
                cache.push(b, Home::Key(&UNUSED_KEY), depot);
            }
            cache.close(depot); // what the thread-exit flush does
            held
        });
        let other = thread::spawn(move || {
            let mine = refill(depot);
            give(depot, &mine);
            mine
        });
        let mut held: HashSet<usize> = exiting.join().unwrap().into_iter().collect();
        held.extend(other.join().unwrap());
        let Folded {
            handed,
            returned,
            capacity,
            ..
        } = depot.stats().folded();
        assert_eq!((handed, returned), (2, 2), "the flush folded the counters");
        // Every slot either thread held is back in the depot, none twice.
        assert_eq!(drain(depot), held);
        assert!(held.len() <= capacity);
    });
}

#[test]
fn a_fold_seen_by_another_thread_never_shows_freed_objects_as_live() {
    loom::model(|| {
        let depot = Arc::new(Depot::new(config(Options::DEFAULT)));
        // A thread folds five allocate-free pairs it made without a slow path: nothing is live
        // at any moment.
        let folder = {
            let depot = depot.clone();
            thread::spawn(move || depot.stats().count(5, 5, 0))
        };
        let live = depot.stats().observe_live(0, 0);
        folder.join().unwrap();
        assert_eq!(
            live, 0,
            "a reader saw the fold's allocations without its frees"
        );
        assert_eq!(
            depot.stats().folded().high_water,
            0,
            "high_water took a live count that never was"
        );
    });
}

#[test]
fn a_reader_summing_a_live_cache_while_it_folds_sees_no_garbage() {
    loom::model(|| {
        let depot: &'static Depot = Box::leak(Box::new(Depot::new(config(
            Options::DEFAULT.cache(1).chunk(4),
        ))));
        let owner = thread::spawn(move || {
            let cache = LocalCache::new();
            cache.activate_for_model(depot); // listed in the depot from here
                                             // Two live at most; with M = 1 every other operation folds and moves a magazine.
            for _ in 0..2 {
                let a = cache.pop(Home::Key(&UNUSED_KEY), depot).unwrap();
                let b = cache.pop(Home::Key(&UNUSED_KEY), depot).unwrap();
                // SAFETY: slots of this depot, given back once.
                unsafe {
                    cache.push(a, Home::Key(&UNUSED_KEY), depot);
                    cache.push(b, Home::Key(&UNUSED_KEY), depot);
                }
            }
            cache.close(depot); // unlisted
        });
        let s = crate::cache::pool_stats(&depot);
        assert!(s.live <= 2, "a reader saw {} live of at most 2", s.live);
        assert!(s.allocated + s.reused <= 4 && s.allocated <= 2, "{s:?}");
        owner.join().unwrap();
        let s = crate::cache::pool_stats(&depot);
        assert_eq!((s.live, s.allocated + s.reused, s.allocated), (0, 4, 2));
        assert!(s.high_water <= 2);
    });
}

/// A waker that records that it was woken, for the waiter model.
struct Flag(loom::sync::atomic::AtomicBool);

impl std::task::Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, core::sync::atomic::Ordering::SeqCst);
    }
}

/// A pool at its `max = 1`: one thread ends its reservation and notifies the waiters while the
/// other, which found no slot, registers and tries again. The waiter either gets the slot on
/// its second try or is woken: no wake-up is lost.
#[test]
fn a_free_racing_a_waiter_that_registers_never_loses_the_wake_up() {
    loom::model(|| {
        let depot = Arc::new(Depot::new(Config::of::<u64>(Options::DEFAULT.max(1))));
        assert!(depot.reserve(), "the one slot, held by the freeing thread");
        let freeing = Arc::clone(&depot);
        let free = thread::spawn(move || {
            freeing.unreserve();
            freeing.waiters().notify();
        });
        let flag = std::sync::Arc::new(Flag(loom::sync::atomic::AtomicBool::new(false)));
        let waker = std::task::Waker::from(std::sync::Arc::clone(&flag));
        let got_first_try = depot.reserve();
        let got = if got_first_try {
            true
        } else {
            let ticket = depot.waiters().register(None, &waker);
            crate::sync::fence(core::sync::atomic::Ordering::SeqCst);
            let got = depot.reserve();
            free.join().unwrap();
            let woken = flag.0.load(core::sync::atomic::Ordering::SeqCst);
            assert!(got || woken, "neither the slot nor a wake-up");
            depot.waiters().leave(ticket, got);
            return;
        };
        free.join().unwrap();
        assert!(got);
    });
}

// PoolArc's count. `PoolArc` itself takes its slots from thread-local caches, which loom's
// threads (one OS thread) would share, so the models below drive `ArcInner` and its `Count`
// through a handle that does what `PoolArc` does around the count: the same `Count` functions
// decide, and the value and the slot are loom cells, so that a use of either that the count
// does not order is reported.

/// Drops and slots given back in one execution of a model.
struct World {
    drops: AtomicUsize,
    given_back: AtomicUsize,
}

/// The value: its `Drop` counts.
struct Tracked(&'static World);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, Relaxed);
    }
}

type Inner = ArcInner<UnsafeCell<Option<Tracked>>>;

/// `PoolArc` in the model: the same calls on the count, a leaked box for the slot.
struct Handle {
    ptr: NonNull<Inner>,
    world: &'static World,
}

// SAFETY: a model of `PoolArc<T>` for a `T` that is `Send` and `Sync`: the count is atomic, and
// the value is a loom cell, whose unordered accesses loom reports.
unsafe impl Send for Handle {}

impl Handle {
    /// `PoolArc::new`: a fresh slot, the count written with the value.
    fn new(world: &'static World) -> Self {
        let inner = Box::new(ArcInner {
            strong: Count::one(),
            value: UnsafeCell::new(Some(Tracked(world))),
        });
        Handle {
            ptr: NonNull::from(Box::leak(inner)),
            world,
        }
    }

    fn inner(&self) -> &Inner {
        // SAFETY: the slot is leaked, never freed; after it is given back, `give_back`'s
        // plain write of the count makes loom report any access the count did not order.
        unsafe { self.ptr.as_ref() }
    }

    /// A use of the value through this handle (what `Deref` gives).
    fn read(&self) {
        self.inner().value.with(|v| {
            // SAFETY: loom checks that no write to the cell races with this read.
            assert!(unsafe { &*v }.is_some(), "a handle saw a dropped value");
        });
    }

    /// A write to the value through this handle (what `get_mut` and `make_mut` give).
    fn write(&mut self) {
        self.inner().value.with_mut(|v| {
            // SAFETY: loom checks that no access to the cell races with this write.
            assert!(unsafe { &mut *v }.is_some(), "a write to a dropped value");
        });
    }

    /// `PoolArc::get_mut`: a write to the value, if this is the only handle.
    fn get_mut(&mut self) -> bool {
        // SAFETY: `self` is borrowed mutably.
        if !unsafe { self.inner().strong.is_unique() } {
            return false;
        }
        self.write();
        true
    }

    /// `PoolArc::make_mut`: a write to the value, copied to a new slot first if it is shared.
    fn make_mut(&mut self) {
        // SAFETY: `self` is borrowed mutably.
        if !unsafe { self.inner().strong.is_unique() } {
            self.read(); // the clone of the value
            *self = Handle::new(self.world);
        }
        self.write();
    }

    /// Takes the value out of the slot, gives the slot back (`PoolArc::take_value`, and
    /// `Drop` after dropping the value).
    fn take_value(&self) -> Tracked {
        let value = self.inner().value.with_mut(|v| {
            // SAFETY: loom checks that no access to the cell races with this write.
            unsafe { &mut *v }.take()
        });
        self.give_back();
        value.expect("the value was taken twice")
    }

    /// The pool takes the slot back: counted, and its next `new` writes the count plainly.
    fn give_back(&self) {
        self.world.given_back.fetch_add(1, Relaxed);
        // SAFETY: the model's stand-in for the pool reusing the slot. In a correct protocol no
        // other handle exists; if one still touches the count, loom reports the race.
        unsafe { (*self.ptr.as_ptr()).strong.reuse() };
    }

    /// `PoolArc::try_unwrap`.
    fn try_unwrap(self) -> Result<Tracked, Handle> {
        // SAFETY: `self` is owned.
        if !unsafe { self.inner().strong.is_unique() } {
            return Err(self);
        }
        let this = ManuallyDrop::new(self);
        Ok(this.take_value())
    }

    /// `PoolArc::into_inner`.
    fn into_inner(self) -> Option<Tracked> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `self` is owned, and not used again but to take the value.
        if !unsafe { this.inner().strong.decrement() } {
            return None;
        }
        Some(this.take_value())
    }
}

impl Clone for Handle {
    /// `PoolArc::clone`.
    fn clone(&self) -> Self {
        self.inner().strong.increment();
        Handle {
            ptr: self.ptr,
            world: self.world,
        }
    }
}

impl Drop for Handle {
    /// `PoolArc::drop`.
    fn drop(&mut self) {
        // SAFETY: the handle is borrowed mutably and dropped.
        if !unsafe { self.inner().strong.decrement() } {
            return;
        }
        drop(self.take_value());
    }
}

fn world() -> &'static World {
    Box::leak(Box::new(World {
        drops: AtomicUsize::new(0),
        given_back: AtomicUsize::new(0),
    }))
}

/// After every handle is gone: the value was dropped once and its slot given back once.
fn assert_dropped_once(world: &World) {
    assert_eq!(
        world.drops.load(Relaxed),
        1,
        "the value's Drop ran {} times",
        world.drops.load(Relaxed)
    );
    assert_eq!(
        world.given_back.load(Relaxed),
        1,
        "the slot went back {} times",
        world.given_back.load(Relaxed)
    );
}

#[test]
fn pool_arc_two_handles_dropped_on_two_threads_drop_the_value_once() {
    loom::model(|| {
        let world = world();
        let a = Handle::new(world);
        let b = a.clone();
        let t = thread::spawn(move || {
            b.read();
            drop(b);
        });
        a.read();
        drop(a);
        t.join().unwrap();
        assert_dropped_once(world);
    });
}

#[test]
fn pool_arc_a_clone_racing_the_drop_of_another_handle_keeps_the_value() {
    loom::model(|| {
        let world = world();
        let a = Handle::new(world);
        let b = a.clone();
        let t = thread::spawn(move || {
            let c = b.clone();
            drop(b);
            c.read();
            drop(c);
        });
        drop(a);
        t.join().unwrap();
        assert_dropped_once(world);
    });
}

#[test]
fn pool_arc_try_unwrap_racing_a_drop_gets_the_value_or_leaves_it_to_the_drop() {
    loom::model(|| {
        let world = world();
        let a = Handle::new(world);
        let b = a.clone();
        let t = thread::spawn(move || {
            b.read();
            drop(b);
        });
        match a.try_unwrap() {
            Ok(value) => drop(value),
            Err(a) => drop(a),
        }
        t.join().unwrap();
        assert_dropped_once(world);
    });
}

#[test]
fn pool_arc_into_inner_on_two_threads_gives_the_value_to_exactly_one() {
    loom::model(|| {
        let world = world();
        let a = Handle::new(world);
        let b = a.clone();
        let t = thread::spawn(move || {
            b.read();
            b.into_inner().is_some()
        });
        a.read();
        let mine = a.into_inner();
        let got = usize::from(mine.is_some()) + usize::from(t.join().unwrap());
        assert_eq!(got, 1, "{got} of two into_inner calls got the value");
        drop(mine);
        assert_dropped_once(world);
    });
}

#[test]
fn pool_arc_into_inner_racing_a_drop_drops_the_value_once() {
    loom::model(|| {
        let world = world();
        let a = Handle::new(world);
        let b = a.clone();
        let t = thread::spawn(move || {
            b.read();
            drop(b);
        });
        drop(a.into_inner());
        t.join().unwrap();
        assert_dropped_once(world);
    });
}

#[test]
fn pool_arc_get_mut_succeeds_only_when_the_other_handle_is_gone() {
    loom::model(|| {
        let world = world();
        let a = Handle::new(world);
        let mut b = a.clone();
        // The write on the spawned thread: with it on the main thread, after the spawned one
        // read and dropped, loom 0.7 reported no race even with the orderings weakened.
        let t = thread::spawn(move || {
            // A write to the value while `a` may still read it is a race loom reports.
            b.get_mut();
            b
        });
        a.read();
        drop(a);
        let mut b = t.join().unwrap();
        assert!(b.get_mut(), "the only handle after the join");
        drop(b);
        assert_dropped_once(world);
    });
}

#[test]
fn pool_arc_make_mut_racing_a_drop_writes_only_an_unshared_value() {
    loom::model(|| {
        let world = world();
        let a = Handle::new(world);
        let mut b = a.clone();
        let t = thread::spawn(move || {
            b.make_mut();
            drop(b);
        });
        a.read();
        drop(a);
        t.join().unwrap();
        // One value, or the shared one and its copy: each dropped once, each slot back once.
        let (drops, given_back) = (world.drops.load(Relaxed), world.given_back.load(Relaxed));
        assert!(drops == 1 || drops == 2, "{drops} drops");
        assert_eq!(drops, given_back, "{drops} drops, {given_back} slots back");
    });
}
