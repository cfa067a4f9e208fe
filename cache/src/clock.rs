//! Where the cache's notion of "now" comes from.
//!
//! Every time-dependent decision (TTL expiry, entry age, last access) reads a [`Clock`]. Production
//! code uses [`SystemClock`] (monotonic); tests and the replay harness use [`ManualClock`] so that a
//! 24 h TTL means 24 *virtual* hours and expiry boundaries can be hit exactly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A monotonic time source: the time elapsed since an arbitrary, fixed origin.
///
/// Implementations must never go backwards; the cache treats "now" as non-decreasing.
pub trait Clock: Send + Sync + 'static {
    /// Time elapsed since this clock's origin.
    fn now(&self) -> Duration;

    /// [`Clock::now`] in whole nanoseconds, saturating at `u64::MAX` (584 years).
    ///
    /// The cache reads time through this method on every hit; the clocks of this crate override
    /// it to skip the `Duration` round trip. An override must agree with `now`.
    ///
    /// ```
    /// use gencache::{Clock, ManualClock};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_micros(3));
    /// assert_eq!(clock.now_nanos(), 3_000);
    /// ```
    #[inline]
    fn now_nanos(&self) -> u64 {
        u64::try_from(self.now().as_nanos()).unwrap_or(u64::MAX)
    }

    /// A cheap reading close to [`Clock::now_nanos`] (lagging it by at most a few tens of
    /// milliseconds while the process runs normally), for the hit path: the cache uses it only to
    /// prove an entry alive when its deadline lies more than [`RECENT_MARGIN`] beyond this
    /// reading, and reads `now_nanos` for every entry closer to its deadline, so TTLs stay exact
    /// as long as the lag stays under the margin. The default is `now_nanos` itself (always
    /// exact); [`SystemClock`] overrides it with one atomic load.
    ///
    /// ```
    /// use gencache::{Clock, ManualClock};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(clock.recent_nanos(), clock.now_nanos());
    /// ```
    #[inline]
    fn recent_nanos(&self) -> u64 {
        self.now_nanos()
    }
}

/// How far beyond [`Clock::recent_nanos`] a deadline must lie for the cache to call the entry alive
/// without reading [`Clock::now_nanos`]: one second, fifty times the interval at which
/// [`SystemClock`]'s recent time is refreshed, so that only a refresh thread starved for a whole
/// second could let an entry be served after its deadline.
pub const RECENT_MARGIN: Duration = Duration::from_secs(1);

/// The default clock: monotonic, origin at construction, read from the CPU's time-stamp counter.
///
/// Backed by [`quanta`] (the clock moka uses): a plain TSC read scaled by a once-per-process
/// calibration against the OS monotonic clock, falling back to the OS clock where the TSC is not
/// usable. Why not [`std::time::Instant`]: on a cache hit the clock is read on every operation, and
/// `clock_gettime` orders its TSC read behind outstanding memory loads; measured on this project's
/// (virtualised) machines it tripled the cost of a hit (see `cache/benches/throughput.rs`).
///
/// `now` reads the raw counter of one process-wide [`quanta::Clock`] and scales the difference to
/// the origin: `quanta::Instant::now` would also consult a thread-local mock-clock override and a
/// global lazy cell on every call, which showed up at a few percent of a cache hit.
///
/// Where quanta reads the TSC, the clock reads it itself, inline (`rdtsc`), and scales ticks with
/// one multiplication by quanta's calibration: the call into quanta, its match on the counter kind
/// and its division-free scaling cost about 1 ns of a ~16 ns cache hit.
///
/// [`Clock::recent_nanos`] is one atomic load: the time a process-wide background thread
/// (`gencache-recent-time`, started with the first `SystemClock`, waking 50 times a second) last
/// read, on this clock's origin. A cache hit reads only that, unless the entry is within
/// [`RECENT_MARGIN`] of its deadline (see the crate doc).
///
/// Under Miri, which can run neither `rdtsc` nor quanta's calibration, the counter is
/// `std::time::Instant` (same semantics), so the crate's tests run there unchanged; there (and
/// under loom) the recent time is the exact time.
///
/// ```
/// use gencache::{Clock, SystemClock};
///
/// let clock = SystemClock::new();
/// // The recent time lags the exact time (by up to ~20 ms), never leads it.
/// assert!(clock.recent_nanos() <= clock.now_nanos() + 1);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    /// Raw counter value (TSC ticks, or nanoseconds where the TSC is unusable) at the origin.
    origin_raw: u64,
    /// Nanoseconds per 2^32 TSC ticks when quanta's counter is the TSC (read inline), else 0
    /// (read through quanta).
    tsc_nanos_per_2_32: u64,
    /// This clock's origin on the process-wide recent time's scale (see [`recent`]), or
    /// `None` when there is no recent time (its refresh thread could not start, or Miri and loom
    /// builds): `recent_nanos` then reads the counter.
    recent_offset: Option<u64>,
}

