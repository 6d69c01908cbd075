//! The memory targets, measured as the OS sees them: resident set size (RSS, from
//! `/proc/self/statm`), each scenario in a child process of its own (this test binary run
//! again with `ZOKIO_POOL_RSS_CHILD` set), so that the RSS is the scenario's alone.
//!
//! - After a burst of 1,000,000 live 64 B objects, all dropped, `trim()` brings RSS back within
//!   10% + 1 MiB of where it started.
//! - A burst of 500,000 objects of a 128 B type after that peaks at no more than the first
//!   burst's peak + 10%: the first type's memory serves the second.
//!
//! - With the background trimmer on (`spawn_trimmer`), the same burst, dropped, is back within
//!   10% + 1 MiB of the start within 2 s, with no call from the program; and once the first
//!   type has been idle for the policy's intervals, the 128 B burst peaks within 10% of the
//!   first peak, again with no call.
//!
//! Linux only (`/proc`), and only where the pool holds memory itself: not in checking mode,
//! where every object is an allocation of the global allocator, nor under AddressSanitizer
//! (`--cfg zokio_pool_asan`), whose heap keeps freed memory in quarantine.
#![cfg(all(target_os = "linux", not(miri), not(zokio_pool_asan)))]

use std::process::Command;

use zokio_pool::{PoolBox, Pooled, CHECKING_MODE};

const CHILD: &str = "ZOKIO_POOL_RSS_CHILD";
const MIB: f64 = 1024.0 * 1024.0;

/// Resident bytes of this process now.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .expect("statm's second field: resident pages");
    // The page size of every Linux target the CI runs on; statm counts in pages.
    pages * 4096
}

#[derive(Pooled)]
struct Object64 {
    id: u64,
    _rest: [u64; 7],
}

#[derive(Pooled)]
struct Object128 {
    id: u64,
    _rest: [u64; 15],
}

/// Writes a child's readings where the parent finds them: the file `CHILD` names (the test
/// harness captures a test's output).
fn report(readings: &[usize]) {
    let line: Vec<String> = readings.iter().map(usize::to_string).collect();
    let path = std::env::var_os(CHILD).expect("the child's output file");
    std::fs::write(path, format!("RSS {}\n", line.join(" "))).expect("the output file");
}

/// Runs test `test` in a child process and returns the readings it reports, in bytes. One child
/// at a time: the scenarios' timings must not share the machine with each other.
fn in_child(test: &str) -> Vec<usize> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let file = std::env::temp_dir().join(format!("zokio-pool-rss-{}-{test}", std::process::id()));
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args([test, "--exact", "--test-threads=1"])
        .env(CHILD, &file)
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).expect("the child's readings");
    let _ = std::fs::remove_file(&file);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RSS "))
        .unwrap_or_else(|| panic!("no RSS line in the child's output: {text}"));
    line.split_whitespace()
        .map(|n| n.parse().expect("a byte count"))
        .collect()
}

#[test]
fn a_burst_dropped_and_trimmed_gives_its_memory_back_and_serves_another_type() {
    const TEST: &str = "a_burst_dropped_and_trimmed_gives_its_memory_back_and_serves_another_type";
    if CHECKING_MODE {
        return;
    }
    if std::env::var_os(CHILD).is_some() {
        let before = rss();
        let burst: Vec<_> = (0..1_000_000)
            .map(|id| PoolBox::new(Object64 { id, _rest: [0; 7] }))
            .collect();
        let peak = rss();
        assert_eq!(burst[999_999].id, 999_999);
        drop(burst);
        let dropped = rss();
        zokio_pool::trim();
        let trimmed = rss();
        let second: Vec<_> = (0..500_000)
            .map(|id| PoolBox::new(Object128 { id, _rest: [0; 15] }))
            .collect();
        let second_peak = rss();
        assert_eq!(second[499_999].id, 499_999);
        drop(second);
        report(&[before, peak, dropped, trimmed, second_peak]);
        return;
    }
    let r = in_child(TEST);
    let [before, peak, dropped, trimmed, second_peak] = r[..] else {
        panic!("five readings: {r:?}")
    };
    let mib = |b: usize| b as f64 / MIB;
    let shown = format!(
        "before {:.1} MiB, peak {:.1}, dropped {:.1}, trimmed {:.1}, second burst's peak {:.1}",
        mib(before),
        mib(peak),
        mib(dropped),
        mib(trimmed),
        mib(second_peak)
    );
    println!("{shown}");
    assert!(peak > before + (60 << 20), "the burst is resident: {shown}");
    assert!(
        trimmed as f64 <= before as f64 * 1.1 + MIB,
        "trim gives the burst back: {shown}"
    );
    assert!(
        second_peak as f64 <= peak as f64 * 1.1,
        "the second type reuses the first one's memory: {shown}"
    );
}

