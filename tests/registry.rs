//! `pools()`, `PoolInfo` and `PoolTable`: every pool used so far, listed once, from its first
//! use, with the statistics `pool_stats` gives.

use std::sync::Barrier;
use std::thread;

use zokio_pool::{pools, PoolArc, PoolBox, PoolInfo, PoolTable, Pooled};

fn find(suffix: &str) -> Vec<PoolInfo> {
    pools()
        .into_iter()
        .filter(|p| p.name.ends_with(suffix))
        .collect()
}

#[derive(Pooled)]
struct NeverUsed {
    _x: u64,
}

#[derive(Pooled)]
#[pool(max = 8)]
struct Listed {
    id: u64,
}

#[test]
fn a_pool_is_listed_from_its_first_use_and_an_unused_one_is_not() {
    let before = find("::Listed").len();
    assert_eq!(before, 0, "not used yet");
    let b = PoolBox::new(Listed { id: 1 });
    let found = find("::Listed");
    assert_eq!(found.len(), 1, "listed once: {found:?}");
    let info = &found[0];
    assert_eq!(info.name, std::any::type_name::<Listed>());
    assert_eq!(info.max, Some(8));
    assert!(!info.recycle);
    assert!(info.slot_size >= 8);
    assert_eq!(info.stats, Listed::pool_stats());
    assert_eq!(info.stats.live, 1);
    assert_eq!(b.id, 1);
    // Nothing ever made a `NeverUsed`: a program that derives on many types lists only
    // those it uses.
    assert!(find("::NeverUsed").is_empty());
    let _ = NeverUsed { _x: 0 };
}

zokio_pool::pool!(Lines: String, recycle);

#[test]
fn a_pool_declared_with_pool_macro_is_listed_under_its_marker() {
    let line = Lines::take();
    let found = find("::Lines");
    assert_eq!(found.len(), 1);
    assert!(found[0].recycle);
    assert_eq!(found[0].name, std::any::type_name::<Lines>());
    drop(line);
}

#[derive(Pooled)]
struct Racy {
    _id: u64,
}

#[derive(Pooled)]
struct Racy2 {
    _id: u64,
}

#[test]
fn threads_that_first_use_pools_at_once_list_each_pool_once() {
    let barrier = Barrier::new(4);
    thread::scope(|s| {
        for i in 0..4u64 {
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                let a = PoolBox::new(Racy { _id: i });
                let b = PoolBox::new(Racy2 { _id: i });
                drop((a, b));
            });
        }
    });
    assert_eq!(find("::Racy").len(), 1);
    assert_eq!(find("::Racy2").len(), 1);
    let names: Vec<&str> = pools().iter().map(|p| p.name).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "no pool listed twice: {names:?}");
}

#[derive(Pooled, Debug)]
struct Shared {
    _v: u32,
}

#[test]
fn a_poolarc_pool_is_listed_beside_its_items_pool() {
    let a = PoolArc::new(Shared { _v: 1 });
    let counted: Vec<PoolInfo> = pools()
        .into_iter()
        .filter(|p| p.name.contains("Counted") && p.name.contains("::Shared"))
        .collect();
    assert_eq!(counted.len(), 1, "{counted:?}");
    assert_eq!(counted[0].stats.live, 1);
    drop(a);
}

#[derive(Pooled)]
struct Row {
    _bytes: [u8; 100],
}

#[test]
fn the_table_has_a_header_and_one_aligned_row_per_pool() {
    let rows: Vec<PoolBox<Row>> = (0..3)
        .map(|_| PoolBox::new(Row { _bytes: [0; 100] }))
        .collect();
    let list = pools();
    let table = PoolTable(&list).to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), list.len() + 1, "{table}");
    assert!(lines[0].starts_with("pool"));
    for column in [
        "slot",
        "live",
        "high water",
        "capacity",
        "reserved",
        "reuse",
    ] {
        assert!(lines[0].contains(column), "{column} in {}", lines[0]);
    }
    // Every line ends at the same column: the cells are padded to the widest.
    let width = lines[0].chars().count();
    assert!(lines.iter().all(|l| l.chars().count() == width), "{table}");
    let row = lines
        .iter()
        .find(|l| l.contains("::Row"))
        .expect("Row's pool is listed");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert!(cells.contains(&"3"), "3 live: {row}");
    drop(rows);
}

#[derive(Pooled, Default)]
#[pool(recycle)]
struct Tick;

#[test]
fn a_zero_sized_recycling_pool_is_listed_as_recycling() {
    drop(PoolBox::<Tick>::take());
    let found = find("::Tick");
    assert_eq!(found.len(), 1);
    assert!(found[0].recycle, "{found:?}");
}
