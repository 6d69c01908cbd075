use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(recycle)]
struct Message {
    body: Vec<u8>,
}

zokio_pool::pool!(Frames: [u8; 4096], recycle);

fn main() {}
