//! The programs: ports of mimalloc-bench's (https://github.com/daanx/mimalloc-bench, `bench/`)
//! and two real programs. Each returns a checksum of what it computed, so that nothing is
//! optimized away, and runs a fixed amount of work (the originals that run for a fixed time
//! run a fixed count here, so that time is what is measured). Thread counts are 2, the
//! machine's cores, where the original takes the count of processors.

use std::alloc::Layout;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;

/// One program of the table.
pub struct Program {
    pub name: &'static str,
    pub about: &'static str,
    pub run: fn() -> u64,
}

pub const ALL: &[Program] = &[
    Program {
        name: "larson",
        about: "server simulation (Larson and Krishnan): 2 threads, each 5,000 blocks of 8-1,000 B replaced at random, 10 generations of threads inheriting (and freeing) their predecessor's blocks; the original: `larson 5 8 1000 5000 100 4141 <procs>` (runs 5 s; here 1,000,000 replacements per generation)",
        run: larson,
    },
    Program {
        name: "xmalloc-test",
        about: "producer and consumer (Lever and Boreham): one thread allocates 64 B blocks, another frees them, handed over in batches of 64 under a lock; the original: `xmalloc-test -w <procs> -t 5 -s 64` (runs 5 s; here 8,000,000 blocks)",
        run: xmalloc_test,
    },
    Program {
        name: "cache-scratch1",
        about: "passive false sharing (Hoard's cache-scratch), one thread: 1,000 objects of 8 B, each allocated, written 200,000 times and freed; the original: `cache-scratch 1 1000 1 2000000` (repetitions scaled by 1/10)",
        run: cache_scratch_1,
    },
    Program {
        name: "cache-scratch2",
        about: "the same work on 2 threads (each takes one of two objects the main thread allocated next to each other, frees it, then does half of the 1,000 objects): no false sharing means about half the one-thread time; the original: `cache-scratch <procs> 1000 1 2000000`",
        run: cache_scratch_2,
    },
    Program {
        name: "mstress",
        about: "mimalloc's stress test (test/test-stress.c): 2 threads, each allocating, retaining and freeing blocks of random word counts (1% ten times larger, 0.1% a hundred times), a quarter of them passed to the other thread through a shared array; the original: `mstress <procs> 50 25` (scale 50, 25 iterations; here 10)",
        run: mstress,
    },
    Program {
        name: "glibc-simple",
        about: "glibc's benchtests/bench-malloc-simple.c: one thread allocates then frees 25, 100, 400 and 1,600 blocks of 16, 256 and 1,024 B (its block sizes and counts), 2,000 rounds each",
        run: glibc_simple,
    },
    Program {
        name: "glibc-thread",
        about: "glibc's benchtests/bench-malloc-thread.c: 2 threads, each replacing blocks of a working set of 1,024 at random, sizes 4-32,768 B drawn with a density falling as 1/size (its distribution; runs a fixed time, here 4,000,000 replacements per thread)",
        run: glibc_thread,
    },
    Program {
        name: "malloc-large",
        about: "mimalloc-bench's malloc-large: 500 times, a buffer of 5-25 MiB zeroed (`make_unique<char[]>`) replaces one of 20 at random",
        run: malloc_large,
    },
    Program {
        name: "json",
        about: "a real program: serde_json parses a generated 50 MB document into a `Value` and writes it back",
        run: json,
    },
    Program {
        name: "btree",
        about: "a real program: 2 threads each build a `BTreeMap<String, Vec<u8>>` of 500,000 entries (values of 0-200 B), query every key, and drop it (1,000,000 entries in all)",
        run: btree,
    },
];

/// A small, fast generator (xorshift64*), the same sequence for every allocator.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// A block of `size` bytes from the global allocator whose first and last bytes are written
/// (as a program starts to fill a buffer), freed when dropped.
struct Block {
    ptr: NonNull<u8>,
    size: usize,
}

impl Block {
    fn new(size: usize, tag: u8) -> Block {
        let layout = Layout::array::<u8>(size.max(1)).expect("a small block");
        // SAFETY: a non-zero size.
        let ptr = NonNull::new(unsafe { std::alloc::alloc(layout) })
            .unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        // SAFETY: both bytes are inside the block.
        unsafe {
            ptr.as_ptr().write(tag);
            ptr.as_ptr().add(layout.size() - 1).write(tag);
        }
        Block {
            ptr,
            size: layout.size(),
        }
    }

