use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(prealloc = -1)]
struct Message {
    id: u64,
}

#[derive(Pooled)]
#[pool(max = -4096)]
struct Event {
    id: u64,
}

fn main() {}
