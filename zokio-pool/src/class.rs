//! Size classes: pools shared by every type of a size, for the types a derive cannot reach.
//!
//! A pool needs a `static`, and a `static` cannot depend on a type parameter, so a generic
//! type, an `async` block's future or a closure cannot have a pool of its own. Their layouts
//! can: the class of a sized type is a compile-time constant of its size and alignment, and
//! the class pools are statics of this crate. [`SizeClass<T>`] is the pool of `T`'s class,
//! [`ClassBox<T>`] a box in it, and `#[derive(Pooled)]` on a generic type makes each
//! instantiation use its class.
//!
//! Each class is a pool like a derived type's: its own depot, thread caches and magazines,
//! chunks from the one page heap. The hot path is the same code with other constants.

use core::borrow::{Borrow, BorrowMut};
use core::fmt;
use core::future::Future;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::mem::{align_of, size_of, MaybeUninit};
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::task::{Context, Poll};
use std::thread::LocalKey;

use crate::arc::ArcInner;
use crate::boxed::PoolBox;
use crate::cache::LocalCache;
use crate::config::{Config, Options};
use crate::depot::Depot;
use crate::pool::Pool;

/// The largest alignment a class gives its slots: a page. A type aligned past it is served
/// directly (see [`SizeClass`]).
pub const CLASS_MAX_ALIGN: usize = 4096;

/// The alignment of a class's slots: the largest power of two that divides its size, at most
/// [`CLASS_MAX_ALIGN`]. Every slot of a chunk starts at a multiple of the class size from the
/// chunk's start, which the page heap aligns to this, so every slot is aligned to it too.
const fn class_align(size: usize) -> usize {
    let low = size & size.wrapping_neg();
    if low > CLASS_MAX_ALIGN {
        CLASS_MAX_ALIGN
    } else {
        low
    }
}

/// The depot config of the class of `size` bytes.
const fn class_config(size: usize) -> Config {
    Config::of_class(size, class_align(size))
}

