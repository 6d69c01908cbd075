//! Code generation: the `unsafe impl Pool` of a valid input.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{DeriveInput, GenericParam, Lifetime};

use crate::ast::Input;
use crate::attr::Krate;
use crate::ctxt::Errors;
use crate::fallback;

/// `#[derive(Pooled)]`: parse, validate, then expand; on any error, every error and a stub.
pub fn derive(node: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let input = Input::from_syn(node, &mut errors);
    input.validate(&mut errors);
    match errors.finish() {
        Ok(()) => impl_pool(&input),
        Err(error) => fallback::expand(&input, error),
    }
}

fn impl_pool(input: &Input) -> TokenStream {
    let krate = input.krate();
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let static_ty = input.static_ty();
    let options = input.attrs.counts().map(|(key, count)| {
        let method = syn::Ident::new(key, Span::call_site());
        // Spanned on the user's literal: a value that does not fit the target's `usize` (a
        // 32-bit target when the macro runs on a 64-bit host) is reported there.
        let mut n = Literal::usize_suffixed(count.value);
        n.set_span(count.lit.span());
        quote!(.#method(#n))
    });
    // If the type is unsized after all (say, through a type alias), the `Sized` bounds of
    // `Pool::Item` and `Config::of` fail on the user's type name rather than on the derive.
    let item = quote_spanned!(ident.span()=> Self);
    let config_of = quote_spanned!(ident.span()=> #krate::__private::Config::of::<#static_ty>);
    quote! {
        const _: () = {
            #[automatically_derived]
            unsafe impl #impl_generics #krate::Pool for #ident #ty_generics #where_clause {
                type Item = #item;

                #[doc(hidden)]
                const __CONFIG: #krate::__private::Config = #config_of(
                    #krate::__private::Options::DEFAULT #(#options)*
                );

                #[inline(always)]
                #[doc(hidden)]
                fn __cache() -> &'static #krate::__private::LocalKey<#krate::__private::LocalCache> {
                    #krate::__private::thread_local! {
                        static CACHE: #krate::__private::LocalCache =
                            const { #krate::__private::LocalCache::new() };
                    }
                    &CACHE
                }

                #[inline(always)]
                #[doc(hidden)]
                fn __depot() -> &'static #krate::__private::Depot {
                    static DEPOT: #krate::__private::Depot =
                        #krate::__private::Depot::new(<#static_ty as #krate::Pool>::__CONFIG);
                    &DEPOT
                }
            }
        };
    }
}

