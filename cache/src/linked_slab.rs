//! A dense slab of entries threaded on a doubly-linked recency list by `u32` indices.
//!
//! Entries live in one `Vec` with no holes: removing an entry moves the last one into its place
//! (`swap_remove`), so there is no free list, no `Option` per slot and no per-entry allocation. The
//! price is that the caller must re-point whatever refers to the moved entry (the hash table and the
//! expiry queue); `swap_remove` says which index moved.
//!
//! The queue links are not in the slots but in a second array beside them (8 bytes per entry,
//! same index). Relinking an entry writes its two neighbours' links; with the links in the slots
//! those were two more slot cache lines per LRU hit, each a miss once the cache outgrows the CPU
//! caches, while the link array is a quarter of the slots' size (for `u64 → u64`) and stays
//! cached far longer. A hit still reads its own slot; the neighbours' slots are left alone.
//!
//! What hits never read (the deadline's low half, the expiry queue links, the weight) is in a
//! third array, of [`Cold`] parts: so the slots hold only what a hit reads, 32 bytes for
//! `u64 → u64`, and the slot array starts on a cache line, so a hit reads one line of slots
//! (with the cold part inside each slot, a 48-byte slot, one hit in four crossed a line, and the
//! slots the hits keep in the CPU caches took half as much room again).

/// "No entry": the end of the recency list, or "not in the expiry queue".
pub(crate) const NIL: u32 = u32::MAX;

use crate::line_aligned::LineAligned;
use crate::relaxed::RelaxedU32;

/// A deadline that never comes (an entry without TTL).
pub(crate) const NEVER: u64 = u64::MAX;

/// Stored weights at or above this value are kept exactly in a side table instead (see `unsync`).
pub(crate) const HEAVY: u32 = u32::MAX;

/// The queue every policy uses (LRU's recency list, SIEVE's and GDSF's list, S3-FIFO's main queue).
pub(crate) const MAIN: u8 = 0;
/// S3-FIFO's small (probationary) queue.
pub(crate) const SMALL: u8 = 1;

/// "Cost not known": the entry was stored without one (see `Slot::cost`).
pub(crate) const UNKNOWN_COST: f32 = -1.0;

/// `Slot::meta`: bits 0–1 the policy's frequency, bit 2 the queue, bits 3–7 the TTL class
/// (`inserted`), bits 8–31 the hit count.
const FREQ_MASK: u32 = 0b11;
const QUEUE_SHIFT: u32 = 2;
const CLASS_SHIFT: u32 = 3;
const CLASS_MASK: u32 = 0b1_1111 << CLASS_SHIFT;
const HITS_SHIFT: u32 = 8;
/// Hit counts saturate here (16,777,215).
pub(crate) const MAX_HITS: u32 = u32::MAX >> HITS_SHIFT;
/// The number of TTL classes `meta` can name.
pub(crate) const TTL_CLASSES: usize = 1 << 5;

/// The queue links of one slot (kept apart from the slot: see the module doc).
#[derive(Debug, Clone, Copy)]
struct Links {
    /// Towards the head (most recently used / most recently queued) end of its queue.
    prev: u32,
    /// Towards the tail (least recently used / oldest) end of its queue.
    next: u32,
}

const UNLINKED: Links = Links {
    prev: NIL,
    next: NIL,
};

