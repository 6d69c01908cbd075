//! Unit tests of the pool internals, written without the derive so that they exercise the
//! runtime alone (and run quickly under Miri).

use core::cell::Cell;
use core::mem::size_of;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread;

use crate::{PoolBox, PoolStats, Pooled};

/// Implements `Pool` for a type the way the derive's expansion does.
macro_rules! test_pool {
    ($t:ty) => {
        test_pool!($t, crate::__private::Options::DEFAULT);
    };
    ($t:ty, $opts:expr) => {
        test_pool!($t, $opts, None);
    };
    ($t:ty, $opts:expr, $recycle:expr) => {
        // SAFETY: one static depot and one thread-local cache for this type alone, and the
        // config is Config::of the item type, as the derive emits them; the recycle hooks are
        // given exactly when the options say `recycle`.
        unsafe impl crate::Pool for $t {
            type Item = $t;
            const __CONFIG: crate::__private::Config = crate::__private::Config::of::<$t>($opts);
            const __RECYCLE: Option<crate::__private::Recycler<$t>> = $recycle;
            #[inline(always)]
            fn __cache() -> &'static std::thread::LocalKey<crate::__private::LocalCache> {
                std::thread_local! {
                    static CACHE: crate::__private::LocalCache =
                        const { crate::__private::LocalCache::new() };
                }
                &CACHE
            }
            #[inline(always)]
            fn __depot() -> &'static crate::__private::Depot {
                static DEPOT: crate::__private::Depot =
                    crate::__private::Depot::new(<$t as crate::Pool>::__CONFIG);
                &DEPOT
            }
        }
    };
}

