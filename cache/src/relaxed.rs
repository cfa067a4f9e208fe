//! Per-entry counters that a hit updates under a *shared* lock (the lazy-promotion policies):
//! relaxed atomics, with plain access when the core holds `&mut`. Under `cfg(loom)` they are loom's
//! atomics so the model checker sees every racing hit.
//!
//! Relaxed is enough: the values are hints for the eviction policy (a reference bit, a 2-bit
//! frequency, packed with the hit count in one word) and listing counters; no other memory is published through them, and the lock that
//! guards the table orders every shared-lock reader before the next exclusive writer.

#[cfg(loom)]
use loom::sync::atomic::{AtomicU32, Ordering};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU32, Ordering};

macro_rules! relaxed {
    ($name:ident, $atomic:ident, $int:ty) => {
        /// A relaxed atomic counter (see the module documentation).
        #[derive(Debug)]
        pub(crate) struct $name($atomic);

        impl $name {
            pub(crate) fn new(v: $int) -> Self {
                Self($atomic::new(v))
            }

            /// Read while other threads may update it.
            #[inline]
            pub(crate) fn load(&self) -> $int {
                self.0.load(Ordering::Relaxed)
            }

            /// Write while other threads may read or write it (a lost update is acceptable).
            #[inline]
            pub(crate) fn store(&self, v: $int) {
                self.0.store(v, Ordering::Relaxed)
            }

            /// Read with exclusive access.
            #[inline]
            pub(crate) fn get(&mut self) -> $int {
                #[cfg(not(loom))]
                {
                    *self.0.get_mut()
                }
                #[cfg(loom)]
                {
                    self.0.with_mut(|v| *v)
                }
            }

            /// Write with exclusive access.
            #[inline]
            pub(crate) fn set(&mut self, v: $int) {
                #[cfg(not(loom))]
                {
                    *self.0.get_mut() = v;
                }
                #[cfg(loom)]
                {
                    self.0.with_mut(|x| *x = v);
                }
            }
        }
    };
}

relaxed!(RelaxedU32, AtomicU32, u32);
