//! `PoolAlloc` as the global allocator of this test binary: every allocation of the tests, of
//! the test harness and of std goes through it. The tests call it directly too (`ALLOC`).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc;
use std::thread;

use zokio_pool::allocator_api2::vec::Vec as AVec;
use zokio_pool::{PoolAlloc, CHECKING_MODE, SIZE_CLASSES};

// (With the runtime's `global-alloc-for-tests` feature it installs it itself.)
#[cfg_attr(not(feature = "global-alloc-for-tests"), global_allocator)]
static ALLOC: PoolAlloc = PoolAlloc::new();

/// Scaled down under Miri, which runs each operation thousands of times slower.
const ROUNDS: usize = if cfg!(miri) { 50 } else { 20_000 };
/// Batches of 100 objects in the two-thread test.
const BATCHES: usize = if cfg!(miri) { 2 } else { 200 };

/// Fills `len` bytes at `p` with a pattern of `seed`.
///
/// # Safety
/// `p` is valid for writes of `len` bytes.
unsafe fn fill(p: *mut u8, len: usize, seed: u8) {
    for i in 0..len {
        // SAFETY: inside the `len` bytes (the caller's contract).
        unsafe { p.add(i).write(seed.wrapping_add(i as u8)) };
    }
}

/// Checks the pattern [`fill`] wrote.
///
/// # Safety
/// `p` is valid for reads of `len` initialized bytes.
unsafe fn check(p: *const u8, len: usize, seed: u8) {
    for i in 0..len {
        assert_eq!(
            // SAFETY: inside the `len` bytes (the caller's contract).
            unsafe { p.add(i).read() },
            seed.wrapping_add(i as u8),
            "byte {i}"
        );
    }
}

#[test]
fn every_class_boundary_and_alignment_gives_an_aligned_block_of_its_size() {
    let mut sizes: Vec<usize> = Vec::new();
    // Under Miri, every fifth class's boundaries.
    let every = if cfg!(miri) { 5 } else { 1 };
    for &c in SIZE_CLASSES.iter().step_by(every) {
        sizes.extend([c - 1, c, c + 1]);
    }
    sizes.extend([1, 2, 3, 100_000, 300_000, 3 << 20]);
    let aligns: &[usize] = if cfg!(miri) {
        &[8, 4096]
    } else {
        &[
            1,
            2,
            4,
            8,
            16,
            32,
            64,
            128,
            256,
            512,
            1024,
            2048,
            4096,
            8192,
            1 << 16,
        ]
    };
    // The pattern covers the first 4 KiB (under Miri, the first 64 bytes) and the last byte.
    let head = if cfg!(miri) { 64 } else { 4096 };
    for (n, &size) in sizes.iter().enumerate() {
        for &align in aligns {
            let layout = Layout::from_size_align(size, align).unwrap();
            let seed = (n + align) as u8;
            // SAFETY: a non-zero size; the block is written and read within its size, then
            // freed with its layout.
            unsafe {
                let p = ALLOC.alloc(layout);
                assert!(!p.is_null(), "{layout:?}");
                assert_eq!(p.addr() % align, 0, "{layout:?}");
                fill(p, size.min(head), seed);
                p.add(size - 1).write(0xAB);
                check(p, size.min(head).min(size - 1), seed);
                assert_eq!(p.add(size - 1).read(), 0xAB);
                ALLOC.dealloc(p, layout);
            }
        }
    }
}

#[test]
fn realloc_keeps_the_bytes_across_classes_and_stays_in_place_within_one() {
    let layout = Layout::from_size_align(100, 8).unwrap();
    // SAFETY: blocks of this allocator, used within their sizes, freed with their layouts.
    unsafe {
        let p = ALLOC.alloc(layout);
        fill(p, 100, 7);
        // 100 B and 104 B are the same class (104 B): in place.
        let q = ALLOC.realloc(p, layout, 104);
        if !CHECKING_MODE {
            assert_eq!(p, q, "same class: in place");
        }
        check(q, 100, 7);
        // Up through the classes and into page runs, then back down.
        let mut p = q;
        let mut size = 104;
        for new in [1000, 5000, 40_000, 70_000, 3 << 20, 50_000, 200, 16] {
            let layout = Layout::from_size_align(size, 8).unwrap();
            p = ALLOC.realloc(p, layout, new);
            assert!(!p.is_null());
            check(p, size.min(new).min(100), 7);
            size = new;
        }
        ALLOC.dealloc(p, Layout::from_size_align(size, 8).unwrap());
        // A page run that grows within its pages stays in place.
        let big = Layout::from_size_align(40_000, 8).unwrap();
        let p = ALLOC.alloc(big);
        let q = ALLOC.realloc(p, big, 40_900);
        // (Under Miri, blocks above the classes come from the system allocator.)
        if !CHECKING_MODE && !cfg!(miri) {
            assert_eq!(p, q, "40,000 and 40,900 B are ten pages both");
        }
        ALLOC.dealloc(q, Layout::from_size_align(40_900, 8).unwrap());
    }
}

