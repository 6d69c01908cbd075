// A recycling pool keeps objects in free slots, and free slots move between threads: a kept
// `Rc` would be cloned on one thread and dropped on another. Every way of making a recycling
// pool of a `!Send` item is refused.
use std::rc::Rc;

use zokio_pool::Pooled;

// The `Rc` is left out of the reset, so a kept object still holds it.
#[derive(Pooled, Default)]
#[pool(recycle)]
struct Session {
    id: u64,
    #[pool(skip)]
    shared: Rc<u8>,
}

// A reset function that leaves the field alone.
#[derive(Pooled, Default)]
#[pool(reset = Handle::clear)]
struct Handle(Rc<String>);

impl Handle {
    fn clear(&mut self) {}
}

zokio_pool::pool!(Shared: Rc<Vec<u8>>, reset = clear_shared, init = Default::default);

fn clear_shared(_: &mut Rc<Vec<u8>>) {}

fn main() {}
