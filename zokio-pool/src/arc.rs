//! `PoolArc<T>`: a pooled, reference-counted handle, one pointer wide, found through the type.
//!
//! A `PoolArc` points to a counted slot, a reference count and the value, in a pool of its own
//! beside `T`'s (`Counted<T>`), which the derive and `pool!` emit for every pool and which costs
//! nothing until the first `PoolArc` of that pool is made. Making one takes a slot from this
//! thread's cache, as `PoolBox::new` does; the last owner's drop runs `T`'s `Drop` once and
//! gives the slot back to its own thread's cache, on whatever thread that is.
//!
//! There is no `Weak`: a weak reference keeps the slot after the value is dropped, which needs
//! a second count in every counted slot and an atomic operation more on every last drop, for
//! cycles that a pool's users rarely build. Use `std::sync::Arc` where you need `Weak`.

use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::Deref;
use core::ptr::{self, NonNull};
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use crate::boxed::PoolBox;
use crate::cache::LocalCache;
use crate::config::Config;
use crate::depot::Depot;
use crate::pool::{Pool, Pooled};
use crate::raw;
use crate::stats::PoolStats;
use crate::sync::AtomicUsize;
use std::thread::LocalKey;

/// A counted slot's contents: the number of `PoolArc`s and the value.
#[doc(hidden)]
#[repr(C)]
pub struct ArcInner<T> {
    pub(crate) strong: Count,
    pub(crate) value: T,
}

impl<T> fmt::Debug for ArcInner<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArcInner")
            .field("strong", &self.strong)
            .finish_non_exhaustive()
    }
}

/// The pool of `PoolArc<P::Item, P>`'s counted slots: an `ArcInner` (a reference count and the
/// value) in each slot, with the cache and depot that `P`'s expansion made for it.
#[doc(hidden)]
pub struct Counted<P: ?Sized>(PhantomData<fn() -> P>);

impl<P: ?Sized> core::fmt::Debug for Counted<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Counted")
    }
}

// SAFETY: the config is `P::__ARC_CONFIG`: `P::__CONFIG.counted()` by default, which is
// `Config::of::<ArcInner<P::Item>>` with `P`'s `zeroize` and no other option, or for a size
// class (`SizeClass`) the class config of `ArcInner<P::Item>`'s layout; `PoolArc::from_value`
// checks at compile time that its slots hold an `ArcInner` with no header and no recycling.
// `__arc_cache` and `__arc_depot` of a pool made by `__pool_impl!` return one `thread_local!`
// and one `static` made for this pool only, whose config the macro checks at compile time to
// equal this one; those of a `SizeClass` are the class pool of `ArcInner<P::Item>`'s layout,
// whose depot serves that config (`class.rs`); any other `P` panics there before a slot is
// handed out.
#[diagnostic::do_not_recommend]
unsafe impl<P: Pool + ?Sized> Pool for Counted<P> {
    type Item = ArcInner<P::Item>;

    const __CONFIG: Config = P::__ARC_CONFIG;

    #[inline(always)]
    fn __cache() -> &'static LocalKey<LocalCache> {
        P::__arc_cache()
    }

    #[inline(always)]
    fn __depot() -> &'static Depot {
        P::__arc_depot()
    }
}

/// Past this many clones, a clone aborts, as `Arc`'s does: the count must never overflow.
const MAX_REFCOUNT: usize = isize::MAX as usize;

/// The number of handles to one value, and every decision `PoolArc` takes on it: the loom
/// model (`tests_loom.rs`) runs these same functions, on loom's atomic (`crate::sync`; std's
/// `AtomicUsize` outside loom, so the layout is a `usize`'s).
///
/// A handle is made from another (so the value is alive while the count goes up), and the
/// count is at least the number of handles. No `Weak` exists, so a count of 1 read by a
/// handle's owner means that handle is the only one: no other can appear, as only a handle
/// makes a handle.
#[repr(transparent)]
pub(crate) struct Count(AtomicUsize);

