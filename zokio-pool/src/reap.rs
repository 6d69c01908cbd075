//! The clock of the working-set rule (see `trim.rs`): slow-path events run it at most once per
//! [`TRIM_INTERVAL`], and the opt-in background thread every interval.

use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;
use core::time::Duration;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Instant;

use crate::{heap, registry};

/// How often the working-set rule runs (see the module docs): a pool gives back what stayed
/// idle for a whole interval, so memory a program stops using goes back to the OS one to two
/// intervals later. Half a second: long enough that a steady load's memory stays (the rule
/// keeps what the last interval used), short enough that a service idle for a second is back
/// at its working set.
pub const TRIM_INTERVAL: Duration = Duration::from_millis(500);

/// When the working-set rule runs next, in nanoseconds since `epoch()`.
static NEXT_REAP: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn interval_nanos() -> u64 {
    // Half a second fits a u64 of nanoseconds.
    TRIM_INTERVAL.as_nanos() as u64
}

fn nanos_since_epoch() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// A slow-path event: runs the working-set rule if an interval has passed since it last ran
/// (one thread runs it; the others go on). The caller holds no pool's lock.
#[inline]
pub(crate) fn tick() {
    #[cfg(not(loom))]
    {
        let now = nanos_since_epoch();
        let next = NEXT_REAP.load(Relaxed);
        if now >= next {
            tick_slow(now, next);
        }
    }
}

#[cfg(not(loom))]
#[cold]
fn tick_slow(now: u64, next: u64) {
    let interval = interval_nanos();
    if next == 0 {
        // The first event starts the first interval.
        let _ = NEXT_REAP.compare_exchange(0, now + interval, Relaxed, Relaxed);
        return;
    }
    if NEXT_REAP
        .compare_exchange(next, now + interval, Relaxed, Relaxed)
        .is_ok()
    {
        reap();
    }
}

/// The working-set rule over every pool, then the page heap's free pages back to the OS.
fn reap() -> usize {
    heap::give_back_after(|| {
        registry::release_all(false);
    })
}

/// Starts the background trimmer (once; later calls do nothing): a thread named
/// `zokio-pool-trimmer` that runs the working-set rule every [`TRIM_INTERVAL`], so that a
/// program that goes idle gives the memory it stopped using back to the OS without calling
/// [`trim`](crate::trim()). Opt-in, like jemalloc's `background_thread`: without it, the rule runs only on
/// the pools' slow paths, which an idle program does not reach. Errors if the thread cannot
/// be spawned.
///
/// ```
/// # if !cfg!(miri) { // (Miri would report the thread, which never ends, as leaked)
/// zokio_pool::spawn_trimmer()?;
/// zokio_pool::spawn_trimmer()?; // already running: nothing more
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn spawn_trimmer() -> std::io::Result<()> {
    static STARTED: Mutex<bool> = Mutex::new(false);
    let mut started = STARTED.lock().unwrap_or_else(PoisonError::into_inner);
    if !*started {
        std::thread::Builder::new()
            .name("zokio-pool-trimmer".to_owned())
            .spawn(|| loop {
                std::thread::sleep(TRIM_INTERVAL);
                NEXT_REAP.store(nanos_since_epoch() + interval_nanos(), Relaxed);
                reap();
            })?;
        *started = true;
    }
    Ok(())
}
