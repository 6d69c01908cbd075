//! Runs one contender's scenario `N` times, for instruction counting under callgrind:
//! `scripts/instructions.sh` runs it with `N` and with 0 and divides the difference by `N`.
//!
//! `cargo run --release --example instructions -- <name> <N>`, where name is
//! `<contender>-<64|4096>[-lifo|-fifo|-two|-fresh]`: a hot pair, one object of a batch of 1,000
//! live objects freed LIFO or FIFO, one object of the two-thread scenario (allocated on a
//! producer thread, freed on this one; for the contenders that can do it), or one fresh
//! allocation (`N` objects allocated and kept, never freed: each is memory the contender has
//! not handed out before). `list` prints the names of the pairs and batches. The contenders and scenarios are those of the benches and
//! the report (`benches/contenders/`), the same code.
//!
//! Three contenders exist here only: `pool-max-64[-lifo|-fifo]`, `PoolBox::new` on a pool of the
//! 64 B object with a `max` (far above what the scenarios hold), to measure what a `max` costs;
//! `pool-class-<64|4096>[-lifo|-fifo]`, `ClassBox::new` (the object's size class), to
//! compare a class pool's hot path with the derived pool's; and
//! `poolalloc-<64|4096>[-lifo|-fifo]`, the byte allocator's `alloc` and `dealloc` (the class
//! found from the layout at run time), as `mimalloc-*` calls mimalloc's.

#[path = "../benches/contenders/mod.rs"]
mod contenders;

use contenders::{
    batch, each, each_shared, pair, two_threads, Contender, Named, Object, Page, PoolAllocator,
    Small, Visit, VisitShared, LIVE,
};
use std::hint::black_box;

use zokio_pool::{ClassBox, PoolBox};

zokio_pool::pool!(
    /// `Small`'s pool with a `max`.
    SmallMax: Small, max = 1_000_000
);

/// `PoolBox::new` on [`SmallMax`]: the cost of a `max` (a reservation per object).
struct ZokioMax;

impl Named for ZokioMax {
    const NAME: &'static str = "zokio-pool max";
    const KEY: &'static str = "pool-max";
}

impl Contender<Small> for ZokioMax {
    type Pool = ();
    type Handle<'p> = PoolBox<Small, SmallMax>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> Self::Handle<'static> {
        // As the `pool` contender writes a 64 B object.
        SmallMax::new(Small {
            id: i,
            body: [0; 7],
        })
    }

    #[inline(always)]
    fn free(_: &(), h: Self::Handle<'_>) {
        drop(h);
    }
}

/// `ClassBox::new`: the pool of the object's size class (64 B and 4 KiB here), the same
/// objects written the same way as the derived pool's (`new` for 64 B, in place for 4 KiB).
struct ZokioClass;

impl Named for ZokioClass {
    const NAME: &'static str = "zokio-pool ClassBox";
    const KEY: &'static str = "pool-class";
}

impl Contender<Small> for ZokioClass {
    type Pool = ();
    type Handle<'p> = ClassBox<Small>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> Self::Handle<'static> {
        ClassBox::new(Small {
            id: i,
            body: [0; 7],
        })
    }

    #[inline(always)]
    fn free(_: &(), h: Self::Handle<'_>) {
        drop(h);
    }
}

impl Contender<Page> for ZokioClass {
    type Pool = ();
    type Handle<'p> = ClassBox<Page>;

    fn pool() {}

    #[inline(always)]
    fn alloc(_: &(), i: u64) -> Self::Handle<'static> {
        let mut u = ClassBox::<Page>::new_uninit();
        // SAFETY: the slot is writable; `init` writes the object as the derived pool's
        // contender does, which initializes it.
        unsafe {
            <Page as Object>::init(ClassBox::as_mut_ptr(&mut u).cast(), i);
            ClassBox::assume_init(u)
        }
    }

    #[inline(always)]
    fn free(_: &(), h: Self::Handle<'_>) {
        drop(h);
    }
}

