//! `PoolBox`: an owning pointer to an object in a pool slot.

use core::borrow::{Borrow, BorrowMut};
use core::cmp::Ordering;
use core::fmt;
use core::future::Future;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop, MaybeUninit};
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

use crate::pool::{Pool, Pooled, RecyclePool, Uninit};
use crate::raw;
use crate::recycle::mode;

/// An owning pointer to a `T` that lives in a slot of pool `P`: `Box<T>` with the allocator
/// replaced by a thread-local pop and push.
///
/// `P` is the pool; for a type with `#[derive(Pooled)]` it is the type itself, so `PoolBox<T>`
/// is all one writes. Dropping a `PoolBox` drops the `T` and gives the slot back to the pool of
/// the thread that drops it.
///
/// A `PoolBox<T>` is one pointer wide, as is `Option<PoolBox<T>>`, and it is `Send`/`Sync`
/// exactly when `T` is.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// #[pool(prealloc = 1024)]
/// struct Message { id: u64, body: [u8; 48] }
///
/// let mut m: PoolBox<Message> = PoolBox::new(Message { id: 1, body: [0; 48] });
/// m.id += 1; // Deref + DerefMut
/// let v: Message = PoolBox::into_inner(m); // the value out, the slot back to the pool
/// assert_eq!(v.id, 2);
/// let r: Result<PoolBox<Message>, Message> = PoolBox::try_new(v); // Err gives the value back
/// assert!(r.is_ok());
/// let b = PoolBox::new_with(|| Message { id: 2, body: [0; 48] }); // built in the slot
/// assert_eq!(b.id, 2);
/// assert_eq!(core::mem::size_of::<Option<PoolBox<Message>>>(), core::mem::size_of::<usize>());
/// ```
// `T` and `P` may be unsized in the definition only so that `PoolBox<dyn Trait>` or
// `PoolBox<[u8]>` fails with the one message of `Pool` ("a pool is made for a sized type that you
// can name") rather than with that and two "size cannot be known" errors: `Pool::Item` is
// `Sized`, so no `PoolBox` of an unsized `T` can be made.
pub struct PoolBox<T: ?Sized, P: ?Sized + Pool<Item = T> = T> {
    ptr: NonNull<T>,
    /// The box owns a `T` (for the drop check and auto traits, which `Send`/`Sync` override).
    _owns: PhantomData<T>,
    _pool: PhantomData<fn() -> P>,
}

// SAFETY: a PoolBox owns its T exclusively, as Box does, so sending it sends a T. Its slot may be
// given back on any thread: slots are plain memory of the pool, not tied to the thread that took
// them, and the thread cache that receives it is the dropping thread's own.
unsafe impl<T: Send, P: Pool<Item = T>> Send for PoolBox<T, P> {}

// SAFETY: `&PoolBox<T>` gives only `&T` (Deref, as_ptr), so sharing it shares a `&T`.
unsafe impl<T: Sync, P: Pool<Item = T>> Sync for PoolBox<T, P> {}

// The box is a pointer: moving it never moves the T, as for Box.
impl<T, P: Pool<Item = T>> Unpin for PoolBox<T, P> {}

/// Called when a `max` limit is reached by a function that panics on exhaustion.
#[cold]
#[inline(never)]
#[track_caller]
fn exhausted<P: Pool + ?Sized>() -> ! {
    let max = P::__CONFIG.max;
    panic!(
        "zokio-pool: the pool of `{}` is at its limit of {max} objects (#[pool(max = {max})]); \
         use PoolBox::try_new to get the value back instead of a panic, or raise `max`",
        core::any::type_name::<P::Item>(),
    )
}

impl<T: Pooled> PoolBox<T> {
    /// Moves `value` into a slot of `T`'s pool.
    ///
    /// # Panics
    /// If the pool has a `max` and `max` objects are live (see [`try_new`](Self::try_new)).
    #[inline]
    #[track_caller]
    pub fn new(value: T) -> Self {
        match Self::try_new_in_pool(value) {
            Ok(b) => b,
            Err(_) => exhausted::<T>(),
        }
    }

