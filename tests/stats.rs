//! The arithmetic of `PoolStats`: fresh and reused slots, live objects, high water, capacity and
//! the two rates, on one thread (where every figure is exact at any time).

use zokio_pool::{PoolBox, PoolStats, Pooled, CHECKING_MODE};

#[derive(Pooled)]
#[pool(prealloc = 16, chunk = 8, cache = 4)]
struct Item(#[allow(dead_code)] [u64; 4]);

#[test]
fn stats_follow_every_allocation_and_free() {
    if CHECKING_MODE {
        return; // these figures are the real pool's, which reuses slots and reserves chunks
    }
    assert_eq!(
        Item::pool_stats(),
        PoolStats::default(),
        "nothing is reserved before first use"
    );

    let mut live: Vec<_> = (0..10).map(|i| PoolBox::new(Item([i; 4]))).collect();
    let s = Item::pool_stats();
    assert_eq!(
        s,
        PoolStats {
            allocated: 10,
            reused: 0,
            live: 10,
            high_water: 10,
            capacity: 16,
            reserved_bytes: 16 * 32,
            kept: 0,
            kept_capacity: 0,
            discarded: 0,
        }
    );
    assert_eq!(s.reuse_rate(), 0.0);
    assert_eq!(s.fragmentation(), 6.0 / 16.0);

    live.truncate(3);
    let s = Item::pool_stats();
    assert_eq!((s.live, s.high_water), (3, 10));

    live.extend((0..15).map(|i| PoolBox::new(Item([i; 4]))));
    let s = Item::pool_stats();
    // 7 slots were free (reused); 8 more were fresh, which needed a second chunk of 8.
    assert_eq!(
        (s.allocated, s.reused, s.live, s.high_water),
        (18, 7, 18, 18)
    );
    assert_eq!((s.capacity, s.reserved_bytes), (24, 24 * 32));
    assert_eq!(s.reuse_rate(), 7.0 / 25.0);
    assert_eq!(s.fragmentation(), 6.0 / 24.0);

    drop(live);
    let s = Item::pool_stats();
    assert_eq!((s.live, s.high_water, s.capacity), (0, 18, 24));
    assert_eq!(s.fragmentation(), 1.0);
}

#[derive(Pooled)]
#[pool(cache = 4)]
struct Worker(#[allow(dead_code)] u64);

#[test]
fn stats_are_exact_while_a_thread_that_used_the_pool_is_idle() {
    use std::sync::mpsc;
    // 40 live at once: magazines of 4 go to the depot and come back, so counts are folded; the
    // last pairs run on the cache alone and stay unfolded.
    const PAIRS: usize = 7;
    let (wake, parked) = mpsc::channel::<()>();
    let (done, idle) = mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        let many: Vec<_> = (0..40).map(|i| PoolBox::new(Worker(i))).collect();
        drop(many);
        let kept = PoolBox::new(Worker(40));
        for i in 0..PAIRS as u64 {
            drop(PoolBox::new(Worker(i)));
        }
        done.send(()).unwrap();
        parked.recv().unwrap(); // alive and idle, as a server's worker
        drop(kept);
    });
    idle.recv().unwrap();
    let s = Worker::pool_stats();
    assert_eq!(s.live, 1, "{s:?}");
    assert_eq!(s.allocated + s.reused, 40 + 1 + PAIRS, "{s:?}");
    if !CHECKING_MODE {
        // Every object after the first 40 reused a slot.
        assert_eq!((s.allocated, s.reused, s.high_water), (40, 8, 40), "{s:?}");
    }
    wake.send(()).unwrap();
    worker.join().unwrap();
    let s = Worker::pool_stats();
    assert_eq!(
        (s.live, s.allocated + s.reused),
        (0, 40 + 1 + PAIRS),
        "{s:?}"
    );
}
