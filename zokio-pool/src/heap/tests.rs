//! The page heap on heaps of the tests' own (the process's heap is shared with every pool of
//! the test binary, so its counters are not the tests' to predict).

use super::*;

/// Bytes of a segment that runs can use.
const USABLE_BYTES: usize = USABLE * PAGE;

fn pages(n: usize) -> Layout {
    Layout::from_size_align(n * PAGE, 8).unwrap()
}

fn stats(mapped: usize, free: usize, returned: usize) -> HeapStats {
    HeapStats {
        mapped_bytes: mapped,
        free_bytes: free,
        returned_bytes: returned,
        released_bytes: 0,
    }
}

fn addr(p: NonNull<u8>) -> usize {
    p.as_ptr().addr()
}

/// Allocates, writing the run's first and last byte (Miri checks the run is ours to write).
fn take(heap: &mut Heap, layout: Layout) -> NonNull<u8> {
    let p = heap.allocate(layout).expect("memory for a test run");
    // SAFETY: a run of at least `layout.size()` bytes, ours alone.
    unsafe {
        p.as_ptr().write(0xA5);
        p.as_ptr().add(layout.size() - 1).write(0x5A);
    }
    p
}

fn give(heap: &mut Heap, p: NonNull<u8>, layout: Layout) {
    // SAFETY: every test gives back a run it took from `heap` with `layout`, once.
    unsafe { heap.deallocate(p, layout) };
}

#[test]
fn a_fresh_segment_is_split_front_first_and_counted() {
    let mut heap = Heap::new();
    assert_eq!(heap.stats(), HeapStats::default());
    let a = take(&mut heap, pages(1));
    let seg = segment_of(a.as_ptr());
    assert_eq!(seg.addr() % SEGMENT, 0, "segments are 2 MiB-aligned");
    assert_eq!(
        addr(a),
        seg.addr() + META_PAGES * PAGE,
        "the first usable page"
    );
    assert_eq!(heap.stats(), stats(SEGMENT, USABLE_BYTES - PAGE, 0));
    let b = take(&mut heap, pages(2));
    assert_eq!(addr(b), addr(a) + PAGE, "split from the front of the rest");
    assert_eq!(heap.stats(), stats(SEGMENT, USABLE_BYTES - 3 * PAGE, 0));
    assert_eq!(heap.free_runs(), vec![(addr(b) + 2 * PAGE, USABLE - 3)]);
    give(&mut heap, a, pages(1));
    give(&mut heap, b, pages(2));
    assert_eq!(heap.stats(), stats(SEGMENT, USABLE_BYTES, 0));
    assert_eq!(heap.free_runs(), vec![(addr(a), USABLE)], "one run again");
}

#[test]
fn sizes_round_up_to_whole_pages() {
    let mut heap = Heap::new();
    let small = Layout::from_size_align(100, 8).unwrap();
    let a = take(&mut heap, small);
    let b = take(&mut heap, Layout::from_size_align(PAGE + 1, 16).unwrap());
    assert_eq!(addr(b), addr(a) + PAGE);
    assert_eq!(heap.stats().free_bytes, USABLE_BYTES - 3 * PAGE);
    give(&mut heap, b, Layout::from_size_align(PAGE + 1, 16).unwrap());
    give(&mut heap, a, small);
    assert_eq!(heap.stats().free_bytes, USABLE_BYTES);
}

#[test]
fn a_freed_run_merges_with_both_neighbours() {
    let mut heap = Heap::new();
    let a = take(&mut heap, pages(1));
    let b = take(&mut heap, pages(2));
    let c = take(&mut heap, pages(3));
    let guard = take(&mut heap, pages(1));
    give(&mut heap, a, pages(1));
    give(&mut heap, c, pages(3));
    let rest = (addr(guard) + PAGE, USABLE - 7);
    assert_eq!(heap.free_runs(), vec![(addr(a), 1), (addr(c), 3), rest]);
    give(&mut heap, b, pages(2));
    assert_eq!(
        heap.free_runs(),
        vec![(addr(a), 6), rest],
        "b merged with a before it and c after it"
    );
    assert_eq!(heap.stats().free_bytes, USABLE_BYTES - PAGE);
    let all = take(&mut heap, pages(6));
    assert_eq!(addr(all), addr(a), "the merged run serves a 6-page request");
    give(&mut heap, all, pages(6));
    give(&mut heap, guard, pages(1));
    assert_eq!(heap.free_runs(), vec![(addr(a), USABLE)]);
}

