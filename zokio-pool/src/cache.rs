//! The per-thread, per-pool cache: the hot path.
//!
//! A cache holds two magazines (arrays of pointers to free slots, see `magazine`): the loaded
//! one, where pops and pushes happen at `top`, and at most one previous one, which is either
//! full or empty. How many slots a magazine takes, the cache's magazine size, adapts to the
//! thread's use between [`MAGAZINE_MIN`] and the pool's M (see `LocalCache::adapt`): large
//! for runs of takes or gives back, small for a random mix, so a cache holds few free slots
//! when that costs nothing. `pop` and `push` are a handful of instructions on `Cell`s: a
//! compare with the loaded array's bound, one load or store in the array, no lock, no atomic,
//! no size lookup, and no access to the slot's own memory. Everything else is in `#[cold]`
//! functions: swapping magazines, talking to the depot, the first use on a thread (registering
//! the flush that runs at thread exit) and every operation after that flush. A cache
//! exchanges one magazine with the depot at a time, as Bonwick's do, except in a run at the
//! pool's M, where it moves two (see `streaming`).
//!
//! The slow paths are split by how often they run: the swap with the previous array (every
//! other slow call in a run) is a few loads and stores in small functions
//! (`LocalCache::pop_swapped`, inlined into `raw::pop_slow`, and `LocalCache::push_slow`); the exchange with the depot, the first use and the closed
//! cache are in large `#[cold]` ones (`pop_slow`, `push_exchange`).
//!
//! The cache type has no `Drop`, so its `thread_local!` (const-initialized) needs no
//! registration check on access. The flush is registered separately, on the slow path.

use core::cell::{Cell, RefCell};
use core::mem::size_of;
use core::ptr::{null_mut, NonNull};
use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicPtr, AtomicUsize};
use std::thread::LocalKey;

use crate::depot::{Depot, Inner, Listed, Refill};
use crate::magazine::{Magazine, Round};
use crate::stats::{PoolStats, Unfolded};
use crate::sys::{sys_vec, SysVec};

/// A `Cell` that a statistics reader on another thread may load.
///
/// Only the owning thread stores, with relaxed atomic stores (plain stores on x86-64 and
/// AArch64). The owner reads with plain, non-atomic loads, which race with nothing: the only
/// writes are its own, and a reader's atomic load does not conflict with a read. LLVM moves no
/// memory access across an atomic load or store, so the hot path must not put one between
/// building a value and writing it to its slot: it would build the value on the stack and copy
/// it (8 more instructions per 64 B pair, measured with callgrind). Owner reads are plain for
/// that reason, and the stores that take a slot come after the value is written (see
/// `raw::alloc_uncommitted`). `add` is a relaxed load and store, which LLVM folds into one
/// `inc` on memory.
macro_rules! published {
    ($(#[$m:meta])* $name:ident, $atomic:ty, $value:ty) => {
        $(#[$m])*
        struct $name($atomic);

        impl $name {
            const fn new(v: $value) -> Self {
                $name(<$atomic>::new(v))
            }

            /// The value, read by the owning thread (the only one that stores).
            #[inline(always)]
            fn get(&self) -> $value {
                // SAFETY: valid and aligned; only the owning thread stores and calls `get`
                // (other threads `load`), so this plain read follows every store in program
                // order and races with nothing.
                unsafe { self.0.as_ptr().read() }
            }

            #[inline(always)]
            fn set(&self, v: $value) {
                self.0.store(v, Relaxed)
            }

            /// The value, read from any thread.
            #[inline(always)]
            fn load(&self) -> $value {
                self.0.load(Relaxed)
            }
        }
    };
}

impl PubUsize {
    /// Adds one (owner only): a relaxed load and store, one `inc` on memory.
    #[inline(always)]
    fn bump(&self) {
        self.add(1);
    }

    /// Adds `n`, wrapping (owner only): a relaxed load and store, one `add` on memory.
    #[inline(always)]
    fn add(&self, n: usize) {
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed)
    }
}

published!(
    /// A published `usize`.
    PubUsize, AtomicUsize, usize
);
published!(
    /// A published pointer into a magazine array.
    PubRound, AtomicPtr<Round>, *mut Round
);

/// The smallest magazine size a thread cache adapts down to (or the pool's M, when that is
/// smaller). A cache starts there and doubles its size after each run of takes or of gives
/// back that empties or fills a magazine (a batch, a burst, a producer or a consumer thread),
/// up to the pool's M (`cache = N` when given, else from the slot size: 240 slots of 64 B, 63
/// of 4 KiB); it halves it when its exchanges with the depot become rare (see
/// [`MAGAZINE_SHRINK_AFTER`]).
///
/// A cache that stays this small holds at most 17 free slots of its pool; one that grows
/// pays 5 exchanges of about 100 instructions each to go from 8 to 240.
pub const MAGAZINE_MIN: usize = 8;

/// A thread cache whose depot's lock was held by another thread (Bonwick's contention rule)
/// doubles its magazine size if the exchange came within this many magazines' worth of
/// operations of its previous one: trips to a contended lock are then frequent.
pub const MAGAZINE_GROW_WITHIN: usize = 2;

/// A thread cache halves its magazine size when a magazine exchange comes more than this many
/// magazines' worth of operations after its previous one (down to [`MAGAZINE_MIN`]): it then
/// serves its thread from what it holds, and holding less is memory for other threads and
/// other pools. Takes and gives back in random order exchange about once in M² operations,
/// so such a cache settles at 8 to 32 slots and holds at most 2M of its pool's free slots
/// (64 where a fixed M = 256 held up to 512).
pub const MAGAZINE_SHRINK_AFTER: usize = 32;

/// A thread cache below [`MAGAZINE_FREQUENT_MAX`] doubles its magazine size when a magazine
/// exchange comes within this many magazines' worth of operations of its previous one,
/// contended or not: a thread that mixes takes and gives back at random exchanges about once
/// in M² operations, so at M = 8 every 64 or so, and each exchange is a trip to the depot's
/// lock and lines that another thread may have written last.
///
/// Without this rule only a run grew a cache, so a thread that started with a random mix
/// (`larson`'s later generations: each thread inherits its blocks and only replaces them)
/// stayed at [`MAGAZINE_MIN`] and visited the depot once per 60-100 operations, while one
/// that started with a run settled at 16 or 32 on the way down. With it both settle there:
/// in `larson` (two threads, sizes 8 to 1,000 B, 20 million replacements) the depot locks
/// taken fell from 420,073-420,987 a run to 36,572-36,617, the contended ones from 1,233-1,387
/// to 15-26 (three runs each, with a counter added for the measurement), and the runs near
/// 0.33 s that made its time bimodal on this VM became rare and shorter (see the README's
/// byte-allocator section).
pub const MAGAZINE_GROW_FREQUENT: usize = 16;

/// The largest magazine size [`MAGAZINE_GROW_FREQUENT`] grows a cache to (or the pool's M,
/// when that is smaller); runs grow it further, up to M. Between the two rules a random mix
/// settles at 16 or 32 slots: exchanges about 256 operations apart at 16 (frequent: grow),
/// about 1,024 at 32 (rare: shrink, see [`MAGAZINE_SHRINK_AFTER`]), so such a cache holds at
/// most 65 free slots of its pool.
pub const MAGAZINE_FREQUENT_MAX: usize = 32;

const _: () = assert!(MAGAZINE_GROW_FREQUENT < MAGAZINE_SHRINK_AFTER);
const _: () = assert!(MAGAZINE_FREQUENT_MAX >= MAGAZINE_MIN);

// Freers. A thread cache that only frees (a freer) is told from one that frees a batch of its
// own by what it gave back since it last took a slot: more slots than the pool's recent peak
// of live objects, so most of them were taken on other threads (the consumer of a
// producer-consumer pair). A freer gives each full magazine to the depot at once and keeps no
// full one (`push_slow`): what it would keep is stranded, since its thread never takes, and
// the producer would grow the pool instead.
//
// In the report's cross-thread row (1,024 objects in flight, M = 256; `--quick`, pool /
// mimalloc and fragmentation at the peak): keeping a full magazine as Bonwick's caches do,
// 2.4-3.1x and 33.3% (three runs); keeping none, 3.2-3.5x and 20.0% (three runs: the producer
// finds the freed slots in the depot sooner). Capping a freer's magazines at 1/8 of the peak
// as well gave 1.9-3.3x and 11-16% (three runs), at 1/32 1.7x and 2.0x and 5.9% (two runs,
// one page past the peak): fewer slots in transit cost more trips to the depot's lock, so
// the cap was left out.

/// Whether a magazine exchange moves two magazines: the cache is at the pool's M (`size ==
/// m`), and since its previous exchange it did at least a magazine's worth of operations in
/// this exchange's direction (`along`, takes for a take's exchange, gives back for a give
/// back's) and none the other way (`against`): a run, such as a batch of objects taken or
/// freed, a producer or a consumer. Such a cache takes two full magazines when both its
/// arrays are empty, and gives both when both are full, so a run visits the depot once per
/// two magazines instead of once per magazine (Bonwick's caches move one).
///
/// Only in a run: a cache whose takes and gives back alternate around the point where it
/// exchanges would otherwise jump between holding nothing and holding 2M slots at every
/// other operation, each jump a visit to the depot; one magazine at a time, it swaps its two
/// arrays there instead, without the depot.
#[inline(always)]
fn streaming(along: usize, against: usize, size: usize, m: usize) -> bool {
    size == m && against == 0 && along >= size
}

use MAGAZINE_FREQUENT_MAX as FREQUENT_MAX;
use MAGAZINE_GROW_FREQUENT as GROW_FREQUENT;
use MAGAZINE_GROW_WITHIN as GROW_WITHIN;
use MAGAZINE_SHRINK_AFTER as SHRINK_AFTER;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Never used on this thread: the flush is not registered yet.
    Unregistered,
    /// In use.
    Active,
    /// Flushed at thread exit: every operation goes to the depot.
    Closed,
}

