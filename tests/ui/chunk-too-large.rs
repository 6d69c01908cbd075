use zokio_pool::Pooled;

// Fits in `usize`, but a chunk of that many 16-byte slots exceeds `isize::MAX` bytes: the
// runtime rejects it while computing the pool's configuration at compile time.
#[derive(Pooled)]
#[pool(prealloc = 18_446_744_073_709_551_615)]
struct Message {
    id: u64,
}

fn main() {}
