//! Single-thread scenarios, every contender side by side in each group, so criterion's report
//! reads as ratios: `pair` (scenario 1: one object allocated, initialized, freed),
//! `lifo_1000` and `fifo_1000` (scenario 2: 1,000 live objects, then freed in reverse or in
//! allocation order; per object), and `steady_1000` (scenario 5: 1,000 live objects, each op
//! frees the oldest and allocates one; per op, after a warm-up). Each for a 64 B object written
//! in full and a 4 KiB object built in place. See `benches/contenders/` for the exact work
//! of each contender.
//!
//! `cargo bench --bench hot_path`; `scripts/instructions.sh` counts instructions for the same
//! functions. `benches/stress.rs` has the random-stress and two-thread scenarios,
//! `benches/mixed.rs` the 1-5 KiB mixed sizes.

use std::collections::VecDeque;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

mod contenders;
use contenders::{batch, each, pair, steady, Contender, Object, Page, Small, Visit, LIVE};

/// Scenario 1.
struct Pair<'a, 'c>(&'a mut BenchmarkGroup<'c, WallTime>);

impl<T: Object> Visit<T> for Pair<'_, '_> {
    fn visit<C: Contender<T>>(&mut self) {
        let pool = C::pool();
        pair::<T, C>(&pool, 0); // first use: registers caches, reserves memory
        let mut i = 0u64;
        self.0.bench_function(C::NAME, |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                pair::<T, C>(&pool, i)
            })
        });
    }
}

/// Scenario 2.
struct Batch<'a, 'c> {
    g: &'a mut BenchmarkGroup<'c, WallTime>,
    lifo: bool,
}

impl<T: Object> Visit<T> for Batch<'_, '_> {
    fn visit<C: Contender<T>>(&mut self) {
        let pool = C::pool();
        let mut v = Vec::with_capacity(LIVE as usize);
        let lifo = self.lifo;
        batch::<T, C>(&pool, &mut v, LIVE, lifo); // warm the pool / allocator to steady state
        self.g.bench_function(C::NAME, |b| {
            b.iter(|| batch::<T, C>(&pool, &mut v, LIVE, lifo))
        });
    }
}

/// Scenario 5.
struct Steady<'a, 'c>(&'a mut BenchmarkGroup<'c, WallTime>);

impl<T: Object> Visit<T> for Steady<'_, '_> {
    fn visit<C: Contender<T>>(&mut self) {
        let pool = C::pool();
        let mut ring = VecDeque::with_capacity(LIVE as usize + 1);
        // Warm-up: fill the ring, then turn it over twice.
        steady::<T, C>(&pool, &mut ring, 0, LIVE * 3);
        let mut i = LIVE * 3;
        self.0.bench_function(C::NAME, |b| {
            b.iter(|| {
                steady::<T, C>(&pool, &mut ring, i, LIVE);
                i += LIVE;
            })
        });
        ring.drain(..).for_each(|h| C::free(&pool, h));
    }
}

fn groups<T: Object>(c: &mut Criterion, size: &str) {
    let mut g = c.benchmark_group(format!("pair/{size}"));
    g.throughput(Throughput::Elements(1));
    each::<T>(&mut Pair(&mut g));
    g.finish();

    for lifo in [true, false] {
        let order = if lifo { "lifo" } else { "fifo" };
        let mut g = c.benchmark_group(format!("{order}_{LIVE}/{size}"));
        g.throughput(Throughput::Elements(LIVE));
        each::<T>(&mut Batch { g: &mut g, lifo });
        g.finish();
    }

    let mut g = c.benchmark_group(format!("steady_{LIVE}/{size}"));
    g.throughput(Throughput::Elements(LIVE));
    each::<T>(&mut Steady(&mut g));
    g.finish();
}

fn hot_path(c: &mut Criterion) {
    groups::<Small>(c, "64B");
    groups::<Page>(c, "4KiB");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);
    targets = hot_path
}
criterion_main!(benches);
