use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool]
struct Bare {
    id: u64,
}

#[derive(Pooled)]
#[pool = 5]
struct Assigned {
    id: u64,
}

fn main() {}
