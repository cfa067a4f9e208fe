//! The dedicated charts of the two non-budget axes, one evenly spaced column per value of the
//! grid (TTLs and worker counts are usually doubling or log-spaced lists; `never` is the last
//! column):
//! - [`TtlChart`] (`ttl-curve`): hit rate and speedup over the TTL, and below them the
//!   expirations each TTL causes;
//! - [`WorkersChart`] (`workers-curve`): how long the trace takes with and without the cache
//!   at each worker count (how many workers the cache saves), and below them what queueing
//!   costs the cached side (p99 latency, mean wait) and how busy its generator is.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{Header, LegendItem, Swatch, axis_label_font, tick_font};
use super::sweep::{Curve, SPEEDUP, curves_placed, draw_rate_and_speedup, tick};
use super::{Chart, DrawResult, palette};
use crate::format;
use crate::sweep::{SweepAxis, SweepPoint, SweepResults, workers_saved};

/// The plot area split into an upper panel (three fifths) and a lower one.
type Panels<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

fn panels<DB: DrawingBackend>(plot: &DrawingArea<DB, Shift>) -> Panels<DB> {
    let height = plot.dim_in_pixel().1 as i32;
    plot.split_vertically(height * 3 / 5)
}

/// Each policy's points on the columns, column `i` for its `i`-th point (every policy has the
/// grid's values in the same order), with its colour.
fn columns(r: &SweepResults) -> Vec<Curve<'_>> {
    curves_placed(r, |points| {
        points
            .into_iter()
            .enumerate()
            .map(|(c, p)| (c as f64, p))
            .collect()
    })
}

/// The label of each column: the first policy's values (`never` for no TTL).
fn column_labels(r: &SweepResults, axis: SweepAxis) -> Vec<String> {
    let first = r.policy_names().into_iter().next().unwrap_or_default();
    r.points_of(&first)
        .map(|p| match p.axis_value(axis) {
            Some(v) => tick(axis, v),
            None => "never".to_string(),
        })
        .collect()
}

/// The x range of `n` columns, half a column of room on each side.
fn column_range(n: usize) -> std::ops::Range<f64> {
    -0.5..(n.max(1) as f64 - 0.5)
}

/// The label of the column at `x` (blank between columns).
fn column_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

fn column_axis_name(axis: SweepAxis) -> &'static str {
    match axis {
        SweepAxis::Ttl => "TTL (one column per value of the grid)",
        _ => "generator workers (one column per value of the grid)",
    }
}

/// Hit rate, speedup and expirations over the TTL.
pub(crate) struct TtlChart<'a> {
    pub results: &'a SweepResults,
}