    /// Moves `value` into a slot, or gives it back if the pool is at its `max`.
    ///
    /// `max` counts live objects on every thread together: with `max - k` live, `k` more calls
    /// succeed, on any thread, even while other threads' caches hold free slots (the pool then
    /// reserves a few slots past `max`; see the README's cost model).
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled, Debug)]
    /// #[pool(max = 1)]
    /// struct Conn(u32);
    ///
    /// let a = PoolBox::try_new(Conn(1)).unwrap();
    /// let e = PoolBox::try_new(Conn(2)).unwrap_err();
    /// assert_eq!(e.0, 2); // nothing is lost
    /// drop(a);
    /// assert!(PoolBox::try_new(e).is_ok());
    /// ```
    #[inline]
    pub fn try_new(value: T) -> Result<Self, T> {
        Self::try_new_in_pool(value)
    }

    /// Takes a slot, then builds the value in it with `f`: no stack copy of `T` where the
    /// optimizer can write `f`'s result in place (see [`new_uninit`](Self::new_uninit) for a
    /// guarantee).
    ///
    /// If `f` panics, the slot goes back to the pool.
    ///
    /// # Panics
    /// If the pool is at its `max` (before `f` is called), or if `f` panics.
    #[inline]
    #[track_caller]
    pub fn new_with<F: FnOnce() -> T>(f: F) -> Self {
        match Self::try_new_with_in_pool(f) {
            Ok(b) => b,
            Err(_) => exhausted::<T>(),
        }
    }

    /// [`new_with`](Self::new_with), giving `f` back uncalled if the pool is at its `max`.
    #[inline]
    pub fn try_new_with<F: FnOnce() -> T>(f: F) -> Result<Self, F> {
        Self::try_new_with_in_pool(f)
    }

    /// Takes a slot with uninitialized contents, to be written in place: the way to build a large
    /// object (a 4 KiB buffer, say) without a copy through the stack, as `Box::new_uninit`.
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Page { bytes: [u8; 4096] }
    ///
    /// let mut page = PoolBox::<Page>::new_uninit();
    /// // Write the fields in place through a raw pointer.
    /// let p = PoolBox::as_mut_ptr(&mut page).cast::<Page>();
    /// // SAFETY: `p` points to the slot; writing a field through `addr_of_mut!` creates no
    /// // reference to uninitialized memory.
    /// unsafe { core::ptr::addr_of_mut!((*p).bytes).write_bytes(7, 1) };
    /// // SAFETY: every field of Page is now initialized.
    /// let page = unsafe { PoolBox::assume_init(page) };
    /// assert_eq!(page.bytes[4095], 7);
    /// ```
    ///
    /// # Panics
    /// If the pool is at its `max` (see [`try_new_uninit`](Self::try_new_uninit)).
    #[inline]
    #[track_caller]
    pub fn new_uninit() -> PoolBox<MaybeUninit<T>, Uninit<T>> {
        match Self::try_new_uninit_in_pool() {
            Some(b) => b,
            None => exhausted::<T>(),
        }
    }

    /// [`new_uninit`](Self::new_uninit), or `None` if the pool is at its `max`.
    #[inline]
    pub fn try_new_uninit() -> Option<PoolBox<MaybeUninit<T>, Uninit<T>>> {
        Self::try_new_uninit_in_pool()
    }

    /// Takes a slot whose bytes are all zero, as `Box::new_zeroed`: for a type that is valid
    /// when zeroed, `assume_init` then gives a value without building it on the stack.
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Histogram { buckets: [u64; 512] }
    ///
    /// let h = PoolBox::<Histogram>::new_zeroed();
    /// // SAFETY: an array of integers is valid when all its bytes are zero.
    /// let h = unsafe { PoolBox::assume_init(h) };
    /// assert!(h.buckets.iter().all(|&b| b == 0));
    /// ```
    ///
    /// # Panics
    /// If the pool is at its `max`.
    #[inline]
    #[track_caller]
    pub fn new_zeroed() -> PoolBox<MaybeUninit<T>, Uninit<T>> {
        let mut b = Self::new_uninit();
        // SAFETY: the slot has room for a T: size_of::<T>() bytes, which nothing else uses.
        unsafe { PoolBox::as_mut_ptr(&mut b).write_bytes(0, 1) };
        b
    }

    /// Moves `value` into a slot and pins it there: `Box::pin` for pooled values, so a future
    /// with a pooled state can be polled wherever a `Pin<Box<F>>` can.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::pin::Pin;
    /// use std::task::{Context, Poll};
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Countdown(u32);
    ///
    /// impl Future for Countdown {
    ///     type Output = &'static str;
    ///     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
    ///         if self.0 == 0 {
    ///             return Poll::Ready("liftoff");
    ///         }
    ///         self.0 -= 1;
    ///         cx.waker().wake_by_ref();
    ///         Poll::Pending
    ///     }
    /// }
    ///
    /// let mut fut = PoolBox::pin(Countdown(3));
    /// let mut cx = Context::from_waker(std::task::Waker::noop());
    /// while fut.as_mut().poll(&mut cx).is_pending() {}
    /// ```
    ///
    /// # Panics
    /// If the pool is at its `max`.
    #[inline]
    #[track_caller]
    pub fn pin(value: T) -> Pin<Self> {
        Self::into_pin(Self::new(value))
    }

    // `T: RecyclePool` on the functions rather than on an impl block: calling `take` on a plain
    // pool then reports `RecyclePool`'s message, not "no function `take`".
    /// Takes an object from a recycling pool: a kept one, reset by its last user, or a new one
    /// built by the pool's `init` (`Default` unless `#[pool(init = path)]` says otherwise)
    /// when no kept object is at hand. See [the recycle module](crate::recycle).
    ///
    /// # Panics
    /// If the pool is at its `max`, or if `init` panics (the slot goes back to the pool).
    #[inline]
    #[track_caller]
    pub fn take() -> Self
    where
        T: RecyclePool,
    {
        match Self::try_take_in_pool() {
            Some(b) => b,
            None => exhausted::<T>(),
        }
    }

    /// [`take`](Self::take), or `None` if the pool is at its `max`.
    #[inline]
    pub fn try_take() -> Option<Self>
    where
        T: RecyclePool,
    {
        Self::try_take_in_pool()
    }
}

