//! General allocators called directly through their `GlobalAlloc` implementations: the `Box`
//! path of a program whose `#[global_allocator]` is that allocator, in a binary whose other
//! contenders use glibc. glibc's malloc (`System`), mimalloc, jemalloc and snmalloc (with the
//! root package's `jemalloc` and `snmalloc` features) and zokio-pool's own byte allocator,
//! `PoolAlloc`.

use std::alloc::{handle_alloc_error, GlobalAlloc, Layout};
use std::marker::PhantomData;
use std::ptr::NonNull;

use mimalloc::MiMalloc;
use zokio_pool::PoolAlloc;

use super::{Contender, Named, Object};

/// An object in memory from the allocator `A`.
pub struct MiPtr<T, A = Mimalloc>(NonNull<T>, PhantomData<A>);

// SAFETY: a MiPtr owns its T as a Box does, and these allocators free memory from any thread.
unsafe impl<T: Send, A> Send for MiPtr<T, A> {}

/// A contender that is a `GlobalAlloc`, called directly.
macro_rules! global_alloc {
    ($(#[$m:meta])* $name:ident, $display:literal, $key:literal, $alloc:expr) => {
        $(#[$m])*
        pub struct $name;

        impl Named for $name {
            const NAME: &'static str = $display;
            const KEY: &'static str = $key;
        }

        impl<T: Object> Contender<T> for $name {
            type Pool = ();
            type Handle<'p> = MiPtr<T, $name>;

            fn pool() {}

            #[inline(always)]
            fn alloc(_: &(), i: u64) -> MiPtr<T, $name> {
                let layout = Layout::new::<T>();
                // SAFETY: the objects have a non-zero size.
                let p = unsafe { $alloc.alloc(layout) }.cast::<T>();
                let Some(p) = NonNull::new(p) else {
                    handle_alloc_error(layout)
                };
                // SAFETY: `p` is fresh memory for a T.
                unsafe { T::init(p.as_ptr(), i) };
                MiPtr(p, PhantomData)
            }

            #[inline(always)]
            fn free(_: &(), h: MiPtr<T, $name>) {
                // The objects have no drop glue: freeing the memory is all there is to do.
                // SAFETY: `h` came from `alloc` of this allocator with this layout and is
                // freed once.
                unsafe { $alloc.dealloc(h.0.as_ptr().cast(), Layout::new::<T>()) }
            }
        }
    };
}

global_alloc!(
    /// mimalloc's `alloc` and `dealloc`.
    Mimalloc, "mimalloc", "mimalloc", MiMalloc
);

global_alloc!(
    /// The system allocator's `alloc` and `dealloc` (glibc's malloc and free on Linux).
    Glibc, "glibc malloc", "glibc", std::alloc::System
);

#[cfg(feature = "jemalloc")]
global_alloc!(
    /// jemalloc's `alloc` and `dealloc` (tikv-jemallocator, the root package's `jemalloc`
    /// feature).
    Jemalloc, "jemalloc", "jemalloc", tikv_jemallocator::Jemalloc
);

#[cfg(feature = "snmalloc")]
global_alloc!(
    /// snmalloc's `alloc` and `dealloc` (snmalloc-rs, the root package's `snmalloc` feature).
    Snmalloc, "snmalloc", "snmalloc", snmalloc_rs::SnMalloc
);

global_alloc!(
    /// zokio-pool's byte allocator: the size class of the layout, found at run time.
    PoolAllocator, "zokio-pool PoolAlloc", "poolalloc", PoolAlloc::new()
);
