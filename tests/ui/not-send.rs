use std::rc::Rc;

use zokio_pool::{PoolBox, Pooled};

#[derive(Pooled)]
struct NotSend(Rc<u8>);

fn main() {
    let b = PoolBox::new(NotSend(Rc::new(1)));
    std::thread::spawn(move || {
        let _ = &b;
    });
}
