//! The growth schedule: a pool's first chunk is about a page (or `prealloc` slots), and each
//! later chunk doubles its capacity, up to `chunk` slots at a time; a given `chunk` fixes every
//! chunk's size.

use zokio_pool::{PoolBox, Pooled, CHECKING_MODE};

/// 64 B slots: a page holds 64; the cap is 64 KiB, 1,024 slots.
#[derive(Pooled)]
#[expect(dead_code, reason = "64 B of payload, never read")]
struct Small([u64; 8]);

/// A fixed chunk.
#[derive(Pooled)]
#[pool(chunk = 100)]
#[expect(dead_code, reason = "64 B of payload, never read")]
struct Fixed([u64; 8]);

/// `prealloc` sets the first chunk; growth then doubles from there.
#[derive(Pooled)]
#[pool(prealloc = 300)]
#[expect(dead_code, reason = "64 B of payload, never read")]
struct Preallocated([u64; 8]);

/// The capacities a pool passes through while `n` objects are made one by one.
fn capacities<T: Pooled>(n: usize, make: fn() -> T) -> Vec<usize> {
    let mut seen = vec![];
    let mut live = vec![];
    for _ in 0..n {
        live.push(PoolBox::new(make()));
        std::hint::black_box(&live);
        let c = T::pool_stats().capacity;
        if seen.last() != Some(&c) {
            seen.push(c);
        }
    }
    seen
}

#[test]
fn chunks_start_at_a_page_and_double_up_to_the_cap() {
    // Miri (real pool) runs a shorter schedule: a statistics read per object is slow there.
    let n = if cfg!(miri) { 600 } else { 5000 };
    let seen = capacities(n, || Small([1; 8]));
    if CHECKING_MODE {
        return;
    }
    let schedule = [64, 128, 256, 512, 1024, 2048, 3072, 4096, 5120];
    assert_eq!(seen, schedule[..seen.len()]);
    assert_eq!(seen.last(), schedule.iter().find(|&&c| c >= n));
}

#[test]
fn a_given_chunk_fixes_every_chunk() {
    let seen = capacities(350, || Fixed([1; 8]));
    if CHECKING_MODE {
        return;
    }
    assert_eq!(seen, [100, 200, 300, 400]);
}

#[test]
fn prealloc_is_the_first_chunk_and_growth_doubles_from_it() {
    let seen = capacities(if cfg!(miri) { 700 } else { 2000 }, || Preallocated([1; 8]));
    if CHECKING_MODE {
        return;
    }
    let schedule = [300, 600, 1200, 2224];
    assert_eq!(seen, schedule[..seen.len()]);
    assert!(seen.len() >= 3);
}
