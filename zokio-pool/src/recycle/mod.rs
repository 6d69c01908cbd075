//! Recycle mode: objects stay constructed between uses.
//!
//! A recycling pool keeps the object in a free slot instead of dropping it: dropping a
//! [`PoolBox`](crate::PoolBox) resets the object in place ([`Recycle::reset`], or the pool's
//! `reset` function) and the next [`PoolBox::take`](crate::PoolBox::take) gets it back with its
//! allocations, so a `Vec<u8>` buffer keeps its capacity from one user to the next (Bonwick's
//! "constructed state").
//!
//! ```
//! use zokio_pool::{PoolBox, Pooled};
//!
//! #[derive(Pooled, Default)]
//! #[pool(recycle, max_capacity = 65536)]
//! struct Request {
//!     id: u64,
//!     headers: Vec<(String, String)>,
//!     body: Vec<u8>,
//! }
//!
//! let mut r = PoolBox::<Request>::take(); // built by Default: the pool was empty
//! r.body.extend_from_slice(&[7; 1000]);
//! drop(r); // reset in place: id = 0, headers and body cleared, their capacity kept
//!
//! let r = PoolBox::<Request>::take(); // the same object, ready
//! # if !zokio_pool::CHECKING_MODE { // (under Miri, nothing is kept)
//! assert!(r.body.is_empty() && r.body.capacity() >= 1000);
//! # }
//! ```
//!
//! Bounds: `max_capacity = N` drops an object whose [`Recycle::kept_capacity`] is above `N`
//! after its reset, instead of pinning a one-off giant buffer; `max_idle = N` drops objects given
//! back while this thread's cache and the pool's depot already hold `N` free slots. An object
//! whose reset panics is dropped, not kept; the panic goes on.

//!
//! # Where recycle mode lives
//! - this module: the [`Recycle`] trait, the hooks a pool is given ([`Recycler`]) and the
//!   bounds they require;
//! - `impls.rs`: `Recycle` for the standard types;
//! - `mode.rs`: what a recycling pool does differently at run time: `PoolBox::take`'s work, the
//!   reset on drop, keeping an object in a free slot;
//! - `count.rs`: the statistics of kept objects, counted as slots are taken and given back;
//! - `slot.rs` (crate root): the state word in a slot's header that says whether a free slot
//!   keeps an object; `config.rs`: the header's size.

pub(crate) mod count;
mod impls;
pub(crate) mod mode;
pub(crate) mod reclaim;

/// Resetting a value in place to its empty state, keeping its allocations.
///
/// Implemented for the standard collections (cleared, capacity kept), `String`, `Option`
/// (`None`), `Box` (the boxed value reset, the box kept), `Mutex`, `RwLock`, `RefCell` and
/// `Cell` (the value inside reset; a poisoned lock is cleared), tuples and arrays of `Recycle`
/// values, and the primitive types (zero, `false`, `'\0'`). `#[derive(Pooled)]` with `#[pool(recycle)]`
/// implements it for a struct by recycling every field.
///
/// ```
/// use zokio_pool::Recycle;
///
/// let mut v = Vec::with_capacity(100);
/// v.push(1u8);
/// v.reset();
/// assert!(v.is_empty() && v.capacity() >= 100);
/// assert_eq!(v.kept_capacity(), v.capacity());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be reset in place for recycling",
    label = "`{Self}` does not implement `Recycle`",
    note = "implement `zokio_pool::Recycle` for `{Self}`, or give the pool a reset function: `reset = path::to::reset` in its options",
    note = "for a field of a `#[pool(recycle)]` struct, `#[pool(skip)]` on the field leaves it out of the reset"
)]
pub trait Recycle {
    /// Resets the value to its empty state, keeping what it allocated.
    ///
    /// (Not named `recycle`, which `Vec` may one day have as an inherent method of its own.)
    fn reset(&mut self);

