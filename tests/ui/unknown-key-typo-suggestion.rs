use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(prealoc = 1024)]
struct Message {
    id: u64,
}

#[derive(Pooled)]
#[pool(Max = 64, cahce = 8, chunks = 16)]
struct Event {
    id: u64,
}

fn main() {}
