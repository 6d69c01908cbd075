use zokio_pool::PoolBox;

struct Plain;

fn main() {
    let _ = PoolBox::new(Plain);
}
