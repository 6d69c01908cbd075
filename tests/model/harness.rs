//! The operation language of the model-based tests, and the model it is checked against.
//!
//! Shared by `tests/model.rs` (proptest generates the operations) and `fuzz/fuzz_targets/ops.rs`
//! (libFuzzer's bytes are decoded into them by [`decode`]). [`run`] applies a sequence of
//! operations to one pool and, after each, checks every live box against the model: its value,
//! its fill pattern (a slot written while live, or given to two boxes, breaks it), distinct
//! addresses, and the number of values dropped. [`Op::Stats`] and the end of a run check the
//! pool's statistics against the model's counts.

// Each user of this file uses a part of it.
#![allow(dead_code)]

use std::collections::HashSet;
use std::mem::size_of;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::thread;

use zokio_pool::{Pool, PoolArc, PoolBox, PoolStats, Pooled, CHECKING_MODE};

/// A pooled type the model can drive: values carry an id and a fill pattern derived from it.
pub trait Object: Pooled + Clone + Send + Sync + 'static {
    /// A value with this id.
    fn make(id: u64) -> Self;
    /// The id it carries (what the model expects of `make(id)`: see [`Object::expect`]).
    fn id(&self) -> u64;
    /// Whether the fill pattern still matches the id.
    fn intact(&self) -> bool;
    /// Gives the value a new id, rewriting its fill pattern.
    fn set(&mut self, id: u64);
    /// Values of this type dropped, and dropped values that were not intact.
    fn counters() -> &'static Counters;
    /// The id `make(id)` carries (a type too small for the whole id keeps a part).
    fn expect(id: u64) -> u64 {
        id
    }
}

/// Drop counts of one type.
#[derive(Debug)]
pub struct Counters {
    /// Values dropped.
    pub drops: AtomicUsize,
    /// Values that were not intact when dropped.
    pub corrupt: AtomicUsize,
}

impl Counters {
    pub const fn new() -> Counters {
        Counters {
            drops: AtomicUsize::new(0),
            corrupt: AtomicUsize::new(0),
        }
    }
}

/// The fill word `i` of a value with id `id`.
pub fn fill(id: u64, i: usize) -> u64 {
    (id ^ 0x9E37_79B9_7F4A_7C15).rotate_left(i as u32 % 64)
}

