//! What `Box<T>` does, `PoolBox<T>` does: conversions, zeroed slots, `NonNull`, and the traits
//! a box forwards to its value (iterators, I/O, `fmt::Write`, `Error`, `Hasher`), and
//! comparisons between boxes of two pools of one type.

use std::collections::hash_map::DefaultHasher;
use std::error::Error;
use std::fmt::{self, Write as _};
use std::hash::Hasher;
use std::io::{BufRead, Cursor, Read, Seek, SeekFrom, Write};

use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled, Debug, PartialEq, PartialOrd)]
struct Id(u64);

zokio_pool::pool!(Ids: Id);
zokio_pool::pool!(MoreIds: Id);

#[test]
fn a_value_converts_into_a_box() {
    let b: PoolBox<Id> = Id(3).into();
    assert_eq!(b.0, 3);
    let c = PoolBox::from(Id(4));
    assert!(b < c);
}

#[test]
fn boxes_of_two_pools_of_one_type_compare_by_value() {
    let a = PoolBox::new(Id(1));
    let b = Ids::new(Id(1));
    let c = MoreIds::new(Id(2));
    assert_eq!(a, b); // PoolBox<Id> == PoolBox<Id, Ids>
    assert_eq!(b, a); // and the other way
    assert_ne!(b, c);
    assert!(a < c && c > b);
    assert_eq!(b.partial_cmp(&c), Some(std::cmp::Ordering::Less));
}

#[derive(Pooled)]
struct Counters([u32; 64]);

zokio_pool::pool!(Blocks: [u64; 32]);

#[test]
fn a_zeroed_slot_is_all_zero_even_after_reuse() {
    drop(PoolBox::new(Counters([7; 64]))); // the next slot held sevens
    let z = PoolBox::<Counters>::new_zeroed();
    // SAFETY: integers are valid when zeroed.
    let z = unsafe { PoolBox::assume_init(z) };
    assert!(z.0.iter().all(|&c| c == 0));
    drop(Blocks::new([9; 32]));
    let z = PoolBox::new_zeroed_in(Blocks);
    // SAFETY: as above.
    let z = unsafe { PoolBox::assume_init(z) };
    assert_eq!(*z, [0; 32]);
}

#[test]
fn a_box_goes_through_non_null_and_back() {
    let ptr = PoolBox::into_non_null(PoolBox::new(Id(5)));
    assert!(Id::pool_stats().live >= 1);
    // SAFETY: `ptr` came from `into_non_null` of a `PoolBox<Id>`, taken back once.
    let b = unsafe { PoolBox::<Id>::from_non_null(ptr) };
    assert_eq!(*b, Id(5));
}

/// An iterator of our own, double-ended and of known length.
#[derive(Pooled)]
struct Countdown {
    from: u32,
    to: u32,
}

impl Iterator for Countdown {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        (self.from > self.to).then(|| {
            self.from -= 1;
            self.from + 1
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.from - self.to) as usize;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Countdown {
    fn next_back(&mut self) -> Option<u32> {
        (self.from > self.to).then(|| {
            self.to += 1;
            self.to
        })
    }
}

impl ExactSizeIterator for Countdown {}
impl std::iter::FusedIterator for Countdown {}

#[test]
fn a_boxed_iterator_iterates_both_ways() {
    let mut it = PoolBox::new(Countdown { from: 5, to: 0 });
    assert_eq!(it.len(), 5);
    assert_eq!(it.next(), Some(5));
    assert_eq!(it.next_back(), Some(1));
    assert_eq!(it.nth(1), Some(3));
    let rest: Vec<u32> = it.by_ref().collect();
    assert_eq!(rest, [2]);
    assert_eq!(it.next(), None);
    fn fused<I: std::iter::FusedIterator>(_: &I) {}
    fused(&it);
}

zokio_pool::pool!(Cursors: Cursor<Vec<u8>>);
zokio_pool::pool!(Texts: String);

#[test]
fn a_boxed_reader_writer_seeks_reads_and_writes() {
    let mut c = Cursors::new(Cursor::new(Vec::new()));
    c.write_all(b"line one\nline two\n").unwrap();
    write!(c, "{}", 3).unwrap();
    c.flush().unwrap();
    assert_eq!(c.stream_position().unwrap(), 19);
    c.seek(SeekFrom::Start(0)).unwrap();
    let mut line = String::new();
    c.read_line(&mut line).unwrap();
    assert_eq!(line, "line one\n");
    let mut rest = String::new();
    c.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "line two\n3");
    c.seek(SeekFrom::Start(5)).unwrap();
    let mut three = [0; 3];
    c.read_exact(&mut three).unwrap();
    assert_eq!(&three, b"one");
    assert!(c.fill_buf().unwrap().starts_with(b"\nline"));
}

#[test]
fn a_boxed_string_is_a_fmt_sink() {
    let mut s = Texts::new(String::new());
    write!(s, "{}-{}", 1, 2).unwrap();
    s.write_char('!').unwrap();
    assert_eq!(s.as_str(), "1-2!");
}

#[derive(Pooled, Debug)]
struct Wrapped {
    cause: std::num::ParseIntError,
}

impl fmt::Display for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not read the count")
    }
}

impl Error for Wrapped {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.cause)
    }
}

#[test]
fn a_boxed_error_is_an_error_with_its_source() {
    let cause = "x".parse::<u32>().unwrap_err();
    let e = PoolBox::new(Wrapped { cause });
    let e: &dyn Error = &e;
    assert_eq!(e.to_string(), "could not read the count");
    assert!(e.source().unwrap().to_string().contains("invalid digit"));
}

zokio_pool::pool!(Hashers: DefaultHasher);

#[test]
fn a_boxed_hasher_hashes_as_its_value() {
    let mut boxed = Hashers::new(DefaultHasher::new());
    let mut plain = DefaultHasher::new();
    for h in [&mut boxed as &mut dyn Hasher, &mut plain] {
        h.write_u32(7);
        h.write(b"bytes");
    }
    boxed.write_u64(1);
    plain.write_u64(1);
    assert_eq!(boxed.finish(), plain.finish());
}