impl Input<'_> {
    /// The runtime crate's path. Only called when `crate = "..."` is not invalid.
    pub fn krate(&self) -> TokenStream {
        match &self.attrs.krate {
            Krate::Path(path) => path.to_token_stream(),
            Krate::Default | Krate::Invalid => quote!(::zokio_pool),
        }
    }

    /// The type with every lifetime parameter replaced by `'static`: what the `static`s of the
    /// expansion name, since an item inside a function cannot use the impl's generics. One pool
    /// serves every lifetime, which is sound as lifetimes do not change the layout.
    fn static_ty(&self) -> TokenStream {
        let ident = self.ident;
        let lifetimes = self.generics.params.iter().filter_map(|param| match param {
            GenericParam::Lifetime(_) => Some(Lifetime::new("'static", Span::call_site())),
            _ => None,
        });
        let lifetimes: Vec<Lifetime> = lifetimes.collect();
        if lifetimes.is_empty() {
            quote!(#ident)
        } else {
            quote!(#ident<#(#lifetimes),*>)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(input: DeriveInput) -> String {
        derive(&input).to_string()
    }

    #[test]
    fn expansion_follows_the_runtime_contract() {
        let actual = expand(syn::parse_quote! {
            #[pool(prealloc = 1_024, max = 4096usize)]
            struct Message<'a> { text: &'a str }
        });
        let expected = quote! {
            const _: () = {
                #[automatically_derived]
                unsafe impl<'a> ::zokio_pool::Pool for Message<'a> {
                    type Item = Self;

                    #[doc(hidden)]
                    const __CONFIG: ::zokio_pool::__private::Config =
                        ::zokio_pool::__private::Config::of::<Message<'static> >(
                            ::zokio_pool::__private::Options::DEFAULT.prealloc(1024usize).max(4096usize)
                        );

                    #[inline(always)]
                    #[doc(hidden)]
                    fn __cache() -> &'static ::zokio_pool::__private::LocalKey<::zokio_pool::__private::LocalCache> {
                        ::zokio_pool::__private::thread_local! {
                            static CACHE: ::zokio_pool::__private::LocalCache =
                                const { ::zokio_pool::__private::LocalCache::new() };
                        }
                        &CACHE
                    }

                    #[inline(always)]
                    #[doc(hidden)]
                    fn __depot() -> &'static ::zokio_pool::__private::Depot {
                        static DEPOT: ::zokio_pool::__private::Depot =
                            ::zokio_pool::__private::Depot::new(<Message<'static> as ::zokio_pool::Pool>::__CONFIG);
                        &DEPOT
                    }
                }
            };
        };
        assert_eq!(actual, expected.to_string());
    }

    #[test]
    fn options_are_passed_in_a_fixed_order_whatever_the_order_written() {
        let actual = expand(syn::parse_quote! {
            #[pool(cache = 4)]
            #[pool(chunk = 3, max = 2, prealloc = 1)]
            struct Unit;
        });
        assert!(actual.contains(
            "DEFAULT . prealloc (1usize) . max (2usize) . chunk (3usize) . cache (4usize))"
        ));
    }

    #[test]
    fn crate_option_replaces_every_path_to_the_runtime() {
        let actual = expand(syn::parse_quote! {
            #[pool(crate = "renamed::inner")]
            enum Event { A, B(u8) }
        });
        assert!(!actual.contains("zokio_pool"));
        assert!(actual.contains("unsafe impl renamed :: inner :: Pool for Event"));
    }

    #[test]
    fn errors_expand_to_compile_errors_and_a_stub() {
        let actual = expand(syn::parse_quote! {
            #[pool(prealoc = 1, max = 0)]
            struct Message;
        });
        assert_eq!(actual.matches("compile_error").count(), 2);
        assert!(actual.contains("unsafe impl :: zokio_pool :: Pool for Message"));
        assert!(actual.contains("unreachable"));
    }

    #[test]
    fn the_stub_of_a_generic_type_keeps_its_generics() {
        let actual = expand(syn::parse_quote! {
            struct Buffer<'a, T: Clone> where T: Copy { data: &'a [T] }
        });
        let stub = quote! {
            const _: () = {
                #[automatically_derived]
                unsafe impl<'a, T: Clone> ::zokio_pool::Pool for Buffer<'a, T> where T: Copy {
                    type Item = Self;

                    #[doc(hidden)]
                    const __CONFIG: ::zokio_pool::__private::Config =
                        ::zokio_pool::__private::Config::of::<Self>(::zokio_pool::__private::Options::DEFAULT);

                    #[doc(hidden)]
                    fn __cache() -> &'static ::zokio_pool::__private::LocalKey<::zokio_pool::__private::LocalCache> {
                        ::core::unreachable!()
                    }

                    #[doc(hidden)]
                    fn __depot() -> &'static ::zokio_pool::__private::Depot {
                        ::core::unreachable!()
                    }
                }
            };
        };
        assert!(actual.starts_with(":: core :: compile_error !"));
        assert!(actual.ends_with(&stub.to_string()));
    }

    #[test]
    fn a_maybe_unsized_last_field_gets_no_stub() {
        let actual = expand(syn::parse_quote! {
            struct Wrapper<T: ?Sized> { len: usize, value: T }
        });
        assert!(actual.contains("compile_error"));
        assert!(!actual.contains("impl"));
    }

    #[test]
    fn unsized_types_get_no_stub() {
        let actual = expand(syn::parse_quote! {
            struct Bytes { len: usize, data: [u8] }
        });
        assert!(actual.contains("compile_error"));
        assert!(!actual.contains("impl"));
    }

    #[test]
    fn invalid_crate_paths_get_no_stub() {
        let actual = expand(syn::parse_quote! {
            #[pool(crate = "not a path")]
            struct Message;
        });
        assert!(actual.contains("compile_error"));
        assert!(!actual.contains("impl"));
    }
}
