//! Generation and reading throughput, in requests per second (criterion's "elem/s").
//!
//! `cargo bench -p workloads --bench generate`

use criterion::{Criterion, Throughput, black_box};
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use workloads::tracefile::{self, TraceFormat};
use workloads::{Arrival, Workload};

const N: u64 = 500_000;

fn workload(name: &str) -> Workload {
    let mut w = Workload::preset(name).unwrap_or_else(|e| panic!("preset {name}: {e}"));
    w.requests = N;
    w
}

fn bench_generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.throughput(Throughput::Elements(N));
    let mut poisson = workload("typical");
    poisson.arrival = Arrival::Poisson { rate_per_s: 10.0 };
    for (label, w) in [
        ("typical_zipf_lognormal_closed", workload("typical")),
        ("typical_zipf_lognormal_poisson", poisson),
        ("burst_zipf_bursts", workload("burst")),
        ("cold_unique", workload("cold")),
    ] {
        group.bench_function(label, |b| {
            b.iter(|| {
                let trace = w.trace().unwrap_or_else(|e| panic!("{e}"));
                black_box(trace.fold(0u64, |acc, r| acc ^ r.key ^ r.size))
            })
        });
    }
    group.finish();
}

fn read_count(path: &Path, format: TraceFormat, defaults: &Workload) -> u64 {
    let reader = tracefile::open(path, Some(format), defaults).unwrap_or_else(|e| panic!("{e}"));
    reader.fold(0u64, |acc, r| {
        acc ^ r.map(|r| r.key).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn bench_read(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let w = workload("typical");
    let trace: Vec<_> = w.trace().unwrap_or_else(|e| panic!("{e}")).collect();

    let csv = dir.path().join("t.csv");
    let mut file = std::fs::File::create(&csv).unwrap_or_else(|e| panic!("{e}"));
    tracefile::write_csv(&mut file, &csv, trace.iter().copied()).unwrap_or_else(|e| panic!("{e}"));

    let oracle: Vec<u8> = trace
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            let mut rec = Vec::with_capacity(24);
            rec.extend_from_slice(&(i as u32).to_le_bytes());
            rec.extend_from_slice(&r.key.to_le_bytes());
            rec.extend_from_slice(&(r.size as u32).to_le_bytes());
            rec.extend_from_slice(&(-1i64).to_le_bytes());
            rec
        })
        .collect();
    let oracle_path = dir.path().join("t.oracleGeneral");
    std::fs::write(&oracle_path, &oracle).unwrap_or_else(|e| panic!("{e}"));
    let zst_path = dir.path().join("t.oracleGeneral.zst");
    let zst = ruzstd::encoding::compress_to_vec(
        oracle.as_slice(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    std::fs::write(&zst_path, zst).unwrap_or_else(|e| panic!("{e}"));

    let keys: Vec<u8> = trace
        .iter()
        .flat_map(|r| (r.key as i32).to_be_bytes())
        .collect();
    let xz_path = dir.path().join("t.trace.xz");
    let mut xz = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6))
        .unwrap_or_else(|e| panic!("{e}"));
    xz.write_all(&keys).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&xz_path, xz.finish().unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));

    let text_path = dir.path().join("t.txt");
    let text: String = trace.iter().map(|r| format!("{}\n", r.key)).collect();
    std::fs::write(&text_path, text).unwrap_or_else(|e| panic!("{e}"));

    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(N));
    for (label, path, format) in [
        ("csv", &csv, TraceFormat::Csv),
        ("oracle_general", &oracle_path, TraceFormat::OracleGeneral),
        (
            "oracle_general_zst",
            &zst_path,
            TraceFormat::OracleGeneralZst,
        ),
        ("cache2k_xz", &xz_path, TraceFormat::Cache2kXz),
        ("text", &text_path, TraceFormat::Text),
    ] {
        group.bench_function(label, |b| b.iter(|| read_count(path, format, &w)));
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_generate(&mut c);
    bench_read(&mut c);
    c.final_summary();
}