#[test]
fn a_freed_run_is_reused_by_a_different_size() {
    let mut heap = Heap::new();
    let x = take(&mut heap, pages(4));
    let guard = take(&mut heap, pages(1));
    give(&mut heap, x, pages(4));
    let one = take(&mut heap, pages(1));
    assert_eq!(
        addr(one),
        addr(x),
        "best fit: the 4-page hole, not the segment's tail"
    );
    let three = take(&mut heap, pages(3));
    assert_eq!(addr(three), addr(x) + PAGE, "the rest of the hole");
    let mapped = heap.stats().mapped_bytes;
    assert_eq!(mapped, SEGMENT, "no new memory for the reuse");
    for (p, n) in [(one, 1), (three, 3), (guard, 1)] {
        give(&mut heap, p, pages(n));
    }
    assert_eq!(heap.free_runs().len(), 1);
}

#[test]
fn runs_are_aligned_to_pages_and_larger_alignments_get_a_mapping() {
    let mut heap = Heap::new();
    for align in [1, 8, 64, 4096] {
        let layout = Layout::from_size_align(3 * PAGE, align).unwrap();
        let p = take(&mut heap, layout);
        assert_eq!(addr(p) % PAGE, 0);
        give(&mut heap, p, layout);
    }
    assert_eq!(heap.stats(), stats(SEGMENT, USABLE_BYTES, 0));
    let layout = Layout::from_size_align(PAGE, 4 * PAGE).unwrap();
    let p = take(&mut heap, layout);
    assert_eq!(addr(p) % (4 * PAGE), 0);
    assert_eq!(heap.stats(), stats(SEGMENT + PAGE, USABLE_BYTES, 0));
    give(&mut heap, p, layout);
    assert_eq!(heap.stats(), stats(SEGMENT, USABLE_BYTES, PAGE));
}

#[test]
fn a_whole_segment_run_fits_and_a_larger_one_gets_a_mapping_that_goes_back() {
    let mut heap = Heap::new();
    let full = take(&mut heap, pages(USABLE));
    assert_eq!(heap.stats(), stats(SEGMENT, 0, 0));
    let next = take(&mut heap, pages(1));
    assert_ne!(segment_of(next.as_ptr()), segment_of(full.as_ptr()));
    assert_eq!(heap.stats(), stats(2 * SEGMENT, USABLE_BYTES - PAGE, 0));

    let large = Layout::from_size_align(USABLE_BYTES + 1, 8).unwrap();
    let big = take(&mut heap, large);
    let big_len = USABLE_BYTES + PAGE;
    assert_eq!(
        heap.stats(),
        stats(2 * SEGMENT + big_len, USABLE_BYTES - PAGE, 0),
        "a dedicated mapping of whole pages; no free pages change"
    );
    give(&mut heap, big, large);
    assert_eq!(
        heap.stats(),
        stats(2 * SEGMENT, USABLE_BYTES - PAGE, big_len),
        "straight back to the OS"
    );
    give(&mut heap, full, pages(USABLE));
    give(&mut heap, next, pages(1));
    assert_eq!(heap.stats(), stats(2 * SEGMENT, 2 * USABLE_BYTES, big_len));
    assert_eq!(heap.free_runs().len(), 2, "each segment one free run");
}

