//! sharded-slab's `Pool`: per-thread shards of slab pages, items cleared in place and kept.
//! An object is created with `create_with` (which gives its key) and freed with `clear(key)`,
//! the way its documentation shows; a key freed on another thread goes to the shard's remote
//! free list.

use sharded_slab::Pool;

use super::{Contender, Named, Object};

/// `sharded_slab::Pool<T>` (`Box<T>` from 1 KiB up).
pub struct ShardedSlab;

impl Named for ShardedSlab {
    const NAME: &'static str = "sharded-slab";
    const KEY: &'static str = "sharded-slab";
}

impl<T: Object> Contender<T> for ShardedSlab {
    type Pool = Pool<T::Stored>;
    type Handle<'p> = usize;

    fn pool() -> Self::Pool {
        Pool::new()
    }

    #[inline(always)]
    fn alloc(pool: &Self::Pool, i: u64) -> usize {
        pool.create_with(|s| {
            // SAFETY: the stored object is ours while the guard lives.
            unsafe { T::init(T::stored_ptr(s), i) }
        })
        .expect("sharded-slab: the shard is full")
    }

    #[inline(always)]
    fn free(pool: &Self::Pool, key: usize) {
        pool.clear(key);
    }
}
