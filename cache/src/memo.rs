//! Runtime support of `#[gencache::memoize]`: the key fingerprint and the registry of memoized
//! functions.
//!
//! # Keys
//!
//! A memoized function's cache is a `Cache<u128, V>`: the key is a 128-bit [`Fingerprinter`]
//! digest of
//!
//! 1. the function's *discriminator* — its module path, name and source location (and, for
//!    methods, `std::any::type_name::<Self>()`), so that two functions sharing one cache never
//!    produce the same key for the same arguments; then
//! 2. every argument that is not `skip`ped, in declaration order, through its [`Hash`]
//!    implementation (or the value of `key = expr` instead, when given).
//!
//! The digest is XXH3-128 (`xxhash-rust`). std's `Hash` for strings and slices writes a
//! terminator or a length prefix, so argument boundaries are unambiguous: `("ab", "c")` and
//! `("a", "bc")` are different keys (the seed's `str(args)` could not tell such cases apart).
//!
//! **Collision probability.** For a well-mixed 128-bit hash the birthday bound gives
//! `p ≈ n² / 2¹²⁹`: with n = 10⁹ live keys, p ≈ 10¹⁸ / 6.8·10³⁸ ≈ 1.5·10⁻²¹. (The seed's
//! 64-bit truncation reaches p ≈ 2.7 % at the same n.) A collision would return another call's
//! value, so this is the number to weigh against your risk, not zero.
//!
//! **Stability.** std's `Hash` output is only guaranteed stable within one build of one program:
//! integers are fed in native byte order, `usize` length prefixes differ between 32- and 64-bit
//! targets, and `#[derive(Hash)]` layouts or std impls may change between Rust releases. The caches
//! live in memory, so this never matters to `#[memoize]` itself; do not persist fingerprints or
//! compare them across machines or builds.

use crate::{Cache, CacheConfig, CacheStats};
use parking_lot::Mutex;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};
use xxhash_rust::xxh3::Xxh3;

/// Streaming XXH3-128 hasher behind `#[memoize]` keys, usable as a [`std::hash::Hasher`].
///
/// ```
/// use gencache::Fingerprinter;
/// use std::hash::Hash;
///
/// let key = |prompt: &str, seed: u64| {
///     let mut h = Fingerprinter::new("my_crate::render");
///     prompt.hash(&mut h);
///     seed.hash(&mut h);
///     h.finish128()
/// };
/// assert_eq!(key("a cat", 7), key("a cat", 7));
/// assert_ne!(key("a cat", 7), key("a cat", 8));
/// // Another discriminator: another key space.
/// let mut other = Fingerprinter::new("my_crate::other");
/// "a cat".hash(&mut other);
/// 7u64.hash(&mut other);
/// assert_ne!(other.finish128(), key("a cat", 7));
/// ```
#[derive(Clone)]
pub struct Fingerprinter {
    state: Xxh3,
}

impl Fingerprinter {
    /// A hasher whose key space is set apart by `discriminator` (e.g. a function's path).
    pub fn new(discriminator: &str) -> Self {
        let mut state = Xxh3::new();
        state.update(discriminator.as_bytes());
        // 0xFF never occurs in UTF-8, so the discriminator cannot run into the arguments.
        state.update(&[0xFF]);
        Self { state }
    }

    /// The 128-bit fingerprint of everything written so far.
    pub fn finish128(&self) -> u128 {
        self.state.digest128()
    }
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fingerprinter").finish_non_exhaustive()
    }
}

impl Hasher for Fingerprinter {
    fn write(&mut self, bytes: &[u8]) {
        self.state.update(bytes);
    }

    /// The low 64 bits of [`Fingerprinter::finish128`] (std's `Hasher` interface is 64-bit).
    fn finish(&self) -> u64 {
        self.finish128() as u64
    }
}

/// Whether a memoized function owns its cache or uses a shared one (`cache = ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheKind {
    /// The function's own cache, created by `#[memoize]`.
    Own,
    /// A cache given with `cache = ...`, possibly shared with other functions.
    Shared,
}

