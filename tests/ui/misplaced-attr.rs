use zokio_pool::Pooled;

#[derive(Pooled)]
struct Message {
    #[pool(prealloc = 1024)]
    id: u64,
}

#[derive(Pooled)]
enum Event {
    #[pool(max = 10)]
    Open(#[pool(cache = 4)] u32),
    Close,
}

fn main() {}
