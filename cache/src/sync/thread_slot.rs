//! A small number per live thread, unique among the live threads that hold one: the thread that
//! holds number `i` is the only writer of stripe `i` of every cache's hit/miss counters
//! (`core_lock::Striped`), so it counts with a plain load and store instead of a locked
//! read-modify-write (on x86 a `lock xadd` is a full barrier: it waits for the hit's cache misses
//! and keeps the next lookup's loads from starting, measured at several ns per hit).
//!
//! Numbers are bits of one atomic word: a thread claims the lowest free bit the first time it
//! counts and gives it back when it exits (a thread-local destructor), so a short-lived thread
//! pool does not exhaust them. When all are taken, a thread gets none and counts with atomic
//! read-modify-writes in a shared stripe. Ownership hand-over is ordered: the exiting thread
//! releases its bit with `Release`, the next owner claims it with `Acquire`, so every count the
//! first one wrote happens before the second one's first read of the stripe (the loom model
//! `loom_thread_slots_hand_over_their_stripe` checks it).

#[cfg(loom)]
use loom::sync::atomic::{AtomicU32, Ordering};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU32, Ordering};

/// How many numbers there are (the bits of the registry's word).
pub(crate) const SLOTS: usize = 32;

/// The free and taken numbers.
pub(crate) struct SlotRegistry {
    /// Bit `i` set: number `i` is held by a live thread.
    taken: AtomicU32,
    /// Bits that may be handed out (all of them in production; fewer in the loom model).
    usable: u32,
}

impl SlotRegistry {
    /// A registry handing out the numbers `0..slots` (`slots` ≤ [`SLOTS`]).
    #[cfg(not(loom))]
    pub(crate) const fn new(slots: usize) -> Self {
        Self {
            taken: AtomicU32::new(0),
            usable: usable_bits(slots),
        }
    }

    /// See the non-loom `new` (loom's atomics cannot be built in a `const fn`).
    #[cfg(loom)]
    pub(crate) fn new(slots: usize) -> Self {
        Self {
            taken: AtomicU32::new(0),
            usable: usable_bits(slots),
        }
    }

    /// The lowest free number, now held by the caller until it calls [`SlotRegistry::release`];
    /// `None` when every number is held.
    pub(crate) fn claim(&self) -> Option<usize> {
        let mut taken = self.taken.load(Ordering::Relaxed);
        loop {
            let free = !taken & self.usable;
            if free == 0 {
                return None;
            }
            let bit = free.trailing_zeros();
            match self.taken.compare_exchange_weak(
                taken,
                taken | (1 << bit),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(bit as usize),
                Err(now) => taken = now,
            }
        }
    }

    /// Gives number `slot` back (its holder writes nothing more under it).
    pub(crate) fn release(&self, slot: usize) {
        self.taken.fetch_and(!(1 << slot), Ordering::Release);
    }
}

const fn usable_bits(slots: usize) -> u32 {
    if slots >= SLOTS {
        u32::MAX
    } else {
        (1u32 << slots) - 1
    }
}

/// The process-wide registry.
#[cfg(not(loom))]
static REGISTRY: SlotRegistry = SlotRegistry::new(SLOTS);

/// What `NUMBER` holds before the thread's first claim.
#[cfg(not(loom))]
const UNCLAIMED: usize = usize::MAX;
/// What `NUMBER` holds for a thread without a number (all taken, or given back at exit): the
/// first value past the numbers, so that `current` tells it from a number with the same
/// comparison its caller makes next (`SlotLock::read_as` sends it to the shared line).
#[cfg(not(loom))]
const NO_NUMBER: usize = SLOTS;

/// Gives this thread's number (in `NUMBER`) back when the thread exits.
#[cfg(not(loom))]
struct Held;

#[cfg(not(loom))]
impl Drop for Held {
    fn drop(&mut self) {
        // Stop using the number before another thread may claim it (`NUMBER` has no
        // destructor, so it is still there while the thread-locals are destroyed).
        let number = NUMBER.try_with(|number| number.replace(NO_NUMBER));
        if let Some(slot) = number.ok().filter(|&n| n < SLOTS) {
            REGISTRY.release(slot);
        }
    }
}

#[cfg(not(loom))]
thread_local! {
    /// This thread's number, `UNCLAIMED` or `NO_NUMBER`: constant-initialised and without a
    /// destructor, so the hit path reads it with one thread-local load (a lazily initialised
    /// thread-local with a destructor checks its state on every access).
    static NUMBER: std::cell::Cell<usize> = const { std::cell::Cell::new(UNCLAIMED) };
    /// Touched at the claim, which registers its destructor: the number's release at exit.
    static HELD: Held = const { Held };
}

/// This thread's number, or `None` if it has none (all taken, or the thread is exiting and its
/// thread-locals are being destroyed).
#[cfg(not(loom))]
#[inline]
pub(crate) fn current() -> Option<usize> {
    match NUMBER.with(std::cell::Cell::get) {
        number if number < SLOTS => Some(number),
        UNCLAIMED => claim_for_this_thread(),
        _ => None,
    }
}

/// The first `current` of a thread: claims a number and registers its release at exit.
#[cfg(not(loom))]
#[cold]
fn claim_for_this_thread() -> Option<usize> {
    let claimed = REGISTRY.claim();
    // `HELD` is gone once the thread destroys its thread-locals: then hold no number at all
    // (nothing would give it back).
    let registered = HELD.try_with(|_| ()).is_ok();
    let number = match claimed {
        Some(slot) if !registered => {
            REGISTRY.release(slot);
            None
        }
        other => other,
    };
    NUMBER.with(|cell| cell.set(number.unwrap_or(NO_NUMBER)));
    number
}

/// Under loom every thread counts in the shared stripe (the registry itself is modelled on its
/// own, with a registry built inside the model).
#[cfg(loom)]
#[inline]
pub(crate) fn current() -> Option<usize> {
    None
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_unique_until_released_and_then_reused() {
        let reg = SlotRegistry::new(3);
        let a = reg.claim();
        let b = reg.claim();
        let c = reg.claim();
        assert_eq!((a, b, c), (Some(0), Some(1), Some(2)));
        assert_eq!(reg.claim(), None, "all three are held");
        reg.release(1);
        assert_eq!(reg.claim(), Some(1));
    }

    #[test]
    fn a_thread_keeps_its_number() {
        let mine = current();
        assert_eq!(current(), mine, "stable for the thread's lifetime");
        let theirs = std::thread::spawn(|| (current(), current()))
            .join()
            .unwrap_or((None, None));
        assert_eq!(theirs.0, theirs.1);
        if mine.is_some() {
            assert_ne!(theirs.0, mine, "two live threads never share a number");
        }
    }

    /// A thread gives its number back when it exits, so more short-lived threads than there
    /// are numbers each get one (without the release, at most `SLOTS` ever could).
    #[test]
    fn exiting_threads_give_their_numbers_back() {
        let numbered = (0..2 * SLOTS)
            .filter(|_| {
                std::thread::spawn(|| current().is_some())
                    .join()
                    .unwrap_or(false)
            })
            .count();
        assert!(numbered > SLOTS, "{numbered} of {} threads", 2 * SLOTS);
    }
}
