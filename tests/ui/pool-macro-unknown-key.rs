zokio_pool::pool!(pub Frames: [u8; 4096], prealoc = 256, size = 4096, recycled, skip);

fn main() {
    let _ = Frames::new([0; 4096]);
}
