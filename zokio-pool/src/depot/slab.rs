//! Slabs: a pool's chunks going back to the page heap (Bonwick's slab layer, under the
//! magazines and the depot).
//!
//! A chunk is a slab: a run of pages from the page heap (`heap/`), carved into slots. A free
//! slot's slab is found from its address, through a table of each page's chunk or by a binary
//! search of the depot's sorted chunks (`ChunkIndex`), here only, on the slow path of a trim:
//! slots carry no header and the hot path looks nothing up.
//! The depot counts, per chunk, the free slots in its magazines and never-used runs; a chunk
//! whose slots are all there (in a recycling pool, all empty) goes back to the heap, where it
//! merges with its free neighbours and can become any pool's chunk. Slots cached by threads
//! keep their chunks: `trim` gives the calling thread's cache to the depot first, and other
//! threads' caches come back at their next slow-path event or their exit.
//!
//! Two policies use it (`trim.rs`, `reap.rs`): `trim` gives back every such chunk
//! ([`Depot::release_free_chunks`]); the working-set rule ([`Depot::reap`]) gives back no more
//! slots than stayed idle in the depot for a whole interval (Bonwick's reaping: the lowest
//! count of free slots in the magazines since the last reap, `low_free`, plus never-used
//! slots), so what recent use needed stays. Spare magazine arrays beyond two per active cache
//! go back too, a page at a time (`magazine::release_spares`).
//!
//! Cost: a release walks every free slot of the depot once (a table lookup or a binary search
//! each) and moves the kept ones into full magazines in place; it allocates a bit and a count
//! per chunk, and the table (at most 8 bytes per free slot), from the system allocator
//! (`sys.rs`). All under the
//! depot's lock, which no user code runs under: slots of kept objects are taken out first and
//! their objects dropped outside it (`recycle::reclaim`).

use core::ptr::NonNull;
use core::sync::atomic::Ordering::Relaxed;
use std::alloc::Layout;

use super::{Depot, Inner, UsageHint};
use crate::heap;
use crate::magazine::{release_spares, Magazine};
use crate::sys::sys_vec;

/// A closing cache makes its pool give back its free chunks only once the pool has grown by
/// 1/`SETTLE_GROWTH` of its capacity since the last time (see `Depot::settle_locked`).
const SETTLE_GROWTH: usize = 8;

impl Inner {
    /// Slots in the never-used runs, free without being in a magazine.
    fn never_used(&self) -> usize {
        self.regions.iter().map(|&(_, n)| n).sum()
    }
}

/// Table entries worth one step of the binary search (see [`ChunkIndex`]): filling an entry
/// is a sequential store, a step a dependent load.
const TABLE_PER_STEP: usize = 4;

/// Finds the chunk of a free slot among a depot's chunks sorted by address: through a table
/// of the chunk of each page when that table is small against the lookups to make, else by a
/// binary search.
///
/// The search is a chain of about log2(chunks) dependent loads per slot; a table lookup is one
/// load. A pool's chunks are whole runs of pages from the heap, so no two share a page, and
/// the table covers the pages from the first chunk's to the end of the last one's. Filling an
/// entry is a sequential store, a search step a dependent load: the table is built when its
/// entries are at most [`TABLE_PER_STEP`] times the search's steps (lookups times
/// log2(chunks)), plus a page's worth, so it costs at most 4 x `TABLE_PER_STEP` x log2(chunks)
/// bytes per free slot looked up, for the call. Measured on `alloc_bench`'s `btree`
/// (CHANGELOG.md): the search took 2.9% of the program's samples at the first thread's exit;
/// in `mstress`, whose classes' chunks are spread over the heap's segments (about 100 chunks
/// over 4,000 pages for 700 lookups at each thread's exit), most calls searched until the
/// bound counted the steps instead of the lookups.
struct ChunkIndex<'a> {
    chunks: &'a [(NonNull<u8>, usize)],
    /// Index of the chunk holding each page from `first_page` (`u32::MAX`: none), or empty.
    table: crate::sys::SysVec<u32>,
    first_page: usize,
}

