//! lockfree-object-pool's `LinearObjectPool`: objects live in pages of 32, found by a scan of
//! the pages' free bitmaps from the first page on.

use lockfree_object_pool::{LinearObjectPool, LinearReusable};

use super::{Contender, Named, Object};

/// `LinearObjectPool<T>` (`Box<T>` from 1 KiB up).
pub struct Lockfree;

impl Named for Lockfree {
    const NAME: &'static str = "lockfree-object-pool";
    const KEY: &'static str = "lockfree";
}

impl<T: Object> Contender<T> for Lockfree {
    type Pool = LinearObjectPool<T::Stored>;
    type Handle<'p> = LinearReusable<'p, T::Stored>;

    fn pool() -> Self::Pool {
        LinearObjectPool::new(T::Stored::default, |_| {})
    }

    #[inline(always)]
    fn alloc(pool: &Self::Pool, i: u64) -> Self::Handle<'_> {
        let mut r = pool.pull();
        // SAFETY: the stored object is ours while the guard lives.
        unsafe { T::init(T::stored_ptr(&mut r), i) };
        r
    }

    #[inline(always)]
    fn free<'p>(_: &'p Self::Pool, h: Self::Handle<'p>) {
        drop(h);
    }
}