fn addr<T, P: crate::Pool<Item = T>>(b: &PoolBox<T, P>) -> usize {
    PoolBox::as_ptr(b) as usize
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Small(u64);
test_pool!(Small);

#[test]
fn a_freed_slot_is_the_next_one_handed_out() {
    let a = PoolBox::new(Small(1));
    let at = addr(&a);
    drop(a);
    let b = PoolBox::new(Small(2));
    assert_eq!(addr(&b), at);
    assert_eq!(*b, Small(2));
}

struct Counted(u32);
test_pool!(Counted);

#[test]
fn stats_count_fresh_reused_and_live_slots() {
    let s0 = Counted::pool_stats();
    assert_eq!(s0, PoolStats::default());
    let boxes: Vec<_> = (0..10).map(|i| PoolBox::new(Counted(i))).collect();
    let s = Counted::pool_stats();
    assert_eq!(
        (s.allocated, s.reused, s.live, s.high_water),
        (10, 0, 10, 10)
    );
    drop(boxes);
    let boxes: Vec<_> = (0..4).map(|i| PoolBox::new(Counted(i))).collect();
    let s = Counted::pool_stats();
    assert_eq!(
        (s.allocated, s.reused, s.live, s.high_water),
        (10, 4, 4, 10)
    );
    assert_eq!(s.reuse_rate(), 4.0 / 14.0);
    assert!(s.capacity >= 10);
    assert_eq!(s.reserved_bytes, s.capacity * 8);
    assert_eq!(s.fragmentation(), 1.0 - 4.0 / s.capacity as f64);
    assert_eq!(boxes.iter().map(|b| b.0).sum::<u32>(), 6);
}

#[derive(Debug)]
struct Magazined(#[allow(dead_code)] usize);
test_pool!(
    Magazined,
    crate::__private::Options::DEFAULT.cache(4).chunk(8)
);

#[test]
fn slots_overflow_to_the_depot_and_come_back() {
    // 4 magazines' worth: the cache keeps 2M = 8, the depot gets the rest.
    let n = 40;
    let mut boxes: Vec<_> = (0..n).map(|i| PoolBox::new(Magazined(i))).collect();
    let mut addrs: Vec<_> = boxes.iter().map(addr).collect();
    // Give back all but 10, one at a time: the cache fills, swaps, and hands magazines to the
    // depot; `live` must stay exact through every exchange.
    for left in (10..n).rev() {
        boxes.pop();
        assert_eq!(
            Magazined::pool_stats().live,
            left,
            "after a drop, {left} live"
        );
    }
    drop(boxes);
    assert_eq!(Magazined::pool_stats().live, 0);
    let again: Vec<_> = (0..n).map(|i| PoolBox::new(Magazined(i))).collect();
    let mut addrs2: Vec<_> = again.iter().map(addr).collect();
    addrs.sort_unstable();
    addrs2.sort_unstable();
    assert_eq!(addrs, addrs2, "every slot came back, none twice");
    addrs2.dedup();
    assert_eq!(addrs2.len(), n);
    let s = Magazined::pool_stats();
    assert_eq!((s.allocated, s.reused, s.live, s.capacity), (n, n, n, n));
}

#[derive(Debug)]
struct Shared(#[allow(dead_code)] u64);
test_pool!(Shared, crate::__private::Options::DEFAULT.cache(8));

#[test]
fn boxes_dropped_on_another_thread_come_back_and_stats_are_exact() {
    let n = if cfg!(miri) { 200 } else { 20_000 };
    let (tx, rx) = std::sync::mpsc::sync_channel::<PoolBox<Shared>>(64);
    let consumer = thread::spawn(move || rx.into_iter().count());
    let producer = thread::spawn(move || {
        for i in 0..n {
            tx.send(PoolBox::new(Shared(i))).unwrap();
        }
    });
    producer.join().unwrap();
    assert_eq!(consumer.join().unwrap(), n as usize);
    let s = Shared::pool_stats();
    assert_eq!(s.live, 0);
    assert_eq!(s.allocated + s.reused, n as usize);
    assert!(
        s.reused > 0,
        "slots freed by the consumer were reused: {s:?}"
    );
    assert!(
        s.allocated < n as usize,
        "fresh slots were not needed for every object: {s:?}"
    );
    // The exited threads' slots are in the depot: this thread reuses them.
    let b = PoolBox::new(Shared(0));
    assert_eq!(Shared::pool_stats().allocated, s.allocated);
    drop(b);
}

#[derive(Debug, PartialEq)]
struct Limited(u8);
test_pool!(Limited, crate::__private::Options::DEFAULT.max(3).cache(2));

#[test]
fn max_limits_live_objects_and_gives_the_value_back() {
    let boxes: Vec<_> = (0..3)
        .map(|i| PoolBox::try_new(Limited(i)).unwrap())
        .collect();
    assert_eq!(PoolBox::try_new(Limited(9)).unwrap_err(), Limited(9));
    assert!(PoolBox::try_new_with(|| Limited(9)).is_err());
    assert!(PoolBox::<Limited>::try_new_uninit().is_none());
    let panic = std::panic::catch_unwind(|| PoolBox::new(Limited(7))).unwrap_err();
    let msg = panic.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("Limited") && msg.contains("limit of 3"),
        "{msg}"
    );
    let s = Limited::pool_stats();
    assert_eq!((s.live, s.capacity), (3, 3));
    drop(boxes);
    assert!(PoolBox::try_new(Limited(1)).is_ok());
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Zst;
test_pool!(Zst);

#[test]
fn zero_sized_types_take_no_memory() {
    let a = PoolBox::new(Zst);
    let b = PoolBox::new(Zst);
    assert_eq!(*a, Zst);
    let s = Zst::pool_stats();
    assert_eq!((s.live, s.capacity, s.reserved_bytes), (2, 0, 0));
    drop((a, b));
    assert_eq!(Zst::pool_stats().live, 0);
}

#[repr(align(4096))]
struct Page([u8; 4096]);
test_pool!(Page, crate::__private::Options::DEFAULT.chunk(3));

#[test]
fn page_alignment_is_honoured() {
    let pages: Vec<_> = (0..5).map(|i| PoolBox::new(Page([i; 4096]))).collect();
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(addr(p) % 4096, 0);
        assert_eq!(p.0[4095], i as u8);
    }
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

struct PanicOnDrop(bool);
test_pool!(PanicOnDrop);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        DROPS.fetch_add(1, SeqCst);
        if self.0 {
            panic!("drop panics");
        }
    }
}

#[test]
fn a_panic_in_drop_or_in_the_constructor_loses_no_slot() {
    let b = PoolBox::new(PanicOnDrop(true));
    let at = addr(&b);
    assert!(std::panic::catch_unwind(move || drop(b)).is_err());
    assert_eq!(DROPS.load(SeqCst), 1);
    let c = PoolBox::new(PanicOnDrop(false));
    assert_eq!(addr(&c), at, "the slot came back despite the panic");
    drop(c);
    let r = std::panic::catch_unwind(|| PoolBox::<PanicOnDrop>::new_with(|| panic!("ctor")));
    assert!(r.is_err());
    let s = PanicOnDrop::pool_stats();
    assert_eq!((s.live, s.allocated), (0, 1));
}

struct Node {
    #[allow(dead_code)] // owned for its drop glue only
    next: Option<PoolBox<Node>>,
}
test_pool!(Node, crate::__private::Options::DEFAULT.cache(2));

#[test]
fn a_drop_that_drops_boxes_of_the_same_pool_works() {
    let mut list = None;
    for _ in 0..50 {
        list = Some(PoolBox::new(Node { next: list }));
    }
    assert_eq!(Node::pool_stats().live, 50);
    drop(list);
    let s = Node::pool_stats();
    assert_eq!((s.live, s.allocated), (0, 50));
}

#[test]
fn raw_round_trips_and_leaks() {
    let b = PoolBox::new(Small(5));
    let p = PoolBox::into_raw(b);
    // SAFETY: `p` comes from into_raw of the same pool, once.
    let b = unsafe { PoolBox::<Small>::from_raw(p) };
    assert_eq!(b.0, 5);
    let leaked: &'static mut Small = PoolBox::leak(PoolBox::new(Small(6)));
    leaked.0 += 1;
    assert_eq!(leaked.0, 7);
    assert_eq!(PoolBox::into_inner(b), Small(5));
}

#[test]
fn uninit_boxes_are_written_in_place() {
    let u = PoolBox::<Small>::new_uninit();
    let at = addr(&u);
    let b = PoolBox::write(u, Small(9));
    assert_eq!(addr(&b), at);
    assert_eq!(*b, Small(9));
    let c = b.clone();
    assert_ne!(addr(&c), at);
    assert_eq!(c, b);
    assert_eq!(*PoolBox::<Small>::default(), Small(0));
}

#[test]
fn a_box_is_one_pointer_wide() {
    assert_eq!(size_of::<PoolBox<Small>>(), size_of::<usize>());
    assert_eq!(size_of::<Option<PoolBox<Small>>>(), size_of::<usize>());
}

#[derive(Debug)]
struct Teardown(#[allow(dead_code)] u32);
test_pool!(Teardown, crate::__private::Options::DEFAULT.cache(2));

struct DropsBoxesLate(Cell<Vec<PoolBox<Teardown>>>);
impl Drop for DropsBoxesLate {
    fn drop(&mut self) {
        // Runs during TLS teardown, possibly after the pool's flush: these drops and the
        // allocation below must go to the depot.
        drop(self.0.take());
        let late = PoolBox::new(Teardown(99));
        drop(late);
    }
}

#[test]
fn boxes_dropped_during_thread_teardown_go_to_the_depot() {
    thread_local! {
        static EARLY: DropsBoxesLate = const { DropsBoxesLate(Cell::new(Vec::new())) };
    }
    thread_local! {
        static LATE: DropsBoxesLate = const { DropsBoxesLate(Cell::new(Vec::new())) };
    }
    thread::spawn(|| {
        // EARLY registers its destructor before the pool's flush, LATE after it.
        EARLY.with(|e| e.0.set((0..5).map(|i| PoolBox::new(Teardown(i))).collect()));
        let b = PoolBox::new(Teardown(5));
        LATE.with(|l| l.0.set((6..9).map(|i| PoolBox::new(Teardown(i))).collect()));
        drop(b);
    })
    .join()
    .unwrap();
    let s = Teardown::pool_stats();
    assert_eq!(s.live, 0, "{s:?}");
    assert_eq!(s.allocated + s.reused, 9 + 2);
}

// --- recycle mode ---------------------------------------------------------------------------

static BUFFER_DROPS: AtomicUsize = AtomicUsize::new(0);

#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    panic_on_reset: bool,
}

impl Drop for Buffer {
    fn drop(&mut self) {
        BUFFER_DROPS.fetch_add(1, SeqCst);
    }
}

fn reset_buffer(b: &mut Buffer) {
    if b.panic_on_reset {
        panic!("reset panics");
    }
    b.bytes.clear();
}

fn buffer_capacity(b: &Buffer) -> usize {
    b.bytes.capacity()
}

test_pool!(
    Buffer,
    crate::__private::Options::DEFAULT.recycle().cache(2),
    Some(crate::__private::Recycler::<Buffer> {
        init: Buffer::default,
        reset: reset_buffer,
        capacity: buffer_capacity,
        max_capacity: 1000,
        max_idle: usize::MAX,
    })
);
// SAFETY: Buffer's Pool impl above has recycle hooks.
unsafe impl crate::RecyclePool for Buffer {}

#[test]
fn recycled_objects_keep_their_buffers_and_respect_the_bounds() {
    let mut a = PoolBox::<Buffer>::take();
    let at = addr(&a);
    a.bytes.extend_from_slice(&[1; 100]);
    drop(a);
    assert_eq!(BUFFER_DROPS.load(SeqCst), 0, "kept, not dropped");
    let b = PoolBox::<Buffer>::take();
    assert_eq!(addr(&b), at);
    assert!(b.bytes.is_empty() && b.bytes.capacity() >= 100);

    // Over max_capacity: dropped, and the next take builds a new one in the same slot.
    let mut b = b;
    b.bytes.reserve(5000);
    drop(b);
    assert_eq!(BUFFER_DROPS.load(SeqCst), 1);
    let c = PoolBox::<Buffer>::take();
    assert_eq!(addr(&c), at);
    assert_eq!(c.bytes.capacity(), 0);

    // A panicking reset drops the object; the slot comes back empty.
    let mut c = c;
    c.panic_on_reset = true;
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(c))).is_err());
    assert_eq!(BUFFER_DROPS.load(SeqCst), 2);
    let d = PoolBox::<Buffer>::take();
    assert_eq!(addr(&d), at);
    assert!(!d.panic_on_reset);

    // new(value) on a recycling pool drops the kept object it replaces.
    drop(d);
    let e = PoolBox::new(Buffer {
        bytes: vec![9],
        panic_on_reset: false,
    });
    assert_eq!(BUFFER_DROPS.load(SeqCst), 3);
    assert_eq!(e.bytes, [9]);
    // into_inner gives the value and leaves the slot empty.
    let v = PoolBox::into_inner(e);
    assert_eq!(v.bytes, [9]);
    drop(v);
    let f = PoolBox::<Buffer>::take();
    assert!(f.bytes.is_empty());
    let s = Buffer::pool_stats();
    assert_eq!(s.live, 1);
}

