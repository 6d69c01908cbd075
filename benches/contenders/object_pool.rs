//! object-pool's `Pool`: a `Vec` of objects behind a `parking_lot` mutex.

use object_pool::{Pool, Reusable};

use super::{Contender, Named, Object};

/// `object_pool::Pool<T>` (`Box<T>` from 1 KiB up).
pub struct ObjectPool;

impl Named for ObjectPool {
    const NAME: &'static str = "object-pool";
    const KEY: &'static str = "object-pool";
}

impl<T: Object> Contender<T> for ObjectPool {
    type Pool = Pool<T::Stored>;
    type Handle<'p> = Reusable<'p, T::Stored>;

    fn pool() -> Self::Pool {
        Pool::new(0, T::Stored::default)
    }

    #[inline(always)]
    fn alloc(pool: &Self::Pool, i: u64) -> Self::Handle<'_> {
        let mut r = pool.pull(T::Stored::default);
        // SAFETY: the stored object is ours while the guard lives.
        unsafe { T::init(T::stored_ptr(&mut r), i) };
        r
    }

    #[inline(always)]
    fn free<'p>(_: &'p Self::Pool, h: Self::Handle<'p>) {
        drop(h);
    }
}
