//! The scenarios, each one generic function run by every contender: the criterion benches time
//! them, `examples/instructions.rs` counts their instructions, `examples/report` times the
//! system allocator, mimalloc and `PoolBox` on them.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use zokio_pool::PoolStats;

use super::{Contender, Kib1, Kib2, Kib3, Kib4, Kib5, Mixed, Object};

/// Live objects in a batch, and in the steady-state scenario.
pub const LIVE: u64 = 1_000;
/// Slots of the stress scenario: its working set.
pub const STRESS_SLOTS: usize = 10_000;
/// Seed of the stress scenario's generator, the same for every contender.
pub const STRESS_SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// Objects the producer of the two-thread scenarios sends at a time.
pub const HANDOFF: usize = 64;
/// Buffers of [`HANDOFF`] objects in the polled two-thread scenario ([`handoff`]): at most
/// 1,024 objects in flight.
pub const BUFFERS: usize = 16;

// --- The hot pair -----------------------------------------------------------------------------

/// One object allocated, initialized, handed to `black_box`, freed.
#[inline(always)]
fn pair_inline<T: Object, C: Contender<T>>(pool: &C::Pool, i: u64) {
    let h = C::alloc(pool, i);
    black_box(&h);
    C::free(pool, h);
}

/// Scenario 1, the hot pair: one object allocated, initialized, freed.
#[inline(never)]
pub fn pair<T: Object, C: Contender<T>>(pool: &C::Pool, i: u64) {
    pair_inline::<T, C>(pool, i);
}

/// Hot pairs `first..first + n` in one loop: [`pair`]'s work without a call per pair (the
/// report's loop; a criterion iteration calls [`pair`]).
#[inline(never)]
pub fn pairs<T: Object, C: Contender<T>>(pool: &C::Pool, first: u64, n: u64) {
    for i in first..first + n {
        pair_inline::<T, C>(pool, i);
    }
}

// --- Mixed sizes, 1-5 KiB -----------------------------------------------------------------------

/// A pool of each size of the mixed-size scenarios.
pub struct Pools<C: Mixed> {
    pub k1: <C as Contender<Kib1>>::Pool,
    pub k2: <C as Contender<Kib2>>::Pool,
    pub k3: <C as Contender<Kib3>>::Pool,
    pub k4: <C as Contender<Kib4>>::Pool,
    pub k5: <C as Contender<Kib5>>::Pool,
}

impl<C: Mixed> Pools<C> {
    pub fn new() -> Self {
        Pools {
            k1: <C as Contender<Kib1>>::pool(),
            k2: <C as Contender<Kib2>>::pool(),
            k3: <C as Contender<Kib3>>::pool(),
            k4: <C as Contender<Kib4>>::pool(),
            k5: <C as Contender<Kib5>>::pool(),
        }
    }

    /// The statistics of the five pools, if the contender keeps any.
    pub fn stats(&self) -> [Option<PoolStats>; 5] {
        [
            <C as Contender<Kib1>>::stats(&self.k1),
            <C as Contender<Kib2>>::stats(&self.k2),
            <C as Contender<Kib3>>::stats(&self.k3),
            <C as Contender<Kib4>>::stats(&self.k4),
            <C as Contender<Kib5>>::stats(&self.k5),
        ]
    }
}

/// A round of five hot pairs, 1 to 5 KiB.
#[inline(never)]
pub fn round<C: Mixed>(p: &Pools<C>, i: u64) {
    pair::<Kib1, C>(&p.k1, i);
    pair::<Kib2, C>(&p.k2, i);
    pair::<Kib3, C>(&p.k3, i);
    pair::<Kib4, C>(&p.k4, i);
    pair::<Kib5, C>(&p.k5, i);
}

/// Rounds `first..first + n` in one loop: [`round`]'s work without a call per pair.
#[inline(never)]
pub fn rounds<C: Mixed>(p: &Pools<C>, first: u64, n: u64) {
    for i in first..first + n {
        pair_inline::<Kib1, C>(&p.k1, i);
        pair_inline::<Kib2, C>(&p.k2, i);
        pair_inline::<Kib3, C>(&p.k3, i);
        pair_inline::<Kib4, C>(&p.k4, i);
        pair_inline::<Kib5, C>(&p.k5, i);
    }
}

// --- Batches ------------------------------------------------------------------------------------

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

// `fill` and `empty` repeat `batch`'s two halves rather than make it of them: that changed the
// code generated for `batch` (two instructions more per object for some contenders, counted by
// `scripts/instructions.sh`).

/// The first half of a [`batch`], for a caller that reads something at the batch's peak (the
/// report reads the pool's statistics): `n` objects allocated into `v`.
#[inline(always)]
pub fn fill<'p, T: Object, C: Contender<T>>(pool: &'p C::Pool, v: &mut Vec<C::Handle<'p>>, n: u64) {
    v.extend((0..n).map(|i| C::alloc(pool, i)));
}

/// The second half of a [`batch`]: every object of `v` freed, the last first if `lifo`.
#[inline(always)]
pub fn empty<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    v: &mut Vec<C::Handle<'p>>,
    lifo: bool,
) {
    if lifo {
        while let Some(h) = v.pop() {
            C::free(pool, h);
        }
    } else {
        v.drain(..).for_each(|h| C::free(pool, h));
    }
}