#[derive(Default)]
struct Idle(#[allow(dead_code)] Vec<u8>);
static IDLE_DROPS: AtomicUsize = AtomicUsize::new(0);
impl Drop for Idle {
    fn drop(&mut self) {
        IDLE_DROPS.fetch_add(1, SeqCst);
    }
}
test_pool!(
    Idle,
    crate::__private::Options::DEFAULT.recycle().cache(4),
    Some(crate::__private::Recycler::<Idle>::with(Idle::default, |_| {}).max_idle(5))
);
// SAFETY: Idle's Pool impl above has recycle hooks.
unsafe impl crate::RecyclePool for Idle {}

#[test]
fn max_idle_bounds_the_objects_kept() {
    let all: Vec<_> = (0..20).map(|_| PoolBox::<Idle>::take()).collect();
    drop(all);
    // Five are kept (the free slots at hand reach 5), the other fifteen are dropped.
    assert_eq!(IDLE_DROPS.load(SeqCst), 15);
    assert_eq!(Idle::pool_stats().live, 0);
}

#[derive(Default)]
struct Shipped {
    bytes: Vec<u8>,
}
test_pool!(
    Shipped,
    crate::__private::Options::DEFAULT.recycle().cache(4),
    Some(crate::__private::Recycler::<Shipped>::with(
        Shipped::default,
        |s| s.bytes.clear()
    ))
);
// SAFETY: Shipped's Pool impl above has recycle hooks.
unsafe impl crate::RecyclePool for Shipped {}

#[test]
fn recycled_objects_cross_threads() {
    let boxes: Vec<_> = (0..50)
        .map(|i| {
            let mut b = PoolBox::<Shipped>::take();
            b.bytes.push(i);
            b
        })
        .collect();
    thread::spawn(move || drop(boxes)).join().unwrap();
    let again: Vec<_> = (0..50).map(|_| PoolBox::<Shipped>::take()).collect();
    assert!(again.iter().all(|b| b.bytes.is_empty()));
    assert!(again.iter().filter(|b| b.bytes.capacity() > 0).count() >= 40);
}

#[test]
fn pooled_futures_are_polled_in_place() {
    use core::future::Future;
    use core::pin::Pin;
    use core::task::{Context, Poll};

    struct Ready(u32);
    test_pool!(Ready);
    impl Future for Ready {
        type Output = u32;
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
            Poll::Ready(self.0)
        }
    }
    let mut cx = Context::from_waker(core::task::Waker::noop());
    let mut unpin = PoolBox::new(Ready(1));
    assert_eq!(Pin::new(&mut unpin).poll(&mut cx), Poll::Ready(1));
    let mut pinned = PoolBox::pin(Ready(2));
    assert_eq!(pinned.as_mut().poll(&mut cx), Poll::Ready(2));
}

