//! The huge-page switch, on and off, each in a child process of its own (the switch is read
//! when the page heap maps its first segment): with it on, the pool's segments are backed by
//! 2 MiB pages (`AnonHugePages` in `/proc/self/smaps_rollup`) and a trim gives back whole
//! segments only; with it off, they get none (in the kernel's usual `madvise` mode, only memory
//! advised `MADV_HUGEPAGE` gets huge pages). Linux only, real pool only.
#![cfg(all(target_os = "linux", not(miri), not(zokio_pool_asan)))]

use std::process::Command;

use zokio_pool::{heap_stats, PoolBox, Pooled, CHECKING_MODE};

const CHILD: &str = "ZOKIO_POOL_HUGE_CHILD";

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

/// The kernel's transparent huge page mode: `always`, `madvise` or `never`.
fn thp_mode() -> Option<String> {
    let text = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").ok()?;
    let start = text.find('[')? + 1;
    let end = text.find(']')?;
    Some(text[start..end].to_owned())
}

/// Runs the child half of this test with the switch `on`; returns (AnonHugePages KiB with
/// 16 MiB of objects live, bytes released to the OS by a trim with one object still live).
fn child_readings(on: bool) -> (u64, usize) {
    let file = std::env::temp_dir().join(format!("zokio-pool-huge-{}-{on}", std::process::id()));
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["the_switch_turns_huge_pages_on_and_off", "--exact"])
        .env(CHILD, &file)
        .env("ZOKIO_POOL_HUGE_PAGES", if on { "1" } else { "0" })
        .output()
        .expect("the test binary runs again");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).expect("the child's readings");
    let _ = std::fs::remove_file(&file);
    let v: Vec<u64> = text
        .split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect();
    (v[0], v[1] as usize)
}

#[test]
fn the_switch_turns_huge_pages_on_and_off() {
    if CHECKING_MODE {
        return;
    }
    if let Some(file) = std::env::var_os(CHILD) {
        let mut objects: Vec<_> = (0..65_536)
            .map(|i| PoolBox::new(Object { words: [i; 32] }))
            .collect();
        let huge = anon_huge_pages_kib();
        let keep = objects.swap_remove(0);
        drop(objects);
        let released = {
            zokio_pool::trim();
            heap_stats().released_bytes
        };
        assert_eq!(keep.words[31], 0);
        std::fs::write(file, format!("{huge} {released}")).expect("the readings file");
        return;
    }
    let Some(mode) = thp_mode() else { return };
    if mode == "never" {
        return;
    }
    let (huge_on, released_on) = child_readings(true);
    let (huge_off, released_off) = child_readings(false);
    println!("AnonHugePages: {huge_on} KiB on, {huge_off} KiB off (mode {mode})");
    assert!(
        huge_on >= 8 * 1024,
        "16 MiB of objects on huge pages: {huge_on} KiB"
    );
    if mode == "madvise" {
        assert_eq!(huge_off, 0, "no huge page unless advised");
    }
    // A trim with one object live: off, the free pages of its segment are released; on, that
    // segment stays whole (the others, with no page in use, are unmapped either way).
    assert_eq!(released_on, 0);
    assert!(released_off > 0);
}
