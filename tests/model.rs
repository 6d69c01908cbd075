//! Model-based tests: proptest generates sequences of operations on a pool (`new`, `try_new`,
//! `new_with`, `new_uninit` + `write`, drops, `into_inner`, `into_raw` + `from_raw`, `clone`,
//! `leak`, hand-offs to other threads, statistics) and `harness::run` checks the pool against a
//! model after every step: each live box keeps its value at its own address, every value is
//! dropped exactly once, `try_*` fails exactly at `max`, and the statistics match the model's
//! counts. A failure shrinks to a minimal sequence.
//!
//! Each test has pooled types of its own: statistics are per type and tests run in parallel.
//! `PROPTEST_CASES=10000 cargo test --release --test model` runs a longer search (256 cases of
//! up to 200 operations by default; 4 cases of up to 32 under Miri).
//!
//! Each case runs in a child process (this test binary, running
//! `replays_the_case_in_zokio_model_case`), so that it starts from fresh pools: a pool's
//! statistics and free lists outlive a case, and a failure that depends on earlier cases would
//! not shrink. A failure prints the `ZOKIO_MODEL_CASE` that replays its minimal case.
//! `ZOKIO_MODEL_IN_PROCESS=1` runs the cases in the test's own process instead, one after the
//! other on the same pools (a longer history per pool); so does Miri, which cannot spawn.

#[macro_use]
#[path = "model/harness.rs"]
mod harness;

use std::env;
use std::process::Command;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::mpsc;
use std::thread;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use harness::{Counters, Mode, Object, Op, Threads};
use zokio_pool::{PoolBox, Pooled, CHECKING_MODE};

// Small magazines and chunks, so that a few hundred operations exchange magazines with the
// depot and grow the pool many times.
object! { #[pool(cache = 2, chunk = 3)] Plain: 2 }
object! { #[pool(cache = 1, chunk = 1)] Single: 1 }
object! { #[pool(max = 8, prealloc = 2, chunk = 3, cache = 2)] Capped: 3 }
object! { #[pool(cache = 2, chunk = 5)] Handed: 2 }
object! { #[pool(cache = 3, chunk = 4)] Crossing: 6 }
object! { Defaults: 6 }

/// A four-byte object: smaller than the word a free slot needs. It keeps the low half of the id.
#[derive(Pooled, Clone, Debug)]
#[pool(cache = 2, chunk = 2)]
pub struct Tiny(u32);

impl Object for Tiny {
    fn make(id: u64) -> Self {
        Tiny(id as u32)
    }
    fn id(&self) -> u64 {
        u64::from(self.0)
    }
    fn intact(&self) -> bool {
        true
    }
    fn set(&mut self, id: u64) {
        self.0 = id as u32;
    }
    fn counters() -> &'static Counters {
        static COUNTERS: Counters = Counters::new();
        &COUNTERS
    }
    fn expect(id: u64) -> u64 {
        u64::from(id as u32)
    }
}

impl Drop for Tiny {
    fn drop(&mut self) {
        Self::counters().drops.fetch_add(1, SeqCst);
    }
}

/// A zero-sized object with a limit: no memory, only the counters and `max`.
#[derive(Pooled, Clone, Debug)]
#[pool(max = 5)]
pub struct Token;

impl Object for Token {
    fn make(_: u64) -> Self {
        Token
    }
    fn id(&self) -> u64 {
        0
    }
    fn intact(&self) -> bool {
        true
    }
    fn set(&mut self, _: u64) {}
    fn counters() -> &'static Counters {
        static COUNTERS: Counters = Counters::new();
        &COUNTERS
    }
    fn expect(_: u64) -> u64 {
        0
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        Self::counters().drops.fetch_add(1, SeqCst);
    }
}

/// Up to 200 operations a case (32 under Miri, which runs 4 cases: it interprets every step).
const MAX_OPS: usize = if cfg!(miri) { 32 } else { 200 };

/// 256 cases (4 under Miri) unless `PROPTEST_CASES` says otherwise. A failure prints its
/// minimal sequence of operations, to be written out as a named regression test (below), rather
/// than a persisted seed that a change to the strategies would make meaningless.
fn config() -> Config {
    let mut c = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if cfg!(miri) && env::var_os("PROPTEST_CASES").is_none() {
        c.cases = 4;
    }
    c
}

/// Indices below 256 (a live set is smaller), so that a case encodes in bytes.
fn index() -> impl Strategy<Value = usize> {
    any::<u8>().prop_map(usize::from)
}

/// Operations on the calling thread only. Allocations outweigh frees a little, so the live
/// set grows and shrinks across magazine and chunk boundaries.
fn local_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::New),
        2 => Just(Op::TryNew),
        2 => Just(Op::NewWith),
        1 => Just(Op::TryNewWith),
        2 => Just(Op::Uninit),
        1 => Just(Op::UninitDrop),
        5 => index().prop_map(Op::Drop),
        2 => index().prop_map(Op::IntoInner),
        1 => index().prop_map(Op::Raw),
        2 => index().prop_map(Op::Clone),
        1 => index().prop_map(Op::Mutate),
        1 => Just(Op::Stats),
        1 => Just(Op::Trim),
        1 => Just(Op::ArcNew),
        1 => index().prop_map(Op::ArcClone),
        1 => index().prop_map(Op::ArcDrop),
        1 => index().prop_map(Op::ArcIntoInner),
        1 => Just(Op::NewAsync),
    ]
}

