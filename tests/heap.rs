//! The page heap under the pools: every pool's chunks are page runs of the one process-wide heap,
//! and `heap_stats()` moves as its documentation says. One test, so that no other test of this
//! binary grows a pool while it reads the counters.

use zokio_pool::{heap_stats, PoolBox, Pooled, CHECKING_MODE};

const PAGE: usize = 4096;
/// A segment: 2 MiB, of which the first three pages hold the heap's page descriptors.
const SEGMENT: usize = 2 << 20;
const SEGMENT_RUNS: usize = SEGMENT - 3 * PAGE;

/// 1,000 slots of 16 B: a 16,000 B chunk, four pages of a segment.
#[derive(Pooled)]
#[pool(prealloc = 1000)]
struct Small(u64, u64);

/// 600 slots of 4,160 B (4 KiB and a cache line): 2.5 MB, more than a segment holds, so the
/// chunk is a mapping of its own.
#[derive(Pooled)]
#[pool(prealloc = 600)]
struct Large([u8; 4096]);

fn pages(bytes: usize) -> usize {
    bytes.div_ceil(PAGE) * PAGE
}

fn addr<T>(object: &T) -> usize {
    (object as *const T).addr()
}

#[test]
fn pools_of_two_types_take_their_chunks_from_the_page_heap() {
    let s0 = heap_stats();
    let small = PoolBox::new(Small(1, 2));
    let s1 = heap_stats();
    let large = PoolBox::new_uninit();
    let large = PoolBox::write(large, Large([7; 4096]));
    let s2 = heap_stats();
    assert_eq!((small.0, small.1, large.0[4095]), (1, 2, 7));
    if CHECKING_MODE {
        // Every object is its own allocation: no pool takes a chunk.
        assert_eq!((s1, s2), (s0, s0));
        return;
    }

    // The small pool's chunk: four pages from a segment (a new one if none had room), and a
    // page of magazine arrays for this thread's cache (arrays come from the heap too).
    let small_chunk = pages(Small::pool_stats().reserved_bytes);
    assert_eq!(small_chunk, 4 * PAGE);
    assert_eq!(addr(&*small) % PAGE, 0, "the first slot starts a page run");
    let new_segments = (s1.mapped_bytes - s0.mapped_bytes) / SEGMENT;
    assert_eq!(s1.mapped_bytes, s0.mapped_bytes + new_segments * SEGMENT);
    assert_eq!(
        s1.free_bytes,
        s0.free_bytes + new_segments * SEGMENT_RUNS - small_chunk - PAGE,
        "{s0:?} -> {s1:?}"
    );

    // The large pool's chunk: a mapping of its own, whole pages; a page of arrays.
    let large_chunk = pages(Large::pool_stats().reserved_bytes);
    assert_eq!(large_chunk, pages(600 * 4160));
    assert_eq!(addr(&*large) % PAGE, 0);
    assert_eq!(
        (s2.mapped_bytes, s2.free_bytes, s2.returned_bytes),
        (
            s1.mapped_bytes + large_chunk,
            s1.free_bytes - PAGE,
            s1.returned_bytes
        )
    );

    // Chunks stay with their pools until a trim: dropping everything gives nothing back.
    drop((small, large));
    assert_eq!(heap_stats(), s2);
    assert_eq!(s2.returned_bytes, 0);

    // `trim` gives both chunks back: the large one's mapping goes to the OS at once, the small
    // one's pages join the heap's free pages (released to the OS with `madvise` where the OS
    // layer is `mmap`; under Miri's `std::alloc` layer they stay as they are).
    let given = zokio_pool::trim();
    let s3 = heap_stats();
    assert_eq!(s3.returned_bytes, given);
    assert!(
        given >= large_chunk,
        "{given} bytes given back, {s2:?} -> {s3:?}"
    );
    assert_eq!(
        s3.mapped_bytes,
        s2.mapped_bytes - large_chunk,
        "{s2:?} -> {s3:?}"
    );
    assert!(
        s3.free_bytes >= s2.free_bytes + small_chunk,
        "{s2:?} -> {s3:?}"
    );
    assert_eq!(
        (Small::pool_stats().capacity, Large::pool_stats().capacity),
        (0, 0)
    );
}