    fn first(&self) -> u8 {
        // SAFETY: written by `new`.
        unsafe { self.ptr.as_ptr().read() }
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: allocated by `new` with this layout, freed once.
        unsafe {
            std::alloc::dealloc(
                self.ptr.as_ptr(),
                Layout::from_size_align_unchecked(self.size, 1),
            )
        }
    }
}

// SAFETY: a block is owned memory, like a `Box<[u8]>`.
unsafe impl Send for Block {}

fn larson() -> u64 {
    const THREADS: usize = 2;
    const BLOCKS: usize = 5000;
    const GENERATIONS: usize = 10;
    const REPLACEMENTS: usize = 1_000_000;
    fn generation(mut blocks: Vec<Block>, seed: u64, left: usize) -> u64 {
        let mut rng = Rng::new(seed);
        let mut sum = 0u64;
        for _ in 0..REPLACEMENTS {
            let i = rng.range(0, BLOCKS - 1);
            let size = rng.range(8, 1000);
            sum = sum.wrapping_add(u64::from(blocks[i].first()));
            // The old block is freed, possibly allocated by another thread.
            blocks[i] = Block::new(size, size as u8);
        }
        if left == 0 {
            return sum;
        }
        // The next generation inherits the blocks on a new thread, as larson's threads do.
        sum.wrapping_add(
            thread::spawn(move || generation(blocks, seed + 1, left - 1))
                .join()
                .expect("larson thread"),
        )
    }
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                let mut rng = Rng::new(4141 + t as u64);
                let blocks = (0..BLOCKS)
                    .map(|_| {
                        let size = rng.range(8, 1000);
                        Block::new(size, size as u8)
                    })
                    .collect();
                generation(blocks, 4141 * (t as u64 + 1), GENERATIONS - 1)
            })
        })
        .collect();
    workers
        .into_iter()
        .map(|w| w.join().expect("larson thread"))
        .fold(0, u64::wrapping_add)
}

fn xmalloc_test() -> u64 {
    const BLOCKS: usize = 8_000_000;
    const BATCH: usize = 64;
    let (tx, rx) = mpsc::sync_channel::<Vec<Box<[u64; 8]>>>(16);
    let producer = thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        for i in 0..BLOCKS as u64 {
            batch.push(Box::new([i; 8]));
            if batch.len() == BATCH {
                tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .expect("the consumer runs");
            }
        }
    });
    let mut sum = 0u64;
    for batch in rx {
        for b in batch {
            sum = sum.wrapping_add(b[7]);
        }
    }
    producer.join().expect("producer");
    sum
}

/// cache-scratch with `threads` threads, 1,000 objects of 8 B in all, each written
/// `REPETITIONS` times.
fn cache_scratch(threads: usize) -> u64 {
    const OBJECTS: usize = 1000;
    const REPETITIONS: usize = 200_000;
    // The main thread allocates one object per thread, next to each other in memory.
    let first: Vec<Box<u64>> = (0..threads).map(|i| Box::new(i as u64)).collect();
    let barrier = Arc::new(Barrier::new(threads));
    let workers: Vec<_> = first
        .into_iter()
        .map(|object| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                // Freed here: the thread's next object may reuse it, or its neighbour's line.
                drop(object);
                let mut sum = 0u64;
                for _ in 0..OBJECTS / threads {
                    let mut o = Box::new(0u64);
                    for r in 0..REPETITIONS {
                        // SAFETY: a valid, exclusively owned `u64`; volatile so that every
                        // write reaches the cache line.
                        unsafe { std::ptr::write_volatile(&mut *o, r as u64) };
                    }
                    sum = sum.wrapping_add(*o);
                }
                sum
            })
        })
        .collect();
    workers
        .into_iter()
        .map(|w| w.join().expect("cache-scratch thread"))
        .fold(0, u64::wrapping_add)
}

fn cache_scratch_1() -> u64 {
    cache_scratch(1)
}

fn cache_scratch_2() -> u64 {
    cache_scratch(2)
}

