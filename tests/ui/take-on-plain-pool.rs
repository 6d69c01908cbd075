use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled, Default)]
struct Plain {
    body: Vec<u8>,
}

zokio_pool::pool!(Frames: [u8; 4096]);

fn main() {
    let _ = PoolBox::<Plain>::take();
    let _ = PoolBox::take_in(Frames);
}