impl<'a> ChunkIndex<'a> {
    fn new(chunks: &'a [(NonNull<u8>, usize)], slot_size: usize, lookups: usize) -> Self {
        let mut index = ChunkIndex {
            chunks,
            table: sys_vec(),
            first_page: 0,
        };
        let (Some(&(first, _)), Some(&(last, last_slots))) = (chunks.first(), chunks.last()) else {
            return index;
        };
        let page_aligned = chunks
            .iter()
            .all(|&(start, _)| start.as_ptr().addr() % heap::PAGE == 0);
        if !page_aligned || chunks.len() >= u32::MAX as usize {
            return index;
        }
        let first_page = first.as_ptr().addr() / heap::PAGE;
        // The last chunk by address ends last: chunks do not overlap.
        let end = last.as_ptr().addr() + slot_size * last_slots;
        let span = end.div_ceil(heap::PAGE) - first_page;
        let steps = lookups.saturating_mul((usize::BITS - chunks.len().leading_zeros()) as usize);
        if span
            > TABLE_PER_STEP
                .saturating_mul(steps)
                .saturating_add(heap::PAGE / 4)
        {
            return index;
        }
        index.table.resize(span, u32::MAX);
        for (i, &(start, slots)) in chunks.iter().enumerate() {
            let from = start.as_ptr().addr() / heap::PAGE - first_page;
            let to = (start.as_ptr().addr() + slot_size * slots).div_ceil(heap::PAGE) - first_page;
            index.table[from..to].fill(i as u32);
        }
        index.first_page = first_page;
        index
    }

    /// The index of the chunk holding `slot`, a slot of one of the chunks.
    #[inline]
    fn chunk_of(&self, slot: NonNull<u8>) -> usize {
        let addr = slot.as_ptr().addr();
        if !self.table.is_empty() {
            let i = self.table[addr / heap::PAGE - self.first_page] as usize;
            debug_assert!(self.chunks[i].0.as_ptr().addr() <= addr);
            return i;
        }
        // The last chunk starting at or before it.
        self.chunks
            .partition_point(|&(start, _)| start.as_ptr().addr() <= addr)
            - 1
    }
}

impl Depot {
    /// The layout a chunk of `slots` slots was allocated with.
    fn chunk_layout(&self, slots: usize) -> Layout {
        Layout::from_size_align(self.config.slot_size * slots, self.config.slot_align)
            .expect("zokio-pool: chunk layout was validated by Config::of")
    }

    /// Keeps the free slots of the depot's magazines for which `keep` is true, packed into full
    /// magazines (the last may be partial), and passes the others to `taken`. Emptied arrays
    /// go to the spares. Compacts in place: no allocation, whatever the number of slots.
    fn retain_free(
        &self,
        inner: &mut Inner,
        mut keep: impl FnMut(NonNull<u8>) -> bool,
        mut taken: impl FnMut(NonNull<u8>),
    ) {
        let m = self.config.magazine_size;
        let count = inner.magazines.len();
        // The write position: magazine `w`, round `p`. Every magazine holds at most M
        // rounds, so the slots written never outrun those read: `w * M + p` is at most the
        // read position counted the same way, and a round is read before it is overwritten.
        let (mut w, mut p) = (0, 0);
        let mut removed = 0;
        for r in 0..count {
            let Magazine { rounds, len } = inner.magazines[r];
            for i in 0..len {
                // SAFETY: a listed magazine holds `len` initialized rounds at its front.
                let slot = unsafe { rounds.add(i).read() };
                if keep(slot) {
                    // SAFETY: `w <= r` and `p < M`: a round of an array of a listed magazine,
                    // not yet read if in array `r` (see above).
                    unsafe { inner.magazines[w].rounds.add(p).write(slot) };
                    p += 1;
                    if p == m {
                        inner.magazines[w].len = m;
                        (w, p) = (w + 1, 0);
                    }
                } else {
                    taken(slot);
                    removed += 1;
                }
            }
        }
        if p > 0 {
            inner.magazines[w].len = p;
            w += 1;
        }
        for mag in inner.magazines.drain(w..) {
            inner.spare.push(mag.rounds);
        }
        self.clamp_reserved(inner);
        self.free.fetch_sub(removed, Relaxed);
    }