macro_rules! size_classes {
    ($($size:literal)*) => {
        /// The size classes, in bytes, smallest first: 8 B steps up to 128 B, then eight
        /// classes per doubling up to 32 KiB (the design report's 8, 16, 32, 64, 128 and 256 B
        /// tiers among them).
        ///
        /// A class's slots are aligned to the largest power of two that divides its size, up
        /// to a page: a type goes to the smallest class that holds its size and whose size is a
        /// multiple of its alignment ([`class_size`]). The waste of a type of `s` bytes in a
        /// class of `c` is `(c - s) / c`: for sizes uniform in 1..=1024 B it averages 4.7%
        /// (tested), and the worst case of a class is one byte more than the class below it,
        /// about 1/9 of the class (11%) from 144 B up, up to 47% for the 8 B steps below 128 B
        /// (a 9 B type in the 16 B class: the size of a word-aligned slot can do no better).
        pub const SIZE_CLASSES: &[usize] = &[$($size),*];
        pub(crate) const COUNT: usize = [$($size),*].len();

        /// The depot of each class, then the zero-sized and the direct pool's.
        pub(crate) static DEPOTS: [Depot; COUNT + 2] = [
            $(Depot::new(class_config($size)),)*
            Depot::new(ZERO_CONFIG),
            Depot::new(DIRECT_CONFIG),
        ];

        /// The thread cache of each class, in the order of `DEPOTS`: one `thread_local!`
        /// each, used with that class's depot only.
        pub(crate) static CACHES: [&LocalKey<LocalCache>; COUNT + 2] = [
            $(size_classes!(@cache $size),)*
            size_classes!(@cache),
            size_classes!(@cache),
        ];

        /// How the byte allocator lists each class in the registry, the first time it uses
        /// it: the name and the part of `trim` of the class's pool, which `[u8; N]` reaches
        /// (its class is the one of exactly N bytes).
        pub(crate) static LISTING: [(fn() -> &'static str, fn(bool) -> usize); COUNT] = [
            $((
                <SizeClass<[u8; $size]> as Pool>::__name,
                crate::raw::release_pool::<SizeClass<[u8; $size]>>,
            ),)*
        ];

        /// The name each class is listed under in `pools()`.
        pub(crate) static NAMES: [&str; COUNT + 2] = [
            $(concat!("zokio_pool::SizeClass<", stringify!($size), " B>"),)*
            "zokio_pool::SizeClass<0 B>",
            "zokio_pool::SizeClass<direct>",
        ];
    };
    (@cache $($size:literal)?) => {{
        std::thread_local! {
            static CACHE: LocalCache = const { LocalCache::new() };
        }
        &CACHE
    }};
}

size_classes! {
    8 16 24 32 40 48 56 64 72 80 88 96 104 112 120 128
    144 160 176 192 208 224 240 256
    288 320 352 384 416 448 480 512
    576 640 704 768 832 896 960 1024
    1152 1280 1408 1536 1664 1792 1920 2048
    2304 2560 2816 3072 3328 3584 3840 4096
    4608 5120 5632 6144 6656 7168 7680 8192
    9216 10240 11264 12288 13312 14336 15360 16384
    18432 20480 22528 24576 26624 28672 30720 32768
}

/// The config of the zero-sized pool's depot (it only counts).
const ZERO_CONFIG: Config = Config::of::<()>(Options::DEFAULT);
/// The config of the direct pool's depot (it only counts; each object has its type's layout).
pub(crate) const DIRECT_CONFIG: Config = class_config(8).into_direct();

/// Index in `DEPOTS` of the zero-sized pool.
const ZERO: usize = COUNT;
/// Index in `DEPOTS` of the direct pool: types above the largest class or aligned past a page.
pub(crate) const DIRECT: usize = COUNT + 1;

/// The index of the class of a layout: the smallest class of at least `size` bytes whose size
/// is a multiple of `align` (so whose slots are aligned to it); `ZERO` for a zero size,
/// `DIRECT` when no class fits. Evaluated at compile time for a type; at run time it is a few
/// arithmetic instructions for an alignment up to a word (the loop runs only for larger ones).
pub(crate) const fn index_of(size: usize, align: usize) -> usize {
    if size == 0 {
        return ZERO;
    }
    if align > CLASS_MAX_ALIGN || size > SIZE_CLASSES[COUNT - 1] {
        return DIRECT;
    }
    let mut i = first_at_least(size);
    while SIZE_CLASSES[i] % align != 0 {
        i += 1;
        if i == COUNT {
            return DIRECT;
        }
    }
    i
}

/// The index of the smallest class of at least `size` bytes, for `1 <= size <= 32 KiB`:
/// 16 classes 8 B apart up to 128 B, then for `size` in `(2^k, 2^(k+1)]` the eight classes
/// `2^k + j * 2^(k-3)`, `j` in `1..=8`.
const fn first_at_least(size: usize) -> usize {
    if size <= 128 {
        return size.div_ceil(8) - 1;
    }
    let k = (usize::BITS - 1 - (size - 1).leading_zeros()) as usize; // 2^k < size <= 2^(k+1)
    let step = 1 << (k - 3);
    let j = (size - (1 << k)).div_ceil(step); // 1..=8
    16 + (k - 7) * 8 + j - 1
}

/// The size of the class that serves objects of `size` bytes aligned to `align` (a power of
/// two): the smallest of [`SIZE_CLASSES`] that holds `size` bytes and is a multiple of `align`.
/// `None` for a zero size (no memory) and when no class fits (above 32 KiB, or aligned past a
/// page): such a type is served directly by the global allocator.
///
/// ```
/// use zokio_pool::class_size;
///
/// assert_eq!(class_size(24, 8), Some(24));
/// assert_eq!(class_size(24, 16), Some(32)); // the 24 B class is not 16-aligned
/// assert_eq!(class_size(1000, 8), Some(1024));
/// assert_eq!(class_size(1025, 8), Some(1152));
/// assert_eq!(class_size(100_000, 8), None);
/// ```
pub const fn class_size(size: usize, align: usize) -> Option<usize> {
    match index_of(size, align) {
        i if i < COUNT => Some(SIZE_CLASSES[i]),
        _ => None,
    }
}

/// The config a pool of `T` served by its class has: the class's, with `T`'s own size (the
/// bytes scrubbed when a slot goes back); a zero-sized `T`'s own; or, above the classes, `T`'s
/// own layout with every object a block of its own.
const fn config_of<T>() -> Config {
    let (size, align) = (size_of::<T>(), align_of::<T>());
    let i = index_of(size, align);
    if i < COUNT {
        class_config(SIZE_CLASSES[i]).with_item_size(size)
    } else if i == ZERO {
        Config::of::<T>(Options::DEFAULT)
    } else {
        Config::of::<T>(Options::DEFAULT).into_direct()
    }
}

/// The pool of `T`'s size class: a pool for any sized `T`, shared with every type of the same
/// class. [`ClassBox<T>`] is a box in it.
///
/// The class is chosen at compile time from `T`'s size and alignment ([`class_size`]): taking
/// and giving back a slot is the same thread-local pop and push as in a derived type's own pool.
/// Statistics ([`PoolStats::of::<SizeClass<T>>()`](crate::PoolStats::of)) and
/// [`pools`](crate::pools) show the class, every type in it together, under the name
/// `zokio_pool::SizeClass<N B>`.
///
/// A zero-sized `T` takes no memory (its objects are only counted, in the class `0 B`). A `T`
/// above the largest class (32 KiB) or aligned past a page is served by the global allocator,
/// one block per object, counted in the class `direct`.
pub struct SizeClass<T>(PhantomData<fn() -> T>);

impl<T> SizeClass<T> {
    /// The class pool of `T`, as a value: the `pool` argument of [`PoolBox::new_in`] and the
    /// other `_in` constructors.
    pub const fn new() -> Self {
        SizeClass(PhantomData)
    }

    /// The index in `DEPOTS` and `CACHES` of `T`'s class.
    const INDEX: usize = index_of(size_of::<T>(), align_of::<T>());

    /// The class's thread cache, as a constant: `__cache()` then names its `thread_local!` as
    /// directly as a derived type's does, so the optimizer inlines the access the same way (a
    /// load from the `CACHES` array at run time left an indirect call to the key's accessor on
    /// the hot path: 8 instructions more per pair).
    const CACHE: &'static LocalKey<LocalCache> = CACHES[Self::INDEX];

    /// The class's depot, as a constant (see `CACHE`).
    const DEPOT: &'static Depot = &DEPOTS[Self::INDEX];
}

impl<T> Default for SizeClass<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for SizeClass<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for SizeClass<T> {}

impl<T> core::fmt::Debug for SizeClass<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(NAMES[Self::INDEX])
    }
}

