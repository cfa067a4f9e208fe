//! Chart 5: generator work, baseline vs cached, as stacked horizontal bars of virtual time
//! split into generation, waiting and hit time, with each side's makespan marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{Header, LegendItem, Swatch, axis_label_font, point_label_font, tick_font};
use super::{Chart, DrawResult, palette, run_caption};
use crate::format::{self, TimeUnit};
use crate::results::{RunResults, SideResult};

const GENERATION: RGBColor = RGBColor(31, 119, 180);
const WAITING: RGBColor = RGBColor(255, 127, 14);
const HITS: RGBColor = RGBColor(44, 160, 44);

/// Work split for one run.
pub(crate) struct WorkChart<'a> {
    pub run: &'a RunResults,
    /// Input label in a comparison report.
    pub label: Option<&'a str>,
}

/// The three parts of a side, in seconds, in drawing order.
fn parts(side: &SideResult) -> [(f64, RGBColor); 3] {
    [
        (side.generation_time_s.max(0.0), GENERATION),
        (side.wait_time_s.max(0.0), WAITING),
        (side.hit_time_s.max(0.0), HITS),
    ]
}

impl Chart for WorkChart<'_> {
    fn title(&self) -> String {
        format!(
            "Generator work, baseline vs cached: {}",
            self.run.workload.name
        )
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let run = self.run;
        // Bars top to bottom: baseline at y 1.5, cached at y 0.5.
        let sides = [
            ("baseline", &run.baseline, 1.5),
            ("cached", &run.cached, 0.5),
        ];
        let total = |side: &SideResult| parts(side).iter().map(|(v, _)| v).sum::<f64>();
        let widest = sides
            .iter()
            .map(|(_, side, _)| total(side).max(side.virtual_time_s))
            .fold(1e-9f64, f64::max);
        let unit = TimeUnit::for_max(widest);

        let header = Header {
            title: self.title(),
            caption: vec![
                run_caption(self.label, run),
                format!(
                    "generations {} → {}; makespan {} → {} (speedup {}); generation is worker time, waiting and hits are request time",
                    format::thousands(run.baseline.generations),
                    format::thousands(run.cached.generations),
                    format::seconds(run.baseline.virtual_time_s),
                    format::seconds(run.cached.virtual_time_s),
                    format::speedup(run.speedup),
                ),
            ],
            legend: vec![
                LegendItem::new(Swatch::Bar(GENERATION), "generation"),
                LegendItem::new(Swatch::Bar(WAITING), "waiting (queued or joined)"),
                LegendItem::new(Swatch::Bar(HITS), "answering hits"),
                LegendItem::new(Swatch::Line(BLACK, 3), "makespan (virtual time)"),
            ],
        };
        let plot = header.draw(root)?;

        let x_top = widest / unit.seconds * 1.06;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(52)
            .y_label_area_size(100)
            .build_cartesian_2d(0f64..x_top, 0f64..2f64)?;
        chart
            .configure_mesh()
            .x_desc(format!("virtual time ({})", unit.name))
            .x_labels(10)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(5)
            .disable_y_mesh()
            .y_label_formatter(&|v| side_label(*v))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;

        for (_, side, center) in sides {
            let mut start = 0.0;
            for (seconds, color) in parts(side) {
                let end = start + seconds / unit.seconds;
                if end > start {
                    chart.draw_series([Rectangle::new(
                        [(start, center - 0.25), (end, center + 0.25)],
                        color.filled(),
                    )])?;
                }
                start = end;
            }
            let makespan = side.virtual_time_s / unit.seconds;
            chart.draw_series(LineSeries::new(
                [(makespan, center - 0.3), (makespan, center + 0.3)],
                BLACK.stroke_width(3),
            ))?;
            // The split as text above the bar, so even a bar too short to see (a 2,000x
            // speedup) has its numbers.
            let [(generation, _), (waiting, _), (hits, _)] = parts(side);
            let pixel = chart.backend_coord(&(0.0, center + 0.31));
            root.draw(&Text::new(
                format!(
                    "generation {} + waiting {} + hits {} = {}; makespan {}",
                    format::seconds(generation),
                    format::seconds(waiting),
                    format::seconds(hits),
                    format::seconds(total(side)),
                    format::seconds(side.virtual_time_s)
                ),
                (pixel.0 + 2, pixel.1 - 6),
                point_label_font().pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))?;
        }
        Ok(())
    }
}

/// Tick text of the bar axis: only the bar centres are named.
fn side_label(y: f64) -> String {
    if (y - 1.5).abs() < 1e-6 {
        "baseline".into()
    } else if (y - 0.5).abs() < 1e-6 {
        "cached".into()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::LatencySummary;

    #[test]
    fn negative_parts_are_clamped() {
        let side = SideResult {
            virtual_time_s: 1.0,
            generations: 1,
            generation_time_s: 2.0,
            wait_time_s: -1.0,
            hit_time_s: 0.5,
            throughput_rps: 1.0,
            latency: LatencySummary {
                mean: 0.0,
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                max: 0.0,
            },
            latency_curve: vec![],
        };
        let values: Vec<f64> = parts(&side).iter().map(|(v, _)| *v).collect();
        assert_eq!(values, vec![2.0, 0.0, 0.5]);
    }
}
