use std::cell::Cell;
use std::rc::Rc;
use zokio_pool::ClassBox;

fn main() {
    // `ClassBox<T>` is `Send` and `Sync` exactly when `T` is.
    let rc = ClassBox::new(Rc::new(1));
    std::thread::spawn(move || drop(rc));
    let cell = ClassBox::new(Cell::new(1));
    std::thread::scope(|s| {
        s.spawn(|| cell.get());
    });
}
