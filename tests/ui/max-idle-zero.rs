use zokio_pool::Pooled;

#[derive(Pooled, Default)]
#[pool(recycle, max_idle = 0, max_capacity = 0)]
struct Message {
    body: Vec<u8>,
}

fn main() {}
