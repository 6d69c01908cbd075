//! Pool options -> typed [`Attrs`], for both entry points: the `#[pool(...)]` attributes of the
//! derive and the `, key = value` list of `pool!`. One [`OptionParser`] reads both, so the keys,
//! the values accepted and every message are the same in the two. The keys themselves are the
//! table of `symbol`; this file holds the model and the value parsers.
//!
//! Every bad entry is reported and parsing goes on with the next one, so one build shows them
//! all. A key's value is read as raw tokens rather than as a `syn::Expr`: counts must be
//! literals, and this way a value such as `{ N }` gets our message, not syn's.

use std::fmt::Write as _;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, ExprPath, Ident, Lit, LitInt, Meta, Path, PathSegment, Token};

use crate::ctxt::Errors;
use crate::suggest;
use crate::symbol::{self, Key, Kind, Runtime, KEYS, POOL, SKIP};

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
/// An option given with an invalid value is absent (and an error has been recorded); one given
/// twice keeps its first value.
pub struct Attrs {
    /// The valid options given, but `crate`, each once.
    given: Vec<(&'static Key, Value)>,
    pub krate: Krate,
}

/// The value of a valid option.
pub enum Value {
    Count(Count),
    /// A flag: the key as written.
    Flag(Path),
    Hook(Hook),
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
    /// Not given: `::zokio_pool`, or the runtime's name in the user's Cargo.toml.
    Default,
    Path(Path),
    /// Given, but not a path: nothing that names the runtime can be emitted.
    Invalid,
}

impl Attrs {
    /// No option given.
    fn new() -> Attrs {
        Attrs {
            given: Vec::new(),
            krate: Krate::Default,
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

    fn get(&self, key: &Key) -> Option<&Value> {
        self.given
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, value)| value)
    }

    /// Every valid option given (but `crate`), as written: the key's path, for spans.
    pub fn given_keys(&self) -> impl Iterator<Item = &Path> {
        self.given.iter().map(|(_, value)| match value {
            Value::Count(count) => &count.key,
            Value::Flag(path) => path,
            Value::Hook(hook) => &hook.key,
        })
    }

    /// The value of count option `key`, if given.
    pub fn count(&self, key: &Key) -> Option<&Count> {
        match self.get(key)? {
            Value::Count(count) => Some(count),
            _ => None,
        }
    }

    /// Flag `key` as written, if given.
    pub fn flag(&self, key: &Key) -> Option<&Path> {
        match self.get(key)? {
            Value::Flag(path) => Some(path),
            _ => None,
        }
    }

    /// The function of hook option `key`, if given.
    pub fn hook(&self, key: &Key) -> Option<&Hook> {
        match self.get(key)? {
            Value::Hook(hook) => Some(hook),
            _ => None,
        }
    }

    /// The options given that a runtime method takes, in the order of the key table: the method
    /// (chosen by `method` from the key's [`Runtime`]) and, for a count, its value.
    pub fn runtime(
        &self,
        method: fn(Runtime) -> Option<&'static str>,
    ) -> impl Iterator<Item = (&'static str, Option<&Count>)> {
        KEYS.iter().filter_map(move |key| {
            let method = method(key.runtime)?;
            match self.get(key)? {
                Value::Count(count) => Some((method, Some(count))),
                Value::Flag(_) => Some((method, None)),
                Value::Hook(_) => None,
            }
        })
    }

    /// The counts given that a recycling pool's `Recycler` takes, with their keys.
    pub fn recycle_bounds(&self) -> impl Iterator<Item = (&'static Key, &Count)> {
        KEYS.iter().filter_map(move |key| match key.runtime {
            Runtime::Recycler(_) => Some((*key, self.count(key)?)),
            _ => None,
        })
    }

    /// The key that puts the pool in recycle mode (`recycle`, else `reset`), if any.
    pub fn recycle_mode(&self) -> Option<&Path> {
        self.flag(&symbol::RECYCLE)
            .or_else(|| self.hook(&symbol::RESET).map(|hook| &hook.key))
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
        let Some(key) = known_key(&meta.path) else {
            errors.push(self.unknown_key(&meta.path));
            skip_entry(meta.input)?;
            return Ok(());
        };
        // Every duplicate is reported here, once, whatever the kind of the option.
        let first = !self.seen.contains(&key.name);
        if first {
            self.seen.push(key.name);
        } else {
            errors.spanned(
                &meta.path,
                format_args!("duplicate pool option `{}`; remove one of them", key.name),
            );
        }
        let value = match key.kind {
            Kind::Flag => flag(&meta, key.instead, errors)?.then(|| Value::Flag(meta.path)),
            Kind::Count => {
                let value = take_value(meta.input)?;
                count(key, meta.path, value, self.site, errors).map(Value::Count)
            }
            Kind::Hook => {
                let value = take_value(meta.input)?;
                hook(key, meta.path, value, errors).map(Value::Hook)
            }
            Kind::Crate => {
                let value = take_value(meta.input)?;
                let krate = crate_path(&meta.path, value, errors);
                if first {
                    self.attrs.krate = krate;
                }
                None
            }
        };
        if let (true, Some(value)) = (first, value) {
            self.attrs.given.push((key, value));
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
        let names: Vec<&str> = KEYS.iter().map(|key| key.name).collect();
        let mut message = format!("unknown pool option `{name}`; ");
        match suggest::closest(&name, &names) {
            Some(key) => {
                let _ = write!(message, "did you mean `{key}`? The options are ");
            }
            None => message.push_str("the options are "),
        }
        suggest::list(&mut message, &names);
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
                    any |= known_key(&meta.path).is_some();
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
                    if meta.path.get_ident().is_none_or(|i| i.unraw() != SKIP) {
                        let name = path_to_string(&meta.path);
                        let hint = match suggest::closest(&name, &[SKIP]) {
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

/// The pool option `path` names, if it is one.
fn known_key(path: &Path) -> Option<&'static Key> {
    let name = path.get_ident()?.unraw().to_string();
    KEYS.iter().copied().find(|key| key.name == name)
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

/// Reads the value of `prealloc`, `max`, `chunk`, `cache`, `max_capacity` or `max_idle`.
fn count(
    key: &'static Key,
    path: Path,
    value: Option<TokenStream>,
    site: Site,
    errors: &mut Errors,
) -> Option<Count> {
    let (example, key_name) = (key.example, key.name);
    let Some(tokens) = value else {
        errors.spanned(
            path,
            format_args!("expected `{key_name} = <integer>`, e.g. `{key_name} = {example}`"),
        );
        return None;
    };
    let key_id = key;
    let key = key_name;
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
            let message = match key_id {
                k if *k == symbol::MAX_IDLE => {
                    "`max_idle = 0` would keep no object, so nothing would be recycled: \
                             give at least 1, or remove `max_idle` to keep every object given \
                             back"
                        .to_owned()
                }
                k if *k == symbol::MAX_CAPACITY => {
                    "`max_capacity` must be at least 1; remove it to keep objects \
                                 whatever their capacity"
                        .to_owned()
                }
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
            let hint = match key_id {
                k if *k == symbol::MAX => "; remove `max` to have no limit",
                k if *k == symbol::MAX_CAPACITY || *k == symbol::MAX_IDLE => {
                    "; remove it to have no bound"
                }
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
    key: &'static Key,
    path: Path,
    value: Option<TokenStream>,
    errors: &mut Errors,
) -> Option<Hook> {
    let example = key.example;
    let signature = if *key == symbol::RESET {
        "fn(&mut Self)"
    } else {
        "fn() -> Self"
    };
    let key = key.name;
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
}