    /// The capacity the value keeps after a reset, in the unit of its type (elements for
    /// collections, bytes for `String`), which `max_capacity` bounds. 0 by default.
    fn kept_capacity(&self) -> usize {
        0
    }
}

/// The hooks of a recycling pool, made by the derive's expansion.
///
/// Only its constructors make one, and they require `T: Send + Unpin` (through
/// [`RecycledSend`] and [`RecycledUnpin`], whose messages say why): a `Pool` whose `__RECYCLE`
/// is `Some` therefore has an item that may be kept across threads and after a pin. It is
/// `#[non_exhaustive]` so that no expansion, and no user, can build one around the bounds with a
/// struct expression (its fields stay readable).
#[doc(hidden)]
#[non_exhaustive]
pub struct Recycler<T> {
    /// Builds an object for a slot that holds none.
    pub init: fn() -> T,
    /// Resets an object given back.
    pub reset: fn(&mut T),
    /// Capacity kept after a reset (compared with `max_capacity`).
    pub capacity: fn(&T) -> usize,
    /// Objects keeping more capacity are dropped (`usize::MAX`: no bound).
    pub max_capacity: usize,
    /// Objects given back while this many free slots are at hand are dropped.
    pub max_idle: usize,
}

// Derived impls would require `T: Clone`; the fields are fn pointers and integers.
impl<T> Clone for Recycler<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Recycler<T> {}

impl<T> core::fmt::Debug for Recycler<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Recycler")
            .field("max_capacity", &self.max_capacity)
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

impl<T> Recycler<T> {
    /// Hooks from `T`'s `Recycle` and `Default` impls.
    pub const fn of() -> Recycler<T>
    where
        T: Recycle + Default + RecycledSend + RecycledUnpin,
    {
        Self::recycling(T::default)
    }

    /// Hooks from `T`'s `Recycle` impl, objects built by `init`.
    pub const fn recycling(init: fn() -> T) -> Recycler<T>
    where
        T: Recycle + RecycledSend + RecycledUnpin,
    {
        Recycler {
            init,
            reset: T::reset,
            capacity: T::kept_capacity,
            max_capacity: usize::MAX,
            max_idle: usize::MAX,
        }
    }

    /// `max_capacity = n`.
    pub const fn max_capacity(mut self, n: usize) -> Self {
        self.max_capacity = n;
        self
    }

    /// `max_idle = n`.
    pub const fn max_idle(mut self, n: usize) -> Self {
        self.max_idle = n;
        self
    }

    /// Hooks for a type with a reset function and an init function, without `Recycle` or
    /// `Default`.
    pub const fn with(init: fn() -> T, reset: fn(&mut T)) -> Recycler<T>
    where
        T: RecycledSend + RecycledUnpin,
    {
        Recycler {
            init,
            reset,
            capacity: no_capacity::<T>,
            max_capacity: usize::MAX,
            max_idle: usize::MAX,
        }
    }
}

fn no_capacity<T>(_: &T) -> usize {
    0
}

/// What recycle mode asks of an item: `Send`. A kept object stays in its free slot, and free
/// slots move between threads (a box dropped on another thread, magazines exchanged through the
/// depot, a thread's cache flushed when it exits), so the next `take` on any thread may get an
/// object built on this one. `Recycler`'s constructors require it, so that the message says why.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "recycled objects must be `Send`, and `{Self}` is not: remove `recycle` from the pool's options, or make `{Self}` `Send`",
    label = "`{Self}` is not `Send`",
    note = "a recycling pool keeps objects in free slots, and free slots move between threads: the next `take` on any thread may get an object built on another",
    note = "remove `recycle` (and `reset`) from the pool's options, or make `{Self}` `Send` (an `Arc` for an `Rc`, a `Mutex` or an atomic for a `Cell`)"
)]
pub trait RecycledSend {}

// Hidden from rustc's explanations so that a missing `Send` is reported with the message above.
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Send> RecycledSend for T {}

