//! The page heap: one process-wide source of page runs under every pool.
//!
//! ```
//! use zokio_pool::{heap_stats, PoolBox, Pooled};
//!
//! #[derive(Pooled)]
//! struct Point { x: f64, y: f64 }
//!
//! let p = PoolBox::new(Point { x: 1.0, y: 2.0 }); // the pool's first chunk: a page run
//! let s = heap_stats();
//! # if !zokio_pool::CHECKING_MODE { // (in checking mode pools use no chunks)
//! assert!(s.mapped_bytes >= s.free_bytes + 4096);
//! # }
//! # drop(p);
//! ```
//!
//! # Design
//! Memory comes from the OS layer (`os.rs`: `mmap`, or the system allocator) in *segments* of
//! `SEGMENT` = 2 MiB, aligned to 2 MiB, so that the segment of any address inside one is the
//! address with its low 21 bits cleared, and so that a later step can back segments with huge
//! pages. A segment is `PAGES` = 512 pages of `PAGE` = 4 KiB:
//!
//! ```text
//! page 0..3 (META_PAGES)                    page 3 .. 512 (USABLE = 509 pages)
//! [ next segment | 509 page descriptors ]   [ runs: used by a pool, or free ............ ]
//! ```
//!
//! The heap hands out *runs* of whole pages. Every run, used or free, has a descriptor at its
//! first page and one at its last (the same one for a run of one page), giving its length and
//! whether it is free; descriptors of pages inside a run are never read. A free run's first
//! descriptor is also a node of a doubly linked free list, one list per run length (exact-size
//! bins, `1..=USABLE`), with a bitmap of the non-empty bins, so the smallest free run that fits
//! is found in a few word scans (best fit, as TLSF's segregated fits; a buddy system would round
//! runs to powers of two and merge only with buddies).
//!
//! A free run is *warm* or *cold*. Warm ([`DIRTY`]): a pool used its first pages at least,
//! which may still be resident. Cold: its pages cost no memory until written, because the heap
//! gave them back ([`CLEAN`]) or because nothing wrote them since the segment was mapped
//! ([`FRESH`]: the untouched end of a segment). Warm and cold runs have bins of their own, and
//! a request takes a warm run whenever one fits: reusing pages the process already paid for
//! costs no page fault and no resident memory, where a cold run costs a fault and a zeroed
//! page per page touched (jemalloc and TCMalloc prefer used pages the same way; before, a
//! best fit over both could cut a small fresh run while a larger freed one stayed resident).
//! - **Allocate** `n` pages: take the head of the smallest non-empty warm bin of at least `n`,
//!   else of the smallest cold one; if it is longer, its front `n` pages are handed out and the
//!   rest goes back to its bin (split). No fitting run: map a new segment, whose usable pages
//!   start as one fresh run.
//! - **Free** a run: if the page before it ends a warm run, or the page after it starts a warm
//!   or a fresh run, those runs leave their bins and become one warm run with it (merge), so a
//!   segment whose pages are all free is one run again (unless `trim` released part of it). A
//!   fresh run only ever ends a segment, so its pages come last in the merged run, after the
//!   used ones a request cut from its front takes first. A clean run stays apart until `trim`
//!   merges it with its clean neighbours, so that `released_bytes` stays exact.
//!
//! All the metadata lives in the segments and in the heap's fixed-size state (the bins, the
//! bitmap, the head of the list of segments, the counters): the heap never allocates through
//! the global allocator, so a later step can make zokio-pool the `#[global_allocator]`.
//! Descriptors are 24 bytes (length, free flag, two links), so the descriptors of the 509
//! usable pages take three pages of each segment (0.6% of it).
//!
//! Requests of more than the usable pages of a segment (about 2 MiB), and those aligned to more
//! than a page, get a *dedicated mapping* of their own (their size rounded up to pages, their
//! alignment), which goes straight back to the OS when freed.
//!
//! # Giving back
//! Pools give chunks back when `trim` finds every slot of one free (see `trim.rs`), and
//! magazine arrays, which come from here too, when their pages are all spare. A freed run is
//! *dirty*: its pages may be resident. [`Heap::trim`] unmaps every segment with no page in use
//! and releases the dirty free runs of the others with `madvise(MADV_DONTNEED)`, which makes
//! them *clean*: mapped, but costing no memory until a pool writes them again (a fresh run,
//! never written, needs no `madvise` and stays as it is). A freed run merges with dirty
//! neighbours and a fresh one after it, never with a clean one, and `trim` merges each run it
//! cleans with its clean neighbours, so `released_bytes` is exact.
//!
//! One heap serves the process, behind a `std::sync::Mutex`: it is called on the slow path
//! only, when a pool grows by a chunk. Under loom the heap is the same plain `std` mutex, which
//! loom does not see; its critical sections contain no loom operation, so they cannot be
//! interleaved, and the heap's code is sequential under its lock: a loom model would only check
//! std's mutex.
//!
//! # Cost
//! An allocation scans at most the 8 words of the bitmap and relinks at most two runs; a free
//! reads the two neighbouring descriptors and relinks at most three runs: constant time, under
//! the heap's mutex, once per chunk a pool grows by (64 KiB of slots by default). A new segment
//! costs one `mmap` and two `munmap`s (the alignment trim). `trim` walks every run of every
//! segment once, with one `madvise` per dirty free run. Nothing here is on the hot path.
//!
//! # Counters
//! [`heap_stats`] reads them: `mapped_bytes` (segments and dedicated mappings held from the OS
//! now), `free_bytes` (pages of free runs: mapped, held by no pool), `released_bytes` (the
//! clean part of those) and `returned_bytes` (given back to the OS so far). What pools hold is `mapped_bytes - free_bytes`, minus 12 KiB of
//! descriptors per segment.
//!
//! # When pages go back
//! [`Heap::trim`] runs after pools gave chunks back (`give_back_after`): when a program calls
//! [`trim`](fn@crate::trim), and when the working-set rule runs (`trim.rs`, `reap.rs`): at most
//! once per [`TRIM_INTERVAL`](crate::TRIM_INTERVAL), on a pool's slow-path event, or every
//! interval on the opt-in thread of [`spawn_trimmer`](crate::spawn_trimmer). A program that
//! stops calling the slow paths without that thread keeps its free pages mapped until its next
//! slow path. Dedicated mappings go back as soon as they are freed. With huge pages on
//! ([`set_huge_pages`]) only whole segments go back.

