//! The sweep charts: hit rate and speedup over the swept axis (log scale for budgets and TTLs)
//! with the target line, the unbounded bound and the advice markers; and generator hours saved
//! (money saved when priced) over the same axis.

use plotters::chart::DualCoordChartContext;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::layout::{Header, LegendItem, Swatch, axis_label_font, tick_font};
use super::{Chart, DrawResult, palette, sane_log_range};
use crate::format;
use crate::sweep::{SweepAxis, SweepPoint, SweepResults};

pub(super) const SPEEDUP: RGBColor = RGBColor(44, 160, 44);

/// One policy's curve: its name, colour and points on the x axis.
pub(super) type Curve<'a> = (String, RGBColor, Vec<(f64, &'a SweepPoint)>);

/// Each policy's points on the x axis, with its colour: one policy keeps the chart's own
/// colours, several get one run colour each (and the legend names them).
pub(super) fn curves(results: &SweepResults) -> Vec<Curve<'_>> {
    curves_placed(results, |points| on_axis(results, points.into_iter()))
}

/// Each policy's curve, its points (in grid order) placed on the x axis by `place`, with its
/// colour as in [`curves`].
pub(super) fn curves_placed<'a>(
    results: &'a SweepResults,
    place: impl Fn(Vec<&'a SweepPoint>) -> Vec<(f64, &'a SweepPoint)>,
) -> Vec<Curve<'a>> {
    let names = results.policy_names();
    let several = names.len() > 1;
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let color = if several {
                palette::run(i)
            } else {
                palette::CACHED
            };
            let points = place(results.points.iter().filter(|p| p.policy == name).collect());
            (name, color, points)
        })
        .collect()
}

/// Draws each curve's hit rate (left axis, thick, with dots) and speedup (right axis: in the
/// speedup colour for one curve, thin in the curve's colour for several).
pub(super) fn draw_rate_and_speedup<DB, X>(
    chart: &mut DualCoordChartContext<
        '_,
        DB,
        Cartesian2d<X, RangedCoordf64>,
        Cartesian2d<X, RangedCoordf64>,
    >,
    curves: &[Curve<'_>],
) -> DrawResult
where
    DB: DrawingBackend<ErrorType: 'static>,
    X: Ranged<ValueType = f64>,
{
    let several = curves.len() > 1;
    for (_, color, points) in curves {
        let (speedup_color, speedup_width) = if several { (*color, 1) } else { (SPEEDUP, 3) };
        chart.draw_series(LineSeries::new(
            points.iter().map(|(x, p)| (*x, p.hit_rate * 100.0)),
            color.stroke_width(3),
        ))?;
        chart.draw_series(
            points
                .iter()
                .map(|(x, p)| Circle::new((*x, p.hit_rate * 100.0), 4, color.filled())),
        )?;
        chart.draw_secondary_series(LineSeries::new(
            points.iter().map(|(x, p)| (*x, p.speedup)),
            speedup_color.stroke_width(speedup_width),
        ))?;
        chart.draw_secondary_series(
            points
                .iter()
                .map(|(x, p)| Circle::new((*x, p.speedup), 3, speedup_color.filled())),
        )?;
    }
    Ok(())
}

/// What the x axis shows, and the x of each point (unbounded/never points are left out).
pub(super) fn xs(results: &SweepResults) -> Vec<(f64, &SweepPoint)> {
    on_axis(results, results.points.iter())
}

fn on_axis<'a>(
    results: &SweepResults,
    points: impl Iterator<Item = &'a SweepPoint>,
) -> Vec<(f64, &'a SweepPoint)> {
    points
        .filter_map(|p| p.axis_value(results.axis).map(|x| (x, p)))
        .filter(|(x, _)| x.is_finite() && *x > 0.0)
        .collect()
}

pub(super) fn axis_name(axis: SweepAxis) -> &'static str {
    match axis {
        SweepAxis::MaxEntries => "cache budget (entries, log scale)",
        SweepAxis::MaxBytes => "cache budget (bytes, log scale)",
        SweepAxis::Ttl => "TTL (seconds, log scale)",
        SweepAxis::Workers => "generator workers (log scale)",
    }
}

