//! Token helpers shared by the expansions: the runtime's path, respanning, literals, and names
//! that cannot collide with the user's.

use proc_macro2::{Group, Literal, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};

use crate::attr::{Count, Krate};

/// `base`, or `base` with the smallest number after it, whichever no identifier in `tokens`
/// is: a generic parameter of the expansion that cannot hide a name the user wrote.
pub fn fresh_ident(base: &str, tokens: &[TokenStream]) -> syn::Ident {
    fn collect(tokens: TokenStream, names: &mut Vec<String>) {
        for tree in tokens {
            match tree {
                TokenTree::Ident(ident) => names.push(ident.to_string()),
                TokenTree::Group(group) => collect(group.stream(), names),
                _ => {}
            }
        }
    }
    let mut names = Vec::new();
    for t in tokens {
        collect(t.clone(), &mut names);
    }
    let name = std::iter::once(base.to_owned())
        .chain((0..).map(|i| format!("{base}{i}")))
        .find(|name| !names.contains(name))
        .expect("an unused name exists");
    syn::Ident::new(&name, Span::call_site())
}

/// The runtime crate's path. Not called when `crate = "..."` is invalid.
pub fn krate_path(krate: &Krate) -> TokenStream {
    match krate {
        Krate::Path(path) => path.to_token_stream(),
        Krate::Default | Krate::Invalid => runtime_path(),
    }
}

/// The runtime as the user's crate names it: `::zokio_pool`, or the name a renamed dependency
/// gives it in the user's Cargo.toml (`zp = { package = "zokio-pool" }` gives `::zp`). Inside the
/// runtime's own package (its doc tests, whose crates depend on it as `zokio_pool`) and wherever
/// the manifest cannot be read, `::zokio_pool`; a crate that reaches the runtime through a
/// re-export says where with `crate = "..."`.
fn runtime_path() -> TokenStream {
    use proc_macro_crate::{crate_name, FoundCrate};
    match crate_name("zokio-pool") {
        Ok(FoundCrate::Name(name)) if name != "zokio_pool" => {
            let ident = syn::Ident::new(&name, Span::call_site());
            quote!(::#ident)
        }
        _ => quote!(::zokio_pool),
    }
}

/// [`krate_path`] with every token spanned at `span`, for an expression whose errors point at
/// one of the user's tokens.
pub fn krate_at(krate: &Krate, span: Span) -> TokenStream {
    respan(krate_path(krate), span)
}

/// `tokens` with every span set to `span`, so that an error on the expression they make points
/// at one place.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut new = Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                tree = TokenTree::Group(new);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// A count as a `usize` literal, spanned on the user's literal: a value that does not fit the
/// target's `usize` (a 32-bit target when the macro runs on a 64-bit host) is reported there.
pub fn usize_literal(count: &Count) -> Literal {
    let mut n = Literal::usize_suffixed(count.value);
    n.set_span(count.lit.span());
    n
}

/// `ty` as a user would write it, for docs.
pub fn text(ty: &syn::Type) -> String {
    crate::valid::type_text(ty)
}
