use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(size = 64)]
struct Message {
    id: u64,
}

fn main() {}
