//! `#[pool(max = N)]`: a hard limit that never loses a value.

use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled, Debug, PartialEq)]
#[pool(max = 8, prealloc = 4, chunk = 3)]
struct Conn(u32);

#[test]
fn a_pool_at_its_max_gives_the_value_back_and_recovers() {
    let boxes: Vec<_> = (0..8).map(|i| PoolBox::try_new(Conn(i)).unwrap()).collect();
    let s = Conn::pool_stats();
    assert_eq!(
        (s.live, s.capacity),
        (8, 8),
        "chunks stop at the limit: {s:?}"
    );

    assert_eq!(PoolBox::try_new(Conn(100)).unwrap_err(), Conn(100));
    let f = PoolBox::try_new_with(|| Conn(101)).expect_err("the closure comes back uncalled");
    assert_eq!(f(), Conn(101));
    assert!(PoolBox::<Conn>::try_new_uninit().is_none());

    let err = std::panic::catch_unwind(|| PoolBox::new(Conn(102))).unwrap_err();
    let msg = err.downcast_ref::<String>().expect("a formatted message");
    assert!(
        msg.contains("Conn") && msg.contains("limit of 8") && msg.contains("try_new"),
        "{msg}"
    );
    assert_eq!(
        Conn::pool_stats().live,
        8,
        "a failed allocation takes nothing"
    );

    drop(boxes);
    let again: Vec<_> = (0..8).map(|i| PoolBox::try_new(Conn(i)).unwrap()).collect();
    assert_eq!(Conn::pool_stats().capacity, 8);
    assert_eq!(again.len(), 8);
}

#[derive(Pooled, Debug, PartialEq)]
#[pool(max = 2)]
struct Token;

#[test]
fn zero_sized_types_respect_max_too() {
    let a = PoolBox::try_new(Token).unwrap();
    let b = PoolBox::try_new(Token).unwrap();
    assert_eq!(PoolBox::try_new(Token).unwrap_err(), Token);
    drop(a);
    let c = PoolBox::try_new(Token).unwrap();
    assert_eq!(Token::pool_stats().live, 2);
    drop((b, c));
}

mod live_limit {
    //! `max` limits live objects, wherever the free slots are.

    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{mpsc, Arc, Barrier};
    use std::thread;

    use zokio_pool::{PoolBox, Pooled, CHECKING_MODE};

    #[derive(Pooled, Debug)]
    #[pool(max = 1000)]
    struct Idle(#[allow(dead_code)] u64);

    #[test]
    fn slots_freed_on_a_thread_that_stays_alive_are_not_lost_to_max() {
        let (wake, parked) = mpsc::channel::<()>();
        let (freed, all_freed) = mpsc::channel::<()>();
        let idle = thread::spawn(move || {
            let all: Vec<_> = (0..1000)
                .map(|i| PoolBox::try_new(Idle(i)).expect("under max"))
                .collect();
            drop(all);
            freed.send(()).unwrap();
            parked.recv().unwrap(); // alive and idle, as a server's worker
        });
        all_freed.recv().unwrap();

        let mine: Vec<_> = (0..1000)
            .map_while(|i| PoolBox::try_new(Idle(i)).ok())
            .collect();
        assert_eq!(
            mine.len(),
            1000,
            "no object is live, so all of max is there"
        );
        assert!(PoolBox::try_new(Idle(0)).is_err(), "and not one more");
        let s = Idle::pool_stats();
        if !CHECKING_MODE {
            // The slots the idle thread caches (2M = 512) may be reserved a second time.
            assert!(s.capacity <= 1000 + 512, "{s:?}");
        }
        drop(mine);
        wake.send(()).unwrap();
        idle.join().unwrap();
    }

    #[derive(Pooled)]
    #[pool(max = 100, cache = 4)]
    struct Ticket(#[allow(dead_code)] u64);

    #[test]
    fn threads_racing_for_the_last_slots_get_exactly_max_of_them() {
        let barrier = Arc::new(Barrier::new(4));
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let barrier = barrier.clone();
                thread::spawn(move || {
                    barrier.wait();
                    let mine: Vec<_> = (0..)
                        .map_while(|i| PoolBox::try_new(Ticket(i)).ok())
                        .collect();
                    let got = mine.len();
                    barrier.wait(); // every thread holds its boxes until all have failed once
                    drop(mine);
                    got
                })
            })
            .collect();
        let got: usize = racers.into_iter().map(|r| r.join().unwrap()).sum();
        assert_eq!(got, 100);
    }