// SAFETY: the bullets of `Pool`'s contract, for `SizeClass<T>`:
// - `__CONFIG` is `config_of::<T>()`: for a class, the class's config, whose slots are at least
//   `size_of::<T>()` bytes (`index_of` picks a class of at least that size) and aligned to the
//   class's alignment, a multiple of `align_of::<T>()` (the class size is a multiple of
//   `align_of::<T>()`, a power of two at most `CLASS_MAX_ALIGN`, so the largest power of two
//   dividing it, capped at `CLASS_MAX_ALIGN`, is a multiple of it); with `item_size` the size of
//   `T`, which is what the runtime scrubs. For a zero-sized `T`, `Config::of::<T>`. Above the
//   classes, `Config::of::<T>` made direct: every object is a block of `T`'s own slot layout
//   from the global allocator, and the depot only counts.
// - `__depot()` is always `DEPOTS[INDEX]`, a `static`: for a class, made with the class's
//   config, which `serves` every `config_of::<U>()` of a type `U` of that class (the fields
//   other than `item_size` are the class's; checked at compile time below), so all the pools
//   that share it agree on slot size, alignment, magazine size, chunks and max. The zero-sized
//   depot and the direct depot hand out no slots (`raw` takes the direct path for `is_direct`
//   configs, and it allocates with the pool's own layout), so the types sharing them only share
//   counts.
// - `__cache()` is always `CACHES[INDEX]`, the `thread_local!` made for that depot only.
// - `__arc_cache()` and `__arc_depot()` are `SizeClass<ArcInner<T>>`'s, whose config is
//   `__ARC_CONFIG`: the bullets above for `ArcInner<T>`, the item of `Counted<Self>`.
// - `__RECYCLE` is `None`.
#[diagnostic::do_not_recommend]
unsafe impl<T> Pool for SizeClass<T> {
    type Item = T;

