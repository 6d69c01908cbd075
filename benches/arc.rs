//! `PoolArc::new` + clone + drop of both, against `Arc::new` and `triomphe::Arc::new` on the
//! system allocator (glibc's malloc on Linux). `benches/arc_mimalloc.rs` is the same on
//! mimalloc.

use std::time::Duration;

use criterion::{criterion_group, Criterion};

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
fn main() {
    // `ZOKIO_ARC_COUNT`: one contender's operation n times, for callgrind (arc_kernel's docs).
    if arc_kernel::count_from_env() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
