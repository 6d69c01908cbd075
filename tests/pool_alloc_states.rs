//! `PoolAlloc` as the global allocator in two states a test harness cannot reach, so this test
//! has no harness (`harness = false` in Cargo.toml) and is single-threaded until it chooses:
//!
//! - **before `main`**: a constructor in `.init_array` (Linux) allocates and frees through the
//!   byte allocator before the Rust runtime has started `main`: small classes, a page run,
//!   a mapping; one block it allocates is freed in `main`.
//! - **across `fork`** of a single-threaded process: the parent holds blocks of several
//!   classes and sizes, forks, and the child reads them, frees them, allocates thousands more
//!   (each with a pattern of its own, checked, so no slot is handed out twice), starts and
//!   joins a thread that does the same, and exits with a status the parent checks. The
//!   parent's blocks are intact after the child is done, and freed by the parent.
//!
//! - **a thread whose first act is to free another thread's block** (Hoard's cache-scratch):
//!   the main thread allocates two blocks of a class nothing else here uses, next to each
//!   other; two threads, running at once, each free one and then allocate and free a block of
//!   that class a hundred times. Neither works on the block it freed nor on the other's: a
//!   foreign block goes to the class's depot, and the thread starts from never-used slots
//!   (no passive false sharing). Skipped in checking mode, where blocks are the system's.
//!
//! Under Miri (no `fork`, no constructors) it says so and passes without running any part.

use std::alloc::{GlobalAlloc, Layout};
use std::process::ExitCode;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use zokio_pool::{PoolAlloc, CHECKING_MODE};

// (With the runtime's `global-alloc-for-tests` feature it installs it itself.)
#[cfg_attr(not(feature = "global-alloc-for-tests"), global_allocator)]
static ALLOC: PoolAlloc = PoolAlloc::new();

/// The sizes both parts allocate: small classes (8 B to 32 KiB), page runs, a mapping.
const SIZES: [usize; 10] = [
    1,
    24,
    64,
    200,
    1000,
    4096,
    30_000,
    100_000,
    600_000,
    3 << 20,
];

/// Fills `len` bytes at `p` with a pattern of `seed`.
///
/// # Safety
/// `p` is valid for writes of `len` bytes.
unsafe fn fill(p: *mut u8, len: usize, seed: usize) {
    for i in (0..len).step_by(61).chain([len - 1]) {
        // SAFETY: `i < len` (the caller's contract covers `len` bytes).
        unsafe { p.add(i).write((seed ^ i) as u8) };
    }
}

/// Whether the pattern [`fill`] wrote is there.
///
/// # Safety
/// `p` is valid for reads of `len` bytes, written by `fill`.
unsafe fn holds(p: *const u8, len: usize, seed: usize) -> bool {
    (0..len)
        .step_by(61)
        .chain([len - 1])
        // SAFETY: `i < len` (the caller's contract).
        .all(|i| unsafe { p.add(i).read() } == (seed ^ i) as u8)
}

/// `count` blocks of each of [`SIZES`] (the large ones once), each filled with a pattern of its
/// own; checks every pattern once all are live (two blocks that overlap would overwrite each
/// other's), then frees them. Returns the number of blocks that failed.
fn churn(count: usize, seed: usize) -> usize {
    let mut blocks = Vec::new();
    for (k, &size) in SIZES.iter().enumerate() {
        let n = if size > 32 * 1024 { 1 } else { count };
        for j in 0..n {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: a non-zero size.
            let p = unsafe { ALLOC.alloc(layout) };
            if p.is_null() {
                return usize::MAX;
            }
            let s = seed + k * 100_003 + j;
            // SAFETY: a fresh block of `size` bytes.
            unsafe { fill(p, size, s) };
            blocks.push((p, layout, s));
        }
    }
    let mut failed = 0;
    for &(p, layout, s) in &blocks {
        // SAFETY: each block is live and was filled with its seed.
        if !unsafe { holds(p, layout.size(), s) } {
            failed += 1;
        }
        // SAFETY: from `ALLOC.alloc(layout)`, freed once.
        unsafe { ALLOC.dealloc(p, layout) };
    }
    failed
}

