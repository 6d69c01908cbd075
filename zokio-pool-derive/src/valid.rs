//! Checks across the input that parsing alone does not catch.

use quote::ToTokens;
use syn::{GenericParam, Type};

use crate::ast::{unsized_kind, Input, PoolMacroInput, Shape, Unsized};
use crate::attr::{self, Attrs, Site};
use crate::ctxt::Errors;
use crate::symbol;

impl Attrs {
    /// Checks the options against each other, wherever they were written.
    pub fn validate(&self, site: Site, errors: &mut Errors) {
        if let (Some(prealloc), Some(max)) =
            (self.count(&symbol::PREALLOC), self.count(&symbol::MAX))
        {
            if max.value < prealloc.value {
                errors.spanned(
                    &max.lit,
                    format_args!(
                        "`max = {}` is smaller than `prealloc = {}`: a pool cannot reserve more \
                         slots than its limit; raise `max` or lower `prealloc`",
                        max.lit, prealloc.lit
                    ),
                );
            }
        }
        if self.recycle_mode().is_none() {
            let init = self
                .hook(&symbol::INIT)
                .map(|hook| (symbol::INIT.name, &hook.key, "builds the objects"));
            let bounds = self.recycle_bounds().map(|(key, count)| {
                let what = if *key == symbol::MAX_IDLE {
                    "bounds the objects"
                } else {
                    "bounds the capacity of the objects"
                };
                (key.name, &count.key, what)
            });
            for (key, path, what) in init.into_iter().chain(bounds) {
                errors.spanned(
                    path,
                    format_args!(
                        "`{key}` {what} of a recycling pool, and this pool does not recycle: add \
                         `recycle` to its options, or remove `{key}`"
                    ),
                );
            }
        }
        if let Some(drop_on_discard) = self.flag(&symbol::DROP_ON_DISCARD) {
            let message = match (site, self.recycle_mode()) {
                (Site::Macro, _) => Some(
                    "`drop_on_discard` lets a `#[derive(Pooled)]` type with its own `Drop` \
                     recycle; `pool!` does not look for `Drop` impls (a kept `Vec` is dropped \
                     only when discarded, as with this option): remove `drop_on_discard`",
                ),
                (Site::Derive, None) => Some(
                    "`drop_on_discard` lets a recycling pool keep objects of a type with its own \
                     `Drop`, and this pool does not recycle (its objects are always dropped): \
                     remove `drop_on_discard`",
                ),
                (Site::Derive, Some(_)) => None,
            };
            if let Some(message) = message {
                errors.spanned(drop_on_discard, message);
            }
        }
        if let (Some(zeroize), Some(_)) = (self.flag(&symbol::ZEROIZE), self.recycle_mode()) {
            errors.spanned(
                zeroize,
                "`zeroize` erases an object's bytes when its slot goes back, and a recycling pool \
                 keeps its objects alive there: remove `zeroize`, or remove `recycle` (and \
                 `reset`) to drop and erase each object",
            );
        }
        if let (Some(_), Some(max_capacity)) =
            (self.hook(&symbol::RESET), self.count(&symbol::MAX_CAPACITY))
        {
            let instead = match site {
                Site::Derive => {
                    "or remove `reset` and let `recycle` reset the fields one by one, adding up \
                     their capacity"
                }
                Site::Macro => {
                    "or remove `reset` and let `recycle` reset with the item type's \
                     `zokio_pool::Recycle` impl, whose `kept_capacity` is what `max_capacity` \
                     bounds (`Vec`, `String` and the std collections have one)"
                }
            };
            errors.spanned(
                &max_capacity.key,
                format_args!(
                    "`max_capacity` is measured with `Recycle::kept_capacity`, which a `reset` \
                     function does not give: shrink or drop big buffers in the reset function \
                     (e.g. `buf.shrink_to({})`), {instead}",
                    max_capacity.lit
                ),
            );
        }
    }
}

