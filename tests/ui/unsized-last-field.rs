use zokio_pool::Pooled;

#[derive(Pooled)]
struct Bytes {
    len: usize,
    data: [u8],
}

#[derive(Pooled)]
struct Text(u32, str);

#[derive(Pooled)]
struct Callback {
    id: u64,
    f: dyn Fn(u64) -> u64 + Send,
}

#[derive(Pooled)]
struct Frames {
    frames: [Vec<u8>],
}

fn main() {}
