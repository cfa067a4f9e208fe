//! A dense slab of entries threaded on a doubly-linked recency list by `u32` indices.
//!
//! Entries live in one `Vec` with no holes: removing an entry moves the last one into its place
//! (`swap_remove`), so there is no free list, no `Option` per slot and no per-entry allocation. The
//! price is that the caller must re-point whatever refers to the moved entry (the hash table and the
//! expiry queue); `swap_remove` says which index moved.

/// "No entry": the end of the recency list, or "not in the expiry queue".
pub(crate) const NIL: u32 = u32::MAX;

/// A deadline that never comes (an entry without TTL).
pub(crate) const NEVER: u64 = u64::MAX;

/// Stored weights at or above this value are kept exactly in a side table instead (see `unsync`).
pub(crate) const HEAVY: u32 = u32::MAX;

/// One cached entry with its bookkeeping.
///
/// Bookkeeping is 40 bytes: one `u64` deadline (exact, nanoseconds) and eight `u32`s. Timestamps for
/// the listing (inserted, last access) are whole seconds since the clock's origin: they only feed
/// `EntryInfo::age`/`idle`, while expiry uses the exact deadline.
///
/// The field order is fixed (`repr(C)`) so that everything a hit reads or writes comes first and
/// is contiguous: key (compared), value (cloned), deadline (checked), recency links (relinked),
/// last access and hit count (updated). For `u64 → u64` that is the first 40 of 56 bytes, so a hit
/// touches one cache line for most slots instead of two; the fields only writes and listings use
/// (expiry links, weight, insertion time) come last. With `K` and `V` aligned to at most 8 bytes
/// this order adds no padding over the compiler's own layout (`slot_layout_*` tests).
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Slot<K, V> {
    pub(crate) key: K,
    pub(crate) value: V,
    /// Nanoseconds since the clock origin at which the entry expires; `NEVER` for no TTL.
    pub(crate) expires_at: u64,
    /// Towards the most recently used end.
    pub(crate) prev: u32,
    /// Towards the least recently used end.
    pub(crate) next: u32,
    /// Seconds since the clock origin of the last read or write.
    pub(crate) accessed_secs: u32,
    /// Hits since insertion (saturating).
    pub(crate) hits: u32,
    /// Expiry queue link to the previous (earlier) entry, `NIL`, or `expiry::IN_HEAP`.
    pub(crate) exp_prev: u32,
    /// Expiry queue link to the next (later) entry, `NIL`, or the heap position when in the heap.
    pub(crate) exp_next: u32,
    /// Weight in bytes, or `HEAVY` when it does not fit in 32 bits.
    pub(crate) weight: u32,
    /// Seconds since the clock origin when the entry was inserted or last updated.
    pub(crate) inserted_secs: u32,
}

impl<K, V> Slot<K, V> {
    /// A slot not yet linked into the recency list or the expiry queue, with no hits, inserted and
    /// last accessed at `now_secs`. Its weight is set by the caller once it has a slot index.
    pub(crate) fn detached(key: K, value: V, expires_at: u64, now_secs: u32) -> Self {
        Self {
            key,
            value,
            expires_at,
            prev: NIL,
            next: NIL,
            exp_prev: NIL,
            exp_next: NIL,
            weight: 0,
            inserted_secs: now_secs,
            accessed_secs: now_secs,
            hits: 0,
        }
    }
}

/// The slab plus the ends of its recency list.
#[derive(Debug)]
pub(crate) struct LinkedSlab<K, V> {
    slots: Vec<Slot<K, V>>,
    /// Most recently used, or `NIL` when empty.
    head: u32,
    /// Least recently used, or `NIL` when empty.
    tail: u32,
    /// When set, the slab never grows its allocation past this many slots (`max_entries`), so a
    /// full cache carries no doubling slack.
    growth_cap: Option<usize>,
}

