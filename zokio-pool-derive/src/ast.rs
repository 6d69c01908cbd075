//! The derive input as our own types, borrowing from syn.

use syn::{
    Attribute, Data, DeriveInput, GenericParam, Generics, Ident, Token, Type, TypeParamBound,
    WherePredicate,
};

use crate::attr::{Attrs, POOL};
use crate::ctxt::Errors;

pub struct Input<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub attrs: Attrs,
    pub shape: Shape<'a>,
    /// `#[pool(...)]` attributes on fields and variants, where they mean nothing.
    pub misplaced: Vec<&'a Attribute>,
}

pub enum Shape<'a> {
    /// A struct, and the type of its last field (the only one that may be unsized).
    Struct {
        last_field: Option<&'a Type>,
    },
    Enum,
    Union {
        union_token: &'a Token![union],
    },
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
        let mut note_misplaced = |attrs: &'a [Attribute]| {
            misplaced.extend(attrs.iter().filter(|attr| attr.path().is_ident(POOL)));
        };
        let shape = match &node.data {
            Data::Struct(data) => {
                data.fields
                    .iter()
                    .for_each(|field| note_misplaced(&field.attrs));
                Shape::Struct {
                    last_field: data.fields.iter().last().map(|field| &field.ty),
                }
            }
            Data::Enum(data) => {
                for variant in &data.variants {
                    note_misplaced(&variant.attrs);
                    variant
                        .fields
                        .iter()
                        .for_each(|field| note_misplaced(&field.attrs));
                }
                Shape::Enum
            }
            Data::Union(data) => {
                data.fields
                    .named
                    .iter()
                    .for_each(|field| note_misplaced(&field.attrs));
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

    /// The last field's type, when it is one that is unsized whatever the generics.
    pub fn unsized_field(&self) -> Option<(&'a Type, Unsized<'a>)> {
        let Shape::Struct {
            last_field: Some(ty),
        } = self.shape
        else {
            return None;
        };
        let kind = match ungroup(ty) {
            Type::Slice(slice) => Unsized::Slice(&slice.elem),
            Type::TraitObject(_) => Unsized::Dyn,
            Type::Path(path) if path.qself.is_none() && is_str(&path.path) => Unsized::Str,
            _ => return None,
        };
        Some((ty, kind))
    }

    /// Whether the last field's type is a type parameter declared `?Sized`, so the type may be
    /// unsized.
    pub fn maybe_unsized(&self) -> bool {
        let Shape::Struct {
            last_field: Some(ty),
        } = self.shape
        else {
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
