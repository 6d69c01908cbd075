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
