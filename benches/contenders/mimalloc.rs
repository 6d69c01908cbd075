//! mimalloc, called directly through its `GlobalAlloc` implementation: the `Box` path of a
//! program whose `#[global_allocator]` is mimalloc, in a binary whose other contenders use glibc.

use std::alloc::{handle_alloc_error, GlobalAlloc, Layout};
use std::ptr::NonNull;

use mimalloc::MiMalloc;

use super::{Contender, Named, Object};

/// mimalloc's `alloc` and `dealloc`.
pub struct Mimalloc;

impl Named for Mimalloc {
    const NAME: &'static str = "mimalloc";
    const KEY: &'static str = "mimalloc";
}

/// An object in memory from mimalloc.
pub struct MiPtr<T>(NonNull<T>);

// SAFETY: a MiPtr owns its T as a Box does, and mimalloc frees memory from any thread.
unsafe impl<T: Send> Send for MiPtr<T> {}

impl<T: Object> Contender<T> for Mimalloc {
    type Pool = ();
    type Handle<'p> = MiPtr<T>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> MiPtr<T> {
        let layout = Layout::new::<T>();
        // SAFETY: the objects have a non-zero size.
        let p = unsafe { MiMalloc.alloc(layout) }.cast::<T>();
        let Some(p) = NonNull::new(p) else {
            handle_alloc_error(layout)
        };
        // SAFETY: `p` is fresh memory for a T.
        unsafe { T::init(p.as_ptr(), i) };
        MiPtr(p)
    }

    #[inline(always)]
    fn free(_: &(), h: MiPtr<T>) {
        // The objects have no drop glue: freeing the memory is all there is to do.
        // SAFETY: `h` came from `MiMalloc.alloc` with this layout and is freed once.
        unsafe { MiMalloc.dealloc(h.0.as_ptr().cast(), Layout::new::<T>()) }
    }
}
