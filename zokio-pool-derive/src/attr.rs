//! Pool options -> typed [`Attrs`], for both entry points: the `#[pool(...)]` attributes of the
//! derive and the `, key = value` list of `pool!`. One [`OptionParser`] reads both, so the keys,
//! the values accepted and every message are the same in the two.
//!
//! Every bad entry is reported and parsing goes on with the next one, so one build shows them
//! all. A key's value is read as raw tokens rather than as a `syn::Expr`: counts must be
//! literals, and this way a value such as `{ N }` gets our message, not syn's.

use std::cmp::Reverse;
use std::fmt::Write as _;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, ExprPath, Ident, Lit, LitInt, Meta, Path, PathSegment, Token};

use crate::ctxt::Errors;

/// The helper attribute: `#[pool(...)]`.
pub const POOL: &str = "pool";
pub const PREALLOC: &str = "prealloc";
pub const MAX: &str = "max";
pub const CHUNK: &str = "chunk";
pub const CACHE: &str = "cache";
pub const CRATE: &str = "crate";
pub const RECYCLE: &str = "recycle";
pub const RESET: &str = "reset";
pub const INIT: &str = "init";
pub const MAX_CAPACITY: &str = "max_capacity";
pub const MAX_IDLE: &str = "max_idle";
pub const ZEROIZE: &str = "zeroize";
pub const DROP_ON_DISCARD: &str = "drop_on_discard";
/// The only field option: `#[pool(skip)]`.
pub const SKIP: &str = "skip";

/// Every pool option, in the order the docs and the error messages list them.
pub const KEYS: [&str; 12] = [
    PREALLOC,
    MAX,
    CHUNK,
    CACHE,
    CRATE,
    RECYCLE,
    RESET,
    INIT,
    MAX_CAPACITY,
    MAX_IDLE,
    ZEROIZE,
    DROP_ON_DISCARD,
];

/// Where options are written, for messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// `#[pool(...)]` on a `#[derive(Pooled)]` type.
    Derive,
    /// The options of `pool!(Name: Type, ...)`.
    Macro,
}

impl Site {
    /// Who reads the options, as the subject of a sentence.
    fn reader(self) -> &'static str {
        match self {
            Site::Derive => "the derive",
            Site::Macro => "`pool!`",
        }
    }
}

/// The options of one pool, merged from all its `#[pool(...)]` attributes or from its `pool!`.
///
/// An option given with an invalid value is `None` (and an error has been recorded).
pub struct Attrs {
    pub prealloc: Option<Count>,
    pub max: Option<Count>,
    pub chunk: Option<Count>,
    pub cache: Option<Count>,
    pub krate: Krate,
    /// `recycle`: the key as written.
    pub recycle: Option<Path>,
    pub reset: Option<Hook>,
    pub init: Option<Hook>,
    pub max_capacity: Option<Count>,
    pub max_idle: Option<Count>,
    /// `zeroize`: the key as written.
    pub zeroize: Option<Path>,
    /// `drop_on_discard`: the key as written.
    pub drop_on_discard: Option<Path>,
}

/// A valid `key = N`.
pub struct Count {
    /// At least 1.
    pub value: usize,
    /// The key as written.
    pub key: Path,
    /// The literal as the user wrote it, for spans.
    pub lit: LitInt,
}

/// A valid `key = path::to::function` (`reset`, `init`).
pub struct Hook {
    /// The key as written.
    pub key: Path,
    pub path: ExprPath,
}

/// Where the runtime crate is: `crate = "..."`.
pub enum Krate {
    /// Not given: `::zokio_pool`.
    Default,
    Path(Path),
    /// Given, but not a path: nothing that names the runtime can be emitted.
    Invalid,
}

impl Attrs {
    /// No option given.
    fn new() -> Attrs {
        Attrs {
            prealloc: None,
            max: None,
            chunk: None,
            cache: None,
            krate: Krate::Default,
            recycle: None,
            reset: None,
            init: None,
            max_capacity: None,
            max_idle: None,
            zeroize: None,
            drop_on_discard: None,
        }
    }

