//! Pool statistics.

use crate::depot::live_from;
use crate::pool::Pool;

/// A snapshot of one pool's statistics.
///
/// Counters live in each thread's cache (plain adds on the hot path) and are folded into the
/// pool's global counters when magazines move between a cache and the depot, and when a thread
/// exits. A snapshot therefore holds the folded counters plus the calling thread's own: it is
/// exact once every other thread that used the pool has exited, and always exact for a pool used
/// by one thread only.
///
/// `high_water` is the largest `live` seen at pool events (a fresh slot handed out, a magazine
/// exchange, a thread exit, a call to `pool_stats`). On one thread it is the true peak: a fresh
/// slot is handed out only when no free slot is left, so every new peak passes such an event.
/// With several threads it is approximate both ways: a short peak between two events may be
/// missed, and a free on another thread that has not folded its counters yet still counts as
/// live where `live` is observed, which can put the mark above the true peak by at most the
/// slots that thread's cache holds (2M + 1, M being the `cache` option).
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
}

impl PoolStats {
    /// The statistics of pool `P`.
    pub fn of<P: Pool + ?Sized>() -> PoolStats {
        let depot = P::__depot();
        let (mut handed, mut returned, mut fresh) = (0, 0, 0);
        if !P::__CONFIG.is_zst() {
            // A closed or never-used cache has nothing unfolded; `try_with` fails only for a
            // destroyed key, which a const thread local without `Drop` never is.
            if let Ok((h, r, f)) = P::__cache().try_with(|c| c.unfolded(P::__CONFIG.magazine)) {
                (handed, returned, fresh) = (h, r, f);
            }
        }
        let live = depot.observe_live(handed, returned);
        let [g_handed, _, g_fresh, capacity, high_water] = depot.counters();
        let handed = g_handed.wrapping_add(handed);
        let allocated = g_fresh.wrapping_add(fresh);
        PoolStats {
            allocated,
            reused: live_from(handed, allocated),
            live,
            high_water: high_water.max(live),
            capacity,
            reserved_bytes: capacity * P::__CONFIG.slot_size,
        }
    }

    /// Share of handed-out objects that reused a slot: `reused / (allocated + reused)`, or 0
    /// before the first object.
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
        };
        assert_eq!(s.reuse_rate(), 0.75);
        assert_eq!(s.fragmentation(), 0.75);
    }
}
