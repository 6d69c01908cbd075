//! The macro inputs as our own types: the derive's, borrowing from syn, and `pool!`'s.

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, GenericParam, Generics, Ident, Member, Path, Token, Type,
    TypeParamBound, Visibility, WherePredicate,
};

use crate::attr::{Attrs, FieldAttrs};
use crate::ctxt::Errors;
use crate::symbol::POOL;

pub struct Input<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub attrs: Attrs,
    pub shape: Shape<'a>,
    /// `#[pool(...)]` attributes on fields and variants, where they mean nothing.
    pub misplaced: Vec<&'a Attribute>,
}

pub enum Shape<'a> {
    Struct { fields: Vec<Field<'a>> },
    Enum,
    Union { union_token: &'a Token![union] },
}

/// A field of a struct.
pub struct Field<'a> {
    /// `self.#member`.
    pub member: Member,
    pub ty: &'a Type,
    /// `#[pool(skip)]`: left out of the reset of `#[pool(recycle)]`.
    pub skip: Option<Path>,
}

/// Why a field type is unsized, for the message that says what to store instead.
pub enum Unsized<'a> {
    /// `[T]`, with `T`.
    Slice(&'a Type),
    Str,
    Dyn,
}

impl<'a> Input<'a> {
    pub fn from_syn(node: &'a DeriveInput, errors: &mut Errors) -> Input<'a> {
        let attrs = Attrs::from_attrs(&node.attrs, errors);
        let mut misplaced = Vec::new();
        let pool_attrs =
            |attrs: &'a [Attribute]| attrs.iter().filter(|attr| attr.path().is_ident(POOL));
        let shape = match &node.data {
            Data::Struct(data) => {
                let fields = data
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, field)| {
                        let parsed = FieldAttrs::from_attrs(&field.attrs, errors);
                        misplaced.extend(parsed.misplaced);
                        let member = match &field.ident {
                            Some(ident) => Member::Named(ident.clone()),
                            None => Member::Unnamed(syn::Index {
                                index: i as u32,
                                span: field.ty.span(),
                            }),
                        };
                        Field {
                            member,
                            ty: &field.ty,
                            skip: parsed.skip,
                        }
                    })
                    .collect();
                Shape::Struct { fields }
            }
            Data::Enum(data) => {
                for variant in &data.variants {
                    misplaced.extend(pool_attrs(&variant.attrs));
                    for field in &variant.fields {
                        misplaced.extend(pool_attrs(&field.attrs));
                    }
                }
                Shape::Enum
            }
            Data::Union(data) => {
                for field in &data.fields.named {
                    misplaced.extend(pool_attrs(&field.attrs));
                }
                Shape::Union {
                    union_token: &data.union_token,
                }
            }
        };
        Input {
            ident: &node.ident,
            generics: &node.generics,
            attrs,
            shape,
            misplaced,
        }
    }

    /// The type of the last field of a struct (the only one that may be unsized).
    pub fn last_field(&self) -> Option<&'a Type> {
        match &self.shape {
            Shape::Struct { fields } => fields.last().map(|field| field.ty),
            _ => None,
        }
    }

    /// The last field's type, when it is one that is unsized whatever the generics.
    pub fn unsized_field(&self) -> Option<(&'a Type, Unsized<'a>)> {
        let ty = self.last_field()?;
        Some((ty, unsized_kind(ty)?))
    }

    /// Whether the last field's type is a type parameter declared `?Sized`, so the type may be
    /// unsized.
    pub fn maybe_unsized(&self) -> bool {
        let Some(ty) = self.last_field() else {
            return false;
        };
        let Type::Path(path) = ungroup(ty) else {
            return false;
        };
        let Some(name) = path.path.get_ident() else {
            return false;
        };
        let is_maybe = |bound: &TypeParamBound| matches!(bound, TypeParamBound::Trait(t) if matches!(t.modifier, syn::TraitBoundModifier::Maybe(_)));
        let in_params = self.generics.params.iter().any(|param| match param {
            GenericParam::Type(param) => param.ident == *name && param.bounds.iter().any(is_maybe),
            _ => false,
        });
        let in_where = self
            .generics
            .where_clause
            .iter()
            .flat_map(|w| &w.predicates)
            .any(|predicate| match predicate {
                WherePredicate::Type(p) => {
                    matches!(&p.bounded_ty, Type::Path(b) if b.path.is_ident(name))
                        && p.bounds.iter().any(is_maybe)
                }
                _ => false,
            });
        in_params || in_where
    }
}

