//! Large random-access tables on huge pages.
//!
//! The one-pass curve's key table and the distinct-key set are hundreds of megabytes read at
//! random, once per request: with 4 KiB pages nearly every access also misses the TLB, and on a
//! virtual machine each of those page walks is itself several memory accesses. Where Linux
//! offers transparent huge pages on request (`/sys/kernel/mm/transparent_hugepage/enabled` set
//! to `madvise`, a common default), asking for them before the table is first written backs it
//! with 2 MiB pages. Elsewhere, or when the kernel declines, nothing changes: the advice never
//! alters a value. [`prefetch`] starts loading an element of such a table ahead of its use.

/// Tables smaller than this stay on normal pages (they fit the TLB anyway).
const HUGE_MIN_BYTES: usize = 4 << 20;

/// A vector of `len` copies of `value` whose memory was advised onto huge pages before it was
/// written.
///
/// ```
/// let v = harness::huge_pages::filled_vec(3 << 20, 7u32);
/// assert_eq!(v.len(), 3 << 20);
/// assert!(v.iter().all(|&x| x == 7));
/// ```
pub fn filled_vec<T: Clone>(len: usize, value: T) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(len);
    advise_huge(
        v.as_ptr().cast(),
        len.saturating_mul(std::mem::size_of::<T>()),
    );
    v.resize(len, value);
    v
}

/// An empty vector with room for `capacity` elements, its memory advised onto huge pages
/// before anything is written (for a large vector filled once by pushes: a few huge-page faults
/// instead of one fault per 4 KiB page).
///
/// ```
/// let mut v = harness::huge_pages::vec_with_capacity::<u64>(1 << 20);
/// v.extend(0..3);
/// assert_eq!(v, [0, 1, 2]);
/// assert!(v.capacity() >= 1 << 20);
/// ```
pub fn vec_with_capacity<T>(capacity: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(capacity);
    advise_huge(
        v.as_ptr().cast(),
        capacity.saturating_mul(std::mem::size_of::<T>()),
    );
    v
}

/// Asks the CPU to start loading `table[at]` into its caches (a hint: no effect on any value;
/// an index out of range is ignored).
#[inline]
pub fn prefetch<T>(table: &[T], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(element) = table.get(at) {
        let ptr = (element as *const T).cast::<i8>();
        // SAFETY: `_mm_prefetch` only hints the cache: it never faults and reads nothing into
        // the program. `ptr` points at a live element of `table` anyway. SSE is part of the
        // x86_64 baseline. Exercised by `tests::prefetching_is_only_a_hint`.
        unsafe { core::arch::x86_64::_mm_prefetch(ptr, core::arch::x86_64::_MM_HINT_T0) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (table, at);
}

#[cfg(target_os = "linux")]
fn advise_huge(start: *const u8, bytes: usize) {
    const HUGE_PAGE: usize = 2 << 20;
    if bytes < HUGE_MIN_BYTES {
        return;
    }
    // Only the whole huge pages inside the allocation.
    let first = (start as usize).next_multiple_of(HUGE_PAGE);
    let end = (start as usize).saturating_add(bytes) / HUGE_PAGE * HUGE_PAGE;
    if end <= first {
        return;
    }
    // SAFETY: `[first, end)` lies inside the allocation of `bytes` bytes at `start` that the
    // caller's vector owns (its capacity), and `first` is page-aligned as madvise requires.
    // MADV_HUGEPAGE only tells the kernel how to back the range: it never changes the range's
    // contents, mapping or protection, so no Rust reference into it is affected. A failure
    // (huge pages disabled) returns an error code that is deliberately ignored. Exercised by
    // `tests::advised_tables_hold_their_values`.
    unsafe {
        libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_start: *const u8, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetching_is_only_a_hint() {
        let v = filled_vec(1 << 20, 3u32);
        for at in [0, 1, 1 << 19, (1 << 20) - 1, 1 << 20, usize::MAX] {
            prefetch(&v, at);
        }
        prefetch::<u8>(&[], 0);
        assert!(v.iter().all(|&x| x == 3));
    }

    #[test]
    fn advised_tables_hold_their_values() {
        for len in [0usize, 1, 1000, (HUGE_MIN_BYTES / 8) + 12_345] {
            let mut v = filled_vec(len, u64::MAX);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == u64::MAX));
            for (i, x) in v.iter_mut().enumerate() {
                *x = i as u64;
            }
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
        }
    }
}