/// mimalloc's test-stress.c, in Rust: the same shape (per-thread allocate / retain / free, a
/// shared array of transfers), the same probabilities.
fn mstress() -> u64 {
    const THREADS: usize = 2;
    const SCALE: usize = 50;
    const ITER: usize = 10;
    const TRANSFERS: usize = 1000;
    const COOKIE: u64 = 0xbf58_476d_1ce4_e5b9;
    static TRANSFER: [AtomicPtr<Vec<u64>>; TRANSFERS] =
        [const { AtomicPtr::new(std::ptr::null_mut()) }; TRANSFERS];

    fn alloc_items(mut items: usize, rng: &mut Rng) -> Vec<u64> {
        if rng.next() % 100 == 0 {
            items *= 10; // 1% huge
        } else if rng.next() % 1000 == 0 {
            items *= 100; // 0.1% huger
        }
        let items = items.max(1);
        let mut v = Vec::with_capacity(items);
        v.extend((0..items as u64).map(|i| (items as u64 ^ i) ^ COOKIE));
        v
    }

    fn free_items(v: Vec<u64>) -> u64 {
        let n = v.len() as u64;
        for (i, &x) in v.iter().enumerate() {
            assert_eq!(x, (n ^ i as u64) ^ COOKIE, "memory corrupted");
        }
        n
    }

    fn stress(tid: usize, iteration: usize) -> u64 {
        let mut rng = Rng::new((tid * 1000 + iteration) as u64 + 1);
        let mut allocs = 100 * SCALE * (tid % 8 + 1);
        let mut retain = allocs / 2;
        let mut data: Vec<Option<Vec<u64>>> = Vec::new();
        let mut retained: Vec<Vec<u64>> = Vec::new();
        let mut sum = 0u64;
        while allocs > 0 || retain > 0 {
            // Half the time a block to keep to the end of the iteration (while any is left to
            // retain), else one that may be freed or passed on.
            if retain == 0 || (rng.next() % 2 == 0 && allocs > 0) {
                allocs -= 1;
                let items = rng.range(1, 128);
                data.push(Some(alloc_items(items, &mut rng)));
            } else {
                retain -= 1;
                let items = rng.range(1, 128);
                retained.push(alloc_items(items, &mut rng));
            }
            if data.is_empty() || rng.next() % 2 == 0 {
                continue;
            }
            // Then, half the time, one of the blocks that may go: freed here, or swapped
            // with the shared array, whose previous block this thread frees.
            let i = rng.range(0, data.len() - 1);
            let Some(v) = data[i].take() else { continue };
            if rng.next() % 2 == 0 {
                sum = sum.wrapping_add(free_items(v));
            } else {
                let t = rng.range(0, TRANSFERS - 1);
                let p = Box::into_raw(Box::new(v));
                let old = TRANSFER[t].swap(p, Ordering::AcqRel);
                if !old.is_null() {
                    // SAFETY: every pointer in TRANSFER came from `Box::into_raw`, and the
                    // swap gave this thread the only copy.
                    let old = unsafe { Box::from_raw(old) };
                    sum = sum.wrapping_add(free_items(*old));
                }
            }
        }
        for v in retained.into_iter().chain(data.into_iter().flatten()) {
            sum = sum.wrapping_add(free_items(v));
        }
        sum
    }

    // With `ZOKIO_BENCH_ITERATIONS` set, each iteration's wall time and the process's page
    // faults after it go to stderr once the loop ends (`scripts/mstress-iterations.sh`);
    // unset, the loop reads no clock (the variable is read once, for every allocator alike).
    let trace = std::env::var_os("ZOKIO_BENCH_ITERATIONS").is_some();
    let mut iterations = [(0.0f64, 0u64); ITER];
    let mut sum = 0u64;
    for (iteration, record) in iterations.iter_mut().enumerate() {
        let start = trace.then(std::time::Instant::now);
        let workers: Vec<_> = (0..THREADS)
            .map(|t| thread::spawn(move || stress(t, iteration)))
            .collect();
        for w in workers {
            sum = sum.wrapping_add(w.join().expect("mstress thread"));
        }
        if let Some(start) = start {
            *record = (
                start.elapsed().as_secs_f64(),
                crate::rusage().ru_minflt as u64,
            );
        }
    }
    if trace {
        for (i, (seconds, faults)) in iterations.iter().enumerate() {
            eprintln!("iteration {i} {seconds:.6} {faults}");
        }
    }
    for slot in &TRANSFER {
        let p = slot.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !p.is_null() {
            // SAFETY: as above.
            sum = sum.wrapping_add(free_items(*unsafe { Box::from_raw(p) }));
        }
    }
    sum
}

fn glibc_simple() -> u64 {
    const ROUNDS: usize = 2000;
    let mut sum = 0u64;
    let mut live: Vec<Block> = Vec::with_capacity(1600);
    for size in [16, 256, 1024] {
        for count in [25, 100, 400, 1600] {
            for r in 0..ROUNDS {
                for _ in 0..count {
                    live.push(Block::new(size, r as u8));
                }
                sum = sum.wrapping_add(live.len() as u64);
                live.clear();
            }
        }
    }
    black_box(sum)
}

