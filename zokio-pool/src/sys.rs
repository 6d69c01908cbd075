//! The runtime's own metadata allocations: always from the system allocator.
//!
//! With [`PoolAlloc`](crate::PoolAlloc) as the program's global allocator, an allocation the
//! runtime made through the global allocator while it held a depot's or the heap's lock would
//! come back into the runtime, and could wait for the same lock (a deadlock) or for a lock
//! another thread holds while it waits for this one. So every growable list the runtime keeps
//! (a depot's magazines, chunks, listed caches, spare arrays, a thread's used caches) is a
//! [`SysVec`]: a `Vec` on [`System`], whatever the global allocator is. The slots, chunks and
//! magazine arrays themselves come from the page heap, which maps its memory from the OS.

pub(crate) use std::alloc::System;

/// A `Vec` on the system allocator (see the module's docs).
pub(crate) type SysVec<T> = allocator_api2::vec::Vec<T, System>;

/// An empty [`SysVec`] (`const`, for the depots' statics).
pub(crate) const fn sys_vec<T>() -> SysVec<T> {
    SysVec::new_in(System)
}