    const __CONFIG: Config = {
        let config = config_of::<T>();
        assert!(
            DEPOT_CONFIGS[Self::INDEX].serves(&config) || config.is_direct(),
            "zokio-pool: a size class's depot must serve its types' configs"
        );
        config
    };

    const __ARC_CONFIG: Config = config_of::<ArcInner<T>>();

    #[inline(always)]
    fn __cache() -> &'static LocalKey<LocalCache> {
        Self::CACHE
    }

    #[inline(always)]
    fn __depot() -> &'static Depot {
        Self::DEPOT
    }

    fn __name() -> &'static str {
        NAMES[Self::INDEX]
    }

    #[inline(always)]
    fn __arc_cache() -> &'static LocalKey<LocalCache> {
        <SizeClass<ArcInner<T>> as Pool>::__cache()
    }

    #[inline(always)]
    fn __arc_depot() -> &'static Depot {
        <SizeClass<ArcInner<T>> as Pool>::__depot()
    }
}

/// The configs `DEPOTS` were made with, readable in `const` context (a `static`'s fields are
/// not), for the compile-time check in `SizeClass::__CONFIG`.
const DEPOT_CONFIGS: [Config; COUNT + 2] = {
    let mut configs = [class_config(8); COUNT + 2];
    let mut i = 0;
    while i < COUNT {
        configs[i] = class_config(SIZE_CLASSES[i]);
        i += 1;
    }
    configs[ZERO] = ZERO_CONFIG;
    configs[DIRECT] = DIRECT_CONFIG;
    configs
};

