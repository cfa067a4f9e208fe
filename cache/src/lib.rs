//! gencache: a thread-safe result cache for expensive generators: exact LRU by default, or
//! S3-FIFO, SIEVE or cost-aware GreedyDual-Size-Frequency ([`Policy`]).
//!
//! Put a [`Cache`] in front of something slow (a two-minute GPU job, an LLM call) so that repeated
//! requests are answered from memory, within a memory budget you set, and so that concurrent
//! requests for the same missing result run the generator **once**.
//!
//! ```
//! use gencache::{Cache, LoadStatus, LoadOptions};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! // Values are cloned out on every hit: wrap large results in `Arc` so a hit costs a refcount.
//! let cache: Cache<String, Arc<Vec<u8>>> = Cache::builder()
//!     .max_bytes(512 * 1024 * 1024)        // one global byte budget
//!     .max_entries(100_000)
//!     .default_ttl(Some(Duration::from_secs(24 * 60 * 60)))
//!     .build();
//!
//! let render = |prompt: &str| Arc::new(prompt.as_bytes().to_vec()); // the expensive generator
//! let image = cache.get_or_insert_with("a red fox".to_string(), || render("a red fox"));
//! assert_eq!(image.len(), 9);
//!
//! // `load` says how the value was obtained and takes per-load options.
//! let again = cache
//!     .load("a red fox".to_string(), LoadOptions::default(), || Ok::<_, String>(render("?")))
//!     .unwrap();
//! assert_eq!(again.status, LoadStatus::Hit);
//! assert_eq!(cache.stats().hit_rate(), 0.5);
//! ```
//!
//! # Policies
//!
//! [`CacheBuilder::policy`] picks which entry goes when a bound is exceeded. Single-threaded,
//! `S3Fifo`, `Sieve` and `CostAware` (without costs) reproduce libCacheSim's hit counts exactly
//! (`cache/tests/traces.rs`: web07 at 100/1,000/5,000 entries, S3-FIFO 28,974 / 41,192 / 48,521).
//!
//! | policy | a hit | evicts | listing order ([`Cache::entries`]) |
//! |---|---|---|---|
//! | `Lru` (default) | moves the entry to the front | the least recently used | most → least recently used |
//! | `S3Fifo` | frequency + 1 (capped at 3) | see below | small queue, then main queue; each newest first |
//! | `Sieve` | sets the visited bit | the first unvisited entry at the hand | newest → oldest insertion |
//! | `CostAware` | frequency + 1, new priority | the lowest priority | heap order: the next victim first (see below) |
//!
//! * **S3-FIFO** (libCacheSim `S3FIFO.c`, default parameters): a small FIFO of 10 % of each bound
//!   (`trunc(0.1 × max_entries)` entries, `trunc(0.1 × max_bytes)` bytes), a main FIFO with the
//!   rest, and a ghost FIFO of the hashes of entries evicted from the small queue, `trunc(0.9 ×
//!   bound)` (entries count 1, in bytes their weight). A new key goes to the main queue if it is in
//!   the ghost (looked up before evicting for it), or if nothing was evicted yet and the small
//!   queue is full; otherwise to the small queue. Eviction works on the main queue when it is over
//!   its share or the small queue is empty, else on the small queue, whose tail moves to the main
//!   queue if it was hit at least twice (frequency reset) or is evicted into the ghost. The main
//!   queue's tail goes back to its head with frequency − 1 while it has any, else is evicted.
//!   **Admission** is libCacheSim's exactly, so S3-FIFO stores only entries smaller than its small
//!   queue: a new entry heavier than the small queue (`weight > trunc(0.1 × max_bytes)`, or any
//!   entry when `trunc(0.1 × max_entries)` is 0) is refused at once, nothing evicted
//!   ([`InsertOutcome::Refused`] with `max_bytes` = the small queue's bytes, counted in
//!   `refused_too_large`); one exactly as large (`weight == trunc(0.1 × max_bytes)`, or any entry
//!   when the small queue has one place) is refused *after* the evictions that made room for it,
//!   unless its key is in the ghost, in which case it is stored in the main queue. Consequences:
//!   with `max_entries` below 20 an S3-FIFO cache stores nothing, and with `max_bytes` an entry
//!   needs less than a tenth of the budget; choose `Lru` or `Sieve` for caches of a few large
//!   entries. An update of a stored key is not an admission: it may make the entry heavier than
//!   the small queue (libCacheSim resizes an object in place on a hit) and it stays where it is.
//! * **SIEVE** (libCacheSim `Sieve.c`): one FIFO; the hand walks from the oldest end towards the
//!   newest (wrapping), clearing visited bits, and evicts the first unvisited entry.
//! * **Cost-aware** (GreedyDual-Size-Frequency, libCacheSim `GDSF.cpp`): each entry's priority is
//!   `clock + frequency × cost / size`, set at insert and on every hit; the lowest is evicted and
//!   its priority becomes the new `clock`. Frequency = hits since insert + 1; size = weight in
//!   bytes when `max_bytes` is set (else 1); cost = what producing the value took, or 1 ms when
//!   unknown (libCacheSim's constant, so a replay without costs is its GDSF exactly). Ties go to the
//!   older priority. (Hit counts saturate at 16,777,215 per entry, so frequencies beyond that stop
//!   growing.) As in libCacheSim the entry is inserted first, then the lowest-priority
//!   entries are evicted (possibly the new one). The entries are kept in a 4-ary min-heap by
//!   `(priority, assignment order)` that *is* the slot array (no list, no extra arrays: see the
//!   memory section), so the **listing** of a `CostAware` cache is that array's order: the next
//!   entry to evict first, and each entry after its heap parent, which ranks at or below it; it is
//!   not sorted by priority (the recency order is not kept: nothing in GDSF needs it).
//! * **Costs** come for free: the loading paths (`get_or_insert_with`, `load`, the async forms,
//!   `#[memoize]`) measure how long `init` ran on the cache's [`Clock`] (a virtual clock that the
//!   generator advances gives virtual costs) and store it as the entry's cost;
//!   [`Cache::insert_with_cost`] takes one; a plain insert has none. The listing shows it
//!   ([`EntryInfo::cost`]) and [`CacheStats::cost_saved`] sums the costs of the hits.
//!
//! The rest holds for every policy:
//!
//! * **Exact LRU.** [`Cache::get`], a successful `get_or_*`/`load*` and [`Cache::insert`] make an
//!   entry the most recently used; [`Cache::peek`] and [`Cache::contains`] do not. When a bound is
//!   exceeded, the least recently used entries are evicted, first to respect `max_entries`, then
//!   `max_bytes`. The order is exact (a doubly-linked list), not an approximation such as CLOCK or
//!   sampled LRU: replaying a trace reproduces the textbook LRU hit count to the request.
//! * **Byte budget.** Each entry weighs `weigher(key, value)` bytes, by default
//!   `key.weight() + value.weight()` ([`Weigh`]: inline size plus owned heap), or a closure given to
//!   [`CacheBuilder::weigher`]. The cache's own bookkeeping (below) is *not* charged to the budget.
//! * **Refusal of oversize entries.** An entry heavier than `max_bytes` on its own (or any entry when
//!   `max_entries` is 0) is refused: [`InsertOutcome::Refused`] is returned, `refused_too_large` is
//!   counted, and no other entry is evicted for it. A previous value of the same key is dropped (the
//!   caller superseded it). An entry that fits the budget is always accepted, evicting as needed.
//! * **TTL.** Every entry has a deadline `inserted_at + ttl` (`default_ttl`, 24 h unless configured;
//!   or per insert with [`Cache::insert_with_ttl`]; or per load with [`LoadOptions::ttl`]; `None` =
//!   never). An entry is **expired when `now >= inserted_at + ttl`**: a TTL of 10 s means the entry
//!   is served at 9.999999999 s and not at 10 s. A TTL of 0 therefore means "do not cache": such an
//!   insert stores nothing, evicts nothing and returns [`InsertOutcome::AlreadyExpired`] (a previous
//!   value of the key is dropped, as for a refusal). Expired entries are never returned. Their memory is
//!   reclaimed without any lookup of their key: an expiry queue ordered by deadline is drained on
//!   every write (insert, reconfigure) and by [`Cache::purge_expired`]. The queue is an intrusive
//!   FIFO for entries arriving in deadline order (all entries sharing one TTL: O(1) to add, remove
//!   or expire) plus a min-heap for the others (O(log n)). Until then they count in `len()`/`weight()`. Updating a key restarts its
//!   TTL. Changing `default_ttl` by [`Cache::reconfigure`] affects later inserts only.
//! * **Time** comes from a [`Clock`]: [`SystemClock`] (monotonic) by default, [`ManualClock`] for
//!   tests and simulations (the replay harness runs 24 virtual hours in seconds), [`CoarseClock`]
//!   when reading the system clock on every hit costs too much (one atomic load per read).
//! * **Statistics** ([`CacheStats`]): hits, misses, inserts, updates, evictions by cause, refusals,
//!   current and peak bytes and entries, and single-flight counters. The hit rate is derived.
//!
//! # Concurrency model
//!
//! [`Cache`] is `Send + Sync` and `Clone` (an `Arc` handle). Its entries live in **one**
//! single-threaded core ([`unsync::Cache`]) with one global budget, behind a `parking_lot::Mutex`
//! for `Lru` and `CostAware` (a hit writes shared order), and behind a read-mostly lock with one
//! reader line per thread for the lazy-promotion policies `S3Fifo` and `Sieve` (a reader marks
//! its own cache line with one locked store and unmarks it with a plain store; a writer raises a
//! flag and waits for the marks to clear: Dekker's protocol, writers preferred). There a hit
//! takes only the *read* lock: it probes the table, then sets
//! the entry's frequency bit and listing counters with relaxed atomics (the frequency and last
//! access written only when they change, so hot entries' cache lines stay shared as far as the
//! hit count allows) and counts the hit in its thread's stripe of counters; hits run in
//! parallel. A stripe has one writer: each live thread holds a number (a bit of a process-wide
//! registry, given back when the thread exits; threads beyond 32 share one atomic stripe), so a
//! hit counts with a plain load and store, not a locked read-modify-write (on x86 a `lock`ed
//! instruction is a full barrier that waits for the lookup's cache misses); the stripe shares the
//! cache line of the thread's lock mark, so one thread-local read finds both. It counts while it
//! still holds the read lock, so `reset_stats` (under the write lock) never races it. Inserts,
//! removals, evictions and listing take the write lock. Under concurrency a
//! frequency update may be lost (two hits seen as one), which only makes the policy slightly
//! less precise; single-threaded the order is libCacheSim's exactly. An expired entry found by a
//! shared-lock hit is a miss and is reclaimed by the expiry queue at the next write. The loom
//! models (`sync/loom_tests.rs`) check these paths, including the hand-over of a thread number.
//!
//! A hit reads no clock in the common case: TTLs are exact and the listing's last access is
//! exact to the second (on [`ManualClock`] and any clock of yours), yet the default
//! [`SystemClock`] costs one atomic load per hit. The entry's deadline is compared with the
//! clock's *recent* time ([`Clock::recent_nanos`]: for [`SystemClock`] a process-wide atomic a
//! background thread refreshes every 20 ms); only a deadline within [`RECENT_MARGIN`] (1 s) of it
//! is checked against the exact time, so every expiry is exact as long as that thread is not
//! starved for a whole second. Why: a read of the time-stamp counter (`rdtsc`, what
//! `SystemClock::now` and `std::time::Instant` read) costs 10-20 ns alone, and on this project's
//! Intel VMs it also waits for outstanding loads, so lookups stop overlapping their cache misses:
//! in a loop of random loads one `rdtsc` per load took each from 15 ns to 205 ns, and the
//! `get_hit` bench's S3-FIFO hit went from 280 ns to 130 ns without it (quick_cache, which reads
//! no clock, 86 ns on that host). Inserts and the other writes read the exact clock.
//! [`CoarseClock`] is for callers who want no exact read at all (millisecond TTL resolution);
//! it is held by value too, so its read is one inline atomic load.
//!
//! Where the time of a shared-lock hit goes (`u64 → u64`, 100,000 entries, the throughput
//! bench's `get_hit` under `perf` sampling on the project's 2-core AMD EPYC VM): about three
//! quarters of the samples wait on the load of the entry's slot (a cache miss: 100,000 slots of
//! 56 bytes, as they were then, are 5.6 MB; 32 bytes now) and most of the rest on the index
//! bucket before it; the read lock and unlock cost 5.2 ns together (as much as quick_cache's
//! shard lock), a TSC read 9.6 ns, the striped counting and the clock call a few ns. Figures of the bench on a quiet machine (ns/op,
//! before the lock-free counters and the by-value clock, which remove one locked instruction and
//! one indirect call per hit):
//!
//! | group | `S3Fifo` | `Lru` | quick_cache | `Mutex<lru>` | moka |
//! |---|---|---|---|---|---|
//! | `get_hit` | 50.9 | 66.9 | 25.7 | 28.1 | 1038 |
//! | `zipf_1t` | 64.0 | 73.5 | 40.9 | 47.5 | 655 |
//! | `zipf_2t` | 28.7 | 119 | 21.5 | 48.5 | 305 |
//! | `zipf_4t` | 29.7 | – | 36.6 | 102 | – |
//!
//! So `S3Fifo` scales (two threads take 0.45× the one-thread time per operation, and it is 10×
//! moka), but a hit costs about twice quick_cache's: the slot is larger than quick_cache's
//! 40-byte entry and a hit also checks the deadline against the clock, counts statistics and
//! updates the listing's counters, which quick_cache does not do. And every hit writes the
//! entry's hit count (the listing's `access_count`), so on two threads a hot entry's cache line
//! is invalidated in the other core's cache, where quick_cache stops writing once an entry's
//! frequency is saturated.
//!
//! Which part of the gap is which, measured apart (100,000 entries, random hits, six
//! configurations alive and timed in turn over 40 rounds of 65,536 hits, the median of each
//! round's quick_cache ÷ gencache ratio): `S3Fifo` 0.53×, its core alone without the lock
//! (`unsync`) 0.55×, both with [`CoarseClock`] 0.78–0.80×. The read lock costs nothing measurable;
//! the exact clock is most of the gap once the slots no longer sit in the CPU's caches, because
//! the microcoded counter read stalls instruction issue and consecutive lookups stop overlapping
//! their cache misses; the rest is the larger slot and the per-hit writes. Without the hit-count
//! write, `zipf_2t` went from 0.91–0.92× to 0.99–1.04× quick_cache (interleaved bench).
//!
//! With the queue links in their own array (the layout described below), one `--interleaved`
//! run on the 2-core VM gave: `get_hit` `S3Fifo` 0.56× quick_cache; `zipf_1t` `S3Fifo` 0.94× and
//! `Lru` 1.00× `Mutex<lru>`; `zipf_2t` `S3Fifo` 0.84× quick_cache (quartiles 0.62–1.10) and 6.2×
//! moka. Figures of that machine move by a third between runs; the ratios are the part to read.
//!
//! With the hit path then trimmed (one read of the recent time per hit, the thread number in a
//! constant-initialised thread-local, the reader lines in a fixed-length array: 211 → 163
//! instructions per hit under callgrind, quick_cache 103), one `--interleaved` run on the 2-core
//! AMD EPYC VM gave: `get_hit` `S3Fifo` 0.82× quick_cache; `zipf_1t` `S3Fifo` 1.34× `Mutex<lru>`;
//! `zipf_2t` `S3Fifo` 1.07× quick_cache and 8.0× moka. With 10,000 entries (every slot in the
//! core's L2) the hit is still 0.8× quick_cache, so what remains of the gap is mostly the work a
//! hit does for what quick_cache does not keep (deadline, last access, hit count, cost,
//! statistics); the read lock's locked instruction costs nothing measurable (a build without it
//! timed the same). 64-byte aligned slots timed the same as well, but they are a third larger.
//!
//! The lines a hit touches count too: quick_cache itself is 6–12 % slower
//! when its entries grow from 32 to 48 bytes (a probe with a 24-byte value). So the slot's hot
//! part went from 36 to 32 bytes (the deadline kept in two halves, the high one hot; a hit reads
//! the low half only near the deadline) and the last-access check became a multiplication
//! instead of a division: 142 → 130 instructions per get of a probe loop (callgrind, loop
//! included). In that probe (`S3Fifo` and quick_cache in alternating blocks of 65,536 random hits,
//! median of 61 rounds, six runs of each build) the hit went from 0.86–0.91× to 0.91–0.95×
//! quick_cache at 100,000 entries, from 0.86–0.90× to 0.90–0.92× at 10,000 and from 0.93–1.03× to
//! 0.99–1.05× at 1,000. Two full `--interleaved` runs of each build, side by side on the AMD EPYC
//! VM (each timed block after an untimed one of the same cache): `get_hit` `S3Fifo` 0.70× and
//! 0.82× quick_cache before, 0.92× and 0.86× after; `zipf_2t` `S3Fifo` 1.15×/1.20× before,
//! 1.32×/1.39× after (7.3×/10.4× moka); `zipf_1t` `S3Fifo` 1.39×/1.48× `Mutex<lru>` (1.46×/1.44×
//! before) and `Lru` 0.92×/0.94× (0.89×/0.92× before). What is left of the `get_hit` gap: one hit
//! in four still crosses a line (quick_cache's 32-byte entries never do), and a hit does more for
//! what quick_cache does not keep (the deadline check and the recent time, the hit count and
//! frequency word, the last-access second, the striped statistics; a throwaway build that could
//! switch each of them off by a flag, all off, was still at 0.76–0.92× in the same probe, so these
//! instructions are not the whole gap either).
//!
//! So the slot became only its hot part: 32 bytes for `u64 → u64`, the 16 cold bytes in an
//! array of their own, and the slot array allocated on a cache line (`line_aligned`: the system
//! allocator starts a large allocation 16 bytes into a page, which would put every other 32-byte
//! slot across a line). Same memory per entry. The same probe, three runs of each build
//! alternating: 0.89–0.97× → 1.07–1.08× quick_cache at 100,000 entries, and 0.80–0.83× →
//! 1.10–1.18× when each timed block follows one of its own cache (steady state); at 10,000
//! entries, where every slot is in L2 either way, unchanged (0.90–0.95×). One full
//! `--interleaved` run of each build: `get_hit` `S3Fifo` 0.76× → 1.19× quick_cache (quartiles
//! 1.07–1.41); `zipf_1t` `S3Fifo` 1.38× → 1.77× and `Lru` 0.93× → 1.05× `Mutex<lru>`; `zipf_2t`
//! `S3Fifo` 1.19× → 1.32× quick_cache and 8.3× → 9.6× moka.
//!
//! The rest of this section explains the `Mutex` design of exact LRU.
//!
//! Why not per-shard LRU lists, as quick_cache and moka do? Exact LRU makes every hit a write (the
//! entry moves to the front of one global order), and the issue asks for one global byte budget
//! in which any entry that fits the budget fits the cache. Sharded designs either split the
//! budget per shard (quick_cache: an entry heavier than `budget / shards` is refused although it
//! fits the budget) or keep per-shard lists stamped with a global counter and must, on every
//! eviction, find the globally oldest tail across all shards — taking several locks and still only
//! approximating the order under concurrency. One lock gives exact order and exact global budgets
//! trivially; the cost is that operations on different keys serialize. The critical section is kept
//! short instead: the key is hashed, and for writes the entry weighed and the clock read, *before*
//! the lock is taken; a hit is then a table probe, one clock read (issued after the probe so that
//! it overlaps the wait for the entry's cache line, and skipped on a miss), four link updates and a
//! clone of `V` (an `Arc` for large values), and nothing allocates per operation. The links are
//! not in the slots but in an array of their own (8 bytes per entry), so moving an entry to the
//! front rewrites its neighbours' links without touching their slots: a seventh of the memory
//! for `u64 → u64`, which the CPU caches keep long after the slots have left them. An eviction
//! asks the CPU to start loading the next victim's slot, which the old layout loaded by rewriting
//! its link. Measured against links inside the slots: the harness's LRU replay of 20 M Zipf
//! requests at 39,811 entries took about a fifth less time; LRU hits on one thread (both layouts
//! in one process, alternating blocks) were 1.06–1.18× faster on Zipf-distributed keys over
//! 100,000 entries, the same on uniform keys over 100,000, and 0.74–0.86× on uniform keys over
//! 1,000,000, where the link array is as far out of the CPU caches as the slots and a hit waits
//! for one more line. Caches are used for skewed keys, so the layout follows them. In
//! each slot is only what a hit touches (key, value, the deadline's high half, last access, hit
//! count, cost): 32 bytes for `u64 → u64`, in a line-aligned array, so a hit reads one line of
//! slots (the rest of the bookkeeping is in a second array, read by a hit only within 2^32 ns
//! plus the clock's margin of the deadline).
//! (Putting the lock byte in the same line as the recency ends and counters was tried and made
//! two threads slower: a waiter spinning on the lock then steals the line the holder writes.)
//! On the 2-core machine this project targets, a short uncontended-most-of-the-time mutex is
//! competitive with sharding; on many cores a sharded design would scale further at the price of
//! exactness (see the benchmarks in `cache/benches/`).
//!
//! Single-flight coordination does **not** use that lock: in-flight loads are registered in a
//! separate table sharded by key hash (`CacheBuilder::shards`, default 4 × cores), and the
//! single-flight counters are atomics.
//!
//! [`Cache::entries`] copies at most a few hundred entries per lock hold and releases the lock in
//! between, so listing a big cache does not stall the callers; under concurrent writes the listing
//! is therefore not an atomic snapshot.
//!
//! # Single-flight loading
//!
//! [`Cache::get_or_insert_with`], [`Cache::get_or_try_insert_with`], [`Cache::load`] and their async
//! counterparts ([`Cache::get_or_insert_async`], [`Cache::get_or_try_insert_async`],
//! [`Cache::load_async`]):
//!
//! * A hit returns the cached value ([`LoadStatus::Hit`]).
//! * On a miss, if no load of that key is in flight, this caller becomes the *leader*: it runs its
//!   `init`, stores an `Ok` value (with the load's TTL) and hands it to every waiter
//!   ([`LoadStatus::Loaded`]). However many callers miss the same key at once, one computation runs.
//! * Otherwise the caller waits for the leader and gets a clone of its value
//!   ([`LoadStatus::Joined`]) **or of its error**: errors go to every waiter and are not cached
//!   (`E: Clone`; the next caller after a failure tries again).
//! * If the leader panics (sync) or its future is dropped (async cancellation), the load is
//!   abandoned and waiters are released: the first of them becomes the new leader and runs *its own*
//!   `init`; the others wait for it. Nobody is stuck.
//! * A `remove`, `insert` or `insert_with_ttl` of the key, or a `clear`, made while a load runs
//!   wins: the load's value still reaches its leader and waiters, but it is not stored, so a
//!   finishing load never undoes a newer write or an invalidation.
//! * Sync and async callers share flights. The async side needs no particular runtime (it uses
//!   wakers only), so it works under tokio, async-std or a hand-written executor.
//! * Counters: `loads_started` (computations run), `loads_joined` (callers served by another's
//!   load), `load_failures` (loads that returned an error, panicked or were cancelled).
//! * Caveats: a sync `load` blocks its thread while waiting (do not call it on an async worker thread
//!   where the leader may be a task on that same thread; use `load_async`), and an `init` must not
//!   load its own key.
//!
//! # Memory cost per entry
//!
//! Beyond the key and the value themselves, each entry costs:
//!
//! ```text
//! per_entry = slot_overhead + index + heap + policy
//!   slot_overhead = round_up(size_of::<K>() + size_of::<V>() + 16, align) - size_of::<K>() - size_of::<V>()
//!                   + 16 + 8
//!                   (16 in the slot, what a hit reads: the deadline's high half, last access (u32
//!                    seconds), f32 cost, and one word packing the hit count (24 bits,
//!                    saturating), the TTL class (5 bits), the queue and the frequency;
//!                    align = max(4, align of K and V); + 16 in an array beside the slots: the
//!                    deadline's low half, expiry prev/next, weight; + 8 for the queue prev/next
//!                    links, in a third array)
//!   index         = 5 × buckets / n   (a u32 slot index + 1 control byte per bucket; hashbrown keeps
//!                   a table's buckets a power of two at most 7/8 full; with an entry bound the index
//!                   is split into up to 16 tables sized for it: about 5.7 to 8 bytes at the bound)
//!   heap          = 4 bytes (plus Vec slack) only for entries whose deadline arrives out of order
//!                   (a per-entry TTL shorter than the others'); 0 for a single shared TTL
//!   policy        = 0 for Lru and Sieve;
//!                   S3Fifo: the ghost, up to 0.9 × max_entries records of 16 bytes in a FIFO plus
//!                   a hash map entry of 24 bytes (+ control byte, load factor): ~40 bytes × 0.9;
//!                   CostAware: 8 bytes × (distinct seconds in which the live entries were last
//!                   used) / n, plus at most n / 8 + 64 such records not yet pruned (see below)
//! ```
//!
//! `CostAware` needs no queue links (the heap orders its evictions), so the GDSF priority (`f64`,
//! exact) takes the slot's two queue-link words, and its slot array is itself the 4-ary
//! min-heap: slot 0 is the next victim, and sifting moves whole slots (re-pointing the index and
//! the expiry queue), so there is no heap or position array. The tie-break stamp (GDSF breaks
//! equal priorities by assignment order, as libCacheSim does) takes the last-access word: every
//! access of a `CostAware` entry is an assignment, so a small table of *checkpoints* (first stamp
//! of each second, 8 bytes) gives the last-access second back, exactly. It holds one checkpoint
//! per second in which some live entry was last used: a handful in a busy cache, one per entry at
//! worst (a cache whose every entry was last used in a second of its own). The price is paid in
//! time, on evictions: taking the root moves about log₄ n slots (9 at 100,000 entries), each move
//! re-pointing the index and the expiry queue; a hit moves few (a hot entry's priority is high, so
//! it sits near the bottom already).
//!
//! The key is stored once (the index holds slot indices, not keys); slots live in one dense `Vec`
//! (no per-entry allocation, no free list), which grows by doubling but, when `max_entries` is set,
//! never past it (no growth slack in a full bounded cache). Deadlines are exact nanoseconds; the
//! last access is whole seconds (`u32`, 136 years). The insertion time (for `EntryInfo::age`) is
//! not stored: it is the deadline minus the entry's TTL, kept once per *TTL class* (30 classes for
//! the distinct TTLs in use, so the default TTL and per-entry overrides alike; beyond 30 distinct
//! live TTLs the extra entries keep their insertion second in a side map, ~10 bytes each). An entry
//! without TTL keeps it in its expiry link, which it does not use. Weights of 4 GiB or more are
//! kept exactly in a small side table.
//!
//! Measured (`cargo bench -p gencache --bench memory`, `K = u64, V = u64`, default 24 h TTL, filled
//! to `max_entries`), bytes beyond key and value:
//!
//! | policy | 100,000 entries | 1,000,000 entries |
//! |---|---:|---:|
//! | `Lru`, `S3Fifo`, `Sieve` | 46.6 (40 + 6.6: one table of 131,072 buckets) | 45.9 (40 + 5.9: 9 tables of 131,072) |
//! | `CostAware` | 46.6 (the same slot, heap inside) | 45.9 |
//! | `CostAware`, worst case: every entry with its own cost, last used in its own second | 54.8 (+ 8.2 checkpoints) | 54.6 (+ 8.7) |
//!
//! For comparison in the same run: `lru` 38.3 / 51.7 (plus an allocator header per entry),
//! `quick_cache` 43.3 / 36.5, `moka` 224 / 217.
#![warn(missing_docs)]

