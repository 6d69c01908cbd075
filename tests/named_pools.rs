//! `pool!`: named pools for any type, several per item type, each configured on its own, in the
//! contexts a user may declare them in (a function, `#![no_implicit_prelude]`,
//! `#![forbid(unsafe_code)]`, a renamed crate).

use core::mem::size_of;
use std::thread;

use zokio_pool::{Pool, PoolBox, CHECKING_MODE};

zokio_pool::pool!(
    /// Frames reserved 64 at a time, at most 128.
    pub Frames: [u8; 4096], prealloc = 64, max = 128
);
zokio_pool::pool!(pub(crate) Pages: [u8; 4096], prealloc = 8, chunk = 8);

#[test]
fn two_pools_of_one_item_type_are_configured_and_counted_apart() {
    assert_eq!(<Frames as Pool>::__CONFIG.prealloc, 64);
    assert_eq!(<Frames as Pool>::__CONFIG.max, 128);
    assert_eq!(<Pages as Pool>::__CONFIG.prealloc, 8);
    assert_eq!(<Pages as Pool>::__CONFIG.max, usize::MAX);
    assert_eq!(<Pages as Pool>::__CONFIG.chunk, 8);

    let frames: Vec<_> = (0..3).map(|i| Frames::new([i; 4096])).collect();
    let page = Pages::new([9; 4096]);
    let (f, p) = (Frames::stats(), Pages::stats());
    assert_eq!((f.live, p.live), (3, 1));
    if !CHECKING_MODE {
        assert_eq!(
            (f.capacity, p.capacity),
            (64, 8),
            "each reserved its own prealloc"
        );
    }
    drop(frames);
    assert_eq!((Frames::stats().live, Pages::stats().live), (0, 1));
    drop(page);
}

#[test]
fn handles_are_one_pointer_wide_and_deref_to_the_item() {
    assert_eq!(size_of::<PoolBox<[u8; 4096], Frames>>(), size_of::<usize>());
    assert_eq!(
        size_of::<Option<PoolBox<[u8; 4096], Frames>>>(),
        size_of::<usize>()
    );
    assert_eq!(size_of::<Frames>(), 0);

    let mut f = Frames::new([0; 4096]);
    f[4095] = 7;
    let bytes: &[u8; 4096] = &f;
    assert_eq!(bytes[4095], 7);
    assert_eq!(f.iter().map(|&b| u32::from(b)).sum::<u32>(), 7);
    let copy: [u8; 4096] = PoolBox::into_inner(f);
    assert_eq!(copy[4095], 7);
}

#[test]
fn new_uninit_then_write_builds_in_place() {
    let slot = Frames::new_uninit();
    let f: PoolBox<[u8; 4096], Frames> = PoolBox::write(slot, [3; 4096]);
    assert_eq!(f[0] + f[4095], 6);
    let g = Frames::try_new_uninit().map(|slot| PoolBox::write(slot, [1; 4096]));
    assert_eq!(g.map(|g| g[10]), Some(1));
    let h = Frames::new_with(|| [5; 4096]);
    assert_eq!(h[1], 5);
    assert!(Frames::try_new_with(|| [6; 4096]).is_ok());
}

#[test]
fn max_on_a_named_pool_gives_the_value_back() {
    zokio_pool::pool!(Two: u64, max = 2, cache = 1);

    let a = Two::new(1);
    let b = Two::try_new(2).unwrap();
    assert_eq!(Two::try_new(3).unwrap_err(), 3);
    assert!(Two::try_new_with(|| 4).is_err());
    assert!(Two::try_new_uninit().is_none());
    drop(a);
    let c = Two::try_new(5).unwrap();
    assert_eq!(*b + *c, 7);
    let panicked = std::panic::catch_unwind(|| Two::new(6));
    assert!(panicked.is_err(), "new panics at the limit");
}

#[test]
fn a_recycling_named_pool_of_vec_keeps_its_buffers() {
    zokio_pool::pool!(pub Buffers: Vec<u8>, recycle, max_capacity = 1_048_576, max_idle = 64);

    let recycler = <Buffers as Pool>::__RECYCLE.unwrap();
    assert_eq!((recycler.max_capacity, recycler.max_idle), (1_048_576, 64));
    let mut b = Buffers::take();
    b.extend_from_slice(&[1; 512]);
    drop(b);
    let b = Buffers::try_take().unwrap();
    assert!(b.is_empty());
    if !CHECKING_MODE {
        assert!(b.capacity() >= 512);
    }
    // `take_in` names the pool by value.
    let c = PoolBox::take_in(Buffers);
    assert_eq!(Buffers::stats().live, 2);
    drop((b, c));
}

#[test]
fn boxes_of_a_named_pool_are_dropped_on_another_thread() {
    zokio_pool::pool!(Crossing: [u64; 16], cache = 2);

    let boxes: Vec<_> = (0..10).map(|i| Crossing::new([i; 16])).collect();
    let sum = thread::spawn(move || boxes.iter().map(|b| b[15]).sum::<u64>())
        .join()
        .unwrap();
    assert_eq!(sum, 45);
    assert_eq!(Crossing::stats().live, 0);
    assert_eq!(Crossing::stats().allocated + Crossing::stats().reused, 10);
}

