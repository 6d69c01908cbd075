//! Mixed sizes, 1 to 5 KiB (the design report's "Tokio-equivalent" case, where its pool lost):
//! five object types of 1, 2, 3, 4 and 5 KiB, each built in place, each in its own pool for the
//! pool contenders, side by side in each group.
//!
//! - `pair`: a round of five hot pairs, one of each size; per object.
//! - `lifo_1000`: 1,000 live objects, 200 of each size allocated in turn, then freed in exact
//!   reverse order; per object.
//! - `stress_10000`: 10,000 slots, 2,000 per size; each step draws a size, a slot and a coin from
//!   the same seeded xorshift for every contender, as in `benches/stress.rs`; per step.
//!
//! `cargo bench --bench mixed`.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

mod contenders;
use contenders::{
    clear_slots, each_mixed, pick, round, stress_step, Contender, Kib1, Kib2, Kib3, Kib4, Kib5,
    Mixed, Object, Pools, VisitMixed, XorShift64, LIVE, STRESS_SEED, STRESS_SLOTS,
};

/// Something per size: a `Vec` of handles or of slots of each size.
type Of<'p, C, T> = Vec<<C as Contender<T>>::Handle<'p>>;
type SlotsOf<'p, C, T> = Vec<Option<<C as Contender<T>>::Handle<'p>>>;

/// The batch's live objects, by size.
struct Live<'p, C: Mixed> {
    k1: Of<'p, C, Kib1>,
    k2: Of<'p, C, Kib2>,
    k3: Of<'p, C, Kib3>,
    k4: Of<'p, C, Kib4>,
    k5: Of<'p, C, Kib5>,
}

#[inline(always)]
fn free_last<'p, T: Object, C: Contender<T>>(pool: &'p C::Pool, v: &mut Of<'p, C, T>) {
    if let Some(h) = v.pop() {
        C::free(pool, h);
    }
}

#[inline(never)]
fn lifo<'p, C: Mixed>(p: &'p Pools<C>, l: &mut Live<'p, C>) {
    for i in 0..LIVE / 5 {
        l.k1.push(<C as Contender<Kib1>>::alloc(&p.k1, i));
        l.k2.push(<C as Contender<Kib2>>::alloc(&p.k2, i));
        l.k3.push(<C as Contender<Kib3>>::alloc(&p.k3, i));
        l.k4.push(<C as Contender<Kib4>>::alloc(&p.k4, i));
        l.k5.push(<C as Contender<Kib5>>::alloc(&p.k5, i));
    }
    std::hint::black_box(&*l);
    for _ in 0..LIVE / 5 {
        free_last::<Kib5, C>(&p.k5, &mut l.k5);
        free_last::<Kib4, C>(&p.k4, &mut l.k4);
        free_last::<Kib3, C>(&p.k3, &mut l.k3);
        free_last::<Kib2, C>(&p.k2, &mut l.k2);
        free_last::<Kib1, C>(&p.k1, &mut l.k1);
    }
}

/// The stress scenario's slots, by size.
struct Slots<'p, C: Mixed> {
    k1: SlotsOf<'p, C, Kib1>,
    k2: SlotsOf<'p, C, Kib2>,
    k3: SlotsOf<'p, C, Kib3>,
    k4: SlotsOf<'p, C, Kib4>,
    k5: SlotsOf<'p, C, Kib5>,
}

fn empty_slots<T>() -> Vec<Option<T>> {
    (0..STRESS_SLOTS / 5).map(|_| None).collect()
}

#[inline(never)]
fn stress<'p, C: Mixed>(p: &'p Pools<C>, s: &mut Slots<'p, C>, rng: &mut XorShift64, steps: u64) {
    for _ in 0..steps {
        let r = rng.next();
        // The size from the low 32 bits (bit 0 is the coin), the slot from the high 32.
        match pick(r << 31, 5) {
            0 => stress_step::<Kib1, C>(&p.k1, &mut s.k1, r),
            1 => stress_step::<Kib2, C>(&p.k2, &mut s.k2, r),
            2 => stress_step::<Kib3, C>(&p.k3, &mut s.k3, r),
            3 => stress_step::<Kib4, C>(&p.k4, &mut s.k4, r),
            _ => stress_step::<Kib5, C>(&p.k5, &mut s.k5, r),
        }
    }
    std::hint::black_box(&*s);
}

/// Steps per criterion iteration of the stress scenario.
const STEPS: u64 = 1_000;

fn bench_pair<C: Mixed>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let p = Pools::<C>::new();
    round::<C>(&p, 0);
    let mut i = 0u64;
    g.bench_function(C::NAME, |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            round::<C>(&p, i)
        })
    });
}

fn bench_lifo<C: Mixed>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let p = Pools::<C>::new();
    let cap = (LIVE / 5) as usize;
    let mut l = Live::<C> {
        k1: Vec::with_capacity(cap),
        k2: Vec::with_capacity(cap),
        k3: Vec::with_capacity(cap),
        k4: Vec::with_capacity(cap),
        k5: Vec::with_capacity(cap),
    };
    lifo::<C>(&p, &mut l);
    g.bench_function(C::NAME, |b| b.iter(|| lifo::<C>(&p, &mut l)));
}

fn bench_stress<C: Mixed>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let p = Pools::<C>::new();
    let mut s = Slots::<C> {
        k1: empty_slots(),
        k2: empty_slots(),
        k3: empty_slots(),
        k4: empty_slots(),
        k5: empty_slots(),
    };
    let mut rng = XorShift64(STRESS_SEED);
    stress::<C>(&p, &mut s, &mut rng, 4 * STRESS_SLOTS as u64);
    g.bench_function(C::NAME, |b| {
        b.iter(|| stress::<C>(&p, &mut s, &mut rng, STEPS))
    });
    clear_slots::<Kib1, C>(&p.k1, &mut s.k1);
    clear_slots::<Kib2, C>(&p.k2, &mut s.k2);
    clear_slots::<Kib3, C>(&p.k3, &mut s.k3);
    clear_slots::<Kib4, C>(&p.k4, &mut s.k4);
    clear_slots::<Kib5, C>(&p.k5, &mut s.k5);
}

/// Which scenario [`Groups`] runs.
#[derive(Clone, Copy)]
enum Scenario {
    Pair,
    Lifo,
    Stress,
}

struct Run<'a, 'c> {
    g: &'a mut BenchmarkGroup<'c, WallTime>,
    scenario: Scenario,
}

impl VisitMixed for Run<'_, '_> {
    fn visit<C: Mixed>(&mut self) {
        match self.scenario {
            Scenario::Pair => bench_pair::<C>(self.g),
            Scenario::Lifo => bench_lifo::<C>(self.g),
            Scenario::Stress => bench_stress::<C>(self.g),
        }
    }
}

fn mixed(c: &mut Criterion) {
    for (name, scenario, per_iter) in [
        ("pair/1-5KiB", Scenario::Pair, 5),
        (&*format!("lifo_{LIVE}/1-5KiB"), Scenario::Lifo, LIVE),
        (
            &*format!("stress_{STRESS_SLOTS}/1-5KiB"),
            Scenario::Stress,
            STEPS,
        ),
    ] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(per_iter));
        each_mixed(&mut Run {
            g: &mut g,
            scenario,
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);
    targets = mixed
}
criterion_main!(benches);