/// Random runs taken and given back: no two live runs overlap, the counters stay exact, and
/// once everything is back each segment is a single free run again.
#[test]
fn random_runs_never_overlap_and_merge_back_completely() {
    let ops = if cfg!(miri) { 300 } else { 20_000 };
    let mut heap = Heap::new();
    let mut live: Vec<(NonNull<u8>, usize)> = Vec::new();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for _ in 0..ops {
        let r = next();
        if live.is_empty() || (r % 8 < 5 && live.len() < 64) {
            // Mostly small runs, some up to a quarter of a segment.
            let n = if r % 5 == 0 {
                1 + (r >> 8) as usize % (USABLE / 4)
            } else {
                1 + (r >> 8) as usize % 8
            };
            let p = take(&mut heap, pages(n));
            // SAFETY: the run is `n` pages, ours alone; record its identity in every page.
            unsafe {
                for i in 0..n {
                    p.as_ptr().add(i * PAGE).cast::<usize>().write(addr(p) ^ i);
                }
            }
            live.push((p, n));
        } else {
            let (p, n) = live.swap_remove((r >> 8) as usize % live.len());
            for i in 0..n {
                // SAFETY: a live run of `n` pages whose first words were written above.
                let v = unsafe { p.as_ptr().add(i * PAGE).cast::<usize>().read() };
                assert_eq!(
                    v,
                    addr(p) ^ i,
                    "page {i} of a run was written by another run"
                );
            }
            give(&mut heap, p, pages(n));
        }
        let s = heap.stats();
        let segments = s.mapped_bytes / SEGMENT;
        let held: usize = live.iter().map(|&(_, n)| n * PAGE).sum();
        assert_eq!(s.free_bytes + held, segments * USABLE_BYTES);
    }
    for (p, n) in live.drain(..) {
        give(&mut heap, p, pages(n));
    }
    let s = heap.stats();
    let segments = s.mapped_bytes / SEGMENT;
    assert_eq!(s.free_bytes, segments * USABLE_BYTES);
    let runs = heap.free_runs();
    assert_eq!(runs.len(), segments, "{runs:?}");
    assert!(runs.iter().all(|&(_, n)| n == USABLE));
}

#[test]
fn the_process_heap_serves_pools_and_counts_them() {
    let layout = pages(2);
    let p = allocate(layout).expect("two pages");
    assert_eq!(addr(p) % PAGE, 0);
    let s = heap_stats();
    assert!(s.mapped_bytes >= SEGMENT && s.mapped_bytes - s.free_bytes >= 2 * PAGE);
    // SAFETY: taken just above with this layout (the process heap has no public free: chunks
    // are never given back by pools yet).
    unsafe { lock().deallocate(p, layout) };
}

#[test]
fn trim_unmaps_a_segment_with_no_page_in_use() {
    let mut heap = Heap::new();
    let a = take(&mut heap, pages(3));
    let b = take(&mut heap, pages(1));
    give(&mut heap, a, pages(3));
    // Only `a`'s pages were written: the fresh end of the segment costs nothing to keep.
    let released = if os::RELEASES { 3 * PAGE } else { 0 };
    assert_eq!(heap.trim(), released, "a page is in use: the segment stays");
    assert_eq!(heap.stats().mapped_bytes, SEGMENT);
    give(&mut heap, b, pages(1));
    assert_eq!(
        heap.trim(),
        SEGMENT - released,
        "pages released before count once"
    );
    assert_eq!(heap.stats(), stats(0, 0, SEGMENT));
    assert_eq!(heap.free_runs(), vec![]);
    assert_eq!(heap.trim(), 0, "nothing left to give back");
    // The heap maps a new segment when it needs one again.
    let c = take(&mut heap, pages(2));
    assert_eq!(
        heap.stats(),
        stats(SEGMENT, USABLE_BYTES - 2 * PAGE, SEGMENT)
    );
    give(&mut heap, c, pages(2));
}

#[test]
fn trim_unmaps_only_free_segments_and_keeps_the_list_linked() {
    let mut heap = Heap::new();
    // Three segments: the first and the last become free, the middle one stays in use.
    let whole = pages(USABLE);
    let [a, b, c] = [(); 3].map(|()| take(&mut heap, whole));
    give(&mut heap, a, whole);
    give(&mut heap, c, whole);
    assert_eq!(heap.trim(), 2 * SEGMENT);
    assert_eq!(heap.stats().mapped_bytes, SEGMENT);
    // The segment left is still listed: freeing its run and trimming unmaps it.
    give(&mut heap, b, whole);
    assert_eq!(heap.trim(), SEGMENT);
    assert_eq!(heap.stats(), stats(0, 0, 3 * SEGMENT));
}

