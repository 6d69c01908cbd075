//! `PoolBox` on the type's own pool (`#[derive(Pooled)]`, default options).

use super::{Contender, Named, Object};
use zokio_pool::PoolBox;

/// `PoolBox<T>`.
pub struct Zokio;

impl Named for Zokio {
    const NAME: &'static str = "zokio-pool";
    const KEY: &'static str = "pool";
}

impl<T: Object> Contender<T> for Zokio {
    type Pool = ();
    type Handle<'p> = PoolBox<T>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> PoolBox<T> {
        T::pool_box(i)
    }

    #[inline(always)]
    fn free(_: &(), h: PoolBox<T>) {
        drop(h);
    }
}
