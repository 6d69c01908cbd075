//! Checking mode (the `checking` feature): every object is its own allocation, nothing is
//! reused, and the statistics stay exact.

use crate::{PoolBox, PoolStats, Pooled, CHECKING_MODE};

struct Checked(u64);

// SAFETY: one static depot and one thread-local cache for this type alone, and the config is
// Config::of the item type, as the derive emits them.
unsafe impl crate::Pool for Checked {
    type Item = Checked;
    const __CONFIG: crate::__private::Config =
        crate::__private::Config::of::<Checked>(crate::__private::Options::DEFAULT.max(3));
    fn __cache() -> &'static std::thread::LocalKey<crate::__private::LocalCache> {
        std::thread_local! {
            static CACHE: crate::__private::LocalCache =
                const { crate::__private::LocalCache::new() };
        }
        &CACHE
    }
    fn __depot() -> &'static crate::__private::Depot {
        static DEPOT: crate::__private::Depot =
            crate::__private::Depot::new(<Checked as crate::Pool>::__CONFIG);
        &DEPOT
    }
}

#[test]
fn every_object_is_its_own_allocation_and_stats_stay_exact() {
    const { assert!(CHECKING_MODE) };
    let a = PoolBox::new(Checked(1));
    let b = PoolBox::new(Checked(2));
    let c = PoolBox::new(Checked(3));
    assert!(
        PoolBox::try_new(Checked(4)).is_err(),
        "max holds in checking mode"
    );
    assert_eq!(a.0 + b.0 + c.0, 6);
    drop((a, b));
    let d = PoolBox::new(Checked(5));
    assert_eq!(d.0, 5);
    let s = Checked::pool_stats();
    assert_eq!(
        s,
        PoolStats {
            allocated: 4,
            reused: 0,
            live: 2,
            high_water: 3,
            capacity: 2,
            reserved_bytes: 2 * 8,
            kept: 0,
            kept_capacity: 0,
            discarded: 0,
        }
    );
    drop((c, d));
    assert_eq!(Checked::pool_stats().capacity, 0);
}