impl Chart for TtlChart<'_> {
    fn title(&self) -> String {
        format!(
            "How long entries should live: {} over --ttl",
            self.results.workload
        )
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let r = self.results;
        let axis = SweepAxis::Ttl;
        let curves = columns(r);
        let labels = column_labels(r, axis);
        let points: Vec<(f64, &SweepPoint)> =
            curves.first().map(|c| c.2.clone()).unwrap_or_default();
        let several = curves.len() > 1;
        let never = points
            .iter()
            .map(|p| p.1)
            .find(|p| p.axis_value(axis).is_none());
        let mut legend = if several {
            let mut items: Vec<LegendItem> = curves
                .iter()
                .map(|(name, color, _)| LegendItem::new(Swatch::Line(*color, 3), name.clone()))
                .collect();
            items.push(LegendItem::new(
                Swatch::Line(palette::MUTED, 1),
                "thin: speedup (right)",
            ));
            items
        } else {
            vec![
                LegendItem::new(Swatch::Line(palette::CACHED, 3), "hit rate (left)"),
                LegendItem::new(Swatch::Line(SPEEDUP, 3), "speedup (right)"),
                LegendItem::new(Swatch::Bar(palette::BASELINE), "expirations (below)"),
            ]
        };
        legend.push(LegendItem::new(
            Swatch::Dashed(palette::LIMIT),
            format!("target {}", format::speedup(r.target_speedup)),
        ));
        let never_text = never.map_or_else(
            || "no never-expiring point in the grid".to_string(),
            |p| {
                format!(
                    "never expiring: {} hits, {}",
                    format::percent(p.hit_rate),
                    format::speedup(p.speedup)
                )
            },
        );
        let header = Header {
            title: self.title(),
            caption: vec![
                format!(
                    "{} points · {} · {} · {never_text}",
                    r.points.len(),
                    r.arrival,
                    super::policy_caption(r)
                ),
                r.advice.lines.first().cloned().unwrap_or_default(),
            ],
            legend,
        };
        let plot = header.draw(root)?;
        let (top, bottom) = panels(&plot);
        let range = column_range(labels.len());
        let (x0, x1) = (range.start, range.end);
        let speedup_top = curves
            .iter()
            .flat_map(|c| c.2.iter().map(|p| p.1.speedup))
            .chain([r.target_speedup])
            .filter(|v| v.is_finite())
            .fold(1.0f64, f64::max)
            * 1.1;
        let right_axis = if several { palette::CLAIM } else { SPEEDUP };
        let mut chart = ChartBuilder::on(&top)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(70)
            .right_y_label_area_size(70)
            .build_cartesian_2d(range.clone(), 0f64..100f64)?
            .set_secondary_coord(range.clone(), 0f64..speedup_top);
        chart
            .configure_mesh()
            .y_desc("hit rate (%)")
            .x_labels(labels.len() * 2 + 1)
            .y_labels(6)
            .x_label_formatter(&|v| column_label(&labels, *v))
            .y_label_formatter(&|v| format!("{v:.0} %"))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("speedup (×)")
            .y_labels(6)
            .y_label_formatter(&|v| format!("{v:.1}×"))
            .axis_desc_style(axis_label_font().color(&right_axis))
            .label_style(tick_font().color(&right_axis))
            .draw()?;
        chart.draw_secondary_series(DashedLineSeries::new(
            vec![(x0, r.target_speedup), (x1, r.target_speedup)],
            10,
            6,
            palette::LIMIT.stroke_width(2),
        ))?;
        draw_rate_and_speedup(&mut chart, &curves)?;

        let expirations_top = curves
            .iter()
            .flat_map(|c| c.2.iter().map(|p| p.1.expirations as f64))
            .fold(1.0f64, f64::max)
            * 1.15;
        // No right axis below: the same right margin keeps the columns under those above.
        let mut lower = ChartBuilder::on(&bottom)
            .margin(12)
            .margin_right(82)
            .x_label_area_size(52)
            .y_label_area_size(70)
            .build_cartesian_2d(range.clone(), 0f64..expirations_top)?;
        lower
            .configure_mesh()
            .x_desc(column_axis_name(axis))
            .y_desc("expirations")
            .x_labels(labels.len() * 2 + 1)
            .y_labels(5)
            .x_label_formatter(&|v| column_label(&labels, *v))
            .y_label_formatter(&|v| format::thousands(v.max(0.0).round() as u64))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        let width = 0.6 / curves.len().max(1) as f64;
        for (i, (_, color, points)) in curves.iter().enumerate() {
            let color = if several { *color } else { palette::BASELINE };
            // Side by side within a column, one bar per policy.
            let left = -0.3 + width * i as f64;
            lower.draw_series(points.iter().map(|(x, p)| {
                Rectangle::new(
                    [(x + left, 0.0), (x + left + width, p.expirations as f64)],
                    color.mix(0.8).filled(),
                )
            }))?;
            lower.draw_series(points.iter().map(|(x, p)| {
                Text::new(
                    format::thousands(p.expirations),
                    (x + left, p.expirations as f64 + expirations_top * 0.04),
                    tick_font(),
                )
            }))?;
        }
        Ok(())
    }
}

/// Virtual time with and without the cache over the workers, then queueing and utilisation.
pub(crate) struct WorkersChart<'a> {
    pub results: &'a SweepResults,
}

