//! The whole LRU curve in one pass: stack distances over a Fenwick tree (Mattson et al.).
//!
//! Without a TTL, gencache's LRU (`cache/src/unsync.rs`) keeps exactly the longest prefix of
//! the recency stack that satisfies its bounds, among the keys it can hold at all: a key heavier
//! than the byte budget is refused at its miss without evicting anything, so at that budget it
//! takes no room in the stack. A request is then a hit at budget `(C, B)` iff its key was used
//! before, fits `B` on its own, and the included keys used since its last use, plus itself,
//! number at most `C` and weigh at most `B`. Entry eviction before the insert (`replace_lru`)
//! and byte eviction after it both cut the stack's tail, so they give the same prefix.
//!
//! Keys are split into size classes by the grid's byte budgets (class `c`: heavier than the
//! `c` smallest budgets), one Fenwick tree per class over "time slots" holding each key's
//! last use; a query sums the classes a budget includes. Slots are compacted when they run
//! out, so memory follows the distinct keys, not the trace length.
//!
//! What this cannot reproduce exactly, and refuses ([`StackError::SizeChanged`]) so the caller
//! replays those points with the engine: a key whose size changes on a later request under a
//! byte budget (gencache keeps the size of the miss that inserted it, and which request missed
//! depends on the budget).
//!
//! Closed loop with one client has no queueing: a hit takes the hit cost, a miss its own
//! generation cost, so every point's virtual time and latency distribution follow from the
//! per-request outcomes.

use crate::engine::{EngineError, LatencyRecorder, MAX_COST_S, checked_secs_to_ns};
use crate::sweep::fenwick::{ByteTree, LiveSlots};
use crate::sweep::key_table::{KeyState, KeyTable};
use crate::sweep::profile::ReuseStats;
use reports::sweep::TraceProfile;
use std::collections::VecDeque;
use workloads::Request;

/// One budget of the curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackPoint {
    /// Entry bound, `None` = unbounded.
    pub max_entries: Option<u64>,
    /// Byte budget, `None` = unbounded.
    pub max_bytes: Option<u64>,
}

/// What one budget gives over the trace (closed loop, one client, no TTL).
#[derive(Debug, Clone)]
pub struct StackFigures {
    /// Requests counted (after the warm-up).
    pub requests: u64,
    /// Hits.
    pub hits: u64,
    /// Bytes of the requests answered from the cache.
    pub hit_bytes: u128,
    /// Bytes requested.
    pub requested_bytes: u128,
    /// Generation nanoseconds of the baseline (every request generates).
    pub baseline_generation_ns: u128,
    /// Generation nanoseconds with the cache (the misses').
    pub generation_ns: u128,
    /// Cached virtual time (sum of latencies), ns.
    pub makespan_ns: u128,
    /// Every request's latency with the cache.
    pub latency: LatencyRecorder,
    /// Latency of every request without a cache (its generation cost).
    pub baseline_latency: LatencyRecorder,
    /// Entries evicted for capacity by the measured requests (after the warm-up).
    pub evictions: u64,
    /// Measured misses refused for not fitting the bounds on their own.
    pub refused: u64,
}

/// Why the one-pass curve does not apply.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// A key's size changed under a byte budget (see the module documentation).
    #[error("request {request}: key {key} changed size ({before} -> {after} bytes)")]
    SizeChanged {
        /// Position of the request, from 1.
        request: u64,
        /// Its key.
        key: u64,
        /// The size its earlier request had.
        before: u64,
        /// Its size now.
        after: u64,
    },
    /// A request the engine would refuse as well (its message names it).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// The keys of one size class on the stack: how many, and their bytes, by slot.
struct ClassTrees {
    count: Option<LiveSlots>,
    bytes: Option<ByteTree>,
    total_count: u32,
    total_bytes: u64,
}

/// A slot without a live marker.
const DEAD: u32 = u32::MAX;

/// Hit counts and costs of the requests that first hit at one grid index (or at one point).
#[derive(Clone)]
struct Acc {
    hits: u64,
    hit_bytes: u128,
    hit_cost_ns: u128,
    hit_costs: LatencyRecorder,
}