impl Input<'_> {
    /// Records every reason the input cannot have a pool.
    pub fn validate(&self, errors: &mut Errors) {
        if let Shape::Union { union_token } = self.shape {
            errors.spanned(
                union_token,
                format_args!(
                    "`#[derive(Pooled)]` does not support unions; wrap the union in a struct \
                     and derive on the struct instead, e.g. `#[derive(Pooled)] struct \
                     Pooled{0}({0});`",
                    self.ident
                ),
            );
        }
        self.check_generics(errors);
        if let Some((ty, kind)) = self.unsized_field() {
            errors.spanned(ty, unsized_message(ty, kind));
        }
        for attr in &self.misplaced {
            let message = match self.shape {
                Shape::Enum if attr::is_skip(attr) => format!(
                    "`#[pool(skip)]` goes on a field of a struct; an enum is reset as a whole by \
                     its `reset` function: remove this attribute from `enum {}`",
                    self.ident
                ),
                _ => format!(
                    "`#[pool(...)]` options apply to the whole type: move this attribute above \
                     `{} {}`",
                    self.keyword(),
                    self.ident
                ),
            };
            errors.spanned(attr, message);
        }
        self.attrs.validate(Site::Derive, errors);
        self.check_recycle(errors);
    }

    /// What recycle mode needs of the type.
    fn check_recycle(&self, errors: &mut Errors) {
        let ident = self.ident;
        if let (Shape::Enum, Some(recycle), None) = (
            &self.shape,
            self.attrs.flag(&symbol::RECYCLE),
            self.attrs.hook(&symbol::RESET),
        ) {
            errors.spanned(
                recycle,
                format_args!(
                    "`recycle` alone resets a struct field by field, and `{ident}` is an enum: \
                     give the pool a reset function with `#[pool(recycle, reset = \
                     path::to::reset)]`, or implement `zokio_pool::Recycle` for `{ident}` and \
                     write `#[pool(reset = <{ident} as zokio_pool::Recycle>::reset)]`"
                ),
            );
        }
        if let Some(mode) = self.attrs.recycle_mode() {
            let key = attr::path_to_string(mode);
            for param in &self.generics.params {
                if let GenericParam::Lifetime(param) = param {
                    let lifetime = &param.lifetime;
                    errors.spanned(
                        lifetime,
                        format_args!(
                            "a recycling pool keeps `{ident}` objects from one user to the next, \
                             so an object made for one `{lifetime}` could be handed out for \
                             another: recycle a type without lifetime parameters (one that owns \
                             its data), or remove `{key}`"
                        ),
                    );
                }
            }
        }
        let Shape::Struct { fields } = &self.shape else {
            return;
        };
        for skip in fields.iter().filter_map(|field| field.skip.as_ref()) {
            let message = if self.attrs.hook(&symbol::RESET).is_some() {
                "`#[pool(skip)]` has no effect with `reset = ...`: the reset function decides \
                 what is reset; remove `#[pool(skip)]`, or remove `reset` to have `recycle` \
                 reset the other fields one by one"
                    .to_owned()
            } else if self.attrs.flag(&symbol::RECYCLE).is_none() {
                format!(
                    "`#[pool(skip)]` leaves a field out of the reset of a recycling pool, and \
                     `{ident}`'s pool does not recycle: add `#[pool(recycle)]` above `struct \
                     {ident}`, or remove `#[pool(skip)]`"
                )
            } else {
                continue;
            };
            errors.spanned(skip, message);
        }
    }

    /// Whether the type has type or const parameters: then no `static` can be its pool, and
    /// each instantiation is served by the pool of its size class (`SizeClass`).
    pub fn is_generic(&self) -> bool {
        self.generics
            .params
            .iter()
            .any(|param| !matches!(param, GenericParam::Lifetime(_)))
    }

    /// A generic type is served by its size class, a pool shared with every type of its size:
    /// no option of a pool of its own applies (`crate` does).
    fn check_generics(&self, errors: &mut Errors) {
        if !self.is_generic() {
            return;
        }
        if self.maybe_unsized() {
            if let Some(ty) = self.last_field() {
                let ty_text = ty.to_token_stream().to_string();
                errors.spanned(
                    ty,
                    format_args!(
                        "`{0}` may be unsized (its last field is `{ty_text}: ?Sized`), and a pool \
                         holds sized values only: remove `?Sized` from `{ty_text}`; each sized \
                         instantiation of `{0}` is then served by the pool of its size class",
                        self.ident
                    ),
                );
            }
        }
        let example = self.concrete_example();
        for key in self.attrs.given_keys() {
            let key_text = attr::path_to_string(key);
            errors.spanned(
                key,
                format_args!(
                    "`{key_text}` configures a pool of `{0}`'s own, and a generic type has \
                     none: each instantiation of `{0}` is served by the pool of its size class, \
                     shared with every type of its size; remove `{key_text}`, or derive with \
                     it on a concrete type, e.g. a newtype `#[derive(Pooled)] {example}`",
                    self.ident
                ),
            );
        }
    }

    /// A newtype over the type with example arguments, e.g.
    /// `struct PooledPacket<'a>(Packet<'a, u8, 64>);`, for messages.
    fn concrete_example(&self) -> String {
        let mut lifetimes = Vec::new();
        let mut args = Vec::new();
        for param in &self.generics.params {
            match param {
                GenericParam::Lifetime(param) => {
                    let lifetime = param.lifetime.to_string();
                    lifetimes.push(lifetime.clone());
                    args.push(lifetime);
                }
                GenericParam::Type(_) => args.push("u8".to_owned()),
                GenericParam::Const(param) => args.push(
                    match type_text(&param.ty).as_str() {
                        "bool" => "true",
                        "char" => "'a'",
                        _ => "64",
                    }
                    .to_owned(),
                ),
            }
        }
        let lifetimes = match lifetimes.is_empty() {
            true => String::new(),
            false => format!("<{}>", lifetimes.join(", ")),
        };
        format!(
            "struct Pooled{0}{lifetimes}({0}<{1}>);",
            self.ident,
            args.join(", ")
        )
    }

    fn keyword(&self) -> &'static str {
        match self.shape {
            Shape::Struct { .. } => "struct",
            Shape::Enum => "enum",
            Shape::Union { .. } => "union",
        }
    }
}