/// The operations a management view needs on a memoized function's cache, whatever its value type.
trait ErasedCache: Send + Sync {
    fn stats(&self) -> CacheStats;
    fn config(&self) -> CacheConfig;
    fn reconfigure(&self, config: CacheConfig);
    fn clear(&self);
    fn len(&self) -> usize;
    fn weight(&self) -> u64;
}

impl<V> ErasedCache for Cache<u128, V>
where
    V: Clone + Send + Sync + 'static,
{
    fn stats(&self) -> CacheStats {
        Cache::stats(self)
    }
    fn config(&self) -> CacheConfig {
        Cache::config(self)
    }
    fn reconfigure(&self, config: CacheConfig) {
        Cache::reconfigure(self, config)
    }
    fn clear(&self) {
        Cache::clear(self)
    }
    fn len(&self) -> usize {
        Cache::len(self)
    }
    fn weight(&self) -> u64 {
        Cache::weight(self)
    }
}

/// One memoized function as listed by [`memoized`]: its name and a handle to its cache.
#[derive(Clone)]
pub struct MemoizedFunction {
    name: String,
    kind: CacheKind,
    cache: Arc<dyn ErasedCache>,
}

impl MemoizedFunction {
    /// The function's path, e.g. `my_crate::gen::generate_3d` or `my_crate::Renderer::render`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Own or shared cache. Shared caches may be listed under several functions.
    pub fn kind(&self) -> CacheKind {
        self.kind
    }
    /// Statistics of the function's cache.
    pub fn stats(&self) -> CacheStats {
        self.cache.stats()
    }
    /// Current bounds of the function's cache.
    pub fn config(&self) -> CacheConfig {
        self.cache.config()
    }
    /// Changes the bounds of the function's cache at runtime.
    pub fn reconfigure(&self, config: CacheConfig) {
        self.cache.reconfigure(config)
    }
    /// Drops every cached result (of every function, for a shared cache).
    pub fn clear(&self) {
        self.cache.clear()
    }
    /// Number of cached results.
    pub fn len(&self) -> usize {
        self.cache.len()
    }
    /// `len() == 0`.
    pub fn is_empty(&self) -> bool {
        self.cache.len() == 0
    }
    /// Total weight of the cache in bytes.
    pub fn weight(&self) -> u64 {
        self.cache.weight()
    }
}

impl std::fmt::Debug for MemoizedFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoizedFunction")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// One registered function: what [`memoized`] lists, plus the typed own cache for lookups.
struct Registration {
    listed: MemoizedFunction,
    own: Option<&'static (dyn Any + Send + Sync)>,
}

