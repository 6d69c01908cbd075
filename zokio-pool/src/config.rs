//! Compile-time pool configuration: the user's `#[pool(...)]` options resolved against the
//! item type's layout.

use core::mem::{align_of, size_of};

/// Smallest slot: a word (slots are also word-aligned, so a chunk of small items stays simple to
/// carve; free slots themselves store nothing).
const MIN_SLOT: usize = size_of::<usize>();
/// Bytes a thread cache aims to hold in one magazine when `cache` is not given.
const DEFAULT_MAGAZINE_BYTES: usize = 256 * 1024;
/// Bounds of the default magazine size, in slots. The upper one makes two arrays of 1,920 B,
/// which share a page past its first 256 bytes (see `magazine::COLOUR`: 256 rounds filled the
/// page from offset 0, where chunks put their first slot).
const DEFAULT_MAGAZINE_MIN: usize = 8;
const DEFAULT_MAGAZINE_MAX: usize = 240;
/// Slots whose size is a multiple of this (1 KiB and up), or within a cache line of one, put the
/// same offsets of consecutive slots in the same few L1 cache sets, so touching the header of
/// many slots thrashes the cache. Such slots get one more cache line (Bonwick's slab colouring,
/// done per slot; see `colour`): a 4 KiB object's slot grows by 1.6%, and a batch of them stops
/// thrashing L1 (the measured effect is in CHANGELOG.md).
const ALIASING_STRIDE: usize = 1024;
const CACHE_LINE: usize = 64;
/// Bytes one growth chunk aims to hold when `chunk` is not given: the cap of geometric growth.
const DEFAULT_CHUNK_BYTES: usize = 64 * 1024;
/// Bytes the first chunk aims to hold when neither `chunk` nor `prealloc` is given: a page, so
/// that a pool used for a handful of objects costs about a page (at least one slot).
const FIRST_CHUNK_BYTES: usize = 4096;

/// The options a user can give in `#[pool(...)]`; zero means "not given".
///
/// Built with `const` methods so the derive's expansion stays valid when options are added.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    prealloc: usize,
    max: usize,
    chunk: usize,
    cache: usize,
    recycle: bool,
    zeroize: bool,
}

impl Options {
    /// No option given: every value is chosen from the item's size.
    pub const DEFAULT: Options = Options {
        prealloc: 0,
        max: 0,
        chunk: 0,
        cache: 0,
        recycle: false,
        zeroize: false,
    };

    /// `prealloc = n`: slots reserved on first use, in one chunk.
    pub const fn prealloc(mut self, n: usize) -> Options {
        self.prealloc = n;
        self
    }

    /// `max = n`: hard limit on live objects, on all threads together.
    pub const fn max(mut self, n: usize) -> Options {
        self.max = n;
        self
    }

    /// `chunk = n`: slots per growth chunk.
    pub const fn chunk(mut self, n: usize) -> Options {
        self.chunk = n;
        self
    }

    /// `cache = n`: the largest magazine size M; a thread caches up to 2M free slots (two
    /// magazines), and its own magazine size adapts up to M.
    pub const fn cache(mut self, n: usize) -> Options {
        self.cache = n;
        self
    }

    /// Recycle mode: free slots keep their object, so a slot needs a header beside it.
    pub const fn recycle(mut self) -> Options {
        self.recycle = true;
        self
    }

    /// The options a pool's `PoolArc` slots take from it: `zeroize` only (the counted slots of
    /// a secret's pool are erased too; they have no `max`, no recycling, their own sizes).
    pub const fn counted(self) -> Options {
        counted_options(self.zeroize)
    }

    /// `zeroize`: an object's bytes are zeroed when its slot is given back.
    pub const fn zeroize(mut self) -> Options {
        self.zeroize = true;
        self
    }
}

