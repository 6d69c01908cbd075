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

/// Bytes at the start of a page that no array of a shared page covers: the arrays' colour.
///
/// A chunk's first slot sits at page offset 0 (chunks are page runs), and a pool that starts
/// with an empty cache hands out that slot first and gives it back onto round 0 of its array;
/// a pair loop then writes the object at page offset 0 and reads the round at the offset of
/// the array's start. Arrays that tiled their page from offset 0 (two of M = 256 rounds, at 0
/// and 2,048) put round 0 at page offset 0 half the time: the read waited for the object's
/// stores, which match it in the 12 address bits the processor compares first (4 KiB
/// aliasing). `ClassBox`'s pair over nine sizes in turn, every object a first slot, took 2.7x
/// as long (13.6-14.5 ns against 4.7-5.4 with the hot slot this cache had then; CHANGELOG.md,
/// 2026-12-03). Starting a page's arrays at `PAGE - n * size`, never below this, keeps every
/// round 0 off the first 256 bytes of a page, which the design report's 8-256 B objects cover
/// when they are first slots.
const COLOUR: usize = 256;

/// How arrays of `m` rounds are carved from the page heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Runs {
    /// The layout of one run taken from the heap.
    layout: Layout,
    /// Arrays per run.
    per_run: usize,
    /// Bytes from the run's start to its first array: at least [`COLOUR`] for a page that
    /// arrays share, 0 for an array with a run of its own.
    offset: usize,
}

#[cfg(test)]
impl Runs {
    /// Whether the run is one page shared by arrays.
    fn shared(&self) -> bool {
        self.offset != 0
    }
}

/// Arrays that fit a page past [`COLOUR`] share a page, the last ending at the page's end
/// (the default M, 240 rounds of 8 bytes, makes two arrays of 1,920 B at page offsets 256 and
/// 2,176); a larger array has a run of its own, from its start.
fn runs(m: usize) -> Runs {
    // `Config::of` checked in const evaluation that M rounds fit a layout.
    let array =
        Layout::array::<Round>(m).expect("zokio-pool: magazine layout was validated by Config::of");
    if array.size() <= heap::PAGE - COLOUR {
        let per_run = (heap::PAGE - COLOUR) / array.size();
        Runs {
            layout: Layout::from_size_align(heap::PAGE, align_of::<Round>())
                .expect("zokio-pool: a page is a valid layout"),
            per_run,
            offset: heap::PAGE - per_run * array.size(),
        }
    } else {
        Runs {
            layout: array,
            per_run: 1,
            offset: 0,
        }
    }
}

/// An empty array of `m >= 1` rounds: a spare one from `spare`, else a new run of arrays from
/// the page heap, whose other arrays join `spare`.
///
/// Arrays live in the page heap, as chunks do, so that `trim` gives their memory back to the
/// OS too (through the global allocator, a burst's arrays would stay in its free lists).
#[inline(always)]
pub(crate) fn take_array(m: usize, spare: &mut SysVec<NonNull<Round>>) -> NonNull<Round> {
    match spare.pop() {
        Some(array) => array,
        None => new_run(m, spare),
    }
}