/// Taking objects from a pool named by a value, as `Box::new_in` takes an allocator: the form for
/// pools declared with `pool!` (whose generated functions, `Frames::new(..)` and so on, call
/// these). For a type with `#[derive(Pooled)]`, use [`PoolBox::new`] and its siblings.
impl<T, P: Pool<Item = T>> PoolBox<T, P> {
    /// Moves `value` into a slot of `pool`.
    ///
    /// ```
    /// use zokio_pool::PoolBox;
    ///
    /// zokio_pool::pool!(Frames: [u8; 1024], max = 2);
    ///
    /// let a = PoolBox::new_in([1; 1024], Frames); // what `Frames::new` calls
    /// let b = PoolBox::try_new_in([2; 1024], Frames).unwrap();
    /// let c = PoolBox::try_new_in([3; 1024], Frames); // at `max`: the value comes back
    /// assert_eq!(c.unwrap_err()[0], 3);
    /// assert_eq!(a[0] + b[0], 3);
    /// ```
    ///
    /// # Panics
    /// If the pool is at its `max`.
    #[inline]
    #[track_caller]
    pub fn new_in(value: T, pool: P) -> Self {
        let _ = pool;
        match Self::try_new_in_pool(value) {
            Ok(b) => b,
            Err(_) => exhausted::<P>(),
        }
    }

    /// Moves `value` into a slot of `pool`, or gives it back if the pool is at its `max`.
    #[inline]
    pub fn try_new_in(value: T, pool: P) -> Result<Self, T> {
        let _ = pool;
        Self::try_new_in_pool(value)
    }

