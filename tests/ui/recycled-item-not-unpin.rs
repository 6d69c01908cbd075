use std::marker::PhantomPinned;

use zokio_pool::Pooled;

#[derive(Default)]
struct Pinned(PhantomPinned);

impl zokio_pool::Recycle for Pinned {
    fn reset(&mut self) {}
}

#[derive(Pooled, Default)]
#[pool(recycle)]
struct Task {
    state: Vec<u8>,
    #[pool(skip)]
    _pin: PhantomPinned,
}

zokio_pool::pool!(PinnedPool: Pinned, recycle);

fn main() {}