/// The calibrated counter shared by every [`SystemClock`] (quanta calibrates once per process).
#[cfg(not(miri))]
static COUNTER: std::sync::OnceLock<quanta::Clock> = std::sync::OnceLock::new();

#[cfg(not(miri))]
#[inline]
fn counter() -> &'static quanta::Clock {
    COUNTER.get_or_init(quanta::Clock::new)
}

/// The counter's raw reading (see [`SystemClock::origin_raw`]).
#[cfg(not(miri))]
#[inline]
fn raw_now() -> u64 {
    counter().raw()
}

/// Nanoseconds from raw reading `from` to `to` (0 if `to` lags `from`).
#[cfg(not(miri))]
#[inline]
fn raw_delta_nanos(from: u64, to: u64) -> u64 {
    counter().delta_as_nanos(from, to)
}

// Under Miri, which cannot run quanta's calibration (it executes `cpuid`) nor `rdtsc`, the raw
// counter is `std::time::Instant` in nanoseconds since a process-wide origin: same semantics
// (monotonic, shared by every clock), so the crate's tests run unchanged under Miri.
#[cfg(miri)]
static MIRI_ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

#[cfg(miri)]
fn raw_now() -> u64 {
    let origin = *MIRI_ORIGIN.get_or_init(Instant::now);
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(miri)]
fn raw_delta_nanos(from: u64, to: u64) -> u64 {
    to.saturating_sub(from)
}

impl SystemClock {
    /// A clock whose origin is the moment of this call.
    pub fn new() -> Self {
        let tsc_nanos_per_2_32 = *TSC_SCALE.get_or_init(tsc_scale);
        let origin_raw = raw_now();
        // The origin on the recent time's scale, by the same conversion as `now_nanos`, so that
        // the two readings differ only by the refresh lag (and a nanosecond of rounding).
        let recent_offset = recent::reference().map(|r| r.nanos_since_origin(origin_raw));
        Self {
            origin_raw,
            tsc_nanos_per_2_32,
            recent_offset,
        }
    }

    /// A clock at the counter's reading `origin_raw`, without recent time (the recent time's own
    /// reference clock).
    fn at_raw(origin_raw: u64) -> Self {
        Self {
            origin_raw,
            tsc_nanos_per_2_32: *TSC_SCALE.get_or_init(tsc_scale),
            recent_offset: None,
        }
    }

    /// Nanoseconds from this clock's origin to the counter reading `raw` (0 if `raw` lags it).
    #[inline]
    fn nanos_since_origin(&self, raw: u64) -> u64 {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if self.tsc_nanos_per_2_32 != 0 {
            // Saturating: a thread's counter may lag the origin by a few ticks.
            let ticks = raw.saturating_sub(self.origin_raw);
            return ((u128::from(ticks) * u128::from(self.tsc_nanos_per_2_32)) >> 32) as u64;
        }
        // The delta is 0 when a thread's counter lags the origin by a few ticks.
        raw_delta_nanos(self.origin_raw, raw)
    }
}

/// The process-wide recent time behind [`SystemClock::recent_nanos`]: nanoseconds since a
/// process-wide origin, stored in one atomic by a background thread every [`recent::INTERVAL`].
///
/// Why: on a cache hit the deadline check needs the time, and measured on this project's Intel
/// VMs one `rdtsc` per lookup costs far more than its own latency. In a loop of independent
/// random loads over 128 MiB it took each load from 15 ns to 205 ns there: the counter read waits
/// for the outstanding loads, so lookups stop overlapping their cache misses. An atomic load has
/// no such effect. The thread wakes 50 times a second, whatever the number of caches and clocks.
mod recent {
    use super::SystemClock;
    use std::sync::OnceLock;
    use std::sync::atomic::AtomicU64;
    use std::time::Duration;

    /// How often the recent time is refreshed (a fiftieth of [`super::RECENT_MARGIN`]).
    pub(super) const INTERVAL: Duration = Duration::from_millis(20);