impl<K, V> LinkedSlab<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            slots: Vec::new(),
            head: NIL,
            tail: NIL,
            growth_cap: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn head(&self) -> u32 {
        self.head
    }

    pub(crate) fn tail(&self) -> u32 {
        self.tail
    }

    pub(crate) fn set_growth_cap(&mut self, cap: Option<usize>) {
        self.growth_cap = cap;
    }

    #[inline]
    pub(crate) fn get(&self, i: u32) -> &Slot<K, V> {
        &self.slots[i as usize]
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, i: u32) -> &mut Slot<K, V> {
        &mut self.slots[i as usize]
    }

    #[inline]
    pub(crate) fn slots(&self) -> &[Slot<K, V>] {
        &self.slots
    }

    pub(crate) fn slots_mut(&mut self) -> &mut [Slot<K, V>] {
        &mut self.slots
    }

    /// Stores `slot` as the most recently used entry and returns its index.
    ///
    /// The caller guarantees `len() < NIL as usize` (the core never holds 2^32 - 1 entries).
    pub(crate) fn push_front(&mut self, mut slot: Slot<K, V>) -> u32 {
        let i = self.slots.len() as u32;
        slot.prev = NIL;
        slot.next = self.head;
        if self.slots.len() == self.slots.capacity() {
            self.grow();
        }
        self.slots.push(slot);
        if self.head != NIL {
            self.slots[self.head as usize].prev = i;
        } else {
            self.tail = i;
        }
        self.head = i;
        i
    }

    /// Doubles the allocation, but never past the growth cap when one is set (exact reservation).
    fn grow(&mut self) {
        let len = self.slots.len();
        let doubled = (len * 2).max(4);
        let target = match self.growth_cap {
            Some(cap) if cap > len => doubled.min(cap),
            _ => doubled,
        };
        self.slots.reserve_exact(target - len);
    }

    /// Puts `slot` in place of entry `i` (reusing its storage) as the most recently used entry;
    /// returns the entry it replaced.
    pub(crate) fn replace(&mut self, i: u32, mut slot: Slot<K, V>) -> Slot<K, V> {
        self.unlink(i);
        slot.prev = NIL;
        slot.next = NIL;
        let old = std::mem::replace(&mut self.slots[i as usize], slot);
        self.link_front(i);
        old
    }

    /// Marks `i` most recently used.
    #[inline]
    pub(crate) fn move_to_front(&mut self, i: u32) {
        if self.head == i {
            return;
        }
        self.unlink(i);
        self.link_front(i);
    }

    #[inline]
    fn unlink(&mut self, i: u32) {
        let (prev, next) = {
            let s = &self.slots[i as usize];
            (s.prev, s.next)
        };
        if prev != NIL {
            self.slots[prev as usize].next = next;
        } else {
            self.head = next;
        }
        if next != NIL {
            self.slots[next as usize].prev = prev;
        } else {
            self.tail = prev;
        }
    }

    #[inline]
    fn link_front(&mut self, i: u32) {
        let old_head = self.head;
        {
            let s = &mut self.slots[i as usize];
            s.prev = NIL;
            s.next = old_head;
        }
        if old_head != NIL {
            self.slots[old_head as usize].prev = i;
        } else {
            self.tail = i;
        }
        self.head = i;
    }

    /// Removes entry `i`. If another entry had to move into index `i`, returns its former index
    /// (always the last one) so the caller can re-point references to it.
    pub(crate) fn swap_remove(&mut self, i: u32) -> (Slot<K, V>, Option<u32>) {
        self.unlink(i);
        let last = (self.slots.len() - 1) as u32;
        let removed = self.slots.swap_remove(i as usize);
        if i == last {
            return (removed, None);
        }
        // The former last entry now sits at `i`: fix its neighbours' links and the list ends.
        let (prev, next) = {
            let s = &self.slots[i as usize];
            (s.prev, s.next)
        };
        if prev != NIL {
            self.slots[prev as usize].next = i;
        } else {
            self.head = i;
        }
        if next != NIL {
            self.slots[next as usize].prev = i;
        } else {
            self.tail = i;
        }
        (removed, Some(last))
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
        self.head = NIL;
        self.tail = NIL;
    }

    /// Indices from most to least recently used, starting at `from`.
    #[cfg(test)]
    pub(crate) fn iter_from(&self, from: u32) -> impl Iterator<Item = u32> + '_ {
        let mut cur = from;
        std::iter::from_fn(move || {
            if cur == NIL {
                return None;
            }
            let i = cur;
            cur = self.slots[i as usize].next;
            Some(i)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(key: u32) -> Slot<u32, ()> {
        Slot::detached(key, (), NEVER, 0)
    }

    fn order(s: &LinkedSlab<u32, ()>) -> Vec<u32> {
        s.iter_from(s.head()).map(|i| s.get(i).key).collect()
    }

    fn reverse_order(s: &LinkedSlab<u32, ()>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = s.tail();
        while cur != NIL {
            out.push(s.get(cur).key);
            cur = s.get(cur).prev;
        }
        out
    }

    #[test]
    fn push_move_and_swap_remove_keep_both_directions_consistent() {
        let mut s = LinkedSlab::new();
        for k in 0..5 {
            s.push_front(slot(k));
        }
        assert_eq!(order(&s), vec![4, 3, 2, 1, 0]);
        s.move_to_front(0);
        assert_eq!(order(&s), vec![0, 4, 3, 2, 1]);
        // Removing index 1 (key 1) moves the last slot (key 4, index 4) into index 1.
        let (removed, moved) = s.swap_remove(1);
        assert_eq!(removed.key, 1);
        assert_eq!(moved, Some(4));
        assert_eq!(s.get(1).key, 4);
        assert_eq!(order(&s), vec![0, 4, 3, 2]);
        let mut rev = order(&s);
        rev.reverse();
        assert_eq!(reverse_order(&s), rev);
        // Removing the last slot moves nothing.
        let last = (s.len() - 1) as u32;
        let (_, moved) = s.swap_remove(last);
        assert_eq!(moved, None);
        assert_eq!(s.len(), 3);
        let mut rev = order(&s);
        rev.reverse();
        assert_eq!(reverse_order(&s), rev);
    }

    #[test]
    fn replace_reuses_the_slot_as_most_recent() {
        let mut s = LinkedSlab::new();
        for k in 0..3 {
            s.push_front(slot(k));
        }
        let tail = s.tail();
        let old = s.replace(tail, slot(9));
        assert_eq!(old.key, 0);
        assert_eq!(order(&s), vec![9, 2, 1]);
        let mut rev = order(&s);
        rev.reverse();
        assert_eq!(reverse_order(&s), rev);
    }

    /// The per-entry formula in the crate docs: key + value + 40 bytes, rounded to the alignment.
    #[test]
    fn slot_bookkeeping_is_40_bytes() {
        use std::mem::size_of;
        assert_eq!(size_of::<Slot<(), ()>>(), 40);
        assert_eq!(size_of::<Slot<u64, u64>>(), 56);
        assert_eq!(size_of::<Slot<u32, u64>>(), 56); // 12 + 40 -> 56 (4 bytes of padding)
        assert_eq!(
            size_of::<Slot<String, std::sync::Arc<[u8]>>>(),
            24 + 16 + 40
        );
        assert_eq!(size_of::<Slot<u8, u64>>(), 56); // 1 + 7 padding + 8 + 40
        assert_eq!(size_of::<Slot<u64, u8>>(), 56); // 8 + 1 + 7 padding + 40
    }

    /// What a hit touches (key, value, deadline, links, last access, hit count) is one contiguous
    /// block at the start of the slot: the first 40 bytes for `u64 → u64`.
    #[test]
    fn slot_layout_puts_what_a_hit_touches_first() {
        use std::mem::offset_of;
        type S = Slot<u64, u64>;
        let hot_end = offset_of!(S, hits) + 4;
        assert_eq!(hot_end, 40);
        for cold in [
            offset_of!(S, exp_prev),
            offset_of!(S, exp_next),
            offset_of!(S, weight),
            offset_of!(S, inserted_secs),
        ] {
            assert!(cold >= hot_end);
        }
        for hot in [
            offset_of!(S, key),
            offset_of!(S, value),
            offset_of!(S, expires_at),
            offset_of!(S, prev),
            offset_of!(S, next),
            offset_of!(S, accessed_secs),
        ] {
            assert!(hot < hot_end);
        }
    }

    /// `repr(C)` costs no padding over the crate-doc formula `round_up(K + V + 40, align)` for the
    /// key and value types of the tests and benches.
    #[test]
    fn slot_layout_matches_the_memory_formula() {
        use std::mem::{align_of, size_of};
        fn formula<K, V>() -> usize {
            let align = align_of::<K>().max(align_of::<V>()).max(8);
            (size_of::<K>() + size_of::<V>() + 40).div_ceil(align) * align
        }
        assert_eq!(size_of::<Slot<u64, u64>>(), formula::<u64, u64>());
        assert_eq!(size_of::<Slot<u32, u32>>(), formula::<u32, u32>());
        assert_eq!(size_of::<Slot<u8, u16>>(), formula::<u8, u16>());
        assert_eq!(size_of::<Slot<u16, u64>>(), formula::<u16, u64>());
        assert_eq!(size_of::<Slot<[u8; 9], u64>>(), formula::<[u8; 9], u64>());
        assert_eq!(
            size_of::<Slot<String, Vec<u8>>>(),
            formula::<String, Vec<u8>>()
        );
        assert_eq!(size_of::<Slot<u128, u128>>(), formula::<u128, u128>());
    }

    #[test]
    fn growth_cap_reserves_exactly() {
        let mut s = LinkedSlab::new();
        s.set_growth_cap(Some(5));
        for k in 0..5 {
            s.push_front(slot(k));
        }
        assert_eq!(s.slots.capacity(), 5);
    }

    #[test]
    fn removing_everything_empties_the_list() {
        let mut s = LinkedSlab::new();
        for k in 0..3 {
            s.push_front(slot(k));
        }
        while s.len() > 0 {
            let _ = s.swap_remove(s.tail());
        }
        assert_eq!(s.head(), NIL);
        assert_eq!(s.tail(), NIL);
    }
}
