//! The objects the scenarios allocate: [`Small`] (64 B), [`Page`] (4 KiB) and [`Kib1`] ..
//! [`Kib5`], each with its own pools and free list. [`small_object!`] and [`large_object!`]
//! declare more of them: `examples/report` gives each of its scenarios its own 64 B type, so its
//! own pools and statistics.

use std::cell::Cell;
use std::thread::LocalKey;

use sharded_slab::Clear;
use zokio_pool::{Pool, PoolBox, Pooled, Recycle, RecyclePool};

/// A free slot of the hand-written free list.
pub struct Free {
    pub(super) next: *mut Free,
}

/// An object the benchmarks allocate: how to initialize it, and how each contender holds it.
pub trait Object: Pooled + Default + Clear + Recycle + Send + Sync + 'static {
    /// What a pool crate stores: the object (64 B), or a `Box` of it (1 KiB and up).
    type Stored: Default + Clear + Send + Sync + 'static;
    /// A pool of the type declared with `pool!` (default options).
    type Named: Pool<Item = Self>;
    /// A recycling pool of the type declared with `pool!(.., recycle)`.
    type Kept: RecyclePool + Pool<Item = Self>;

    /// Initializes object number `i` at `p`: the work every contender does.
    ///
    /// # Safety
    /// `p` is valid for writes of a `Self`.
    unsafe fn init(p: *mut Self, i: u64);

    /// The object inside a pool crate's stored value.
    fn stored_ptr(s: &mut Self::Stored) -> *mut Self;

    /// Object `i` in a `PoolBox`, written the way a user writes it: `PoolBox::new` for a small
    /// object, `PoolBox::new_uninit` and in-place writes for a large one.
    fn pool_box(i: u64) -> PoolBox<Self>;

    /// Object `i` in the `pool!` pool, the same way.
    fn named_box(i: u64) -> PoolBox<Self, Self::Named>;

    /// A kept object of the recycling pool, written in place as object `i`.
    fn kept_box(i: u64) -> PoolBox<Self, Self::Kept>;

    /// Object `i` in a `Box`, the same way.
    fn boxed(i: u64) -> Box<Self>;

    /// The head of this type's hand-written thread-local free list.
    fn free_list() -> &'static LocalKey<Cell<*mut Free>>;
}

/// What every object type has besides its layout and its [`Object`] impl: no-op `Clear` and
/// `Recycle` (plain data), and a module `$m` holding its free list (`FREE`) and its `pool!`
/// pools (`Named`, and `Kept`, recycling).
///
/// The paths start at `$crate::contenders`: every user mounts this kernel as `mod contenders` at
/// its crate root.
macro_rules! plain_data {
    ($name:ident in $m:ident) => {
        /// Plain data: nothing to clear before reuse.
        impl ::sharded_slab::Clear for $name {
            fn clear(&mut self) {}
        }

        /// Plain data: nothing to reset before reuse.
        impl ::zokio_pool::Recycle for $name {
            fn reset(&mut self) {}
        }

        // Not every user takes every pool: the report uses the derived one only.
        #[allow(dead_code)]
        mod $m {
            use super::$name;

            ::std::thread_local! {
                pub static FREE: ::std::cell::Cell<*mut $crate::contenders::Free> =
                    const { ::std::cell::Cell::new(::std::ptr::null_mut()) };
            }
            ::zokio_pool::pool!(
                /// The type's `pool!` pool.
                pub Named: $name
            );
            ::zokio_pool::pool!(
                /// The type's recycling pool.
                pub Kept: $name, recycle
            );
        }
    };
}
pub(crate) use plain_data;