/// Local operations plus leaks (a leaked box stays live for the rest of the process).
fn leaking_op() -> impl Strategy<Value = Op> {
    prop_oneof![12 => local_op(), 1 => index().prop_map(Op::Leak)]
}

/// Local operations plus boxes dropped on threads joined at once.
fn joined_op() -> impl Strategy<Value = Op> {
    prop_oneof![8 => local_op(), 1 => index().prop_map(Op::SendJoin)]
}

/// Local operations plus boxes going both ways through a worker thread.
fn worker_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => local_op(),
        2 => index().prop_map(Op::SendWorker),
        1 => Just(Op::FromWorker),
    ]
}

fn ops(op: impl Strategy<Value = Op>) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op, 0..MAX_OPS)
}

const ONE: Mode = Mode {
    threads: Threads::One,
    max: None,
    high_water: true,
    // A leaked object of checking mode is a leak of the global allocator, which Miri reports.
    leak: !CHECKING_MODE,
};

/// The pools the model drives, by number (the first byte of an encoded case).
const POOLS: usize = 8;

fn run(pool: usize, ops: &[Op]) {
    let limited = |max| Mode {
        max: Some(max),
        leak: false,
        ..ONE
    };
    match pool {
        0 => harness::run::<Plain>(ONE, ops),
        1 => harness::run::<Single>(ONE, ops),
        2 => harness::run::<Tiny>(ONE, ops),
        3 => harness::run::<Defaults>(ONE, ops),
        4 => harness::run::<Capped>(limited(8), ops),
        5 => harness::run::<Token>(limited(5), ops),
        6 => harness::run::<Handed>(
            Mode {
                threads: Threads::Joined,
                ..ONE
            },
            ops,
        ),
        _ => harness::run::<Crossing>(
            Mode {
                threads: Threads::Worker,
                ..ONE
            },
            ops,
        ),
    }
}

const CASE: &str = "ZOKIO_MODEL_CASE";
const REPLAY: &str = "replays_the_case_in_zokio_model_case";

/// Whether cases run in the test's own process (see the module documentation).
fn in_process() -> bool {
    cfg!(miri) || env::var_os("ZOKIO_MODEL_IN_PROCESS").is_some()
}