mod os;

use core::alloc::Layout;
use core::mem::{align_of, size_of};
use core::ptr::{self, NonNull};
use core::sync::atomic::AtomicU8;
use core::sync::atomic::Ordering::Relaxed;
use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) use os::PAGE;
use os::SEGMENT;

/// Pages per segment.
const PAGES: usize = SEGMENT / PAGE;
/// The pages at the start of each segment that hold its header and page descriptors.
const META_PAGES: usize = 3;
/// Pages of a segment that runs are made of; the longest run a segment serves.
const USABLE: usize = PAGES - META_PAGES;
/// Free-list bins, indexed by run length (`0` unused).
const BINS: usize = USABLE + 1;
/// Words of the bitmap of non-empty bins.
const BITMAP_WORDS: usize = BINS.div_ceil(64);

/// The descriptor of a page that starts or ends a run.
#[derive(Clone, Copy)]
#[repr(C)]
struct Desc {
    /// Pages in the run.
    len: u32,
    /// [`USED`], or the state of a free run (in a bin): [`DIRTY`] or [`CLEAN`].
    free: u32,
    /// The previous and next free run of the same length (a free run's first page only).
    prev: *mut Desc,
    next: *mut Desc,
}

/// `Desc::free` of a run in use by a pool.
const USED: u32 = 0;
/// `Desc::free` of a free run whose pages may be resident (they were used since they were
/// mapped or last given back).
const DIRTY: u32 = 1;
/// `Desc::free` of a free run whose pages were given back to the OS (`madvise`): mapped, but
/// costing no memory until they are written again.
const CLEAN: u32 = 2;
/// `Desc::free` of a free run whose pages nothing wrote since the segment was mapped: they
/// cost no memory, as a clean run's, and read as zero when the OS layer maps zeroed memory
/// ([`os::ZERO_FILLED`]); not counted in `released_bytes`, which counts what `trim` gave back.
/// Such a run is the end of its segment: a new segment's pages, less the runs taken from
/// their front.
const FRESH: u32 = 3;

/// The bins of warm free runs ([`DIRTY`]), taken first.
const WARM: usize = 0;
/// The bins of cold free runs ([`CLEAN`], [`FRESH`]).
const COLD: usize = 1;

/// Which bins a free run in `state` is kept in.
const fn bins_of(state: u32) -> usize {
    if state == DIRTY {
        WARM
    } else {
        COLD
    }
}

/// The start of a segment's first page.
#[repr(C)]
struct Header {
    /// The next segment of the heap (its base), or null.
    next: *mut u8,
}

/// Where the descriptor of the first usable page is, from the segment's base.
const DESC_OFFSET: usize = size_of::<Header>();
const _: () = assert!(DESC_OFFSET % align_of::<Desc>() == 0);
const _: () = assert!(DESC_OFFSET + USABLE * size_of::<Desc>() <= META_PAGES * PAGE);
const _: () = assert!(USABLE <= u32::MAX as usize);

/// The base of the segment that holds `p` (a pointer into a segment, its provenance kept).
fn segment_of<T>(p: *mut T) -> *mut u8 {
    p.cast::<u8>().map_addr(|a| a & !(SEGMENT - 1))
}

