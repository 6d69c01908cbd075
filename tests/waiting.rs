//! Waiting for a slot at `max`: `PoolBox::new_async`, `take_async` and `new_blocking` serve
//! every waiter, first come first served, never exceed `max`, and a cancelled waiter takes no
//! slot and passes on a wake-up it received.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zokio_pool::{PoolBox, Pooled};

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    (Arc::clone(&count), Waker::from(count))
}

#[derive(Pooled, Debug)]
#[pool(max = 1)]
struct One(u32);

#[test]
fn waiters_are_served_first_come_first_served() {
    let held = PoolBox::new(One(0));
    let (a_count, a_waker) = counting();
    let (b_count, b_waker) = counting();
    let mut a = pin!(PoolBox::new_async(One(1)));
    let mut b = pin!(PoolBox::new_async(One(2)));
    assert!(a
        .as_mut()
        .poll(&mut Context::from_waker(&a_waker))
        .is_pending());
    assert!(b
        .as_mut()
        .poll(&mut Context::from_waker(&b_waker))
        .is_pending());
    drop(held);
    assert_eq!((a_count.0.load(SeqCst), b_count.0.load(SeqCst)), (1, 0));
    let Poll::Ready(got) = a.as_mut().poll(&mut Context::from_waker(&a_waker)) else {
        panic!("the first waiter gets the slot")
    };
    assert_eq!(got.0, 1);
    assert!(b
        .as_mut()
        .poll(&mut Context::from_waker(&b_waker))
        .is_pending());
    drop(got);
    assert_eq!(b_count.0.load(SeqCst), 1);
    let Poll::Ready(got) = b.as_mut().poll(&mut Context::from_waker(&b_waker)) else {
        panic!("then the second")
    };
    assert_eq!(got.0, 2);
}

#[derive(Pooled, Debug)]
#[pool(max = 1)]
struct Token(u32);

#[test]
fn a_cancelled_waiter_takes_no_slot_and_passes_its_wake_up_on() {
    let held = PoolBox::new(Token(0));
    let (_, a_waker) = counting();
    let (b_count, b_waker) = counting();
    let mut a = Box::pin(PoolBox::new_async(Token(1)));
    let mut b = pin!(PoolBox::new_async(Token(2)));
    assert!(a
        .as_mut()
        .poll(&mut Context::from_waker(&a_waker))
        .is_pending());
    assert!(b
        .as_mut()
        .poll(&mut Context::from_waker(&b_waker))
        .is_pending());
    drop(held); // wakes `a`
    assert_eq!(b_count.0.load(SeqCst), 0);
    drop(a); // cancelled after its wake-up: `b` gets it
    assert_eq!(b_count.0.load(SeqCst), 1);
    assert_eq!(
        Token::pool_stats().live,
        0,
        "the cancelled waiter took no slot"
    );
    let Poll::Ready(got) = b.as_mut().poll(&mut Context::from_waker(&b_waker)) else {
        panic!("the next waiter gets the slot")
    };
    assert_eq!(got.0, 2);
    // A waiter cancelled while still queued leaves nothing behind.
    let (_, c_waker) = counting();
    let mut c = Box::pin(PoolBox::new_async(Token(3)));
    assert!(c
        .as_mut()
        .poll(&mut Context::from_waker(&c_waker))
        .is_pending());
    drop(c);
    drop(got);
    assert!(PoolBox::try_new(Token(4)).is_ok());
}

#[derive(Pooled)]
struct Unbounded(u64);

#[test]
fn a_pool_without_max_never_waits() {
    let (count, waker) = counting();
    let mut f = pin!(PoolBox::new_async(Unbounded(5)));
    let Poll::Ready(b) = f.as_mut().poll(&mut Context::from_waker(&waker)) else {
        panic!("ready at once")
    };
    assert_eq!((b.0, count.0.load(SeqCst)), (5, 0));
}

