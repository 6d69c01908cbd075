//! The `#[derive(Pooled)]` macro of [zokio-pool](https://docs.rs/zokio-pool).
//!
//! Do not depend on this crate directly: use the macros through the `zokio-pool` crate, which
//! re-exports them as `zokio_pool::Pooled` and `zokio_pool::pool!` and pins this crate to its
//! exact version (the code the macros emit calls hidden items of the runtime that may change in
//! any release).
//!
//! The implementation reads one step per module, for both macros: `symbol` is the table of pool
//! options, `ast` turns the input into our own types, `attr` parses the options into the model
//! (one parser for `#[pool(...)]` and for `pool!`'s list; `suggest` finds what a typo meant),
//! `valid` checks the whole, `expand` calls the runtime's `__pool_impl!` (which emits the
//! `unsafe impl Pool` through its own `$crate`: this crate emits no `unsafe` code), `named`
//! emits `pool!`'s marker and its functions, and `fallback` emits every error (with a stub) when
//! the input is invalid; `ctxt` collects the errors of all steps so that one build reports every
//! one of them, and `tokens` holds the helpers the emitting modules share.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod named;
mod suggest;
mod symbol;
mod tokens;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Gives a struct or an enum its own object pool, so that `PoolBox<T>` allocates it from a
/// thread-local cache instead of the global allocator.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// struct Message {
///     id: u64,
///     body: [u8; 256],
/// }
///
/// let message = PoolBox::new(Message { id: 1, body: [0; 256] });
/// assert_eq!(message.id, 1);
/// // Dropping the box returns the slot to this thread's cache, not to the allocator.
/// drop(message);
/// ```
///
/// The derive implements [`Pool`] (and so [`Pooled`]) for the type: the pool is one `static`
/// depot per type plus one cache per thread. Structs (with named, unnamed or no fields) and
/// enums are supported, with or without lifetime parameters; every lifetime shares one pool.
///
/// # Options
///
/// All options are optional; without them, the pool sizes itself from the size of the type.
/// They go in one or more `#[pool(...)]` attributes on the type, and each option may be given
/// once. Counts are integer literals of at least 1 (`1_024` and `1024usize` are fine; a
/// constant or an expression is not, because the derive reads the value as written).
///
/// | option | meaning | default |
/// | --- | --- | --- |
/// | `prealloc = N` | slots reserved in one chunk when the pool is first used | none: the first chunk is about a page (`chunk` slots when `chunk` is given) |
/// | `max = N` | most objects alive at once, across all threads: at the limit `PoolBox::new` panics and `PoolBox::try_new` gives the value back | no limit |
/// | `chunk = N` | slots reserved each time the pool grows | 1/32 of the capacity, in whole pages, at least a page and at most 64 KiB worth |
/// | `cache = N` | the largest magazine size M: free slots moved between a thread and the shared depot at once; a thread keeps up to 2M free slots (two magazines). Each thread's size adapts between 8 (or M, if smaller) and M: large for runs of allocations or frees, small for a random mix | 256 KiB worth, between 8 and 256 |
/// | `crate = "path"` | where the `zokio_pool` crate is, for a crate that reaches it through a re-export (a renamed dependency is found from `Cargo.toml`) | `::zokio_pool`, or its name in `Cargo.toml` |
/// | `recycle` | recycle mode: objects stay constructed between uses (see below) | off |
/// | `reset = path` | recycle mode with a reset function `fn(&mut Self)` instead of the field-by-field reset | none |
/// | `init = path` | in recycle mode, a function `fn() -> Self` that builds the objects of empty slots | `Default::default` |
/// | `max_capacity = N` | in recycle mode, an object whose `Recycle::kept_capacity` is above `N` after its reset is dropped rather than kept | no bound |
/// | `max_idle = N` | in recycle mode, an object given back while `N` free slots are at hand (this thread's cache and the depot) is dropped rather than kept | no bound |
/// | `zeroize` | an object's bytes are zeroed (volatile writes) when its slot goes back, for secrets | off |
/// | `drop_on_discard` | in recycle mode, allows a type with its own `Drop` impl, which then runs only when an object is discarded (not for kept objects) | refused: a recycled type's cleanup belongs in its reset |
/// | `#[pool(skip)]` (on a field) | in recycle mode, leaves the field out of the field-by-field reset | every field is reset |
///
/// `max` must be at least `prealloc`. `init`, `max_capacity` and `max_idle` need recycle mode;
/// `max_capacity` does not go with `reset` (a reset function gives no capacity to measure);
/// `zeroize` does not go with recycle mode (a recycled object is kept, not erased).
///
/// # Recycle mode
///
/// With `recycle`, dropping a `PoolBox` resets the object in place and keeps it in its slot, and
/// `PoolBox::take()` hands out a kept object (or builds one with `init` when none is kept): a
/// buffer keeps its allocation from one user to the next. On a struct, `recycle` also
/// implements `zokio_pool::Recycle` for it, resetting every field with its own `Recycle` impl
/// (the standard collections, `String`, `Option`, `Box`, the primitives, ...); `kept_capacity`
/// is the sum of the fields'. A field marked `#[pool(skip)]` is left as it is and counts 0.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled, Default)]
/// #[pool(recycle, max_capacity = 65_536, max_idle = 1024)]
/// struct Request {
///     id: u64,
///     headers: Vec<(String, String)>,
///     body: Vec<u8>,
///     #[pool(skip)] // kept as it is by the reset
///     generation: u32,
/// }
///
/// let mut r = PoolBox::<Request>::take(); // built by Default: nothing is kept yet
/// r.body.extend_from_slice(b"hello");
/// drop(r); // id = 0, headers and body cleared, their capacity kept
/// let r = PoolBox::<Request>::take(); // the same object
/// assert!(r.body.is_empty() && r.body.capacity() >= 5);
/// ```
///
/// An enum, or a struct reset some other way, names a reset function with `reset = path`
/// (which puts the pool in recycle mode by itself; `recycle` may be written too, and `reset`
/// wins: no `Recycle` impl is generated). To reset with a `Recycle` impl of your own, write
/// `reset = <Type as zokio_pool::Recycle>::reset`.
///
/// ```
/// use zokio_pool::Pooled;
///
/// #[derive(Pooled)]
/// #[pool(reset = Self::clear, init = Self::new)]
/// enum Slot {
///     Empty,
///     Full(Vec<u8>),
/// }
///
/// impl Slot {
///     fn new() -> Self {
///         Slot::Full(Vec::with_capacity(4096))
///     }
///     fn clear(&mut self) {
///         if let Slot::Full(buf) = self {
///             buf.clear();
///         }
///     }
/// }
/// ```
///
/// Recycled objects must be `Send` (a kept object stays in its free slot, and free slots move
/// between threads, so the next `take` on any thread may get it) and `Unpin` (a kept object is
/// neither dropped nor moved, which `Pin` allows only for `Unpin` values), and the type may not
/// have lifetime parameters (a kept object could otherwise reach a user of another lifetime) nor,
/// without `drop_on_discard`, a `Drop` impl of its own (a kept object is not dropped: put the
/// cleanup in the reset). An object whose reset panics is dropped, not kept (counted in
/// `PoolStats::discarded`).
///
/// ## `prealloc`
///
/// ```
/// use zokio_pool::Pooled;
///
/// // The first allocation reserves 1024 slots at once; the next 1023 need no allocator call.
/// #[derive(Pooled)]
/// #[pool(prealloc = 1024)]
/// struct Connection {
///     fd: i32,
///     buffer: [u8; 4096],
/// }
/// ```
///
/// ## `max`
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// // At most 2 `Job`s alive at once, across all threads.
/// #[derive(Pooled, Debug)]
/// #[pool(max = 2)]
/// struct Job {
///     id: u64,
/// }
///
/// let a = PoolBox::new(Job { id: 1 });
/// let b = PoolBox::new(Job { id: 2 });
/// // The pool is full: `try_new` gives the value back (`new` would panic).
/// let refused = PoolBox::try_new(Job { id: 3 }).unwrap_err();
/// assert_eq!(refused.id, 3);
/// drop(a);
/// assert!(PoolBox::try_new(refused).is_ok());
/// # drop(b);
/// ```
///
/// ## `chunk`
///
/// ```
/// use zokio_pool::Pooled;
///
/// // Grow 256 slots at a time.
/// #[derive(Pooled)]
/// #[pool(chunk = 256)]
/// enum Event {
///     Open(u32),
///     Close,
/// }
/// ```
///
/// ## `cache`
///
/// ```
/// use zokio_pool::Pooled;
///
/// // Each thread trades free slots with the depot at most 64 at a time, and keeps at most 129.
/// #[derive(Pooled)]
/// #[pool(cache = 64)]
/// struct Node {
///     value: u64,
///     next: Option<Box<Node>>,
/// }
/// ```
///
/// ## Several options
///
/// ```
/// use zokio_pool::Pooled;
///
/// #[derive(Pooled)]
/// #[pool(prealloc = 1024, max = 65_536)]
/// #[pool(chunk = 512, cache = 32)]
/// struct Frame<'a> {
///     header: &'a [u8],
///     payload: [u8; 1500],
/// }
/// ```
///
/// ## `crate`
///
/// Needed when the code reaches the runtime through another crate or module that re-exports
/// zokio-pool. A dependency renamed in `Cargo.toml` (`zp = { package = "zokio-pool" }`) needs
/// nothing: the derive reads the name from `Cargo.toml`.
///
/// ```
/// mod facade {
///     pub use zokio_pool::*;
/// }
///
/// #[derive(facade::Pooled)]
/// #[pool(crate = "crate::facade")]
/// struct Message {
///     id: u64,
/// }
/// # fn main() {
/// # let m = facade::PoolBox::new(Message { id: 1 });
/// # assert_eq!(m.id, 1);
/// # }
/// ```
///
/// The path only finds the runtime's macro, which names everything the pool's safety relies on
/// through its own crate: a re-export cannot change how the pool works.
///
/// # Generic types
///
/// A pool is a `static`, and a `static` cannot depend on a type or const parameter, so a type
/// with one has no pool of its own: each instantiation is served by the pool of its size class
/// (`zokio_pool::SizeClass`), shared with every type of its size and chosen at compile time
/// from the instantiation's layout. The hot path is the same pop and push; `pool_stats()`
/// reports the class. Options configure a pool of the type's own, so a generic type takes none
/// (derive with them on a concrete newtype instead, e.g. `struct Frames(Buffer<u8>);`).
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// struct Node<T> {
///     value: T,
///     next: Option<PoolBox<Node<T>>>,
/// }
///
/// let list = PoolBox::new(Node { value: 1u32, next: Some(PoolBox::new(Node { value: 2, next: None })) });
/// assert_eq!(list.next.as_ref().map(|n| n.value), Some(2));
/// let words = PoolBox::new(Node { value: "one", next: None }); // another instantiation
/// assert_eq!(words.value, "one");
/// ```
///
/// # What cannot be pooled
///
/// - Unions: wrap the union in a struct and derive on the struct.
/// - Unsized types (a last field of type `[T]`, `str` or `dyn Trait`): store a `Vec<T>`, a
///   `Box<[T]>`, a fixed-size array `[T; N]`, a `String` or a `Box<dyn Trait>` instead.
///
/// Each of these is a compile error that says what to write instead; every error in a derive is
/// reported at once.
///
/// [`Pool`]: https://docs.rs/zokio-pool/latest/zokio_pool/trait.Pool.html
/// [`Pooled`]: https://docs.rs/zokio-pool/latest/zokio_pool/trait.Pooled.html
#[proc_macro_derive(Pooled, attributes(pool))]
pub fn derive_pooled(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}

