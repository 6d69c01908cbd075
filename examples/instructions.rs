//! Runs one hot-path contender `N` times, for instruction counting under callgrind:
//! `scripts/instructions.sh` runs it with `N` and with 0 and divides the difference by `N`.
//!
//! `cargo run --release --example instructions -- <contender> <N>`, where contender is
//! `{pool,box,mimalloc,free-list}-{64,4096}[-lifo|-fifo]` (a batch of 1,000 live objects,
//! counted per object) or `list` to print the names.

#[path = "../benches/contenders/mod.rs"]
mod contenders;

use contenders::{batch, pair, Contender, FreeList, Mimalloc, Page, Pool, Small, SystemBox};

const BATCH: u64 = 1_000;

fn run_pairs<C: Contender>(n: u64) {
    pair::<C>(0); // first use: registers the cache, reserves a chunk
    for i in 0..n {
        pair::<C>(i);
    }
}

fn run_batches<C: Contender>(n: u64, lifo: bool) {
    let mut v = Vec::with_capacity(BATCH as usize);
    batch::<C>(&mut v, BATCH, lifo); // warm up to the steady state
    for _ in 0..n / BATCH {
        batch::<C>(&mut v, BATCH, lifo);
    }
}

fn run<C: Contender>(shape: &str, n: u64) {
    match shape {
        "" => run_pairs::<C>(n),
        "-lifo" => run_batches::<C>(n, true),
        "-fifo" => run_batches::<C>(n, false),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: instructions <pool|box|mimalloc|free-list>-<64|4096>[-lifo|-fifo] <N>");
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| usage());
    if name == "list" {
        for c in ["pool", "box", "mimalloc", "free-list"] {
            for s in ["64", "4096"] {
                for shape in ["", "-lifo", "-fifo"] {
                    println!("{c}-{s}{shape}");
                }
            }
        }
        return;
    }
    let n: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| usage());
    let (contender, rest) = name.split_once('-').unwrap_or_else(|| usage());
    let (contender, rest) = if contender == "free" {
        rest.strip_prefix("list-")
            .map(|r| ("free-list", r))
            .unwrap_or_else(|| usage())
    } else {
        (contender, rest)
    };
    let (size, shape) = match rest.find('-') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    match (contender, size) {
        ("pool", "64") => run::<(Pool, Small)>(shape, n),
        ("box", "64") => run::<(SystemBox, Small)>(shape, n),
        ("mimalloc", "64") => run::<(Mimalloc, Small)>(shape, n),
        ("free-list", "64") => run::<(FreeList, Small)>(shape, n),
        ("pool", "4096") => run::<(Pool, Page)>(shape, n),
        ("box", "4096") => run::<(SystemBox, Page)>(shape, n),
        ("mimalloc", "4096") => run::<(Mimalloc, Page)>(shape, n),
        ("free-list", "4096") => run::<(FreeList, Page)>(shape, n),
        _ => usage(),
    }
}
