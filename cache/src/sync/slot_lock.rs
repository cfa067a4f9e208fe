//! The read-mostly lock of the lazy-promotion policies' core (S3-FIFO, SIEVE): a reader marks
//! itself in its own cache line, found by its thread number (`thread_slot`), so a hit costs one
//! locked instruction (the mark) and a plain store (the unmark), on a line no other core writes;
//! a writer raises a flag and waits until every reader line is unmarked.
//!
//! Each reader line also carries that thread's payload `R` (the hit and miss counters of
//! `core_lock`), so a lookup finds its lock mark and its counters with one thread-local read.
//! (`crossbeam_utils::ShardedLock`, used before, took a thread-local read for its shard and a
//! compare-and-swap plus a locked decrement on a `std` lock per read: about 1 ns more per hit,
//! measured on a cache-resident table.)
//!
//! The protocol is Dekker's: a reader stores its mark, then loads the writer flag; a writer
//! stores the flag, then loads every mark; all four are `SeqCst` (see `STORE_SC` for the form
//! loom checks), so at least one side sees the other and they never both enter. A reader that sees the flag takes its mark back and waits
//! for the writer on the writers' mutex (which the writer holds while it writes), then tries
//! again; writers are thus preferred and cannot starve. A reader's unmark is a `Release` store
//! that the writer's load acquires, and the writer's flag reset is a `SeqCst` store that the
//! next reader's load acquires, so every access to the data is ordered with every conflicting
//! one (the loom models `loom_slot_lock_*` check it; `.ci/run` also runs this module's tests under
//! Miri, whose race detector checks every access of the data by real threads).
//!
//! Marks are counts, so a thread may hold several read guards at once (dropped in any order); a
//! thread that already reads on its own line takes another guard without looking at the writer
//! flag (a writer waits for that line anyway), so nested reads never deadlock against a waiting
//! writer. Threads without a number share one extra line whose count they change with atomic
//! read-modify-writes; there, as with any writer-preferring lock, a second read guard taken while
//! a writer waits for the first deadlocks (the cache never nests its read locks).

use super::thread_slot;
use crate::lock::{Mutex, MutexGuard};
use crossbeam_utils::CachePadded;
use std::ops::{Deref, DerefMut};

#[cfg(loom)]
use loom::cell::{ConstPtr, MutPtr, UnsafeCell};
#[cfg(loom)]
use loom::sync::atomic::{AtomicBool, AtomicU32, Ordering};
#[cfg(not(loom))]
use std::cell::UnsafeCell;
#[cfg(not(loom))]
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Index of the line shared by the threads that hold no number (after one line per number;
/// under loom only number 0 has a line, which keeps the writer's scan small enough to model).
#[cfg(not(loom))]
pub(super) const SHARED: usize = thread_slot::SLOTS;
#[cfg(loom)]
pub(super) const SHARED: usize = 1;

// The four Dekker accesses (a mark and the flag load, the flag store and the mark loads) are
// `SeqCst` accesses, whose single total order forbids both sides missing each other. loom does
// not model `SeqCst` accesses (only `SeqCst` fences), so under loom the same protocol is written
// in its other standard form: release/acquire accesses with a `SeqCst` fence between each
// side's store and load.
#[cfg(not(loom))]
const STORE_SC: Ordering = Ordering::SeqCst;
#[cfg(not(loom))]
const STORE_SC_RELEASE: Ordering = Ordering::SeqCst;
#[cfg(not(loom))]
const LOAD_SC: Ordering = Ordering::SeqCst;
#[cfg(loom)]
const STORE_SC: Ordering = Ordering::Relaxed;
#[cfg(loom)]
const STORE_SC_RELEASE: Ordering = Ordering::Release;
#[cfg(loom)]
const LOAD_SC: Ordering = Ordering::Acquire;

/// Orders the preceding store before the following load (see `STORE_SC`): nothing to do with
/// `SeqCst` accesses, a `SeqCst` fence under loom.
#[inline]
fn store_load_fence() {
    #[cfg(loom)]
    loom::sync::atomic::fence(Ordering::SeqCst);
}

/// One reader line.
struct Reader<R> {
    /// Read guards this line's thread(s) hold.
    held: AtomicU32,
    extra: R,
}

/// The lock, the data, and one payload per reader line.
pub(super) struct SlotLock<T, R> {
    /// A writer holds the lock or waits for readers to leave.
    writing: AtomicBool,
    /// Held by the writer for its whole hold; readers that meet a writer wait on it.
    writers: Mutex<()>,
    /// A fixed-length array, so that indexing by a line number (always `<= SHARED`) needs no
    /// bounds check on the hit path.
    readers: Box<[CachePadded<Reader<R>>; SHARED + 1]>,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out `&T` to several threads at once (readers) and `&mut T` to one
// thread at a time (writer), never both (the protocol above), so `T: Send + Sync` suffices, as
// for `std::sync::RwLock`. The payloads are shared by reference between threads: `R: Sync`.
unsafe impl<T: Send + Sync, R: Sync> Sync for SlotLock<T, R> {}
// SAFETY: moving the lock moves the data and the payloads.
unsafe impl<T: Send, R: Send> Send for SlotLock<T, R> {}

/// Shared access; derefs to the data.
pub(super) struct SlotReadGuard<'a, T, R> {
    lock: &'a SlotLock<T, R>,
    /// The line marked (held directly, so the hit path indexes `readers` once).
    reader: &'a Reader<R>,
    /// Whether that line is the shared one (`SHARED`).
    shared: bool,
    /// Loom's record of the access, ended before the unmark.
    #[cfg(loom)]
    ptr: Option<ConstPtr<T>>,
}

/// Exclusive access; derefs to the data.
pub(super) struct SlotWriteGuard<'a, T, R> {
    lock: &'a SlotLock<T, R>,
    _writers: MutexGuard<'a, ()>,
    /// Loom's record of the access, ended before the flag is lowered.
    #[cfg(loom)]
    ptr: Option<MutPtr<T>>,
}