    /// Takes a slot of `pool`, then builds the value in it with `f`.
    ///
    /// ```
    /// use zokio_pool::PoolBox;
    ///
    /// zokio_pool::pool!(Tables: [u32; 256], max = 1);
    ///
    /// let t = PoolBox::new_with_in(|| core::array::from_fn(|i| i as u32), Tables);
    /// assert_eq!(t[255], 255);
    /// // At `max`, `f` comes back uncalled.
    /// let f = PoolBox::try_new_with_in(|| [0; 256], Tables).unwrap_err();
    /// drop(t);
    /// assert!(PoolBox::try_new_with_in(f, Tables).is_ok());
    /// ```
    ///
    /// # Panics
    /// If the pool is at its `max` (before `f` is called), or if `f` panics (the slot goes
    /// back).
    #[inline]
    #[track_caller]
    pub fn new_with_in<F: FnOnce() -> T>(f: F, pool: P) -> Self {
        let _ = pool;
        match Self::try_new_with_in_pool(f) {
            Ok(b) => b,
            Err(_) => exhausted::<P>(),
        }
    }

    /// [`new_with_in`](Self::new_with_in), giving `f` back uncalled if the pool is at its `max`.
    #[inline]
    pub fn try_new_with_in<F: FnOnce() -> T>(f: F, pool: P) -> Result<Self, F> {
        let _ = pool;
        Self::try_new_with_in_pool(f)
    }

    /// Takes a slot of `pool` with uninitialized contents (see [`PoolBox::new_uninit`]).
    ///
    /// ```
    /// use zokio_pool::PoolBox;
    ///
    /// zokio_pool::pool!(Pages: [u8; 4096]);
    ///
    /// let mut page = PoolBox::new_uninit_in(Pages);
    /// // SAFETY: `as_mut_ptr` points to the slot, 4096 writable bytes.
    /// unsafe { PoolBox::as_mut_ptr(&mut page).cast::<u8>().write_bytes(0xAB, 4096) };
    /// // SAFETY: every byte is written.
    /// let page: PoolBox<[u8; 4096], Pages> = unsafe { PoolBox::assume_init(page) };
    /// assert!(page.iter().all(|&b| b == 0xAB));
    /// ```
    ///
    /// # Panics
    /// If the pool is at its `max`.
    #[inline]
    #[track_caller]
    pub fn new_uninit_in(pool: P) -> PoolBox<MaybeUninit<T>, Uninit<P>> {
        let _ = pool;
        match Self::try_new_uninit_in_pool() {
            Some(b) => b,
            None => exhausted::<P>(),
        }
    }

    /// Takes a slot of `pool` whose bytes are all zero (see [`PoolBox::new_zeroed`]).
    ///
    /// # Panics
    /// If the pool is at its `max`.
    #[inline]
    #[track_caller]
    pub fn new_zeroed_in(pool: P) -> PoolBox<MaybeUninit<T>, Uninit<P>> {
        let mut b = Self::new_uninit_in(pool);
        // SAFETY: the slot has room for a T: size_of::<T>() bytes, which nothing else uses.
        unsafe { PoolBox::as_mut_ptr(&mut b).write_bytes(0, 1) };
        b
    }

    /// [`new_uninit_in`](Self::new_uninit_in), or `None` if the pool is at its `max`.
    #[inline]
    pub fn try_new_uninit_in(pool: P) -> Option<PoolBox<MaybeUninit<T>, Uninit<P>>> {
        let _ = pool;
        Self::try_new_uninit_in_pool()
    }

    /// Moves `value` into a slot of `pool` and pins it there.
    ///
    /// ```
    /// use std::future::{ready, Future, Ready};
    /// use std::task::{Context, Poll, Waker};
    /// use zokio_pool::PoolBox;
    ///
    /// zokio_pool::pool!(Answers: Ready<u32>);
    ///
    /// let mut fut = PoolBox::pin_in(ready(42), Answers);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(42));
    /// ```
    ///
    /// # Panics
    /// If the pool is at its `max`.
    #[inline]
    #[track_caller]
    pub fn pin_in(value: T, pool: P) -> Pin<Self> {
        Self::into_pin(Self::new_in(value, pool))
    }

    /// Takes an object from recycling pool `pool` (see [`PoolBox::take`]).
    ///
    /// ```
    /// use zokio_pool::PoolBox;
    ///
    /// zokio_pool::pool!(Lines: String, recycle);
    ///
    /// let mut line = PoolBox::take_in(Lines); // what `Lines::take` calls
    /// line.push_str("hello");
    /// drop(line); // cleared, its buffer kept
    /// let line = PoolBox::try_take_in(Lines).unwrap();
    /// assert!(line.is_empty());
    /// ```
    ///
    /// # Panics
    /// If the pool is at its `max`, or if its `init` panics.
    #[inline]
    #[track_caller]
    pub fn take_in(pool: P) -> Self
    where
        P: RecyclePool,
    {
        let _ = pool;
        match Self::try_take_in_pool() {
            Some(b) => b,
            None => exhausted::<P>(),
        }
    }