/// The descriptor of page `page` (`META_PAGES..PAGES`) of the segment at `seg`.
///
/// # Safety
/// `seg` is the base of a segment of a heap; `META_PAGES <= page < PAGES`.
unsafe fn desc(seg: *mut u8, page: usize) -> *mut Desc {
    debug_assert!((META_PAGES..PAGES).contains(&page));
    // SAFETY: the descriptors of the usable pages lie in the segment's first META_PAGES pages
    // (checked in const evaluation above), aligned for `Desc`.
    unsafe { seg.add(DESC_OFFSET + (page - META_PAGES) * size_of::<Desc>()) }.cast()
}

/// The segment and page a descriptor describes.
fn locate(d: *mut Desc) -> (*mut u8, usize) {
    let seg = segment_of(d);
    let page = (d.addr() - seg.addr() - DESC_OFFSET) / size_of::<Desc>() + META_PAGES;
    (seg, page)
}

/// `n` rounded up to whole pages, in bytes; `None` on overflow.
const fn page_bytes(n: usize) -> Option<usize> {
    match n.checked_add(PAGE - 1) {
        Some(v) => Some(v & !(PAGE - 1)),
        None => None,
    }
}

/// The page heap's counters, as [`heap_stats`] reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct HeapStats {
    /// Bytes the heap holds from the operating system now: its 2 MiB segments and the mappings
    /// of chunks too large for a segment.
    pub mapped_bytes: usize,
    /// Bytes of free pages: mapped, held by no pool, ready for the next chunk of any pool.
    pub free_bytes: usize,
    /// Bytes given back to the operating system so far (the sum over the life of the process):
    /// segments and mappings unmapped, and free pages released with `madvise` (each page
    /// counted once per time it was used and then given back).
    pub returned_bytes: usize,
    /// Bytes of free pages given back to the OS but still mapped (part of `free_bytes`): they
    /// cost no memory until a pool uses them again.
    pub released_bytes: usize,
}

/// The counters of the process-wide page heap that every pool's chunks come from.
///
/// `mapped_bytes - free_bytes` is what pools hold (their chunks and magazine arrays), plus the
/// heap's page descriptors (12 KiB per 2 MiB segment). Pools keep their chunks until
/// [`trim`](fn@crate::trim) gives back those with no slot in use; `free_bytes - released_bytes`
/// is what a trim of the heap would give back beyond that.
///
/// ```
/// use zokio_pool::{heap_stats, PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// #[pool(prealloc = 1000)]
/// struct Order { id: u64, qty: u32 }
///
/// let before = heap_stats();
/// let order = PoolBox::new(Order { id: 7, qty: 3 }); // first use: 1,000 slots, 4 pages
/// let after = heap_stats();
/// # if !zokio_pool::CHECKING_MODE { // (in checking mode pools use no chunks)
/// let held = |s: zokio_pool::HeapStats| s.mapped_bytes - s.free_bytes;
/// assert!(held(after) >= held(before) + 16_000);
/// # }
/// # drop(order);
/// ```
pub fn heap_stats() -> HeapStats {
    // A read: a heap poisoned by a panic (a broken invariant) can still be counted.
    HEAP.lock().unwrap_or_else(PoisonError::into_inner).stats()
}

/// A run of pages for `layout` from the process-wide heap (its size rounded up to pages);
/// `None` if the OS refuses memory.
pub(crate) fn allocate(layout: Layout) -> Option<NonNull<u8>> {
    lock().allocate(layout)
}

/// [`allocate`], with every byte of `layout.size()` zero: a dedicated mapping or a run of
/// fresh pages (nothing wrote them since they were mapped) is zeroes already when the OS layer
/// maps zeroed memory ([`os::ZERO_FILLED`]); anything else is zeroed here, outside the lock.
#[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
pub(crate) fn allocate_zeroed(layout: Layout) -> Option<NonNull<u8>> {
    let (p, fresh) = lock().allocate_run(layout)?;
    if !(fresh && os::ZERO_FILLED) {
        // SAFETY: a run of at least `layout.size()` bytes, just allocated, ours alone.
        unsafe { p.as_ptr().write_bytes(0, layout.size()) };
    }
    Some(p)
}

/// Whether a block of `old` bytes from [`allocate`] serves `new` bytes with the same alignment
/// as it is: both round to the same pages (so the same run or mapping).
#[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
pub(crate) fn same_run(old: usize, new: usize) -> bool {
    page_bytes(old.max(1)) == page_bytes(new.max(1))
}

/// The bytes a block of `size` bytes from [`allocate`] holds: its size rounded up to pages.
#[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
pub(crate) fn run_bytes(size: usize) -> usize {
    page_bytes(size.max(1)).unwrap_or(usize::MAX)
}

/// Resizes a run of [`allocate`] in place to `new_size` bytes (see `Heap::resize_in_place`);
/// returns whether it did.
///
/// # Safety
/// `ptr` was returned by [`allocate`] (or [`allocate_zeroed`]) with `layout`, or resized here
/// to `layout.size()`, and is not given back yet.
#[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
pub(crate) unsafe fn resize_in_place(ptr: NonNull<u8>, layout: Layout, new_size: usize) -> bool {
    // SAFETY: forwarded from the caller.
    unsafe { lock().resize_in_place(ptr, layout, new_size) }
}