/// What a hit reads of one cached entry: the key, the value and 16 bytes of bookkeeping. The
/// rest of the entry's bookkeeping is its [`Cold`] part and its queue links, each in an array of
/// its own beside the slots (same index; see [`LinkedSlab`]).
///
/// The entry's bookkeeping is 32 bytes in all: one `u64` deadline (exact, nanoseconds, stored as
/// two 4-byte halves, the high one here) and six 4-byte fields. The last access is whole seconds
/// since the clock's origin (it only feeds `EntryInfo::idle`); the insertion time is not stored
/// but derived from the deadline and the entry's TTL class (see `unsync::inserted`), and for an
/// entry without TTL kept in `exp_prev`, which only entries with a deadline use. The hit count
/// (24 bits, saturating), the TTL class, the queue and the policy's frequency bits share one
/// word, `meta`.
///
/// The slot holds exactly what a hit reads or writes: key (compared), value (cloned), the
/// deadline's high half (checked), last access, `meta` (hit count, frequency) and cost (summed
/// into `cost_saved`). The high half is the deadline rounded down to a multiple of 2^32 ns
/// (4.3 s), which decides every hit more than that (plus the clock's margin) before the deadline;
/// only a hit nearer the deadline reads the low half, in the cold part. For `u64 → u64` the slot
/// is 32 bytes and the slot array starts on a cache line (`line_aligned`), so a hit reads one
/// line of slots. The fields a hit updates under a *shared* lock (lazy-promotion policies) are
/// relaxed atomics (`relaxed`).
///
/// `CostAware` keeps no queue: its slab *is* its priority heap (see `unsync::priority_heap`), so
/// the link words hold the entry's GDSF priority (an `f64`, see [`LinkedSlab::priority`]) and
/// `accessed_secs` holds the tie-break stamp of that priority, from which the last access second
/// follows (`unsync::stamps`).
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Slot<K, V> {
    pub(crate) key: K,
    pub(crate) value: V,
    /// The high 32 bits of the deadline (the low ones are in the slot's [`Cold`] part).
    deadline_hi: u32,
    /// Seconds since the clock origin of the last read or write.
    pub(crate) accessed_secs: RelaxedU32,
    /// Hit count, TTL class, queue and frequency bits (see `FREQ_MASK` and the accessors).
    meta: RelaxedU32,
    /// What producing the value cost, in nanoseconds of the cache's clock; `UNKNOWN_COST` if not
    /// known (an `f32`: 24 bits of precision are plenty for a cost, and it keeps the slot small).
    pub(crate) cost: f32,
}

/// The part of an entry's bookkeeping that hits do not read, in an array beside the slots (same
/// index): 16 bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cold {
    /// The low 32 bits of the deadline.
    deadline_lo: u32,
    /// Expiry queue link to the previous (earlier) entry, `NIL`, or `expiry::IN_HEAP`; for an
    /// entry without deadline, the second it was inserted at (see `unsync::inserted`).
    pub(crate) exp_prev: u32,
    /// Expiry queue link to the next (later) entry, `NIL`, or the heap position when in the heap.
    pub(crate) exp_next: u32,
    /// Weight in bytes, or `HEAVY` when it does not fit in 32 bits.
    pub(crate) weight: u32,
}

/// A new entry, not yet in the slab: its slot and its cold part.
#[derive(Debug)]
pub(crate) struct Detached<K, V> {
    pub(crate) slot: Slot<K, V>,
    pub(crate) cold: Cold,
}

/// The deadline from its two halves.
#[inline]
fn deadline_of(hi: u32, lo: u32) -> u64 {
    u64::from(hi) << 32 | u64::from(lo)
}

/// The deadline's two halves (high, low).
#[inline]
fn halves(expires_at: u64) -> (u32, u32) {
    ((expires_at >> 32) as u32, expires_at as u32)
}

impl<K, V> Slot<K, V> {
    /// A slot not yet linked into a queue or the expiry queue, with no hits, last accessed at
    /// `now_secs`, in TTL class 0 (the caller sets its class and weight once it has an index).
    pub(crate) fn detached(
        key: K,
        value: V,
        expires_at: u64,
        now_secs: u32,
        cost: f32,
    ) -> Detached<K, V> {
        let (deadline_hi, deadline_lo) = halves(expires_at);
        Detached {
            slot: Self {
                key,
                value,
                deadline_hi,
                accessed_secs: RelaxedU32::new(now_secs),
                meta: RelaxedU32::new(0),
                cost,
            },
            cold: Cold {
                deadline_lo,
                exp_prev: NIL,
                exp_next: NIL,
                weight: 0,
            },
        }
    }

    /// The deadline rounded down to a multiple of 2^32 ns, read from the hot part of the slot
    /// alone: a hit compares it first and reads the exact deadline only when it does not decide.
    #[inline]
    pub(crate) fn expires_at_or_before(&self) -> u64 {
        deadline_of(self.deadline_hi, 0)
    }

