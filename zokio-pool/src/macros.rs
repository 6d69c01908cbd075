//! The safety-relevant half of the macros' output, emitted by the runtime itself.
//!
//! `#[derive(Pooled)]` and `pool!` parse and check what the user wrote, then call
//! [`__pool_impl!`](crate::__pool_impl) with it. Everything the `unsafe impl Pool` depends on
//! (the trait, the config, the `static` depot, the `thread_local!` cache) is named here through
//! `$crate`, never through the path the user gave with `crate = "..."`: a module that re-exports
//! the runtime but swaps one of its hidden items cannot make two pools share a cache or give a
//! pool a config that does not fit its item. The user's path only reaches this macro (another
//! macro found there would have to write `unsafe` itself) and safe items.
//!
//! The macro is sound for any input that compiles, so that calling it by hand from safe code
//! cannot break the `Pool` contract either:
//! - `__CONFIG` is `Config::of::<Item>` where `Item` is the impl's own `type Item`;
//! - the `static` depot's config is computed from `static_item` (the item with its lifetimes
//!   made `'static`, as a `static` cannot name the impl's lifetimes) and checked at compile time
//!   to equal `__CONFIG`, so a `static_item` of another layout fails the build;
//! - each call makes one `static` and one `thread_local!`, used by this impl only;
//! - `__RECYCLE` can only hold a `Recycler`, which only its constructors make, and they require
//!   an item that is `Send` and `Unpin` (see `recycle::Recycler`).

