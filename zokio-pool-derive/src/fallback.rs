//! What to emit for an invalid input: the errors, and a stub impl so that uses of the type
//! elsewhere (`PoolBox<Message>`, `PoolBox::<Message>::take()`, `Frames::new(..)`) do not fail
//! too.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{unsized_kind, Input, Named, Shape};
use crate::attr::Krate;
use crate::expand::{self, krate_path};
use crate::symbol;

pub fn expand(input: &Input, error: syn::Error) -> TokenStream {
    let errors = error.into_compile_error();
    // A stub needs a path to the runtime, and a type that is `Sized` (`Config::of::<Self>`).
    let stub_compiles = !matches!(input.attrs.krate, Krate::Invalid)
        && input.unsized_field().is_none()
        && !input.maybe_unsized();
    if !stub_compiles {
        return errors;
    }
    let krate = input.krate();
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let pool = stub_pool(&krate, quote!(Self));
    let recycle_pool = input.attrs.recycle_mode().map(|_| {
        quote! {
            #[automatically_derived]
            unsafe impl #impl_generics #krate::RecyclePool for #ident #ty_generics #where_clause {}
        }
    });
    // The `Recycle` impl that `recycle` would have made of a struct's fields.
    let recycle = match (
        &input.shape,
        input.attrs.flag(&symbol::RECYCLE),
        input.attrs.hook(&symbol::RESET),
    ) {
        (Shape::Struct { .. }, Some(_), None) => Some(quote! {
            #[automatically_derived]
            impl #impl_generics #krate::Recycle for #ident #ty_generics #where_clause {
                fn reset(&mut self) {
                    ::core::unreachable!()
                }
            }
        }),
        _ => None,
    };
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            unsafe impl #impl_generics #krate::Pool for #ident #ty_generics #where_clause {
                type Item = Self;

                #pool
            }

            #recycle_pool

            #recycle
        };
    }
}

/// For `pool!`: the errors, the marker and, when the item type and the runtime can be named,
/// a stub pool and the marker's functions.
pub fn expand_named(named: &Named, error: syn::Error) -> TokenStream {
    let errors = error.into_compile_error();
    let marker = expand::marker(named);
    if matches!(named.options.krate, Krate::Invalid) || unsized_kind(&named.ty).is_some() {
        return quote!(#errors #marker);
    }
    let krate = krate_path(&named.options.krate);
    let Named { ident, ty, .. } = named;
    let pool = stub_pool(&krate, quote!(#ty));
    let recycle_pool = named.options.recycle_mode().map(|_| {
        quote! {
            #[automatically_derived]
            unsafe impl #krate::RecyclePool for #ident {}
        }
    });
    let methods = expand::methods(named);
    quote! {
        #errors
        #marker
        const _: () = {
            #[automatically_derived]
            unsafe impl #krate::Pool for #ident {
                type Item = #ty;

                #pool
            }

            #recycle_pool
        };
        #methods
    }
}

/// The items of a stub `impl Pool`, which is never used: the build fails with the errors.
fn stub_pool(krate: &TokenStream, item: TokenStream) -> TokenStream {
    quote! {
        #[doc(hidden)]
        const __CONFIG: #krate::__private::Config =
            #krate::__private::Config::of::<#item>(#krate::__private::Options::DEFAULT);

        #[doc(hidden)]
        fn __cache() -> &'static #krate::__private::LocalKey<#krate::__private::LocalCache> {
            ::core::unreachable!()
        }

        #[doc(hidden)]
        fn __depot() -> &'static #krate::__private::Depot {
            ::core::unreachable!()
        }
    }
}