/// A box in the pool of `T`'s size class: [`PoolBox`] for any sized `T`, including the types
/// a derive cannot reach (a generic type, an `async` block's future, a closure, a type of
/// another crate), with no declaration.
///
/// One pointer wide, with the methods and traits of `PoolBox` (`Deref`, comparisons, hashing,
/// `Clone`, `Default`, `Future` for an `Unpin` future, iterators, I/O, `Error`, ...); `Send`
/// and `Sync` exactly when `T` is. The class is chosen at compile time from `T`'s layout
/// ([`SizeClass`]), so the hot path has no size lookup: it is a
/// `PoolBox<T, SizeClass<T>>` (which `PoolBox::new_in(value, SizeClass::new())` makes too),
/// wrapped in a type of its own so that `ClassBox::new` and `PoolBox::new` stay two distinct
/// constructors ([`into_pool_box`](Self::into_pool_box) and `From` convert between them).
///
/// ```
/// use zokio_pool::ClassBox;
///
/// let greeting = ClassBox::new(String::from("hello")); // a type of another crate
/// let add = ClassBox::new(|a: u32, b: u32| a + b);     // a closure
/// assert_eq!((greeting.len(), add(2, 3)), (5, 5));
/// assert_eq!(core::mem::size_of::<ClassBox<[u8; 100]>>(), core::mem::size_of::<usize>());
/// ```
///
/// A future from an `async` block, pinned in its class ([`ClassBox::pin`]), is polled like a
/// `Pin<Box<F>>`. To store futures of different types together, erase the type through a
/// pinned reference (`Pin<&mut dyn Future<Output = T>>`, no allocation), or, where an owned
/// `dyn Future` is needed, box the one-pointer handle: `Box::pin(handle)` is a
/// `Pin<Box<dyn Future>>` whose future stays in its class pool and whose box holds one pointer
/// (stable Rust cannot coerce a `PoolBox<F>` itself to `PoolBox<dyn Future>`).
///
/// ```
/// use core::future::Future;
/// use core::pin::Pin;
/// use core::task::{Context, Poll, Waker};
/// use zokio_pool::ClassBox;
///
/// let mut fut = ClassBox::pin(async { 40 + 2 });
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(42));
///
/// let erased: Vec<Pin<Box<dyn Future<Output = u32>>>> = vec![
///     Box::pin(ClassBox::pin(async { 1 })),
///     Box::pin(ClassBox::pin(async { [0u8; 512].len() as u32 })),
/// ];
/// let sum: u32 = erased
///     .into_iter()
///     .map(|mut f| match f.as_mut().poll(&mut cx) {
///         Poll::Ready(v) => v,
///         Poll::Pending => unreachable!(),
///     })
///     .sum();
/// assert_eq!(sum, 513);
/// ```
#[repr(transparent)]
pub struct ClassBox<T>(PoolBox<T, SizeClass<T>>);

impl<T> ClassBox<T> {
    /// Moves `value` into a slot of its size class.
    ///
    /// ```
    /// use zokio_pool::ClassBox;
    ///
    /// let v = ClassBox::new(vec![1, 2, 3]);
    /// assert_eq!(v.len(), 3);
    /// ```
    #[inline(always)]
    pub fn new(value: T) -> Self {
        ClassBox(PoolBox::new_in(value, SizeClass::new()))
    }

    /// Builds the value in a slot of its class with `f`: no stack copy of `T` where the
    /// optimizer can avoid one.
    ///
    /// ```
    /// use zokio_pool::ClassBox;
    ///
    /// let page = ClassBox::new_with(|| [0u8; 4096]);
    /// assert_eq!(page.len(), 4096);
    /// ```
    #[inline(always)]
    pub fn new_with<F: FnOnce() -> T>(f: F) -> Self {
        ClassBox(PoolBox::new_with_in(f, SizeClass::new()))
    }

    /// A slot of `T`'s class with no value in it yet: write it in place (no stack copy of a
    /// large `T`), then [`assume_init`](ClassBox::assume_init), or [`write`](ClassBox::write).
    ///
    /// ```
    /// use zokio_pool::ClassBox;
    ///
    /// let mut page = ClassBox::<[u64; 512]>::new_uninit();
    /// let words = page.as_mut_ptr().cast::<u64>();
    /// for i in 0..512 {
    ///     // SAFETY: inside the slot's 512 words.
    ///     unsafe { words.add(i).write(i as u64) };
    /// }
    /// // SAFETY: every element was written just above.
    /// let page = unsafe { ClassBox::assume_init(page) };
    /// assert_eq!(page[511], 511);
    /// ```
    #[inline(always)]
    pub fn new_uninit() -> ClassBox<MaybeUninit<T>> {
        // Taken without a write: moving a `MaybeUninit::uninit()` in with `new` copied the
        // whole (undefined) value, 4 KiB in about 420 instructions.
        let Some(taken) = crate::raw::alloc::<SizeClass<MaybeUninit<T>>>() else {
            unreachable!("a class pool has no max")
        };
        // SAFETY: a slot just taken from `SizeClass<MaybeUninit<T>>`, committed, with no kept
        // object (a class pool does not recycle); a `MaybeUninit<T>` needs no initialization.
        let b = unsafe { PoolBox::from_object(taken.object) };
        ClassBox(b)
    }

