//! The stack curve's prefix sums over time slots: a Fenwick tree of byte sums, and the count of
//! live slots as a bitmap with a Fenwick tree over its blocks.
//!
//! Counting is the common case (entry budgets) and a slot holds at most one live marker, so a
//! bit per slot suffices: with 512-slot blocks, the bitmap of 8 M slots is 1 MiB and the tree
//! over its blocks 64 KiB, both within the CPU's caches, where a Fenwick tree of `u32` counts
//! per slot (32 MiB) costs a memory miss at most of its ~23 levels on every query and update.

macro_rules! fenwick {
    ($name:ident, $t:ty) => {
        /// A Fenwick tree of wrapping sums over 1-based positions.
        pub(super) struct $name {
            tree: Vec<$t>,
        }

        impl $name {
            pub(super) fn new(len: usize) -> Self {
                Self {
                    tree: crate::huge_pages::filled_vec(len + 1, 0),
                }
            }

            /// Builds the tree over `values` (position, value) in linear time.
            pub(super) fn from_values(
                len: usize,
                values: impl Iterator<Item = (usize, $t)>,
            ) -> Self {
                let mut tree: Vec<$t> = crate::huge_pages::filled_vec(len + 1, 0);
                for (i, v) in values {
                    tree[i] = tree[i].wrapping_add(v);
                }
                for i in 1..=len {
                    let parent = i + (i & i.wrapping_neg());
                    if parent <= len {
                        tree[parent] = tree[parent].wrapping_add(tree[i]);
                    }
                }
                Self { tree }
            }

            #[inline]
            pub(super) fn add(&mut self, mut i: usize, v: $t) {
                while i < self.tree.len() {
                    self.tree[i] = self.tree[i].wrapping_add(v);
                    i += i & i.wrapping_neg();
                }
            }

            #[inline]
            pub(super) fn prefix(&self, mut i: usize) -> $t {
                let mut sum: $t = 0;
                while i > 0 {
                    sum = sum.wrapping_add(self.tree[i]);
                    i &= i - 1;
                }
                sum
            }
        }
    };
}

fenwick!(BlockTree, u32);
fenwick!(ByteTree, u64);

/// Words per block of the live-slot bitmap (one 64-byte cache line).
const BLOCK_WORDS: usize = 8;
const BLOCK_SLOTS: usize = 64 * BLOCK_WORDS;

/// Which of the slots `1..=len` are live, with prefix counts.
pub(super) struct LiveSlots {
    words: Vec<u64>,
    /// Live slots per block, by block number + 1.
    blocks: BlockTree,
}

impl LiveSlots {
    /// No live slot among `1..=len`.
    pub(super) fn new(len: usize) -> Self {
        let blocks = (len + 1).div_ceil(BLOCK_SLOTS);
        Self {
            words: vec![0; blocks * BLOCK_WORDS],
            blocks: BlockTree::new(blocks),
        }
    }

    /// The slots `live` (each in `1..=len`, each once) live, built in linear time.
    pub(super) fn from_live(len: usize, live: impl Iterator<Item = usize>) -> Self {
        let blocks = (len + 1).div_ceil(BLOCK_SLOTS);
        let mut words = vec![0u64; blocks * BLOCK_WORDS];
        for slot in live {
            words[slot / 64] |= 1 << (slot % 64);
        }
        let counts = words
            .chunks(BLOCK_WORDS)
            .enumerate()
            .map(|(b, w)| (b + 1, w.iter().map(|x| x.count_ones()).sum::<u32>()));
        Self {
            blocks: BlockTree::from_values(blocks, counts),
            words,
        }
    }

    /// Starts loading the bitmap word of `slot` (a hint).
    #[inline]
    pub(super) fn prefetch(&self, slot: usize) {
        crate::huge_pages::prefetch(&self.words, slot / 64);
    }

    /// Marks `slot` live (it was not).
    #[inline]
    pub(super) fn set(&mut self, slot: usize) {
        self.words[slot / 64] |= 1 << (slot % 64);
        self.blocks.add(slot / BLOCK_SLOTS + 1, 1);
    }

    /// Marks `slot` dead (it was live).
    #[inline]
    pub(super) fn clear(&mut self, slot: usize) {
        self.words[slot / 64] &= !(1 << (slot % 64));
        self.blocks.add(slot / BLOCK_SLOTS + 1, 1u32.wrapping_neg());
    }

    /// Live slots among `1..=slot`.
    #[inline]
    pub(super) fn prefix(&self, slot: usize) -> u32 {
        let block = slot / BLOCK_SLOTS;
        let word = slot / 64;
        let first = block * BLOCK_WORDS;
        let whole: u32 = self.words[first..word].iter().map(|w| w.count_ones()).sum();
        // Bits 0..=slot % 64 of the slot's own word.
        let mask = u64::MAX >> (63 - slot % 64);
        self.blocks.prefix(block) + whole + (self.words[word] & mask).count_ones()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Prefix counts equal a plain array's after any sequence of sets and clears, and a
        /// bitmap built at once equals one built slot by slot.
        #[test]
        fn live_slots_count_like_an_array(ops in proptest::collection::vec(1usize..3000, 0..400)) {
            let len = 3000;
            let mut live = LiveSlots::new(len);
            let mut model = vec![false; len + 1];
            for slot in ops {
                if model[slot] {
                    live.clear(slot);
                } else {
                    live.set(slot);
                }
                model[slot] = !model[slot];
            }
            let built = LiveSlots::from_live(len, (1..=len).filter(|&s| model[s]));
            let mut count = 0;
            for (slot, &is_live) in model.iter().enumerate() {
                count += u32::from(is_live);
                prop_assert_eq!(live.prefix(slot), count);
                prop_assert_eq!(built.prefix(slot), count);
            }
        }
    }

    #[test]
    fn byte_sums_are_prefix_sums() {
        let mut t = ByteTree::from_values(10, [(3, 5u64), (7, 2)].into_iter());
        t.add(10, 1);
        t.add(3, 5u64.wrapping_neg());
        let sums: Vec<u64> = (0..=10).map(|i| t.prefix(i)).collect();
        assert_eq!(sums, vec![0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 3]);
    }
}
