zokio_pool::pool!(pub Frames [u8; 4096]);

zokio_pool::pool!(pub Buffers);

zokio_pool::pool!(pub Strings: String prealloc = 16);

zokio_pool::pool!(pub : String);

fn main() {}