/// Gives back a run of [`allocate`]; it merges with its free neighbours, ready for any pool.
///
/// # Safety
/// `ptr` was returned by [`allocate`] with this `layout`, and is not used or given back after
/// this call.
pub(crate) unsafe fn deallocate(ptr: NonNull<u8>, layout: Layout) {
    // SAFETY: forwarded from the caller.
    unsafe { lock().deallocate(ptr, layout) }
}

/// Runs `release` (which gives pools' chunks back to the process-wide heap), then gives every
/// free page of the heap back to the OS (see `Heap::trim`); returns the bytes given back to the
/// OS meanwhile (chunks too large for a segment go back as soon as `release` frees them).
pub(crate) fn give_back_after(release: impl FnOnce()) -> usize {
    // The switch is read before the lock: reading it may allocate (see `huge_pages`).
    huge_pages();
    let before = lock().returned;
    release();
    let mut heap = lock();
    heap.trim();
    heap.returned - before
}

/// The process-wide heap.
static HEAP: Mutex<Heap> = Mutex::new(Heap::new());

/// The huge-page switch: `UNREAD` until the heap maps its first segment, which reads
/// `ZOKIO_POOL_HUGE_PAGES` unless [`set_huge_pages`] was called first.
static HUGE_PAGES: AtomicU8 = AtomicU8::new(UNREAD);
const UNREAD: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;
/// The environment is being read (see [`huge_pages`]): off meanwhile.
const READING: u8 = 3;

/// Turns huge pages on or off for the segments the page heap maps from now on (and for how it
/// gives pages back): on Linux, each 2 MiB segment is advised `MADV_HUGEPAGE`, so that the
/// kernel's transparent huge pages (in their usual `madvise` mode) back it with one 2 MiB page
/// instead of 512 small ones, and free pages then go back to the OS a whole segment at a time
/// (releasing part of a segment would split its huge page). Elsewhere the switch is accepted
/// and does nothing.
///
/// Off by default. The environment variable `ZOKIO_POOL_HUGE_PAGES=1` turns it on for a
/// program that does not call this, read once, at the first slow path of any pool (before the
/// first segment is mapped); call this before the first pool is used for it to apply to every
/// segment.
///
/// Huge pages help a large working set touched at random (fewer TLB misses); they cost memory
/// when a segment is mostly free (a segment is resident as a whole).
///
/// ```
/// zokio_pool::set_huge_pages(true);
/// assert!(zokio_pool::huge_pages());
/// zokio_pool::set_huge_pages(false);
/// ```
pub fn set_huge_pages(on: bool) {
    HUGE_PAGES.store(if on { ON } else { OFF }, Relaxed);
}

/// Whether the page heap advises its segments as huge pages (see [`set_huge_pages`]).
pub fn huge_pages() -> bool {
    match HUGE_PAGES.load(Relaxed) {
        UNREAD => {
            // Reading the environment allocates, and with `PoolAlloc` as the global allocator
            // that allocation comes back into the runtime: one thread reads, and every call
            // meanwhile, that one's included, sees off. The runtime reads it where it holds no
            // lock (the start of a thread cache's slow paths, `trim`); under a lock it only
            // loads the switch, so the read never waits for a lock it holds.
            if HUGE_PAGES
                .compare_exchange(UNREAD, READING, Relaxed, Relaxed)
                .is_err()
            {
                return HUGE_PAGES.load(Relaxed) == ON;
            }
            let on = std::env::var_os("ZOKIO_POOL_HUGE_PAGES").is_some_and(|v| v == "1");
            // A call of `set_huge_pages` meanwhile wins.
            let _ =
                HUGE_PAGES.compare_exchange(READING, if on { ON } else { OFF }, Relaxed, Relaxed);
            HUGE_PAGES.load(Relaxed) == ON
        }
        v => v == ON,
    }
}

fn lock() -> MutexGuard<'static, Heap> {
    // The heap runs no user code; a panic under its lock is a broken invariant, after which
    // handing out more memory from it would be unsound.
    HEAP.lock()
        .expect("zokio-pool: the page heap panicked earlier")
}

/// A page heap (the process has one, `HEAP`; the tests make their own).
pub(crate) struct Heap {
    /// The first free run of each length (its first page's descriptor), or null: warm runs in
    /// `bins[WARM]`, cold ones in `bins[COLD]`.
    bins: [[*mut Desc; BINS]; 2],
    /// Bit `n` of `nonempty[k]` set: `bins[k][n]` is not empty.
    nonempty: [[u64; BITMAP_WORDS]; 2],
    /// The base of the last segment mapped (the others follow through their headers), or null.
    segments: *mut u8,
    mapped: usize,
    free: usize,
    returned: usize,
    /// Bytes of [`CLEAN`] free runs.
    released: usize,
}

