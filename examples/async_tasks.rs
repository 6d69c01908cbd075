//! Pooled futures on tokio: many tasks whose state is 1-5 KiB, spawned as `Box::pin(state)`
//! (the usual way to erase or pin a future) and as `PoolBox::pin(state)`, with the allocations
//! each way costs counted by a counting global allocator.
//!
//! `cargo run --release --example async_tasks` (add `-- --quick` for a short run).
//!
//! Each task is a hand-written future (as the futures of a protocol implementation often are)
//! holding a buffer of 1, 2, 3, 4 or 5 KiB: it fills the buffer, yields once, and checksums it.
//! The tasks are spawned in waves of 1,000 on a current-thread runtime and awaited; tokio
//! allocates its own task cell for each spawn either way. What differs is where the 1-5 KiB state
//! lives: in a fresh heap allocation for every `Box::pin`, or in a slot of the state type's pool,
//! reused from wave to wave.

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use zokio_pool::{PoolBox, Pooled};

/// The system allocator, counting allocations and bytes.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are only
// statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size, Relaxed);
        // SAFETY: forwarded from the caller.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A task's state: a buffer of `N` bytes, filled, then checksummed after one yield.
macro_rules! session {
    ($name:ident, $n:expr) => {
        #[derive(Pooled)]
        struct $name {
            seed: u8,
            yielded: bool,
            buf: [u8; $n],
        }

        impl $name {
            fn new(seed: u8) -> Self {
                $name {
                    seed,
                    yielded: false,
                    buf: [0; $n],
                }
            }
        }

        impl Future for $name {
            type Output = u64;

            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
                if !self.yielded {
                    let seed = self.seed;
                    for (i, b) in self.buf.iter_mut().enumerate() {
                        *b = seed.wrapping_add(i as u8);
                    }
                    self.yielded = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Ready(self.buf.iter().map(|&b| b as u64).sum())
            }
        }
    };
}

session!(Session1K, 1024);
session!(Session2K, 2048);
session!(Session3K, 3072);
session!(Session4K, 4096);
session!(Session5K, 5120);

const WAVE: usize = 1_000;

/// How the state of each task is allocated.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    BoxPin,
    PoolBoxPin,
}

/// Spawns one wave of tasks and awaits them; returns the sum of their results.
async fn wave(mode: Mode, round: usize) -> u64 {
    let mut handles = Vec::with_capacity(WAVE);
    for i in 0..WAVE {
        let seed = (round + i) as u8;
        macro_rules! spawn {
            ($t:ident) => {
                match mode {
                    Mode::BoxPin => handles.push(tokio::spawn(Box::pin($t::new(seed)))),
                    Mode::PoolBoxPin => handles.push(tokio::spawn(PoolBox::pin($t::new(seed)))),
                }
            };
        }
        match i % 5 {
            0 => spawn!(Session1K),
            1 => spawn!(Session2K),
            2 => spawn!(Session3K),
            3 => spawn!(Session4K),
            _ => spawn!(Session5K),
        }
    }
    let mut sum = 0;
    for h in handles {
        sum += h.await.expect("the task ran to completion");
    }
    sum
}

struct Run {
    allocations: usize,
    bytes: usize,
    elapsed: Duration,
    checksum: u64,
}

fn run(rt: &tokio::runtime::Runtime, mode: Mode, waves: usize) -> Run {
    rt.block_on(wave(mode, 0)); // warm-up: the pools reserve their chunks, tokio its queues
    let (a0, b0) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    let start = Instant::now();
    let mut checksum = 0;
    for round in 0..waves {
        checksum += rt.block_on(wave(mode, round));
    }
    Run {
        allocations: ALLOCATIONS.load(Relaxed) - a0,
        bytes: BYTES.load(Relaxed) - b0,
        elapsed: start.elapsed(),
        checksum,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let waves = if quick { 20 } else { 200 };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");

    let boxed = run(&rt, Mode::BoxPin, waves);
    let pooled = run(&rt, Mode::PoolBoxPin, waves);
    assert_eq!(
        boxed.checksum, pooled.checksum,
        "both ways compute the same"
    );

    let tasks = (waves * WAVE) as f64;
    println!(
        "{} tasks ({waves} waves of {WAVE}) with 1-5 KiB of state each, on a current-thread tokio runtime",
        waves * WAVE
    );
    println!();
    println!("| spawned as          | allocations/task | bytes allocated/task | ns/task |");
    println!("|---------------------|-----------------:|---------------------:|--------:|");
    for (name, r) in [
        ("Box::pin(state)", &boxed),
        ("PoolBox::pin(state)", &pooled),
    ] {
        println!(
            "| {name:<19} | {:>16.2} | {:>20.0} | {:>7.0} |",
            r.allocations as f64 / tasks,
            r.bytes as f64 / tasks,
            r.elapsed.as_nanos() as f64 / tasks,
        );
    }
    println!();
    println!(
        "PoolBox::pin saved {} allocations ({:.1} MiB) over {} tasks: {:.2} per task.",
        boxed.allocations.saturating_sub(pooled.allocations),
        boxed.bytes.saturating_sub(pooled.bytes) as f64 / (1 << 20) as f64,
        waves * WAVE,
        (boxed.allocations as f64 - pooled.allocations as f64) / tasks,
    );
    let s = [
        Session1K::pool_stats(),
        Session2K::pool_stats(),
        Session3K::pool_stats(),
        Session4K::pool_stats(),
        Session5K::pool_stats(),
    ];
    let reused: usize = s.iter().map(|s| s.reused).sum();
    let handed: usize = s.iter().map(|s| s.reused + s.allocated).sum();
    let reserved: usize = s.iter().map(|s| s.reserved_bytes).sum();
    println!(
        "The five state pools handed out {handed} states, {:.2}% of them in reused slots, from {:.1} KiB reserved.",
        100.0 * reused as f64 / handed as f64,
        reserved as f64 / 1024.0
    );
    println!(
        "Timing is one run on this machine ({}): compare the two rows, not with other machines.",
        if cfg!(debug_assertions) {
            "debug build: figures meaningless"
        } else {
            "release build"
        }
    );
}