#[derive(Pooled)]
#[pool(max = 4)]
struct Slot(#[allow(dead_code)] u32);

static HELD: AtomicUsize = AtomicUsize::new(0);
static MOST_HELD: AtomicUsize = AtomicUsize::new(0);

#[cfg_attr(miri, ignore)] // a tokio runtime of several threads: too slow under Miri
#[test]
fn hundreds_of_tasks_share_four_slots_on_a_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let served = rt.block_on(async {
        let tasks: Vec<_> = (0..400)
            .map(|i| {
                tokio::spawn(async move {
                    let b = PoolBox::new_async(Slot(i)).await;
                    let now = HELD.fetch_add(1, SeqCst) + 1;
                    MOST_HELD.fetch_max(now, SeqCst);
                    tokio::task::yield_now().await;
                    HELD.fetch_sub(1, SeqCst);
                    drop(b);
                    i
                })
            })
            .collect();
        let mut served = 0;
        for t in tasks {
            t.await.unwrap();
            served += 1;
        }
        served
    });
    assert_eq!(served, 400, "every task got a slot");
    assert!(MOST_HELD.load(SeqCst) <= 4);
    assert_eq!(Slot::pool_stats().live, 0);
}

#[derive(Pooled)]
#[pool(max = 2)]
struct Lease(#[allow(dead_code)] u32);

#[cfg_attr(miri, ignore)] // a tokio runtime with timers
#[test]
fn waiters_cancelled_by_timeouts_leave_the_others_served() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let (served, timed_out) = rt.block_on(async {
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                tokio::spawn(async move {
                    let wait = Duration::from_micros(if i % 3 == 0 { 50 } else { 500_000 });
                    match tokio::time::timeout(wait, PoolBox::new_async(Lease(i))).await {
                        Ok(b) => {
                            tokio::time::sleep(Duration::from_micros(200)).await;
                            drop(b);
                            true
                        }
                        Err(_) => false,
                    }
                })
            })
            .collect();
        let mut counts = (0, 0);
        for t in tasks {
            if t.await.unwrap() {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
        counts
    });
    assert_eq!(served + timed_out, 200);
    assert!(
        served >= 133,
        "every waiter with a long timeout is served: {served}"
    );
    assert_eq!(
        Lease::pool_stats().live,
        0,
        "no cancelled waiter kept a slot"
    );
    // The pool still works at full width.
    let a = PoolBox::try_new(Lease(1)).ok().unwrap();
    let b = PoolBox::try_new(Lease(2)).ok().unwrap();
    assert!(PoolBox::try_new(Lease(3)).is_err());
    drop((a, b));
}

#[derive(Pooled, Default)]
#[pool(recycle, max = 1)]
struct Buffer(Vec<u8>);

#[derive(Pooled)]
#[pool(max = 2)]
struct Permit(#[allow(dead_code)] u32);

#[cfg_attr(miri, ignore)] // 8 threads x 200 waits
#[test]
fn threads_block_for_a_slot_and_never_exceed_max() {
    static IN_USE: AtomicUsize = AtomicUsize::new(0);
    static MOST: AtomicUsize = AtomicUsize::new(0);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..200 {
                    let p = PoolBox::new_blocking(Permit(t * 1000 + i));
                    let now = IN_USE.fetch_add(1, SeqCst) + 1;
                    MOST.fetch_max(now, SeqCst);
                    std::hint::black_box(&p);
                    IN_USE.fetch_sub(1, SeqCst);
                    drop(p);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(MOST.load(SeqCst) <= 2);
    assert_eq!(Permit::pool_stats().live, 0);
}

#[test]
fn take_async_waits_for_a_recycled_object() {
    let mut first = PoolBox::<Buffer>::take();
    first.0.extend_from_slice(b"data");
    let (count, waker) = counting();
    let mut next = pin!(PoolBox::<Buffer>::take_async());
    assert!(next
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(first);
    assert_eq!(count.0.load(SeqCst), 1);
    let Poll::Ready(b) = next.as_mut().poll(&mut Context::from_waker(&waker)) else {
        panic!("woken with a slot")
    };
    assert!(b.0.is_empty(), "reset when it went back");
}
