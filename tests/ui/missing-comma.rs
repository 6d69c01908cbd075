use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(prealloc = 16 max = 64)]
struct Message {
    id: u64,
}

#[derive(Pooled)]
#[pool(max = 16 crate = "zokio_pool")]
struct Event {
    id: u64,
}

fn main() {}