// SAFETY: the pointers lead into segments the heap owns (mapped by it, not tied to a thread);
// the runs they describe belong to the heap while free, and `&mut Heap` (the mutex) serializes
// every access to them.
unsafe impl Send for Heap {}

impl Heap {
    /// A heap with no memory yet.
    pub(crate) const fn new() -> Heap {
        Heap {
            bins: [[ptr::null_mut(); BINS]; 2],
            nonempty: [[0; BITMAP_WORDS]; 2],
            segments: ptr::null_mut(),
            mapped: 0,
            free: 0,
            returned: 0,
            released: 0,
        }
    }

    pub(crate) fn stats(&self) -> HeapStats {
        HeapStats {
            mapped_bytes: self.mapped,
            free_bytes: self.free,
            returned_bytes: self.returned,
            released_bytes: self.released,
        }
    }

    /// Whether a request of `len` bytes (whole pages) aligned to `align` gets a mapping of its
    /// own rather than a run of a segment.
    fn dedicated(len: usize, align: usize) -> bool {
        len > USABLE * PAGE || align > PAGE
    }

    /// A run of whole pages for `layout` (a dedicated mapping if it is too large for a segment
    /// or aligned to more than a page); `None` if the OS refuses memory.
    pub(crate) fn allocate(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        self.allocate_run(layout).map(|(p, _)| p)
    }

    /// [`allocate`](Self::allocate), and whether the run is fresh from the OS (a dedicated
    /// mapping, or pages of a [`FRESH`] run): nothing wrote it since it was mapped.
    fn allocate_run(&mut self, layout: Layout) -> Option<(NonNull<u8>, bool)> {
        let len = page_bytes(layout.size().max(1))?;
        if Self::dedicated(len, layout.align()) {
            len.checked_add(layout.align())?;
            let p = os::map(len, layout.align().max(PAGE))?;
            self.mapped += len;
            return Some((p, true));
        }
        let pages = len / PAGE;
        let d = match self.find(pages) {
            Some(d) => d,
            None => {
                self.add_segment()?;
                self.find(pages)?
            }
        };
        let (seg, page) = locate(d);
        // SAFETY: `d` heads a free run of this heap's segment `seg` (it was in a bin), of at
        // least `pages` pages (`find`).
        let state = unsafe { (*d).free };
        // SAFETY: as above.
        unsafe {
            let run = (*d).len as usize;
            self.unlink(d);
            if run > pages {
                self.insert_free(seg, page + pages, run - pages, state);
            }
            if state == CLEAN {
                self.released -= len;
            }
            mark(seg, page, pages, USED);
        }
        self.free -= len;
        // SAFETY: `page < PAGES`: the run's first page is inside the segment.
        let p = NonNull::new(unsafe { seg.add(page * PAGE) })?;
        Some((p, state == FRESH))
    }

    /// Gives back a run of [`allocate`](Self::allocate); it merges with its free neighbours.
    ///
    /// # Safety
    /// `ptr` was returned by `allocate(layout)` of this heap, with this `layout`, and is not
    /// used or given back after this call.
    pub(crate) unsafe fn deallocate(&mut self, ptr: NonNull<u8>, layout: Layout) {
        let len = page_bytes(layout.size().max(1))
            .expect("zokio-pool: a layout the heap allocated rounds to pages");
        if Self::dedicated(len, layout.align()) {
            // SAFETY: a dedicated mapping of these `len` and alignment (`allocate`), now unused.
            unsafe { os::unmap(ptr, len, layout.align().max(PAGE)) };
            self.mapped -= len;
            self.returned += len;
            return;
        }
        let seg = segment_of(ptr.as_ptr());
        let page = (ptr.as_ptr().addr() - seg.addr()) / PAGE;
        // SAFETY: a used run of `seg` (the caller's contract).
        unsafe { self.free_pages(seg, page, len / PAGE) };
    }

    /// Makes the pages `page..page + pages` of `seg` a dirty free run, merged with its dirty
    /// neighbours.
    ///
    /// # Safety
    /// `seg` is a segment of this heap and those pages are one run in use (their first and
    /// last descriptors say so), not used after this call.
    unsafe fn free_pages(&mut self, seg: *mut u8, mut page: usize, mut pages: usize) {
        let end = page + pages;
        self.free += pages * PAGE;
        // SAFETY: `page..end` is a used run of `seg` (the caller's contract): the page before it
        // (if usable) ends a run and the one after (if any) starts one, both with initialized
        // descriptors, and a free one's run is in its bin.
        unsafe {
            // The run is dirty (a pool used it): it merges with dirty neighbours, and with the
            // fresh end of the segment after it (whose pages then come last), not with clean
            // runs, so that a clean run stays whole and known to cost nothing (`trim` merges
            // what it cleans).
            if page > META_PAGES {
                let before = desc(seg, page - 1);
                if (*before).free == DIRTY {
                    let n = (*before).len as usize;
                    page -= n;
                    self.unlink(desc(seg, page));
                    pages += n;
                }
            }
            if end < PAGES {
                let after = desc(seg, end);
                if (*after).free == DIRTY || (*after).free == FRESH {
                    pages += (*after).len as usize;
                    self.unlink(after);
                }
            }
            self.insert_free(seg, page, pages, DIRTY);
        }
    }

