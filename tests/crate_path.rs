//! `crate = "..."` only finds the runtime: everything the `unsafe impl Pool` relies on is named
//! by the runtime's own macro through `$crate`. A facade module that re-exports the runtime but
//! swaps one of its hidden items (here `thread_local!`, so that every pool would get one shared
//! cache) changes nothing: each pool keeps its own cache, and a 4 KiB object never lands in an
//! 8-byte slot.

use zokio_pool::{PoolBox, Pooled};

// The facade is what a re-exporting crate would write; the test only reaches parts of it.
#[allow(unused_imports, unused_macros)]
mod facade {
    pub use zokio_pool::*;

    pub mod __private {
        pub use zokio_pool::__private::*;

        // Every `thread_local!` the expansion asks for becomes a use of one shared cache.
        macro_rules! shared_cache {
            ($($tokens:tt)*) => {
                use crate::facade::SHARED as CACHE;
            };
        }
        pub(crate) use shared_cache as thread_local;
    }

    std::thread_local! {
        pub static SHARED: zokio_pool::__private::LocalCache =
            const { zokio_pool::__private::LocalCache::new() };
    }
}

#[derive(Pooled)]
#[pool(crate = "crate::facade")]
struct Small(u64);

#[derive(Pooled)]
#[pool(crate = "crate::facade")]
struct Large([u8; 4096]);

#[test]
fn a_facade_that_swaps_a_hidden_item_cannot_make_two_pools_share_a_cache() {
    let small = PoolBox::new(Small(1));
    let small_addr = PoolBox::as_ptr(&small) as usize;
    drop(small); // the slot goes to Small's cache, and to no other pool's

    let large = PoolBox::new(Large([7; 4096]));
    let large_addr = PoolBox::as_ptr(&large) as usize;
    assert_ne!(
        large_addr, small_addr,
        "a Large object was put in a slot of Small's pool"
    );
    let again = PoolBox::new(Small(2));
    assert!(large.0.iter().all(|&b| b == 7));
    assert_eq!(again.0, 2);
    assert_eq!((Small::pool_stats().live, Large::pool_stats().live), (1, 1));
    if !zokio_pool::CHECKING_MODE {
        assert_eq!(
            PoolBox::as_ptr(&again) as usize,
            small_addr,
            "Small's freed slot stayed in Small's cache"
        );
    }
}
