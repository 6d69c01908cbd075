//! The `#[derive(Pooled)]` macro of [zokio-pool](https://docs.rs/zokio-pool).
//!
//! Do not depend on this crate directly: use the derive through the `zokio-pool` crate, which
//! re-exports it as `zokio_pool::Pooled` and pins this crate to its exact version (the code the
//! derive emits calls hidden items of the runtime that may change in any release).
//!
//! The implementation reads one step per module: `ast` turns the syn input into our own types,
//! `attr` parses `#[pool(...)]`, `valid` checks the whole, `expand` emits the `unsafe impl Pool`,
//! and `fallback` emits every error (with a stub impl) when the input is invalid; `ctxt` collects
//! the errors of all steps so that one build reports every one of them.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Gives a struct or an enum its own object pool, so that `PoolBox<T>` allocates it from a
/// thread-local cache instead of the global allocator.
///
/// ```ignore
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
/// | `prealloc = N` | slots reserved in one chunk when the pool is first used | none: the first chunk has `chunk` slots |
/// | `max = N` | most slots the pool may ever reserve, so most objects alive at once: at the limit `PoolBox::new` panics and `PoolBox::try_new` gives the value back | no limit |
/// | `chunk = N` | slots reserved each time the pool grows | chosen from the size of the type |
/// | `cache = N` | slots moved between a thread and the shared depot at once; a thread keeps up to `2 * N` free slots | chosen from the size of the type |
/// | `crate = "path"` | where the `zokio_pool` crate is, for a renamed dependency or a re-export | `::zokio_pool` |
///
/// `max` must be at least `prealloc`.
///
/// ## `prealloc`
///
/// ```ignore
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
/// ```ignore
/// use zokio_pool::{PoolBox, Pooled};
///
/// // At most 2 `Job`s alive at once, across all threads.
/// #[derive(Pooled)]
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
/// ```ignore
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
/// ```ignore
/// use zokio_pool::Pooled;
///
/// // Each thread trades free slots with the depot 64 at a time, and keeps at most 128.
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
/// ```ignore
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
/// Needed when the code cannot name the runtime as `::zokio_pool`: the dependency is renamed in
/// `Cargo.toml`, or the derive is used through another crate that re-exports zokio-pool.
///
/// ```ignore
/// extern crate zokio_pool as pool;
///
/// #[derive(pool::Pooled)]
/// #[pool(crate = "pool")]
/// struct Message {
///     id: u64,
/// }
/// ```
///
/// # What cannot be pooled
///
/// - Types with type or const parameters: a pool is a `static`, and a `static` cannot depend on
///   a generic parameter. Derive on a concrete type instead, such as a newtype
///   `struct Frame(Buffer<u8>);`.
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
