//! Every chart renders: PNGs decode at the chart size with drawn pixels in the plot area, SVGs
//! are well-formed XML carrying the title and the axis labels.

mod common;

use std::path::Path;

use reports::{ReportInput, write_report};

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 640;

fn decode_png(path: &Path) -> (png::OutputInfo, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut pixels)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    pixels.truncate(info.buffer_size());
    (info, pixels)
}

/// Non-white pixels inside the rectangle that holds the plot (below the header, inside the
/// axis label areas), as a fraction of that rectangle.
fn drawn_fraction_in_plot_area(info: &png::OutputInfo, pixels: &[u8]) -> f64 {
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let (x0, x1) = (info.width * 15 / 100, info.width * 85 / 100);
    let (y0, y1) = (info.height * 30 / 100, info.height * 85 / 100);
    let mut drawn = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            let at = ((y * info.width + x) * 3) as usize;
            if pixels[at..at + 3] != [255, 255, 255] {
                drawn += 1;
            }
        }
    }
    drawn as f64 / f64::from((x1 - x0) * (y1 - y0))
}

fn svg_texts(path: &Path) -> String {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let document = roxmltree::Document::parse(&text)
        .unwrap_or_else(|err| panic!("{} is not well-formed XML: {err}", path.display()));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|node| node.is_text())
        .filter_map(|node| node.text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_chart_renders_as_png_and_svg_with_title_and_axis_labels() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_report(
        &[ReportInput {
            label: "main".into(),
            results: common::fixture(),
        }],
        dir.path(),
    )
    .unwrap();

    // speedup + 4 kinds × 4 runs, each as SVG and PNG.
    assert_eq!(files.charts.len(), (1 + 4 * 4) * 2);
    let expected: [(&str, &str, &[&str]); 5] = [
        (
            "speedup",
            "Speedup vs hit rate",
            &[
                "hit rate (% of requests answered from the cache)",
                "speedup = baseline time / cached time (×, log scale)",
            ],
        ),
        (
            "hit-rate-typical",
            "Hit rate over the trace: typical",
            &["requests replayed", "hit rate (%)"],
        ),
        (
            "memory-busy",
            "Memory: payload vs measured cache heap: busy",
            &[
                "requests replayed",
                "bytes held (MiB)",
                "overhead (% of payload)",
            ],
        ),
        (
            "latency-duplicate",
            "Latency distribution, baseline vs cached: duplicate",
            &[
                "latency (seconds, log scale)",
                "percentile (tail stretched: each step adds a nine)",
            ],
        ),
        (
            "work-cold",
            "Generator work, baseline vs cached: cold",
            &["virtual time (days)"],
        ),
    ];
    for (stem, title, axis_labels) in expected {
        let texts = svg_texts(&dir.path().join(format!("{stem}.svg")));
        assert!(
            texts.contains(title),
            "{stem}.svg lacks its title {title:?}"
        );
        assert!(
            texts.contains("seed 42"),
            "{stem}.svg lacks the seed caption"
        );
        for label in axis_labels {
            assert!(
                texts.contains(label),
                "{stem}.svg lacks axis label {label:?}"
            );
        }
    }

    for path in files
        .charts
        .iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "png"))
    {
        let (info, pixels) = decode_png(path);
        assert_eq!(
            (info.width, info.height),
            (WIDTH, HEIGHT),
            "{}",
            path.display()
        );
        let drawn = drawn_fraction_in_plot_area(&info, &pixels);
        assert!(
            drawn > 0.01,
            "{}: only {:.4} of the plot area is drawn",
            path.display(),
            drawn
        );
        assert!(
            drawn < 0.95,
            "{}: plot area is filled ({drawn:.4}): nothing readable",
            path.display()
        );
    }
    for path in files
        .charts
        .iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "svg"))
    {
        svg_texts(path);
    }
}

#[test]
fn every_run_chart_names_workload_and_seed_in_its_caption() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = common::single();
    results.runs[0].workload.seed = 1234;
    results.runs[0].workload.name = "web07.trace.xz".into();
    write_report(
        &[ReportInput {
            label: "one".into(),
            results,
        }],
        dir.path(),
    )
    .unwrap();
    // A single run keeps the plain stable names.
    for stem in ["speedup", "hit-rate", "memory", "latency", "work"] {
        let texts = svg_texts(&dir.path().join(format!("{stem}.svg")));
        assert!(
            texts.contains("web07.trace.xz"),
            "{stem}.svg lacks the workload name"
        );
        assert!(texts.contains("seed 1234"), "{stem}.svg lacks the seed");
        assert!(dir.path().join(format!("{stem}.png")).is_file());
    }
}

