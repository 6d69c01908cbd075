//! Pool statistics, all in one place: the counters a pool keeps, how they are folded, and the
//! snapshot a reader gets.
//!
//! Three levels, from the hot path out:
//! - [`Unfolded`]: what one thread cache counted since its last fold. The cache keeps these
//!   counts in its own published fields (`cache.rs`: plain stores by the owner, so the hot
//!   path pays one counter) and hands them over as an `Unfolded`.
//! - [`Counters`]: the pool's folded counters, atomics in its depot. A cache folds its
//!   `Unfolded` into them under the depot's lock when it exchanges a magazine or closes.
//! - [`PoolStats`]: the snapshot a user reads, the folded counters plus every listed cache's
//!   unfolded ones ([`Counters::sum`]), taken under the depot's lock (`cache::pool_stats`,
//!   which reads the caches).

use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use crate::sync::AtomicUsize;

/// A snapshot of one pool's statistics.
///
/// Counters live in each thread's cache (plain stores on the hot path) and are folded into the
/// pool's global counters when magazines move between a cache and the depot, and when a thread
/// exits. A snapshot adds the folded counters and the unfolded counters of every thread whose
/// cache is active, idle threads included, all read under the pool's lock. It is exact for
/// every thread that is not in a pool operation during the call (precisely: whose last
/// operation happened before the call, e.g. it was followed by a channel send, a lock or a
/// join the caller saw). A thread that runs pool operations during the call can make each
/// figure off by the few objects those operations move, and by at most 2M (M being the
/// `cache` option) when it swaps its magazines at that moment; never more.
///
/// `high_water` is the largest `live` seen at pool events: a call to `pool_stats`, and, on
/// the thread that causes them, a fresh slot handed out, a magazine exchange and a thread exit.
/// At those events other than `pool_stats`, `live` is computed from the folded counters and
/// that thread's own only. On one thread it is the true peak: a fresh slot is handed out only
/// when no free slot is left, so every new peak passes such an event. With several threads it
/// is approximate both ways: a short peak between two events may be missed, and objects freed
/// on another thread that has not folded its counters yet still count as live at such an
/// event, which can put the mark above the true peak by at most the slots that thread's cache
/// holds (2M).
///
/// Recycle mode adds `kept`, `kept_capacity` and `discarded`; they stay 0 for other pools,
/// which do not count them.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// struct Job { id: u64 }
///
/// let a = PoolBox::new(Job { id: 1 });
/// drop(a);
/// let b = PoolBox::new(Job { id: 2 }); // takes the slot `a` gave back
/// let s = Job::pool_stats();
/// # if !zokio_pool::CHECKING_MODE { // (under Miri, nothing is reused)
/// assert_eq!((s.allocated, s.reused, s.live, s.high_water), (1, 1, 1, 1));
/// assert_eq!(s.reuse_rate(), 0.5);
/// # }
/// # drop(b);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PoolStats {
    /// Fresh slots handed out: objects that did not reuse a slot.
    pub allocated: usize,
    /// Objects that reused a slot an earlier object gave back.
    pub reused: usize,
    /// Objects alive now (handed out and not yet given back; a leaked one stays live).
    pub live: usize,
    /// The largest `live` observed (see the type's documentation for its precision).
    pub high_water: usize,
    /// Slots reserved from the system (in chunks), whether in use or free.
    pub capacity: usize,
    /// Bytes reserved from the system for those slots.
    pub reserved_bytes: usize,
    /// Recycle mode: free slots that keep an object now (constructed, reset, ready for
    /// `take`).
    pub kept: usize,
    /// Recycle mode: the sum of [`Recycle::kept_capacity`](crate::Recycle::kept_capacity) over
    /// the `kept` objects, in the type's own units (bytes for `Vec<u8>` and `String`): what the
    /// kept objects hold on to.
    pub kept_capacity: usize,
    /// Recycle mode: objects dropped instead of kept, each a buffer a later `take` has to build
    /// again: over `max_idle` or `max_capacity` when given back, or whose reset panicked, and
    /// kept objects dropped to make room for a new value (`PoolBox::new` and `new_uninit` on a
    /// slot that kept one). Under checking mode (Miri) nothing is kept, so every object given
    /// back is counted here.
    pub discarded: usize,
}

