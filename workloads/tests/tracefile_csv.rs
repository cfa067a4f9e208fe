//! The project's CSV: round trip (proptest) and one test per bad-input case.

use proptest::prelude::*;
use std::path::Path;
use workloads::tracefile::{self, TraceError, TraceFormat};
use workloads::{Request, Workload};

fn defaults() -> Workload {
    Workload::preset("seed-example").unwrap()
}

fn read_all(path: &Path) -> Result<Vec<Request>, TraceError> {
    tracefile::open(path, None, &defaults())?.collect()
}

fn read_err(contents: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, contents).unwrap();
    let msg = read_all(&path).unwrap_err().to_string();
    println!("{msg}");
    assert!(msg.contains("bad.csv"), "file not named: {msg}");
    msg
}

fn request() -> impl Strategy<Value = Request> {
    (0.0f64..1e9, any::<u64>(), any::<u64>(), 0.0f64..1e6).prop_map(|(time, key, size, cost)| {
        Request {
            time,
            key,
            size,
            cost,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn csv_round_trips_exactly(requests in proptest::collection::vec(request(), 1..200)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut file = std::fs::File::create(&path).unwrap();
        let n = tracefile::write_csv(&mut file, &path, requests.iter().copied()).unwrap();
        prop_assert_eq!(n, requests.len() as u64);
        prop_assert_eq!(read_all(&path).unwrap(), requests);
    }
}

#[test]
fn write_goes_to_the_given_writer() {
    // Atomicity is the caller's (harness gen uses the shared atomic writer of `reports`).
    let path = std::path::Path::new("t.csv");
    let mut out = Vec::new();
    let w = Workload::preset("seed-example").unwrap();
    tracefile::write_csv(&mut out, path, w.trace().unwrap()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("time,key,size,cost\n"));
    assert_eq!(text.lines().count(), 101);
}

#[test]
fn missing_columns_take_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.csv");
    std::fs::write(&path, "key\n5\n6\n5\n").unwrap();
    let w = defaults();
    let got = read_all(&path).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].time, 0.0);
    assert_eq!(got[0].size, w.size.size_of(w.seed, 5));
    assert_eq!(got[0].cost, 124.6);
    assert_eq!(got[0], got[2]);
}

#[test]
fn columns_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "cost,key,time,size\n1.5,7,2.0,99\n").unwrap();
    let got = read_all(&path).unwrap();
    let expected = Request {
        time: 2.0,
        key: 7,
        size: 99,
        cost: 1.5,
    };
    assert_eq!(got, vec![expected]);
}

#[test]
fn non_numeric_field() {
    let m = read_err("time,key,size,cost\n0,1,10,1.0\n0,abc,10,1.0\n");
    assert!(
        m.contains("line 3") && m.contains("`key`") && m.contains("abc"),
        "{m}"
    );
}

#[test]
fn negative_size() {
    let m = read_err("time,key,size,cost\n0,1,-10,1.0\n");
    assert!(
        m.contains("line 2") && m.contains("-10") && m.contains("size"),
        "{m}"
    );
}

#[test]
fn unknown_column() {
    let m = read_err("time,key,colour\n0,1,red\n");
    assert!(m.contains("line 1") && m.contains("colour"), "{m}");
}

#[test]
fn missing_key_column() {
    let m = read_err("time,size\n0,1\n");
    assert!(m.contains("missing column `key`"), "{m}");
}

#[test]
fn header_only_is_empty() {
    let m = read_err("time,key,size,cost\n");
    assert!(m.contains("empty trace"), "{m}");
}

#[test]
fn empty_file() {
    let m = read_err("");
    assert!(m.contains("empty trace"), "{m}");
}

#[test]
fn wrong_number_of_fields() {
    let m = read_err("time,key,size,cost\n0,1,10,1.0\n0,1\n");
    assert!(m.contains("line 3"), "{m}");
}

#[test]
fn negative_time_and_bad_cost() {
    let m = read_err("time,key\n-4,1\n");
    assert!(m.contains("line 2") && m.contains("`time`"), "{m}");
    let m = read_err("key,cost\n1,slow\n");
    assert!(
        m.contains("line 2") && m.contains("`cost`") && m.contains("slow"),
        "{m}"
    );
}

#[test]
fn format_flag_parses_and_rejects() {
    assert_eq!("CSV".parse::<TraceFormat>().unwrap(), TraceFormat::Csv);
    assert_eq!(
        "oracle_general.zst".parse::<TraceFormat>().unwrap(),
        TraceFormat::OracleGeneralZst
    );
    assert_eq!(
        "cache2k".parse::<TraceFormat>().unwrap(),
        TraceFormat::Cache2kXz
    );
    let e = "parquet".parse::<TraceFormat>().unwrap_err().to_string();
    assert!(e.contains("parquet") && e.contains("oracle-general"), "{e}");
    for name in TraceFormat::NAMES {
        let f: TraceFormat = name.parse().unwrap();
        assert_eq!(&f.to_string(), name);
    }
}
