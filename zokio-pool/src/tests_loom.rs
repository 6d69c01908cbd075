//! loom models of the depot: magazine exchanges between threads, the closed-cache path, the
//! `max` check of the counter-only path, a thread-exit flush racing with another thread, a
//! fold of the statistics racing with a reader, and a reader summing a live cache's counters
//! while its owner folds and exchanges magazines, and a free racing a waiter that registers
//! for a slot of a full pool.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p zokio-pool --lib --release tests_loom`
//! (`LOOM_MAX_PREEMPTIONS=3` by default in CI; more for a release check).

use core::ptr::NonNull;
use std::collections::HashSet;

use loom::sync::Arc;
use loom::thread;

use crate::__private::{Config, Depot, LocalCache, Options};
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
                thread::spawn(move || depot.direct_take().is_some())
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
            let a = cache.pop(&UNUSED_KEY, depot).unwrap();
            let b = cache.pop(&UNUSED_KEY, depot).unwrap();
            let held = [a.as_ptr() as usize, b.as_ptr() as usize];
            // SAFETY: slots of this depot, given back once.
            unsafe {
                cache.push(a, &UNUSED_KEY, depot);
                cache.push(b, &UNUSED_KEY, depot);
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
                let a = cache.pop(&UNUSED_KEY, depot).unwrap();
                let b = cache.pop(&UNUSED_KEY, depot).unwrap();
                // SAFETY: slots of this depot, given back once.
                unsafe {
                    cache.push(a, &UNUSED_KEY, depot);
                    cache.push(b, &UNUSED_KEY, depot);
                }
            }
            cache.close(depot); // unlisted
        });
        let s = depot.snapshot();
        assert!(s.live <= 2, "a reader saw {} live of at most 2", s.live);
        assert!(s.handed <= 4 && s.fresh <= 2, "{s:?}");
        owner.join().unwrap();
        let s = depot.snapshot();
        assert_eq!((s.live, s.handed, s.fresh), (0, 4, 2));
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
