use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(max = 10, max = 20)]
struct SameAttribute {
    id: u64,
}

#[derive(Pooled)]
#[pool(prealloc = 16, crate = "::zokio_pool")]
#[pool(chunk = 8, prealloc = 32)]
#[pool(crate = "zokio_pool")]
struct AcrossAttributes {
    id: u64,
}

fn main() {}
