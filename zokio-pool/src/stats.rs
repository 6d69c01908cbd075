//! Pool statistics.

use crate::depot::live_from;
use crate::pool::Pool;

/// A snapshot of one pool's statistics.
///
/// Counters live in each thread's cache (plain stores on the hot path) and are folded into the
/// pool's global counters when magazines move between a cache and the depot, and when a thread
/// exits. A snapshot adds the folded counters and the unfolded counters of every thread whose
/// cache is active, idle threads included, all read under the pool's lock. It is exact for
/// every thread that is not in a pool operation during the call (precisely: whose last
/// operation happened before the call, e.g. it was followed by a channel send, a lock or a
/// join the caller saw). A thread that runs pool operations during the call can make each
/// figure off by the few objects those operations move, and by at most 2M + 1 (M being the
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
/// holds (2M + 1).
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
    /// The statistics of pool `P`.
    ///
    /// Takes the pool's lock and reads every active thread cache of the pool: a cost in the
    /// number of threads that used it, for a monitoring call, not for a hot loop.
    pub fn of<P: Pool + ?Sized>() -> PoolStats {
        let s = P::__depot().snapshot();
        PoolStats {
            allocated: s.fresh,
            reused: live_from(s.handed, s.fresh),
            live: s.live,
            high_water: s.high_water,
            capacity: s.capacity,
            reserved_bytes: s.capacity * P::__CONFIG.slot_size,
            kept: s.kept,
            kept_capacity: s.kept_capacity,
            discarded: s.discarded,
        }
    }

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
