//! The memory scenario, "burst and trim": how much resident memory each contender holds
//! before, at and after a burst of 1,000,000 live 64 B objects, and how much its trim call gives
//! back to the operating system.
//!
//! Resident memory is shared by everything in a process, so each contender runs in a fresh
//! child process of its own: the report starts its own executable again with the hidden
//! argument `--burst <key>` (`box`, `mimalloc`, `jemalloc`, `snmalloc`, `pool` or `poolalloc`), the child
//! measures and prints one line
//! (`burst <key>` and five byte counts), and the parent parses it. A reading is the RSS of
//! `/proc/self/statm` (its second field, in pages, times the page size), so Linux only.
//!
//! The child first makes two `Vec`s of empty handle slots (1,000,000 and 500,000, every page
//! written, from glibc for every contender), so they are in every reading alike. Then: (1)
//! before; (2) peak, with 1,000,000 live 64 B objects, one per slot (`small_object!`, as in the
//! other scenarios, a type of its own); (3) after dropping them all, in allocation order, the
//! free memory still in the contender's hands; (4) after the contender's trim
//! (`malloc_trim(0)`, `mi_collect(true)`, `zokio_pool::trim()`; jemalloc and snmalloc have none
//! here: jemalloc's `mallctl` purge is not in the crate the report links, and snmalloc-rs has
//! no such call); (5) a second burst of 500,000
//! live objects of a 128 B type, the same bytes, at its peak: whether memory freed by the first
//! type serves the second. The pool's target is a second peak of at most its first peak + 10%.
//! A child takes well under a second; it runs once per report, `--quick` or not.

#[cfg(feature = "jemalloc")]
use crate::contenders::Jemalloc;
#[cfg(feature = "snmalloc")]
use crate::contenders::Snmalloc;
use crate::contenders::{Mimalloc, Named, PoolAllocator, SystemBox, Zokio};

/// Objects live at the first peak.
pub const FIRST: usize = 1_000_000;
/// Objects live at the second peak, of twice the size.
pub const SECOND: usize = 500_000;
/// The hidden argument that makes the report a burst child: `--burst <key>`.
pub const ARG: &str = "--burst";
/// The readings, in the order they are taken.
pub const READINGS: [&str; 5] = [
    "before",
    "peak",
    "after drop",
    "after trim",
    "second-burst peak",
];
/// Most the pool's second peak may exceed its first: 10%.
pub const SECOND_PEAK_TARGET: f64 = 1.10;

/// A contender of the memory scenario: the typed table's three (the system allocator through
/// `Box`, mimalloc, `PoolBox`) and the byte allocators (jemalloc and snmalloc with their
/// features, `PoolAlloc`).
#[derive(Clone, Copy)]
pub struct Member {
    /// Its name in the table and the chart.
    pub name: &'static str,
    /// Its key for `--burst`.
    pub key: &'static str,
    /// Its trim call, as the report names it ([`Trim::CALL`]).
    pub trim: &'static str,
}

/// The member of contender `C`, named `name`.
const fn member<C: Named + Trim>(name: &'static str) -> Member {
    Member {
        name,
        key: C::KEY,
        trim: C::CALL,
    }
}

/// The members, in the order of the table's rows.
pub const MEMBERS: &[Member] = &[
    member::<SystemBox>("system allocator"),
    member::<Mimalloc>("mimalloc"),
    #[cfg(feature = "jemalloc")]
    member::<Jemalloc>("jemalloc"),
    #[cfg(feature = "snmalloc")]
    member::<Snmalloc>("snmalloc"),
    member::<Zokio>("zokio-pool PoolBox"),
    member::<PoolAllocator>("zokio-pool PoolAlloc"),
];

/// The index of `PoolBox` in [`MEMBERS`], whose second peak has a target.
pub fn pool_member() -> usize {
    MEMBERS
        .iter()
        .position(|m| m.key == <Zokio as Named>::KEY)
        .expect("PoolBox is a member")
}