    /// Takes out of the depot the free slots of a recycling pool that keep an object, for the
    /// caller to drop their objects and give them back empty with
    /// [`give_back_free`](Self::give_back_free): a chunk with a kept object is never released.
    pub(crate) fn take_kept(&self) -> Vec<NonNull<u8>> {
        if self.config.header == 0 {
            return Vec::new();
        }
        let mut kept = Vec::new();
        self.retain_free(
            &mut self.lock(),
            // SAFETY: free slots of a recycling pool, owned by the depot (whose lock is held):
            // their state words are initialized and no other thread uses them.
            |slot| unsafe { crate::slot::state(slot) == crate::slot::EMPTY },
            |slot| kept.push(slot),
        );
        kept
    }

    /// Gives back free slots taken out by [`take_kept`](Self::take_kept), without counting
    /// them (they were never handed out).
    ///
    /// # Safety
    /// Each slot is a free slot of this pool that the caller took from this depot and that
    /// nothing refers to; in a recycling pool its state word is written.
    pub(crate) unsafe fn give_back_free(&self, slots: &[NonNull<u8>]) {
        let mut inner = self.lock();
        for &slot in slots {
            // SAFETY: forwarded from the caller.
            unsafe { self.put(&mut inner, slot) };
        }
    }

    /// Gives back to the page heap every chunk (slab) whose slots are all free in the depot:
    /// in its magazines or in its never-used runs (in a recycling pool, only empty slots
    /// count: a kept object holds its chunk). Returns the bytes given back (whole pages).
    pub(crate) fn release_free_chunks(&self) -> usize {
        self.release_locked(&mut self.lock(), usize::MAX)
    }

    /// At a thread cache's close (thread exit), after the depot took its slots: gives back to
    /// the page heap the chunks whose slots are all free, if at least half the pool's capacity
    /// is free in the depot and the pool grew by at least 1/[`SETTLE_GROWTH`] since it last
    /// did so here. Memory a thread's work needed then moves to the pools that need it next
    /// (other size classes, other types) instead of staying with this one until a `trim`: in
    /// `alloc_bench`'s `mstress`, whose threads each run with random sizes and exit, the
    /// byte allocator's peak RSS fell from 17.9 to 16.7 MiB (median of eight).
    ///
    /// The search costs O(c log c) for c free slots and chunks, under the depot's lock; the
    /// growth rule pays for it with the slots the pool grew by since the last one (the
    /// pool's own chunks, which its threads wrote), so a pool that stopped growing never pays
    /// it again. Only the size classes do this ([`Config::settle`]).
    pub(crate) fn settle_locked(&self, inner: &mut Inner) {
        let c = &self.config;
        if !c.settle || crate::raw::CHECKING_MODE {
            return;
        }
        let capacity = self.stats.capacity();
        if capacity <= inner.settled + inner.settled / SETTLE_GROWTH {
            return;
        }
        let free = self.free.load(Relaxed) + inner.never_used();
        if 2 * free < capacity {
            return;
        }
        self.release_locked(inner, usize::MAX);
        inner.settled = self.stats.capacity();
    }