/// Registrations keyed by the macro's per-function id and the cached value type.
type Registry = HashMap<(&'static str, TypeId), Registration>;

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Every memoized function whose cache exists, sorted by name.
///
/// A function appears once its cache has been created: at its first call, or at the first call of
/// its generated `<name>_cache()` accessor. A function with `cache = ...` appears at its first
/// call, listed with the cache that call used.
///
/// ```
/// #[gencache::memoize]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// assert_eq!(square(12), 144);
/// let listed = gencache::memoized();
/// let entry = listed.iter().find(|f| f.name().ends_with("::square")).unwrap();
/// assert_eq!(entry.kind(), gencache::CacheKind::Own);
/// assert_eq!(entry.len(), 1);
/// ```
pub fn memoized() -> Vec<MemoizedFunction> {
    let mut listed: Vec<MemoizedFunction> = REGISTRY
        .lock()
        .values()
        .map(|registration| registration.listed.clone())
        .collect();
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    listed
}

/// Support for the code `#[memoize]` generates. Not a stable API.
#[doc(hidden)]
pub mod __private {
    use super::*;
    use crate::{CacheBuilder, Weigh, Weigher};
    use std::future::Future;
    use std::mem::size_of;

    pub use super::Fingerprinter;
    pub use crate::{Cache, LoadOptions, ManualClock};
    pub use std::convert::Infallible;
    pub use std::sync::{Once, OnceLock};
    pub use std::time::Duration;

    /// Bytes a fingerprint key costs in an entry's weight.
    pub const KEY_BYTES: usize = size_of::<u128>();

    /// The error that carries a `None` result of an `Option` function to every concurrent waiter
    /// without caching it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct NotCached;

    /// Builder of a function's own cache.
    pub fn builder<V>() -> CacheBuilder<u128, V>
    where
        V: Clone + Send + Sync + 'static,
    {
        Cache::builder()
    }

    /// Default weigher of a memoized function's cache: the key plus [`Weigh`] of the value.
    /// The `V: Weigh` bound here is the one place an unweighable value type is reported.
    pub fn default_weigher<V: Weigh + 'static>() -> impl Weigher<u128, V> {
        |_key: &u128, value: &V| KEY_BYTES + value.weight()
    }

    /// Weigher for `Option` results cached with `cache_none`: `None` costs its inline size.
    pub fn option_weigher<T: Weigh + 'static>() -> impl Weigher<u128, Option<T>> {
        |_key: &u128, value: &Option<T>| KEY_BYTES + option_weight(value)
    }

    /// Bytes an `Option<T>` keeps alive: its inline size plus the heap of the `T` inside.
    fn option_weight<T: Weigh>(value: &Option<T>) -> usize {
        let inline = size_of::<Option<T>>();
        match value {
            // T's weight counts its inline size once; the Option's inline size replaces it.
            Some(inner) => inner.weight().saturating_sub(size_of::<T>()) + inline,
            None => inline,
        }
    }

    /// Turns a `weigher = |value| bytes` closure into the cache's `(key, value)` weigher.
    pub fn value_weigher<V, F>(weigh: F) -> impl Weigher<u128, V>
    where
        F: Fn(&V) -> usize + Send + Sync + 'static,
    {
        move |_key: &u128, value: &V| KEY_BYTES + weigh(value)
    }

    /// The function's own cache, created once and registered under `id`.
    ///
    /// Both the memoized function and its accessor call this with the same `id`, so they meet on
    /// one cache. `build` runs without the registry lock held (it may run user expressions).
    pub fn own_cache<V>(
        id: &'static str,
        name: impl FnOnce() -> String,
        build: impl FnOnce() -> Cache<u128, V>,
    ) -> &'static Cache<u128, V>
    where
        V: Clone + Send + Sync + 'static,
    {
        let slot = (id, TypeId::of::<Cache<u128, V>>());
        if let Some(found) = lookup::<V>(&slot) {
            return found;
        }
        let built = build();
        let mut registry = REGISTRY.lock();
        if let Some(found) = registry
            .get(&slot)
            .and_then(|registration| registration.own)
            .and_then(|own| own.downcast_ref::<Cache<u128, V>>())
        {
            // Another thread built it first; ours is dropped.
            return found;
        }
        let leaked: &'static Cache<u128, V> = Box::leak(Box::new(built));
        registry.insert(
            slot,
            Registration {
                listed: MemoizedFunction {
                    name: name(),
                    kind: CacheKind::Own,
                    cache: Arc::new(leaked.clone()),
                },
                own: Some(leaked),
            },
        );
        tracing::debug!(function = id, "memoized function cache created");
        leaked
    }

    fn lookup<V>(slot: &(&'static str, TypeId)) -> Option<&'static Cache<u128, V>>
    where
        V: Clone + Send + Sync + 'static,
    {
        REGISTRY
            .lock()
            .get(slot)
            .and_then(|registration| registration.own)
            .and_then(|own| own.downcast_ref::<Cache<u128, V>>())
    }

    /// Lists a function that uses a shared cache (`cache = ...`); the first registration wins.
    pub fn register_shared<V>(id: &'static str, name: String, cache: &Cache<u128, V>)
    where
        V: Clone + Send + Sync + 'static,
    {
        let slot = (id, TypeId::of::<Cache<u128, V>>());
        REGISTRY.lock().entry(slot).or_insert_with(|| Registration {
            listed: MemoizedFunction {
                name,
                kind: CacheKind::Shared,
                cache: Arc::new(cache.clone()),
            },
            own: None,
        });
    }

    /// Unwraps a load that cannot fail.
    pub fn infallible<T>(result: Result<T, Infallible>) -> T {
        match result {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Splits an `Option` result so that `None` reaches every waiter without being cached.
    pub fn none_not_cached<T>(value: Option<T>) -> Result<T, NotCached> {
        value.ok_or(NotCached)
    }

    /// The bound `#[memoize]` puts on the error type of a `Result` function.
    #[diagnostic::on_unimplemented(
        message = "`#[memoize]` needs the error type `{Self}` to be `Clone + Send + 'static`",
        label = "the error type of this `Result` is not `Clone + Send + 'static`",
        note = "an `Err` is handed to every concurrent caller waiting on the same key, so it is cloned and may cross threads; derive `Clone` for `{Self}`, or wrap it in an `Arc`"
    )]
    pub trait SharedError: Clone + Send + 'static {}

    impl<E: Clone + Send + 'static> SharedError for E {}

    /// Single-flight load of a `Result` function: `Ok` is cached, `Err` is shared and not stored.
    /// The [`SharedError`] bound here is the one place a non-`Clone` error is reported.
    pub fn load_result<V, E, F>(
        cache: &Cache<u128, V>,
        key: u128,
        options: LoadOptions,
        compute: F,
    ) -> Result<V, E>
    where
        V: Clone + Send + Sync + 'static,
        E: SharedError,
        F: FnOnce() -> Result<V, E>,
    {
        cache.load(key, options, compute).map(|loaded| loaded.value)
    }

    /// Async form of [`load_result`].
    pub async fn load_result_async<V, E, F>(
        cache: &Cache<u128, V>,
        key: u128,
        options: LoadOptions,
        compute: F,
    ) -> Result<V, E>
    where
        V: Clone + Send + Sync + 'static,
        E: SharedError,
        F: Future<Output = Result<V, E>>,
    {
        cache
            .load_async(key, options, compute)
            .await
            .map(|loaded| loaded.value)
    }

    /// Gives an async body its declared return type, so `?` and `return` inside infer like in
    /// the original `async fn`.
    pub fn future_of<T, F: Future<Output = T>>(compute: F) -> F {
        compute
    }

    /// The `Ok` type of a `Result` return type written through an alias without arguments.
    pub trait ResultShape {
        /// `T` of `Result<T, E>`.
        type Ok;
    }

    impl<T, E> ResultShape for Result<T, E> {
        type Ok = T;
    }

    /// The `Some` type of an `Option` return type written through an alias without arguments.
    pub trait OptionShape {
        /// `T` of `Option<T>`.
        type Some;
    }

    impl<T> OptionShape for Option<T> {
        type Some = T;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint<T: Hash>(discriminator: &str, value: &T) -> u128 {
        let mut h = Fingerprinter::new(discriminator);
        value.hash(&mut h);
        h.finish128()
    }

    #[test]
    fn argument_boundaries_are_unambiguous() {
        assert_ne!(
            fingerprint("f", &("ab", "c")),
            fingerprint("f", &("a", "bc"))
        );
        assert_ne!(
            fingerprint("f", &(vec![1u8, 2], vec![3u8])),
            fingerprint("f", &(vec![1u8], vec![2u8, 3]))
        );
    }

    #[test]
    fn discriminator_separates_functions() {
        assert_ne!(fingerprint("a::f", &1u32), fingerprint("a::g", &1u32));
        // The 0xFF separator keeps "ab" + args apart from "a" + "b"-prefixed args.
        let mut split = Fingerprinter::new("a");
        split.write(b"b");
        assert_ne!(split.finish128(), Fingerprinter::new("ab").finish128());
    }

    #[test]
    fn finish_is_low_half_of_finish128() {
        let mut h = Fingerprinter::new("f");
        42u64.hash(&mut h);
        assert_eq!(h.finish(), h.finish128() as u64);
    }

    #[test]
    fn option_weigher_counts_inline_size_once() {
        use crate::Weigher;
        let weigher = __private::option_weigher::<String>();
        let inline = std::mem::size_of::<Option<String>>();
        assert_eq!(weigher.weigh(&0, &None), __private::KEY_BYTES + inline);
        let text = Some("x".repeat(100));
        assert_eq!(
            weigher.weigh(&0, &text),
            __private::KEY_BYTES + inline + 100
        );
    }
}
