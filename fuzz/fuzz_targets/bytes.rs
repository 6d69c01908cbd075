//! The byte allocator (`PoolAlloc`) driven by libFuzzer: each operation is three bytes (what,
//! and two arguments): allocate a block of a random layout (sizes across the classes and above
//! them, alignments up to 8 KiB), zeroed or not; free one; reallocate one to another size; or
//! send one to a worker thread, which checks and frees it there. Every block is filled with a
//! pattern of its own, checked before it is freed or moved: a block handed out twice, or
//! written by the allocator, shows as a wrong byte (and, under ASan, as a report).
#![no_main]

use std::alloc::{GlobalAlloc, Layout};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};
use std::thread;

use libfuzzer_sys::fuzz_target;
use zokio_pool::PoolAlloc;

/// Operations per input at most.
const MAX_OPS: usize = 400;

/// A live block: its address, layout and the pattern's seed.
struct Block {
    ptr: *mut u8,
    layout: Layout,
    seed: u8,
}

// SAFETY: a block is owned memory of the byte allocator, which frees from any thread.
unsafe impl Send for Block {}

impl Block {
    /// The bytes the pattern covers: the first 256 and the last one.
    fn checked(&self) -> impl Iterator<Item = usize> {
        let size = self.layout.size();
        (0..size.min(256)).chain(std::iter::once(size - 1))
    }

    fn fill(&self) {
        for i in self.checked() {
            // SAFETY: `i < size`: inside the block, which this thread owns.
            unsafe { self.ptr.add(i).write(self.seed ^ i as u8) };
        }
    }

    fn check(&self) {
        for i in self.checked() {
            // SAFETY: as in `fill`; written there.
            let b = unsafe { self.ptr.add(i).read() };
            assert_eq!(b, self.seed ^ i as u8, "byte {i} of a {:?} block", self.layout);
        }
    }

    fn free(self) {
        self.check();
        // SAFETY: allocated by `PoolAlloc` with this layout, freed once.
        unsafe { PoolAlloc::new().dealloc(self.ptr, self.layout) };
    }
}

/// A size from two bytes: mostly in the classes, sometimes above them.
fn size_of(a: u8, b: u8) -> usize {
    let n = usize::from(a) << 8 | usize::from(b);
    match a >> 6 {
        0 | 1 => n % 256 + 1,          // small: 1..=256
        2 => n % 32_768 + 1,           // any class
        _ => 32_768 + (n % 64) * 4096, // above the classes: page runs
    }
}

/// The worker thread that frees the blocks it is sent (cross-thread frees).
fn worker() -> &'static Mutex<Sender<Block>> {
    static WORKER: OnceLock<Mutex<Sender<Block>>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (tx, rx) = channel::<Block>();
        thread::spawn(move || {
            for b in rx {
                b.free();
            }
        });
        Mutex::new(tx)
    })
}

fuzz_target!(|data: &[u8]| {
    let mut live: Vec<Block> = Vec::new();
    for (n, op) in data.chunks_exact(3).take(MAX_OPS).enumerate() {
        let (what, a, b) = (op[0], op[1], op[2]);
        let seed = n as u8 ^ what;
        match what % 5 {
            0 | 1 => {
                let align = 1usize << (what / 5 % 14); // 1 .. 8 KiB
                let layout = Layout::from_size_align(size_of(a, b), align).unwrap();
                let zeroed = what & 0x80 != 0;
                // SAFETY: a non-zero size.
                let ptr = unsafe {
                    if zeroed {
                        PoolAlloc::new().alloc_zeroed(layout)
                    } else {
                        PoolAlloc::new().alloc(layout)
                    }
                };
                assert!(!ptr.is_null(), "{layout:?}");
                assert_eq!(ptr as usize % align, 0, "{layout:?}");
                let block = Block { ptr, layout, seed };
                if zeroed {
                    for i in block.checked() {
                        // SAFETY: inside the block, just allocated.
                        assert_eq!(unsafe { ptr.add(i).read() }, 0, "zeroed {layout:?}");
                    }
                }
                block.fill();
                live.push(block);
            }
            2 if !live.is_empty() => {
                let i = usize::from(a) % live.len();
                live.swap_remove(i).free();
            }
            3 if !live.is_empty() => {
                let i = usize::from(a) % live.len();
                let old = live.swap_remove(i);
                old.check();
                let new_size = size_of(b, a);
                // SAFETY: a live block of this layout; the new size is non-zero and small.
                let ptr = unsafe { PoolAlloc::new().realloc(old.ptr, old.layout, new_size) };
                assert!(!ptr.is_null());
                let layout = Layout::from_size_align(new_size, old.layout.align()).unwrap();
                // The bytes both sizes cover came along.
                let kept = old.layout.size().min(new_size);
                for j in old.checked().filter(|&j| j < kept) {
                    // SAFETY: inside the new block.
                    assert_eq!(unsafe { ptr.add(j).read() }, old.seed ^ j as u8, "realloc");
                }
                let block = Block { ptr, layout, seed };
                block.fill();
                live.push(block);
            }
            4 if !live.is_empty() => {
                let i = usize::from(a) % live.len();
                let block = live.swap_remove(i);
                block.check();
                worker().lock().unwrap().send(block).unwrap();
            }
            _ => {}
        }
    }
    for block in live {
        block.free();
    }
});
