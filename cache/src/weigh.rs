//! Size accounting: how many bytes an entry costs against `max_bytes`.
//!
//! A weight is the number of bytes a value keeps alive: its inline size (`size_of`) plus the heap it
//! owns. Containers count their *capacity*, not just their length, because that is what the
//! allocator holds (a `Vec` with capacity 100 and length 1 keeps 100 elements' worth alive).
//! Allocator headers and rounding are not counted: weights are a deterministic lower bound of the
//! real footprint, which is what a reproducible budget needs.
//!
//! Shared pointers (`Arc<T>`, `Rc<T>`) count their inline pointer plus the whole pointee (with the
//! two reference counts) *for every entry that holds one*: the cache cannot know whether the
//! allocation is shared elsewhere, and charging it to each holder keeps the budget an upper bound
//! of what the cache pins. Two entries holding clones of one `Arc` are thus counted twice.
//!
//! For other types, implement [`Weigh`] or give the builder a weigher closure
//! ([`crate::CacheBuilder::weigher`]).

/// The number of bytes a value keeps alive: its inline size plus the heap it owns.
///
/// ```
/// use gencache::Weigh;
///
/// struct Image { pixels: Vec<u8>, prompt: String }
///
/// impl Weigh for Image {
///     fn weight(&self) -> usize {
///         // Inline fields are part of size_of::<Image>(); add what they own on the heap.
///         std::mem::size_of::<Image>()
///             + (self.pixels.weight() - std::mem::size_of::<Vec<u8>>())
///             + (self.prompt.weight() - std::mem::size_of::<String>())
///     }
/// }
///
/// let img = Image { pixels: vec![0; 1000], prompt: "a cat".into() };
/// assert_eq!(img.weight(), std::mem::size_of::<Image>() + 1000 + 5);
/// ```
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

/// Heap bytes a value owns beyond its inline size (for container impls).
fn heap_of<T: Weigh + ?Sized>(value: &T) -> usize {
    value.weight().saturating_sub(std::mem::size_of_val(value))
}

/// Types that own no heap: weight = `size_of`.
macro_rules! weigh_inline {
    ($($t:ty),* $(,)?) => {$(
        impl Weigh for $t {
            #[inline]
            fn weight(&self) -> usize {
                std::mem::size_of::<$t>()
            }
        }
    )*};
}

weigh_inline!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    std::time::Duration,
    std::time::Instant,
    std::time::SystemTime,
    std::net::IpAddr,
    std::net::Ipv4Addr,
    std::net::Ipv6Addr,
    std::net::SocketAddr,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
    std::num::NonZeroUsize,
);

impl Weigh for str {
    fn weight(&self) -> usize {
        self.len()
    }
}

impl Weigh for String {
    fn weight(&self) -> usize {
        std::mem::size_of::<String>() + self.capacity()
    }
}

impl<T: Weigh> Weigh for [T] {
    fn weight(&self) -> usize {
        self.iter().map(Weigh::weight).sum()
    }
}

impl<T: Weigh, const N: usize> Weigh for [T; N] {
    fn weight(&self) -> usize {
        self.iter().map(Weigh::weight).sum()
    }
}

impl<T: Weigh> Weigh for Vec<T> {
    fn weight(&self) -> usize {
        let spare = self.capacity() - self.len();
        std::mem::size_of::<Vec<T>>()
            + self.iter().map(Weigh::weight).sum::<usize>()
            + spare * std::mem::size_of::<T>()
    }
}

impl<T: Weigh> Weigh for std::collections::VecDeque<T> {
    fn weight(&self) -> usize {
        let spare = self.capacity() - self.len();
        std::mem::size_of::<Self>()
            + self.iter().map(Weigh::weight).sum::<usize>()
            + spare * std::mem::size_of::<T>()
    }
}

impl<T: Weigh + ?Sized> Weigh for Box<T> {
    fn weight(&self) -> usize {
        std::mem::size_of::<Box<T>>() + (**self).weight()
    }
}

/// `ArcInner`/`RcBox` hold two `usize` reference counts before the value.
const SHARED_COUNTS: usize = 2 * std::mem::size_of::<usize>();

impl<T: Weigh + ?Sized> Weigh for std::sync::Arc<T> {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>() + SHARED_COUNTS + (**self).weight()
    }
}

impl<T: Weigh + ?Sized> Weigh for std::rc::Rc<T> {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>() + SHARED_COUNTS + (**self).weight()
    }
}

impl<T: Weigh> Weigh for Option<T> {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>() + self.as_ref().map_or(0, heap_of)
    }
}

impl<T: Weigh, E: Weigh> Weigh for Result<T, E> {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + match self {
                Ok(v) => heap_of(v),
                Err(e) => heap_of(e),
            }
    }
}

