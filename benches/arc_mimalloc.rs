//! `benches/arc.rs` with mimalloc as the global allocator, so that `Arc::new` and
//! `triomphe::Arc::new` allocate from mimalloc.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

#[path = "arc_kernel/mod.rs"]
mod arc_kernel;

fn arc(c: &mut Criterion) {
    arc_kernel::bench(c, "mimalloc");
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = arc
}
criterion_main!(benches);