/// One contender's outcome: its five readings in bytes, in the order of [`READINGS`], or why
/// there are none.
pub type Readings = Result<[u64; 5], String>;

/// The scenario's outcome: one [`Readings`] per member, in the order of [`MEMBERS`], or why it
/// was not measured at all.
pub type Memory = Result<Vec<Readings>, String>;

/// [`Trim::CALL`] of a contender with no trim call.
pub const NO_TRIM: &str = "no trim call";

/// Gives a contender's free memory back to the operating system, if it has a call for that.
// Called by the burst child only, on Linux; elsewhere only the names are used.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub trait Trim {
    /// The call, as the report names it.
    const CALL: &'static str;
    /// Makes the call.
    fn trim();
}

impl Trim for SystemBox {
    const CALL: &'static str = if cfg!(target_env = "gnu") {
        "malloc_trim(0)"
    } else {
        NO_TRIM
    };

    fn trim() {
        // SAFETY: malloc_trim has no precondition; it only walks glibc's own arenas.
        #[cfg(target_env = "gnu")]
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

// The mimalloc library the `mimalloc` crate links (through `libmimalloc-sys`, whose own
// declaration of `mi_collect` is behind its `extended` feature, which would add a dependency
// and rebuild the library).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
unsafe extern "C" {
    /// Returns the calling thread's free memory, and with `force` all it can, to the OS.
    fn mi_collect(force: bool);
}

impl Trim for Mimalloc {
    const CALL: &'static str = "mi_collect(true)";

    fn trim() {
        // SAFETY: mi_collect takes a plain flag and has no precondition.
        unsafe { mi_collect(true) }
    }
}

impl Trim for Zokio {
    const CALL: &'static str = "zokio_pool::trim()";

    fn trim() {
        zokio_pool::trim();
    }
}

impl Trim for PoolAllocator {
    const CALL: &'static str = "zokio_pool::trim()";

    fn trim() {
        zokio_pool::trim();
    }
}

#[cfg(feature = "jemalloc")]
impl Trim for Jemalloc {
    const CALL: &'static str = NO_TRIM;

    fn trim() {}
}

#[cfg(feature = "snmalloc")]
impl Trim for Snmalloc {
    const CALL: &'static str = NO_TRIM;

    fn trim() {}
}

/// Runs the scenario: one child process per contender, one after the other.
#[cfg(target_os = "linux")]
pub fn measure() -> Memory {
    let exe = std::env::current_exe().map_err(|e| format!("no path to this executable: {e}"))?;
    Ok(MEMBERS.iter().map(|m| run_child(&exe, m.key)).collect())
}

/// Not on this OS: the readings come from Linux's `/proc/self/statm`.
#[cfg(not(target_os = "linux"))]
pub fn measure() -> Memory {
    Err(format!(
        "not measured on {}: resident memory is read from Linux's /proc/self/statm",
        std::env::consts::OS
    ))
}

/// Starts `exe --burst key` and reads its readings from its output.
#[cfg(target_os = "linux")]
fn run_child(exe: &std::path::Path, key: &str) -> Readings {
    let out = std::process::Command::new(exe)
        .args([ARG, key])
        .output()
        .map_err(|e| format!("could not start {}: {e}", exe.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "the child failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    parse(&stdout, key).ok_or_else(|| format!("no readings in the child's output: {stdout:?}"))
}

/// The five byte counts of the line `burst <key> b0 b1 b2 b3 b4` in `stdout`.
#[cfg(target_os = "linux")]
fn parse(stdout: &str, key: &str) -> Option<[u64; 5]> {
    let line = stdout.lines().find_map(|l| {
        l.strip_prefix("burst ")?
            .strip_prefix(key)?
            .strip_prefix(' ')
    })?;
    let values: Vec<u64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    values.try_into().ok()
}

/// The child's side: measures the contender `key` and prints its line; the exit code.
#[cfg(target_os = "linux")]
pub fn child(key: &str) -> i32 {
    let readings = match key {
        k if k == <SystemBox as Named>::KEY => burst::readings::<SystemBox>(),
        k if k == <Mimalloc as Named>::KEY => burst::readings::<Mimalloc>(),
        k if k == <Zokio as Named>::KEY => burst::readings::<Zokio>(),
        k if k == <PoolAllocator as Named>::KEY => burst::readings::<PoolAllocator>(),
        #[cfg(feature = "jemalloc")]
        k if k == <Jemalloc as Named>::KEY => burst::readings::<Jemalloc>(),
        #[cfg(feature = "snmalloc")]
        k if k == <Snmalloc as Named>::KEY => burst::readings::<Snmalloc>(),
        _ => {
            eprintln!("{ARG}: unknown contender {key:?}");
            return 2;
        }
    };
    let values: Vec<String> = readings.iter().map(u64::to_string).collect();
    println!("burst {key} {}", values.join(" "));
    0
}

/// The child's side, on an OS without `/proc/self/statm`.
#[cfg(not(target_os = "linux"))]
pub fn child(_key: &str) -> i32 {
    eprintln!("{ARG}: Linux only");
    2
}

#[cfg(target_os = "linux")]
mod burst {
    use std::hint::black_box;

    use super::{Trim, FIRST, SECOND};
    use crate::contenders::Contender;

    crate::contenders::small_object!(
        /// The first burst's object: 64 B, as in the other scenarios.
        Burst64 in burst64_pools
    );
    crate::contenders::small_object!(
        /// The second burst's object: 128 B, a type of its own (its own pool).
        Burst128 = 128, in burst128_pools
    );

    /// Resident memory now, in bytes: the second field of `/proc/self/statm` (pages) times the
    /// page size.
    fn rss() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|f| f.parse().ok())
            .expect("the second field of /proc/self/statm");
        // SAFETY: sysconf has no precondition.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        pages * u64::try_from(page).expect("a page size")
    }

    /// The five readings of contender `C`, in bytes, in the order of [`super::READINGS`].
    pub fn readings<C: Contender<Burst64> + Contender<Burst128> + Trim>() -> [u64; 5] {
        let small = <C as Contender<Burst64>>::pool();
        let large = <C as Contender<Burst128>>::pool();
        // The slots, every page written before the first reading. Through `black_box`: zeros
        // written into fresh memory become a `calloc` (LLVM), whose pages stay untouched until
        // the burst writes them.
        let mut first: Vec<Option<<C as Contender<Burst64>>::Handle<'_>>> =
            std::iter::repeat_with(|| None).take(FIRST).collect();
        let mut second: Vec<Option<<C as Contender<Burst128>>::Handle<'_>>> =
            std::iter::repeat_with(|| None).take(SECOND).collect();
        first.iter_mut().for_each(|slot| *slot = black_box(None));
        second.iter_mut().for_each(|slot| *slot = black_box(None));
        let before = rss();

        for (i, slot) in first.iter_mut().enumerate() {
            *slot = Some(<C as Contender<Burst64>>::alloc(&small, i as u64));
        }
        black_box(&mut first);
        let peak = rss();

        for slot in &mut first {
            if let Some(h) = slot.take() {
                <C as Contender<Burst64>>::free(&small, h);
            }
        }
        let dropped = rss();

        C::trim();
        let trimmed = rss();

        for (i, slot) in second.iter_mut().enumerate() {
            *slot = Some(<C as Contender<Burst128>>::alloc(&large, i as u64));
        }
        black_box(&mut second);
        let second_peak = rss();

        for slot in &mut second {
            if let Some(h) = slot.take() {
                <C as Contender<Burst128>>::free(&large, h);
            }
        }
        [before, peak, dropped, trimmed, second_peak]
    }
}