    #[derive(Pooled)]
    #[pool(max = 16, cache = 2)]
    struct Churn(#[allow(dead_code)] u64);

    #[test]
    fn live_objects_never_exceed_max_while_threads_churn() {
        let held = Arc::new(AtomicUsize::new(0));
        let rounds = if cfg!(miri) { 20 } else { 2000 };
        let churners: Vec<_> = (0..3)
            .map(|t| {
                let held = held.clone();
                thread::spawn(move || {
                    let mut mine = Vec::new();
                    for i in 0..rounds {
                        // Counted after the take and before the drop, so `held` never
                        // exceeds the true number of live objects.
                        if let Ok(b) = PoolBox::try_new(Churn(i)) {
                            assert!(held.fetch_add(1, SeqCst) < 16, "more than max live");
                            mine.push(b);
                        }
                        if mine.len() > 3 + t || (i % 7 == 0 && !mine.is_empty()) {
                            held.fetch_sub(1, SeqCst);
                            mine.pop();
                        }
                    }
                    held.fetch_sub(mine.len(), SeqCst);
                })
            })
            .collect();
        for c in churners {
            c.join().unwrap();
        }
        assert_eq!(Churn::pool_stats().live, 0);
    }
}

mod clone_from_and_locations {
    //! `clone_from` reuses the box's slot, and a constructor that panics at `max` blames its
    //! caller.

    use std::cell::RefCell;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::Once;

    use zokio_pool::{PoolBox, Pooled};

    #[derive(Pooled, Clone, Debug, PartialEq, Default)]
    #[pool(max = 2)]
    struct Pair(u64);

    #[test]
    fn clone_from_in_a_full_pool_clones_in_place() {
        let mut a = PoolBox::new(Pair(1));
        let b = PoolBox::new(Pair(2));
        let slot = PoolBox::as_ptr(&a);
        a.clone_from(&b);
        assert_eq!(*a, Pair(2));
        assert_eq!(PoolBox::as_ptr(&a), slot, "the object stays in its slot");
        assert_eq!(Pair::pool_stats().live, 2);
    }

    #[derive(Pooled, Clone, Debug, PartialEq, Default)]
    #[pool(max = 1)]
    struct One(u64);

    #[derive(Pooled, Default)]
    #[pool(recycle, max = 1)]
    struct Kept(Vec<u8>);

    zokio_pool::pool!(Single: u32, max = 1);
    zokio_pool::pool!(SingleKept: Vec<u8>, recycle, max = 1);

    thread_local! {
        static WHERE: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// The file of the location `f`'s panic reports.
    fn panic_file(f: impl FnOnce()) -> String {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let report = panic::take_hook();
            panic::set_hook(Box::new(move |info| {
                // Other tests' panics are reported as usual.
                if WHERE.with(|w| w.borrow().is_none()) {
                    return report(info);
                }
                let file = info
                    .location()
                    .map_or(String::new(), |l| l.file().to_owned());
                WHERE.with(|w| *w.borrow_mut() = Some(file));
            }));
        });
        WHERE.with(|w| *w.borrow_mut() = Some("(no panic)".to_owned()));
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        let file = WHERE.with(|w| w.borrow_mut().take()).unwrap_or_default();
        assert!(result.is_err(), "no panic");
        file
    }

    #[test]
    fn a_constructor_that_panics_at_max_points_at_its_caller() {
        let here = file!();
        let one = PoolBox::new(One(1));
        assert_eq!(panic_file(|| drop(PoolBox::new(One(2)))), here, "new");
        assert_eq!(
            panic_file(|| drop(PoolBox::new_with(|| One(2)))),
            here,
            "new_with"
        );
        assert_eq!(
            panic_file(|| drop(PoolBox::<One>::new_uninit())),
            here,
            "new_uninit"
        );
        assert_eq!(panic_file(|| drop(PoolBox::pin(One(2)))), here, "pin");
        assert_eq!(panic_file(|| drop(one.clone())), here, "clone");
        assert_eq!(
            panic_file(|| drop(PoolBox::<One>::default())),
            here,
            "default"
        );

        let kept = PoolBox::<Kept>::take();
        assert_eq!(panic_file(|| drop(PoolBox::<Kept>::take())), here, "take");
        drop(kept);

        let single = PoolBox::new_in(1, Single);
        assert_eq!(
            panic_file(|| drop(PoolBox::new_in(2, Single))),
            here,
            "new_in"
        );
        assert_eq!(
            panic_file(|| drop(PoolBox::new_with_in(|| 2, Single))),
            here,
            "new_with_in"
        );
        assert_eq!(
            panic_file(|| drop(PoolBox::new_uninit_in(Single))),
            here,
            "new_uninit_in"
        );
        assert_eq!(
            panic_file(|| drop(PoolBox::pin_in(2, Single))),
            here,
            "pin_in"
        );
        assert_eq!(panic_file(|| drop(Single::new(2))), here, "pool!'s new");
        drop(single);

        let kept = PoolBox::take_in(SingleKept);
        assert_eq!(
            panic_file(|| drop(PoolBox::take_in(SingleKept))),
            here,
            "take_in"
        );
        assert_eq!(
            panic_file(|| drop(SingleKept::take())),
            here,
            "pool!'s take"
        );
        drop((kept, one));
    }
}