/// Defines a pooled type for the model: an id, `$words` fill words and a check word, with a
/// `Drop` that counts drops and flags a value dropped while not intact. Options of
/// `#[pool(...)]` go before the name: `object! { #[pool(cache = 2)] Name: 4 }`.
#[macro_export]
macro_rules! object {
    ($(#[$attr:meta])* $name:ident: $words:expr) => {
        #[derive(::zokio_pool::Pooled, Clone, Debug)]
        $(#[$attr])*
        pub struct $name {
            id: u64,
            fill: [u64; $words],
            check: u64,
        }

        impl $crate::harness::Object for $name {
            fn make(id: u64) -> Self {
                let mut v = $name { id: 0, fill: [0; $words], check: 0 };
                $crate::harness::Object::set(&mut v, id);
                v
            }
            fn id(&self) -> u64 {
                self.id
            }
            fn intact(&self) -> bool {
                self.check == !self.id
                    && self
                        .fill
                        .iter()
                        .enumerate()
                        .all(|(i, &w)| w == $crate::harness::fill(self.id, i))
            }
            fn set(&mut self, id: u64) {
                self.id = id;
                for (i, w) in self.fill.iter_mut().enumerate() {
                    *w = $crate::harness::fill(id, i);
                }
                self.check = !id;
            }
            fn counters() -> &'static $crate::harness::Counters {
                static COUNTERS: $crate::harness::Counters = $crate::harness::Counters::new();
                &COUNTERS
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                use $crate::harness::Object;
                let c = Self::counters();
                if !self.intact() {
                    c.corrupt.fetch_add(1, ::std::sync::atomic::Ordering::SeqCst);
                }
                c.drops.fetch_add(1, ::std::sync::atomic::Ordering::SeqCst);
                // A second drop of the same value would find it broken.
                self.check = self.id;
            }
        }
    };
}

/// One step of a run. An index picks a live box, counting from the newest (modulo the number
/// of live boxes); the step does nothing when no box is live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `PoolBox::new` (`try_new` when the pool is at its `max`, which must fail then).
    New,
    /// `PoolBox::try_new`: fails exactly when the model's live count is at the pool's `max`.
    TryNew,
    /// `PoolBox::new_with` (as `New` at the limit).
    NewWith,
    /// `PoolBox::try_new_with`.
    TryNewWith,
    /// `PoolBox::new_uninit` + `PoolBox::write` (`try_new_uninit` at the limit).
    Uninit,
    /// `PoolBox::try_new_uninit`, dropped without being written.
    UninitDrop,
    /// Drops a live box.
    Drop(usize),
    /// `PoolBox::into_inner`, and the value is checked and dropped.
    IntoInner(usize),
    /// `PoolBox::into_raw`, then `PoolBox::from_raw`.
    Raw(usize),
    /// `Clone` of a live box (nothing at the limit: `clone` would panic).
    Clone(usize),
    /// Gives a live box a new id through `DerefMut`.
    Mutate(usize),
    /// `PoolBox::leak` (a local drop where leaking is off).
    Leak(usize),
    /// Moves a box to a new thread, which checks and drops it; joined at once.
    SendJoin(usize),
    /// Moves a box to the run's worker thread, which checks and drops it.
    SendWorker(usize),
    /// The worker makes a box and sends it here.
    FromWorker,
    /// Checks the pool's statistics against the model.
    Stats,
    /// `PoolArc::new`: a shared value in the type's counted pool.
    ArcNew,
    /// `PoolArc::clone` of a live handle.
    ArcClone(usize),
    /// Drops a live handle (the value goes with the last one).
    ArcDrop(usize),
    /// `PoolArc::into_inner`: the value exactly when it is the last handle.
    ArcIntoInner(usize),
    /// `PoolBox::new_async`, polled once: ready below the pool's `max`; at the limit pending,
    /// then dropped (cancelled: no slot taken, the value dropped).
    NewAsync,
    /// `T::pool_trim()` and `zokio_pool::trim()`: chunks with no slot in use go back; every
    /// live value must stay as it is, and the statistics exact.
    Trim,
}

/// Whether any run trimmed: a trimmed pool's capacity can fall below the fresh slots it ever
/// handed out (`allocated`).
static TRIMMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How a run may use threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Everything on the calling thread: statistics are exact at every step.
    One,
    /// Boxes go to threads that are joined at once: still exact at every step.
    Joined,
    /// Boxes go both ways through a worker that lives for the whole run: its counters are
    /// folded only when it exits, so statistics are exact at the end and bounded before.
    Worker,
}

/// What a run may do to the pool of `T`.
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    pub threads: Threads,
    /// The pool's `max`, which `try_*` must hit exactly (only with `Threads::One`: slots
    /// cached by another thread are out of reach).
    pub max: Option<usize>,
    /// Whether the high-water mark is checked (the fuzz target can turn it off, to search past
    /// a known high-water bug).
    pub high_water: bool,
    /// Whether `Op::Leak` leaks, once a run (leaked boxes stay live for the rest of the
    /// process, so later runs start with them).
    pub leak: bool,
}

/// Decodes bytes (a fuzzer's input, or a case written by [`encode`]): the first byte picks one
/// of `modes`, each further byte an operation (the byte modulo 21), and an operation that takes
/// an index takes the byte after it.
pub fn decode(data: &[u8], modes: usize) -> Option<(usize, Vec<Op>)> {
    let (&first, mut rest) = data.split_first()?;
    let mut ops = Vec::with_capacity(rest.len());
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        let mut index = || match rest.split_first() {
            Some((&i, tail)) => {
                rest = tail;
                usize::from(i)
            }
            None => 0,
        };
        ops.push(match b % 22 {
            0 => Op::New,
            1 => Op::TryNew,
            2 => Op::NewWith,
            3 => Op::TryNewWith,
            4 => Op::Uninit,
            5 => Op::UninitDrop,
            6 => Op::Drop(index()),
            7 => Op::IntoInner(index()),
            8 => Op::Raw(index()),
            9 => Op::Clone(index()),
            10 => Op::Mutate(index()),
            11 => Op::Leak(index()),
            12 => Op::SendJoin(index()),
            13 => Op::SendWorker(index()),
            14 => Op::FromWorker,
            15 => Op::Stats,
            16 => Op::ArcNew,
            17 => Op::ArcClone(index()),
            18 => Op::ArcDrop(index()),
            19 => Op::ArcIntoInner(index()),
            20 => Op::NewAsync,
            _ => Op::Trim,
        });
    }
    Some((usize::from(first) % modes, ops))
}

