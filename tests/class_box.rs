//! Size classes: `ClassBox<T>` for any sized type, and `#[derive(Pooled)]` on generic types.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use zokio_pool::{
    class_size, ClassBox, PoolArc, PoolBox, PoolStats, Pooled, SizeClass, CHECKING_MODE,
    SIZE_CLASSES,
};

/// Operations per thread in the threaded test: fewer under Miri, which is slow.
const ROUNDS: u64 = if cfg!(miri) { 300 } else { 5000 };
/// Boxes made at once in the threaded and trim tests: fewer under Miri.
const BOXES: u64 = if cfg!(miri) { 200 } else { 1000 };

fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

/// Counts its drops.
struct Counted<'a>(&'a AtomicUsize, #[allow(dead_code)] [u8; 40]);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn async_blocks_are_pinned_in_their_class_and_polled() {
    let shared = Rc::new(Cell::new(0));
    let s = shared.clone();
    let mut fut = ClassBox::pin(async move {
        let buffer = [7u8; 300]; // held across the await: part of the future's state
        std::future::ready(()).await;
        s.set(buffer.iter().map(|&b| b as u32).sum());
        buffer.len()
    });
    assert_eq!(poll_once(fut.as_mut()), Poll::Ready(300));
    assert_eq!(shared.get(), 2100);
    drop(fut);

    // A future that returns Pending first, then Ready.
    struct Yield(bool);
    impl Future for Yield {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
    let mut fut = ClassBox::pin(async {
        Yield(false).await;
        "second poll"
    });
    assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    assert_eq!(poll_once(fut.as_mut()), Poll::Ready("second poll"));
}

#[test]
fn pinned_class_futures_erase_to_dyn_future() {
    let futures: Vec<Pin<Box<dyn Future<Output = usize>>>> = vec![
        Box::pin(ClassBox::pin(async { 1 })),
        Box::pin(ClassBox::pin(async {
            let big = [1u8; 2000];
            std::future::ready(()).await;
            big.len()
        })),
    ];
    let total: usize = futures
        .into_iter()
        .map(|mut f| match poll_once(f.as_mut()) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("ready futures"),
        })
        .sum();
    assert_eq!(total, 2001);

    // Without a box: a pinned reference erases the type too.
    let mut a = ClassBox::pin(async { 5usize });
    let erased: Pin<&mut dyn Future<Output = usize>> = a.as_mut();
    assert_eq!(poll_once(erased), Poll::Ready(5));
}

