//! `PoolBox`, in each of its modes: on the type's own pool (`#[derive(Pooled)]`), on a pool
//! named with `pool!`, and on a recycling pool (`pool!(.., recycle)`, objects kept constructed
//! between uses and taken with `take`). Default options everywhere.

use super::{Contender, Named, Object};
use zokio_pool::{PoolBox, PoolStats};

/// `PoolBox<T>`: `PoolBox::new` (`new_uninit` from 1 KiB up) on the derived pool.
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

    fn stats(_: &()) -> Option<PoolStats> {
        Some(T::pool_stats())
    }
}

/// `PoolBox<T, P>` from a pool declared with `pool!`: `P::new` (`P::new_uninit` from 1 KiB up).
pub struct ZokioNamed;

impl Named for ZokioNamed {
    const NAME: &'static str = "zokio-pool pool!";
    const KEY: &'static str = "pool-named";
}

impl<T: Object> Contender<T> for ZokioNamed {
    type Pool = ();
    type Handle<'p> = PoolBox<T, T::Named>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> Self::Handle<'static> {
        T::named_box(i)
    }

    #[inline(always)]
    fn free(_: &(), h: Self::Handle<'_>) {
        drop(h);
    }

    fn stats(_: &()) -> Option<PoolStats> {
        Some(PoolStats::of::<T::Named>())
    }
}

/// `PoolBox<T, P>` from a recycling pool (`pool!(.., recycle)`): `P::take` gives a kept object
/// (built by `Default` the first time), which is then written as the others write a new one;
/// dropping it resets it (a no-op for these plain-data objects) and keeps it in its slot.
pub struct ZokioRecycle;

impl Named for ZokioRecycle {
    const NAME: &'static str = "zokio-pool recycle";
    const KEY: &'static str = "pool-recycle";
}

impl<T: Object> Contender<T> for ZokioRecycle {
    type Pool = ();
    type Handle<'p> = PoolBox<T, T::Kept>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> Self::Handle<'static> {
        T::kept_box(i)
    }

    #[inline(always)]
    fn free(_: &(), h: Self::Handle<'_>) {
        drop(h);
    }

    fn stats(_: &()) -> Option<PoolStats> {
        Some(PoolStats::of::<T::Kept>())
    }
}
