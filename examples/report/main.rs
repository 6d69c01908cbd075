//! The report: `PoolBox` against the system allocator and mimalloc, and the byte allocator
//! `PoolAlloc` against glibc's malloc, mimalloc and jemalloc, side by side, on this machine, now.
//!
//! `cargo run --release --example report` (add `-- --quick` for a run about ten times shorter,
//! for CI; its figures are noisier; add `--features jemalloc,snmalloc` before `--example` for
//! the jemalloc and snmalloc columns, whose C and C++ libraries take a few minutes to build). Besides the tables it prints, it
//! writes `target/zokio-report/report.md` (the same tables with the machine) and
//! `target/zokio-report/report.svg` (a bar chart of ops/s per table, log scale, and under them
//! the memory scenario's); `target` is `$CARGO_TARGET_DIR` when that is set.
//!
//! The design report this project comes from set a Zig runtime's pool (600M ops/s) against a
//! "standard allocator" (189K ops/s), figures taken apart. This example reruns its scenarios
//! honestly: every contender in one process, in one run, doing the same work, and it prints only
//! what it measured in that run. The system allocator is `Box::new` + drop (glibc's malloc on
//! Linux: no `#[global_allocator]` is set); mimalloc is called through its `GlobalAlloc`
//! implementation (`MiMalloc.alloc` and `dealloc`, what `Box` does in a program whose global
//! allocator is mimalloc); the pool is `PoolBox` on types with `#[derive(Pooled)]` and default
//! options.
//!
//! The contenders (`SystemBox`, `Mimalloc`, `Zokio`), the objects and the scenarios are the
//! benchmark kernel's, `benches/contenders`, the code the criterion benches time and
//! `scripts/instructions.sh` counts. This directory holds what only the report does: which
//! contenders run which scenario and how each run reads the pool's statistics (this file),
//! measuring (`harness.rs`), the machine (`machine.rs`), the memory scenario (`memory.rs`) and
//! the outputs (`render.rs`).
//!
//! # What is measured, and why it is fair
//! An op is one allocation plus one free. Every scenario is one generic function of the kernel
//! instantiated for each contender (see `Contender` there), so the loop, the initialization of the object, the
//! `black_box` calls (which keep the optimizer from removing an allocation) and the op count are
//! the same code; only the allocation and the free differ. Every contender does the same number
//! of ops, which `measure` checks.
//!
//! 1. **fixed-size allocation**, the hot pair: allocate a 64 B object (`id` set to the loop
//!    counter, the rest zeroed), hand it to `black_box`, drop it. Each contender's best case:
//!    glibc serves it from its per-thread tcache, the pool from its thread cache.
//! 2. **high-frequency stress**: 10,000 slots (a `Vec<Option<_>>` of the contender's handles);
//!    each step draws a slot and a coin from a xorshift generator with the same seed for every
//!    contender, so all see the same sequence: heads puts a new 64 B object in the slot, made
//!    before the one it replaces (if any) is freed, tails empties it, so allocations and frees are
//!    50/50 and half the slots are live in the steady state. Memory is reached at random, as in a
//!    server's table of sessions. The ops counted are the allocations; every object still live at
//!    the end is freed inside the timed region, so each counted allocation has its free.
//! 3. **object reuse**: batches of 1,000 live 64 B objects, allocated, then freed last one first
//!    (LIFO); repeated, after a warm-up run, so that each contender is in its steady state.
//! 4. **large objects 1-5 KiB**: five types of 1, 2, 3, 4 and 5 KiB (an 8-byte header and a
//!    body of bytes that need no initialization), cycled; each op allocates one, writes its
//!    header and its last byte in place, hands it to `black_box` and drops it. All build in place
//!    (`Box::new_uninit`, mimalloc's `alloc`, `PoolBox::new_uninit`), so none copies kilobytes
//!    through the stack or zero-fills them.
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
//! # The byte allocators' table
//! The same five scenarios and a sixth, with general allocators instead of typed pools: glibc's
//! malloc (`System`), mimalloc, jemalloc (`tikv_jemallocator::Jemalloc`, with the `jemalloc`
//! feature), snmalloc (`snmalloc_rs::SnMalloc`, with the `snmalloc` feature) and zokio-pool's
//! `PoolAlloc`, each called through its `GlobalAlloc` implementation
//! on the object's layout, which is what `Box` does in a program whose `#[global_allocator]` it
//! is (the contenders of `benches/contenders/mimalloc.rs`). glibc calibrates; `PoolAlloc`'s
//! ratios are given to each other contender. The sixth row is the design report's **tiered
//! mixed sizes**: batches of 999 live objects, 111 of each of nine sizes (8, 16, 32, 48, 64, 96,
//! 128, 192, 256 B) allocated in turn and freed in exactly the reverse order, every byte
//! written; every size is served by the one allocator, its class found from the layout at run
//! time. The byte allocators have no per-type statistics; the memory scenario below has a row
//! for each of them.
//!
//! Then one scenario that is not timed, **memory: burst and trim** (`memory.rs`): each
//! contender's resident memory (the typed table's three, jemalloc, snmalloc and `PoolAlloc`), in a child
//! process of its own, before, at and after a burst of 1,000,000 live 64 B objects, after the
//! contender's trim call, and at a second burst of 500,000 live 128 B objects. It has a table
//! of its own and the chart's third panel.
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
//! pair, 1,000 for the batches, one of each size for the large objects (five pools, combined by
//! bytes), the 1,024 in flight for the cross-thread case; the stress is read at its end (about
//! 5,000 live) and its fragmentation is taken at its peak, from the pool's `high_water` (see
//! `Figures::of_past_peak`). Fragmentation is the share of the memory the pool reserved that
//! holds no live object: a pool's first chunk is a page, so a working set of one object shows
//! as nearly 100%, the memory price of a pool. Each scenario has its own types, so its own pools and statistics. The
//! allocators have no such counters.

