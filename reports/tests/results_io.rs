//! Reading and writing results.json: round trip, the committed fixture, and every way a file
//! can be bad, each error naming the file and the field.

mod common;

use std::path::Path;

use reports::{ReportError, read_results, write_results};

#[test]
fn written_results_read_back_equal_from_dir_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let results = common::fixture();
    let path = write_results(&dir.path().join("nested/run"), &results).unwrap();
    assert!(path.ends_with("nested/run/results.json"));
    assert_eq!(
        read_results(&dir.path().join("nested/run")).unwrap(),
        results
    );
    assert_eq!(read_results(&path).unwrap(), results);
}

#[test]
fn the_committed_json_fixture_matches_the_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results-v1.json");
    // A version-1 file, read and upgraded to this version.
    let results = read_results(&path).unwrap();
    assert_eq!(results.schema_version, reports::SCHEMA_VERSION);
    assert_eq!(results.runs.len(), 1);
    assert_eq!(results.runs[0].workload.name, "typical");
    assert_eq!(results.runs[0].cache.hits, 70_030);
}

#[test]
fn a_missing_results_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_results(dir.path()).unwrap_err();
    assert!(matches!(err, ReportError::Read { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&dir.path().join("results.json").display().to_string()),
        "{message}"
    );
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    std::fs::write(
        &path,
        "{\n  \"schema_version\": 1,\n  \"tool_version\": \"0.1.0\",\n  \"runs\": [\n",
    )
    .unwrap();
    let message = read_results(dir.path()).unwrap_err().to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("line 5"), "{message}");
}

#[test]
fn a_wrong_field_is_named_by_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut value = serde_json::to_value(common::single()).unwrap();
    value["runs"][0]["cache"]["hits"] = serde_json::json!("many");
    std::fs::write(
        dir.path().join("results.json"),
        serde_json::to_string_pretty(&value).unwrap(),
    )
    .unwrap();
    let err = read_results(dir.path()).unwrap_err();
    match &err {
        ReportError::Parse { field, line, .. } => {
            assert_eq!(field, "runs[0].cache.hits");
            assert!(*line > 1);
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert!(err.to_string().contains("runs[0].cache.hits"), "{err}");
}

#[test]
fn a_missing_field_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut value = serde_json::to_value(common::single()).unwrap();
    value["runs"][0]["memory"]
        .as_object_mut()
        .unwrap()
        .remove("overhead_pct");
    std::fs::write(dir.path().join("results.json"), value.to_string()).unwrap();
    let message = read_results(dir.path()).unwrap_err().to_string();
    assert!(message.contains("runs[0].memory"), "{message}");
    assert!(message.contains("overhead_pct"), "{message}");
}

/// Version 1 files (memory always present, zeros when not measured) are still read: the zeros
/// become an absent report, an overhead of zero payload becomes undefined.
#[test]
fn version_1_files_are_read_and_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let mut value = serde_json::to_value(common::single()).unwrap();
    value["schema_version"] = 1.into();
    let measured = value["runs"][0]["memory"].clone();
    value["runs"][0]["memory"] = serde_json::json!({
        "payload_bytes": 0, "heap_bytes": 0, "entries": 0,
        "overhead_pct": 0.0, "overhead_per_entry": 0.0
    });
    std::fs::write(dir.path().join("results.json"), value.to_string()).unwrap();
    let read = read_results(dir.path()).unwrap();
    assert_eq!(read.schema_version, reports::SCHEMA_VERSION);
    assert_eq!(read.runs[0].memory, None);

    value["runs"][0]["memory"] = measured;
    std::fs::write(dir.path().join("results.json"), value.to_string()).unwrap();
    let read = read_results(dir.path()).unwrap();
    assert_eq!(read.runs[0].memory, common::single().runs[0].memory);

    value["runs"][0]["memory"] = serde_json::json!({
        "payload_bytes": 0, "heap_bytes": 4096, "entries": 0,
        "overhead_pct": 0.0, "overhead_per_entry": 0.0
    });
    std::fs::write(dir.path().join("results.json"), value.to_string()).unwrap();
    let read = read_results(dir.path()).unwrap();
    let memory = read.runs[0].memory.unwrap();
    assert_eq!((memory.heap_bytes, memory.overhead_pct), (4096, None));
}

#[test]
fn an_unknown_schema_version_is_refused_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut value = serde_json::to_value(common::single()).unwrap();
    value["schema_version"] = serde_json::json!(7);
    let path = dir.path().join("results.json");
    std::fs::write(&path, value.to_string()).unwrap();
    let err = read_results(&path).unwrap_err();
    assert!(
        matches!(
            err,
            ReportError::UnsupportedSchema {
                found: 7,
                supported: 2,
                oldest: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(
            "results.json schema version 7 is not supported (this build reads versions 1 to 2)"
        ),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
}

#[test]
fn non_finite_numbers_cannot_be_written_silently() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = common::single();
    results.runs[0].speedup = f64::NAN;
    // serde_json writes NaN as null, which the reader then refuses by field: the round trip
    // must fail loudly rather than produce a report with a made-up number.
    let written = write_results(dir.path(), &results);
    match written {
        Ok(path) => {
            let message = read_results(&path).unwrap_err().to_string();
            assert!(message.contains("runs[0].speedup"), "{message}");
        }
        Err(err) => assert!(err.to_string().contains("results.json"), "{err}"),
    }
}
