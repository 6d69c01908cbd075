use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(prealloc = 0)]
struct Message {
    id: u64,
}

#[derive(Pooled)]
#[pool(max = 0x0, chunk = 0_usize, cache = 00)]
struct Event {
    id: u64,
}

fn main() {}
