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
