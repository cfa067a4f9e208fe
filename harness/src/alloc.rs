//! A counting global allocator, so memory overhead is measured rather than estimated.
//!
//! Every allocation goes to [`System`]; on the way, two counters move by the requested size:
//! a process-wide atomic of live bytes, and a per-thread net counter. The per-thread counter is
//! what the memory replay uses: it runs on one thread, so the change of that thread's counter
//! across a cache operation is exactly the heap that operation kept (or freed), even while other
//! threads (test runners, a progress bar) allocate at the same time.
//!
//! Sizes are the sizes *requested* from the allocator (`Layout::size`), not the allocator's
//! rounded-up usable size, so the overhead reported is a lower bound of what malloc really holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, Ordering};

/// Bytes currently allocated by the whole process (requested sizes).
static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);

thread_local! {
    // `const` initialisation and a `Drop`-free type: accessing it never allocates and never
    // registers a destructor, so it is safe to touch from inside the allocator.
    static THREAD_NET_BYTES: Cell<i64> = const { Cell::new(0) };
}

/// [`System`] plus byte counters. The library does not install it (that would impose it on
/// everything linking `harness`): the binary does, and so does each test or bench that measures
/// memory:
///
/// ```ignore
/// #[global_allocator]
/// static GLOBAL: harness::alloc::CountingAlloc = harness::alloc::CountingAlloc;
/// ```
///
/// [`installed`] tells whether it is; the memory pass refuses to run without it.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc;

/// Whether [`CountingAlloc`] is this process's global allocator (an allocation moves this
/// thread's counter).
pub fn installed() -> bool {
    let (boxed, kept) = measure(|| std::hint::black_box(Box::new([0u8; 64])));
    drop(boxed);
    kept >= 64
}

fn record(delta: i64) {
    LIVE_BYTES.fetch_add(delta, Ordering::Relaxed);
    // `try_with` fails only while the thread-local is being torn down at thread exit;
    // that thread's counter is no longer read by anyone then, so skipping is correct.
    let _ = THREAD_NET_BYTES.try_with(|c| c.set(c.get() + delta));
}

fn size_of_layout(layout: Layout) -> i64 {
    i64::try_from(layout.size()).unwrap_or(i64::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract (alignment, size, pointer provenance) is exactly `System`'s. The only
// extra work is updating integer counters, which neither allocates nor unwinds.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            record(size_of_layout(layout));
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record(size_of_layout(layout));
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` was allocated by `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) };
        record(-size_of_layout(layout));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; `ptr` was allocated by `System` with `layout`.
        let new_ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if !new_ptr.is_null() {
            let new_size = i64::try_from(new_size).unwrap_or(i64::MAX);
            record(new_size - size_of_layout(layout));
        }
        new_ptr
    }
}

/// Bytes currently allocated by the whole process (requested sizes, all threads).
pub fn live_bytes() -> i64 {
    LIVE_BYTES.load(Ordering::Relaxed)
}

/// Net bytes allocated minus freed by the calling thread since it started.
///
/// The difference of two readings around a piece of single-threaded work is the heap that work
/// kept alive, unaffected by what other threads do meanwhile.
pub fn thread_net_bytes() -> i64 {
    THREAD_NET_BYTES.try_with(Cell::get).unwrap_or(0)
}

/// Runs `f` and returns its result with the net heap bytes it kept alive on this thread.
///
/// ```
/// #[global_allocator]
/// static GLOBAL: harness::alloc::CountingAlloc = harness::alloc::CountingAlloc;
///
/// fn main() {
///     let (v, kept) = harness::alloc::measure(|| vec![0u8; 4096]);
///     assert_eq!(v.len(), 4096);
///     assert_eq!(kept, 4096);
/// }
/// ```
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, i64) {
    let before = thread_net_bytes();
    let value = f();
    (value, thread_net_bytes() - before)
}

/// Peak resident set size of this process in bytes (`VmHWM`), where the OS reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resident set size of this process now, in bytes (`VmRSS`), where the OS reports it.
pub fn current_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Allocations of at least this size get their own `mmap` once [`keep_large_zeroed_allocations_lazy`]
/// has run: 128 KiB, glibc's initial default.
pub const MMAP_THRESHOLD: i32 = 128 * 1024;

