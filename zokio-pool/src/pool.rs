//! The traits that tie a type to its pool.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use std::thread::LocalKey;

use crate::cache::LocalCache;
use crate::config::Config;
use crate::depot::Depot;
use crate::recycle::Recycler;
use crate::stats::PoolStats;

/// A pool: the static depot and the per-thread cache that hold free slots for `Self::Item`.
///
/// `#[derive(Pooled)]` implements it for the derived type (the type is its own pool, so
/// `PoolBox<Message>` means "a `Message` in `Message`'s pool"). Do not implement it by hand: the
/// hidden items are the derive's contract with the runtime and may change in any release.
///
/// # Safety
/// An implementation must uphold, for the whole program:
/// - `__CONFIG` is `Config::of::<Self::Item>(..)`, or, for a size class, the class's config
///   with the item's size (`Config::holds`), so every slot fits and aligns an item;
/// - `__depot()` always returns the same depot, created with a config that
///   [`serves`](Config::serves) `Self::__CONFIG` (`Self::__CONFIG` itself, for a derived type),
///   and shared only with pools whose configs it serves too; a direct config's depot
///   (`Config::is_direct`) hands out no slots and only counts;
/// - `__cache()` always returns the same key, whose cache is used with that depot only;
/// - `__arc_cache()` and `__arc_depot()`, if they return, are a cache and depot that satisfy
///   the bullets above for `Counted<Self>` (the pool of `PoolArc`'s counted slots);
/// - `__RECYCLE` is `Some` only when `__CONFIG` was made with `Options::recycle` (whose slots
///   have the header where a free slot records whether it keeps an object). A pool with a
///   recycling config and no hooks keeps nothing itself: every slot it gives back is marked
///   empty, which is valid in either mode (this is `Uninit<P>` of a recycling `P`);
/// - when `__RECYCLE` is `Some`, `Self::Item` is `Send` and `Unpin`. A kept object stays in its
///   free slot, and free slots move between threads (the depot, cross-thread drops, the
///   thread-exit flush), so a `!Send` item would reach another thread through the pool itself;
///   and `PoolBox::into_pin` pins a recycled item that its pool then keeps alive and hands out
///   again, which `Pin` allows only for `Unpin` values. (`Recycler`'s constructors require
///   both bounds, so a `Some` cannot be built without them.)
///
/// The derive and `pool!` meet this through the runtime's own `__pool_impl!` macro, which
/// emits one `static` and one `thread_local!` for each pool and names every item it relies on
/// through `$crate`, whatever `crate = "..."` path the user gave.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no pool: a pool is made for a sized type that you can name",
    label = "`{Self}` is not pooled",
    note = "a struct or enum of yours: add `#[derive(zokio_pool::Pooled)]` to its definition",
    note = "a type of another crate (`String`, `Vec<u8>`, `[u8; 4096]`): declare a pool for it with `zokio_pool::pool!(Strings: String);` and call `Strings::new(value)`",
    note = "an async block, a closure or any other sized type: `zokio_pool::ClassBox::new(value)` or `ClassBox::pin(future)` puts it in the pool of its size class, with no declaration",
    note = "an unsized type (`dyn Trait`, `[T]`, `str`) has no slot size: pool the sized type behind it and coerce a reference, or use `Box`"
)]
pub unsafe trait Pool {
    /// The type of the objects the pool holds.
    type Item;

    #[doc(hidden)]
    const __CONFIG: Config;

    /// Recycle mode's hooks: `None` for a plain pool.
    #[doc(hidden)]
    const __RECYCLE: Option<Recycler<Self::Item>> = None;

    #[doc(hidden)]
    fn __cache() -> &'static LocalKey<LocalCache>;

    /// The name the pool is listed under in [`pools`](crate::pools): the pool type's.
    #[doc(hidden)]
    fn __name() -> &'static str {
        core::any::type_name::<Self>()
    }

    /// The config of `Counted<Self>`, the pool of `PoolArc`'s counted slots.
    #[doc(hidden)]
    const __ARC_CONFIG: Config = Self::__CONFIG.counted();

    #[doc(hidden)]
    fn __depot() -> &'static Depot;

    /// The thread cache of `Counted<Self>`, the pool of `PoolArc`'s counted slots. A pool
    /// made by hand without one panics here (never unsound: nothing is handed out).
    #[doc(hidden)]
    fn __arc_cache() -> &'static LocalKey<LocalCache> {
        unreachable!("zokio-pool: this pool has no counted slots for PoolArc")
    }

    /// The depot of `Counted<Self>` (see `__arc_cache`).
    #[doc(hidden)]
    fn __arc_depot() -> &'static Depot {
        unreachable!("zokio-pool: this pool has no counted slots for PoolArc")
    }
}

/// A type that is its own pool: what `#[derive(Pooled)]` makes of a struct or an enum.
///
/// Implemented for every `T: Pool<Item = T>`; bring it into scope to call
/// [`pool_stats`](Pooled::pool_stats).
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// struct Node { value: u32 }
///
/// let n = PoolBox::new(Node { value: 7 });
/// assert_eq!(Node::pool_stats().live, 1);
/// drop(n);
/// assert_eq!(Node::pool_stats().live, 0);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no pool: a pool is made for a sized type that you can name",
    label = "`{Self}` is not pooled",
    note = "a struct or enum of yours: add `#[derive(zokio_pool::Pooled)]` to its definition",
    note = "a type of another crate (`String`, `Vec<u8>`, `[u8; 4096]`): declare a pool for it with `zokio_pool::pool!(Strings: String);` and call `Strings::new(value)`",
    note = "an async block, a closure or any other sized type: `zokio_pool::ClassBox::new(value)` or `ClassBox::pin(future)` puts it in the pool of its size class, with no declaration",
    note = "an unsized type (`dyn Trait`, `[T]`, `str`) has no slot size: pool the sized type behind it and coerce a reference, or use `Box`"
)]
pub trait Pooled: Pool<Item = Self> + Sized {
    /// Statistics of this type's pool: see [`PoolStats`] for what each figure means.
    fn pool_stats() -> PoolStats {
        PoolStats::of::<Self>()
    }

