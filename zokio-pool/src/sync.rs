//! The synchronization types of the depot: std's, or loom's when the crate is built with
//! `--cfg loom` to model-check the depot's exchanges.

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::AtomicUsize;
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicUsize;
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::fence;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::fence;

/// A sequentially consistent fence where the code relies on the total order of `SeqCst`
/// accesses (a `SeqCst` read-modify-write followed by a `SeqCst` load, which C++'s model orders
/// and `lock xadd` + `mov` gives on x86-64). loom treats `SeqCst` accesses as `AcqRel`, so its
/// models put a fence there: nothing in normal builds.
#[inline(always)]
pub(crate) fn seq_cst_for_loom() {
    #[cfg(loom)]
    loom::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}
