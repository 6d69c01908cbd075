//! The byte allocator: [`PoolAlloc`], the size classes as a general allocator.
//!
//! A layout's class comes from its size and alignment alone (Rust's `dealloc` passes the
//! layout), so a free needs no header and no page lookup: a few arithmetic instructions pick
//! the class, then the thread cache of that class pops or pushes, as for a typed pool. The
//! classes are the ones [`ClassBox`](crate::ClassBox) uses (their depots, chunks and page heap);
//! the byte allocator's thread caches are its own, one `thread_local!` array indexed by class,
//! so that the run-time index costs one access to thread-local storage instead of a call
//! through a key per class. Like every cache, they take and give back on their loaded array
//! (no hot slot: see `LocalCache`); a hot slot's test here, where one `alloc` and one
//! `dealloc` serve every class, followed the sizes of the program's allocations, a branch the
//! processor cannot predict when they are mixed (`ede4332` removed it from these caches first).
//!
//! Above the classes (32 KiB), and for alignments past a page, an object is a run of whole
//! pages from the page heap, which splits larger free runs and merges neighbours on free;
//! above a segment's usable pages (about 2 MiB) it is a mapping of its own, back to the OS
//! when freed.
//!
//! Nothing here allocates through the global allocator: the runtime's metadata is on
//! `System` (`sys.rs`), the heap maps its memory, and the thread-exit flush is registered with
//! the platform's TLS destructors (on glibc, `__cxa_thread_atexit_impl`, which allocates with
//! the C allocator).

use core::alloc::{GlobalAlloc, Layout};
use core::fmt;
use core::ptr::{self, NonNull};
use std::alloc::System;

use allocator_api2::alloc::{AllocError, Allocator};

use crate::cache::{Home, LocalCache};
#[cfg(miri)]
use crate::class::CACHES;
use crate::class::{index_of, COUNT, DEPOTS, DIRECT_CONFIG, LISTING, SIZE_CLASSES};
use crate::depot::Depot;
use crate::heap;
use crate::raw::CHECKING_MODE;
use crate::stats::PoolStats;

/// The largest size a class serves; above it an object is a page run.
const SMALL_MAX: usize = 32 * 1024;
const _: () = assert!(SIZE_CLASSES[COUNT - 1] == SMALL_MAX);

std::thread_local! {
    /// The byte allocator's thread cache of each class (see the module's docs).
    static BYTE_CACHES: [LocalCache; COUNT] =
        const { [const { LocalCache::new() }; COUNT] };
}

/// The counts of the objects above the classes (page runs and mappings).
static LARGE: Depot = Depot::new(DIRECT_CONFIG);

/// Whether the objects above the classes are page runs of the heap (else, in checking mode
/// and under Miri, blocks of the system allocator: see `large_alloc`).
const LARGE_FROM_HEAP: bool = !CHECKING_MODE && !cfg!(miri);

/// Runs `f` on this thread's byte cache of class `i` if the thread's caches are still there;
/// whether they were (the thread-exit flush, `cache::Home`).
pub(crate) fn with_byte_cache(i: usize, f: impl FnOnce(&LocalCache)) -> bool {
    BYTE_CACHES.try_with(|caches| f(&caches[i])).is_ok()
}

/// The class of `size` bytes, `1..=SMALL_MAX` (0 counts as 1), for an alignment of at most 8
/// (every class is a multiple of 8): `first_at_least` of `class.rs` in a branch and a few
/// shifts. Up to 128 B the classes are 8 B apart; above, for `2^k < size <= 2^(k+1)`, the
/// eight classes `2^k + j * 2^(k-3)` are indices `8k - 48 + ((size - 1) >> (k - 3))`.
#[inline(always)]
fn small_index(size: usize) -> usize {
    let s = size.saturating_sub(1);
    if s < 128 {
        return s >> 3;
    }
    let k = (usize::BITS - 1 - s.leading_zeros()) as usize;
    8 * k - 48 + (s >> (k - 3))
}

/// The class of `layout`, or `None` if no class serves it (a page run does).
#[inline(always)]
fn class_of(layout: Layout) -> Option<usize> {
    let (size, align) = (layout.size(), layout.align());
    if size <= SMALL_MAX && align <= 8 {
        return Some(small_index(size));
    }
    class_of_aligned(size, align)
}

