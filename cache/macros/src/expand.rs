//! Code generation: the rewritten function and its cache accessor.

use crate::options::{Accessor, Options, Ttl};
use crate::signature::{Analysis, Shape, analyze};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

/// How a call's result goes through the cache.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Cache every result (`T`, or `Option<T>` with `cache_none`).
    Value,
    /// Cache `Ok`; share `Err` with concurrent waiters.
    Result,
    /// Cache `Some`; share `None` with concurrent waiters.
    SomeOnly,
}

/// Everything the generated pieces need to agree on.
struct Plan<'a> {
    options: &'a Options,
    analysis: &'a Analysis,
    mode: Mode,
    /// The cached value type.
    value_type: TokenStream,
    /// Unique per function (module, name, source location): registry slot and key discriminator.
    id: TokenStream,
    /// Human-readable name in the registry.
    display_name: TokenStream,
    is_async: bool,
}

pub fn expand(options: Options, mut function: ItemFn) -> syn::Result<TokenStream> {
    let analysis = analyze(&mut function)?;
    check_options_against_signature(&options, &analysis)?;

    let mode = match (analysis.shape, options.cache_none.is_some()) {
        (Shape::Result, _) => Mode::Result,
        (Shape::Option, false) => Mode::SomeOnly,
        (Shape::Option, true) | (Shape::Value, _) => Mode::Value,
    };
    let value_type = match (analysis.shape, mode) {
        (Shape::Option, Mode::Value) => analysis.return_type.clone(),
        _ => analysis.inner_type.clone(),
    };
    let name = function.sig.ident.to_string();
    let id = quote! {
        ::core::concat!(
            ::core::module_path!(), "::", #name,
            " @ ", ::core::file!(), ":", ::core::line!(), ":", ::core::column!()
        )
    };
    let display_name = if analysis.has_receiver {
        quote!(::std::format!("{}::{}", ::core::any::type_name::<Self>(), #name))
    } else {
        quote!(::std::string::String::from(
            ::core::concat!(::core::module_path!(), "::", #name)
        ))
    };
    let plan = Plan {
        options: &options,
        analysis: &analysis,
        mode,
        value_type,
        id,
        display_name,
        is_async: function.sig.asyncness.is_some(),
    };

    let accessor = plan.accessor(&function);
    let body = plan.body(&function);
    let ItemFn {
        attrs, vis, sig, ..
    } = function;
    Ok(quote! {
        #accessor
        #(#attrs)*
        #vis #sig {
            #body
        }
    })
}

fn check_options_against_signature(options: &Options, analysis: &Analysis) -> syn::Result<()> {
    for skipped in &options.skip {
        let known = analysis
            .arguments
            .iter()
            .any(|argument| argument.user_name.as_ref() == Some(skipped));
        if !known {
            return Err(syn::Error::new(
                skipped.span(),
                format!("`skip({skipped})`: the function has no argument named `{skipped}`"),
            ));
        }
    }
    if let Some(span) = options.key_self
        && !analysis.has_receiver
    {
        return Err(syn::Error::new(
            span,
            "`key_self` applies to methods: this function has no `self`",
        ));
    }
    if let Some(span) = options.cache_none
        && analysis.shape != Shape::Option
    {
        return Err(syn::Error::new(
            span,
            "`cache_none` applies to functions returning `Option<T>`",
        ));
    }
    Ok(())
}

impl Plan<'_> {
    fn value_type(&self) -> &TokenStream {
        &self.value_type
    }

    /// `&'static Cache<u128, V>` of the function's own cache, created on first use.
    fn own_cache(&self) -> TokenStream {
        let value = self.value_type();
        let id = &self.id;
        let display_name = &self.display_name;
        let build = self.build_own_cache();
        quote! {{
            static __GENCACHE_OWN: ::gencache::__private::OnceLock<
                &'static ::gencache::__private::Cache<u128, #value>,
            > = ::gencache::__private::OnceLock::new();
            *__GENCACHE_OWN.get_or_init(|| {
                ::gencache::__private::own_cache::<#value>(#id, || #display_name, || #build)
            })
        }}
    }

    fn build_own_cache(&self) -> TokenStream {
        let value = self.value_type();
        let options = self.options;
        let mut steps = Vec::new();
        if let Some((max_entries, span)) = &options.max_entries {
            steps.push(quote_spanned!(*span=> let __gencache_builder = __gencache_builder.max_entries(#max_entries);));
        }
        if let Some((max_bytes, span)) = &options.max_bytes {
            steps.push(quote_spanned!(*span=> let __gencache_builder = __gencache_builder.max_bytes(#max_bytes);));
        }
        if let Some((variant, span)) = &options.policy {
            steps.push(quote_spanned!(*span=> let __gencache_builder = __gencache_builder.policy(::gencache::Policy::#variant);));
        }
        if let Some((ttl, _)) = &options.ttl {
            let ttl = ttl_tokens(ttl);
            steps.push(quote!(let __gencache_builder = __gencache_builder.default_ttl(#ttl);));
        }
        if let Some((clock, span)) = &options.clock {
            steps.push(
                quote_spanned!(*span=> let __gencache_builder = __gencache_builder.clock(#clock);),
            );
        }
        let weigher = match (&options.weigher, self.analysis.shape, self.mode) {
            (Some((weigher, span)), _, _) => {
                quote_spanned!(*span=> ::gencache::__private::value_weigher::<#value, _>(#weigher))
            }
            (None, Shape::Option, Mode::Value) => {
                let inner = &self.analysis.inner_type;
                quote_spanned!(self.analysis.return_span=> ::gencache::__private::option_weigher::<#inner>())
            }
            (None, _, _) => {
                quote_spanned!(self.analysis.return_span=> ::gencache::__private::default_weigher::<#value>())
            }
        };
        // Spanned at the return type, so that a value type without `Weigh` is reported once, there.
        let finish = quote_spanned!(self.analysis.return_span=> __gencache_builder.weigher(#weigher).build());
        quote! {{
            let __gencache_builder = ::gencache::__private::builder::<#value>();
            #(#steps)*
            #finish
        }}
    }

    /// The generated `<name>_cache()` accessor, unless the function uses a shared cache.
    fn accessor(&self, function: &ItemFn) -> TokenStream {
        if self.options.cache.is_some() {
            return TokenStream::new();
        }
        let name = match &self.options.accessor.0 {
            Accessor::None => return TokenStream::new(),
            Accessor::Named(name) => name.clone(),
            Accessor::Default => format_ident!("{}_cache", function.sig.ident),
        };
        let vis = &function.vis;
        let value = self.value_type();
        let cfgs = function
            .attrs
            .iter()
            .filter(|attribute| attribute.path().is_ident("cfg"));
        let doc = format!(
            "The cache of the memoized `{}`: statistics (`stats()`), listing (`entries()`), runtime \
             bounds (`reconfigure()`), `clear()`. Its keys are 128-bit fingerprints of the arguments.",
            function.sig.ident
        );
        let own_cache = self.own_cache();
        quote! {
            #(#cfgs)*
            #[doc = #doc]
            #[allow(dead_code)]
            #vis fn #name() -> &'static ::gencache::Cache<u128, #value> {
                #own_cache
            }
        }
    }

    /// The body of the rewritten function.
    fn body(&self, function: &ItemFn) -> TokenStream {
        let key = self.key();
        let compute = self.compute(function);
        let call_compute = if self.is_async {
            quote!(__gencache_compute.await)
        } else {
            quote!(__gencache_compute())
        };
        let (key_binding, bypass) = match &self.options.enabled {
            None => (quote!(let __gencache_key: u128 = #key;), TokenStream::new()),
            Some(enabled) => {
                let enabled = quote_spanned!(enabled.span()=> { let __gencache_enabled: bool = #enabled; __gencache_enabled });
                (
                    quote! {
                        let __gencache_key: ::core::option::Option<u128> =
                            if #enabled { ::core::option::Option::Some(#key) } else { ::core::option::Option::None };
                    },
                    quote! {
                        // `enabled = false`: bypass the cache entirely (no lookup, no statistics).
                        let ::core::option::Option::Some(__gencache_key) = __gencache_key else {
                            return #call_compute;
                        };
                    },
                )
            }
        };
        let cache = self.cache_binding();
        let load = self.load();
        quote! {
            #key_binding
            #compute
            #bypass
            #cache
            #load
        }
    }

    /// The 128-bit fingerprint of this call's key material.
    fn key(&self) -> TokenStream {
        let id = &self.id;
        let mut parts = Vec::new();
        if self.analysis.has_receiver {
            // Instances of a generic impl share one static: keep their key spaces apart.
            parts.push(quote! {
                ::core::hash::Hasher::write(&mut __gencache_hasher, ::core::any::type_name::<Self>().as_bytes());
                ::core::hash::Hasher::write_u8(&mut __gencache_hasher, 0xFF);
            });
        }
        if let Some((key, _)) = &self.options.key {
            parts.push(quote_spanned!(key.span()=> ::core::hash::Hash::hash(&(#key), &mut __gencache_hasher);));
        } else {
            if let Some(span) = self.options.key_self {
                parts.push(
                    quote_spanned!(span=> ::core::hash::Hash::hash(&self, &mut __gencache_hasher);),
                );
            }
            for argument in &self.analysis.arguments {
                let skipped = argument
                    .user_name
                    .as_ref()
                    .is_some_and(|name| self.options.skip.contains(name));
                if skipped {
                    continue;
                }
                let name = &argument.name;
                parts.push(quote_spanned!(argument.ty.span()=> ::core::hash::Hash::hash(&#name, &mut __gencache_hasher);));
            }
        }
        quote! {{
            let mut __gencache_hasher = ::gencache::__private::Fingerprinter::new(#id);
            #(#parts)*
            __gencache_hasher.finish128()
        }}
    }

    /// The original body as a closure (sync) or future (async) that owns the arguments.
    fn compute(&self, function: &ItemFn) -> TokenStream {
        let return_type = &self.analysis.return_type;
        let rebinds = self.analysis.arguments.iter().filter_map(|argument| {
            let pattern = argument.rebind.as_ref()?;
            let name = &argument.name;
            Some(quote!(let #pattern = #name;))
        });
        let block = &function.block;
        if self.is_async {
            quote! {
                let __gencache_compute = ::gencache::__private::future_of::<#return_type, _>(async move {
                    #(#rebinds)*
                    #block
                });
            }
        } else {
            quote! {
                let __gencache_compute = move || -> #return_type {
                    #(#rebinds)*
                    #block
                };
            }
        }
    }

    /// `let __gencache_cache = ...;` and, for a shared cache, its registration.
    fn cache_binding(&self) -> TokenStream {
        let value = self.value_type();
        match &self.options.cache {
            None => {
                let own = self.own_cache();
                quote!(let __gencache_cache: &'static ::gencache::__private::Cache<u128, #value> = #own;)
            }
            Some(shared) => {
                let id = &self.id;
                let display_name = &self.display_name;
                let binding = quote_spanned! {shared.span()=>
                    let __gencache_cache: &::gencache::__private::Cache<u128, #value> = &(#shared);
                };
                quote! {
                    #binding
                    static __GENCACHE_LISTED: ::gencache::__private::Once = ::gencache::__private::Once::new();
                    __GENCACHE_LISTED.call_once(|| {
                        ::gencache::__private::register_shared::<#value>(#id, #display_name, __gencache_cache)
                    });
                }
            }
        }
    }

    /// `LoadOptions` of this call: a shared cache gets the attribute's TTL per load.
    fn load_options(&self) -> TokenStream {
        let default =
            quote!(<::gencache::__private::LoadOptions as ::core::default::Default>::default());
        match (&self.options.cache, &self.options.ttl) {
            (Some(_), Some((ttl, _))) => {
                let ttl = ttl_tokens(ttl);
                quote!(#default.ttl(#ttl))
            }
            _ => default,
        }
    }

    /// The single-flight load, shaped by the return type.
    fn load(&self) -> TokenStream {
        let value = self.value_type();
        let options = self.load_options();
        let load = |init: TokenStream| {
            if self.is_async {
                quote!(__gencache_cache.load_async(__gencache_key, #options, #init).await)
            } else {
                quote!(__gencache_cache.load(__gencache_key, #options, #init))
            }
        };
        let span = self.analysis.return_span;
        match (self.mode, self.is_async) {
            (Mode::Value, false) => {
                let loaded = load(quote! {
                    move || ::core::result::Result::Ok::<#value, ::gencache::__private::Infallible>(__gencache_compute())
                });
                quote!(::gencache::__private::infallible(#loaded).value)
            }
            (Mode::Value, true) => {
                let loaded = load(quote! {
                    async move { ::core::result::Result::Ok::<#value, ::gencache::__private::Infallible>(__gencache_compute.await) }
                });
                quote!(::gencache::__private::infallible(#loaded).value)
            }
            (Mode::Result, false) => quote_spanned! {span=>
                ::gencache::__private::load_result(__gencache_cache, __gencache_key, #options, __gencache_compute)
            },
            (Mode::Result, true) => quote_spanned! {span=>
                ::gencache::__private::load_result_async(__gencache_cache, __gencache_key, #options, __gencache_compute).await
            },
            (Mode::SomeOnly, false) => {
                let loaded = load(quote! {
                    move || ::gencache::__private::none_not_cached(__gencache_compute())
                });
                quote!(#loaded.ok().map(|__gencache_loaded| __gencache_loaded.value))
            }
            (Mode::SomeOnly, true) => {
                let loaded = load(quote! {
                    async move { ::gencache::__private::none_not_cached(__gencache_compute.await) }
                });
                quote!(#loaded.ok().map(|__gencache_loaded| __gencache_loaded.value))
            }
        }
    }
}

fn ttl_tokens(ttl: &Ttl) -> TokenStream {
    match ttl {
        Ttl::Never => quote!(::core::option::Option::None),
        Ttl::For { secs, nanos } => quote! {
            ::core::option::Option::Some(::gencache::__private::Duration::new(#secs, #nanos))
        },
    }
}
