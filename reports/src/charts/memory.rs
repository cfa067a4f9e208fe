//! Chart 3: payload bytes vs measured cache heap over the trace, the byte budget, and the
//! overhead percentage against the claimed 10 %.

use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{Header, LegendItem, Swatch, axis_label_font, point_label_font, tick_font};
use super::{Chart, DrawResult, palette, run_caption};
use crate::format::{self, ByteUnit};
use crate::results::{MemoryReport, RunResults};

/// The claimed upper bound on memory overhead, percent.
const CLAIMED_OVERHEAD_PCT: f64 = 10.0;
/// Overhead colour (right axis).
const OVERHEAD: RGBColor = RGBColor(44, 160, 44);

/// Memory over time for one run.
pub(crate) struct MemoryChart<'a> {
    pub run: &'a RunResults,
    /// Input label in a comparison report.
    pub label: Option<&'a str>,
}

/// Overhead of one window in percent, when its heap was measured and it holds any payload.
fn window_overhead_pct(payload: u64, heap: Option<u64>) -> Option<f64> {
    let heap = heap?;
    (payload > 0).then(|| (heap as f64 - payload as f64) / payload as f64 * 100.0)
}

impl Chart for MemoryChart<'_> {
    fn title(&self) -> String {
        format!(
            "Memory: payload vs measured cache heap: {}",
            self.run.workload.name
        )
    }

    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let run = self.run;
        // A run without the memory pass still gets the chart (payload from the timeline); its
        // figures say "not measured".
        let memory = run.memory.unwrap_or(MemoryReport::new(0, 0, 0));
        let timeline = &run.timeline;
        let peak_data = timeline
            .iter()
            .map(|w| w.payload_bytes.max(w.heap_bytes.unwrap_or(0)))
            .chain([memory.heap_bytes, memory.payload_bytes])
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        // A budget far above the data would flatten every line into the x axis: then it is
        // named in the caption instead of drawn.
        let budget = run.model.max_bytes.map(|b| b as f64);
        let budget_drawn = budget.filter(|b| *b <= peak_data * 4.0);
        let y_top = budget_drawn.unwrap_or(0.0).max(peak_data) * 1.12;
        let unit = ByteUnit::for_max(y_top);

        let overheads: Vec<(f64, f64)> = timeline
            .iter()
            .filter_map(|w| {
                window_overhead_pct(w.payload_bytes, w.heap_bytes).map(|o| (w.requests as f64, o))
            })
            .collect();
        // Early windows hold little payload, so their overhead can be huge; the axis stops at
        // 5× the claim and the caption gives the end-of-run figure.
        let overhead_top = overheads
            .iter()
            .map(|(_, o)| *o)
            .chain([
                memory.overhead_pct.unwrap_or(0.0),
                CLAIMED_OVERHEAD_PCT * 1.5,
            ])
            .fold(0.0f64, f64::max)
            .min(CLAIMED_OVERHEAD_PCT * 5.0)
            * 1.1;

        let mut legend = vec![
            LegendItem::new(Swatch::Line(palette::CACHED, 2), "payload bytes held"),
            LegendItem::new(Swatch::Line(palette::BASELINE, 6), "measured cache heap"),
        ];
        if budget_drawn.is_some() {
            legend.push(LegendItem::new(
                Swatch::Dashed(palette::LIMIT),
                "byte budget (max_bytes)",
            ));
        }
        legend.push(LegendItem::new(
            Swatch::Line(OVERHEAD, 2),
            "overhead % (right axis)",
        ));
        legend.push(LegendItem::new(
            Swatch::Dashed(OVERHEAD),
            "10 % claimed limit (right axis)",
        ));

        let budget_text = match (budget, budget_drawn) {
            (None, _) => "no byte budget".to_string(),
            (Some(b), Some(_)) => format!("budget {}", format::bytes(b as u64)),
            (Some(b), None) => format!(
                "budget {} (far above the data, not drawn)",
                format::bytes(b as u64)
            ),
        };
        let header = Header {
            title: self.title(),
            caption: vec![
                run_caption(self.label, run),
                match (run.memory, memory.overhead_pct) {
                    (None, _) => format!("memory not measured (no memory pass); {budget_text}"),
                    (Some(_), overhead) => format!(
                        "at the end: {} payload in {} entries, {} heap, overhead {} ({} per entry); {budget_text}",
                        format::bytes(memory.payload_bytes),
                        format::thousands(memory.entries),
                        format::bytes(memory.heap_bytes),
                        overhead.map_or_else(|| "n/a".to_string(), |o| format!("{o:.1} %")),
                        memory
                            .overhead_per_entry
                            .map_or_else(|| "n/a".to_string(), |o| format!("{o:.0} B")),
                    ),
                },
            ],
            legend,
        };
        let plot = header.draw(root)?;

        let max_requests = super::timeline_extent(run);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(52)
            .y_label_area_size(80)
            .right_y_label_area_size(70)
            .build_cartesian_2d(0f64..max_requests, 0f64..(y_top / unit.bytes))?
            .set_secondary_coord(0f64..max_requests, 0f64..overhead_top);
        chart
            .configure_mesh()
            .x_desc("requests replayed")
            .y_desc(format!("bytes held ({})", unit.symbol))
            .x_labels(10)
            .y_labels(10)
            .x_label_formatter(&|v| format::thousands(v.max(0.0).round() as u64))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .axis_desc_style(axis_label_font())
            .label_style(tick_font())
            .bold_line_style(palette::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("overhead (% of payload)")
            .y_labels(8)
            .y_label_formatter(&|v| format!("{v:.0} %"))
            .axis_desc_style(axis_label_font().color(&OVERHEAD))
            .label_style(tick_font().color(&OVERHEAD))
            .draw()?;

        chart.draw_secondary_series(DashedLineSeries::new(
            vec![
                (0.0, CLAIMED_OVERHEAD_PCT),
                (max_requests, CLAIMED_OVERHEAD_PCT),
            ],
            10,
            6,
            OVERHEAD.stroke_width(2),
        ))?;
        chart.draw_secondary_series(LineSeries::new(
            overheads.iter().map(|(x, o)| (*x, o.min(overhead_top))),
            OVERHEAD.stroke_width(2),
        ))?;
        if let Some(budget) = budget_drawn {
            chart.draw_series(DashedLineSeries::new(
                vec![
                    (0.0, budget / unit.bytes),
                    (max_requests, budget / unit.bytes),
                ],
                10,
                6,
                palette::LIMIT.stroke_width(2),
            ))?;
        }
        // Heap first and wider, payload on top and narrower: at a few percent overhead the
        // two lines nearly coincide and both must stay visible.
        chart.draw_series(LineSeries::new(
            timeline.iter().filter_map(|w| {
                w.heap_bytes
                    .map(|heap| (w.requests as f64, heap as f64 / unit.bytes))
            }),
            palette::BASELINE.stroke_width(6),
        ))?;
        chart.draw_series(LineSeries::new(
            timeline
                .iter()
                .map(|w| (w.requests as f64, w.payload_bytes as f64 / unit.bytes)),
            palette::CACHED.stroke_width(2),
        ))?;
        // The end-of-run measurement, which exists even when windows were not measured.
        chart.draw_series([Circle::new(
            (max_requests, memory.heap_bytes as f64 / unit.bytes),
            7,
            palette::BASELINE.filled(),
        )])?;
        chart.draw_series([Circle::new(
            (max_requests, memory.payload_bytes as f64 / unit.bytes),
            4,
            palette::CACHED.filled(),
        )])?;

        let (x_pixels, _) = chart.plotting_area().get_pixel_range();
        let limit = chart
            .borrow_secondary()
            .backend_coord(&(max_requests, CLAIMED_OVERHEAD_PCT));
        root.draw(&Text::new(
            "10 % overhead limit",
            (x_pixels.end - 6, limit.1 - 4),
            point_label_font()
                .color(&OVERHEAD)
                .pos(Pos::new(HPos::Right, VPos::Bottom)),
        ))?;
        if let Some(budget) = budget_drawn {
            let line = chart.backend_coord(&(0.0, budget / unit.bytes));
            root.draw(&Text::new(
                format!("byte budget {}", format::bytes(budget as u64)),
                (x_pixels.start + 6, line.1 - 4),
                point_label_font()
                    .color(&palette::LIMIT)
                    .pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overhead_needs_a_measurement_and_a_payload() {
        assert_eq!(window_overhead_pct(1000, Some(1050)), Some(5.0));
        assert_eq!(window_overhead_pct(1000, None), None);
        assert_eq!(window_overhead_pct(0, Some(64)), None);
    }
}