/// A pool's resolved configuration. Computed in `const` context by the derive's expansion, so a
/// configuration that cannot work (a chunk larger than `isize::MAX` bytes) fails the build.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Bytes per slot: the item's size, at least a word, rounded up to `slot_align`, plus a
    /// cache line when that is within a line of a multiple of 1 KiB (see `colour`).
    /// Zero for a zero-sized item, which takes no memory.
    pub slot_size: usize,
    /// Alignment of every slot: the item's, at least `usize`'s.
    pub slot_align: usize,
    /// Offset of the object in its slot: 0, except in recycle mode, where a free slot keeps its
    /// object and the object's state goes in a header (one word, or the alignment) before it.
    pub header: usize,
    /// `size_of` the item: the bytes zeroed or poisoned when a slot is given back empty.
    pub item_size: usize,
    /// Zero the object's bytes when its slot is given back empty.
    pub zeroize: bool,
    /// Recycle mode (`header` says it too, except for a zero-sized item, which has no slot).
    pub recycle: bool,
    /// M, the number of slots a magazine holds (at least 1): what a cache and the depot
    /// exchange at once.
    pub magazine_size: usize,
    /// Slots per growth chunk (at least 1): the most a pool grows by at once.
    pub chunk: usize,
    /// Slots of the first chunk when `prealloc` is not given (at least 1, at most `chunk`).
    /// Later chunks add 1/32 of the pool's capacity in whole pages, at least `first_chunk`,
    /// up to `chunk` (`Depot::grow`);
    /// `first_chunk == chunk` when `chunk` is given, which fixes every chunk's size.
    pub first_chunk: usize,
    /// Slots in the first chunk (0: use `chunk`).
    pub prealloc: usize,
    /// Most objects alive at once, on all threads (`usize::MAX`: no limit). Slots are reserved
    /// past it only while other threads' caches hold free ones (see `Depot::grow`).
    pub max: usize,
    /// Every object is a block of its own from the global allocator, of this config's slot
    /// size and alignment: a `ClassBox` of a type above the largest size class (or aligned
    /// past a page), which no class pool can hold. Such a pool has no chunks and no cache.
    pub direct: bool,
    /// A thread cache that closes (its thread exits) makes the depot give the page heap its
    /// wholly free chunks, under a growth rule (`Depot::settle_locked`): the size classes of
    /// `PoolAlloc` and `ClassBox` (not the direct pool, which has no chunks), so that memory
    /// moves between classes as a general allocator's does. A derived type's pool keeps its chunks until `trim` (its freed
    /// slots stay its own, for its next objects).
    pub settle: bool,
    /// Bytes of free slots the depot holds back while a thread gives it nothing but whole
    /// magazines of slots taken on other threads (a stream, see `Depot::give_freed_locked`),
    /// so that a slot is taken again only after about this many bytes of others: 0 (off) for
    /// a derived type's pool, 1 MiB (`STREAM_RESERVE`) for the size classes.
    pub stream_reserve: usize,
}

/// The bytes of free slots a size class holds back in a stream (see
/// [`Config::stream_reserve`]): 1 MiB, the size of a Zen 4 core's L2 cache, so that the
/// lines of a slot freed on one core have left that core's private caches when another core
/// writes them again. Measured on `alloc_bench`'s `xmalloc-test` (AMD EPYC VM, 21
/// interleaved runs, medians): 0.258 s against 0.317 without it and mimalloc's 0.320, for a
/// peak RSS of 6.6 MiB against 4.5 (mimalloc 8.2); a prototype with 4 MiB took no less time
/// than with 1 MiB (0.249 s against 0.235 in 25 runs) for 13.2 MiB.
pub(crate) const STREAM_RESERVE: usize = 1 << 20;

/// The options of a pool's `PoolArc` slots: its `zeroize`, nothing else.
const fn counted_options(zeroize: bool) -> Options {
    if zeroize {
        Options::DEFAULT.zeroize()
    } else {
        Options::DEFAULT
    }
}