    /// A slot of `T`'s class with every byte zero (valid for a `T` only if all zeros is one).
    ///
    /// ```
    /// use zokio_pool::ClassBox;
    ///
    /// // SAFETY: all zeros is a valid `[u32; 100]`.
    /// let zeros = unsafe { ClassBox::assume_init(ClassBox::<[u32; 100]>::new_zeroed()) };
    /// assert!(zeros.iter().all(|&x| x == 0));
    /// ```
    #[inline(always)]
    pub fn new_zeroed() -> ClassBox<MaybeUninit<T>> {
        let mut b = Self::new_uninit();
        // SAFETY: the slot holds `size_of::<T>()` writable bytes.
        unsafe { b.as_mut_ptr().write_bytes(0, 1) };
        b
    }

    /// Moves `value` (typically a future) into a slot of its class and pins it there.
    ///
    /// ```
    /// use core::future::Future;
    /// use core::task::{Context, Poll, Waker};
    /// use zokio_pool::ClassBox;
    ///
    /// let mut fut = ClassBox::pin(async { "done" });
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready("done"));
    /// ```
    #[inline(always)]
    pub fn pin(value: T) -> Pin<Self> {
        Self::into_pin(Self::new(value))
    }

    /// Moves the value out and gives the slot back to its class.
    ///
    /// ```
    /// use zokio_pool::ClassBox;
    ///
    /// let b = ClassBox::new((1u8, 'x'));
    /// assert_eq!(ClassBox::into_inner(b), (1, 'x'));
    /// ```
    #[inline]
    pub fn into_inner(b: Self) -> T {
        PoolBox::into_inner(b.0)
    }

    /// Pins the box's value in its slot, as `Box::into_pin`.
    #[inline]
    pub fn into_pin(b: Self) -> Pin<Self> {
        // SAFETY: the value lives in its slot until the box is dropped and the box never moves
        // it (as `PoolBox::into_pin` argues: a class pool recycles nothing); `Pin` hides the
        // `&mut T` and keeps `into_inner` out of reach.
        unsafe { Pin::new_unchecked(b) }
    }

    /// Leaks the box: the `T` lives (and its slot stays taken) for the rest of the program.
    #[inline]
    pub fn leak<'a>(b: Self) -> &'a mut T
    where
        T: 'a,
    {
        PoolBox::leak(b.0)
    }

    /// Gives up ownership: the caller becomes responsible for the `T` and its slot, which
    /// [`from_raw`](Self::from_raw) takes back.
    ///
    /// ```
    /// use zokio_pool::ClassBox;
    ///
    /// let raw = ClassBox::into_raw(ClassBox::new(5u64));
    /// // SAFETY: `raw` came from `ClassBox::<u64>::into_raw` and is taken back once.
    /// let back = unsafe { ClassBox::<u64>::from_raw(raw) };
    /// assert_eq!(*back, 5);
    /// ```
    #[inline]
    pub fn into_raw(b: Self) -> *mut T {
        PoolBox::into_raw(b.0)
    }

    /// Takes back a pointer from [`into_raw`](Self::into_raw).
    ///
    /// # Safety
    /// `ptr` must come from `ClassBox::<T>::into_raw` (or from `into_raw` of a
    /// `PoolBox<T, SizeClass<T>>`), with the same `T`, and must be given to `from_raw` at most
    /// once.
    #[inline]
    pub unsafe fn from_raw(ptr: *mut T) -> Self {
        // SAFETY: forwarded from the caller: a `ClassBox<T>` is a `PoolBox<T, SizeClass<T>>`.
        ClassBox(unsafe { PoolBox::from_raw(ptr) })
    }

    /// A raw pointer to the value, without giving up ownership.
    #[inline]
    pub fn as_ptr(b: &Self) -> *const T {
        PoolBox::as_ptr(&b.0)
    }

    /// A raw mutable pointer to the value, without giving up ownership.
    #[inline]
    pub fn as_mut_ptr(b: &mut Self) -> *mut T {
        PoolBox::as_mut_ptr(&mut b.0)
    }

    /// The box as a [`PoolBox`] of the class pool (no move of the value).
    #[inline]
    pub fn into_pool_box(b: Self) -> PoolBox<T, SizeClass<T>> {
        b.0
    }
}