#[path = "../../benches/contenders/mod.rs"]
mod contenders;
mod harness;
mod machine;
mod memory;
mod render;

use std::fmt::Write as _;
use std::hint::black_box;
use std::thread;
use std::time::Instant;

#[cfg(feature = "jemalloc")]
use contenders::Jemalloc;
#[cfg(feature = "snmalloc")]
use contenders::Snmalloc;
use contenders::{
    batch, clear_slots, empty, fill, handoff, pairs, rounds, Contender, Glibc, Kib1, Kib2, Kib3,
    Kib4, Kib5, Lanes, Mimalloc, Mixed, Object, PoolAllocator, Pools, SystemBox, XorShift64, Zokio,
    BUFFERS, HANDOFF, LIVE, STRESS_SEED, STRESS_SLOTS,
};
use harness::{
    measure, Figures, Row, Run, Scenario, Stopwatch, Table, QUICK_RUN_TARGET, RUNS, RUN_TARGET,
};

/// Each scenario has its own 64 B type, so its own pools and statistics.
mod objects {
    crate::contenders::small_object!(
        /// The hot pair's object.
        Hot64 in hot64_pools
    );
    crate::contenders::small_object!(
        /// The stress scenario's object.
        Stress64 in stress64_pools
    );
    crate::contenders::small_object!(
        /// The object-reuse scenario's object.
        Reuse64 in reuse64_pools
    );
    crate::contenders::small_object!(
        /// The cross-thread scenario's object.
        Cross64 in cross64_pools
    );
    // The byte table's tiered sizes, 8 to 256 B (the design report's "tiered mixed sizes").
    crate::contenders::small_object!(Tier8 = 8, in tier8_pools);
    crate::contenders::small_object!(Tier16 = 16, in tier16_pools);
    crate::contenders::small_object!(Tier32 = 32, in tier32_pools);
    crate::contenders::small_object!(Tier48 = 48, in tier48_pools);
    crate::contenders::small_object!(Tier64 = 64, in tier64_pools);
    crate::contenders::small_object!(Tier96 = 96, in tier96_pools);
    crate::contenders::small_object!(Tier128 = 128, in tier128_pools);
    crate::contenders::small_object!(Tier192 = 192, in tier192_pools);
    crate::contenders::small_object!(Tier256 = 256, in tier256_pools);
}
use objects::{
    Cross64, Hot64, Reuse64, Stress64, Tier128, Tier16, Tier192, Tier256, Tier32, Tier48, Tier64,
    Tier8, Tier96,
};

