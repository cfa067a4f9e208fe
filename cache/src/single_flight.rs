//! Single-flight bookkeeping: at most one computation in flight per key.
//!
//! A [`Flight`] is the rendezvous of one computation: its leader publishes an [`Outcome`] once, and
//! every waiter, blocking (a `Condvar`) or async (a list of `Waker`s), reads it. The same flight
//! serves sync and async callers, so a thread may join a load that a tokio task runs and vice versa;
//! no runtime is needed (runtime-agnostic: wakers only).
//!
//! In-flight loads are registered in [`Flights`], a table sharded by the key's hash so that
//! unrelated loads do not contend. A [`LeaderGuard`] owns the registration: if the leader finishes,
//! it publishes the value or error; if it unwinds (panic) or is dropped (cancelled future), the guard
//! publishes [`Outcome::Abandoned`] and waiters retry, the first of them becoming the new leader.

use crate::lock::{Condvar, Mutex, MutexGuard};
use hashbrown::HashTable;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// What a finished flight produced.
pub(crate) enum Outcome<V> {
    /// Still computing.
    Running,
    /// The computed value (already stored in the cache when it fit).
    Value(V),
    /// The computation's error, type-erased because different callers may use different error
    /// types for the same key; a waiter whose error type differs retries instead.
    Error(Box<dyn Any + Send>),
    /// The leader panicked or was cancelled: waiters retry.
    Abandoned,
}

struct FlightState<V> {
    outcome: Outcome<V>,
    wakers: Vec<Waker>,
}

/// One computation in flight.
pub(crate) struct Flight<V> {
    state: Mutex<FlightState<V>>,
    finished: Condvar,
}

/// What a waiter learns from a finished flight.
pub(crate) enum Resolved<V, E> {
    Value(V),
    Error(E),
    /// Abandoned, or failed with an error of another type: claim again.
    Retry,
}

impl<V> Flight<V> {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(FlightState {
                outcome: Outcome::Running,
                wakers: Vec::new(),
            }),
            finished: Condvar::new(),
        }
    }

    /// Publishes the outcome once and wakes every waiter.
    pub(crate) fn publish(&self, outcome: Outcome<V>) {
        let wakers = {
            let mut state = self.state.lock();
            state.outcome = outcome;
            std::mem::take(&mut state.wakers)
        };
        self.finished.notify_all();
        for w in wakers {
            w.wake();
        }
    }
}

impl<V: Clone> Flight<V> {
    fn resolve<E: Clone + 'static>(outcome: &Outcome<V>) -> Option<Resolved<V, E>> {
        match outcome {
            Outcome::Running => None,
            Outcome::Value(v) => Some(Resolved::Value(v.clone())),
            Outcome::Error(e) => Some(match e.downcast_ref::<E>() {
                Some(e) => Resolved::Error(e.clone()),
                None => Resolved::Retry,
            }),
            Outcome::Abandoned => Some(Resolved::Retry),
        }
    }

    /// Blocks the thread until the flight finishes.
    pub(crate) fn wait_blocking<E: Clone + 'static>(&self) -> Resolved<V, E> {
        let mut state = self.state.lock();
        loop {
            if let Some(r) = Self::resolve(&state.outcome) {
                return r;
            }
            self.finished.wait(&mut state);
        }
    }

    /// Waits asynchronously until the flight finishes.
    pub(crate) fn wait_async<E: Clone + 'static>(self: &Arc<Self>) -> FlightWait<V, E> {
        FlightWait {
            flight: Arc::clone(self),
            waker_slot: None,
            _error: std::marker::PhantomData,
        }
    }
}

/// Future returned by [`Flight::wait_async`].
pub(crate) struct FlightWait<V, E> {
    flight: Arc<Flight<V>>,
    /// Index of this waiter's waker in the flight's list (stable until the flight finishes).
    waker_slot: Option<usize>,
    _error: std::marker::PhantomData<fn() -> E>,
}

