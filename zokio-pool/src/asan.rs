//! AddressSanitizer's manual poisoning, for builds with `-Zsanitizer=address` and
//! `--cfg zokio_pool_asan`: a free slot's object bytes are poisoned (`raw.rs`; the byte
//! allocator's whole slot, `global.rs`), so a use of an object after its box went back, or of a
//! block after `dealloc`, is reported; a chunk given back to the page heap is
//! unpoisoned first (`depot/slab.rs`), since its pages may become any pool's memory.

use core::ffi::c_void;
use core::ptr::NonNull;

extern "C" {
    fn __asan_poison_memory_region(addr: *const c_void, size: usize);
    fn __asan_unpoison_memory_region(addr: *const c_void, size: usize);
}

/// # Safety
/// `[at, at + len)` is memory of the pool that nobody else may touch until unpoisoned.
pub(crate) unsafe fn poison(at: NonNull<u8>, len: usize) {
    // SAFETY: the ASan runtime is linked in sanitizer builds; the region is ours.
    unsafe { __asan_poison_memory_region(at.as_ptr().cast(), len) }
}

/// # Safety
/// `[at, at + len)` is memory of the pool being handed out.
pub(crate) unsafe fn unpoison(at: NonNull<u8>, len: usize) {
    // SAFETY: as above.
    unsafe { __asan_unpoison_memory_region(at.as_ptr().cast(), len) }
}