/// The typed table: the system allocator (`Box`), mimalloc, `PoolBox`.
fn typed_table() -> Table {
    Table {
        names: vec!["system allocator", "mimalloc", "zokio-pool"],
        short: vec!["system", "mimalloc", "pool"],
        colors: vec!["#8c8c8c", "#4c78a8", "#e45756"],
        figures: true,
    }
}

/// A typed scenario's functions, one per contender of [`typed_table`].
macro_rules! runs {
    ($f:ident $(::<$t:ty>)?) => {
        vec![
            $f::<$($t,)? SystemBox>,
            $f::<$($t,)? Mimalloc>,
            $f::<$($t,)? Zokio>,
        ]
    };
}

/// The byte allocators' table: glibc's malloc, mimalloc, jemalloc and snmalloc (with the
/// `jemalloc` and `snmalloc` features), `PoolAlloc`, each called through its `GlobalAlloc`
/// implementation.
fn byte_table() -> Table {
    let mut t = Table {
        names: vec!["glibc malloc", "mimalloc"],
        short: vec!["glibc", "mimalloc"],
        colors: vec!["#8c8c8c", "#4c78a8"],
        figures: false,
    };
    if cfg!(feature = "jemalloc") {
        t.names.push("jemalloc");
        t.short.push("jemalloc");
        t.colors.push("#54a24b");
    }
    if cfg!(feature = "snmalloc") {
        t.names.push("snmalloc");
        t.short.push("snmalloc");
        t.colors.push("#b279a2");
    }
    t.names.push("zokio-pool PoolAlloc");
    t.short.push("PoolAlloc");
    t.colors.push("#f58518");
    t
}

/// A byte scenario's functions, one per contender of [`byte_table`].
macro_rules! byte_runs {
    ($f:ident $(::<$t:ty>)?) => {{
        let mut v: Vec<fn(u64) -> Run> = vec![$f::<$($t,)? Glibc>, $f::<$($t,)? Mimalloc>];
        #[cfg(feature = "jemalloc")]
        v.push($f::<$($t,)? Jemalloc>);
        #[cfg(feature = "snmalloc")]
        v.push($f::<$($t,)? Snmalloc>);
        v.push($f::<$($t,)? PoolAllocator>);
        v
    }};
}

/// The design report's five scenarios, each with its functions from `$runs!` (one per
/// contender of a table: [`runs!`] or [`byte_runs!`]).
macro_rules! design_scenarios {
    ($runs:ident) => {
        vec![
            Scenario {
                name: "1. fixed-size allocation (64 B)",
                min_n: 10_000,
                runs: $runs!(hot_pair::<Hot64>),
            },
            Scenario {
                name: "2. high-frequency stress (10,000 slots)",
                min_n: 10_000,
                runs: $runs!(stress::<Stress64>),
            },
            Scenario {
                name: "3. object reuse (1,000 live, LIFO)",
                min_n: 10,
                runs: $runs!(reuse::<Reuse64>),
            },
            Scenario {
                name: "4. large objects (1-5 KiB)",
                min_n: 2_000,
                runs: $runs!(large_objects),
            },
            Scenario {
                name: "5. cross-thread (64 B, batches of 64, polled)",
                min_n: 4 * (BUFFERS * HANDOFF) as u64,
                runs: $runs!(cross_thread::<Cross64>),
            },
        ]
    };
}

/// A contender for every size of the tiered scenario.
trait Tiered:
    Contender<Tier8>
    + Contender<Tier16>
    + Contender<Tier32>
    + Contender<Tier48>
    + Contender<Tier64>
    + Contender<Tier96>
    + Contender<Tier128>
    + Contender<Tier192>
    + Contender<Tier256>
{
}

impl<C> Tiered for C where
    C: Contender<Tier8>
        + Contender<Tier16>
        + Contender<Tier32>
        + Contender<Tier48>
        + Contender<Tier64>
        + Contender<Tier96>
        + Contender<Tier128>
        + Contender<Tier192>
        + Contender<Tier256>
{
}

