//! Code generation: the `unsafe impl Pool` of a valid input, for the derive and for `pool!`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{DeriveInput, GenericParam, Lifetime};

use crate::ast::{Input, PoolMacroInput, Shape};
use crate::attr::{Attrs, Krate};
use crate::ctxt::Errors;
use crate::fallback;
use crate::named::{marker, methods};
use crate::symbol::{self, Runtime};
use crate::tokens::{krate_at, krate_path, respan, usize_literal};

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

/// `pool!(Name: Type, ...)`: parse, validate, then expand; on any error, every error and, when
/// the declaration could be read, the marker with a stub.
pub fn pool(tokens: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let named = PoolMacroInput::parse(tokens, &mut errors);
    if let Ok(named) = &named {
        named.validate(&mut errors);
    }
    match (named, errors.finish()) {
        (Ok(named), Ok(())) => impl_named(&named),
        (Ok(named), Err(error)) => fallback::expand_named(&named, error),
        (Err(syntax), Ok(())) => syntax.into_compile_error(),
        (Err(syntax), Err(mut error)) => {
            error.combine(syntax);
            error.into_compile_error()
        }
    }
}

/// What the items of an `unsafe impl Pool` are made of, for either macro.
struct ImplArgs<'a> {
    krate: &'a Krate,
    attrs: &'a Attrs,
    /// The item type as the impl names it (`Self` in the derive).
    item: TokenStream,
    /// The item type as a `static` names it: lifetimes erased to `'static`.
    static_item: TokenStream,
    /// Whether the item's tokens may be respanned onto the option that puts the pool in recycle
    /// mode, so that a missing `Default` or `Unpin` is reported there. Only for the derive, whose
    /// item (`Self`, the type's name) always resolves: a `pool!` item respanned would report an
    /// unknown type twice, so its errors point at the item type as written.
    respan_item: bool,
}

