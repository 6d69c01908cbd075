//! Boxes that cross threads: slots come back to the dropping thread's cache, magazines move
//! through the depot, and the statistics are exact, for idle threads as for exited ones.

use std::cell::Cell;
use std::sync::mpsc;
use std::thread;

use zokio_pool::{PoolBox, Pooled, CHECKING_MODE};

#[derive(Pooled)]
struct Job {
    id: u64,
    payload: [u64; 7],
}

#[test]
fn a_million_boxes_dropped_on_another_thread_leave_exact_stats() {
    const N: u64 = if cfg!(miri) { 2_000 } else { 1_000_000 };
    let (tx, rx) = mpsc::sync_channel::<PoolBox<Job>>(1024);
    let producer = thread::spawn(move || {
        for id in 0..N {
            tx.send(PoolBox::new(Job {
                id,
                payload: [id; 7],
            }))
            .unwrap();
        }
    });
    let consumer = thread::spawn(move || {
        let mut sum = 0;
        for job in rx {
            sum += job.id + job.payload[6] - job.payload[0];
        }
        sum
    });
    producer.join().unwrap();
    assert_eq!(consumer.join().unwrap(), N * (N - 1) / 2);

    let s = Job::pool_stats();
    assert_eq!(s.live, 0, "{s:?}");
    assert_eq!(s.allocated + s.reused, N as usize, "{s:?}");
    assert_eq!(s.reserved_bytes, s.capacity * 64);
    if CHECKING_MODE {
        return; // nothing is reused or kept
    }
    // Reserved slots never handed out are at most the last chunk (1,024 slots of 64 B) and a
    // never-used run in each cache (M = 240 each, two threads used the pool). Chunks
    // can also have gone back to the heap: the working-set rule gives back those whose slots
    // all stayed free for a `TRIM_INTERVAL`, and a slow build (TSan: 17 s) gives it many
    // intervals. So the capacity may be below `allocated` and `high_water`, never far above.
    assert!(s.capacity <= s.allocated + 1024 + 2 * 240, "{s:?}");
    // Slots freed by the consumer went back to the producer through the depot: memory stays
    // bounded by the channel and the caches, not by N.
    assert!(s.allocated < 20_000, "{s:?}");
    assert!(s.reuse_rate() > 0.98 || cfg!(miri), "{s:?}");
    assert_eq!(s.fragmentation(), 1.0);
}