#[test]
fn trim_releases_the_free_runs_of_a_segment_in_use() {
    let mut heap = Heap::new();
    let a = take(&mut heap, pages(1));
    let b = take(&mut heap, pages(10));
    give(&mut heap, b, pages(10));
    let rest = USABLE_BYTES - PAGE;
    let released = if os::RELEASES { rest } else { 0 };
    assert_eq!(heap.trim(), released);
    let s = heap.stats();
    assert_eq!((s.free_bytes, s.released_bytes), (rest, released));
    assert_eq!(heap.trim(), 0, "released pages are not counted twice");
    // A run taken from released pages reads as written; given back, it is dirty and stays
    // apart from the clean rest until the next trim merges them again.
    let c = take(&mut heap, pages(4));
    assert_eq!(addr(c), addr(a) + PAGE);
    assert_eq!(
        heap.stats().released_bytes,
        released.saturating_sub(4 * PAGE)
    );
    give(&mut heap, c, pages(4));
    let runs = heap.free_runs();
    if os::RELEASES {
        assert_eq!(runs, vec![(addr(c), 4), (addr(c) + 4 * PAGE, USABLE - 5)]);
        assert_eq!(heap.trim(), 4 * PAGE, "only the dirty run goes back");
        assert_eq!(heap.stats().released_bytes, rest);
    } else {
        assert_eq!(runs, vec![(addr(c), USABLE - 1)]);
    }
    assert_eq!(
        heap.free_runs(),
        vec![(addr(c), USABLE - 1)],
        "merged after trim"
    );
    give(&mut heap, a, pages(1));
    assert_eq!(heap.trim(), SEGMENT - rest + (rest - released));
    assert_eq!(heap.stats().mapped_bytes, 0);
    assert_eq!(
        heap.stats().returned_bytes,
        SEGMENT + if os::RELEASES { 4 * PAGE } else { 0 }
    );
}

#[test]
fn a_warm_run_is_taken_before_fresh_pages_that_fit_better() {
    let mut heap = Heap::new();
    let x = take(&mut heap, pages(10));
    let y = take(&mut heap, pages(490));
    give(&mut heap, x, pages(10));
    // Free: `x`'s 10 written pages, and the 9 fresh pages that end the segment. A best fit
    // over both would cut the fresh run and fault in pages while written ones stay free.
    let tail = addr(y) + 490 * PAGE;
    assert_eq!(heap.free_runs(), vec![(addr(x), 10), (tail, USABLE - 500)]);
    let (z, fresh) = heap.allocate_run(pages(5)).unwrap();
    assert_eq!(
        (addr(z), fresh),
        (addr(x), false),
        "the front of the warm run"
    );
    // With no warm run long enough, the fresh pages serve.
    let (w, fresh) = heap.allocate_run(pages(6)).unwrap();
    assert_eq!((addr(w), fresh), (tail, true), "then the fresh end");
    for (p, n) in [(z, 5), (w, 6), (y, 490)] {
        give(&mut heap, p, pages(n));
    }
    assert_eq!(heap.free_runs(), vec![(addr(x), USABLE)], "one run again");
    let (u, fresh) = heap.allocate_run(pages(1)).unwrap();
    assert!(!fresh, "pages that were written are not fresh any more");
    give(&mut heap, u, pages(1));
}