/// Emits `unsafe impl Pool` (and `RecyclePool` in recycle mode) for a pool type. Not public
/// API: called by the expansion of `#[derive(Pooled)]` and `pool!`.
///
/// ```text
/// __pool_impl! {
///     impl [<'a>] for [Message<'a>] where [];
///     item [Self];                        // the impl's `type Item`
///     static_item [Message<'static>];     // the same type, nameable from a `static`
///     options [prealloc(1024) max(4096)]; // `Options` methods, in order
///     recycle [];                         // or `recycle [expression of a Recycler]`
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __pool_impl {
    (
        impl [$(<$($lt:lifetime $(: $bound:lifetime $(+ $more:lifetime)*)?),* $(,)?>)?]
        for [$pool:ty] where [$($where:tt)*];
        item [$item:ty];
        static_item [$static_item:ty];
        options [$($option:ident ($($value:expr)?))*];
        recycle [];
    ) => {
        #[automatically_derived]
        unsafe impl $(<$($lt $(: $bound $(+ $more)*)?),*>)? $crate::Pool for $pool
        $($where)* {
            type Item = $item;

            $crate::__pool_impl!(@items $item, $static_item, [$($option ($($value)?))*]);
        }
    };
    (
        impl [] for [$pool:ty] where [];
        item [$item:ty];
        static_item [$static_item:ty];
        options [$($option:ident ($($value:expr)?))*];
        recycle [$recycler:expr];
    ) => {
        #[automatically_derived]
        unsafe impl $crate::Pool for $pool {
            type Item = $item;

            $crate::__pool_impl!(
                @items $item, $static_item, [recycle() $($option ($($value)?))*]
            );

            #[doc(hidden)]
            const __RECYCLE: ::core::option::Option<$crate::__private::Recycler<$item>> =
                ::core::option::Option::Some($recycler);
        }

        // `__RECYCLE` is `Some` just above.
        #[automatically_derived]
        unsafe impl $crate::RecyclePool for $pool {}
    };
    // A type with type or const parameters: each instantiation is served by the pool of its
    // size class. Every item is `SizeClass<$item>`'s, which meets the contract for `$item`, the
    // impl's `Item`, whatever the input.
    (
        class impl [$($generics:tt)*] for [$($pool:tt)+] where [$($where:tt)*];
        item [$item:ty];
    ) => {
        #[automatically_derived]
        unsafe impl $($generics)* $crate::Pool for $($pool)+ $($where)* {
            type Item = $item;

            #[doc(hidden)]
            const __CONFIG: $crate::__private::Config =
                <$crate::SizeClass<$item> as $crate::Pool>::__CONFIG;

            #[doc(hidden)]
            const __ARC_CONFIG: $crate::__private::Config =
                <$crate::SizeClass<$item> as $crate::Pool>::__ARC_CONFIG;

            #[inline(always)]
            #[doc(hidden)]
            fn __cache() -> &'static $crate::__private::LocalKey<$crate::__private::LocalCache> {
                <$crate::SizeClass<$item> as $crate::Pool>::__cache()
            }

            #[inline(always)]
            #[doc(hidden)]
            fn __depot() -> &'static $crate::__private::Depot {
                <$crate::SizeClass<$item> as $crate::Pool>::__depot()
            }

            #[doc(hidden)]
            fn __name() -> &'static str {
                <$crate::SizeClass<$item> as $crate::Pool>::__name()
            }

            #[inline(always)]
            #[doc(hidden)]
            fn __arc_cache() -> &'static $crate::__private::LocalKey<$crate::__private::LocalCache> {
                <$crate::SizeClass<$item> as $crate::Pool>::__arc_cache()
            }

            #[inline(always)]
            #[doc(hidden)]
            fn __arc_depot() -> &'static $crate::__private::Depot {
                <$crate::SizeClass<$item> as $crate::Pool>::__arc_depot()
            }
        }
    };
    // A stub, emitted with the errors of an invalid input so that the input's other uses do not
    // fail too: the build fails anyway. Its functions panic, so it hands out no slot and relies
    // on no part of the contract, whatever its generics.
    (
        stub impl [$($generics:tt)*] for [$($pool:tt)+] where [$($where:tt)*];
        item [$item:ty];
    ) => {
        #[automatically_derived]
        unsafe impl $($generics)* $crate::Pool for $($pool)+ $($where)* {
            type Item = $item;

            #[doc(hidden)]
            const __CONFIG: $crate::__private::Config =
                $crate::__private::Config::of::<$item>($crate::__private::Options::DEFAULT);

            #[doc(hidden)]
            fn __cache() -> &'static $crate::__private::LocalKey<$crate::__private::LocalCache> {
                ::core::unreachable!()
            }

            #[doc(hidden)]
            fn __depot() -> &'static $crate::__private::Depot {
                ::core::unreachable!()
            }
        }
    };
    (
        stub recycle impl [$($generics:tt)*] for [$($pool:tt)+] where [$($where:tt)*];
        item [$item:ty];
    ) => {
        $crate::__pool_impl! {
            stub impl [$($generics)*] for [$($pool)+] where [$($where)*];
            item [$item];
        }

        // `take` must resolve; it panics like every function of the stub.
        #[automatically_derived]
        unsafe impl $($generics)* $crate::RecyclePool for $($pool)+ $($where)* {}
    };
    (@items $item:ty, $static_item:ty, [$($option:ident ($($value:expr)?))*]) => {
        #[doc(hidden)]
        const __CONFIG: $crate::__private::Config = $crate::__private::Config::of::<$item>(
            $crate::__private::Options::DEFAULT $(.$option($($value)?))*
        );

        #[inline(always)]
        #[doc(hidden)]
        fn __cache() -> &'static $crate::__private::LocalKey<$crate::__private::LocalCache> {
            $crate::__private::thread_local! {
                static CACHE: $crate::__private::LocalCache =
                    const { $crate::__private::LocalCache::new() };
            }
            &CACHE
        }

        #[inline(always)]
        #[doc(hidden)]
        fn __depot() -> &'static $crate::__private::Depot {
            const CONFIG: $crate::__private::Config = $crate::__private::Config::of::<$static_item>(
                $crate::__private::Options::DEFAULT $(.$option($($value)?))*
            );
            static DEPOT: $crate::__private::Depot = $crate::__private::Depot::new(CONFIG);
            const {
                ::core::assert!(
                    CONFIG.same_as(&<Self as $crate::Pool>::__CONFIG),
                    "zokio-pool: `static_item` must be the item type with its lifetimes made 'static"
                )
            };
            &DEPOT
        }

        // The counted slots of `PoolArc`: a second pool, of `ArcInner<Item>`, used only when
        // a `PoolArc` of this pool is first made (a `static` and a `thread_local!` that cost
        // nothing until then).
        #[inline(always)]
        #[doc(hidden)]
        fn __arc_cache() -> &'static $crate::__private::LocalKey<$crate::__private::LocalCache> {
            $crate::__private::thread_local! {
                static ARC_CACHE: $crate::__private::LocalCache =
                    const { $crate::__private::LocalCache::new() };
            }
            &ARC_CACHE
        }

        #[inline(always)]
        #[doc(hidden)]
        fn __arc_depot() -> &'static $crate::__private::Depot {
            // `Config::of` on the same tokens as `__depot`'s, so that an unsized item reports
            // no second error; with the options a `PoolArc` slot takes (`zeroize`), none of
            // which can fail, so that a bad option reports no second error either.
            const ARC_CONFIG: $crate::__private::Config = $crate::__private::Config::of::<
                $static_item,
            >(($crate::__private::Options::DEFAULT $(.$option($($value)?))*).counted())
            .counted();
            static ARC_DEPOT: $crate::__private::Depot =
                $crate::__private::Depot::new(ARC_CONFIG);
            const {
                ::core::assert!(
                    ARC_CONFIG.same_as(
                        &<$crate::__private::Counted<Self> as $crate::Pool>::__CONFIG
                    ),
                    "zokio-pool: `static_item` must be the item type with its lifetimes made 'static"
                )
            };
            &ARC_DEPOT
        }
    };
}