    /// Reads the `#[pool(...)]` attributes among `attrs`, recording every error in `errors`.
    pub fn from_attrs(attrs: &[Attribute], errors: &mut Errors) -> Attrs {
        let mut parser = OptionParser::new(Site::Derive);
        for attr in attrs.iter().filter(|attr| attr.path().is_ident(POOL)) {
            if let Meta::List(list) = &attr.meta {
                let entries =
                    |input: ParseStream| parse_entries(input, |meta| parser.entry(meta, errors));
                if let Err(error) = entries.parse2(list.tokens.clone()) {
                    errors.push(error);
                }
            } else {
                // `#[pool]` or `#[pool = ...]`.
                errors.spanned(
                    attr,
                    "expected a list of options, e.g. `#[pool(prealloc = 1024)]` or \
                     `#[pool(prealloc = 1024, max = 4096)]`",
                );
            }
        }
        parser.attrs
    }

    /// Reads the options of `pool!`, the `key = value, flag, ...` after the item type.
    pub fn from_macro(input: ParseStream, errors: &mut Errors) -> Attrs {
        let mut parser = OptionParser::new(Site::Macro);
        if let Err(error) = parse_entries(input, |meta| parser.entry(meta, errors)) {
            errors.push(error);
            // The rest cannot be read as options; consume it so that it is not reported again.
            let _ = input.parse::<TokenStream>();
        }
        parser.attrs
    }

    /// The options among `prealloc`, `max`, `chunk`, `cache` that were given, with their keys.
    pub fn counts(&self) -> impl Iterator<Item = (&'static str, &Count)> {
        [
            (PREALLOC, &self.prealloc),
            (MAX, &self.max),
            (CHUNK, &self.chunk),
            (CACHE, &self.cache),
        ]
        .into_iter()
        .filter_map(|(key, count)| Some((key, count.as_ref()?)))
    }

    /// `max_capacity` and `max_idle`, when given, with their keys.
    pub fn recycle_bounds(&self) -> impl Iterator<Item = (&'static str, &Count)> {
        [
            (MAX_CAPACITY, &self.max_capacity),
            (MAX_IDLE, &self.max_idle),
        ]
        .into_iter()
        .filter_map(|(key, count)| Some((key, count.as_ref()?)))
    }

    /// The key that puts the pool in recycle mode (`recycle`, else `reset`), if any.
    pub fn recycle_mode(&self) -> Option<&Path> {
        self.recycle
            .as_ref()
            .or_else(|| self.reset.as_ref().map(|hook| &hook.key))
    }

    fn count_mut(&mut self, key: &str) -> &mut Option<Count> {
        match key {
            PREALLOC => &mut self.prealloc,
            MAX => &mut self.max,
            CHUNK => &mut self.chunk,
            CACHE => &mut self.cache,
            MAX_CAPACITY => &mut self.max_capacity,
            _ => &mut self.max_idle,
        }
    }
}

/// Reads pool options one entry at a time, into [`Attrs`], across the attributes of one type.
struct OptionParser {
    site: Site,
    attrs: Attrs,
    /// Keys seen so far, across all the attributes.
    seen: Vec<&'static str>,
}

impl OptionParser {
    fn new(site: Site) -> OptionParser {
        OptionParser {
            site,
            attrs: Attrs::new(),
            seen: Vec::new(),
        }
    }

