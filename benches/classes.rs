//! Tiered sizes, 8 to 256 B (the design report's "tiered mixed sizes" case): objects of 8, 16,
//! 32, 48, 64, 96, 128, 192 and 256 bytes (`[u64; N]`, every word written), none of them with a
//! pool of its own. `ClassBox::new` (each size served by its size class, chosen at compile
//! time), zokio-pool's byte allocator `PoolAlloc` (the same classes, chosen from the layout at
//! run time, through `GlobalAlloc`), mimalloc's `alloc` and `Box::new` (glibc), side by side in
//! each group.
//!
//! - `pair`: a round of nine hot pairs, one of each size; per object.
//! - `lifo_999`: 999 live objects, 111 of each size allocated in turn, then freed in exact
//!   reverse order; per object.
//! - `stress_9000`: 9,000 slots, 1,000 per size; each step draws a size, a slot and a coin from
//!   the same seeded xorshift as `benches/stress.rs` for every contender (allocate into an
//!   empty slot, free a full one); per step.
//!
//! `cargo bench --bench classes`.

use std::alloc::{handle_alloc_error, GlobalAlloc, Layout};
use std::hint::black_box;
use std::ptr::NonNull;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mimalloc::MiMalloc;
use zokio_pool::{ClassBox, PoolAlloc};

mod contenders;
use contenders::{pick, XorShift64, STRESS_SEED};

/// Allocates and frees `[u64; N]` objects, written with `i` in every word.
trait Contender {
    const NAME: &'static str;
    type H<const N: usize>;
    fn alloc<const N: usize>(i: u64) -> Self::H<N>;
    fn free<const N: usize>(h: Self::H<N>);
}

struct Class;

impl Contender for Class {
    const NAME: &'static str = "ClassBox";
    type H<const N: usize> = ClassBox<[u64; N]>;

    #[inline(always)]
    fn alloc<const N: usize>(i: u64) -> Self::H<N> {
        ClassBox::new([i; N])
    }

    #[inline(always)]
    fn free<const N: usize>(h: Self::H<N>) {
        drop(h)
    }
}

struct Glibc;

impl Contender for Glibc {
    const NAME: &'static str = "glibc Box";
    type H<const N: usize> = Box<[u64; N]>;

    #[inline(always)]
    fn alloc<const N: usize>(i: u64) -> Self::H<N> {
        Box::new([i; N])
    }

    #[inline(always)]
    fn free<const N: usize>(h: Self::H<N>) {
        drop(h)
    }
}

/// An object in memory from a `GlobalAlloc`, called directly.
struct RawPtr<const N: usize>(NonNull<[u64; N]>);

/// A contender that is a general allocator, called through its `GlobalAlloc` implementation
/// (the `Box` path of a program whose `#[global_allocator]` it is).
macro_rules! global_alloc {
    ($name:ident, $display:literal, $alloc:expr) => {
        struct $name;

        impl Contender for $name {
            const NAME: &'static str = $display;
            type H<const N: usize> = RawPtr<N>;

            #[inline(always)]
            fn alloc<const N: usize>(i: u64) -> RawPtr<N> {
                let layout = Layout::new::<[u64; N]>();
                // SAFETY: the objects have a non-zero size.
                let p = unsafe { $alloc.alloc(layout) }.cast::<[u64; N]>();
                let Some(p) = NonNull::new(p) else {
                    handle_alloc_error(layout)
                };
                // SAFETY: `p` is fresh memory for a `[u64; N]`.
                unsafe { p.as_ptr().write([i; N]) };
                RawPtr(p)
            }

            #[inline(always)]
            fn free<const N: usize>(h: RawPtr<N>) {
                // SAFETY: `h` came from this allocator's `alloc` with this layout and is
                // freed once.
                unsafe { $alloc.dealloc(h.0.as_ptr().cast(), Layout::new::<[u64; N]>()) }
            }
        }
    };
}

global_alloc!(Mimalloc, "mimalloc", MiMalloc);
global_alloc!(PoolAllocator, "PoolAlloc", PoolAlloc::new());

/// Calls `$m!(words, field, args)` for each of the nine sizes (in words, with its `Per` field).
macro_rules! each_size {
    ($m:ident!($($args:tt)*)) => {
        $m!(1, v1, $($args)*);
        $m!(2, v2, $($args)*);
        $m!(4, v4, $($args)*);
        $m!(6, v6, $($args)*);
        $m!(8, v8, $($args)*);
        $m!(12, v12, $($args)*);
        $m!(16, v16, $($args)*);
        $m!(24, v24, $($args)*);
        $m!(32, v32, $($args)*);
    };
}

