//! The contenders and the scenarios of the benchmarks, shared by the criterion benches
//! (`benches/*.rs`, time) and `examples/instructions.rs` (instruction counts, callgrind), so both
//! measure the same code. One module per contender.
//!
//! # Same work for everyone
//! Every contender does the same work per operation: take memory for one object, initialize it
//! with [`Object::init`] (in place, through a raw pointer), hand the handle to `black_box`, and
//! give the object back.
//! - 64 B ([`Small`]): the whole object is written (`id = i`, the body zeroed).
//! - 4 KiB ([`Page`]) and 1-5 KiB ([`Kib1`] .. [`Kib5`]): built in place, with no copy through
//!   the stack and no memset: the `id` and the last byte are written, as a user filling a buffer
//!   would start.
//!
//! The pool crates keep objects in their own storage; they get the form that serves them best.
//! At 64 B they hold the object itself. From 1 KiB up they hold a `Box` of it, allocated once by
//! the pool and reused ([`Object::Stored`]): holding a 4 KiB object by value would make them copy
//! it in and out on every use, which measures the copy rather than the pool.
//!
//! `PoolBox` runs in each of its modes ([`Zokio`], [`ZokioNamed`], [`ZokioRecycle`]): a recycling
//! pool hands out a kept object, which is written the same way.
//!
//! Each pool crate's pool is created once per benchmark and reached by reference, as its
//! documentation shows; `PoolBox`, `Box`, mimalloc and the free list need no pool value.
#![allow(dead_code)] // each user of this module takes the contenders and scenarios it needs

use std::cell::Cell;
use std::collections::VecDeque;
use std::hint::black_box;
use std::mem::{size_of, MaybeUninit};
use std::ptr::{self, addr_of_mut};
use std::sync::mpsc;
use std::thread;
use std::thread::LocalKey;
use std::time::{Duration, Instant};

use sharded_slab::Clear;
use zokio_pool::{Pool, PoolBox, Pooled, Recycle, RecyclePool};

mod free_list;
mod lockfree;
mod mimalloc;
mod object_pool;
mod opool;
mod sharded;
mod system;
mod zokio;

pub use self::free_list::FreeList;
pub use self::lockfree::Lockfree;
pub use self::mimalloc::Mimalloc;
pub use self::object_pool::ObjectPool;
pub use self::opool::{Opool, OpoolLocal};
pub use self::sharded::ShardedSlab;
pub use self::system::SystemBox;
pub use self::zokio::{Zokio, ZokioNamed, ZokioRecycle};

// --- The objects ----------------------------------------------------------------------------

/// A free slot of the hand-written free list.
pub struct Free {
    next: *mut Free,
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

/// A 64-byte object.
#[derive(Pooled, Default)]
#[repr(C)]
pub struct Small {
    pub id: u64,
    pub body: [u64; 7],
}

const _: () = assert!(size_of::<Small>() == 64);

impl Small {
    #[inline(always)]
    fn new(i: u64) -> Small {
        Small {
            id: i,
            body: [0; 7],
        }
    }
}

/// Plain data: nothing to clear before reuse.
impl Clear for Small {
    fn clear(&mut self) {}
}

/// Plain data: nothing to reset before reuse.
impl Recycle for Small {
    fn reset(&mut self) {}
}

std::thread_local! {
    static SMALL_FREE: Cell<*mut Free> = const { Cell::new(ptr::null_mut()) };
}

zokio_pool::pool!(
    /// `Small`'s `pool!` pool.
    pub SmallNamed: Small
);
zokio_pool::pool!(
    /// `Small`'s recycling pool.
    pub SmallKept: Small, recycle
);

impl Object for Small {
    type Stored = Small;
    type Named = SmallNamed;
    type Kept = SmallKept;

    #[inline(always)]
    unsafe fn init(p: *mut Small, i: u64) {
        // SAFETY: forwarded from the caller.
        unsafe { p.write(Small::new(i)) }
    }

    #[inline(always)]
    fn stored_ptr(s: &mut Small) -> *mut Small {
        s
    }

    #[inline(always)]
    fn pool_box(i: u64) -> PoolBox<Small> {
        PoolBox::new(Small::new(i))
    }

    #[inline(always)]
    fn named_box(i: u64) -> PoolBox<Small, SmallNamed> {
        SmallNamed::new(Small::new(i))
    }

