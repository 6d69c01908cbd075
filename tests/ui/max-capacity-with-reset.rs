use zokio_pool::Pooled;

#[derive(Pooled, Default)]
#[pool(reset = Self::clear, max_capacity = 65536)]
struct Message {
    body: Vec<u8>,
}

impl Message {
    fn clear(&mut self) {
        self.body.clear();
    }
}

zokio_pool::pool!(Buffers: Vec<u8>, reset = Vec::clear, max_capacity = 65536);

fn main() {}
