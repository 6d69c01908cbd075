use std::rc::Rc;

zokio_pool::pool!(Shared: Rc<u8>);

fn main() {
    let b = Shared::new(Rc::new(1));
    std::thread::spawn(move || {
        let _ = &b;
    });
}