/// The bytes [`decode`] turns into `mode` and `ops` (indices must be below 256).
pub fn encode(mode: u8, ops: &[Op]) -> Vec<u8> {
    let mut out = vec![mode];
    for &op in ops {
        let (code, index) = match op {
            Op::New => (0, None),
            Op::TryNew => (1, None),
            Op::NewWith => (2, None),
            Op::TryNewWith => (3, None),
            Op::Uninit => (4, None),
            Op::UninitDrop => (5, None),
            Op::Drop(i) => (6, Some(i)),
            Op::IntoInner(i) => (7, Some(i)),
            Op::Raw(i) => (8, Some(i)),
            Op::Clone(i) => (9, Some(i)),
            Op::Mutate(i) => (10, Some(i)),
            Op::Leak(i) => (11, Some(i)),
            Op::SendJoin(i) => (12, Some(i)),
            Op::SendWorker(i) => (13, Some(i)),
            Op::FromWorker => (14, None),
            Op::Stats => (15, None),
            Op::ArcNew => (16, None),
            Op::ArcClone(i) => (17, Some(i)),
            Op::ArcDrop(i) => (18, Some(i)),
            Op::ArcIntoInner(i) => (19, Some(i)),
            Op::NewAsync => (20, None),
            Op::Trim => (21, None),
        };
        out.push(code);
        if let Some(i) = index {
            out.push(u8::try_from(i).expect("an index below 256"));
        }
    }
    out
}

enum ToWorker<T: Object> {
    /// Check (the id) and drop.
    Drop(PoolBox<T>, u64),
    /// Make a box with this id and send it back.
    Make(u64),
}

enum FromWorker<T: Object> {
    Dropped { intact: bool },
    Made(PoolBox<T>),
}

/// A thread that lives for one run and takes boxes both ways.
struct Worker<T: Object> {
    to: Option<mpsc::Sender<ToWorker<T>>>,
    from: mpsc::Receiver<FromWorker<T>>,
    handle: Option<thread::JoinHandle<()>>,
}

impl<T: Object> Worker<T> {
    fn spawn() -> Worker<T> {
        let (to, inbox) = mpsc::channel::<ToWorker<T>>();
        let (outbox, from) = mpsc::channel();
        let handle = thread::spawn(move || {
            for msg in inbox {
                let reply = match msg {
                    ToWorker::Drop(b, id) => {
                        let intact = b.intact() && b.id() == id;
                        drop(b);
                        FromWorker::Dropped { intact }
                    }
                    ToWorker::Make(id) => FromWorker::Made(PoolBox::new(T::make(id))),
                };
                if outbox.send(reply).is_err() {
                    break;
                }
            }
        });
        Worker {
            to: Some(to),
            from,
            handle: Some(handle),
        }
    }

    fn call(&self, msg: ToWorker<T>) -> FromWorker<T> {
        let sent = self.to.as_ref().map(|to| to.send(msg).is_ok());
        assert_eq!(sent, Some(true), "the worker thread died");
        self.from.recv().expect("the worker thread died")
    }

    /// Stops the worker; its cache is flushed (and its counters folded) when it exits.
    fn join(&mut self) {
        drop(self.to.take());
        if let Some(h) = self.handle.take() {
            h.join().expect("the worker thread panicked");
        }
    }
}

impl<T: Object> Drop for Worker<T> {
    fn drop(&mut self) {
        drop(self.to.take());
        if let Some(h) = self.handle.take() {
            // A failed run unwinds through here: do not panic again.
            let _ = h.join();
        }
    }
}