    /// [`take_in`](Self::take_in), or `None` if the pool is at its `max`.
    #[inline]
    pub fn try_take_in(pool: P) -> Option<Self>
    where
        P: RecyclePool,
    {
        let _ = pool;
        Self::try_take_in_pool()
    }

    // The constructors, for any pool.

    #[inline(always)]
    pub(crate) fn try_new_in_pool(value: T) -> Result<Self, T> {
        let Some(taken) = raw::alloc_uncommitted::<P>() else {
            return Err(value);
        };
        if taken.kept {
            raw::commit::<P>(&taken); // before the kept object's `Drop`, user code
                                      // SAFETY: a slot just taken from P, marked kept.
            unsafe { mode::discard_kept::<P>(taken.object) };
            // SAFETY: the object's place is aligned and large enough for a T (Config::of).
            unsafe { taken.object.as_ptr().write(value) };
        } else {
            // The value goes in first, then the slot leaves the cache: no code runs between
            // (see `raw::alloc_uncommitted`).
            // SAFETY: the object's place is aligned and large enough for a T (Config::of), and
            // no other handle has the slot.
            unsafe { taken.object.as_ptr().write(value) };
            raw::commit::<P>(&taken);
        }
        // SAFETY: a slot of P holding an initialized T.
        Ok(unsafe { Self::from_object(taken.object) })
    }

    #[inline(always)]
    fn try_new_with_in_pool<F: FnOnce() -> T>(f: F) -> Result<Self, F> {
        let Some(taken) = raw::alloc::<P>() else {
            return Err(f);
        };
        if taken.kept {
            // SAFETY: a slot just taken from P, marked kept.
            unsafe { mode::discard_kept::<P>(taken.object) };
        }
        // SAFETY: the slot is ours and holds no object; if `f` panics, the guard gives it back.
        let guard = unsafe { raw::ReleaseOnDrop::<P>::new(taken.object) };
        // SAFETY: the object's place is aligned and large enough for a T (Config::of).
        unsafe { taken.object.as_ptr().write(f()) };
        mem::forget(guard);
        // SAFETY: a slot of P holding an initialized T.
        Ok(unsafe { Self::from_object(taken.object) })
    }

    /// [`take`](PoolBox::take)'s box: recycle mode's `try_take` made a `PoolBox`.
    #[inline(always)]
    pub(crate) fn try_take_in_pool() -> Option<Self>
    where
        P: RecyclePool,
    {
        let object = mode::try_take::<P>()?;
        // SAFETY: the object of a slot of P, initialized, now ours (`try_take`'s contract).
        Some(unsafe { Self::from_object(object) })
    }

    #[inline(always)]
    fn try_new_uninit_in_pool() -> Option<PoolBox<MaybeUninit<T>, Uninit<P>>> {
        let taken = raw::alloc::<P>()?;
        if taken.kept {
            // SAFETY: a slot just taken from P, marked kept.
            unsafe { mode::discard_kept::<P>(taken.object) };
        }
        // SAFETY: the slot belongs to P's pool, which is also `Uninit<P>`'s (same config), and a
        // MaybeUninit<T> needs no initialization.
        Some(unsafe { PoolBox::from_object(taken.object.cast()) })
    }
}

impl<T, P: Pool<Item = T>> PoolBox<MaybeUninit<T>, Uninit<P>> {
    /// Writes `value` into the slot and returns the initialized box.
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Sample(u64);
    ///
    /// let slot = PoolBox::<Sample>::new_uninit();
    /// let s = PoolBox::write(slot, Sample(7));
    /// assert_eq!(s.0, 7);
    /// ```
    #[inline]
    pub fn write(mut b: Self, value: T) -> PoolBox<T, P> {
        (*b).write(value);
        // SAFETY: just initialized.
        unsafe { Self::assume_init(b) }
    }

