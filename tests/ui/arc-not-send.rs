// A `PoolArc` is `Send` and `Sync` exactly when its value is both, as `Arc`.
use std::cell::Cell;
use std::rc::Rc;

use zokio_pool::{PoolArc, Pooled};

#[derive(Pooled)]
struct Local(Rc<u8>);

#[derive(Pooled)]
struct Shared(Cell<u8>);

fn must_be_send<T: Send>(_: T) {}

fn main() {
    must_be_send(PoolArc::new(Local(Rc::new(1))));
    must_be_send(PoolArc::new(Shared(Cell::new(1))));
}