/// The model of one run: the live boxes and what the pool should report.
struct Model<T: Object> {
    mode: Mode,
    /// The pool's magazine size M and chunk size (the bounds of the statistics use them).
    magazine: usize,
    chunk: usize,
    prealloc: usize,
    /// The statistics and drop count when the run began.
    base: PoolStats,
    base_drops: usize,
    /// Live boxes and the id each must hold.
    live: Vec<(PoolBox<T>, u64)>,
    /// Leaked values (live for good), with their ids.
    leaked: Vec<(&'static T, u64)>,
    /// Boxes handed out (allocated + reused) and values made, in this run.
    handed: usize,
    made: usize,
    /// The most objects of the pool live at once in this run (counting earlier runs' leaks).
    peak: usize,
    /// After a trim in this run: `allocated` at the last trim, and the most objects live since
    /// (fresh slots are taken again for those once the trim gave chunks back).
    since_trim: Option<(usize, usize)>,
    /// Leaks left in this run.
    leaks_left: usize,
    /// Boxes the worker made and dropped (its counters are not folded until it exits).
    worker_made: usize,
    worker_dropped: usize,
    worker: Option<Worker<T>>,
    /// The top of the thread cache's loaded array as this thread's own steps leave it: the
    /// last slot given back since the last one handed out (a free goes onto the array, a take
    /// takes its top), which the next slot handed out on this thread must be.
    last_freed: Option<usize>,
    /// Whether `last_freed` mirrors the cache: not until this run's first take, as the cache
    /// may not be active yet (a thread's first free before any take goes to the depot: see
    /// "Foreign slots" in the runtime's `push_slow`).
    hot_known: bool,
    next_id: u64,
    /// Live `PoolArc` handles and the id of their value (clones share a value).
    arcs: Vec<(PoolArc<T>, u64)>,
    /// Live objects of the counted pool when the run began.
    arc_base_live: usize,
}

/// Applies `ops` to the pool of `T` under `mode` and checks it against the model after every
/// step and at the end. Panics (with the step) on the first difference.
pub fn run<T: Object>(mode: Mode, ops: &[Op]) {
    let config = <T as Pool>::__CONFIG;
    let base = T::pool_stats();
    let mut m = Model::<T> {
        mode,
        magazine: config.magazine_size,
        chunk: config.chunk,
        prealloc: config.prealloc,
        base,
        base_drops: T::counters().drops.load(SeqCst),
        live: Vec::new(),
        leaked: Vec::new(),
        handed: 0,
        made: 0,
        peak: base.live,
        // Runs that share a pool (under Miri, the cases run in one process) start where an
        // earlier run's trim left it: count from here as after a trim.
        since_trim: TRIMMED.load(SeqCst).then_some((base.allocated, base.live)),
        leaks_left: usize::from(mode.leak),
        worker_made: 0,
        worker_dropped: 0,
        worker: None,
        last_freed: None,
        hot_known: false,
        next_id: 1,
        arcs: Vec::new(),
        arc_base_live: PoolArc::<T>::pool_stats().live,
    };
    assert_eq!(
        T::counters().corrupt.load(SeqCst),
        0,
        "a value was dropped corrupt"
    );
    for (step, &op) in ops.iter().enumerate() {
        m.apply(op);
        m.check_values(step, op);
        if op == Op::Stats || op == Op::Trim {
            m.check_stats(&format!("step {step} ({op:?})"));
        }
    }
    m.finish();
}

impl<T: Object> Model<T> {
    fn id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Live objects in the pool as the model counts them (this run's and earlier ones').
    fn pool_live(&self) -> usize {
        self.base.live + self.live.len() + self.leaked.len()
    }

    /// Values that live `PoolArc` handles share.
    fn arc_values(&self) -> usize {
        let mut at: Vec<usize> = self
            .arcs
            .iter()
            .map(|(a, _)| &**a as *const T as usize)
            .collect();
        at.sort_unstable();
        at.dedup();
        at.len()
    }

    /// Handle `i`, counting from the newest (as [`pick`](Self::pick)).
    fn pick_arc(&self, i: usize) -> Option<usize> {
        let n = self.arcs.len();
        (n != 0).then(|| n - 1 - i % n)
    }

    fn at_max(&self) -> bool {
        self.mode.max.is_some_and(|max| self.pool_live() >= max)
    }

