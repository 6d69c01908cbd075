use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled)]
#[pool(prealoc = 1024, max = 0, chunk = "64", cache)]
#[pool(max = 10, crate = "::zokio_pool", bogus = 1)]
struct Message {
    #[pool(max = 5)]
    id: u64,
}

fn send(message: PoolBox<Message>) -> u64 {
    message.id
}

fn main() {
    // Uses of the type compile: only the derive's errors are reported.
    let message = PoolBox::new(Message { id: 1 });
    let _ = send(message);
    let _ = Message::pool_stats();
}
