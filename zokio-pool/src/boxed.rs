//! `PoolBox`: an owning pointer to an object in a pool slot.

use core::borrow::{Borrow, BorrowMut};
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop, MaybeUninit};
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};

use crate::pool::{Pool, Pooled, Uninit};
use crate::raw;

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
pub struct PoolBox<T, P: Pool<Item = T> = T> {
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
fn exhausted<P: Pool>() -> ! {
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
    /// If the pool has a `max` and no free slot is left (see [`try_new`](Self::try_new)).
    #[inline]
    #[track_caller]
    pub fn new(value: T) -> Self {
        match Self::try_new(value) {
            Ok(b) => b,
            Err(_) => exhausted::<T>(),
        }
    }

    /// Moves `value` into a slot, or gives it back if the pool is at its `max`.
    ///
    /// A pool has no free slot for this thread when it has reserved `max` slots and every one
    /// is live or cached by another thread (each thread caches at most 2M free slots, M being
    /// the `cache` option).
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
        match raw::alloc::<T>() {
            Some(slot) => {
                let ptr = slot.cast::<T>();
                // SAFETY: the slot is ours, aligned and large enough for a T (Config::of).
                unsafe { ptr.as_ptr().write(value) };
                // SAFETY: `ptr` is a slot of T's pool holding an initialized T.
                Ok(unsafe { Self::from_slot(ptr) })
            }
            None => Err(value),
        }
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
        match Self::try_new_with(f) {
            Ok(b) => b,
            Err(_) => exhausted::<T>(),
        }
    }

    /// [`new_with`](Self::new_with), giving `f` back uncalled if the pool is at its `max`.
    #[inline]
    pub fn try_new_with<F: FnOnce() -> T>(f: F) -> Result<Self, F> {
        let Some(slot) = raw::alloc::<T>() else {
            return Err(f);
        };
        // SAFETY: the slot is ours and holds nothing yet; if `f` panics, the guard gives back a
        // slot in which nothing was written.
        let guard = unsafe { raw::ReleaseOnDrop::<T>::new(slot) };
        let ptr = slot.cast::<T>();
        // SAFETY: the slot is aligned and large enough for a T (Config::of).
        unsafe { ptr.as_ptr().write(f()) };
        mem::forget(guard);
        // SAFETY: `ptr` is a slot of T's pool holding an initialized T.
        Ok(unsafe { Self::from_slot(ptr) })
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
    /// let p = page.as_mut_ptr();
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
        match Self::try_new_uninit() {
            Some(b) => b,
            None => exhausted::<T>(),
        }
    }

    /// [`new_uninit`](Self::new_uninit), or `None` if the pool is at its `max`.
    #[inline]
    pub fn try_new_uninit() -> Option<PoolBox<MaybeUninit<T>, Uninit<T>>> {
        let slot = raw::alloc::<T>()?;
        // SAFETY: the slot belongs to T's pool, which is also `Uninit<T>`'s, and a
        // MaybeUninit<T> needs no initialization.
        Some(unsafe { PoolBox::from_slot(slot.cast()) })
    }
}

impl<T, P: Pool<Item = T>> PoolBox<MaybeUninit<T>, Uninit<P>> {
    /// Writes `value` into the slot and returns the initialized box.
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
        unsafe { PoolBox::from_slot(NonNull::new_unchecked(ptr)) }
    }
}

impl<T, P: Pool<Item = T>> PoolBox<T, P> {
    /// # Safety
    /// `ptr` is a slot taken from `P`'s pool that holds an initialized `T` and no other handle.
    #[inline(always)]
    unsafe fn from_slot(ptr: NonNull<T>) -> Self {
        PoolBox {
            ptr,
            _owns: PhantomData,
            _pool: PhantomData,
        }
    }

    /// Moves the value out and gives the slot back to the pool.
    #[inline]
    pub fn into_inner(b: Self) -> T {
        let b = ManuallyDrop::new(b);
        // SAFETY: the box holds an initialized T, read once here; the box is not dropped, so the
        // T is not dropped twice.
        let value = unsafe { b.ptr.as_ptr().read() };
        // SAFETY: the slot came from P's pool and nothing refers to it any more.
        unsafe { raw::release::<P>(b.ptr.cast()) };
        value
    }

    /// Leaks the box: the `T` lives (and its slot stays taken) for the rest of the program.
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
    #[inline]
    pub fn into_raw(b: Self) -> *mut T {
        ManuallyDrop::new(b).ptr.as_ptr()
    }

    /// Takes back a pointer from [`into_raw`](Self::into_raw).
    ///
    /// # Safety
    /// `ptr` must come from `PoolBox::<T, P>::into_raw` (same `T`, same pool `P`), and must be
    /// given to `from_raw` at most once.
    #[inline]
    pub unsafe fn from_raw(ptr: *mut T) -> Self {
        // SAFETY: the caller promises `ptr` came from into_raw, so it is a non-null slot of P
        // holding a T that no other handle owns.
        unsafe { Self::from_slot(NonNull::new_unchecked(ptr)) }
    }

    /// A raw pointer to the value, without giving up ownership.
    #[inline]
    pub fn as_ptr(b: &Self) -> *const T {
        b.ptr.as_ptr()
    }

    /// A raw mutable pointer to the value, without giving up ownership.
    #[inline]
    pub fn as_mut_ptr(b: &mut Self) -> *mut T {
        b.ptr.as_ptr()
    }
}

impl<T, P: Pool<Item = T>> Drop for PoolBox<T, P> {
    #[inline]
    fn drop(&mut self) {
        // Gives the slot back after `T::drop`, even if it panics. A `T::drop` that drops other
        // boxes of the same pool works: no borrow of the cache is held while it runs.
        // SAFETY: the box owns its slot, and the guard drops after the T below is dropped.
        let _release = unsafe { raw::ReleaseOnDrop::<P>::new(self.ptr.cast()) };
        // SAFETY: the box owns an initialized T; it is dropped once, here.
        unsafe { ptr::drop_in_place(self.ptr.as_ptr()) };
    }
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

impl<T: PartialEq, P: Pool<Item = T>> PartialEq for PoolBox<T, P> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq, P: Pool<Item = T>> Eq for PoolBox<T, P> {}

impl<T: PartialOrd, P: Pool<Item = T>> PartialOrd for PoolBox<T, P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
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

/// A clone is a new object in a new slot of the same pool.
impl<T: Pooled + Clone> Clone for PoolBox<T> {
    #[track_caller]
    fn clone(&self) -> Self {
        PoolBox::new_with(|| (**self).clone())
    }
}

impl<T: Pooled + Default> Default for PoolBox<T> {
    #[track_caller]
    fn default() -> Self {
        PoolBox::new_with(T::default)
    }
}
