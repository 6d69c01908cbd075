//! The OS layer of the page heap: aligned mappings, in one small file swapped by `cfg`.
//!
//! On unix (outside Miri, loom and checking mode) memory comes from `mmap`: an anonymous private
//! mapping, over-mapped by the alignment and trimmed with `munmap` so that the part kept starts
//! on the boundary asked for (2 MiB for a segment). Everywhere else, and under Miri, loom and the
//! crate's checking mode, it comes from `std::alloc` with a layout of that alignment, so Miri
//! checks all the heap logic above this file. AddressSanitizer builds (`--cfg zokio_pool_asan`)
//! take the `std::alloc` path too: LeakSanitizer does not scan `mmap`ed memory, so the buffers
//! of objects kept in recycled slots would be reported as leaks.
//!
//! The heap's runs are read only after they are written, except that the byte allocator's
//! `alloc_zeroed` skips zeroing a dedicated mapping when [`ZERO_FILLED`] says a new mapping
//! is zeroes (mmap's are; the `std::alloc` path's are not).

/// Bytes per page: the unit of every run the heap hands out, and the largest alignment a run
/// gets without a mapping of its own.
pub(crate) const PAGE: usize = 4096;

/// Bytes per segment, and the alignment of each: 2 MiB, the size of an x86-64 (and a usual
/// aarch64) huge page, so a later step can advise segments as huge pages, and a page's segment
/// is found from the page's address by masking.
pub(crate) const SEGMENT: usize = 2 << 20;

#[cfg(all(
    unix,
    not(miri),
    not(loom),
    not(feature = "checking"),
    not(zokio_pool_asan)
))]
mod imp {
    use core::ptr::NonNull;

    use super::PAGE;

    /// Whether [`release`] gives pages back (it does: `madvise`).
    #[cfg(all(test, not(loom)))]
    pub(crate) const RELEASES: bool = true;

    /// Whether a new mapping of [`map`] reads as zeroes (an anonymous mapping does).
    #[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
    pub(crate) const ZERO_FILLED: bool = true;

    /// Maps `len` fresh bytes aligned to `align`; `None` if the OS refuses.
    ///
    /// `len` is a non-zero multiple of `PAGE`, `align` a power of two at least `PAGE`, and
    /// `len + align` does not overflow (the callers' contract, checked in debug builds).
    pub(crate) fn map(len: usize, align: usize) -> Option<NonNull<u8>> {
        debug_assert!(len > 0 && len % PAGE == 0 && align.is_power_of_two() && align >= PAGE);
        // mmap's result is page-aligned: over-map by `align - PAGE` so that an `align`-aligned
        // run of `len` bytes lies inside, then unmap the parts before and after it.
        let total = len.checked_add(align - PAGE)?;
        // SAFETY: an anonymous private mapping at an address of the kernel's choice touches no
        // existing memory; the arguments are valid (length non-zero, fd -1 with MAP_ANONYMOUS).
        let raw = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                total,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return None;
        }
        let raw = raw.cast::<u8>();
        let head = raw.addr().wrapping_neg() & (align - 1);
        let tail = total - head - len;
        if head > 0 {
            // SAFETY: `[raw, raw + head)` is the start of the mapping just made, which nothing
            // else knows of; `head` is a multiple of PAGE (both `raw` and `align` are).
            unsafe { libc::munmap(raw.cast(), head) };
        }
        // SAFETY: `head + len <= total`: the aligned run is inside the mapping.
        let start = unsafe { raw.add(head) };
        if tail > 0 {
            // SAFETY: `[start + len, raw + total)` is the end of the same mapping, unused, and a
            // multiple of PAGE long.
            unsafe { libc::munmap(start.add(len).cast(), tail) };
        }
        NonNull::new(start)
    }

    /// Gives back a mapping of [`map`].
    ///
    /// # Safety
    /// `ptr`, `len` and `align` are those of a [`map`] call whose memory nothing uses any more
    /// and that was not given back yet.
    pub(crate) unsafe fn unmap(ptr: NonNull<u8>, len: usize, _align: usize) {
        // SAFETY: the whole mapping `map` kept, unused (the caller's contract). munmap cannot
        // fail on a range that was mapped by us, so its result needs no check.
        unsafe { libc::munmap(ptr.as_ptr().cast(), len) };
    }

    /// Asks the OS to back `[ptr, ptr + len)` with huge pages (`MADV_HUGEPAGE`, Linux; Linux's
    /// transparent huge pages then fill each aligned 2 MiB of it with one page when it is
    /// touched). Elsewhere does nothing. Returns whether the OS took the advice.
    ///
    /// # Safety
    /// The range is inside a mapping of [`map`].
    pub(crate) unsafe fn advise_huge(ptr: NonNull<u8>, len: usize) -> bool {
        #[cfg(target_os = "linux")]
        // SAFETY: a range of our own mapping (the caller's contract); the advice changes how
        // the kernel backs it, not its contents.
        return unsafe { libc::madvise(ptr.as_ptr().cast(), len, libc::MADV_HUGEPAGE) == 0 };
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (ptr, len);
            false
        }
    }

    /// Gives the pages of `[ptr, ptr + len)` back to the OS, keeping them mapped: they read as
    /// zeros and cost no memory until written again. Returns whether the OS took them.
    ///
    /// # Safety
    /// The range is whole pages inside a mapping of [`map`], and nothing reads or writes it
    /// (its contents are lost).
    pub(crate) unsafe fn release(ptr: NonNull<u8>, len: usize) -> bool {
        // SAFETY: whole pages of our own private anonymous mapping, unused (the caller's
        // contract): MADV_DONTNEED only drops their contents.
        unsafe { libc::madvise(ptr.as_ptr().cast(), len, libc::MADV_DONTNEED) == 0 }
    }
}

