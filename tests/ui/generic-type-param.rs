use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled)]
struct Buffer<T> {
    data: Vec<T>,
}

#[derive(Pooled)]
enum Packet<'a, T: Clone, U>
where
    U: Copy,
{
    Borrowed(&'a [T]),
    Owned(U),
}

fn main() {
    // No second error here: the derive emits a stub impl next to its error.
    let _ = PoolBox::new(Buffer { data: vec![1u8] });
}