#[test]
fn class_futures_run_on_a_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let total = rt.block_on(async {
        let tasks: Vec<_> = (0..64u64)
            .map(|i| {
                tokio::spawn(ClassBox::pin(async move {
                    tokio::task::yield_now().await;
                    i * 2
                }))
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        total
    });
    assert_eq!(total, (0..64).map(|i| i * 2).sum::<u64>());
}

#[test]
fn closures_and_foreign_types() {
    let offset = 10;
    let add = ClassBox::new(move |x: u32| x + offset);
    assert_eq!(add(5), 15);
    let mut text = ClassBox::new(String::from("pooled"));
    text.push_str(" string");
    assert_eq!(&*text, "pooled string");
    let v = ClassBox::new(vec![1u16, 2, 3]);
    assert_eq!(v.iter().sum::<u16>(), 6);
    assert_eq!(ClassBox::into_inner(v), vec![1, 2, 3]);
    let mut it = ClassBox::new(0..3);
    assert_eq!(it.next(), Some(0)); // Iterator forwarding
    assert_eq!(it.collect::<Vec<_>>(), vec![1, 2]);
    let copy = ClassBox::new([9u8; 33]).clone();
    assert_eq!(copy[32], 9);
    assert_eq!(format!("{:?}", ClassBox::new(Some(1))), "Some(1)");
    assert_eq!(ClassBox::new(3), ClassBox::new(3));
}

#[test]
fn every_object_is_dropped_once() {
    let drops = AtomicUsize::new(0);
    let boxes: Vec<_> = (0..100)
        .map(|_| ClassBox::new(Counted(&drops, [0; 40])))
        .collect();
    assert_eq!(drops.load(SeqCst), 0);
    drop(boxes);
    assert_eq!(drops.load(SeqCst), 100);
    let inner = ClassBox::into_inner(ClassBox::new(Counted(&drops, [1; 40])));
    assert_eq!(drops.load(SeqCst), 100, "into_inner moves the value out");
    drop(inner);
    assert_eq!(drops.load(SeqCst), 101);
}

#[test]
fn types_of_one_class_share_its_pool_and_statistics() {
    // Both are 200 bytes, word-aligned: the 208 B class.
    struct A([u64; 25]);
    struct B([u8; 200]);
    assert_eq!(class_size(200, 8), Some(208));
    let before = PoolStats::of::<SizeClass<A>>();
    let a = ClassBox::new(A([1; 25]));
    let b = ClassBox::new(B([2; 200]));
    let during = PoolStats::of::<SizeClass<B>>();
    assert_eq!(during.live, before.live + 2, "one pool counts both types");
    assert_eq!((a.0[24], b.0[199]), (1, 2));
    drop((a, b));
    let listed = zokio_pool::pools()
        .into_iter()
        .find(|p| p.name == "zokio_pool::SizeClass<208 B>")
        .expect("the class is listed by its size");
    assert_eq!(listed.slot_size, 208);
}

#[test]
fn alignment_and_sizes_at_the_class_boundaries() {
    #[repr(align(64))]
    struct Line(#[allow(dead_code)] [u8; 64]);
    #[repr(align(4096))]
    struct Page(#[allow(dead_code)] [u8; 100]);
    #[repr(align(8192))]
    struct Over(u8);
    let lines: Vec<_> = (0..50).map(|_| ClassBox::new(Line([3; 64]))).collect();
    for l in &lines {
        assert_eq!(ClassBox::as_ptr(l) as usize % 64, 0);
    }
    let pages: Vec<_> = (0..5).map(|_| ClassBox::new(Page([4; 100]))).collect();
    for p in &pages {
        assert_eq!(ClassBox::as_ptr(p) as usize % 4096, 0);
    }
    let over = ClassBox::new(Over(5));
    assert_eq!(ClassBox::as_ptr(&over) as usize % 8192, 0);
    assert_eq!(over.0, 5);
    // Every class boundary: the largest size of each class, and one byte more.
    macro_rules! at {
        ($($n:literal)*) => {$(
            let at = ClassBox::new([7u8; $n]);
            let past = ClassBox::new([1u8; $n + 1]);
            assert_eq!((at[$n - 1], past[$n]), (7, 1));
            assert_eq!(class_size($n, 1), Some($n));
            assert!(class_size($n + 1, 1).is_none_or(|c| c > $n));
        )*};
    }
    at!(8 16 24 64 128 144 256 1024 4096 32768);
    assert_eq!(SIZE_CLASSES.last(), Some(&32768));
}

#[test]
fn types_above_the_classes_and_zero_sized_types() {
    let before = PoolStats::of::<SizeClass<[u8; 40_000]>>();
    let big = ClassBox::new_with(|| [5u8; 40_000]);
    let stats = PoolStats::of::<SizeClass<[u8; 40_000]>>();
    assert_eq!(stats.live, before.live + 1);
    assert!(stats.reserved_bytes >= before.reserved_bytes + 40_000);
    assert_eq!(big[39_999], 5);
    drop(big);
    assert_eq!(PoolStats::of::<SizeClass<[u8; 40_000]>>().live, before.live);

    let units: Vec<_> = (0..10).map(|_| ClassBox::new(())).collect();
    assert!(PoolStats::of::<SizeClass<()>>().live >= 10);
    drop(units);
}

#[test]
fn boxes_dropped_on_other_threads_come_back() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct Tracked(Arc<AtomicUsize>, [u64; 7]);
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let boxes: Vec<_> = (0..BOXES)
        .map(|i| ClassBox::new(Tracked(drops.clone(), [i; 7])))
        .collect();
    let sum = std::thread::spawn(move || boxes.iter().map(|b| b.1[0]).sum::<u64>())
        .join()
        .unwrap();
    assert_eq!(sum, (0..BOXES).sum::<u64>());
    assert_eq!(drops.load(SeqCst), BOXES as usize);
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let drops = drops.clone();
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                for i in 0..ROUNDS {
                    kept.push(ClassBox::new(Tracked(drops.clone(), [i * t; 7])));
                    if kept.len() > 64 {
                        kept.drain(..32);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(drops.load(SeqCst), (BOXES + 4 * ROUNDS) as usize);
}

#[test]
fn send_and_sync_follow_the_item() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<ClassBox<u32>>();
    sync::<ClassBox<u32>>();
    send::<ClassBox<std::sync::Mutex<u8>>>();
    sync::<ClassBox<std::sync::Mutex<u8>>>();
    // `ClassBox<Rc<u8>>` and `ClassBox<Cell<u8>>`: tests/ui/class-box-not-send.rs.
    assert_eq!(
        core::mem::size_of::<ClassBox<[u8; 1000]>>(),
        core::mem::size_of::<usize>()
    );
    assert_eq!(
        core::mem::size_of::<Option<ClassBox<u64>>>(),
        core::mem::size_of::<usize>()
    );
}

/// A recursive generic type, derived once for every `T`.
#[derive(Pooled)]
struct Node<T> {
    value: T,
    next: Option<PoolBox<Node<T>>>,
}

#[derive(Pooled, Debug, PartialEq)]
enum Either<'a, L, R: Copy> {
    Left(L),
    Right(R),
    Borrowed(&'a str),
}

#[derive(Pooled)]
struct Frame<const N: usize> {
    bytes: [u8; N],
}

fn list<T: Copy>(values: &[T]) -> Option<PoolBox<Node<T>>> {
    values.iter().rev().fold(None, |next, &value| {
        Some(PoolBox::new(Node { value, next }))
    })
}

#[test]
fn generic_derives_are_served_by_their_classes() {
    let ints = list(&[1u32, 2, 3]).unwrap();
    let mut sum = 0;
    let mut at = Some(&ints);
    while let Some(node) = at {
        sum += node.value;
        at = node.next.as_ref();
    }
    assert_eq!(sum, 6);
    let words = list(&["a", "b"]).unwrap();
    assert_eq!(words.next.as_ref().unwrap().value, "b");
    // `Node<u32>` is 16 bytes: the 16 B class, shared with every 16-byte type.
    assert_eq!(core::mem::size_of::<Node<u32>>(), 16);
    assert_eq!(
        Node::<u32>::pool_stats().live,
        PoolStats::of::<SizeClass<[u64; 2]>>().live
    );
    assert!(Node::<u32>::pool_stats().live >= 3);

    let text = String::from("borrowed");
    let e: PoolBox<Either<'_, Vec<u8>, u16>> = PoolBox::new(Either::Borrowed(&text));
    assert_eq!(*e, Either::Borrowed("borrowed"));
    let r = PoolBox::new(Either::<'static, (), u8>::Right(4));
    assert_eq!(*r, Either::Right(4));
    let l = PoolBox::new(Either::<'static, String, u8>::Left("left".into()));
    assert!(matches!(&*l, Either::Left(s) if s == "left"));

    let small = PoolBox::new(Frame { bytes: [1; 10] });
    let large = PoolBox::new(Frame { bytes: [2; 3000] });
    assert_eq!((small.bytes[9], large.bytes[2999]), (1, 2));
    drop((ints, words));
}

#[test]
fn pool_arcs_of_generic_types_use_the_class_of_their_counted_slot() {
    let a = PoolArc::new(Node {
        value: 7u64,
        next: None,
    });
    let b = a.clone();
    let t = std::thread::spawn(move || b.value).join().unwrap();
    assert_eq!((a.value, t), (7, 7));
    // `ArcInner<Node<u64>>`: a count word and 16 bytes, the 24 B class.
    if !CHECKING_MODE {
        assert!(PoolStats::of::<SizeClass<[u64; 3]>>().live >= 1);
    }
}

#[test]
fn trim_gives_a_class_pool_its_memory_back() {
    struct Chunky(#[allow(dead_code)] [u8; 3000]);
    let boxes: Vec<_> = (0..BOXES / 2)
        .map(|_| ClassBox::new(Chunky([0; 3000])))
        .collect();
    let grown = PoolStats::of::<SizeClass<Chunky>>().capacity;
    drop(boxes);
    zokio_pool::trim();
    let after = PoolStats::of::<SizeClass<Chunky>>();
    assert_eq!(after.live, 0);
    if !CHECKING_MODE {
        assert!(grown >= BOXES as usize / 2);
        assert!(after.capacity < grown, "{} -> {}", grown, after.capacity);
    }
}

#[test]
fn a_class_grown_by_a_thread_gives_its_memory_back_when_the_thread_exits() {
    // The 7168 B class, which no other test here uses.
    struct Wide(#[allow(dead_code)] [u8; 7000]);
    let stats = PoolStats::of::<SizeClass<Wide>>;
    let grown = std::thread::spawn(move || {
        let boxes: Vec<_> = (0..64).map(|_| ClassBox::new(Wide([1; 7000]))).collect();
        let grown = stats().capacity;
        drop(boxes);
        grown
    })
    .join()
    .unwrap();
    let after = stats();
    assert_eq!(after.live, 0);
    if !CHECKING_MODE {
        // Every chunk was free when the thread's cache closed: all of them went to the page
        // heap, for any pool to use.
        assert!(grown >= 64);
        assert_eq!(after.capacity, 0, "{grown} -> {}", after.capacity);
    }
    // The class grows again when it is used again.
    let b = ClassBox::new(Wide([2; 7000]));
    assert_eq!(b.0[6999], 2);
    assert_eq!(stats().live, 1);
}

#[test]
fn uninit_slots_are_written_in_place_and_stay_in_their_class() {
    let before = PoolStats::of::<SizeClass<[u64; 600]>>().live;
    let mut u = ClassBox::<[u64; 600]>::new_uninit();
    assert_eq!(PoolStats::of::<SizeClass<[u64; 600]>>().live, before + 1);
    let words = u.as_mut_ptr().cast::<u64>();
    for i in 0..600 {
        // SAFETY: inside the slot's 600 words.
        unsafe { words.add(i).write(i as u64 * 3) };
    }
    // SAFETY: every word was written above.
    let page = unsafe { ClassBox::assume_init(u) };
    assert_eq!((page[0], page[599]), (0, 1797));
    drop(page);
    assert_eq!(PoolStats::of::<SizeClass<[u64; 600]>>().live, before);

    let drops = AtomicUsize::new(0);
    let b = ClassBox::write(ClassBox::new_uninit(), Counted(&drops, [1; 40]));
    assert_eq!(b.1[39], 1);
    drop(b);
    assert_eq!(drops.load(SeqCst), 1, "the written value is dropped once");
    // An uninit box dropped unwritten drops nothing.
    drop(ClassBox::<Counted<'_>>::new_uninit());
    assert_eq!(drops.load(SeqCst), 1);
    // SAFETY: all zeros is a valid `[u8; 5000]`.
    let zeros = unsafe { ClassBox::assume_init(ClassBox::<[u8; 5000]>::new_zeroed()) };
    assert!(zeros.iter().all(|&b| b == 0));
}