/// Runs one case on fresh pools, in a child process, or here (see the module documentation).
fn check(pool: u8, ops: &[Op]) -> Result<(), TestCaseError> {
    if in_process() {
        run(usize::from(pool), ops);
        return Ok(());
    }
    let case: String = harness::encode(pool, ops)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let out = Command::new(env::current_exe().expect("the test binary"))
        .args(["--exact", REPLAY, "--test-threads=1"])
        .env(CASE, &case)
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains("1 passed") {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let failure = match (stdout.find("panicked at"), stdout.find("\nfailures:\n")) {
        (Some(from), Some(to)) if from < to => stdout[from..to].trim(),
        _ => stderr.trim(),
    };
    Err(TestCaseError::fail(format!(
        "{failure}\nreplay: {CASE}={case} cargo test --test model {REPLAY}"
    )))
}

/// Where a failure panicked (`file:line:column`), to keep minimizing the same failure.
fn location(failure: &str) -> Option<&str> {
    let rest = &failure[failure.find("panicked at ")? + "panicked at ".len()..];
    rest.find(":\n").map(|end| &rest[..end])
}

/// Simpler forms of a step, to try in its place while minimizing.
fn simpler(op: Op) -> Vec<Op> {
    match op {
        Op::New => vec![],
        Op::TryNew | Op::NewWith | Op::TryNewWith | Op::Uninit | Op::FromWorker | Op::NewAsync => {
            vec![Op::New]
        }
        Op::ArcClone(_) | Op::ArcIntoInner(_) => vec![Op::ArcNew],
        Op::Clone(_) => vec![Op::New],
        Op::IntoInner(i) | Op::Raw(i) | Op::Leak(i) | Op::SendJoin(i) | Op::SendWorker(i) => {
            vec![Op::Drop(i), Op::Drop(0)]
        }
        Op::Drop(i) if i != 0 => vec![Op::Drop(0)],
        _ => vec![],
    }
}

/// Delta debugging on a failing case, as long as it fails at the same place: removes every
/// window of steps it can (halves, quarters, ... single steps, at every position) and puts
/// simpler steps in place of others, until nothing changes. proptest's own shrinking removes
/// one step at a time and stops where each single removal makes the case pass, which for a
/// failure that needs the pool in a particular state can leave a hundred steps.
fn minimize(pool: u8, mut ops: Vec<Op>, mut failure: String) -> (Vec<Op>, String) {
    let Some(place) = location(&failure).map(str::to_owned) else {
        return (ops, failure);
    };
    let still_fails = |candidate: &[Op], failure: &mut String| match check(pool, candidate) {
        Err(e) if location(&e.to_string()) == Some(&place) => {
            *failure = e.to_string();
            true
        }
        _ => false,
    };
    loop {
        let mut changed = false;
        let mut size = ops.len().div_ceil(2);
        while size > 0 {
            let mut start = 0;
            while start + size <= ops.len() {
                let mut candidate = ops.clone();
                candidate.drain(start..start + size);
                if still_fails(&candidate, &mut failure) {
                    (ops, changed) = (candidate, true);
                } else {
                    start += 1;
                }
            }
            size /= 2;
        }
        for i in 0..ops.len() {
            for op in simpler(ops[i]) {
                let mut candidate = ops.clone();
                candidate[i] = op;
                if still_fails(&candidate, &mut failure) {
                    (ops, changed) = (candidate, true);
                    break;
                }
            }
        }
        if !changed {
            return (ops, failure);
        }
    }
}

/// Runs the model on pool number `pool` with cases drawn from `strategy`; on a failure, prints
/// the minimal case and how to replay it.
fn model_test(pool: u8, strategy: impl Strategy<Value = Vec<Op>>) {
    let mut runner = TestRunner::new(config());
    match runner.run(&strategy, |ops| check(pool, &ops)) {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            let (ops, failure) = if in_process() {
                (ops, reason.to_string())
            } else {
                minimize(pool, ops, reason.to_string())
            };
            panic!("{failure}\nminimal case ({} steps): {ops:?}", ops.len());
        }
        Err(TestError::Abort(reason)) => panic!("proptest gave up: {reason}"),
    }
}

/// Runs the case given in `ZOKIO_MODEL_CASE` (hex bytes: the pool's number, then operations;
/// see `harness::decode`); does nothing without it. `check` runs each case through here.
#[test]
fn replays_the_case_in_zokio_model_case() {
    let Ok(case) = env::var(CASE) else { return };
    let bytes: Vec<u8> = (0..case.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&case[i..i + 2], 16).expect("hex bytes"))
        .collect();
    let (pool, ops) = harness::decode(&bytes, POOLS).expect("a pool's number");
    run(pool, &ops);
}

