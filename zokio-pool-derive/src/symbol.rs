//! Every pool option in one table (serde's `symbol.rs`): its name, how its value is written, an
//! example value for messages, and which runtime method takes it. The parser, the checks, the
//! messages and the expansion all read this table, so that adding a pool option is a row here, a
//! method of the runtime's `Options` (or `Recycler`) and a row of the docs' table.

/// How an option's value is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// `key = N`: an integer literal of at least 1.
    Count,
    /// `key` alone.
    Flag,
    /// `key = path::to::function`.
    Hook,
    /// `crate = "path"`.
    Crate,
}

/// Where a given option goes in the expansion.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Runtime {
    /// A method of the runtime's `Options`, in the pool's config: `.method(N)` or `.method()`.
    Options(&'static str),
    /// A method of the runtime's `Recycler`, in recycle mode's hooks: `.method(N)`.
    Recycler(&'static str),
    /// Read by the macros themselves (recycle mode, the hooks, the crate path, checks).
    Macros,
}

/// One pool option.
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub runtime: Runtime,
    /// An example value, for messages (empty for a flag).
    pub example: &'static str,
    /// For a flag given a value: the other way out, in "write `key` alone, or ...".
    pub instead: &'static str,
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.name == other.name
    }
}

const fn count(name: &'static str, runtime: Runtime, example: &'static str) -> Key {
    Key {
        name,
        kind: Kind::Count,
        runtime,
        example,
        instead: "",
    }
}

const fn flag(name: &'static str, runtime: Runtime, instead: &'static str) -> Key {
    Key {
        name,
        kind: Kind::Flag,
        runtime,
        example: "",
        instead,
    }
}

const fn hook(name: &'static str, example: &'static str) -> Key {
    Key {
        name,
        kind: Kind::Hook,
        runtime: Runtime::Macros,
        example,
        instead: "",
    }
}

pub const PREALLOC: Key = count("prealloc", Runtime::Options("prealloc"), "1024");
pub const MAX: Key = count("max", Runtime::Options("max"), "4096");
pub const CHUNK: Key = count("chunk", Runtime::Options("chunk"), "256");
pub const CACHE: Key = count("cache", Runtime::Options("cache"), "64");
pub const CRATE: Key = Key {
    name: "crate",
    kind: Kind::Crate,
    runtime: Runtime::Macros,
    example: "\"::zokio_pool\"",
    instead: "",
};
pub const RECYCLE: Key = flag(
    "recycle",
    Runtime::Macros,
    "remove it for a pool that drops its objects",
);
pub const RESET: Key = hook("reset", "Self::clear");
pub const INIT: Key = hook("init", "Self::new");
pub const MAX_CAPACITY: Key = count("max_capacity", Runtime::Recycler("max_capacity"), "65536");
pub const MAX_IDLE: Key = count("max_idle", Runtime::Recycler("max_idle"), "64");
pub const ZEROIZE: Key = flag(
    "zeroize",
    Runtime::Options("zeroize"),
    "remove it for a pool that leaves freed bytes as they are",
);
pub const DROP_ON_DISCARD: Key = flag(
    "drop_on_discard",
    Runtime::Macros,
    "remove it, and move the type's cleanup into its reset",
);

/// Every pool option, in the order the docs and the error messages list them (and the
/// expansion passes them to the runtime).
pub const KEYS: [&Key; 12] = [
    &PREALLOC,
    &MAX,
    &CHUNK,
    &CACHE,
    &CRATE,
    &RECYCLE,
    &RESET,
    &INIT,
    &MAX_CAPACITY,
    &MAX_IDLE,
    &ZEROIZE,
    &DROP_ON_DISCARD,
];

/// The helper attribute: `#[pool(...)]`.
pub const POOL: &str = "pool";
/// The only field option: `#[pool(skip)]`.
pub const SKIP: &str = "skip";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_listed_once_and_runtime_methods_are_named() {
        for (i, key) in KEYS.iter().enumerate() {
            assert!(
                KEYS[..i].iter().all(|other| other.name != key.name),
                "{} twice",
                key.name
            );
            match (key.kind, key.runtime) {
                (Kind::Count, Runtime::Options(m) | Runtime::Recycler(m)) => assert!(!m.is_empty()),
                (Kind::Flag, _) => assert!(!key.instead.is_empty(), "{}", key.name),
                _ => {}
            }
        }
    }

    /// The options table of the derive's documentation (lib.rs) is the one list of options:
    /// every key has a row there, written as a user writes it, and no row names an option the
    /// table here does not have.
    #[test]
    fn the_docs_table_has_one_row_per_key() {
        let docs = include_str!("lib.rs");
        let rows: Vec<&str> = docs
            .lines()
            .skip_while(|l| !l.starts_with("/// | option | meaning | default |"))
            .take_while(|l| l.starts_with("/// |"))
            .filter_map(|l| l.strip_prefix("/// | `"))
            .filter(|l| !l.starts_with("#[pool(skip)]"))
            .map(|l| l.split('`').next().unwrap_or(""))
            .collect();
        for key in KEYS {
            let written = match key.kind {
                Kind::Flag => key.name.to_owned(),
                Kind::Count => format!("{} = N", key.name),
                Kind::Hook => format!("{} = path", key.name),
                Kind::Crate => format!("{} = \"path\"", key.name),
            };
            assert!(
                rows.contains(&written.as_str()),
                "no row `{written}` in the options table of lib.rs: {rows:?}"
            );
        }
        assert_eq!(
            rows.len(),
            KEYS.len(),
            "a row for an unknown option: {rows:?}"
        );
    }
}