impl Count {
    /// The count of a new value's first handle. `new` writes it with the value, a plain store
    /// (the slot is not shared yet).
    #[inline(always)]
    pub(crate) fn one() -> Self {
        Count(AtomicUsize::new(1))
    }

    /// One handle more, made from an existing one. Relaxed, as `Arc`'s clone: the existing
    /// handle keeps the value alive, and nothing is published through the count.
    #[inline(always)]
    pub(crate) fn increment(&self) {
        if self.0.fetch_add(1, Relaxed) > MAX_REFCOUNT {
            std::process::abort();
        }
    }

    /// One handle less: whether it was the last. If it was, every other handle's use of the
    /// value happens before the return (the caller may drop the value).
    ///
    /// # Safety
    /// - The caller owns a handle to this count's value, or borrows it mutably, and gives it
    ///   up: the handle is not used again, and nothing clones it meanwhile.
    #[inline(always)]
    pub(crate) unsafe fn decrement(&self) -> bool {
        // SAFETY: the caller's handle is owned or borrowed mutably (this function's contract).
        // The only handle: no atomic read-modify-write. The count stays 1 in a slot that goes
        // back to the pool; `new` writes it again.
        if unsafe { self.is_unique() } {
            return true;
        }
        // Release: this handle's uses of the value happen before the last one drops it.
        if self.0.fetch_sub(1, Release) != 1 {
            return false;
        }
        // The count reached 0 here: an Acquire load of it synchronizes with the other handles'
        // Release decrements (all in its release sequences). A load, not an Acquire fence:
        // ThreadSanitizer does not see fences (std's `Arc` does the same under it), and on
        // x86-64 it is one `mov`.
        let _ = self.0.load(Acquire);
        true
    }

    /// Whether the caller's handle is the only one. If it is, every other handle's use of the
    /// value happens before the return, and no other handle can appear while the caller
    /// keeps its handle to itself.
    ///
    /// A count of 1, read Acquire: every increment came from a live handle, and each other
    /// handle's decrement follows its increment in the count's modification order, so a 1
    /// means every handle but the caller's was counted down; their decrements were Release,
    /// so their uses of the value happen before the return. No new handle can appear but
    /// from the caller's, which no one can clone while the caller owns it or borrows it
    /// mutably. (`Arc::get_mut`'s reasoning, with no `Weak` to lock.)
    ///
    /// # Safety
    /// - The caller owns a handle to this count's value, or borrows it mutably.
    #[inline(always)]
    pub(crate) unsafe fn is_unique(&self) -> bool {
        self.0.load(Acquire) == 1
    }

    /// The count, for `strong_count` (Relaxed: a snapshot, as `Arc::strong_count`).
    #[inline(always)]
    pub(crate) fn get(&self) -> usize {
        self.0.load(Relaxed)
    }

    /// What a pool's `new` does when it reuses the slot: writes a fresh count, a plain store.
    /// loom reports it if any handle's access to the count is not over by then.
    #[cfg(all(test, loom))]
    pub(crate) fn reuse(&mut self) {
        self.0.with_mut(|c| *c = 1);
    }
}

impl fmt::Debug for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

/// A reference-counted pointer to a `T` in a pooled slot: `Arc<T>` with the allocator replaced
/// by the pool's thread-local pop and push.
///
/// `PoolArc::new(value)` works for every type with `#[derive(Pooled)]`, with no option; for a
/// pool declared with `pool!`, `PoolArc::new_in(value, Pool)`. A `PoolArc<T>` is one pointer
/// wide, as is `Option<PoolArc<T>>`, and it is `Send` and `Sync` exactly when `T` is both, as
/// for `Arc<T>`. The counted slots come from a pool of their own (no `max`, no recycling), whose
/// statistics [`PoolArc::pool_stats`] gives.
///
/// ```
/// use zokio_pool::{PoolArc, Pooled};
///
/// #[derive(Pooled, Debug, PartialEq)]
/// struct Config { name: String, workers: u32 }
///
/// let a = PoolArc::new(Config { name: "api".into(), workers: 4 });
/// let b = PoolArc::clone(&a);
/// assert_eq!(PoolArc::strong_count(&a), 2);
/// assert!(PoolArc::ptr_eq(&a, &b));
/// std::thread::spawn(move || assert_eq!(b.workers, 4)).join().unwrap();
/// assert_eq!(PoolArc::into_inner(a).unwrap().name, "api");
/// assert_eq!(core::mem::size_of::<Option<PoolArc<Config>>>(), core::mem::size_of::<usize>());
/// ```
pub struct PoolArc<T, P: Pool<Item = T> = T> {
    ptr: NonNull<ArcInner<T>>,
    /// The handle shares ownership of an `ArcInner<T>` (for the drop check).
    _owns: PhantomData<ArcInner<T>>,
    _pool: PhantomData<fn() -> P>,
}

