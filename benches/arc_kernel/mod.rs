//! The work of one shared-handle operation, for every contender: make a handle to a 64 B object
//! whose first word is the loop counter, clone it, hand both to `black_box`, drop both. What a
//! task that shares a message with one other owner does. `benches/arc.rs` runs it with the
//! system allocator as the global allocator, `benches/arc_mimalloc.rs` with mimalloc.

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

/// One group with the three contenders; `allocator` names the global allocator in the names.
pub fn bench(c: &mut Criterion, allocator: &str) {
    let mut g = c.benchmark_group(format!("arc_new_clone_drop/{allocator}"));
    g.throughput(Throughput::Elements(1));
    let mut i = 0u64;
    g.bench_function("PoolArc", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let a = PoolArc::new(Message::new(i));
            let c = PoolArc::clone(&a);
            black_box((&a, &c));
        })
    });
    g.bench_function("std Arc", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let a = Arc::new(Message::new(i));
            let c = Arc::clone(&a);
            black_box((&a, &c));
        })
    });
    g.bench_function("triomphe Arc", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let a = triomphe::Arc::new(Message::new(i));
            let c = triomphe::Arc::clone(&a);
            black_box((&a, &c));
        })
    });
    g.finish();
}
