//! What to emit for an invalid input: the errors, and a stub impl so that uses of the type
//! elsewhere (`PoolBox<Message>`) do not fail too.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Input;
use crate::attr::Krate;

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
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            unsafe impl #impl_generics #krate::Pool for #ident #ty_generics #where_clause {
                type Item = Self;

                #[doc(hidden)]
                const __CONFIG: #krate::__private::Config =
                    #krate::__private::Config::of::<Self>(#krate::__private::Options::DEFAULT);

                #[doc(hidden)]
                fn __cache() -> &'static #krate::__private::LocalKey<#krate::__private::LocalCache> {
                    ::core::unreachable!()
                }

                #[doc(hidden)]
                fn __depot() -> &'static #krate::__private::Depot {
                    ::core::unreachable!()
                }
            }
        };
    }
}