pub(super) fn tick(axis: SweepAxis, v: f64) -> String {
    match axis {
        SweepAxis::MaxBytes => format::bytes(v.max(0.0).round() as u64),
        SweepAxis::Ttl => format::seconds(v),
        _ => format::plain_number(v),
    }
}

pub(super) fn x_range(points: &[(f64, &SweepPoint)]) -> std::ops::Range<f64> {
    let low = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let high = points.iter().map(|p| p.0).fold(0.0, f64::max);
    sane_log_range(low / 1.3, high * 1.3, 1e-9, 1e18)
}

/// Hit rate and speedup over the swept axis.
pub(crate) struct SweepChart<'a> {
    pub results: &'a SweepResults,
}

impl Chart for SweepChart<'_> {
    fn title(&self) -> String {
        format!(
            "How large the cache must be: {} over {}",
            self.results.workload,
            self.results.axis.flag()
        )
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let r = self.results;
        let points = xs(r);
        let curves = curves(r);
        let several = curves.len() > 1;
        let target = r.target_speedup;
        let mut legend = if several {
            // One colour per policy: hit rate solid (left axis), speedup thin (right axis).
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
            ]
        };
        legend.extend([
            LegendItem::new(
                Swatch::Dashed(palette::LIMIT),
                format!("target {}", format::speedup(target)),
            ),
            LegendItem::new(Swatch::Dashed(palette::MUTED), "unbounded cache"),
            LegendItem::new(Swatch::Dashed(palette::CLAIM), "advice"),
        ]);
        let header = Header {
            title: self.title(),
            caption: vec![
                format!(
                    "{} points · {} · method {} · {} · unbounded cache: {} hits, {}",
                    r.points.len(),
                    r.arrival,
                    r.method,
                    policy_caption(r),
                    format::percent(r.unbounded.hit_rate),
                    format::speedup(r.unbounded.speedup)
                ),
                r.advice.lines.first().cloned().unwrap_or_default(),
            ],
            legend,
        };
        let plot = header.draw(root)?;
        let range = x_range(&points);
        let speedup_top = points
            .iter()
            .map(|p| p.1.speedup)
            .chain([r.unbounded.speedup, target])
            .filter(|v| v.is_finite())
            .fold(1.0f64, f64::max)
            * 1.1;
        let axis = r.axis;
        // The speedup axis is green for one curve; with one colour per policy, neutral.
        let right_axis = if several { palette::CLAIM } else { SPEEDUP };
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(52)
            .y_label_area_size(70)
            .right_y_label_area_size(70)
            .build_cartesian_2d(range.clone().log_scale(), 0f64..100f64)?
            .set_secondary_coord(range.clone().log_scale(), 0f64..speedup_top);
        chart
            .configure_mesh()
            .x_desc(axis_name(axis))
            .y_desc("hit rate (%)")
            .x_labels(10)
            .y_labels(11)
            .x_label_formatter(&|v| tick(axis, *v))
            .y_label_formatter(&|v| format!("{v:.0} %"))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("speedup (×)")
            .y_labels(8)
            .y_label_formatter(&|v| format!("{v:.1}×"))
            .axis_desc_style(axis_label_font().color(&right_axis))
            .label_style(tick_font().color(&right_axis))
            .draw()?;
        let (x0, x1) = (range.start, range.end);
        chart.draw_series(DashedLineSeries::new(
            vec![
                (x0, r.unbounded.hit_rate * 100.0),
                (x1, r.unbounded.hit_rate * 100.0),
            ],
            10,
            6,
            palette::MUTED.stroke_width(2),
        ))?;
        chart.draw_secondary_series(DashedLineSeries::new(
            vec![(x0, r.unbounded.speedup), (x1, r.unbounded.speedup)],
            4,
            6,
            palette::MUTED.stroke_width(2),
        ))?;
        chart.draw_secondary_series(DashedLineSeries::new(
            vec![(x0, target), (x1, target)],
            10,
            6,
            palette::LIMIT.stroke_width(2),
        ))?;
        draw_rate_and_speedup(&mut chart, &curves)?;
        let markers = [
            (r.advice.reaches_target, "target"),
            (r.advice.near_unbounded, "95 % of unbounded"),
            (r.advice.diminishing_returns, "diminishing returns"),
        ];
        for (index, label) in markers {
            let Some(x) = index
                .and_then(|i| r.points.get(i))
                .and_then(|p| p.axis_value(axis))
                .filter(|x| *x > 0.0)
            else {
                continue;
            };
            chart.draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, 100.0)],
                6,
                6,
                palette::CLAIM.stroke_width(1),
            ))?;
            chart.draw_series([Text::new(
                format!("{label}: {}", tick(axis, x)),
                (
                    x,
                    97.0 - 5.0 * markers.iter().position(|m| m.1 == label).unwrap_or(0) as f64,
                ),
                tick_font(),
            )])?;
        }
        Ok(())
    }
}

