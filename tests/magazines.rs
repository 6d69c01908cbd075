//! Adaptive magazines: each thread's cache starts with small magazines, grows them (up to the
//! pool's M, `cache = N` when given) while it takes or gives back in runs, and shrinks them
//! back (down to `MAGAZINE_MIN`) when its exchanges with the depot become rare, so that a
//! thread that mixes takes and gives back holds few free slots.

use std::thread;

use zokio_pool::{
    pools, PoolBox, PoolInfo, Pooled, CHECKING_MODE, MAGAZINE_FREQUENT_MAX, MAGAZINE_GROW_FREQUENT,
    MAGAZINE_MIN, MAGAZINE_SHRINK_AFTER,
};

/// The coins of `random_mix`: a xorshift generator with a fixed seed, true for heads.
fn coins() -> impl Iterator<Item = bool> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    core::iter::from_fn(move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        Some(x & 1 == 1)
    })
}

/// How many of the first `steps` coins of `random_mix` are heads (objects made).
fn heads(steps: usize) -> usize {
    coins().take(steps).filter(|&h| h).count()
}

/// Runs of this many objects (fewer under Miri, which runs each operation a thousand times
/// slower): enough to exchange several magazines of 24.
const RUN: usize = if cfg!(miri) { 200 } else { 1000 };
/// Steps of the random mix in the bounds tests.
const MIX: usize = if cfg!(miri) { 2_000 } else { 100_000 };

/// A pool whose M is given: 24 slots.
#[derive(Pooled)]
#[expect(dead_code, reason = "an id per object, never read")]
#[pool(cache = 24)]
struct Bounded {
    id: u64,
}

/// A pool with the default M (240 slots of 64 B).
#[derive(Pooled)]
#[expect(dead_code, reason = "an id per object, never read")]
struct Default64 {
    id: u64,
    _pad: [u64; 7],
}

/// A pool whose M is below `MAGAZINE_MIN`.
#[derive(Pooled)]
#[expect(dead_code, reason = "an id per object, never read")]
#[pool(cache = 3)]
struct Tiny {
    id: u64,
}

fn info<T>() -> PoolInfo {
    let name = std::any::type_name::<T>();
    pools()
        .into_iter()
        .find(|p| p.name == name)
        .expect("the pool is listed after its first use")
}

/// Takes `n` objects, then gives them back, last first: a run each way.
fn batch<T: Pooled>(n: usize, make: impl Fn(u64) -> T) {
    let live: Vec<PoolBox<T>> = (0..n as u64).map(|i| PoolBox::new(make(i))).collect();
    std::hint::black_box(&live);
    drop(live);
}

/// `steps` random takes and gives back: a coin per step (a fixed seed), heads makes an
/// object, tails drops the last one made (if any). The number of live objects, and the
/// cache's free slots with it, is a random walk, so the cache exchanges with the depot about
/// once in M² operations. Returns the live objects: dropping them all is a run of gives back,
/// which grows the magazines again.
#[must_use]
fn random_mix<T: Pooled>(steps: usize, make: impl Fn(u64) -> T) -> Vec<PoolBox<T>> {
    let mut live = Vec::new();
    for (i, heads) in (0..).zip(coins().take(steps)) {
        if heads {
            live.push(PoolBox::new(make(i)));
        } else {
            live.pop();
        }
    }
    live
}