impl PoolMacroInput {
    /// Records every reason the declaration cannot have a pool.
    pub fn validate(&self, errors: &mut Errors) {
        if let Some(kind) = unsized_kind(&self.ty) {
            errors.spanned(&self.ty, unsized_message(&self.ty, kind));
        }
        self.options.validate(Site::Macro, errors);
        // `Self` in the marker's impl is the marker, not the item type.
        for hook in [
            self.options.hook(&symbol::RESET),
            self.options.hook(&symbol::INIT),
        ]
        .into_iter()
        .flatten()
        {
            let path = &hook.path;
            let self_first = path.qself.is_none()
                && path.path.leading_colon.is_none()
                && path
                    .path
                    .segments
                    .first()
                    .is_some_and(|s| s.ident == "Self");
            if !self_first {
                continue;
            }
            let rest: Vec<String> = path
                .path
                .segments
                .iter()
                .skip(1)
                .map(|segment| segment.to_token_stream().to_string().replace(' ', ""))
                .collect();
            let key = attr::path_to_string(&hook.key);
            errors.spanned(
                path,
                format_args!(
                    "`Self` here would be the pool `{}`, not the type of its objects: write `{key} \
                     = <{}>::{}`",
                    self.ident,
                    type_text(&self.ty),
                    rest.join("::")
                ),
            );
        }
    }
}

/// Why an unsized type cannot be pooled, and what to store instead.
fn unsized_message(ty: &Type, kind: Unsized) -> String {
    let ty_text = type_text(ty);
    let instead = match kind {
        Unsized::Slice(elem) => {
            let elem = type_text(elem);
            format!("a `Vec<{elem}>` or a `Box<[{elem}]>`, or a fixed-size array `[{elem}; N]`,")
        }
        Unsized::Str => "a `String` or a `Box<str>`".to_owned(),
        Unsized::Dyn => format!("a `Box<{ty_text}>`"),
    };
    format!("pooled objects must be `Sized`, and `{ty_text}` is not; store {instead} instead")
}

/// `ty` as a user would write it (`Vec<u8>`, not `Vec < u8 >`).
pub fn type_text(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = if i > 0 { chars[i - 1] } else { ' ' };
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            let glue_prev = matches!(prev, '<' | '&' | ':' | '(' | '[');
            let glue_next = matches!(next, '<' | '>' | ',' | ':' | ')' | ']' | ';')
                || (next == '(' && (prev.is_alphanumeric() || prev == '_'));
            // `dyn Fn(u8) -> u8`, `[u8; 4]`, `&'a str`, `dyn A + B` keep their spaces.
            let arrow = prev == '>' && i >= 2 && chars[i - 2] == '-';
            let keep = arrow || matches!(next, '-' | '+' | '=') || matches!(prev, ';' | ',' | '+');
            if !keep && (glue_prev || glue_next) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_text_reads_like_source() {
        let cases: [(Type, &str); 6] = [
            (syn::parse_quote!(Vec<u8>), "Vec<u8>"),
            (syn::parse_quote!([Vec<u8>]), "[Vec<u8>]"),
            (syn::parse_quote!([u8; 4]), "[u8; 4]"),
            (syn::parse_quote!(dyn Fn(u8) -> u8), "dyn Fn(u8) -> u8"),
            (
                syn::parse_quote!(dyn core::any::Any + Send),
                "dyn core::any::Any + Send",
            ),
            (
                syn::parse_quote!(HashMap<String, Vec<u8>>),
                "HashMap<String, Vec<u8>>",
            ),
        ];
        for (ty, text) in cases {
            assert_eq!(type_text(&ty), text);
        }
    }
}