/// Waits a little, then yields, between two looks at a reader line a writer waits on.
#[inline]
fn backoff(spins: &mut u32) {
    #[cfg(loom)]
    {
        let _ = spins;
        loom::thread::yield_now();
    }
    #[cfg(not(loom))]
    {
        if *spins < 64 {
            *spins += 1;
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

impl<T, R: Default> SlotLock<T, R> {
    pub(super) fn new(data: T) -> Self {
        Self {
            writing: AtomicBool::new(false),
            writers: Mutex::new(()),
            readers: Box::new(std::array::from_fn(|_| {
                CachePadded::new(Reader {
                    held: AtomicU32::new(0),
                    extra: R::default(),
                })
            })),
            data: UnsafeCell::new(data),
        }
    }
}

impl<T, R> SlotLock<T, R> {
    /// Shared access, marked in this thread's line.
    #[inline]
    pub(super) fn read(&self) -> SlotReadGuard<'_, T, R> {
        self.read_as(thread_slot::current())
    }

    /// Shared access as the holder of thread number `slot` (`None`, or a number past the
    /// lines: the shared line). The caller must hold that number (`thread_slot`): its line is
    /// written with plain stores.
    #[inline]
    pub(super) fn read_as(&self, slot: Option<usize>) -> SlotReadGuard<'_, T, R> {
        let line = match slot {
            Some(i) if i < SHARED => i,
            _ => SHARED,
        };
        let reader = &self.readers[line];
        loop {
            if line == SHARED {
                reader.held.fetch_add(1, STORE_SC);
            } else {
                // Only this thread writes its line: a load and a store (an `xchg` on x86).
                let held = reader.held.load(Ordering::Relaxed);
                if held > 0 {
                    // This thread already reads: no writer can be inside (it waits for this
                    // line), so a nested read enters without looking at the flag.
                    reader.held.store(held + 1, Ordering::Relaxed);
                    break;
                }
                reader.held.store(held + 1, STORE_SC);
            }
            store_load_fence();
            if !self.writing.load(LOAD_SC) {
                break;
            }
            unmark(reader, line == SHARED);
            // The writer holds `writers` until it is done.
            drop(self.writers.lock());
        }
        SlotReadGuard {
            lock: self,
            reader,
            shared: line == SHARED,
            #[cfg(loom)]
            ptr: Some(self.data.get()),
        }
    }

    /// Exclusive access: waits for the current readers, keeps new ones out.
    pub(super) fn write(&self) -> SlotWriteGuard<'_, T, R> {
        let writers = self.writers.lock();
        self.writing.store(true, STORE_SC);
        store_load_fence();
        for reader in self.readers.iter() {
            let mut spins = 0;
            while reader.held.load(LOAD_SC) != 0 {
                backoff(&mut spins);
            }
        }
        SlotWriteGuard {
            lock: self,
            _writers: writers,
            #[cfg(loom)]
            ptr: Some(self.data.get_mut()),
        }
    }

    /// Every line's payload.
    pub(super) fn payloads(&self) -> impl Iterator<Item = &R> {
        self.readers.iter().map(|r| &r.extra)
    }
}

