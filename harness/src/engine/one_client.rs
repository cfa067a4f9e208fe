//! The engine's loop for a closed loop with one client, without the event queue.

use super::{Admitted, Engine, EngineError, SimCache};
use workloads::Request;

impl<C: SimCache + ?Sized> Engine<'_, C> {
    /// A closed loop with one client, without events: only one request is ever outstanding,
    /// so each request arrives when the previous one is answered (a hit after its hit latency,
    /// a miss when its generation completes, on a free worker). The same steps, in the same
    /// order, as the event-driven loop takes for one client (the figures are identical, see
    /// `tests::one_client_without_events_equals_the_event_driven_replay`), minus the job, the
    /// two scheduled events and the worker bookkeeping per request.
    pub(super) fn run_one_client(
        &mut self,
        trace: impl Iterator<Item = Request>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), EngineError> {
        let mut now = 0u64;
        let enabled = self.cache.enabled();
        for request in trace {
            let Admitted {
                position,
                measured,
                cost_ns,
            } = self.admit(&request, now, progress)?;
            let overflow = || EngineError::ClockOverflow {
                request: position,
                key: request.key,
            };
            let hit_latency = if enabled {
                self.hit_latency(request.key, position, now, overflow)?
            } else {
                None
            };
            match hit_latency {
                Some(latency) => {
                    let at = now.checked_add(latency).ok_or_else(overflow)?;
                    if measured {
                        self.record_hit(latency, at, request.size);
                    }
                    self.end_of_request(now);
                    now = at;
                }
                None => {
                    if let Some(distinct) = self.shadow.as_mut().map(|s| &mut s.distinct) {
                        distinct.add(request.key);
                    }
                    if measured {
                        self.out.misses += 1;
                        self.out.generations += 1;
                        self.out.generation_ns += u128::from(cost_ns);
                    }
                    let done = now.checked_add(cost_ns).ok_or_else(overflow)?;
                    self.end_of_request(now);
                    self.cache
                        .insert(request.key, request.size, cost_ns, done)
                        .map_err(|_| EngineError::PayloadAllocation {
                            request: position,
                            key: request.key,
                            size: request.size,
                        })?;
                    // Generated without queueing: the latency is the cost, no wait.
                    if measured {
                        self.out.latency.record_ns(cost_ns);
                        self.out.latency_sum_ns += u128::from(cost_ns);
                        self.last_answer = self.last_answer.max(done);
                    }
                    now = done;
                }
            }
        }
        Ok(())
    }
}