/// What the constructor did: 1 if it ran and all its checks held, 2 if a check failed.
static BEFORE_MAIN: AtomicUsize = AtomicUsize::new(0);
/// A block the constructor allocated (`Layout` [`KEPT`]), for `main` to check and free.
static KEPT_BLOCK: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
const KEPT: (usize, usize) = (5000, 0xC0);

#[cfg(all(target_os = "linux", not(miri)))]
#[used]
#[link_section = ".init_array"]
static CONSTRUCTOR: extern "C" fn() = before_main;

/// Runs before `main` (see the module's docs). It must not unwind (an `extern "C" fn`): every
/// check is recorded in [`BEFORE_MAIN`] for `main` to report.
#[cfg_attr(any(not(target_os = "linux"), miri), allow(dead_code))]
extern "C" fn before_main() {
    let ok = std::panic::catch_unwind(|| {
        let v: Vec<u64> = (0..1000).collect(); // the 8 KiB class
        let s: String = (0..50).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let large = vec![7u8; 100_000]; // a page run
        let fine = v.iter().sum::<u64>() == 499_500
            && s.len() == 50
            && large.iter().all(|&b| b == 7)
            && churn(100, 1) == 0;
        let layout = Layout::from_size_align(KEPT.0, 8).unwrap();
        // SAFETY: a non-zero size.
        let p = unsafe { ALLOC.alloc(layout) };
        if !p.is_null() {
            // SAFETY: a fresh block of `KEPT.0` bytes.
            unsafe { fill(p, KEPT.0, KEPT.1) };
            KEPT_BLOCK.store(p, Ordering::Relaxed);
        }
        fine && !p.is_null()
    })
    .unwrap_or(false);
    BEFORE_MAIN.store(if ok { 1 } else { 2 }, Ordering::Relaxed);
}

fn check_before_main() -> Result<(), String> {
    if cfg!(not(target_os = "linux")) {
        println!("before main: skipped (the constructor is Linux's .init_array)");
        return Ok(());
    }
    match BEFORE_MAIN.load(Ordering::Relaxed) {
        1 => {}
        0 => return Err("the constructor did not run".into()),
        _ => return Err("an allocation before main failed its check".into()),
    }
    let p = KEPT_BLOCK.load(Ordering::Relaxed);
    let layout = Layout::from_size_align(KEPT.0, 8).unwrap();
    // SAFETY: the constructor's block, live and filled with `KEPT.1`.
    if !unsafe { holds(p, KEPT.0, KEPT.1) } {
        return Err("the block allocated before main changed".into());
    }
    // SAFETY: from `ALLOC.alloc(layout)`, freed once.
    unsafe { ALLOC.dealloc(p, layout) };
    if churn(100, 2) != 0 {
        return Err("blocks overlap after main started".into());
    }
    println!("before main: allocations and frees held; a block kept from then freed in main");
    Ok(())
}