    /// The reference clock's reading at the last refresh.
    pub(super) static NANOS: AtomicU64 = AtomicU64::new(0);

    /// The recent time on the scale of a clock whose origin lies `offset` after the recent
    /// time's zero (0 for a reading before that origin).
    #[inline]
    pub(super) fn since(offset: u64) -> u64 {
        NANOS
            .load(std::sync::atomic::Ordering::Acquire)
            .saturating_sub(offset)
    }

    /// The clock the refresh thread reads (its origin is the recent time's zero), once the thread
    /// runs.
    static REFERENCE: OnceLock<Option<SystemClock>> = OnceLock::new();

    /// The recent time's reference clock, its refresh thread started on first use; `None` under
    /// Miri and loom (which cannot run this thread) or when the thread cannot be spawned.
    pub(super) fn reference() -> Option<SystemClock> {
        *REFERENCE.get_or_init(start)
    }

    #[cfg(any(miri, loom))]
    fn start() -> Option<SystemClock> {
        None
    }

    #[cfg(not(any(miri, loom)))]
    fn start() -> Option<SystemClock> {
        use super::Clock;
        use std::sync::atomic::Ordering;
        let reference = SystemClock::at_raw(super::raw_now());
        let spawned = std::thread::Builder::new()
            .name("gencache-recent-time".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(INTERVAL);
                    NANOS.store(reference.now_nanos(), Ordering::Release);
                }
            });
        match spawned {
            Ok(_) => Some(reference),
            Err(e) => {
                tracing::warn!(error = %e, "gencache: no recent-time thread, so every hit reads the clock");
                None
            }
        }
    }
}

/// [`SystemClock::tsc_nanos_per_2_32`], computed once per process.
static TSC_SCALE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// quanta's scale for 2^32 ticks if its counter is the TSC, else 0. quanta does not say which
/// counter it chose, so this checks whether its raw reading falls between two TSC reads (a
/// nanosecond clock cannot: since boot the TSC has counted more than twice as many ticks as
/// there were nanoseconds, on any CPU above 2 GHz, and the window is a few nanoseconds wide;
/// below 2 GHz the check may fail, which only means the quanta path is used).
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn tsc_scale() -> u64 {
    let clock = counter();
    let before = read_tsc();
    let raw = clock.raw();
    let after = read_tsc();
    if before <= raw && raw <= after {
        clock.delta_as_nanos(0, 1 << 32)
    } else {
        0
    }
}

#[cfg(any(not(target_arch = "x86_64"), miri))]
fn tsc_scale() -> u64 {
    0
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline]
fn read_tsc() -> u64 {
    // SAFETY: `rdtsc` exists on every x86_64 CPU and has no memory effects.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    #[inline]
    fn now(&self) -> Duration {
        Duration::from_nanos(self.now_nanos())
    }

    #[inline]
    fn now_nanos(&self) -> u64 {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if self.tsc_nanos_per_2_32 != 0 {
            return self.nanos_since_origin(read_tsc());
        }
        self.nanos_since_origin(raw_now())
    }

    /// One atomic load of the process-wide recent time (refreshed every 20 ms), on this clock's
    /// origin; the counter itself where there is no recent time.
    #[inline]
    fn recent_nanos(&self) -> u64 {
        match self.recent_offset {
            Some(offset) => recent::since(offset),
            None => self.now_nanos(),
        }
    }
}

/// A clock that only moves when told to. Cloning gives another handle to the same time.
///
/// ```
/// use gencache::{Clock, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let handle = clock.clone();
/// handle.advance(Duration::from_secs(90));
/// assert_eq!(clock.now(), Duration::from_secs(90));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock standing at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves time forward by `by` (saturating at `u64::MAX` nanoseconds, about 584 years).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // fetch_update cannot fail with a closure that always returns Some.
        let _ = self
            .nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_add(by))
            });
    }

    /// Sets the time to `to` if it is later than the current time (the clock never goes back).
    pub fn set(&self, to: Duration) {
        let to = u64::try_from(to.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_max(to, Ordering::AcqRel);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }

    #[inline]
    fn now_nanos(&self) -> u64 {
        self.nanos.load(Ordering::Acquire)
    }
}