/// What to run.
struct Job<'a> {
    key: &'a str,
    shape: &'a str,
    n: u64,
    done: bool,
}

impl<T: Object> Visit<T> for Job<'_> {
    fn visit<C: Contender<T>>(&mut self) {
        if C::KEY != self.key {
            return;
        }
        self.done = true;
        let pool = C::pool();
        match self.shape {
            "" => {
                pair::<T, C>(&pool, 0); // first use: registers caches, reserves memory
                for i in 0..self.n {
                    pair::<T, C>(&pool, i);
                }
            }
            "-lifo" | "-fifo" => {
                let lifo = self.shape == "-lifo";
                let mut v = Vec::with_capacity(LIVE as usize);
                batch::<T, C>(&pool, &mut v, LIVE, lifo); // warm up to the steady state
                for _ in 0..self.n / LIVE {
                    batch::<T, C>(&pool, &mut v, LIVE, lifo);
                }
            }
            "-fresh" => {
                pair::<T, C>(&pool, 0); // first use: registers caches, reserves memory
                let mut v = Vec::with_capacity(self.n as usize);
                for i in 0..self.n {
                    v.push(C::alloc(&pool, i));
                }
                black_box(&v);
                // Never freed: the process ends here, and freeing would add a push per object.
                std::mem::forget(v);
            }
            _ => usage(),
        }
    }
}

impl<T: Object> VisitShared<T> for Job<'_> {
    fn visit<C: Contender<T>>(&mut self)
    where
        C::Pool: Sync,
        for<'p> C::Handle<'p>: Send,
    {
        if C::KEY == self.key {
            self.done = true;
            let pool = C::pool();
            two_threads::<T, C>(&pool, self.n);
        }
    }
}

/// Collects the contenders' keys.
struct Keys(Vec<&'static str>);

impl Visit<Small> for Keys {
    fn visit<C: Contender<Small>>(&mut self) {
        self.0.push(C::KEY);
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: instructions <contender>-<64|4096>[-lifo|-fifo|-two|-fresh] <N>, or `list` for the names"
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| usage());
    if name == "list" {
        let mut keys = Keys(Vec::new());
        each::<Small>(&mut keys);
        for k in keys.0 {
            for s in ["64", "4096"] {
                for shape in ["", "-lifo", "-fifo"] {
                    println!("{k}-{s}{shape}");
                }
            }
        }
        return;
    }
    let n: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| usage());
    let (rest, shape) = ["-lifo", "-fifo", "-two", "-fresh"]
        .iter()
        .find_map(|s| name.strip_suffix(s).map(|r| (r, *s)))
        .unwrap_or((&name, ""));
    let (key, size) = rest.rsplit_once('-').unwrap_or_else(|| usage());
    let mut job = Job {
        key,
        shape,
        n,
        done: false,
    };
    match (size, shape) {
        ("64", _) if key == ZokioMax::KEY => Visit::<Small>::visit::<ZokioMax>(&mut job),
        ("64", "" | "-lifo" | "-fifo" | "-fresh") if key == ZokioClass::KEY => {
            Visit::<Small>::visit::<ZokioClass>(&mut job)
        }
        ("4096", "" | "-lifo" | "-fifo") if key == ZokioClass::KEY => {
            Visit::<Page>::visit::<ZokioClass>(&mut job)
        }
        ("64", "" | "-lifo" | "-fifo" | "-fresh") if key == PoolAllocator::KEY => {
            Visit::<Small>::visit::<PoolAllocator>(&mut job)
        }
        ("4096", "" | "-lifo" | "-fifo") if key == PoolAllocator::KEY => {
            Visit::<Page>::visit::<PoolAllocator>(&mut job)
        }
        ("64", "-two") => each_shared::<Small>(&mut job),
        ("4096", "-two") => each_shared::<Page>(&mut job),
        ("64", _) => each::<Small>(&mut job),
        ("4096", _) => each::<Page>(&mut job),
        _ => usage(),
    }
    if !job.done {
        usage();
    }
}
