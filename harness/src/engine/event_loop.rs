//! The engine's event-driven loops: a closed loop of several clients, and open-loop arrivals at
//! the trace's timestamps. Misses queue FIFO for a free worker (or join an in-flight generation
//! with single-flight), completions are events, and ties run in the order they were scheduled
//! (see the module documentation). One client in a closed loop runs without events instead
//! (`one_client`).

use super::*;

impl<C: SimCache + ?Sized> Engine<'_, C> {
    fn schedule(&mut self, time: u64, what: What) {
        let seq = self.seq;
        self.seq += 1;
        self.events.push(Event { time, seq, what });
    }

    /// A closed loop of `clients` clients, event by event.
    pub(super) fn run_closed(
        &mut self,
        mut trace: impl Iterator<Item = Request>,
        clients: u32,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), EngineError> {
        // Every client sends its first request at time zero, in client order, before
        // any other event (they would all be scheduled at 0 ahead of anything they
        // cause). Arriving them directly, rather than scheduling one event per client,
        // keeps memory bounded by the trace, not by `clients` (4e9 clients is fine).
        let mut exhausted = false;
        for client in 0..clients.max(1) {
            match trace.next() {
                Some(request) => self.arrive(request, 0, client, progress)?,
                None => {
                    exhausted = true;
                    break;
                }
            }
        }
        while let Some(event) = self.events.pop() {
            match event.what {
                What::Completion(job) => self.complete(job, event.time)?,
                What::ClientReady(client) => {
                    if exhausted {
                        continue;
                    }
                    match trace.next() {
                        Some(request) => self.arrive(request, event.time, client, progress)?,
                        None => exhausted = true,
                    }
                }
            }
        }
        Ok(())
    }

    /// Open loop: each request arrives at its own timestamp.
    pub(super) fn run_open(
        &mut self,
        mut trace: impl Iterator<Item = Request>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), EngineError> {
        for request in trace.by_ref() {
            let Some(mut at) = checked_secs_to_ns(request.time) else {
                return Err(EngineError::TimeOutOfRange {
                    request: self.arrived + 1,
                    key: request.key,
                    time_s: request.time,
                });
            };
            if at < self.last_arrival {
                self.out.reordered_arrivals += 1;
                at = self.last_arrival;
            }
            while let Some(event) = self.events.peek() {
                if event.time > at {
                    break;
                }
                self.events.pop();
                self.dispatch(event)?;
            }
            self.arrive(request, at, NONE, progress)?;
        }
        while let Some(event) = self.events.pop() {
            self.dispatch(event)?;
        }
        Ok(())
    }

    fn dispatch(&mut self, event: Event) -> Result<(), EngineError> {
        match event.what {
            What::Completion(job) => self.complete(job, event.time),
            // Open loop has no clients; nothing schedules this.
            What::ClientReady(_) => Ok(()),
        }
    }

    /// A request arrives at `now` from `client` (`NONE` in open loop).
    fn arrive(
        &mut self,
        request: Request,
        now: u64,
        client: u32,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), EngineError> {
        let Admitted {
            position,
            measured,
            cost_ns,
        } = self.admit(&request, now, progress)?;
        let overflow = EngineError::ClockOverflow {
            request: position,
            key: request.key,
        };

        let hit_latency = if self.cache.enabled() {
            self.hit_latency(request.key, position, now, || overflow.clone())?
        } else {
            None
        };

        if let Some(latency) = hit_latency {
            self.answer_hit(now, latency, client, measured.then_some(request.size))
                .ok_or(overflow)?;
        } else {
            if let Some(distinct) = self.shadow.as_mut().map(|s| &mut s.distinct) {
                distinct.add(request.key);
            }
            if measured {
                self.out.misses += 1;
            }
            self.miss(request, cost_ns, position, measured, now, client)?;
        }
        self.end_of_request(now);
        Ok(())
    }

    /// Answers a hit `latency` after `now`, counted when `measured_size` (the request's size)
    /// is given; `None` when that instant overflows the clock.
    fn answer_hit(
        &mut self,
        now: u64,
        latency: u64,
        client: u32,
        measured_size: Option<u64>,
    ) -> Option<()> {
        let at = now.checked_add(latency)?;
        if let Some(size) = measured_size {
            self.record_hit(latency, at, size);
        }
        if client != NONE {
            self.schedule(at, What::ClientReady(client));
        }
        Some(())
    }

    fn miss(
        &mut self,
        request: Request,
        cost_ns: u64,
        position: u64,
        measured: bool,
        now: u64,
        client: u32,
    ) -> Result<(), EngineError> {
        if self.config.single_flight
            && !self.in_flight.is_empty()
            && let Some(&job) = self.in_flight.get(&request.key)
        {
            if measured {
                self.out.joined += 1;
            }
            let waiter = Waiter {
                arrival_ns: now,
                client,
                measured,
                next: self.jobs[job as usize].waiters,
            };
            let index = crate::free_slots::store(&mut self.waiters, &mut self.free_waiters, waiter);
            self.jobs[job as usize].waiters = index;
            return Ok(());
        }

        let job = Job {
            key: request.key,
            size: request.size,
            cost_ns,
            arrival_ns: now,
            client,
            measured,
            request: position,
            waiters: NONE,
        };
        let index = crate::free_slots::store(&mut self.jobs, &mut self.free_jobs, job);
        if measured {
            self.out.generations += 1;
            self.out.generation_ns += u128::from(cost_ns);
        }
        if self.config.single_flight && self.concurrent {
            self.in_flight.insert(request.key, index);
        }
        if self.free_workers > 0 {
            self.free_workers -= 1;
            self.start(index, now)?;
        } else {
            self.queue.push_back(index);
        }
        Ok(())
    }

    /// A worker starts generating job `index` at `now`.
    fn start(&mut self, index: u32, now: u64) -> Result<(), EngineError> {
        let job = self.jobs[index as usize];
        let done = now
            .checked_add(job.cost_ns)
            .ok_or(EngineError::ClockOverflow {
                request: job.request,
                key: job.key,
            })?;
        self.schedule(done, What::Completion(index));
        Ok(())
    }

    fn complete(&mut self, index: u32, now: u64) -> Result<(), EngineError> {
        let job = self.jobs[index as usize];
        self.cache
            .insert(job.key, job.size, job.cost_ns, now)
            .map_err(|_| EngineError::PayloadAllocation {
                request: job.request,
                key: job.key,
                size: job.size,
            })?;
        if self.config.single_flight
            && self.concurrent
            && self.in_flight.get(&job.key) == Some(&index)
        {
            self.in_flight.remove(&job.key);
        }

        // The request that started the generation: it queued, then generated.
        let latency = now - job.arrival_ns;
        if job.measured {
            self.out.wait_ns += u128::from(latency - job.cost_ns.min(latency));
        }
        self.answer_miss(now, latency, job.client, job.measured);

        // Everyone who joined it.
        let mut w = job.waiters;
        while w != NONE {
            let waiter = self.waiters[w as usize];
            let latency = now - waiter.arrival_ns;
            if waiter.measured {
                self.out.wait_ns += u128::from(latency);
            }
            self.answer_miss(now, latency, waiter.client, waiter.measured);
            self.free_waiters.push(w);
            w = waiter.next;
        }
        self.free_jobs.push(index);

        // The worker takes the next queued generation, or becomes free.
        match self.queue.pop_front() {
            Some(next) => self.start(next, now)?,
            None => self.free_workers += 1,
        }
        Ok(())
    }

    fn answer_miss(&mut self, now: u64, latency: u64, client: u32, measured: bool) {
        if measured {
            self.out.latency.record_ns(latency);
            self.out.latency_sum_ns += u128::from(latency);
            self.last_answer = self.last_answer.max(now);
        }
        if client != NONE {
            self.schedule(now, What::ClientReady(client));
        }
    }
}