/// A monotonic clock that is cheap to read: a background thread refreshes an atomic timestamp
/// every `resolution`, and [`Clock::now`] is one atomic load.
///
/// Reading [`SystemClock`] costs a time-stamp-counter read (and `std::time::Instant` more, up to
/// ~100 ns on some virtual machines), and a cache with TTL reads the clock on every hit. When TTLs and listing
/// times are in minutes or hours, a millisecond resolution loses nothing: entries expire at most
/// one `resolution` late (never early, since the cached time lags the real one). The ticker thread
/// exits once every handle is dropped.
///
/// ```
/// use gencache::{Cache, Clock, CoarseClock};
/// use std::time::Duration;
///
/// let clock = CoarseClock::new(Duration::from_millis(1));
/// let cache: Cache<u32, u32> = Cache::builder().clock(clock.clone()).build();
/// cache.insert(1, 1);
/// assert!(clock.now() >= Duration::ZERO);
/// ```
#[derive(Debug, Clone)]
pub struct CoarseClock {
    nanos: Arc<AtomicU64>,
}

impl CoarseClock {
    /// Starts the ticker thread; `resolution` is clamped to at least 100 µs.
    pub fn new(resolution: Duration) -> Self {
        let resolution = resolution.max(Duration::from_micros(100));
        let nanos = Arc::new(AtomicU64::new(0));
        let weak = Arc::downgrade(&nanos);
        let origin = Instant::now();
        let spawned = std::thread::Builder::new()
            .name("gencache-coarse-clock".into())
            .spawn(move || {
                while let Some(nanos) = weak.upgrade() {
                    let now = u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    nanos.fetch_max(now, Ordering::Release);
                    drop(nanos);
                    std::thread::sleep(resolution);
                }
            });
        if let Err(e) = spawned {
            // Without a ticker the clock would stand still and nothing would ever expire: say so.
            tracing::error!(error = %e, "gencache: cannot start the CoarseClock ticker thread");
        }
        Self { nanos }
    }
}

impl Clock for CoarseClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }

    #[inline]
    fn now_nanos(&self) -> u64 {
        self.nanos.load(Ordering::Acquire)
    }
}

/// The clock as a cache holds it: the default [`SystemClock`] and the crate's [`CoarseClock`] by
/// value, so that the read on every hit is a direct, inlinable call (for the coarse clock one
/// atomic load: behind a trait object its indirect call and two pointer hops cost as much as the
/// load saves), and any other clock behind a trait object.
#[derive(Clone)]
pub(crate) struct CacheClock {
    held: HeldClock,
    /// For a [`SystemClock`] with a process-wide recent time, its offset (the clock's origin on
    /// that time's scale), copied out of the clock so that a hit reads the recent time after one
    /// test of this field rather than a match on the clock's kind and then on its offset.
    system_recent_offset: Option<u64>,
}

#[derive(Clone)]
enum HeldClock {
    System(SystemClock),
    Coarse(CoarseClock),
    Custom(Arc<dyn Clock>),
}

impl CacheClock {
    /// Holds `clock`, by value if it is a [`SystemClock`] or a [`CoarseClock`].
    pub(crate) fn new<C: Clock>(clock: C) -> Self {
        let any = &clock as &dyn std::any::Any;
        let held = if let Some(system) = any.downcast_ref::<SystemClock>() {
            HeldClock::System(*system)
        } else if let Some(coarse) = any.downcast_ref::<CoarseClock>() {
            HeldClock::Coarse(coarse.clone())
        } else {
            HeldClock::Custom(Arc::new(clock))
        };
        let system_recent_offset = match &held {
            HeldClock::System(system) => system.recent_offset,
            _ => None,
        };
        Self {
            held,
            system_recent_offset,
        }
    }

    /// [`Clock::now_nanos`] of the held clock.
    #[inline]
    pub(crate) fn now_nanos(&self) -> u64 {
        match &self.held {
            HeldClock::System(clock) => clock.now_nanos(),
            HeldClock::Coarse(clock) => clock.now_nanos(),
            HeldClock::Custom(clock) => clock.now_nanos(),
        }
    }

    /// [`Clock::recent_nanos`] of the held clock.
    #[inline(always)]
    pub(crate) fn recent_nanos(&self) -> u64 {
        match self.system_recent_offset {
            Some(offset) => recent::since(offset),
            None => self.held_recent_nanos(),
        }
    }

    /// [`Clock::recent_nanos`] of the held clock, out of line: the common case above stays small
    /// enough to inline into every hit.
    #[inline(never)]
    fn held_recent_nanos(&self) -> u64 {
        match &self.held {
            HeldClock::System(clock) => clock.recent_nanos(),
            HeldClock::Coarse(clock) => clock.now_nanos(),
            HeldClock::Custom(clock) => clock.recent_nanos(),
        }
    }

