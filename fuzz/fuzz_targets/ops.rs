//! The model tests' operation language (`tests/model/harness.rs`), driven by libFuzzer: the
//! first byte picks a pool and how it may use threads, each further byte an operation (and the
//! byte after it, for an operation on a live box, which box). Every step is checked against the
//! model as in `tests/model.rs`; a difference panics, which libFuzzer reports as a crash with
//! the input that caused it.
//!
//! Pools outlive an input here, as they would in a program, so a crash may depend on the
//! inputs run before it; replay a crash input with `cargo +nightly fuzz run ops <file>`, and
//! if it passes alone, with the run's corpus before it. `ZOKIO_FUZZ_SKIP_HIGH_WATER=1` leaves
//! the high-water mark unchecked, to search past a known high-water bug.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[macro_use]
#[path = "../../tests/model/harness.rs"]
mod harness;

use harness::{Mode, Threads};

object! { #[pool(cache = 2, chunk = 3)] Plain: 2 }
object! { #[pool(max = 6, prealloc = 2, chunk = 3, cache = 2)] Capped: 3 }
object! { #[pool(cache = 2, chunk = 5)] Handed: 1 }
object! { #[pool(cache = 3, chunk = 4)] Crossing: 4 }

/// Operations per input at most: a hand-off to a joined thread spawns one.
const MAX_OPS: usize = 512;

fn high_water() -> bool {
    static CHECK: OnceLock<bool> = OnceLock::new();
    *CHECK.get_or_init(|| std::env::var_os("ZOKIO_FUZZ_SKIP_HIGH_WATER").is_none())
}

fuzz_target!(|data: &[u8]| {
    let Some((pool, mut ops)) = harness::decode(data, 4) else {
        return;
    };
    ops.truncate(MAX_OPS);
    let mode = |threads, max| Mode {
        threads,
        max,
        high_water: high_water(),
        // Leaked boxes would pile up over millions of inputs.
        leak: false,
    };
    match pool {
        0 => harness::run::<Plain>(mode(Threads::One, None), &ops),
        1 => harness::run::<Capped>(mode(Threads::One, Some(6)), &ops),
        2 => harness::run::<Handed>(mode(Threads::Joined, None), &ops),
        _ => harness::run::<Crossing>(mode(Threads::Worker, None), &ops),
    }
});
