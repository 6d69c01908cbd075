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
