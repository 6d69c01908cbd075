//! Measuring: calibration, the stopwatch, the rounds in which the contenders take turns, and
//! their spread. The scenarios are the benchmark kernel's (`benches/contenders`); `main.rs` says
//! which contenders run them and how each run reads the pool's statistics.

use std::time::{Duration, Instant};

use zokio_pool::PoolStats;

/// Runs per contender; the best one counts.
pub const RUNS: usize = 7;
/// How long one run of the system allocator takes, about: the calibration's target.
pub const RUN_TARGET: Duration = Duration::from_millis(250);
/// The same with `--quick`.
pub const QUICK_RUN_TARGET: Duration = Duration::from_millis(25);

/// A clock that can be stopped while the statistics are read.
pub struct Stopwatch {
    since: Instant,
    before: Duration,
}

impl Stopwatch {
    pub fn start() -> Self {
        Stopwatch {
            since: Instant::now(),
            before: Duration::ZERO,
        }
    }

    pub fn pause(&mut self) {
        self.before += self.since.elapsed();
    }

    pub fn resume(&mut self) {
        self.since = Instant::now();
    }

    pub fn stop(self) -> Duration {
        self.before + self.since.elapsed()
    }
}

/// The pool's figures for a scenario: reuse rate and fragmentation, as shares of 1.
#[derive(Clone, Copy)]
pub struct Figures {
    pub reuse: f64,
    pub fragmentation: f64,
}

impl Figures {
    /// The figures of one pool, or of several weighted by bytes, read at the scenario's peak
    /// of live objects; `None` for the system allocator.
    pub fn of(pools: &[Option<PoolStats>]) -> Option<Figures> {
        Self::weighed(pools, |s| s.live)
    }

    /// The figures of one pool used by one thread, read after the scenario's peak: the
    /// fragmentation is that at the peak, `1 - high_water / capacity`. The stress scenario's
    /// random walk is read at its end, about 5,000 live after a peak some 200 higher, and the
    /// difference is not waste. (`high_water` is exact for a pool used by one thread: its one
    /// cache observes every new peak as it takes a never-used slot. With other threads it may
    /// count their unfolded frees as live, so the other scenarios are read at their peak.)
    pub fn of_past_peak(pool: Option<PoolStats>) -> Option<Figures> {
        Self::weighed(&[pool], |s| s.high_water)
    }

    fn weighed(pools: &[Option<PoolStats>], peak: fn(&PoolStats) -> usize) -> Option<Figures> {
        let pools: Vec<PoolStats> = pools.iter().copied().collect::<Option<_>>()?;
        if let [one] = pools[..] {
            return Some(Figures {
                reuse: one.reuse_rate(),
                fragmentation: PoolStats {
                    live: peak(&one),
                    ..one
                }
                .fragmentation(),
            });
        }
        // Pools of different slot sizes: count reuse per object and fragmentation per byte.
        let handed: usize = pools.iter().map(|s| s.allocated + s.reused).sum();
        let reused: usize = pools.iter().map(|s| s.reused).sum();
        let reserved: usize = pools.iter().map(|s| s.reserved_bytes).sum();
        let live: usize = pools
            .iter()
            .filter(|s| s.capacity > 0)
            .map(|s| peak(s).min(s.capacity) * (s.reserved_bytes / s.capacity))
            .sum();
        let share = |part: usize, whole: usize| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        Some(Figures {
            reuse: share(reused, handed),
            fragmentation: if reserved == 0 {
                0.0
            } else {
                1.0 - share(live, reserved)
            },
        })
    }
}

/// One timed run of a scenario.
pub struct Run {
    pub elapsed: Duration,
    pub ops: u64,
    pub figures: Option<Figures>,
}

/// A table of the report: its contenders, in the order of its columns. The first one calibrates
/// each scenario, the second is mimalloc (the reference of the rounds' spread) and the last is
/// the subject (the pool, or the byte allocator), whose ratios to every other the table gives.
pub struct Table {
    /// The contenders' names, as the columns and the chart's legend print them.
    pub names: Vec<&'static str>,
    /// Their short names, in the ratio columns ("pool / mimalloc").
    pub short: Vec<&'static str>,
    /// Their bars' colours in the chart.
    pub colors: Vec<&'static str>,
    /// Whether the subject keeps statistics (reuse rate and fragmentation columns).
    pub figures: bool,
}

