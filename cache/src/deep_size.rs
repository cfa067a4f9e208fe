//! Optional bridge to the `get-size2` crate (feature `get-size2`).
//!
//! `get-size2` is a maintained deep-size estimator with a `#[derive(GetSize)]` for user structs and
//! impls for std and many third-party types. A blanket `impl<T: GetSize> Weigh for T` would collide
//! with the std impls of [`Weigh`](crate::Weigh) and forbid users from implementing `Weigh` on a type
//! that also derives `GetSize`, so the bridge is a *weigher* instead: pass [`GetSizeWeigher`] to
//! [`CacheBuilder::weigher`](crate::CacheBuilder::weigher).

use crate::Weigher;
use get_size2::GetSize;

/// Weighs an entry as `key.get_size() + value.get_size()` (stack plus heap, per `get-size2`).
///
/// ```
/// use gencache::{Cache, GetSizeWeigher};
/// use get_size2::GetSize;
///
/// #[derive(Clone, GetSize)]
/// struct Render {
///     png: Vec<u8>,
///     prompt: String,
/// }
///
/// let cache: Cache<String, Render> = Cache::builder().weigher(GetSizeWeigher).build();
/// let r = Render { png: vec![0; 1000], prompt: "fox".into() };
/// let expected = "k".to_string().get_size() + r.get_size();
/// cache.insert("k".to_string(), r);
/// assert_eq!(cache.weight(), expected as u64);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct GetSizeWeigher;

impl<K: GetSize, V: GetSize> Weigher<K, V> for GetSizeWeigher {
    fn weigh(&self, key: &K, value: &V) -> usize {
        key.get_size() + value.get_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_stack_and_heap_of_key_and_value() {
        let key = String::from("abc");
        let value = vec![0u64; 10];
        let w = GetSizeWeigher.weigh(&key, &value);
        assert_eq!(w, key.get_size() + value.get_size());
        assert!(w >= 3 + 80);
    }
}