/// [`class_of`] for an alignment above 8 or a size above the classes: the search of
/// `class.rs` (a class whose size is a multiple of the alignment).
#[inline(never)]
fn class_of_aligned(size: usize, align: usize) -> Option<usize> {
    let i = index_of(size.max(1), align);
    (i < COUNT).then_some(i)
}

/// The depot of class `i`.
#[inline(always)]
fn depot(i: usize) -> &'static Depot {
    debug_assert!(i < COUNT);
    // SAFETY: every class index comes from `small_index` (at most `COUNT - 1` for a size up to
    // `SMALL_MAX`, checked against the table in the tests) or from `class_of_aligned` (`< COUNT`).
    unsafe { DEPOTS.get_unchecked(i) }
}

/// Runs `f` on this thread's byte cache of class `i`, with where it lives.
///
/// Compiled, the cache is element `i` of [`BYTE_CACHES`]: one access to thread-local storage
/// and an index. Under Miri it is the class's own `thread_local!` (`ClassBox`'s), reached
/// through its key: a reference to the whole array (11 KiB) would make every allocation retag
/// every byte of it under Stacked Borrows (minutes per test), and the only difference is how
/// the `&LocalCache` is found; everything done with it is the same code.
#[inline(always)]
fn with_cache<R>(i: usize, f: impl FnOnce(&LocalCache, Home) -> R) -> R {
    debug_assert!(i < COUNT);
    #[cfg(not(miri))]
    {
        BYTE_CACHES.with(|caches| {
            // SAFETY: `i < COUNT` (see `depot`).
            f(unsafe { caches.get_unchecked(i) }, Home::Bytes(i))
        })
    }
    #[cfg(miri)]
    {
        let key = CACHES[i];
        key.with(|cache| f(cache, Home::Key(key)))
    }
}

/// A slot of class `i` from this thread's byte cache; null if the OS refuses memory.
#[inline(always)]
fn take(i: usize) -> *mut u8 {
    let slot = with_cache(i, |cache, home| match cache.peek_array() {
        // The slot is read as a raw pointer: LLVM, knowing a `NonNull` read from memory is not
        // null, threaded that path past the caller's null check of `alloc`'s result, and the
        // caller's write of the object, reached by two paths, then went through a stack copy.
        // Callgrind, a 64 B object written and freed (`instructions poolalloc-64`): 42
        // instructions a pair that way, 34 this way (with the hot slot then); a batch of 1,000
        // (`-lifo`) 46.2 and 41.2 per object.
        Some(top) => {
            cache.commit_array(top);
            // SAFETY: `top` is the round `peek_array` found (not taken by anyone else since:
            // the cache is this thread's), an initialized `NonNull<u8>`, which has the layout
            // of a `*mut u8`.
            unsafe { top.cast::<*mut u8>().read() }
        }
        None => take_slow(cache, home, i),
    });
    #[cfg(zokio_pool_asan)]
    if let Some(slot) = NonNull::new(slot) {
        // SAFETY: a slot of class `i`, just taken: its bytes are the caller's now (poisoned
        // when it was freed, by `give` or by a `ClassBox` of the class).
        unsafe { crate::asan::unpoison(slot, SIZE_CLASSES[i]) };
    }
    slot
}

/// [`take`] when the cache has no slot at hand: the next slot of its never-used run if nothing
/// comes before it (`carve_next`), else lists the class's pool and takes the cache's slow path
/// (a magazine from the depot, fresh slots, a chunk from the heap).
#[inline(never)]
fn take_slow(cache: &LocalCache, home: Home, i: usize) -> *mut u8 {
    let depot = depot(i);
    if let Some(slot) = cache.carve_next(depot) {
        return slot.as_ptr();
    }
    let (name, release) = LISTING[i];
    crate::registry::register(depot, name, release);
    cache
        .pop_slow(home, depot)
        .map_or(ptr::null_mut(), NonNull::as_ptr)
}