    /// Converts to an initialized box.
    ///
    /// # Safety
    /// The contents must be a valid, initialized `T`, as for `MaybeUninit::assume_init`.
    #[inline]
    pub unsafe fn assume_init(b: Self) -> PoolBox<T, P> {
        let ptr = PoolBox::into_raw(b).cast::<T>();
        // SAFETY: the slot is a slot of `P` (Uninit<P> shares P's pool) and the caller
        // promises it holds a valid T.
        unsafe { PoolBox::from_object(NonNull::new_unchecked(ptr)) }
    }
}

impl<T, P: Pool<Item = T>> PoolBox<T, P> {
    /// # Safety
    /// `ptr` is the object of a slot taken from `P`'s pool; it holds an initialized `T` and no
    /// other handle owns it.
    #[inline(always)]
    pub(crate) unsafe fn from_object(ptr: NonNull<T>) -> Self {
        PoolBox {
            ptr,
            _owns: PhantomData,
            _pool: PhantomData,
        }
    }

    /// Moves the value out and gives the slot back to the pool.
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled, Debug, PartialEq)]
    /// struct Job(u32);
    ///
    /// let b = PoolBox::new(Job(3));
    /// assert_eq!(PoolBox::into_inner(b), Job(3));
    /// assert_eq!(Job::pool_stats().live, 0);
    /// ```
    #[inline]
    pub fn into_inner(b: Self) -> T {
        let b = ManuallyDrop::new(b);
        // SAFETY: the box holds an initialized T, read once here; the box is not dropped, so the
        // T is not dropped twice.
        let value = unsafe { b.ptr.as_ptr().read() };
        // SAFETY: the slot came from P's pool, its object was moved out, and nothing refers to
        // it any more.
        unsafe { raw::release::<P>(b.ptr) };
        value
    }

    /// Leaks the box: the `T` lives (and its slot stays taken) for the rest of the program.
    ///
    /// Unlike `Box::leak`, the reference cannot be given back to [`from_raw`](Self::from_raw):
    /// a pointer made from it covers the object, not the slot around it (which may be larger,
    /// and which the pool reads and, in checking mode, frees).
    ///
    /// ```
    /// use std::sync::OnceLock;
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Config { verbose: bool }
    ///
    /// static CONFIG: OnceLock<&'static Config> = OnceLock::new();
    ///
    /// let config: &'static mut Config = PoolBox::leak(PoolBox::new(Config { verbose: false }));
    /// config.verbose = true;
    /// assert!(CONFIG.set(config).is_ok());
    /// assert!(CONFIG.get().unwrap().verbose);
    /// assert_eq!(Config::pool_stats().live, 1); // a leaked object stays live
    /// ```
    #[inline]
    pub fn leak<'a>(b: Self) -> &'a mut T
    where
        T: 'a,
    {
        // SAFETY: the slot is never given back (the pool's chunks are never freed), so the
        // reference is valid for any lifetime T allows, and it is the only one.
        unsafe { &mut *Self::into_raw(b) }
    }

    /// Gives up ownership: the caller becomes responsible for the `T` and its slot, which
    /// [`from_raw`](Self::from_raw) takes back.
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Node { value: u32 }
    ///
    /// let raw: *mut Node = PoolBox::into_raw(PoolBox::new(Node { value: 1 }));
    /// // SAFETY: `raw` points to a live `Node` that no box owns.
    /// unsafe { (*raw).value += 1 };
    /// // SAFETY: `raw` came from `PoolBox::<Node>::into_raw` and is taken back once.
    /// let node = unsafe { PoolBox::<Node>::from_raw(raw) };
    /// assert_eq!(node.value, 2);
    /// ```
    #[inline]
    pub fn into_raw(b: Self) -> *mut T {
        ManuallyDrop::new(b).ptr.as_ptr()
    }

    /// Takes back a pointer from [`into_raw`](Self::into_raw) (see its example). In debug
    /// builds it checks that the pointer is an object of the pool.
    ///
    /// # Safety
    /// `ptr` must come from `PoolBox::<T, P>::into_raw` (same `T`, same pool `P`), and must be
    /// given to `from_raw` at most once. A pointer made from a reference to the object (the
    /// one [`leak`](Self::leak) gives, say) does not do: it covers the object, not its slot.
    #[inline]
    pub unsafe fn from_raw(ptr: *mut T) -> Self {
        debug_assert!(
            NonNull::new(ptr).is_some_and(raw::owns::<P>),
            "PoolBox::from_raw: {ptr:p} is not an object of the pool of `{}`",
            core::any::type_name::<P>(),
        );
        // SAFETY: the caller promises `ptr` came from into_raw, so it is the non-null object of
        // a slot of P, a T that no other handle owns.
        unsafe { Self::from_object(NonNull::new_unchecked(ptr)) }
    }

    /// A raw pointer to the value, without giving up ownership.
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Point { x: i32 }
    ///
    /// let mut p = PoolBox::new(Point { x: 1 });
    /// let read: *const Point = PoolBox::as_ptr(&p);
    /// let write: *mut Point = PoolBox::as_mut_ptr(&mut p);
    /// assert_eq!(read, write.cast_const());
    /// // SAFETY: `write` points to the box's live value, and no reference to it is in use.
    /// unsafe { (*write).x = 5 };
    /// assert_eq!(p.x, 5);
    /// ```
    #[inline]
    pub fn as_ptr(b: &Self) -> *const T {
        b.ptr.as_ptr()
    }

    /// A raw mutable pointer to the value, without giving up ownership (see
    /// [`as_ptr`](Self::as_ptr) for an example).
    #[inline]
    pub fn as_mut_ptr(b: &mut Self) -> *mut T {
        b.ptr.as_ptr()
    }

    /// Gives up ownership, as [`into_raw`](Self::into_raw), as a `NonNull`.
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct Leaf(u16);
    ///
    /// let ptr = PoolBox::into_non_null(PoolBox::new(Leaf(9)));
    /// // SAFETY: `ptr` came from `into_non_null` of a `PoolBox<Leaf>` and is taken back once.
    /// let leaf = unsafe { PoolBox::<Leaf>::from_non_null(ptr) };
    /// assert_eq!(leaf.0, 9);
    /// ```
    #[inline]
    pub fn into_non_null(b: Self) -> NonNull<T> {
        ManuallyDrop::new(b).ptr
    }

    /// Takes back a pointer from [`into_non_null`](Self::into_non_null) (or `into_raw`).
    ///
    /// # Safety
    /// As for [`from_raw`](Self::from_raw).
    #[inline]
    pub unsafe fn from_non_null(ptr: NonNull<T>) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { Self::from_raw(ptr.as_ptr()) }
    }

    /// Pins the box's value in its slot, as `Box::into_pin`.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// struct State(u8);
    ///
    /// let pinned: Pin<PoolBox<State>> = PoolBox::into_pin(PoolBox::new(State(1)));
    /// assert_eq!(pinned.0, 1);
    /// ```
    #[inline]
    pub fn into_pin(b: Self) -> Pin<Self> {
        // The value lives in its slot until the box is dropped and is never moved by the box:
        // `Pin` hides the `&mut T`, and `into_inner` takes the box, which `Pin` does not give
        // back. A recycling pool keeps the value alive without dropping it, which `Pin` allows
        // only for `Unpin` values; the derive and `pool!` require recycled items to be `Unpin`.
        // SAFETY: as just argued, the pointee stays put until it is dropped (or kept, if Unpin).
        unsafe { Pin::new_unchecked(b) }
    }
}

