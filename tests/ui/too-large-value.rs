use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(max = 99_999_999_999_999_999_999)]
struct Message {
    id: u64,
}

#[derive(Pooled)]
#[pool(prealloc = 0xffff_ffff_ffff_ffff_ffff)]
struct Event {
    id: u64,
}

fn main() {}
