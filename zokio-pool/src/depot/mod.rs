//! The global depot of a pool: magazines of free slots exchanged with thread caches, the chunks
//! the slots are carved from, and the pool's folded statistics (kept in [`Counters`], whose
//! file, `stats.rs`, holds everything about statistics).
//!
//! Everything here is on the slow path: a thread cache comes here once per magazine, at
//! thread exit, and for every operation of a thread whose cache is closed.

use crate::lock::{Lock, LockGuard};
use crate::sync::AtomicUsize;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::{Relaxed, SeqCst};
use core::sync::atomic::{AtomicBool, AtomicPtr};
use std::alloc::{self, Layout};
use std::sync::OnceLock;

use crate::config::Config;
use crate::heap;
use crate::magazine::{take_array, Magazine, Round};
use crate::sys::{sys_vec, SysVec};

mod slab;

use crate::stats::Counters;
use crate::wait::Waiters;

/// Most slots a pool with a `max` grows by at once past its `max` (see `Depot::grow`).
const OVER_MAX_STEP: usize = 16;

/// A pool without a given `chunk` grows by 1/`GROWTH_DIVISOR` of its capacity at a time (in
/// whole pages, at least a page, at most its `chunk` cap), so the memory reserved past the
/// peak of live objects is at most about 1/32 of it, 3.1% (plus what thread caches hold).
/// Doubling, as first built, reserved up to twice the peak: the report's stress row (about
/// 5,000 live) showed 18.6% fragmentation, 1.1% at its peak now. A million 64 B objects take
/// about 1,100 chunks this way (estimated from the rule, not counted) instead of 1,000.
pub(crate) const GROWTH_DIVISOR: usize = 32;

/// What a thread cache gets when it asks the depot for slots.
pub(crate) enum Refill {
    /// The cache's empty array was exchanged for one holding this many (`1..=M`) free slots
    /// (a magazine filled by a cache of another magazine size holds another count).
    Magazine(usize),
    /// `n >= 1` never-used slots starting at the pointer; the cache keeps its array.
    Fresh(NonNull<u8>, usize),
    /// No free slot here and no memory may be reserved (only a pool with a `max` whose
    /// caller has no reservation gets this); the cache keeps its array.
    Exhausted,
}

/// The depot of one pool. Created in a `static` by the derive's expansion.
#[doc(hidden)]
pub struct Depot {
    config: Config,
    inner: Lock<Inner>,
    /// The folded statistics.
    stats: Counters,
    /// Slots in `magazines` (written under the lock, read without it).
    free: AtomicUsize,
    /// Pools with a `max`: objects live or reserved (see `reserve`).
    live: AtomicUsize,
    /// Pools with a `max`: tasks and threads waiting for a slot.
    waiters: Waiters,
    /// Whether the pool was listed in the registry (`registry.rs`), its link there and its
    /// name (core atomics: the loom models never list a depot).
    registered: AtomicBool,
    registry_link: AtomicPtr<Depot>,
    name: OnceLock<&'static str>,
    /// The pool's part of `trim` (`raw::release_pool` of its type), set with the name.
    release: OnceLock<fn(bool) -> usize>,
    /// Slow-path events (magazine exchanges) of this pool, for [`Depot::event`].
    events: core::sync::atomic::AtomicUsize,
    /// Bytes of the blocks `direct_take` handed out that are not back yet.
    direct_bytes: AtomicUsize,
}

/// What a pool sees of its use, and what it suggests configuring: [`PoolInfo::hint`]
/// (see [`pools`](crate::pools)). Measured by the working-set rule, once per
/// [`TRIM_INTERVAL`](crate::TRIM_INTERVAL) while it runs; all zero before it first ran twice.
///
/// [`PoolInfo::hint`]: crate::PoolInfo::hint
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct UsageHint {
    /// The most objects live at once during the last interval (seen at the pool's slow-path
    /// events: a short peak between two of them on other threads may be missed). The rule
    /// keeps about this many slots (plus what threads cache).
    pub recent_peak: usize,
    /// Objects handed out per second during the last interval, as far as threads' caches had
    /// folded their counts (a cache folds at least every M operations in one direction).
    pub allocations_per_second: f64,
    /// The `prealloc` that would have served the whole run so far from the first chunk: the
    /// pool's high-water mark, rounded up to a multiple of 64 slots.
    pub suggested_prealloc: usize,
}

/// The working-set rule's last reading of a pool (see `Depot::reap`).
pub(crate) struct Window {
    /// When the rule last ran, and the folded objects handed out then.
    at: Option<std::time::Instant>,
    handed: usize,
    hint: UsageHint,
}

/// A thread cache listed in its depot, by address. The depot only stores and compares these;
/// `cache.rs` makes them and reads the caches they point to (so this file needs nothing of it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Listed(pub(crate) NonNull<u8>);

/// What the depot's mutex guards. Holding `&mut Inner` proves the lock is held.
pub(crate) struct Inner {
    /// The active thread caches of this pool, whose unfolded counters statistics add up. A
    /// cache is listed when it activates and unlisted when it closes, both under the lock, and
    /// is valid memory while listed.
    pub(crate) caches: SysVec<Listed>,
    /// Magazines of free slots, at most M each. Caches give full ones (of their own magazine
    /// size, which adapts from 8 to M) and a closing cache partial ones; one that fits in the
    /// last magazine is merged into it ([`stock`](Depot::stock)), so that the depot's free
    /// slots take about one array of M rounds per M slots whatever the caches' sizes. Threads
    /// whose cache is closed add and take single slots at the last.
    magazines: SysVec<Magazine>,
    /// Empty arrays of M rounds, for caches that need one.
    spare: SysVec<NonNull<Round>>,
    /// The fewest free slots `magazines` held since the last [`reap`](Depot::reap).
    low_free: usize,
    /// The capacity the pool had after a closing cache last made it give back its free
    /// chunks ([`settle_locked`](Depot::settle_locked)): it does again only once the pool
    /// has grown past it.
    settled: usize,
    /// What the last two reaps saw, for [`hint`](Depot::hint).
    window: Window,
    /// Never-used runs of slots `(start, count)`, carved from chunks on demand.
    regions: SysVec<(NonNull<u8>, usize)>,
    /// Every chunk (slab), `(start, slots)`. A chunk goes back to the page heap only when
    /// every one of its slots is free here, in a magazine or a never-used run
    /// ([`release_free_chunks`](Depot::release_free_chunks)): no handle and no cache can
    /// refer to it then.
    chunks: SysVec<(NonNull<u8>, usize)>,
    /// Whole magazines given by freers (see `cache.rs`) since the depot was last given any
    /// other: a stream once it reaches [`STREAM_AFTER`] (see
    /// [`give_freed_locked`](Depot::give_freed_locked)).
    streamed: usize,
    /// How many of the magazines at the front of `magazines` are the stream's reserve, the
    /// oldest last: at most `magazines.len()` (every path that lists fewer magazines clamps
    /// it, [`clamp_reserved`](Depot::clamp_reserved)). Written only through
    /// [`set_reserved`](Depot::set_reserved), which keeps [`STREAM_HELD`] with it.
    reserved: usize,
}