    /// Reads one entry, `key`, `key = value` or `key(...)`. Returns `Err` only when the rest of
    /// the list cannot be read; a bad entry is recorded in `errors` and skipped.
    fn entry(&mut self, meta: Entry, errors: &mut Errors) -> syn::Result<()> {
        let Some(key) = known_key(&meta.path, &KEYS) else {
            errors.push(self.unknown_key(&meta.path));
            skip_entry(meta.input)?;
            return Ok(());
        };
        let first = !self.seen.contains(&key);
        if first {
            self.seen.push(key);
        } else {
            errors.spanned(
                &meta.path,
                format_args!("duplicate pool option `{key}`; remove one of them"),
            );
        }
        if key == RECYCLE {
            let valid = flag(&meta, "remove it for a pool that drops its objects", errors)?;
            if first && valid {
                self.attrs.recycle = Some(meta.path);
            }
            return Ok(());
        }
        if key == ZEROIZE {
            let valid = flag(
                &meta,
                "remove it for a pool that leaves freed bytes as they are",
                errors,
            )?;
            if first && valid {
                self.attrs.zeroize = Some(meta.path);
            }
            return Ok(());
        }
        if key == DROP_ON_DISCARD {
            let valid = flag(
                &meta,
                "remove it, and move the type's cleanup into its reset",
                errors,
            )?;
            if first && valid {
                self.attrs.drop_on_discard = Some(meta.path);
            }
            return Ok(());
        }
        let value = take_value(meta.input)?;
        match key {
            CRATE => {
                let krate = crate_path(&meta.path, value, errors);
                if first {
                    self.attrs.krate = krate;
                }
            }
            RESET | INIT => {
                let hook = hook(key, meta.path, value, errors);
                if first {
                    *match key {
                        RESET => &mut self.attrs.reset,
                        _ => &mut self.attrs.init,
                    } = hook;
                }
            }
            _ => {
                let count = count(key, meta.path, value, self.site, errors);
                if first {
                    *self.attrs.count_mut(key) = count;
                }
            }
        }
        Ok(())
    }

    fn unknown_key(&self, path: &Path) -> syn::Error {
        let name = path_to_string(path);
        if name == SKIP {
            let message = match self.site {
                Site::Derive => {
                    "`skip` goes on a field, not on the type: `#[pool(skip)]` above a field of \
                     a `#[pool(recycle)]` struct leaves that field out of the reset"
                }
                Site::Macro => {
                    "`skip` is a field option of `#[derive(Pooled)]`; `pool!` resets the whole \
                     item, with `Recycle::reset` or the `reset = path` function"
                }
            };
            return syn::Error::new_spanned(path, message);
        }
        let mut message = format!("unknown pool option `{name}`; ");
        match suggest(&name, &KEYS) {
            Some(key) => {
                let _ = write!(message, "did you mean `{key}`? The options are ");
            }
            None => message.push_str("the options are "),
        }
        list_keys(&mut message, &KEYS);
        syn::Error::new_spanned(path, message)
    }
}

/// The options of one struct field: `#[pool(skip)]`, the only one, and the `#[pool(...)]`
/// attributes that hold type options instead (misplaced).
pub struct FieldAttrs<'a> {
    /// `skip`, as written.
    pub skip: Option<Path>,
    pub misplaced: Vec<&'a Attribute>,
}

