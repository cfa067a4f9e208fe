//! The locks the thread-safe cache uses: `parking_lot` normally, `loom`'s under `cfg(loom)` so the
//! single-flight protocol and the read-mostly lock (`sync::slot_lock`, built on this `Mutex`) can
//! be model-checked (`RUSTFLAGS="--cfg loom" cargo test -p gencache
//! --release --lib loom`). Only the small API surface the crate needs is mirrored.

#[cfg(not(loom))]
pub(crate) use parking_lot::{Condvar, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom_impl::{Condvar, Mutex, MutexGuard};

#[cfg(loom)]
mod loom_impl {
    use std::ops::{Deref, DerefMut};

    // Under loom a panic inside a critical section fails the model anyway, so poisoning (the only
    // error these calls return) cannot be observed by a passing model: unwrap is sound here.

    /// `parking_lot`-shaped wrapper of `loom::sync::Mutex`.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    /// Holds the loom guard in an `Option` so `Condvar::wait` can take and give it back.
    pub(crate) struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(self.0.lock().unwrap()))
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0.as_ref().unwrap()
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0.as_mut().unwrap()
        }
    }

    /// `parking_lot`-shaped wrapper of `loom::sync::Condvar`.
    #[derive(Debug)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Self(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            let inner = guard.0.take().unwrap();
            guard.0 = Some(self.0.wait(inner).unwrap());
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}