/// The thread cache of one pool on one thread. Created by the derive's `thread_local!`.
///
/// A freed slot goes onto the loaded array and a take takes the top of it: a compare with the
/// array's bound, one load or store in the array, one store of `top`. Until 2026-12-03 derived
/// pools had a *hot slot* in front of the array (a free filled it when empty, a take emptied
/// it first): the allocate-free pair then touched only that slot (30 instructions against 35),
/// but every take and give back of a run paid its test on top of the array's (38.2 and 35.3
/// instructions per object in the 64 B LIFO and FIFO batches, 30.7 and 27.7 without it), and
/// on the Intel model-207 VM the pair measured the same time either way. Without it a loop
/// over fresh pools put round 0 of each array where its object was (see `magazine::COLOUR`
/// for why arrays start past a page's first 256 bytes; CHANGELOG.md for the figures).
///
/// While active, the loaded array is `low..high` (the cache's magazine size, or more when the
/// array was filled under a larger one; its memory has the pool's M rounds) and holds free slots in
/// `low..top`. While not active, the three pointers are null, so `top == low` sends every pop
/// and `top == high` every push to the slow path, which looks at the state: no slot ever lands
/// in an inactive cache.
/// Bookkeeping on the hot path is one counter, `handed`; the number of slots given back is
/// derived from it when it is needed (see `LocalCache::unfolded`).
///
/// The fields that statistics read (`top`, `low`, `prev_len`, `handed`, `fresh`,
/// `held_baseline`, `kept`, `kept_capacity`, `peak`, `size`) are published: relaxed atomics that only the owner stores.
/// An active cache is listed in its depot (under the depot's lock), so that `PoolStats` can add
/// up what every live thread has not folded yet; `close` takes it off the list at thread exit,
/// before the thread's TLS memory goes away. Every change that moves counts between the cache
/// and the depot (a fold, a magazine exchange, activation, closing) happens under the depot's
/// lock, so a reader, who holds it too, sees each either wholly or not at all.
#[doc(hidden)]
#[repr(C)] // the hot fields first, in one cache line
pub struct LocalCache {
    /// One past the last free slot of the loaded array.
    top: PubRound,
    /// The loaded array.
    low: PubRound,
    /// One past the end of the loaded array.
    high: Cell<*mut Round>,
    /// Slots handed out since the last fold.
    handed: PubUsize,
    /// The previous array (null until the cache needs a second one).
    prev: Cell<*mut Round>,
    /// Free slots in `prev`: 0, or the slots of the full array it was when it became `prev`
    /// (at most the pool's M). 0 while `prev` is null.
    prev_len: PubUsize,
    /// Slots given back since the cache last took one, counted at magazine exchanges.
    freed: Cell<usize>,
    /// Whether the thread is taken for a freer (see "Freers" at the top of this file):
    /// `freed` exceeded the pool's recent peak of live objects at the last exchange.
    freer: Cell<bool>,
    /// Whether the cache's first operation gave a slot back, and the cache has not refilled
    /// since (see "Foreign slots" in [`push_slow`](Self::push_slow)).
    foreign_first: Cell<bool>,
    /// This cache's magazine size now: how many slots the loaded array takes before a push
    /// goes to the slow path, and the most it takes from the depot as never-used slots.
    /// Adapts between [`MAGAZINE_MIN`] (or the pool's M, if smaller) and the pool's M: see
    /// [`adapt`](Self::adapt).
    size: PubUsize,
    state: Cell<State>,
    /// Never-used slots taken from the depot: the next one and how many are left.
    fresh_next: Cell<*mut u8>,
    fresh_left: Cell<usize>,
    /// Fresh slots handed out since the last fold.
    fresh: PubUsize,
    /// What the cache would hold had no slot been handed out or given back since the last
    /// fold: what it held at the fold, plus the slots the slow paths brought in since
    /// (magazines, fresh slots), minus those they sent out. So the slots given back since the
    /// fold are `returned = handed + held - held_baseline` (wrapping), with no counter of
    /// their own on the hot path.
    held_baseline: PubUsize,
    /// Recycle mode: slots taken empty minus slots given back empty since the last fold, and
    /// the `kept_capacity` of kept objects given back minus that of those taken (both
    /// wrapping). The number of kept objects follows from the first (`Depot::snapshot`).
    kept: PubUsize,
    kept_capacity: PubUsize,
    /// The largest `live` this cache computed when it handed out a fresh slot since its last
    /// fold, or 0: the pool's high-water mark takes it at the fold, and a reader of the
    /// statistics takes it from here (see [`note_peak`](Self::note_peak)).
    peak: PubUsize,
}