    /// Whether an entry whose deadline is `expires_at` is alive now. The exact clock is read only
    /// for a deadline within [`RECENT_MARGIN`] of the recent time: an entry further from its
    /// deadline is alive, since the recent time lags the exact one by less than the margin.
    #[inline]
    pub(crate) fn alive(&self, expires_at: u64) -> bool {
        self.alive_given(expires_at, self.recent_nanos())
    }

    /// [`CacheClock::alive`] with the recent time already read (`recent`, from
    /// [`CacheClock::recent_nanos`]), for a hit that also stamps its last access with it: one
    /// read of the recent time per hit.
    #[inline]
    pub(crate) fn alive_given(&self, expires_at: u64, recent: u64) -> bool {
        const MARGIN: u64 = RECENT_MARGIN.as_nanos() as u64;
        expires_at > recent.saturating_add(MARGIN) || expires_at > self.now_nanos()
    }

    /// [`CacheClock::alive_given`] for a deadline known first by a lower bound (`at_or_before`:
    /// what a slot's hot part holds), the exact `deadline` asked for only when the bound does not
    /// decide: a hit far from its entry's deadline reads nothing beyond the slot's hot part.
    #[inline]
    pub(crate) fn alive_given_bound(
        &self,
        at_or_before: u64,
        deadline: impl FnOnce() -> u64,
        recent: u64,
    ) -> bool {
        const MARGIN: u64 = RECENT_MARGIN.as_nanos() as u64;
        at_or_before > recent.saturating_add(MARGIN) || self.alive_given(deadline(), recent)
    }
}

