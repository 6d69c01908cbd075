//! `benches/arc.rs` with mimalloc as the global allocator, so that `Arc::new` and
//! `triomphe::Arc::new` allocate from mimalloc.

use std::time::Duration;

use criterion::{criterion_group, Criterion};
use mimalloc::MiMalloc;

// (With the `global-alloc-for-tests` feature, the runtime installs PoolAlloc instead: CI checks
// the benches once each on it, `cargo test --benches`.)
#[cfg_attr(not(feature = "global-alloc-for-tests"), global_allocator)]
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
fn main() {
    // `ZOKIO_ARC_COUNT`: one contender's operation n times, for callgrind (arc_kernel's docs).
    if arc_kernel::count_from_env() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
