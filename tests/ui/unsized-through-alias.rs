use zokio_pool::Pooled;

// Not visible to the derive: rustc reports it, on the type's name.
type Payload = [u8];

#[derive(Pooled)]
struct Packet {
    len: usize,
    payload: Payload,
}

fn main() {}
