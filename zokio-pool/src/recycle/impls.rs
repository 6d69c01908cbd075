//! `Recycle` for the standard types: collections cleared with their capacity kept, wrappers
//! reset through to the value inside, primitives set to zero.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::hash::BuildHasher;
use std::sync::{Mutex, RwLock, TryLockError};

use super::Recycle;

impl<T> Recycle for Vec<T> {
    fn reset(&mut self) {
        self.clear();
    }
    fn kept_capacity(&self) -> usize {
        self.capacity()
    }
}

impl Recycle for String {
    fn reset(&mut self) {
        self.clear();
    }
    fn kept_capacity(&self) -> usize {
        self.capacity()
    }
}

impl<T> Recycle for VecDeque<T> {
    fn reset(&mut self) {
        self.clear();
    }
    fn kept_capacity(&self) -> usize {
        self.capacity()
    }
}

impl<T: Ord> Recycle for BinaryHeap<T> {
    fn reset(&mut self) {
        self.clear();
    }
    fn kept_capacity(&self) -> usize {
        self.capacity()
    }
}

impl<K, V, S: BuildHasher> Recycle for HashMap<K, V, S> {
    fn reset(&mut self) {
        self.clear();
    }
    fn kept_capacity(&self) -> usize {
        self.capacity()
    }
}

impl<T, S: BuildHasher> Recycle for HashSet<T, S> {
    fn reset(&mut self) {
        self.clear();
    }
    fn kept_capacity(&self) -> usize {
        self.capacity()
    }
}

/// Cleared; a B-tree frees its nodes when cleared, so nothing is kept.
impl<K, V> Recycle for BTreeMap<K, V> {
    fn reset(&mut self) {
        self.clear();
    }
}

/// Cleared; a B-tree frees its nodes when cleared, so nothing is kept.
impl<T> Recycle for BTreeSet<T> {
    fn reset(&mut self) {
        self.clear();
    }
}

impl<T> Recycle for LinkedList<T> {
    fn reset(&mut self) {
        self.clear();
    }
}

/// Reset to `None` (the value inside, if any, is dropped).
impl<T> Recycle for Option<T> {
    fn reset(&mut self) {
        *self = None;
    }
}

/// The boxed value is reset in place; the box's allocation is kept.
impl<T: Recycle + ?Sized> Recycle for Box<T> {
    fn reset(&mut self) {
        (**self).reset();
    }
    fn kept_capacity(&self) -> usize {
        (**self).kept_capacity()
    }
}

impl<T: Recycle, const N: usize> Recycle for [T; N] {
    fn reset(&mut self) {
        self.iter_mut().for_each(Recycle::reset);
    }
    fn kept_capacity(&self) -> usize {
        self.iter()
            .map(Recycle::kept_capacity)
            .fold(0, usize::saturating_add)
    }
}

/// The value inside is reset through the lock, which is then no longer poisoned (the reset makes
/// the value valid again). A recycled mutex is owned by its pool, so no guard can be held.
impl<T: Recycle + ?Sized> Recycle for Mutex<T> {
    fn reset(&mut self) {
        self.get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .reset();
        self.clear_poison();
    }
    /// The value's, or 0 while another handle holds the lock (never, for a recycled mutex).
    fn kept_capacity(&self) -> usize {
        match self.try_lock() {
            Ok(value) => value.kept_capacity(),
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().kept_capacity(),
            Err(TryLockError::WouldBlock) => 0,
        }
    }
}

/// The value inside is reset through the lock, which is then no longer poisoned.
impl<T: Recycle + ?Sized> Recycle for RwLock<T> {
    fn reset(&mut self) {
        self.get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .reset();
        self.clear_poison();
    }
    /// The value's, or 0 while a writer holds the lock (never, for a recycled lock).
    fn kept_capacity(&self) -> usize {
        match self.try_read() {
            Ok(value) => value.kept_capacity(),
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().kept_capacity(),
            Err(TryLockError::WouldBlock) => 0,
        }
    }
}

/// The value inside is reset in place.
impl<T: Recycle + ?Sized> Recycle for RefCell<T> {
    fn reset(&mut self) {
        self.get_mut().reset();
    }
    /// The value's, or 0 while it is borrowed mutably (never, for a recycled cell).
    fn kept_capacity(&self) -> usize {
        self.try_borrow().map_or(0, |value| value.kept_capacity())
    }
}

/// The value inside is reset in place.
impl<T: Recycle> Recycle for Cell<T> {
    fn reset(&mut self) {
        self.get_mut().reset();
    }
}

macro_rules! recycle_to_default {
    ($($t:ty),*) => {$(
        /// Reset to its default value.
        impl Recycle for $t {
            #[inline]
            fn reset(&mut self) {
                *self = <$t>::default();
            }
        }
    )*};
}

recycle_to_default!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64
);

macro_rules! recycle_tuple {
    ($($name:ident)+) => {
        impl<$($name: Recycle),+> Recycle for ($($name,)+) {
            #[allow(non_snake_case)]
            fn reset(&mut self) {
                let ($($name,)+) = self;
                $($name.reset();)+
            }
            #[allow(non_snake_case)]
            fn kept_capacity(&self) -> usize {
                let ($($name,)+) = self;
                0usize $(.saturating_add($name.kept_capacity()))+
            }
        }
    };
}

recycle_tuple!(A);
recycle_tuple!(A B);
recycle_tuple!(A B C);
recycle_tuple!(A B C D);
recycle_tuple!(A B C D E);
recycle_tuple!(A B C D E F);