/// One `Vec` per size.
struct Per<C: Contender> {
    v1: Vec<Option<C::H<1>>>,
    v2: Vec<Option<C::H<2>>>,
    v4: Vec<Option<C::H<4>>>,
    v6: Vec<Option<C::H<6>>>,
    v8: Vec<Option<C::H<8>>>,
    v12: Vec<Option<C::H<12>>>,
    v16: Vec<Option<C::H<16>>>,
    v24: Vec<Option<C::H<24>>>,
    v32: Vec<Option<C::H<32>>>,
}

impl<C: Contender> Per<C> {
    fn new(len: usize) -> Self {
        fn empty<H>(len: usize) -> Vec<Option<H>> {
            (0..len).map(|_| None).collect()
        }
        Per {
            v1: empty(len),
            v2: empty(len),
            v4: empty(len),
            v6: empty(len),
            v8: empty(len),
            v12: empty(len),
            v16: empty(len),
            v24: empty(len),
            v32: empty(len),
        }
    }
}

const SIZES: u64 = 9;
const PER_SIZE: usize = 111;
const STRESS_PER_SIZE: usize = 1000;

#[inline(never)]
fn pair<C: Contender>(i: u64) {
    macro_rules! one {
        ($n:literal, $v:ident, $i:expr) => {
            C::free::<$n>(black_box(C::alloc::<$n>($i)));
        };
    }
    each_size!(one!(i));
}

#[inline(never)]
fn lifo<C: Contender>(live: &mut Per<C>, i: u64) {
    for k in 0..PER_SIZE {
        macro_rules! push {
            ($n:literal, $v:ident, $k:expr) => {
                live.$v[$k] = Some(C::alloc::<$n>(i));
            };
        }
        each_size!(push!(k));
    }
    black_box(&*live);
    for k in (0..PER_SIZE).rev() {
        macro_rules! pop {
            ($n:literal, $v:ident, $k:expr) => {
                if let Some(h) = live.$v[$k].take() {
                    C::free::<$n>(h);
                }
            };
        }
        // Exact reverse order: the last size allocated is freed first.
        pop!(32, v32, k);
        pop!(24, v24, k);
        pop!(16, v16, k);
        pop!(12, v12, k);
        pop!(8, v8, k);
        pop!(6, v6, k);
        pop!(4, v4, k);
        pop!(2, v2, k);
        pop!(1, v1, k);
    }
}

#[inline(always)]
fn step<C: Contender>(slots: &mut Per<C>, rng: &mut XorShift64) {
    let r = rng.next();
    let size = r % SIZES;
    let slot = pick(r, STRESS_PER_SIZE);
    macro_rules! flip {
        ($n:literal, $v:ident, $s:expr) => {{
            let s = &mut slots.$v[$s];
            match s.take() {
                Some(h) => C::free::<$n>(h),
                None => *s = Some(C::alloc::<$n>(r)),
            }
        }};
    }
    match size {
        0 => flip!(1, v1, slot),
        1 => flip!(2, v2, slot),
        2 => flip!(4, v4, slot),
        3 => flip!(6, v6, slot),
        4 => flip!(8, v8, slot),
        5 => flip!(12, v12, slot),
        6 => flip!(16, v16, slot),
        7 => flip!(24, v24, slot),
        _ => flip!(32, v32, slot),
    }
}

fn classes(c: &mut Criterion) {
    macro_rules! contenders {
        ($f:ident) => {
            $f!(Class);
            $f!(PoolAllocator);
            $f!(Mimalloc);
            $f!(Glibc);
        };
    }

    let mut g = c.benchmark_group("tiered/pair");
    g.throughput(Throughput::Elements(SIZES));
    macro_rules! bench_pair {
        ($c:ident) => {
            let mut i = 0u64;
            g.bench_function($c::NAME, |b| {
                b.iter(|| {
                    i += 1;
                    pair::<$c>(i)
                })
            });
        };
    }
    contenders!(bench_pair);
    g.finish();

    let mut g = c.benchmark_group("tiered/lifo_999");
    g.throughput(Throughput::Elements(SIZES * PER_SIZE as u64));
    macro_rules! bench_lifo {
        ($c:ident) => {
            let mut live = Per::<$c>::new(PER_SIZE);
            let mut i = 0u64;
            g.bench_function($c::NAME, |b| {
                b.iter(|| {
                    i += 1;
                    lifo::<$c>(&mut live, i)
                })
            });
        };
    }
    contenders!(bench_lifo);
    g.finish();

    let mut g = c.benchmark_group("tiered/stress_9000");
    g.throughput(Throughput::Elements(1));
    macro_rules! bench_stress {
        ($c:ident) => {
            let mut slots = Per::<$c>::new(STRESS_PER_SIZE);
            let mut rng = XorShift64(STRESS_SEED);
            g.bench_function($c::NAME, |b| b.iter(|| step::<$c>(&mut slots, &mut rng)));
        };
    }
    contenders!(bench_stress);
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = classes
}
criterion_main!(benches);