// --- scrubbing and checks -------------------------------------------------------------------

struct Secret(#[allow(dead_code)] [u8; 64]);
test_pool!(Secret, crate::__private::Options::DEFAULT.zeroize());

struct Plain64([u8; 64]);
test_pool!(Plain64);

#[test]
fn freed_objects_are_zeroed_or_poisoned() {
    let b = PoolBox::new(Secret([0xAA; 64]));
    let p = PoolBox::into_raw(b).cast::<u8>();
    // SAFETY: `p` comes from into_raw of this pool, once.
    drop(unsafe { PoolBox::<Secret>::from_raw(p.cast()) });
    // The slot stays allocated memory of the pool: reading its bytes is defined. The pool keeps
    // nothing in a free slot (free slots are listed in magazines), so every byte is erased.
    // SAFETY: inside a slot of a chunk that is never freed.
    let bytes = unsafe { core::slice::from_raw_parts(p, 64) };
    assert!(
        bytes.iter().all(|&b| b == 0),
        "zeroize pools erase what they held"
    );

    let b = PoolBox::new(Plain64([0xAA; 64]));
    assert_eq!(b.0[63], 0xAA);
    let p = PoolBox::into_raw(b).cast::<u8>();
    // SAFETY: as above.
    drop(unsafe { PoolBox::<Plain64>::from_raw(p.cast()) });
    // SAFETY: as above.
    let bytes = unsafe { core::slice::from_raw_parts(p, 64) };
    let expected = if cfg!(debug_assertions) { 0xDB } else { 0xAA };
    assert!(
        bytes.iter().all(|&b| b == expected),
        "debug builds poison freed slots"
    );
}

#[test]
#[cfg(debug_assertions)]
fn from_raw_of_a_pointer_of_another_pool_is_caught_in_debug_builds() {
    let mut elsewhere = Box::new(Small(1));
    let p: *mut Small = &mut *elsewhere;
    // SAFETY: none: this is the misuse the debug check catches before anything is done with it.
    let r = std::panic::catch_unwind(|| unsafe { PoolBox::<Small>::from_raw(p) });
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.contains("not an object of the pool"), "{msg}");
}