#[test]
fn a_page_run_shrinks_in_place_and_grows_into_free_pages_keeping_its_bytes() {
    let align = 8;
    // SAFETY: blocks of this allocator, used within their sizes, freed with their layouts.
    unsafe {
        let big = Layout::from_size_align(200_000, align).unwrap();
        let p = ALLOC.alloc(big);
        fill(p, 200_000, 3);
        // A run gives back its last pages: always in place.
        let q = ALLOC.realloc(p, big, 50_000);
        if !CHECKING_MODE && !cfg!(miri) {
            assert_eq!(p, q, "a page run shrinks in place");
        }
        check(q, 50_000, 3);
        // Growing takes the free pages after the run when no other thread took them
        // meanwhile (this binary's tests run on several), else moves: the bytes stay either way.
        let mut p = q;
        let mut size = 50_000;
        // (Under Miri, which writes each byte thousands of times slower, not up to 1 MiB.)
        let top = if cfg!(miri) { 70_000 } else { 1 << 20 };
        for new in [60_000, 120_000.min(top), top, 100_000.min(top)] {
            p = ALLOC.realloc(p, Layout::from_size_align(size, align).unwrap(), new);
            assert!(!p.is_null());
            check(p, 50_000, 3);
            fill(p.add(50_000), new - 50_000, 5);
            size = new;
        }
        check(p.add(50_000), size - 50_000, 5);
        ALLOC.dealloc(p, Layout::from_size_align(size, align).unwrap());
    }
    // The same through the `Allocator` API's grow and shrink (a vector's growth).
    let mut v = AVec::<u8, _>::new_in(PoolAlloc::new());
    for i in 0..if cfg!(miri) { 80_000u32 } else { 300_000 } {
        v.push(i as u8);
    }
    v.truncate(70_000);
    v.shrink_to_fit();
    assert!(v.iter().enumerate().all(|(i, &b)| b == i as u8));
}

#[test]
fn alloc_zeroed_is_zero_even_on_a_reused_slot() {
    for size in [24, 1000, 40_000, 3 << 20] {
        let layout = Layout::from_size_align(size, 8).unwrap();
        // SAFETY: blocks of this allocator, used within their sizes, freed with their layouts.
        unsafe {
            let p = ALLOC.alloc(layout);
            p.write_bytes(0xFF, size);
            ALLOC.dealloc(p, layout);
            let z = ALLOC.alloc_zeroed(layout);
            let step = if cfg!(miri) { 997 } else { 1 };
            for i in (0..size).step_by(step) {
                assert_eq!(z.add(i).read(), 0, "size {size}, byte {i}");
            }
            ALLOC.dealloc(z, layout);
        }
    }
}

#[test]
fn the_allocator_api_serves_collections_and_zero_sizes() {
    let mut v = AVec::new_in(PoolAlloc::new());
    for i in 0..ROUNDS.min(5000) as u64 {
        v.push(i);
    }
    assert_eq!(v.iter().sum::<u64>(), (0..v.len() as u64).sum());
    v.truncate(3);
    v.shrink_to_fit();
    assert_eq!(&v[..], &[0, 1, 2]);
    let empty: AVec<(), PoolAlloc> = AVec::new_in(PoolAlloc::new());
    assert_eq!(empty.len(), 0);
    let mut zst = AVec::new_in(PoolAlloc::new());
    zst.push(());
    assert_eq!(zst.len(), 1);
    let mut zeroed = AVec::<u8, _>::new_in(PoolAlloc::new());
    zeroed.resize(3000, 0);
    assert!(zeroed.iter().all(|&b| b == 0));
}