impl Acc {
    fn new() -> Self {
        Self {
            hits: 0,
            hit_bytes: 0,
            hit_cost_ns: 0,
            hit_costs: LatencyRecorder::new(),
        }
    }

    fn record(&mut self, size: u64, cost_ns: u64) {
        self.hits += 1;
        self.hit_bytes += u128::from(size);
        self.hit_cost_ns += u128::from(cost_ns);
        self.hit_costs.record_ns(cost_ns);
    }

    fn merge(&mut self, other: &Acc) {
        self.hits += other.hits;
        self.hit_bytes += other.hit_bytes;
        self.hit_cost_ns += other.hit_cost_ns;
        self.hit_costs.add(&other.hit_costs);
    }
}

/// One pass over the trace, building every point's figures.
struct StackCurve<'p> {
    points: &'p [StackPoint],
    /// Sorted distinct finite byte budgets: the class boundaries.
    thresholds: Vec<u64>,
    /// For each point, the highest class it includes.
    included: Vec<usize>,
    need_counts: bool,
    need_bytes: bool,
    classes: Vec<Option<ClassTrees>>,
    active: Vec<usize>,
    /// Every key's state.
    states: KeyTable,
    /// The table position of each slot's key, [`DEAD`] where no key's last use is.
    slot_state: Vec<u32>,
    reuse: ReuseStats,
    next_slot: usize,
    capacity: usize,
    /// Requests per class (each class's requests are refused where it is not included).
    class_requests: Vec<u64>,
    /// Requests that hit from point index `i` on (`levels[i]`), for monotone outcomes.
    levels: Vec<Acc>,
    /// Requests whose hits are not a suffix of the points (oversized keys), per point.
    direct: Vec<Option<Acc>>,
    warmup: u64,
    /// Each point's entries when the warm-up ended (`None` before; zeros without a warm-up).
    entries_at_warmup: Option<Vec<u64>>,
    position: u64,
    counted: u64,
    requested_bytes: u128,
    cost_ns: u128,
    costs: LatencyRecorder,
    hit_cost_ns: u64,
    window_counts: Vec<u64>,
    window_bytes: Vec<u64>,
}

const INITIAL_SLOTS: usize = 1 << 16;

/// Computes every point at once.
///
/// `points` must be in ascending order of the swept budget (the usual case then records each
/// request once, at the first point it hits). The first `warmup` requests warm the cache but
/// are left out of the figures (evictions too: those of the measured requests only).
///
/// # Errors
///
/// [`StackError::SizeChanged`] when a byte budget is involved and a key's size changes;
/// [`StackError::Engine`] for a cost the engine refuses too.
pub fn stack_curve(
    trace: impl Iterator<Item = Request>,
    points: &[StackPoint],
    hit_cost_ns: u64,
    warmup: u64,
    reuse: ReuseStats,
) -> Result<(Vec<StackFigures>, TraceProfile), StackError> {
    let mut thresholds: Vec<u64> = points.iter().filter_map(|p| p.max_bytes).collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let included = points
        .iter()
        .map(|p| match p.max_bytes {
            Some(b) => thresholds.partition_point(|&t| t < b),
            None => thresholds.len(),
        })
        .collect();
    let classes = thresholds.len() + 1;
    let mut curve = StackCurve {
        points,
        included,
        need_counts: points.iter().any(|p| p.max_entries.is_some()),
        need_bytes: !thresholds.is_empty(),
        thresholds,
        classes: (0..classes).map(|_| None).collect(),
        active: Vec::new(),
        states: KeyTable::new(),
        slot_state: vec![DEAD; INITIAL_SLOTS + 1],
        reuse,
        next_slot: 1,
        capacity: INITIAL_SLOTS,
        class_requests: vec![0; classes],
        levels: vec![Acc::new(); points.len()],
        direct: vec![None; points.len()],
        warmup,
        entries_at_warmup: (warmup == 0).then(|| vec![0; points.len()]),
        position: 0,
        counted: 0,
        requested_bytes: 0,
        cost_ns: 0,
        costs: LatencyRecorder::new(),
        hit_cost_ns,
        window_counts: vec![0; classes],
        window_bytes: vec![0; classes],
    };
    // Requests are read ahead so that each key's table entry is already on its way into the
    // cache when its turn comes (the table lookup is the pass's one memory miss).
    // Half-way to its turn, a request's table entry has arrived: its last use's slot is known,
    // and the slot's marks (the pass's other memory misses) start loading in turn.
    const AHEAD: usize = 16;
    const SLOT_AHEAD: usize = AHEAD / 2;
    let mut trace = trace.fuse();
    let mut ahead: VecDeque<Request> = VecDeque::with_capacity(AHEAD + 1);
    loop {
        while ahead.len() < AHEAD {
            match trace.next() {
                Some(r) => {
                    curve.states.prefetch(r.key);
                    ahead.push_back(r);
                }
                None => break,
            }
        }
        if let Some(r) = ahead.get(SLOT_AHEAD) {
            curve.prefetch_marks(r.key);
        }
        let Some(request) = ahead.pop_front() else {
            break;
        };
        curve.request(&request)?;
    }
    Ok(curve.finish())
}

