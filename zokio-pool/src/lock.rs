//! The depot's lock: on Linux a futex mutex without poisoning (std's own futex algorithm,
//! Drepper's "mutex3"), elsewhere std's `Mutex`, and loom's in the models.
//!
//! Why not std's `Mutex` everywhere: the depot never needs poisoning (no user code runs under
//! its lock, and every critical section leaves `Inner` consistent before anything that can
//! panic, so the depot took a poisoned lock's state as it was), yet std's `Mutex` pays for it
//! at each lock and unlock: it reads the global panic count twice, stores and tests a flag,
//! and loads and tests the poison flag. A magazine exchange took 17 to 18 instructions more
//! with it (callgrind, `pool-64-lifo`: a give-back exchange 193 against 176, a take's 240
//! against 222), and a batch of 1,000 objects makes two exchanges each way: 30.04
//! instructions per object with std's `Mutex`, 29.98 with this one. The algorithm is std's:
//! the same three states, the same spin, the same futex calls.

#[cfg(all(target_os = "linux", not(loom)))]
pub(crate) use futex::{Lock, LockGuard};

#[cfg(not(all(target_os = "linux", not(loom))))]
pub(crate) use wrapped::{Lock, LockGuard};

#[cfg(all(target_os = "linux", not(loom)))]
mod futex {
    use core::cell::UnsafeCell;
    use core::marker::PhantomData;
    use core::ops::{Deref, DerefMut};
    use core::sync::atomic::AtomicU32;
    use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

    /// Unlocked.
    const UNLOCKED: u32 = 0;
    /// Locked, and no thread sleeps on the futex.
    const LOCKED: u32 = 1;
    /// Locked, and threads may sleep on the futex: the unlock wakes one.
    const CONTENDED: u32 = 2;

    /// A mutual-exclusion lock around a `T` (see the module docs).
    pub(crate) struct Lock<T> {
        state: AtomicU32,
        value: UnsafeCell<T>,
    }

    // SAFETY: the lock gives access to its `T` to one thread at a time (a guard exists only
    // while `state` is not `UNLOCKED`, and only the thread that moved it from `UNLOCKED` makes
    // one), with acquire/release ordering between successive holders: sharing the lock lets
    // threads move the `T` between them, which `T: Send` allows, as for std's `Mutex`.
    unsafe impl<T: Send> Sync for Lock<T> {}

    impl<T> Lock<T> {
        pub(crate) const fn new(value: T) -> Lock<T> {
            Lock {
                state: AtomicU32::new(UNLOCKED),
                value: UnsafeCell::new(value),
            }
        }

        /// The lock if no thread holds it, else `None`.
        #[inline]
        pub(crate) fn try_lock(&self) -> Option<LockGuard<'_, T>> {
            self.state
                .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
                .ok()
                .map(|_| LockGuard {
                    lock: self,
                    _not_send_sync: PhantomData,
                })
        }