    /// Box `i`, counting from the newest: `Drop(0)` drops the box made last. Boxes keep their
    /// order, so removing a step of a case changes the boxes later steps pick as little as can be.
    fn pick(&self, i: usize) -> Option<usize> {
        let n = self.live.len();
        (n != 0).then(|| n - 1 - i % n)
    }

    /// A box was handed out on this thread: record it, and check that it reused the slot last
    /// given back (see `last_freed`), unless nothing is reused.
    fn handed_out(&mut self, b: PoolBox<T>, id: u64) {
        self.check_reuse(PoolBox::as_ptr(&b) as usize);
        self.handed += 1;
        self.live.push((b, id));
        self.observe(self.pool_live());
    }

    /// Raises the run's peak to `live`.
    fn observe(&mut self, live: usize) {
        self.peak = self.peak.max(live);
        if let Some((_, peak)) = &mut self.since_trim {
            *peak = (*peak).max(live);
        }
    }

    /// A slot was handed out on this thread at `at`: the last one given back, if one was since
    /// the last take.
    fn check_reuse(&mut self, at: usize) {
        if let Some(freed) = self.last_freed.take() {
            if !CHECKING_MODE && size_of::<T>() != 0 {
                assert_eq!(
                    at, freed,
                    "the last slot freed on this thread since the last take is handed out next"
                );
            }
        }
        self.hot_known = true;
    }

    /// A slot was given back on this thread at `at`: it goes on top of the cache's array.
    fn freed(&mut self, at: usize) {
        if self.hot_known {
            self.last_freed = Some(at);
        }
    }

    /// Takes box `i` out of the model, to be freed on this thread.
    fn take(&mut self, i: usize) -> (PoolBox<T>, u64) {
        let (b, id) = self.live.remove(i);
        self.freed(PoolBox::as_ptr(&b) as usize);
        (b, id)
    }

    /// Expects a `try_*` to fail exactly at the limit.
    fn expect_refusal(&self, refused: bool, what: &str) {
        if let Some(max) = self.mode.max {
            assert_eq!(
                refused,
                self.pool_live() >= max,
                "{what}: refused = {refused} with {} live of max {max}",
                self.pool_live()
            );
        } else {
            assert!(!refused, "{what} refused by a pool without max");
        }
    }

