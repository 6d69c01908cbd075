//! Recycled buffers: a `Vec<u8>` of 1, 4 or 16 KiB taken, filled, and dropped.
//!
//! Contenders, side by side in each group:
//! - `zokio-pool recycle`: `Buffers::take()` from a `pool!(Buffers: Vec<u8>, recycle)`; the
//!   dropped buffer is cleared in place and keeps its capacity;
//! - `Vec::with_capacity` on glibc, and the same allocation through mimalloc (called through
//!   its `GlobalAlloc` impl, so both allocators run in one binary);
//! - lockfree-object-pool (`LinearObjectPool<Vec<u8>>`, cleared on return) and object-pool
//!   (`Pool<Vec<u8>>`, which does not clear: the bench clears after `pull`).
//!
//! The work per operation is the same for all: get a buffer with room for N bytes, fill it with N
//! bytes (`resize(n, byte)`, a memset: a copy from a static source would add 4K-aliasing stalls
//! that depend on where each contender's buffer happens to lie), hand it to `black_box`, give it
//! back. The fill is in every figure, so a ratio shows what the allocation adds to a real use of
//! the buffer.
//! Groups: `recycle_pair` (one buffer at a time) and `recycle_batch_100` (100 buffers live,
//! then dropped), each for 1, 4 and 16 KiB.

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use mimalloc::MiMalloc;

zokio_pool::pool!(
    /// Recycled byte buffers.
    Buffers: Vec<u8>, recycle
);

const SIZES: [usize; 3] = [1024, 4096, 16384];
const BATCH: usize = 100;
const FILL: u8 = 0x5a;

/// A buffer of mimalloc memory, the way `Vec::with_capacity(n)` on mimalloc would be.
struct MiBuf {
    ptr: *mut u8,
    cap: usize,
}

impl MiBuf {
    #[inline(always)]
    fn with_capacity(cap: usize) -> Self {
        let layout = Layout::array::<u8>(cap).expect("a small buffer");
        // SAFETY: a non-zero-size layout.
        let ptr = unsafe { MiMalloc.alloc(layout) };
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        MiBuf { ptr, cap }
    }

    #[inline(always)]
    fn fill(&mut self, n: usize, byte: u8) {
        assert!(n <= self.cap);
        // SAFETY: checked above that `n` bytes fit.
        unsafe { self.ptr.write_bytes(byte, n) };
    }
}

impl Drop for MiBuf {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: allocated by `with_capacity` with this layout.
        unsafe { MiMalloc.dealloc(self.ptr, Layout::array::<u8>(self.cap).unwrap()) }
    }
}

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// Benchmarks `one` (get a buffer, fill it) freed at once (`batch == 1`) or with `batch`
/// buffers live before they are dropped.
fn bench<H>(g: &mut Group<'_>, name: &str, batch: usize, one: impl Fn() -> H) {
    let mut live = Vec::with_capacity(batch);
    g.bench_function(name, |b| {
        b.iter(|| {
            live.extend((0..batch).map(|_| one()));
            black_box(&live);
            live.clear();
        })
    });
}

fn recycle(c: &mut Criterion) {
    let lockfree = lockfree_object_pool::LinearObjectPool::<Vec<u8>>::new(Vec::new, |v| v.clear());
    let object_pool = object_pool::Pool::<Vec<u8>>::new(0, Vec::new);
    for n in SIZES {
        for batch in [1, BATCH] {
            let shape = if batch == 1 {
                "recycle_pair".to_string()
            } else {
                format!("recycle_batch_{BATCH}")
            };
            let mut g = c.benchmark_group(format!("{shape}/{}KiB", n / 1024));
            g.throughput(Throughput::Elements(batch as u64));
            bench(&mut g, "zokio-pool recycle", batch, || {
                let mut b = Buffers::take();
                b.reserve(n);
                b.resize(n, FILL);
                b
            });
            bench(&mut g, "Vec glibc", batch, || {
                let mut v = Vec::with_capacity(n);
                v.resize(n, FILL);
                v
            });
            bench(&mut g, "Vec mimalloc", batch, || {
                let mut v = MiBuf::with_capacity(n);
                v.fill(n, FILL);
                v
            });
            bench(&mut g, "lockfree-object-pool", batch, || {
                let mut b = lockfree.pull();
                b.reserve(n);
                b.resize(n, FILL);
                b
            });
            bench(&mut g, "object-pool", batch, || {
                let mut b = object_pool.pull(Vec::new);
                b.clear();
                b.reserve(n);
                b.resize(n, FILL);
                b
            });
            g.finish();
        }
    }
    let s = Buffers::stats();
    eprintln!(
        "zokio-pool recycle: {} buffers handed out, {:.4}% reused, {} slots reserved",
        s.allocated + s.reused,
        100.0 * s.reuse_rate(),
        s.capacity
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = recycle
}
criterion_main!(benches);