#[test]
fn a_zeroed_run_of_fresh_pages_reads_as_zero() {
    let mut heap = Heap::new();
    let layout = pages(8);
    let (p, fresh) = heap.allocate_run(layout).unwrap();
    assert!(fresh);
    if os::ZERO_FILLED {
        // SAFETY: a run of 8 pages, ours alone, mapped by the OS layer, which maps zeroes
        // (`ZERO_FILLED`): initialized bytes.
        let bytes = unsafe { core::slice::from_raw_parts(p.as_ptr(), layout.size()) };
        assert!(
            bytes.iter().all(|&b| b == 0),
            "fresh pages from the OS are zeroes"
        );
    }
    // SAFETY: as above.
    unsafe { p.as_ptr().write_bytes(0xEE, layout.size()) };
    give(&mut heap, p, layout);
    let (q, fresh) = heap.allocate_run(layout).unwrap();
    assert_eq!(
        (addr(q), fresh),
        (addr(p), false),
        "written pages are not fresh"
    );
    give(&mut heap, q, layout);
}

#[test]
fn a_run_grows_in_place_into_the_free_pages_after_it() {
    let mut heap = Heap::new();
    let (small, big) = (pages(2), pages(5));
    let a = take(&mut heap, small);
    // SAFETY: `a` is a run of two pages of `heap`, in use.
    unsafe { a.as_ptr().add(PAGE).write(7) };
    // SAFETY: as above; then a run of five pages.
    let grown = unsafe { heap.resize_in_place(a, small, big.size()) };
    assert!(grown, "the fresh end follows");
    // SAFETY: the run holds five pages now: its old bytes are kept, its new ones are ours.
    unsafe {
        assert_eq!(a.as_ptr().add(PAGE).read(), 7);
        a.as_ptr().add(5 * PAGE - 1).write(9);
    }
    assert_eq!(heap.stats().free_bytes, USABLE_BYTES - 5 * PAGE);
    assert_eq!(heap.free_runs(), vec![(addr(a) + 5 * PAGE, USABLE - 5)]);
    // A used run after it: no room.
    let b = take(&mut heap, pages(1));
    // SAFETY: `a` is a run of five pages, in use.
    let grown = unsafe { heap.resize_in_place(a, big, 6 * PAGE) };
    assert!(!grown, "`b` follows");
    // SAFETY: as above; the same pages need no room.
    assert!(unsafe { heap.resize_in_place(a, big, 5 * PAGE - 100) });
    // Shrinking frees the last pages, which merge with no used neighbour.
    // SAFETY: as above.
    assert!(unsafe { heap.resize_in_place(a, big, PAGE + 1) });
    assert_eq!(
        heap.free_runs()[0],
        (addr(a) + 2 * PAGE, 3),
        "the last three pages"
    );
    assert_eq!(heap.stats().free_bytes, USABLE_BYTES - 3 * PAGE);
    // Too short a free run after it: unchanged.
    // SAFETY: `a` is a run of two pages, in use.
    assert!(!unsafe { heap.resize_in_place(a, small, 6 * PAGE) });
    // SAFETY: as above; the three free pages after it are enough for five in all.
    assert!(unsafe { heap.resize_in_place(a, small, 5 * PAGE) });
    assert_eq!(heap.stats().free_bytes, USABLE_BYTES - 6 * PAGE);
    // Given back as a run of five pages, it merges with everything again.
    give(&mut heap, b, pages(1));
    give(&mut heap, a, big);
    assert_eq!(heap.free_runs(), vec![(addr(a), USABLE)]);
    assert_eq!(heap.stats().free_bytes, USABLE_BYTES);
}

#[test]
fn a_dedicated_mapping_is_not_resized_in_place() {
    let mut heap = Heap::new();
    let huge = pages(USABLE + 1);
    let a = take(&mut heap, huge);
    // SAFETY: `a` is a dedicated mapping of `heap`, in use.
    assert!(!unsafe { heap.resize_in_place(a, huge, PAGE) });
    // SAFETY: as above; its own pages serve a size that rounds to them.
    assert!(unsafe { heap.resize_in_place(a, huge, huge.size() - 1) });
    give(&mut heap, a, huge);
    let b = take(&mut heap, pages(1));
    // SAFETY: `b` is a run of one page, in use.
    let grown = unsafe { heap.resize_in_place(b, pages(1), huge.size()) };
    assert!(!grown, "too large for a segment");
    give(&mut heap, b, pages(1));
}
