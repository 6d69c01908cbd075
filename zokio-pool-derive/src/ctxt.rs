//! Collects every error of one derive so the user sees all of them at once (serde's `Ctxt`).

use std::fmt::Display;

use quote::ToTokens;

/// The errors found so far, combined into one [`syn::Error`] in the order they were found.
#[derive(Default)]
pub struct Errors {
    error: Option<syn::Error>,
}

impl Errors {
    /// Records `error` after the ones already found.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.error {
            Some(first) => first.combine(error),
            None => self.error = Some(error),
        }
    }

    /// Records an error spanned on `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// `Ok` when nothing was recorded, else every recorded error.
    pub fn finish(self) -> syn::Result<()> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