    /// The working-set rule (Bonwick's reaping, `trim.rs` calls it every `TRIM_INTERVAL`):
    /// gives back chunks whose slots are all free, holding no more slots in all than stayed
    /// idle in the depot for the whole interval since the last reap (the lowest count of free
    /// slots in its magazines meanwhile, plus its never-used slots). What recent use needed
    /// stays; a pool that was not used for an interval gives back every free chunk.
    pub(crate) fn reap(&self) -> usize {
        let mut inner = self.lock();
        let idle = inner.low_free + inner.never_used();
        let bytes = self.release_locked(&mut inner, idle);
        inner.low_free = self.free.load(Relaxed);
        self.read_window(&mut inner);
        bytes
    }

    /// Records what the last interval saw (for [`hint`](Self::hint)).
    fn read_window(&self, inner: &mut Inner) {
        let now = std::time::Instant::now();
        let f = self.stats.folded();
        let live = crate::stats::live_from(f.handed, f.returned);
        let peak = self.stats.take_recent_high(live);
        let w = &mut inner.window;
        if let Some(at) = w.at {
            let seconds = now.duration_since(at).as_secs_f64();
            let handed = f.handed.wrapping_sub(w.handed);
            w.hint.recent_peak = peak;
            if seconds > 0.0 {
                w.hint.allocations_per_second = handed as f64 / seconds;
            }
        }
        w.hint.suggested_prealloc = f.high_water.next_multiple_of(64);
        w.at = Some(now);
        w.handed = f.handed;
    }

    /// What the working-set rule last measured of the pool's use.
    pub(crate) fn hint(&self) -> UsageHint {
        self.lock().window.hint
    }

    /// Notes the free slots left after some were taken, for [`reap`](Self::reap).
    pub(super) fn note_low(&self, inner: &mut Inner) {
        inner.low_free = inner.low_free.min(self.free.load(Relaxed));
    }

    /// [`release_free_chunks`](Self::release_free_chunks), giving back chunks of at most
    /// `limit` slots in all.
    ///
    /// A slot's chunk is found from its address in the sorted list of chunks (a binary
    /// search), on this slow path only: the hot path pays nothing for it. Slots cached by
    /// a thread keep their chunks; `trim` gives the calling thread's cache back first.
    /// Spare magazine arrays beyond two per active cache go back to the heap.
    fn release_locked(&self, inner: &mut Inner, limit: usize) -> usize {
        // Out of `inner` while it is searched, so the magazines can be rewritten meanwhile.
        let mut chunks = core::mem::replace(&mut inner.chunks, sys_vec());
        chunks.sort_unstable_by_key(|&(start, _)| start.as_ptr().addr());
        let lookups = inner.magazines.iter().map(|m| m.len).sum::<usize>() + inner.regions.len();
        let index = ChunkIndex::new(&chunks, self.config.slot_size, lookups);
        let chunk_of = |slot: NonNull<u8>| index.chunk_of(slot);
        let mut free = sys_vec();
        free.resize(chunks.len(), 0usize);
        let recycling = self.config.header != 0;
        for mag in &inner.magazines {
            for i in 0..mag.len {
                // SAFETY: a listed magazine holds `len` initialized rounds at its front.
                let slot = unsafe { mag.rounds.add(i).read() };
                // SAFETY: a free slot owned by the depot, under its lock: in a recycling
                // pool its state word is initialized.
                if !recycling || unsafe { crate::slot::state(slot) } == crate::slot::EMPTY {
                    free[chunk_of(slot)] += 1;
                }
            }
        }
        for &(start, n) in &inner.regions {
            free[chunk_of(start)] += n;
        }
        let mut budget = limit;
        let mut gone = sys_vec();
        gone.extend(chunks.iter().zip(&free).map(|(&(_, slots), &f)| {
            let go = f == slots && slots <= budget;
            if go {
                budget -= slots;
            }
            go
        }));
        let (mut bytes, mut slots) = (0, 0);
        if gone.contains(&true) {
            inner.regions.retain(|&(start, _)| !gone[chunk_of(start)]);
            self.retain_free(inner, |slot| !gone[chunk_of(slot)], |_| {});
            for (&(start, n), _) in chunks.iter().zip(&gone).filter(|(_, &g)| g) {
                let layout = self.chunk_layout(n);
                // Its free slots' object bytes are poisoned; the pages may become any pool's
                // memory (a chunk, a magazine array), which the heap hands out as is.
                #[cfg(zokio_pool_asan)]
                // SAFETY: the chunk's memory, ours alone now (see below).
                unsafe {
                    crate::asan::unpoison(start, layout.size())
                };
                // SAFETY: a chunk of this depot, allocated by `heap::allocate(layout)` in
                // `grow`; every one of its slots was free in the depot and has just left it
                // (magazines and regions), so nothing refers to it any more.
                unsafe { heap::deallocate(start, layout) };
                bytes += layout.size().next_multiple_of(heap::PAGE);
                slots += n;
            }
            let mut i = 0;
            chunks.retain(|_| {
                i += 1;
                !gone[i - 1]
            });
        }
        inner.chunks = chunks;
        self.note_low(inner);
        self.stats.shrink(slots);
        self.trim_spares(inner);
        inner.magazines.shrink_to_fit();
        inner.regions.shrink_to_fit();
        inner.chunks.shrink_to_fit();
        bytes
    }

