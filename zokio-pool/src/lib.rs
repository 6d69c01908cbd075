//! Typed object pools generated at compile time.
//!
//! `#[derive(Pooled)]` gives a type its own pool: a `static` depot and a `thread_local!` cache,
//! monomorphized and inlined for that type. [`PoolBox::new`] takes a slot from the pool and
//! dropping the [`PoolBox`] puts it back, like `Box` with the allocator replaced by a
//! thread-local pop and push: no lock, no atomic, no size lookup on the hot path.
//!
//! ```
//! use zokio_pool::{PoolBox, Pooled};
//!
//! #[derive(Pooled)]
//! #[pool(prealloc = 1024)] // every option is optional
//! struct Message { id: u64, body: [u8; 48] }
//!
//! let m = PoolBox::new(Message { id: 1, body: [0; 48] }); // a slot from Message's pool
//! assert_eq!(m.id, 1);                                     // Deref / DerefMut
//! drop(m);                                                 // the slot goes back, no free()
//! let again = PoolBox::new(Message { id: 2, body: [0; 48] });
//! let s = Message::pool_stats();
//! # if !zokio_pool::CHECKING_MODE { // (under Miri, nothing is reused)
//! assert_eq!((s.allocated, s.reused, s.live), (1, 1, 1));
//! # }
//! # drop(again);
//! ```
//!
//! # Options
//! `#[pool(...)]` on the type (or the list after the type in [`pool!`]) takes options, all
//! optional. The one table of them, what each does, its default and which go together, is in
//! the [derive's documentation](derive@Pooled#options).
//!
//! # Cost model
//! | operation | cost |
//! |---|---|
//! | `PoolBox::new` + drop, slot in the thread cache | a pop and a push on an array of slot pointers in thread-local cells, one counter add |
//! | every magazine's worth of operations in one direction | one magazine exchanged with the depot under a mutex, where the thread's magazine size adapts (between [`MAGAZINE_MIN`] and the pool's M) |
//! | a fresh slot | a bump in a run of up to a magazine's worth of fresh slots; a chunk from the page heap every `chunk` slots (more often while the pool is young: chunks add 1/32 of the capacity, at least a page) |
//! | a magazine exchange, once per [`TRIM_INTERVAL`] for the process | the working-set rule over every pool, then the heap's free pages back to the OS |
//! | first use on a thread | the thread-exit flush is registered |
//! | thread exit | the cache's slots and counters go to the depot; a size class (of [`PoolAlloc`] and [`ClassBox`]) then gives its wholly free chunks to the page heap if half its capacity is free and it grew by an eighth since it last did |
//!
//! A slot is the item's size rounded up to its alignment, and at least a word; a slot whose
//! size is a multiple of 1 KiB gets one more cache line, so that the same field of consecutive
//! objects does not fall in the same L1 cache sets. The pool never writes a free slot: free
//! slots are listed in magazines, arrays of pointers. Zero-sized types take no memory. Chunks
//! are runs of whole pages from one process-wide page heap ([`heap_stats`] reads its counters);
//! a chunk whose slots are all free goes back to the heap, and the heap's free pages to the OS,
//! on [`trim`](fn@trim), and without a call by the working-set rule (every [`TRIM_INTERVAL`], on slow
//! paths and on the thread [`spawn_trimmer`] starts).
//!
//! # Size classes and the byte allocator
//! Types a derive cannot reach (generic types, `async` blocks, closures, other crates' types)
//! go in [`ClassBox`], a box in the pool of their size class ([`SIZE_CLASSES`]: 80 classes, 8 B
//! to 32 KiB). [`PoolAlloc`] puts the same classes behind `#[global_allocator]` or allocator-api2's
//! `Allocator`, with page runs of the heap above 32 KiB.
//!
//! # Threads
//! A `PoolBox` dropped on another thread gives its slot to that thread's cache; caches hand
//! full magazines to the depot and take them from it, so memory flows back to the threads that
//! allocate. A thread that only frees keeps no full magazine: each goes to the depot at once. A thread's cache is flushed to the depot when the thread exits; boxes dropped even
//! later in that thread's teardown go to the depot directly.
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

mod arc;
#[cfg(zokio_pool_asan)]
mod asan;
mod boxed;
mod cache;
#[cfg(not(loom))]
mod class;
mod config;
mod depot;
mod forward;
#[cfg(not(loom))]
mod global;
mod heap;
mod lock;
mod macros;
mod magazine;
mod pool;
mod raw;
mod reap;
pub mod recycle;
mod registry;
#[cfg(feature = "serde")]
mod serde;
mod slot;
mod stats;
mod sync;
mod sys;
mod trim;
mod wait;
mod waiting;
// The pool's own tests need the real pool; with the `checking` feature they test that mode.
#[cfg(all(test, not(feature = "checking"), not(loom)))]
mod tests;
#[cfg(all(test, feature = "checking"))]
mod tests_checking;
#[cfg(all(test, loom))]
mod tests_loom;

pub use arc::PoolArc;
pub use boxed::PoolBox;
pub use cache::{
    MAGAZINE_FREQUENT_MAX, MAGAZINE_GROW_FREQUENT, MAGAZINE_GROW_WITHIN, MAGAZINE_MIN,
    MAGAZINE_SHRINK_AFTER,
};
#[cfg(not(loom))]
pub use class::{class_size, ClassBox, SizeClass, CLASS_MAX_ALIGN, SIZE_CLASSES};
pub use depot::UsageHint;
#[cfg(not(loom))]
pub use global::{AllocStats, ClassStats, PoolAlloc};
pub use heap::{heap_stats, huge_pages, set_huge_pages, HeapStats};
pub use pool::{Pool, Pooled, RecyclePool, Uninit};
pub use raw::CHECKING_MODE;
pub use reap::{spawn_trimmer, TRIM_INTERVAL};
pub use recycle::Recycle;
pub use registry::{pools, PoolInfo, PoolTable};
pub use stats::PoolStats;
pub use trim::trim;
pub use waiting::{NewAsync, TakeAsync};

// The macros' documentation is the derive crate's (one page each, examples tested there).
pub use zokio_pool_derive::Pooled;

pub use zokio_pool_derive::pool;

/// The `Allocator` trait of stable Rust and collections that take one, re-exported so that the
/// version [`PoolAlloc`] implements is the one a program uses.
pub use allocator_api2;

/// Support for the derive's expansion. Not public API: anything here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::__pool_impl as pool_impl;
    pub use crate::arc::ArcInner;
    pub use crate::arc::Counted;
    pub use crate::cache::LocalCache;
    pub use crate::config::{Config, Options};
    pub use crate::depot::Depot;
    pub use crate::pool::trim_pool;
    pub use crate::recycle::{DefaultInit, RecycledSend, RecycledUnpin, Recycler};
    pub use std::thread::LocalKey;
    pub use std::thread_local;
}

/// With the feature `global-alloc-for-tests`, this crate installs [`PoolAlloc`] as the global
/// allocator of every program that links it: CI runs the test suite so, every allocation of
/// the tests, the harness and std on the byte allocator (`.ci/run`, `TESTING.md`).
#[cfg(all(feature = "global-alloc-for-tests", not(loom)))]
#[global_allocator]
static GLOBAL: PoolAlloc = PoolAlloc::new();

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