impl<'a> FieldAttrs<'a> {
    /// Reads the `#[pool(...)]` attributes of a struct field.
    pub fn from_attrs(attrs: &'a [Attribute], errors: &mut Errors) -> FieldAttrs<'a> {
        let mut parsed = FieldAttrs {
            skip: None,
            misplaced: Vec::new(),
        };
        for attr in attrs.iter().filter(|attr| attr.path().is_ident(POOL)) {
            let Meta::List(list) = &attr.meta else {
                parsed.misplaced.push(attr);
                continue;
            };
            // Type options here mean the attribute belongs on the type: say so once, for the
            // whole attribute, rather than once per key.
            let type_options = |input: ParseStream| {
                let mut any = false;
                parse_entries(input, |meta| {
                    any |= known_key(&meta.path, &KEYS).is_some();
                    skip_entry(meta.input)
                })?;
                Ok(any)
            };
            if type_options.parse2(list.tokens.clone()).unwrap_or(false) {
                parsed.misplaced.push(attr);
                continue;
            }
            let entries = |input: ParseStream| {
                parse_entries(input, |meta| {
                    if known_key(&meta.path, &[SKIP]).is_none() {
                        let name = path_to_string(&meta.path);
                        let hint = match suggest(&name, &[SKIP]) {
                            Some(_) => "did you mean `skip`? ",
                            None => "",
                        };
                        errors.spanned(
                            &meta.path,
                            format_args!(
                                "unknown field option `{name}`; {hint}the only option on a field \
                                 is `skip`, which leaves the field out of the reset of \
                                 `#[pool(recycle)]`; the pool options go above the type"
                            ),
                        );
                        return skip_entry(meta.input);
                    }
                    if parsed.skip.is_some() {
                        errors.spanned(
                            &meta.path,
                            "duplicate field option `skip`; remove one of them",
                        );
                    }
                    if flag(&meta, "remove it to reset the field", errors)? {
                        parsed.skip.get_or_insert(meta.path);
                    }
                    Ok(())
                })
            };
            if let Err(error) = entries.parse2(list.tokens.clone()) {
                errors.push(error);
            }
        }
        parsed
    }
}

/// Whether `attr` is `#[pool(skip)]` (for the message when it is on a variant or an enum's
/// field).
pub fn is_skip(attr: &Attribute) -> bool {
    match &attr.meta {
        Meta::List(list) => syn::parse2::<Ident>(list.tokens.clone()).is_ok_and(|i| i == SKIP),
        _ => false,
    }
}

/// One entry of an option list: its key, and the input positioned after the key.
struct Entry<'a> {
    path: Path,
    input: ParseStream<'a>,
}