    fn apply(&mut self, op: Op) {
        // Operations not allowed in this mode become their nearest local equivalent.
        let op = match (op, self.mode.threads) {
            (Op::SendJoin(i) | Op::SendWorker(i), Threads::One) => Op::Drop(i),
            (Op::SendWorker(i), Threads::Joined) => Op::SendJoin(i),
            (Op::FromWorker, Threads::One | Threads::Joined) => Op::New,
            (op, _) => op,
        };
        let op = match op {
            Op::New | Op::NewWith | Op::FromWorker if self.at_max() => Op::TryNew,
            Op::Uninit if self.at_max() => Op::UninitDrop,
            Op::Leak(i) if self.leaks_left == 0 => Op::Drop(i),
            op => op,
        };
        match op {
            Op::New => {
                let id = self.id();
                self.made += 1;
                let b = PoolBox::new(T::make(id));
                self.handed_out(b, T::expect(id));
            }
            Op::TryNew => {
                let id = self.id();
                self.made += 1;
                match PoolBox::try_new(T::make(id)) {
                    Ok(b) => {
                        self.expect_refusal(false, "try_new");
                        self.handed_out(b, T::expect(id));
                    }
                    Err(v) => {
                        self.expect_refusal(true, "try_new");
                        assert!(
                            v.intact() && v.id() == T::expect(id),
                            "try_new gives the value back"
                        );
                    }
                }
            }
            Op::NewWith => {
                let id = self.id();
                let b = PoolBox::new_with(|| T::make(id));
                self.made += 1;
                self.handed_out(b, T::expect(id));
            }
            Op::TryNewWith => {
                let id = self.id();
                match PoolBox::try_new_with(|| T::make(id)) {
                    Ok(b) => {
                        self.made += 1;
                        self.expect_refusal(false, "try_new_with");
                        self.handed_out(b, T::expect(id));
                    }
                    Err(_uncalled) => self.expect_refusal(true, "try_new_with"),
                }
            }
            Op::Uninit => {
                let id = self.id();
                let u = PoolBox::<T>::new_uninit();
                self.made += 1;
                let b = PoolBox::write(u, T::make(id));
                self.handed_out(b, T::expect(id));
            }
            Op::UninitDrop => {
                let u = PoolBox::<T>::try_new_uninit();
                self.expect_refusal(u.is_none(), "try_new_uninit");
                if let Some(u) = u {
                    self.check_reuse(PoolBox::as_ptr(&u) as usize);
                    self.handed += 1;
                    self.observe(self.pool_live() + 1);
                    self.freed(PoolBox::as_ptr(&u) as usize);
                    drop(u);
                }
            }
            Op::Drop(i) => {
                if let Some(i) = self.pick(i) {
                    drop(self.take(i));
                }
            }
            Op::IntoInner(i) => {
                if let Some(i) = self.pick(i) {
                    let (b, id) = self.take(i);
                    let v = PoolBox::into_inner(b);
                    assert!(v.intact() && v.id() == id, "into_inner gives the value");
                }
            }
            Op::Raw(i) => {
                if let Some(i) = self.pick(i) {
                    let (b, id) = self.live.remove(i);
                    let at = PoolBox::as_ptr(&b);
                    let p = PoolBox::into_raw(b);
                    assert_eq!(p.cast_const(), at, "into_raw gives the box's pointer");
                    // SAFETY: `p` comes from `into_raw` of a box of this pool, once.
                    let b = unsafe { PoolBox::<T>::from_raw(p) };
                    self.live.push((b, id));
                }
            }
            Op::Clone(i) => {
                if let Some(i) = self.pick(i) {
                    if !self.at_max() {
                        let c = self.live[i].0.clone();
                        self.made += 1;
                        let id = self.live[i].1;
                        self.handed_out(c, id);
                    }
                }
            }
            Op::Mutate(i) => {
                if let Some(i) = self.pick(i) {
                    let id = self.id();
                    self.live[i].0.set(id);
                    self.live[i].1 = T::expect(id);
                }
            }
            Op::Leak(i) => {
                if let Some(i) = self.pick(i) {
                    let (b, id) = self.live.remove(i);
                    let r: &'static T = PoolBox::leak(b);
                    self.leaked.push((r, id));
                    self.leaks_left -= 1;
                }
            }
            Op::SendJoin(i) => {
                if let Some(i) = self.pick(i) {
                    let (b, id) = self.live.remove(i);
                    let intact = thread::spawn(move || {
                        let intact = b.intact() && b.id() == id;
                        drop(b);
                        intact
                    })
                    .join()
                    .expect("the thread that dropped a box panicked");
                    assert!(intact, "a box sent to another thread arrives intact");
                }
            }
            Op::SendWorker(i) => {
                if let Some(i) = self.pick(i) {
                    let (b, id) = self.live.remove(i);
                    let worker = self.worker.get_or_insert_with(Worker::spawn);
                    match worker.call(ToWorker::Drop(b, id)) {
                        FromWorker::Dropped { intact } => {
                            assert!(intact, "a box sent to the worker arrives intact")
                        }
                        FromWorker::Made(_) => unreachable!("the worker answers in order"),
                    }
                    self.worker_dropped += 1;
                }
            }
            Op::FromWorker => {
                let id = self.id();
                let worker = self.worker.get_or_insert_with(Worker::spawn);
                let b = match worker.call(ToWorker::Make(id)) {
                    FromWorker::Made(b) => b,
                    FromWorker::Dropped { .. } => unreachable!("the worker answers in order"),
                };
                self.made += 1;
                self.worker_made += 1;
                // Not this thread's slot: no reuse to check, and this thread's cache is as it
                // was.
                let (freed, known) = (self.last_freed.take(), self.hot_known);
                self.handed_out(b, T::expect(id));
                (self.last_freed, self.hot_known) = (freed, known);
            }
            Op::Stats => {}
            Op::Trim => {
                TRIMMED.store(true, SeqCst);
                T::pool_trim();
                zokio_pool::trim();
                // The trim emptied this thread's cache: the next take may get any free slot.
                self.last_freed = None;
                self.since_trim = Some((T::pool_stats().allocated, self.pool_live()));
            }
            Op::ArcNew => {
                let id = self.id();
                self.made += 1;
                self.arcs.push((PoolArc::new(T::make(id)), T::expect(id)));
            }
            Op::ArcClone(i) => {
                if let Some(j) = self.pick_arc(i) {
                    let (a, id) = &self.arcs[j];
                    let clone = PoolArc::clone(a);
                    assert!(PoolArc::ptr_eq(a, &clone), "a clone shares the value");
                    let id = *id;
                    self.arcs.push((clone, id));
                }
            }
            Op::ArcDrop(i) => {
                if let Some(j) = self.pick_arc(i) {
                    drop(self.arcs.remove(j));
                }
            }
            Op::ArcIntoInner(i) => {
                if let Some(j) = self.pick_arc(i) {
                    let (a, id) = self.arcs.remove(j);
                    let last = !self.arcs.iter().any(|(b, _)| PoolArc::ptr_eq(&a, b));
                    match PoolArc::into_inner(a) {
                        Some(v) => {
                            assert!(last, "into_inner gave the value while handles are left");
                            assert!(v.intact() && v.id() == id, "into_inner gives the value");
                        }
                        None => assert!(!last, "into_inner of the last handle gave nothing"),
                    }
                }
            }
            Op::NewAsync => {
                let id = self.id();
                self.made += 1;
                let at_max = self.at_max();
                let mut fut = std::pin::pin!(PoolBox::new_async(T::make(id)));
                let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
                match std::future::Future::poll(fut.as_mut(), &mut cx) {
                    std::task::Poll::Ready(b) => {
                        assert!(!at_max, "new_async got a slot at the limit");
                        self.handed_out(b, T::expect(id));
                    }
                    std::task::Poll::Pending => {
                        assert!(at_max, "new_async waited below the limit");
                        // Cancelled: the future and its value go, no slot is taken.
                    }
                }
            }
        }
    }