#[derive(Debug)]
struct Peaked(#[allow(dead_code)] u64);
test_pool!(Peaked);

#[derive(Debug)]
struct PeakRead(#[allow(dead_code)] u64);
test_pool!(PeakRead);

/// Takes five fresh slots of `P` on a new thread and runs `check` while that thread holds
/// them; the thread exits after `check`. The first take refills the thread's cache with a run
/// of fresh slots (a fold, with nothing to fold yet), the next four come from that run without
/// one.
fn five_fresh_on_a_thread<P: crate::Pool<Item = P>>(make: fn(u64) -> P, check: impl FnOnce()) {
    let (took, done) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
    thread::scope(|s| {
        let holder = s.spawn(|| {
            let boxes: Vec<PoolBox<P>> = (0..5).map(|i| PoolBox::new(make(i))).collect();
            took.wait();
            done.wait();
            drop(boxes);
        });
        took.wait();
        // The other thread waits for this one: release it before a failed check unwinds.
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check));
        done.wait();
        // A join waits for the thread's TLS destructors (its caches' flush); the end of the
        // scope only for its closure.
        holder.join().unwrap();
        if let Err(panic) = checked {
            std::panic::resume_unwind(panic);
        }
    });
}

#[test]
fn a_cache_keeps_its_peak_until_it_folds() {
    use crate::Pool;
    let folded_high = || Peaked::__depot().stats().folded().high_water;
    five_fresh_on_a_thread(Peaked, || {
        // The pool's shared counter was not written at each fresh slot (see
        // `LocalCache::note_peak`).
        assert!(
            folded_high() < 5,
            "each fresh slot wrote the pool's counter"
        );
    });
    // The thread's exit folded its counters, its peak with them (no `pool_stats` call came
    // in between).
    assert_eq!(folded_high(), 5);
}

