use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(prealloc = 100, max = 10)]
struct Message {
    id: u64,
}

#[derive(Pooled)]
#[pool(max = 1_000)]
#[pool(prealloc = 4096)]
struct Event {
    id: u64,
}

fn main() {}