// SAFETY: as for `Arc<T>`: handles on several threads share the `T` (so `T: Sync`), and the last
// one to go drops it on its thread (so `T: Send`). The count is atomic, and the slot may go back
// to any thread's cache (slots are not tied to a thread).
unsafe impl<T: Send + Sync, P: Pool<Item = T>> Send for PoolArc<T, P> {}

// SAFETY: `&PoolArc<T>` gives `&T` and clones, which may move to another thread (as above).
unsafe impl<T: Send + Sync, P: Pool<Item = T>> Sync for PoolArc<T, P> {}

// A pointer: moving the handle never moves the `T`.
impl<T, P: Pool<Item = T>> Unpin for PoolArc<T, P> {}

impl<T: Pooled> PoolArc<T> {
    /// Moves `value` into a counted slot of `T`'s counted pool.
    #[inline]
    pub fn new(value: T) -> Self {
        Self::from_value(value)
    }

    /// Statistics of the pool of `T`'s counted slots (see [`PoolStats`]).
    pub fn pool_stats() -> PoolStats {
        PoolStats::of::<Counted<T>>()
    }
}

impl<T, P: Pool<Item = T>> PoolArc<T, P> {
    /// Moves `value` into a counted slot of `pool`'s counted pool (for a pool declared with
    /// `pool!`).
    ///
    /// ```
    /// use zokio_pool::PoolArc;
    ///
    /// zokio_pool::pool!(Frames: [u8; 1024]);
    ///
    /// let f = PoolArc::new_in([7; 1024], Frames);
    /// let g = f.clone();
    /// assert_eq!(g[1023], 7);
    /// ```
    #[inline]
    pub fn new_in(value: T, pool: P) -> Self {
        let _ = pool;
        Self::from_value(value)
    }

    #[inline(always)]
    pub(crate) fn from_value(value: T) -> Self {
        const {
            assert!(
                <Counted<P> as Pool>::__CONFIG.holds::<ArcInner<T>>()
                    && <Counted<P> as Pool>::__CONFIG.zeroize == P::__CONFIG.zeroize,
                "zokio-pool: the counted pool's config disagrees with the layout of ArcInner"
            )
        };
        // The counted pool has no `max`: a slot is always found (allocation failure aborts).
        let Some(taken) = raw::alloc::<Counted<P>>() else {
            unreachable!("a counted pool has no max")
        };
        // SAFETY: a fresh, committed slot of the counted pool, sized and aligned for an
        // `ArcInner<T>` (its config), with no object in it (no recycling).
        unsafe {
            taken.object.as_ptr().write(ArcInner {
                strong: Count::one(),
                value,
            })
        };
        PoolArc {
            ptr: taken.object,
            _owns: PhantomData,
            _pool: PhantomData,
        }
    }

    #[inline(always)]
    fn inner(&self) -> &ArcInner<T> {
        // SAFETY: the slot holds a valid `ArcInner<T>` while any handle to it exists.
        unsafe { self.ptr.as_ref() }
    }

    /// How many `PoolArc`s point to this value.
    #[inline]
    pub fn strong_count(this: &Self) -> usize {
        this.inner().strong.get()
    }

