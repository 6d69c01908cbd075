//! Recycle mode: objects stay constructed between uses, are reset in place when given back, and
//! are dropped instead of kept when over a bound or when their reset panics.
//!
//! In checking mode (Miri, or `--features zokio-pool/checking`) nothing is kept: every object is
//! reset and dropped. The assertions about kept objects apply to the real pool only.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread;

use zokio_pool::{PoolBox, Pooled, Recycle, CHECKING_MODE};

zokio_pool::pool!(Buffers: Vec<u8>, recycle);

#[test]
fn a_vec_buffer_keeps_its_capacity_across_take_and_drop() {
    let mut b = Buffers::take();
    assert!(b.is_empty(), "built by Default");
    b.extend_from_slice(&[7; 4096]);
    let capacity = b.capacity();
    let address = b.as_ptr();
    drop(b);

    let b = Buffers::take();
    assert!(b.is_empty(), "reset when given back");
    if !CHECKING_MODE {
        assert_eq!(b.capacity(), capacity);
        assert_eq!(b.as_ptr(), address, "the same allocation");
    }
    assert_eq!(Buffers::stats().live, 1);
    drop(b);
    assert_eq!(Buffers::stats().live, 0);
}

#[test]
fn a_derived_struct_is_reset_field_by_field_and_skipped_fields_are_left_alone() {
    #[derive(Pooled, Default)]
    #[pool(recycle)]
    struct Request {
        id: u64,
        name: String,
        body: Vec<u8>,
        parent: Option<Box<u32>>,
        #[pool(skip)]
        generation: u32,
    }

    let mut r = PoolBox::<Request>::take();
    r.id = 9;
    r.name.push_str("hello");
    r.body.extend_from_slice(&[1; 100]);
    r.parent = Some(Box::new(3));
    r.generation = 41;
    // The derived impl, called directly: every field but the skipped one is reset.
    r.reset();
    assert_eq!((r.id, r.name.as_str(), r.body.len()), (0, "", 0));
    assert!(r.parent.is_none());
    assert_eq!(r.generation, 41);
    assert!(r.kept_capacity() >= 105, "the fields' capacities add up");
    r.generation += 1;
    r.body.push(1);
    drop(r);

    let r = PoolBox::<Request>::take();
    assert!(r.body.is_empty() && r.name.is_empty() && r.id == 0);
    if !CHECKING_MODE {
        assert_eq!(r.generation, 42, "a skipped field is kept as it is");
        assert!(r.body.capacity() >= 100 && r.name.capacity() >= 5);
    }
}

