//! "Did you mean ...?": the known name closest to a misspelt one.

use std::cmp::Reverse;
use std::fmt::Write as _;

/// Lists `names` as "`a`, `b` and `c`".
pub fn list(message: &mut String, names: &[&str]) {
    for (i, name) in names.iter().enumerate() {
        let sep = match i {
            0 => "",
            _ if i + 1 == names.len() => " and ",
            _ => ", ",
        };
        let _ = write!(message, "{sep}`{name}`");
    }
}

/// The name closest to a misspelt `name`, if one is close enough to be what the user meant.
pub fn closest<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    names
        .iter()
        .copied()
        .filter_map(|key| {
            let distance = edit_distance(&name, key);
            // A prefix either way (`preallocate`, `max_size`, `max_cap`) counts as close.
            let prefix = name.len() >= 3 && (name.starts_with(key) || key.starts_with(&*name));
            let close = distance <= (key.len() / 3).max(1);
            // The longest shared beginning first: `max_cap` means `max_capacity`, not `max`.
            let shared = name
                .chars()
                .zip(key.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (close || prefix).then_some((Reverse(shared), distance, key))
        })
        .min()
        .map(|(_, _, key)| key)
}

/// Edit distance in chars, where swapping two neighbours (`cahce`) counts as one edit (optimal
/// string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol::{self, KEYS};

    fn suggest(name: &str) -> Option<&'static str> {
        let names: Vec<&'static str> = KEYS.iter().map(|key| key.name).collect();
        closest(name, &names)
    }

    #[test]
    fn typos_suggest_the_closest_key() {
        assert_eq!(suggest("prealoc"), Some(symbol::PREALLOC.name));
        assert_eq!(suggest("preallocate"), Some(symbol::PREALLOC.name));
        assert_eq!(suggest("Max"), Some(symbol::MAX.name));
        assert_eq!(suggest("max_size"), Some(symbol::MAX.name));
        assert_eq!(suggest("chunks"), Some(symbol::CHUNK.name));
        assert_eq!(suggest("cahce"), Some(symbol::CACHE.name));
        assert_eq!(suggest("krate"), Some(symbol::CRATE.name));
        assert_eq!(suggest("recycled"), Some(symbol::RECYCLE.name));
        assert_eq!(suggest("rest"), Some(symbol::RESET.name));
        assert_eq!(suggest("max_cap"), Some(symbol::MAX_CAPACITY.name));
        assert_eq!(suggest("capacity"), Some(symbol::MAX_CAPACITY.name));
        assert_eq!(suggest("max_idel"), Some(symbol::MAX_IDLE.name));
        assert_eq!(closest("skp", &[symbol::SKIP]), Some(symbol::SKIP));
    }

    #[test]
    fn unrelated_names_suggest_nothing() {
        assert_eq!(suggest("size"), None);
        assert_eq!(suggest("x"), None);
        assert_eq!(suggest("ttl"), None);
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("", "max"), 3);
        assert_eq!(edit_distance("max", "max"), 0);
        assert_eq!(edit_distance("prealoc", "prealloc"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("cahce", "cache"), 1);
    }
}