impl<T, P: Pool<Item = T>> From<PoolBox<T, P>> for Pin<PoolBox<T, P>> {
    fn from(b: PoolBox<T, P>) -> Self {
        PoolBox::into_pin(b)
    }
}

/// A pooled future that is `Unpin` is a future (as `Box<F>` is); a `Pin<PoolBox<F>>` is a future
/// for any `F: Future`.
impl<F: Future + Unpin, P: Pool<Item = F>> Future for PoolBox<F, P> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        F::poll(Pin::new(&mut **self), cx)
    }
}

// The bounds of the definition, as a `Drop` impl must have. `T` is `P::Item`, which is sized,
// but not known to be here: the work is done where `P::Item` is not rewritten as `T`.
impl<T: ?Sized, P: ?Sized + Pool<Item = T>> Drop for PoolBox<T, P> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the box owns its valid object, in a slot of P, and is being dropped.
        unsafe { drop_box::<P>(self.ptr.cast()) }
    }
}

/// A box's drop.
///
/// # Safety
/// `object` is the object of a `PoolBox` of pool `P`, which is being dropped: the object is
/// valid and nothing else refers to it.
#[inline(always)]
unsafe fn drop_box<P: Pool + ?Sized>(object: NonNull<u8>) {
    let object = object.cast::<P::Item>();
    if let Some(recycler) = P::__RECYCLE {
        // SAFETY: the caller's contract; these are the hooks of P.
        unsafe { mode::drop_kept::<P>(object, &recycler) };
        return;
    }
    // Gives the slot back after `T::drop`, even if it panics. A `T::drop` that drops other
    // boxes of the same pool works: no borrow of the cache is held while it runs.
    drop(raw::Discard::<P>(object));
}