impl<T: ?Sized + Weigh + ToOwned> Weigh for std::borrow::Cow<'_, T>
where
    T::Owned: Weigh,
{
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + match self {
                // Borrowed data is not kept alive by the cache.
                std::borrow::Cow::Borrowed(_) => 0,
                std::borrow::Cow::Owned(o) => heap_of(o),
            }
    }
}

impl<T: ?Sized> Weigh for &T {
    /// A reference owns nothing: only the pointer counts.
    fn weight(&self) -> usize {
        std::mem::size_of::<&T>()
    }
}

macro_rules! weigh_tuple {
    ($($name:ident)+) => {
        impl<$($name: Weigh),+> Weigh for ($($name,)+) {
            #[allow(non_snake_case)]
            fn weight(&self) -> usize {
                let ($($name,)+) = self;
                std::mem::size_of::<Self>() $(+ heap_of($name))+
            }
        }
    };
}

weigh_tuple!(A);
weigh_tuple!(A B);
weigh_tuple!(A B C);
weigh_tuple!(A B C D);
weigh_tuple!(A B C D E);
weigh_tuple!(A B C D E F);

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;
    use std::sync::Arc;

    #[test]
    fn scalars_weigh_their_size() {
        assert_eq!(7u64.weight(), 8);
        assert_eq!(().weight(), 0);
        assert_eq!('x'.weight(), 4);
        assert_eq!(true.weight(), 1);
        assert_eq!(1.5f32.weight(), 4);
    }

    #[test]
    fn strings_and_vecs_count_capacity() {
        let mut s = String::with_capacity(64);
        s.push_str("abc");
        assert_eq!(s.weight(), size_of::<String>() + 64);
        let mut v: Vec<u32> = Vec::with_capacity(10);
        v.push(1);
        assert_eq!(v.weight(), size_of::<Vec<u32>>() + 40);
        let nested = vec!["ab".to_string()];
        assert_eq!(
            nested.weight(),
            size_of::<Vec<String>>() + size_of::<String>() + 2
        );
    }

    #[test]
    fn boxes_and_slices_count_their_contents() {
        let b: Box<[u8]> = vec![0u8; 100].into_boxed_slice();
        assert_eq!(b.weight(), size_of::<Box<[u8]>>() + 100);
        let s: Box<str> = "hello".into();
        assert_eq!(s.weight(), size_of::<Box<str>>() + 5);
        let bx = Box::new(5u64);
        assert_eq!(bx.weight(), size_of::<Box<u64>>() + 8);
        assert_eq!([1u16, 2, 3].weight(), 6);
    }

    #[test]
    fn arc_counts_pointee_and_counts_once_per_holder() {
        let a = Arc::new(vec![0u8; 1000]);
        let expected = size_of::<Arc<Vec<u8>>>() + 16 + size_of::<Vec<u8>>() + 1000;
        assert_eq!(a.weight(), expected);
        let shared = Arc::clone(&a);
        assert_eq!(shared.weight(), expected);
        let rc = std::rc::Rc::new(1u8);
        assert_eq!(rc.weight(), size_of::<usize>() + 16 + 1);
    }

    #[test]
    fn options_and_tuples_add_owned_heap_to_their_inline_size() {
        let none: Option<String> = None;
        assert_eq!(none.weight(), size_of::<Option<String>>());
        let some = Some("abcd".to_string());
        assert_eq!(some.weight(), size_of::<Option<String>>() + 4);
        let t = (1u8, "xy".to_string(), vec![1u64]);
        assert_eq!(t.weight(), size_of::<(u8, String, Vec<u64>)>() + 2 + 8);
        let six = (1u8, 2u16, 3u32, 4u64, 5u128, 'c');
        assert_eq!(six.weight(), size_of::<(u8, u16, u32, u64, u128, char)>());
        let ok: Result<String, u8> = Ok("abc".into());
        assert_eq!(ok.weight(), size_of::<Result<String, u8>>() + 3);
    }

    #[test]
    fn cow_counts_only_owned_data() {
        use std::borrow::Cow;
        let b: Cow<'_, str> = Cow::Borrowed("long borrowed text");
        assert_eq!(b.weight(), size_of::<Cow<'_, str>>());
        let o: Cow<'_, str> = Cow::Owned("abc".to_string());
        assert_eq!(o.weight(), size_of::<Cow<'_, str>>() + 3);
    }

    #[test]
    fn closures_are_weighers() {
        let w = |_: &u32, v: &Vec<u8>| v.len();
        assert_eq!(Weigher::weigh(&w, &1, &vec![0; 9]), 9);
        assert_eq!(WeighBoth.weigh(&1u32, &2u64), 12);
    }
}
