//! The benchmark kernel: the contenders, the objects and the scenarios, shared by the criterion
//! benches (`benches/*.rs`, time), `examples/instructions.rs` (instruction counts, callgrind) and
//! `examples/report` (the report), so all three measure the same code. One module per contender;
//! the objects in [`objects`], the scenarios in [`scenarios`]. Every user mounts it as
//! `mod contenders` at its crate root (the object macros name `$crate::contenders`).
//!
//! # Same work for everyone
//! Every contender does the same work per operation: take memory for one object, initialize it
//! with [`Object::init`] (in place, through a raw pointer), hand the handle to `black_box`, and
//! give the object back.
//! - 64 B ([`Small`]): the whole object is written (`id = i`, the body zeroed).
//! - 4 KiB ([`Page`]) and 1-5 KiB ([`Kib1`] .. [`Kib5`]): built in place, with no copy through
//!   the stack and no memset: the `id` and the last byte are written, as a user filling a buffer
//!   would start.
//!
//! The pool crates keep objects in their own storage; they get the form that serves them best.
//! At 64 B they hold the object itself. From 1 KiB up they hold a `Box` of it, allocated once by
//! the pool and reused ([`Object::Stored`]): holding a 4 KiB object by value would make them copy
//! it in and out on every use, which measures the copy rather than the pool.
//!
//! `PoolBox` runs in each of its modes ([`Zokio`], [`ZokioNamed`], [`ZokioRecycle`]): a recycling
//! pool hands out a kept object, which is written the same way.
//!
//! Each pool crate's pool is created once per benchmark and reached by reference, as its
//! documentation shows; `PoolBox`, `Box`, mimalloc and the free list need no pool value.
// Each user of this module takes the contenders, objects and scenarios it needs (the re-exports
// included: `small_object!` is for `examples/report`).
#![allow(dead_code, unused_imports)]

use zokio_pool::PoolStats;

mod free_list;
mod lockfree;
mod mimalloc;
mod object_pool;
mod objects;
mod opool;
mod scenarios;
mod sharded;
mod system;
mod zokio;

pub use self::free_list::FreeList;
pub use self::lockfree::Lockfree;
#[cfg(feature = "jemalloc")]
pub use self::mimalloc::Jemalloc;
#[cfg(feature = "snmalloc")]
pub use self::mimalloc::Snmalloc;
pub use self::mimalloc::{Glibc, Mimalloc, PoolAllocator};
pub use self::object_pool::ObjectPool;
pub(crate) use self::objects::plain_data;
pub(crate) use self::objects::small_object;
pub use self::objects::{Free, Kib1, Kib2, Kib3, Kib4, Kib5, Object, Page, Small};
pub use self::opool::{Opool, OpoolLocal};
pub use self::scenarios::*;
pub use self::sharded::ShardedSlab;
pub use self::system::SystemBox;
pub use self::zokio::{Zokio, ZokioNamed, ZokioRecycle};

// --- The contenders -------------------------------------------------------------------------

/// A contender's name, as the benches and the instruction counts print it.
pub trait Named {
    /// The name in tables.
    const NAME: &'static str;
    /// The name on the command line of `examples/instructions.rs`.
    const KEY: &'static str;
}

/// One way to get memory for a `T`, initialize it and give it back.
pub trait Contender<T: Object>: Named {
    /// The pool value the contender needs (`()` for the allocators and `PoolBox`).
    type Pool;
    /// What the caller holds while the object lives.
    type Handle<'p>;
    /// Creates the pool.
    fn pool() -> Self::Pool;
    /// Takes memory for object number `i` and initializes it ([`Object::init`]).
    fn alloc(pool: &Self::Pool, i: u64) -> Self::Handle<'_>;
    /// Drops the object and gives its memory back.
    fn free<'p>(pool: &'p Self::Pool, h: Self::Handle<'p>);
    /// The statistics of `T`'s pool, for the contenders that keep zokio-pool's (the report
    /// prints them); `None` for the others.
    fn stats(_pool: &Self::Pool) -> Option<PoolStats> {
        None
    }
}

/// Something to do with every contender (a criterion group, say).
pub trait Visit<T: Object> {
    fn visit<C: Contender<T>>(&mut self);
}

/// Something to do with every contender that can free an object on another thread than the one
/// that allocated it.
pub trait VisitShared<T: Object> {
    fn visit<C: Contender<T>>(&mut self)
    where
        C::Pool: Sync,
        for<'p> C::Handle<'p>: Send;
}

/// A contender for every size of the mixed-size scenario.
pub trait Mixed:
    Contender<Kib1> + Contender<Kib2> + Contender<Kib3> + Contender<Kib4> + Contender<Kib5>
{
}

impl<C> Mixed for C where
    C: Contender<Kib1> + Contender<Kib2> + Contender<Kib3> + Contender<Kib4> + Contender<Kib5>
{
}

/// Something to do with every contender, on the mixed sizes.
pub trait VisitMixed {
    fn visit<C: Mixed>(&mut self);
}

/// Makes [`each`], [`each_shared`], [`each_mixed`] and [`NOT_SHARED`] from one list of the
/// contenders, in the order the benches list them. A contender marked `local` cannot free an
/// object on another thread than the one that allocated it: it is left out of `each_shared`, and
/// its reason is in `NOT_SHARED`.
macro_rules! contenders {
    ($($c:ident $((local: $why:literal))?,)*) => {
        /// Visits every contender, in the order the benches list them.
        pub fn each<T: Object>(v: &mut impl Visit<T>) {
            $(v.visit::<$c>();)*
        }

        /// Visits every contender whose objects can be freed on another thread.
        pub fn each_shared<T: Object>(v: &mut impl VisitShared<T>) {
            $(contenders!(@shared v, $c $(, $why)?);)*
        }

        /// Visits every contender, for the mixed sizes.
        pub fn each_mixed(v: &mut impl VisitMixed) {
            $(v.visit::<$c>();)*
        }

        /// The contenders that cannot take part in the two-thread scenarios, and why.
        pub const NOT_SHARED: &[(&str, &str)] = &[$($((<$c as Named>::NAME, $why),)?)*];
    };
    (@shared $v:ident, $c:ident) => {
        $v.visit::<$c>()
    };
    (@shared $v:ident, $c:ident, $why:literal) => {};
}

contenders! {
    Zokio,
    ZokioNamed,
    ZokioRecycle,
    FreeList (local: "a thread-local list: a slot freed on another thread joins that thread's \
        list and never returns, so the producer allocates fresh memory for every object"),
    Mimalloc,
    SystemBox,
    Lockfree,
    ObjectPool,
    ShardedSlab,
    Opool,
    OpoolLocal (local: "`LocalPool` is !Sync: its guards cannot leave the thread"),
}
