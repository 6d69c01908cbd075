//! Panics in user code (`T::drop`, a `new_with` constructor) lose no slot and corrupt nothing;
//! a `T::drop` that drops boxes of the same pool works.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use zokio_pool::{PoolBox, Pooled, CHECKING_MODE};

static DROPS: AtomicUsize = AtomicUsize::new(0);

#[derive(Pooled)]
struct Fragile {
    panic_on_drop: bool,
    _guard: Counted,
}

struct Counted;
impl Drop for Counted {
    fn drop(&mut self) {
        DROPS.fetch_add(1, SeqCst);
    }
}

impl Drop for Fragile {
    fn drop(&mut self) {
        if self.panic_on_drop {
            panic!("Fragile::drop");
        }
    }
}

#[test]
fn a_panicking_drop_still_gives_the_slot_back() {
    let b = PoolBox::new(Fragile {
        panic_on_drop: true,
        _guard: Counted,
    });
    let at = PoolBox::as_ptr(&b);
    assert!(catch_unwind(AssertUnwindSafe(|| drop(b))).is_err());
    assert_eq!(DROPS.load(SeqCst), 1, "the fields were still dropped");
    assert_eq!(Fragile::pool_stats().live, 0);
    let c = PoolBox::new(Fragile {
        panic_on_drop: false,
        _guard: Counted,
    });
    if !CHECKING_MODE {
        assert_eq!(PoolBox::as_ptr(&c), at, "the same slot is reused");
    }
}

#[derive(Pooled)]
struct Built(#[allow(dead_code)] u64);

#[test]
fn a_panicking_constructor_gives_the_slot_back() {
    for _ in 0..100 {
        let r = catch_unwind(|| PoolBox::<Built>::new_with(|| panic!("constructor")));
        assert!(r.is_err());
    }
    let s = Built::pool_stats();
    if CHECKING_MODE {
        assert_eq!((s.live, s.allocated), (0, 100), "{s:?}");
    } else {
        assert_eq!((s.live, s.allocated, s.reused), (0, 1, 99), "{s:?}");
    }
}

#[derive(Pooled)]
#[pool(cache = 4)]
struct Node {
    value: u32,
    next: Option<PoolBox<Node>>,
}

#[test]
fn a_pooled_linked_list_drops_through_its_own_pool() {
    let mut head = None;
    for value in 0..1000 {
        head = Some(PoolBox::new(Node { value, next: head }));
    }
    let mut sum = 0;
    let mut cur = head.as_deref();
    while let Some(n) = cur {
        sum += n.value;
        cur = n.next.as_deref();
    }
    assert_eq!(sum, 999 * 1000 / 2);
    // Iterative drop, so the test does not depend on stack depth; each drop re-enters the pool.
    while let Some(mut n) = head {
        head = n.next.take();
    }
    assert_eq!(Node::pool_stats().live, 0);
    // A recursive drop of a shorter list (Node::drop -> PoolBox<Node>::drop -> ...) works too.
    let mut list = None;
    for value in 0..100 {
        list = Some(PoolBox::new(Node { value, next: list }));
    }
    drop(list);
    let s = Node::pool_stats();
    let expected = if CHECKING_MODE { 1100 } else { 1000 };
    assert_eq!((s.live, s.allocated), (0, expected), "{s:?}");
}
