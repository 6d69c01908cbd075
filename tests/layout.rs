//! Sizes and alignments: zero-sized types take no memory, page alignment is honoured, and a box
//! is one pointer wide.

use std::mem::{align_of, size_of};

use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled, Debug, PartialEq, Clone, Copy)]
struct Marker;

#[test]
fn zero_sized_types_take_no_memory() {
    let boxes: Vec<_> = (0..1000).map(|_| PoolBox::new(Marker)).collect();
    assert!(boxes.iter().all(|b| **b == Marker));
    let s = Marker::pool_stats();
    assert_eq!((s.live, s.capacity, s.reserved_bytes), (1000, 0, 0));
    drop(boxes);
    assert_eq!(Marker::pool_stats().live, 0);
}

#[derive(Pooled)]
#[repr(align(4096))]
struct Aligned {
    first: u8,
    last: u8,
}

#[test]
fn alignment_of_a_page_is_honoured() {
    assert_eq!(align_of::<Aligned>(), 4096);
    let boxes: Vec<_> = (0..40)
        .map(|i| PoolBox::new(Aligned { first: i, last: !i }))
        .collect();
    for (i, b) in boxes.iter().enumerate() {
        assert_eq!(PoolBox::as_ptr(b) as usize % 4096, 0);
        assert_eq!((b.first, b.last), (i as u8, !(i as u8)));
    }
    let s = Aligned::pool_stats();
    assert_eq!(s.reserved_bytes, s.capacity * 4096);
}

#[derive(Pooled)]
#[repr(align(64))]
struct CacheLine([u8; 65]);

#[test]
fn odd_sizes_are_padded_to_their_alignment() {
    let a = PoolBox::new(CacheLine([1; 65]));
    let b = PoolBox::new(CacheLine([2; 65]));
    assert_eq!(PoolBox::as_ptr(&a) as usize % 64, 0);
    assert_eq!(PoolBox::as_ptr(&b) as usize % 64, 0);
    assert_eq!((a.0[64], b.0[64]), (1, 2));
}

#[derive(Pooled)]
struct Byte(u8);

#[test]
fn a_box_and_an_optional_box_are_one_pointer_wide() {
    assert_eq!(size_of::<PoolBox<Byte>>(), size_of::<usize>());
    assert_eq!(size_of::<Option<PoolBox<Byte>>>(), size_of::<usize>());
    assert_eq!(size_of::<PoolBox<Marker>>(), size_of::<usize>());
    let b = PoolBox::new(Byte(3));
    assert_eq!(b.0, 3);
    assert_eq!(Byte::pool_stats().reserved_bytes % size_of::<usize>(), 0);
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn send_and_sync_follow_the_value() {
    assert_send_sync::<PoolBox<Byte>>();
    // The negative cases are compile-fail tests (tests/ui/not-send.rs).
}