#[test]
fn std_collections_and_strings_work_on_it() {
    let mut map = BTreeMap::new();
    let mut hash = HashMap::new();
    for i in 0..ROUNDS.min(10_000) {
        map.insert(format!("key {i}"), vec![i as u8; i % 300]);
        hash.insert(i, i.to_string());
    }
    for i in (0..ROUNDS.min(10_000)).step_by(3) {
        assert_eq!(map[&format!("key {i}")].len(), i % 300);
        assert_eq!(hash[&i], i.to_string());
    }
    drop(map);
    drop(hash);
}

#[test]
fn two_threads_with_cross_thread_frees_keep_exact_counts() {
    let before = PoolAlloc::stats();
    let (tx, rx) = mpsc::sync_channel::<Vec<Box<[u8; 48]>>>(4);
    let producer = thread::spawn(move || {
        for round in 0..BATCHES {
            let batch: Vec<Box<[u8; 48]>> = (0..100)
                .map(|i| Box::new([(round + i) as u8; 48]))
                .collect();
            tx.send(batch).unwrap();
        }
    });
    let consumer = thread::spawn(move || {
        let mut n = 0;
        for batch in rx {
            for (i, b) in batch.iter().enumerate() {
                assert!(b.iter().all(|&x| x == b[0]), "object {i} intact");
            }
            n += batch.len();
        }
        n
    });
    producer.join().unwrap();
    assert_eq!(consumer.join().unwrap(), BATCHES * 100);
    let after = PoolAlloc::stats();
    let class = |s: &zokio_pool::AllocStats| {
        s.classes
            .iter()
            .find(|c| c.size == 48)
            .map_or(0, |c| c.stats.allocated + c.stats.reused)
    };
    // Every box was counted in the 48 B class (other tests may add theirs meanwhile).
    assert!(class(&after) - class(&before) >= BATCHES * 100);
    assert!(
        after.total.live
            >= after
                .classes
                .iter()
                .map(|c| c.stats.live)
                .max()
                .unwrap_or(0)
    );
    // (Not under Miri, where formatting the table's 160 percentages takes minutes.)
    if !cfg!(miri) {
        let table = after.to_string();
        assert!(table.starts_with("class"), "{table}");
        assert!(table.lines().any(|l| l.starts_with("48 B")), "{table}");
        assert!(table.lines().any(|l| l.starts_with("total")), "{table}");
    }
}

#[test]
fn a_thread_that_exits_leaves_its_objects_usable_elsewhere() {
    const N: u64 = if cfg!(miri) { 50 } else { 500 };
    let boxes: Vec<Box<[u64; 20]>> = thread::spawn(|| (0..N).map(|i| Box::new([i; 20])).collect())
        .join()
        .unwrap();
    // The allocating thread is gone: its cache went to the depot, the objects are intact.
    for (i, b) in boxes.iter().enumerate() {
        assert_eq!(b[19], i as u64);
    }
    drop(boxes);
    // Reallocating on a new thread reuses what came back.
    thread::spawn(|| {
        let again: Vec<Box<[u64; 20]>> = (0..N).map(|i| Box::new([i; 20])).collect();
        assert_eq!(again[N as usize - 1][0], N - 1);
    })
    .join()
    .unwrap();
}

/// Allocations in each thread's late destructor (fewer under Miri).
const LATE_ALLOCATIONS: usize = if cfg!(miri) { 10 } else { 100 };

struct AllocatesOnDrop(RefCell<Vec<String>>);

impl Drop for AllocatesOnDrop {
    fn drop(&mut self) {
        // Runs among the thread's TLS destructors, possibly after the allocator's own flush.
        let mut v = self.0.borrow_mut();
        for i in 0..LATE_ALLOCATIONS {
            v.push(format!("late allocation {i}"));
        }
        assert_eq!(v.len(), LATE_ALLOCATIONS + 1);
        v.clear();
        v.shrink_to_fit();
    }
}

thread_local! {
    static LATE: AllocatesOnDrop = const { AllocatesOnDrop(RefCell::new(Vec::new())) };
}

#[test]
fn thread_local_destructors_may_allocate_and_free() {
    for _ in 0..if cfg!(miri) { 2 } else { 4 } {
        thread::spawn(|| {
            // The allocator's caches first (their flush is registered on their first use),
            // then `LATE`, whose destructor runs after the flush: the reverse order.
            let warm: Vec<String> = (0..LATE_ALLOCATIONS / 2).map(|i| i.to_string()).collect();
            LATE.with(|l| l.0.borrow_mut().push(String::from("registered")));
            drop(warm);
        })
        .join()
        .unwrap();
    }
}