#[cfg(unix)]
fn check_fork() -> Result<(), String> {
    // The parent's blocks, live across the fork: every size, some already freed and reused.
    let parent: Vec<(*mut u8, Layout, usize)> = SIZES
        .iter()
        .enumerate()
        .map(|(k, &size)| {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: a non-zero size.
            let p = unsafe { ALLOC.alloc(layout) };
            assert!(!p.is_null());
            // SAFETY: a fresh block of `size` bytes.
            unsafe { fill(p, size, 7 + k) };
            (p, layout, 7 + k)
        })
        .collect();
    assert_eq!(churn(200, 3), 0);

    // SAFETY: this process has one thread (no harness; no thread was started before), so the
    // child gets every lock free and every cache in the state this thread left it.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork failed: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        let status = std::panic::catch_unwind(|| {
            let mut failed = 0;
            for &(p, layout, s) in &parent {
                // SAFETY: the parent's blocks, copied into this process by `fork`.
                if !unsafe { holds(p, layout.size(), s) } {
                    failed += 1;
                }
                // SAFETY: from `ALLOC.alloc(layout)` before the fork; this process frees its
                // copy once (the parent frees its own).
                unsafe { ALLOC.dealloc(p, layout) };
            }
            failed += churn(1000, 4);
            failed += std::thread::spawn(|| churn(1000, 5)).join().unwrap_or(1);
            failed += churn(1000, 6);
            i32::from(failed != 0)
        })
        .unwrap_or(3);
        // SAFETY: ends the child without running the parent's exit handlers twice.
        unsafe { libc::_exit(status) };
    }
    let mut status = 0;
    // SAFETY: waits for the child this process forked.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    if waited != pid {
        return Err(format!(
            "waitpid failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!(
            "the child failed (status {status:#x}: 1 a check, 3 a panic)"
        ));
    }
    for &(p, layout, s) in &parent {
        // SAFETY: the parent's blocks, still live here.
        if !unsafe { holds(p, layout.size(), s) } {
            return Err("a parent's block changed while the child ran".into());
        }
        // SAFETY: from `ALLOC.alloc(layout)`, freed once in this process.
        unsafe { ALLOC.dealloc(p, layout) };
    }
    println!("fork: the child read and freed the parent's blocks, allocated on two threads; the parent's blocks held");
    Ok(())
}

#[cfg(not(unix))]
fn check_fork() -> Result<(), String> {
    println!("fork: skipped (not a unix)");
    Ok(())
}

/// See "a thread whose first act is to free another thread's block" at the top of this file.
fn check_foreign_first() -> Result<(), String> {
    if CHECKING_MODE {
        println!("foreign first: skipped in checking mode (every block is the system's)");
        return Ok(());
    }
    // 712 B: a class of its own (704 < 712 <= 768) that thread start-up does not use.
    let layout = Layout::from_size_align(712, 8).expect("a layout");
    // SAFETY: a non-zero size.
    let firsts: Vec<usize> = (0..2)
        .map(|_| unsafe { ALLOC.alloc(layout) } as usize)
        .collect();
    if firsts.contains(&0) {
        return Err("out of memory".into());
    }
    let both_running = std::sync::Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<_> = firsts
        .iter()
        .map(|&first| {
            let both_running = both_running.clone();
            std::thread::spawn(move || {
                both_running.wait();
                // SAFETY: allocated above with `layout`, given to this thread alone.
                unsafe { ALLOC.dealloc(first as *mut u8, layout) };
                let mut used = Vec::new();
                for _ in 0..100 {
                    // SAFETY: a non-zero size; the block is freed at once with its layout.
                    unsafe {
                        let p = ALLOC.alloc(layout);
                        used.push(p as usize);
                        ALLOC.dealloc(p, layout);
                    }
                }
                // Both threads alive until here: neither cache has gone back to the depot.
                both_running.wait();
                used
            })
        })
        .collect();
    let used: Vec<Vec<usize>> = workers
        .into_iter()
        .map(|w| w.join().expect("a worker"))
        .collect();
    let worked: Vec<usize> = used.iter().map(|u| u[0]).collect();
    if used.iter().any(|u| u.iter().any(|&p| p != u[0])) || worked.contains(&0) {
        return Err(format!("each thread should work on one block: {used:?}"));
    }
    if worked[0] == worked[1] || worked.iter().any(|w| firsts.contains(w)) {
        return Err(format!(
            "the threads work on blocks {worked:?}; the main thread's were {firsts:?}"
        ));
    }
    println!("foreign first: ok");
    Ok(())
}

fn main() -> ExitCode {
    if cfg!(miri) {
        println!("pool_alloc_states: skipped under Miri (no constructors, no fork)");
        return ExitCode::SUCCESS;
    }
    // The fork first, while this process has a single thread.
    let results = [
        ("fork", check_fork()),
        ("before main", check_before_main()),
        ("foreign first", check_foreign_first()),
    ];
    let mut code = ExitCode::SUCCESS;
    for (name, result) in results {
        if let Err(e) = result {
            eprintln!("FAILED {name}: {e}");
            code = ExitCode::FAILURE;
        }
    }
    code
}