    /// Gives the page heap back the spare magazine arrays beyond two per active cache (whole
    /// pages of them: see `magazine::release_spares`).
    fn trim_spares(&self, inner: &mut Inner) {
        let keep = 2 * inner.caches.len();
        // SAFETY: the spare arrays of this depot come from `take_array` with its M, are empty,
        // owned by the depot (under its lock) and listed nowhere else.
        unsafe { release_spares(self.config.magazine_size, &mut inner.spare, keep) };
        inner.spare.shrink_to_fit();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Chunks of 48 B slots at page-aligned addresses with gaps between them; only their
    /// addresses are used (nothing is read or written through them).
    fn chunks(gap_pages: usize) -> Vec<(NonNull<u8>, usize)> {
        let mut at = 0x4000_0000usize;
        let mut v = Vec::new();
        for slots in [1usize, 85, 86, 300, 2, 1365] {
            let p = NonNull::new(core::ptr::without_provenance_mut(at)).unwrap();
            v.push((p, slots));
            at += (48 * slots).next_multiple_of(heap::PAGE) + gap_pages * heap::PAGE;
        }
        v
    }

    /// Every slot of every chunk is found in its chunk, through the table and through the
    /// search alike.
    #[test]
    fn chunk_index_finds_each_slot_by_table_and_by_search() {
        for (gap, lookups, table) in [
            (0, 10_000, true),
            (3, 10_000, true),
            (3, 0, true),
            (500, 0, false),
            // 2,525 pages for 6 chunks (3 steps a lookup): a table once 4 x 3 x lookups +
            // 1,024 reaches 2,525, from 126 lookups on.
            (500, 50, false),
            (500, 125, false),
            (500, 126, true),
            (500, 200, true),
        ] {
            let chunks = chunks(gap);
            let index = ChunkIndex::new(&chunks, 48, lookups);
            assert_eq!(
                !index.table.is_empty(),
                table,
                "gap {gap}, lookups {lookups}"
            );
            for (i, &(start, slots)) in chunks.iter().enumerate() {
                for s in 0..slots {
                    let slot = NonNull::new(start.as_ptr().wrapping_add(48 * s)).unwrap();
                    assert_eq!(index.chunk_of(slot), i, "slot {s} of chunk {i}, gap {gap}");
                }
            }
        }
        // Not page-aligned (never the case for the heap's runs): the search.
        let odd = [(
            NonNull::new(core::ptr::without_provenance_mut::<u8>(0x1008)).unwrap(),
            4,
        )];
        let index = ChunkIndex::new(&odd, 48, 100);
        assert!(index.table.is_empty());
        assert_eq!(index.chunk_of(odd[0].0), 0);
        assert!(ChunkIndex::new(&[], 48, 100).table.is_empty());
    }
}
