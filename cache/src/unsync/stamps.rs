//! `CostAware`'s tie-break stamps, which also give each entry's last access second.
//!
//! GDSF breaks ties between equal priorities by the order of the assignments (libCacheSim orders
//! its priority set by `(priority, request number)`), and for `CostAware` every access (insert,
//! update, hit) is an assignment. So the slot's 32-bit last-access field holds the stamp of its
//! last assignment instead of a second, and this table gives the second back: stamps are issued in
//! increasing order, and a **checkpoint** `(first stamp, second)` is added whenever a stamp is
//! issued in a later second than the previous one. The second of a stamp is that of the last
//! checkpoint at or before it (a binary search).
//!
//! The table holds one checkpoint per distinct second in which some live entry was last used: a
//! few in a busy cache (one per second of the age of its least recently used entry, at most), and
//! at worst one per entry (8 bytes each) when every entry was last used in a second of its own.
//! Checkpoints no live stamp falls in are dropped (`prune`) once `entries / 8 + 64` more have
//! accumulated, so the table stays below the needed ones plus an eighth of the entry count.
//!
//! Stamps are `u32`: when they run out, the entries are renumbered `0..n` in stamp order (which
//! keeps every comparison's outcome) and the checkpoints rebuilt for the new numbers.

/// One stamp per live entry, and the table that maps stamps to seconds.
#[derive(Debug, Default)]
pub(crate) struct Stamps {
    /// The next stamp to issue.
    next: u32,
    /// `(first stamp, second)`, by increasing stamp.
    checkpoints: Vec<(u32, u32)>,
    /// Checkpoints kept by the last prune (the growth that triggers the next one is counted from
    /// there).
    kept: usize,
}

impl Stamps {
    pub(crate) fn clear(&mut self) {
        self.next = 0;
        self.checkpoints.clear();
        self.kept = 0;
    }

    /// Whether every stamp is used: the caller must `renumber` before the next `issue`.
    pub(crate) fn exhausted(&self) -> bool {
        self.next == u32::MAX
    }

    /// Whether enough dead checkpoints may have accumulated that the caller should `prune`
    /// (`entries` = live entries).
    pub(crate) fn wants_prune(&self, entries: usize) -> bool {
        self.checkpoints.len() > self.kept + entries / 8 + 64
    }

    /// A new stamp, later than every earlier one, issued in second `secs`.
    pub(crate) fn issue(&mut self, secs: u32) -> u32 {
        debug_assert!(!self.exhausted());
        if self.checkpoints.last().is_none_or(|&(_, s)| s != secs) {
            let len = self.checkpoints.len();
            if len == self.checkpoints.capacity() {
                // Grow by an eighth, not double: in the worst case (one checkpoint per entry)
                // the table is the only per-entry memory beyond the slot, so keep its slack small.
                self.checkpoints.reserve_exact(len / 8 + 16);
            }
            self.checkpoints.push((self.next, secs));
        }
        let stamp = self.next;
        self.next += 1;
        stamp
    }

    /// The second `stamp` was issued in.
    pub(crate) fn secs(&self, stamp: u32) -> u32 {
        let after = self
            .checkpoints
            .partition_point(|&(first, _)| first <= stamp);
        after.checked_sub(1).map_or(0, |cp| self.checkpoints[cp].1)
    }

    /// Drops the checkpoints that none of `live` (the stamps of the live entries) falls in; the
    /// latest checkpoint stays (later stamps of the same second go on using it).
    pub(crate) fn prune(&mut self, live: impl Iterator<Item = u32>) {
        let mut used = vec![false; self.checkpoints.len()];
        if let Some(last) = used.last_mut() {
            *last = true;
        }
        for stamp in live {
            let after = self
                .checkpoints
                .partition_point(|&(first, _)| first <= stamp);
            if let Some(cp) = after.checked_sub(1) {
                used[cp] = true;
            }
        }
        let mut used = used.into_iter();
        self.checkpoints.retain(|_| used.next().unwrap_or(true));
        let len = self.checkpoints.len();
        self.checkpoints.shrink_to(len + len / 8 + 16);
        self.kept = self.checkpoints.len();
    }

    /// Renumbers: `live` holds `(stamp, slot)` of every live entry; returns the new stamp of each
    /// slot (`0..n` in the old stamps' order) and rebuilds the checkpoints for them.
    pub(crate) fn renumber(&mut self, mut live: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
        live.sort_unstable();
        let mut checkpoints: Vec<(u32, u32)> = Vec::new();
        for (n, entry) in live.iter_mut().enumerate() {
            let secs = self.secs(entry.0);
            if checkpoints.last().is_none_or(|&(_, s)| s != secs) {
                checkpoints.push((n as u32, secs));
            }
            entry.0 = n as u32;
        }
        checkpoints.shrink_to_fit();
        self.checkpoints = checkpoints;
        self.kept = self.checkpoints.len();
        self.next = live.len() as u32;
        live
    }

    /// Checkpoints held (tests and the memory documentation).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// Every live stamp was issued (tests only).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn assert_issued(&self, stamp: u32) {
        assert!(stamp < self.next, "stamp {stamp} from the future");
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn starting_at(next: u32) -> Self {
        Self {
            next,
            ..Self::default()
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn seconds_follow_from_stamps_and_survive_pruning() {
        let mut s = Stamps::default();
        let issued: Vec<(u32, u32)> = [5, 5, 5, 7, 7, 9, 12, 12]
            .into_iter()
            .map(|secs| (s.issue(secs), secs))
            .collect();
        assert_eq!(s.checkpoints(), 4);
        for &(stamp, secs) in &issued {
            assert_eq!(s.secs(stamp), secs);
        }
        // Only stamps 1 (second 5) and 6 (second 12) are still live: second 7's and 9's go.
        s.prune([1, 6].into_iter());
        assert_eq!(s.checkpoints(), 2);
        assert_eq!((s.secs(1), s.secs(6)), (5, 12));
        let later = s.issue(12);
        assert_eq!((s.secs(later), s.checkpoints()), (12, 2));
    }

    #[test]
    fn renumbering_keeps_order_and_seconds() {
        let mut s = Stamps::starting_at(u32::MAX - 4);
        let a = s.issue(3);
        let b = s.issue(3);
        let c = s.issue(8);
        let d = s.issue(9);
        assert!(s.exhausted());
        // Slots 10..13 hold d, b, a, c.
        let renumbered = s.renumber(vec![(d, 10), (b, 11), (a, 12), (c, 13)]);
        assert_eq!(renumbered, vec![(0, 12), (1, 11), (2, 13), (3, 10)]);
        assert_eq!(
            (0..4).map(|n| s.secs(n)).collect::<Vec<_>>(),
            vec![3, 3, 8, 9]
        );
        let e = s.issue(9);
        assert_eq!((e, s.secs(e)), (4, 9));
    }
}
