//! The random-stress and two-thread scenarios, every contender side by side in each group.
//!
//! - `stress_10000` (scenario 3): 10,000 slots; each step draws a slot and a coin from the same
//!   seeded xorshift for every contender: heads frees the slot's object, if any, and puts a new
//!   one there, tails frees it. Half the slots are live in the steady state; memory is reached at
//!   random. Per step.
//! - `two_threads` (scenario 4): a producer thread allocates, this thread frees (every object is
//!   returned to the pool from another thread than the one that took it). Handed over in batches
//!   of 64 through a channel, so the transport costs little per object. Per object. The free list
//!   and opool's `LocalPool` cannot return objects across threads and are left out (see
//!   `contenders::NOT_SHARED`). The channel is std's `sync_channel`, whose receiver sleeps:
//!   this group measures the allocators and the scheduler's wake-ups together.
//! - `handoff` (scenario 4, polled, as the report's cross-thread row): the same producer and
//!   consumer, with batches of 64 through queues that neither thread sleeps on (16 buffers in
//!   flight, `contenders::handoff`), so the time is the allocator's and the transport's. Per
//!   object.
//!
//! Each for a 64 B object written in full and a 4 KiB object built in place.
//! `cargo bench --bench stress`.

use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

mod contenders;
use contenders::{
    clear_slots, each, each_shared, handoff, stress, two_threads, Contender, Lanes, Object, Page,
    Small, Visit, VisitShared, XorShift64, BUFFERS, HANDOFF, STRESS_SEED, STRESS_SLOTS,
};

/// Steps per criterion iteration.
const STEPS: u64 = 1_000;

/// Scenario 3.
struct Stress<'a, 'c>(&'a mut BenchmarkGroup<'c, WallTime>);

impl<T: Object> Visit<T> for Stress<'_, '_> {
    fn visit<C: Contender<T>>(&mut self) {
        let pool = C::pool();
        let mut slots: Vec<Option<C::Handle<'_>>> = (0..STRESS_SLOTS).map(|_| None).collect();
        let mut rng = XorShift64(STRESS_SEED);
        // Warm-up to the steady state: half the slots live.
        stress::<T, C>(&pool, &mut slots, &mut rng, 4 * STRESS_SLOTS as u64);
        self.0.bench_function(C::NAME, |b| {
            b.iter(|| stress::<T, C>(&pool, &mut slots, &mut rng, STEPS))
        });
        clear_slots::<T, C>(&pool, &mut slots);
    }
}

/// Scenario 4.
struct TwoThreads<'a, 'c>(&'a mut BenchmarkGroup<'c, WallTime>);

impl<T: Object> VisitShared<T> for TwoThreads<'_, '_> {
    fn visit<C: Contender<T>>(&mut self)
    where
        C::Pool: Sync,
        for<'p> C::Handle<'p>: Send,
    {
        let pool = C::pool();
        two_threads::<T, C>(&pool, 100_000); // warm-up
        self.0.bench_function(C::NAME, |b| {
            b.iter_custom(|n| two_threads::<T, C>(&pool, n))
        });
    }
}

/// Scenario 4, polled.
struct Handoffs<'a, 'c>(&'a mut BenchmarkGroup<'c, WallTime>);

impl<T: Object> VisitShared<T> for Handoffs<'_, '_> {
    fn visit<C: Contender<T>>(&mut self)
    where
        C::Pool: Sync,
        for<'p> C::Handle<'p>: Send,
    {
        let pool = C::pool();
        // `n` objects: whole batches, at least enough to fill the buffers; the time is scaled
        // to `n` objects.
        let run = |n: u64| {
            let batches = n.div_ceil(HANDOFF as u64).max(2 * BUFFERS as u64);
            let lanes = Lanes::new();
            let start = Instant::now();
            handoff::<T, C>(&pool, &lanes, batches, || {});
            let objects = batches * HANDOFF as u64;
            start.elapsed().mul_f64(n as f64 / objects as f64)
        };
        run(100_000); // warm-up
        self.0.bench_function(C::NAME, |b| b.iter_custom(run));
    }
}

fn groups<T: Object>(c: &mut Criterion, size: &str) {
    let mut g = c.benchmark_group(format!("stress_{STRESS_SLOTS}/{size}"));
    g.throughput(Throughput::Elements(STEPS));
    each::<T>(&mut Stress(&mut g));
    g.finish();

    let mut g = c.benchmark_group(format!("two_threads/{size}"));
    g.throughput(Throughput::Elements(1));
    each_shared::<T>(&mut TwoThreads(&mut g));
    g.finish();

    let mut g = c.benchmark_group(format!("handoff/{size}"));
    g.throughput(Throughput::Elements(1));
    each_shared::<T>(&mut Handoffs(&mut g));
    g.finish();
}

fn scenarios(c: &mut Criterion) {
    groups::<Small>(c, "64B");
    groups::<Page>(c, "4KiB");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);
    targets = scenarios
}
criterion_main!(benches);
