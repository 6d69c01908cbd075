//! Giving memory back: [`trim`] for every pool, and one pool's (`T::pool_trim()`, `Name::trim()`).
//!
//! Three layers give back in turn, each on its own slow path:
//! 1. the calling thread's caches give their free slots to their depots (other threads keep
//!    theirs: a cache is its thread's alone);
//! 2. each depot drops the objects its free slots keep (recycle mode) and gives every chunk
//!    whose slots are all free in the depot back to the page heap (`Depot::release_free_chunks`),
//!    where it merges with its free neighbours and can become a chunk of any pool;
//! 3. the page heap unmaps the segments with no page in use and releases the free pages of the
//!    others with `madvise` (`heap::trim`).
//!
//! Nothing live moves and no slot in use is touched: a chunk goes back only when none of its
//! slots is outside its depot.
//!
//! # Without a call: the working-set rule
//! Every [`TRIM_INTERVAL`](crate::TRIM_INTERVAL), each pool gives back the free chunks that recent use did not need:
//! no more slots than stayed idle in its depot for the whole interval (Bonwick's reaping in
//! illumos' kmem, `Depot::reap`), and the page heap gives its free pages to the OS. The rule
//! runs on slow-path events (a thread cache going to its depot, at most once per interval for
//! the process, on the thread that finds the interval over), and on the background thread
//! [`spawn_trimmer`](crate::spawn_trimmer) starts, so that a program that goes idle gives its memory back too. It
//! does not drop the objects recycling pools keep (they are bounded by `max_idle`), and it
//! cannot reach other threads' caches (at most `2M` free slots each per pool, given back
//! at the thread's exit). Its clock and thread are in `reap.rs`.

use std::thread::LocalKey;

use crate::cache::{self, LocalCache};
use crate::depot::Depot;
use crate::{heap, registry};

/// Gives every pool's surplus back to the page heap (the calling thread's cached slots
/// included) and the page heap's free pages back to the operating system; returns the bytes
/// given back to the operating system during this call (chunks too large for a segment go
/// back as soon as their pool releases them; the rest when the heap trims).
///
/// Nothing live moves: a pool's chunk goes back once none of its slots is in use or cached by
/// another thread; a recycling pool's free slots drop the objects they keep first (counted in
/// `PoolStats::discarded`). A service calls it after a burst, or from time to time on an idle
/// thread; it takes each pool's lock in turn, so other threads keep running.
///
/// ```
/// use zokio_pool::{heap_stats, trim, PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// struct Packet { bytes: [u8; 64] }
///
/// let burst: Vec<_> = (0..10_000).map(|_| PoolBox::new(Packet { bytes: [0; 64] })).collect();
/// drop(burst);
/// let given_back = trim();
/// # if !zokio_pool::CHECKING_MODE { // (in checking mode objects never stay in a pool)
/// assert!(given_back >= 600_000);
/// assert_eq!(Packet::pool_stats().capacity, 0, "every chunk went back");
/// # }
/// # let _ = heap_stats();
/// ```
pub fn trim() -> usize {
    heap::give_back_after(|| {
        cache::drain_this_thread();
        registry::release_all(true);
    })
}

/// One pool's [`trim`] (`Pooled::pool_trim`, `Name::trim`, through `pool::trim_pool`): each
/// `(cache, depot)` given (a type's boxes' and its `PoolArc`s' pools) drains the calling
/// thread's cache into its depot and gives its surplus to the page heap, which gives its free
/// pages back to the OS; returns the bytes given back to the OS.
///
/// A depot not yet listed has no chunk (a pool is listed before its first chunk is carved),
/// so it has nothing to give back.
pub(crate) fn trim_depots(pools: &[(&'static LocalKey<LocalCache>, &'static Depot)]) -> usize {
    heap::give_back_after(|| {
        for &(key, depot) in pools {
            let _ = key.try_with(|c| c.drain(depot));
        }
        for &(_, depot) in pools {
            if let Some(release) = depot.release_cell().get() {
                release(true);
            }
        }
    })
}
