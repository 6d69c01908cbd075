//! `PoolBox` as a user sees it: slots are reused, every value is dropped exactly once, and the
//! box behaves like the `T` it holds.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use zokio_pool::{PoolBox, Pooled, CHECKING_MODE};

#[derive(Pooled, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[pool(prealloc = 1024)]
struct Message {
    id: u64,
    body: [u8; 48],
}

impl Default for Message {
    fn default() -> Self {
        message(0)
    }
}

fn message(id: u64) -> Message {
    Message { id, body: [0; 48] }
}

#[test]
fn the_issue_example_compiles_and_runs() {
    let mut m: PoolBox<Message> = PoolBox::new(message(1));
    m.id += 1;
    let v: Message = PoolBox::into_inner(m);
    assert_eq!(v.id, 2);
    let r: Result<PoolBox<Message>, Message> = PoolBox::try_new(v);
    let b = PoolBox::new_with(|| message(2));
    assert_eq!((r.unwrap().id, b.id), (2, 2));
    let s: zokio_pool::PoolStats = Message::pool_stats();
    if !CHECKING_MODE {
        assert!(
            s.capacity >= 1024,
            "prealloc reserves its chunk on first use: {s:?}"
        );
    }
}

#[derive(Pooled)]
struct Reused(u32);

#[test]
fn a_freed_slot_is_the_next_one_handed_out_on_that_thread() {
    if CHECKING_MODE {
        return; // every object is its own allocation: nothing is reused
    }
    let a = PoolBox::new(Reused(1));
    let b = PoolBox::new(Reused(2));
    let (pa, pb) = (PoolBox::as_ptr(&a), PoolBox::as_ptr(&b));
    drop(a);
    let c = PoolBox::new(Reused(3));
    assert_eq!(PoolBox::as_ptr(&c), pa);
    drop(b);
    drop(c);
    // Freed slots are handed out last in, first out: `c`'s (which was `a`'s), then `b`'s.
    let d = PoolBox::new(Reused(4));
    let e = PoolBox::new(Reused(5));
    assert_eq!((PoolBox::as_ptr(&d), PoolBox::as_ptr(&e)), (pa, pb));
    assert_eq!(d.0 + e.0, 9);
}

static LIVE_DROPS: AtomicUsize = AtomicUsize::new(0);

#[derive(Pooled)]
struct DropCounted(u64);

impl Drop for DropCounted {
    fn drop(&mut self) {
        LIVE_DROPS.fetch_add(1, SeqCst);
    }
}

#[test]
fn every_value_is_dropped_exactly_once() {
    let boxes: Vec<_> = (0..1000).map(|i| PoolBox::new(DropCounted(i))).collect();
    assert_eq!(LIVE_DROPS.load(SeqCst), 0);
    let mut kept = Vec::new();
    for (i, b) in boxes.into_iter().enumerate() {
        match i % 4 {
            0 => drop(b),
            1 => kept.push(PoolBox::into_inner(b)), // moved out: not dropped yet
            2 => {
                let p = PoolBox::into_raw(b);
                // SAFETY: `p` comes from into_raw of this pool, once.
                drop(unsafe { PoolBox::<DropCounted>::from_raw(p) });
            }
            _ => drop(PoolBox::new_with(|| PoolBox::into_inner(b))),
        }
    }
    assert_eq!(LIVE_DROPS.load(SeqCst), 750);
    drop(kept);
    assert_eq!(LIVE_DROPS.load(SeqCst), 1000);
    if CHECKING_MODE && cfg!(miri) {
        return; // a leaked object is its own allocation there, and Miri reports the leak
    }
    let leaked = PoolBox::leak(PoolBox::new(DropCounted(0)));
    leaked.0 = 1;
    assert_eq!(
        LIVE_DROPS.load(SeqCst),
        1000,
        "a leaked value is never dropped"
    );
    let s = DropCounted::pool_stats();
    assert_eq!(s.live, 1, "the leaked value keeps its slot: {s:?}");
}

#[test]
fn a_box_forwards_the_traits_of_its_value() {
    let a = PoolBox::new(message(1));
    let b = PoolBox::new(message(2));
    assert!(a < b && a != b && a.cmp(&b).is_lt());
    let hash = |v: &dyn Fn(&mut DefaultHasher)| {
        let mut h = DefaultHasher::new();
        v(&mut h);
        h.finish()
    };
    assert_eq!(hash(&|h| a.hash(h)), hash(&|h| message(1).hash(h)));
    assert_eq!(format!("{a:?}"), format!("{:?}", message(1)));
    assert!(format!("{a:p}").starts_with("0x"));
    let c = a.clone();
    assert_eq!(c, a);
    assert_ne!(
        PoolBox::as_ptr(&c),
        PoolBox::as_ptr(&a),
        "a clone takes a new slot"
    );
    let d: PoolBox<Message> = Default::default();
    assert_eq!(*d, Message::default());
    let set: BTreeSet<_> = [b, a, c].into_iter().collect();
    assert_eq!(set.len(), 2);
    let r: &Message = std::borrow::Borrow::borrow(&d);
    assert_eq!(r.id, 0);
    let mut e = PoolBox::new(message(5));
    AsMut::<Message>::as_mut(&mut e).id = 6;
    assert_eq!(AsRef::<Message>::as_ref(&e).id, 6);
}

#[derive(Pooled)]
struct Shown(&'static str);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

#[test]
fn display_is_the_values() {
    assert_eq!(PoolBox::new(Shown("hello")).to_string(), "hello");
}

#[derive(Pooled)]
struct Page {
    bytes: [u8; 4096],
}

#[test]
fn large_objects_are_built_in_place() {
    let mut u = PoolBox::<Page>::new_uninit();
    let at = PoolBox::as_ptr(&u) as usize;
    // SAFETY: writes the only field in place through a raw pointer.
    let page = unsafe {
        std::ptr::addr_of_mut!((*PoolBox::as_mut_ptr(&mut u).cast::<Page>()).bytes)
            .write_bytes(9, 1);
        PoolBox::assume_init(u)
    };
    assert_eq!(PoolBox::as_ptr(&page) as usize, at);
    assert!(page.bytes.iter().all(|&b| b == 9));
    let bytes = PoolBox::into_inner(page).bytes;
    assert_eq!(bytes[4095], 9);
}
