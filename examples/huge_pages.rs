//! Huge pages on and off, side by side: a 1 GiB working set of pooled objects touched at random.
//!
//! `cargo run --release --example huge_pages` runs six child processes of itself, alternately
//! with `ZOKIO_POOL_HUGE_PAGES=0` and `=1` (the page heap reads it when it maps its first
//! segment; `zokio_pool::set_huge_pages` does the same from code). Each child allocates
//! 4,194,304 objects of 256 B (1 GiB of slots) with `PoolBox::new`, then does 20,000,000
//! read-modify-writes of one word of an object chosen by a xorshift generator (the same seed in
//! every child), and reports the time of both phases and the `AnonHugePages` line of
//! `/proc/self/smaps_rollup` (how much of the process is backed by 2 MiB pages). The parent
//! prints each mode's median and range over its three runs, and their ratio. Linux only.
//!
//! With transparent huge pages in `madvise` mode (the usual default), only memory advised
//! `MADV_HUGEPAGE` gets huge pages: with the switch off, the pool's segments get none.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use zokio_pool::{PoolBox, Pooled};

const OBJECTS: usize = 4 << 20;
const TOUCHES: usize = 20_000_000;
const RUNS: usize = 3;

#[derive(Pooled)]
struct Object {
    words: [u64; 32],
}

fn anon_huge_pages_kib() -> u64 {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("AnonHugePages:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn child() {
    let start = Instant::now();
    let objects: Vec<PoolBox<Object>> = (0..OBJECTS)
        .map(|i| {
            PoolBox::new(Object {
                words: [i as u64; 32],
            })
        })
        .collect();
    let build = start.elapsed();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..TOUCHES {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % OBJECTS as u64) as usize;
        // One load and one store in a random object: a TLB miss for most touches with 4 KiB
        // pages (1 GiB spans 262,144 of them), a page walk of one level fewer with 2 MiB pages.
        let w = &objects[i].words[(x >> 59) as usize];
        sum = sum.wrapping_add(*w);
    }
    let touch = start.elapsed();
    black_box(sum);
    println!(
        "CHILD {} {} {} {}",
        build.as_nanos(),
        touch.as_nanos(),
        anon_huge_pages_kib(),
        zokio_pool::huge_pages()
    );
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

fn main() {
    if std::env::args().any(|a| a == "--child") {
        child();
        return;
    }
    if !cfg!(target_os = "linux") {
        println!("huge pages are measured on Linux only");
        return;
    }
    let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .unwrap_or_else(|_| "unknown".into());
    println!("transparent huge pages: {}", thp.trim());
    let exe = std::env::current_exe().expect("this example");
    // (build ms, ns per touch, AnonHugePages MiB) per run, for off and on.
    let mut results: [Vec<(f64, f64, f64)>; 2] = [vec![], vec![]];
    for run in 0..2 * RUNS {
        let on = run % 2;
        let out = Command::new(&exe)
            .arg("--child")
            .env("ZOKIO_POOL_HUGE_PAGES", on.to_string())
            .output()
            .expect("a child run");
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("CHILD "))
            .unwrap_or_else(|| panic!("child output: {text}"));
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f[3], if on == 1 { "true" } else { "false" }, "the switch");
        let n = |s: &str| s.parse::<f64>().expect("a number");
        results[on].push((n(f[0]) / 1e6, n(f[1]) / TOUCHES as f64, n(f[2]) / 1024.0));
    }
    println!(
        "1 GiB of 256 B pooled objects ({OBJECTS} objects), {TOUCHES} random touches; median [min-max] of {RUNS} runs each, interleaved"
    );
    println!("| huge pages | build (ms) | ns per touch | AnonHugePages (MiB) |");
    println!("|---|---:|---:|---:|");
    let mut touch = [0.0; 2];
    for (on, runs) in results.iter().enumerate() {
        let b = median(runs.iter().map(|r| r.0).collect());
        let t = median(runs.iter().map(|r| r.1).collect());
        let h = median(runs.iter().map(|r| r.2).collect());
        touch[on] = t.1;
        println!(
            "| {} | {:.0} [{:.0}-{:.0}] | {:.1} [{:.1}-{:.1}] | {:.0} [{:.0}-{:.0}] |",
            if on == 1 { "on" } else { "off" },
            b.1,
            b.0,
            b.2,
            t.1,
            t.0,
            t.2,
            h.1,
            h.0,
            h.2
        );
    }
    println!(
        "touches with huge pages: {:.2}x the speed without (median over median)",
        touch[0] / touch[1]
    );
}
