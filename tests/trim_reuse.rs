//! Memory that one pool gives back serves another pool, of another type and slot size: chunks
//! go back to the one page heap, whose free pages any pool's next chunk can use. One test, so
//! that no other test of this binary moves the heap's counters while it reads them.

use zokio_pool::{heap_stats, PoolBox, Pooled, CHECKING_MODE};

const SEGMENT: usize = 2 << 20;

/// 64 B objects, 1,024 to a 64 KiB chunk.
#[derive(Pooled)]
struct Small {
    id: u64,
    _pad: [u64; 7],
}

/// 128 B objects: another type, another slot size.
#[derive(Pooled)]
struct Large {
    id: u64,
    _pad: [u64; 15],
}

fn segment(addr: usize) -> usize {
    addr & !(SEGMENT - 1)
}

#[test]
fn chunks_one_pool_gives_back_become_chunks_of_another_pool() {
    // Miri runs this too (real pool): a smaller burst there, still many chunks.
    let n = if cfg!(miri) { 4_000 } else { 20_000 };
    let mut small: Vec<_> = (0..n)
        .map(|id| PoolBox::new(Small { id, _pad: [0; 7] }))
        .collect();
    // One object stays: its chunk, and so its segment, stays in use.
    let anchor = small.swap_remove(0);
    let anchor_segment = segment(PoolBox::as_ptr(&anchor).addr());
    drop(small);
    Small::pool_trim();
    let after_trim = heap_stats();
    if CHECKING_MODE {
        // Every object is an allocation of its own: the heap is not used.
        assert_eq!(after_trim.mapped_bytes, 0);
        return;
    }
    assert!(
        Small::pool_stats().capacity <= 1024,
        "{:?}",
        Small::pool_stats()
    );
    assert!(
        after_trim.free_bytes >= n as usize * 64,
        "the burst's chunks are free pages of the heap: {after_trim:?}"
    );

    // A burst of the other type, smaller than what was given back, takes those free pages:
    // the heap maps nothing new, and the new chunks lie in the segment the first burst used.
    let m = n * 3 / 8;
    let large: Vec<_> = (0..m)
        .map(|id| PoolBox::new(Large { id, _pad: [0; 15] }))
        .collect();
    let after_burst = heap_stats();
    assert_eq!(
        after_burst.mapped_bytes, after_trim.mapped_bytes,
        "no new memory from the OS: {after_trim:?} -> {after_burst:?}"
    );
    assert!(
        large
            .iter()
            .any(|b| segment(PoolBox::as_ptr(b).addr()) == anchor_segment),
        "the second pool's chunks reuse the first pool's pages"
    );
    assert!(large.iter().enumerate().all(|(i, b)| b.id == i as u64));
    assert_eq!(anchor.id, 0);
}