/// Which contender of a [`Table`] is mimalloc.
pub const MIMALLOC: usize = 1;

impl Table {
    /// The subject's index: the last contender.
    pub fn subject(&self) -> usize {
        self.names.len() - 1
    }
}

/// A scenario, instantiated for each contender. `n` is its unit of work (ops, steps, batches or
/// rounds), the same for all.
pub struct Scenario {
    pub name: &'static str,
    /// The smallest `n` worth timing.
    pub min_n: u64,
    /// One function per contender, in the order of its [`Table`]'s names.
    pub runs: Vec<fn(u64) -> Run>,
}

/// The `n` that makes one run of `run` take about `target`.
fn calibrate(run: fn(u64) -> Run, min_n: u64, target: Duration) -> u64 {
    let mut n = min_n;
    loop {
        let elapsed = run(n).elapsed;
        if elapsed >= target / 10 || n >= 1 << 40 {
            let scale = target.as_secs_f64() / elapsed.as_secs_f64().max(1e-9);
            return ((n as f64 * scale) as u64).max(min_n);
        }
        n *= 4;
    }
}

/// A scenario's row of a table.
pub struct Row {
    pub name: &'static str,
    /// Best ops/s of each contender, in the order of the table's names.
    pub rates: Vec<f64>,
    /// Every round's ops/s of each contender.
    pub rounds: Vec<Vec<f64>>,
    pub figures: Option<Figures>,
}

impl Row {
    /// The subject's best ops/s (the last contender's).
    pub fn subject(&self) -> f64 {
        self.rates[self.rates.len() - 1]
    }

    /// The ratios of the subject's run to contender `c`'s run of the same round, sorted.
    pub fn round_ratios(&self, c: usize) -> Vec<f64> {
        let mut r: Vec<f64> = self.rounds[self.rounds.len() - 1]
            .iter()
            .zip(&self.rounds[c])
            .map(|(pool, other)| pool / other)
            .collect();
        r.sort_by(f64::total_cmp);
        r
    }

    /// `(min, median, max)` of [`round_ratios`](Self::round_ratios).
    pub fn ratio_spread(&self, c: usize) -> (f64, f64, f64) {
        let r = self.round_ratios(c);
        (r[0], r[r.len() / 2], r[r.len() - 1])
    }

    /// The contenders whose fastest run was more than 20% faster than their slowest.
    pub fn unsteady(&self, table: &Table) -> Vec<(&'static str, f64)> {
        (0..self.rounds.len())
            .filter_map(|c| {
                let lo = self.rounds[c].iter().copied().fold(f64::INFINITY, f64::min);
                let hi = self.rounds[c].iter().copied().fold(0.0, f64::max);
                let spread = hi / lo - 1.0;
                (spread > 0.2).then_some((table.names[c], spread))
            })
            .collect()
    }
}

/// Calibrates `s` on its first contender, warms the others up, then times every contender
/// [`RUNS`] times, rotating which goes first, and keeps the best rate of each.
pub fn measure(s: &Scenario, target: Duration) -> Row {
    let k = s.runs.len();
    let n = calibrate(s.runs[0], s.min_n, target);
    // Warm-up: mimalloc sets up its thread heap, the pool reserves its chunks and registers its
    // thread cache.
    for run in &s.runs[1..] {
        run(n);
    }
    let mut best = vec![0.0f64; k];
    let mut rounds: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut ops = vec![0u64; k];
    let mut figures = None;
    for i in 0..RUNS {
        for j in 0..k {
            let which = (i + j) % k;
            let run = s.runs[which](n);
            let rate = run.ops as f64 / run.elapsed.as_secs_f64();
            best[which] = best[which].max(rate);
            rounds[which].push(rate);
            ops[which] = run.ops;
            if which == k - 1 {
                figures = run.figures;
            }
        }
    }
    assert!(
        ops.iter().all(|&o| o == ops[0]),
        "{}: the contenders did different work: {ops:?}",
        s.name
    );
    Row {
        name: s.name,
        rates: best,
        rounds,
        figures,
    }
}