#[test]
fn tuple_and_unit_structs_are_recycled() {
    #[derive(Pooled, Default)]
    #[pool(recycle)]
    struct Pair(Vec<u8>, #[pool(skip)] u8);

    #[derive(Pooled, Default)]
    #[pool(recycle)]
    struct Nothing;

    let mut p = PoolBox::<Pair>::take();
    p.0.push(1);
    p.1 = 5;
    p.reset();
    assert_eq!((p.0.len(), p.1), (0, 5));
    assert_eq!(Nothing.kept_capacity(), 0);
    let n = PoolBox::<Nothing>::take();
    drop(n);
    assert_eq!(Nothing::pool_stats().live, 0);
}

static CONN_BUILT: AtomicUsize = AtomicUsize::new(0);

#[derive(Pooled)]
#[pool(reset = Self::clear, init = Self::new)]
struct Conn {
    buf: Vec<u8>,
    resets: u32,
}

impl Conn {
    fn new() -> Self {
        CONN_BUILT.fetch_add(1, SeqCst);
        Conn {
            buf: Vec::with_capacity(64),
            resets: 0,
        }
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.resets += 1;
    }
}

#[test]
fn reset_and_init_name_custom_functions() {
    let mut c = PoolBox::<Conn>::take();
    assert_eq!(CONN_BUILT.load(SeqCst), 1, "built by init");
    assert_eq!((c.buf.capacity() >= 64, c.resets), (true, 0));
    c.buf.extend_from_slice(b"abc");
    drop(c);

    let c = PoolBox::<Conn>::take();
    assert!(c.buf.is_empty());
    if CHECKING_MODE {
        assert_eq!(CONN_BUILT.load(SeqCst), 2);
    } else {
        assert_eq!(CONN_BUILT.load(SeqCst), 1, "the kept object, not a new one");
        assert_eq!(c.resets, 1, "reset by the custom function");
    }
}

/// A reset function that is a free function, on an enum.
#[derive(Pooled, Debug, PartialEq)]
#[pool(recycle, reset = clear_slot, init = full_slot)]
enum Slot {
    Empty,
    Full(Vec<u8>),
}

fn full_slot() -> Slot {
    Slot::Full(Vec::with_capacity(16))
}

fn clear_slot(slot: &mut Slot) {
    if let Slot::Full(buf) = slot {
        buf.clear();
    }
}

#[test]
fn an_enum_is_recycled_with_a_free_reset_function() {
    let mut s = PoolBox::<Slot>::take();
    if let Slot::Full(buf) = &mut *s {
        buf.push(1);
    }
    drop(s);
    let s = PoolBox::<Slot>::take();
    assert_eq!(*s, Slot::Full(Vec::new()));
    let e = PoolBox::new(Slot::Empty);
    assert_eq!(*e, Slot::Empty);
}

#[test]
fn max_capacity_drops_a_giant_buffer_instead_of_keeping_it() {
    zokio_pool::pool!(Bounded: Vec<u8>, recycle, max_capacity = 4096);

    let mut small = Bounded::take();
    small.reserve_exact(100);
    let small_capacity = small.capacity();
    drop(small);
    let mut b = Bounded::take();
    if !CHECKING_MODE {
        assert_eq!(b.capacity(), small_capacity, "a small buffer is kept");
    }
    b.reserve_exact(1 << 20);
    assert!(b.capacity() >= 1 << 20);
    drop(b);

    let fresh = Bounded::take();
    assert_eq!(
        fresh.capacity(),
        0,
        "the giant buffer was dropped: a new Vec"
    );
    assert_eq!(Bounded::stats().live, 1);
}

#[test]
fn max_idle_bounds_the_objects_kept() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    static BUILT: AtomicUsize = AtomicUsize::new(0);

    struct Counted(Vec<u8>);

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
        }
    }

    impl Recycle for Counted {
        fn reset(&mut self) {
            self.0.clear();
        }
    }

    fn counted() -> Counted {
        BUILT.fetch_add(1, SeqCst);
        Counted(Vec::new())
    }

    zokio_pool::pool!(Idle: Counted, recycle, init = counted, max_idle = 2);

    let boxes: Vec<_> = (0..5).map(|_| Idle::take()).collect();
    assert_eq!(BUILT.load(SeqCst), 5);
    drop(boxes);
    let kept = if CHECKING_MODE { 0 } else { 2 };
    assert_eq!(DROPS.load(SeqCst), 5 - kept, "at most 2 objects kept");

    // The kept objects come back; the other slots get new objects.
    let boxes: Vec<_> = (0..5).map(|_| Idle::take()).collect();
    assert_eq!(BUILT.load(SeqCst), 10 - kept);
    assert_eq!(Idle::stats().live, 5);
    drop(boxes);
}

#[test]
fn an_object_whose_reset_panics_is_dropped_and_the_pool_stays_consistent() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);

    #[derive(Default)]
    struct Fragile {
        poisoned: bool,
        data: Vec<u8>,
    }

    impl Drop for Fragile {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
        }
    }

    fn reset_fragile(f: &mut Fragile) {
        assert!(!f.poisoned, "cannot reset a poisoned object");
        f.data.clear();
    }

    zokio_pool::pool!(FragilePool: Fragile, reset = reset_fragile);

    let mut f = FragilePool::take();
    f.poisoned = true;
    f.data.push(1);
    let panicked = catch_unwind(AssertUnwindSafe(|| drop(f)));
    assert!(panicked.is_err(), "the reset's panic goes on");
    assert_eq!(DROPS.load(SeqCst), 1, "the object was dropped, not kept");
    assert_eq!(FragilePool::stats().live, 0);

    // The slot is usable again, and holds a new object.
    let f = FragilePool::take();
    assert!(!f.poisoned && f.data.is_empty());
    assert_eq!(FragilePool::stats().live, 1);
    drop(f);
    assert_eq!(FragilePool::stats().live, 0);
    let expected = if CHECKING_MODE { 2 } else { 1 };
    assert_eq!(DROPS.load(SeqCst), expected, "a good object is kept");
}

