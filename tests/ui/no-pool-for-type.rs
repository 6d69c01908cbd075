// A pool needs a sized type that you can name. One error for each misuse, saying the way out.
use std::fmt::Debug;

use zokio_pool::PoolBox;

fn main() {
    // A type of another crate: `pool!`.
    let _ = PoolBox::new(String::new());
    // An async block has no name: a named future type, or `Box::pin`.
    let _ = PoolBox::pin(async { 1 });
    // A closure, likewise.
    let _ = PoolBox::new(|| 1);
}

// Unsized types: pool the sized type behind them.
fn unsized_types(_: PoolBox<dyn Debug>, _: PoolBox<[u8]>) {}
