//! The work of one shared-handle operation, for every contender: make a handle to a 64 B object
//! whose first word is the loop counter, clone it, hand both to `black_box`, drop both. What a
//! task that shares a message with one other owner does. `benches/arc.rs` runs it with the
//! system allocator as the global allocator, `benches/arc_mimalloc.rs` with mimalloc.
//!
//! `ZOKIO_ARC_COUNT="<contender> <n>"` runs a contender's operation `n` times (after 1,000 to
//! warm up) instead of criterion, for instruction counts: callgrind's totals for `n` and for 0,
//! subtracted and divided by `n`, are the instructions of one operation, loop included.
//!
//! ```text
//! ZOKIO_ARC_COUNT="PoolArc 200000" valgrind --tool=callgrind target/release/deps/arc-<hash>
//! ```

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput};
use zokio_pool::{PoolArc, Pooled};

/// The shared object: 64 bytes (written, then handed to `black_box`, not read).
#[derive(Pooled, Clone)]
#[allow(dead_code)]
pub struct Message {
    pub id: u64,
    pub body: [u64; 7],
}

impl Message {
    #[inline(always)]
    fn new(id: u64) -> Self {
        Message { id, body: [0; 7] }
    }
}

#[inline(always)]
fn pool_arc(i: u64) {
    let a = PoolArc::new(Message::new(i));
    let c = PoolArc::clone(&a);
    black_box((&a, &c));
}

#[inline(always)]
fn std_arc(i: u64) {
    let a = Arc::new(Message::new(i));
    let c = Arc::clone(&a);
    black_box((&a, &c));
}

#[inline(always)]
fn triomphe_arc(i: u64) {
    let a = triomphe::Arc::new(Message::new(i));
    let c = triomphe::Arc::clone(&a);
    black_box((&a, &c));
}

/// A contender's name in the benches, and its operation.
type Contender = (&'static str, fn(u64));

/// The contenders.
const CONTENDERS: [Contender; 3] = [
    ("PoolArc", pool_arc),
    ("std Arc", std_arc),
    ("triomphe Arc", triomphe_arc),
];

/// One group with the three contenders; `allocator` names the global allocator in the names.
pub fn bench(c: &mut Criterion, allocator: &str) {
    let mut g = c.benchmark_group(format!("arc_new_clone_drop/{allocator}"));
    g.throughput(Throughput::Elements(1));
    let mut i = 0u64;
    g.bench_function("PoolArc", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            pool_arc(i);
        })
    });
    g.bench_function("std Arc", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            std_arc(i);
        })
    });
    g.bench_function("triomphe Arc", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            triomphe_arc(i);
        })
    });
    g.finish();
}

/// Runs the operation `ZOKIO_ARC_COUNT` names, if it is set (see the module's docs); whether
/// it was.
pub fn count_from_env() -> bool {
    let Ok(spec) = std::env::var("ZOKIO_ARC_COUNT") else {
        return false;
    };
    let (name, n) = spec
        .rsplit_once(' ')
        .expect("ZOKIO_ARC_COUNT=\"<contender> <n>\"");
    let n: u64 = n.parse().expect("ZOKIO_ARC_COUNT: n is a number");
    let Some(&(_, op)) = CONTENDERS.iter().find(|(c, _)| *c == name) else {
        panic!("ZOKIO_ARC_COUNT: no contender {name:?}; one of {CONTENDERS:?}");
    };
    // A function pointer through black_box: the loop cannot be specialised away, and every
    // contender pays the same indirect call.
    let op = black_box(op);
    for i in 0..1_000 {
        op(i);
    }
    for i in 0..n {
        op(i);
    }
    true
}