/// Gives a slot of class `i` back to this thread's byte cache.
///
/// # Safety
/// `slot` is a slot of class `i` that nothing uses any more.
#[inline(always)]
unsafe fn give(slot: NonNull<u8>, i: usize) {
    // Under Miri, the slot goes back with its chunk's provenance, not the caller's (see
    // `Depot::chunk_pointer`). Compiled, a pointer is its address: the caller's is the slot's.
    #[cfg(miri)]
    let slot = depot(i)
        .chunk_pointer(slot)
        .expect("zokio-pool: a freed block is a slot of its class");
    // Under ASan a free slot is poisoned, so a use after `dealloc` is reported as one.
    #[cfg(zokio_pool_asan)]
    // SAFETY: the slot's bytes, which nobody may touch until `take` hands it out again (and
    // unpoisons them).
    unsafe {
        crate::asan::poison(slot, SIZE_CLASSES[i])
    };
    with_cache(i, |cache, home| {
        // SAFETY: a free slot of class `i` (the caller's contract), given to a cache of that
        // class with that class's depot.
        unsafe { cache.push(slot, home, depot(i)) }
    })
}

/// A block above the classes: a page run (or mapping) from the heap, counted.
///
/// Under Miri, from the system allocator instead: the heap finds a run's descriptors from the
/// pointer it frees, and the caller's pointer (a `Box`'s, retagged for its type's bytes) does
/// not cover them. The heap's own tests run it under Miri.
#[cold]
fn large_alloc(layout: Layout, zeroed: bool) -> *mut u8 {
    if !LARGE_FROM_HEAP {
        return checking_alloc(layout, zeroed);
    }
    crate::registry::register(&LARGE, large_name, no_release);
    let block = if zeroed {
        heap::allocate_zeroed(layout)
    } else {
        heap::allocate(layout)
    };
    match block {
        Some(p) => {
            LARGE.count_block_taken(heap::run_bytes(layout.size()));
            p.as_ptr()
        }
        None => ptr::null_mut(),
    }
}

/// Gives back a block of [`large_alloc`].
///
/// # Safety
/// `ptr` came from `large_alloc(layout, _)` and nothing uses it any more.
#[cold]
unsafe fn large_dealloc(ptr: NonNull<u8>, layout: Layout) {
    if !LARGE_FROM_HEAP {
        // SAFETY: from `checking_alloc` under Miri (see `large_alloc`), now unused.
        return unsafe { checking_dealloc(ptr.as_ptr(), layout) };
    }
    // SAFETY: allocated by `heap::allocate(layout)` (or `allocate_zeroed`), now unused.
    unsafe { heap::deallocate(ptr, layout) };
    LARGE.count_block_given(heap::run_bytes(layout.size()));
}

/// Resizes a block of [`large_alloc`] in place to `new_size` bytes (same alignment), if it
/// can: at once when both sizes round to the same pages (the heap frees it by the new layout
/// as by the old), else if the heap can (see `heap::resize_in_place`: growing into the free
/// pages after the run, or freeing its last pages), counting its new size. Returns whether
/// it did.
///
/// # Safety
/// `ptr` came from `large_alloc(layout, _)` (or was resized here to `layout.size()`), and is
/// still allocated.
#[cold]
unsafe fn large_resize_in_place(ptr: *mut u8, layout: Layout, new_size: usize) -> bool {
    if !LARGE_FROM_HEAP {
        return false;
    }
    if heap::same_run(layout.size(), new_size) {
        return true;
    }
    // SAFETY: a block of `large_alloc`, so not null, is a run of the heap's `allocate(layout)`
    // (the caller's contract).
    let resized = unsafe { heap::resize_in_place(NonNull::new_unchecked(ptr), layout, new_size) };
    if resized {
        LARGE.count_block_resized(heap::run_bytes(layout.size()), heap::run_bytes(new_size));
    }
    resized
}

fn large_name() -> &'static str {
    "zokio_pool::PoolAlloc<large>"
}

/// The large objects' part of `trim`: none (each goes back to the heap when freed).
fn no_release(_all: bool) -> usize {
    0
}

