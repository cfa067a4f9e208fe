//! Chart 4: latency distribution, baseline vs cached, as a percentile plot with a log-scale
//! latency axis and an HdrHistogram-style percentile axis that opens up the tail.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{Header, LegendItem, Swatch, axis_label_font, tick_font};
use super::{Chart, DrawResult, palette, run_caption};
use crate::format;
use crate::results::RunResults;

/// Latency percentiles for one run.
pub(crate) struct LatencyChart<'a> {
    pub run: &'a RunResults,
    /// Input label in a comparison report.
    pub label: Option<&'a str>,
}

/// Deepest tail shown: 99.999th percentile (5 nines).
const MAX_NINES: f64 = 5.0;

/// Maps a percentile (0..=100) to "nines": 0 → 0, 90 → 1, 99 → 2, 99.9 → 3; 100 is drawn at
/// the deepest tail shown.
fn nines(percentile: f64, deepest: f64) -> f64 {
    let remaining = 1.0 - percentile / 100.0;
    if remaining <= 10f64.powf(-deepest) {
        deepest
    } else {
        -remaining.log10()
    }
}

/// Tick text for a "nines" position: 0 → `0 %`, 1 → `90 %`, 3 → `99.9 %`.
fn nines_label(position: f64) -> String {
    // Only whole nines are labelled; plotters may ask for ticks in between.
    if (position - position.round()).abs() > 1e-6 {
        return String::new();
    }
    let position = position.round() as i32;
    match position {
        0 => "0 %".to_string(),
        1 => "90 %".to_string(),
        2 => "99 %".to_string(),
        n => format!("99.{} %", "9".repeat((n - 2).max(0) as usize)),
    }
}

impl Chart for LatencyChart<'_> {
    fn title(&self) -> String {
        format!(
            "Latency distribution, baseline vs cached: {}",
            self.run.workload.name
        )
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let run = self.run;
        let (base, cached) = (&run.baseline, &run.cached);
        // Enough nines to show the distinct tail of this trace, no more than it can resolve.
        let resolvable = (run.workload.requests.max(10) as f64).log10().floor();
        let deepest = resolvable.clamp(2.0, MAX_NINES);

        let positive = |curve: &[(f64, f64)]| -> Vec<(f64, f64)> {
            curve
                .iter()
                .filter(|(p, l)| p.is_finite() && l.is_finite() && *l > 0.0)
                .map(|(p, l)| (nines(p.clamp(0.0, 100.0), deepest), *l))
                .collect()
        };
        let base_points = positive(&base.latency_curve);
        let cached_points = positive(&cached.latency_curve);
        let all = base_points
            .iter()
            .chain(cached_points.iter())
            .map(|(_, l)| *l);
        let (low, high) = all.fold((f64::INFINITY, 0.0f64), |(lo, hi), l| {
            (lo.min(l), hi.max(l))
        });
        let (low, high) = if low.is_finite() {
            (low, high)
        } else {
            (0.01, 1000.0)
        };
        let y_range = super::sane_log_range(low / 2.0, high * 2.0, 1e-6, 1e9);

        let header = Header {
            title: self.title(),
            caption: vec![
                run_caption(self.label, run),
                format!(
                    "p50 {} → {}, p99 {} → {}, max {} → {} (baseline → cached); latency includes queueing for a worker",
                    format::seconds(base.latency.p50),
                    format::seconds(cached.latency.p50),
                    format::seconds(base.latency.p99),
                    format::seconds(cached.latency.p99),
                    format::seconds(base.latency.max),
                    format::seconds(cached.latency.max),
                ),
            ],
            legend: vec![
                LegendItem::new(Swatch::Line(palette::BASELINE, 3), "baseline (no cache)"),
                LegendItem::new(Swatch::Line(palette::CACHED, 3), "cached"),
            ],
        };
        let plot = header.draw(root)?;

        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(44)
            .x_label_area_size(52)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..deepest, y_range.log_scale())?;
        chart
            .configure_mesh()
            .x_desc("percentile (tail stretched: each step adds a nine)")
            .y_desc("latency (seconds, log scale)")
            .x_labels(deepest as usize + 1)
            .y_labels(10)
            .x_label_formatter(&|v| nines_label(*v))
            .y_label_formatter(&|v| trim_seconds(*v))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;

        // Step lines: a percentile curve is a step function of recorded values.
        chart.draw_series(LineSeries::new(
            steps(&base_points),
            palette::BASELINE.stroke_width(3),
        ))?;
        chart.draw_series(LineSeries::new(
            steps(&cached_points),
            palette::CACHED.stroke_width(3),
        ))?;
        Ok(())
    }
}

/// Turns (x, y) samples into a staircase so values hold until the next percentile.
fn steps(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for (i, point) in points.iter().enumerate() {
        if i > 0 {
            out.push((point.0, points[i - 1].1));
        }
        out.push(*point);
    }
    out
}

fn trim_seconds(value: f64) -> String {
    if value >= 100.0 {
        format!("{} s", format::thousands(value.round() as u64))
    } else if value >= 1.0 {
        format!("{value:.0} s")
    } else {
        let text = format!("{value:.3}");
        format!("{} s", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nines_axis() {
        assert_eq!(nines(0.0, 4.0), 0.0);
        assert!((nines(90.0, 4.0) - 1.0).abs() < 1e-9);
        assert!((nines(99.0, 4.0) - 2.0).abs() < 1e-9);
        assert_eq!(nines(100.0, 4.0), 4.0);
        assert_eq!(nines_label(0.0), "0 %");
        assert_eq!(nines_label(1.0), "90 %");
        assert_eq!(nines_label(2.0), "99 %");
        assert_eq!(nines_label(3.0), "99.9 %");
        assert_eq!(nines_label(5.0), "99.999 %");
    }

    #[test]
    fn staircase_holds_values() {
        let stairs = steps(&[(0.0, 1.0), (1.0, 2.0)]);
        assert_eq!(stairs, vec![(0.0, 1.0), (1.0, 1.0), (1.0, 2.0)]);
    }

    #[test]
    fn second_ticks() {
        assert_eq!(trim_seconds(0.05), "0.05 s");
        assert_eq!(trim_seconds(124.6), "125 s");
        assert_eq!(trim_seconds(1000.0), "1,000 s");
    }
}