impl<V: Clone, E: Clone + 'static> Future for FlightWait<V, E> {
    type Output = Resolved<V, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut state = this.flight.state.lock();
        if let Some(r) = Flight::resolve(&state.outcome) {
            return Poll::Ready(r);
        }
        match this.waker_slot {
            Some(i) if i < state.wakers.len() => {
                if !state.wakers[i].will_wake(cx.waker()) {
                    state.wakers[i] = cx.waker().clone();
                }
            }
            _ => {
                this.waker_slot = Some(state.wakers.len());
                state.wakers.push(cx.waker().clone());
            }
        }
        Poll::Pending
    }
}

/// One flight in progress, as registered in its shard.
pub(crate) struct Registration<K, V> {
    /// The key's hash, for rehashing on growth.
    hash: u64,
    key: K,
    flight: Arc<Flight<V>>,
    /// Set (under the shard lock) by a `remove`, `insert` or `clear` that ran while the flight
    /// was in progress: the leader's value is then older than the caller's intent and must not be
    /// stored, though it still goes to the waiters.
    invalidated: bool,
}

/// One shard: flights in progress by key.
type FlightTable<K, V> = HashTable<Registration<K, V>>;

/// Upper bound on the number of single-flight shards (a power of two); more cannot spread loads
/// any further on real machines and would only waste memory.
pub(crate) const MAX_SHARDS: usize = 65_536;

/// The table of flights in progress, sharded by key hash.
pub(crate) struct Flights<K, V> {
    shards: Box<[Mutex<FlightTable<K, V>>]>,
    shift: u32,
}

/// A locked shard; the caller decides whether to join, lead, or find the value already cached.
pub(crate) type ShardGuard<'a, K, V> = MutexGuard<'a, FlightTable<K, V>>;

impl<K, V> Flights<K, V> {
    /// `shards` is clamped to `1..=MAX_SHARDS` and rounded up to a power of two.
    pub(crate) fn new(shards: usize) -> Self {
        // Clamped first: `next_power_of_two` of a huge count would overflow (to 0 in release).
        let n = shards.clamp(1, MAX_SHARDS).next_power_of_two();
        Self {
            shards: (0..n).map(|_| Mutex::new(HashTable::new())).collect(),
            shift: 64 - n.trailing_zeros(),
        }
    }

    #[cfg(test)]
    pub(crate) fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Locks the shard of `hash` (the high bits pick the shard; the table uses the low ones).
    pub(crate) fn lock(&self, hash: u64) -> ShardGuard<'_, K, V> {
        let i = if self.shards.len() == 1 {
            0
        } else {
            (hash >> self.shift) as usize
        };
        self.shards[i].lock()
    }

    /// Locks every shard, in index order (the only order in which several are ever held, so
    /// two callers of this cannot deadlock; each other caller holds one shard at a time).
    pub(crate) fn lock_all(&self) -> Vec<ShardGuard<'_, K, V>> {
        self.shards.iter().map(|s| s.lock()).collect()
    }

    /// Marks every flight registered in a locked shard as invalidated (see [`Registration`]).
    pub(crate) fn invalidate_all(shard: &mut ShardGuard<'_, K, V>) {
        for registration in shard.iter_mut() {
            registration.invalidated = true;
        }
    }

    /// Unregisters `flight` (in a locked shard) if it is still the one registered for its key.
    /// Returns whether its value may be stored: `false` if a `remove`, `insert` or `clear`
    /// invalidated it while it ran (or it was no longer registered).
    pub(crate) fn finish(
        shard: &mut ShardGuard<'_, K, V>,
        hash: u64,
        flight: &Arc<Flight<V>>,
    ) -> bool {
        match shard.find_entry(hash, |r| Arc::ptr_eq(&r.flight, flight)) {
            Ok(entry) => !entry.remove().0.invalidated,
            Err(_) => false,
        }
    }
}

impl<K: Eq + Clone, V> Flights<K, V> {
    /// The flight registered for `key`, if any (in a locked shard).
    pub(crate) fn find(shard: &ShardGuard<'_, K, V>, hash: u64, key: &K) -> Option<Arc<Flight<V>>> {
        shard
            .find(hash, |r| r.key == *key)
            .map(|r| Arc::clone(&r.flight))
    }