impl PoolStats {
    /// Share of handed-out objects that reused a slot: `reused / (allocated + reused)`, or 0
    /// before the first object.
    ///
    /// It counts slots, not objects: in recycle mode a slot given back empty (its object
    /// `discarded`, or a `PoolBox::into_inner`) and then reused counts as reused, though `take`
    /// built a new object in it. To see what recycling saves, watch `discarded` (objects that
    /// had to be built again) and `kept` / `kept_capacity` (what is held for reuse).
    pub fn reuse_rate(&self) -> f64 {
        let total = self.allocated + self.reused;
        if total == 0 {
            0.0
        } else {
            self.reused as f64 / total as f64
        }
    }

    /// Share of reserved bytes not holding a live object: `1 - live / capacity` (every slot
    /// has the same size), or 0 when nothing is reserved.
    pub fn fragmentation(&self) -> f64 {
        if self.reserved_bytes == 0 || self.capacity == 0 {
            0.0
        } else {
            1.0 - (self.live.min(self.capacity) as f64 / self.capacity as f64)
        }
    }
}

/// What a reader sums of a cache: its counters since the last fold.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Unfolded {
    pub(crate) handed: usize,
    pub(crate) returned: usize,
    pub(crate) fresh: usize,
    /// Recycle mode: slots taken empty minus slots given back empty (wrapping: may be
    /// "negative"). Kept objects = this, summed over the pool's history, minus live objects.
    pub(crate) kept: usize,
    /// The same for their `kept_capacity` (wrapping).
    pub(crate) kept_capacity: usize,
    /// The largest `live` the cache computed when it handed out a fresh slot since its last
    /// fold (0 if none): a peak that [`Counters::fold`] and [`Counters::sum`] raise
    /// `high_water` to (see `LocalCache::note_peak`).
    pub(crate) peak: usize,
}

impl Unfolded {
    /// Adds `other`'s counts (wrapping: each part may be read while its owner runs).
    pub(crate) fn add(&mut self, other: Unfolded) {
        self.handed = self.handed.wrapping_add(other.handed);
        self.returned = self.returned.wrapping_add(other.returned);
        self.fresh = self.fresh.wrapping_add(other.fresh);
        self.kept = self.kept.wrapping_add(other.kept);
        self.kept_capacity = self.kept_capacity.wrapping_add(other.kept_capacity);
        self.peak = self.peak.max(other.peak);
    }
}

/// A pool's folded counters: monotonic counts read as a snapshot, all `Relaxed` except that a
/// fold publishes `handed` after `returned` (see [`fold`](Self::fold)).
#[derive(Debug)]
pub(crate) struct Counters {
    handed: AtomicUsize,
    returned: AtomicUsize,
    fresh: AtomicUsize,
    capacity: AtomicUsize,
    high_water: AtomicUsize,
    /// The high-water mark since the working-set rule last ran (`take_recent_high`).
    recent_high: AtomicUsize,
    /// Recycle mode: kept objects dropped instead of kept.
    discarded: AtomicUsize,
    /// Recycle mode, zero-sized items: kept objects (they have no slot to be kept in).
    kept_zst: AtomicUsize,
    /// Recycle mode, folded: slots taken empty minus given back empty, and the
    /// `kept_capacity` of kept objects (wrapping; the caches hold the rest of the sums).
    kept: AtomicUsize,
    kept_capacity: AtomicUsize,
}

/// The body of `Counters::new`, `const` except under loom (whose atomics have no `const` new).
macro_rules! new_counters {
    () => {
        Counters {
            handed: AtomicUsize::new(0),
            returned: AtomicUsize::new(0),
            fresh: AtomicUsize::new(0),
            capacity: AtomicUsize::new(0),
            high_water: AtomicUsize::new(0),
            recent_high: AtomicUsize::new(0),
            discarded: AtomicUsize::new(0),
            kept_zst: AtomicUsize::new(0),
            kept: AtomicUsize::new(0),
            kept_capacity: AtomicUsize::new(0),
        }
    };
}

/// The folded counters that are not recycle mode's, read together by [`Counters::folded`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Folded {
    pub(crate) handed: usize,
    pub(crate) returned: usize,
    pub(crate) fresh: usize,
    pub(crate) capacity: usize,
    pub(crate) high_water: usize,
}

impl Counters {
    /// All zero.
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Counters {
        new_counters!()
    }

    /// All zero (loom models make one per execution).
    #[cfg(loom)]
    pub(crate) fn new() -> Counters {
        new_counters!()
    }