#[test]
fn runs_grow_the_magazines_up_to_the_given_cache_and_no_further() {
    thread::spawn(|| {
        let first = PoolBox::new(Bounded { id: 0 });
        let at_start = info::<Bounded>();
        assert_eq!(at_start.magazine_size, 24);
        if CHECKING_MODE {
            // No caches in checking mode: every object is a block of its own.
            assert_eq!(at_start.magazine_in_use, 0);
            return;
        }
        assert_eq!(
            at_start.magazine_in_use, MAGAZINE_MIN,
            "a cache starts small"
        );
        drop(first);

        // Runs each way exchange once per magazine: the size doubles to the bound.
        for _ in 0..3 {
            batch(RUN, |id| Bounded { id });
        }
        assert_eq!(
            info::<Bounded>().magazine_in_use,
            24,
            "grown to `cache = 24`"
        );
        for _ in 0..10 {
            batch(RUN, |id| Bounded { id });
            assert!(
                info::<Bounded>().magazine_in_use <= 24,
                "never past the bound"
            );
        }

        // A random mix exchanges rarely: the size may shrink, never past the bounds.
        let live = random_mix(MIX, |id| Bounded { id });
        let mixed = info::<Bounded>().magazine_in_use;
        assert!((MAGAZINE_MIN..=24).contains(&mixed), "{mixed}");
        drop(live);

        // Exact statistics throughout.
        let s = Bounded::pool_stats();
        assert_eq!(s.live, 0);
        assert_eq!(s.allocated + s.reused, 1 + 13 * RUN + heads(MIX));
    })
    .join()
    .unwrap();
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a million operations; the rule is integer code, run natively"
)]
fn a_thread_that_mixes_takes_and_gives_back_holds_few_free_slots() {
    thread::spawn(|| {
        if CHECKING_MODE {
            return;
        }
        // Runs first: the default M, 240.
        for _ in 0..3 {
            batch(2000, |id| Default64 { id, _pad: [0; 7] });
        }
        let grown = info::<Default64>();
        assert_eq!(grown.magazine_size, 240);
        assert_eq!(grown.magazine_in_use, 240);
        // Exchanges about once in M² operations, far more than MAGAZINE_SHRINK_AFTER
        // magazines apart while M is large (M² > 32 M for M > 32): the size halves at each
        // until it is small.
        const { assert!(MAGAZINE_SHRINK_AFTER < 64) };
        let live = random_mix(1_000_000, |id| Default64 { id, _pad: [0; 7] });
        let shrunk = info::<Default64>();
        assert!(
            shrunk.magazine_in_use <= 32,
            "rare exchanges shrink the magazines: {}",
            shrunk.magazine_in_use
        );
        assert!(shrunk.magazine_in_use >= MAGAZINE_MIN);
        // The cache held at most 2M free slots, and the pool reserved little past the
        // peak: chunks of 1/32 of the capacity, and a depot that hands out its free slots
        // before growing. (The working-set rule may have given chunks back meanwhile, under a
        // slow sanitizer: the capacity is then below the lifetime high-water mark.)
        let s = shrunk.stats;
        assert!(
            s.capacity.saturating_sub(s.high_water) <= s.high_water / 32 + 64 + 2 * 32,
            "{s:?}"
        );
        drop(live);
        // Runs grow it again.
        batch(2000, |id| Default64 { id, _pad: [0; 7] });
        assert!(info::<Default64>().magazine_in_use > 32);
    })
    .join()
    .unwrap();
}

/// Used by one test only: a pool whose every thread mixes from its first operation.
#[derive(Pooled)]
#[expect(dead_code, reason = "64 B of payload, never read")]
struct MixedFromTheStart([u64; 8]);

#[test]
fn a_thread_that_mixes_from_its_start_grows_to_where_a_shrinking_one_settles() {
    thread::spawn(|| {
        if CHECKING_MODE {
            return;
        }
        // No run ever: the cache starts at MAGAZINE_MIN and exchanges every M² or so
        // operations, 64 at M = 8, within MAGAZINE_GROW_FREQUENT magazines: it doubles, up
        // to MAGAZINE_FREQUENT_MAX, where its exchanges are rare enough to stop. (Before the
        // rule it stayed at 8: only runs and a contended lock grew a cache.)
        let live = random_mix(MIX, |i| MixedFromTheStart([i; 8]));
        let mixed = info::<MixedFromTheStart>();
        assert_eq!(mixed.magazine_size, 240);
        assert!(
            (2 * MAGAZINE_MIN..=MAGAZINE_FREQUENT_MAX).contains(&mixed.magazine_in_use),
            "{}",
            mixed.magazine_in_use
        );
        // The band: growth stops below where rarity shrinks.
        const { assert!(MAGAZINE_GROW_FREQUENT < MAGAZINE_SHRINK_AFTER) };
        drop(live);
        assert_eq!(MixedFromTheStart::pool_stats().live, 0);
    })
    .join()
    .unwrap();
}

