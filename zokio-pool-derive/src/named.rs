//! `pool!`'s marker API: the marker struct and its functions (`Frames::new(..)` and the rest),
//! which name the pool for `PoolBox`'s `*_in` functions. Emitted for a valid declaration and,
//! with the errors, for an invalid one, so that uses of the marker elsewhere do not fail too.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

use crate::ast::PoolMacroInput;
use crate::tokens::{fresh_ident, krate_path, text};

/// `pool!`'s marker struct.
pub fn marker(named: &PoolMacroInput) -> TokenStream {
    let PoolMacroInput {
        attrs,
        vis,
        ident,
        ty,
        ..
    } = named;
    let documented = attrs.iter().any(|attr| attr.path().is_ident("doc"));
    let doc = (!documented).then(|| {
        let ty = text(ty);
        let doc = format!(
            " A pool of `{ty}` objects, declared with `pool!`: `{ident}::new(value)` gives a \
             `PoolBox<{ty}, {ident}>`."
        );
        quote!(#[doc = #doc])
    });
    quote! {
        #(#attrs)*
        #doc
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            ::core::default::Default,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
        )]
        #vis struct #ident;
    }
}

/// The functions of `pool!`'s marker, which name the pool for `PoolBox`'s `*_in` functions.
pub fn methods(named: &PoolMacroInput) -> TokenStream {
    let PoolMacroInput {
        vis,
        ident,
        ty,
        options,
        ..
    } = named;
    let krate = krate_path(&options.krate);
    let boxed = quote!(#krate::PoolBox<#ty, #ident>);
    // The closures' type parameter: a name that no token of the declaration uses, so that it
    // cannot hide the user's pool or item type (`pool!(F: u8)`, `pool!(P: F)`).
    // The same for the parameters, which a unit struct of the same name would turn into a
    // pattern (`pool!(f: u8)`).
    let names = [ident.to_token_stream(), ty.to_token_stream()];
    let f = fresh_ident("F", &names);
    let f_arg = fresh_ident("f", &names);
    let value = fresh_ident("value", &names);
    let doc = |text: String| quote!(#[doc = #text]);
    let pool = format!("the `{ident}` pool");
    let panics_at_max = "\n\n# Panics\nIf the pool is at its `max`";
    let new = doc(format!(
        " Moves `value` into a slot of {pool}.{panics_at_max} (see [`try_new`](Self::try_new))."
    ));
    let try_new = doc(format!(
        " Moves `value` into a slot of {pool}, or gives it back if the pool is at its `max`."
    ));
    let new_with = doc(format!(
        " Takes a slot of {pool}, then builds the value in it with `f`.{panics_at_max} (before \
         `f` is called), or if `f` panics (the slot goes back)."
    ));
    let try_new_with = doc(
        " [`new_with`](Self::new_with), giving `f` back uncalled if the pool is at its `max`."
            .to_owned(),
    );
    let new_uninit = doc(format!(
        " Takes a slot of {pool} with uninitialized contents, to be written in place \
         (`PoolBox::write`): no copy of a large object through the stack.{panics_at_max}."
    ));
    let try_new_uninit =
        doc(" [`new_uninit`](Self::new_uninit), or `None` if the pool is at its `max`.".to_owned());
    let pin = doc(format!(
        " Moves `value` into a slot of {pool} and pins it there, as `Box::pin`.{panics_at_max}."
    ));
    let stats = doc(format!(
        " Statistics of {pool}: see `PoolStats` for what each figure means."
    ));
    let trim = doc(format!(
        " Gives the surplus of {pool} back (the calling thread's cached slots included): its \
         chunks with no slot in use go to the page heap, whose free pages go back to the \
         operating system. Returns the bytes given back to the operating system. Nothing live \
         moves. `zokio_pool::trim()` does this for every pool."
    ));
    let take = options.recycle_mode().map(|_| {
        let take = doc(format!(
            " Takes an object from {pool}: one kept from a previous user, reset, or a new one \
             built by the pool's `init` function when none is kept.{panics_at_max}, or if `init` \
             panics."
        ));
        let try_take =
            doc(" [`take`](Self::take), or `None` if the pool is at its `max`.".to_owned());
        quote! {
            #take
            #[inline]
            #[track_caller]
            #vis fn take() -> #boxed {
                #krate::PoolBox::take_in(#ident)
            }

            #try_take
            #[inline]
            #vis fn try_take() -> ::core::option::Option<#boxed> {
                #krate::PoolBox::try_take_in(#ident)
            }
        }
    });
    quote! {
        impl #ident {
            #new
            #[inline]
            #[track_caller]
            #vis fn new(#value: #ty) -> #boxed {
                #krate::PoolBox::new_in(#value, #ident)
            }

            #try_new
            #[inline]
            // Giving the value back in `Err` is the point, whatever its size.
            #[allow(clippy::result_large_err)]
            #vis fn try_new(#value: #ty) -> ::core::result::Result<#boxed, #ty> {
                #krate::PoolBox::try_new_in(#value, #ident)
            }

            #new_with
            #[inline]
            #[track_caller]
            #vis fn new_with<#f: ::core::ops::FnOnce() -> #ty>(#f_arg: #f) -> #boxed {
                #krate::PoolBox::new_with_in(#f_arg, #ident)
            }

            #try_new_with
            #[inline]
            #vis fn try_new_with<#f: ::core::ops::FnOnce() -> #ty>(
                #f_arg: #f,
            ) -> ::core::result::Result<#boxed, #f> {
                #krate::PoolBox::try_new_with_in(#f_arg, #ident)
            }

            #new_uninit
            #[inline]
            #[track_caller]
            #vis fn new_uninit(
            ) -> #krate::PoolBox<::core::mem::MaybeUninit<#ty>, #krate::Uninit<#ident>> {
                #krate::PoolBox::new_uninit_in(#ident)
            }

            #try_new_uninit
            #[inline]
            #vis fn try_new_uninit() -> ::core::option::Option<
                #krate::PoolBox<::core::mem::MaybeUninit<#ty>, #krate::Uninit<#ident>>,
            > {
                #krate::PoolBox::try_new_uninit_in(#ident)
            }

            #pin
            #[inline]
            #[track_caller]
            #vis fn pin(#value: #ty) -> ::core::pin::Pin<#boxed> {
                #krate::PoolBox::pin_in(#value, #ident)
            }

            #take

            #stats
            #[inline]
            #vis fn stats() -> #krate::PoolStats {
                #krate::PoolStats::of::<#ident>()
            }

            #trim
            #[inline]
            #vis fn trim() -> ::core::primitive::usize {
                #krate::__private::trim_pool::<#ident>()
            }
        }
    }
}
