use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled)]
union Bits {
    int: u64,
    float: f64,
}

fn main() {
    // No second error here: the derive emits a stub impl next to its error.
    let _ = PoolBox::new(Bits { int: 1 });
}
