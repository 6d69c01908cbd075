//! The registry of pools: every pool used so far, for [`pools`] and [`PoolTable`].
//!
//! A pool's depot is a `static`, so it lives as long as the program. It is listed the first time
//! the pool reaches a slow path (its first slot on any thread, or its first object outside the
//! thread caches: a zero-sized item, checking mode), never on the hot path: a program that
//! derives `Pooled` on a hundred types and uses one lists one.
//!
//! The list is an intrusive stack of depots, pushed with a compare-exchange and never popped,
//! so that listing needs no allocation and no lock (the byte allocator of a later step must be
//! able to list its own pools while it serves the global allocator).

use core::fmt;
use core::ptr;
use core::sync::atomic::AtomicPtr;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use crate::depot::{Depot, UsageHint};
use crate::stats::PoolStats;

/// The most recently listed depot; each depot links to the one listed before it.
static HEAD: AtomicPtr<Depot> = AtomicPtr::new(ptr::null_mut());

/// Lists `depot`'s pool if it is not yet, under the name `name()` (`core::any::type_name` of
/// the pool, called once), with `release`, its part of [`trim`](fn@crate::trim) (which needs the
/// pool's type). Called on slow paths only.
#[inline]
pub(crate) fn register(
    depot: &'static Depot,
    name: fn() -> &'static str,
    release: fn(bool) -> usize,
) {
    if !depot.registered().load(Relaxed) {
        register_slow(depot, name, release);
    }
}

#[cold]
fn register_slow(depot: &'static Depot, name: fn() -> &'static str, release: fn(bool) -> usize) {
    // One thread lists the depot; the name is set before it is published.
    if depot.registered().swap(true, Relaxed) {
        return;
    }
    let _ = depot.name_cell().set(name());
    let _ = depot.release_cell().set(release);
    push(depot);
}

/// Every listed pool's part of [`trim`](fn@crate::trim) (`all`), or of the working-set rule:
/// returns the bytes given to the page heap.
pub(crate) fn release_all(all: bool) -> usize {
    listed()
        .filter_map(|depot| depot.release_cell().get())
        .map(|release| release(all))
        .sum()
}

/// Pushes `depot` on the list (once per depot: see `register`).
fn push(depot: &'static Depot) {
    let node = ptr::from_ref(depot).cast_mut();
    let mut head = HEAD.load(Relaxed);
    loop {
        depot.registry_link().store(head, Relaxed);
        // Release: a reader that sees `depot` through `HEAD` (Acquire) sees its link and name,
        // and, through the release sequence of the compare-exchanges on `HEAD`, every depot
        // listed before it with theirs.
        match HEAD.compare_exchange_weak(head, node, Release, Relaxed) {
            Ok(_) => return,
            Err(now) => head = now,
        }
    }
}

/// Every listed depot, most recent first.
fn listed() -> impl Iterator<Item = &'static Depot> {
    let mut next = HEAD.load(Acquire);
    core::iter::from_fn(move || {
        // SAFETY: every pointer on the list comes from a `&'static Depot` (`push`), and the
        // link was written before the depot was published (see `push`).
        let depot: &'static Depot = unsafe { next.as_ref() }?;
        next = depot.registry_link().load(Relaxed);
        Some(depot)
    })
}

/// What [`pools`] says about one pool.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled};
///
/// #[derive(Pooled)]
/// struct Order { id: u64 }
///
/// let order = PoolBox::new(Order { id: 7 });
/// let info = zokio_pool::pools()
///     .into_iter()
///     .find(|p| p.name.ends_with("Order"))
///     .expect("a pool is listed from its first use");
/// assert_eq!(info.stats.live, 1);
/// assert_eq!(info.max, None);
/// # drop(order);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PoolInfo {
    /// The pool's type: the item's path for a derived pool (`my_app::Order`), the marker's for
    /// `pool!` (`my_app::Frames`); a `PoolArc` pool is `zokio_pool::Counted<..>` of its item's
    /// pool.
    pub name: &'static str,
    /// The pool's statistics, as [`Pooled::pool_stats`](crate::Pooled::pool_stats) gives them.
    pub stats: PoolStats,
    /// Bytes per slot (the item's size, rounded up; with a header in recycle mode).
    pub slot_size: usize,
    /// M, the most slots one magazine holds: a thread caches at most 2M free slots of the
    /// pool. Each thread's cache adapts its own magazine size between
    /// [`MAGAZINE_MIN`](crate::MAGAZINE_MIN) (or M, if smaller) and M.
    pub magazine_size: usize,
    /// The largest magazine size among the threads using the pool now (0 when none has an
    /// active cache): near M for a thread that takes or gives back in runs, small for one
    /// that mixes takes and gives back.
    pub magazine_in_use: usize,
    /// The pool's `max`, if it has one.
    pub max: Option<usize>,
    /// Whether the pool recycles objects (`recycle` mode).
    pub recycle: bool,
    /// What the pool sizes itself from (its recent peak, allocation rate and a suggested
    /// `prealloc`), measured by the working-set rule.
    pub hint: UsageHint,
}