#[test]
fn pool_stats_reads_the_peaks_the_caches_keep() {
    use crate::Pool;
    five_fresh_on_a_thread(PeakRead, || {
        assert!(PeakRead::__depot().stats().folded().high_water < 5);
        let s = PeakRead::pool_stats();
        assert_eq!(
            (s.live, s.high_water),
            (5, 5),
            "the peak is in the other thread's cache"
        );
    });
    assert_eq!(PeakRead::pool_stats().high_water, 5);
}

/// Pools of M = 16 for the exchange tests (one each: the tests run at once, and each counts
/// its pool's exchanges); runs of a few magazines stay short under Miri.
#[derive(Debug)]
#[expect(dead_code, reason = "an id per object, never read")]
struct Runner(u64);
test_pool!(Runner, crate::__private::Options::DEFAULT.cache(16));

#[derive(Debug)]
#[expect(dead_code, reason = "an id per object, never read")]
struct Oscillator(u64);
test_pool!(Oscillator, crate::__private::Options::DEFAULT.cache(16));

/// Magazine exchanges of `P`'s depot so far.
fn exchanges<P: crate::Pool>() -> usize {
    P::__depot().events()
}

/// The free slots this thread's cache of `P` holds.
fn held<P: crate::Pool>() -> usize {
    P::__cache().with(|c| c.held())
}

#[test]
fn a_run_at_full_size_moves_two_magazines_per_depot_visit() {
    thread::spawn(|| {
        const M: usize = 16;
        const N: usize = 10 * M;
        let round_trip = || {
            let live: Vec<PoolBox<Runner>> =
                (0..N as u64).map(|i| PoolBox::new(Runner(i))).collect();
            drop(live);
        };
        // Grows the cache to M and the pool to N slots.
        round_trip();
        round_trip();
        let before = exchanges::<Runner>();
        round_trip();
        let visits = exchanges::<Runner>() - before;
        if crate::CHECKING_MODE {
            return;
        }
        // Each way, N - 2M slots pass through the depot (the cache holds 2M): one magazine
        // per visit would take (N - 2M) / M = 8 visits, so 16 per round trip. Two per visit
        // after the first of each direction: at most 1 + 4 each way.
        assert!(
            visits <= 10,
            "{visits} depot visits for a round trip of {N}"
        );
        assert!(visits >= 4, "{visits}: the depot is visited at all");
        let s = Runner::pool_stats();
        assert_eq!(s.live, 0);
        assert_eq!(s.allocated + s.reused, 3 * N);
    })
    .join()
    .unwrap();
}

#[test]
fn takes_and_gives_back_alternating_after_a_double_exchange_stay_off_the_depot() {
    thread::spawn(|| {
        if crate::CHECKING_MODE {
            return;
        }
        // Takes a run at M, then gives it back until a give back empties both arrays into
        // the depot (the cache holds the one slot given back after it).
        let mut live: Vec<PoolBox<Oscillator>> =
            (0..200u64).map(|i| PoolBox::new(Oscillator(i))).collect();
        let mut emptied = false;
        while let Some(b) = live.pop() {
            let before = exchanges::<Oscillator>();
            drop(b);
            if exchanges::<Oscillator>() > before && held::<Oscillator>() == 1 {
                emptied = true;
                break;
            }
        }
        assert!(
            emptied,
            "a run of gives back at M ends in a double exchange"
        );
        // Now two takes and two gives back, over and over, around that point: after at most
        // one exchange the cache swaps its two arrays instead of visiting the depot (an
        // ungated double exchange would visit it every other pair of operations).
        let before = exchanges::<Oscillator>();
        for i in 0..500u64 {
            live.push(PoolBox::new(Oscillator(i)));
            live.push(PoolBox::new(Oscillator(i)));
            live.pop();
            live.pop();
        }
        let visits = exchanges::<Oscillator>() - before;
        assert!(
            visits <= 2,
            "{visits} depot visits for 2,000 alternating operations"
        );
        drop(live);
        assert_eq!(Oscillator::pool_stats().live, 0);
    })
    .join()
    .unwrap();
}

/// `in_register` hands the hot paths the cache itself: the same address, from a
/// `thread_local!` as from anywhere (the `asm!` that hides the address from LLVM changes no
/// value).
#[test]
fn a_cache_reached_through_a_register_is_the_cache() {
    std::thread_local! {
        static CACHE: crate::__private::LocalCache =
            const { crate::__private::LocalCache::new() };
    }
    CACHE.with(|cache| assert!(core::ptr::eq(cache.in_register(), cache)));
    let local = crate::__private::LocalCache::new();
    assert!(core::ptr::eq(local.in_register(), &local));
}