/// Checking mode: every object a block of its own from the system allocator, counted in its
/// class (or as large), so that Miri and sanitizers see each object's lifetime.
#[cold]
fn checking_alloc(layout: Layout, zeroed: bool) -> *mut u8 {
    // SAFETY: the layout's size is non-zero (`GlobalAlloc`'s contract).
    let p = unsafe {
        if zeroed {
            System.alloc_zeroed(layout)
        } else {
            System.alloc(layout)
        }
    };
    if !p.is_null() {
        class_of(layout)
            .map_or(&LARGE, depot)
            .count_block_taken(layout.size());
    }
    p
}

/// Gives back a block of [`checking_alloc`].
///
/// # Safety
/// `ptr` came from `checking_alloc(layout, _)` and nothing uses it any more.
#[cold]
unsafe fn checking_dealloc(ptr: *mut u8, layout: Layout) {
    // SAFETY: allocated by `System` with this layout (the caller's contract).
    unsafe { System.dealloc(ptr, layout) };
    class_of(layout)
        .map_or(&LARGE, depot)
        .count_block_given(layout.size());
}

/// The tiered byte allocator: the size classes of [`ClassBox`](crate::ClassBox) as a general
/// allocator, for a whole program or for one collection.
///
/// As the program's allocator, with one line:
///
/// ```
/// #[global_allocator]
/// static ALLOC: zokio_pool::PoolAlloc = zokio_pool::PoolAlloc::new();
///
/// fn main() {
///     let v: Vec<u64> = (0..1000).collect(); // 8,000 B: a slot of the 8 KiB class
///     let s = String::from("hello");         // 5 B: a slot of the 8 B class
///     assert_eq!(v.len() + s.len(), 1005);
/// }
/// ```
///
/// For one collection, through [`allocator_api2`] (re-exported, so the
/// versions match; hashbrown's `HashMap::new_in` takes it too):
///
/// ```
/// use zokio_pool::allocator_api2::vec::Vec as AVec;
/// use zokio_pool::PoolAlloc;
///
/// let mut v = AVec::new_in(PoolAlloc::new());
/// v.extend([1u32, 2, 3]);
/// assert_eq!(v.iter().sum::<u32>(), 6);
/// ```
///
/// # How it serves a layout
/// - **Up to 32 KiB, aligned to at most a page**: the smallest of the [`SIZE_CLASSES`] that
///   holds the size and is a multiple of the alignment ([`class_size`](crate::class_size)),
///   picked by arithmetic from the layout (no header, no page lookup), then the thread
///   cache's pop or push: no lock, no atomic read-modify-write. The classes waste 4.7% on
///   average for sizes uniform in 1..1024 B.
/// - **Above 32 KiB, or aligned past a page**: a run of whole pages from the page heap, split
///   from a larger free run and merged with its free neighbours when freed (under the heap's
///   lock); above about 2 MiB, a mapping of its own, unmapped when freed.
/// - `realloc` (and the `Allocator` API's `grow` and `shrink`) stays in place when the new
///   size is in the same class, rounds to the same pages, or is a page run's smaller size
///   (its last pages go back) or larger one with the free pages after the run to grow into;
///   `alloc_zeroed` does not write a fresh mapping or a run of pages nothing wrote since the
///   OS mapped them, which the OS zeroed.
///
/// The classes are shared with `ClassBox` and with generic derives (their depots, chunks and
/// statistics); each thread has its own caches for the byte allocator. Freeing on another
/// thread gives the slot to that thread's cache, and full magazines flow back through the
/// depot, as in a typed pool. A thread's caches go to the depots when it exits; allocations
/// after that, in the thread's late TLS destructors, go to the depots directly.
///
/// In checking mode ([`CHECKING_MODE`], the default under Miri) every
/// object is a block of its own from the system allocator, counted in its class.
#[derive(Clone, Copy, Default, Debug)]
pub struct PoolAlloc {
    _private: (),
}

impl PoolAlloc {
    /// The allocator (it has no state of its own: every `PoolAlloc` is the same one).
    pub const fn new() -> PoolAlloc {
        PoolAlloc { _private: () }
    }

