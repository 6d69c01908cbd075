//! `PoolArc<T>`: a pooled `Arc`. The last owner's drop runs `T`'s `Drop` once and gives the
//! counted slot back, on whichever thread it happens; the `Arc` API behaves as `Arc`'s.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Barrier;

use zokio_pool::{PoolArc, PoolBox, Pooled, CHECKING_MODE};

#[derive(Pooled, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Clone)]
struct Tracked(u64);

#[test]
fn the_last_of_many_handles_on_many_threads_drops_the_value_once() {
    // A type, a pool and a drop counter of this test's own: the other tests of this file run
    // at the same time, and a shared counter or pool counts their values too.
    static OWN_DROPS: AtomicUsize = AtomicUsize::new(0);
    #[derive(Pooled)]
    struct Counted(u64);
    impl Drop for Counted {
        fn drop(&mut self) {
            OWN_DROPS.fetch_add(1, SeqCst);
        }
    }

    let a = PoolArc::new(Counted(1));
    let barrier = Barrier::new(4);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let c = a.clone();
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                for _ in 0..100 {
                    let d = c.clone();
                    assert_eq!(d.0, 1);
                }
                drop(c);
            });
        }
    });
    assert_eq!(PoolArc::strong_count(&a), 1);
    assert_eq!(
        OWN_DROPS.load(SeqCst),
        0,
        "not dropped while a handle is left"
    );
    drop(a);
    assert_eq!(OWN_DROPS.load(SeqCst), 1, "dropped exactly once");
    assert_eq!(PoolArc::<Counted>::pool_stats().live, 0);
}

#[test]
fn into_inner_on_racing_threads_gives_the_value_to_exactly_one() {
    for _ in 0..20 {
        let a = PoolArc::new(Tracked(7));
        let b = a.clone();
        let got = std::thread::scope(|s| {
            let t = s.spawn(move || PoolArc::into_inner(b).is_some());
            let here = PoolArc::into_inner(a).is_some();
            usize::from(here) + usize::from(t.join().unwrap())
        });
        assert_eq!(got, 1);
    }
}

#[test]
fn the_arc_api_behaves_as_arcs() {
    let mut a = PoolArc::new(Tracked(1));
    PoolArc::get_mut(&mut a).unwrap().0 = 2;
    let b = PoolArc::clone(&a);
    assert!(PoolArc::ptr_eq(&a, &b) && PoolArc::get_mut(&mut a).is_none());
    PoolArc::make_mut(&mut a).0 = 3; // clones into a new slot: `b` keeps 2
    assert!(!PoolArc::ptr_eq(&a, &b));
    assert_eq!((a.0, b.0), (3, 2));
    assert!(a > b && a != b);
    let b = PoolArc::try_unwrap(b).unwrap();
    assert_eq!(b, Tracked(2));
    let c = a.clone();
    let a = PoolArc::try_unwrap(a).unwrap_err();
    drop(c);
    assert_eq!(PoolArc::into_inner(a), Some(Tracked(3)));
    assert_eq!(
        std::mem::size_of::<Option<PoolArc<Tracked>>>(),
        std::mem::size_of::<usize>()
    );
    assert_eq!(format!("{:?}", PoolArc::new(Tracked(4))), "Tracked(4)");
}

#[test]
fn a_box_becomes_an_arc_and_its_slot_goes_back() {
    let b = PoolBox::new(Tracked(9));
    let a: PoolArc<Tracked> = b.into();
    assert_eq!(a.0, 9);
    assert_eq!(Tracked::pool_stats().live, 0, "the box's slot went back");
    let same: PoolArc<Tracked> = Tracked(9).into();
    assert_eq!(a, same);
}

zokio_pool::pool!(Frames: [u8; 256], max = 1);

#[test]
fn a_named_pool_has_counted_slots_too_and_they_are_reused() {
    let f = PoolArc::new_in([3; 256], Frames);
    let first = &*f as *const [u8; 256] as usize;
    let g = f.clone();
    drop(f);
    drop(g);
    let h = PoolArc::new_in([4; 256], Frames);
    if !CHECKING_MODE {
        assert_eq!(
            &*h as *const [u8; 256] as usize, first,
            "the slot was reused"
        );
    }
    // The counted pool is not the named pool: its `max` limits boxes only.
    let k = PoolArc::new_in([5; 256], Frames);
    let b = Frames::new([6; 256]);
    assert_eq!(h[0] + k[0] + b[0], 15);
}

#[derive(Pooled)]
struct Bomb(#[allow(dead_code)] u8);

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("boom");
    }
}

#[test]
fn a_panicking_drop_of_the_last_handle_still_gives_the_slot_back() {
    let a = PoolArc::new(Bomb(1));
    assert!(catch_unwind(AssertUnwindSafe(|| drop(a))).is_err());
    assert_eq!(PoolArc::<Bomb>::pool_stats().live, 0);
}

#[derive(Pooled, Debug)]
#[pool(zeroize)]
struct Secret([u8; 32]);

zokio_pool::pool!(Secrets: [u8; 32], zeroize);

#[test]
fn a_zeroize_pools_counted_slots_are_erased_too() {
    const { assert!(<zokio_pool::__private::Counted<Secret> as zokio_pool::Pool>::__CONFIG.zeroize) };
    const { assert!(<zokio_pool::__private::Counted<Secrets> as zokio_pool::Pool>::__CONFIG.zeroize) };
    // Dropped by the last handle, moved out by `into_inner`, and moved in from a box: each
    // leaves the counted slot zeroed, as a box's slot is.
    let dropped = PoolArc::new(Secret([7; 32]));
    let moved = PoolArc::new(Secret([8; 32]));
    let boxed = PoolArc::from(PoolBox::new(Secret([9; 32])));
    let named = PoolArc::new_in([6; 32], Secrets);
    // Raw pointers with the slots' provenance (not made from references, which end with the
    // values).
    let places: Vec<*const u8> = [&dropped, &moved, &boxed]
        .iter()
        .map(|a| PoolArc::as_ptr(a).cast::<u8>())
        .chain([PoolArc::as_ptr(&named).cast::<u8>()])
        .collect();
    drop(dropped);
    assert_eq!(PoolArc::into_inner(moved).map(|s| s.0), Some([8; 32]));
    drop(boxed);
    drop(named);
    // Under ASan (`--cfg zokio_pool_asan`) the freed bytes are poisoned: reading them is the
    // use-after-poison ASan must report, so the check is left to the other builds.
    if !CHECKING_MODE && !cfg!(zokio_pool_asan) {
        for p in places {
            // SAFETY: inside a counted slot of a chunk that is never freed.
            let bytes = unsafe { core::slice::from_raw_parts(p, 32) };
            assert!(bytes.iter().all(|&b| b == 0), "{bytes:?}");
        }
    }
}

#[derive(Pooled, Debug)]
struct Frame([u64; 8]);

#[test]
fn an_uninit_box_written_then_shared_becomes_an_arc() {
    let mut b = PoolBox::<Frame>::new_uninit();
    b.write(Frame([3; 8]));
    // A box of `MaybeUninit<Frame>` still: its `PoolArc` takes a counted slot of `Frame`'s pool.
    let shared: PoolArc<_, _> = PoolArc::from(b);
    // SAFETY: written above.
    assert_eq!(unsafe { shared.assume_init_ref() }.0, [3; 8]);
    let again = PoolArc::clone(&shared);
    assert_eq!(PoolArc::strong_count(&again), 2);
    drop((shared, again));
}
