use zokio_pool::Pooled;

#[derive(Pooled)]
#[pool(init = Message::new)]
struct Message {
    body: Vec<u8>,
}

impl Message {
    fn new() -> Self {
        Message { body: Vec::new() }
    }
}

#[derive(Pooled)]
#[pool(prealloc = 16, max_capacity = 4096, max_idle = 8)]
struct Buffer(Vec<u8>);

zokio_pool::pool!(Strings: String, init = String::new);

fn main() {}
