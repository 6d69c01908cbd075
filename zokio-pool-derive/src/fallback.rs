//! What to emit for an invalid input: the errors, and a stub impl so that uses of the type
//! elsewhere (`PoolBox<Message>`, `PoolBox::<Message>::take()`, `Frames::new(..)`) do not fail
//! too. The stub comes from the runtime's `__pool_impl!`, like the real impl.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

use crate::ast::{unsized_kind, Input, PoolMacroInput, Shape};
use crate::attr::Krate;
use crate::named::{marker, methods};
use crate::symbol;
use crate::tokens::krate_path;

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
    let recycle = input.attrs.recycle_mode().is_some();
    let stub = stub(
        &krate,
        quote!(#impl_generics),
        quote!(#ident #ty_generics),
        quote!(#where_clause),
        quote!(Self),
        recycle,
    );
    // The `Recycle` impl that `recycle` would have made of a struct's fields.
    let recycle_impl = match (
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
            #stub

            #recycle_impl
        };
    }
}

/// For `pool!`: the errors, the marker and, when the item type and the runtime can be named,
/// a stub pool and the marker's functions.
pub fn expand_named(named: &PoolMacroInput, error: syn::Error) -> TokenStream {
    let errors = error.into_compile_error();
    let marker = marker(named);
    if matches!(named.options.krate, Krate::Invalid) || unsized_kind(&named.ty).is_some() {
        return quote!(#errors #marker);
    }
    let krate = krate_path(&named.options.krate);
    let PoolMacroInput { ident, ty, .. } = named;
    let stub = stub(
        &krate,
        TokenStream::new(),
        ident.to_token_stream(),
        TokenStream::new(),
        ty.to_token_stream(),
        named.options.recycle_mode().is_some(),
    );
    let methods = methods(named);
    quote! {
        #errors
        #marker
        const _: () = {
            #stub
        };
        #methods
    }
}

/// The runtime's stub `impl Pool` (and `RecyclePool`), which is never used: the build fails
/// with the errors.
fn stub(
    krate: &TokenStream,
    impl_generics: TokenStream,
    self_ty: TokenStream,
    where_clause: TokenStream,
    item: TokenStream,
    recycle: bool,
) -> TokenStream {
    let recycle = recycle.then(|| quote!(recycle));
    quote! {
        #krate::__private::pool_impl! {
            stub #recycle impl [#impl_generics] for [#self_ty] where [#where_clause];
            item [#item];
        }
    }
}
