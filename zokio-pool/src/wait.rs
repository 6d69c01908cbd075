//! Waiting for a slot at `max`: the waiters of one pool, woken in order when a box of the pool
//! is dropped.
//!
//! Only pools with a `max` have waiters, and only their frees look at them: after a slot goes
//! back (its reservation ended with a sequentially consistent `fetch_sub`), a free loads the
//! count of waiters and wakes the first one if there is any. A waiter adds itself to the count
//! before it tries again, with the same ordering, so either the free sees the waiter or the
//! waiter's try sees the free: no wake-up is lost.
//!
//! A woken waiter that finds no slot (another thread took it first, without waiting) goes back
//! to the front of the queue; one that is dropped after its wake-up passes it on to the next.

use core::sync::atomic::Ordering::SeqCst;
use core::task::Waker;
use std::collections::VecDeque;
use std::sync::PoisonError;

use crate::sync::{AtomicUsize, Mutex};

/// The waiters of one pool.
pub(crate) struct Waiters {
    inner: Mutex<Queue>,
    /// Waiters in `queue`, read by frees without the lock.
    count: AtomicUsize,
}

struct Queue {
    /// Waiting, first come first.
    queue: VecDeque<(u64, Waker)>,
    /// Woken, and not yet back with a slot or gone.
    woken: Vec<u64>,
    next_id: u64,
}

/// Where a waiter stands after [`Waiters::register`].
pub(crate) type Ticket = u64;

macro_rules! new_waiters {
    () => {
        Waiters {
            inner: Mutex::new(Queue {
                queue: VecDeque::new(),
                woken: Vec::new(),
                next_id: 0,
            }),
            count: AtomicUsize::new(0),
        }
    };
}

impl Waiters {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Waiters {
        new_waiters!()
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Waiters {
        new_waiters!()
    }

    fn lock(&self) -> crate::sync::MutexGuard<'_, Queue> {
        // No user code runs under this lock (a waker is woken after it is released), and each
        // critical section leaves the queue consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a waiter, or updates its waker: `ticket` is `None` the first time. A waiter that
    /// was woken and is queued again goes to the front: it came first. Returns its ticket.
    /// Called before the waiter tries again (see the module docs).
    pub(crate) fn register(&self, ticket: Option<Ticket>, waker: &Waker) -> Ticket {
        let mut q = self.lock();
        let id = match ticket {
            Some(id) => {
                if let Some(entry) = q.queue.iter_mut().find(|(i, _)| *i == id) {
                    entry.1.clone_from(waker);
                    return id;
                }
                q.woken.retain(|&i| i != id);
                q.queue.push_front((id, waker.clone()));
                id
            }
            None => {
                let id = q.next_id;
                q.next_id += 1;
                q.queue.push_back((id, waker.clone()));
                id
            }
        };
        self.count.fetch_add(1, SeqCst);
        id
    }

    /// The waiter with `ticket` is done: it got a slot, or it is dropped. If it had been woken
    /// and got no slot (it is dropped), its wake-up goes to the next waiter.
    pub(crate) fn leave(&self, ticket: Ticket, got_slot: bool) {
        let mut q = self.lock();
        if let Some(at) = q.queue.iter().position(|(i, _)| *i == ticket) {
            q.queue.remove(at);
            self.count.fetch_sub(1, SeqCst);
            return;
        }
        let Some(at) = q.woken.iter().position(|&i| i == ticket) else {
            return;
        };
        q.woken.swap_remove(at);
        if !got_slot {
            let next = self.pop(&mut q);
            drop(q);
            if let Some(next) = next {
                next.wake();
            }
        }
    }

    /// After a slot of the pool went back: wakes the first waiter, if any.
    #[inline]
    pub(crate) fn notify(&self) {
        crate::sync::seq_cst_for_loom();
        if self.count.load(SeqCst) != 0 {
            self.notify_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn notify_slow(&self) {
        let mut q = self.lock();
        let next = self.pop(&mut q);
        drop(q);
        if let Some(next) = next {
            next.wake();
        }
    }

    fn pop(&self, q: &mut Queue) -> Option<Waker> {
        let (id, waker) = q.queue.pop_front()?;
        self.count.fetch_sub(1, SeqCst);
        q.woken.push(id);
        Some(waker)
    }
}
