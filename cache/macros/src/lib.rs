//! Procedural macros for gencache: `#[memoize]` caches a function's results in a `gencache::Cache`.

use proc_macro::TokenStream;

/// Memoizes a sync or async function through a gencache cache (to be implemented).
#[proc_macro_attribute]
pub fn memoize(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
