use zokio_pool::Pooled;

#[derive(Pooled)]
struct Frame<const N: usize> {
    bytes: [u8; N],
}

#[derive(Pooled)]
struct Flagged<'a, const CHECKED: bool> {
    name: &'a str,
}

fn main() {}