        /// The lock, waiting for it if another thread holds it.
        #[inline]
        pub(crate) fn lock(&self) -> LockGuard<'_, T> {
            if self
                .state
                .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
                .is_err()
            {
                self.lock_contended();
            }
            LockGuard {
                lock: self,
                _not_send_sync: PhantomData,
            }
        }

        #[cold]
        fn lock_contended(&self) {
            // Spin first: the holder may be about to unlock.
            let mut state = self.spin();
            if state == UNLOCKED {
                match self
                    .state
                    .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
                {
                    Ok(_) => return,
                    Err(s) => state = s,
                }
            }
            loop {
                // Mark the lock contended before sleeping, so that its unlock wakes a sleeper.
                // If it was unlocked meanwhile, the swap took it (marked contended, which costs
                // at most one needless wake).
                if state != CONTENDED && self.state.swap(CONTENDED, Acquire) == UNLOCKED {
                    return;
                }
                wait(&self.state, CONTENDED);
                state = self.spin();
            }
        }

        /// Spins while the lock is held uncontended (a short critical section ends soon), at
        /// most 100 times; the state seen last.
        fn spin(&self) -> u32 {
            let mut spins = 100;
            loop {
                let state = self.state.load(Relaxed);
                if state != LOCKED || spins == 0 {
                    return state;
                }
                core::hint::spin_loop();
                spins -= 1;
            }
        }
    }

    /// Proof that the lock is held; unlocks when dropped.
    pub(crate) struct LockGuard<'a, T> {
        lock: &'a Lock<T>,
        /// `Send` and `Sync` as `&mut T` is (a guard gives one out), as std's guards.
        _not_send_sync: PhantomData<&'a mut T>,
    }

    impl<T> Deref for LockGuard<'_, T> {
        type Target = T;

        #[inline]
        fn deref(&self) -> &T {
            // SAFETY: the guard proves the lock held, so no other reference to the value
            // exists outside this guard, whose borrows the borrow checker tracks.
            unsafe { &*self.lock.value.get() }
        }
    }

    impl<T> DerefMut for LockGuard<'_, T> {
        #[inline]
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: as for `deref`; `&mut self` makes this the only borrow of the guard.
            unsafe { &mut *self.lock.value.get() }
        }
    }

    impl<T> Drop for LockGuard<'_, T> {
        #[inline]
        fn drop(&mut self) {
            if self.lock.state.swap(UNLOCKED, Release) == CONTENDED {
                wake(&self.lock.state);
            }
        }
    }

    /// Sleeps while `futex` holds `expected` (or until a wake, or spuriously: the caller
    /// looks again either way).
    fn wait(futex: &AtomicU32, expected: u32) {
        // SAFETY: FUTEX_WAIT reads the borrowed, aligned `u32` (an `AtomicU32`'s layout) and
        // sleeps while it holds `expected`, writing no memory; a null timeout has no limit.
        unsafe {
            // Its result (0, or -1 for EAGAIN, EINTR) needs no handling: the caller looks again.
            libc::syscall(
                libc::SYS_futex,
                futex.as_ptr(),
                libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                expected,
                core::ptr::null::<libc::timespec>(),
            );
        }
    }

    /// Wakes a thread sleeping in `wait` on `futex`, if any.
    fn wake(futex: &AtomicU32) {
        // SAFETY: FUTEX_WAKE only uses the address as the key of its sleepers (it reads and
        // writes no memory); `futex` is valid for the call's duration.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                futex.as_ptr(),
                libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                1,
            );
        }
    }
}

#[cfg(not(all(target_os = "linux", not(loom))))]
mod wrapped {
    use std::sync::{PoisonError, TryLockError};

    use crate::sync::{Mutex, MutexGuard};

    /// std's (or loom's) `Mutex`, its poisoning ignored (see the module docs).
    pub(crate) struct Lock<T>(Mutex<T>);

    pub(crate) type LockGuard<'a, T> = MutexGuard<'a, T>;

    impl<T> Lock<T> {
        #[cfg(not(loom))]
        pub(crate) const fn new(value: T) -> Lock<T> {
            Lock(Mutex::new(value))
        }

        #[cfg(loom)]
        pub(crate) fn new(value: T) -> Lock<T> {
            Lock(Mutex::new(value))
        }

        pub(crate) fn try_lock(&self) -> Option<LockGuard<'_, T>> {
            match self.0.try_lock() {
                Ok(guard) => Some(guard),
                Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            }
        }

        pub(crate) fn lock(&self) -> LockGuard<'_, T> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Lock;
    use std::sync::Arc;

    #[test]
    fn threads_take_turns_and_see_each_others_writes() {
        let threads = if cfg!(miri) { 3 } else { 8 };
        let rounds = if cfg!(miri) { 50 } else { 20_000 };
        let lock = Arc::new(Lock::new((0usize, 0usize)));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let lock = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for _ in 0..rounds {
                        let mut g = lock.lock();
                        // Two writes a reader outside the lock could see apart.
                        g.0 += 1;
                        std::hint::spin_loop();
                        g.1 += 1;
                        assert_eq!(g.0, g.1);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("a locking thread panicked");
        }
        let g = lock.lock();
        assert_eq!(*g, (threads * rounds, threads * rounds));
    }

    #[test]
    fn try_lock_fails_while_held_and_succeeds_after() {
        let lock = Lock::new(1);
        let g = lock.lock();
        assert!(lock.try_lock().is_none());
        drop(g);
        let mut g = lock.try_lock().expect("the lock is free");
        *g += 1;
        drop(g);
        assert_eq!(*lock.lock(), 2);
    }

    #[test]
    fn a_panic_under_the_lock_leaves_it_usable() {
        let lock = Arc::new(Lock::new(5));
        let l2 = Arc::clone(&lock);
        let r = std::thread::spawn(move || {
            let _g = l2.lock();
            panic!("under the lock");
        })
        .join();
        assert!(r.is_err());
        assert_eq!(*lock.lock(), 5);
    }
}
