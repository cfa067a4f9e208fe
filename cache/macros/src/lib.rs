//! Procedural macros for gencache: `#[memoize]` caches a function's results in a
//! [`gencache::Cache`](https://docs.rs/gencache), with single-flight loading.
//!
//! Use it through the re-export `gencache::memoize` (default feature `macros`); see [`memoize`].
#![warn(missing_docs)]

mod expand;
mod options;
mod signature;

use proc_macro::TokenStream;

/// Caches a function's results in a `gencache::Cache`, running its body once per distinct key even
/// under concurrent calls.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static RUNS: AtomicUsize = AtomicUsize::new(0);
///
/// #[gencache::memoize(ttl = "1h", max_entries = 10_000)]
/// fn render(prompt: &str, seed: u64) -> String {
///     RUNS.fetch_add(1, Ordering::SeqCst);
///     format!("{prompt}#{seed}") // stands for a two-minute generation
/// }
///
/// assert_eq!(render("a cat", 7), "a cat#7");
/// assert_eq!(render("a cat", 7), "a cat#7"); // served from the cache
/// assert_eq!(render("a dog", 7), "a dog#7");
/// assert_eq!(RUNS.load(Ordering::SeqCst), 2);
/// // The generated accessor reaches the function's own cache and its statistics.
/// assert_eq!(render_cache().stats().hits, 1);
/// ```
///
/// # Keys
///
/// By default the key is a 128-bit fingerprint (XXH3-128) of every argument through its `Hash`
/// implementation, in order, preceded by a per-function discriminator (module path, name, source
/// location; for methods also `type_name::<Self>()`), so functions sharing a cache never collide
/// with each other. With n distinct keys the chance that any two collide is about n²/2¹²⁹:
/// ≈ 1.5·10⁻²¹ at n = 10⁹. The fingerprint relies on std `Hash`, which is stable within one build
/// of a program but not across Rust versions or targets: fine for in-memory caches, never persist
/// it. (See `gencache::Fingerprinter`.)
///
/// - `skip(arg, ..)` leaves arguments out of the key (a debug flag, a logger).
/// - `key = expr` hashes `expr` instead of the arguments (`key = (prompt, seed)`); it may use the
///   arguments and `self`.
/// - Methods: `self` is left out of the key by default (a generator handle usually does not change
///   the answer); `key_self` hashes it too (needs `Self: Hash`).
///
/// # Caches
///
/// Each memoized function has its own cache by default, created on the first call and bounded by
/// `max_entries = N`, `max_bytes = N`, `ttl = "..."` (humantime: `"90s"`, `"1h 30m"`, `"7days"`, or
/// `"never"`; the default is the cache's 24 h). A bad literal fails the build at the literal.
/// Unless `accessor = false` (needed inside trait impls) or `accessor = other_name`, a sibling
/// function `<name>_cache()` returns `&'static Cache<u128, V>`: statistics, listing, runtime
/// `reconfigure`. Every memoized cache is also listed by `gencache::memoized()`. `clock = expr`
/// gives the own cache a time source (e.g. a `ManualClock` in tests).
///
/// `cache = expr` uses a shared `Cache<u128, V>` instead: a `static` `LazyLock`, a function returning
/// `&Cache`, or a field (`cache = self.cache`). Bounds and weigher then belong to that cache, and
/// `ttl` applies per entry.
///
/// ```
/// use gencache::Cache;
/// use std::sync::{Arc, LazyLock};
///
/// static IMAGES: LazyLock<Cache<u128, Arc<str>>> =
///     LazyLock::new(|| Cache::builder().max_entries(1_000).build());
///
/// #[gencache::memoize(cache = IMAGES, key = (prompt, seed))]
/// fn render(prompt: &str, seed: u64, debug: bool) -> Arc<str> {
///     if debug {
///         eprintln!("rendering {prompt}");
///     }
///     Arc::from(format!("{prompt}/{seed}"))
/// }
///
/// #[gencache::memoize(cache = IMAGES, ttl = "10m")]
/// fn thumbnail(prompt: &str) -> Arc<str> {
///     Arc::from(format!("thumb:{prompt}"))
/// }
///
/// assert_eq!(&*render("a cat", 1, false), "a cat/1");
/// assert_eq!(&*render("a cat", 1, true), "a cat/1"); // `debug` is not part of the key
/// assert_eq!(&*thumbnail("a cat"), "thumb:a cat");
/// assert_eq!(IMAGES.len(), 2);
/// ```
///
/// # Return types
///
/// - `T`: every result is cached.
/// - `Result<T, E>` (also `io::Result<T>`, `anyhow::Result<T>`: the last path segment is what
///   counts): only `Ok` is cached. An `Err` is returned to the caller *and to every concurrent
///   caller waiting on the same key*, then forgotten, so the next call retries. That hand-out is a
///   clone: `E` must implement `Clone` (a compile error says so otherwise; wrap it in `Arc` if it
///   cannot).
/// - `Option<T>`: `Some` is cached; `None` is handed to concurrent waiters but not stored, so a
///   missing answer is recomputed on the next call. Add `cache_none` to cache `None` too (for an
///   expensive "nothing found"); it then lives for the TTL like any value. (The seed could not
///   cache `None` at all: its "not found" and "cached None" were the same, so it recomputed
///   forever.)
/// - A return type given through another alias name is cached as a plain value.
///
/// Values must be `Clone + Send + Sync + 'static` (callers receive clones: wrap big values in `Arc`).
///
/// # Sizes
///
/// An entry weighs 16 bytes of key plus `gencache::Weigh::weight` of the value; a value type without
/// `Weigh` is a compile error that says how to fix it: implement `Weigh`, or pass
/// `weigher = |value: &V| bytes`.
///
/// # Concurrency
///
/// Calls go through the cache's single-flight `load` / `load_async`: concurrent calls with the same
/// key run the body once and all receive its result, async included. If the running call panics
/// or its future is dropped, the waiters are not stuck: one of them runs the body instead.
///
/// ```
/// #[gencache::memoize(ttl = "5m")]
/// async fn describe(id: u32) -> Result<String, String> {
///     if id == 0 {
///         return Err("no such model".to_string()); // not cached
///     }
///     Ok(format!("model {id}"))
/// }
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # runtime.block_on(async {
/// assert_eq!(describe(3).await.as_deref(), Ok("model 3"));
/// assert!(describe(0).await.is_err());
/// assert_eq!(describe_cache().len(), 1);
/// # });
/// ```
///
/// # Switching off
///
/// `enabled = expr` is evaluated on every call; when false the body runs directly, with no lookup,
/// no statistics and no storing (e.g. `enabled = std::env::var_os("NO_CACHE").is_none()`).
///
/// # Refused
///
/// `&mut` arguments (or `&mut self`): a cached call would skip the writes the body makes through
/// them. Generic type parameters and `impl Trait` arguments (the cache is one static of one type),
/// `const fn`, and return types that borrow (`&str`) or name `Self`.
#[proc_macro_attribute]
pub fn memoize(attr: TokenStream, item: TokenStream) -> TokenStream {
    let options = match options::Options::parse(attr.into()) {
        Ok(options) => options,
        Err(error) => return with_item(error, item),
    };
    let function = match syn::parse::<syn::ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = syn::Error::new(
                error.span(),
                format!("`#[memoize]` applies to a function with a body: {error}"),
            );
            return with_item(error, item);
        }
    };
    match expand::expand(options, function) {
        Ok(tokens) => tokens.into(),
        Err(error) => with_item(error, item),
    }
}

/// Reports the error and keeps the item as written, so that one mistake yields one message
/// rather than a cascade of "cannot find function" errors at its call sites.
fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut tokens = error.to_compile_error();
    tokens.extend(proc_macro2::TokenStream::from(item));
    tokens.into()
}