    #[inline(always)]
    fn kept_box(i: u64) -> PoolBox<Small, SmallKept> {
        let mut b = SmallKept::take();
        *b = Small::new(i);
        b
    }

    #[inline(always)]
    fn boxed(i: u64) -> Box<Small> {
        Box::new(Small::new(i))
    }

    #[inline(always)]
    fn free_list() -> &'static LocalKey<Cell<*mut Free>> {
        &SMALL_FREE
    }
}

/// Declares a large object of `$size` bytes: an 8-byte header and a body of bytes that need no
/// initialization (as a `Vec`'s spare capacity), so that writing the header makes it valid.
macro_rules! large_object {
    ($(#[$doc:meta])* $name:ident = $size:expr, $free:ident, $pools:ident, $named:ident, $kept:ident) => {
        $(#[$doc])*
        #[derive(Pooled)]
        #[repr(C)]
        pub struct $name {
            pub id: u64,
            pub body: [MaybeUninit<u8>; $size - 8],
        }

        const _: () = assert!(size_of::<$name>() == $size);

        impl Default for $name {
            fn default() -> Self {
                $name {
                    id: 0,
                    body: [MaybeUninit::uninit(); $size - 8],
                }
            }
        }

        /// Plain data: nothing to clear before reuse.
        impl Clear for $name {
            fn clear(&mut self) {}
        }

        /// Plain data: nothing to reset before reuse.
        impl Recycle for $name {
            fn reset(&mut self) {}
        }

        std::thread_local! {
            static $free: Cell<*mut Free> = const { Cell::new(ptr::null_mut()) };
        }

        mod $pools {
            use super::$name;
            zokio_pool::pool!(
                /// The type's `pool!` pool.
                pub $named: $name
            );
            zokio_pool::pool!(
                /// The type's recycling pool.
                pub $kept: $name, recycle
            );
        }
        pub use self::$pools::{$kept, $named};

        impl Object for $name {
            type Stored = Box<$name>;
            type Named = $named;
            type Kept = $kept;

            #[inline(always)]
            unsafe fn init(p: *mut $name, i: u64) {
                // SAFETY: the caller gives writable memory for the object; `addr_of_mut!` makes
                // no reference to its uninitialized bytes, and the last byte is in the body.
                unsafe {
                    addr_of_mut!((*p).id).write(i);
                    addr_of_mut!((*p).body)
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
            fn pool_box(i: u64) -> PoolBox<$name> {
                let mut u = PoolBox::<$name>::new_uninit();
                // SAFETY: the slot is writable; with `id` written the object is initialized
                // (its body is MaybeUninit bytes).
                unsafe {
                    Self::init(PoolBox::as_mut_ptr(&mut u).cast(), i);
                    PoolBox::assume_init(u)
                }
            }

            #[inline(always)]
            fn named_box(i: u64) -> PoolBox<$name, $named> {
                let mut u = $named::new_uninit();
                // SAFETY: as for `pool_box`.
                unsafe {
                    Self::init(PoolBox::as_mut_ptr(&mut u).cast(), i);
                    PoolBox::assume_init(u)
                }
            }

            #[inline(always)]
            fn kept_box(i: u64) -> PoolBox<$name, $kept> {
                let mut b = $kept::take();
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
            fn free_list() -> &'static LocalKey<Cell<*mut Free>> {
                &$free
            }
        }
    };
}

large_object!(
    /// A 4 KiB object.
    Page = 4096, PAGE_FREE, page_pools, PageNamed, PageKept
);
large_object!(
    /// 1 KiB, for the mixed-size scenario.
    Kib1 = 1024, KIB1_FREE, kib1_pools, Kib1Named, Kib1Kept
);
large_object!(
    /// 2 KiB, for the mixed-size scenario.
    Kib2 = 2048, KIB2_FREE, kib2_pools, Kib2Named, Kib2Kept
);
large_object!(
    /// 3 KiB, for the mixed-size scenario.
    Kib3 = 3072, KIB3_FREE, kib3_pools, Kib3Named, Kib3Kept
);
large_object!(
    /// 4 KiB, for the mixed-size scenario (its own pool, apart from [`Page`]'s).
    Kib4 = 4096, KIB4_FREE, kib4_pools, Kib4Named, Kib4Kept
);
large_object!(
    /// 5 KiB, for the mixed-size scenario.
    Kib5 = 5120, KIB5_FREE, kib5_pools, Kib5Named, Kib5Kept
);

// --- The contenders -------------------------------------------------------------------------

/// A contender's name, as the benches and the instruction counts print it.
pub trait Named {
    /// The name in tables.
    const NAME: &'static str;
    /// The name on the command line of `examples/instructions.rs`.
    const KEY: &'static str;
}

/// One way to get memory for a `T`, initialize it and give it back.
pub trait Contender<T: Object>: Named {
    /// The pool value the contender needs (`()` for the allocators and `PoolBox`).
    type Pool;
    /// What the caller holds while the object lives.
    type Handle<'p>;
    /// Creates the pool.
    fn pool() -> Self::Pool;
    /// Takes memory for object number `i` and initializes it ([`Object::init`]).
    fn alloc(pool: &Self::Pool, i: u64) -> Self::Handle<'_>;
    /// Drops the object and gives its memory back.
    fn free<'p>(pool: &'p Self::Pool, h: Self::Handle<'p>);
}

/// Something to do with every contender (a criterion group, say).
pub trait Visit<T: Object> {
    fn visit<C: Contender<T>>(&mut self);
}

/// Visits every contender, in the order the benches list them.
pub fn each<T: Object>(v: &mut impl Visit<T>) {
    v.visit::<Zokio>();
    v.visit::<ZokioNamed>();
    v.visit::<ZokioRecycle>();
    v.visit::<FreeList>();
    v.visit::<Mimalloc>();
    v.visit::<SystemBox>();
    v.visit::<Lockfree>();
    v.visit::<ObjectPool>();
    v.visit::<ShardedSlab>();
    v.visit::<Opool>();
    v.visit::<OpoolLocal>();
}

/// Something to do with every contender that can free an object on another thread than the one
/// that allocated it.
pub trait VisitShared<T: Object> {
    fn visit<C: Contender<T>>(&mut self)
    where
        C::Pool: Sync,
        for<'p> C::Handle<'p>: Send;
}

/// Visits every contender whose objects can be freed on another thread. Left out: the free
/// list (thread-local, with no way back to the allocating thread) and opool's `LocalPool`
/// (`!Sync`: its guards cannot leave the thread).
pub fn each_shared<T: Object>(v: &mut impl VisitShared<T>) {
    v.visit::<Zokio>();
    v.visit::<ZokioNamed>();
    v.visit::<ZokioRecycle>();
    v.visit::<Mimalloc>();
    v.visit::<SystemBox>();
    v.visit::<Lockfree>();
    v.visit::<ObjectPool>();
    v.visit::<ShardedSlab>();
    v.visit::<Opool>();
}

/// The contenders that cannot take part in the two-thread scenario, and why.
pub const NOT_SHARED: [(&str, &str); 2] = [
    (
        FreeList::NAME,
        "a thread-local list: a slot freed on another thread joins that thread's list and never \
         returns, so the producer allocates fresh memory for every object",
    ),
    (
        OpoolLocal::NAME,
        "`LocalPool` is !Sync: its guards cannot leave the thread",
    ),
];

/// A contender for every size of the mixed-size scenario.
pub trait Mixed:
    Contender<Kib1> + Contender<Kib2> + Contender<Kib3> + Contender<Kib4> + Contender<Kib5>
{
}

impl<C> Mixed for C where
    C: Contender<Kib1> + Contender<Kib2> + Contender<Kib3> + Contender<Kib4> + Contender<Kib5>
{
}

/// Something to do with every contender, on the mixed sizes.
pub trait VisitMixed {
    fn visit<C: Mixed>(&mut self);
}

/// Visits every contender, for the mixed sizes.
pub fn each_mixed(v: &mut impl VisitMixed) {
    v.visit::<Zokio>();
    v.visit::<ZokioNamed>();
    v.visit::<ZokioRecycle>();
    v.visit::<FreeList>();
    v.visit::<Mimalloc>();
    v.visit::<SystemBox>();
    v.visit::<Lockfree>();
    v.visit::<ObjectPool>();
    v.visit::<ShardedSlab>();
    v.visit::<Opool>();
    v.visit::<OpoolLocal>();
}

// --- The scenarios ----------------------------------------------------------------------------

/// Live objects in a batch, and in the steady-state scenario.
pub const LIVE: u64 = 1_000;
/// Slots of the stress scenario: its working set.
pub const STRESS_SLOTS: usize = 10_000;
/// Seed of the stress scenario's generator, the same for every contender.
pub const STRESS_SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// Objects the producer of the two-thread scenario sends at a time.
pub const HANDOFF: usize = 64;

/// Scenario 1, the hot pair: one object allocated, initialized, freed.
#[inline(never)]
pub fn pair<T: Object, C: Contender<T>>(pool: &C::Pool, i: u64) {
    let h = C::alloc(pool, i);
    black_box(&h);
    C::free(pool, h);
}

/// Scenario 2: `n` live objects, then freed last-allocated first (`lifo`) or first-allocated
/// first. `v` is empty before and after; it only lends its buffer.
#[inline(never)]
pub fn batch<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    v: &mut Vec<C::Handle<'p>>,
    n: u64,
    lifo: bool,
) {
    v.extend((0..n).map(|i| C::alloc(pool, i)));
    black_box(&*v);
    if lifo {
        while let Some(h) = v.pop() {
            C::free(pool, h);
        }
    } else {
        v.drain(..).for_each(|h| C::free(pool, h));
    }
}

/// Marsaglia's xorshift64: the stress scenario's generator.
#[derive(Clone)]
pub struct XorShift64(pub u64);

impl XorShift64 {
    #[inline(always)]
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// `r`'s high 32 bits scaled to `0..n` (multiply-shift: no division).
#[inline(always)]
pub fn pick(r: u64, n: usize) -> usize {
    (((r >> 32) * n as u64) >> 32) as usize
}

/// One step of the stress scenario on `slots`: odd `r` frees the object in the slot, if any, and
/// puts a new one there; even `r` frees it, if any. Half the slots are live in the steady state.
#[inline(always)]
pub fn stress_step<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    slots: &mut [Option<C::Handle<'p>>],
    r: u64,
) {
    let slot = &mut slots[pick(r, slots.len())];
    if let Some(old) = slot.take() {
        C::free(pool, old);
    }
    if r & 1 == 1 {
        *slot = Some(C::alloc(pool, r));
    }
}

/// Scenario 3: `steps` random steps over `slots` ([`STRESS_SLOTS`] of them), drawn from `rng`.
#[inline(never)]
pub fn stress<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    slots: &mut [Option<C::Handle<'p>>],
    rng: &mut XorShift64,
    steps: u64,
) {
    for _ in 0..steps {
        stress_step::<T, C>(pool, slots, rng.next());
    }
    black_box(slots);
}

/// Frees every object still in `slots`.
pub fn clear_slots<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    slots: &mut [Option<C::Handle<'p>>],
) {
    for s in slots {
        if let Some(h) = s.take() {
            C::free(pool, h);
        }
    }
}

/// Scenario 5, steady-state reuse: `ring` holds [`LIVE`] live objects; each op frees the oldest
/// and allocates a new one, so the working set stays the same and every object is reused.
#[inline(never)]
pub fn steady<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    ring: &mut VecDeque<C::Handle<'p>>,
    first: u64,
    n: u64,
) {
    for i in first..first + n {
        if let Some(old) = ring.pop_front() {
            C::free(pool, old);
        }
        ring.push_back(C::alloc(pool, i));
    }
    black_box(&*ring);
}

/// Scenario 4, cross-thread return: a producer thread allocates `n` objects and hands them, in
/// batches of [`HANDOFF`] through a channel, to this thread, which frees them. Returns the time
/// from the producer's start to the last free. The batches' buffers go back to the producer, so
/// the transport allocates nothing in the steady state.
pub fn two_threads<T: Object, C: Contender<T>>(pool: &C::Pool, n: u64) -> Duration
where
    C::Pool: Sync,
    for<'p> C::Handle<'p>: Send,
{
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<C::Handle<'_>>>(16);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<C::Handle<'_>>>(32);
    for _ in 0..20 {
        let _ = empty_tx.try_send(Vec::with_capacity(HANDOFF));
    }
    thread::scope(|s| {
        let start = Instant::now();
        s.spawn(move || {
            let mut i = 0;
            while i < n {
                let k = (n - i).min(HANDOFF as u64);
                let mut v = empty_rx
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(HANDOFF));
                v.extend((i..i + k).map(|j| C::alloc(pool, j)));
                full_tx.send(v).expect("the consumer hung up");
                i += k;
            }
        });
        for mut v in full_rx.iter() {
            v.drain(..).for_each(|h| C::free(pool, black_box(h)));
            let _ = empty_tx.try_send(v);
        }
        start.elapsed()
    })
}
