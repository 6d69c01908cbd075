//! The working-set rule without any call from the program: a pool that stays idle for an
//! interval gives its free chunks back, on other pools' slow-path events, or on the background
//! trimmer's schedule when the program goes idle. One test, alone in its binary: it starts the
//! trimmer thread, which then runs for every test of the binary.
//!
//! Timing-based, with deadlines of ten intervals (the rule needs one to two; sanitizers slow
//! it down); the timing target itself is tested in `tests/rss.rs`. Not run under Miri.
#![cfg(not(miri))]

use std::thread;
use std::time::{Duration, Instant};

use zokio_pool::{heap_stats, PoolBox, Pooled, CHECKING_MODE, TRIM_INTERVAL};

#[derive(Pooled)]
#[expect(dead_code, reason = "64 B of payload, never read")]
struct Idle([u64; 8]);

#[derive(Pooled)]
#[expect(dead_code, reason = "64 B of payload, never read")]
struct Busy([u64; 8]);

#[derive(Pooled)]
#[expect(dead_code, reason = "64 B of payload, never read")]
struct Later([u64; 8]);

/// Allocates `n` objects of `T` on a thread that then exits: its cache goes to the depot, so
/// every free slot is the depot's.
fn burst_on_a_thread<T: Pooled + Send + 'static>(n: usize, make: fn(usize) -> T) {
    thread::spawn(move || {
        let objects: Vec<PoolBox<T>> = (0..n).map(|i| PoolBox::new(make(i))).collect();
        drop(objects);
    })
    .join()
    .expect("the burst thread");
}

/// Waits until `done`, or panics after `limit`; returns how long it took.
fn within(
    limit: Duration,
    what: &str,
    mut done: impl FnMut() -> bool,
    mut step: impl FnMut(),
) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        step();
    }
    start.elapsed()
}

#[test]
fn idle_pools_give_their_memory_back_without_a_call() {
    if CHECKING_MODE {
        return;
    }
    // 1. Slow-path events of another pool run the rule: the idle pool's chunks go back once
    //    it has been idle for a whole interval (one to two intervals after the burst).
    burst_on_a_thread(50_000, |i| Idle([i as u64; 8]));
    assert!(Idle::pool_stats().capacity >= 50_000);
    let took = within(
        10 * TRIM_INTERVAL,
        "the idle pool's chunks go back on other pools' events",
        || Idle::pool_stats().capacity == 0,
        || {
            let busy: Vec<_> = (0..2_000).map(|i| PoolBox::new(Busy([i; 8]))).collect();
            drop(busy);
            thread::sleep(Duration::from_millis(20));
        },
    );
    println!("idle pool emptied in {took:?} by other pools' slow paths");
    // The busy pool keeps its working set: it used 2,000 slots in every interval.
    assert!(
        Busy::pool_stats().capacity >= 2_000,
        "{:?}",
        Busy::pool_stats()
    );
    // And its usage hint says so: a peak of 2,000 objects, a rate, a `prealloc` to set.
    let busy = zokio_pool::pools()
        .into_iter()
        .find(|p| p.name.ends_with("::Busy"))
        .expect("the busy pool is listed");
    let hint = busy.hint;
    println!("{hint:?}");
    assert!(
        hint.recent_peak >= 1_500 && hint.recent_peak <= 2_000,
        "{hint:?}"
    );
    assert!(hint.allocations_per_second > 0.0, "{hint:?}");
    assert_eq!(hint.suggested_prealloc, 2_048, "{hint:?}");

    // 2. The background trimmer: the program goes idle (no event at all), and the memory
    //    still goes back, to the OS too.
    zokio_pool::spawn_trimmer().expect("the trimmer thread");
    burst_on_a_thread(50_000, |i| Later([i as u64; 8]));
    let held = heap_stats().mapped_bytes - heap_stats().released_bytes;
    let took = within(
        10 * TRIM_INTERVAL,
        "the trimmer gives an idle pool's chunks back",
        || Later::pool_stats().capacity == 0,
        || thread::sleep(Duration::from_millis(20)),
    );
    println!("idle program's pool emptied in {took:?} by the trimmer");
    thread::sleep(TRIM_INTERVAL);
    let now = heap_stats();
    assert!(
        now.mapped_bytes - now.released_bytes + 50_000 * 64 / 2 <= held,
        "the pages went back to the OS: {held} bytes held before, {now:?}"
    );
}