impl<T> ClassBox<MaybeUninit<T>> {
    /// Converts to `ClassBox<T>` in place: the slot stays where it is.
    ///
    /// # Safety
    /// The value must be initialized (as for `MaybeUninit::assume_init`).
    #[inline(always)]
    pub unsafe fn assume_init(b: Self) -> ClassBox<T> {
        const {
            assert!(
                SizeClass::<MaybeUninit<T>>::INDEX == SizeClass::<T>::INDEX,
                "a MaybeUninit<T> has T's layout, so T's class"
            )
        };
        // `config_of` depends only on the size and alignment, which `MaybeUninit<T>` and `T`
        // share, and the class was checked just above: the two are one pool.
        let object = PoolBox::into_non_null(b.0).cast::<T>();
        // SAFETY: a slot's object of `SizeClass<MaybeUninit<T>>`, which is `SizeClass<T>`'s
        // pool (same depot, cache and config, above); the value is initialized (the caller's
        // contract) and the slot's only handle was given up above.
        let b = unsafe { PoolBox::from_object(object) };
        ClassBox(b)
    }

    /// Writes `value` into the slot and converts to `ClassBox<T>` in place.
    ///
    /// ```
    /// use zokio_pool::ClassBox;
    ///
    /// let b = ClassBox::write(ClassBox::<String>::new_uninit(), String::from("in place"));
    /// assert_eq!(*b, "in place");
    /// ```
    #[inline(always)]
    pub fn write(mut b: Self, value: T) -> ClassBox<T> {
        b.write(value);
        // SAFETY: written just above.
        unsafe { Self::assume_init(b) }
    }
}

impl<T> From<PoolBox<T, SizeClass<T>>> for ClassBox<T> {
    fn from(b: PoolBox<T, SizeClass<T>>) -> Self {
        ClassBox(b)
    }
}

impl<T> From<ClassBox<T>> for PoolBox<T, SizeClass<T>> {
    fn from(b: ClassBox<T>) -> Self {
        b.0
    }
}

impl<T> From<T> for ClassBox<T> {
    fn from(value: T) -> Self {
        ClassBox::new(value)
    }
}

impl<T> From<ClassBox<T>> for Pin<ClassBox<T>> {
    fn from(b: ClassBox<T>) -> Self {
        ClassBox::into_pin(b)
    }
}

impl<T> Deref for ClassBox<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for ClassBox<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// An `Unpin` future in a class is a future (as `Box<F>` is); a `Pin<ClassBox<F>>` is a future
/// for any `F: Future`.
impl<F: Future + Unpin> Future for ClassBox<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        F::poll(Pin::new(&mut **self), cx)
    }
}

impl<T> AsRef<T> for ClassBox<T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T> AsMut<T> for ClassBox<T> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

impl<T> Borrow<T> for ClassBox<T> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T> BorrowMut<T> for ClassBox<T> {
    fn borrow_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: fmt::Debug> fmt::Debug for ClassBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for ClassBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T> fmt::Pointer for ClassBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.0, f)
    }
}

impl<T: PartialEq> PartialEq for ClassBox<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for ClassBox<T> {}

impl<T: PartialOrd> PartialOrd for ClassBox<T> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: Ord> Ord for ClassBox<T> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: Hash> Hash for ClassBox<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl<T: Clone> Clone for ClassBox<T> {
    fn clone(&self) -> Self {
        ClassBox(self.0.clone())
    }
}