impl core::fmt::Debug for LocalCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalCache")
            .field("state", &self.state.get())
            .finish_non_exhaustive()
    }
}

impl Default for LocalCache {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalCache {
    /// A cache that has not been used yet.
    pub const fn new() -> LocalCache {
        LocalCache {
            top: PubRound::new(null_mut()),
            low: PubRound::new(null_mut()),
            high: Cell::new(null_mut()),
            handed: PubUsize::new(0),
            prev: Cell::new(null_mut()),
            prev_len: PubUsize::new(0),
            size: PubUsize::new(0),
            freed: Cell::new(0),
            freer: Cell::new(false),
            foreign_first: Cell::new(false),
            state: Cell::new(State::Unregistered),
            fresh_next: Cell::new(null_mut()),
            fresh_left: Cell::new(0),
            fresh: PubUsize::new(0),
            held_baseline: PubUsize::new(0),
            kept: PubUsize::new(0),
            kept_capacity: PubUsize::new(0),
            peak: PubUsize::new(0),
        }
    }

    /// This cache, at an address LLVM holds in a register: the hot paths reach the cache
    /// through it.
    ///
    /// A `thread_local!` of an executable is at a constant offset from the thread pointer, and
    /// on x86-64 LLVM folds that offset into each access: `mov %fs:-0x2d48, %rcx`, a segment
    /// and a displacement with no base register. AMD's Zen 4 forwards a store to a later load
    /// of the same address with no latency ("memory renaming") only when the address has a
    /// base register; a take stores the array's top and the next give-back loads it, and the
    /// give-back's store is the next take's load, so with the folded form each pair waited on
    /// two store-to-load forwards. Measured on an AMD EPYC of family 25, model 17 (Zen 4): a
    /// pop-and-push loop of that shape took 2.3 ns a pair with the folded form and 1.1-1.2 ns
    /// with a base register (`%fs:(%reg)` or `(%reg)` alike); the report's hot pair of a
    /// derived pool took 3.9 ns against 2.8 for `PoolAlloc`, whose caches (an array indexed
    /// by class) LLVM happened to reach through a register.
    ///
    /// The empty `asm!` hands the address to LLVM in a register that it must then use as the
    /// base. It reads no memory and is `pure`, so LLVM computes the address once per function
    /// and hoists it out of loops: a loop of takes and give-backs pays nothing per object, and
    /// a lone take and give-back in one function pay the address (`mov %fs:0` and a `lea`)
    /// and a register to keep it in (the 64 B pair of `scripts/instructions.sh`: 35 -> 38
    /// instructions, with `raw::pop_slow`'s `#[cold]` taking one off). Adding an opaque zero
    /// to the address instead (`%fs:-0x2d48(%rbx)` after `xor %ebx, %ebx`) made that pair 37
    /// but `ClassBox`'s 40, whose cache LLVM already reached through a register (38 either way
    /// with this form). Elsewhere (other architectures, Miri) the cache as it is.
    #[inline(always)]
    #[allow(clippy::pointers_in_nomem_asm_block)] // the template reads no memory
    pub(crate) fn in_register(&self) -> &LocalCache {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        {
            let mut cache: *const LocalCache = self;
            // SAFETY: the template is empty: the register holds `self`'s address before and
            // after, and nothing else (memory, flags, the stack) is touched, as the options
            // say.
            unsafe {
                core::arch::asm!(
                    "/* {0} */",
                    inout(reg) cache,
                    options(pure, nomem, nostack, preserves_flags)
                )
            };
            // SAFETY: `cache` is `self` (see above), valid for `self`'s lifetime.
            unsafe { &*cache }
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        self
    }

    /// Takes a free slot: the top of the loaded array, else the slow path. `raw::alloc`
    /// inlines the first through [`peek_array`](Self::peek_array) and calls this out of line
    /// only when the array is empty.
    ///
    /// `home` must be where this cache lives and `depot` the depot of its pool.
    #[inline(always)]
    pub(crate) fn pop(&self, home: Home, depot: &'static Depot) -> Option<NonNull<u8>> {
        match self.peek_array() {
            Some(top) => {
                // SAFETY: `peek_array` returns a round of the loaded array that holds an
                // initialized free slot.
                let slot = unsafe { top.read() };
                self.commit_array(top);
                Some(slot)
            }
            None => self.pop_slow(home, depot),
        }
    }

    /// Takes the slot that [`peek_array`](Self::peek_array) found (nothing ran between): `top`
    /// is the round it returned.
    #[inline(always)]
    pub(crate) fn commit_array(&self, top: *mut Round) {
        self.top.set(top);
        self.handed.bump();
    }

    /// Where the slot on top of the loaded array is, left in place
    /// ([`commit_array`](Self::commit_array) takes it), or `None` if the array is empty (or
    /// the cache is not active).
    #[inline(always)]
    pub(crate) fn peek_array(&self) -> Option<*mut Round> {
        let top = self.top.get();
        if top == self.low.get() {
            return None;
        }
        // SAFETY: `low < top <= high`: the cache is active (else both are null) and its loaded
        // array is not empty, so `top - 1` is in the array and holds an initialized round.
        Some(unsafe { top.sub(1) })
    }

    /// Gives back a slot onto the loaded array, or through the slow path when it is full (or
    /// the cache is not active).
    ///
    /// # Safety
    /// `slot` is a slot of this cache's pool that no handle refers to any more; `home` is where
    /// this cache lives and `depot` the depot of its pool.
    #[inline(always)]
    pub(crate) unsafe fn push(&self, slot: NonNull<u8>, home: Home, depot: &'static Depot) {
        let top = self.top.get();
        if top == self.high.get() {
            // SAFETY: forwarded from the caller.
            return unsafe { self.push_slow(slot, home, depot) };
        }
        // SAFETY: `low <= top < high`: the cache is active (else both are null) and its loaded
        // array is not full, so `top` is a round of the array and `top + 1` at most its end.
        unsafe {
            top.write(slot);
            self.top.set(top.add(1));
        }
    }

    /// The next never-used slot of the cache's run, when a take whose loaded array is empty
    /// (a [`peek_array`](Self::peek_array) found nothing) has nothing to take before it: no
    /// previous magazine and no free slot in the depot. `None` otherwise, and then the caller
    /// goes on to [`pop_slow`](Self::pop_slow).
    ///
    /// Inlined into the callers' out-of-line paths, ahead of everything else they do: it is
    /// how a growing pool takes each object after the first of a run (one in M goes further),
    /// so it skips what the rest of the slow path needs and this case does not (the
    /// huge-page switch, the state, the pool's registration, a second `peek`). Each condition
    /// it checks is one the slow path checks before it carves (`pop_slow`'s last lines), and
    /// a run (`fresh_left > 0`) only exists in an active cache of a registered pool: it comes
    /// from a refill, after both, and `close` gives it back.
    ///
    /// The caller calls it right after the `peek` that found the cache empty, with nothing run
    /// in between (in particular no allocation, which may come back to this cache).
    #[inline(always)]
    pub(crate) fn carve_next(&self, depot: &Depot) -> Option<NonNull<u8>> {
        if self.fresh_left.get() == 0 || self.prev_len.get() > 0 || depot.free_slots() > 0 {
            return None;
        }
        debug_assert!(self.held() == 0, "the caller's peek found the cache empty");
        let slot = self.carve(depot);
        // `unfolded().returned` is `handed + held - held_baseline`, and `held` is 0: the loaded
        // array was empty at the caller's `peek_array`, nothing ran since, and `prev_len` is 0.
        let handed = self.handed.get();
        self.note_peak(
            depot
                .stats()
                .live_with(handed, handed.wrapping_sub(self.held_baseline.get())),
        );
        Some(slot)
    }

    /// Records `live`, computed as a fresh slot was handed out, in the cache's own `peak`:
    /// the pool's `high_water` takes it at the cache's next fold (a magazine exchange, a
    /// drain, the thread's exit), and [`pool_stats`] reads it from every listed cache before
    /// then, so the mark is what it would be had the depot's counter been raised here.
    ///
    /// Raising the depot's counter at each fresh slot made every thread growing a pool at the
    /// same time write one cache line (a locked compare-exchange each, the line moving from
    /// core to core): 6.6% of the `btree` program's time under `PoolAlloc` (two threads
    /// building maps, `perf` samples), in `take_slow`. Here each thread writes its own cache
    /// and only reads the depot's counters, which change at folds.
    #[inline(always)]
    fn note_peak(&self, live: usize) {
        if live > self.peak.get() {
            self.peak.set(live);
        }
    }

    /// Hands out the next slot of the cache's never-used run (`fresh_left > 0`) and counts it
    /// in the unfolded counters; the caller records the new live count (`note_peak`).
    #[inline(always)]
    fn carve(&self, depot: &Depot) -> NonNull<u8> {
        debug_assert!(self.fresh_left.get() > 0);
        let slot = self.fresh_next.get();
        // SAFETY: `fresh_left > 0`, so `slot` is a never-used slot of a chunk and the next one
        // (possibly one past the run's end) is in or one past the same chunk.
        self.fresh_next
            .set(unsafe { slot.add(depot.config().slot_size) });
        self.fresh_left.set(self.fresh_left.get() - 1);
        self.fresh.set(self.fresh.get() + 1);
        self.handed.bump();
        // A fresh slot enters the cache's accounts as if it had been moved in and popped.
        self.held_baseline
            .set(self.held_baseline.get().wrapping_add(1));
        // SAFETY: slots are carved from non-null chunks.
        unsafe { NonNull::new_unchecked(slot) }
    }

    /// A take's slow path: the loaded array is empty (a [`peek_array`](Self::peek_array) found
    /// nothing). Loads the previous array, a magazine from the depot or a run of
    /// never-used slots (growing the pool if it must), registers the cache first if it is not
    /// yet, and takes from what it loaded; `None` when the pool cannot grow.
    ///
    /// `home` must be where this cache lives and `depot` the depot of its pool.
    #[cold]
    #[inline(never)]
    pub(crate) fn pop_slow(&self, home: Home, depot: &'static Depot) -> Option<NonNull<u8>> {
        match self.state.get() {
            State::Active => {}
            State::Unregistered => {
                // A thread's first slow path in this pool, with no lock held: the huge-page
                // switch may read the environment (`huge_pages`), before this thread can map
                // a segment. The read allocates, and with `PoolAlloc` as the global allocator
                // that allocation may have come to this cache and registered it: hence the
                // second look at the state.
                crate::heap::huge_pages();
                if self.state.get() == State::Unregistered {
                    self.register(home, depot);
                }
                return self.pop(home, depot);
            }
            State::Closed => return depot.take_one(),
        }
        // The loaded array is empty: load the previous one if it holds slots, else ask the
        // depot.
        if let Some(slot) = self.pop_swapped() {
            return Some(slot);
        }
        // Free slots in the depot go before never-used ones, even with a fresh run at hand: a
        // fresh slot is then handed out only when no free slot is left, so on one thread every
        // fresh slot marks a new peak of live objects, which `note_peak` below records.
        if self.fresh_left.get() == 0 || depot.free_slots() > 0 {
            if depot.event() {
                crate::reap::tick();
            }
            let (mut inner, contended) = depot.lock_counting();
            let since = self.fold(depot, &mut inner);
            self.freed.set(0);
            self.freer.set(false);
            let m = depot.config().magazine_size;
            self.adapt(since, contended, m);
            // Taking in a run at full size (see `streaming`): a second magazine for the
            // previous array, which is empty here.
            let second = streaming(since.handed, since.returned, self.size.get(), m);
            depot.stats().observe_live(0, 0);
            let mut array = self.loaded_array();
            let foreign_first = self.foreign_first.replace(false);
            let refill = if self.fresh_left.get() == 0 {
                // The first refill of a cache that started by giving back a foreign slot (see
                // `push_slow`): never-used slots rather than a partial magazine of slots other
                // threads gave back (that slot among them), growing the pool if it must (a
                // pool with a `max` keeps to its free slots). At most a magazine of the
                // cache's size, which it holds while it runs and gives back when it exits.
                let unused = (foreign_first
                    && depot.free_slots() < self.size.get()
                    && depot.config().max == usize::MAX)
                    .then(|| depot.take_fresh_locked(&mut inner, self.size.get()))
                    .flatten();
                match unused {
                    Some((start, n)) => Refill::Fresh(start, n),
                    None => depot.refill_locked(&mut inner, &mut array, self.size.get()),
                }
            } else {
                // Never a fresh run: the one at hand would be lost.
                depot
                    .take_magazine_locked(&mut inner, &mut array, self.size.get())
                    .map_or(Refill::Exhausted, Refill::Magazine)
            };
            match refill {
                Refill::Magazine(len) => {
                    // Under the lock: a reader sees the magazine in the depot or in the cache.
                    self.load(array, len);
                    debug_assert!(len >= 1, "the depot lists no empty magazine");
                    let mut held = len;
                    if second {
                        if let Some(mut prev) = NonNull::new(self.prev.get()) {
                            if let Some(n) =
                                depot.take_magazine_locked(&mut inner, &mut prev, self.size.get())
                            {
                                self.prev.set(prev.as_ptr());
                                self.prev_len.set(n);
                                held += n;
                            }
                        }
                    }
                    self.held_baseline
                        .set(self.held_baseline.get().wrapping_add(held));
                    drop(inner);
                    // The loaded magazine holds `len >= 1` slots (the depot lists none
                    // empty): its top one, as `pop` would take it.
                    // SAFETY: `load` made `array` the loaded array with `len` slots at its
                    // front, `1 <= len <= M`: round `len - 1` is in it and initialized.
                    let top = unsafe { array.as_ptr().add(len - 1) };
                    self.commit_array(top);
                    // SAFETY: as above.
                    return Some(unsafe { top.read() });
                }
                Refill::Fresh(start, n) => {
                    self.fresh_next.set(start.as_ptr());
                    self.fresh_left.set(n);
                }
                Refill::Exhausted if self.fresh_left.get() == 0 => return None,
                // Another thread took the magazine first: use the fresh run.
                Refill::Exhausted => {}
            }
        }
        // `fresh_left > 0`: a run was at hand, or the refill brought one.
        let slot = self.carve(depot);
        let u = self.unfolded();
        self.note_peak(depot.stats().live_with(u.handed, u.returned));
        Some(slot)
    }

    /// A give back's slow path: the loaded array is full, or the cache is not active.
    /// `extern "C"` so that it cannot unwind and its inlined callers need no unwinding edge (see
    /// `raw::pop_slow`).
    ///
    /// # Safety
    /// As for [`push`](Self::push).
    #[cold]
    #[inline(never)]
    unsafe extern "C" fn push_slow(&self, slot: NonNull<u8>, home: Home, depot: &'static Depot) {
        // The common case first, in this small function: the previous array is empty, and
        // becomes the loaded one. Everything else is in `push_exchange`, whose size (the
        // registers it saves, the huge-page switch, the state) this case does not pay for.
        // A previous array exists only in an active cache (`close` drops it).
        if self.prev_len.get() == 0 && !self.prev.get().is_null() && !self.freer.get() {
            debug_assert!(self.state.get() == State::Active);
            self.swap_prev();
            // SAFETY: forwarded from the caller; the loaded array is now empty, so this push
            // takes the fast path.
            return unsafe { self.push(slot, home, depot) };
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.push_exchange(slot, home, depot) }
    }

    /// The rest of [`push_slow`](Self::push_slow): a cache that is not active yet (or any
    /// more), its first previous array, and the magazine exchange with the depot.
    ///
    /// # Safety
    /// As for [`push`](Self::push).
    #[cold]
    #[inline(never)]
    unsafe fn push_exchange(&self, slot: NonNull<u8>, home: Home, depot: &'static Depot) {
        match self.state.get() {
            State::Active => {}
            State::Unregistered => {
                // The huge-page switch first, as in `pop_slow`; if its read registered the
                // cache (an allocation through `PoolAlloc`), this is no longer the thread's
                // first use of the pool.
                crate::heap::huge_pages();
                if self.state.get() != State::Unregistered {
                    // SAFETY: forwarded from the caller.
                    return unsafe { self.push(slot, home, depot) };
                }
                // Foreign slots: a thread that gives a slot back before it ever took one from
                // this pool holds no slot of its own, so this one was taken on another thread.
                // Cached here, it would be this thread's next object, next in memory to the
                // objects of the thread that took it (passive false sharing: Hoard's
                // cache-scratch, where each thread frees an object the main thread allocated
                // next to the others' and then writes its own objects). It goes to the depot
                // instead, and the cache's first refill starts from never-used slots when the
                // depot holds less than a magazine (see `pop_slow`). One lock per thread and
                // pool; every later give-back takes the fast path. Not in recycle mode: there
                // the slot keeps its object (a `Vec`'s buffer, say), and taking that object
                // again on this thread saves an allocation, which is worth more than a line of
                // its own.
                self.register(home, depot);
                if depot.config().recycle || self.state.get() != State::Active {
                    // SAFETY: forwarded from the caller.
                    return unsafe { self.push(slot, home, depot) };
                }
                self.foreign_first.set(true);
                // SAFETY: forwarded from the caller.
                return unsafe { depot.give_one(slot) };
            }
            // SAFETY: forwarded from the caller.
            State::Closed => return unsafe { depot.give_one(slot) },
        }
        // The loaded array is full, and `push_slow` found no empty previous array to swap it
        // with: the cache has none yet, or its previous one holds slots, or the cache is a
        // freer (below).
        if self.prev.get().is_null() {
            // A cache's second array comes from the depot.
            self.prev.set(depot.spare_array().as_ptr());
            self.swap_prev();
            // SAFETY: forwarded from the caller; the loaded array is now empty.
            return unsafe { self.push(slot, home, depot) };
        }
        if depot.event() {
            crate::reap::tick();
        }
        // Fold while both magazines are still counted in `held`, then take the slots that
        // leave out of the balance, all under the lock (see the type's docs).
        let (mut inner, contended) = depot.lock_counting();
        let since = self.fold(depot, &mut inner);
        let freer = if since.handed == 0 {
            // Given back more than the pool's recent peak of live objects without taking
            // one: most of those objects were taken on other threads.
            let freed = self.freed.get().saturating_add(since.returned);
            self.freed.set(freed);
            // The recorded peak first (one load); the live count (which records a new
            // peak) only past it.
            freed > depot.stats().recent_high() && freed > depot.stats().observe_live(0, 0)
        } else {
            self.freed.set(0);
            false
        };
        self.freer.set(freer);
        let m = depot.config().magazine_size;
        self.adapt(since, contended, m);
        let prev_len = self.prev_len.get();
        let loaded_len = self.loaded_len();
        // A freer has no use for what it caches: the loaded magazine goes too, and the cache
        // keeps only the slot at hand, so the slots other threads wait for are in the depot
        // (the consumer of a producer-consumer pair). So does a cache giving back in a run at
        // full size (see `streaming`): it fills both arrays again before it takes.
        let both =
            freer || (prev_len > 0 && streaming(since.returned, since.handed, self.size.get(), m));
        let mut given = 0;
        if prev_len > 0 {
            // SAFETY: `prev` is not null (checked above): an array of the depot's.
            let rounds = unsafe { NonNull::new_unchecked(self.prev.get()) };
            let mag = Magazine {
                rounds,
                len: prev_len,
            };
            let empty = depot.give_full_locked(&mut inner, mag, freer);
            self.prev.set(empty.as_ptr());
            self.prev_len.set(0);
            given = prev_len;
        }
        if both {
            let full = Magazine {
                rounds: self.loaded_array(),
                len: loaded_len,
            };
            let empty = depot.give_full_locked(&mut inner, full, freer);
            self.load(empty, 0);
            given += loaded_len;
        } else {
            // `prev_len > 0` (not a freer, so `push_slow` would have swapped with an empty
            // previous array): the previous array is the empty one the depot just gave, and
            // the full loaded array takes its place.
            self.swap_prev();
        }
        self.held_baseline
            .set(self.held_baseline.get().wrapping_sub(given));
        drop(inner);
        // SAFETY: forwarded from the caller; the loaded array is now empty, so this push takes
        // the fast path.
        unsafe { self.push(slot, home, depot) }
    }

    /// A take's slow path when the loaded array is empty and the previous one is not: swaps
    /// them and takes a slot, else `None` (the caller goes on to [`pop_slow`](Self::pop_slow),
    /// which handles every other case, and calls this first itself). Inlined into
    /// `raw::pop_slow` ahead of the rest: in a
    /// batch of 1,000 objects half the take's slow calls are this swap, a few loads and stores
    /// against a call of `pop_slow` (its registers, the huge-page switch, the state).
    #[inline(always)]
    pub(crate) fn pop_swapped(&self) -> Option<NonNull<u8>> {
        let len = self.prev_len.get();
        if len == 0 {
            return None;
        }
        // Only an active cache holds slots (`close` gives them back and `activate` starts
        // empty), so the cache is active and the caller's `peek` found its loaded array empty.
        debug_assert!(self.state.get() == State::Active && self.top.get() == self.low.get());
        // `swap_prev` then `pop`, knowing that the loaded array is empty and the previous one
        // is not: it becomes the loaded one, its top slot taken.
        let prev = self.prev.get();
        self.prev.set(self.low.get());
        self.prev_len.set(0);
        let cap = self.size.get().max(len);
        self.low.set(prev);
        // `prev` is an array of M rounds (a cache with a previous magazine has a previous
        // array) holding `len` slots at its front, and `1 <= len <= cap <= M` (see `load`).
        // SAFETY: (above) both offsets stay in the array or one past its end.
        let (high, top) = unsafe { (prev.add(cap), prev.add(len - 1)) };
        self.high.set(high);
        self.top.set(top);
        self.handed.bump();
        // SAFETY: (above) round `len - 1` holds an initialized slot.
        Some(unsafe { top.read() })
    }

    /// Adapts this cache's magazine size at a magazine exchange with the depot: `since` is
    /// what the cache did since the previous one (its folded counters), `contended` says
    /// whether the depot's lock was held by another thread when this one asked for it, and
    /// `most` is the pool's M.
    ///
    /// - **Shrink** (halve, down to [`MAGAZINE_MIN`]) when exchanges are rare, more than
    ///   [`SHRINK_AFTER`] magazines' worth of operations apart: the cache then serves its thread from the
    ///   slots it holds, and holding fewer (at most 2M) is memory given back to the pool.
    ///   Takes and gives back in random order exchange about once in M² operations (a
    ///   random walk between an empty and a full cache), so such a cache settles at M = 16 or
    ///   32 and holds at most 65 free slots, where a fixed M = 256 held up to 513.
    /// - Else **grow** (double, up to `most`) after a run: at least half a magazine of
    ///   operations since the last exchange, all takes or all gives back (a batch, a burst,
    ///   a producer or a consumer thread: each exchanges once per magazine, or once per two
    ///   at M, see `streaming`). A batch of 1,000
    ///   objects reaches M = 240 from 8 in five exchanges. A random mix makes no such run of
    ///   more than a few operations, so its exchanges (a magazine the depot had filled under
    ///   a smaller size runs out after a few takes) do not grow it.
    /// - Else grow when the depot is contended and the exchange came within
    ///   [`GROW_WITHIN`] magazines' worth of operations of the last one (Bonwick's rule:
    ///   fewer trips to a shared lock where they are frequent).
    /// - Else grow, below [`FREQUENT_MAX`], when the exchange came within [`GROW_FREQUENT`]
    ///   magazines' worth of operations of the last one, contended or not: a random mix at
    ///   M = 8 exchanges every 64 or so operations, and without this a cache that never ran
    ///   stayed there. Between this rule and the shrink a random mix settles at 16 or 32
    ///   whichever way it came.
    ///
    /// A shrinking cache keeps what it holds: its arrays take the new size at their next
    /// load, and a full previous magazine goes to the depot at the next exchange.
    fn adapt(&self, since: Unfolded, contended: bool, most: usize) {
        let ops = since.handed.wrapping_add(since.returned);
        let size = self.size.get();
        let rare = ops > SHRINK_AFTER.saturating_mul(size);
        if size == most && !rare {
            // At M and not rare: neither rule below changes the size (growth stops at M).
            return;
        }
        if ops == 0 {
            // The first exchange since the cache was activated (or drained): nothing to judge.
            return;
        }
        let run = since.handed == 0 || since.returned == 0;
        let new = if rare {
            // Rare exchanges cost little even on a contended lock (a statistics reader takes
            // it too), so rarity wins over contention.
            (size / 2).max(MAGAZINE_MIN.min(most))
        } else if (run && 2 * ops >= size)
            || (contended && ops <= GROW_WITHIN.saturating_mul(size))
            || (size < FREQUENT_MAX && ops <= GROW_FREQUENT.saturating_mul(size))
        {
            size.saturating_mul(2).min(most)
        } else {
            size
        };
        self.size.set(new.min(most));
    }

    /// Registers the thread-exit flush and loads an empty array; if the thread is already past
    /// its TLS teardown, closes the cache instead.
    fn register(&self, home: Home, depot: &'static Depot) {
        let registered = FLUSH
            .try_with(|f| {
                f.caches
                    .borrow_mut()
                    .push((home, depot, NonNull::from(self)))
            })
            .is_ok();
        if registered {
            self.activate(depot);
        } else {
            self.state.set(State::Closed);
        }
    }

    /// This cache as its depot lists it.
    fn listed(&self) -> Listed {
        Listed(NonNull::from(self).cast())
    }

    /// Loads an empty array and lists the cache in the depot, for statistics to read. The
    /// cache starts with the smallest magazine size (see [`adapt`](Self::adapt)).
    ///
    /// Whoever activates a cache must `close` it before its memory goes away (the thread-exit
    /// flush does, for a thread-local cache).
    fn activate(&self, depot: &Depot) {
        self.size
            .set(MAGAZINE_MIN.min(depot.config().magazine_size));
        let mut inner = depot.lock();
        let array = depot.spare_array_locked(&mut inner);
        self.load(array, 0);
        self.state.set(State::Active);
        inner.caches.push(self.listed());
    }

    /// Makes `array`, holding `len` free slots, the loaded array; it takes up to the cache's
    /// magazine size, or `len` if that is more (the size shrank since the array filled).
    ///
    /// Every array has the pool's M rounds (`Depot::spare_array_locked`), and both `len` and
    /// the cache's size are at most M.
    fn load(&self, array: NonNull<Round>, len: usize) {
        let cap = self.size.get().max(len);
        let low = array.as_ptr();
        self.low.set(low);
        // SAFETY: `array` has M rounds and `len <= cap <= M` (see above): both stay inside it
        // or one past its end.
        unsafe {
            self.top.set(low.add(len));
            self.high.set(low.add(cap));
        }
    }

    /// The loaded array (the cache is active).
    fn loaded_array(&self) -> NonNull<Round> {
        NonNull::new(self.low.get()).expect("zokio-pool: an active cache has a loaded array")
    }

    /// Free slots in the loaded array.
    fn loaded_len(&self) -> usize {
        (self.top.get() as usize - self.low.get() as usize) / size_of::<Round>()
    }

    /// Exchanges the loaded and the previous array: one of them is full and the other empty.
    fn swap_prev(&self) {
        let loaded_len = self.loaded_len();
        let prev_len = self.prev_len.get();
        let prev = NonNull::new(self.prev.get())
            .expect("zokio-pool: a cache swaps with its previous array only once it has one");
        self.prev.set(self.low.get());
        self.prev_len.set(loaded_len);
        self.load(prev, prev_len);
    }

    /// Slots in the cache: those of its two magazines. An inactive cache holds none, and
    /// reads so with no test of its state: its `top` and `low` are both null (never set, or
    /// cleared by `close`) and its `prev_len` 0 (`close` gives the previous magazine back
    /// first).
    pub(crate) fn held(&self) -> usize {
        debug_assert!(
            self.state.get() == State::Active
                || (self.top.get().is_null()
                    && self.low.get().is_null()
                    && self.prev_len.get() == 0)
        );
        self.loaded_len() + self.prev_len.get()
    }

    /// Moves the unfolded counters to the depot; `_locked` is the depot's lock, held so that a
    /// reader sees the counters either here or there, never in both places or in neither.
    /// Returns what it folded: the operations since the last fold.
    ///
    /// Inlined into its three callers, all slow paths: out of line, with `Unfolded` returned
    /// through memory, the magazine exchanges of a 1,000-object batch of 4 KiB objects cost 0.4
    /// more instructions per object (callgrind, `pool-4096-lifo`).
    #[inline(always)]
    fn fold(&self, depot: &Depot, _locked: &mut Inner) -> Unfolded {
        let held = self.held();
        let u = self.unfolded_with(held);
        depot.stats().fold(u);
        self.handed.set(0);
        self.fresh.set(0);
        self.kept.set(0);
        self.kept_capacity.set(0);
        self.peak.set(0);
        self.held_baseline.set(held);
        u
    }

    /// Recycle mode: adds `empty` to the slots taken empty minus those given back empty, and
    /// `capacity` to the `kept_capacity` of kept objects (both wrapping, so either may be
    /// "negative"); in the cache while it is active, else in the depot. Taking and giving back
    /// a kept object of no capacity counts nothing: the number of kept objects is derived
    /// (see `Depot::snapshot`).
    #[inline]
    pub(crate) fn count_recycle(&self, depot: &Depot, empty: usize, capacity: usize) {
        if self.state.get() != State::Active {
            depot.stats().count_kept(empty, capacity);
            return;
        }
        if empty != 0 {
            self.kept.add(empty);
        }
        if capacity != 0 {
            self.kept_capacity.add(capacity);
        }
    }

    /// Marks a cache that lives outside a `thread_local!` as in use, without registering a
    /// thread-exit flush (the loom models call `close` themselves).
    #[cfg(all(test, loom))]
    pub(crate) fn activate_for_model(&self, depot: &Depot) {
        self.activate(depot);
    }

    /// Thread exit: everything goes to the depot, the cache leaves the depot's list, and it
    /// closes.
    pub(crate) fn close(&self, depot: &Depot) {
        if self.state.get() != State::Active {
            self.state.set(State::Closed);
            return;
        }
        let mut inner = depot.lock();
        self.give_slots_locked(depot, &mut inner);
        Depot::unlist(&mut inner, self.listed());
        // What is left is empty arrays: the loaded one, and the previous one if there is one.
        let spare = [Some(self.loaded_array()), NonNull::new(self.prev.get())];
        self.state.set(State::Closed);
        self.top.set(null_mut());
        self.low.set(null_mut());
        self.high.set(null_mut());
        self.prev.set(null_mut());
        depot.absorb_locked(&mut inner, [None, None], spare, None);
        depot.settle_locked(&mut inner);
    }

    /// Gives every free slot the cache holds to the depot (for `trim`): its magazines and its
    /// never-used run; the cache stays active, with an empty loaded array.
    pub(crate) fn drain(&self, depot: &Depot) {
        if self.state.get() == State::Active {
            self.give_slots_locked(depot, &mut depot.lock());
        }
    }

    /// Moves every free slot of an active cache to the depot, whose lock `inner` is: the
    /// loaded array's slots (a spare array is loaded in their place), a full
    /// previous magazine (the cache then has no previous array) and the never-used run. The
    /// counters are folded first, while the slots are still counted in `held`, all under the
    /// lock (see the type's docs): `held` is then 0, and so is the baseline.
    fn give_slots_locked(&self, depot: &Depot, inner: &mut Inner) {
        self.fold(depot, inner);
        let loaded = (self.loaded_len() > 0).then(|| {
            let full = Magazine {
                rounds: self.loaded_array(),
                len: self.loaded_len(),
            };
            self.load(depot.spare_array_locked(inner), 0);
            full
        });
        let prev_len = self.prev_len.get();
        let prev = NonNull::new(self.prev.get())
            .filter(|_| prev_len > 0)
            .map(|rounds| {
                self.prev.set(null_mut());
                self.prev_len.set(0);
                Magazine {
                    rounds,
                    len: prev_len,
                }
            });
        let left = self.fresh_left.take();
        let fresh = NonNull::new(self.fresh_next.replace(null_mut()))
            .filter(|_| left > 0)
            .map(|p| (p, left));
        self.held_baseline.set(0);
        depot.absorb_locked(inner, [loaded, prev], [None, None], fresh);
    }

    /// The counters not yet folded, read by the owning thread.
    pub(crate) fn unfolded(&self) -> Unfolded {
        self.unfolded_with(self.held())
    }

    /// [`unfolded`](Self::unfolded), `held` being [`held`](Self::held) (a caller that needs
    /// it too computes it once).
    #[inline(always)]
    fn unfolded_with(&self, held: usize) -> Unfolded {
        let handed = self.handed.get();
        Unfolded {
            handed,
            returned: handed
                .wrapping_add(held)
                .wrapping_sub(self.held_baseline.get()),
            fresh: self.fresh.get(),
            kept: self.kept.get(),
            kept_capacity: self.kept_capacity.get(),
            peak: self.peak.get(),
        }
    }

    /// The counters not yet folded of a listed cache, read from any thread.
    ///
    /// Exact when the owner's last operation happened before this read. While the owner runs
    /// an operation the read may mix states before and after it, but never a fold or a
    /// magazine exchange with what preceded it (those happen under the depot's lock, which the
    /// caller holds); `held` is clamped to the range it can take (`0..=2M`), so each count
    /// is off by at most 2M plus the operations the owner completes during the read, never
    /// garbage. The published fields are atomics, so there is no data race.
    ///
    /// # Safety
    /// `cache` is listed in the depot whose lock `_locked` is (so it is active and its memory is
    /// valid: `close` unlists it under that lock before the memory can go away); `magazine` is
    /// the pool's M.
    unsafe fn published(cache: NonNull<LocalCache>, magazine: usize, _locked: &Inner) -> Unfolded {
        // SAFETY: valid memory (the caller's contract); only the published fields, atomics, are
        // read through this reference, and no `&mut` to a cache is ever made.
        let c = unsafe { cache.as_ref() };
        let top = c.top.load().addr();
        let low = c.low.load().addr();
        let loaded = (top.wrapping_sub(low) / size_of::<Round>()).min(magazine);
        let prev = c.prev_len.load().min(magazine);
        let held = loaded + prev;
        let handed = c.handed.load();
        Unfolded {
            handed,
            returned: handed
                .wrapping_add(held)
                .wrapping_sub(c.held_baseline.load()),
            fresh: c.fresh.load(),
            kept: c.kept.load(),
            kept_capacity: c.kept_capacity.load(),
            peak: c.peak.load(),
        }
    }
}

/// Where a thread cache lives: the `thread_local!` it is reached through, which the
/// thread-exit flush uses again to reach it (it may be gone by then on some platforms).
#[derive(Clone, Copy, Debug)]
#[repr(C)] // passed to `LocalCache::push_slow`, an `extern "C"` function
pub(crate) enum Home {
    /// A pool's own `thread_local!` (a derived type's, or a size class's for `SizeClass`).
    Key(&'static LocalKey<LocalCache>),
    /// Cache `i` of the byte allocator's array of caches (`global.rs`).
    #[cfg(not(loom))]
    Bytes(usize),
}

impl Home {
    /// Runs `f` on the cache if its `thread_local!` is still there; whether it was.
    fn with(self, f: impl FnOnce(&LocalCache)) -> bool {
        match self {
            Home::Key(key) => key.try_with(f).is_ok(),
            #[cfg(not(loom))]
            Home::Bytes(i) => crate::global::with_byte_cache(i, f),
        }
    }
}

/// A cache used on this thread: where it lives, its depot and its address (the one it is
/// listed under in the depot).
type Used = (Home, &'static Depot, NonNull<LocalCache>);

/// The caches used on this thread, flushed when the thread exits.
struct Flush {
    caches: RefCell<SysVec<Used>>,
}

impl Drop for Flush {
    fn drop(&mut self) {
        for (home, depot, at) in core::mem::replace(self.caches.get_mut(), sys_vec()) {
            // A const-initialized thread local without `Drop` is never destroyed, so this
            // succeeds. If a platform ever freed it first, its slots would be lost, but it must
            // still leave the depot's list before its memory goes away.
            if !home.with(|cache| cache.close(depot)) {
                depot.unlist_cache(Listed(at.cast()));
            }
        }
    }
}

std::thread_local! {
    static FLUSH: Flush = const { Flush { caches: RefCell::new(sys_vec()) } };
}

/// Gives every free slot this thread's caches hold to their depots (`trim`).
pub(crate) fn drain_this_thread() {
    let _ = FLUSH.try_with(|f| {
        // A copy: draining a cache does not use `FLUSH`, but a pool's first use on this thread
        // could, were the list borrowed.
        let used: SysVec<Used> = f.caches.borrow().clone();
        for (home, depot, _) in used {
            home.with(|cache| cache.drain(depot));
        }
    });
}

/// The statistics of every thread of `depot`'s pool, as `PoolStats` shows them: its folded
/// counters plus the unfolded ones of every listed cache, read under the depot's lock, so no
/// fold or magazine exchange is half seen. Records the `live` it computes in `high_water`.
pub(crate) fn pool_stats(depot: &Depot) -> PoolStats {
    pool_reading(depot).0
}

/// [`pool_stats`], and the largest magazine size among the active caches of `depot`'s pool (0
/// if none is active), read in the same pass under the depot's lock.
pub(crate) fn pool_reading(depot: &Depot) -> (PoolStats, usize) {
    let inner = depot.lock();
    let mut caches = Unfolded::default();
    let mut magazine_in_use = 0;
    for &Listed(cache) in &inner.caches {
        // SAFETY: a listed cache (`Listed` values are made from `&LocalCache` only, by
        // `activate`), read under the lock.
        caches.add(unsafe {
            LocalCache::published(cache.cast(), depot.config().magazine_size, &inner)
        });
        // SAFETY: as above: a listed cache's memory is valid while it is listed, and `size` is
        // an atomic.
        let size = unsafe { cache.cast::<LocalCache>().as_ref() }.size.load();
        magazine_in_use = magazine_in_use.max(size);
    }
    let mut stats = depot.stats().sum(caches, depot.config().slot_size);
    if depot.config().direct {
        // A direct pool's blocks have their own types' sizes, not the depot's slot size.
        stats.reserved_bytes = depot.direct_bytes();
    }
    (stats, magazine_in_use)
}