mod builder;
mod clock;
mod config;
#[cfg(feature = "get-size2")]
mod deep_size;
mod expiry;
mod line_aligned;
mod linked_slab;
mod lock;
mod memo;
mod policy;
mod relaxed;
mod single_flight;
mod stats;
mod sync;
mod types;
pub mod unsync;
mod weigh;

pub use builder::CacheBuilder;
pub use clock::{Clock, CoarseClock, ManualClock, RECENT_MARGIN, SystemClock};
pub use config::{CacheConfig, DEFAULT_TTL};
#[cfg(feature = "get-size2")]
pub use deep_size::GetSizeWeigher;
#[doc(hidden)]
pub use memo::__private;
pub use memo::{CacheKind, Fingerprinter, MemoizedFunction, memoized};
pub use policy::{Policy, UnknownPolicy};
pub use stats::{CacheStats, Evictions};
pub use sync::Cache;
pub use types::{EntryInfo, InsertOutcome, LoadOptions, LoadStatus, Loaded};
pub use weigh::{Weigh, WeighBoth, Weigher};

/// Caches a function's results in a [`Cache`] keyed by a 128-bit fingerprint of its arguments
/// (feature `macros`, on by default). Statistics: the generated `<name>_cache()` accessor, or
/// [`memoized`] for every memoized function.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// static GENERATIONS: AtomicU32 = AtomicU32::new(0);
///
/// #[gencache::memoize(ttl = "1h", skip(verbose))]
/// fn generate(prompt: &str, verbose: bool) -> Result<String, String> {
///     GENERATIONS.fetch_add(1, Ordering::SeqCst);
///     if verbose {
///         println!("generating {prompt}");
///     }
///     Ok(format!("model of {prompt}"))
/// }
///
/// assert_eq!(generate("a chair", true).as_deref(), Ok("model of a chair"));
/// assert_eq!(generate("a chair", false).as_deref(), Ok("model of a chair"));
/// assert_eq!(GENERATIONS.load(Ordering::SeqCst), 1);
/// assert_eq!(generate_cache().stats().hits, 1);
/// ```
#[cfg(feature = "macros")]
pub use gencache_macros::memoize;