// ---------------------------------------------------------------------------------------------
// The runs: each times one of the kernel's scenarios for `n` units of work and reads the pool's
// statistics at the scenario's peak, with the clock stopped.

/// Scenario 1: `n` hot pairs. The last object is held while the statistics are read.
fn hot_pair<T: Object, C: Contender<T>>(n: u64) -> Run {
    let pool = C::pool();
    let mut clock = Stopwatch::start();
    pairs::<T, C>(&pool, 0, n - 1);
    let last = C::alloc(&pool, n - 1);
    black_box(&last);
    clock.pause();
    let figures = Figures::of(&[C::stats(&pool)]);
    clock.resume();
    C::free(&pool, last);
    Run {
        elapsed: clock.stop(),
        ops: n,
        figures,
    }
}

/// Scenario 2: `steps` random allocations or frees over [`STRESS_SLOTS`] slots, from empty; the
/// objects still live at the end are freed inside the timed region.
fn stress<T: Object, C: Contender<T>>(steps: u64) -> Run {
    let pool = C::pool();
    let mut slots: Vec<Option<C::Handle<'_>>> = (0..STRESS_SLOTS).map(|_| None).collect();
    let mut rng = XorShift64(STRESS_SEED);
    // The ops counted are the allocations, the odd draws: counted on the same sequence before
    // the clock starts.
    let mut replay = rng.clone();
    let allocations = (0..steps).filter(|_| replay.next() & 1 == 1).count() as u64;
    let mut clock = Stopwatch::start();
    contenders::stress_replacing::<T, C>(&pool, &mut slots, &mut rng, steps);
    clock.pause();
    let figures = Figures::of_past_peak(C::stats(&pool));
    clock.resume();
    clear_slots::<T, C>(&pool, &mut slots);
    Run {
        elapsed: clock.stop(),
        ops: allocations,
        figures,
    }
}

/// Scenario 3: `batches` batches of [`LIVE`] objects, freed LIFO. The statistics are read at the
/// peak of the last one.
fn reuse<T: Object, C: Contender<T>>(batches: u64) -> Run {
    let pool = C::pool();
    let mut live = Vec::with_capacity(LIVE as usize);
    let mut clock = Stopwatch::start();
    for _ in 0..batches - 1 {
        batch::<T, C>(&pool, &mut live, LIVE, true);
    }
    fill::<T, C>(&pool, &mut live, LIVE);
    black_box(&live);
    clock.pause();
    let figures = Figures::of(&[C::stats(&pool)]);
    clock.resume();
    empty::<T, C>(&pool, &mut live, true);
    Run {
        elapsed: clock.stop(),
        ops: batches * LIVE,
        figures,
    }
}

/// Scenario 4: `n` rounds of five large objects, 1 to 5 KiB. In the last round the five are held
/// while the statistics are read.
fn large_objects<C: Mixed>(n: u64) -> Run {
    let p = Pools::<C>::new();
    let mut clock = Stopwatch::start();
    rounds::<C>(&p, 0, n - 1);
    let i = n - 1;
    let last = (
        <C as Contender<Kib1>>::alloc(&p.k1, i),
        <C as Contender<Kib2>>::alloc(&p.k2, i),
        <C as Contender<Kib3>>::alloc(&p.k3, i),
        <C as Contender<Kib4>>::alloc(&p.k4, i),
        <C as Contender<Kib5>>::alloc(&p.k5, i),
    );
    black_box(&last);
    clock.pause();
    let figures = Figures::of(&p.stats());
    clock.resume();
    <C as Contender<Kib1>>::free(&p.k1, last.0);
    <C as Contender<Kib2>>::free(&p.k2, last.1);
    <C as Contender<Kib3>>::free(&p.k3, last.2);
    <C as Contender<Kib4>>::free(&p.k4, last.3);
    <C as Contender<Kib5>>::free(&p.k5, last.4);
    Run {
        elapsed: clock.stop(),
        ops: n * 5,
        figures,
    }
}

