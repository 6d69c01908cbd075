//! opool's `Pool` (a crossbeam `ArrayQueue` of objects) and `LocalPool` (a `VecDeque`, one
//! thread only). Both have a capacity: an object given back to a full pool is dropped. It is
//! [`CAPACITY`], more than any scenario keeps free at once, so none is.

use std::marker::PhantomData;

use opool::{LocalPool, Pool, PoolAllocator, RefGuard, RefLocalGuard};

use super::{Contender, Named, Object};

/// The capacity of the opool pools.
pub const CAPACITY: usize = 16_384;

/// Makes the stored objects.
pub struct Make<T>(PhantomData<fn() -> T>);

impl<T: Object> PoolAllocator<T::Stored> for Make<T> {
    #[inline(always)]
    fn allocate(&self) -> T::Stored {
        T::Stored::default()
    }
}

/// `opool::Pool<T>` (`Box<T>` from 1 KiB up).
pub struct Opool;

impl Named for Opool {
    const NAME: &'static str = "opool Pool";
    const KEY: &'static str = "opool";
}

impl<T: Object> Contender<T> for Opool {
    type Pool = Pool<Make<T>, T::Stored>;
    type Handle<'p> = RefGuard<'p, Make<T>, T::Stored>;

    fn pool() -> Self::Pool {
        Pool::new(CAPACITY, Make(PhantomData))
    }

    #[inline(always)]
    fn alloc(pool: &Self::Pool, i: u64) -> Self::Handle<'_> {
        let mut r = pool.get();
        // SAFETY: the stored object is ours while the guard lives.
        unsafe { T::init(T::stored_ptr(&mut r), i) };
        r
    }

    #[inline(always)]
    fn free<'p>(_: &'p Self::Pool, h: Self::Handle<'p>) {
        drop(h);
    }
}

/// `opool::LocalPool<T>` (`Box<T>` from 1 KiB up).
pub struct OpoolLocal;

impl Named for OpoolLocal {
    const NAME: &'static str = "opool LocalPool";
    const KEY: &'static str = "opool-local";
}

impl<T: Object> Contender<T> for OpoolLocal {
    type Pool = LocalPool<Make<T>, T::Stored>;
    type Handle<'p> = RefLocalGuard<'p, Make<T>, T::Stored>;

    fn pool() -> Self::Pool {
        LocalPool::new(CAPACITY, Make(PhantomData))
    }

    #[inline(always)]
    fn alloc(pool: &Self::Pool, i: u64) -> Self::Handle<'_> {
        let mut r = pool.get();
        // SAFETY: the stored object is ours while the guard lives.
        unsafe { T::init(T::stored_ptr(&mut r), i) };
        r
    }

    #[inline(always)]
    fn free<'p>(_: &'p Self::Pool, h: Self::Handle<'p>) {
        drop(h);
    }
}
