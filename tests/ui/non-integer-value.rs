use zokio_pool::Pooled;

const SIZE: usize = 1024;

#[derive(Pooled)]
#[pool(prealloc = "10")]
struct Quoted {
    id: u64,
}

#[derive(Pooled)]
#[pool(max = 1.5)]
struct Float {
    id: u64,
}

#[derive(Pooled)]
#[pool(chunk = SIZE)]
struct Constant {
    id: u64,
}

#[derive(Pooled)]
#[pool(cache = 2 * 32)]
struct Expression {
    id: u64,
}

#[derive(Pooled)]
#[pool(prealloc = 64u32)]
struct WrongSuffix {
    id: u64,
}

#[derive(Pooled)]
#[pool(max = true)]
struct Boolean {
    id: u64,
}

fn main() {
    let _ = SIZE;
}