    /// The statistics of the byte allocator's classes and of its large objects.
    ///
    /// The classes' counts include the `ClassBox`es and generic derives they serve (the same
    /// pools); only classes used so far are listed.
    ///
    /// ```
    /// use zokio_pool::{PoolAlloc, allocator_api2::boxed::Box as ABox};
    ///
    /// let b = ABox::new_in([0u8; 200], PoolAlloc::new()); // the 208 B class
    /// let s = PoolAlloc::stats();
    /// let class = s.classes.iter().find(|c| c.size == 208).expect("used");
    /// assert!(class.stats.live >= 1);
    /// assert!(s.total.live >= 1);
    /// println!("{s}");
    /// # drop(b);
    /// ```
    pub fn stats() -> AllocStats {
        let mut classes = Vec::new();
        let mut total = PoolStats::default();
        for (i, &size) in SIZE_CLASSES.iter().enumerate() {
            let stats = crate::cache::pool_stats(depot(i));
            if stats.allocated + stats.reused + stats.capacity > 0 {
                add(&mut total, &stats);
                classes.push(ClassStats { size, stats });
            }
        }
        let large = crate::cache::pool_stats(&LARGE);
        add(&mut total, &large);
        AllocStats {
            total,
            classes,
            large,
        }
    }
}

/// Adds `b`'s counts to `a` (`high_water` too: the sum of the parts' high-water marks, at
/// least the whole's).
fn add(a: &mut PoolStats, b: &PoolStats) {
    a.allocated += b.allocated;
    a.reused += b.reused;
    a.live += b.live;
    a.high_water += b.high_water;
    a.capacity += b.capacity;
    a.reserved_bytes += b.reserved_bytes;
    a.kept += b.kept;
    a.kept_capacity += b.kept_capacity;
    a.discarded += b.discarded;
}

/// What [`PoolAlloc::stats`] reads: each class used so far, the large objects, and the sum.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AllocStats {
    /// The sum over the classes and the large objects (`high_water` is the sum of theirs).
    pub total: PoolStats,
    /// Each class used so far, smallest first.
    pub classes: Vec<ClassStats>,
    /// The objects above the classes: `capacity` counts blocks, `reserved_bytes` their pages.
    pub large: PoolStats,
}

/// One size class in [`AllocStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClassStats {
    /// The class's slot size in bytes.
    pub size: usize,
    /// Its statistics (the class's pool, shared with `ClassBox`).
    pub stats: PoolStats,
}

impl fmt::Display for AllocStats {
    /// A table: one row per class used, one for the large objects and one for the total.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rows: Vec<(String, PoolStats)> = self
            .classes
            .iter()
            .map(|c| (format!("{} B", c.size), c.stats))
            .collect();
        rows.push(("large".to_owned(), self.large));
        rows.push(("total".to_owned(), self.total));
        crate::registry::write_table(f, "class", &rows)
    }
}

