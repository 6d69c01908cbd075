//! `trim()`, `T::pool_trim()` and `Name::trim()`: chunks with no slot in use go back, live
//! objects stay where they are, statistics stay exact, and a trim racing other threads' work
//! frees nothing in use.
//!
//! These tests read pool statistics only: the page heap's counters are shared with every
//! other test of this binary (`tests/trim_reuse.rs` reads them, alone in its binary).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Barrier;
use std::thread;

use zokio_pool::{PoolArc, PoolBox, Pooled, Recycle, CHECKING_MODE};

/// 64 slots per chunk, so that a burst spans many chunks.
#[derive(Pooled, Debug)]
#[pool(chunk = 64)]
struct Cell64 {
    id: u64,
    check: u64,
    _pad: [u64; 6],
}

fn cell(id: u64) -> Cell64 {
    Cell64 {
        id,
        check: !id,
        _pad: [id; 6],
    }
}

fn intact(c: &Cell64) -> bool {
    c.check == !c.id && c._pad == [c.id; 6]
}

#[test]
fn a_trim_gives_back_every_chunk_with_no_object_in_use_and_moves_no_live_object() {
    // 100 chunks of 64 (10 under Miri, which interprets every step).
    let n = if cfg!(miri) { 640 } else { 6400 };
    let mut boxes: Vec<_> = (0..n).map(cell).map(PoolBox::new).collect();
    let before = Cell64::pool_stats();
    // Keep every 100th object, each in a chunk of its own.
    let kept: Vec<_> = boxes
        .drain(..)
        .enumerate()
        .filter_map(|(i, b)| (i % 100 == 0).then_some(b))
        .collect();
    let addresses: Vec<_> = kept.iter().map(PoolBox::as_ptr).collect();
    Cell64::pool_trim();
    let after = Cell64::pool_stats();
    assert_eq!(after.live, kept.len());
    assert_eq!(after.allocated, before.allocated, "counts are not reset");
    assert!(kept.iter().all(|b| intact(b)), "live objects are untouched");
    let now: Vec<_> = kept.iter().map(PoolBox::as_ptr).collect();
    assert_eq!(now, addresses, "nothing live moved");
    if !CHECKING_MODE {
        assert!(before.capacity >= n as usize);
        assert_eq!(
            after.capacity,
            kept.len() * 64,
            "one chunk per live object, no more"
        );
        assert_eq!(after.reserved_bytes, after.capacity * 64);
    }
    // The pool grows again as needed, from fresh chunks.
    let more: Vec<_> = (0..n / 10).map(cell).map(PoolBox::new).collect();
    assert!(more.iter().chain(&kept).all(|b| intact(b)));
    assert_eq!(Cell64::pool_stats().live, more.len() + kept.len());
    drop((more, kept));
    Cell64::pool_trim();
    let end = Cell64::pool_stats();
    assert_eq!(end.live, 0);
    if !CHECKING_MODE {
        assert_eq!(end.capacity, 0, "every chunk went back");
    }
}

#[derive(Pooled)]
#[pool(chunk = 32)]
struct Raced(u64, u64);

#[test]
fn a_trim_racing_allocations_and_frees_on_other_threads_frees_nothing_in_use() {
    // Miri runs this too (real pool), slowly: fewer rounds there.
    const ROUNDS: usize = if cfg!(miri) { 6 } else { 300 };
    const BATCH: u64 = if cfg!(miri) { 40 } else { 200 };
    let stop = AtomicBool::new(false);
    let trims = AtomicUsize::new(0);
    let start = Barrier::new(3);
    thread::scope(|s| {
        let workers: Vec<_> = (0..2u64)
            .map(|t| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    for round in 0..ROUNDS as u64 {
                        let tag = (t << 40) | (round << 20);
                        let batch: Vec<_> = (0..BATCH)
                            .map(|i| PoolBox::new(Raced(tag | i, !(tag | i))))
                            .collect();
                        for (i, b) in batch.iter().enumerate() {
                            assert_eq!(
                                (b.0, b.1),
                                (tag | i as u64, !(tag | i as u64)),
                                "overwritten"
                            );
                        }
                        // Free half, keep half a round longer, so chunks are partly in use.
                        let (early, late): (Vec<_>, Vec<_>) =
                            batch.into_iter().partition(|b| b.0 % 2 == 0);
                        drop(early);
                        if round % 7 == 0 {
                            Raced::pool_trim();
                        }
                        assert!(late.iter().all(|b| b.1 == !b.0), "a live object changed");
                        drop(late);
                    }
                })
            })
            .collect();
        s.spawn(|| {
            start.wait();
            while !stop.load(SeqCst) {
                zokio_pool::trim();
                Raced::pool_trim();
                trims.fetch_add(1, SeqCst);
            }
        });
        for w in workers {
            w.join().expect("a worker failed");
        }
        stop.store(true, SeqCst);
    });
    assert!(trims.load(SeqCst) > 0);
    let stats = Raced::pool_stats();
    let total = 2 * ROUNDS * BATCH as usize;
    assert_eq!(stats.live, 0);
    assert_eq!(stats.allocated + stats.reused, total, "{stats:?}");
    // The workers have exited: their caches went to the depot, so a trim empties the pool.
    Raced::pool_trim();
    if !CHECKING_MODE {
        assert_eq!(Raced::pool_stats().capacity, 0, "{:?}", Raced::pool_stats());
    }
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