#[test]
fn recycled_objects_taken_on_one_thread_and_dropped_on_another_are_reused_there() {
    zokio_pool::pool!(Shared: Vec<u8>, recycle, cache = 4);

    let boxes: Vec<_> = (0..3)
        .map(|i| {
            let mut b = Shared::take();
            b.resize(1000 + i, 1);
            b
        })
        .collect();
    let reused = thread::spawn(move || {
        drop(boxes);
        // Given back to this thread's cache, with their buffers: taken again here.
        let again: Vec<_> = (0..3).map(|_| Shared::take()).collect();
        again
            .iter()
            .map(|b| (b.is_empty(), b.capacity() >= 1000))
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    assert!(reused.iter().all(|&(empty, _)| empty));
    if !CHECKING_MODE {
        assert_eq!(reused, [(true, true); 3]);
    }
    let s = Shared::stats();
    assert_eq!(s.live, 0, "{s:?}");
}

#[test]
fn new_on_a_recycling_pool_drops_the_kept_object_it_replaces() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);

    #[derive(Default, Debug)]
    struct Noisy(u32);

    impl Drop for Noisy {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
        }
    }

    impl Recycle for Noisy {
        fn reset(&mut self) {
            self.0 = 0;
        }
    }

    zokio_pool::pool!(NoisyPool: Noisy, recycle);

    let kept = NoisyPool::take();
    drop(kept);
    let before = DROPS.load(SeqCst);
    assert_eq!(before, if CHECKING_MODE { 1 } else { 0 });
    let b = NoisyPool::new(Noisy(7));
    assert_eq!(b.0, 7);
    assert_eq!(DROPS.load(SeqCst), 1, "the kept object was dropped once");
    drop(b);
    // `Noisy(7)` is reset and kept (or dropped, in checking mode).
    assert_eq!(DROPS.load(SeqCst), if CHECKING_MODE { 2 } else { 1 });
    let c = NoisyPool::take();
    assert_eq!(c.0, 0);
}

#[test]
fn into_inner_on_a_recycling_pool_gives_the_value_and_an_empty_slot() {
    static BUILT: AtomicUsize = AtomicUsize::new(0);

    fn new_buffer() -> Vec<u8> {
        BUILT.fetch_add(1, SeqCst);
        Vec::with_capacity(8)
    }

    zokio_pool::pool!(Owned: Vec<u8>, recycle, init = new_buffer);

    let mut b = Owned::take();
    b.extend_from_slice(b"kept by the caller");
    let v: Vec<u8> = PoolBox::into_inner(b);
    assert_eq!(v, b"kept by the caller", "moved out, not reset");
    assert_eq!(Owned::stats().live, 0);
    // The slot went back without an object: the next take builds one.
    let b = Owned::take();
    assert!(b.is_empty());
    assert_eq!(BUILT.load(SeqCst), 2);
}

static LOGGED_DROPS: AtomicUsize = AtomicUsize::new(0);

/// A type with its own `Drop`, recycled on purpose: `Drop` runs when an object is discarded.
#[derive(Pooled, Default)]
#[pool(recycle, drop_on_discard, max_idle = 1)]
struct Logged {
    lines: Vec<String>,
}

impl Drop for Logged {
    fn drop(&mut self) {
        LOGGED_DROPS.fetch_add(1, SeqCst);
    }
}

#[test]
fn drop_on_discard_runs_drop_only_for_discarded_objects() {
    let a = PoolBox::<Logged>::take();
    let b = PoolBox::<Logged>::take();
    drop(a); // kept: no free slot was at hand
    if !CHECKING_MODE {
        assert_eq!(LOGGED_DROPS.load(SeqCst), 0, "a kept object is not dropped");
    }
    drop(b); // one free slot at hand (`max_idle = 1`): discarded, so dropped
    assert!(LOGGED_DROPS.load(SeqCst) >= 1);
}

