//! A plain oracleGeneral trace replays in one pass with the trace read ahead on another thread
//! (which also counts distinct keys and derives the baseline): the figures equal those of the
//! same requests replayed the two-pass way (a CSV copy), and errors are the first in trace
//! order — a truncated record names the file and offset, a request the replay cannot take
//! names that request though the reader thread read beyond it. The sweep's one-pass stack curve
//! reads ahead too, with the same order of errors.

use harness::run::{RunError, RunOptions, run};
use harness::source::trace_file;
use workloads::tracefile::{TraceFormat, write_csv, write_oracle_general};
use workloads::{CostDist, Request, Workload};

fn typical() -> Workload {
    match Workload::preset("typical") {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    }
}

fn options() -> RunOptions {
    RunOptions {
        measure_memory: false,
        measure_lookups: false,
        max_entries: Some(Some(300)),
        ..RunOptions::default()
    }
}

/// 30,000 requests over 2,000 keys (more than a few read-ahead batches).
fn requests() -> Vec<Request> {
    let mut w = typical();
    w.requests = 30_000;
    match w.trace() {
        Ok(t) => t.collect(),
        Err(e) => panic!("{e}"),
    }
}

fn write(path: &std::path::Path, bytes: &[u8]) {
    if let Err(e) = std::fs::write(path, bytes) {
        panic!("{}: {e}", path.display());
    }
}

fn oracle_bytes(path: &std::path::Path, requests: &[Request]) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Err(e) = write_oracle_general(&mut bytes, path, requests.iter().copied(), false) {
        panic!("{e}");
    }
    bytes
}

fn replay(
    path: &std::path::Path,
    format: TraceFormat,
    defaults: Workload,
) -> Result<harness::run::RunOutcome, RunError> {
    let source = match trace_file(path, Some(format), defaults) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    run(&source, &options(), &mut |_, _| {})
}

#[test]
fn one_pass_read_ahead_equals_the_two_pass_replay() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // Whole seconds: the oracleGeneral copy keeps times in seconds (closed loop ignores them).
    let trace: Vec<Request> = requests()
        .into_iter()
        .map(|r| Request {
            time: r.time.floor(),
            ..r
        })
        .collect();
    let oracle = dir.path().join("t.oracleGeneral");
    write(&oracle, &oracle_bytes(&oracle, &trace));
    let csv = dir.path().join("t.csv");
    let mut bytes = Vec::new();
    if let Err(e) = write_csv(&mut bytes, &csv, trace.iter().copied()) {
        panic!("{e}");
    }
    write(&csv, &bytes);
    let one =
        replay(&oracle, TraceFormat::OracleGeneral, typical()).unwrap_or_else(|e| panic!("{e}"));
    let two = replay(&csv, TraceFormat::Csv, typical()).unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (&one.results, &two.results);
    assert_eq!(a.workload.requests, 30_000);
    assert_eq!(a.workload.distinct_keys, b.workload.distinct_keys);
    let distinct: std::collections::HashSet<u64> = trace.iter().map(|r| r.key).collect();
    assert_eq!(a.workload.distinct_keys, distinct.len() as u64);
    assert_eq!(a.cache, b.cache);
    assert_eq!(a.baseline, b.baseline);
    assert_eq!(a.cached, b.cached);
    assert_eq!(a.speedup, b.speedup);
    assert_eq!(a.timeline, b.timeline);
}

#[test]
fn a_truncated_record_names_the_file_and_offset() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("cut.oracleGeneral");
    let mut bytes = oracle_bytes(&path, &requests());
    bytes.truncate(bytes.len() - 5);
    write(&path, &bytes);
    // Not a whole number of records: the length is not trusted, the two-pass path reads it.
    let err = replay(&path, TraceFormat::OracleGeneral, typical())
        .err()
        .map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(err.contains("cut.oracleGeneral"), "{err}");
    assert!(err.contains(&(29_999 * 24).to_string()), "{err}");
}

#[test]
fn a_request_the_baseline_cannot_take_is_named_though_the_reader_went_beyond() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("long.oracleGeneral");
    // Every generation takes one year: the baseline's virtual time overflows u64 nanoseconds
    // at request 585, which the reader thread reaches first: it ends the stream there.
    let mut defaults = typical();
    defaults.cost = CostDist::Fixed {
        seconds: 31_536_000.0,
    };
    let trace: Vec<Request> = (0..20_000u64)
        .map(|i| Request {
            time: 0.0,
            key: i,
            size: 10,
            cost: 1.0,
        })
        .collect();
    let bytes = oracle_bytes(&path, &trace);
    write(&path, &bytes);
    let err = replay(&path, TraceFormat::OracleGeneral, defaults).err();
    let text = err.as_ref().map(ToString::to_string).unwrap_or_default();
    assert!(matches!(err, Some(RunError::Engine { .. })), "{text}");
    assert!(text.contains("585"), "{text}");
}

/// The sweep's one-pass stack curve also reads ahead: a request it cannot take (a cost beyond
/// one year, request 600) is the error reported, though the reader thread read on to an
/// unparsable line near the end of the file.
#[test]
fn a_sweep_names_the_request_it_cannot_take_though_the_reader_read_a_bad_line_beyond() {
    use harness::sweep::grid::AxisValue;
    use harness::sweep::{SweepSpec, sweep};
    use reports::sweep::SweepAxis;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("bad.csv");
    let mut trace = requests();
    trace[599].cost = 1e9;
    let mut bytes = Vec::new();
    if let Err(e) = write_csv(&mut bytes, &path, trace.into_iter()) {
        panic!("{e}");
    }
    bytes.extend_from_slice(b"not,a,request\n");
    write(&path, &bytes);
    let source = match trace_file(&path, Some(TraceFormat::Csv), typical()) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let spec = SweepSpec {
        axis: SweepAxis::MaxEntries,
        values: vec![
            AxisValue::MaxEntries(Some(100)),
            AxisValue::MaxEntries(Some(1_000)),
        ],
        target_speedup: 3.0,
        cost_per_hour: None,
        force_engine: false,
        policies: Vec::new(),
    };
    let sweep_error = || {
        sweep(&source, &options(), &spec)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let err = sweep_error();
    assert!(err.contains("request 600"), "{err}");
    assert!(err.contains("out of range"), "{err}");
    // Without the bad cost, the bad line is what the sweep reports.
    let mut bytes = Vec::new();
    if let Err(e) = write_csv(&mut bytes, &path, requests().into_iter()) {
        panic!("{e}");
    }
    bytes.extend_from_slice(b"not,a,request\n");
    write(&path, &bytes);
    let err = sweep_error();
    assert!(err.contains("bad.csv"), "{err}");
    assert!(!err.contains("request 600"), "{err}");
}
