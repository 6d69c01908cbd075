//! `PoolArc::new` + clone + drop of both, against `Arc::new` and `triomphe::Arc::new` on the
//! system allocator (glibc's malloc on Linux). `benches/arc_mimalloc.rs` is the same on
//! mimalloc.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "arc_kernel/mod.rs"]
mod arc_kernel;

fn arc(c: &mut Criterion) {
    arc_kernel::bench(c, "glibc");
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = arc
}
criterion_main!(benches);
