//! Chart 1: speedup vs hit rate — the analytic curve, every run as a measured point, the
//! seed's claims as distinct markers and the 3× bar.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{Header, LegendItem, PointLabel, Shape, Swatch, draw_marker, place_labels};
use super::layout::{axis_label_font, point_label_font, tick_font};
use super::{Chart, DrawResult, palette};
use crate::format;
use crate::results::ResultsFile;

/// The seed's claims, used when the results carry none: (claim, hit rate, speedup).
const SEED_CLAIMS: [(&str, f64, f64); 4] = [
    ("100 % hit rate -> 2,492x", 1.0, 2492.0),
    ("70 % hit rate -> 3.1x", 0.7, 3.1),
    ("90 % hit rate -> 9.6x", 0.9, 9.6),
    ("100 requests with 70 duplicates -> 3.3x", 0.7, 3.3),
];

/// The speedup the model predicts at hit rate `h`: `t_miss / (h·t_hit + (1−h)·t_miss)`.
pub(crate) fn analytic_speedup(hit_rate: f64, miss_cost_s: f64, hit_cost_s: f64) -> f64 {
    miss_cost_s / (hit_rate * hit_cost_s + (1.0 - hit_rate) * miss_cost_s)
}

/// One replayed run as a point.
#[derive(Debug, Clone)]
pub(crate) struct SpeedupPoint {
    pub workload: String,
    pub input: usize,
    pub color: usize,
    pub hit_rate: f64,
    pub speedup: f64,
}

/// A claim of the seed.
#[derive(Debug, Clone)]
struct ClaimMarker {
    hit_rate: f64,
    speedup: f64,
}

/// The speedup chart over one or more inputs (several inputs: the combined comparison chart).
pub(crate) struct SpeedupChart {
    points: Vec<SpeedupPoint>,
    /// Distinct (t_miss, t_hit) pairs of the runs: one analytic curve each.
    costs: Vec<(f64, f64)>,
    claims: Vec<ClaimMarker>,
    /// Input labels; more than one means comparison mode (marker shape per input).
    inputs: Vec<String>,
    caption: Vec<String>,
}

impl SpeedupChart {
    /// Builds the chart from labelled inputs.
    pub(crate) fn new(inputs: &[(&str, &ResultsFile)]) -> Self {
        let mut workloads: Vec<String> = Vec::new();
        let mut points = Vec::new();
        let mut costs: Vec<(f64, f64)> = Vec::new();
        let mut claims: Vec<(String, ClaimMarker)> = Vec::new();
        let mut captions = Vec::new();
        for (input, (label, results)) in inputs.iter().enumerate() {
            let mut described = Vec::new();
            for run in &results.runs {
                let color = match workloads.iter().position(|w| *w == run.workload.name) {
                    Some(found) => found,
                    None => {
                        workloads.push(run.workload.name.clone());
                        workloads.len() - 1
                    }
                };
                points.push(SpeedupPoint {
                    workload: run.workload.name.clone(),
                    input,
                    color,
                    hit_rate: run.cache.hit_rate,
                    speedup: run.speedup,
                });
                let cost = (run.model.mean_miss_cost_s, run.model.hit_cost_s);
                if !costs.iter().any(|c| same_cost(*c, cost)) {
                    costs.push(cost);
                }
                for claim in &run.claims {
                    if !claims.iter().any(|(text, _)| *text == claim.claim) {
                        claims.push((
                            claim.claim.clone(),
                            ClaimMarker {
                                hit_rate: claim.claimed_hit_rate,
                                speedup: claim.claimed_speedup,
                            },
                        ));
                    }
                }
                described.push(format!(
                    "{} (seed {})",
                    run.workload.name, run.workload.seed
                ));
            }
            let prefix = if inputs.len() > 1 {
                format!("{label}: ")
            } else {
                String::new()
            };
            captions.push(format!("{prefix}workloads {}", described.join(", ")));
        }
        if claims.is_empty() {
            claims = SEED_CLAIMS
                .iter()
                .map(|(text, hit_rate, speedup)| {
                    (
                        text.to_string(),
                        ClaimMarker {
                            hit_rate: *hit_rate,
                            speedup: *speedup,
                        },
                    )
                })
                .collect();
        }
        Self {
            points,
            costs,
            claims: claims.into_iter().map(|(_, marker)| marker).collect(),
            inputs: inputs.iter().map(|(label, _)| label.to_string()).collect(),
            caption: captions,
        }
    }

    fn comparison(&self) -> bool {
        self.inputs.len() > 1
    }

    fn legend(&self) -> Vec<LegendItem> {
        let mut legend = Vec::new();
        for (t_miss, t_hit) in &self.costs {
            legend.push(LegendItem::new(
                Swatch::Line(palette::MUTED, 2),
                format!("analytic S(h), t_miss {t_miss:.1} s, t_hit {t_hit} s"),
            ));
        }
        legend.push(LegendItem::new(
            Swatch::Marker(Shape::Cross, palette::CLAIM),
            "seed's claims",
        ));
        legend.push(LegendItem::new(Swatch::Dashed(palette::LIMIT), "3× bar"));
        let mut seen: Vec<usize> = Vec::new();
        for point in &self.points {
            if seen.contains(&point.color) {
                continue;
            }
            seen.push(point.color);
            let shape = if self.comparison() {
                Shape::Circle
            } else {
                Shape::for_input(point.input)
            };
            legend.push(LegendItem::new(
                Swatch::Marker(shape, palette::run(point.color)),
                point.workload.clone(),
            ));
        }
        if self.comparison() {
            for (index, label) in self.inputs.iter().enumerate() {
                legend.push(LegendItem::new(
                    Swatch::Marker(Shape::for_input(index), palette::MUTED),
                    format!("input {label}"),
                ));
            }
        }
        legend
    }
}