    /// Adds a cache's unfolded counts (the caller holds the depot's lock, so a reader sees
    /// them either in the cache or here).
    ///
    /// `returned` is added before `handed`, which is added with `Release`, and readers load
    /// `handed` with `Acquire` before `returned`: a reader that sees a fold's slots handed out
    /// also sees its slots given back. Otherwise a thread that folds after a long run of
    /// allocate-free pairs (no slow path in between, so millions unfolded) would show all of
    /// them as live for an instant, and `high_water` could take that (the stress test caught it
    /// once: 488 against a bound of 385).
    #[inline]
    pub(crate) fn fold(&self, u: Unfolded) {
        self.count(u.handed, u.returned, u.fresh);
        self.count_kept(u.kept, u.kept_capacity);
        if u.peak != 0 {
            self.raise(u.peak);
        }
    }

    /// Adds `handed`, `returned` and `fresh` counts, in the order [`fold`](Self::fold) explains.
    #[inline]
    pub(crate) fn count(&self, handed: usize, returned: usize, fresh: usize) {
        if returned != 0 {
            self.returned.fetch_add(returned, Relaxed);
        }
        if fresh != 0 {
            self.fresh.fetch_add(fresh, Relaxed);
        }
        if handed != 0 {
            self.handed.fetch_add(handed, Release);
        }
    }

    /// Adds empty slots taken minus those given back, and the `kept_capacity` of kept objects
    /// (wrapping: a fold may bring "negative" counts, of objects kept on one thread and taken
    /// on another).
    pub(crate) fn count_kept(&self, kept: usize, capacity: usize) {
        if kept != 0 {
            self.kept.fetch_add(kept, Relaxed);
        }
        if capacity != 0 {
            self.kept_capacity.fetch_add(capacity, Relaxed);
        }
    }

    /// Counts a kept object dropped instead of kept (recycle mode).
    #[cold]
    pub(crate) fn count_discarded(&self) {
        self.discarded.fetch_add(1, Relaxed);
    }

    /// Recycle mode, zero-sized items: one more kept object (forgotten by its box; it has no
    /// memory, so keeping it is counting it).
    pub(crate) fn keep_zst(&self) {
        self.kept_zst.fetch_add(1, Relaxed);
    }

