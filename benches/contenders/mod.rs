//! The contenders of the hot-path benchmarks, shared by `benches/hot_path.rs` (time, criterion)
//! and `examples/instructions.rs` (instruction counts, callgrind), so both measure the same code.
//!
//! Every contender does the same work per operation: take memory for one object, initialize it
//! the same way, hand the pointer to `black_box`, and give the memory back.
//! - 64 B ([`Small`]): the whole object is written (`id = i`, the body zeroed).
//! - 4 KiB ([`Page`]): built in place, with no copy through the stack and no 4 KiB memset: the
//!   `id` and the last byte of the body are written, as a user filling a buffer would start.
#![allow(dead_code)] // each user of this module takes the contenders it needs

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::ptr::{self, addr_of_mut};

use mimalloc::MiMalloc;
use zokio_pool::{PoolBox, Pooled};

/// A 64-byte object.
#[derive(Pooled)]
#[repr(C)]
pub struct Small {
    pub id: u64,
    pub body: [u64; 7],
}

/// A 4 KiB object: a header and a buffer whose bytes need no initialization (as a `Vec`'s
/// spare capacity), so that writing the header makes it a valid `Page`.
#[derive(Pooled)]
#[repr(C)]
pub struct Page {
    pub id: u64,
    pub body: [MaybeUninit<u8>; 4088],
}

const _: () = assert!(std::mem::size_of::<Small>() == 64);
const _: () = assert!(std::mem::size_of::<Page>() == 4096);

/// Writes a `Page`'s header and last byte in place, which initializes it.
///
/// # Safety
/// `p` is valid for writes of a `Page`.
#[inline(always)]
unsafe fn init_page(p: *mut Page, i: u64) {
    // SAFETY: the caller gives a writable Page; addr_of_mut! makes no reference to the
    // uninitialized rest.
    unsafe {
        addr_of_mut!((*p).id).write(i);
        addr_of_mut!((*p).body)
            .cast::<u8>()
            .add(4087)
            .write(i as u8);
    }
}

/// A hand-written thread-local free list per type: the practical limit of a pool (bench code
/// only; it never gives memory back).
macro_rules! free_list {
    ($name:ident, $t:ty) => {
        pub mod $name {
            use super::*;

            pub struct Free {
                next: *mut Free,
            }

            std::thread_local! {
                static HEAD: Cell<*mut Free> = const { Cell::new(ptr::null_mut()) };
            }

            #[inline(always)]
            pub fn alloc() -> *mut $t {
                HEAD.with(|h| {
                    let p = h.get();
                    if p.is_null() {
                        Box::into_raw(Box::new(MaybeUninit::<$t>::uninit())).cast()
                    } else {
                        // SAFETY: `p` is a free slot of this list.
                        h.set(unsafe { (*p).next });
                        p.cast()
                    }
                })
            }

            /// # Safety
            /// `p` came from `alloc` and its object was dropped.
            #[inline(always)]
            pub unsafe fn free(p: *mut $t) {
                HEAD.with(|h| {
                    let f = p.cast::<Free>();
                    // SAFETY: the caller gives the slot back; it is large enough for a pointer.
                    unsafe { f.write(Free { next: h.get() }) };
                    h.set(f);
                })
            }
        }
    };
}

free_list!(free_small, Small);
free_list!(free_page, Page);

/// One way to get memory for an object, initialize it and give it back.
pub trait Contender {
    /// What the caller holds while the object lives.
    type Handle;
    /// Takes memory for object number `i` and initializes it.
    fn alloc(i: u64) -> Self::Handle;
    /// Drops the object and gives its memory back.
    fn free(h: Self::Handle);
}

/// One allocate-initialize-free pair.
#[inline(never)]
pub fn pair<C: Contender>(i: u64) {
    let h = C::alloc(i);
    black_box(&h);
    C::free(h);
}

/// `n` live objects, then freed last-allocated first (`lifo`) or first-allocated first.
#[inline(never)]
pub fn batch<C: Contender>(v: &mut Vec<C::Handle>, n: u64, lifo: bool) {
    v.extend((0..n).map(C::alloc));
    black_box(&*v);
    if lifo {
        while let Some(h) = v.pop() {
            C::free(h);
        }
    } else {
        v.drain(..).for_each(C::free);
    }
}

/// `PoolBox` (for 4 KiB, built in place with `new_uninit`).
pub struct Pool;
/// `Box` on the system allocator (glibc here).
pub struct SystemBox;
/// The mimalloc allocator, called directly (the `Box` path on mimalloc).
pub struct Mimalloc;
/// The hand-written free list.
pub struct FreeList;