#[test]
fn one_thread_matches_the_model() {
    model_test(0, ops(leaking_op()));
}

#[test]
fn magazines_of_one_slot_match_the_model() {
    model_test(1, ops(leaking_op()));
}

#[test]
fn objects_smaller_than_a_word_match_the_model() {
    model_test(2, ops(local_op()));
}

#[test]
fn default_options_match_the_model() {
    model_test(3, ops(local_op()));
}

#[test]
fn a_limited_pool_refuses_exactly_at_its_max() {
    model_test(4, ops(local_op()));
}

#[test]
fn a_limited_zero_sized_pool_refuses_exactly_at_its_max() {
    model_test(5, ops(local_op()));
}

#[test]
fn boxes_dropped_on_other_threads_match_the_model() {
    model_test(6, ops(joined_op()));
}

#[test]
fn boxes_crossing_a_worker_thread_both_ways_match_the_model() {
    model_test(7, ops(worker_op()));
}

// Regression tests: minimal cases the model found, written out.

/// Found by the fuzz target (a bug of the harness): on a pool with `max` driven from one
/// thread, `FromWorker` became `New` after the check that turns `New` at the limit into
/// `try_new`, so it panicked at the limit.
#[test]
fn a_step_that_becomes_new_at_the_limit_is_refused_not_a_panic() {
    let mut ops = vec![Op::New; 8];
    ops.push(Op::FromWorker);
    check(4, &ops).unwrap();
}

object! { #[pool(cache = 2)] Peak: 0 }

/// The statistics promise that on one thread `high_water` is the true peak. Found by
/// `one_thread_matches_the_model`: a magazine taken from the depot is observed before its
/// slots are handed out, so a peak reached with its slots is missed.
#[test]
fn high_water_sees_a_peak_reached_with_a_magazine_from_the_depot() {
    // Fresh slots come in runs of M = 2: the fifth allocation leaves one in the cache.
    let mut v: Vec<_> = (0..5).map(|i| PoolBox::new(Peak::make(i))).collect();
    // Five frees: two fill the loaded list, two more make it the previous magazine, and the
    // fifth sends that magazine (two slots) to the depot.
    v.clear();
    // Six allocations: three from the cache, the fresh slot, then the depot's two slots.
    v.extend((0..6).map(|i| PoolBox::new(Peak::make(i))));
    v.pop();
    let s = Peak::pool_stats();
    assert_eq!((s.live, s.allocated + s.reused), (5, 11), "{s:?}");
    assert_eq!(s.high_water, 6, "six objects were live at once: {s:?}");
}

object! { Unfolded: 0 }

/// With several threads, a free on a thread that is still running is not folded yet, so an
/// allocation elsewhere observes one live object too many: `high_water` may exceed the true
/// peak by the slots another thread's cache holds (2M), as `PoolStats` documents, and by no
/// more. Found by `boxes_crossing_a_worker_thread_both_ways_match_the_model`.
#[test]
fn high_water_is_not_raised_by_frees_not_yet_counted() {
    let (to_consumer, inbox) = mpsc::channel::<PoolBox<Unfolded>>();
    let (freed_tx, freed) = mpsc::channel::<()>();
    let (exit_tx, exit) = mpsc::channel::<()>();
    let consumer = thread::spawn(move || {
        drop(inbox.recv().unwrap());
        freed_tx.send(()).unwrap();
        exit.recv().unwrap(); // stays alive, its free not folded, until told to exit
    });
    to_consumer.send(PoolBox::new(Unfolded::make(1))).unwrap();
    freed.recv().unwrap();
    let b = PoolBox::new(Unfolded::make(2)); // the first object is gone: one live object
    exit_tx.send(()).unwrap();
    consumer.join().unwrap();
    drop(b);
    let s = Unfolded::pool_stats(); // exact: the consumer has exited
    assert_eq!((s.live, s.allocated + s.reused), (0, 2), "{s:?}");
    let magazine = <Unfolded as zokio_pool::Pool>::__CONFIG.magazine_size;
    assert!(
        s.high_water >= 1 && s.high_water <= 1 + 2 * magazine,
        "one live object at a time, seen with at most one cache of unfolded frees: {s:?}"
    );
}