/// Declares a named pool: a zero-sized marker type that owns a pool of objects of any type, with
/// the options of `#[derive(Pooled)]`.
///
/// `#[derive(Pooled)]` needs a type of your own; `pool!` pools anything (`[u8; 4096]`,
/// `Vec<u8>`, another crate's type), and one item type may have several pools, each configured
/// on its own.
///
/// ```
/// zokio_pool::pool!(
///     /// Doc comments and other outer attributes go on the marker.
///     pub Frames: [u8; 4096], prealloc = 256
/// );
/// zokio_pool::pool!(pub Buffers: Vec<u8>, recycle, max_capacity = 1_048_576, max_idle = 64);
///
/// let f = Frames::new([0u8; 4096]); // PoolBox<[u8; 4096], Frames>, derefs to [u8; 4096]
/// let mut b = Buffers::take();      // a recycled Vec<u8>
/// b.extend_from_slice(&f[..16]);
/// ```
///
/// # Syntax
///
/// ```text
/// pool!( $(#[attr])* $vis $Name: $Type $(, option)* $(,)? )
/// ```
///
/// Outer attributes (doc comments, `#[cfg]`, `#[allow]`, ...) and the visibility go on the
/// marker `struct $Name;` and its functions. The options are those of `#[pool(...)]` (the
/// table in the documentation of `#[derive(Pooled)]`), written after a comma, except
/// `drop_on_discard` and `skip`, which are the derive's only: `pool!` does not look for `Drop`
/// impls, and resets the item as a whole.
///
/// In recycle mode, `recycle` resets objects with the item type's `zokio_pool::Recycle` impl
/// (`Vec`, `String`, `VecDeque`, the maps and sets, `Option`, `Box`, arrays and tuples of
/// them, the primitives have one), and `init` defaults to `Default::default`. A `reset` or
/// `init` path names the item type, not `Self` (which would be the marker):
/// `pool!(Frames: [u8; 4096], reset = clear_frame, init = new_frame)`.
///
/// # What it declares
///
/// The marker `$vis struct $Name;` (`Clone`, `Copy`, `Debug`, `Default`, `PartialEq`, `Eq`,
/// `Hash`), which implements `zokio_pool::Pool<Item = $Type>`, with these functions:
///
/// | function | returns |
/// | --- | --- |
/// | `$Name::new(value)` | `PoolBox<$Type, $Name>`; panics at `max` |
/// | `$Name::try_new(value)` | `Result<PoolBox<$Type, $Name>, $Type>`: the value back at `max` |
/// | `$Name::new_with(f)`, `try_new_with(f)` | the value built in the slot by `f` |
/// | `$Name::new_uninit()`, `try_new_uninit()` | `PoolBox<MaybeUninit<$Type>, Uninit<$Name>>`, to write in place (`PoolBox::write`) |
/// | `$Name::pin(value)` | `Pin<PoolBox<$Type, $Name>>` |
/// | `$Name::take()`, `try_take()` | in recycle mode: a kept object, or a new one from `init` |
/// | `$Name::stats()` | `PoolStats` of this pool |
///
/// The marker is also a value, for `PoolBox::new_in(value, $Name)` and the other `*_in`
/// functions. A `PoolBox<$Type, $Name>` is one pointer wide, derefs to `$Type` and goes back to
/// `$Name`'s pool when dropped, on any thread.
///
/// A generic item type gets one pool per instantiation: `pool!(pub U32s: Wrapper<u32>)`. The type
/// must be nameable where the pool is declared: `pool!` inside a generic function cannot use the
/// function's type parameters (a `static` cannot depend on them).
#[proc_macro]
pub fn pool(input: TokenStream) -> TokenStream {
    expand::pool(input.into()).into()
}
