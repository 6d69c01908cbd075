//! The byte allocator against general allocators, each as the program's `#[global_allocator]`:
//! Rust ports of mimalloc-bench's programs and two real programs.
//!
//! ```text
//! cargo run --release --example alloc_bench                     # every program, 3 runs each
//! cargo run --release --example alloc_bench -- --runs 5 larson  # some programs
//! cargo run --release --features jemalloc --example alloc_bench # with jemalloc
//! cargo run --release --features jemalloc,snmalloc --example alloc_bench # and snmalloc
//! # some allocators only, many runs: peak RSS quartiles of a program whose RSS is close
//! cargo run --release --features jemalloc --example alloc_bench -- --runs 60 --allocators pool,jemalloc mstress
//! ```
//!
//! One binary serves every allocator: its global allocator is a switch that forwards every call
//! to the allocator named by `ZOKIO_BENCH_ALLOC` (`glibc`, `mimalloc`, `pool`, `jemalloc`,
//! `snmalloc`), read
//! once, at the process's first allocation (before `main`, on one thread, with `getenv`, which
//! does not allocate). `pool-thp` is the byte allocator with huge pages on
//! (`ZOKIO_POOL_HUGE_PAGES=1`), as mimalloc has them by default. The driver runs itself once per program, allocator and run, and reads
//! back the child's time and peak RSS (`getrusage`): each program runs in a fresh process, the
//! same binary otherwise. The switch's branch is the same for every allocator.
//!
//! The programs are in `programs.rs`, each with the original's parameters and what was scaled.
//! The table gives, per program, the median time of the runs and each allocator's time over
//! mimalloc's (below 1 is faster), and the median peak RSS.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::time::Instant;

use mimalloc::MiMalloc;
use zokio_pool::PoolAlloc;

mod programs;

/// The allocators, by the name `ZOKIO_BENCH_ALLOC` takes.
const ALLOCATORS: &[&str] = &[
    "glibc",
    "mimalloc",
    #[cfg(feature = "jemalloc")]
    "jemalloc",
    #[cfg(feature = "snmalloc")]
    "snmalloc",
    "pool",
    "pool-thp",
];

const UNSET: u8 = 0;
const GLIBC: u8 = 1;
const MIMALLOC: u8 = 2;
const POOL: u8 = 3;
#[cfg(feature = "jemalloc")]
const JEMALLOC: u8 = 4;
#[cfg(feature = "snmalloc")]
const SNMALLOC: u8 = 5;

static WHICH: AtomicU8 = AtomicU8::new(UNSET);

/// The allocator this process uses, chosen at its first allocation.
#[inline(always)]
fn which() -> u8 {
    let w = WHICH.load(Relaxed);
    if w != UNSET {
        return w;
    }
    choose()
}

#[cold]
fn choose() -> u8 {
    // SAFETY: a NUL-terminated name; `getenv` reads the environment without allocating. It
    // runs at the first allocation, before `main` and before any thread exists, so nothing
    // changes the environment meanwhile.
    let value = unsafe { libc::getenv(c"ZOKIO_BENCH_ALLOC".as_ptr()) };
    let name = if value.is_null() {
        &b"glibc"[..]
    } else {
        // SAFETY: `getenv` returned a NUL-terminated string.
        unsafe { std::ffi::CStr::from_ptr(value) }.to_bytes()
    };
    let w = match name {
        b"mimalloc" => MIMALLOC,
        b"pool" => POOL,
        #[cfg(feature = "jemalloc")]
        b"jemalloc" => JEMALLOC,
        #[cfg(feature = "snmalloc")]
        b"snmalloc" => SNMALLOC,
        _ => GLIBC,
    };
    WHICH.store(w, Relaxed);
    w
}

/// Forwards to the allocator of [`which`].
struct Switch;

#[cfg(feature = "jemalloc")]
static JEMALLOC_ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

macro_rules! forward {
    ($method:ident($($arg:expr),*)) => {
        match which() {
            MIMALLOC => MiMalloc.$method($($arg),*),
            POOL => PoolAlloc::new().$method($($arg),*),
            #[cfg(feature = "jemalloc")]
            JEMALLOC => JEMALLOC_ALLOC.$method($($arg),*),
            #[cfg(feature = "snmalloc")]
            SNMALLOC => snmalloc_rs::SnMalloc.$method($($arg),*),
            _ => System.$method($($arg),*),
        }
    };
}