#[test]
fn charts_survive_empty_timelines_and_curves() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = common::single();
    let run = &mut results.runs[0];
    run.timeline.clear();
    run.baseline.latency_curve.clear();
    run.cached.latency_curve.clear();
    run.claims.clear();
    run.model.max_bytes = Some(u64::MAX / 2);
    let files = write_report(
        &[ReportInput {
            label: "sparse".into(),
            results,
        }],
        dir.path(),
    )
    .unwrap();
    assert_eq!(files.charts.len(), 10);
    let texts = svg_texts(&dir.path().join("hit-rate.svg"));
    assert!(
        texts.contains("no per-window timeline"),
        "empty timeline is not explained"
    );
    let memory = svg_texts(&dir.path().join("memory.svg"));
    assert!(
        memory.contains("far above the data"),
        "off-scale budget is not explained"
    );
    // With no claims in the results the speedup chart still shows the seed's.
    let speedup = svg_texts(&dir.path().join("speedup.svg"));
    assert!(speedup.contains("claim 2,492× @ 100 %"), "{speedup}");
}

#[test]
fn fonts_register_idempotently() {
    reports::register_fonts().unwrap();
    reports::register_fonts().unwrap();
}

/// results.json is input a user can edit: degenerate numbers must give charts or an error,
/// never a panic.
#[test]
fn degenerate_numbers_do_not_panic() {
    let zeroed = {
        let mut run = common::run("zero", 1, 1, None, 0, &[]);
        run.workload.requests = 0;
        run.speedup = 0.0;
        run.cache.hit_rate = 0.0;
        run.baseline.virtual_time_s = 0.0;
        run.cached.virtual_time_s = 0.0;
        run.baseline.generation_time_s = 0.0;
        run.cached.generation_time_s = 0.0;
        run.cached.hit_time_s = 0.0;
        run.baseline.latency_curve = vec![(0.0, 0.0), (100.0, 0.0)];
        run.cached.latency_curve = vec![(50.0, 0.0)];
        run.memory = None;
        run.model.max_bytes = Some(0);
        run.model.mean_miss_cost_s = 0.0;
        run.model.hit_cost_s = 0.0;
        for window in &mut run.timeline {
            window.requests = 0;
            window.payload_bytes = 0;
            window.heap_bytes = None;
        }
        run
    };
    let huge = {
        let mut run = common::run("huge", 10, 10, Some(2.0), 5, &[0]);
        run.speedup = 1e300;
        run.cache.hit_rate = -3.0;
        run.model.max_bytes = Some(u64::MAX);
        run.baseline.virtual_time_s = 1e300;
        run.cached.wait_time_s = -5.0;
        run.baseline.latency_curve = vec![(-10.0, 1e-300), (250.0, 1e300)];
        if let Some(m) = run.memory.as_mut() {
            m.heap_bytes = u64::MAX;
        }
        run
    };
    for (name, run) in [("zero", zeroed), ("huge", huge)] {
        let dir = tempfile::tempdir().unwrap();
        let results = reports::ResultsFile {
            schema_version: reports::SCHEMA_VERSION,
            tool_version: "test".into(),
            runs: vec![run],
        };
        match write_report(
            &[ReportInput {
                label: name.into(),
                results,
            }],
            dir.path(),
        ) {
            Ok(files) => assert!(
                files.html.is_file(),
                "{name}: report claimed but not written"
            ),
            Err(err) => assert!(
                err.to_string().contains("chart"),
                "{name}: unexpected error {err}"
            ),
        }
    }
}

/// The dedicated sweep charts render from saved sweeps (the fixtures are `harness sweep --json`
/// of `ttl --ttl 1h,6h,24h,never` and `burst --workers 1,2,4,8`), and a sweep written before
/// the virtual times were recorded still renders its workers chart.
#[test]
fn ttl_and_workers_sweeps_write_their_dedicated_charts() {
    for (fixture, stem) in [
        (include_str!("fixtures/sweep-ttl.json"), "ttl-curve"),
        (include_str!("fixtures/sweep-workers.json"), "workers-curve"),
    ] {
        let mut sweep: reports::sweep::SweepResults = match serde_json::from_str(fixture) {
            Ok(s) => s,
            Err(e) => panic!("{stem}: {e}"),
        };
        for old in [false, true] {
            if old {
                for p in &mut sweep.points {
                    p.virtual_time_s = None;
                    p.baseline_time_s = None;
                    p.wait_mean_s = None;
                    p.generator_utilization = None;
                }
            }
            let dir = match tempfile::tempdir() {
                Ok(d) => d,
                Err(e) => panic!("{e}"),
            };
            let files = match reports::write_sweep_report(&sweep, dir.path()) {
                Ok(f) => f,
                Err(e) => panic!("{stem}: {e}"),
            };
            let svg = dir.path().join(format!("{stem}.svg"));
            assert!(files.charts.contains(&svg), "{:?}", files.charts);
            let md = std::fs::read_to_string(&files.markdown).unwrap_or_default();
            assert!(md.contains(&format!("{stem}.png")), "{md}");
        }
    }
}