impl PoolInfo {
    fn of(depot: &'static Depot) -> PoolInfo {
        let config = depot.config();
        let (stats, magazine_in_use) = crate::cache::pool_reading(depot);
        PoolInfo {
            name: depot.name_cell().get().copied().unwrap_or("(unnamed pool)"),
            stats,
            slot_size: config.slot_size,
            magazine_size: config.magazine_size,
            magazine_in_use,
            max: (config.max != usize::MAX).then_some(config.max),
            recycle: config.recycle,
            hint: depot.hint(),
        }
    }
}

/// Every pool used so far in this program, in the order of their first use.
///
/// Each entry's statistics are read as [`Pooled::pool_stats`](crate::Pooled::pool_stats) reads
/// them (under that pool's lock); the list itself takes no lock. A pool is listed from its
/// first slow path: its first slot, on any thread.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled, PoolTable};
///
/// #[derive(Pooled)]
/// struct Session { user: u32 }
///
/// let s = PoolBox::new(Session { user: 1 });
/// let pools = zokio_pool::pools();
/// assert!(pools.iter().any(|p| p.name.ends_with("Session")));
/// println!("{}", PoolTable(&pools)); // an aligned text table
/// # drop(s);
/// ```
pub fn pools() -> Vec<PoolInfo> {
    let mut pools: Vec<PoolInfo> = listed().map(PoolInfo::of).collect();
    pools.reverse();
    pools
}

/// An aligned text table of pools: `PoolTable(&zokio_pool::pools())` in a `println!`.
///
/// One row per pool: its name, slot size, live objects, high-water mark, capacity (slots),
/// reserved bytes, reuse rate and fragmentation.
///
/// ```
/// use zokio_pool::{PoolBox, Pooled, PoolTable};
///
/// #[derive(Pooled)]
/// struct Frame { bytes: [u8; 64] }
///
/// let f = PoolBox::new(Frame { bytes: [0; 64] });
/// let table = PoolTable(&zokio_pool::pools()).to_string();
/// assert!(table.starts_with("pool"));
/// assert!(table.lines().any(|line| line.contains("Frame")));
/// # drop(f);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PoolTable<'a>(pub &'a [PoolInfo]);

impl fmt::Display for PoolTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEADERS: [&str; 8] = [
            "pool",
            "slot",
            STATS_HEADERS[0],
            STATS_HEADERS[1],
            STATS_HEADERS[2],
            STATS_HEADERS[3],
            STATS_HEADERS[4],
            STATS_HEADERS[5],
        ];
        let rows: Vec<Vec<String>> = self
            .0
            .iter()
            .map(|p| {
                let mut row = vec![p.name.to_owned(), format!("{} B", p.slot_size)];
                row.extend(stats_cells(&p.stats));
                row
            })
            .collect();
        write_cells(f, &HEADERS, &rows)
    }
}

/// The columns of a table that come from a pool's statistics.
const STATS_HEADERS: [&str; 6] = [
    "live",
    "high water",
    "capacity",
    "reserved",
    "reuse",
    "fragmentation",
];

/// The cells of [`STATS_HEADERS`] for `s`.
fn stats_cells(s: &PoolStats) -> [String; 6] {
    [
        s.live.to_string(),
        s.high_water.to_string(),
        s.capacity.to_string(),
        bytes(s.reserved_bytes),
        format!("{:.1}%", 100.0 * s.reuse_rate()),
        format!("{:.1}%", 100.0 * s.fragmentation()),
    ]
}

/// A table of named statistics (the byte allocator's `AllocStats`): a column `first` with each
/// row's name, then the statistics' columns.
#[cfg_attr(loom, allow(dead_code))] // the byte allocator's (no loom build has it)
pub(crate) fn write_table(
    f: &mut fmt::Formatter<'_>,
    first: &str,
    rows: &[(String, PoolStats)],
) -> fmt::Result {
    let mut headers = vec![first];
    headers.extend(STATS_HEADERS);
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|(name, s)| {
            let mut row = vec![name.clone()];
            row.extend(stats_cells(s));
            row
        })
        .collect();
    write_cells(f, &headers, &rows)
}

/// Writes `headers` and `rows` in aligned columns: the first left-aligned, the others right.
fn write_cells(f: &mut fmt::Formatter<'_>, headers: &[&str], rows: &[Vec<String>]) -> fmt::Result {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |f: &mut fmt::Formatter<'_>, cells: &mut dyn Iterator<Item = &str>| -> fmt::Result {
        for (i, (cell, &w)) in cells.zip(&widths).enumerate() {
            if i == 0 {
                write!(f, "{cell:<w$}")?;
            } else {
                write!(f, "  {cell:>w$}")?;
            }
        }
        writeln!(f)
    };
    line(f, &mut headers.iter().copied())?;
    for row in rows {
        line(f, &mut row.iter().map(String::as_str))?;
    }
    Ok(())
}

/// `n` bytes in B, KiB, MiB or GiB, one decimal above bytes.
fn bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn byte_counts_are_written_in_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(64 * 1024 + 512), "64.5 KiB");
        assert_eq!(bytes(3 << 20), "3.0 MiB");
        assert_eq!(bytes(5 << 30), "5.0 GiB");
    }
}
