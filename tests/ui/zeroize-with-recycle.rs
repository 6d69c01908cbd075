use zokio_pool::Pooled;

#[derive(Pooled, Default)]
#[pool(recycle, zeroize)]
struct Key {
    bytes: Vec<u8>,
}

zokio_pool::pool!(Secrets: Vec<u8>, recycle, zeroize);

fn main() {}