impl<T: Default> Default for ClassBox<T> {
    fn default() -> Self {
        ClassBox::new(T::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_ascend_and_keep_their_configs_slot_sizes() {
        for pair in SIZE_CLASSES.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        for (i, &size) in SIZE_CLASSES.iter().enumerate() {
            let c = DEPOT_CONFIGS[i];
            assert_eq!(
                c.slot_size, size,
                "no colouring or rounding changes a class"
            );
            assert_eq!(size % c.slot_align, 0);
            assert!(c.slot_align.is_power_of_two() && c.slot_align <= CLASS_MAX_ALIGN);
            assert_eq!(DEPOTS[i].config(), &c);
        }
    }

    #[test]
    fn every_layout_goes_to_the_smallest_class_that_fits_it() {
        // Every size and alignment under the real pool; under Miri, which is slow, each
        // class's boundaries at a few alignments (this is arithmetic, not memory access).
        let sizes: Vec<usize> = if cfg!(miri) {
            SIZE_CLASSES
                .iter()
                .flat_map(|&c| [c - 1, c, c + 1])
                .collect()
        } else {
            (1..=33 * 1024).collect()
        };
        let mut align = 1;
        while align <= 2 * CLASS_MAX_ALIGN {
            for &size in &sizes {
                let got = class_size(size, align);
                let want = SIZE_CLASSES
                    .iter()
                    .copied()
                    .find(|&c| c >= size && c % align == 0 && align <= CLASS_MAX_ALIGN);
                assert_eq!(got, want, "size {size}, align {align}");
                if let Some(c) = got {
                    let i = index_of(size, align);
                    assert_eq!(DEPOT_CONFIGS[i].slot_align % align, 0);
                    assert!(c >= size);
                }
            }
            align *= if cfg!(miri) { 8 } else { 2 };
        }
    }

    #[test]
    fn the_arithmetic_lookup_agrees_with_a_search_of_the_table() {
        let step = if cfg!(miri) { 61 } else { 1 };
        for size in (1..=SIZE_CLASSES[COUNT - 1]).step_by(step) {
            let want = SIZE_CLASSES.iter().position(|&c| c >= size).unwrap();
            assert_eq!(first_at_least(size), want, "size {size}");
        }
        for &c in SIZE_CLASSES {
            assert_eq!(SIZE_CLASSES[first_at_least(c)], c);
        }
    }

    #[test]
    fn the_average_waste_for_sizes_up_to_1_kib_is_under_5_percent() {
        let waste: f64 = (1..=1024usize)
            .map(|s| {
                let c = class_size(s, 1).unwrap();
                (c - s) as f64 / c as f64
            })
            .sum::<f64>()
            / 1024.0;
        assert!(waste < 0.05, "average waste {waste}"); // 4.7% with these classes
                                                        // From 144 B up, a class wastes at most one part in nine (one byte more than the class
                                                        // below it).
        for w in SIZE_CLASSES.windows(2).filter(|w| w[1] >= 144) {
            let worst = (w[1] - (w[0] + 1)) as f64 / w[1] as f64;
            assert!(worst <= 1.0 / 9.0 + 1e-9, "class {}: {worst}", w[1]);
        }
    }

    #[test]
    fn class_configs_serve_their_types() {
        assert!(<SizeClass<[u8; 20]> as Pool>::__CONFIG.holds::<[u8; 20]>());
        assert_eq!(<SizeClass<[u8; 20]> as Pool>::__CONFIG.slot_size, 24);
        assert!(<SizeClass<()> as Pool>::__CONFIG.is_zst());
        const { assert!(<SizeClass<[u8; 40_000]> as Pool>::__CONFIG.direct) };
        #[repr(align(8192))]
        struct Big(#[allow(dead_code)] u8);
        const { assert!(<SizeClass<Big> as Pool>::__CONFIG.direct) };
        assert_eq!(SizeClass::<u64>::INDEX, 0);
        assert_eq!(SizeClass::<[u64; 3]>::INDEX, 2);
    }
}