impl Chart for WorkersChart<'_> {
    fn title(&self) -> String {
        format!(
            "How many generator workers the cache saves: {}",
            self.results.workload
        )
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let r = self.results;
        let axis = SweepAxis::Workers;
        // The first policy's curve: the baseline is the same for every policy.
        let labels = column_labels(r, axis);
        let points: Vec<(f64, &SweepPoint)> = columns(r)
            .into_iter()
            .next()
            .map(|c| c.2)
            .unwrap_or_default();
        let header = Header {
            title: self.title(),
            caption: vec![
                format!(
                    "{} points · {} · {} · virtual time from the first measured arrival to the \
                     last answer",
                    points.len(),
                    r.arrival,
                    super::policy_caption(r)
                ),
                workers_saved(r).unwrap_or_else(|| {
                    "virtual times not recorded in this sweep (an older sweep.json)".to_string()
                }),
            ],
            legend: vec![
                LegendItem::new(Swatch::Line(palette::BASELINE, 3), "baseline (no cache)"),
                LegendItem::new(Swatch::Line(palette::CACHED, 3), "cached"),
                LegendItem::new(Swatch::Line(palette::LIMIT, 2), "cached p99 latency"),
                LegendItem::new(Swatch::Dashed(palette::LIMIT), "cached mean wait"),
                LegendItem::new(
                    Swatch::Line(palette::run(2), 2),
                    "generator utilisation (right)",
                ),
            ],
        };
        let plot = header.draw(root)?;
        let (top, bottom) = panels(&plot);
        let range = column_range(labels.len());
        let times: Vec<(f64, f64, f64)> = points
            .iter()
            .filter_map(|(x, p)| Some((*x, p.baseline_time_s?, p.virtual_time_s?)))
            .collect();
        let high = times
            .iter()
            .flat_map(|t| [t.1, t.2])
            .filter(|v| v.is_finite())
            .fold(1e-3f64, f64::max)
            * 1.1;
        let mut chart = ChartBuilder::on(&top)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(90)
            // No right axis above: the same right margin keeps the columns over those below.
            .margin_right(82)
            .build_cartesian_2d(range.clone(), 0f64..high)?;
        chart
            .configure_mesh()
            .y_desc("virtual time")
            .x_labels(labels.len() * 2 + 1)
            .y_labels(6)
            .x_label_formatter(&|v| column_label(&labels, *v))
            .y_label_formatter(&|v| format::seconds(*v))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        for (color, value) in [
            (palette::BASELINE, 1usize), // baseline time
            (palette::CACHED, 2usize),   // cached time
        ] {
            let at = |t: &(f64, f64, f64)| if value == 1 { t.1 } else { t.2 };
            chart.draw_series(LineSeries::new(
                times.iter().map(|t| (t.0, at(t))),
                color.stroke_width(3),
            ))?;
            chart.draw_series(
                times
                    .iter()
                    .map(|t| Circle::new((t.0, at(t)), 4, color.filled())),
            )?;
        }
        // The speedup beside each cached point.
        chart.draw_series(times.iter().zip(&points).map(|(t, (_, p))| {
            Text::new(
                format::speedup(p.speedup),
                (t.0 + 0.06, t.2 + high * 0.06),
                tick_font(),
            )
        }))?;

        let latency_top = points
            .iter()
            .flat_map(|(_, p)| [p.latency_p99_s, p.wait_mean_s.unwrap_or(0.0)])
            .filter(|v| v.is_finite())
            .fold(1e-3f64, f64::max)
            * 1.15;
        let mut lower = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .right_y_label_area_size(70)
            .build_cartesian_2d(range.clone(), 0f64..latency_top)?
            .set_secondary_coord(range.clone(), 0f64..100f64);
        lower
            .configure_mesh()
            .x_desc(column_axis_name(axis))
            .y_desc("seconds (cached)")
            .x_labels(labels.len() * 2 + 1)
            .y_labels(5)
            .x_label_formatter(&|v| column_label(&labels, *v))
            .y_label_formatter(&|v| format::seconds(*v))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        let utilisation = palette::run(2);
        lower
            .configure_secondary_axes()
            .y_desc("utilisation (%)")
            .y_labels(5)
            .y_label_formatter(&|v| format!("{v:.0} %"))
            .axis_desc_style(axis_label_font().color(&utilisation))
            .label_style(tick_font().color(&utilisation))
            .draw()?;
        lower.draw_series(LineSeries::new(
            points.iter().map(|(x, p)| (*x, p.latency_p99_s)),
            palette::LIMIT.stroke_width(2),
        ))?;
        lower.draw_series(DashedLineSeries::new(
            points
                .iter()
                .filter_map(|(x, p)| Some((*x, p.wait_mean_s?)))
                .collect::<Vec<_>>(),
            8,
            5,
            palette::LIMIT.stroke_width(2),
        ))?;
        let used: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|(x, p)| Some((*x, p.generator_utilization? * 100.0)))
            .collect();
        lower.draw_secondary_series(LineSeries::new(
            used.iter().copied(),
            utilisation.stroke_width(2),
        ))?;
        lower.draw_secondary_series(
            used.iter()
                .map(|&(x, u)| Circle::new((x, u), 3, utilisation.filled())),
        )?;
        Ok(())
    }
}
