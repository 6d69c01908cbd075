use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(crate = 5)]
struct Number {
    id: u64,
}

#[derive(Pooled)]
#[pool(crate = "not a path")]
struct Words {
    id: u64,
}

#[derive(Pooled)]
#[pool(crate = ::zokio_pool)]
struct Unquoted {
    id: u64,
}

#[derive(Pooled)]
#[pool(crate = "zokio_pool::<u8>")]
struct Generic {
    id: u64,
}

fn main() {}
