//! Checks across the input that parsing alone does not catch.

use quote::ToTokens;
use syn::{GenericParam, Type};

use crate::ast::{Input, Shape, Unsized};
use crate::ctxt::Errors;

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
            let ty_text = type_text(ty);
            let instead = match kind {
                Unsized::Slice(elem) => {
                    let elem = type_text(elem);
                    format!("a `Vec<{elem}>` or a `Box<[{elem}]>`, or a fixed-size array `[{elem}; N]`,")
                }
                Unsized::Str => "a `String` or a `Box<str>`".to_owned(),
                Unsized::Dyn => format!("a `Box<{ty_text}>`"),
            };
            errors.spanned(
                ty,
                format_args!(
                    "pooled objects must be `Sized`, and `{ty_text}` is not; store {instead} \
                     instead"
                ),
            );
        }
        for attr in &self.misplaced {
            errors.spanned(
                attr,
                format_args!(
                    "`#[pool(...)]` options apply to the whole type: move this attribute above \
                     `{} {}`",
                    self.keyword(),
                    self.ident
                ),
            );
        }
        if let (Some(prealloc), Some(max)) = (&self.attrs.prealloc, &self.attrs.max) {
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
    }

    /// Type and const parameters; lifetimes are fine, the expansion erases them to `'static`.
    fn check_generics(&self, errors: &mut Errors) {
        let example = self.concrete_example();
        for param in &self.generics.params {
            let (name, kind) = match param {
                GenericParam::Lifetime(_) => continue,
                GenericParam::Type(param) => (&param.ident, "type"),
                GenericParam::Const(param) => (&param.ident, "const"),
            };
            errors.spanned(
                param,
                format_args!(
                    "`{}` cannot have a pool for every `{name}`: a pool is a `static`, and a \
                     `static` cannot depend on a {kind} parameter; derive on a concrete type \
                     instead, e.g. a newtype `#[derive(Pooled)] {example}`",
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

/// `ty` as a user would write it (`Vec<u8>`, not `Vec < u8 >`).
fn type_text(ty: &Type) -> String {
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
