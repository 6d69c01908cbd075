//! `#[derive(Pooled)]` on every kind of type it supports, with every option, in the contexts a
//! user may put it in (a renamed crate, `#![no_implicit_prelude]`, `#![forbid(unsafe_code)]`).

// Most types here exist for their pool's configuration: their fields give the layout and are
// never read.
#![allow(dead_code)]

use zokio_pool::__private::{Config, Options};
use zokio_pool::{Pool, PoolBox, Pooled};

#[test]
fn unit_structs_are_pooled() {
    #[derive(Pooled, Debug, PartialEq)]
    struct Unit;

    let b = PoolBox::new(Unit);
    assert_eq!(*b, Unit);
    // A zero-sized type takes no memory.
    assert!(<Unit as Pool>::__CONFIG.is_zst());
}

#[test]
fn tuple_structs_are_pooled() {
    #[derive(Pooled)]
    struct Pair(u32, u64);

    let mut b = PoolBox::new(Pair(1, 2));
    b.1 += b.0 as u64;
    assert_eq!((b.0, b.1), (1, 3));
    assert_eq!(Pair::pool_stats().live, 1);
    drop(b);
    assert_eq!(Pair::pool_stats().live, 0);
}

#[test]
fn structs_with_named_fields_are_pooled() {
    #[derive(Pooled)]
    struct Message {
        id: u64,
        body: [u8; 48],
    }

    let b = PoolBox::new(Message {
        id: 7,
        body: [1; 48],
    });
    assert_eq!(b.id, 7);
    assert_eq!(b.body.iter().map(|&x| x as u32).sum::<u32>(), 48);
    let config = <Message as Pool>::__CONFIG;
    assert!(config.slot_size >= core::mem::size_of::<Message>());
    assert_eq!(config.slot_size % config.slot_align, 0);
    assert!(config.slot_align >= core::mem::align_of::<Message>());
}

#[test]
fn enums_are_pooled() {
    #[derive(Pooled, Debug, PartialEq)]
    enum Event {
        Open(u32),
        Data { len: usize },
        Close,
    }

    let events = [
        PoolBox::new(Event::Open(3)),
        PoolBox::new(Event::Data { len: 10 }),
        PoolBox::new(Event::Close),
    ];
    assert_eq!(*events[0], Event::Open(3));
    assert_eq!(*events[1], Event::Data { len: 10 });
    assert_eq!(*events[2], Event::Close);
    assert_eq!(Event::pool_stats().live, 3);
}

#[test]
fn empty_enums_are_pooled() {
    #[derive(Pooled)]
    enum Never {}

    assert!(<Never as Pool>::__CONFIG.is_zst());
}

#[test]
fn types_with_lifetimes_share_one_pool_for_every_lifetime() {
    #[derive(Pooled)]
    struct View<'a, 'b: 'a> {
        head: &'a str,
        tail: &'b [u8],
    }

    let text = String::from("hello");
    let bytes = vec![1, 2, 3];
    let b = PoolBox::new(View {
        head: &text,
        tail: &bytes,
    });
    assert_eq!((b.head, b.tail), ("hello", &[1, 2, 3][..]));
    {
        let local = String::from("short-lived");
        let c: PoolBox<View<'_, '_>> = PoolBox::new(View {
            head: &local,
            tail: &bytes,
        });
        assert_eq!(c.head, "short-lived");
        assert_eq!(<View<'_, '_>>::pool_stats().live, 2);
    }
    assert_eq!(<View<'static, 'static>>::pool_stats().live, 1);
}

