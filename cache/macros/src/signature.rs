//! What `#[memoize]` needs to know about the function: its arguments, receiver and return shape,
//! and the misuses it refuses.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Type};

/// How the function's return value maps onto the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Any `T`: every result is cached.
    Value,
    /// `Result<T, E>`: `Ok` is cached, `Err` is shared with concurrent waiters and not stored.
    Result,
    /// `Option<T>`: `Some` is cached; `None` only with `cache_none`.
    Option,
}

/// One argument after the signature was (possibly) rewritten.
pub struct Argument {
    /// The name the argument has in the generated outer function.
    pub name: Ident,
    /// The user's name, when the argument was a plain identifier (what `skip(..)` refers to).
    pub user_name: Option<Ident>,
    /// The argument's type (for error spans).
    pub ty: Type,
    /// A pattern the body expects (`(a, b)`, `_`, `mut x`), rebound from `name` inside the body's
    /// closure.
    pub rebind: Option<Pat>,
}

/// The function as `#[memoize]` sees it.
pub struct Analysis {
    pub arguments: Vec<Argument>,
    pub has_receiver: bool,
    pub shape: Shape,
    /// The full return type (`()` when none is written).
    pub return_type: TokenStream,
    /// The inner type of `Result<T, _>` / `Option<T>`, or the return type itself.
    pub inner_type: TokenStream,
    pub return_span: Span,
}

/// Checks the function and rewrites non-identifier argument patterns to generated names.
pub fn analyze(function: &mut ItemFn) -> syn::Result<Analysis> {
    let signature = &function.sig;
    if let Some(constness) = &signature.constness {
        return Err(syn::Error::new(
            constness.span(),
            "`#[memoize]` cannot apply to a `const fn`: the cache lives at run time",
        ));
    }
    if let Some(param) = signature
        .generics
        .params
        .iter()
        .find(|param| !matches!(param, syn::GenericParam::Lifetime(_)))
    {
        return Err(syn::Error::new(
            param.span(),
            "`#[memoize]` does not support generic type or const parameters: a memoized \
             function's cache is one static of one value type; memoize a non-generic wrapper",
        ));
    }
    if let Some(variadic) = &signature.variadic {
        return Err(syn::Error::new(
            variadic.span(),
            "`#[memoize]` cannot apply to a variadic function",
        ));
    }

    let mut arguments = Vec::new();
    let mut has_receiver = false;
    for (index, input) in function.sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(receiver) => {
                if receiver.mutability.is_some() || is_mut_reference(&receiver.ty) {
                    return Err(mut_argument_error(receiver.span()));
                }
                has_receiver = true;
            }
            FnArg::Typed(typed) => {
                if contains_mut_reference(&typed.ty) {
                    return Err(mut_argument_error(typed.ty.span()));
                }
                if let Type::ImplTrait(impl_trait) = &*typed.ty {
                    return Err(syn::Error::new(
                        impl_trait.span(),
                        "`#[memoize]` does not support `impl Trait` arguments (they make the \
                         function generic); take a concrete type",
                    ));
                }
                match &mut *typed.pat {
                    Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                        // `mut x` becomes `x` outside and `let mut x = x;` inside the body's
                        // closure, which then owns (and may mutate) its copy.
                        let rebind = ident
                            .mutability
                            .is_some()
                            .then(|| Pat::Ident(ident.clone()));
                        ident.mutability = None;
                        arguments.push(Argument {
                            name: ident.ident.clone(),
                            user_name: Some(ident.ident.clone()),
                            ty: (*typed.ty).clone(),
                            rebind,
                        });
                    }
                    pattern => {
                        let name = format_ident!("__gencache_arg{}", index);
                        let rebind = pattern.clone();
                        *typed.pat = syn::parse_quote!(#name);
                        arguments.push(Argument {
                            name,
                            user_name: None,
                            ty: (*typed.ty).clone(),
                            rebind: Some(rebind),
                        });
                    }
                }
            }
        }
    }

    let (return_type, return_span) = match &function.sig.output {
        ReturnType::Default => (quote!(()), function.sig.ident.span()),
        ReturnType::Type(_, ty) => {
            check_return_type(ty)?;
            (ty.to_token_stream(), ty.span())
        }
    };
    let (shape, inner_type) = match &function.sig.output {
        ReturnType::Default => (Shape::Value, quote!(())),
        ReturnType::Type(_, ty) => classify(ty),
    };
    Ok(Analysis {
        arguments,
        has_receiver,
        shape,
        return_type,
        inner_type,
        return_span,
    })
}

