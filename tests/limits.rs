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