#[cfg(not(all(
    unix,
    not(miri),
    not(loom),
    not(feature = "checking"),
    not(zokio_pool_asan)
)))]
mod imp {
    use core::ptr::NonNull;
    use std::alloc::{GlobalAlloc, Layout, System};

    use super::PAGE;

    /// Whether [`release`] gives pages back (it cannot: see there).
    #[cfg(all(test, not(loom)))]
    pub(crate) const RELEASES: bool = false;

    /// Whether a new allocation of [`map`] reads as zeroes (it does not).
    #[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
    pub(crate) const ZERO_FILLED: bool = false;

    /// Allocates `len` bytes aligned to `align` from the system allocator (never the global
    /// one, which may be this crate's `PoolAlloc`); `None` if it refuses.
    ///
    /// `len` is a non-zero multiple of `PAGE`, `align` a power of two at least `PAGE`.
    pub(crate) fn map(len: usize, align: usize) -> Option<NonNull<u8>> {
        debug_assert!(len > 0 && len % PAGE == 0 && align.is_power_of_two() && align >= PAGE);
        let layout = Layout::from_size_align(len, align).ok()?;
        // SAFETY: the layout's size is non-zero.
        NonNull::new(unsafe { System.alloc(layout) })
    }

    /// Gives back an allocation of [`map`].
    ///
    /// # Safety
    /// `ptr`, `len` and `align` are those of a [`map`] call whose memory nothing uses any more
    /// and that was not given back yet.
    pub(crate) unsafe fn unmap(ptr: NonNull<u8>, len: usize, align: usize) {
        // SAFETY: `map` made this layout from the same `len` and `align` without error.
        let layout = unsafe { Layout::from_size_align_unchecked(len, align) };
        // SAFETY: allocated by `map` with this layout, unused and not freed (the caller's
        // contract).
        unsafe { System.dealloc(ptr.as_ptr(), layout) };
    }

    /// An allocator's block cannot be advised: does nothing.
    ///
    /// # Safety
    /// None needed here; the signature is the mmap layer's.
    pub(crate) unsafe fn advise_huge(_ptr: NonNull<u8>, _len: usize) -> bool {
        false
    }

    /// Pages of an allocator's block cannot be given back on their own: returns false (the
    /// heap keeps them as they are, and gives them back with their whole segment).
    ///
    /// # Safety
    /// None needed here; the signature is the mmap layer's.
    pub(crate) unsafe fn release(_ptr: NonNull<u8>, _len: usize) -> bool {
        false
    }
}

#[cfg(all(test, not(loom)))]
pub(crate) use imp::RELEASES;
pub(crate) use imp::{advise_huge, map, release, unmap, ZERO_FILLED};

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn mappings_are_aligned_writable_and_given_back() {
        for (len, align) in [(PAGE, PAGE), (3 * PAGE, SEGMENT), (SEGMENT, SEGMENT)] {
            let p = map(len, align).expect("a small mapping");
            assert_eq!(
                p.as_ptr().addr() % align,
                0,
                "{len} bytes aligned to {align}"
            );
            // SAFETY: the mapping is `len` bytes, ours alone.
            unsafe {
                p.as_ptr().write(1);
                p.as_ptr().add(len - 1).write(2);
                assert_eq!(p.as_ptr().add(len - 1).read(), 2);
            }
            // SAFETY: mapped just above with these arguments, used no more.
            unsafe { unmap(p, len, align) };
        }
    }
}
