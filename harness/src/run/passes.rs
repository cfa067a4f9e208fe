//! The passes of a run over its source: the replay of one side (`replay_pass`, recording the
//! keys when a bound needs its future), the first read of a source for the facts the model needs,
//! and the single pass that derives the baseline beside the cached replay.

use super::*;

/// One pass of the source through `cache`: opens the source, replays it with the model's
/// configuration for `pass`, and closes it. A read error ends the stream early and names the file
/// and line, so it is reported before the engine's error. Returns the outcome and (with
/// `count_distinct`; 0 otherwise) the distinct keys. With `keys`, the keys are also recorded in
/// trace order (the bounds' first pass).
pub(crate) fn replay_pass<C: SimCache + ?Sized>(
    source: &Source,
    model: &Model,
    pass: Pass,
    expected_requests: Option<u64>,
    cache: &mut C,
    count_distinct: bool,
    progress: &mut dyn FnMut(&'static str, u64),
) -> Result<(SideOutcome, u64), RunError> {
    let passing = PassInput {
        count_distinct,
        keys: None,
    };
    replay_pass_with(
        source,
        model,
        pass,
        expected_requests,
        cache,
        passing,
        progress,
    )
}

/// What a pass collects besides its outcome.
pub(super) struct PassInput<'k> {
    /// Count distinct keys (the baseline).
    pub(super) count_distinct: bool,
    /// Record every key in trace order (the first pass of a bound that knows the future).
    pub(super) keys: Option<&'k mut Vec<u64>>,
}