    /// A raw pointer to the value, as `Arc::as_ptr`: valid while a handle to it exists; the
    /// count is not changed.
    ///
    /// ```
    /// use zokio_pool::{PoolArc, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Id(u32);
    ///
    /// let a = PoolArc::new(Id(5));
    /// let b = PoolArc::clone(&a);
    /// assert_eq!(PoolArc::as_ptr(&a), PoolArc::as_ptr(&b));
    /// // SAFETY: `a` keeps the value alive.
    /// assert_eq!(unsafe { (*PoolArc::as_ptr(&a)).0 }, 5);
    /// ```
    #[inline]
    pub fn as_ptr(this: &Self) -> *const T {
        // SAFETY: a place computation inside the slot, which holds an `ArcInner<T>` while this
        // handle exists; no reference is made, so the pointer keeps the slot's provenance.
        unsafe { ptr::addr_of!((*this.ptr.as_ptr()).value) }
    }

    /// Whether two handles point to the same value.
    #[inline]
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        this.ptr == other.ptr
    }

    /// A `&mut T` if this is the only handle to the value.
    ///
    /// ```
    /// use zokio_pool::{PoolArc, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Counter(u32);
    ///
    /// let mut a = PoolArc::new(Counter(1));
    /// PoolArc::get_mut(&mut a).unwrap().0 += 1;
    /// let b = a.clone();
    /// assert!(PoolArc::get_mut(&mut a).is_none());
    /// drop(b);
    /// assert_eq!(PoolArc::get_mut(&mut a).unwrap().0, 2);
    /// ```
    #[inline]
    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        // SAFETY: `this` is borrowed mutably.
        if unsafe { this.inner().strong.is_unique() } {
            // SAFETY: the only handle, borrowed mutably: nothing else reaches the value, and no
            // clone can be made while `this` is borrowed.
            Some(unsafe { &mut (*this.ptr.as_ptr()).value })
        } else {
            None
        }
    }

    /// A `&mut T`, cloning the value into a new counted slot first if other handles share it.
    ///
    /// ```
    /// use zokio_pool::{PoolArc, Pooled};
    ///
    /// #[derive(Pooled, Clone)]
    /// struct Doc(String);
    ///
    /// let mut a = PoolArc::new(Doc("v1".into()));
    /// let b = a.clone();
    /// PoolArc::make_mut(&mut a).0.push_str("+edit"); // `b` keeps v1
    /// assert_eq!((a.0.as_str(), b.0.as_str()), ("v1+edit", "v1"));
    /// ```
    pub fn make_mut(this: &mut Self) -> &mut T
    where
        T: Clone,
    {
        // SAFETY: `this` is borrowed mutably.
        if !unsafe { this.inner().strong.is_unique() } {
            *this = Self::from_value((**this).clone());
        }
        // SAFETY: now the only handle (a fresh one, or the count was 1 and no clone can be made
        // while `this` is borrowed mutably).
        unsafe { &mut (*this.ptr.as_ptr()).value }
    }

    /// The value, if this is the only handle; else the handle back.
    ///
    /// ```
    /// use zokio_pool::{PoolArc, Pooled};
    ///
    /// #[derive(Pooled, Debug, PartialEq)]
    /// struct Job(u8);
    ///
    /// let a = PoolArc::new(Job(1));
    /// let b = a.clone();
    /// let a = PoolArc::try_unwrap(a).unwrap_err(); // shared
    /// drop(b);
    /// assert_eq!(PoolArc::try_unwrap(a).unwrap(), Job(1));
    /// ```
    pub fn try_unwrap(this: Self) -> Result<T, Self> {
        // SAFETY: `this` is owned. (`Arc` needs a compare-exchange here to lock out `Weak`s,
        // which do not exist for a `PoolArc`.)
        if !unsafe { this.inner().strong.is_unique() } {
            return Err(this);
        }
        let this = ManuallyDrop::new(this);
        // SAFETY: the only handle, owned and not used again; no other can appear.
        Ok(unsafe { Self::take_value(this.ptr) })
    }

    /// The value, if this is the last handle (`None` otherwise), as `Arc::into_inner`: of
    /// several handles given to `into_inner` at once, exactly one gets the value.
    #[inline]
    pub fn into_inner(this: Self) -> Option<T> {
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is owned, and never used again (`ManuallyDrop`) but for the value if
        // it was the last handle.
        if !unsafe { this.inner().strong.decrement() } {
            return None;
        }
        // SAFETY: `decrement` says this was the last handle; it is not used again.
        Some(unsafe { Self::take_value(this.ptr) })
    }

    /// Moves the value out and gives the slot back.
    ///
    /// # Safety
    /// This was the last handle (`decrement` or `is_unique` said so), and it is not used again.
    unsafe fn take_value(ptr: NonNull<ArcInner<T>>) -> T {
        // SAFETY: the slot holds a valid value, read once here, and never dropped in place.
        let value = unsafe { ptr::addr_of!((*ptr.as_ptr()).value).read() };
        // SAFETY: a slot of the counted pool, whose value was moved out; nothing refers to it.
        unsafe { raw::release::<Counted<P>>(ptr) };
        value
    }
}

