//! `#[pool(...)]` attributes -> typed [`Attrs`].
//!
//! Every bad entry is reported and parsing goes on with the next one, so one build shows them
//! all. A key's value is read as raw tokens rather than as a `syn::Expr`: the derive only accepts
//! literals, and this way a value such as `{ N }` gets our message, not syn's.

use std::fmt::Write as _;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Attribute, Lit, LitInt, Meta, Path, Token};

use crate::ctxt::Errors;

/// The helper attribute: `#[pool(...)]`.
pub const POOL: &str = "pool";
pub const PREALLOC: &str = "prealloc";
pub const MAX: &str = "max";
pub const CHUNK: &str = "chunk";
pub const CACHE: &str = "cache";
pub const CRATE: &str = "crate";

/// Every key, in the order the docs and the error messages list them.
pub const KEYS: [&str; 5] = [PREALLOC, MAX, CHUNK, CACHE, CRATE];

/// The options of one derive, merged from all its `#[pool(...)]` attributes.
///
/// An option given with an invalid value is `None` (and an error has been recorded).
pub struct Attrs {
    pub prealloc: Option<Count>,
    pub max: Option<Count>,
    pub chunk: Option<Count>,
    pub cache: Option<Count>,
    pub krate: Krate,
}

/// A valid `key = N`.
pub struct Count {
    /// At least 1.
    pub value: usize,
    /// The literal as the user wrote it, for spans.
    pub lit: LitInt,
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
    /// Reads the `#[pool(...)]` attributes among `attrs`, recording every error in `errors`.
    pub fn from_attrs(attrs: &[Attribute], errors: &mut Errors) -> Attrs {
        let mut parsed = Attrs {
            prealloc: None,
            max: None,
            chunk: None,
            cache: None,
            krate: Krate::Default,
        };
        // Keys seen so far, across all the attributes.
        let mut seen = Vec::new();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident(POOL)) {
            if let Meta::List(_) = attr.meta {
                let result = attr.parse_nested_meta(|meta| {
                    let Some(key) = known_key(&meta.path) else {
                        errors.push(unknown_key(&meta.path));
                        skip_entry(meta.input)?;
                        return Ok(());
                    };
                    let first = !seen.contains(&key);
                    if first {
                        seen.push(key);
                    } else {
                        errors.spanned(
                            &meta.path,
                            format_args!("duplicate pool option `{key}`; remove one of them"),
                        );
                    }
                    let value = take_value(meta.input)?;
                    if key == CRATE {
                        let krate = crate_path(&meta.path, value, errors);
                        if first {
                            parsed.krate = krate;
                        }
                    } else {
                        let count = count(key, &meta.path, value, errors);
                        if first {
                            *parsed.count_mut(key) = count;
                        }
                    }
                    Ok(())
                });
                if let Err(error) = result {
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
        parsed
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

    fn count_mut(&mut self, key: &str) -> &mut Option<Count> {
        match key {
            PREALLOC => &mut self.prealloc,
            MAX => &mut self.max,
            CHUNK => &mut self.chunk,
            _ => &mut self.cache,
        }
    }
}

/// The key `path` names, if it is one of [`KEYS`].
fn known_key(path: &Path) -> Option<&'static str> {
    let name = path.get_ident()?.unraw().to_string();
    KEYS.into_iter().find(|key| *key == name)
}

fn unknown_key(path: &Path) -> syn::Error {
    let name = path_to_string(path);
    let mut message = format!("unknown pool option `{name}`; ");
    match suggest(&name) {
        Some(key) => {
            let _ = write!(message, "did you mean `{key}`? The options are ");
        }
        None => message.push_str("the options are "),
    }
    for (i, key) in KEYS.iter().enumerate() {
        let sep = match i {
            0 => "",
            _ if i + 1 == KEYS.len() => " and ",
            _ => ", ",
        };
        let _ = write!(message, "{sep}`{key}`");
    }
    syn::Error::new_spanned(path, message)
}

/// The key closest to a misspelt `name`, if one is close enough to be what the user meant.
fn suggest(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    KEYS.into_iter()
        .filter_map(|key| {
            let distance = edit_distance(&name, key);
            // A prefix either way (`preallocate`, `max_size`) counts as close.
            let prefix = name.len() >= 3 && (name.starts_with(key) || key.starts_with(&*name));
            let close = distance <= (key.len() / 3).max(1);
            (close || prefix).then_some((distance, key))
        })
        .min()
        .map(|(_, key)| key)
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
    while !input.is_empty() && !input.peek(Token![,]) {
        let tree = input.parse::<TokenTree>()?;
        let literal = matches!(tree, TokenTree::Literal(_));
        tokens.extend([tree]);
        // `prealloc = 1 max = 2`: end the value at the literal, so that syn reports the missing
        // `,` before `max` instead of this value swallowing the next option.
        if literal && input.peek(syn::Ident::peek_any) {
            break;
        }
    }
    Ok((!tokens.is_empty()).then_some(tokens))
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
        _ => "64",
    }
}

/// Reads the value of `prealloc`, `max`, `chunk` or `cache`.
fn count(
    key: &'static str,
    path: &Path,
    value: Option<TokenStream>,
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
                    "{not_an_integer}; the derive reads the value as written, so a constant \
                     or an expression cannot be used here"
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
            errors.spanned(
                &lit,
                format_args!("`{key}` must be at least 1; remove it to use the default"),
            );
            None
        }
        Ok(value) => Some(Count { value, lit }),
        Err(_) => {
            let hint = if key == MAX {
                "; remove `max` to have no limit"
            } else {
                ""
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

fn path_to_string(path: &Path) -> String {
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

    #[test]
    fn typos_suggest_the_closest_key() {
        assert_eq!(suggest("prealoc"), Some(PREALLOC));
        assert_eq!(suggest("preallocate"), Some(PREALLOC));
        assert_eq!(suggest("Max"), Some(MAX));
        assert_eq!(suggest("max_size"), Some(MAX));
        assert_eq!(suggest("chunks"), Some(CHUNK));
        assert_eq!(suggest("cahce"), Some(CACHE));
        assert_eq!(suggest("krate"), Some(CRATE));
    }

    #[test]
    fn unrelated_names_suggest_nothing() {
        assert_eq!(suggest("size"), None);
        assert_eq!(suggest("x"), None);
        assert_eq!(suggest("capacity"), None);
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
