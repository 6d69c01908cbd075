//! Magazines: arrays of pointers to free slots (Bonwick's design).
//!
//! A free slot's memory is never written by the pool: the slot's address sits in a magazine, an
//! array of `M` pointers that belongs to a thread cache or to the depot. Taking a slot reads the
//! array, which stays in the L1 cache, and never the slot itself, which may be cold or, after a
//! cross-thread free, in another core's cache; consecutive takes do not depend on each other's
//! loads, so the processor overlaps them (an intrusive list chases one pointer per take).
//!
//! Arrays come from the page heap, several to a page, when a cache or the depot needs one, and
//! are reused: an empty array goes back to the depot's stock when its cache takes a full
//! magazine. `trim` gives the heap back the pages of the stock beyond what the active caches
//! may need.

use core::mem::align_of;
use core::ptr::NonNull;
use std::alloc::{self, Layout};

use crate::heap;
use crate::sys::{sys_vec, SysVec};

/// One entry of a magazine: a pointer to a free slot.
pub(crate) type Round = NonNull<u8>;

/// A magazine handed between a cache and the depot: its array and how many rounds (free slots)
/// it holds, `1..=M` at the front of the array.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Magazine {
    pub(crate) rounds: NonNull<Round>,
    pub(crate) len: usize,
}

/// How arrays of `m` rounds are carved from the page heap: the layout of one run and the
/// arrays in it. Arrays of at most a page share a page (a 64 B pool's M = 256 rounds take 2 KiB:
/// two per page); a larger array has a run of its own.
fn runs(m: usize) -> (Layout, usize) {
    // `Config::of` checked in const evaluation that M rounds fit a layout.
    let array =
        Layout::array::<Round>(m).expect("zokio-pool: magazine layout was validated by Config::of");
    if array.size() <= heap::PAGE {
        let page = Layout::from_size_align(heap::PAGE, align_of::<Round>())
            .expect("zokio-pool: a page is a valid layout");
        (page, heap::PAGE / array.size())
    } else {
        (array, 1)
    }
}

/// An empty array of `m >= 1` rounds: a spare one from `spare`, else a new run of arrays from
/// the page heap, whose other arrays join `spare`.
///
/// Arrays live in the page heap, as chunks do, so that `trim` gives their memory back to the
/// OS too (through the global allocator, a burst's arrays would stay in its free lists).
pub(crate) fn take_array(m: usize, spare: &mut SysVec<NonNull<Round>>) -> NonNull<Round> {
    if let Some(array) = spare.pop() {
        return array;
    }
    let (layout, per_run) = runs(m);
    let Some(run) = heap::allocate(layout) else {
        alloc::handle_alloc_error(layout)
    };
    let run = run.cast::<Round>();
    // SAFETY: the run holds `per_run` arrays of `m` rounds (see `runs`): each one's start is
    // inside it, aligned for rounds (the run is page-aligned, arrays a multiple of 8 bytes).
    spare.extend((1..per_run).map(|i| unsafe { run.add(i * m) }));
    run
}

/// Gives the page heap back the runs of arrays all of whose arrays are spare, as long as at
/// least `keep` spare arrays stay (other runs have an array in use: they stay).
///
/// # Safety
/// Every array in `spare` came from [`take_array`] with this `m`, holds nothing anyone needs
/// and is listed nowhere else; none is used after it leaves `spare`.
pub(crate) unsafe fn release_spares(m: usize, spare: &mut SysVec<NonNull<Round>>, keep: usize) {
    if spare.len() <= keep {
        return;
    }
    let (layout, per_run) = runs(m);
    // A run's first array is at its start; an array's run starts at its page for shared pages.
    let run_of = |a: &NonNull<Round>| {
        if per_run == 1 {
            a.as_ptr().addr()
        } else {
            a.as_ptr().addr() & !(heap::PAGE - 1)
        }
    };
    spare.sort_unstable_by_key(|a| a.as_ptr().addr());
    let mut left = spare.len();
    let mut kept = sys_vec();
    let mut i = 0;
    while i < spare.len() {
        let run = run_of(&spare[i]);
        let n = spare[i..].iter().take_while(|a| run_of(a) == run).count();
        if n == per_run && left - n >= keep {
            // The group is sorted, so its first array is the run's start.
            // SAFETY: every array of this run is spare (the caller's contract): nothing uses
            // the run, allocated by `take_array` with this layout.
            unsafe { heap::deallocate(spare[i].cast(), layout) };
            left -= n;
        } else {
            kept.extend_from_slice(&spare[i..i + n]);
        }
        i += n;
    }
    *spare = kept;
}
