use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(prealloc)]
struct NoValue {
    id: u64,
}

#[derive(Pooled)]
#[pool(max =, chunk(64))]
struct EmptyValue {
    id: u64,
}

#[derive(Pooled)]
#[pool(crate)]
struct NoCrate {
    id: u64,
}

fn main() {}