impl<T, P: Pool<Item = T>> Deref for PoolBox<T, P> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialized T for as long as it lives.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T, P: Pool<Item = T>> DerefMut for PoolBox<T, P> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the box owns its T exclusively, and `&mut self` is exclusive.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T, P: Pool<Item = T>> AsRef<T> for PoolBox<T, P> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T, P: Pool<Item = T>> AsMut<T> for PoolBox<T, P> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

impl<T, P: Pool<Item = T>> Borrow<T> for PoolBox<T, P> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T, P: Pool<Item = T>> BorrowMut<T> for PoolBox<T, P> {
    fn borrow_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: fmt::Debug, P: Pool<Item = T>> fmt::Debug for PoolBox<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display, P: Pool<Item = T>> fmt::Display for PoolBox<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T, P: Pool<Item = T>> fmt::Pointer for PoolBox<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.ptr, f)
    }
}

/// Compares the values, whichever pools the two boxes are from.
impl<T: PartialEq, P: Pool<Item = T>, Q: Pool<Item = T>> PartialEq<PoolBox<T, Q>>
    for PoolBox<T, P>
{
    fn eq(&self, other: &PoolBox<T, Q>) -> bool {
        **self == **other
    }
}

impl<T: Eq, P: Pool<Item = T>> Eq for PoolBox<T, P> {}

/// Compares the values, whichever pools the two boxes are from.
impl<T: PartialOrd, P: Pool<Item = T>, Q: Pool<Item = T>> PartialOrd<PoolBox<T, Q>>
    for PoolBox<T, P>
{
    fn partial_cmp(&self, other: &PoolBox<T, Q>) -> Option<Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: Ord, P: Pool<Item = T>> Ord for PoolBox<T, P> {
    fn cmp(&self, other: &Self) -> Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: Hash, P: Pool<Item = T>> Hash for PoolBox<T, P> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

/// A clone is a new object in a new slot of the same pool; `clone_from` clones in place, in
/// the box's own slot, as `Box` does.
///
/// # Panics
/// `clone` panics if the pool is at its `max`; `clone_from` takes no slot and never does.
impl<T: Clone, P: Pool<Item = T>> Clone for PoolBox<T, P> {
    #[track_caller]
    fn clone(&self) -> Self {
        match Self::try_new_with_in_pool(|| (**self).clone()) {
            Ok(b) => b,
            Err(_) => exhausted::<P>(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        (**self).clone_from(&**source);
    }
}

/// `PoolBox::new(value)`, as `Box::from`.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// struct Id(u64);
///
/// let b: PoolBox<Id> = Id(7).into();
/// assert_eq!(b.0, 7);
/// ```
///
/// # Panics
/// If the pool is at its `max` (`PoolBox::try_new` gives the value back instead).
impl<T: Pooled> From<T> for PoolBox<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

/// A default value in a new slot.
///
/// # Panics
/// If the pool is at its `max`.
impl<T: Default, P: Pool<Item = T>> Default for PoolBox<T, P> {
    #[track_caller]
    fn default() -> Self {
        match Self::try_new_with_in_pool(T::default) {
            Ok(b) => b,
            Err(_) => exhausted::<P>(),
        }
    }
}