/// Freers' magazines in a row that make a stream: 16, about 3,840 slots of 64 B given by
/// threads that take none. Below it, or when any other magazine comes, the depot is a stack.
pub(crate) const STREAM_AFTER: usize = 16;

/// The most bytes of free slots the streams of all pools hold back at once: 4 MiB, four
/// classes at their `stream_reserve` of 1 MiB. A program that hands objects of many sizes
/// from thread to thread would otherwise grow every class it uses by a MiB.
pub(crate) const STREAM_TOTAL: usize = 4 << 20;

/// The bytes of free slots held back in streams, all pools together: a reserve's magazines
/// counted at M slots each (see [`Depot::set_reserved`]).
static STREAM_HELD: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

// SAFETY: the pointers in `Inner` point into the pool's chunks and magazine arrays, which are
// freed only under the lock when no slot of them is outside the depot (chunks) or when the
// depot owns them (arrays), and are not tied to any thread; free slots and arrays are owned by the depot while
// they are listed here, and the mutex serializes every access to them. The listed caches are
// only read, through their atomic fields (`cache::published`), under the lock, while their
// owner keeps them listed (and so alive).
unsafe impl Send for Inner {}

impl core::fmt::Debug for Depot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Depot")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The body of `Depot::new`, `const` except under loom (whose types have no `const` new).
macro_rules! new_depot {
    ($config:expr) => {
        Depot {
            config: $config,
            inner: Lock::new(Inner {
                caches: sys_vec(),
                magazines: sys_vec(),
                spare: sys_vec(),
                low_free: 0,
                settled: 0,
                window: Window {
                    at: None,
                    handed: 0,
                    hint: UsageHint {
                        recent_peak: 0,
                        allocations_per_second: 0.0,
                        suggested_prealloc: 0,
                    },
                },
                regions: sys_vec(),
                chunks: sys_vec(),
                streamed: 0,
                reserved: 0,
            }),
            stats: Counters::new(),
            free: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
            waiters: Waiters::new(),
            registered: AtomicBool::new(false),
            registry_link: AtomicPtr::new(core::ptr::null_mut()),
            name: OnceLock::new(),
            release: OnceLock::new(),
            events: core::sync::atomic::AtomicUsize::new(0),
            direct_bytes: AtomicUsize::new(0),
        }
    };
}

impl Depot {
    /// An empty depot; no memory is reserved until the first slot is needed.
    #[cfg(not(loom))]
    pub const fn new(config: Config) -> Depot {
        new_depot!(config)
    }

    /// An empty depot (loom models make one per execution).
    #[cfg(loom)]
    pub fn new(config: Config) -> Depot {
        new_depot!(config)
    }

    #[inline(always)]
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The folded statistics.
    #[inline(always)]
    pub(crate) fn stats(&self) -> &Counters {
        &self.stats
    }

    /// Whether the pool is listed in the registry (set once, by `registry::register`).
    pub(crate) fn registered(&self) -> &AtomicBool {
        &self.registered
    }

