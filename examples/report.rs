//! The report: `PoolBox` against the system allocator and mimalloc, side by side, on this
//! machine, now.
//!
//! `cargo run --release --example report` (add `-- --quick` for a run about ten times shorter,
//! for CI; its figures are noisier). Besides the table it prints, it writes
//! `target/zokio-report/report.md` (the same table with the machine) and
//! `target/zokio-report/report.svg` (a bar chart of ops/s, log scale); `target` is
//! `$CARGO_TARGET_DIR` when that is set.
//!
//! The design report this project comes from set a Zig runtime's pool (600M ops/s) against a
//! "standard allocator" (189K ops/s), figures taken apart. This example reruns its scenarios
//! honestly: every contender in one process, in one run, doing the same work, and it prints only
//! what it measured in that run. The system allocator is `Box::new` + drop (glibc's malloc on
//! Linux: no `#[global_allocator]` is set); mimalloc is called through its `GlobalAlloc`
//! implementation (`MiMalloc.alloc` and `dealloc`, what `Box` does in a program whose global
//! allocator is mimalloc) by a minimal box, [`MiBox`]; the pool is `PoolBox` on types with
//! `#[derive(Pooled)]` and default options.
//!
//! # What is measured, and why it is fair
//! An op is one allocation plus one free. Every scenario is one generic function instantiated for
//! each contender (see [`Contender`]), so the loop, the initialization of the object, the
//! `black_box` calls (which keep the optimizer from removing an allocation) and the op count are
//! the same code; only the allocation and the free differ. Every contender does the same number
//! of ops, which `measure` checks.
//!
//! 1. **fixed-size allocation**, the hot pair: allocate a 64 B object (`id` set to the loop
//!    counter, the rest zeroed), hand it to `black_box`, drop it. Each contender's best case:
//!    glibc serves it from its per-thread tcache, the pool from its thread cache.
//! 2. **high-frequency stress**: 10,000 slots (`Vec<Option<Box<_>>>`, `Vec<Option<MiBox<_>>>`,
//!    `Vec<Option<PoolBox<_>>>`); each step draws a slot and a coin from a xorshift generator
//!    with the same seed for every contender, so all see the same sequence: heads puts a new 64 B object in
//!    the slot (freeing the one there, if any), tails empties it, so allocations and frees are
//!    50/50 and half the slots are live in the steady state. Memory is reached at random, as in a
//!    server's table of sessions. The ops counted are the allocations; every object still live at
//!    the end is freed inside the timed region, so each counted allocation has its free.
//! 3. **object reuse**: batches of 1,000 live 64 B objects, allocated, then freed last one first
//!    (LIFO); repeated, after a warm-up run, so that each contender is in its steady state.
//! 4. **large objects 1-5 KiB**: five types of 1, 2, 3, 4 and 5 KiB (a `[u8; N]` payload),
//!    cycled; each op allocates one, writes its first and last byte in place, hands it to
//!    `black_box` and drops it. All build in place (`Box::new_uninit`, `MiBox::new_uninit`,
//!    `PoolBox::new_uninit`), so none copies kilobytes through the stack or zero-fills them.
//!    glibc's tcache stops at 1 KiB; above it glibc takes its general path, and that is what a
//!    program pays.
//! 5. **cross-thread**: a producer thread allocates 64 B objects and hands them to the main
//!    thread, which drops them, so every object is freed on another thread than the one that
//!    allocated it. They go in batches of 64, in 16 buffers that travel back and forth through
//!    two queues that the waiting thread polls without sleeping (at most 1,024 objects in
//!    flight; the transport allocates nothing). Through blocking channels (`sync_channel`), as
//!    this scenario was first written, it measured the scheduler instead: a batch of 64 takes
//!    the pool 150-190 ns, less than a futex wake-up on a VM, so both threads kept going to
//!    sleep (19,346 context switches per 10M objects, against 8,884 for mimalloc, whose slower
//!    remote free kept the consumer awake), and the ratio moved between 0.6x and 2x from one
//!    machine and run to the next. With polling, each thread needs a core of its own.
//!
//! Each scenario is calibrated once on the system allocator to take about 250 ms a run (25 ms
//! with `--quick`); then each contender does that same number of ops in 7 rounds, the three
//! taking turns in each round (which one goes first rotates). The table gives each contender's
//! best run (the one least disturbed by the rest of the machine) and, for the ratio to
//! mimalloc, the median and the range of the 7 rounds' ratios (each round's pool run over the
//! same round's mimalloc run), so a figure that moves from run to run shows as a range; a row
//! whose runs of one contender differ by more than 20% is named below the table. mimalloc and
//! the pool get one untimed warm-up run first, as the system allocator had the calibration.
//! `scripts/report-spread.sh N` runs the whole report N times and prints each ratio's minimum,
//! median and maximum across the runs (from `report.tsv`, which each run writes).
//!
//! # The pool's statistics
//! Reuse rate and fragmentation are the pool's own (`T::pool_stats()`), read in the pool's last
//! run at the peak of the scenario's working set, with the clock stopped: one object for the hot
//! pair, about 5,000 for the stress, 1,000 for the batches, one of each size for the large
//! objects (five pools, combined by bytes), the 1,024 in flight for the cross-thread case.
//! Fragmentation is the share of the memory the pool reserved that holds no live object: a pool
//! reserves chunks of 64 KiB or more, so a working set of one object shows as nearly 100%, the
//! memory price of a pool. Each scenario has its own types, so its own pools and statistics. The
//! allocators have no such counters.

