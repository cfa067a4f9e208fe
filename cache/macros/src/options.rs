//! The options of `#[memoize(...)]`, parsed and checked against each other.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Expr, Ident, LitBool, LitStr, Token};

/// What the attribute's `ttl = "..."` said.
pub enum Ttl {
    /// Entries live this long (nanoseconds, as `Duration::from_nanos` wants them).
    For { secs: u64, nanos: u32 },
    /// `ttl = "never"`: entries never expire.
    Never,
}

/// Whether, and under which name, the cache accessor is generated.
pub enum Accessor {
    /// `<fn>_cache()` (the default).
    Default,
    /// `accessor = name`.
    Named(Ident),
    /// `accessor = false`.
    None,
}

/// Every option of `#[memoize(...)]`.
pub struct Options {
    pub ttl: Option<(Ttl, Span)>,
    pub cache: Option<Expr>,
    pub max_entries: Option<(Expr, Span)>,
    pub max_bytes: Option<(Expr, Span)>,
    /// `policy = "s3fifo"`: the variant name of `gencache::Policy`.
    pub policy: Option<(Ident, Span)>,
    pub key: Option<(Expr, Span)>,
    pub skip: Vec<Ident>,
    pub skip_span: Option<Span>,
    pub key_self: Option<Span>,
    pub enabled: Option<Expr>,
    pub cache_none: Option<Span>,
    pub weigher: Option<(Expr, Span)>,
    pub clock: Option<(Expr, Span)>,
    pub accessor: (Accessor, Option<Span>),
}

const KNOWN: &str = "ttl = \"1h\", cache = PATH, max_entries = N, max_bytes = N, \
                     policy = \"lru\" | \"s3fifo\" | \"sieve\" | \"cost-aware\", key = EXPR, \
                     skip(ARG, ..), key_self, enabled = EXPR, cache_none, weigher = EXPR, \
                     clock = EXPR, accessor = NAME | false";

impl Options {
    fn empty() -> Self {
        Self {
            ttl: None,
            cache: None,
            max_entries: None,
            max_bytes: None,
            policy: None,
            key: None,
            skip: Vec::new(),
            skip_span: None,
            key_self: None,
            enabled: None,
            cache_none: None,
            weigher: None,
            clock: None,
            accessor: (Accessor::Default, None),
        }
    }

    /// Parses the attribute's arguments.
    pub fn parse(args: proc_macro2::TokenStream) -> syn::Result<Self> {
        let mut options = Self::empty();
        let parser = syn::meta::parser(|meta| options.parse_one(meta));
        syn::parse::Parser::parse2(parser, args)?;
        options.check_combinations()?;
        Ok(options)
    }