#[test]
fn types_with_lifetimes_and_a_where_clause_are_pooled() {
    #[derive(Pooled)]
    enum Token<'src>
    where
        'src: 'src,
    {
        Word(&'src str),
        Number(u64),
    }

    let b = PoolBox::new(Token::Word("x"));
    assert!(matches!(*b, Token::Word("x")));
    let n = PoolBox::new(Token::Number(1));
    assert!(matches!(*n, Token::Number(1)));
}

/// Asserts that the derive gave `T`'s pool exactly the options `[prealloc, max, chunk, cache]`
/// (`None`: not given), so that the runtime chose the rest.
fn assert_options<T: Pool<Item = T>>(given: [Option<usize>; 4]) {
    let [prealloc, max, chunk, cache] = given;
    let mut options = Options::DEFAULT;
    if let Some(n) = prealloc {
        options = options.prealloc(n);
    }
    if let Some(n) = max {
        options = options.max(n);
    }
    if let Some(n) = chunk {
        options = options.chunk(n);
    }
    if let Some(n) = cache {
        options = options.cache(n);
    }
    let config = T::__CONFIG;
    assert_eq!(config, Config::of::<T>(options));
    let fields = [
        (prealloc, config.prealloc),
        (max, config.max),
        (chunk, config.chunk),
        (cache, config.magazine_size),
    ];
    for (given, actual) in fields {
        if let Some(n) = given {
            assert_eq!(actual, n);
        }
    }
}

#[test]
fn no_options_leaves_every_limit_to_the_runtime() {
    #[derive(Pooled)]
    struct Plain([u8; 64]);

    assert_options::<Plain>([None; 4]);
    assert_eq!(<Plain as Pool>::__CONFIG.prealloc, 0);
    assert_eq!(<Plain as Pool>::__CONFIG.max, usize::MAX);
}

#[test]
fn each_option_reaches_the_runtime_alone() {
    #[derive(Pooled)]
    #[pool(prealloc = 100)]
    struct P([u8; 64]);
    #[derive(Pooled)]
    #[pool(max = 200)]
    struct M([u8; 64]);
    #[derive(Pooled)]
    #[pool(chunk = 30)]
    struct Ch([u8; 64]);
    #[derive(Pooled)]
    #[pool(cache = 4)]
    struct Ca([u8; 64]);

    assert_options::<P>([Some(100), None, None, None]);
    assert_options::<M>([None, Some(200), None, None]);
    assert_options::<Ch>([None, None, Some(30), None]);
    assert_options::<Ca>([None, None, None, Some(4)]);
}

#[test]
fn every_combination_of_options_reaches_the_runtime() {
    #[derive(Pooled)]
    #[pool(prealloc = 10, max = 20)]
    struct PM(u64);
    #[derive(Pooled)]
    #[pool(prealloc = 10, chunk = 5)]
    struct PCh(u64);
    #[derive(Pooled)]
    #[pool(prealloc = 10, cache = 3)]
    struct PCa(u64);
    #[derive(Pooled)]
    #[pool(max = 20, chunk = 5)]
    struct MCh(u64);
    #[derive(Pooled)]
    #[pool(max = 20, cache = 3)]
    struct MCa(u64);
    #[derive(Pooled)]
    #[pool(chunk = 5, cache = 3)]
    struct ChCa(u64);
    #[derive(Pooled)]
    #[pool(prealloc = 10, max = 20, chunk = 5)]
    struct PMCh(u64);
    #[derive(Pooled)]
    #[pool(prealloc = 10, max = 20, cache = 3)]
    struct PMCa(u64);
    #[derive(Pooled)]
    #[pool(prealloc = 10, chunk = 5, cache = 3)]
    struct PChCa(u64);
    #[derive(Pooled)]
    #[pool(max = 20, chunk = 5, cache = 3)]
    struct MChCa(u64);
    #[derive(Pooled)]
    #[pool(prealloc = 10, max = 20, chunk = 5, cache = 3)]
    struct All(u64);

    let (p, m, ch, ca) = (Some(10), Some(20), Some(5), Some(3));
    assert_options::<PM>([p, m, None, None]);
    assert_options::<PCh>([p, None, ch, None]);
    assert_options::<PCa>([p, None, None, ca]);
    assert_options::<MCh>([None, m, ch, None]);
    assert_options::<MCa>([None, m, None, ca]);
    assert_options::<ChCa>([None, None, ch, ca]);
    assert_options::<PMCh>([p, m, ch, None]);
    assert_options::<PMCa>([p, m, None, ca]);
    assert_options::<PChCa>([p, None, ch, ca]);
    assert_options::<MChCa>([None, m, ch, ca]);
    assert_options::<All>([p, m, ch, ca]);
}

#[test]
fn options_merge_across_attributes_in_any_order() {
    #[derive(Pooled)]
    #[pool(cache = 3)]
    #[pool(chunk = 5, max = 20)]
    #[pool()]
    #[pool(prealloc = 10)]
    struct Split(u64);

    assert_options::<Split>([Some(10), Some(20), Some(5), Some(3)]);
}

#[test]
fn counts_accept_underscores_suffixes_and_other_bases() {
    #[derive(Pooled)]
    #[pool(prealloc = 1_024, max = 4096usize, chunk = 0x100, cache = 0b1000)]
    struct Spelled(u64);

    assert_options::<Spelled>([Some(1024), Some(4096), Some(256), Some(8)]);
}

macro_rules! pooled {
    ($name:ident, $prealloc:literal, $max:expr, $krate:literal) => {
        #[derive(Pooled)]
        #[pool(prealloc = $prealloc, max = $max, crate = $krate)]
        struct $name(u64);
    };
}

#[test]
fn options_may_come_from_macro_fragments() {
    pooled!(FromMacro, 32, 64, "::zokio_pool");

    assert_options::<FromMacro>([Some(32), Some(64), None, None]);
}

#[test]
fn max_may_equal_prealloc() {
    #[derive(Pooled)]
    #[pool(prealloc = 2, max = 2)]
    struct Exact(u64);

    let a = PoolBox::new(Exact(1));
    let b = PoolBox::new(Exact(2));
    let c = PoolBox::try_new(Exact(3));
    assert_eq!(c.err().map(|e| e.0), Some(3));
    assert_eq!(a.0 + b.0, 3);
}

#[test]
fn max_limits_live_objects() {
    #[derive(Pooled)]
    #[pool(max = 1, cache = 1)]
    struct One(u32);

    let a = PoolBox::new(One(1));
    let rejected = PoolBox::try_new(One(2)).err().map(|e| e.0);
    assert_eq!(rejected, Some(2));
    drop(a);
    assert!(PoolBox::try_new(One(3)).is_ok());
}

/// The runtime under another name, as after `renamed = { package = "zokio-pool" }`.
extern crate zokio_pool as renamed;

/// A crate that re-exports the runtime for its users.
mod facade {
    pub mod reexports {
        pub use zokio_pool;
    }
}

#[test]
fn crate_option_names_a_renamed_runtime() {
    #[derive(renamed::Pooled)]
    #[pool(crate = "renamed", max = 8)]
    struct Renamed(u64);

    let b = renamed::PoolBox::new(Renamed(5));
    assert_eq!(b.0, 5);
    assert_eq!(<Renamed as renamed::Pool>::__CONFIG.max, 8);
}

#[test]
fn crate_option_names_a_reexport() {
    #[derive(facade::reexports::zokio_pool::Pooled)]
    #[pool(crate = "crate::facade::reexports::zokio_pool")]
    #[pool(prealloc = 4)]
    struct ViaFacade(u64);

    let b = PoolBox::new(ViaFacade(6));
    assert_eq!(b.0, 6);
    assert_eq!(<ViaFacade as Pool>::__CONFIG.prealloc, 4);
}

mod no_prelude {
    #![no_implicit_prelude]

    #[derive(::zokio_pool::Pooled)]
    #[pool(prealloc = 16, max = 64, chunk = 8, cache = 4)]
    pub struct Bare {
        pub value: u64,
    }

    #[derive(::zokio_pool::Pooled)]
    pub enum BareEnum<'a> {
        Borrowed(&'a u64),
        Owned(u64),
    }

    #[derive(::zokio_pool::Pooled)]
    #[pool(crate = "::zokio_pool")]
    pub struct BareUnit;
}

#[test]
fn derive_works_without_the_prelude() {
    let b = PoolBox::new(no_prelude::Bare { value: 9 });
    assert_eq!(b.value, 9);
    assert_options::<no_prelude::Bare>([Some(16), Some(64), Some(8), Some(4)]);
    let n = 1;
    let e = PoolBox::new(no_prelude::BareEnum::Borrowed(&n));
    assert!(matches!(*e, no_prelude::BareEnum::Borrowed(1)));
    let _ = PoolBox::new(no_prelude::BareEnum::Owned(2));
    let _ = PoolBox::new(no_prelude::BareUnit);
}

#[forbid(unsafe_code)]
mod safe {
    use zokio_pool::Pooled;

    #[derive(Pooled)]
    #[pool(prealloc = 8, max = 16)]
    pub struct Checked {
        pub value: u64,
    }

    #[derive(Pooled)]
    pub struct Borrowing<'a>(pub &'a str);

    #[derive(Pooled)]
    pub enum Either {
        Left(u8),
        Right(u16),
    }

    pub fn make(value: u64) -> zokio_pool::PoolBox<Checked> {
        zokio_pool::PoolBox::new(Checked { value })
    }
}

