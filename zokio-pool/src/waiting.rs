//! Waiting for a slot at `max` (back-pressure): the futures of [`PoolBox::new_async`] and
//! [`PoolBox::take_async`], and the blocking forms for threads.
//!
//! A bounded pool in a service should make a task wait for a slot, not fail or panic. The
//! futures are ready at once when a slot is free; otherwise they wait, first come first
//! served, until a box of the pool is dropped. They need no runtime (std wakers only), and a
//! pool without `max` never waits and pays nothing for this.

use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::sync::atomic::Ordering::SeqCst;
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::task::Wake;
use std::thread::{self, Thread};

use crate::boxed::PoolBox;
use crate::pool::{Pool, Pooled, RecyclePool};
use crate::sync::fence;
use crate::wait::Ticket;

/// A waiter's place in its pool's queue, given up when the future is dropped.
struct Place<P: Pool + ?Sized> {
    ticket: Option<Ticket>,
    _pool: PhantomData<fn() -> P>,
}

impl<P: Pool + ?Sized> Place<P> {
    const fn new() -> Self {
        Place {
            ticket: None,
            _pool: PhantomData,
        }
    }

    /// Tries `attempt`; if it fails, queues (or stays queued) with this task's waker and tries
    /// once more, so that a slot freed in between is not missed.
    fn poll<R>(&mut self, cx: &mut Context<'_>, mut attempt: impl FnMut() -> Option<R>) -> Poll<R> {
        if let Some(r) = attempt() {
            self.done();
            return Poll::Ready(r);
        }
        self.ticket = Some(P::__depot().waiters().register(self.ticket, cx.waker()));
        // Pairs with the free's `unreserve` (or fence) and its load of the waiters' count.
        fence(SeqCst);
        match attempt() {
            Some(r) => {
                self.done();
                Poll::Ready(r)
            }
            None => Poll::Pending,
        }
    }

    /// The waiter got its slot.
    fn done(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            P::__depot().waiters().leave(ticket, true);
        }
    }
}

impl<P: Pool + ?Sized> Drop for Place<P> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            // Cancelled: out of the queue, and a wake-up it had goes to the next waiter.
            P::__depot().waiters().leave(ticket, false);
        }
    }
}

/// The future of [`PoolBox::new_async`] and [`PoolBox::new_async_in`]: a box holding the
/// value, once a slot is free. Dropping it takes no slot and drops the value.
#[must_use = "futures do nothing unless polled"]
pub struct NewAsync<T, P: Pool<Item = T> = T> {
    value: Option<T>,
    place: Place<P>,
}

// The future never pins its value: it moves it into a slot.
impl<T, P: Pool<Item = T>> Unpin for NewAsync<T, P> {}

impl<T, P: Pool<Item = T>> core::fmt::Debug for NewAsync<T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NewAsync")
            .field("waiting", &self.place.ticket.is_some())
            .finish_non_exhaustive()
    }
}

impl<T, P: Pool<Item = T>> Future for NewAsync<T, P> {
    type Output = PoolBox<T, P>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PoolBox<T, P>> {
        let this = self.get_mut();
        let value = &mut this.value;
        this.place.poll(cx, || {
            let v = value.take().expect("NewAsync polled after it completed");
            match PoolBox::try_new_in_pool(v) {
                Ok(b) => Some(b),
                Err(v) => {
                    *value = Some(v);
                    None
                }
            }
        })
    }
}

/// The future of [`PoolBox::take_async`] and [`PoolBox::take_async_in`]: an object of a
/// recycling pool, once a slot is free.
#[must_use = "futures do nothing unless polled"]
pub struct TakeAsync<T, P: Pool<Item = T> = T> {
    place: Place<P>,
}

impl<T, P: Pool<Item = T>> Unpin for TakeAsync<T, P> {}

impl<T, P: Pool<Item = T>> core::fmt::Debug for TakeAsync<T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TakeAsync")
            .field("waiting", &self.place.ticket.is_some())
            .finish_non_exhaustive()
    }
}

impl<T, P: RecyclePool<Item = T>> Future for TakeAsync<T, P> {
    type Output = PoolBox<T, P>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PoolBox<T, P>> {
        self.get_mut()
            .place
            .poll(cx, PoolBox::<T, P>::try_take_in_pool)
    }
}

/// Wakes a thread parked in a blocking constructor.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `fut` to completion on this thread, parking it while the future waits.
fn block_on<F: Future + Unpin>(mut fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match Pin::new(&mut fut).poll(&mut cx) {
            Poll::Ready(output) => return output,
            // A spurious unpark only polls once more.
            Poll::Pending => thread::park(),
        }
    }
}

impl<T: Pooled> PoolBox<T> {
    /// Moves `value` into a slot of `T`'s pool, waiting for one if the pool is at its `max`:
    /// the future is ready at once when a slot is free, and otherwise when a box of the pool
    /// is dropped (waiters are served first come, first served). Dropping the future takes no
    /// slot, drops the value, and passes on a wake-up it received.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Poll, Waker};
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled, Debug)]
    /// #[pool(max = 1)]
    /// struct Conn(u32);
    ///
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let first = PoolBox::new(Conn(1));
    /// let mut second = std::pin::pin!(PoolBox::new_async(Conn(2)));
    /// assert!(second.as_mut().poll(&mut cx).is_pending()); // the pool is full: it waits
    /// drop(first); // wakes it
    /// let Poll::Ready(b) = second.as_mut().poll(&mut cx) else { panic!() };
    /// assert_eq!(b.0, 2);
    /// ```
    #[inline]
    pub fn new_async(value: T) -> NewAsync<T> {
        NewAsync {
            value: Some(value),
            place: Place::new(),
        }
    }

    /// Moves `value` into a slot of `T`'s pool, blocking this thread until one is free if the
    /// pool is at its `max` (see [`new_async`](Self::new_async)).
    ///
    /// ```
    /// use zokio_pool::{PoolBox, Pooled};
    ///
    /// #[derive(Pooled)]
    /// #[pool(max = 1)]
    /// struct Worker(u32);
    ///
    /// let first = PoolBox::new(Worker(1));
    /// let t = std::thread::spawn(|| PoolBox::new_blocking(Worker(2)).0); // waits for `first`
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// drop(first);
    /// assert_eq!(t.join().unwrap(), 2);
    /// ```
    pub fn new_blocking(value: T) -> Self {
        block_on(Self::new_async(value))
    }

    /// Takes an object from `T`'s recycling pool (see [`take`](Self::take)), waiting for a
    /// slot if the pool is at its `max` (see [`new_async`](Self::new_async)).
    #[inline]
    pub fn take_async() -> TakeAsync<T>
    where
        T: RecyclePool,
    {
        TakeAsync {
            place: Place::new(),
        }
    }
}

impl<T, P: Pool<Item = T>> PoolBox<T, P> {
    /// [`PoolBox::new_async`] for a pool named by a value (`pool!`).
    #[inline]
    pub fn new_async_in(value: T, pool: P) -> NewAsync<T, P> {
        let _ = pool;
        NewAsync {
            value: Some(value),
            place: Place::new(),
        }
    }

    /// [`PoolBox::new_blocking`] for a pool named by a value (`pool!`).
    pub fn new_blocking_in(value: T, pool: P) -> Self {
        block_on(Self::new_async_in(value, pool))
    }

    /// [`PoolBox::take_async`] for a recycling pool named by a value (`pool!`).
    #[inline]
    pub fn take_async_in(pool: P) -> TakeAsync<T, P>
    where
        P: RecyclePool,
    {
        let _ = pool;
        TakeAsync {
            place: Place::new(),
        }
    }
}
