use zokio_pool::Pooled;

#[derive(Pooled, Default)]
#[pool(recycle)]
struct View<'a> {
    words: Vec<&'a str>,
}

fn main() {}