    /// After every step: each live box holds its value intact at its own address, and every
    /// value made and no longer held was dropped exactly once.
    fn check_values(&self, step: usize, op: Op) {
        let mut addrs = HashSet::with_capacity(self.live.len());
        for (b, id) in &self.live {
            assert!(
                b.intact() && b.id() == *id,
                "step {step} ({op:?}): a live box changed: {:?} expected id {id}",
                b.id()
            );
            if size_of::<T>() != 0 {
                assert!(
                    addrs.insert(PoolBox::as_ptr(b) as usize),
                    "step {step} ({op:?}): two live boxes share a slot"
                );
            }
        }
        for (a, id) in &self.arcs {
            assert!(
                a.intact() && a.id() == *id,
                "step {step} ({op:?}): a shared value changed"
            );
        }
        let c = T::counters();
        let drops = c.drops.load(SeqCst) - self.base_drops;
        assert_eq!(
            drops,
            self.made - self.live.len() - self.leaked.len() - self.arc_values(),
            "step {step} ({op:?}): values dropped"
        );
        assert_eq!(
            c.corrupt.load(SeqCst),
            0,
            "step {step} ({op:?}): a value was corrupt when dropped"
        );
    }

    /// The statistics against the model: exact when every thread that used the pool in this
    /// run has exited or only this thread did; bounded while the worker lives.
    fn check_stats(&self, at: &str) {
        for (r, id) in &self.leaked {
            assert!(r.intact() && r.id() == *id, "{at}: a leaked value changed");
        }
        // Shared values live only on this thread: their pool's statistics are exact.
        assert_eq!(
            PoolArc::<T>::pool_stats().live,
            self.arc_base_live + self.arc_values(),
            "{at}: live shared values"
        );
        let s = T::pool_stats();
        let base = self.base;
        let live = self.pool_live();
        let handed = base.allocated + base.reused + self.handed;
        let exact = self.worker.is_none() || (self.worker_made == 0 && self.worker_dropped == 0);
        if exact {
            assert_eq!(s.live, live, "{at}: live {s:?}");
            assert_eq!(s.allocated + s.reused, handed, "{at}: handed out {s:?}");
        } else {
            // The worker's own counts are missing: its allocations lower `live` and
            // `allocated + reused`, its frees raise `live`.
            assert!(
                s.live + self.worker_made >= live && s.live <= live + self.worker_dropped,
                "{at}: live {s:?}, model {live} (worker made {}, dropped {})",
                self.worker_made,
                self.worker_dropped
            );
            assert!(
                s.allocated + s.reused <= handed
                    && s.allocated + s.reused + self.worker_made >= handed,
                "{at}: handed out {s:?}, model {handed}"
            );
        }
        if CHECKING_MODE {
            assert_eq!(
                s.reused, 0,
                "{at}: nothing is reused in checking mode {s:?}"
            );
        }
        if size_of::<T>() == 0 {
            assert_eq!((s.capacity, s.reserved_bytes), (0, 0), "{at}: {s:?}");
        } else {
            assert!(s.capacity >= s.live, "{at}: capacity {s:?}");
            if s.capacity > 0 {
                assert!(
                    s.reserved_bytes % s.capacity == 0
                        && s.reserved_bytes / s.capacity >= size_of::<T>(),
                    "{at}: reserved bytes {s:?}"
                );
            }
            if !CHECKING_MODE {
                // Chunks are carved before they are needed only by one chunk (or prealloc);
                // a trim gives chunks back, after which fewer slots than were ever allocated
                // may remain.
                if !TRIMMED.load(SeqCst) {
                    assert!(s.capacity >= s.allocated, "{at}: capacity {s:?}");
                }
                if self.mode.threads != Threads::Worker {
                    assert!(
                        s.capacity <= self.prealloc.max(s.allocated + self.chunk),
                        "{at}: capacity grew before it was needed {s:?}"
                    );
                }
            }
        }
        if let Some(max) = self.mode.max {
            assert!(s.live <= max && s.high_water <= max, "{at}: over max {s:?}");
            if size_of::<T>() != 0 && !CHECKING_MODE {
                assert!(s.capacity <= max, "{at}: capacity over max {s:?}");
            }
        }
        // The high-water mark: never below what this call sees; on one thread, exactly the true
        // peak (the earlier runs' mark, or this run's peak). With another thread, a free that
        // thread has not folded yet still counts as live where it is observed: the mark may be
        // above the true peak by the slots one thread cache holds, 2M (PoolStats' documentation).
        let peak = base.high_water.max(self.peak);
        let slack = if self.mode.threads == Threads::One {
            0
        } else {
            2 * self.magazine
        };
        if self.mode.high_water {
            assert!(
                s.high_water >= s.live && s.high_water <= peak + slack,
                "{at}: high water {s:?}, true peak {peak}, slack {slack}"
            );
            if self.mode.threads == Threads::One {
                assert_eq!(s.high_water, peak, "{at}: high water {s:?}");
            }
        }
        if !CHECKING_MODE && size_of::<T>() != 0 && self.mode.threads != Threads::Worker {
            // A fresh slot is taken while a free one exists only within one fresh run of at
            // most M slots, which starts when every slot is live (or began in an earlier run).
            // After a trim, the slots of the chunks it gave back are gone: up to the peak
            // since then is taken fresh again.
            let after_trim = self
                .since_trim
                .map_or(0, |(allocated, peak)| allocated + peak);
            let bound = base.allocated.max(self.peak).max(after_trim) + self.magazine;
            assert!(
                s.allocated < bound,
                "{at}: fresh slots taken while free ones were at hand {s:?} (bound {bound})"
            );
        }
    }

    /// Frees everything (with the worker, every other box there), stops the worker, and
    /// checks the statistics, now exact.
    fn finish(&mut self) {
        self.check_stats("end of run, boxes still live");
        while !self.live.is_empty() {
            let i = self.live.len() - 1;
            if self.worker.is_some() && i % 2 == 0 {
                self.apply(Op::SendWorker(i));
            } else {
                self.apply(Op::Drop(i));
            }
        }
        while let Some(a) = self.arcs.pop() {
            drop(a);
        }
        if let Some(mut w) = self.worker.take() {
            w.join();
            self.worker_made = 0;
            self.worker_dropped = 0;
        }
        self.check_values(usize::MAX, Op::Stats);
        self.check_stats("end of run");
    }
}