impl<T, P: Pool<Item = T>> Clone for PoolArc<T, P> {
    /// Another handle to the same value (the count goes up by one).
    #[inline]
    fn clone(&self) -> Self {
        self.inner().strong.increment();
        PoolArc {
            ptr: self.ptr,
            _owns: PhantomData,
            _pool: PhantomData,
        }
    }
}

impl<T, P: Pool<Item = T>> Drop for PoolArc<T, P> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the handle is borrowed mutably, and dropped: not used again but to drop the
        // value if it was the last.
        if !unsafe { self.inner().strong.decrement() } {
            return;
        }
        // SAFETY: the slot goes back once the value is dropped, even if its `Drop` panics: the
        // guard owns the slot, and this was the last handle, so no other refers to it.
        let guard = unsafe { raw::ReleaseOnDrop::<Counted<P>>::new(self.ptr) };
        // SAFETY: the last handle: drop the value once, in place.
        unsafe { ptr::drop_in_place(ptr::addr_of_mut!((*self.ptr.as_ptr()).value)) };
        drop(guard);
    }
}

impl<T, P: Pool<Item = T>> Deref for PoolArc<T, P> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T, P: Pool<Item = T>> AsRef<T> for PoolArc<T, P> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T, P: Pool<Item = T>> Borrow<T> for PoolArc<T, P> {
    fn borrow(&self) -> &T {
        self
    }
}

/// The value of a `PoolBox`, moved into a counted slot (its box's slot goes back).
impl<T, P: Pool<Item = T>> From<PoolBox<T, P>> for PoolArc<T, P> {
    fn from(b: PoolBox<T, P>) -> Self {
        Self::from_value(PoolBox::into_inner(b))
    }
}

/// `PoolArc::new(value)`.
impl<T: Pooled> From<T> for PoolArc<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: Default, P: Pool<Item = T>> Default for PoolArc<T, P> {
    fn default() -> Self {
        Self::from_value(T::default())
    }
}

impl<T: fmt::Debug, P: Pool<Item = T>> fmt::Debug for PoolArc<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display, P: Pool<Item = T>> fmt::Display for PoolArc<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T, P: Pool<Item = T>> fmt::Pointer for PoolArc<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&ptr::from_ref(&self.inner().value), f)
    }
}

impl<T: PartialEq, P: Pool<Item = T>, Q: Pool<Item = T>> PartialEq<PoolArc<T, Q>>
    for PoolArc<T, P>
{
    fn eq(&self, other: &PoolArc<T, Q>) -> bool {
        **self == **other
    }
}

impl<T: Eq, P: Pool<Item = T>> Eq for PoolArc<T, P> {}

impl<T: PartialOrd, P: Pool<Item = T>, Q: Pool<Item = T>> PartialOrd<PoolArc<T, Q>>
    for PoolArc<T, P>
{
    fn partial_cmp(&self, other: &PoolArc<T, Q>) -> Option<Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: Ord, P: Pool<Item = T>> Ord for PoolArc<T, P> {
    fn cmp(&self, other: &Self) -> Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: Hash, P: Pool<Item = T>> Hash for PoolArc<T, P> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}