/// Generator hours (or money) saved over the swept axis.
pub(crate) struct SavedChart<'a> {
    pub results: &'a SweepResults,
}

impl Chart for SavedChart<'_> {
    fn title(&self) -> String {
        let what = if self.results.generator_cost_per_hour.is_some() {
            "Money saved"
        } else {
            "Generator hours saved"
        };
        format!(
            "{what}: {} over {}",
            self.results.workload,
            self.results.axis.flag()
        )
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let r = self.results;
        let points = xs(r);
        let curves = curves(r);
        let price = r.generator_cost_per_hour;
        let value = |p: &SweepPoint| match price {
            Some(price) => p.generator_hours_saved * price,
            None => p.generator_hours_saved,
        };
        let top = points
            .iter()
            .map(|p| value(p.1))
            .chain([value(&r.unbounded)])
            .filter(|v| v.is_finite())
            .fold(1e-9f64, f64::max)
            * 1.1;
        let header = Header {
            title: self.title(),
            caption: vec![format!(
                "baseline generation time minus cached, per point{}; the unbounded cache saves {}",
                price.map_or(String::new(), |p| format!(" × {p} per generator hour")),
                format::plain_number(value(&r.unbounded))
            )],
            legend: {
                let mut items: Vec<LegendItem> = if curves.len() > 1 {
                    curves
                        .iter()
                        .map(|(name, color, _)| {
                            LegendItem::new(Swatch::Line(*color, 3), name.clone())
                        })
                        .collect()
                } else {
                    vec![LegendItem::new(Swatch::Line(palette::CACHED, 3), "saved")]
                };
                items.push(LegendItem::new(
                    Swatch::Dashed(palette::MUTED),
                    "unbounded cache",
                ));
                items
            },
        };
        let plot = header.draw(root)?;
        let range = x_range(&points);
        let axis = r.axis;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .build_cartesian_2d(range.clone().log_scale(), 0f64..top)?;
        chart
            .configure_mesh()
            .x_desc(axis_name(axis))
            .y_desc(if price.is_some() {
                "money saved"
            } else {
                "generator hours saved"
            })
            .x_labels(10)
            .y_labels(10)
            .x_label_formatter(&|v| tick(axis, *v))
            .y_label_formatter(&|v| format::plain_number(*v))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            vec![
                (range.start, value(&r.unbounded)),
                (range.end, value(&r.unbounded)),
            ],
            10,
            6,
            palette::MUTED.stroke_width(2),
        ))?;
        for (_, color, points) in &curves {
            chart.draw_series(LineSeries::new(
                points.iter().map(|(x, p)| (*x, value(p))),
                color.stroke_width(3),
            ))?;
            chart.draw_series(
                points
                    .iter()
                    .map(|(x, p)| Circle::new((*x, value(p)), 4, color.filled())),
            )?;
        }
        Ok(())
    }
}

/// "policy lru", or "policies lru, s3fifo, belady".
pub(crate) fn policy_caption(r: &SweepResults) -> String {
    let names = r.policy_names();
    if names.len() > 1 {
        format!("policies {}", names.join(", "))
    } else {
        format!("policy {}", names.join(""))
    }
}