    /// [`trim`](fn@crate::trim) for this type's pools only (its `PoolBox`es' and its
    /// `PoolArc`s'): they give their surplus to the page heap (the calling thread's cached
    /// slots included), which gives its free pages back to the operating system; returns the
    /// bytes given back to the operating system. Nothing live moves.
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// #[pool(chunk = 16)] // slots are reserved (and given back) 16 at a time
    /// struct Frame { bytes: [u8; 4096] }
    ///
    /// let frames: Vec<_> = (0..100).map(|_| PoolBox::new(Frame { bytes: [0; 4096] })).collect();
    /// let kept = PoolBox::new(Frame { bytes: [1; 4096] });
    /// drop(frames);
    /// Frame::pool_trim();
    /// let stats = Frame::pool_stats();
    /// assert_eq!((stats.live, kept.bytes[0]), (1, 1), "the live frame stays where it is");
    /// # if !zokio_pool::CHECKING_MODE { // (in checking mode objects never stay in a pool)
    /// assert_eq!(stats.capacity, 16, "the chunks with no frame in use went back");
    /// # }
    /// ```
    fn pool_trim() -> usize {
        trim_pool::<Self>()
    }
}

impl<T: Pool<Item = T>> Pooled for T {}

/// [`Pooled::pool_trim`] for any pool (`pool!`'s `Name::trim()` calls it): `P`'s boxes' and
/// `PoolArc`s' pools.
#[doc(hidden)]
pub fn trim_pool<P: Pool + ?Sized>() -> usize {
    crate::trim::trim_depots(&[
        (P::__cache(), P::__depot()),
        (P::__arc_cache(), P::__arc_depot()),
    ])
}

/// The pool `P` seen as a pool of `MaybeUninit<P::Item>`: the handle type of
/// [`PoolBox::new_uninit`](crate::PoolBox::new_uninit). It shares `P`'s slots and statistics.
pub struct Uninit<P: ?Sized>(PhantomData<fn() -> P>);

impl<P: ?Sized> core::fmt::Debug for Uninit<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Uninit")
    }
}

// SAFETY: `MaybeUninit<P::Item>` has the layout of `P::Item`, so `P`'s config (equal to
// `Config::of::<MaybeUninit<P::Item>>` with `P`'s options), depot and cache satisfy the first
// three bullets for `MaybeUninit<P::Item>` too. `__RECYCLE` is `None`, which the fourth bullet
// allows whatever `P`'s config: a slot given back through `Uninit<P>` is marked empty
// (`raw::release`). The fifth bullet asks nothing of a pool without hooks. `P`'s counted pool
// satisfies the bullets for `Counted<Uninit<P>>`, whose config is the same (see below). `Uninit<P>` has no
// public constructor, so the only boxes of it are made by `PoolBox::new_uninit*`, which take
// their slot from `P` (dropping a kept object as `P::Item`) and hand it over empty.
#[diagnostic::do_not_recommend]
unsafe impl<P: Pool> Pool for Uninit<P> {
    type Item = MaybeUninit<P::Item>;

    const __CONFIG: Config = P::__CONFIG;

    #[inline(always)]
    fn __cache() -> &'static LocalKey<LocalCache> {
        P::__cache()
    }

    #[inline(always)]
    fn __depot() -> &'static Depot {
        P::__depot()
    }

    // `Counted<Uninit<P>>`'s config is `Counted<P>`'s (`MaybeUninit<P::Item>` has `P::Item`'s
    // layout, and both are `P::__CONFIG.counted()`), so `P`'s counted pool serves it, as `P`'s
    // pool serves `Uninit<P>`.
    #[inline(always)]
    fn __arc_cache() -> &'static LocalKey<LocalCache> {
        P::__arc_cache()
    }

    #[inline(always)]
    fn __arc_depot() -> &'static Depot {
        P::__arc_depot()
    }
}

/// A pool in recycle mode: free slots keep their objects constructed, so that
/// [`PoolBox::take`](crate::PoolBox::take) hands out a ready object (with its buffers) and dropping
/// the box resets it in place. Made by `#[pool(recycle)]`, `#[pool(reset = path)]`, or `recycle`
/// in `pool!`.
///
/// # Safety
/// Implemented only together with a [`Pool`] whose `__RECYCLE` is `Some` (so whose item is
/// `Send` and `Unpin`, see [`Pool`]'s contract), by the derive or `pool!`.
#[diagnostic::on_unimplemented(
    message = "the pool `{Self}` does not recycle objects",
    label = "not a recycling pool",
    note = "add `recycle` to the pool's options: `#[pool(recycle)]` or `pool!(Name: Type, recycle)`",
    note = "or build a fresh object with `PoolBox::new(value)`"
)]
pub unsafe trait RecyclePool: Pool {}

impl PoolStats {
    /// The statistics of pool `P`.
    ///
    /// Takes the pool's lock and reads every active thread cache of the pool: a cost in the
    /// number of threads that used it, for a monitoring call, not for a hot loop.
    pub fn of<P: Pool + ?Sized>() -> PoolStats {
        crate::cache::pool_stats(P::__depot())
    }
}
