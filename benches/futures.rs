//! Pinned futures: `PoolBox::pin(future)` (the state type's own pool) and `ClassBox::pin(future)`
//! (the pool of its size class) against `Box::pin(future)` for futures whose state is 256 B,
//! 1 KiB and 4 KiB.
//!
//! Each operation builds the future (a zeroed buffer and a flag), pins it, polls it to
//! completion (it is pending once: the first poll writes its buffer's ends, the second reads
//! them) with a no-op waker, and drops it. Every contender does exactly that; only where the state
//! lives differs. The pinned box goes through `black_box`, so the optimizer cannot turn the
//! heap allocation into a stack one or drop the zeroing of the buffer.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zokio_pool::{ClassBox, PoolBox, Pooled};

macro_rules! state {
    ($name:ident, $n:expr) => {
        #[derive(Pooled)]
        struct $name {
            seed: u8,
            filled: bool,
            buf: [u8; $n],
        }

        impl $name {
            #[inline(always)]
            fn new(seed: u8) -> Self {
                $name {
                    seed,
                    filled: false,
                    buf: [0; $n],
                }
            }
        }

        impl Future for $name {
            type Output = u64;

            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
                if !self.filled {
                    let seed = self.seed;
                    self.buf[0] = seed;
                    let last = self.buf.len() - 1;
                    self.buf[last] = seed.wrapping_add(1);
                    self.filled = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Ready(self.buf[0] as u64 + *self.buf.last().unwrap() as u64)
            }
        }
    };
}

state!(State256, 256 - 8);
state!(State1K, 1024 - 8);
state!(State4K, 4096 - 8);

#[inline(always)]
fn drive<F: Future<Output = u64>>(mut fut: Pin<impl std::ops::DerefMut<Target = F>>) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn futures(c: &mut Criterion) {
    macro_rules! group {
        ($t:ident, $label:expr) => {{
            assert!(std::mem::size_of::<$t>() <= $label);
            let mut g = c.benchmark_group(concat!("pin/", stringify!($t)));
            g.throughput(Throughput::Elements(1));
            let mut i = 0u8;
            g.bench_function("PoolBox::pin", |b| {
                b.iter(|| {
                    i = i.wrapping_add(1);
                    black_box(drive(black_box(PoolBox::pin($t::new(i)))))
                })
            });
            g.bench_function("ClassBox::pin", |b| {
                b.iter(|| {
                    i = i.wrapping_add(1);
                    black_box(drive(black_box(ClassBox::pin($t::new(i)))))
                })
            });
            g.bench_function("Box::pin", |b| {
                b.iter(|| {
                    i = i.wrapping_add(1);
                    black_box(drive(black_box(Box::pin($t::new(i)))))
                })
            });
            g.finish();
        }};
    }
    group!(State256, 256);
    group!(State1K, 1024);
    group!(State4K, 4096);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = futures
}
criterion_main!(benches);
