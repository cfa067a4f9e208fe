//! The five charts of a report, each rendered once to SVG (for the HTML report and diffs) and
//! once to PNG (for Markdown viewers), from the same drawing code.

mod hit_rate;
mod latency;
mod layout;
mod memory;
mod speedup;
mod sweep;
mod sweep_axes;
mod work;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::ReportError;
use crate::fonts::register_fonts;

pub(crate) use hit_rate::HitRateChart;
pub(crate) use latency::LatencyChart;
pub(crate) use memory::MemoryChart;
pub(crate) use speedup::SpeedupChart;
pub(crate) use sweep::{SavedChart, SweepChart, policy_caption};
pub(crate) use sweep_axes::{TtlChart, WorkersChart};
pub(crate) use work::WorkChart;

/// Pixel size of every chart: wide enough for a legend row, readable at 1280 px page width.
pub(crate) const CHART_SIZE: (u32, u32) = (1100, 640);

/// What a chart's drawing code returns: plotters' errors are generic over the backend, so
/// they are boxed here and turned into [`ReportError::Chart`] by [`render`].
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A chart that can draw itself on any plotters backend.
pub(crate) trait Chart {
    /// Title drawn at the top of the chart and used as the report's figure caption.
    fn title(&self) -> String;
    /// Draws the whole chart (header, plot, legend) on `root`.
    fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult;
}

/// One chart rendered in both formats, not yet written to disk.
#[derive(Debug, Clone)]
pub(crate) struct RenderedChart {
    /// File stem, e.g. `speedup` or `hit-rate-typical`.
    pub stem: String,
    /// The chart's title.
    pub title: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG file's bytes.
    pub png: Vec<u8>,
}

/// Renders `chart` to SVG and PNG in memory.
pub(crate) fn render(stem: &str, chart: &impl Chart) -> Result<RenderedChart, ReportError> {
    register_fonts()?;
    let fail = |message: String| ReportError::Chart {
        chart: stem.to_string(),
        message,
    };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        chart.draw(&root).map_err(|err| fail(err.to_string()))?;
        root.present().map_err(|err| fail(err.to_string()))?;
    }

    let (width, height) = CHART_SIZE;
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, CHART_SIZE).into_drawing_area();
        chart.draw(&root).map_err(|err| fail(err.to_string()))?;
        root.present().map_err(|err| fail(err.to_string()))?;
    }
    let png = encode_png(&rgb, width, height).map_err(|err| fail(err.to_string()))?;

    Ok(RenderedChart {
        stem: stem.to_string(),
        title: chart.title(),
        svg,
        png,
    })
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Colours: baseline and cached are the same in every chart, runs cycle through a
/// colour-blind-friendly palette (Tableau 10).
pub(crate) mod palette {
    use plotters::style::RGBColor;

    /// The no-cache side.
    pub const BASELINE: RGBColor = RGBColor(230, 120, 20);
    /// The cached side.
    pub const CACHED: RGBColor = RGBColor(31, 119, 180);
    /// Limits and targets (3× line, 10 % line, byte budget, target hit rate).
    pub const LIMIT: RGBColor = RGBColor(200, 30, 40);
    /// The seed's claims.
    pub const CLAIM: RGBColor = RGBColor(20, 20, 20);
    /// Secondary text (captions).
    pub const MUTED: RGBColor = RGBColor(90, 90, 90);
    /// Grid lines.
    pub const GRID: RGBColor = RGBColor(225, 225, 225);

    const RUNS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(214, 39, 40),
        RGBColor(255, 127, 14),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];

    /// A paler version of `color` (mixed with white), for secondary series.
    pub fn light(color: RGBColor) -> RGBColor {
        let blend = |channel: u8| ((u16::from(channel) + 255) / 2) as u8;
        RGBColor(blend(color.0), blend(color.1), blend(color.2))
    }

    /// Colour of the `index`-th run.
    pub fn run(index: usize) -> RGBColor {
        RUNS[index % RUNS.len()]
    }
}

/// A log-axis range that plotters can draw: finite, positive, `low < high`, inside
/// `[floor, ceiling]`. Values from a hand-edited results.json can be anything; plotters spends
/// time per decade, so an absurd range (1e-300..1e300) would stall the report.
pub(crate) fn sane_log_range(
    low: f64,
    high: f64,
    floor: f64,
    ceiling: f64,
) -> std::ops::Range<f64> {
    let low = if low.is_finite() {
        low.clamp(floor, ceiling)
    } else {
        floor
    };
    let high = if high.is_finite() {
        high.clamp(floor, ceiling)
    } else {
        ceiling
    };
    if low < high {
        low..high
    } else {
        (high / 10.0).max(floor)..(low * 10.0).min(ceiling)
    }
}

/// The x extent of the timeline charts: requests replayed at the last window (at least 1).
pub(crate) fn timeline_extent(run: &crate::results::RunResults) -> f64 {
    run.timeline
        .iter()
        .map(|w| w.requests)
        .max()
        .unwrap_or(run.workload.requests)
        .max(1) as f64
}

/// Caption line naming the workload and its seed, shared by the per-run charts.
pub(crate) fn run_caption(label: Option<&str>, run: &crate::results::RunResults) -> String {
    let workload = &run.workload;
    let mut caption = format!(
        "workload {} · seed {} · {} requests · {} · K={} worker{} · hit cost {} s · single-flight {}",
        workload.name,
        workload.seed,
        crate::format::thousands(workload.requests),
        workload.arrival,
        run.model.workers,
        if run.model.workers == 1 { "" } else { "s" },
        run.model.hit_cost_s,
        if run.model.single_flight { "on" } else { "off" },
    );
    if let Some(label) = label {
        caption = format!("{label}: {caption}");
    }
    caption
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ranges_are_kept_drawable() {
        assert_eq!(sane_log_range(0.01, 100.0, 1e-6, 1e9), 0.01..100.0);
        assert_eq!(sane_log_range(1e-300, 1e300, 1e-6, 1e9), 1e-6..1e9);
        assert_eq!(
            sane_log_range(f64::NAN, f64::INFINITY, 1e-6, 1e9),
            1e-6..1e9
        );
        let collapsed = sane_log_range(5.0, 5.0, 1e-6, 1e9);
        assert!(collapsed.start < collapsed.end);
    }
}