/// Why `ty` is unsized, when it is unsized whatever the generics.
pub fn unsized_kind(ty: &Type) -> Option<Unsized<'_>> {
    Some(match ungroup(ty) {
        Type::Slice(slice) => Unsized::Slice(&slice.elem),
        Type::TraitObject(_) => Unsized::Dyn,
        Type::Path(path) if path.qself.is_none() && is_str(&path.path) => Unsized::Str,
        _ => return None,
    })
}

/// The input of `pool!`: `#[attrs] vis Name: Type, options...`.
pub struct PoolMacroInput {
    /// Outer attributes, for the marker struct.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub ty: Type,
    pub options: Attrs,
}

/// The shape of the declaration, for messages.
const NAMED_EXAMPLE: &str =
    "e.g. `pool!(pub Frames: [u8; 4096])` or `pool!(pub Frames: [u8; 4096], prealloc = 256)`";

impl PoolMacroInput {
    /// Parses `pool!`'s input. A malformed declaration is an `Err`; bad options are recorded in
    /// `errors` (all of them) and leave the declaration usable, for the fallback.
    pub fn parse(tokens: TokenStream, errors: &mut Errors) -> syn::Result<PoolMacroInput> {
        let parser = |input: ParseStream| {
            if input.is_empty() {
                return Err(input.error(format_args!(
                    "expected a pool declaration `Name: Type`, {NAMED_EXAMPLE}"
                )));
            }
            let attrs = input.call(Attribute::parse_outer)?;
            let vis: Visibility = input.parse()?;
            let ident: Ident = input.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format_args!("expected the pool's name, {NAMED_EXAMPLE}"),
                )
            })?;
            if !input.peek(Token![:]) {
                let message = format!(
                    "expected `:` and the item type after the pool's name: `{ident}: Type`, \
                     {NAMED_EXAMPLE}"
                );
                return Err(match input.is_empty() {
                    true => syn::Error::new(ident.span(), message),
                    false => input.error(message),
                });
            }
            let colon: Token![:] = input.parse()?;
            let type_expected = || {
                format!("expected the type of the pool's objects after `{ident}:`, {NAMED_EXAMPLE}")
            };
            if input.is_empty() || input.peek(Token![,]) {
                return Err(syn::Error::new(colon.span, type_expected()));
            }
            let ty: Type = input
                .parse()
                .map_err(|error| syn::Error::new(error.span(), type_expected()))?;
            if !input.is_empty() && !input.peek(Token![,]) {
                return Err(input.error(format_args!(
                    "expected `,` between the type and the options, {NAMED_EXAMPLE}"
                )));
            }
            let _: Option<Token![,]> = input.parse()?;
            let options = Attrs::from_macro(input, errors);
            Ok(PoolMacroInput {
                attrs,
                vis,
                ident,
                ty,
                options,
            })
        };
        parser.parse2(tokens)
    }
}

/// `ty` without the parentheses and invisible groups around it.
fn ungroup(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

/// `str`, `core::primitive::str` or `std::primitive::str` (with or without a leading `::`).
fn is_str(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let plain = path.segments.iter().all(|s| s.arguments.is_none());
    plain
        && match segments.as_slice() {
            [one] => one == "str" && path.leading_colon.is_none(),
            [krate, primitive, str] => {
                (krate == "core" || krate == "std") && primitive == "primitive" && str == "str"
            }
            _ => false,
        }
}
