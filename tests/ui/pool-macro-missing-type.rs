zokio_pool::pool!(pub Frames:);

zokio_pool::pool!(pub Buffers: , prealloc = 16);

zokio_pool::pool!(pub Strings: 42);

fn main() {}
