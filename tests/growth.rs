//! The growth schedule: a pool's first chunk is about a page (or `prealloc` slots), and each
//! later chunk adds 1/32 of its capacity in whole pages (at least a page), up to `chunk` slots
//! at a time; a given `chunk` fixes every chunk's size.

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

/// `prealloc` sets the first chunk; growth goes on from there.
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

/// Checks each step of `seen` (capacities, from the first chunk `first`) against the rule for
/// 64 B slots: a step is whole pages (64 slots each), at least one, at most 1/32 of the
/// capacity before it (when that is more than a page) and at most the cap of 1,024 slots.
fn check_steps(seen: &[usize], first: usize) {
    assert_eq!(seen[0], first);
    for pair in seen.windows(2) {
        let (before, step) = (pair[0], pair[1] - pair[0]);
        assert_eq!(step % 64, 0, "{before} -> {}: whole pages", pair[1]);
        assert!(step >= 64, "{before} -> {}: at least a page", pair[1]);
        assert!(
            step <= (before / 32).clamp(64, 1024),
            "{before} -> {}: at most 1/32 of the capacity, a page, the cap",
            pair[1]
        );
        // And no smaller than the rule's whole pages of 1/32.
        assert!(step >= (before / 32 / 64 * 64).clamp(64, 1024));
    }
}

#[test]
fn chunks_start_at_a_page_and_grow_by_a_32nd_up_to_the_cap() {
    // Miri (real pool) runs a shorter schedule: a statistics read per object is slow there.
    let n = if cfg!(miri) { 600 } else { 5000 };
    let seen = capacities(n, || Small([1; 8]));
    if CHECKING_MODE {
        return;
    }
    check_steps(&seen, 64);
    // A page at a time up to 4,096 slots (1/32 of less is under two pages), then two.
    assert_eq!(seen[..4], [64, 128, 192, 256]);
    if !cfg!(miri) {
        assert!(seen.contains(&4096) && seen.contains(&4224) && !seen.contains(&4160));
    }
    // Reserved past the peak: less than 1/32 of it plus a page.
    let last = *seen.last().unwrap();
    assert!(last >= n && last < n + n / 32 + 64, "{last} for {n}");
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
fn prealloc_is_the_first_chunk_and_growth_goes_on_from_it() {
    let n = if cfg!(miri) { 700 } else { 2000 };
    let seen = capacities(n, || Preallocated([1; 8]));
    if CHECKING_MODE {
        return;
    }
    check_steps(&seen, 300);
    assert_eq!(seen[..3], [300, 364, 428]);
    assert!(*seen.last().unwrap() < n + 64);
}