impl std::fmt::Debug for CacheClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.held {
            HeldClock::System(clock) => clock.fmt(f),
            HeldClock::Coarse(clock) => clock.fmt(f),
            HeldClock::Custom(_) => f.write_str("Custom"),
        }
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Duration {
        (**self).now()
    }

    #[inline]
    fn now_nanos(&self) -> u64 {
        (**self).now_nanos()
    }

    #[inline]
    fn recent_nanos(&self) -> u64 {
        (**self).recent_nanos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_never_goes_back() {
        let c = ManualClock::new();
        c.set(Duration::from_secs(10));
        c.set(Duration::from_secs(5));
        assert_eq!(c.now(), Duration::from_secs(10));
        c.advance(Duration::from_millis(1));
        assert_eq!(c.now(), Duration::from_millis(10_001));
    }

    #[test]
    fn the_crate_clocks_are_held_by_value_and_others_behind_a_trait_object() {
        let system = SystemClock::new();
        let held = CacheClock::new(system);
        assert!(matches!(held.held, HeldClock::System(_)));
        assert_eq!(
            held.system_recent_offset.is_some(),
            recent::reference().is_some()
        );
        // The copied-out offset reads the same recent time as the clock itself.
        assert_eq!(held.system_recent_offset, system.recent_offset);
        let (before, read, after) = (
            system.recent_nanos(),
            held.recent_nanos(),
            system.recent_nanos(),
        );
        assert!(before <= read && read <= after, "{before} {read} {after}");
        let coarse = CoarseClock::new(Duration::from_millis(1));
        let held = CacheClock::new(coarse.clone());
        assert!(matches!(held.held, HeldClock::Coarse(_)));
        assert_eq!(held.system_recent_offset, None);
        // The same ticking time, not a copy of it.
        assert!(held.now_nanos() <= coarse.now_nanos());
        let manual = ManualClock::new();
        let held = CacheClock::new(manual.clone());
        assert!(matches!(held.held, HeldClock::Custom(_)));
        manual.advance(Duration::from_nanos(42));
        assert_eq!(held.now_nanos(), 42, "a handle, not a copy");
        manual.advance(Duration::from_secs(3));
        assert_eq!(held.now_nanos(), 3_000_000_042);
    }

    #[test]
    fn coarse_clock_advances_and_never_goes_back() {
        let c = CoarseClock::new(Duration::from_micros(100));
        let first = c.now();
        // Wait (without a deadline assertion) until the ticker has moved the time at least once.
        let mut last = first;
        while last == first {
            std::thread::yield_now();
            let now = c.now();
            assert!(now >= last);
            last = now;
        }
        assert!(last > first);
    }

    #[test]
    fn system_clock_is_monotonic() {
        let c = SystemClock::new();
        let a = c.now();
        let b = c.now();
        assert!(b >= a);
        let n = c.now_nanos();
        assert!(n >= u64::try_from(b.as_nanos()).unwrap_or(u64::MAX));
    }

    #[test]
    fn system_clock_agrees_with_std_instant() {
        // Loose bounds only (no timing assertion): the quanta reading of a sleep is at least the
        // sleep, and `now`/`now_nanos` are the same reading.
        let c = SystemClock::new();
        let before = c.now_nanos();
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(5));
        let std_elapsed = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let after = c.now_nanos();
        // quanta's calibration may be off by a little: allow 10 %.
        assert!(
            after - before >= std_elapsed / 10 * 9,
            "{before} {after} {std_elapsed}"
        );
    }

    /// The inline TSC path (taken where quanta's counter is the TSC) reads the same time as
    /// quanta's own scaling of the same counter, within a microsecond per second elapsed.
    #[test]
    fn system_clock_inline_tsc_agrees_with_quanta() {
        let c = SystemClock::new();
        std::thread::sleep(Duration::from_millis(2));
        let quanta = raw_delta_nanos(c.origin_raw, raw_now());
        let mine = c.now_nanos();
        let after = raw_delta_nanos(c.origin_raw, raw_now());
        assert!(quanta <= mine + 1_000, "{quanta} > {mine}");
        assert!(
            mine <= after + 1_000 + after / 1_000_000,
            "{mine} > {after}"
        );
        if cfg!(target_arch = "x86_64") {
            println!("inline TSC path: {}", c.tsc_nanos_per_2_32 != 0);
        }
    }

    /// The recent time lags the exact one and catches up: wait (no deadline) until a refresh has
    /// passed a reading of the exact clock; never ahead of the exact time beyond rounding.
    #[cfg(not(miri))]
    #[test]
    fn system_clock_recent_time_lags_the_exact_time_and_catches_up() {
        let c = SystemClock::new();
        assert!(c.recent_offset.is_some(), "the refresh thread runs");
        let target = c.now_nanos();
        loop {
            let recent = c.recent_nanos();
            let now = c.now_nanos();
            assert!(recent <= now + 1, "recent {recent} ahead of now {now}");
            if recent >= target {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // A second clock, made later, has its own origin on the same recent time.
        let later = SystemClock::new();
        assert!(later.recent_nanos() <= later.now_nanos() + 1);
        assert!(later.recent_offset >= c.recent_offset);
    }

    #[test]
    fn alive_reads_the_exact_clock_only_near_the_deadline() {
        let manual = ManualClock::new();
        let held = CacheClock::new(manual.clone());
        manual.advance(Duration::from_secs(5));
        let now = manual.now_nanos();
        assert!(held.alive(u64::MAX));
        assert!(held.alive(now + 1));
        assert!(!held.alive(now));
        assert!(!held.alive(0));
    }

    /// The bounded check answers as the exact one for every deadline around the clock's margin,
    /// and asks for the exact deadline only when its bound does not decide.
    #[test]
    fn alive_given_bound_agrees_with_alive_given_and_skips_the_exact_deadline_far_from_it() {
        let manual = ManualClock::new();
        let held = CacheClock::new(manual.clone());
        manual.advance(Duration::from_secs(100));
        let now = manual.now_nanos();
        let margin = RECENT_MARGIN.as_nanos() as u64;
        // A recent time lagging the exact one, as the process-wide one may.
        for recent in [now, now - margin / 2] {
            for deadline in [
                0,
                now - 1,
                now,
                now + 1,
                recent + margin,
                recent + margin + 1,
                u64::MAX,
            ] {
                for bound in [0, deadline / 2, deadline] {
                    let mut asked = false;
                    let alive = held.alive_given_bound(
                        bound,
                        || {
                            asked = true;
                            deadline
                        },
                        recent,
                    );
                    assert_eq!(
                        alive,
                        held.alive_given(deadline, recent),
                        "{deadline} {bound}"
                    );
                    assert_eq!(asked, bound <= recent + margin, "{deadline} {bound}");
                }
            }
        }
    }

    #[test]
    fn now_nanos_agrees_with_now_for_every_clock() {
        let m = ManualClock::new();
        m.advance(Duration::new(3, 7));
        assert_eq!(m.now_nanos(), 3_000_000_007);
        let shared: Arc<dyn Clock> = Arc::new(m.clone());
        assert_eq!(shared.now_nanos(), 3_000_000_007);
        assert_eq!(Duration::from_nanos(shared.now_nanos()), shared.now());
    }
}