/// What recycle mode asks of an item: `Unpin`. A recycling pool keeps an object alive after its
/// `PoolBox` is dropped and hands it out again, which `Pin`'s guarantee forbids for a value that
/// was pinned unless it is `Unpin`. `Recycler`'s constructors require it, so that the message
/// says why.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "recycled objects must be `Unpin`, and `{Self}` is not: remove `recycle` from the pool's options, or make `{Self}` `Unpin`",
    label = "`{Self}` is not `Unpin`",
    note = "a recycling pool keeps objects alive after their box is dropped and hands them out again, which `Pin` allows only for `Unpin` values",
    note = "remove `recycle` (and `reset`) from the pool's options, or make `{Self}` `Unpin` (no `PhantomPinned` field)"
)]
pub trait RecycledUnpin {}

// Hidden from rustc's explanations so that a missing `Unpin` is reported with the message above.
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Unpin> RecycledUnpin for T {}

/// Builds recycled objects with `Default` when the pool names no `init` function: the derive's
/// expansion calls `<T as DefaultInit>::init`, so that a missing `Default` gets a message saying
/// what to write.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "recycled `{Self}` objects are built with `Default`, which `{Self}` does not implement",
    label = "`{Self}` has no `Default`",
    note = "derive or implement `Default` for `{Self}`, or name a function that builds one: `init = path::to::new`"
)]
pub trait DefaultInit: Sized {
    /// `Default::default`.
    fn init() -> Self;
}

impl<T: Default> DefaultInit for T {
    #[inline]
    fn init() -> T {
        T::default()
    }
}

#[cfg(test)]
mod tests {
    use super::Recycle;
    use std::collections::HashMap;

    #[test]
    fn collections_are_cleared_and_keep_their_capacity() {
        let mut v: Vec<u32> = (0..100).collect();
        let cap = v.capacity();
        v.reset();
        assert!(v.is_empty());
        assert_eq!(v.kept_capacity(), cap);

        let mut m: HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
        m.reset();
        assert!(m.is_empty() && m.kept_capacity() >= 100);

        let mut s = String::from("hello");
        s.reset();
        assert_eq!((s.as_str(), s.kept_capacity() >= 5), ("", true));
    }

    #[test]
    fn locks_and_cells_reset_the_value_inside_and_keep_its_capacity() {
        use std::cell::RefCell;
        use std::sync::{Arc, Mutex, RwLock};

        let mut m = Mutex::new(vec![1u8; 64]);
        assert_eq!(m.kept_capacity(), 64);
        m.reset();
        assert!(m.lock().unwrap().is_empty());
        assert_eq!(m.kept_capacity(), 64);

        // A poisoned mutex is reset and no longer poisoned.
        let poisoned = Arc::new(Mutex::new(String::from("data")));
        let p = Arc::clone(&poisoned);
        let _ = std::thread::spawn(move || {
            let _guard = p.lock().unwrap();
            panic!("poison the lock");
        })
        .join();
        let mut m = Arc::try_unwrap(poisoned).unwrap();
        assert!(m.is_poisoned());
        m.reset();
        assert!(!m.is_poisoned() && m.lock().unwrap().is_empty());

        let mut l = RwLock::new(vec![1u32; 8]);
        l.reset();
        assert!(l.read().unwrap().is_empty() && l.kept_capacity() >= 8);

        let mut c = RefCell::new(String::from("x"));
        c.reset();
        assert!(c.borrow().is_empty() && c.kept_capacity() >= 1);

        let mut n = std::cell::Cell::new(7u64);
        n.reset();
        assert_eq!(n.get(), 0);
    }

    #[test]
    fn composites_recycle_their_parts() {
        let mut t = (5u8, vec![1, 2, 3], Some(String::from("x")), [7i32; 3]);
        t.reset();
        assert_eq!(t, (0, vec![], None, [0; 3]));
        assert!(t.kept_capacity() >= 3);
        let mut b = Box::new(vec![1u8; 10]);
        b.reset();
        assert!(b.is_empty() && b.kept_capacity() >= 10);
    }
}
