//! `Box` on the system allocator (glibc's malloc here: no `#[global_allocator]` is set).

use super::{Contender, Named, Object};

/// `Box<T>` on glibc.
pub struct SystemBox;

impl Named for SystemBox {
    const NAME: &'static str = "glibc Box";
    const KEY: &'static str = "box";
}

impl<T: Object> Contender<T> for SystemBox {
    type Pool = ();
    type Handle<'p> = Box<T>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> Box<T> {
        T::boxed(i)
    }

    #[inline(always)]
    fn free(_: &(), h: Box<T>) {
        drop(h);
    }
}