#[test]
fn pinned_boxes_of_a_named_pool() {
    use core::future::Future;
    use core::pin::Pin;
    use core::task::{Context, Poll, Waker};
    use std::sync::Arc;
    use std::task::Wake;

    struct Noop;

    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    struct Ready(u32);

    impl Future for Ready {
        type Output = u32;
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
            Poll::Ready(self.0)
        }
    }

    zokio_pool::pool!(Futures: Ready);

    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut a = Futures::pin(Ready(1));
    let mut b: Pin<PoolBox<Ready, Futures>> = PoolBox::pin_in(Ready(2), Futures);
    assert_eq!(a.as_mut().poll(&mut cx), Poll::Ready(1));
    assert_eq!(b.as_mut().poll(&mut cx), Poll::Ready(2));
}

#[test]
fn a_named_pool_declared_inside_a_function() {
    #[derive(Debug, PartialEq)]
    struct Local {
        id: u32,
    }

    zokio_pool::pool!(Locals: Local, prealloc = 4);

    let l = Locals::new(Local { id: 1 });
    assert_eq!(*l, Local { id: 1 });
    assert_eq!(Locals::stats().live, 1);
    // The marker is a plain value type.
    fn copied_default<T: Copy + Default + Eq + core::hash::Hash>(t: T) -> (T, T) {
        (t, T::default())
    }
    let (a, b) = copied_default(Locals);
    assert_eq!(a, b);
    assert_eq!(format!("{Locals:?}"), "Locals");
}

/// A generic item type: one pool per instantiation.
#[derive(Debug, PartialEq, Default)]
pub struct Wrapper<T>(T);

zokio_pool::pool!(pub U32s: Wrapper<u32>);
zokio_pool::pool!(pub Strings: Wrapper<String>, recycle, reset = clear_wrapper);

fn clear_wrapper(w: &mut Wrapper<String>) {
    w.0.clear();
}

#[test]
fn generic_item_types_get_a_pool_per_instantiation() {
    let a = U32s::new(Wrapper(3));
    let b = Strings::new(Wrapper("x".to_owned()));
    assert_eq!((a.0, b.0.as_str()), (3, "x"));
    drop(b);
    let c = Strings::take();
    assert_eq!(c.0, "");
    assert_eq!((U32s::stats().live, Strings::stats().live), (1, 1));
}

/// The runtime under another name, as after `renamed = { package = "zokio-pool" }`.
extern crate zokio_pool as renamed;

#[test]
fn crate_option_names_a_renamed_runtime() {
    renamed::pool!(Renamed: u16, crate = "renamed", max = 3);

    let b: renamed::PoolBox<u16, Renamed> = Renamed::new(5);
    assert_eq!(*b, 5);
    assert_eq!(<Renamed as renamed::Pool>::__CONFIG.max, 3);
}

mod no_prelude {
    #![no_implicit_prelude]

    ::zokio_pool::pool!(pub Bare: [u8; 64], prealloc = 4, max = 8, chunk = 4, cache = 2);
    ::zokio_pool::pool!(pub BareVecs: ::std::vec::Vec<u8>, recycle, max_capacity = 64, max_idle = 2);

    #[derive(::core::default::Default)]
    pub struct Record {
        pub id: u64,
        pub tags: ::std::vec::Vec<u8>,
    }

    #[derive(::zokio_pool::Pooled, ::core::default::Default)]
    #[pool(recycle, max_idle = 4)]
    pub struct Recycled(pub ::std::vec::Vec<u8>, #[pool(skip)] pub u8);

    ::zokio_pool::pool!(pub Records: Record, reset = reset_record, init = ::core::default::Default::default);

    fn reset_record(r: &mut Record) {
        r.id = 0;
        r.tags.clear();
    }
}

#[test]
fn pool_works_without_the_prelude() {
    let b = no_prelude::Bare::new([1; 64]);
    assert_eq!(b[63], 1);
    let mut v = no_prelude::BareVecs::take();
    v.push(1);
    drop(v);
    assert!(no_prelude::BareVecs::take().is_empty());
    let mut r = no_prelude::Records::take();
    r.tags.push(1);
    drop(r);
    assert!(no_prelude::Records::take().tags.is_empty());
    let s = PoolBox::<no_prelude::Recycled>::take();
    assert_eq!(s.1, 0);
}

#[forbid(unsafe_code)]
mod safe {
    zokio_pool::pool!(pub Checked: u64, prealloc = 8, max = 16);
    zokio_pool::pool!(pub Recycled: String, recycle, max_capacity = 256);

    #[derive(zokio_pool::Pooled, Default)]
    #[pool(recycle)]
    pub struct Derived {
        pub text: String,
    }

    pub fn make(value: u64) -> zokio_pool::PoolBox<u64, Checked> {
        Checked::new(value)
    }
}

#[test]
fn pool_works_where_unsafe_code_is_forbidden() {
    assert_eq!(*safe::make(11), 11);
    let mut s = safe::Recycled::take();
    s.push_str("abc");
    drop(s);
    assert!(safe::Recycled::take().is_empty());
    assert!(PoolBox::<safe::Derived>::take().text.is_empty());
}