/// Declares a 64-byte object, written in full (`id = i`, the body zeroed), with its pools and
/// free list in module `$m`. `$name = $size, in $m` declares one of `$size` bytes (a multiple
/// of 8, 16 or more) built the same way: the report's memory scenario has a 128 B one.
macro_rules! small_object {
    ($(#[$doc:meta])* $name:ident in $m:ident) => {
        $crate::contenders::small_object!($(#[$doc])* $name = 64, in $m);
    };
    ($(#[$doc:meta])* $name:ident = $size:literal, in $m:ident) => {
        $(#[$doc])*
        #[derive(::zokio_pool::Pooled, Default)]
        #[repr(C)]
        pub struct $name {
            pub id: u64,
            pub body: [u64; $size / 8 - 1],
        }

        const _: () = assert!(::std::mem::size_of::<$name>() == $size);

        impl $name {
            #[inline(always)]
            pub fn new(i: u64) -> $name {
                $name {
                    id: i,
                    body: [0; $size / 8 - 1],
                }
            }
        }

        $crate::contenders::plain_data!($name in $m);

        impl $crate::contenders::Object for $name {
            type Stored = $name;
            type Named = $m::Named;
            type Kept = $m::Kept;

            #[inline(always)]
            unsafe fn init(p: *mut $name, i: u64) {
                // SAFETY: forwarded from the caller.
                unsafe { p.write($name::new(i)) }
            }

            #[inline(always)]
            fn stored_ptr(s: &mut $name) -> *mut $name {
                s
            }

            #[inline(always)]
            fn pool_box(i: u64) -> ::zokio_pool::PoolBox<$name> {
                ::zokio_pool::PoolBox::new($name::new(i))
            }

            #[inline(always)]
            fn named_box(i: u64) -> ::zokio_pool::PoolBox<$name, $m::Named> {
                $m::Named::new($name::new(i))
            }

            #[inline(always)]
            fn kept_box(i: u64) -> ::zokio_pool::PoolBox<$name, $m::Kept> {
                let mut b = $m::Kept::take();
                *b = $name::new(i);
                b
            }

            #[inline(always)]
            fn boxed(i: u64) -> Box<$name> {
                Box::new($name::new(i))
            }

            #[inline(always)]
            fn free_list(
            ) -> &'static ::std::thread::LocalKey<::std::cell::Cell<*mut $crate::contenders::Free>>
            {
                &$m::FREE
            }
        }
    };
}
pub(crate) use small_object;

/// Declares a large object of `$size` bytes: an 8-byte header and a body of bytes that need no
/// initialization (as a `Vec`'s spare capacity), so that writing the header makes it valid. Its
/// pools and free list are in module `$m`.
macro_rules! large_object {
    ($(#[$doc:meta])* $name:ident = $size:expr, in $m:ident) => {
        $(#[$doc])*
        #[derive(::zokio_pool::Pooled)]
        #[repr(C)]
        pub struct $name {
            pub id: u64,
            pub body: [::std::mem::MaybeUninit<u8>; $size - 8],
        }

        const _: () = assert!(::std::mem::size_of::<$name>() == $size);

        impl Default for $name {
            fn default() -> Self {
                $name {
                    id: 0,
                    body: [::std::mem::MaybeUninit::uninit(); $size - 8],
                }
            }
        }

        $crate::contenders::plain_data!($name in $m);

        impl $crate::contenders::Object for $name {
            type Stored = Box<$name>;
            type Named = $m::Named;
            type Kept = $m::Kept;

            #[inline(always)]
            unsafe fn init(p: *mut $name, i: u64) {
                // SAFETY: the caller gives writable memory for the object; `addr_of_mut!` makes
                // no reference to its uninitialized bytes, and the last byte is in the body.
                unsafe {
                    ::std::ptr::addr_of_mut!((*p).id).write(i);
                    ::std::ptr::addr_of_mut!((*p).body)
                        .cast::<u8>()
                        .add($size - 9)
                        .write(i as u8);
                }
            }

            #[inline(always)]
            fn stored_ptr(s: &mut Box<$name>) -> *mut $name {
                &mut **s
            }

            #[inline(always)]
            fn pool_box(i: u64) -> ::zokio_pool::PoolBox<$name> {
                let mut u = ::zokio_pool::PoolBox::<$name>::new_uninit();
                // SAFETY: the slot is writable; with `id` written the object is initialized
                // (its body is MaybeUninit bytes).
                unsafe {
                    Self::init(::zokio_pool::PoolBox::as_mut_ptr(&mut u).cast(), i);
                    ::zokio_pool::PoolBox::assume_init(u)
                }
            }

            #[inline(always)]
            fn named_box(i: u64) -> ::zokio_pool::PoolBox<$name, $m::Named> {
                let mut u = $m::Named::new_uninit();
                // SAFETY: as for `pool_box`.
                unsafe {
                    Self::init(::zokio_pool::PoolBox::as_mut_ptr(&mut u).cast(), i);
                    ::zokio_pool::PoolBox::assume_init(u)
                }
            }

            #[inline(always)]
            fn kept_box(i: u64) -> ::zokio_pool::PoolBox<$name, $m::Kept> {
                let mut b = $m::Kept::take();
                // SAFETY: the kept object is ours, and writable.
                unsafe { Self::init(&mut *b, i) };
                b
            }

            #[inline(always)]
            fn boxed(i: u64) -> Box<$name> {
                let mut u = Box::<$name>::new_uninit();
                // SAFETY: as for the pool.
                unsafe {
                    Self::init(u.as_mut_ptr(), i);
                    u.assume_init()
                }
            }

            #[inline(always)]
            fn free_list(
            ) -> &'static ::std::thread::LocalKey<::std::cell::Cell<*mut $crate::contenders::Free>>
            {
                &$m::FREE
            }
        }
    };
}

small_object!(
    /// A 64-byte object.
    Small in small_pools
);
large_object!(
    /// A 4 KiB object.
    Page = 4096, in page_pools
);
large_object!(
    /// 1 KiB, for the mixed-size scenario.
    Kib1 = 1024, in kib1_pools
);
large_object!(
    /// 2 KiB, for the mixed-size scenario.
    Kib2 = 2048, in kib2_pools
);
large_object!(
    /// 3 KiB, for the mixed-size scenario.
    Kib3 = 3072, in kib3_pools
);
large_object!(
    /// 4 KiB, for the mixed-size scenario (its own pool, apart from [`Page`]'s).
    Kib4 = 4096, in kib4_pools
);
large_object!(
    /// 5 KiB, for the mixed-size scenario.
    Kib5 = 5120, in kib5_pools
);