    fn parse_one(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let span = meta
            .path
            .get_ident()
            .map_or_else(Span::call_site, Ident::span);
        let Some(name) = meta.path.get_ident().map(Ident::to_string) else {
            return Err(meta.error(format!(
                "unknown `#[memoize]` option; expected one of: {KNOWN}"
            )));
        };
        let duplicate = || meta.error(format!("`{name}` is given twice"));
        match name.as_str() {
            "ttl" => {
                let literal: LitStr = meta.value()?.parse()?;
                if self.ttl.is_some() {
                    return Err(duplicate());
                }
                self.ttl = Some((parse_ttl(&literal)?, literal.span()));
            }
            "cache" => set(&mut self.cache, meta.value()?.parse()?, duplicate)?,
            "max_entries" => set(
                &mut self.max_entries,
                (meta.value()?.parse()?, span),
                duplicate,
            )?,
            "max_bytes" => set(
                &mut self.max_bytes,
                (meta.value()?.parse()?, span),
                duplicate,
            )?,
            "policy" => {
                let literal: LitStr = meta.value()?.parse()?;
                let variant = parse_policy(&literal)?;
                set(&mut self.policy, (variant, literal.span()), duplicate)?;
            }
            "key" => set(&mut self.key, (meta.value()?.parse()?, span), duplicate)?,
            "enabled" => set(&mut self.enabled, meta.value()?.parse()?, duplicate)?,
            "weigher" => set(&mut self.weigher, (meta.value()?.parse()?, span), duplicate)?,
            "clock" => set(&mut self.clock, (meta.value()?.parse()?, span), duplicate)?,
            "key_self" => flag(&meta, &mut self.key_self, span, duplicate)?,
            "cache_none" => flag(&meta, &mut self.cache_none, span, duplicate)?,
            "skip" => {
                if self.skip_span.is_some() {
                    return Err(duplicate());
                }
                self.skip_span = Some(span);
                let content;
                syn::parenthesized!(content in meta.input);
                let names =
                    content.parse_terminated(<Ident as syn::parse::Parse>::parse, Token![,])?;
                self.skip.extend(names);
            }
            "accessor" => {
                if self.accessor.1.is_some() {
                    return Err(duplicate());
                }
                let value = meta.value()?;
                let accessor = if value.peek(LitBool) {
                    let disabled: LitBool = value.parse()?;
                    if disabled.value {
                        return Err(syn::Error::new(
                            disabled.span(),
                            "`accessor = true` is the default; write `accessor = NAME` to rename it \
                             or `accessor = false` to leave it out",
                        ));
                    }
                    Accessor::None
                } else {
                    Accessor::Named(value.parse()?)
                };
                self.accessor = (accessor, Some(span));
            }
            _ => {
                return Err(meta.error(format!(
                    "unknown `#[memoize]` option `{name}`; expected one of: {KNOWN}"
                )));
            }
        }
        Ok(())
    }

    /// Options that only make sense together, or not at all together.
    fn check_combinations(&self) -> syn::Result<()> {
        if self.cache.is_some() {
            let own_only = [
                ("max_entries", self.max_entries.as_ref().map(|(_, s)| *s)),
                ("max_bytes", self.max_bytes.as_ref().map(|(_, s)| *s)),
                ("policy", self.policy.as_ref().map(|(_, s)| *s)),
                ("weigher", self.weigher.as_ref().map(|(_, s)| *s)),
                ("clock", self.clock.as_ref().map(|(_, s)| *s)),
                ("accessor", self.accessor.1),
            ];
            for (name, span) in own_only {
                if let Some(span) = span {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "`{name}` configures the function's own cache, but `cache = ...` gives \
                             a shared one: configure that cache where it is built"
                        ),
                    ));
                }
            }
        }
        if self.key.is_some() {
            if let Some(skip) = self.skip_span {
                return Err(syn::Error::new(
                    skip,
                    "`skip(..)` has no effect with `key = ...`: the key expression alone is hashed",
                ));
            }
            if let Some(key_self) = self.key_self {
                return Err(syn::Error::new(
                    key_self,
                    "`key_self` has no effect with `key = ...`: put `self` in the key expression",
                ));
            }
        }
        Ok(())
    }
}

fn set<T>(
    slot: &mut Option<T>,
    value: T,
    duplicate: impl FnOnce() -> syn::Error,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate());
    }
    *slot = Some(value);
    Ok(())
}

fn flag(
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<Span>,
    span: Span,
    duplicate: impl FnOnce() -> syn::Error,
) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error("this option is a flag: write it alone, without a value"));
    }
    set(slot, span, duplicate)
}

/// Parses a humantime literal at compile time, so a bad one fails the build at the literal.
/// `"s3fifo"` → `S3Fifo` (the names `gencache::Policy`'s `FromStr` accepts).
fn parse_policy(literal: &LitStr) -> syn::Result<Ident> {
    let variant = match literal.value().trim().to_ascii_lowercase().as_str() {
        "lru" => "Lru",
        "s3fifo" | "s3-fifo" => "S3Fifo",
        "sieve" => "Sieve",
        "cost-aware" | "costaware" | "gdsf" => "CostAware",
        other => {
            return Err(syn::Error::new(
                literal.span(),
                format!(
                    "unknown policy {other:?}; expected \"lru\", \"s3fifo\", \"sieve\" or \
                     \"cost-aware\""
                ),
            ));
        }
    };
    Ok(Ident::new(variant, literal.span()))
}

