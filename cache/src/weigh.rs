//! Size accounting: how many bytes an entry costs against `max_bytes`.
//!
//! CONTRACT (helper fills in impls and docs): `Weigh` is implemented for the std types users cache.
//! A weight is the number of bytes the value keeps alive: inline size plus owned heap.

/// The number of bytes a value keeps alive: its inline size plus the heap it owns.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `gencache::Weigh`, so the cache cannot account its size",
    note = "implement `gencache::Weigh` for `{Self}`, or give the cache a weigher closure (`CacheBuilder::weigher`, or `weigher = ...` in `#[memoize]`)"
)]
pub trait Weigh {
    /// Bytes this value keeps alive (inline plus owned heap).
    fn weight(&self) -> usize;
}

/// Computes an entry's weight in bytes from its key and value.
pub trait Weigher<K, V>: Send + Sync + 'static {
    /// Weight of the entry `(key, value)` in bytes.
    fn weigh(&self, key: &K, value: &V) -> usize;
}

/// The default weigher: `key.weight() + value.weight()`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WeighBoth;

impl<K: Weigh, V: Weigh> Weigher<K, V> for WeighBoth {
    fn weigh(&self, key: &K, value: &V) -> usize {
        key.weight() + value.weight()
    }
}

impl<K, V, F> Weigher<K, V> for F
where
    F: Fn(&K, &V) -> usize + Send + Sync + 'static,
{
    fn weigh(&self, key: &K, value: &V) -> usize {
        self(key, value)
    }
}
