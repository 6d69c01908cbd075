use zokio_pool::{PoolBox, Pooled};

// A generic type is served by the pool of its size class: no option of a pool of its own.
#[derive(Pooled)]
#[pool(prealloc = 64, max = 128)]
struct Buffer<T> {
    data: Vec<T>,
}

#[derive(Pooled)]
#[pool(zeroize)]
struct Frame<const N: usize> {
    bytes: [u8; N],
}

fn main() {
    // No second error here: the derive emits a stub impl next to its error.
    let _ = PoolBox::new(Buffer { data: vec![1u8] });
    let _ = PoolBox::new(Frame { bytes: [0u8; 16] });
}