/// Makes large zeroed payloads cost (almost) no RAM, for the memory measurement.
///
/// glibc serves a large `calloc` with a fresh `mmap` (zero pages the kernel commits only when
/// touched), but after the first such block is freed it raises its mmap threshold, and later
/// payloads come from reused heap memory that `calloc` must clear by writing — committing every
/// byte. Pinning the threshold (`mallopt(M_MMAP_THRESHOLD)`, which also turns the dynamic
/// adjustment off) keeps every payload of 128 KiB or more lazily backed, so replaying gigabytes
/// of payload keeps RSS small. Smaller payloads still come from the heap (they are small).
/// Idempotent; returns whether the setting is in effect (only on Linux with glibc).
pub fn keep_large_zeroed_allocations_lazy() -> bool {
    static APPLIED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *APPLIED.get_or_init(pin_mmap_threshold)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn pin_mmap_threshold() -> bool {
    use std::ffi::c_int;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    /// `M_MMAP_THRESHOLD` from glibc's `<malloc.h>`.
    const M_MMAP_THRESHOLD: c_int = -3;
    // SAFETY: `mallopt` takes two plain integers and changes only malloc's own tuning parameters,
    // under malloc's lock (glibc documents it MT-safe). It dereferences no pointer of ours; an
    // unacceptable value is refused with a return of 0, never undefined behaviour. Exercised by
    // `tests::large_zeroed_payloads_stay_lazy_after_frees`.
    unsafe { mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn pin_mmap_threshold() -> bool {
    false
}

/// CPU time (user + system) this process has used, in seconds, where the OS reports it: the
/// process CPU-time clock (`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, nanosecond resolution), so
/// that a replay of a fraction of a second is measured, not rounded to a 10 ms tick.
///
/// On a shared machine the wall clock also counts time other processes ran; CPU time does not.
#[cfg(unix)]
pub fn process_cpu_seconds() -> Option<f64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes one `timespec` through the pointer, which points at a live,
    // writable, properly aligned `timespec` on this stack frame; it keeps no reference to it. An
    // unsupported clock returns -1 and writes nothing. Exercised by `tests::cpu_time_is_read_and_grows`.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    (status == 0).then(|| now.tv_sec as f64 + now.tv_nsec as f64 / 1e9)
}

/// Not available off Unix: the summary then omits the figure.
#[cfg(not(unix))]
pub fn process_cpu_seconds() -> Option<f64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_alloc_realloc_and_free_on_this_thread() {
        let (mut v, kept) = measure(|| Vec::<u8>::with_capacity(1000));
        assert_eq!(kept, 1000);
        // Room for 3000 more elements after len 0: a realloc from 1000 to 3000 bytes.
        let (_, grown) = measure(|| v.reserve_exact(3000));
        assert_eq!(grown, 2000);
        let (_, freed) = measure(|| drop(v));
        assert_eq!(freed, -3000);
    }

    #[test]
    fn large_zeroed_payloads_stay_lazy_after_frees() {
        if !keep_large_zeroed_allocations_lazy() {
            // Not glibc: the setting does not exist; nothing to exercise.
            return;
        }
        // Free a large block first: without the pinned threshold this is what makes glibc move
        // later payloads to the heap, where calloc writes (commits) every byte.
        drop(vec![0u8; 8 << 20]);
        let before = current_rss_bytes().unwrap_or(0);
        let payloads: Vec<Vec<u8>> = (0..256).map(|_| vec![0u8; 1 << 20]).collect();
        let after = current_rss_bytes().unwrap_or(u64::MAX);
        assert_eq!(payloads.iter().map(Vec::len).sum::<usize>(), 256 << 20);
        // 256 MiB held; allow 64 MiB of growth for page tables and other tests' allocations.
        let grown = after.saturating_sub(before);
        assert!(
            grown < 64 << 20,
            "RSS grew by {grown} bytes holding 256 MiB of zeroes"
        );
    }

    #[test]
    fn cpu_time_is_read_and_grows() {
        let Some(before) = process_cpu_seconds() else {
            // Not Linux: nothing to read; the summary then omits the figure.
            return;
        };
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        let after = process_cpu_seconds().unwrap_or(0.0);
        assert!(after >= before, "{before} -> {after} ({x})");
    }

    #[test]
    fn zeroed_allocations_are_counted() {
        let (b, kept) = measure(|| vec![0u8; 1 << 20]);
        assert_eq!(kept, 1 << 20);
        assert!(b.iter().all(|&x| x == 0));
    }

    #[test]
    fn other_threads_do_not_disturb_this_threads_count() {
        let before = thread_net_bytes();
        let handle = std::thread::spawn(|| {
            let v = vec![1u8; 12345];
            std::hint::black_box(&v);
            std::mem::forget(v);
        });
        handle.join().ok();
        // Spawning itself allocates a little on this thread (thread handle); the 12,345 bytes
        // kept alive by the other thread must not appear here.
        assert!(thread_net_bytes() - before < 12345);
        assert!(live_bytes() >= 12345);
    }
}
