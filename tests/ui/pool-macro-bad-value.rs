const SIZE: usize = 256;

zokio_pool::pool!(pub Frames: [u8; 4096], prealloc = SIZE, max = "64", chunk = 0);

zokio_pool::pool!(pub Buffers: Vec<u8>, recycle = true, reset = "Vec::clear");

zokio_pool::pool!(pub Strings: String, reset = Self::clear, init = |s| String::new());

// Nothing that names the runtime can be emitted for an invalid `crate`: only the marker is.
zokio_pool::pool!(pub Renamed: u64, crate = zokio_pool);

zokio_pool::pool!(pub Bytes: [u8], prealloc = 16);

fn main() {
    // Uses of the pools compile: only the macro's errors are reported.
    let _ = Frames::new([0; 4096]);
    let _ = Buffers::new(Vec::new());
    let _ = Strings::take();
    let _ = Renamed;
    let _ = Bytes;
    let _ = SIZE;
}