#[derive(Pooled)]
#[pool(cache = 4)]
struct Flushed(#[allow(dead_code)] u32);

#[test]
fn a_thread_exit_flushes_its_cache_to_the_depot() {
    let made = thread::spawn(|| {
        let boxes: Vec<_> = (0..100).map(|i| PoolBox::new(Flushed(i))).collect();
        let addrs: Vec<_> = boxes.iter().map(|b| PoolBox::as_ptr(b) as usize).collect();
        drop(boxes);
        addrs
    })
    .join()
    .unwrap();
    let s = Flushed::pool_stats();
    assert_eq!((s.live, s.allocated), (0, 100));
    if CHECKING_MODE {
        return; // nothing is cached, so nothing to flush
    }
    // Every slot the thread cached is now available here: no fresh slot is needed.
    let again: Vec<_> = (0..100).map(|i| PoolBox::new(Flushed(i))).collect();
    assert_eq!(Flushed::pool_stats().allocated, 100);
    let mut a: Vec<_> = again.iter().map(|b| PoolBox::as_ptr(b) as usize).collect();
    let mut m = made;
    a.sort_unstable();
    m.sort_unstable();
    assert_eq!(a, m);
}

#[derive(Pooled)]
#[pool(cache = 2)]
struct LateDrop(u32);

struct HoldsBoxes(Cell<Vec<PoolBox<LateDrop>>>);

impl Drop for HoldsBoxes {
    fn drop(&mut self) {
        drop(self.0.take());
        // Allocating during teardown works too, after the cache has been flushed.
        let late = PoolBox::new(LateDrop(0));
        assert_eq!(late.0, 0);
    }
}

thread_local! {
    static FIRST: HoldsBoxes = const { HoldsBoxes(Cell::new(Vec::new())) };
    static LAST: HoldsBoxes = const { HoldsBoxes(Cell::new(Vec::new())) };
}

#[test]
fn boxes_dropped_during_thread_teardown_are_not_lost() {
    thread::spawn(|| {
        // FIRST's destructor is registered before the pool's flush, LAST's after it: one runs
        // before the flush and one after, whatever order the platform uses.
        FIRST.with(|h| {
            h.0.set(
                (0..7)
                    .map(LateDrop)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .map(PoolBox::new)
                    .collect(),
            )
        });
        drop(PoolBox::new(LateDrop(7)));
        LAST.with(|h| {
            h.0.set(
                (8..15)
                    .map(LateDrop)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .map(PoolBox::new)
                    .collect(),
            )
        });
    })
    .join()
    .unwrap();
    let s = LateDrop::pool_stats();
    assert_eq!(s.live, 0, "{s:?}");
    assert_eq!(s.allocated + s.reused, 15 + 2, "{s:?}");
}

#[derive(Pooled)]
#[pool(cache = 8, chunk = 64)]
struct Ping(u64);

#[test]
fn two_threads_exchanging_boxes_both_ways_keep_every_slot() {
    const ROUNDS: u64 = if cfg!(miri) { 500 } else { 50_000 };
    let (to_b, from_a) = mpsc::sync_channel::<PoolBox<Ping>>(64);
    let (to_a, from_b) = mpsc::sync_channel::<PoolBox<Ping>>(64);
    let b = thread::spawn(move || {
        for p in from_a {
            let back = PoolBox::new(Ping(p.0 + 1));
            drop(p);
            if to_a.send(back).is_err() {
                break;
            }
        }
    });
    let mut total = 0;
    for i in 0..ROUNDS {
        to_b.send(PoolBox::new(Ping(i))).unwrap();
        total += from_b.recv().unwrap().0;
    }
    drop(to_b);
    b.join().unwrap();
    assert_eq!(total, ROUNDS * (ROUNDS + 1) / 2);
    let s = Ping::pool_stats();
    // This thread is still alive: its own counts are included; the other thread has exited.
    assert_eq!(
        (s.live, s.allocated + s.reused),
        (0, 2 * ROUNDS as usize),
        "{s:?}"
    );
}

/// Passive false sharing (Hoard's cache-scratch): the main thread allocates one small object
/// per thread, next to each other in memory; each thread frees its object and then, while the
/// others run, takes and gives back objects of its own, one at a time. A thread whose first
/// act on a pool is to give back another thread's slot sends it to the depot and starts from
/// never-used slots, so the object it works on shares no cache line with the main thread's
/// objects nor with the other thread's.
#[test]
fn a_thread_that_frees_a_foreign_object_first_works_on_a_line_of_its_own() {
    #[derive(Pooled)]
    struct Word(u64);

    if CHECKING_MODE {
        return; // every object is a block of the system allocator
    }
    const LINE: usize = 64;
    let line = |p: &PoolBox<Word>| (&**p as *const Word as usize) / LINE;
    let firsts: Vec<PoolBox<Word>> = (0..2).map(|i| PoolBox::new(Word(i))).collect();
    let main_lines: Vec<usize> = firsts.iter().map(line).collect();
    let both_running = std::sync::Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<_> = firsts
        .into_iter()
        .map(|first| {
            let both_running = both_running.clone();
            thread::spawn(move || {
                both_running.wait();
                drop(first);
                let mut lines = Vec::new();
                for i in 0..100 {
                    let mine = PoolBox::new(Word(i));
                    assert_eq!(mine.0, i);
                    lines.push(line(&mine));
                }
                // Both threads still alive: neither cache has gone back to the depot.
                both_running.wait();
                lines
            })
        })
        .collect();
    let lines: Vec<Vec<usize>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    for (t, mine) in lines.iter().enumerate() {
        assert!(
            mine.iter().all(|l| *l == mine[0]),
            "thread {t} took its objects from one slot: lines {mine:?}"
        );
    }
    let worked: Vec<usize> = lines.iter().map(|mine| mine[0]).collect();
    assert!(
        worked[0] != worked[1] && worked.iter().all(|l| !main_lines.contains(l)),
        "the threads work on lines {worked:?}, the main thread's objects are on {main_lines:?}"
    );
    let s = Word::pool_stats();
    assert_eq!(s.live, 0, "{s:?}");
}