use std::alloc::{handle_alloc_error, GlobalAlloc, Layout};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::hint::black_box;
use std::mem::{size_of, MaybeUninit};
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::process::Command;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use mimalloc::MiMalloc;
use zokio_pool::{PoolBox, PoolStats, Pooled, Uninit};

/// Slots of the stress scenario.
const STRESS_SLOTS: usize = 10_000;
/// Seed of the stress scenario's generator, the same for every contender.
const STRESS_SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// Live objects per batch in the object-reuse scenario.
const BATCH: usize = 1_000;
/// Objects per handoff in the cross-thread scenario.
const HANDOFF: usize = 64;
/// Buffers of [`HANDOFF`] objects in the cross-thread scenario: at most 1,024 objects in flight.
const BUFFERS: usize = 16;
/// Runs per contender; the best one counts.
const RUNS: usize = 7;
/// How long one run of the system allocator takes, about: the calibration's target.
const RUN_TARGET: Duration = Duration::from_millis(250);
/// The same with `--quick`.
const QUICK_RUN_TARGET: Duration = Duration::from_millis(25);

// ---------------------------------------------------------------------------------------------
// The objects. Each scenario has its own types, so each has its own pools and statistics.

/// A 64 B object.
trait Small: Pooled {
    fn new(id: u64) -> Self;
}

macro_rules! small_objects {
    ($($name:ident),*) => {$(
        #[derive(Pooled)]
        #[allow(dead_code)] // written, never read: what is measured is the allocation
        struct $name {
            id: u64,
            payload: [u64; 7],
        }

        impl Small for $name {
            #[inline(always)]
            fn new(id: u64) -> Self {
                $name { id, payload: [0; 7] }
            }
        }

        const _: () = assert!(size_of::<$name>() == 64);
    )*};
}

small_objects!(Hot64, Stress64, Reuse64, Cross64);

macro_rules! large_objects {
    ($($name:ident = $kib:literal),*) => {$(
        #[derive(Pooled)]
        #[allow(dead_code)] // written in place through a pointer, never read
        struct $name {
            payload: [u8; $kib * 1024],
        }

        const _: () = assert!(size_of::<$name>() == $kib * 1024);
    )*};
}

large_objects!(Kib1 = 1, Kib2 = 2, Kib3 = 3, Kib4 = 4, Kib5 = 5);

// ---------------------------------------------------------------------------------------------
// The contenders.

/// A way to put objects on the heap. Every scenario is generic over it, so all contenders run
/// the same code around their allocations.
trait Contender {
    /// An owned, initialized object.
    type Obj<T: Pooled>: DerefMut<Target = T>;
    /// An owned object under construction.
    type Slot<T: Pooled>: DerefMut<Target = MaybeUninit<T>>;
    /// Moves `value` to the heap.
    fn obj<T: Pooled>(value: T) -> Self::Obj<T>;
    /// Memory for a `T`, uninitialized, to be written in place.
    fn slot<T: Pooled>() -> Self::Slot<T>;
    /// The statistics of `T`'s pool, if the contender keeps any.
    fn stats<T: Pooled>() -> Option<PoolStats>;
}

/// `Box` on the global allocator: the system's malloc, as no `#[global_allocator]` is set.
struct System;

impl Contender for System {
    type Obj<T: Pooled> = Box<T>;
    type Slot<T: Pooled> = Box<MaybeUninit<T>>;

    #[inline(always)]
    fn obj<T: Pooled>(value: T) -> Box<T> {
        Box::new(value)
    }

    #[inline(always)]
    fn slot<T: Pooled>() -> Box<MaybeUninit<T>> {
        Box::new_uninit()
    }

    fn stats<T: Pooled>() -> Option<PoolStats> {
        None
    }
}

/// A box on mimalloc: `Box` with `MiMalloc` as its allocator, without `allocator_api`.
struct MiBox<T>(NonNull<T>);

impl<T> MiBox<T> {
    /// Memory for a `T` from mimalloc, uninitialized.
    #[inline(always)]
    fn alloc() -> NonNull<T> {
        const { assert!(size_of::<T>() > 0) };
        let layout = Layout::new::<T>();
        // SAFETY: the layout has a non-zero size (checked above).
        let p = unsafe { MiMalloc.alloc(layout) };
        NonNull::new(p.cast()).unwrap_or_else(|| handle_alloc_error(layout))
    }

    #[inline(always)]
    fn new(value: T) -> Self {
        let p = Self::alloc();
        // SAFETY: `p` is fresh memory for a T.
        unsafe { p.as_ptr().write(value) };
        MiBox(p)
    }
}

impl<T> MiBox<MaybeUninit<T>> {
    #[inline(always)]
    fn new_uninit() -> Self {
        MiBox(Self::alloc())
    }
}