    /// Resizes in place a run of [`allocate`](Self::allocate) from `layout.size()` to
    /// `new_size` bytes (same alignment), if it can: to the same pages; larger, by taking the
    /// front of the free run that follows it (the rest of that run stays free, in its state);
    /// smaller, by freeing its last pages (they merge with a dirty run after them). Runs of a
    /// dedicated mapping, before or after, are not resized. Returns whether the run now holds
    /// `new_size` bytes; if not, nothing changed.
    ///
    /// # Safety
    /// `ptr` was returned by `allocate(layout)` of this heap (or resized here to
    /// `layout.size()`) and is not given back yet.
    pub(crate) unsafe fn resize_in_place(
        &mut self,
        ptr: NonNull<u8>,
        layout: Layout,
        new_size: usize,
    ) -> bool {
        let (Some(old_len), Some(new_len)) = (
            page_bytes(layout.size().max(1)),
            page_bytes(new_size.max(1)),
        ) else {
            return false;
        };
        if old_len == new_len {
            return true;
        }
        if Self::dedicated(old_len, layout.align()) || Self::dedicated(new_len, layout.align()) {
            return false;
        }
        let seg = segment_of(ptr.as_ptr());
        let page = (ptr.as_ptr().addr() - seg.addr()) / PAGE;
        let (old_pages, new_pages) = (old_len / PAGE, new_len / PAGE);
        let end = page + old_pages;
        if new_pages < old_pages {
            // SAFETY: `page..end` is a used run of `seg` (the caller's contract); its front
            // stays in use, and its last pages become a run in use of their own, then free.
            unsafe {
                mark(seg, page, new_pages, USED);
                mark(seg, page + new_pages, old_pages - new_pages, USED);
                self.free_pages(seg, page + new_pages, old_pages - new_pages);
            }
            return true;
        }
        let extra = new_pages - old_pages;
        if end == PAGES {
            return false;
        }
        // SAFETY: `end < PAGES` starts the run after this one in the segment (runs tile the
        // usable pages), whose descriptor is initialized.
        let after = unsafe { desc(seg, end) };
        // SAFETY: as above.
        let (len, state) = unsafe { ((*after).len as usize, (*after).free) };
        if state == USED || len < extra {
            return false;
        }
        // SAFETY: `after` heads a free run of `seg` in its bin, of at least `extra` pages; its
        // front joins this run (both within the segment), the rest stays free in its state.
        unsafe {
            self.unlink(after);
            if len > extra {
                self.insert_free(seg, end + extra, len - extra, state);
            }
            mark(seg, page, new_pages, USED);
        }
        if state == CLEAN {
            self.released -= extra * PAGE;
        }
        self.free -= extra * PAGE;
        true
    }

    /// The first free run of the smallest non-empty warm bin of at least `pages` pages, else
    /// of the smallest cold one.
    fn find(&self, pages: usize) -> Option<*mut Desc> {
        self.find_in(WARM, pages)
            .or_else(|| self.find_in(COLD, pages))
    }

    /// The first free run of the smallest non-empty bin of `bins[set]` of at least `pages`
    /// pages.
    fn find_in(&self, set: usize, pages: usize) -> Option<*mut Desc> {
        if pages > USABLE {
            return None;
        }
        let nonempty = &self.nonempty[set];
        let mut word = pages / 64;
        let mut bits = nonempty[word] & (!0u64 << (pages % 64));
        loop {
            if bits != 0 {
                return Some(self.bins[set][word * 64 + bits.trailing_zeros() as usize]);
            }
            word += 1;
            bits = *nonempty.get(word)?;
        }
    }

    /// Maps a segment; its usable pages become one fresh run.
    fn add_segment(&mut self) -> Option<()> {
        let seg = os::map(SEGMENT, SEGMENT)?.as_ptr();
        // Read where no lock was held (see `huge_pages`); unread counts as off.
        if HUGE_PAGES.load(Relaxed) == ON {
            // Before any page of it is touched: a page faulted in first would make the kernel
            // map the whole 2 MiB with small pages.
            // SAFETY: the whole segment, just mapped.
            unsafe { os::advise_huge(NonNull::new_unchecked(seg), SEGMENT) };
        }
        // SAFETY: a new segment, ours alone; its header is at its base, aligned (2 MiB).
        unsafe {
            seg.cast::<Header>().write(Header {
                next: self.segments,
            })
        };
        self.segments = seg;
        self.mapped += SEGMENT;
        self.free += USABLE * PAGE;
        // SAFETY: the usable pages of the new segment, in no bin yet. Fresh pages cost no
        // memory until written, as clean ones, but a run is called clean only once the heap
        // gave it back, so that `released_bytes` counts what `trim` did.
        unsafe { self.insert_free(seg, META_PAGES, USABLE, FRESH) };
        Some(())
    }