    /// Recycle mode, zero-sized items: takes a kept object if there is one.
    pub(crate) fn take_kept_zst(&self) -> bool {
        self.kept_zst
            .fetch_update(Relaxed, Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Recycle mode, zero-sized items: the kept objects.
    pub(crate) fn kept_zst(&self) -> usize {
        self.kept_zst.load(Relaxed)
    }

    /// Slots reserved from the system.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity.load(Relaxed)
    }

    /// Records `n` more slots reserved from the system.
    #[inline]
    pub(crate) fn grow(&self, n: usize) {
        self.capacity.fetch_add(n, Relaxed);
    }

    /// Records `n` slots given back to the system.
    #[inline]
    pub(crate) fn shrink(&self, n: usize) {
        self.capacity.fetch_sub(n, Relaxed);
    }

    /// Counts one object handed out outside the thread caches (a zero-sized item, checking
    /// mode) as fresh, unless `max` objects are live already: then `false`.
    pub(crate) fn hand_direct(&self, max: usize) -> bool {
        if max != usize::MAX {
            let mut handed = self.handed.load(Relaxed);
            loop {
                if live_from(handed, self.returned.load(Relaxed)) >= max {
                    return false;
                }
                match self
                    .handed
                    .compare_exchange_weak(handed, handed + 1, Relaxed, Relaxed)
                {
                    Ok(_) => break,
                    Err(now) => handed = now,
                }
            }
        } else {
            self.handed.fetch_add(1, Relaxed);
        }
        self.fresh.fetch_add(1, Relaxed);
        self.observe_live(0, 0);
        true
    }

    /// The folded counters that are not recycle mode's.
    pub(crate) fn folded(&self) -> Folded {
        // `handed` first, with Acquire: see `fold`.
        let handed = self.handed.load(Acquire);
        Folded {
            handed,
            returned: self.returned.load(Relaxed),
            fresh: self.fresh.load(Relaxed),
            capacity: self.capacity.load(Relaxed),
            high_water: self.high_water.load(Relaxed),
        }
    }

    /// Raises the high-water mark to `live` (folded counters plus a thread's own), and returns
    /// that `live`.
    #[inline]
    pub(crate) fn observe_live(&self, local_handed: usize, local_returned: usize) -> usize {
        let live = self.live_with(local_handed, local_returned);
        self.raise(live);
        live
    }

    /// The live objects from the folded counters plus a thread's own unfolded ones, read
    /// only: nothing is written, so threads that call this at once share the counters' cache
    /// line instead of taking it from each other (see `LocalCache::note_peak`).
    #[inline]
    pub(crate) fn live_with(&self, local_handed: usize, local_returned: usize) -> usize {
        // `handed` first, with Acquire: see `fold`.
        let handed = self.handed.load(Acquire).wrapping_add(local_handed);
        let returned = self.returned.load(Relaxed).wrapping_add(local_returned);
        live_from(handed, returned)
    }

    /// Raises the high-water mark, and the one since the working-set rule last ran, to `peak`.
    #[inline]
    pub(crate) fn raise(&self, peak: usize) {
        self.raise_high_water(peak);
        if peak > self.recent_high.load(Relaxed) {
            self.recent_high.fetch_max(peak, Relaxed);
        }
    }

    /// Raises the all-time high-water mark to `peak` (a load, and a read-modify-write only
    /// when `peak` is above it).
    #[inline]
    fn raise_high_water(&self, peak: usize) {
        if peak > self.high_water.load(Relaxed) {
            self.high_water.fetch_max(peak, Relaxed);
        }
    }

    /// The high-water mark observed since the last `take_recent_high`, without resetting it.
    #[inline]
    pub(crate) fn recent_high(&self) -> usize {
        self.recent_high.load(Relaxed)
    }

    /// The high-water mark observed since the last call (or since the start), which starts
    /// again from `live`, the objects live now.
    pub(crate) fn take_recent_high(&self, live: usize) -> usize {
        self.recent_high.swap(live, Relaxed).max(live)
    }

    /// The statistics of every thread: these counters plus `caches`, the sum of the unfolded
    /// counts of every listed cache, read under the depot's lock (which the caller holds, so
    /// no fold or magazine exchange is half seen), as [`PoolStats`] shows them for slots of
    /// `slot_size` bytes. Records the `live` it computes in `high_water`; a zero-sized item
    /// (`slot_size` 0) has its kept objects counted apart.
    pub(crate) fn sum(&self, caches: Unfolded, slot_size: usize) -> PoolStats {
        // The caches' peaks since their last folds (they raise both marks at their next fold;
        // raising the all-time mark now too changes nothing then).
        self.raise_high_water(caches.peak);
        let live = self.observe_live(caches.handed, caches.returned);
        let f = self.folded();
        let kept = self.kept.load(Relaxed).wrapping_add(caches.kept);
        let kept_capacity = self
            .kept_capacity
            .load(Relaxed)
            .wrapping_add(caches.kept_capacity);
        let handed = f.handed.wrapping_add(caches.handed);
        let fresh = f.fresh.wrapping_add(caches.fresh);
        PoolStats {
            allocated: fresh,
            reused: live_from(handed, fresh),
            live,
            high_water: f.high_water.max(live),
            capacity: f.capacity,
            reserved_bytes: f.capacity * slot_size,
            discarded: self.discarded.load(Relaxed),
            // Every slot is taken empty or kept, and given back empty or kept, so the kept
            // objects are the slots taken empty, minus those given back empty, minus the live
            // ones. (Sums of wrapping parts, "negative" only if read while an owner ran.)
            kept: if slot_size == 0 {
                self.kept_zst()
            } else {
                live_from(kept, live)
            },
            kept_capacity: live_from(kept_capacity, 0),
        }
    }
}

/// Live objects from handed-out and returned counts taken at slightly different times: a
/// consumer thread may have folded its returns before the producer folded its allocations.
#[inline]
pub(crate) fn live_from(handed: usize, returned: usize) -> usize {
    let diff = handed.wrapping_sub(returned);
    if diff > isize::MAX as usize {
        0
    } else {
        diff
    }
}

#[cfg(test)]
mod tests {
    use super::PoolStats;

    #[test]
    fn rates_of_an_unused_pool_are_zero() {
        let s = PoolStats::default();
        assert_eq!(s.reuse_rate(), 0.0);
        assert_eq!(s.fragmentation(), 0.0);
    }

    #[test]
    fn rates_follow_the_counters() {
        let s = PoolStats {
            allocated: 10,
            reused: 30,
            live: 4,
            high_water: 10,
            capacity: 16,
            reserved_bytes: 16 * 64,
            ..PoolStats::default()
        };
        assert_eq!(s.reuse_rate(), 0.75);
        assert_eq!(s.fragmentation(), 0.75);
    }
}
