//! An allocator that starts every allocation on a cache-line boundary (64 bytes), for the slot
//! array: a slot whose size divides 64 then never straddles two lines, so a hit loads one line.
//! The system allocator gives large allocations 16-byte alignment only (glibc starts an
//! `mmap`-backed block 16 bytes into its page), which would put every other 32-byte slot across
//! a line boundary.
//!
//! The allocation is the global allocator's, with the layout's alignment raised to 64, so the
//! memory accounting (a counting global allocator, as the memory bench uses) sees it as usual.

use allocator_api2::alloc::{AllocError, Allocator, Global};
use std::alloc::Layout;
use std::ptr::NonNull;

/// The cache-line size the slots are aligned to.
pub(crate) const LINE: usize = 64;

/// See the module doc.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineAligned;

/// `layout` with its alignment raised to at least [`LINE`].
fn line_aligned(layout: Layout) -> Result<Layout, AllocError> {
    layout.align_to(LINE).map_err(|_| AllocError)
}

// SAFETY: every block comes from `Global` and goes back to it with the layout it was made with:
// `allocate` and `deallocate` both pass `line_aligned(layout)`, a pure function of the caller's
// layout, which the `Allocator` contract requires to be the same at both calls (and `grow` /
// `shrink`, left to their default implementations, are built on these two). A block from
// `Global.allocate(l)` fits `l` and is valid until deallocated, so it fits the caller's smaller
// alignment too; clones of `LineAligned` are interchangeable (it has no state). Exercised by the
// tests below, also under Miri in `.ci/run`.
unsafe impl Allocator for LineAligned {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        Global.allocate(line_aligned(layout)?)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // `allocate` succeeded with this layout, so raising its alignment succeeds again.
        if let Ok(layout) = line_aligned(layout) {
            // SAFETY: `ptr` was allocated by `Global` with exactly this layout (see above), and
            // the caller guarantees it is not used again.
            unsafe { Global.deallocate(ptr, layout) }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    type Aligned<T> = allocator_api2::vec::Vec<T, LineAligned>;

    /// Growth (by doubling and exactly), pushes, swap-removes and drops keep the buffer on a line
    /// boundary and the elements intact, with elements that own heap memory (so Miri also checks
    /// that nothing leaks or is freed twice).
    #[test]
    fn buffers_start_on_a_line_and_keep_their_elements_through_growth() {
        let mut v: Aligned<(u64, String)> = Aligned::new_in(LineAligned);
        for i in 0..300u64 {
            v.push((i, i.to_string()));
            assert_eq!(v.as_ptr() as usize % LINE, 0, "after {} pushes", i + 1);
        }
        v.reserve_exact(1000);
        assert_eq!(v.as_ptr() as usize % LINE, 0);
        let removed = v.swap_remove(3);
        assert_eq!(removed, (3, "3".to_string()));
        assert_eq!(v[3], (299, "299".to_string()));
        assert_eq!(v.len(), 299);
        v.shrink_to_fit();
        assert_eq!(v.as_ptr() as usize % LINE, 0);
        assert!(v.iter().all(|(i, s)| *s == i.to_string()));
    }

    #[test]
    fn zero_sized_and_empty_vectors_work() {
        let mut empty: Aligned<u64> = Aligned::new_in(LineAligned);
        assert!(empty.is_empty());
        empty.reserve_exact(0);
        let mut units: Aligned<()> = Aligned::new_in(LineAligned);
        units.push(());
        units.push(());
        assert_eq!(units.len(), 2);
    }
}