    /// Gives every free page back to the OS: a segment with no page in use is unmapped, and
    /// the free runs of the others are released with `madvise(MADV_DONTNEED)` (they stay
    /// mapped, ready for the next chunk), except with huge pages on (only whole segments). Returns the bytes given back by this call. Under
    /// the `std::alloc` OS layer (Miri, checking mode, non-unix) only whole segments go back.
    pub(crate) fn trim(&mut self) -> usize {
        let before = self.returned;
        // Read before the lock by whoever called this (see `huge_pages`).
        let huge = HUGE_PAGES.load(Relaxed) == ON;
        // `link` is where the pointer to `seg` is stored: the head, or the previous header.
        let mut link: *mut *mut u8 = &raw mut self.segments;
        // SAFETY: `link` points at the heap's head or at the header of a segment of this
        // heap, both valid; every segment on the list is one of ours.
        let mut seg = unsafe { *link };
        while !seg.is_null() {
            // SAFETY: a segment of this heap: its header is initialized.
            let next = unsafe { seg.cast::<Header>().read() }.next;
            // SAFETY: a segment of this heap, under its `&mut`.
            if unsafe { self.segment_is_free(seg) } {
                // SAFETY: as above; no page of it is in use.
                unsafe { self.unmap_segment(seg) };
                // SAFETY: `link` is valid (see above); the segment leaves the list.
                unsafe { *link = next };
            } else {
                // With huge pages, a segment goes back whole only: releasing part of it would
                // split its huge page.
                if !huge {
                    // SAFETY: as above.
                    unsafe { self.release_free_runs(seg) };
                }
                // SAFETY: the header of a segment that stays mapped.
                link = unsafe { &raw mut (*seg.cast::<Header>()).next };
            }
            seg = next;
        }
        self.returned - before
    }

    /// Whether no page of segment `seg` is in use.
    ///
    /// # Safety
    /// `seg` is a segment of this heap.
    unsafe fn segment_is_free(&self, seg: *mut u8) -> bool {
        let mut page = META_PAGES;
        while page < PAGES {
            // SAFETY: `page` starts a run of `seg` (runs tile the usable pages).
            let d = unsafe { desc(seg, page).read() };
            if d.free == USED {
                return false;
            }
            page += d.len as usize;
        }
        true
    }

    /// Takes the free runs of segment `seg` out of their bins and gives the segment back to
    /// the OS.
    ///
    /// # Safety
    /// `seg` is a segment of this heap with no page in use; it is taken off the segment list
    /// by the caller, and not used after.
    unsafe fn unmap_segment(&mut self, seg: *mut u8) {
        let mut page = META_PAGES;
        let mut clean = 0;
        while page < PAGES {
            // SAFETY: `page` starts a free run of `seg`, in its bin (the caller's contract).
            unsafe {
                let d = desc(seg, page);
                let len = (*d).len as usize;
                if (*d).free == CLEAN {
                    clean += len * PAGE;
                }
                self.unlink(d);
                page += len;
            }
        }
        // SAFETY: mapped by `add_segment` with these arguments; no run of it is in use or
        // listed any more.
        unsafe { os::unmap(NonNull::new_unchecked(seg), SEGMENT, SEGMENT) };
        self.mapped -= SEGMENT;
        self.free -= USABLE * PAGE;
        self.released -= clean;
        // Pages released earlier were counted then.
        self.returned += SEGMENT - clean;
    }

    /// Releases the dirty free runs of segment `seg` to the OS and merges each released run
    /// with its clean neighbours (a fresh run stays as it is: merged into a clean one, its
    /// pages would count in `released_bytes` without having been given back).
    ///
    /// # Safety
    /// `seg` is a segment of this heap.
    unsafe fn release_free_runs(&mut self, seg: *mut u8) {
        // The clean run being gathered (out of its bin): its first page and its length.
        let mut gathered: Option<(usize, usize)> = None;
        let mut page = META_PAGES;
        while page < PAGES {
            // SAFETY: `page` starts a run of `seg` (runs tile the usable pages), and a free
            // run is in its bin.
            let (len, state) = unsafe {
                let d = desc(seg, page);
                ((*d).len as usize, (*d).free)
            };
            // SAFETY: the run's pages are inside the segment.
            let start = unsafe { NonNull::new_unchecked(seg.add(page * PAGE)) };
            // SAFETY: a free run is the heap's: no pool reads or writes its pages.
            let clean =
                state == CLEAN || (state == DIRTY && unsafe { os::release(start, len * PAGE) });
            if clean {
                if state == DIRTY {
                    self.released += len * PAGE;
                    self.returned += len * PAGE;
                }
                // SAFETY: a free run in its bin.
                unsafe { self.unlink(desc(seg, page)) };
                gathered = Some(match gathered {
                    Some((first, n)) => (first, n + len),
                    None => (page, len),
                });
            } else if let Some((first, n)) = gathered.take() {
                // SAFETY: the gathered runs are free pages of `seg`, out of their bins.
                unsafe { self.insert_free(seg, first, n, CLEAN) };
            }
            page += len;
        }
        if let Some((first, n)) = gathered {
            // SAFETY: as above.
            unsafe { self.insert_free(seg, first, n, CLEAN) };
        }
    }

