//! A slot's layout: where its object is, and in recycle mode the header before it.
//!
//! ```text
//! plain pool:    [ object (item_size) | padding ]                       slot_size bytes
//! recycle mode:  [ state word | pad to align ][ object (item_size) | padding ]
//!                 <--------- header --------->
//! ```
//!
//! A plain pool's slot is its object (`header == 0`); nothing is ever stored in a free slot's
//! memory (free slots are listed in magazines, arrays of pointers). In recycle mode the first
//! word of a slot is its state while the slot is free: [`EMPTY`], or a kept object's
//! `kept_capacity` plus one (see [`kept`]). The state is written when a chunk is carved
//! ([`init_chunk`]) and whenever the slot is given back, and read when it is taken.
//!
//! Everything else about recycle mode is in the `recycle` module; `Config::of` (config.rs)
//! computes `header` and `slot_size`.

use core::ptr::NonNull;

use crate::config::Config;

/// State word of a free slot in recycle mode: no object. Any other value says the slot keeps a
/// constructed object (see [`kept`]).
pub(crate) const EMPTY: usize = 0;

/// The state word of a slot that keeps an object of `kept_capacity` `capacity`: never
/// [`EMPTY`]. Saturated one below `usize::MAX`, so that the statistics add and remove the same
/// figure ([`kept_capacity`]).
#[inline(always)]
pub(crate) fn kept(capacity: usize) -> usize {
    capacity.min(usize::MAX - 1) + 1
}

/// The `kept_capacity` a non-[`EMPTY`] state word records (the figure the statistics counted
/// when the object was kept).
#[inline(always)]
pub(crate) fn kept_capacity(state: usize) -> usize {
    debug_assert!(state != EMPTY);
    state - 1
}

/// The object of a slot.
///
/// # Safety
/// `slot` is the start of a slot of a pool whose header is `header` bytes.
#[inline(always)]
pub(crate) unsafe fn object<T>(slot: NonNull<u8>, header: usize) -> NonNull<T> {
    // SAFETY: the object sits `header` bytes into its slot, inside it (the caller's contract).
    unsafe { slot.add(header).cast() }
}

/// The slot of an object.
///
/// # Safety
/// `object` is the object of a slot of a pool whose header is `header` bytes.
#[inline(always)]
pub(crate) unsafe fn of_object<T>(object: NonNull<T>, header: usize) -> NonNull<u8> {
    // SAFETY: the object sits `header` bytes into its slot (the caller's contract), so the slot
    // starts `header` bytes before it, in the same chunk.
    unsafe { object.cast::<u8>().sub(header) }
}

/// The state word of a free slot of a recycling pool.
///
/// # Safety
/// `slot` is a free slot of a recycling pool (`header != 0`), whose state was written by
/// [`init_chunk`] or [`set_state`] when it became free, and no other thread uses it.
#[inline(always)]
pub(crate) unsafe fn state(slot: NonNull<u8>) -> usize {
    // SAFETY: a recycling pool's slot starts with its word-aligned state word, initialized
    // (the caller's contract).
    unsafe { slot.cast::<usize>().read() }
}

/// Writes the state word of a slot of a recycling pool that is being given back.
///
/// # Safety
/// `slot` is a slot of a recycling pool (`header != 0`) that nothing refers to any more
/// (whatever object it keeps sits after the header, untouched).
#[inline(always)]
pub(crate) unsafe fn set_state(slot: NonNull<u8>, state: usize) {
    // SAFETY: the header's first word, word-aligned and ours to write (the caller's contract).
    unsafe { slot.cast::<usize>().write(state) }
}

/// Prepares the `slots` slots of a fresh chunk at `start`: in recycle mode, marks each
/// [`EMPTY`] (a fresh slot keeps no object); a plain pool's slots need nothing.
///
/// # Safety
/// `start` is a new block of `slots * config.slot_size` bytes, aligned to `config.slot_align`,
/// that nothing else uses yet.
pub(crate) unsafe fn init_chunk(start: NonNull<u8>, slots: usize, config: &Config) {
    if config.header == 0 {
        return;
    }
    for i in 0..slots {
        // SAFETY: slot `i` is inside the new block, and a recycling pool's slot is word-aligned
        // (its alignment is at least the header's) and begins with its state word.
        unsafe { set_state(start.add(i * config.slot_size), EMPTY) };
    }
}