// SAFETY: every call goes to the one allocator chosen before the first allocation and never
// changed after, so each block is freed or resized by the allocator that made it; each of them
// is a `GlobalAlloc`, whose contract the caller's arguments meet.
unsafe impl GlobalAlloc for Switch {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded (see the impl).
        unsafe { forward!(alloc(layout)) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded (see the impl).
        unsafe { forward!(dealloc(ptr, layout)) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded (see the impl).
        unsafe { forward!(alloc_zeroed(layout)) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded (see the impl).
        unsafe { forward!(realloc(ptr, layout, new_size)) }
    }
}

#[global_allocator]
static ALLOC: Switch = Switch;

/// The process's resource usage so far (`getrusage`).
fn rusage() -> libc::rusage {
    // SAFETY: `getrusage` fills the zeroed struct it is given (plain data: all zeroes is a
    // valid value of it).
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    }
}

/// The process's peak resident set, in KiB.
fn peak_rss_kib() -> u64 {
    rusage().ru_maxrss as u64
}

fn usage() -> ! {
    eprintln!(
        "usage: alloc_bench [--runs N] [--allocators a,b,...] [program ...]\n       alloc_bench --child <program>\nprograms: {}",
        programs::ALL
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let name = args.get(1).unwrap_or_else(|| usage());
        let program = programs::ALL
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| usage());
        let start = Instant::now();
        let check = (program.run)();
        let seconds = start.elapsed().as_secs_f64();
        println!("{seconds:.6} {} {check}", peak_rss_kib());
        return;
    }
    let mut runs = 3;
    let mut allocators: Vec<&str> = ALLOCATORS.to_vec();
    let mut names = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        if a == "--runs" {
            runs = it
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| usage());
        } else if a == "--allocators" {
            let list = it.next().unwrap_or_else(|| usage());
            allocators = list
                .split(',')
                .map(|n| {
                    *ALLOCATORS
                        .iter()
                        .find(|&&a| a == n)
                        .unwrap_or_else(|| usage())
                })
                .collect();
        } else {
            names.push(a);
        }
    }
    let chosen: Vec<&programs::Program> = if names.is_empty() {
        programs::ALL.iter().collect()
    } else {
        names
            .iter()
            .map(|n| {
                programs::ALL
                    .iter()
                    .find(|p| p.name == n)
                    .unwrap_or_else(|| usage())
            })
            .collect()
    };
    let exe = std::env::current_exe().expect("the benchmark's own path");
    // Times are over mimalloc's, or over the first allocator's when mimalloc is left out.
    let base = allocators
        .iter()
        .position(|&a| a == "mimalloc")
        .unwrap_or(0);
    println!(
        "{runs} runs per program and allocator, allocators interleaved; time: median (over {}'s median; fastest-slowest run); RSS: median peak",
        allocators[base]
    );
    println!();
    let mut header = String::from("| program |");
    let mut rule = String::from("|---|");
    for a in &allocators {
        header += &format!(" {a} |");
        rule += "---:|";
    }
    println!("{header}");
    println!("{rule}");
    let mut rss_rows = Vec::new();
    for program in chosen {
        // Interleaved: run k of every allocator, then run k + 1, so that a slow phase of the
        // machine lands on all of them.
        let mut times = vec![Vec::new(); allocators.len()];
        let mut rss = vec![Vec::new(); allocators.len()];
        for _ in 0..runs {
            for (i, a) in allocators.iter().enumerate() {
                // `pool-thp`: the byte allocator with huge pages on (`ZOKIO_POOL_HUGE_PAGES`).
                let (alloc, huge) = match *a {
                    "pool-thp" => ("pool", "1"),
                    other => (other, "0"),
                };
                let out = Command::new(&exe)
                    .args(["--child", program.name])
                    .env("ZOKIO_BENCH_ALLOC", alloc)
                    .env("ZOKIO_POOL_HUGE_PAGES", huge)
                    .output()
                    .expect("the benchmark runs itself");
                assert!(
                    out.status.success(),
                    "{} under {a} failed: {}",
                    program.name,
                    String::from_utf8_lossy(&out.stderr)
                );
                let line = String::from_utf8_lossy(&out.stdout);
                let mut fields = line.split_whitespace();
                let t: f64 = fields.next().and_then(|f| f.parse().ok()).expect("a time");
                let r: u64 = fields.next().and_then(|f| f.parse().ok()).expect("an RSS");
                times[i].push(t);
                rss[i].push(r);
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let medians: Vec<f64> = times.iter_mut().map(median).collect();
        // `median` sorted each allocator's times: the first and last are the spread.
        let mut row = format!("| {} |", program.name);
        let mut rss_row = format!("| {} |", program.name);
        for (i, t) in medians.iter().enumerate() {
            let mut mib: Vec<f64> = rss[i].iter().map(|&k| k as f64 / 1024.0).collect();
            let r = median(&mut mib);
            // `median` sorted `mib`: the quartiles by the same rank rule.
            let q = |k: usize| mib[k * mib.len() / 4];
            rss_row += &format!(" {r:.2} [{:.2}-{:.2}] |", q(1), q(3));
            let (lo, hi) = (times[i][0], times[i][times[i].len() - 1]);
            row += &format!(
                " {:.3} s ({:.2}x; {:.3}-{:.3}), {:.0} MiB |",
                t,
                t / medians[base],
                lo,
                hi,
                r
            );
        }
        println!("{row}");
        rss_rows.push(rss_row);
    }
    println!();
    println!("Peak RSS in MiB: median [first-third quartile] of the {runs} runs");
    println!();
    println!("{header}");
    println!("{rule}");
    for row in rss_rows {
        println!("{row}");
    }
    println!();
    for p in programs::ALL {
        println!("- {}: {}", p.name, p.about);
    }
}