// --- 64 B -------------------------------------------------------------------------------------

impl Contender for (Pool, Small) {
    type Handle = PoolBox<Small>;
    #[inline(always)]
    fn alloc(i: u64) -> PoolBox<Small> {
        PoolBox::new(Small {
            id: i,
            body: [0; 7],
        })
    }
    #[inline(always)]
    fn free(h: PoolBox<Small>) {
        drop(h);
    }
}

impl Contender for (SystemBox, Small) {
    type Handle = Box<Small>;
    #[inline(always)]
    fn alloc(i: u64) -> Box<Small> {
        Box::new(Small {
            id: i,
            body: [0; 7],
        })
    }
    #[inline(always)]
    fn free(h: Box<Small>) {
        drop(h);
    }
}

impl Contender for (Mimalloc, Small) {
    type Handle = *mut Small;
    #[inline(always)]
    fn alloc(i: u64) -> *mut Small {
        let p = mi_alloc::<Small>();
        // SAFETY: `p` is fresh memory for a Small.
        unsafe {
            p.write(Small {
                id: i,
                body: [0; 7],
            })
        };
        p
    }
    #[inline(always)]
    fn free(h: *mut Small) {
        // SAFETY: `h` came from `mi_alloc::<Small>` and is freed once.
        unsafe { mi_free(h) }
    }
}

impl Contender for (FreeList, Small) {
    type Handle = *mut Small;
    #[inline(always)]
    fn alloc(i: u64) -> *mut Small {
        let p = free_small::alloc();
        // SAFETY: `p` is a slot for a Small.
        unsafe {
            p.write(Small {
                id: i,
                body: [0; 7],
            })
        };
        p
    }
    #[inline(always)]
    fn free(h: *mut Small) {
        // SAFETY: `h` came from the free list and is given back once.
        unsafe { free_small::free(h) }
    }
}

// --- 4 KiB, built in place --------------------------------------------------------------------

impl Contender for (Pool, Page) {
    type Handle = PoolBox<Page>;
    #[inline(always)]
    fn alloc(i: u64) -> PoolBox<Page> {
        let mut u = PoolBox::<Page>::new_uninit();
        // SAFETY: the slot is writable; with `id` written the Page is initialized (its body is
        // MaybeUninit bytes).
        unsafe {
            init_page(PoolBox::as_mut_ptr(&mut u).cast(), i);
            PoolBox::assume_init(u)
        }
    }
    #[inline(always)]
    fn free(h: PoolBox<Page>) {
        drop(h);
    }
}

impl Contender for (SystemBox, Page) {
    type Handle = Box<Page>;
    #[inline(always)]
    fn alloc(i: u64) -> Box<Page> {
        let mut u = Box::<Page>::new_uninit();
        // SAFETY: as for the pool.
        unsafe {
            init_page(u.as_mut_ptr(), i);
            u.assume_init()
        }
    }
    #[inline(always)]
    fn free(h: Box<Page>) {
        drop(h);
    }
}

impl Contender for (Mimalloc, Page) {
    type Handle = *mut Page;
    #[inline(always)]
    fn alloc(i: u64) -> *mut Page {
        let p = mi_alloc::<Page>();
        // SAFETY: `p` is fresh memory for a Page.
        unsafe { init_page(p, i) };
        p
    }
    #[inline(always)]
    fn free(h: *mut Page) {
        // SAFETY: `h` came from `mi_alloc::<Page>` and is freed once.
        unsafe { mi_free(h) }
    }
}

impl Contender for (FreeList, Page) {
    type Handle = *mut Page;
    #[inline(always)]
    fn alloc(i: u64) -> *mut Page {
        let p = free_page::alloc();
        // SAFETY: `p` is a slot for a Page.
        unsafe { init_page(p, i) };
        p
    }
    #[inline(always)]
    fn free(h: *mut Page) {
        // SAFETY: `h` came from the free list and is given back once.
        unsafe { free_page::free(h) }
    }
}

#[inline(always)]
fn mi_alloc<T>() -> *mut T {
    let layout = Layout::new::<T>();
    // SAFETY: the contenders' types have a non-zero size.
    let p = unsafe { MiMalloc.alloc(layout) };
    if p.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    p.cast()
}

/// # Safety
/// `p` came from `mi_alloc::<T>` and is freed once.
#[inline(always)]
unsafe fn mi_free<T>(p: *mut T) {
    // SAFETY: forwarded from the caller: same allocator, same layout.
    unsafe { MiMalloc.dealloc(p.cast(), Layout::new::<T>()) }
}
