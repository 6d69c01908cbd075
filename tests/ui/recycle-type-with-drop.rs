// A recycling pool keeps objects without dropping them: a type's own `Drop` would run only when
// an object is discarded. That is refused unless `drop_on_discard` says it is meant.
use zokio_pool::Pooled;

#[derive(Pooled, Default)]
#[pool(recycle)]
struct Connection {
    buffer: Vec<u8>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        println!("closing");
    }
}

#[derive(Pooled, Default)]
#[pool(reset = Handle::clear)]
struct Handle(Vec<u8>);

impl Handle {
    fn clear(&mut self) {
        self.0.clear();
    }
}

impl Drop for Handle {
    fn drop(&mut self) {}
}

// Meant: compiles.
#[derive(Pooled, Default)]
#[pool(recycle, drop_on_discard)]
struct Logged {
    lines: Vec<String>,
}

impl Drop for Logged {
    fn drop(&mut self) {}
}

// `drop_on_discard` needs a recycling pool, and is not a `pool!` option.
#[derive(Pooled)]
#[pool(drop_on_discard)]
struct Plain(u8);

zokio_pool::pool!(Buffers: Vec<u8>, recycle, drop_on_discard);

fn main() {}
