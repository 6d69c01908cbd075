use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(reset = Self::clear, init = Self::with_capacity)]
struct Message {
    body: Vec<u8>,
}

impl Message {
    fn clear(self) {}

    fn with_capacity(capacity: usize) -> Self {
        Message { body: Vec::with_capacity(capacity) }
    }
}

fn main() {}