    /// Hits since insertion (saturating at `MAX_HITS`).
    #[inline]
    pub(crate) fn hits(&self) -> u32 {
        self.meta.load() >> HITS_SHIFT
    }

    /// The policy's lazy-promotion state: S3-FIFO's 2-bit frequency, SIEVE's visited bit.
    #[inline]
    pub(crate) fn freq(&self) -> u8 {
        (self.meta.load() & FREQ_MASK) as u8
    }

    /// Which queue the slot is on (`MAIN` or `SMALL`).
    #[inline]
    pub(crate) fn queue(&self) -> u8 {
        ((self.meta.load() >> QUEUE_SHIFT) & 1) as u8
    }

    /// The TTL class (`unsync::inserted`).
    #[inline]
    pub(crate) fn ttl_class(&self) -> u8 {
        ((self.meta.load() & CLASS_MASK) >> CLASS_SHIFT) as u8
    }

    #[inline]
    fn update_meta(&mut self, f: impl FnOnce(u32) -> u32) {
        let m = self.meta.get();
        self.meta.set(f(m));
    }

    pub(crate) fn set_freq(&mut self, freq: u8) {
        self.update_meta(|m| (m & !FREQ_MASK) | (u32::from(freq) & FREQ_MASK));
    }

    pub(crate) fn set_queue(&mut self, queue: u8) {
        self.update_meta(|m| (m & !(1 << QUEUE_SHIFT)) | (u32::from(queue & 1) << QUEUE_SHIFT));
    }

    pub(crate) fn set_ttl_class(&mut self, class: u8) {
        self.update_meta(|m| (m & !CLASS_MASK) | ((u32::from(class) << CLASS_SHIFT) & CLASS_MASK));
    }

    /// Resets the hit count (an update starts a new life).
    pub(crate) fn reset_hits(&mut self) {
        self.update_meta(|m| m & ((1 << HITS_SHIFT) - 1));
    }

    /// One more hit, with exclusive access.
    #[inline]
    pub(crate) fn add_hit(&mut self) {
        self.update_meta(|m| bump(m, 0, true));
    }

    /// Frequency + 1, up to `cap`, with exclusive access.
    #[inline]
    pub(crate) fn bump_freq(&mut self, cap: u8) {
        self.update_meta(|m| bump(m, cap, false));
    }

    /// A hit under a *shared* lock: hit count + 1 and frequency + 1 up to `cap`, in one relaxed
    /// load and (if anything changed) one relaxed store. Only shared-lock hits write `meta`
    /// concurrently, and they only ever raise these two counters, so a lost update loses a hit
    /// count or frequency step, never the queue or TTL class (those change under the exclusive
    /// lock only).
    #[inline]
    pub(crate) fn touch_shared(&self, cap: u8) {
        let m = self.meta.load();
        let bumped = bump(m, cap, true);
        if bumped != m {
            self.meta.store(bumped);
        }
    }
}

/// `meta` with the frequency raised towards `cap` and, if `hit`, the hit count raised
/// (both saturating).
#[inline]
fn bump(m: u32, cap: u8, hit: bool) -> u32 {
    let freq = m & FREQ_MASK;
    let m = if freq < u32::from(cap) { m + 1 } else { m };
    if hit && (m >> HITS_SHIFT) < MAX_HITS {
        m + (1 << HITS_SHIFT)
    } else {
        m
    }
}

/// The capacity a full array of `len` elements grows to: double, but never past `cap` when one is
/// set (exact reservation, so a full bounded cache carries no doubling slack).
fn grown_capacity(len: usize, cap: Option<usize>) -> usize {
    let doubled = (len * 2).max(4);
    match cap {
        Some(cap) if cap > len => doubled.min(cap),
        _ => doubled,
    }
}

/// The two ends of one queue.
#[derive(Debug, Clone, Copy)]
struct Ends {
    /// Most recent end, or `NIL` when empty.
    head: u32,
    /// Oldest end, or `NIL` when empty.
    tail: u32,
}