#[test]
fn derive_works_where_unsafe_code_is_forbidden() {
    let b = safe::make(11);
    assert_eq!(b.value, 11);
    assert_options::<safe::Checked>([Some(8), Some(16), None, None]);
    let s = PoolBox::new(safe::Borrowing("x"));
    assert_eq!(s.0, "x");
    let e = PoolBox::new(safe::Either::Right(2));
    assert!(matches!(*e, safe::Either::Right(2)));
}

#[test]
fn pooled_values_move_between_threads() {
    #[derive(Pooled)]
    #[pool(cache = 2)]
    struct Shared(Vec<u32>);

    let b = PoolBox::new(Shared(vec![1, 2, 3]));
    let sum = std::thread::spawn(move || b.0.iter().sum::<u32>())
        .join()
        .unwrap();
    assert_eq!(sum, 6);
}

#[test]
fn recycle_options_reach_the_runtime() {
    #[derive(Pooled, Default)]
    #[pool(recycle, max_capacity = 4096, max_idle = 32, prealloc = 8)]
    struct Buffer(Vec<u8>);

    let recycler = <Buffer as Pool>::__RECYCLE.expect("recycle mode");
    assert_eq!((recycler.max_capacity, recycler.max_idle), (4096, 32));
    let config = <Buffer as Pool>::__CONFIG;
    assert_ne!(config.header, 0);
    assert_eq!(
        config,
        Config::of::<Buffer>(Options::DEFAULT.prealloc(8).recycle())
    );
}