/// Reads a comma-separated list of entries, as `syn::meta::parser` does but with our message for a
/// missing key:
/// `logic` reads each entry after its key.
fn parse_entries(
    input: ParseStream,
    mut logic: impl FnMut(Entry) -> syn::Result<()>,
) -> syn::Result<()> {
    while !input.is_empty() {
        let path = option_key(input)?;
        logic(Entry { path, input })?;
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

/// An entry's key: an identifier (keywords too, for `crate`), or a path (which is no option, but
/// gets the "unknown option" message rather than a syntax error).
fn option_key(input: ParseStream) -> syn::Result<Path> {
    let mut segments = Punctuated::new();
    let leading_colon: Option<Token![::]> = input.parse()?;
    loop {
        if !input.peek(Ident::peek_any) {
            return Err(input.error("expected a pool option, e.g. `prealloc = 1024` or `recycle`"));
        }
        segments.push_value(PathSegment::from(Ident::parse_any(input)?));
        if !input.peek(Token![::]) {
            break;
        }
        segments.push_punct(input.parse()?);
    }
    Ok(Path {
        leading_colon,
        segments,
    })
}

/// Lists `keys` as "`a`, `b` and `c`".
fn list_keys(message: &mut String, keys: &[&str]) {
    for (i, key) in keys.iter().enumerate() {
        let sep = match i {
            0 => "",
            _ if i + 1 == keys.len() => " and ",
            _ => ", ",
        };
        let _ = write!(message, "{sep}`{key}`");
    }
}

/// The key `path` names, if it is one of `keys`.
fn known_key(path: &Path, keys: &[&'static str]) -> Option<&'static str> {
    let name = path.get_ident()?.unraw().to_string();
    keys.iter().copied().find(|key| *key == name)
}

/// The key closest to a misspelt `name`, if one is close enough to be what the user meant.
fn suggest(name: &str, keys: &[&'static str]) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    keys.iter()
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

/// Consumes the rest of one entry, up to the next `,` or the end of the list.
fn skip_entry(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// Consumes `= value` and returns the value's tokens; `None` when the entry has no value (`key`,
/// `key =`, `key(..)`), after skipping what it has instead.
fn take_value(input: ParseStream) -> syn::Result<Option<TokenStream>> {
    if !input.peek(Token![=]) {
        skip_entry(input)?;
        return Ok(None);
    }
    input.parse::<Token![=]>()?;
    let mut tokens = TokenStream::new();
    // `<` not yet closed: a `,` inside them (`reset = Map::<K, V>::clear`) is the path's.
    let mut angles = 0usize;
    let mut after_minus = false;
    while !input.is_empty() && (angles > 0 || !input.peek(Token![,])) {
        let tree = input.parse::<TokenTree>()?;
        let literal = matches!(tree, TokenTree::Literal(_));
        if let TokenTree::Punct(punct) = &tree {
            match punct.as_char() {
                '<' => angles += 1,
                // Not the `>` of `->`.
                '>' if !after_minus => angles = angles.saturating_sub(1),
                _ => {}
            }
            after_minus = punct.as_char() == '-';
        } else {
            after_minus = false;
        }
        tokens.extend([tree]);
        // `prealloc = 1 max = 2`: end the value at the literal, so that syn reports the missing
        // `,` before `max` instead of this value swallowing the next option.
        if literal && input.peek(syn::Ident::peek_any) {
            break;
        }
    }
    Ok((!tokens.is_empty()).then_some(tokens))
}

/// Reads a flag (`recycle`, `skip`): `Ok(false)`, with an error recorded, when it has a value.
fn flag(meta: &Entry, remove: &str, errors: &mut Errors) -> syn::Result<bool> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Ok(true);
    }
    let start = meta.input.span();
    let mut rest = TokenStream::new();
    while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        rest.extend([meta.input.parse::<TokenTree>()?]);
    }
    let key = path_to_string(&meta.path);
    let message = format!("`{key}` is a flag and takes no value: write `{key}` alone, or {remove}");
    let error = if rest.is_empty() {
        syn::Error::new(start, message)
    } else {
        syn::Error::new_spanned(rest, message)
    };
    errors.push(error);
    Ok(false)
}

/// The value's tokens, seen through the invisible groups that `macro_rules!` fragments make.
fn unwrap_invisible(tokens: TokenStream) -> Vec<TokenTree> {
    let mut trees: Vec<TokenTree> = tokens.into_iter().collect();
    while let [TokenTree::Group(group)] = trees.as_slice() {
        if group.delimiter() != Delimiter::None {
            break;
        }
        trees = group.stream().into_iter().collect();
    }
    trees
}

/// An example value for each key, used in messages.
fn example(key: &str) -> &'static str {
    match key {
        PREALLOC => "1024",
        MAX => "4096",
        CHUNK => "256",
        MAX_CAPACITY => "65536",
        RESET => "Self::clear",
        INIT => "Self::new",
        _ => "64",
    }
}

/// Reads the value of `prealloc`, `max`, `chunk`, `cache`, `max_capacity` or `max_idle`.
fn count(
    key: &'static str,
    path: Path,
    value: Option<TokenStream>,
    site: Site,
    errors: &mut Errors,
) -> Option<Count> {
    let example = example(key);
    let Some(tokens) = value else {
        errors.spanned(
            path,
            format_args!("expected `{key} = <integer>`, e.g. `{key} = {example}`"),
        );
        return None;
    };
    let not_an_integer = format!("expected an integer literal, e.g. `{key} = {example}`");
    let lit = match unwrap_invisible(tokens.clone()).as_slice() {
        [TokenTree::Literal(literal)] => Lit::new(literal.clone()),
        [TokenTree::Punct(minus), TokenTree::Literal(literal)]
            if minus.as_char() == '-' && matches!(Lit::new(literal.clone()), Lit::Int(_)) =>
        {
            errors.spanned(
                tokens,
                format_args!("`{key}` must be a positive integer, e.g. `{key} = {example}`"),
            );
            return None;
        }
        [TokenTree::Ident(ident)] if ident == "true" || ident == "false" => {
            errors.spanned(tokens, not_an_integer);
            return None;
        }
        _ => {
            errors.spanned(
                tokens,
                format_args!(
                    "{not_an_integer}; {} reads the value as written, so a constant or an \
                     expression cannot be used here",
                    site.reader()
                ),
            );
            return None;
        }
    };
    let lit = match lit {
        Lit::Int(lit) => lit,
        Lit::Str(string) if string.value().trim().parse::<u128>().is_ok() => {
            let digits = string.value();
            errors.spanned(
                string,
                format_args!(
                    "expected an integer literal, not a string: write `{key} = {}`",
                    digits.trim()
                ),
            );
            return None;
        }
        other => {
            errors.spanned(other, not_an_integer);
            return None;
        }
    };
    if !matches!(lit.suffix(), "" | "usize") {
        errors.spanned(
            &lit,
            format_args!(
                "`{key}` is a `usize`: write `{key} = {}` or `{key} = {}usize`",
                lit.base10_digits(),
                lit.base10_digits()
            ),
        );
        return None;
    }
    if lit.base10_digits().starts_with('-') {
        // A negative literal token, which only another macro can make.
        errors.spanned(
            &lit,
            format_args!("`{key}` must be a positive integer, e.g. `{key} = {example}`"),
        );
        return None;
    }
    match lit.base10_parse::<usize>() {
        Ok(0) => {
            let message = match key {
                MAX_IDLE => "`max_idle = 0` would keep no object, so nothing would be recycled: \
                             give at least 1, or remove `max_idle` to keep every object given \
                             back"
                    .to_owned(),
                MAX_CAPACITY => "`max_capacity` must be at least 1; remove it to keep objects \
                                 whatever their capacity"
                    .to_owned(),
                _ => format!("`{key}` must be at least 1; remove it to use the default"),
            };
            errors.spanned(&lit, message);
            None
        }
        Ok(value) => Some(Count {
            value,
            key: path,
            lit,
        }),
        Err(_) => {
            let hint = match key {
                MAX => "; remove `max` to have no limit",
                MAX_CAPACITY | MAX_IDLE => "; remove it to have no bound",
                _ => "",
            };
            errors.spanned(
                &lit,
                format_args!(
                    "`{key} = {lit}` does not fit in `usize` (at most {}){hint}",
                    usize::MAX
                ),
            );
            None
        }
    }
}

/// Reads the value of `reset` or `init`: the path of a function.
fn hook(
    key: &'static str,
    path: Path,
    value: Option<TokenStream>,
    errors: &mut Errors,
) -> Option<Hook> {
    let example = example(key);
    let signature = match key {
        RESET => "fn(&mut Self)",
        _ => "fn() -> Self",
    };
    let Some(tokens) = value else {
        errors.spanned(
            path,
            format_args!(
                "expected `{key} = <path>`, the path of a `{signature}`, e.g. `{key} = {example}`"
            ),
        );
        return None;
    };
    let trees = unwrap_invisible(tokens.clone());
    if let [TokenTree::Literal(literal)] = trees.as_slice() {
        if let Lit::Str(string) = Lit::new(literal.clone()) {
            let text = string.value();
            let message = match syn::parse_str::<ExprPath>(&text) {
                Ok(_) => format!("expected a path, not a string: write `{key} = {text}`"),
                Err(_) => format!("expected the path of a `{signature}`, e.g. `{key} = {example}`"),
            };
            errors.spanned(string, message);
            return None;
        }
    }
    match syn::parse2::<ExprPath>(trees.into_iter().collect()) {
        Ok(expr) => Some(Hook {
            key: path,
            path: expr,
        }),
        Err(_) => {
            errors.spanned(
                tokens,
                format_args!(
                    "expected the path of a `{signature}`, e.g. `{key} = {example}`; for a \
                     closure or another expression, write a function and name it here"
                ),
            );
            None
        }
    }
}

/// Reads the value of `crate`.
fn crate_path(path: &Path, value: Option<TokenStream>, errors: &mut Errors) -> Krate {
    const EXAMPLE: &str = "e.g. `crate = \"::zokio_pool\"`";
    let Some(tokens) = value else {
        errors.spanned(
            path,
            format_args!("expected `crate = \"<path>\"`, {EXAMPLE}"),
        );
        return Krate::Invalid;
    };
    let trees = unwrap_invisible(tokens.clone());
    if let [TokenTree::Literal(literal)] = trees.as_slice() {
        if let Lit::Str(string) = Lit::new(literal.clone()) {
            return match string.parse_with(Path::parse_mod_style) {
                Ok(path) => Krate::Path(path),
                Err(_) => {
                    errors.spanned(
                        &string,
                        format_args!(
                            "`crate` must be a path to the zokio_pool crate, {EXAMPLE} or \
                             `crate = \"my_crate::reexports::zokio_pool\"`"
                        ),
                    );
                    Krate::Invalid
                }
            };
        }
    }
    let message = match path_text(&trees) {
        Some(text) => format!("expected a string literal: write `crate = \"{text}\"`"),
        None => format!("expected a string literal, {EXAMPLE}"),
    };
    errors.spanned(tokens, message);
    Krate::Invalid
}

/// The text of `trees` when they are a plain path such as `::foo::bar` (for a "write it in
/// quotes" hint).
fn path_text(trees: &[TokenTree]) -> Option<String> {
    let mut text = String::new();
    for tree in trees {
        match tree {
            TokenTree::Ident(ident) => text.push_str(&ident.to_string()),
            TokenTree::Punct(punct)
                if punct.as_char() == ':'
                    && (punct.spacing() == Spacing::Joint || text.ends_with(':')) =>
            {
                text.push(':');
            }
            _ => return None,
        }
    }
    Some(text)
}

/// The path as written, without spaces and raw prefixes (`crate`, `a::b`).
pub fn path_to_string(path: &Path) -> String {
    let mut text = String::new();
    if path.leading_colon.is_some() {
        text.push_str("::");
    }
    for (i, segment) in path.segments.iter().enumerate() {
        if i > 0 {
            text.push_str("::");
        }
        text.push_str(&segment.ident.unraw().to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggest(name: &str) -> Option<&'static str> {
        super::suggest(name, &KEYS)
    }

    #[test]
    fn typos_suggest_the_closest_key() {
        assert_eq!(suggest("prealoc"), Some(PREALLOC));
        assert_eq!(suggest("preallocate"), Some(PREALLOC));
        assert_eq!(suggest("Max"), Some(MAX));
        assert_eq!(suggest("max_size"), Some(MAX));
        assert_eq!(suggest("chunks"), Some(CHUNK));
        assert_eq!(suggest("cahce"), Some(CACHE));
        assert_eq!(suggest("krate"), Some(CRATE));
        assert_eq!(suggest("recycled"), Some(RECYCLE));
        assert_eq!(suggest("rest"), Some(RESET));
        assert_eq!(suggest("max_cap"), Some(MAX_CAPACITY));
        assert_eq!(suggest("capacity"), Some(MAX_CAPACITY));
        assert_eq!(suggest("max_idel"), Some(MAX_IDLE));
        assert_eq!(super::suggest("skp", &[SKIP]), Some(SKIP));
    }

    #[test]
    fn unrelated_names_suggest_nothing() {
        assert_eq!(suggest("size"), None);
        assert_eq!(suggest("x"), None);
        assert_eq!(suggest("ttl"), None);
    }

    #[test]
    fn values_end_at_the_next_comma_outside_angle_brackets() {
        let parser = |input: ParseStream| {
            let mut values = Vec::new();
            parse_entries(input, |meta| {
                values.push(take_value(meta.input)?.map(|v| v.to_string()));
                Ok(())
            })?;
            Ok(values)
        };
        let values = parser
            .parse2(quote::quote!(reset = Map::<K, V>::clear, init = f, max = 1, f = Fn(u8) -> u8))
            .unwrap();
        assert_eq!(
            values,
            [
                Some("Map :: < K , V > :: clear".to_owned()),
                Some("f".to_owned()),
                Some("1".to_owned()),
                Some("Fn (u8) -> u8".to_owned()),
            ]
        );
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