    /// Marks `pages` pages from `page` of `seg` as one free run in `state` ([`DIRTY`],
    /// [`CLEAN`] or [`FRESH`]) and puts it in its bin.
    ///
    /// # Safety
    /// `seg` is a segment of this heap; `META_PAGES <= page`, `page + pages <= PAGES`,
    /// `pages >= 1`; those pages are in no run in use and in no bin.
    unsafe fn insert_free(&mut self, seg: *mut u8, page: usize, pages: usize, state: u32) {
        debug_assert!(state == DIRTY || state == CLEAN || state == FRESH);
        // SAFETY: forwarded from the caller.
        unsafe { mark(seg, page, pages, state) };
        // SAFETY: the page is usable (the caller's contract).
        let head = unsafe { desc(seg, page) };
        let set = bins_of(state);
        let next = self.bins[set][pages];
        // SAFETY: `head` was just written by `mark`; `next`, if not null, heads a free run of
        // this heap (it is in a bin), whose descriptor is initialized.
        unsafe {
            (*head).next = next;
            if !next.is_null() {
                (*next).prev = head;
            }
        }
        self.bins[set][pages] = head;
        self.nonempty[set][pages / 64] |= 1 << (pages % 64);
    }

    /// Takes a free run out of its bin.
    ///
    /// # Safety
    /// `d` heads a free run of this heap that is in its bin.
    unsafe fn unlink(&mut self, d: *mut Desc) {
        // SAFETY: `d` and its neighbours in the bin head free runs of this heap (the caller's
        // contract), whose descriptors are initialized.
        unsafe {
            let (len, prev, next) = ((*d).len as usize, (*d).prev, (*d).next);
            let set = bins_of((*d).free);
            if prev.is_null() {
                self.bins[set][len] = next;
                if next.is_null() {
                    self.nonempty[set][len / 64] &= !(1 << (len % 64));
                }
            } else {
                (*prev).next = next;
            }
            if !next.is_null() {
                (*next).prev = prev;
            }
        }
    }

    /// Every free run, `(address, pages)`, bin by bin (for the tests).
    #[cfg(all(test, not(loom)))]
    fn free_runs(&self) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let bins = self.bins.iter().enumerate();
        for (set, len, &head) in
            bins.flat_map(|(k, b)| b.iter().enumerate().map(move |(n, h)| (k, n, h)))
        {
            let mut d = head;
            while !d.is_null() {
                let (seg, page) = locate(d);
                // SAFETY: `d` heads a free run in a bin: its descriptor is initialized.
                let (n, free, next) = unsafe { ((*d).len as usize, (*d).free, (*d).next) };
                assert_eq!(n, len, "a run in the bin of its length");
                assert_ne!(free, USED, "a free run");
                assert_eq!(set, bins_of(free), "a run in the bins of its state");
                runs.push((seg.addr() + page * PAGE, n));
                d = next;
            }
        }
        runs.sort_unstable();
        runs
    }
}

/// Writes the descriptors of the run of `pages` pages from `page` of `seg`, in state `free`
/// ([`USED`], [`DIRTY`] or [`CLEAN`]): its first and last.
///
/// # Safety
/// `seg` is a segment of a heap; `META_PAGES <= page`, `page + pages <= PAGES`, `pages >= 1`;
/// the heap's `&mut` is held (nothing else reads the descriptors).
unsafe fn mark(seg: *mut u8, page: usize, pages: usize, free: u32) {
    debug_assert!(pages >= 1 && page >= META_PAGES && page + pages <= PAGES);
    let d = Desc {
        len: pages as u32,
        free,
        prev: ptr::null_mut(),
        next: ptr::null_mut(),
    };
    // SAFETY: both pages are usable pages of `seg` (the caller's contract).
    unsafe {
        desc(seg, page).write(d);
        desc(seg, page + pages - 1).write(d);
    }
}

/// Only the tests' heaps are dropped (the process's is a `static`): their segments go back.
#[cfg(test)]
impl Drop for Heap {
    fn drop(&mut self) {
        let mut seg = self.segments;
        while !seg.is_null() {
            // SAFETY: a segment of this heap: its header is initialized.
            let next = unsafe { seg.cast::<Header>().read() }.next;
            // SAFETY: mapped by `add_segment` with these arguments; the heap is going away and
            // its tests gave back every run they took.
            unsafe { os::unmap(NonNull::new_unchecked(seg), SEGMENT, SEGMENT) };
            seg = next;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