struct Buffer(Vec<u8>);

impl Drop for Buffer {
    fn drop(&mut self) {
        DROPS.fetch_add(1, SeqCst);
    }
}

impl Recycle for Buffer {
    fn reset(&mut self) {
        self.0.clear();
    }

    fn kept_capacity(&self) -> usize {
        self.0.capacity()
    }
}

fn buffer() -> Buffer {
    Buffer(Vec::new())
}

zokio_pool::pool!(Buffers: Buffer, recycle, init = buffer, chunk = 16);

#[test]
fn a_trim_drops_the_objects_free_slots_keep_and_gives_their_chunks_back() {
    let boxes: Vec<_> = (0..100)
        .map(|_| {
            let mut b = Buffers::take();
            b.0.extend_from_slice(&[1; 100]);
            b
        })
        .collect();
    let one = Buffers::take();
    drop(boxes);
    let kept = if CHECKING_MODE { 0 } else { 100 };
    assert_eq!(DROPS.load(SeqCst), 100 - kept);
    assert_eq!(Buffers::stats().kept, kept);
    Buffers::trim();
    let s = Buffers::stats();
    assert_eq!(DROPS.load(SeqCst), 100, "every kept object was dropped");
    assert_eq!((s.kept, s.kept_capacity, s.live), (0, 0, 1), "{s:?}");
    if !CHECKING_MODE {
        assert_eq!(s.discarded, 100);
        assert_eq!(s.capacity, 16, "only the live object's chunk stays");
    }
    // The slots come back empty: the next take builds a new object.
    let again = Buffers::take();
    assert!(again.0.is_empty() && again.0.capacity() == 0);
    drop((one, again));
}

#[derive(Pooled)]
#[pool(chunk = 16)]
struct Shared([u64; 4]);

#[test]
fn pool_trim_also_trims_the_types_counted_pool() {
    // PoolArc's counted pool has its own chunks (from a page up to 64 KiB: about 1,600
    // counted slots).
    let n = if cfg!(miri) { 1000 } else { 5000 };
    let arcs: Vec<_> = (0..n).map(|i| PoolArc::new(Shared([i; 4]))).collect();
    let clones: Vec<_> = arcs[..2].to_vec();
    let before = PoolArc::<Shared>::pool_stats();
    drop(arcs);
    Shared::pool_trim();
    let s = PoolArc::<Shared>::pool_stats();
    assert_eq!(s.live, 2);
    assert!(clones.iter().enumerate().all(|(i, a)| a.0 == [i as u64; 4]));
    if !CHECKING_MODE {
        assert!(before.capacity >= n as usize);
        assert!(
            s.capacity * 3 <= before.capacity,
            "the chunks with no arc went back: {s:?}"
        );
    }
}

zokio_pool::pool!(Frames: [u8; 4096], chunk = 4);

#[test]
fn a_named_pool_trims_itself() {
    let frames: Vec<_> = (0..40).map(|i| Frames::new([i; 4096])).collect();
    drop(frames);
    let live = Frames::new([9; 4096]);
    Frames::trim();
    assert_eq!(Frames::stats().live, 1);
    assert_eq!(live[4095], 9);
    if !CHECKING_MODE {
        assert_eq!(Frames::stats().capacity, 4);
    }
}