/// [`take_array`] when `spare` is empty.
#[cold]
#[inline(never)]
fn new_run(m: usize, spare: &mut SysVec<NonNull<Round>>) -> NonNull<Round> {
    let Runs {
        layout,
        per_run,
        offset,
        ..
    } = runs(m);
    let Some(run) = heap::allocate(layout) else {
        alloc::handle_alloc_error(layout)
    };
    // SAFETY: `offset + per_run * m * size_of::<Round>()` bytes fit the run (see `runs`), so
    // the first array's start is inside it.
    let first = unsafe { run.add(offset) }.cast::<Round>();
    // SAFETY: the run holds `per_run` arrays of `m` rounds from `first` (see `runs`): each
    // one's start is inside it, aligned for rounds (the run is page-aligned, `offset` and the
    // arrays multiples of 8 bytes).
    spare.extend((1..per_run).map(|i| unsafe { first.add(i * m) }));
    first
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
    let Runs {
        layout, per_run, ..
    } = runs(m);
    // Runs are page-aligned, and an array with a run of its own starts it: every array's run
    // starts at the array's page.
    let run_of = |a: &NonNull<Round>| a.as_ptr().addr() & !(heap::PAGE - 1);
    spare.sort_unstable_by_key(|a| a.as_ptr().addr());
    let mut left = spare.len();
    let mut kept = sys_vec();
    let mut i = 0;
    while i < spare.len() {
        let run = run_of(&spare[i]);
        let n = spare[i..].iter().take_while(|a| run_of(a) == run).count();
        if n == per_run && left - n >= keep {
            // The run's start, with the provenance of its first array (derived from the run).
            let start = spare[i].cast::<u8>().with_addr(
                core::num::NonZeroUsize::new(run)
                    .expect("zokio-pool: a run of arrays is not at address 0"),
            );
            // SAFETY: every array of this run is spare (the caller's contract): nothing uses
            // the run, which `take_array` allocated with this layout and which starts at
            // `start`.
            unsafe { heap::deallocate(start, layout) };
            left -= n;
        } else {
            kept.extend_from_slice(&spare[i..i + n]);
        }
        i += n;
    }
    *spare = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default M of a 64 B pool.
    const M: usize = 240;

    #[test]
    fn shared_pages_start_their_arrays_past_the_colour_and_end_at_the_page_end() {
        let r = runs(M);
        assert!(r.shared());
        assert_eq!((r.per_run, r.offset), (2, 256));
        assert_eq!(r.offset + r.per_run * M * size_of::<Round>(), heap::PAGE);
        // Small arrays: as many as fit past the colour, the last ending at the page's end.
        let r = runs(8);
        assert_eq!((r.per_run, r.offset), (60, heap::PAGE - 60 * 64));
        assert!(r.offset >= COLOUR);
        // An array of a page or more past the colour: a run of its own, from its start.
        let r = runs(500);
        assert!(!r.shared());
        assert_eq!((r.per_run, r.offset, r.layout.size()), (1, 0, 4000));
    }

    /// Takes `n` arrays of `m` rounds, fills every round (Miri checks the bounds), and checks
    /// that none overlaps another and, for shared pages, that none starts in a page's colour
    /// or crosses a page.
    fn take_filled(m: usize, n: usize, spare: &mut SysVec<NonNull<Round>>) -> Vec<NonNull<Round>> {
        let arrays: Vec<_> = (0..n).map(|_| take_array(m, spare)).collect();
        for a in &arrays {
            for i in 0..m {
                // SAFETY: `a` is an array of `m` rounds, the test's until it goes back.
                unsafe { a.add(i).write(a.cast()) };
            }
        }
        let bytes = m * size_of::<Round>();
        let mut starts: Vec<usize> = arrays.iter().map(|a| a.as_ptr().addr()).collect();
        starts.sort_unstable();
        for w in starts.windows(2) {
            assert!(w[0] + bytes <= w[1], "arrays overlap: {starts:x?}");
        }
        if runs(m).shared() {
            for &s in &starts {
                assert!(
                    s % heap::PAGE >= COLOUR,
                    "an array starts in the colour: {s:x}"
                );
                assert!(
                    s % heap::PAGE + bytes <= heap::PAGE,
                    "an array crosses a page: {s:x}"
                );
            }
        }
        arrays
    }

    #[test]
    fn release_gives_back_whole_runs_and_keeps_the_rest() {
        for m in [M, 8, 500] {
            let r = runs(m);
            let mut spare = crate::sys::sys_vec();
            // Two whole runs and the first array of a third, whose other arrays are spare.
            let arrays = take_filled(m, 2 * r.per_run + 1, &mut spare);
            assert_eq!(spare.len(), r.per_run - 1);
            // All but the last array taken come back: the two runs go, the third (its first
            // array in use) stays.
            let (last, back) = arrays.split_last().expect("arrays were taken");
            spare.extend_from_slice(back);
            // SAFETY: every array in `spare` came from `take_array` with `m` and is unused.
            unsafe { release_spares(m, &mut spare, 0) };
            assert_eq!(spare.len(), r.per_run - 1, "m = {m}");
            // Now the third run is all spare, but `keep` holds it.
            spare.push(*last);
            // SAFETY: as above.
            unsafe { release_spares(m, &mut spare, r.per_run) };
            assert_eq!(spare.len(), r.per_run, "m = {m}");
            // SAFETY: as above.
            unsafe { release_spares(m, &mut spare, 0) };
            assert!(spare.is_empty(), "m = {m}");
        }
    }
}
