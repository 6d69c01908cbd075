use zokio_pool::Pooled;

#[derive(Pooled, Default)]
#[pool(recycle)]
enum Event {
    #[default]
    Close,
    Data(Vec<u8>),
}

fn main() {}
