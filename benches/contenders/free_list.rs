//! A hand-written thread-local free list per type: the practical limit of a pool (bench code
//! only; it never gives memory back, and a slot freed on another thread joins that thread's
//! list).

use std::ptr::NonNull;

use super::{Contender, Free, Named, Object};

/// The hand-written free list.
pub struct FreeList;

impl Named for FreeList {
    const NAME: &'static str = "free list";
    const KEY: &'static str = "free-list";
}

impl<T: Object> Contender<T> for FreeList {
    type Pool = ();
    type Handle<'p> = NonNull<T>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> NonNull<T> {
        let p = T::free_list().with(|h| {
            let p = h.get();
            if p.is_null() {
                NonNull::from(Box::leak(Box::<T>::new_uninit())).cast()
            } else {
                // SAFETY: `p` is a free slot of this list.
                h.set(unsafe { (*p).next });
                // SAFETY: not null, tested above.
                unsafe { NonNull::new_unchecked(p.cast::<T>()) }
            }
        });
        // SAFETY: `p` is a slot for a T.
        unsafe { T::init(p.as_ptr(), i) };
        p
    }

    #[inline(always)]
    fn free(_: &(), p: NonNull<T>) {
        T::free_list().with(|h| {
            let f = p.as_ptr().cast::<Free>();
            // SAFETY: the object is given back (it has no drop glue); its slot is large and
            // aligned enough for a pointer.
            unsafe { f.write(Free { next: h.get() }) };
            h.set(f);
        })
    }
}
