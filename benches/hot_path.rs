//! The hot path: `PoolBox::new` + drop against `Box::new` + drop on glibc, the same work on
//! mimalloc, and a hand-written thread-local free list (the practical limit), side by side in
//! each group so criterion's report reads as ratios.
//!
//! Groups: `pair` (one object allocated, initialized, freed), `lifo_1000` and `fifo_1000`
//! (1,000 live objects, then freed in reverse or in allocation order; reported per object), each
//! for a 64 B object written in full and a 4 KiB object built in place. See
//! `benches/contenders/mod.rs` for the exact work of each contender.
//!
//! `cargo bench --bench hot_path`; `scripts/instructions.sh` counts instructions for the same
//! functions.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

mod contenders;
use contenders::{batch, pair, Contender, FreeList, Mimalloc, Page, Pool, Small, SystemBox};

const BATCH: u64 = 1_000;

fn group_pair<T>(c: &mut Criterion, size: &str)
where
    (Pool, T): Contender,
    (SystemBox, T): Contender,
    (Mimalloc, T): Contender,
    (FreeList, T): Contender,
{
    let mut g = c.benchmark_group(format!("pair/{size}"));
    g.throughput(Throughput::Elements(1));
    let mut run = |name: &str, f: fn(u64)| {
        g.bench_function(name, |b| {
            let mut i = 0u64;
            b.iter(|| {
                i = i.wrapping_add(1);
                f(i)
            })
        });
    };
    run("zokio-pool", pair::<(Pool, T)>);
    run("glibc Box", pair::<(SystemBox, T)>);
    run("mimalloc", pair::<(Mimalloc, T)>);
    run("free list", pair::<(FreeList, T)>);
    g.finish();
}

fn one_batch<C: Contender>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    lifo: bool,
) {
    let mut v = Vec::with_capacity(BATCH as usize);
    batch::<C>(&mut v, BATCH, lifo); // warm the pool / allocator to steady state
    g.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| batch::<C>(&mut v, BATCH, lifo))
    });
}

fn group_batch<T>(c: &mut Criterion, size: &str, lifo: bool)
where
    (Pool, T): Contender,
    (SystemBox, T): Contender,
    (Mimalloc, T): Contender,
    (FreeList, T): Contender,
{
    let order = if lifo { "lifo" } else { "fifo" };
    let mut g = c.benchmark_group(format!("{order}_{BATCH}/{size}"));
    g.throughput(Throughput::Elements(BATCH));
    one_batch::<(Pool, T)>(&mut g, "zokio-pool", lifo);
    one_batch::<(SystemBox, T)>(&mut g, "glibc Box", lifo);
    one_batch::<(Mimalloc, T)>(&mut g, "mimalloc", lifo);
    one_batch::<(FreeList, T)>(&mut g, "free list", lifo);
    g.finish();
}

fn hot_path(c: &mut Criterion) {
    group_pair::<Small>(c, "64B");
    group_pair::<Page>(c, "4KiB");
    for lifo in [true, false] {
        group_batch::<Small>(c, "64B", lifo);
        group_batch::<Page>(c, "4KiB", lifo);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = hot_path
}
criterion_main!(benches);