    /// Marks the flight registered for `key` (in a locked shard), if any, as invalidated: a newer
    /// write or removal of the key supersedes whatever that load will produce.
    pub(crate) fn invalidate<Q>(shard: &mut ShardGuard<'_, K, V>, hash: u64, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + ?Sized,
    {
        if let Some(registration) = shard.find_mut(hash, |r| r.key.borrow() == key) {
            registration.invalidated = true;
        }
    }

    /// Registers a new flight for `key` (in a locked shard where it has none).
    pub(crate) fn start(shard: &mut ShardGuard<'_, K, V>, hash: u64, key: &K) -> Arc<Flight<V>> {
        let flight = Arc::new(Flight::new());
        shard.insert_unique(
            hash,
            Registration {
                hash,
                key: key.clone(),
                flight: Arc::clone(&flight),
                invalidated: false,
            },
            |r| r.hash,
        );
        flight
    }

    /// Number of flights in progress (tests only).
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    struct CountWake(std::sync::atomic::AtomicUsize);
    impl Wake for CountWake {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn async_waiter_is_woken_once_with_the_value() {
        let flight: Arc<Flight<u32>> = Arc::new(Flight::new());
        let counter = Arc::new(CountWake(0.into()));
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        let mut wait = flight.wait_async::<()>();
        assert!(Pin::new(&mut wait).poll(&mut cx).is_pending());
        // A second poll with the same waker does not register it twice.
        assert!(Pin::new(&mut wait).poll(&mut cx).is_pending());
        assert_eq!(flight.state.lock().wakers.len(), 1);
        flight.publish(Outcome::Value(7));
        assert_eq!(counter.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        match Pin::new(&mut wait).poll(&mut cx) {
            Poll::Ready(Resolved::Value(7)) => {}
            _ => panic!("expected the published value"),
        }
    }

    #[test]
    fn error_of_another_type_means_retry() {
        let flight: Flight<u32> = Flight::new();
        flight.publish(Outcome::Error(Box::new("boom".to_string())));
        assert!(matches!(flight.wait_blocking::<u8>(), Resolved::Retry));
        match flight.wait_blocking::<String>() {
            Resolved::Error(e) => assert_eq!(e, "boom"),
            _ => panic!("expected the String error"),
        }
    }

    #[test]
    fn registration_is_per_key_and_removed_by_identity() {
        let flights: Flights<u32, u32> = Flights::new(3);
        assert_eq!(flights.shard_count(), 4);
        let mut shard = flights.lock(42);
        let f = Flights::start(&mut shard, 42, &1);
        assert!(Flights::find(&shard, 42, &1).is_some());
        assert!(Flights::find(&shard, 42, &2).is_none());
        let other = Arc::new(Flight::new());
        // Not the registered one: no effect, and nothing to store.
        assert!(!Flights::finish(&mut shard, 42, &other));
        assert!(Flights::find(&shard, 42, &1).is_some());
        assert!(Flights::finish(&mut shard, 42, &f));
        assert!(Flights::find(&shard, 42, &1).is_none());
        drop(shard);
        assert_eq!(flights.in_flight(), 0);
    }

    #[test]
    fn invalidated_flight_must_not_be_stored() {
        let flights: Flights<u32, u32> = Flights::new(2);
        let mut shard = flights.lock(7);
        let a = Flights::start(&mut shard, 7, &1);
        let b = Flights::start(&mut shard, 8, &2);
        Flights::invalidate(&mut shard, 7, &1);
        Flights::invalidate(&mut shard, 9, &3); // no flight for that key: no effect
        assert!(!Flights::finish(&mut shard, 7, &a));
        assert!(Flights::finish(&mut shard, 8, &b));
        let c = Flights::start(&mut shard, 7, &1);
        Flights::invalidate_all(&mut shard);
        assert!(!Flights::finish(&mut shard, 7, &c));
    }

    #[test]
    fn huge_shard_counts_are_clamped() {
        assert_eq!(Flights::<u32, u32>::new(0).shard_count(), 1);
        assert_eq!(
            Flights::<u32, u32>::new(usize::MAX).shard_count(),
            MAX_SHARDS
        );
        assert_eq!(
            Flights::<u32, u32>::new(MAX_SHARDS + 1).shard_count(),
            MAX_SHARDS
        );
    }
}
