//! The engine's pending events, earliest first (ties in scheduling order).
//!
//! A binary heap with the earliest event held apart: a replay that has at most one event
//! pending at a time (a closed loop with one client: each answer schedules the next arrival,
//! each generation its completion) never touches the heap, and any other replay pays one
//! comparison per push. The order is exactly the heap's: `(time, seq)` is unique per event.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Pending events, popped in ascending order.
#[derive(Debug)]
pub(super) struct EventQueue<E: Ord + Copy> {
    /// The earliest pending event, when it is held outside the heap: never later than any
    /// event in `rest`.
    first: Option<E>,
    rest: BinaryHeap<Reverse<E>>,
}

impl<E: Ord + Copy> EventQueue<E> {
    pub(super) fn new() -> Self {
        Self {
            first: None,
            rest: BinaryHeap::new(),
        }
    }

    #[inline]
    pub(super) fn push(&mut self, event: E) {
        match self.first {
            None if self.rest.is_empty() => self.first = Some(event),
            None => self.rest.push(Reverse(event)),
            Some(first) if event < first => {
                self.rest.push(Reverse(first));
                self.first = Some(event);
            }
            Some(_) => self.rest.push(Reverse(event)),
        }
    }

    #[inline]
    pub(super) fn pop(&mut self) -> Option<E> {
        match self.first.take() {
            Some(first) => Some(first),
            None => self.rest.pop().map(|Reverse(e)| e),
        }
    }

    #[inline]
    pub(super) fn peek(&self) -> Option<E> {
        self.first.or_else(|| self.rest.peek().map(|Reverse(e)| *e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any interleaving of pushes and pops gives the same events as a plain binary heap.
        #[test]
        fn pops_in_the_order_of_a_binary_heap(ops in proptest::collection::vec(
            prop_oneof![(0u64..8).prop_map(Some), Just(None)], 0..200)
        ) {
            let mut queue = EventQueue::new();
            let mut model = BinaryHeap::new();
            for (seq, op) in ops.into_iter().enumerate() {
                match op {
                    Some(time) => {
                        queue.push((time, seq));
                        model.push(Reverse((time, seq)));
                    }
                    None => {
                        prop_assert_eq!(queue.peek(), model.peek().map(|Reverse(e)| *e));
                        prop_assert_eq!(queue.pop(), model.pop().map(|Reverse(e)| e));
                    }
                }
            }
            while let Some(Reverse(e)) = model.pop() {
                prop_assert_eq!(queue.pop(), Some(e));
            }
            prop_assert_eq!(queue.pop(), None);
        }
    }
}