impl<T> Deref for MiBox<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialized T (a MaybeUninit needs no initialization).
        unsafe { self.0.as_ref() }
    }
}

impl<T> DerefMut for MiBox<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and the box is borrowed mutably.
        unsafe { self.0.as_mut() }
    }
}

impl<T> Drop for MiBox<T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the box owns an initialized T, dropped once here.
        unsafe { self.0.as_ptr().drop_in_place() };
        // SAFETY: the memory came from `MiMalloc.alloc` with this layout and is freed once.
        unsafe { MiMalloc.dealloc(self.0.as_ptr().cast(), Layout::new::<T>()) };
    }
}

// SAFETY: a MiBox owns its T as a Box does, and mimalloc frees memory from any thread.
unsafe impl<T: Send> Send for MiBox<T> {}

/// mimalloc, through [`MiBox`].
struct Mimalloc;

impl Contender for Mimalloc {
    type Obj<T: Pooled> = MiBox<T>;
    type Slot<T: Pooled> = MiBox<MaybeUninit<T>>;

    #[inline(always)]
    fn obj<T: Pooled>(value: T) -> MiBox<T> {
        MiBox::new(value)
    }

    #[inline(always)]
    fn slot<T: Pooled>() -> MiBox<MaybeUninit<T>> {
        MiBox::new_uninit()
    }

    fn stats<T: Pooled>() -> Option<PoolStats> {
        None
    }
}

/// `PoolBox` on the type's own pool.
struct Zokio;

impl Contender for Zokio {
    type Obj<T: Pooled> = PoolBox<T>;
    type Slot<T: Pooled> = PoolBox<MaybeUninit<T>, Uninit<T>>;

    #[inline(always)]
    fn obj<T: Pooled>(value: T) -> PoolBox<T> {
        PoolBox::new(value)
    }

    #[inline(always)]
    fn slot<T: Pooled>() -> PoolBox<MaybeUninit<T>, Uninit<T>> {
        PoolBox::new_uninit()
    }