// SAFETY: `alloc` returns a block of at least `layout.size()` bytes aligned to `layout.align()`
// or null: a class slot (the class holds the size and its slots are aligned to a multiple of
// the alignment: `class.rs`), or a page run of the heap aligned to the layout (a page, or a
// mapping of the alignment). `dealloc` with the same layout finds the same class (a function of
// the layout) or the same heap run (the heap frees by layout). A block is owned by the caller
// until `dealloc`: the cache hands a slot to one caller only and takes it back only from
// `dealloc`. No method unwinds: they call no user code, and the runtime's invariant checks
// abort through a panic in a function that cannot unwind.
unsafe impl GlobalAlloc for PoolAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if CHECKING_MODE {
            return checking_alloc(layout, false);
        }
        match class_of(layout) {
            Some(i) => take(i),
            None => large_alloc(layout, false),
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if CHECKING_MODE {
            // SAFETY: from `alloc` with this layout, in checking mode (the caller's contract).
            return unsafe { checking_dealloc(ptr, layout) };
        }
        // SAFETY: `GlobalAlloc`'s contract: `ptr` came from this allocator (not null).
        let block = unsafe { NonNull::new_unchecked(ptr) };
        match class_of(layout) {
            // SAFETY: a slot of class `i` (the same function of the same layout chose it in
            // `alloc`), which the caller no longer uses.
            Some(i) => unsafe { give(block, i) },
            // SAFETY: a large block of this layout, no longer used.
            None => unsafe { large_dealloc(block, layout) },
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if CHECKING_MODE {
            return checking_alloc(layout, true);
        }
        match class_of(layout) {
            Some(i) => {
                let p = take(i);
                if !p.is_null() {
                    // SAFETY: a slot of at least `layout.size()` bytes, ours alone.
                    unsafe { p.write_bytes(0, layout.size()) };
                }
                p
            }
            None => large_alloc(layout, true),
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `GlobalAlloc::realloc`'s contract: `new_size`, rounded up to the alignment,
        // does not overflow `isize`.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !CHECKING_MODE {
            match (class_of(layout), class_of(new)) {
                // The same class: the slot holds the new size.
                (Some(a), Some(b)) if a == b => return ptr,
                // The same pages, or a run the heap resizes in place.
                // SAFETY: a large block is a run of the heap with this layout (`large_alloc`),
                // in use; `ptr` is not null (an allocated block).
                (None, None) if unsafe { large_resize_in_place(ptr, layout, new_size) } => {
                    return ptr
                }
                _ => {}
            }
        }
        // SAFETY: `new` has a non-zero size (the caller's contract).
        let moved = unsafe { self.alloc(new) };
        if !moved.is_null() {
            // SAFETY: both blocks hold at least the smaller size, and are distinct (`ptr` is
            // still allocated); then the old block goes back, as the caller no longer uses it.
            unsafe {
                ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        moved
    }
}

/// The bytes a block of `layout` from [`PoolAlloc`] holds (what `allocate` reports): its class
/// size, or its pages. Any size between the layout's and this one frees it.
fn usable(layout: Layout) -> usize {
    if CHECKING_MODE {
        return layout.size();
    }
    match class_of(layout) {
        Some(i) => SIZE_CLASSES[i],
        None if LARGE_FROM_HEAP => heap::run_bytes(layout.size()),
        None => layout.size(),
    }
}

/// A dangling pointer aligned to `layout`, for a zero-sized block.
fn dangling(layout: Layout) -> NonNull<[u8]> {
    // SAFETY: an alignment is not zero.
    let p = unsafe { NonNull::new_unchecked(ptr::without_provenance_mut(layout.align())) };
    NonNull::slice_from_raw_parts(p, 0)
}

// SAFETY: `allocate` returns a block of `usable(layout)` bytes (at least the layout's size,
// aligned to it; see `GlobalAlloc` above) that stays valid until `deallocate`, or a dangling
// aligned pointer for a zero size, which `deallocate` ignores. A block may be freed with any
// size between the one asked and the one returned: every such size of that alignment has the
// same class (no class of that alignment lies between the layout's size and its class's), or
// the same pages. `PoolAlloc` has no state: its copies are the same allocator.
unsafe impl Allocator for PoolAlloc {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if layout.size() == 0 {
            return Ok(dangling(layout));
        }
        // SAFETY: a non-zero size.
        let p = unsafe { GlobalAlloc::alloc(self, layout) };
        NonNull::new(p)
            .map(|p| NonNull::slice_from_raw_parts(p, usable(layout)))
            .ok_or(AllocError)
    }

    #[inline]
    fn allocate_zeroed(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if layout.size() == 0 {
            return Ok(dangling(layout));
        }
        // The whole usable block is zero: `usable` bytes, not only `layout.size()`.
        let full =
            Layout::from_size_align(usable(layout), layout.align()).map_err(|_| AllocError)?;
        // SAFETY: a non-zero size.
        let p = unsafe { GlobalAlloc::alloc_zeroed(self, full) };
        NonNull::new(p)
            .map(|p| NonNull::slice_from_raw_parts(p, full.size()))
            .ok_or(AllocError)
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if layout.size() != 0 {
            // SAFETY: allocated by this allocator with a size that frees it as `layout` does
            // (the caller's contract and the impl's note).
            unsafe { GlobalAlloc::dealloc(self, ptr.as_ptr(), layout) }
        }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller (`new.size() >= old.size()`).
        unsafe { self.resize(ptr, old, new, false) }
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.resize(ptr, old, new, true) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller (`new.size() <= old.size()`).
        unsafe { self.resize(ptr, old, new, false) }
    }
}

impl PoolAlloc {
    /// `grow`, `grow_zeroed` and `shrink` of `Allocator`: in place when `new` frees the block
    /// as `old` does (same class or same pages, same alignment), else a new block, the bytes
    /// copied, the old one freed. `zero` zeroes the bytes past `old.size()`.
    ///
    /// # Safety
    /// `ptr` is a block of this allocator that `old` fits, and `new` is the layout asked for.
    unsafe fn resize(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
        zero: bool,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let same = old.size() != 0
            && new.size() != 0
            && old.align() == new.align()
            && !CHECKING_MODE
            && match (class_of(old), class_of(new)) {
                (Some(a), Some(b)) => a == b,
                // SAFETY: a large block of this allocator with layout `old` (the caller's
                // contract).
                (None, None) => unsafe { large_resize_in_place(ptr.as_ptr(), old, new.size()) },
                _ => false,
            };
        if same {
            if zero && new.size() > old.size() {
                // SAFETY: the block holds `usable(new)` bytes (the same block serves `new`).
                unsafe {
                    ptr.as_ptr()
                        .add(old.size())
                        .write_bytes(0, new.size() - old.size())
                };
            }
            return Ok(NonNull::slice_from_raw_parts(ptr, usable(new)));
        }
        let moved = if zero {
            self.allocate_zeroed(new)?
        } else {
            self.allocate(new)?
        };
        // SAFETY: both blocks hold at least the smaller size and are distinct; the old block
        // then goes back (the caller's contract: it fits `old`).
        unsafe {
            ptr::copy_nonoverlapping(
                ptr.as_ptr(),
                moved.cast::<u8>().as_ptr(),
                old.size().min(new.size()),
            );
            self.deallocate(ptr, old);
        }
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_time_index_is_the_tables() {
        let step = if cfg!(miri) { 61 } else { 1 };
        for size in (0..=SMALL_MAX).step_by(step).chain([SMALL_MAX]) {
            let layout = Layout::from_size_align(size, 8).unwrap();
            let i = class_of(layout).expect("a class up to 32 KiB");
            let want = SIZE_CLASSES.iter().position(|&c| c >= size.max(1)).unwrap();
            assert_eq!(i, want, "size {size}");
        }
        for align in [16, 64, 4096] {
            let i = class_of(Layout::from_size_align(24, align).unwrap()).unwrap();
            assert_eq!(SIZE_CLASSES[i] % align, 0);
            assert!(SIZE_CLASSES[i] >= 24);
        }
        assert_eq!(
            class_of(Layout::from_size_align(SMALL_MAX + 1, 8).unwrap()),
            None
        );
        assert_eq!(class_of(Layout::from_size_align(64, 8192).unwrap()), None);
    }

    /// A freed block goes onto the byte cache's array, also when the give back takes the slow
    /// path (a full array), and takes come from there, the last freed first. Compiled only:
    /// under Miri the byte caches are `ClassBox`'s.
    #[test]
    #[cfg(not(miri))]
    fn a_byte_cache_hands_out_the_last_freed_block_first() {
        if CHECKING_MODE {
            return; // Blocks of the system allocator: no cache.
        }
        // A class of its own in this test binary: 1,536 B blocks (no other test frees one on
        // this thread). More blocks than a magazine, so the slow paths run.
        let layout = Layout::from_size_align(1500, 8).unwrap();
        let i = class_of(layout).unwrap();
        let a = PoolAlloc::new();
        let n = 200;
        // SAFETY: a non-zero size; each block is freed once with its layout.
        unsafe {
            let blocks: std::vec::Vec<*mut u8> = (0..n).map(|_| a.alloc(layout)).collect();
            assert!(blocks.iter().all(|b| !b.is_null()));
            for &b in &blocks {
                a.dealloc(b, layout);
            }
            let held = with_cache(i, |c, _| c.held());
            assert!(held >= 1, "freed blocks are in the cache");
            // The cache's blocks come back first, the last freed first (LIFO from the array).
            let again: std::vec::Vec<*mut u8> = (0..held).map(|_| a.alloc(layout)).collect();
            assert_eq!(again[0], blocks[n - 1]);
            assert!(again.iter().all(|b| blocks.contains(b)));
            for b in again {
                a.dealloc(b, layout);
            }
        }
    }
}