// --- Stress -------------------------------------------------------------------------------------

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

/// One step of the report's stress scenario (row 2): as [`stress_step`], except that an odd
/// `r` makes the new object before the slot's old one is freed, as `*slot = Some(new)` does in
/// a program replacing a value: the new object cannot take the old one's slot.
#[inline(always)]
pub fn replace_step<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    slots: &mut [Option<C::Handle<'p>>],
    r: u64,
) {
    let slot = &mut slots[pick(r, slots.len())];
    let new = (r & 1 == 1).then(|| C::alloc(pool, r));
    if let Some(old) = core::mem::replace(slot, new) {
        C::free(pool, old);
    }
}

/// The report's stress scenario: `steps` random [`replace_step`]s over `slots`.
#[inline(never)]
pub fn stress_replacing<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    slots: &mut [Option<C::Handle<'p>>],
    rng: &mut XorShift64,
    steps: u64,
) {
    for _ in 0..steps {
        replace_step::<T, C>(pool, slots, rng.next());
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

// --- Steady state -------------------------------------------------------------------------------

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

// --- Two threads --------------------------------------------------------------------------------

/// Scenario 4, cross-thread return, through blocking channels (the criterion benches'
/// `two_threads`): a producer thread allocates `n` objects and hands them, in batches of
/// [`HANDOFF`] through a channel, to this thread, which frees them. Returns the time from the
/// producer's start to the last free. The batches' buffers go back to the producer, so the
/// transport allocates nothing in the steady state.
///
/// A thread that waits on a channel sleeps, so this also measures the scheduler's wake-ups:
/// [`handoff`] polls instead.
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

/// A queue between the two threads of [`handoff`], which the receiving thread polls without
/// ever sleeping: a blocking channel would measure the scheduler's wake-ups instead of the
/// allocators (through `sync_channel` a batch of 64 takes the pool less than a futex wake-up on
/// a VM, so both threads kept going to sleep, and the ratio to mimalloc moved between 0.6x and 2x
/// from one run to the next). The lock is taken only when the queue is known not to be empty,
/// or to push, so it is never held for long nor fought over while polling.
pub struct Handoff<T> {
    queue: Mutex<VecDeque<T>>,
    len: AtomicUsize,
}

impl<T> Handoff<T> {
    pub fn new() -> Self {
        Handoff {
            queue: Mutex::new(VecDeque::with_capacity(BUFFERS)),
            len: AtomicUsize::new(0),
        }
    }

    pub fn send(&self, value: T) {
        self.queue
            .lock()
            .expect("no panic holds it")
            .push_back(value);
        self.len.fetch_add(1, Ordering::Release);
    }

    pub fn recv(&self) -> T {
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

/// The two queues of [`handoff`], with [`BUFFERS`] empty buffers of [`HANDOFF`] objects in the
/// `empty` one. Made before the clock starts.
pub struct Lanes<H> {
    full: Handoff<Vec<H>>,
    empty: Handoff<Vec<H>>,
}

impl<H> Lanes<H> {
    pub fn new() -> Self {
        let lanes = Lanes {
            full: Handoff::new(),
            empty: Handoff::new(),
        };
        for _ in 0..BUFFERS {
            lanes.empty.send(Vec::with_capacity(HANDOFF));
        }
        lanes
    }
}

/// Scenario 4, cross-thread return, polled (the report's row 5): `batches` batches of
/// [`HANDOFF`] objects (at least `2 * BUFFERS`) allocated on a producer thread and freed on this
/// one, handed over in the [`BUFFERS`] reused buffers of `lanes`, so at most 1,024 objects are in
/// flight and the transport allocates nothing. Each thread needs a core of its own.
///
/// `at_peak` runs once the producer is joined (it has nothing left to do then) and the last
/// [`BUFFERS`] buffers are full: the moment to read the statistics, which are exact then.
pub fn handoff<'p, T: Object, C: Contender<T>>(
    pool: &'p C::Pool,
    lanes: &Lanes<C::Handle<'p>>,
    batches: u64,
    at_peak: impl FnOnce(),
) where
    C::Pool: Sync,
    C::Handle<'p>: Send,
{
    assert!(
        batches >= 2 * BUFFERS as u64,
        "too few batches to fill the buffers"
    );
    let (full, empty) = (&lanes.full, &lanes.empty);
    thread::scope(|s| {
        let producer = s.spawn(move || {
            let mut i = 0;
            for _ in 0..batches {
                let mut v = empty.recv();
                v.extend((i..i + HANDOFF as u64).map(|j| C::alloc(pool, j)));
                i += HANDOFF as u64;
                full.send(v);
            }
        });
        let consume = |mut v: Vec<C::Handle<'p>>| {
            v.drain(..).for_each(|h| C::free(pool, black_box(h)));
            empty.send(v);
        };
        for _ in 0..batches - BUFFERS as u64 {
            consume(full.recv());
        }
        // The producer has had every buffer it needs: the rest is in the queue.
        producer.join().expect("the producer panicked");
        at_peak();
        for _ in 0..BUFFERS {
            consume(full.recv());
        }
    });
}