    /// The pool's name, set once by `registry::register` before it lists the depot.
    pub(crate) fn name_cell(&self) -> &OnceLock<&'static str> {
        &self.name
    }

    /// The pool's part of `trim`, set once by `registry::register` before it lists the depot.
    pub(crate) fn release_cell(&self) -> &OnceLock<fn(bool) -> usize> {
        &self.release
    }

    /// Counts a slow-path event of the pool; true for one in `EVENTS_PER_CLOCK_READ`, the
    /// events at which the working-set rule's clock is read (`reap::tick`): reading it at
    /// every magazine exchange cost 3 instructions per object in a batch of 4 KiB objects
    /// (M = 63; callgrind), one in 16 costs less than 0.2.
    #[inline]
    pub(crate) fn event(&self) -> bool {
        const EVENTS_PER_CLOCK_READ: usize = 16;
        self.events.fetch_add(1, Relaxed) % EVENTS_PER_CLOCK_READ == 0
    }

    /// Slow-path events so far: one per magazine exchange (and per freer's exchange).
    #[cfg(test)]
    pub(crate) fn events(&self) -> usize {
        self.events.load(Relaxed)
    }

    /// The link to the depot listed before this one (`registry.rs`).
    pub(crate) fn registry_link(&self) -> &AtomicPtr<Depot> {
        &self.registry_link
    }

    pub(crate) fn lock(&self) -> LockGuard<'_, Inner> {
        // No user code runs under this lock, and every critical section leaves `Inner`
        // consistent before anything that can panic (allocation failure aborts): a panic
        // under it leaves valid state, so the lock does not poison (`lock.rs`).
        self.inner.lock()
    }

    /// The lock, for a magazine exchange, and whether another thread held it when asked (a
    /// contended depot: the cache's magazine size grows, see `LocalCache::adapt`).
    #[inline]
    pub(crate) fn lock_counting(&self) -> (LockGuard<'_, Inner>, bool) {
        match self.inner.try_lock() {
            Some(guard) => (guard, false),
            None => (self.lock(), true),
        }
    }

    /// Reserves one live object in a pool with a `max`; false if `max` are live. Every slot a
    /// pool with a `max` hands out is reserved first, and [`unreserve`](Self::unreserve)d
    /// after it is given back, so live objects never exceed `max`, and with fewer than `max`
    /// live a reservation succeeds, whichever thread caches the free slots.
    #[inline]
    pub(crate) fn reserve(&self) -> bool {
        let max = self.config.max;
        let mut live = self.live.load(Relaxed);
        loop {
            if live >= max {
                return false;
            }
            match self
                .live
                .compare_exchange_weak(live, live + 1, Relaxed, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => live = now,
            }
        }
    }

    /// Ends a reservation of [`reserve`](Self::reserve). Sequentially consistent, so that a
    /// waiter that registers and then tries again either sees it or is seen by the
    /// [`Waiters::notify`] that follows it (see `wait`); `lock xadd` either way on x86-64.
    #[inline]
    pub(crate) fn unreserve(&self) {
        self.live.fetch_sub(1, SeqCst);
    }

    /// The tasks and threads waiting for a slot of this pool (pools with a `max`).
    #[inline]
    pub(crate) fn waiters(&self) -> &Waiters {
        &self.waiters
    }

    /// Refills a cache whose loaded array is empty (the loom models' form of
    /// [`refill_locked`](Self::refill_locked)).
    #[cfg(all(test, loom))]
    pub(crate) fn refill(&self, array: &mut NonNull<Round>, size: usize) -> Refill {
        self.refill_locked(&mut self.lock(), array, size)
    }

    /// Refills a cache whose loaded array is empty and whose magazine size is `size`: with up
    /// to `size` free slots if the depot has any (see
    /// [`take_magazine_locked`](Self::take_magazine_locked)), else with up to `size` fresh
    /// ones.
    #[inline(always)]
    pub(crate) fn refill_locked(
        &self,
        inner: &mut Inner,
        array: &mut NonNull<Round>,
        size: usize,
    ) -> Refill {
        if let Some(len) = self.exchange_empty(inner, array, size, false) {
            return Refill::Magazine(len);
        }
        match self.take_region(inner, size) {
            Some((start, n)) => Refill::Fresh(start, n),
            // The heap refused memory: the stream's reserve, if any, rather than nothing.
            None => self
                .exchange_empty(inner, array, size, true)
                .map_or(Refill::Exhausted, Refill::Magazine),
        }
    }

    /// Fills the empty `array` of a cache whose magazine size is `size` with free slots, if the
    /// depot has any (never fresh slots); returns how many slots `*array` now holds.
    ///
    /// The last magazine is exchanged for `array` if it holds at most `size` slots; a larger
    /// one (merged, or given by a cache whose size is larger) gives its last `size` slots,
    /// copied into `array`: a cache never takes more than its own size, so merging does not
    /// make a cache that serves a few objects hold hundreds of free slots that other threads
    /// would then get from fresh chunks.
    #[inline(always)]
    pub(crate) fn take_magazine_locked(
        &self,
        inner: &mut Inner,
        array: &mut NonNull<Round>,
        size: usize,
    ) -> Option<usize> {
        self.exchange_empty(inner, array, size, false)
    }

    /// The body of [`take_magazine_locked`](Self::take_magazine_locked); `reserve`: take from
    /// a stream's reserve even while it holds less than the config's `stream_reserve` (see
    /// [`give_freed_locked`](Self::give_freed_locked)).
    #[inline(always)]
    fn exchange_empty(
        &self,
        inner: &mut Inner,
        array: &mut NonNull<Round>,
        size: usize,
        reserve: bool,
    ) -> Option<usize> {
        // One load and a branch unless a stream's reserve is listed (never in a derived type's
        // pool): the LIFO batch's exchanges are part of its 30 instructions per object.
        if inner.reserved != 0 && self.hold_back(inner, size, reserve) {
            return None;
        }
        let last = inner.magazines.last_mut()?;
        let len = if last.len <= size {
            let mag = *last;
            inner.magazines.pop();
            inner.spare.push(core::mem::replace(array, mag.rounds));
            mag.len
        } else {
            last.len -= size;
            // SAFETY: `last` is a listed magazine with more than `size` initialized rounds at
            // its front, of which the copy reads the last `size`; `*array` is an empty array
            // of M rounds, not listed, and `size <= M` (a cache's size is at most M).
            unsafe {
                core::ptr::copy_nonoverlapping(
                    last.rounds.as_ptr().add(last.len),
                    array.as_ptr(),
                    size,
                )
            };
            size
        };
        self.free.fetch_sub(len, Relaxed);
        self.note_low(inner);
        Some(len)
    }

    /// For [`exchange_empty`](Self::exchange_empty), when a stream's reserve is listed
    /// (`inner.reserved > 0`): whether the last magazine is the reserve's oldest and must stay
    /// (the stream goes on, `reserve` is false, and the reserve holds less than the config's
    /// `stream_reserve` bytes). If it is taken instead and goes whole (it holds at most `size`
    /// slots), it leaves the reserve's count.
    #[cold]
    #[inline(never)]
    fn hold_back(&self, inner: &mut Inner, size: usize, reserve: bool) -> bool {
        let count = inner.magazines.len();
        debug_assert!(
            inner.reserved <= count,
            "every shrinking path clamps the reserve"
        );
        // The last magazine is the reserve's oldest when nothing else is listed.
        if count == 0 || count != inner.reserved {
            return false;
        }
        if !reserve
            && inner.streamed >= STREAM_AFTER
            && inner.reserved * self.magazine_bytes() < self.config.stream_reserve
            && STREAM_HELD.load(Relaxed) < STREAM_TOTAL
        {
            return true;
        }
        if inner.magazines[count - 1].len <= size {
            self.set_reserved(inner, inner.reserved - 1);
        }
        false
    }

    /// Bytes of a full magazine's slots: what a magazine of a stream's reserve counts for.
    fn magazine_bytes(&self) -> usize {
        self.config.magazine_size * self.config.slot_size
    }

    /// Keeps the reserve's count within the magazines listed, after a path that listed fewer
    /// (a take of the last one, the compaction of `retain_free`).
    pub(crate) fn clamp_reserved(&self, inner: &mut Inner) {
        if inner.reserved > inner.magazines.len() {
            self.set_reserved(inner, inner.magazines.len());
        }
    }

    /// Sets the number of magazines of the stream's reserve, and the process's count of the
    /// bytes held back in streams ([`STREAM_HELD`]) with it.
    fn set_reserved(&self, inner: &mut Inner, reserved: usize) {
        let bytes = self.magazine_bytes();
        if reserved > inner.reserved {
            STREAM_HELD.fetch_add((reserved - inner.reserved) * bytes, Relaxed);
        } else if reserved < inner.reserved {
            STREAM_HELD.fetch_sub((inner.reserved - reserved) * bytes, Relaxed);
        }
        inner.reserved = reserved;
    }

    /// Takes a full magazine and gives an empty array in exchange.
    #[inline(always)]
    pub(crate) fn exchange_full_locked(&self, inner: &mut Inner, mag: Magazine) -> NonNull<Round> {
        inner.streamed = 0;
        self.stock_for_empty(inner, mag)
    }

    /// Takes a full magazine and gives an empty array in exchange: as a freer's
    /// ([`give_freed_locked`](Self::give_freed_locked)) if `freer`, else as any other
    /// ([`exchange_full_locked`](Self::exchange_full_locked)).
    #[inline(always)]
    pub(crate) fn give_full_locked(
        &self,
        inner: &mut Inner,
        mag: Magazine,
        freer: bool,
    ) -> NonNull<Round> {
        if freer {
            self.give_freed_locked(inner, mag)
        } else {
            self.exchange_full_locked(inner, mag)
        }
    }

    /// Takes a full magazine from a freer (a cache that gives back slots taken on other
    /// threads and takes none: the consumer of a producer-consumer pair, see `cache.rs`) and
    /// gives an empty array in exchange.
    ///
    /// A stream: once [`STREAM_AFTER`] freers' magazines came in a row (and the pool has a
    /// `stream_reserve`, as the size classes do, and no `max`), each goes to the front of the
    /// list, behind the others, and the oldest of them is taken only once they hold
    /// `stream_reserve` bytes: meanwhile the takers (the producer) get never-used slots, and
    /// the pool grows by that much. A slot then comes back to the producer after about a MiB of
    /// others, when its lines have left the cache of the core that freed it; taken at once, as
    /// from a stack, the producer's write must take each line from that core first.
    /// `alloc_bench`'s `xmalloc-test` (a producer thread, a consumer thread, 64 B objects;
    /// AMD EPYC VM) takes about 0.8x the time this way (see CHANGELOG.md). Any other
    /// magazine given back ends the stream ([`exchange_full_locked`](Self::exchange_full_locked)),
    /// and the reserve is then taken as any free slots are; the heap's refusal takes it too
    /// ([`refill_locked`](Self::refill_locked)), and so does a process whose streams hold
    /// [`STREAM_TOTAL`] bytes in all.
    #[inline(always)]
    pub(crate) fn give_freed_locked(&self, inner: &mut Inner, mag: Magazine) -> NonNull<Round> {
        inner.streamed = inner.streamed.saturating_add(1);
        if inner.streamed < STREAM_AFTER
            || self.config.stream_reserve == 0
            || self.config.max != usize::MAX
            || STREAM_HELD.load(Relaxed) + self.magazine_bytes() > STREAM_TOTAL
        {
            return self.stock_for_empty(inner, mag);
        }
        self.free.fetch_add(mag.len, Relaxed);
        inner.magazines.insert(0, mag);
        self.set_reserved(inner, inner.reserved + 1);
        self.spare_array_locked(inner)
    }

    /// Lists a full magazine ([`stock`](Self::stock)) and returns an empty array.
    #[inline(always)]
    fn stock_for_empty(&self, inner: &mut Inner, mag: Magazine) -> NonNull<Round> {
        match self.stock(inner, mag) {
            Some(emptied) => emptied,
            None => self.spare_array_locked(inner),
        }
    }

    /// Lists a magazine of `1..=M` free slots given to the depot and counts them. If its slots
    /// and the last magazine's fit in one array, the smaller of the two is copied into the
    /// larger, which stays listed, and the other array, now empty, is returned: a cache whose
    /// magazine size is 8 would otherwise park 8 slots in an array of M = 240 rounds (1,920 B)
    /// at each exchange (in `alloc_bench`'s `mstress`, the byte allocator's classes used 1.4
    /// to 1.6 MB of arrays; 0.75 MB with merging). A full magazine of M never merges (the
    /// last one holds at least a slot), so a cache at M exchanges as it did: one push, one
    /// spare.
    #[inline(always)]
    fn stock(&self, inner: &mut Inner, mag: Magazine) -> Option<NonNull<Round>> {
        self.free.fetch_add(mag.len, Relaxed);
        let m = self.config.magazine_size;
        if let Some(last) = inner.magazines.last_mut() {
            if last.len + mag.len <= m {
                let (from, into) = if mag.len <= last.len {
                    (mag, *last)
                } else {
                    (*last, mag)
                };
                // SAFETY: both are magazines of this depot's arrays of M rounds, distinct
                // (`mag` was not listed), with `len` initialized rounds at their front;
                // `into.len + from.len <= M`, so the copy stays inside `into`'s array.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        from.rounds.as_ptr(),
                        into.rounds.as_ptr().add(into.len),
                        from.len,
                    )
                };
                *last = Magazine {
                    rounds: into.rounds,
                    len: into.len + from.len,
                };
                return Some(from.rounds);
            }
        }
        inner.magazines.push(mag);
        None
    }

    /// An empty array of M rounds.
    pub(crate) fn spare_array(&self) -> NonNull<Round> {
        self.spare_array_locked(&mut self.lock())
    }

    /// An empty array of M rounds (a new one is allocated under the lock: no user code runs
    /// there, and an allocation failure aborts).
    #[inline(always)]
    pub(crate) fn spare_array_locked(&self, inner: &mut Inner) -> NonNull<Round> {
        take_array(self.config.magazine_size, &mut inner.spare)
    }

    /// Takes up to `max` never-used slots, even while the depot holds free ones, growing the
    /// pool by a chunk if the regions have none; `None` if the heap refuses memory.
    pub(crate) fn take_fresh_locked(
        &self,
        inner: &mut Inner,
        max: usize,
    ) -> Option<(NonNull<u8>, usize)> {
        self.take_region(inner, max)
    }

    /// Takes up to `max` fresh slots from the regions, growing the pool by a chunk if needed.
    fn take_region(&self, inner: &mut Inner, max: usize) -> Option<(NonNull<u8>, usize)> {
        if inner.regions.is_empty() && !self.grow(inner) {
            return None;
        }
        let last = inner.regions.last_mut()?;
        let (start, left) = *last;
        let n = left.min(max);
        if n == left {
            inner.regions.pop();
        } else {
            // SAFETY: `n < left`, so `start + n * slot_size` stays inside the region's chunk.
            let rest = unsafe { start.add(n * self.config.slot_size) };
            *last = (rest, left - n);
        }
        Some((start, n))
    }

    /// Reserves one more chunk: about a page first, then 1/[`GROWTH_DIVISOR`] of the
    /// capacity in whole pages (at least a page), up to `chunk` slots (so a pool that serves a
    /// few objects costs about a page, one that serves a burst of a million objects grows by
    /// its cap in all but its first steps, and none reserves much more than its peak).
    ///
    /// A pool with a `max` grows in chunks up to `max` slots, then past it by at most
    /// `OVER_MAX_STEP` (and `chunk`) slots at a time. Only a caller holding a reservation (see
    /// `reserve`) takes slots of such a pool, so it grows past `max` only when fewer than `max`
    /// objects are live and no free slot is in the depot or the caller's cache: the others are
    /// cached by other threads. Capacity then stays below `max + OVER_MAX_STEP` plus the free
    /// slots other threads' caches hold (at most 3M each: two magazines and a run of at most M
    /// never-used slots).
    fn grow(&self, inner: &mut Inner) -> bool {
        let c = &self.config;
        let capacity = self.stats.capacity();
        // The first chunk: `prealloc` slots, else `first_chunk` (about a page, or `chunk`
        // when it is given); then chunks of 1/GROWTH_DIVISOR of the capacity, rounded down to
        // whole pages but at least `first_chunk`, up to `chunk` slots each.
        let want = if capacity == 0 && c.prealloc > 0 {
            c.prealloc
        } else {
            let mut share = capacity / GROWTH_DIVISOR;
            if c.slot_size <= heap::PAGE {
                // Whole pages: the slots that fill `share` slots' pages, rounded down.
                let pages = share * c.slot_size / heap::PAGE;
                share = pages * heap::PAGE / c.slot_size;
            }
            share.max(c.first_chunk).min(c.chunk)
        };
        let room = c.max.saturating_sub(capacity);
        let slots = if room > 0 {
            want.min(room)
        } else {
            OVER_MAX_STEP.min(c.chunk).min(c.magazine_size)
        };
        if slots == 0 {
            return false;
        }
        // `Config::of` checked in const evaluation that `chunk` and `prealloc` slots fit a
        // layout; `slots` is no more than one of them.
        let layout = Layout::from_size_align(c.slot_size * slots, c.slot_align)
            .expect("zokio-pool: chunk layout was validated by Config::of");
        // A run of whole pages from the process-wide page heap. The pages' bytes past the last
        // slot stay unused (less than a page per chunk): counting them as slots would change
        // the chunk sizes `chunk`, `prealloc` and `max` promise.
        let Some(start) = heap::allocate(layout) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: a new block of `slots` slots, aligned for them, used by nothing else yet.
        unsafe { crate::slot::init_chunk(start, slots, c) };
        inner.chunks.push((start, slots));
        inner.regions.push((start, slots));
        self.stats.grow(slots);
        true
    }

    /// Takes back what a closing thread cache held: up to two magazines, its arrays and a
    /// fresh run (the cache's counters were folded already).
    pub(crate) fn absorb_locked(
        &self,
        inner: &mut Inner,
        magazines: [Option<Magazine>; 2],
        spare: [Option<NonNull<Round>>; 2],
        fresh: Option<(NonNull<u8>, usize)>,
    ) {
        for mag in magazines.into_iter().flatten() {
            if let Some(emptied) = self.stock(inner, mag) {
                inner.spare.push(emptied);
            }
        }
        inner.spare.extend(spare.into_iter().flatten());
        inner.regions.extend(fresh);
    }

    /// Takes a cache off the list of active ones (it is closing).
    pub(crate) fn unlist(inner: &mut Inner, cache: Listed) {
        if let Some(i) = inner.caches.iter().position(|&c| c == cache) {
            inner.caches.swap_remove(i);
        }
    }

    /// [`unlist`](Self::unlist), for a cache that cannot be closed.
    pub(crate) fn unlist_cache(&self, cache: Listed) {
        Self::unlist(&mut self.lock(), cache);
    }

    /// Gives a magazine to the depot (the loom models hand magazines around without a cache).
    #[cfg(all(test, loom))]
    pub(crate) fn give_magazine(&self, mag: Magazine) {
        let mut inner = self.lock();
        inner.magazines.push(mag);
        self.free.fetch_add(mag.len, Relaxed);
    }

    /// One slot for a thread whose cache is closed (it is exiting). Counts it in the stats.
    pub(crate) fn take_one(&self) -> Option<NonNull<u8>> {
        let mut inner = self.lock();
        let (slot, fresh) = if let Some(last) = inner.magazines.last_mut() {
            last.len -= 1;
            // SAFETY: a listed magazine holds `len >= 1` rounds at the front of its array;
            // the one at the new `len` is initialized.
            let slot = unsafe { last.rounds.add(last.len).read() };
            if last.len == 0 {
                let rounds = last.rounds;
                inner.magazines.pop();
                inner.spare.push(rounds);
                self.clamp_reserved(&mut inner);
            }
            self.free.fetch_sub(1, Relaxed);
            self.note_low(&mut inner);
            (slot, 0)
        } else {
            let (start, _) = self.take_region(&mut inner, 1)?;
            drop(inner);
            (start, 1)
        };
        self.stats.count(1, 0, fresh);
        Some(slot)
    }

    /// A slot back from a thread whose cache is closed. Counts it in the stats.
    ///
    /// # Safety
    /// `slot` is a slot of this pool that no handle refers to any more.
    pub(crate) unsafe fn give_one(&self, slot: NonNull<u8>) {
        // SAFETY: forwarded from the caller.
        unsafe { self.put(&mut self.lock(), slot) };
        self.stats.count(0, 1, 0);
    }

    /// A free slot into the last magazine (a new one if that is full), without counting it.
    ///
    /// # Safety
    /// `slot` is a slot of this pool that no handle refers to any more; the depot hands it out
    /// again.
    unsafe fn put(&self, inner: &mut Inner, slot: NonNull<u8>) {
        let m = self.config.magazine_size;
        if inner.magazines.last().is_none_or(|last| last.len >= m) {
            let rounds = take_array(m, &mut inner.spare);
            inner.magazines.push(Magazine { rounds, len: 0 });
        }
        let last = inner
            .magazines
            .last_mut()
            .expect("zokio-pool: a magazine with room was just ensured");
        // SAFETY: `last.len < M` and the array has M rounds.
        unsafe { last.rounds.add(last.len).write(slot) };
        last.len += 1;
        self.free.fetch_add(1, Relaxed);
    }

    /// Free slots held by the depot (not counting never-used ones).
    #[inline]
    pub(crate) fn free_slots(&self) -> usize {
        self.free.load(Relaxed)
    }

    /// One object outside the slot machinery: a zero-sized item (no memory, a dangling pointer
    /// the caller makes) or, in checking mode and in a direct pool, a block of its own from the
    /// global allocator with `layout` (the pool's slot layout), so that Miri and sanitizers see
    /// every object's lifetime. Counts it; `None` at `max`.
    pub(crate) fn direct_take(&self, layout: Layout) -> Option<NonNull<u8>> {
        if !self.stats.hand_direct(self.config.max) {
            return None;
        }
        if layout.size() == 0 {
            return Some(NonNull::dangling());
        }
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(slot) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        self.stats.grow(1);
        self.direct_bytes.fetch_add(layout.size(), Relaxed);
        Some(slot)
    }

    /// Counts a block of `bytes` handed out outside the slot machinery (by `direct_take`, or by
    /// the byte allocator for a large object): one object, one unit of capacity, its bytes.
    #[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
    pub(crate) fn count_block_taken(&self, bytes: usize) {
        self.stats.hand_direct(usize::MAX);
        self.stats.grow(1);
        self.direct_bytes.fetch_add(bytes, Relaxed);
    }

    /// Counts a block [`count_block_taken`](Self::count_block_taken) counted that now holds
    /// `new` bytes instead of `old` (resized in place: still one block).
    #[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
    pub(crate) fn count_block_resized(&self, old: usize, new: usize) {
        if new >= old {
            self.direct_bytes.fetch_add(new - old, Relaxed);
        } else {
            self.direct_bytes.fetch_sub(old - new, Relaxed);
        }
    }

    /// Counts the return of a block [`count_block_taken`](Self::count_block_taken) counted.
    #[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
    pub(crate) fn count_block_given(&self, bytes: usize) {
        self.stats.count(0, 1, 0);
        self.stats.shrink(1);
        self.direct_bytes.fetch_sub(bytes, Relaxed);
    }

    /// Bytes of the blocks [`direct_take`](Self::direct_take) handed out and that are not back:
    /// a direct pool's `reserved_bytes`, whose objects' sizes are their own types'.
    pub(crate) fn direct_bytes(&self) -> usize {
        self.direct_bytes.load(Relaxed)
    }

    /// Gives back what [`direct_take`](Self::direct_take) gave.
    ///
    /// # Safety
    /// `slot` came from `direct_take` of this depot with this `layout`, and nothing refers to
    /// it any more.
    pub(crate) unsafe fn direct_give(&self, slot: NonNull<u8>, layout: Layout) {
        if layout.size() != 0 {
            // SAFETY: allocated by `direct_take` with this layout (the caller's contract).
            unsafe { alloc::dealloc(slot.as_ptr(), layout) };
            self.stats.shrink(1);
            self.direct_bytes.fetch_sub(layout.size(), Relaxed);
        }
        self.stats.count(0, 1, 0);
    }

    /// Whether `slot` is the start of a slot of one of this depot's chunks (a debug check of
    /// `PoolBox::from_raw`). Takes the lock and walks the chunks.
    pub(crate) fn owns(&self, slot: NonNull<u8>) -> bool {
        self.chunk_pointer(slot).is_some()
    }

    /// `slot` as a pointer derived from its chunk's (the page heap's, covering the whole
    /// chunk), if it is the start of a slot of one of this depot's chunks. Takes the lock and
    /// walks the chunks.
    ///
    /// Under Miri the byte allocator gives back the pointer a caller freed with this
    /// provenance, not the caller's: a `Box` retags its pointer for its own type's bytes, which
    /// may be fewer than the slot's, and the slot's next owner may use all of them.
    pub(crate) fn chunk_pointer(&self, slot: NonNull<u8>) -> Option<NonNull<u8>> {
        let addr = slot.as_ptr().addr();
        let size = self.config.slot_size;
        self.lock().chunks.iter().find_map(|&(start, slots)| {
            let base = start.as_ptr().addr();
            (addr >= base && addr < base + slots * size && (addr - base) % size == 0)
                .then(|| start.with_addr(slot.addr()))
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::config::Options;

    /// A depot of word-sized slots with M = 8.
    static DEPOT: Depot = Depot::new(Config::of::<u64>(Options::DEFAULT.cache(8).chunk(64)));

    /// A magazine of `n` fresh slots of `DEPOT`, in one of its arrays; the slots are also
    /// pushed to `all`.
    fn magazine(inner: &mut Inner, n: usize, all: &mut Vec<NonNull<u8>>) -> Magazine {
        let rounds = DEPOT.spare_array_locked(inner);
        let (start, got) = DEPOT
            .take_fresh_locked(inner, n)
            .expect("the page heap gives a chunk");
        assert_eq!(got, n, "the chunk holds the slots asked for");
        for i in 0..n {
            // SAFETY: slot `i < n` of the run just taken; the array has M = 8 >= n rounds.
            unsafe {
                let slot = start.add(i * DEPOT.config.slot_size);
                rounds.add(i).write(slot);
                all.push(slot);
            }
        }
        Magazine { rounds, len: n }
    }

    /// A depot of the 64 B size class's config (it settles: `Config::settle`).
    static CLASS: Depot = Depot::new(Config::of_class(64, 64));

    /// Takes `n` fresh slots of `CLASS` (growing it chunk by chunk).
    fn fresh(inner: &mut Inner, n: usize) -> Vec<NonNull<u8>> {
        let mut slots = Vec::new();
        while slots.len() < n {
            let (start, got) = CLASS
                .take_fresh_locked(inner, n - slots.len())
                .expect("the page heap gives a chunk");
            // SAFETY: slot `i < got` of the run just taken.
            slots.extend((0..got).map(|i| unsafe { start.add(i * 64) }));
        }
        slots
    }

    #[test]
    fn a_class_gives_back_its_free_chunks_when_a_cache_closes_with_half_of_it_free() {
        if crate::raw::CHECKING_MODE {
            return; // no chunks: every object is a block of its own
        }
        let mut inner = CLASS.lock();
        let slots = fresh(&mut inner, 600);
        let grown = CLASS.stats.capacity();
        assert!(grown >= 600);
        // 500 given back of 600: more than half the capacity is free, but the chunks that
        // hold the 100 still live stay.
        for &slot in &slots[100..] {
            // SAFETY: a slot of `CLASS` taken above, given back once, used by nothing.
            unsafe { CLASS.put(&mut inner, slot) };
        }
        CLASS.settle_locked(&mut inner);
        let settled = CLASS.stats.capacity();
        assert!(settled >= 100 && settled < grown, "{grown} -> {settled}");
        assert_eq!(inner.settled, settled);
        // Then it does not search again until the pool has grown by an eighth.
        let before = CLASS.free_slots();
        CLASS.settle_locked(&mut inner);
        assert_eq!(
            (CLASS.stats.capacity(), CLASS.free_slots()),
            (settled, before)
        );
        // Less than half free: nothing is given back, even after growth.
        let more = fresh(&mut inner, 2 * settled);
        let capacity = CLASS.stats.capacity();
        CLASS.settle_locked(&mut inner);
        assert_eq!(CLASS.stats.capacity(), capacity);
        // All free: every chunk goes.
        for &slot in slots[..100].iter().chain(&more) {
            // SAFETY: as above.
            unsafe { CLASS.put(&mut inner, slot) };
        }
        CLASS.settle_locked(&mut inner);
        assert_eq!(CLASS.stats.capacity(), 0);
        assert_eq!(CLASS.free_slots(), 0);
    }

    #[test]
    fn a_derived_types_pool_keeps_its_chunks_when_a_cache_closes() {
        static TYPED: Depot = Depot::new(Config::of::<[u64; 8]>(Options::DEFAULT));
        let mut inner = TYPED.lock();
        let (start, n) = TYPED
            .take_fresh_locked(&mut inner, 16)
            .expect("the page heap gives a chunk");
        let capacity = TYPED.stats.capacity();
        for i in 0..n {
            // SAFETY: slot `i < n` of the run just taken, given back once.
            unsafe { TYPED.put(&mut inner, start.add(i * 64)) };
        }
        TYPED.settle_locked(&mut inner);
        assert_eq!(TYPED.stats.capacity(), capacity);
        assert!(TYPED.free_slots() >= n);
    }

    fn lens(inner: &Inner) -> Vec<usize> {
        inner.magazines.iter().map(|m| m.len).collect()
    }

    /// A magazine of `depot`'s M = 8 fresh slots (its slots are word-sized).
    fn full(depot: &Depot, inner: &mut Inner) -> Magazine {
        let rounds = depot.spare_array_locked(inner);
        let (start, got) = depot
            .take_fresh_locked(inner, 8)
            .expect("the page heap gives a chunk");
        assert_eq!(got, 8, "the chunk holds the slots asked for");
        for i in 0..8 {
            // SAFETY: slot `i < 8` of the run just taken; the array has M = 8 rounds.
            unsafe { rounds.add(i).write(start.add(i * depot.config.slot_size)) };
        }
        Magazine { rounds, len: 8 }
    }

    /// Takes a magazine of up to 8 slots; the array it came in, if any.
    fn take(depot: &Depot, inner: &mut Inner, reserve: bool) -> Option<NonNull<Round>> {
        let mut array = depot.spare_array_locked(inner);
        let spare = array;
        match depot.exchange_empty(inner, &mut array, 8, reserve) {
            Some(len) => {
                assert_eq!(len, 8);
                Some(array)
            }
            None => {
                assert_eq!(array, spare, "a refused take keeps the caller's array");
                inner.spare.push(array);
                None
            }
        }
    }

    #[test]
    fn a_stream_of_freed_magazines_is_taken_oldest_first_past_its_reserve() {
        /// Word-sized slots, M = 8, a reserve of two magazines (128 B).
        static STREAM: Depot = Depot::new({
            let mut config = Config::of::<u64>(Options::DEFAULT.cache(8).chunk(64));
            config.stream_reserve = 2 * 8 * 8;
            config
        });
        let d = &STREAM;
        let mut inner = d.lock();
        // Below STREAM_AFTER freers' magazines in a row, the depot is a stack.
        let mut given = Vec::new();
        for _ in 0..STREAM_AFTER - 1 {
            let mag = full(d, &mut inner);
            given.push(mag.rounds);
            d.give_freed_locked(&mut inner, mag);
        }
        assert_eq!(inner.reserved, 0);
        // The next one starts the reserve, at the front of the list.
        let first = full(d, &mut inner);
        d.give_freed_locked(&mut inner, first);
        assert_eq!((inner.reserved, inner.magazines.len()), (1, STREAM_AFTER));
        // The others still go newest first; the reserve (64 B of 128) is held back.
        for expected in given.iter().rev() {
            assert_eq!(take(d, &mut inner, false), Some(*expected));
        }
        assert_eq!(d.free_slots(), 8);
        assert_eq!(take(d, &mut inner, false), None, "the reserve is held back");
        // A second magazine fills the reserve: the oldest goes first.
        let second = full(d, &mut inner);
        d.give_freed_locked(&mut inner, second);
        assert_eq!(take(d, &mut inner, false), Some(first.rounds));
        assert_eq!(take(d, &mut inner, false), None);
        // When the heap refuses memory, the reserve is taken (`refill_locked`).
        assert_eq!(take(d, &mut inner, true), Some(second.rounds));
        assert_eq!((inner.reserved, d.free_slots()), (0, 0));
        // Any other magazine ends the stream: the reserve is then taken as any free slots.
        let third = full(d, &mut inner);
        d.give_freed_locked(&mut inner, third);
        assert_eq!(inner.reserved, 1);
        let other = full(d, &mut inner);
        d.exchange_full_locked(&mut inner, other);
        assert_eq!(take(d, &mut inner, false), Some(other.rounds));
        assert_eq!(take(d, &mut inner, false), Some(third.rounds));
        assert_eq!(take(d, &mut inner, false), None, "the depot is empty");
    }

    #[test]
    fn the_streams_of_all_pools_hold_back_at_most_stream_total() {
        /// M = 65,536 rounds of word-sized slots: a magazine of the reserve counts for
        /// 512 KiB (the test's magazines hold 8 slots, to keep the test small), and each
        /// pool may hold 64 MiB back: the process's total is the limit.
        const M: usize = 1 << 16;
        static WIDE: Depot = Depot::new({
            let mut config = Config::of::<u64>(Options::DEFAULT.cache(M).chunk(64));
            config.stream_reserve = 64 << 20;
            config
        });
        let d = &WIDE;
        let mut inner = d.lock();
        let bytes = d.magazine_bytes();
        assert_eq!(bytes, 512 << 10);
        let most = STREAM_TOTAL / bytes;
        for _ in 0..STREAM_AFTER + 2 * most {
            let mag = full(d, &mut inner);
            d.give_freed_locked(&mut inner, mag);
        }
        // Whatever other tests hold back meanwhile, this pool's share stays within the total,
        // and the freers' magazines past it were listed as any others.
        assert!(
            inner.reserved <= most,
            "{} magazines held back",
            inner.reserved
        );
        assert!(STREAM_HELD.load(Relaxed) >= inner.reserved * bytes);
        while take(d, &mut inner, true).is_some() {}
        assert_eq!((inner.reserved, d.free_slots()), (0, 0));
    }

    #[test]
    fn a_reserve_taken_by_other_paths_leaves_the_count() {
        /// As in the stream test: word-sized slots, M = 8, a reserve of two magazines.
        static TAKEN: Depot = Depot::new({
            let mut config = Config::of::<u64>(Options::DEFAULT.cache(8).chunk(64));
            config.stream_reserve = 2 * 8 * 8;
            config
        });
        let d = &TAKEN;
        let mut inner = d.lock();
        for _ in 0..STREAM_AFTER {
            let mag = full(d, &mut inner);
            d.give_freed_locked(&mut inner, mag);
        }
        // Fifteen magazines on the stack, one in the reserve: take the stack's.
        while inner.magazines.len() > 1 {
            assert!(take(d, &mut inner, false).is_some());
        }
        assert_eq!(inner.reserved, 1);
        drop(inner);
        // A thread whose cache is closed takes single slots (`take_one`): the reserve's
        // magazine empties and leaves the list, and its count with it.
        for _ in 0..8 {
            assert!(d.take_one().is_some());
        }
        let inner = d.lock();
        assert_eq!((inner.magazines.len(), inner.reserved), (0, 0));
    }

    #[test]
    fn a_pool_without_a_stream_reserve_stays_a_stack() {
        // A derived type's pool (no `stream_reserve`), and a class-like one with a `max`.
        static TYPED: Depot = Depot::new(Config::of::<u64>(Options::DEFAULT.cache(8).chunk(64)));
        static CAPPED: Depot = Depot::new({
            let mut config = Config::of::<u64>(Options::DEFAULT.cache(8).chunk(64).max(1 << 20));
            config.stream_reserve = 8;
            config
        });
        for d in [&TYPED, &CAPPED] {
            let mut inner = d.lock();
            let mut given = Vec::new();
            for _ in 0..2 * STREAM_AFTER {
                let mag = full(d, &mut inner);
                given.push(mag.rounds);
                d.give_freed_locked(&mut inner, mag);
            }
            assert_eq!(inner.reserved, 0);
            for expected in given.iter().rev() {
                assert_eq!(take(d, &mut inner, false), Some(*expected));
            }
        }
    }

    #[test]
    fn small_magazines_merge_and_a_cache_takes_no_more_than_its_size() {
        let mut inner = DEPOT.lock();
        let mut given = Vec::new();
        // Two small magazines share one array; the emptied one comes back at once.
        let a = magazine(&mut inner, 3, &mut given);
        let empty = DEPOT.exchange_full_locked(&mut inner, a);
        assert_ne!(empty, a.rounds, "the first magazine is listed as it is");
        let b = magazine(&mut inner, 4, &mut given);
        let back = DEPOT.exchange_full_locked(&mut inner, b);
        assert_eq!(
            back, a.rounds,
            "the smaller magazine's array is the one emptied"
        );
        assert_eq!(lens(&inner), [7]);
        // A full one (M = 8) never merges.
        let c = magazine(&mut inner, 8, &mut given);
        DEPOT.exchange_full_locked(&mut inner, c);
        assert_eq!(lens(&inner), [7, 8]);
        assert_eq!(DEPOT.free_slots(), 15);
        // A cache of size 2 takes the last two slots of the last magazine, copied...
        let mut taken = Vec::new();
        let mut array = empty;
        let take = |inner: &mut Inner, array: &mut NonNull<Round>, size, taken: &mut Vec<_>| {
            let n = DEPOT
                .take_magazine_locked(inner, array, size)
                .expect("the depot has free slots");
            for i in 0..n {
                // SAFETY: the depot filled the first `n` rounds of the array.
                taken.push(unsafe { array.add(i).read() });
            }
            n
        };
        assert_eq!(take(&mut inner, &mut array, 2, &mut taken), 2);
        assert_eq!(array, empty, "a split fills the cache's own array");
        assert_eq!(lens(&inner), [7, 6]);
        // ...and one of size 8 takes a whole magazine of at most that, by exchange.
        assert_eq!(take(&mut inner, &mut array, 8, &mut taken), 6);
        assert_eq!(array, c.rounds, "a whole magazine is exchanged, not copied");
        assert_eq!(take(&mut inner, &mut array, 8, &mut taken), 7);
        assert_eq!(DEPOT.free_slots(), 0);
        assert_eq!(DEPOT.take_magazine_locked(&mut inner, &mut array, 8), None);
        // Every slot given came back once.
        given.sort_unstable();
        taken.sort_unstable();
        assert_eq!(given, taken);
        // A closing cache's partial magazines merge too.
        let mut more = Vec::new();
        let d = magazine(&mut inner, 5, &mut more);
        let e = magazine(&mut inner, 2, &mut more);
        let spares = inner.spare.len();
        DEPOT.absorb_locked(&mut inner, [Some(d), Some(e)], [None, None], None);
        assert_eq!(lens(&inner), [7]);
        assert_eq!(
            inner.spare.len(),
            spares + 1,
            "the emptied array is a spare"
        );
        assert_eq!(DEPOT.free_slots(), 7);
    }
}
