//! A user crate that depends on zokio-pool as `zp` (`zp = { package = "zokio-pool" }`): the
//! derive and `pool!` find the runtime from this crate's Cargo.toml, with no `crate = "..."`.

use zp::{PoolBox, Pooled};

/// A derived type of a crate that renamed the runtime.
#[derive(Pooled, Debug, PartialEq)]
#[pool(max = 4)]
pub struct Message {
    /// A field.
    pub id: u64,
}

/// A recycling derived type.
#[derive(Pooled, Default, Debug)]
#[pool(recycle)]
pub struct Buffer {
    /// A field, cleared on reset.
    pub bytes: Vec<u8>,
}

zp::pool!(
    /// A named pool of a crate that renamed the runtime.
    pub Frames: [u8; 64], prealloc = 8
);

/// Uses every pool once.
pub fn use_every_pool() -> (u64, usize, u8) {
    let m = PoolBox::new(Message { id: 7 });
    let mut b = PoolBox::<Buffer>::take();
    b.bytes.push(1);
    let f = Frames::new([3; 64]);
    (m.id, b.bytes.len(), f[63])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macros_find_a_renamed_runtime_without_a_crate_option() {
        assert_eq!(use_every_pool(), (7, 1, 3));
        assert_eq!(Message::pool_stats().live, 0);
        assert_eq!(Frames::stats().live, 0);
    }
}