/// Scenario 5: about `n` objects allocated on a producer thread and freed on this one, through
/// the kernel's polled [`handoff`]. The statistics are read when the producer is done and the
/// last buffers are full, so they are exact.
fn cross_thread<T: Object, C: Contender<T>>(n: u64) -> Run
where
    C::Pool: Sync,
    for<'p> C::Handle<'p>: Send,
{
    let pool = C::pool();
    let batches = (n / HANDOFF as u64).max(2 * BUFFERS as u64);
    let lanes = Lanes::new();
    let mut figures = None;
    let mut clock = Stopwatch::start();
    handoff::<T, C>(&pool, &lanes, batches, || {
        clock.pause();
        figures = Figures::of(&[C::stats(&pool)]);
        clock.resume();
    });
    Run {
        elapsed: clock.stop(),
        ops: batches * HANDOFF as u64,
        figures,
    }
}

/// Objects of each size per batch of the tiered scenario: 111 of each of nine, 999 live.
const PER_TIER: u64 = 111;

/// The tiered scenario: `batches` batches of 999 live objects, 111 of each of nine sizes from
/// 8 to 256 B allocated in turn (8, 16, .., 256, 8, 16, ..), then freed in exactly the reverse
/// order. The byte allocators only: every size is served by one allocator, found from the
/// layout at run time.
fn tiered<C: Tiered>(batches: u64) -> Run {
    /// The handles of one size, with its pool.
    struct Tier<'p, T: Object, C: Contender<T>> {
        pool: &'p C::Pool,
        live: Vec<C::Handle<'p>>,
    }
    impl<'p, T: Object, C: Contender<T>> Tier<'p, T, C> {
        #[inline(always)]
        fn alloc(&mut self, i: u64) {
            self.live.push(C::alloc(self.pool, i));
        }
        #[inline(always)]
        fn free(&mut self) {
            let h = self.live.pop().expect("as many frees as allocations");
            C::free(self.pool, h);
        }
    }
    macro_rules! tiers {
        ($($name:ident: $t:ty),*) => {
            $(
                let pool = <C as Contender<$t>>::pool();
                let mut $name = Tier::<$t, C> {
                    pool: &pool,
                    live: Vec::with_capacity(PER_TIER as usize),
                };
            )*
            let clock = Stopwatch::start();
            for _ in 0..batches {
                for i in 0..PER_TIER {
                    $($name.alloc(i);)*
                }
                black_box(($(&$name.live,)*));
                for _ in 0..PER_TIER {
                    tiers!(@rev [$($name)*]);
                }
            }
            return Run {
                elapsed: clock.stop(),
                ops: batches * PER_TIER * 9,
                figures: None,
            };
        };
        (@rev [$first:ident $($rest:ident)*]) => {
            tiers!(@rev [$($rest)*]);
            $first.free();
        };
        (@rev []) => {};
    }
    tiers!(
        t8: Tier8, t16: Tier16, t32: Tier32, t48: Tier48, t64: Tier64, t96: Tier96,
        t128: Tier128, t192: Tier192, t256: Tier256
    );
}