#[test]
fn a_cache_below_the_floor_stays_at_its_bound() {
    thread::spawn(|| {
        if CHECKING_MODE {
            return;
        }
        batch(10, |id| Tiny { id });
        assert_eq!(info::<Tiny>().magazine_in_use, 3);
        for _ in 0..20 {
            batch(RUN / 10, |id| Tiny { id });
        }
        drop(random_mix(MIX / 10, |id| Tiny { id }));
        let i = info::<Tiny>();
        assert_eq!((i.magazine_size, i.magazine_in_use), (3, 3));
        assert_eq!(Tiny::pool_stats().live, 0);
    })
    .join()
    .unwrap();
}

/// Used by one test only, so no other thread has a cache of it.
#[derive(Pooled)]
#[expect(dead_code, reason = "an id per object, never read")]
#[pool(cache = 24)]
struct Exiting {
    id: u64,
}

#[test]
fn a_thread_that_exits_leaves_no_cache_behind() {
    thread::spawn(|| {
        batch(RUN, |id| Exiting { id });
        if !CHECKING_MODE {
            assert_eq!(info::<Exiting>().magazine_in_use, 24);
        }
    })
    .join()
    .unwrap();
    // The exited thread's cache closed and left the depot's list.
    assert_eq!(info::<Exiting>().magazine_in_use, 0);
    assert_eq!(Exiting::pool_stats().live, 0);
}

/// 64 B, the default M (240): the producer-consumer test's object.
#[derive(Pooled)]
#[expect(dead_code, reason = "64 B of payload, never read")]
struct Handed([u64; 8]);

#[test]
fn a_thread_that_only_frees_strands_at_most_one_magazine() {
    use std::sync::mpsc::sync_channel;
    if CHECKING_MODE {
        return;
    }
    const LIVE: usize = if cfg!(miri) { 300 } else { 1000 };
    // Three rounds of LIVE objects, so that this thread has freed more than the pool's peak
    // (it is then a freer); a trim; four more rounds.
    let rounds = [LIVE; 7];
    let sizes = rounds;
    // Strict turns: the producer makes a round's objects and hands them over, this thread
    // drops them, and only then does the producer go on.
    let (to_main, from_producer) = sync_channel::<Vec<PoolBox<Handed>>>(0);
    let (to_producer, go) = sync_channel::<()>(0);
    let producer = thread::spawn(move || {
        for n in sizes {
            let batch: Vec<_> = (0..n).map(|_| PoolBox::new(Handed([1; 8]))).collect();
            to_main.send(batch).unwrap();
            go.recv().unwrap();
        }
    });
    for i in 0..rounds.len() {
        drop(from_producer.recv().unwrap());
        if i == 2 {
            // This thread's cache goes to the depot, and every chunk with no slot in use or
            // in the producer's cache goes back to the heap: the pool grows again from here.
            Handed::pool_trim();
            assert!(
                Handed::pool_stats().capacity < LIVE,
                "the trim gave chunks back"
            );
        }
        to_producer.send(()).unwrap();
    }
    producer.join().unwrap();
    let s = Handed::pool_stats();
    assert_eq!(s.live, 0);
    // The pool grows only when the producer finds no free slot in its cache or the depot:
    // then LIVE at most are live, and the rest of the capacity is what this thread caches,
    // plus the last chunk (a page: 64 slots) and the part of a page the trim kept for the
    // producer's cached slots (64). This thread had freed more than the peak without taking
    // before the trim, so it keeps no full magazine: at most one partial magazine of M = 240,
    // where Bonwick's two magazines held up to 2M (a capacity of 1,472 to 1,536 slots when
    // M was 256).
    assert!(
        s.capacity <= LIVE + 240 + 64 + 64,
        "capacity {} for {LIVE} live",
        s.capacity
    );
}