fn same_cost(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() <= 1e-9 * a.0.abs().max(1.0) && (a.1 - b.1).abs() <= 1e-12
}

/// Hit rates (0..=1) at which the curve is sampled: even steps plus a dense tail, where S climbs
/// from ~10× to ~2,500× within the last percent.
fn curve_samples() -> Vec<f64> {
    let mut samples: Vec<f64> = (0..=396).map(|i| f64::from(i) / 400.0).collect();
    for exponent in 0..=40 {
        samples.push(1.0 - 10f64.powf(-2.0 - f64::from(exponent) / 10.0));
    }
    samples.push(1.0);
    samples
}

impl Chart for SpeedupChart {
    fn title(&self) -> String {
        if self.comparison() {
            format!("Speedup vs hit rate: {}", self.inputs.join(" vs "))
        } else {
            "Speedup vs hit rate: measured runs against the model and the seed's claims".to_string()
        }
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let header = Header {
            title: self.title(),
            caption: self.caption.clone(),
            legend: self.legend(),
        };
        let plot = header.draw(root)?;

        let highest = self
            .points
            .iter()
            .map(|p| p.speedup)
            .chain(self.claims.iter().map(|c| c.speedup))
            .chain(self.costs.iter().map(|(miss, hit)| miss / hit))
            .filter(|s| s.is_finite())
            .fold(10.0f64, f64::max);
        let lowest = self
            .points
            .iter()
            .map(|p| p.speedup)
            .filter(|s| s.is_finite() && *s > 0.0)
            .fold(0.8f64, f64::min);
        let y_range = super::sane_log_range(lowest * 0.6, highest * 2.5, 1e-3, 1e7);

        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(52)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..100f64, y_range.clone().log_scale())?;
        chart
            .configure_mesh()
            .x_desc("hit rate (% of requests answered from the cache)")
            .y_desc("speedup = baseline time / cached time (×, log scale)")
            .x_labels(11)
            .y_labels(12)
            .x_label_formatter(&|v| format!("{v:.0} %"))
            .y_label_formatter(&|v| format!("{}×", format::plain_number(*v)))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;

        // Curves first, then the 3× line, then markers on top so no point hides behind a line.
        for (t_miss, t_hit) in &self.costs {
            let curve = curve_samples()
                .into_iter()
                .map(|h| (h * 100.0, analytic_speedup(h, *t_miss, *t_hit)))
                .filter(|(_, s)| y_range.contains(s));
            chart.draw_series(LineSeries::new(curve, palette::MUTED.stroke_width(2)))?;
        }
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, 3.0), (100.0, 3.0)],
            10,
            6,
            palette::LIMIT.stroke_width(2),
        ))?;

        let (x_pixels, y_pixels) = chart.plotting_area().get_pixel_range();
        let three = chart.backend_coord(&(0.0, 3.0));
        root.draw(&Text::new(
            "3× bar",
            (x_pixels.start + 6, three.1 - 20),
            point_label_font().color(&palette::LIMIT),
        ))?;

        let mut labels = Vec::new();
        for point in &self.points {
            // A point outside the axes (a hand-edited file) is left out rather than drawn at
            // a clamped, misleading place.
            if !(0.0..=1.0).contains(&point.hit_rate) || !y_range.contains(&point.speedup) {
                continue;
            }
            let pixel = chart.backend_coord(&(point.hit_rate * 100.0, point.speedup));
            let color = palette::run(point.color);
            draw_marker(root, pixel, Shape::for_input(point.input), color, 7)?;
            let name = if self.comparison() {
                format!("{} ({})", point.workload, self.inputs[point.input])
            } else {
                point.workload.clone()
            };
            labels.push(PointLabel {
                anchor: pixel,
                text: format!("{name} {}", format::speedup(point.speedup)),
                color,
            });
        }
        // Claims after the runs: a thin cross stays readable on top of a run's dot.
        for claim in &self.claims {
            if !(0.0..=1.0).contains(&claim.hit_rate) || !y_range.contains(&claim.speedup) {
                continue;
            }
            let pixel = chart.backend_coord(&(claim.hit_rate * 100.0, claim.speedup));
            draw_marker(root, pixel, Shape::Cross, palette::CLAIM, 5)?;
            labels.push(PointLabel {
                anchor: pixel,
                text: format!(
                    "claim {}× @ {:.0} %",
                    format::plain_number(claim.speedup),
                    claim.hit_rate * 100.0
                ),
                color: palette::CLAIM,
            });
        }
        place_labels(
            root,
            &labels,
            (x_pixels.start, y_pixels.start, x_pixels.end, y_pixels.end),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_curve_reproduces_the_seed_numbers() {
        let s = |h| analytic_speedup(h, 124.6, 0.05);
        assert!((s(1.0) - 2492.0).abs() < 1e-6);
        assert!((s(0.7) - 3.3302).abs() < 1e-3, "{}", s(0.7));
        assert!((s(0.9) - 9.9640).abs() < 1e-3, "{}", s(0.9));
        assert!((s(0.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn curve_samples_are_in_range_and_reach_one() {
        let samples = curve_samples();
        assert!(samples.iter().all(|h| (0.0..=1.0).contains(h)));
        assert_eq!(samples.last().copied(), Some(1.0));
    }
}