/// Takes one read mark back from `reader` (`shared`: the shared line).
#[inline]
fn unmark<R>(reader: &Reader<R>, shared: bool) {
    if shared {
        reader.held.fetch_sub(1, Ordering::Release);
    } else {
        let held = reader.held.load(Ordering::Relaxed);
        reader.held.store(held - 1, Ordering::Release);
    }
}

impl<T, R> SlotReadGuard<'_, T, R> {
    /// The payload of this guard's line, and whether the caller is its only writer (its
    /// thread's own line; `false` for the shared line).
    #[inline]
    pub(super) fn payload(&self) -> (&R, bool) {
        (&self.reader.extra, !self.shared)
    }
}

impl<T, R> Drop for SlotReadGuard<'_, T, R> {
    #[inline]
    fn drop(&mut self) {
        #[cfg(loom)]
        drop(self.ptr.take());
        unmark(self.reader, self.shared);
    }
}

impl<T, R> Drop for SlotWriteGuard<'_, T, R> {
    fn drop(&mut self) {
        #[cfg(loom)]
        drop(self.ptr.take());
        // Before `writers` is released (the field drops after this body).
        self.lock.writing.store(false, STORE_SC_RELEASE);
    }
}

impl<T, R> Deref for SlotReadGuard<'_, T, R> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: a read mark is held, so no writer holds the lock (see the module protocol).
        #[cfg(not(loom))]
        unsafe {
            &*self.lock.data.get()
        }
        // SAFETY: as above; loom tracks the access until the guard drops.
        #[cfg(loom)]
        unsafe {
            loom_ptr(&self.ptr).deref()
        }
    }
}

impl<T, R> Deref for SlotWriteGuard<'_, T, R> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the writer holds the lock: no reader and no other writer is inside.
        #[cfg(not(loom))]
        unsafe {
            &*self.lock.data.get()
        }
        // SAFETY: as above.
        #[cfg(loom)]
        unsafe {
            &*loom_ptr(&self.ptr).deref()
        }
    }
}

impl<T, R> DerefMut for SlotWriteGuard<'_, T, R> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the writer holds the lock exclusively, and `&mut self` makes this the only
        // reference derived from the guard.
        #[cfg(not(loom))]
        unsafe {
            &mut *self.lock.data.get()
        }
        // SAFETY: as above.
        #[cfg(loom)]
        unsafe {
            loom_ptr(&self.ptr).deref()
        }
    }
}

/// The access record of a live guard (taken only in `drop`).
#[cfg(loom)]
fn loom_ptr<P>(ptr: &Option<P>) -> &P {
    match ptr {
        Some(p) => p,
        None => unreachable!("a guard's access record lives until the guard drops"),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn nested_reads_and_out_of_order_drops_release_every_mark() {
        let lock: SlotLock<u32, ()> = SlotLock::new(5);
        let a = lock.read();
        let b = lock.read();
        let shared = lock.read_as(None);
        assert_eq!((*a, *b, *shared), (5, 5, 5));
        drop(a);
        drop(shared);
        drop(b);
        *lock.write() += 1;
        assert_eq!(*lock.read(), 6);
        assert!(
            lock.readers
                .iter()
                .all(|r| r.held.load(Ordering::SeqCst) == 0)
        );
    }

    /// Readers on their own lines and on the shared line against writers: a writer's two-step
    /// update is never seen half done, and no update is lost.
    #[test]
    fn writers_exclude_readers_and_each_other() {
        // Under Miri (which checks every access of the data for a race) fewer rounds suffice.
        const ROUNDS: u64 = if cfg!(miri) { 400 } else { 20_000 };
        let lock = Arc::new(SlotLock::<(u64, u64), AtomicU64>::new((0, 0)));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let lock = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for i in 0..ROUNDS {
                        if (i + t) % 8 == 0 {
                            let mut w = lock.write();
                            w.0 += 1;
                            std::hint::black_box(&mut *w);
                            w.1 += 1;
                        } else {
                            let r = if t == 0 {
                                lock.read_as(None)
                            } else {
                                lock.read()
                            };
                            assert_eq!(r.0, r.1, "a write seen half done");
                            r.payload().0.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
        let w = lock.write();
        assert_eq!(w.0, 4 * ROUNDS / 8);
        drop(w);
        let reads: u64 = lock.payloads().map(|p| p.load(Ordering::Relaxed)).sum();
        assert_eq!(reads, 4 * ROUNDS - 4 * ROUNDS / 8);
    }
}