const EMPTY: Ends = Ends {
    head: NIL,
    tail: NIL,
};

/// The slab plus the ends of its queues (`MAIN`, and `SMALL` for S3-FIFO).
#[derive(Debug)]
pub(crate) struct LinkedSlab<K, V> {
    /// The hot parts, starting on a cache line (see `line_aligned`).
    slots: allocator_api2::vec::Vec<Slot<K, V>, LineAligned>,
    /// `colds[i]` is slot `i`'s cold part (same length as `slots`).
    colds: Vec<Cold>,
    /// `links[i]` are slot `i`'s queue links (same length as `slots`).
    links: Vec<Links>,
    ends: [Ends; 2],
    /// When set, the slab never grows its allocation past this many slots (`max_entries`), so a
    /// full cache carries no doubling slack.
    growth_cap: Option<usize>,
    /// Whether slots are threaded on the queues. `false` for `CostAware`, whose `prev`/`next`
    /// hold the priority: slots are then only pushed at the end and removed, never linked.
    linked: bool,
}

impl<K, V> LinkedSlab<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            slots: allocator_api2::vec::Vec::new_in(LineAligned),
            colds: Vec::new(),
            links: Vec::new(),
            ends: [EMPTY; 2],
            growth_cap: None,
            linked: true,
        }
    }

    /// A slab whose slots are on no queue (`CostAware`: see `linked`).
    pub(crate) fn unlinked() -> Self {
        Self {
            linked: false,
            ..Self::new()
        }
    }

    /// Exchanges slots `a` and `b` (unlinked slabs only: queue links would need re-pointing).
    pub(crate) fn swap(&mut self, a: u32, b: u32) {
        debug_assert!(!self.linked);
        self.slots.swap(a as usize, b as usize);
        self.colds.swap(a as usize, b as usize);
        self.links.swap(a as usize, b as usize);
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Head (most recent end) of the main queue.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn head(&self) -> u32 {
        self.ends[MAIN as usize].head
    }

    /// Tail (oldest end) of the main queue.
    pub(crate) fn tail(&self) -> u32 {
        self.ends[MAIN as usize].tail
    }

    pub(crate) fn head_of(&self, queue: u8) -> u32 {
        self.ends[queue as usize].head
    }

    pub(crate) fn tail_of(&self, queue: u8) -> u32 {
        self.ends[queue as usize].tail
    }

    pub(crate) fn set_growth_cap(&mut self, cap: Option<usize>) {
        self.growth_cap = cap;
    }

    /// The slot towards the head of `i`'s queue (`NIL` at the head).
    #[inline]
    pub(crate) fn prev(&self, i: u32) -> u32 {
        self.links[i as usize].prev
    }

    /// The slot towards the tail of `i`'s queue (`NIL` at the tail).
    #[inline]
    pub(crate) fn next(&self, i: u32) -> u32 {
        self.links[i as usize].next
    }

    /// `CostAware` (unlinked slab): slot `i`'s GDSF priority, kept in its link words (low word
    /// in `prev`).
    #[inline]
    pub(crate) fn priority(&self, i: u32) -> f64 {
        let l = self.links[i as usize];
        f64::from_bits(u64::from(l.next) << 32 | u64::from(l.prev))
    }

    /// `CostAware`: sets slot `i`'s priority (see `priority`).
    #[inline]
    pub(crate) fn set_priority(&mut self, i: u32, priority: f64) {
        debug_assert!(!self.linked);
        let bits = priority.to_bits();
        self.links[i as usize] = Links {
            prev: bits as u32,
            next: (bits >> 32) as u32,
        };
    }

    /// Asks the CPU to start loading slot `i` (a hint: it changes no result; `i` out of range,
    /// such as `NIL`, does nothing). The evictions call it for their next candidate: with the
    /// links out of the slots, nothing else loads that slot before the eviction that needs it.
    #[inline]
    pub(crate) fn prefetch(&self, i: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(slot) = self.slots.get(i as usize) {
            let ptr = std::ptr::from_ref(slot).cast::<i8>();
            // SAFETY: `_mm_prefetch` only hints the cache: it never faults and reads nothing into
            // the program, whatever the address. `ptr` points to a live slot anyway (it comes from
            // a reference). SSE is in the x86_64 baseline. Exercised by
            // `tests::prefetch_changes_nothing` and by every eviction, both under Miri in `.ci/run`.
            unsafe { core::arch::x86_64::_mm_prefetch(ptr, core::arch::x86_64::_MM_HINT_T0) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = i;
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

    /// Slot `i`'s cold part.
    #[inline]
    pub(crate) fn cold(&self, i: u32) -> &Cold {
        &self.colds[i as usize]
    }

    #[inline]
    pub(crate) fn cold_mut(&mut self, i: u32) -> &mut Cold {
        &mut self.colds[i as usize]
    }

    /// Nanoseconds since the clock origin at which entry `i` expires; `NEVER` for no TTL.
    #[inline]
    pub(crate) fn expires_at(&self, i: u32) -> u64 {
        deadline_of(
            self.slots[i as usize].deadline_hi,
            self.colds[i as usize].deadline_lo,
        )
    }

    pub(crate) fn set_expires_at(&mut self, i: u32, expires_at: u64) {
        let (hi, lo) = halves(expires_at);
        self.slots[i as usize].deadline_hi = hi;
        self.colds[i as usize].deadline_lo = lo;
    }

    /// Stores `entry` at the head of the main queue and returns its index.
    pub(crate) fn push_front(&mut self, entry: Detached<K, V>) -> u32 {
        self.push_front_of(entry, MAIN)
    }

    /// Stores `slot` at the head of `queue` and returns its index.
    ///
    /// The caller guarantees `len() < NIL as usize` (the core never holds 2^32 - 1 entries).
    pub(crate) fn push_front_of(&mut self, entry: Detached<K, V>, queue: u8) -> u32 {
        let Detached { mut slot, cold } = entry;
        let i = self.slots.len() as u32;
        slot.set_queue(queue);
        if self.slots.len() == self.slots.capacity() {
            self.grow();
        }
        self.slots.push(slot);
        self.colds.push(cold);
        self.links.push(UNLINKED);
        if self.linked {
            self.link_front(i);
        }
        i
    }

    fn grow(&mut self) {
        let len = self.slots.len();
        let target = grown_capacity(len, self.growth_cap);
        self.slots.reserve_exact(target - len);
        // The same capacity for the cold parts and links, so the arrays grow (and carry slack)
        // together.
        let extra = self.slots.capacity() - len;
        self.colds.reserve_exact(extra);
        self.links.reserve_exact(extra);
    }

    /// Puts `slot` in place of entry `i` (reusing its storage) at the head of the main queue;
    /// returns the entry it replaced.
    pub(crate) fn replace(&mut self, i: u32, entry: Detached<K, V>) -> Slot<K, V> {
        debug_assert!(self.linked);
        let Detached { mut slot, cold } = entry;
        self.unlink(i);
        self.links[i as usize] = UNLINKED;
        slot.set_queue(MAIN);
        self.colds[i as usize] = cold;
        let old = std::mem::replace(&mut self.slots[i as usize], slot);
        self.link_front(i);
        old
    }

    /// Moves `i` to the head of its queue.
    #[inline]
    pub(crate) fn move_to_front(&mut self, i: u32) {
        let q = self.slots[i as usize].queue() as usize;
        if self.ends[q].head == i {
            return;
        }
        self.unlink(i);
        self.link_front(i);
    }

    /// Moves `i` to the head of `queue` (possibly another queue than its own).
    pub(crate) fn move_to_front_of(&mut self, i: u32, queue: u8) {
        debug_assert!(self.linked);
        self.unlink(i);
        self.slots[i as usize].set_queue(queue);
        self.link_front(i);
    }

    #[inline]
    fn unlink(&mut self, i: u32) {
        let Links { prev, next } = self.links[i as usize];
        let q = self.slots[i as usize].queue() as usize;
        if prev != NIL {
            self.links[prev as usize].next = next;
        } else {
            self.ends[q].head = next;
        }
        if next != NIL {
            self.links[next as usize].prev = prev;
        } else {
            self.ends[q].tail = prev;
        }
    }

    /// Links `i` at the head of the queue its `queue` field names.
    #[inline]
    fn link_front(&mut self, i: u32) {
        let q = self.slots[i as usize].queue() as usize;
        let old_head = self.ends[q].head;
        self.links[i as usize] = Links {
            prev: NIL,
            next: old_head,
        };
        if old_head != NIL {
            self.links[old_head as usize].prev = i;
        } else {
            self.ends[q].tail = i;
        }
        self.ends[q].head = i;
    }

    /// Removes entry `i`. If another entry had to move into index `i`, returns its former index
    /// (always the last one) so the caller can re-point references to it.
    pub(crate) fn swap_remove(&mut self, i: u32) -> (Slot<K, V>, Option<u32>) {
        if self.linked {
            self.unlink(i);
        }
        let last = (self.slots.len() - 1) as u32;
        let removed = self.slots.swap_remove(i as usize);
        self.colds.swap_remove(i as usize);
        self.links.swap_remove(i as usize);
        if i == last {
            return (removed, None);
        }
        if !self.linked {
            return (removed, Some(last));
        }
        // The former last entry now sits at `i`: fix its neighbours' links and the list ends.
        let Links { prev, next } = self.links[i as usize];
        let q = self.slots[i as usize].queue() as usize;
        if prev != NIL {
            self.links[prev as usize].next = i;
        } else {
            self.ends[q].head = i;
        }
        if next != NIL {
            self.links[next as usize].prev = i;
        } else {
            self.ends[q].tail = i;
        }
        (removed, Some(last))
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
        self.colds.clear();
        self.links.clear();
        self.ends = [EMPTY; 2];
    }

    /// Indices from most to least recently used, starting at `from`.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn iter_from(&self, from: u32) -> impl Iterator<Item = u32> + '_ {
        let mut cur = from;
        std::iter::from_fn(move || {
            if cur == NIL {
                return None;
            }
            let i = cur;
            cur = self.links[i as usize].next;
            Some(i)
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn slot(key: u32) -> Detached<u32, ()> {
        Slot::detached(key, (), NEVER, 0, UNKNOWN_COST)
    }

    fn order(s: &LinkedSlab<u32, ()>) -> Vec<u32> {
        s.iter_from(s.head()).map(|i| s.get(i).key).collect()
    }

    fn reverse_order(s: &LinkedSlab<u32, ()>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = s.tail();
        while cur != NIL {
            out.push(s.get(cur).key);
            cur = s.prev(cur);
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

    /// The deadline's two halves give it back exactly, and the hot half alone is a lower bound
    /// less than 2^32 ns below it (what lets a hit far from the deadline skip the cold part).
    #[test]
    fn the_deadline_halves_round_trip_and_the_hot_half_bounds_it() {
        let deadlines = [
            0,
            1,
            u64::from(u32::MAX),
            1 << 32,
            (1 << 32) + 1,
            86_400_000_000_000 + 123_456_789,
            NEVER - 1,
            NEVER,
        ];
        let mut s = LinkedSlab::new();
        for d in deadlines {
            let i = s.push_front(Slot::detached((), (), d, 0, UNKNOWN_COST));
            assert_eq!(s.expires_at(i), d);
            s.set_expires_at(i, d ^ 0x5555);
            assert_eq!(s.expires_at(i), d ^ 0x5555);
            s.set_expires_at(i, d);
            assert_eq!(s.expires_at(i), d);
            let bound = s.get(i).expires_at_or_before();
            assert!(
                bound <= d && d - bound < 1 << 32,
                "deadline {d}: bound {bound}"
            );
        }
    }

    /// The per-entry formula in the crate docs: key + value + 16 bytes, rounded to the alignment,
    /// in the slot, 16 bytes of cold part and 8 of links beside it.
    #[test]
    fn slot_bookkeeping_is_16_bytes_plus_16_cold_plus_8_of_links() {
        use std::mem::size_of;
        assert_eq!(size_of::<Links>(), 8);
        assert_eq!(size_of::<Cold>(), 16);
        assert_eq!(size_of::<Slot<(), ()>>(), 16);
        assert_eq!(size_of::<Slot<u64, u64>>(), 32);
        assert_eq!(size_of::<Slot<u32, u64>>(), 32); // 12 + 16 -> 32 (4 bytes of padding)
        assert_eq!(
            size_of::<Slot<String, std::sync::Arc<[u8]>>>(),
            24 + 16 + 16
        );
        assert_eq!(size_of::<Slot<u8, u64>>(), 32); // 1 + 7 padding + 8 + 16
        assert_eq!(size_of::<Slot<u64, u8>>(), 32); // 8 + 1 + 3 padding + 16, rounded to 8
    }

    /// What a hit touches is its slot, and nothing else of the entry: for `u64 → u64` 32 bytes,
    /// half a cache line, in an array that starts on a line, so no slot crosses one.
    #[test]
    fn a_hit_touches_one_line_of_slots() {
        assert_eq!(std::mem::size_of::<Slot<u64, u64>>(), 32);
        let mut s = LinkedSlab::new();
        for k in 0..1000u64 {
            s.push_front(Slot::detached(k, k, NEVER, 0, UNKNOWN_COST));
            let start = s.slots().as_ptr() as usize;
            assert_eq!(
                start % crate::line_aligned::LINE,
                0,
                "after {} pushes",
                k + 1
            );
        }
    }

    /// `repr(C)` costs no padding over the crate-doc formula `round_up(K + V + 16, align)` for the
    /// key and value types of the tests and benches.
    #[test]
    fn slot_layout_matches_the_memory_formula() {
        use std::mem::{align_of, size_of};
        fn formula<K, V>() -> usize {
            let align = align_of::<K>().max(align_of::<V>()).max(4);
            (size_of::<K>() + size_of::<V>() + 16).div_ceil(align) * align
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

    /// The packed `meta` word: each field reads back what was set, the others untouched;
    /// counters saturate.
    #[test]
    fn meta_fields_are_independent_and_saturate() {
        let mut s = slot(1).slot;
        s.set_queue(SMALL);
        s.set_ttl_class(17);
        for _ in 0..5 {
            s.bump_freq(3);
        }
        s.add_hit();
        s.touch_shared(3);
        assert_eq!(
            (s.queue(), s.ttl_class(), s.freq(), s.hits()),
            (SMALL, 17, 3, 2)
        );
        s.set_freq(1);
        s.reset_hits();
        s.set_queue(MAIN);
        assert_eq!(
            (s.queue(), s.ttl_class(), s.freq(), s.hits()),
            (MAIN, 17, 1, 0)
        );
        let m = s.meta.get();
        s.meta.set(m | (MAX_HITS << HITS_SHIFT));
        s.add_hit();
        s.touch_shared(1);
        assert_eq!((s.hits(), s.freq(), s.ttl_class()), (MAX_HITS, 1, 17));
    }

    #[test]
    fn growth_cap_reserves_exactly() {
        let mut s = LinkedSlab::new();
        s.set_growth_cap(Some(5));
        for k in 0..5 {
            s.push_front(slot(k));
        }
        assert_eq!(s.slots.capacity(), 5);
        assert_eq!(s.colds.capacity(), 5);
        assert_eq!(s.links.capacity(), 5);
    }

    /// `prefetch` (the one `unsafe` block here) accepts any index, in range or not, and changes
    /// nothing.
    #[test]
    fn prefetch_changes_nothing() {
        let mut s = LinkedSlab::new();
        s.prefetch(0);
        s.prefetch(NIL);
        for k in 0..5 {
            s.push_front(slot(k));
            for i in [0, k, k + 1, NIL] {
                s.prefetch(i);
            }
        }
        assert_eq!(order(&s), vec![4, 3, 2, 1, 0]);
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