fn glibc_thread() -> u64 {
    const THREADS: usize = 2;
    const WORKING_SET: usize = 1024;
    const REPLACEMENTS: usize = 4_000_000;
    // Sizes 4..=32768 with a density proportional to 1/size: the glibc benchmark's shape (its
    // table favours small blocks the same way).
    fn size(rng: &mut Rng) -> usize {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let (lo, hi) = (4f64, 32768f64);
        (lo * (hi / lo).powf(u)) as usize
    }
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                let mut rng = Rng::new(88 + t as u64);
                let mut set: Vec<Option<Block>> = (0..WORKING_SET).map(|_| None).collect();
                let mut sum = 0u64;
                for _ in 0..REPLACEMENTS {
                    let i = rng.range(0, WORKING_SET - 1);
                    let s = size(&mut rng);
                    if let Some(old) = set[i].replace(Block::new(s, i as u8)) {
                        sum = sum.wrapping_add(old.size as u64);
                    }
                }
                sum
            })
        })
        .collect();
    workers
        .into_iter()
        .map(|w| w.join().expect("glibc-thread thread"))
        .fold(0, u64::wrapping_add)
}

fn malloc_large() -> u64 {
    const BUFFERS: usize = 20;
    const MIN: usize = 5 << 20;
    const MAX: usize = 25 << 20;
    let mut rng = Rng::new(42);
    let mut buffers: Vec<Option<Box<[u8]>>> = (0..BUFFERS).map(|_| None).collect();
    let mut sum = 0u64;
    for _ in 0..500 {
        let i = rng.range(0, BUFFERS - 1);
        let size = rng.range(MIN, MAX);
        let b = vec![0u8; size].into_boxed_slice(); // zeroed, as make_unique<char[]>(n)
        sum = sum.wrapping_add(u64::from(b[size / 2]) + size as u64);
        buffers[i] = Some(b);
    }
    sum
}

/// A 50 MB JSON document: an array of records with strings, numbers, arrays and objects.
fn document() -> String {
    use std::fmt::Write;
    let mut rng = Rng::new(7);
    let mut s = String::with_capacity(52 << 20);
    s.push('[');
    let mut i = 0u64;
    while s.len() < 50_000_000 {
        if i > 0 {
            s.push(',');
        }
        let tags = rng.range(0, 6);
        write!(
            s,
            r#"{{"id":{i},"name":"user-{:x}","score":{:.3},"active":{},"tags":["#,
            rng.next(),
            (rng.next() % 100_000) as f64 / 7.0,
            rng.next() % 2 == 0
        )
        .unwrap();
        for t in 0..tags {
            if t > 0 {
                s.push(',');
            }
            write!(s, r#""tag{}""#, rng.next() % 1000).unwrap();
        }
        write!(
            s,
            r#"],"address":{{"street":"{} Main Street","zip":"{:05}"}},"history":[{},{},{}]}}"#,
            rng.next() % 10_000,
            rng.next() % 100_000,
            rng.next() % 1000,
            rng.next() % 1000,
            rng.next() % 1000
        )
        .unwrap();
        i += 1;
    }
    s.push(']');
    s
}

fn json() -> u64 {
    let text = document();
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let out = serde_json::to_string(&value).expect("serializable");
    let n = value.as_array().map_or(0, Vec::len) as u64;
    drop(value);
    n.wrapping_add(out.len() as u64)
}

fn btree() -> u64 {
    const THREADS: usize = 2;
    const ENTRIES: usize = 500_000;
    let done = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let mut rng = Rng::new(1000 + t as u64);
                let mut map = BTreeMap::new();
                for i in 0..ENTRIES {
                    let key = format!("key-{t}-{:016x}-{i}", rng.next());
                    let len = rng.range(0, 200);
                    map.insert(key, vec![i as u8; len]);
                }
                let mut sum = 0u64;
                let keys: Vec<String> = map.keys().cloned().collect();
                for k in &keys {
                    sum = sum.wrapping_add(map[k].len() as u64);
                }
                drop(keys);
                drop(map);
                done.fetch_add(1, Ordering::Relaxed);
                sum
            })
        })
        .collect();
    let sum = workers
        .into_iter()
        .map(|w| w.join().expect("btree thread"))
        .fold(0, u64::wrapping_add);
    assert_eq!(done.load(Ordering::Relaxed), THREADS);
    sum
}