/// The note under a table: the rows whose runs of one contender differ by more than 20%.
fn unsteady_note(rows: &[Row], table: &Table) -> String {
    let mut unsteady = String::new();
    for row in rows {
        for (contender, spread) in row.unsteady(table) {
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
    unsteady
}

fn main() {
    let mut quick = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            // Hidden: the report runs itself as a child with it (see memory.rs).
            memory::ARG => {
                let key = args.next().unwrap_or_default();
                std::process::exit(memory::child(&key));
            }
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
        machine::command_line("getconf", &["GNU_LIBC_VERSION"])
            .unwrap_or_else(|| "glibc".to_string())
    } else {
        format!("the {} C library's", std::env::consts::OS)
    };
    let cpu = machine::cpu_model();
    let cores =
        thread::available_parallelism().map_or_else(|_| "unknown".to_string(), |n| n.to_string());
    let rustc_version =
        machine::command_line(&rustc, &["--version"]).unwrap_or_else(|| "unknown".to_string());
    let date = machine::utc_date();
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
        (
            "bytes",
            format!(
                "the byte table: System, MiMalloc, {}{}PoolAlloc, each through GlobalAlloc",
                if cfg!(feature = "jemalloc") {
                    "Jemalloc, "
                } else {
                    ""
                },
                if cfg!(feature = "snmalloc") {
                    "SnMalloc, "
                } else {
                    ""
                }
            ),
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
    let title =
        "zokio-pool report: PoolBox and PoolAlloc against the allocators, same machine, same run";
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

    let scenarios = design_scenarios!(runs);
    let typed = typed_table();
    let rows: Vec<Row> = scenarios.iter().map(|s| measure(s, target)).collect();
    let table = render::table(&rows, &typed);
    let notes = "An op is one allocation and one free. Reuse rate and fragmentation: the pool's \
                 statistics at the peak of each scenario's working set (see the top of \
                 examples/report/main.rs).";
    let unsteady = unsteady_note(&rows, &typed);
    print!("{table}");
    println!();
    println!("{notes}");
    if !unsteady.is_empty() {
        println!();
        print!("{unsteady}");
    }

    // The byte allocators on the same scenarios, and the tiered sizes.
    let bytes = byte_table();
    let mut byte_scenarios = design_scenarios!(byte_runs);
    byte_scenarios.push(Scenario {
        name: "6. tiered sizes (8-256 B, 999 live, LIFO)",
        min_n: 10,
        runs: byte_runs!(tiered),
    });
    let byte_rows: Vec<Row> = byte_scenarios.iter().map(|s| measure(s, target)).collect();
    let byte_table_md = render::table(&byte_rows, &bytes);
    let left_out: Vec<&str> = [
        ("jemalloc", cfg!(feature = "jemalloc")),
        ("snmalloc", cfg!(feature = "snmalloc")),
    ]
    .iter()
    .filter(|(_, built)| !built)
    .map(|(name, _)| *name)
    .collect();
    let byte_notes = format!(
        "Each allocator called through its `GlobalAlloc` implementation (`alloc` + `dealloc` of \
         the object's layout: the `Box` path of a program whose `#[global_allocator]` it is), \
         in this process, the same work per contender.{}",
        if left_out.is_empty() {
            String::new()
        } else {
            format!(
                " Left out of this build: {} (run the report with `--features {}`; jemalloc's C \
                 library takes about two minutes to build).",
                left_out.join(" and "),
                left_out.join(",")
            )
        }
    );
    let byte_unsteady = unsteady_note(&byte_rows, &bytes);
    println!();
    println!("{}", render::BYTES_HEADING);
    println!();
    print!("{byte_table_md}");
    println!();
    println!("{byte_notes}");
    if !byte_unsteady.is_empty() {
        println!();
        print!("{byte_unsteady}");
    }
    let byte_section = format!(
        "{byte_table_md}\n{byte_notes}\n{}{byte_unsteady}",
        if byte_unsteady.is_empty() { "" } else { "\n" }
    );
    println!();

    // The memory scenario, each contender in a child process of its own.
    let memory = memory::measure();
    let memory_section = render::memory_section(&memory);
    println!();
    println!("{}", render::MEMORY_HEADING);
    println!();
    print!("{memory_section}");
    println!();

    // The files: the same tables with the machine, and the charts.
    let dir = render::report_dir();
    let subtitle = format!(
        "{cpu}, {cores} logical cores, {} {}; {rustc_version}, {profile}; {date}{}",
        std::env::consts::OS,
        std::env::consts::ARCH,
        if quick { "; --quick" } else { "" }
    );
    let md = render::markdown(
        title,
        &machine,
        &table,
        notes,
        &unsteady,
        &byte_section,
        &memory_section,
    );
    let tsv = render::tsv(&rows, &typed, "") + &render::tsv(&byte_rows, &bytes, "PoolAlloc ");
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(dir.join("report.md"), md)?;
        std::fs::write(dir.join("report.tsv"), tsv)?;
        std::fs::write(
            dir.join("report.svg"),
            render::svg(
                &[
                    (
                        &rows,
                        &typed,
                        "PoolBox against the allocators (typed pools)",
                    ),
                    (
                        &byte_rows,
                        &bytes,
                        "PoolAlloc against the allocators (the byte allocator)",
                    ),
                ],
                &subtitle,
                &memory,
            ),
        )
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