impl StackCurve<'_> {
    fn class_of(&self, size: u64) -> usize {
        self.thresholds.partition_point(|&t| t < size)
    }

    /// Starts loading the marks of `key`'s last use, if it has one (a hint: no effect on
    /// results; a stale slot only wastes the load).
    #[inline]
    fn prefetch_marks(&self, key: u64) {
        let Some(index) = self.states.find(key) else {
            return;
        };
        let state = self.states.get(index);
        let slot = state.slot as usize;
        crate::huge_pages::prefetch(&self.slot_state, slot);
        if let Some(Some(trees)) = self.classes.get(state.class as usize)
            && let Some(count) = &trees.count
        {
            count.prefetch(slot);
        }
    }

    fn request(&mut self, request: &Request) -> Result<(), StackError> {
        self.position += 1;
        let position = self.position;
        let cost_ns = match checked_secs_to_ns(request.cost) {
            Some(ns) if request.cost <= MAX_COST_S => ns,
            _ => {
                return Err(EngineError::CostOutOfRange {
                    request: position,
                    key: request.key,
                    cost_s: request.cost,
                }
                .into());
            }
        };
        let counted = position > self.warmup;
        let class = self.class_of(request.size);
        if counted {
            self.counted += 1;
            self.requested_bytes += u128::from(request.size);
            self.cost_ns += u128::from(cost_ns);
            self.costs.record_ns(cost_ns);
            self.class_requests[class] += 1;
        }
        if self.next_slot > self.capacity {
            self.compact();
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        let found = self.states.find(request.key);
        let (index, previous) = match found {
            None => {
                let (index, grew) = self.states.insert(
                    request.key,
                    KeyState {
                        slot: slot as u32,
                        class: class as u16,
                        size: request.size,
                        count: 1,
                        last_position: position,
                        last_time: request.time,
                    },
                );
                if grew {
                    for (at, state) in self.states.iter() {
                        self.slot_state[state.slot as usize] = at;
                    }
                }
                self.reuse.observe(position, request.time, None);
                (index, None)
            }
            Some(index) => {
                let need_bytes = self.need_bytes;
                let state = self.states.get_mut(index);
                let before = *state;
                if before.size != request.size && need_bytes {
                    return Err(StackError::SizeChanged {
                        request: position,
                        key: request.key,
                        before: before.size,
                        after: request.size,
                    });
                }
                *state = KeyState {
                    slot: slot as u32,
                    class: class as u16,
                    size: request.size,
                    count: before.count + 1,
                    last_position: position,
                    last_time: request.time,
                };
                self.reuse.observe(
                    position,
                    request.time,
                    Some((before.last_position, before.last_time)),
                );
                (index, Some(before))
            }
        };
        if let Some(state) = previous {
            self.outcome(state, request.size, cost_ns, counted);
            self.unmark(state);
        }
        self.mark(slot, index, class, request.size);
        if position == self.warmup {
            // The cache as the first measured request finds it.
            self.entries_at_warmup = Some(self.final_entries());
        }
        Ok(())
    }

    /// Records the outcome at every point of a request whose key was last used at `state`.
    fn outcome(&mut self, state: KeyState, size: u64, cost_ns: u64, counted: bool) {
        if !counted {
            // A warm-up request only warms the cache (the stack records its use either way).
            return;
        }
        for &c in &self.active {
            let Some(trees) = &self.classes[c] else {
                continue;
            };
            let at = state.slot as usize;
            self.window_counts[c] = trees.count.as_ref().map_or(0, |t| {
                u64::from(trees.total_count.wrapping_sub(t.prefix(at)))
            });
            self.window_bytes[c] = trees
                .bytes
                .as_ref()
                .map_or(0, |t| trees.total_bytes.wrapping_sub(t.prefix(at)));
        }
        let own_class = state.class as usize;
        // Without byte budgets there is one size class, included everywhere: the key is cached
        // at a point iff fewer keys than its bound were used since its last use (`hits_at`
        // reduced to that one comparison, which this per-request loop over every point pays for).
        let entries_only_window = (!self.need_bytes).then(|| self.window_counts[0]);
        let mut first_hit = None;
        let mut suffix = true;
        for (p, point) in self.points.iter().enumerate() {
            let hit = match entries_only_window {
                Some(count) => point.max_entries.is_none_or(|n| count < n),
                None => self.hits_at(p, point, own_class, state.size),
            };
            match (hit, first_hit) {
                (true, None) => first_hit = Some(p),
                (false, Some(_)) => suffix = false,
                _ => {}
            }
        }
        let Some(first) = first_hit else {
            return;
        };
        if suffix {
            self.levels[first].record(size, cost_ns);
            return;
        }
        for p in first..self.points.len() {
            if self.hits_at(p, &self.points[p], own_class, state.size) {
                self.direct[p]
                    .get_or_insert_with(Acc::new)
                    .record(size, cost_ns);
            }
        }
    }

    /// Whether a key of `own_class` and cached size `own_size`, with the current window sums,
    /// is still cached at point `p`.
    #[inline]
    fn hits_at(&self, p: usize, point: &StackPoint, own_class: usize, own_size: u64) -> bool {
        let top = self.included[p];
        if own_class > top || point.max_entries == Some(0) {
            return false;
        }
        let (mut count, mut bytes) = (0u64, 0u64);
        for &c in &self.active {
            if c <= top {
                count += self.window_counts[c];
                bytes += self.window_bytes[c];
            }
        }
        point.max_entries.is_none_or(|n| count < n)
            && point
                .max_bytes
                .is_none_or(|b| bytes.saturating_add(own_size) <= b)
    }

    fn trees(&mut self, class: usize) -> &mut ClassTrees {
        if self.classes[class].is_none() {
            self.active.push(class);
            self.active.sort_unstable();
            self.classes[class] = Some(ClassTrees {
                count: self.need_counts.then(|| LiveSlots::new(self.capacity)),
                bytes: self.need_bytes.then(|| ByteTree::new(self.capacity)),
                total_count: 0,
                total_bytes: 0,
            });
        }
        match &mut self.classes[class] {
            Some(trees) => trees,
            None => unreachable!("created above"),
        }
    }

    fn mark(&mut self, slot: usize, index: u32, class: usize, size: u64) {
        self.slot_state[slot] = index;
        let trees = self.trees(class);
        if let Some(t) = &mut trees.count {
            t.set(slot);
        }
        if let Some(t) = &mut trees.bytes {
            t.add(slot, size);
        }
        trees.total_count = trees.total_count.wrapping_add(1);
        trees.total_bytes = trees.total_bytes.wrapping_add(size);
    }

    fn unmark(&mut self, state: KeyState) {
        let slot = state.slot as usize;
        self.slot_state[slot] = DEAD;
        let trees = self.trees(state.class as usize);
        if let Some(t) = &mut trees.count {
            t.clear(slot);
        }
        if let Some(t) = &mut trees.bytes {
            t.add(slot, state.size.wrapping_neg());
        }
        trees.total_count = trees.total_count.wrapping_sub(1);
        trees.total_bytes = trees.total_bytes.wrapping_sub(state.size);
    }

    /// Renumbers the live slots 1..=live in order and rebuilds the trees (room for at least as
    /// many new slots as there are keys).
    fn compact(&mut self) {
        let live: Vec<u32> = self.slot_state[1..self.next_slot]
            .iter()
            .copied()
            .filter(|&i| i != DEAD)
            .collect();
        // Room for three times as many new slots as keys: compaction touches every key's state
        // (a cache miss each), so it runs at most once per 3 × keys requests.
        let capacity = self.capacity.max(4 * live.len());
        self.capacity = capacity;
        self.slot_state = crate::huge_pages::filled_vec(capacity + 1, DEAD);
        let mut per_class: Vec<Vec<(usize, u64)>> = vec![Vec::new(); self.classes.len()];
        for (i, &index) in live.iter().enumerate() {
            let slot = i + 1;
            self.slot_state[slot] = index;
            let state = self.states.get_mut(index);
            state.slot = slot as u32;
            per_class[state.class as usize].push((slot, state.size));
        }
        self.next_slot = live.len() + 1;
        for &c in &self.active {
            let Some(trees) = &mut self.classes[c] else {
                continue;
            };
            let members = &per_class[c];
            if trees.count.is_some() {
                trees.count = Some(LiveSlots::from_live(
                    capacity,
                    members.iter().map(|&(s, _)| s),
                ));
            }
            if trees.bytes.is_some() {
                trees.bytes = Some(ByteTree::from_values(capacity, members.iter().copied()));
            }
        }
    }

    /// Each point's entries at the end: walk the stack from the most recent use down.
    fn final_entries(&self) -> Vec<u64> {
        let mut entries = vec![0u64; self.points.len()];
        let mut above_count = vec![0u64; self.points.len()];
        let mut above_bytes = vec![0u64; self.points.len()];
        for slot in (1..self.next_slot).rev() {
            let index = self.slot_state[slot];
            if index == DEAD {
                continue;
            }
            let state = self.states.get(index);
            let class = state.class as usize;
            for (p, point) in self.points.iter().enumerate() {
                if class > self.included[p] || point.max_entries == Some(0) {
                    continue;
                }
                let fits = point.max_entries.is_none_or(|n| above_count[p] < n)
                    && point
                        .max_bytes
                        .is_none_or(|b| above_bytes[p].saturating_add(state.size) <= b);
                if fits {
                    entries[p] += 1;
                }
                above_count[p] += 1;
                above_bytes[p] = above_bytes[p].saturating_add(state.size);
            }
        }
        entries
    }

    fn finish(mut self) -> (Vec<StackFigures>, TraceProfile) {
        self.costs.finish();
        for acc in self
            .levels
            .iter_mut()
            .chain(self.direct.iter_mut().flatten())
        {
            acc.hit_costs.finish();
        }
        let entries = self.final_entries();
        // Without a TTL nothing leaves the cache but by eviction, so the measured requests'
        // evictions are the entries held when the warm-up ended, plus their inserts (every
        // miss that is not refused), less the entries held at the end.
        let at_warmup = self
            .entries_at_warmup
            .clone()
            .unwrap_or_else(|| vec![0; self.points.len()]);
        let mut cumulative = Acc::new();
        let mut figures = Vec::with_capacity(self.points.len());
        for (p, point) in self.points.iter().enumerate() {
            cumulative.merge(&self.levels[p]);
            let mut acc = cumulative.clone();
            if let Some(direct) = &self.direct[p] {
                acc.merge(direct);
            }
            let refused = if point.max_entries == Some(0) {
                self.counted
            } else {
                self.class_requests[self.included[p] + 1..].iter().sum()
            };
            let misses = self.counted - acc.hits;
            let mut latency = self.costs.clone();
            latency.subtract(&acc.hit_costs);
            latency.record_n_ns(self.hit_cost_ns, acc.hits);
            let generation_ns = self.cost_ns - acc.hit_cost_ns;
            let inserts = misses - refused;
            figures.push(StackFigures {
                requests: self.counted,
                hits: acc.hits,
                hit_bytes: acc.hit_bytes,
                requested_bytes: self.requested_bytes,
                baseline_generation_ns: self.cost_ns,
                generation_ns,
                makespan_ns: generation_ns + u128::from(acc.hits) * u128::from(self.hit_cost_ns),
                latency,
                baseline_latency: self.costs.clone(),
                evictions: (at_warmup[p] + inserts).saturating_sub(entries[p]),
                refused,
            });
        }
        let profile = self
            .reuse
            .finish(self.states.iter().map(|(_, s)| (s.count, s.size)));
        (figures, profile)
    }
}

#[cfg(test)]
mod tests;