impl ImplArgs<'_> {
    /// The call of the runtime's `__pool_impl!`, which emits the `unsafe impl Pool` (and
    /// `RecyclePool`) with every safety-relevant path through its own `$crate`: the user's
    /// `crate = "..."` path only finds the macro.
    fn pool_impl(
        &self,
        impl_generics: impl ToTokens,
        self_ty: impl ToTokens,
        where_clause: impl ToTokens,
    ) -> TokenStream {
        let krate = krate_path(self.krate);
        let ImplArgs {
            item, static_item, ..
        } = self;
        // Every option that the runtime's `Options` takes, in the key table's order.
        let options = self
            .attrs
            .runtime(|runtime| match runtime {
                Runtime::Options(method) => Some(method),
                _ => None,
            })
            .map(|(method, count)| {
                let method = syn::Ident::new(method, Span::call_site());
                let n = count.map(usize_literal);
                quote!(#method(#n))
            });
        let recycler = self.recycler();
        quote! {
            #krate::__private::pool_impl! {
                impl [#impl_generics] for [#self_ty] where [#where_clause];
                item [#item];
                static_item [#static_item];
                options [#(#options)*];
                recycle [#recycler];
            }
        }
    }

    /// The `Recycler` of a pool in recycle mode:
    /// `Recycler::recycling(init)` (the item's `Recycle` impl) or `Recycler::with(init, reset)`,
    /// then the bounds.
    fn recycler(&self) -> Option<TokenStream> {
        let mode = self.attrs.recycle_mode()?;
        // A missing `Recycle` or `Default` is reported on the option that needs it.
        let span = mode.span();
        let krate = krate_at(self.krate, span);
        let item = self.at(&self.item, span);
        let init = match self.attrs.hook(&symbol::INIT) {
            Some(hook) => hook.path.to_token_stream(),
            None => quote_spanned!(span=> <#item as #krate::__private::DefaultInit>::init),
        };
        let new = match self.attrs.hook(&symbol::RESET) {
            Some(hook) => {
                let reset = &hook.path;
                quote_spanned!(span=> #krate::__private::Recycler::<#item>::with(#init, #reset))
            }
            None => {
                quote_spanned!(span=> #krate::__private::Recycler::<#item>::recycling(#init))
            }
        };
        let bounds = self.attrs.recycle_bounds().map(|(key, count)| {
            let Runtime::Recycler(method) = key.runtime else {
                unreachable!("recycle_bounds lists the Recycler's options")
            };
            let method = syn::Ident::new(method, Span::call_site());
            let n = usize_literal(count);
            quote!(.#method(#n))
        });
        Some(quote!(#new #(#bounds)*))
    }

    /// The item's `tokens`, spanned at `span` when they may be (see `respan_item`).
    fn at(&self, tokens: &TokenStream, span: Span) -> TokenStream {
        match self.respan_item {
            true => respan(tokens.clone(), span),
            false => tokens.clone(),
        }
    }
}

/// The derive's expansion.
fn impl_pool(input: &Input) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    if input.is_generic() {
        // Served by its size class; `validate` rejected every option.
        let krate = input.krate();
        let item = quote_spanned!(ident.span()=> Self);
        return quote! {
            const _: () = {
                #krate::__private::pool_impl! {
                    class impl [#impl_generics] for [#ident #ty_generics] where [#where_clause];
                    item [#item];
                }
            };
        };
    }
    let parts = ImplArgs {
        krate: &input.attrs.krate,
        attrs: &input.attrs,
        // If the type is unsized after all (say, through a type alias), the `Sized` bounds of
        // `Pool::Item` and `Config::of` fail on the user's type name rather than on the derive.
        item: quote_spanned!(ident.span()=> Self),
        static_item: input.static_ty(),
        respan_item: true,
    };
    let pool_impl = parts.pool_impl(impl_generics, quote!(#ident #ty_generics), where_clause);
    let recycle_impl = input.impl_recycle();
    let no_drop = input.no_drop_check();
    quote! {
        const _: () = {
            #pool_impl

            #recycle_impl

            #no_drop
        };
    }
}

impl Input<'_> {
    /// The runtime crate's path. Only called when `crate = "..."` is not invalid.
    pub fn krate(&self) -> TokenStream {
        krate_path(&self.attrs.krate)
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

    /// In recycle mode without `drop_on_discard`: a build error if the type implements `Drop`,
    /// whose cleanup a kept object would skip (it runs only when an object is discarded). Two
    /// impls of one trait, one for every `Drop` type and one for this type, conflict exactly
    /// when the type has a `Drop` impl (pin-project's check); the trait's name is the message,
    /// and every token points at the option that asks for recycling.
    fn no_drop_check(&self) -> Option<TokenStream> {
        let mode = self.attrs.recycle_mode()?;
        if self.attrs.flag(&symbol::DROP_ON_DISCARD).is_some() {
            return None;
        }
        let span = mode.span();
        let ident = self.ident;
        let check = syn::Ident::new(
            "RecycledTypesMustNotImplementDrop_PutCleanupInTheReset_OrAddDropOnDiscard",
            span,
        );
        Some(quote_spanned! {span=>
            #[allow(non_camel_case_types, dead_code)]
            trait #check {}
            #[allow(drop_bounds)]
            impl<T: ::core::ops::Drop + ?::core::marker::Sized> #check for T {}
            impl #check for #ident {}
        })
    }

    /// `impl Recycle`, field by field, for a struct with `recycle` and no `reset` function.
    fn impl_recycle(&self) -> Option<TokenStream> {
        let (Shape::Struct { fields }, Some(_), None) = (
            &self.shape,
            self.attrs.flag(&symbol::RECYCLE),
            self.attrs.hook(&symbol::RESET),
        ) else {
            return None;
        };
        let krate = self.krate();
        let ident = self.ident;
        let (impl_generics, ty_generics, where_clause) = self.generics.split_for_impl();
        let kept = fields.iter().filter(|field| field.skip.is_none());
        // Spanned on each field's type: a type without `Recycle` is reported there.
        let resets = kept.clone().map(|field| {
            let span = field.ty.span();
            let krate = krate_at(&self.attrs.krate, span);
            let member = respan(field.member.to_token_stream(), span);
            quote_spanned!(span=> #krate::Recycle::reset(&mut self.#member);)
        });
        let capacity = kept.fold(quote!(0), |sum, field| {
            let span = field.ty.span();
            let krate = krate_at(&self.attrs.krate, span);
            let member = respan(field.member.to_token_stream(), span);
            let capacity = quote_spanned!(span=> #krate::Recycle::kept_capacity(&self.#member));
            quote!(::core::primitive::usize::saturating_add(#sum, #capacity))
        });
        Some(quote! {
            #[automatically_derived]
            impl #impl_generics #krate::Recycle for #ident #ty_generics #where_clause {
                #[inline]
                fn reset(&mut self) {
                    #(#resets)*
                }

                #[inline]
                fn kept_capacity(&self) -> ::core::primitive::usize {
                    #capacity
                }
            }
        })
    }
}

/// `pool!`'s expansion.
fn impl_named(named: &PoolMacroInput) -> TokenStream {
    let PoolMacroInput { ident, ty, .. } = named;
    let parts = ImplArgs {
        krate: &named.options.krate,
        attrs: &named.options,
        item: ty.to_token_stream(),
        static_item: ty.to_token_stream(),
        respan_item: false,
    };
    let marker = marker(named);
    let pool_impl = parts.pool_impl(TokenStream::new(), ident, TokenStream::new());
    let methods = methods(named);
    quote! {
        #marker

        const _: () = {
            #pool_impl
        };

        #methods
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(input: DeriveInput) -> String {
        derive(&input).to_string()
    }

    #[test]
    fn expansion_calls_the_runtimes_macro_with_the_checked_input() {
        let actual = expand(syn::parse_quote! {
            #[pool(prealloc = 1_024, max = 4096usize)]
            struct Message<'a> { text: &'a str }
        });
        let expected = quote! {
            const _: () = {
                ::zokio_pool::__private::pool_impl! {
                    impl [<'a>] for [Message<'a>] where [];
                    item [Self];
                    static_item [Message<'static> ];
                    options [prealloc(1024usize) max(4096usize)];
                    recycle [];
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
        assert!(actual
            .contains("options [prealloc (1usize) max (2usize) chunk (3usize) cache (4usize)] ;"));
    }

    #[test]
    fn crate_option_only_finds_the_runtimes_macro() {
        let actual = expand(syn::parse_quote! {
            #[pool(crate = "renamed::inner")]
            enum Event { A, B(u8) }
        });
        assert!(!actual.contains("zokio_pool"));
        assert!(actual.contains("renamed :: inner :: __private :: pool_impl !"));
        assert!(
            !actual.contains("unsafe"),
            "the unsafe impl comes from the runtime's macro, through its own `$crate`"
        );
    }

    #[test]
    fn errors_expand_to_compile_errors_and_a_stub() {
        let actual = expand(syn::parse_quote! {
            #[pool(prealoc = 1, max = 0)]
            struct Message;
        });
        assert_eq!(actual.matches("compile_error").count(), 2);
        assert!(actual.contains(
            ":: zokio_pool :: __private :: pool_impl ! { stub impl [] for [Message] where [] ;"
        ));
    }

    #[test]
    fn the_stub_of_a_generic_type_keeps_its_generics() {
        let actual = expand(syn::parse_quote! {
            #[pool(max = 4)] // a generic type takes no option: an error
            struct Buffer<'a, T: Clone> where T: Copy { data: &'a [T] }
        });
        let stub = quote! {
            const _: () = {
                ::zokio_pool::__private::pool_impl! {
                    stub impl [<'a, T: Clone>] for [Buffer<'a, T>] where [where T: Copy];
                    item [Self];
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

    #[test]
    fn recycle_mode_passes_the_hooks_and_adds_a_field_wise_reset() {
        let actual = expand(syn::parse_quote! {
            #[pool(recycle, max_capacity = 64, max_idle = 2)]
            struct Buffer { data: Vec<u8>, #[pool(skip)] id: u32, name: String }
        });
        let recycler = quote! {
            recycle [
                ::zokio_pool::__private::Recycler::<Self>::recycling(
                    <Self as ::zokio_pool::__private::DefaultInit>::init
                ).max_capacity(64usize).max_idle(2usize)
            ];
        };
        assert!(actual.contains(&recycler.to_string()), "{actual}");
        assert!(
            actual.contains("options [] ;"),
            "recycle() is the macro's to add"
        );
        let reset = quote! {
            fn reset(&mut self) {
                ::zokio_pool::Recycle::reset(&mut self.data);
                ::zokio_pool::Recycle::reset(&mut self.name);
            }
        };
        assert!(actual.contains(&reset.to_string()), "{actual}");
        assert!(
            !actual.contains("self . id"),
            "a skipped field is not reset"
        );
        assert!(actual.contains(
            ":: core :: primitive :: usize :: saturating_add (:: core :: primitive :: usize :: \
             saturating_add (0 , :: zokio_pool :: Recycle :: kept_capacity (& self . data)) , \
             :: zokio_pool :: Recycle :: kept_capacity (& self . name))"
        ));
    }

    #[test]
    fn a_reset_function_replaces_the_recycle_impl() {
        let actual = expand(syn::parse_quote! {
            #[pool(recycle, reset = Self::clear, init = make)]
            enum Slot { Empty, Full(Vec<u8>) }
        });
        assert!(actual.contains(
            &quote!(::zokio_pool::__private::Recycler::<Self>::with(
                make,
                Self::clear
            ))
            .to_string()
        ));
        assert!(!actual.contains("Recycle for"));
    }

    #[test]
    fn plain_pools_have_no_recycle_items() {
        let actual = expand(syn::parse_quote! {
            struct Plain(u64);
        });
        assert!(actual.contains("recycle [] ;"));
        assert!(!actual.contains("Recycle"));
    }

    #[test]
    fn the_stub_of_a_recycling_struct_keeps_take_and_reset_callable() {
        let actual = expand(syn::parse_quote! {
            #[pool(recycle, init = 5)]
            struct Buffer(Vec<u8>);
        });
        assert!(actual.contains("compile_error"));
        assert!(actual.contains("stub recycle impl [] for [Buffer]"));
        assert!(actual.contains("impl :: zokio_pool :: Recycle for Buffer"));
    }

    /// `text` without spaces: the same tokens whatever their spacing (`> >` or `>>`).
    fn squash(text: &str) -> String {
        text.replace(' ', "")
    }

    fn expand_pool(tokens: TokenStream) -> String {
        pool(tokens).to_string()
    }

    #[test]
    fn pool_declares_a_marker_its_pool_and_its_functions() {
        let actual = expand_pool(quote! {
            /// Frames.
            pub Frames: [u8; 4096], prealloc = 256,
        });
        let marker = quote! {
            #[doc = r" Frames."]
            #[derive(
                ::core::clone::Clone,
                ::core::marker::Copy,
                ::core::fmt::Debug,
                ::core::default::Default,
                ::core::cmp::PartialEq,
                ::core::cmp::Eq,
                ::core::hash::Hash,
            )]
            pub struct Frames;
        };
        assert!(actual.starts_with(&marker.to_string()), "{actual}");
        let pool_impl = quote! {
            ::zokio_pool::__private::pool_impl! {
                impl [] for [Frames] where [];
                item [[u8; 4096]];
                static_item [[u8; 4096]];
                options [prealloc(256usize)];
                recycle [];
            }
        };
        assert!(actual.contains(&pool_impl.to_string()), "{actual}");
        let new = quote! {
            pub fn new(value: [u8; 4096]) -> ::zokio_pool::PoolBox<[u8; 4096], Frames> {
                ::zokio_pool::PoolBox::new_in(value, Frames)
            }
        };
        assert!(actual.contains(&new.to_string()));
        for function in [
            "try_new",
            "new_with",
            "try_new_with",
            "new_uninit",
            "try_new_uninit",
            "pin",
            "stats",
            "trim",
        ] {
            assert!(actual.contains(&format!("pub fn {function}")), "{function}");
        }
        assert!(!actual.contains("fn take"), "take needs recycle mode");
    }

    #[test]
    fn a_recycling_pool_uses_the_item_types_recycle_impl_and_can_take() {
        let actual = expand_pool(quote!(Buffers: Vec<u8>, recycle, max_idle = 4));
        let recycler = quote! {
            ::zokio_pool::__private::Recycler::<Vec<u8>>::recycling(
                <Vec<u8> as ::zokio_pool::__private::DefaultInit>::init
            )
            .max_idle(4usize)
        };
        assert!(squash(&actual).contains(&squash(&recycler.to_string())));
        assert!(actual.contains("fn take () -> :: zokio_pool :: PoolBox < Vec < u8 > , Buffers >"));
        assert!(actual.contains("fn try_take ()"));
        // Private marker, private functions.
        assert!(actual.contains("struct Buffers ;"));
        assert!(!actual.contains("pub"));
        assert!(
            actual.contains("A pool of `Vec<u8>` objects"),
            "an undocumented marker gets a doc"
        );
    }

    #[test]
    fn pool_errors_expand_to_compile_errors_the_marker_and_a_stub() {
        let actual = expand_pool(quote!(pub Frames: [u8; 4096], prealoc = 1, max = 0));
        assert_eq!(actual.matches("compile_error").count(), 2);
        assert!(actual.contains("pub struct Frames ;"));
        assert!(actual.contains("stub impl [] for [Frames] where [] ; item [[u8 ; 4096]] ;"));
        assert!(actual.contains("pub fn new"));
    }

    #[test]
    fn a_malformed_pool_declaration_is_only_an_error() {
        for tokens in [
            quote!(),
            quote!(Frames),
            quote!(Frames:),
            quote!(Frames: u8 max = 1),
        ] {
            let actual = expand_pool(tokens);
            assert!(actual.starts_with(":: core :: compile_error !"), "{actual}");
            assert!(!actual.contains("struct"));
        }
    }
}
