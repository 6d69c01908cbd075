//! With the `serde` feature, a `PoolBox` serializes as its value and deserializes into a slot
//! of its pool; a pool at its `max` refuses with an error, not a panic.

use serde::{Deserialize, Serialize};
use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled, Serialize, Deserialize, Debug, PartialEq)]
#[pool(max = 2)]
struct Point {
    x: i32,
    y: i32,
}

zokio_pool::pool!(Names: String);

#[test]
fn a_box_round_trips_through_json() {
    let p = PoolBox::new(Point { x: 1, y: -2 });
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, r#"{"x":1,"y":-2}"#);
    let back: PoolBox<Point> = serde_json::from_str(&json).unwrap();
    assert_eq!(*back, *p);
    assert_eq!(Point::pool_stats().live, 2);

    let name: PoolBox<String, Names> = serde_json::from_str(r#""zokio""#).unwrap();
    assert_eq!(name.as_str(), "zokio");
    assert_eq!(serde_json::to_string(&name).unwrap(), r#""zokio""#);
}

#[test]
fn a_full_pool_refuses_to_deserialize_with_an_error() {
    #[derive(Pooled, Deserialize, Debug)]
    #[pool(max = 1)]
    struct Only(#[allow(dead_code)] u8);

    let first: PoolBox<Only> = serde_json::from_str("1").unwrap();
    let err = serde_json::from_str::<PoolBox<Only>>("2").unwrap_err();
    assert!(err.to_string().contains("at its limit of 1"), "{err}");
    drop(first);
    assert!(serde_json::from_str::<PoolBox<Only>>("3").is_ok());
}

#[test]
fn an_arc_round_trips_through_json() {
    use zokio_pool::PoolArc;
    let a = PoolArc::new(Point { x: 3, y: 4 });
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(json, r#"{"x":3,"y":4}"#);
    let back: PoolArc<Point> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
}