const fn max_usize(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// `n` rounded up to `align`, a power of two; `n` is at most a few words here.
const fn round_up(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

/// Slot colouring: a slot whose size is within a cache line of a multiple of 1 KiB (1 KiB and
/// up) is rounded up to whole cache lines and, if that is a multiple of 1 KiB, given one line
/// more. Consecutive slots then start one line apart in the L1 sets instead of in the same few.
/// A recycling pool's 4 KiB item (a 4,104-byte slot) is the case that needs the "within": its
/// header words fall in the same sets as surely as a 4,096-byte slot's would (a 1,000-object
/// batch took twice as long as the coloured slot's when this was measured; see CHANGELOG.md).
const fn colour(slot_size: usize, slot_align: usize) -> usize {
    if slot_size < ALIASING_STRIDE || slot_align > CACHE_LINE {
        return slot_size;
    }
    let over = slot_size % ALIASING_STRIDE;
    if over >= CACHE_LINE && over <= ALIASING_STRIDE - CACHE_LINE {
        return slot_size;
    }
    // Whole lines (a multiple of `slot_align`, which is at most a line), then one more line if
    // that is a multiple of 1 KiB.
    let lines = match slot_size.checked_add(CACHE_LINE - 1) {
        Some(v) => v & !(CACHE_LINE - 1),
        None => panic!("zokio-pool: item type is too large to pool"),
    };
    if lines % ALIASING_STRIDE != 0 {
        return lines;
    }
    match lines.checked_add(CACHE_LINE) {
        Some(v) => v,
        None => panic!("zokio-pool: item type is too large to pool"),
    }
}

const fn min_usize(a: usize, b: usize) -> usize {
    if a < b {
        a
    } else {
        b
    }
}

impl Config {
    /// Resolves `options` for items of type `T`.
    ///
    /// # Panics
    /// In `const` evaluation (so at compile time) when a chunk of `prealloc` or `chunk` slots
    /// would exceed `isize::MAX` bytes.
    pub const fn of<T>(options: Options) -> Config {
        Config::of_layout(size_of::<T>(), align_of::<T>(), options)
    }

    /// The config of the counted slots of `PoolArc` for items of this config's size and
    /// alignment: an `ArcInner<T>`, a `usize` count then the value (`repr(C)`), with this
    /// config's `zeroize` and no other option ([`Options::counted`]). Its alignment is the
    /// item's and at least a word's, which is the value's offset too.
    pub const fn counted(&self) -> Config {
        let align = max_usize(self.slot_align, align_of::<usize>());
        let size = match align.checked_add(self.item_size) {
            Some(v) => round_up(v, align),
            None => panic!("zokio-pool: item type is too large to pool"),
        };
        Config::of_layout(size, align, self.counted_options())
    }

    /// The options of this pool's `PoolArc` slots ([`Options::counted`]).
    pub(crate) const fn counted_options(&self) -> Options {
        counted_options(self.zeroize)
    }

    /// [`of`](Self::of), from a size and an alignment (a power of two).
    const fn of_layout(size: usize, item_align: usize, options: Options) -> Config {
        if size == 0 {
            return Config {
                slot_size: 0,
                slot_align: item_align,
                header: 0,
                item_size: 0,
                zeroize: false,
                recycle: options.recycle,
                magazine_size: 1,
                chunk: 1,
                first_chunk: 1,
                prealloc: 0,
                max: if options.max == 0 {
                    usize::MAX
                } else {
                    options.max
                },
                direct: false,
                settle: false,
                stream_reserve: 0,
            };
        }
        let slot_align = max_usize(item_align, align_of::<usize>());
        let header = if options.recycle {
            // The state word, rounded up so that the object stays aligned.
            round_up(size_of::<usize>(), slot_align)
        } else {
            0
        };
        let unpadded = match header.checked_add(size) {
            Some(v) => max_usize(v, MIN_SLOT),
            None => panic!("zokio-pool: item type is too large to pool"),
        };
        // `size` is at most isize::MAX and a multiple of item_align; rounding up to
        // `slot_align` (a power of two no larger than 4 KiB-ish in practice) cannot overflow
        // usize, but check rather than assume.
        let slot_size = match unpadded.checked_add(slot_align - 1) {
            Some(v) => v & !(slot_align - 1),
            None => panic!("zokio-pool: item type is too large to pool"),
        };
        let slot_size = colour(slot_size, slot_align);
        let magazine = if options.cache != 0 {
            options.cache
        } else {
            let m = DEFAULT_MAGAZINE_BYTES / slot_size;
            min_usize(max_usize(m, DEFAULT_MAGAZINE_MIN), DEFAULT_MAGAZINE_MAX)
        };
        let (chunk, first_chunk) = if options.chunk != 0 {
            (options.chunk, options.chunk)
        } else {
            let chunk = max_usize(2 * magazine, DEFAULT_CHUNK_BYTES / slot_size);
            (
                chunk,
                min_usize(max_usize(FIRST_CHUNK_BYTES / slot_size, 1), chunk),
            )
        };
        let max = if options.max == 0 {
            usize::MAX
        } else {
            options.max
        };
        if options.zeroize && options.recycle {
            panic!("zokio-pool: `zeroize` and `recycle` do not go together: a recycled object is kept, not erased");
        }
        let config = Config {
            slot_size,
            slot_align,
            header,
            item_size: size,
            zeroize: options.zeroize,
            recycle: options.recycle,
            magazine_size: magazine,
            chunk,
            first_chunk,
            prealloc: options.prealloc,
            max,
            direct: false,
            settle: false,
            stream_reserve: 0,
        };
        // Every chunk the depot may allocate must have a valid layout.
        if config.chunk_bytes(config.chunk).is_none()
            || config.chunk_bytes(config.prealloc).is_none()
        {
            panic!("zokio-pool: a chunk of this pool would exceed isize::MAX bytes; lower `chunk` or `prealloc`");
        }
        // A magazine is an array of M pointers.
        if magazine > isize::MAX as usize / size_of::<usize>() {
            panic!(
                "zokio-pool: a magazine of this pool would exceed isize::MAX bytes; lower `cache`"
            );
        }
        config
    }

    /// Bytes of a chunk of `slots` slots, if it fits in `isize::MAX` (rounded to the alignment).
    pub(crate) const fn chunk_bytes(&self, slots: usize) -> Option<usize> {
        match self.slot_size.checked_mul(slots) {
            Some(bytes) if bytes <= isize::MAX as usize - (self.slot_align - 1) => Some(bytes),
            _ => None,
        }
    }

    /// Whether two configs are the same, field by field (`==` in `const` context).
    pub const fn same_as(&self, other: &Config) -> bool {
        self.serves(other) && self.item_size == other.item_size
    }

    /// The config of a size class's depot: slots of `size` bytes aligned to `align` (a power
    /// of two that divides `size`), with every default.
    #[cfg_attr(loom, allow(dead_code))] // used by the size classes, which loom builds leave out
    pub(crate) const fn of_class(size: usize, align: usize) -> Config {
        let mut config = Config::of_layout(size, align, Options::DEFAULT);
        config.settle = true;
        config.stream_reserve = STREAM_RESERVE;
        config
    }

    /// This config, as seen by a pool whose items are `item_size` bytes and live in its slots
    /// (a type served by a size class: the class's slots, the type's own size for scrubbing).
    #[cfg_attr(loom, allow(dead_code))] // used by the size classes, which loom builds leave out
    pub(crate) const fn with_item_size(mut self, item_size: usize) -> Config {
        self.item_size = item_size;
        self
    }

    /// This config with every object a block of its own (see [`Config::direct`]).
    #[cfg_attr(loom, allow(dead_code))] // used by the size classes, which loom builds leave out
    pub(crate) const fn into_direct(mut self) -> Config {
        self.direct = true;
        // No chunks to give back, no depot to hold slots back in.
        self.settle = false;
        self.stream_reserve = 0;
        self
    }

    /// Whether a depot made with `self` can serve a pool whose config is `pool`: every field
    /// the depot and the thread caches read is the same. `item_size` may differ (it is the
    /// pool's own, read only where an object is scrubbed), as long as the item fits the slot.
    pub const fn serves(&self, pool: &Config) -> bool {
        self.slot_size == pool.slot_size
            && self.slot_align == pool.slot_align
            && self.header == pool.header
            && pool.item_size <= self.slot_size
            && self.zeroize == pool.zeroize
            && self.recycle == pool.recycle
            && self.magazine_size == pool.magazine_size
            && self.chunk == pool.chunk
            && self.first_chunk == pool.first_chunk
            && self.prealloc == pool.prealloc
            && self.max == pool.max
            && self.direct == pool.direct
    }

    /// Whether this pool's slots hold a `T` at offset 0 with no header and no recycling, and
    /// scrub exactly a `T`'s bytes: what a pool of plain `T`s needs of its config.
    pub const fn holds<T>(&self) -> bool {
        let (size, align) = (size_of::<T>(), align_of::<T>());
        self.item_size == size
            && self.header == 0
            && !self.recycle
            && (size == 0 || (self.slot_size >= size && self.slot_align >= align))
    }

    /// Whether objects of this pool live outside the slot machinery: zero-sized (no memory)
    /// or [`direct`](Config::direct) (a block of their own each).
    #[inline(always)]
    pub const fn is_direct(&self) -> bool {
        self.slot_size == 0 || self.direct
    }

    /// The layout of one slot (of an object of a direct pool).
    pub(crate) fn slot_layout(&self) -> std::alloc::Layout {
        std::alloc::Layout::from_size_align(self.slot_size, self.slot_align)
            .expect("zokio-pool: slot layout was validated by Config::of")
    }

    /// Whether items of this pool are zero-sized.
    #[inline(always)]
    pub const fn is_zst(&self) -> bool {
        self.slot_size == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_items_get_a_one_word_slot() {
        let c = Config::of::<u8>(Options::DEFAULT);
        assert_eq!(c.slot_size, size_of::<usize>());
        assert_eq!(c.slot_align, align_of::<usize>());
    }

    #[test]
    fn slot_is_rounded_to_the_alignment() {
        #[repr(align(64))]
        struct A(#[allow(dead_code)] [u8; 65]);
        let c = Config::of::<A>(Options::DEFAULT);
        assert_eq!(c.slot_size, 128);
        assert_eq!(c.slot_align, 64);
    }

    #[test]
    fn defaults_scale_with_the_item_size() {
        let small = Config::of::<[u8; 64]>(Options::DEFAULT);
        assert_eq!(small.magazine_size, 240);
        assert_eq!(small.chunk, 1024);
        let large = Config::of::<[u8; 4096]>(Options::DEFAULT);
        assert_eq!(large.magazine_size, 63);
        assert_eq!(large.chunk, 126);
        let huge = Config::of::<[u8; 65536]>(Options::DEFAULT);
        assert_eq!(huge.magazine_size, 8);
        assert_eq!(huge.chunk, 16);
    }

    #[test]
    fn slots_of_a_multiple_of_1_kib_get_a_cache_line_more() {
        assert_eq!(
            Config::of::<[u8; 4096]>(Options::DEFAULT).slot_size,
            4096 + 64
        );
        assert_eq!(
            Config::of::<[u64; 128]>(Options::DEFAULT).slot_size,
            1024 + 64
        );
        assert_eq!(Config::of::<[u8; 1000]>(Options::DEFAULT).slot_size, 1000);
        // Within a line of a multiple of 1 KiB: whole lines, never a multiple of 1 KiB.
        assert_eq!(
            Config::of::<[u8; 4090]>(Options::DEFAULT).slot_size,
            4096 + 64
        );
        assert_eq!(
            Config::of::<[u8; 4100]>(Options::DEFAULT).slot_size,
            4096 + 64
        );
        assert_eq!(Config::of::<[u8; 2100]>(Options::DEFAULT).slot_size, 2112);
        assert_eq!(Config::of::<[u8; 2200]>(Options::DEFAULT).slot_size, 2200);
        // A recycling pool's header puts a 4 KiB item at 4,104 bytes.
        let kept = Config::of::<[u8; 4096]>(Options::DEFAULT.recycle());
        assert_eq!((kept.header, kept.slot_size), (8, 4096 + 64));
        #[repr(align(4096))]
        struct Page(#[allow(dead_code)] [u8; 4096]);
        assert_eq!(Config::of::<Page>(Options::DEFAULT).slot_size, 4096);
    }

    #[test]
    fn options_override_defaults() {
        let c = Config::of::<u64>(Options::DEFAULT.prealloc(10).max(20).chunk(5).cache(3));
        assert_eq!(
            (c.prealloc, c.max, c.chunk, c.magazine_size),
            (10, 20, 5, 3)
        );
    }

    #[test]
    fn recycle_mode_puts_a_header_before_the_object() {
        let c = Config::of::<Vec<u8>>(Options::DEFAULT.recycle());
        assert_eq!(c.header, size_of::<usize>());
        assert_eq!(c.slot_size, size_of::<usize>() + size_of::<Vec<u8>>());
        #[repr(align(64))]
        struct A(#[allow(dead_code)] u8);
        let c = Config::of::<A>(Options::DEFAULT.recycle());
        assert_eq!((c.header, c.slot_size, c.slot_align), (64, 128, 64));
        assert_eq!(Config::of::<u64>(Options::DEFAULT).header, 0);
    }

    #[test]
    fn zero_sized_items_take_no_memory() {
        let c = Config::of::<()>(Options::DEFAULT);
        assert!(c.is_zst());
        assert_eq!(c.max, usize::MAX);
    }
}