/// [`replay_pass`], also recording the keys when asked.
pub(super) fn replay_pass_with<C: SimCache + ?Sized>(
    source: &Source,
    model: &Model,
    pass: Pass,
    expected_requests: Option<u64>,
    cache: &mut C,
    input: PassInput<'_>,
    progress: &mut dyn FnMut(&'static str, u64),
) -> Result<(SideOutcome, u64), RunError> {
    let PassInput {
        count_distinct,
        mut keys,
    } = input;
    let fail = |e| RunError::Source {
        name: source.name(),
        source: e,
    };
    let mut stream = source.open().map_err(fail)?;
    if count_distinct {
        stream = stream.count_distinct();
    }
    let config = model.engine_config(pass, expected_requests);
    let label = pass.label();
    let requests = (&mut stream).inspect(|r| {
        if let Some(keys) = keys.as_mut() {
            keys.push(r.key);
        }
    });
    let outcome = engine::replay(requests, cache, &config, &mut |n| progress(label, n));
    let distinct_keys = stream.distinct_keys();
    stream.finish().map_err(fail)?;
    let outcome = outcome.map_err(|e| RunError::Engine {
        name: source.name(),
        source: e,
    })?;
    Ok((outcome, distinct_keys))
}

pub(super) fn policy_figures(policy: PolicyName, cache: &HeapMeasured) -> PolicyFigures {
    let occupancy = cache.occupancy();
    let heap = occupancy.heap_bytes.unwrap_or(0);
    PolicyFigures {
        name: policy.as_str().to_string(),
        description: policy.description().to_string(),
        bound: policy.is_bound(),
        entries: occupancy.entries,
        heap_bytes: heap,
        heap_per_entry: ratio(heap as f64, occupancy.entries as f64),
    }
}

/// What a first pass that only reads the trace learns.
pub(super) struct ReadFacts {
    pub(super) requests: u64,
    /// The keys in trace order (for a bound that knows the future).
    pub(super) keys: Option<Vec<u64>>,
    /// The distinct keys (for a table sized from them).
    pub(super) distinct_keys: Option<u64>,
}

/// The largest key vector reserved from a source's stated length (a corrupt length must not
/// reserve more than a real trace of 100 M requests would use).
const MAX_PRESIZED_KEYS: u64 = 100_000_000;

/// Reads `source` once for what `policy` must know before its replay: no replay, no baseline
/// (the one pass derives it). A read error names the file and line, as in any pass.
pub(super) fn read_pass(
    source: &Source,
    policy: PolicyName,
    progress: &mut dyn FnMut(&'static str, u64),
) -> Result<ReadFacts, RunError> {
    let fail = |e| RunError::Source {
        name: source.name(),
        source: e,
    };
    // Sized up front when the length is known: no doubling copies of an 8-byte-per-request vector.
    let known = source.known_requests();
    let capacity = known.map_or(0, |n| n.min(MAX_PRESIZED_KEYS) as usize);
    // A plain oracleGeneral file (the one format whose length is known): its keys only, with
    // nothing else of a record decoded.
    if let (true, Some(path), Some(_)) = (policy.needs_future(), source.path(), known) {
        let mut keys = crate::huge_pages::vec_with_capacity(capacity);
        let failed = |e| fail(SourceError::from(e));
        for key in workloads::tracefile::oracle_general_keys(path).map_err(failed)? {
            keys.push(key.map_err(failed)?);
            if keys.len() & 0xFFF == 0 {
                progress(Pass::Baseline.label(), keys.len() as u64);
            }
        }
        return Ok(ReadFacts {
            requests: keys.len() as u64,
            keys: Some(keys),
            distinct_keys: None,
        });
    }
    let mut stream = source.open().map_err(fail)?;
    let mut keys = policy.needs_future().then(|| Vec::with_capacity(capacity));
    let mut distinct = (policy == PolicyName::QuickCache).then(crate::distinct::DistinctKeys::new);
    let label = Pass::Baseline.label();
    let mut requests = 0u64;
    for request in stream.by_ref() {
        requests += 1;
        if let Some(keys) = keys.as_mut() {
            keys.push(request.key);
        }
        if let Some(distinct) = distinct.as_mut() {
            distinct.add(request.key);
        }
        if requests & 0xFFF == 0 {
            progress(label, requests);
        }
    }
    stream.finish().map_err(fail)?;
    Ok(ReadFacts {
        requests,
        keys,
        distinct_keys: distinct.map(|mut d| d.count() as u64),
    })
}

/// The cached pass with the baseline derived beside it (closed loop, one client, `n` requests).
pub(super) fn single_pass<C: SimCache + ?Sized>(
    source: &Source,
    model: &Model,
    n: u64,
    cache: &mut C,
    progress: &mut dyn FnMut(&'static str, u64),
) -> Result<(SideOutcome, SideOutcome, u64), RunError> {
    let fail = |e| RunError::Source {
        name: source.name(),
        source: e,
    };
    let engine_failed = |e| RunError::Engine {
        name: source.name(),
        source: e,
    };
    // Distinct keys are counted by the reader thread, off the replay's.
    // The reader thread decodes the trace, counts its distinct keys and derives the baseline
    // (it depends on the trace alone), ahead of the cached replay on this thread.
    let stream = source.open().map_err(fail)?.count_distinct();
    let config = model.engine_config(Pass::Cached, Some(n));
    let label = Pass::Cached.label();
    let mut baseline = engine::DerivedBaseline::new(&config);
    let mut baseline_error = None;
    let (outcome, mut stream) = stream.read_ahead(
        |request| match baseline.add(request) {
            Ok(()) => true,
            Err(e) => {
                baseline_error = Some(e);
                false
            }
        },
        |requests| engine::replay(requests, cache, &config, &mut |i| progress(label, i)),
    );
    // The first error in trace order: the replay stops at its own error, before the request
    // the baseline refused (the stream ends there), which is before a read error (the stream
    // ends there too); only the reader reads beyond where the replay stopped.
    let cached = outcome.map_err(engine_failed)?;
    if let Some(e) = baseline_error {
        return Err(engine_failed(e));
    }
    let distinct = stream.distinct_keys();
    stream.finish().map_err(fail)?;
    Ok((cached, baseline.finish(), distinct))
}