#[test]
fn stats_count_kept_objects_their_capacity_and_the_discarded_ones() {
    zokio_pool::pool!(Idle4: Vec<u8>, recycle, max_idle = 4, max_capacity = 1000);

    let boxes: Vec<_> = (0..10)
        .map(|_| {
            let mut b = Idle4::take();
            b.reserve_exact(100);
            b
        })
        .collect();
    assert!(boxes.iter().all(|b| b.capacity() == 100));
    drop(boxes); // the first 4 are kept, then max_idle discards 6
    let s = Idle4::stats();
    if CHECKING_MODE {
        assert_eq!((s.discarded, s.kept, s.kept_capacity), (10, 0, 0), "{s:?}");
        return;
    }
    assert_eq!((s.discarded, s.kept, s.kept_capacity), (6, 4, 400), "{s:?}");

    // Last in, first out: the 6 empty slots, then the last kept Vec.
    let mut taken: Vec<_> = (0..7).map(|_| Idle4::take()).collect();
    let s = Idle4::stats();
    assert_eq!((s.discarded, s.kept, s.kept_capacity), (6, 3, 300), "{s:?}");
    assert_eq!(
        taken.last().map(|v| v.capacity()),
        Some(100),
        "the kept Vec came last"
    );
    // The kept Vec of capacity 100, dropped first, is kept again (idle 3 -> 4); the 6 new,
    // empty Vecs are discarded.
    while let Some(v) = taken.pop() {
        drop(v);
    }
    let s = Idle4::stats();
    assert_eq!(
        (s.discarded, s.kept, s.kept_capacity),
        (12, 4, 400),
        "{s:?}"
    );

    // A giant buffer is discarded by max_capacity (not by max_idle: one kept Vec is out).
    let mut taken: Vec<_> = (0..7).map(|_| Idle4::take()).collect();
    let mut giant = taken.pop().expect("seven taken");
    assert_eq!(
        giant.capacity(),
        100,
        "the kept Vec under the 6 empty slots"
    );
    giant.reserve_exact(5000);
    let s = Idle4::stats();
    assert_eq!((s.kept, s.kept_capacity), (3, 300), "{s:?}");
    drop(giant);
    let s = Idle4::stats();
    assert_eq!((s.discarded, s.kept), (13, 3), "{s:?}");
    drop(taken);
}

#[test]
fn a_panicking_reset_counts_as_a_discard() {
    #[derive(Pooled, Default)]
    #[pool(reset = Self::explode)]
    struct Fragile(u8);

    impl Fragile {
        fn explode(&mut self) {
            if self.0 == 1 {
                panic!("reset failed");
            }
        }
    }

    let mut f = PoolBox::<Fragile>::take();
    f.0 = 1;
    assert!(catch_unwind(AssertUnwindSafe(|| drop(f))).is_err());
    let s = Fragile::pool_stats();
    assert_eq!((s.discarded, s.kept, s.live), (1, 0, 0), "{s:?}");
    drop(PoolBox::<Fragile>::take());
    let s = Fragile::pool_stats();
    let kept = usize::from(!CHECKING_MODE);
    assert_eq!((s.discarded, s.kept), (2 - kept, kept), "{s:?}");
}

static UNITS_BUILT: AtomicUsize = AtomicUsize::new(0);
static UNITS_DROPPED: AtomicUsize = AtomicUsize::new(0);

/// A zero-sized type that counts its builds and drops.
#[derive(Pooled)]
#[pool(recycle, init = Unit::build, drop_on_discard, max_idle = 2)]
struct Unit;

impl Unit {
    fn build() -> Unit {
        UNITS_BUILT.fetch_add(1, SeqCst);
        Unit
    }
}

impl Drop for Unit {
    fn drop(&mut self) {
        UNITS_DROPPED.fetch_add(1, SeqCst);
    }
}

#[test]
fn zero_sized_objects_are_kept_like_any_other() {
    let a = PoolBox::<Unit>::take();
    drop(a);
    let b = PoolBox::<Unit>::take();
    drop(b);
    if CHECKING_MODE {
        return;
    }
    assert_eq!(
        (UNITS_BUILT.load(SeqCst), UNITS_DROPPED.load(SeqCst)),
        (1, 0),
        "kept, not dropped and rebuilt"
    );
    let s = Unit::pool_stats();
    assert_eq!((s.kept, s.live, s.discarded), (1, 0, 0), "{s:?}");
    // max_idle = 2: the third object given back while two are kept is dropped.
    let boxes: Vec<_> = (0..3).map(|_| PoolBox::<Unit>::take()).collect();
    assert_eq!(UNITS_BUILT.load(SeqCst), 3, "one kept, two built");
    drop(boxes);
    let s = Unit::pool_stats();
    assert_eq!((s.kept, s.discarded), (2, 1), "{s:?}");
    assert_eq!(UNITS_DROPPED.load(SeqCst), 1);
}
