use zokio_pool::Pooled;

#[derive(Pooled)]
struct Wrapper<T: ?Sized> {
    len: usize,
    value: T,
}

fn main() {}