    fn stats<T: Pooled>() -> Option<PoolStats> {
        Some(T::pool_stats())
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/// A clock that can be stopped while the statistics are read.
struct Stopwatch {
    since: Instant,
    before: Duration,
}

impl Stopwatch {
    fn start() -> Self {
        Stopwatch {
            since: Instant::now(),
            before: Duration::ZERO,
        }
    }

    fn pause(&mut self) {
        self.before += self.since.elapsed();
    }

    fn resume(&mut self) {
        self.since = Instant::now();
    }

    fn stop(self) -> Duration {
        self.before + self.since.elapsed()
    }
}

/// The pool's figures for a scenario: reuse rate and fragmentation, as shares of 1.
#[derive(Clone, Copy)]
struct Figures {
    reuse: f64,
    fragmentation: f64,
}

impl Figures {
    /// The figures of one pool, or of several weighted by bytes; `None` for the system
    /// allocator.
    fn of(pools: &[Option<PoolStats>]) -> Option<Figures> {
        let pools: Vec<PoolStats> = pools.iter().copied().collect::<Option<_>>()?;
        if let [one] = pools[..] {
            return Some(Figures {
                reuse: one.reuse_rate(),
                fragmentation: one.fragmentation(),
            });
        }
        // Pools of different slot sizes: count reuse per object and fragmentation per byte.
        let handed: usize = pools.iter().map(|s| s.allocated + s.reused).sum();
        let reused: usize = pools.iter().map(|s| s.reused).sum();
        let reserved: usize = pools.iter().map(|s| s.reserved_bytes).sum();
        let live: usize = pools
            .iter()
            .filter(|s| s.capacity > 0)
            .map(|s| s.live.min(s.capacity) * (s.reserved_bytes / s.capacity))
            .sum();
        let share = |part: usize, whole: usize| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        Some(Figures {
            reuse: share(reused, handed),
            fragmentation: if reserved == 0 {
                0.0
            } else {
                1.0 - share(live, reserved)
            },
        })
    }
}

/// One timed run of a scenario.
struct Run {
    elapsed: Duration,
    ops: u64,
    figures: Option<Figures>,
}

/// The contenders, in the order of the table's columns.
const CONTENDERS: [&str; 3] = ["system allocator", "mimalloc", "zokio-pool"];

/// A scenario, instantiated for each contender. `n` is its unit of work (ops, steps, batches or
/// rounds), the same for all.
struct Scenario {
    name: &'static str,
    /// The smallest `n` worth timing.
    min_n: u64,
    /// One function per contender, in the order of [`CONTENDERS`].
    runs: [fn(u64) -> Run; 3],
}

/// A scenario's three functions.
macro_rules! runs {
    ($f:ident $(::<$t:ty>)?) => {
        [$f::<System $(, $t)?>, $f::<Mimalloc $(, $t)?>, $f::<Zokio $(, $t)?>]
    };
}

/// The `n` that makes one run of `run` take about `target`.
fn calibrate(run: fn(u64) -> Run, min_n: u64, target: Duration) -> u64 {
    let mut n = min_n;
    loop {
        let elapsed = run(n).elapsed;
        if elapsed >= target / 10 || n >= 1 << 40 {
            let scale = target.as_secs_f64() / elapsed.as_secs_f64().max(1e-9);
            return ((n as f64 * scale) as u64).max(min_n);
        }
        n *= 4;
    }
}

/// A scenario's row of the table.
struct Row {
    name: &'static str,
    /// Best ops/s of each contender, in the order of [`CONTENDERS`].
    rates: [f64; 3],
    /// Every round's ops/s of each contender.
    rounds: [Vec<f64>; 3],
    figures: Option<Figures>,
}

impl Row {
    fn system(&self) -> f64 {
        self.rates[0]
    }
    fn mimalloc(&self) -> f64 {
        self.rates[1]
    }
    fn pool(&self) -> f64 {
        self.rates[2]
    }

    /// The ratios of the pool's run to contender `c`'s run of the same round, sorted.
    fn round_ratios(&self, c: usize) -> Vec<f64> {
        let mut r: Vec<f64> = self.rounds[2]
            .iter()
            .zip(&self.rounds[c])
            .map(|(pool, other)| pool / other)
            .collect();
        r.sort_by(f64::total_cmp);
        r
    }

    /// `(min, median, max)` of [`round_ratios`](Self::round_ratios).
    fn ratio_spread(&self, c: usize) -> (f64, f64, f64) {
        let r = self.round_ratios(c);
        (r[0], r[r.len() / 2], r[r.len() - 1])
    }

    /// The contenders whose fastest run was more than 20% faster than their slowest.
    fn unsteady(&self) -> Vec<(&'static str, f64)> {
        (0..3)
            .filter_map(|c| {
                let lo = self.rounds[c].iter().copied().fold(f64::INFINITY, f64::min);
                let hi = self.rounds[c].iter().copied().fold(0.0, f64::max);
                let spread = hi / lo - 1.0;
                (spread > 0.2).then_some((CONTENDERS[c], spread))
            })
            .collect()
    }
}

/// Calibrates `s`, warms mimalloc and the pool up, then times every contender [`RUNS`] times,
/// rotating which goes first, and keeps the best rate of each.
fn measure(s: &Scenario, target: Duration) -> Row {
    let n = calibrate(s.runs[0], s.min_n, target);
    // Warm-up: mimalloc sets up its thread heap, the pool reserves its chunks and registers its
    // thread cache.
    (s.runs[1])(n);
    (s.runs[2])(n);
    let mut best = [0.0f64; 3];
    let mut rounds: [Vec<f64>; 3] = Default::default();
    let mut ops = [0u64; 3];
    let mut figures = None;
    for i in 0..RUNS {
        for k in 0..3 {
            let which = (i + k) % 3;
            let run = s.runs[which](n);
            let rate = run.ops as f64 / run.elapsed.as_secs_f64();
            best[which] = best[which].max(rate);
            rounds[which].push(rate);
            ops[which] = run.ops;
            if which == 2 {
                figures = run.figures;
            }
        }
    }
    assert!(
        ops.iter().all(|&o| o == ops[0]),
        "{}: the contenders did different work: {ops:?}",
        s.name
    );
    Row {
        name: s.name,
        rates: best,
        rounds,
        figures,
    }
}

// ---------------------------------------------------------------------------------------------
// The scenarios.

/// Scenario 1: `n` hot pairs. The last object is held while the statistics are read.
fn hot_pair<A: Contender, T: Small>(n: u64) -> Run {
    let mut clock = Stopwatch::start();
    for i in 0..n - 1 {
        drop(black_box(A::obj(T::new(i))));
    }
    let last = black_box(A::obj(T::new(n - 1)));
    clock.pause();
    let figures = Figures::of(&[A::stats::<T>()]);
    clock.resume();
    drop(last);
    Run {
        elapsed: clock.stop(),
        ops: n,
        figures,
    }
}

/// The stress scenario's generator: Marsaglia's xorshift64.
struct XorShift64(u64);

impl XorShift64 {
    #[inline(always)]
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Scenario 2: `steps` random allocations or frees over [`STRESS_SLOTS`] slots.
fn stress<A: Contender, T: Small>(steps: u64) -> Run {
    let mut slots: Vec<Option<A::Obj<T>>> = (0..STRESS_SLOTS).map(|_| None).collect();
    let mut rng = XorShift64(STRESS_SEED);
    let mut allocations = 0;
    let mut clock = Stopwatch::start();
    for _ in 0..steps {
        let r = rng.next();
        // The high 32 bits pick the slot (multiply-shift: no division), the low bit the op.
        let slot = &mut slots[(((r >> 32) * STRESS_SLOTS as u64) >> 32) as usize];
        if r & 1 == 1 {
            *slot = Some(A::obj(T::new(r))); // frees the previous object, if any
            allocations += 1;
        } else {
            *slot = None;
        }
    }
    black_box(&mut slots);
    clock.pause();
    let figures = Figures::of(&[A::stats::<T>()]);
    clock.resume();
    slots.iter_mut().for_each(|s| drop(s.take()));
    Run {
        elapsed: clock.stop(),
        ops: allocations,
        figures,
    }
}

/// Scenario 3: `batches` batches of [`BATCH`] live objects, freed LIFO.
fn reuse<A: Contender, T: Small>(batches: u64) -> Run {
    let mut live: Vec<A::Obj<T>> = Vec::with_capacity(BATCH);
    let mut figures = None;
    let mut clock = Stopwatch::start();
    for b in 0..batches {
        live.extend((0..BATCH as u64).map(|i| A::obj(T::new(i))));
        black_box(&mut live);
        if b == batches - 1 {
            clock.pause();
            figures = Figures::of(&[A::stats::<T>()]);
            clock.resume();
        }
        while let Some(obj) = live.pop() {
            drop(obj);
        }
    }
    Run {
        elapsed: clock.stop(),
        ops: batches * BATCH as u64,
        figures,
    }
}

/// Writes the first and the last byte of an object under construction, in place.
#[inline(always)]
fn touch<T>(slot: &mut MaybeUninit<T>, value: u8) {
    const { assert!(size_of::<T>() > 0) };
    let first = slot.as_mut_ptr().cast::<u8>();
    // SAFETY: `first` is the start of the `size_of::<T>()` bytes of `slot`, which we may write:
    // `slot` is an exclusive borrow, and writing bytes into a MaybeUninit is always allowed.
    unsafe { first.write(value) };
    // SAFETY: as above; `size_of::<T>() - 1` is the last byte of `slot` (T is not zero-sized).
    unsafe { first.add(size_of::<T>() - 1).write(value) };
}

/// One large object: allocated uninitialized, touched, dropped. It is dropped as it is,
/// `MaybeUninit<T>` (no `assume_init`): with two bytes written, the payload is not a valid
/// `[u8; N]`, and dropping a `MaybeUninit<T>` frees the same memory the same way (the types have
/// no drop glue), so every contender still does exactly the work of building an object in place.
#[inline(always)]
fn large<A: Contender, T: Pooled>(value: u8) -> A::Slot<T> {
    let mut slot = A::slot::<T>();
    touch::<T>(&mut slot, value);
    black_box(slot)
}

/// Scenario 4: `rounds` rounds of five large objects, 1 to 5 KiB. In the last round the five
/// are held while the statistics are read.
fn large_objects<A: Contender>(rounds: u64) -> Run {
    let mut clock = Stopwatch::start();
    for i in 0..rounds - 1 {
        let v = i as u8;
        drop(large::<A, Kib1>(v));
        drop(large::<A, Kib2>(v));
        drop(large::<A, Kib3>(v));
        drop(large::<A, Kib4>(v));
        drop(large::<A, Kib5>(v));
    }
    let last = (
        large::<A, Kib1>(0),
        large::<A, Kib2>(0),
        large::<A, Kib3>(0),
        large::<A, Kib4>(0),
        large::<A, Kib5>(0),
    );
    clock.pause();
    let figures = Figures::of(&[
        A::stats::<Kib1>(),
        A::stats::<Kib2>(),
        A::stats::<Kib3>(),
        A::stats::<Kib4>(),
        A::stats::<Kib5>(),
    ]);
    clock.resume();
    drop(last);
    Run {
        elapsed: clock.stop(),
        ops: rounds * 5,
        figures,
    }
}

/// A queue of buffers between the two threads of scenario 5, which the receiving thread polls
/// without ever sleeping: a blocking channel would measure the scheduler's wake-ups instead of
/// the allocators (see the top of this file). The lock is taken only when the queue is known
/// not to be empty, or to push, so it is never held for long nor fought over while polling.
struct Handoff<T> {
    queue: Mutex<VecDeque<T>>,
    len: AtomicUsize,
}

impl<T> Handoff<T> {
    fn new() -> Self {
        Handoff {
            queue: Mutex::new(VecDeque::with_capacity(BUFFERS)),
            len: AtomicUsize::new(0),
        }
    }

    fn send(&self, value: T) {
        self.queue
            .lock()
            .expect("no panic holds it")
            .push_back(value);
        self.len.fetch_add(1, Ordering::Release);
    }

    fn recv(&self) -> T {
        let mut spins = 0u32;
        loop {
            if self.len.load(Ordering::Acquire) > 0 {
                self.len.fetch_sub(1, Ordering::Relaxed);
                return self
                    .queue
                    .lock()
                    .expect("no panic holds it")
                    .pop_front()
                    .expect("len counted it");
            }
            spins = spins.wrapping_add(1);
            // Polling, with a yield now and then in case the two threads share one core.
            if spins % 4096 == 0 {
                thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// Scenario 5: about `n` objects allocated on a producer thread and dropped on this one, handed
/// over in batches of [`HANDOFF`] in [`BUFFERS`] reused buffers through two [`Handoff`] queues,
/// so at most 1,024 objects are in flight and the transport allocates nothing. The producer is
/// joined when the last buffers are full (it has nothing left to do then), so the statistics
/// read then are exact.
fn cross_thread<A: Contender, T: Small + Send>(n: u64) -> Run
where
    A::Obj<T>: Send,
{
    let batches = (n / HANDOFF as u64).max(2 * BUFFERS as u64);
    let full = Handoff::<Vec<A::Obj<T>>>::new();
    let empty = Handoff::<Vec<A::Obj<T>>>::new();
    for _ in 0..BUFFERS {
        empty.send(Vec::with_capacity(HANDOFF));
    }
    let mut clock = Stopwatch::start();
    let figures = thread::scope(|s| {
        let (full, empty) = (&full, &empty);
        let producer = s.spawn(move || {
            let mut i = 0;
            for _ in 0..batches {
                let mut v = empty.recv();
                v.extend((i..i + HANDOFF as u64).map(|j| A::obj(T::new(j))));
                i += HANDOFF as u64;
                full.send(v);
            }
        });
        let consume = |mut v: Vec<A::Obj<T>>| {
            v.drain(..).for_each(|obj| drop(black_box(obj)));
            empty.send(v);
        };
        for _ in 0..batches - BUFFERS as u64 {
            consume(full.recv());
        }
        // The producer has had every buffer it needs: the rest is in the queue.
        producer.join().expect("the producer panicked");
        clock.pause();
        let figures = Figures::of(&[A::stats::<T>()]);
        clock.resume();
        for _ in 0..BUFFERS {
            consume(full.recv());
        }
        figures
    });
    Run {
        elapsed: clock.stop(),
        ops: batches * HANDOFF as u64,
        figures,
    }
}

// ---------------------------------------------------------------------------------------------
// The machine, and the table.

/// The first "model name" of /proc/cpuinfo.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(key, _)| key.trim() == "model name")
                .map(|(_, value)| value.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The first line a command prints, if it runs.
fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim();
    (out.status.success() && !line.is_empty()).then(|| line.to_string())
}

/// Today's date in UTC, YYYY-MM-DD (Howard Hinnant's `civil_from_days`).
fn utc_date() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Ops per second with an SI suffix, 3 or 4 significant digits.
fn rate(ops: f64) -> String {
    let (value, unit) = match ops {
        x if x >= 1e9 => (x / 1e9, "G"),
        x if x >= 1e6 => (x / 1e6, "M"),
        x if x >= 1e3 => (x / 1e3, "K"),
        x => (x, ""),
    };
    let digits = if value >= 100.0 {
        1
    } else if value >= 10.0 {
        2
    } else {
        3
    };
    format!("{value:.digits$}{unit}")
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A reuse rate: near 1 after millions of ops, so shown with more digits, and never rounded up
/// to 100% when some slot was fresh.
fn reuse_percent(share: f64) -> String {
    let text = format!("{:.2}%", share * 100.0);
    if share < 1.0 && text == "100.00%" {
        ">99.99%".to_string()
    } else {
        text
    }
}

/// One row of a padded Markdown table: the first column left-aligned, the others right-aligned.
fn table_line(row: &[&str], widths: &[usize]) -> String {
    let parts: Vec<String> = row
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(c, (text, &w))| {
            if c == 0 {
                format!("{text:<w$}")
            } else {
                format!("{text:>w$}")
            }
        })
        .collect();
    format!("| {} |\n", parts.join(" | "))
}

/// The table, in Markdown, its columns padded so that it reads as well in a terminal.
fn table(rows: &[Row]) -> String {
    let header = [
        "scenario",
        "system allocator ops/s",
        "mimalloc ops/s",
        "zokio-pool ops/s",
        "pool / system",
        "pool / mimalloc",
        "pool / mimalloc, rounds: median [min-max]",
        "reuse rate",
        "fragmentation",
    ];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            let (reuse, frag) = match r.figures {
                Some(f) => (reuse_percent(f.reuse), percent(f.fragmentation)),
                None => ("n/a".to_string(), "n/a".to_string()),
            };
            [
                r.name.to_string(),
                rate(r.system()),
                rate(r.mimalloc()),
                rate(r.pool()),
                format!("{:.2}x", r.pool() / r.system()),
                format!("{:.2}x", r.pool() / r.mimalloc()),
                {
                    let (lo, mid, hi) = r.ratio_spread(1);
                    format!("{mid:.2}x [{lo:.2}-{hi:.2}]")
                },
                reuse,
                frag,
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            cells
                .iter()
                .map(|row| row[c].len())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = table_line(&header, &widths);
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(c, &w)| {
            if c == 0 {
                "-".repeat(w + 2)
            } else {
                format!("{}:", "-".repeat(w + 1))
            }
        })
        .collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for row in &cells {
        out += &table_line(&row.each_ref().map(String::as_str), &widths);
    }
    out
}

/// `10^d` for an axis label: 1K, 10K, 100K, 1M, ...
fn decade(d: i32) -> String {
    let units = ["", "K", "M", "G", "T"];
    let unit = units[(d / 3).clamp(0, 4) as usize];
    let zeros = d - 3 * (d / 3).clamp(0, 4);
    format!("1{}{unit}", "0".repeat(zeros.max(0) as usize))
}

/// Escapes text for XML.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The bar chart: ops/s of each contender per scenario, on a log scale, as an SVG document.
fn svg(rows: &[Row], subtitle: &str) -> String {
    const WIDTH: f64 = 960.0;
    const HEIGHT: f64 = 540.0;
    const LEFT: f64 = 90.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 100.0;
    const BOTTOM: f64 = 80.0;
    const COLORS: [&str; 3] = ["#8c8c8c", "#4c78a8", "#e45756"];
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;

    // The axis runs over whole decades around every rate.
    let rates = rows.iter().flat_map(|r| r.rates);
    let lo = rates
        .clone()
        .fold(f64::INFINITY, f64::min)
        .max(1.0)
        .log10()
        .floor();
    let hi = rates.fold(1.0, f64::max).log10().ceil().max(lo + 1.0);
    let y = |v: f64| TOP + plot_h * (1.0 - (v.max(1.0).log10() - lo) / (hi - lo));

    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="{cx}" y="30" font-size="20" font-weight="bold" text-anchor="middle">zokio-pool report: operations per second (log scale, higher is better)</text>
<text x="{cx}" y="54" font-size="12" text-anchor="middle" fill="#444">{sub}</text>"##,
        cx = WIDTH / 2.0,
        sub = xml(subtitle),
    );
    // Grid lines and labels, one per decade.
    for d in lo as i32..=hi as i32 {
        let v = 10f64.powi(d);
        let gy = y(v);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{gy:.1}" x2="{x2}" y2="{gy:.1}" stroke="#ddd"/>
<text x="{tx}" y="{ty:.1}" font-size="12" text-anchor="end">{label}</text>"##,
            x2 = WIDTH - RIGHT,
            tx = LEFT - 8.0,
            ty = gy + 4.0,
            label = decade(d),
        );
    }
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{yb}" stroke="black"/>
<line x1="{LEFT}" y1="{yb}" x2="{xr}" y2="{yb}" stroke="black"/>
<text transform="translate(24 {ym}) rotate(-90)" font-size="14" text-anchor="middle">ops/s (one allocation + one free), log scale</text>"#,
        yb = TOP + plot_h,
        xr = WIDTH - RIGHT,
        ym = TOP + plot_h / 2.0,
    );
    // The bars, grouped by scenario, each with its value above it.
    let group_w = plot_w / rows.len().max(1) as f64;
    let bar_w = group_w * 0.8 / 3.0;
    for (g, row) in rows.iter().enumerate() {
        let x0 = LEFT + group_w * g as f64 + group_w * 0.1;
        for (k, &v) in row.rates.iter().enumerate() {
            let x = x0 + bar_w * k as f64;
            let top = y(v);
            let _ = writeln!(
                out,
                r#"<rect x="{x:.1}" y="{top:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"><title>{who}: {r} ops/s</title></rect>
<text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle">{r}</text>"#,
                w = bar_w - 2.0,
                h = TOP + plot_h - top,
                c = COLORS[k],
                who = CONTENDERS[k],
                r = rate(v),
                tx = x + (bar_w - 2.0) / 2.0,
                ty = top - 4.0,
            );
        }
        // The scenario's name under its bars, on two lines: "1. fixed-size allocation" and
        // "(64 B)".
        let (first, second) = match row.name.split_once(" (") {
            Some((a, b)) => (a.to_string(), format!("({b}")),
            None => (row.name.to_string(), String::new()),
        };
        let cx = LEFT + group_w * (g as f64 + 0.5);
        let _ = writeln!(
            out,
            r#"<text x="{cx:.1}" y="{y1:.1}" font-size="12" text-anchor="middle">{a}</text>
<text x="{cx:.1}" y="{y2:.1}" font-size="12" text-anchor="middle">{b}</text>"#,
            y1 = TOP + plot_h + 20.0,
            y2 = TOP + plot_h + 36.0,
            a = xml(&first),
            b = xml(&second),
        );
    }
    // The legend, in a row under the subtitle.
    for (k, who) in CONTENDERS.iter().enumerate() {
        let x = LEFT + 200.0 * k as f64;
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="70" width="14" height="14" fill="{c}"/>
<text x="{tx}" y="81" font-size="13">{who}</text>"#,
            c = COLORS[k],
            tx = x + 20.0,
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{cx}" y="{fy}" font-size="11" text-anchor="middle" fill="#444">Each bar: the best of {RUNS} runs in one process, same work per contender (examples/report.rs).</text>
</svg>"##,
        cx = WIDTH / 2.0,
        fy = HEIGHT - 12.0,
    );
    out
}

/// Where the files go: `$CARGO_TARGET_DIR/zokio-report`, or `target/zokio-report` in the
/// workspace (this example's package is the workspace root).
fn report_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("zokio-report")
}

fn main() {
    let mut quick = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            _ => {
                eprintln!("usage: cargo run --release --example report [-- --quick]");
                std::process::exit(2);
            }
        }
    }
    let target = if quick { QUICK_RUN_TARGET } else { RUN_TARGET };
    let started = Instant::now();

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let libc = if cfg!(target_env = "gnu") {
        command_line("getconf", &["GNU_LIBC_VERSION"]).unwrap_or_else(|| "glibc".to_string())
    } else {
        format!("the {} C library's", std::env::consts::OS)
    };
    let cpu = cpu_model();
    let cores =
        thread::available_parallelism().map_or_else(|_| "unknown".to_string(), |n| n.to_string());
    let rustc_version =
        command_line(&rustc, &["--version"]).unwrap_or_else(|| "unknown".to_string());
    let date = utc_date();
    let machine = [
        ("cpu", cpu.clone()),
        ("cores", format!("{cores} logical")),
        (
            "os",
            format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        ),
        ("rustc", rustc_version.clone()),
        ("build", profile.to_string()),
        ("system", format!("Box::new + drop on {libc} malloc")),
        (
            "mimalloc",
            "MiMalloc.alloc + dealloc (GlobalAlloc), the same work".to_string(),
        ),
        ("date", format!("{date} (UTC)")),
        (
            "method",
            format!(
                "best of {RUNS} rounds per contender, and the rounds' spread; ~{} ms a run for the system allocator{}",
                target.as_millis(),
                if quick { " (--quick)" } else { "" }
            ),
        ),
    ];
    let title = "zokio-pool report: PoolBox against the system allocator and mimalloc, same machine, same run";
    println!("{title}");
    println!();
    for (key, value) in &machine {
        println!("  {:<10} {value}", format!("{key}:"));
    }
    if cfg!(debug_assertions) {
        println!();
        println!("  NOTE: built without --release: these figures measure unoptimized code and");
        println!("  mean nothing. Run `cargo run --release --example report`.");
    }
    println!();

    let scenarios = [
        Scenario {
            name: "1. fixed-size allocation (64 B)",
            min_n: 10_000,
            runs: runs!(hot_pair::<Hot64>),
        },
        Scenario {
            name: "2. high-frequency stress (10,000 slots)",
            min_n: 10_000,
            runs: runs!(stress::<Stress64>),
        },
        Scenario {
            name: "3. object reuse (1,000 live, LIFO)",
            min_n: 10,
            runs: runs!(reuse::<Reuse64>),
        },
        Scenario {
            name: "4. large objects (1-5 KiB)",
            min_n: 2_000,
            runs: runs!(large_objects),
        },
        Scenario {
            name: "5. cross-thread (64 B, batches of 64, polled)",
            min_n: 4 * (BUFFERS * HANDOFF) as u64,
            runs: runs!(cross_thread::<Cross64>),
        },
    ];
    let rows: Vec<Row> = scenarios.iter().map(|s| measure(s, target)).collect();
    let table = table(&rows);
    let notes = "An op is one allocation and one free. Reuse rate and fragmentation: the pool's \
                 statistics at the peak of each scenario's working set (see the top of \
                 examples/report.rs).";
    let mut unsteady = String::new();
    for row in &rows {
        for (contender, spread) in row.unsteady() {
            let _ = writeln!(
                unsteady,
                "- {}: {contender}'s fastest run was {:.0}% faster than its slowest",
                row.name,
                spread * 100.0
            );
        }
    }
    if !unsteady.is_empty() {
        unsteady.insert_str(
            0,
            "Rows whose runs disagree by more than 20% (the machine was busy, or the scenario \
             is bimodal):\n",
        );
    }
    print!("{table}");
    println!();
    println!("{notes}");
    if !unsteady.is_empty() {
        println!();
        print!("{unsteady}");
    }

    // The files: the same table with the machine, and the chart.
    let dir = report_dir();
    let subtitle = format!(
        "{cpu}, {cores} logical cores, {} {}; {rustc_version}, {profile}; {date}{}",
        std::env::consts::OS,
        std::env::consts::ARCH,
        if quick { "; --quick" } else { "" }
    );
    let mut md = format!("# {title}\n\n");
    for (key, value) in &machine {
        let _ = writeln!(md, "- {key}: {value}");
    }
    let _ = write!(
        md,
        "\n{table}\n{notes}\n\n{unsteady}\n![ops/s per scenario and contender, log scale](report.svg)\n"
    );
    // One line per row and ratio for scripts/report-spread.sh: the best-run ratio, then the
    // rounds' ratios.
    let mut tsv = String::new();
    for row in &rows {
        for (c, against) in [(0, "system"), (1, "mimalloc")] {
            let best = row.pool() / row.rates[c];
            let rounds: Vec<String> = row
                .round_ratios(c)
                .iter()
                .map(|r| format!("{r:.4}"))
                .collect();
            let _ = writeln!(
                tsv,
                "{}\t{against}\t{best:.4}\t{}",
                row.name,
                rounds.join("\t")
            );
        }
    }
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(dir.join("report.md"), md)?;
        std::fs::write(dir.join("report.tsv"), tsv)?;
        std::fs::write(dir.join("report.svg"), svg(&rows, &subtitle))
    });
    if let Err(e) = written {
        eprintln!("could not write the report to {}: {e}", dir.display());
        std::process::exit(1);
    }
    println!(
        "Wrote {} and report.svg. Measured in {:.1} s.",
        dir.join("report.md").display(),
        started.elapsed().as_secs_f64()
    );
}
