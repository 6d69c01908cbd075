use zokio_pool::Pooled;

#[derive(Default)]
struct Header {
    len: u32,
}

#[derive(Pooled, Default)]
#[pool(recycle)]
struct Message {
    header: Header,
    body: Vec<u8>,
    id: NonZeroU64Wrapper,
}

#[derive(Default)]
struct NonZeroU64Wrapper;

// In `pool!`, `recycle` resets with the item type's own `Recycle` impl.
zokio_pool::pool!(Headers: Header, recycle);

fn main() {}
