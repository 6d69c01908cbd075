use zokio_pool::Pooled;

#[derive(Pooled)]
struct Plain {
    #[pool(skip)]
    id: u64,
}

#[derive(Pooled, Default)]
#[pool(reset = Self::clear)]
struct Custom {
    body: Vec<u8>,
    #[pool(skip)]
    id: u64,
}

impl Custom {
    fn clear(&mut self) {
        self.body.clear();
    }
}

#[derive(Pooled)]
#[pool(skip)]
struct OnTheType {
    id: u64,
}

#[derive(Pooled)]
enum Event {
    Open(#[pool(skip)] u64),
}

#[derive(Pooled, Default)]
#[pool(recycle)]
struct Typo {
    #[pool(skp)]
    id: u64,
}

fn main() {}