fn parse_ttl(literal: &LitStr) -> syn::Result<Ttl> {
    let text = literal.value();
    if matches!(text.trim(), "never" | "none") {
        return Ok(Ttl::Never);
    }
    match humantime::parse_duration(&text) {
        Ok(duration) if duration.is_zero() => Err(syn::Error::new(
            literal.span(),
            "a zero ttl would cache nothing; use `enabled = false` to bypass the cache",
        )),
        Ok(duration) => Ok(Ttl::For {
            secs: duration.as_secs(),
            nanos: duration.subsec_nanos(),
        }),
        Err(error) => Err(syn::Error::new(
            literal.span(),
            format!(
                "invalid ttl {text:?}: {error}; expected a humantime duration such as \"90s\", \
                 \"30m\", \"1h 30m\" or \"7days\", or \"never\""
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Options> {
        Options::parse(tokens)
    }

    fn error(tokens: proc_macro2::TokenStream) -> String {
        match parse(tokens) {
            Ok(_) => panic!("expected an error"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn ttl_literals_are_parsed_at_compile_time() {
        let options = parse(quote!(ttl = "1h 30m")).unwrap();
        assert!(matches!(
            options.ttl,
            Some((
                Ttl::For {
                    secs: 5400,
                    nanos: 0
                },
                _
            ))
        ));
        let options = parse(quote!(ttl = "250ms")).unwrap();
        assert!(matches!(
            options.ttl,
            Some((
                Ttl::For {
                    secs: 0,
                    nanos: 250_000_000
                },
                _
            ))
        ));
        assert!(matches!(
            parse(quote!(ttl = "never")).unwrap().ttl,
            Some((Ttl::Never, _))
        ));
    }

    #[test]
    fn bad_and_zero_ttls_are_refused() {
        assert!(error(quote!(ttl = "soon")).contains("invalid ttl \"soon\""));
        assert!(error(quote!(policy = "arc")).contains("unknown policy \"arc\""));
        let s3 = parse(quote!(policy = "S3FIFO")).unwrap().policy.unwrap().0;
        assert_eq!(s3.to_string(), "S3Fifo");
        assert!(error(quote!(ttl = "0s")).contains("zero ttl"));
        assert!(error(quote!(ttl = 3600)).contains("expected string literal"));
    }

    #[test]
    fn every_option_parses_together() {
        let options = parse(quote!(
            ttl = "1h",
            max_entries = 100,
            max_bytes = 1 << 20,
            skip(debug, log),
            key_self,
            enabled = flag(),
            cache_none,
            weigher = |v: &Vec<u8>| v.len(),
            clock = CLOCK.clone(),
            accessor = stats_of_f
        ))
        .unwrap();
        assert_eq!(options.skip.len(), 2);
        assert!(options.key_self.is_some() && options.cache_none.is_some());
        assert!(options.max_entries.is_some() && options.max_bytes.is_some());
        assert!(options.weigher.is_some() && options.clock.is_some() && options.enabled.is_some());
        assert!(matches!(options.accessor.0, Accessor::Named(ref name) if name == "stats_of_f"));
        let options = parse(quote!(accessor = false)).unwrap();
        assert!(matches!(options.accessor.0, Accessor::None));
    }

    #[test]
    fn unknown_duplicate_and_malformed_options_are_refused() {
        assert!(error(quote!(tll = "1h")).contains("unknown `#[memoize]` option `tll`"));
        assert!(error(quote!(ttl = "1h", ttl = "2h")).contains("`ttl` is given twice"));
        assert!(error(quote!(cache_none = true)).contains("is a flag"));
        assert!(error(quote!(accessor = true)).contains("is the default"));
    }

    #[test]
    fn conflicting_options_are_refused() {
        assert!(
            error(quote!(cache = SHARED, max_entries = 10))
                .contains("`max_entries` configures the function's own cache")
        );
        assert!(error(quote!(cache = SHARED, weigher = w)).contains("`weigher`"));
        assert!(error(quote!(key = x, skip(y))).contains("`skip(..)` has no effect"));
        assert!(error(quote!(key = x, key_self)).contains("`key_self` has no effect"));
    }
}