#[test]
fn reset_alone_puts_the_pool_in_recycle_mode_without_bounds() {
    #[derive(Pooled)]
    #[pool(reset = Self::clear, init = Self::new)]
    struct Custom(Vec<u8>);

    impl Custom {
        fn new() -> Self {
            Custom(Vec::with_capacity(8))
        }
        fn clear(&mut self) {
            self.0.clear();
        }
    }

    let recycler = <Custom as Pool>::__RECYCLE.expect("recycle mode");
    assert_eq!(
        (recycler.max_capacity, recycler.max_idle),
        (usize::MAX, usize::MAX)
    );
    assert_ne!(<Custom as Pool>::__CONFIG.header, 0);
    assert!((recycler.init)().0.capacity() >= 8);
}

#[test]
fn plain_pools_have_no_recycle_hooks() {
    #[derive(Pooled)]
    struct Plain(u64);

    assert!(<Plain as Pool>::__RECYCLE.is_none());
    assert_eq!(<Plain as Pool>::__CONFIG.header, 0);
}

#[test]
fn with_recycle_and_reset_the_reset_function_wins_and_no_recycle_impl_is_generated() {
    use zokio_pool::Recycle;

    #[derive(Pooled, Default)]
    #[pool(recycle, reset = <Self as Recycle>::reset, max_idle = 4)]
    struct Own(Vec<u8>);

    // A hand-written impl: the derive made none to conflict with.
    impl Recycle for Own {
        fn reset(&mut self) {
            self.0.truncate(1);
        }
    }

    let mut b = PoolBox::<Own>::take();
    b.0.extend_from_slice(&[1, 2, 3]);
    drop(b);
    let b = PoolBox::<Own>::take();
    let expected: &[u8] = if zokio_pool::CHECKING_MODE { &[] } else { &[1] };
    assert_eq!(b.0, expected);
    assert_eq!(<Own as Pool>::__RECYCLE.map(|r| r.max_idle), Some(4));
}

macro_rules! recycled {
    ($name:ident, $reset:path, $init:expr, $bound:literal) => {
        #[derive(Pooled)]
        #[pool(reset = $reset, init = $init, max_idle = $bound)]
        struct $name(Vec<u8>);
    };
}

fn clear_fragment(v: &mut Fragment) {
    v.0.clear();
}

fn new_fragment() -> Fragment {
    Fragment(Vec::new())
}

recycled!(Fragment, clear_fragment, new_fragment, 3);

#[test]
fn recycle_options_may_come_from_macro_fragments() {
    assert_eq!(<Fragment as Pool>::__RECYCLE.map(|r| r.max_idle), Some(3));
    let b = PoolBox::<Fragment>::take();
    assert!(b.0.is_empty());
}

#[test]
fn zeroize_reaches_the_runtime_from_both_macros() {
    #[derive(Pooled)]
    #[pool(zeroize)]
    struct Key([u8; 32]);

    zokio_pool::pool!(Keys: [u8; 32], zeroize);

    const { assert!(<Key as Pool>::__CONFIG.zeroize) };
    const { assert!(<Keys as Pool>::__CONFIG.zeroize) };
    let k = PoolBox::new(Key([7; 32]));
    assert_eq!(k.0[31], 7);
    let p = PoolBox::into_raw(k).cast::<u8>();
    // SAFETY: `p` comes from into_raw of this pool, once.
    drop(unsafe { PoolBox::<Key>::from_raw(p.cast()) });
    // Under ASan (`--cfg zokio_pool_asan`) the freed bytes are poisoned: reading them is the
    // use-after-poison ASan must report, so the check is left to the other builds.
    if !zokio_pool::CHECKING_MODE && !cfg!(zokio_pool_asan) {
        // The slot stays memory of the pool, which keeps nothing in it: all 32 bytes are zero.
        // SAFETY: inside a slot of a chunk that is never freed.
        let bytes = unsafe { core::slice::from_raw_parts(p, 32) };
        assert!(bytes.iter().all(|&b| b == 0));
    }
    let k = Keys::new([9; 32]);
    assert_eq!(k[0], 9);
}
