//! Chart 2: hit rate over the trace, per window and cumulative, against the target.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{Header, LegendItem, Swatch, axis_label_font, tick_font};
use super::{Chart, DrawResult, palette, run_caption};
use crate::format;
use crate::results::RunResults;

/// Hit rate over time for one run.
pub(crate) struct HitRateChart<'a> {
    pub run: &'a RunResults,
    /// Input label in a comparison report.
    pub label: Option<&'a str>,
}

impl Chart for HitRateChart<'_> {
    fn title(&self) -> String {
        format!("Hit rate over the trace: {}", self.run.workload.name)
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let run = self.run;
        let target = run.workload.target_hit_rate;
        let mut legend = vec![
            LegendItem::new(
                Swatch::Line(palette::light(palette::CACHED), 2),
                "per window",
            ),
            LegendItem::new(Swatch::Line(palette::CACHED, 3), "cumulative"),
        ];
        if let Some(target) = target {
            legend.push(LegendItem::new(
                Swatch::Dashed(palette::LIMIT),
                format!("target {}", format::percent(target)),
            ));
        }
        let header = Header {
            title: self.title(),
            caption: vec![
                run_caption(self.label, run),
                format!(
                    "achieved {} over {} requests; {} windows; {}, TTL expiry and evictions as dips",
                    format::percent(run.cache.hit_rate),
                    format::thousands(run.measured_requests()),
                    run.timeline.len(),
                    format::warmup(run.warmup_requests, run.workload.requests)
                        .unwrap_or_else(|| "warm-up shows as the rise".to_string())
                ),
            ],
            legend,
        };
        let plot = header.draw(root)?;

        let max_requests = super::timeline_extent(run);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(52)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..max_requests, 0f64..100f64)?;
        chart
            .configure_mesh()
            .x_desc("requests replayed")
            .y_desc("hit rate (%)")
            .x_labels(10)
            .y_labels(11)
            .x_label_formatter(&|v| format::thousands(v.max(0.0).round() as u64))
            .y_label_formatter(&|v| format!("{v:.0} %"))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;

        if let Some(target) = target {
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, target * 100.0), (max_requests, target * 100.0)],
                10,
                6,
                palette::LIMIT.stroke_width(2),
            ))?;
        }
        let windowed: Vec<(f64, f64)> = run
            .timeline
            .iter()
            .map(|w| (w.requests as f64, w.window_hit_rate * 100.0))
            .collect();
        chart.draw_series(LineSeries::new(
            windowed.iter().copied(),
            palette::light(palette::CACHED).stroke_width(2),
        ))?;
        chart.draw_series(
            windowed
                .iter()
                .map(|point| Circle::new(*point, 3, palette::light(palette::CACHED).filled())),
        )?;
        chart.draw_series(LineSeries::new(
            run.timeline
                .iter()
                .map(|w| (w.requests as f64, w.cumulative_hit_rate * 100.0)),
            palette::CACHED.stroke_width(3),
        ))?;
        if run.timeline.is_empty() {
            let (x, y) = chart.plotting_area().get_pixel_range();
            root.draw(&Text::new(
                "no per-window timeline in these results",
                (x.start + 20, (y.start + y.end) / 2),
                tick_font(),
            ))?;
        }
        Ok(())
    }
}