#[test]
fn with_the_trimmer_on_an_idle_program_gives_a_burst_back_within_two_seconds() {
    const TEST: &str = "with_the_trimmer_on_an_idle_program_gives_a_burst_back_within_two_seconds";
    if CHECKING_MODE {
        return;
    }
    if std::env::var_os(CHILD).is_some() {
        zokio_pool::spawn_trimmer().expect("the trimmer thread");
        let before = rss();
        let burst: Vec<_> = (0..1_000_000)
            .map(|id| PoolBox::new(Object64 { id, _rest: [0; 7] }))
            .collect();
        let peak = rss();
        drop(burst);
        // Idle from here: no pool operation, no call; the RSS is read every 10 ms.
        let idle = std::time::Instant::now();
        let target = before as f64 * 1.1 + MIB;
        let mut now = rss();
        while now as f64 > target && idle.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::sleep(std::time::Duration::from_millis(10));
            now = rss();
        }
        let millis = idle.elapsed().as_millis() as usize;
        report(&[before, peak, now, millis]);
        return;
    }
    let r = in_child(TEST);
    let [before, peak, after, millis] = r[..] else {
        panic!("four readings: {r:?}")
    };
    let mib = |b: usize| b as f64 / MIB;
    let shown = format!(
        "before {:.1} MiB, peak {:.1}, {:.1} after {millis} ms idle",
        mib(before),
        mib(peak),
        mib(after)
    );
    println!("{shown}");
    assert!(peak > before + (60 << 20), "the burst is resident: {shown}");
    // The target is a release build's (CI runs this test with `--release` too); a debug
    // build's reaping of a million slots is several times slower.
    let limit = if cfg!(debug_assertions) { 4000 } else { 2000 };
    assert!(
        after as f64 <= before as f64 * 1.1 + MIB && millis <= limit,
        "back within {limit} ms of going idle: {shown}"
    );
}

#[test]
fn without_a_trim_call_an_idle_types_memory_serves_the_next_type() {
    const TEST: &str = "without_a_trim_call_an_idle_types_memory_serves_the_next_type";
    if CHECKING_MODE {
        return;
    }
    if std::env::var_os(CHILD).is_some() {
        zokio_pool::spawn_trimmer().expect("the trimmer thread");
        let burst: Vec<_> = (0..1_000_000)
            .map(|id| PoolBox::new(Object64 { id, _rest: [0; 7] }))
            .collect();
        let peak = rss();
        drop(burst);
        // The first type stays idle for the policy's intervals (no call from the program).
        std::thread::sleep(4 * zokio_pool::TRIM_INTERVAL);
        let second: Vec<_> = (0..500_000)
            .map(|id| PoolBox::new(Object128 { id, _rest: [0; 15] }))
            .collect();
        let second_peak = rss();
        assert_eq!(second[499_999].id, 499_999);
        drop(second);
        report(&[peak, second_peak]);
        return;
    }
    let r = in_child(TEST);
    let [peak, second_peak] = r[..] else {
        panic!("two readings: {r:?}")
    };
    let shown = format!(
        "first peak {:.1} MiB, second type's peak {:.1} MiB",
        peak as f64 / MIB,
        second_peak as f64 / MIB
    );
    println!("{shown}");
    assert!(
        second_peak as f64 <= peak as f64 * 1.1,
        "the idle type's memory went back and served the second: {shown}"
    );
}