fn mut_argument_error(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "`#[memoize]` cannot memoize a function that takes `&mut` arguments: a cached call would \
         skip the writes the body makes through them; take the value by shared reference or by \
         value, or keep this function un-memoized",
    )
}

fn is_mut_reference(ty: &Type) -> bool {
    matches!(ty, Type::Reference(reference) if reference.mutability.is_some())
}

/// Whether `&mut` appears anywhere in the type (`&mut T`, `(&mut A, B)`, `Option<&mut T>`, ...).
fn contains_mut_reference(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            self.0 |= reference.mutability.is_some();
            syn::visit::visit_type_reference(self, reference);
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

/// Return types a static cache cannot hold get a clear error here instead of a confusing one later.
fn check_return_type(ty: &Type) -> syn::Result<()> {
    struct Finder(Option<syn::Error>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
            self.0.get_or_insert_with(|| {
                syn::Error::new(
                    node.span(),
                    "`#[memoize]` needs a nameable return type to cache; `impl Trait` cannot be \
                     stored (return a concrete type or a `Box<dyn ..>`/`Arc<dyn ..>`)",
                )
            });
        }
        fn visit_type_reference(&mut self, node: &'ast syn::TypeReference) {
            let is_static = node
                .lifetime
                .as_ref()
                .is_some_and(|lifetime| lifetime.ident == "static");
            if !is_static {
                self.0.get_or_insert_with(|| {
                    syn::Error::new(
                        node.span(),
                        "`#[memoize]` returns clones of cached values, which must own their data: \
                         return an owned type (`String`, `Vec<T>`, `Arc<T>`) or a `&'static` one",
                    )
                });
            }
            syn::visit::visit_type_reference(self, node);
        }
        fn visit_ident(&mut self, ident: &'ast Ident) {
            if ident == "Self" {
                self.0.get_or_insert_with(|| {
                    syn::Error::new(
                        ident.span(),
                        "`#[memoize]` keeps the cache in a static, which cannot name `Self`: \
                         spell the type out",
                    )
                });
            }
        }
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0.map_or(Ok(()), Err)
}

/// Recognises `Result<T, ..>` and `Option<T>` by their last path segment (so `io::Result<T>` and
/// `anyhow::Result<T>` count); other aliases are cached as plain values.
fn classify(ty: &Type) -> (Shape, TokenStream) {
    let ty = strip_groups(ty);
    let Type::Path(path) = ty else {
        return (Shape::Value, ty.to_token_stream());
    };
    let Some(last) = path.path.segments.last() else {
        return (Shape::Value, ty.to_token_stream());
    };
    let shape = if last.ident == "Result" {
        Shape::Result
    } else if last.ident == "Option" {
        Shape::Option
    } else {
        return (Shape::Value, ty.to_token_stream());
    };
    let first_type_argument = match &last.arguments {
        PathArguments::AngleBracketed(arguments) => {
            arguments.args.iter().find_map(|argument| match argument {
                GenericArgument::Type(inner) => Some(inner.to_token_stream()),
                _ => None,
            })
        }
        _ => None,
    };
    let inner = first_type_argument.unwrap_or_else(|| {
        // An alias without arguments (`type Result = std::result::Result<A, B>`): ask the type.
        let span = ty.span();
        match shape {
            Shape::Result => {
                quote_spanned!(span=> <#ty as ::gencache::__private::ResultShape>::Ok)
            }
            _ => quote_spanned!(span=> <#ty as ::gencache::__private::OptionShape>::Some),
        }
    });
    (shape, inner)
}

fn strip_groups(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => strip_groups(&group.elem),
        Type::Paren(paren) => strip_groups(&paren.elem),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn error(mut function: ItemFn) -> String {
        match analyze(&mut function) {
            Ok(_) => panic!("expected an error"),
            Err(error) => error.to_string(),
        }
    }

    fn shape(function: ItemFn) -> (Shape, String) {
        let mut function = function;
        match analyze(&mut function) {
            Ok(analysis) => (analysis.shape, analysis.inner_type.to_string()),
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn return_shapes_are_recognised_by_the_last_segment() {
        assert_eq!(
            shape(parse_quote!(
                fn f() -> u32 {
                    1
                }
            )),
            (Shape::Value, "u32".into())
        );
        assert_eq!(
            shape(parse_quote!(
                fn f() -> Result<Model, GenError> {
                    todo()
                }
            )),
            (Shape::Result, "Model".into())
        );
        assert_eq!(
            shape(parse_quote!(
                fn f() -> std::io::Result<Vec<u8>> {
                    todo()
                }
            )),
            (Shape::Result, "Vec < u8 >".into())
        );
        assert_eq!(
            shape(parse_quote!(
                fn f() -> Option<String> {
                    None
                }
            )),
            (Shape::Option, "String".into())
        );
        let (alias_shape, alias_inner) = shape(parse_quote!(
            fn f() -> Result {
                todo()
            }
        ));
        assert_eq!(alias_shape, Shape::Result);
        assert!(alias_inner.contains("ResultShape"), "{alias_inner}");
        assert_eq!(
            shape(parse_quote!(
                fn f() {}
            )),
            (Shape::Value, "()".into())
        );
    }

    #[test]
    fn mut_references_are_refused_wherever_they_appear() {
        assert!(
            error(parse_quote!(
                fn f(x: &mut u32) -> u32 {
                    1
                }
            ))
            .contains("`&mut` arguments")
        );
        assert!(
            error(parse_quote!(
                fn f(x: Option<&mut u32>) -> u32 {
                    1
                }
            ))
            .contains("`&mut` arguments")
        );
        assert!(
            error(parse_quote!(
                fn f(&mut self) -> u32 {
                    1
                }
            ))
            .contains("`&mut` arguments")
        );
        assert!(
            error(parse_quote!(
                fn f(self: &mut Self) -> u32 {
                    1
                }
            ))
            .contains("`&mut` arguments")
        );
    }

    #[test]
    fn generics_const_and_borrowed_returns_are_refused() {
        assert!(
            error(parse_quote!(
                fn f<T>(x: T) -> u32 {
                    1
                }
            ))
            .contains("generic")
        );
        assert!(
            error(parse_quote!(
                fn f(x: impl Hash) -> u32 {
                    1
                }
            ))
            .contains("impl Trait")
        );
        assert!(
            error(parse_quote!(
                const fn f() -> u32 {
                    1
                }
            ))
            .contains("const fn")
        );
        assert!(
            error(parse_quote!(
                fn f(x: &str) -> &str {
                    x
                }
            ))
            .contains("own their data")
        );
        assert!(
            error(parse_quote!(
                fn f() -> impl Clone {
                    1
                }
            ))
            .contains("nameable")
        );
        assert!(
            error(parse_quote!(
                fn f(&self) -> Self {
                    1
                }
            ))
            .contains("`Self`")
        );
    }

    #[test]
    fn lifetimes_and_static_borrows_are_accepted() {
        let mut function: ItemFn = parse_quote!(
            fn f<'a>(x: &'a str) -> &'static str {
                ""
            }
        );
        assert!(analyze(&mut function).is_ok());
    }

    #[test]
    fn patterns_are_renamed_and_rebound_inside_the_body() {
        let mut function: ItemFn = parse_quote!(
            fn f((a, b): (u8, u8), mut c: u8, _: bool, d: u8) -> u8 {
                a
            }
        );
        let analysis = match analyze(&mut function) {
            Ok(analysis) => analysis,
            Err(error) => panic!("{error}"),
        };
        let names: Vec<String> = analysis
            .arguments
            .iter()
            .map(|a| a.name.to_string())
            .collect();
        assert_eq!(names, ["__gencache_arg0", "c", "__gencache_arg2", "d"]);
        let rebinds = analysis
            .arguments
            .iter()
            .filter(|a| a.rebind.is_some())
            .count();
        assert_eq!(rebinds, 3);
        // The outer signature no longer says `mut c`: only the body's copy is mutable.
        let signature = quote::ToTokens::to_token_stream(&function.sig).to_string();
        assert!(!signature.contains("mut c"), "{signature}");
        assert!(analysis.arguments[1].user_name.is_some());
        assert!(analysis.arguments[0].user_name.is_none());
    }
}
