//! Chart furniture drawn in pixel space: the header (title, caption, legend) and point labels
//! that move out of each other's way.
//!
//! The legend lives in the header, above the plot, so it can never hide data.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette;
use crate::fonts::SANS;

/// Left/right margin of the header, in pixels.
const MARGIN: i32 = 16;
const TITLE_SIZE: f64 = 26.0;
const CAPTION_SIZE: f64 = 15.0;
const LEGEND_SIZE: f64 = 15.0;
const LEGEND_ROW: i32 = 24;
const CAPTION_ROW: i32 = 20;
/// Width of a legend swatch.
const SWATCH: i32 = 28;

/// Font for axis descriptions (the label with the unit).
pub(crate) fn axis_label_font() -> TextStyle<'static> {
    (SANS, 18).into_font().color(&BLACK)
}

/// Font for tick labels.
pub(crate) fn tick_font() -> TextStyle<'static> {
    (SANS, 15).into_font().color(&BLACK)
}

/// Font for text placed next to points.
pub(crate) fn point_label_font() -> TextStyle<'static> {
    (SANS, 14).into_font().color(&BLACK)
}

/// The shape of a marker, in the plot and in the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Circle,
    Triangle,
    Square,
    Diamond,
    Cross,
}

impl Shape {
    /// Shape of the `index`-th input in a comparison.
    pub(crate) fn for_input(index: usize) -> Shape {
        [
            Shape::Circle,
            Shape::Triangle,
            Shape::Square,
            Shape::Diamond,
        ][index % 4]
    }
}

/// What a legend entry shows before its text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Marker(Shape, RGBColor),
    Bar(RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct LegendItem {
    pub swatch: Swatch,
    pub text: String,
}

impl LegendItem {
    pub(crate) fn new(swatch: Swatch, text: impl Into<String>) -> Self {
        Self {
            swatch,
            text: text.into(),
        }
    }
}

/// Title, caption lines and legend drawn across the top of a chart.
pub(crate) struct Header {
    pub title: String,
    pub caption: Vec<String>,
    pub legend: Vec<LegendItem>,
}

type AreaResult<DB> = Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error + Send + Sync>>;

impl Header {
    /// Fills `root` white, draws the header and returns the area left for the plot.
    pub(crate) fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> AreaResult<DB> {
        root.fill(&WHITE)?;
        let (width, _) = root.dim_in_pixel();
        let usable = width as i32 - 2 * MARGIN;

        let title_font = (SANS, TITLE_SIZE)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK);
        let mut y = 10;
        root.draw(&Text::new(self.title.clone(), (MARGIN, y), title_font))?;
        y += 36;

        let caption_font = (SANS, CAPTION_SIZE).into_font().color(&palette::MUTED);
        for line in &self.caption {
            for wrapped in wrap(root, line, &caption_font, usable)? {
                root.draw(&Text::new(wrapped, (MARGIN, y), caption_font.clone()))?;
                y += CAPTION_ROW;
            }
        }

        let legend_font = (SANS, LEGEND_SIZE).into_font().color(&BLACK);
        let mut x = MARGIN;
        if !self.legend.is_empty() {
            y += 6;
        }
        for (i, item) in self.legend.iter().enumerate() {
            let (text_width, _) = root.estimate_text_size(&item.text, &legend_font)?;
            let item_width = SWATCH + 6 + text_width as i32 + 22;
            if i > 0 && x + item_width > MARGIN + usable {
                x = MARGIN;
                y += LEGEND_ROW;
            }
            draw_swatch(root, item.swatch, (x, y + LEGEND_ROW / 2 - 3))?;
            root.draw(&Text::new(
                item.text.clone(),
                (x + SWATCH + 6, y + LEGEND_ROW / 2 - 3),
                legend_font.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            x += item_width;
        }
        if !self.legend.is_empty() {
            y += LEGEND_ROW;
        }
        let (_, plot) = root.split_vertically(y + 6);
        Ok(plot)
    }
}

/// Splits `text` at spaces so that each line fits in `max_width` pixels.
fn wrap<DB: DrawingBackend<ErrorType: 'static>>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle<'_>,
    max_width: i32,
) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        let (candidate_width, _) = root.estimate_text_size(&candidate, font)?;
        if candidate_width as i32 > max_width && !current.is_empty() {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    Ok(lines)
}

fn draw_swatch<DB: DrawingBackend<ErrorType: 'static>>(
    root: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match swatch {
        Swatch::Line(color, width) => {
            root.draw(&PathElement::new(
                vec![(x, y), (x + SWATCH, y)],
                color.stroke_width(width),
            ))?;
        }
        Swatch::Dashed(color) => {
            for start in (0..SWATCH).step_by(10) {
                root.draw(&PathElement::new(
                    vec![(x + start, y), (x + (start + 6).min(SWATCH), y)],
                    color.stroke_width(2),
                ))?;
            }
        }
        Swatch::Marker(shape, color) => draw_marker(root, (x + SWATCH / 2, y), shape, color, 6)?,
        Swatch::Bar(color) => {
            root.draw(&Rectangle::new(
                [(x + 4, y - 7), (x + SWATCH - 4, y + 7)],
                color.filled(),
            ))?;
        }
    }
    Ok(())
}

/// Draws a marker centred on a pixel, with a white halo so it stands out from lines under it.
pub(crate) fn draw_marker<DB: DrawingBackend<ErrorType: 'static>>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    shape: Shape,
    color: RGBColor,
    size: i32,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let halo = WHITE.stroke_width(3);
    match shape {
        Shape::Circle => {
            root.draw(&Circle::new((x, y), size + 1, WHITE.filled()))?;
            root.draw(&Circle::new((x, y), size, color.filled()))?;
            root.draw(&Circle::new((x, y), size, BLACK.stroke_width(1)))?;
        }
        Shape::Square => {
            let s = size - 1;
            root.draw(&Rectangle::new(
                [(x - s - 1, y - s - 1), (x + s + 1, y + s + 1)],
                WHITE.filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(x - s, y - s), (x + s, y + s)],
                color.filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(x - s, y - s), (x + s, y + s)],
                BLACK.stroke_width(1),
            ))?;
        }
        Shape::Triangle => {
            let s = size + 1;
            let points = vec![(x, y - s), (x + s, y + s * 3 / 4), (x - s, y + s * 3 / 4)];
            root.draw(&Polygon::new(points.clone(), color.filled()))?;
            let mut outline = points;
            outline.push((x, y - s));
            root.draw(&PathElement::new(outline, BLACK.stroke_width(1)))?;
        }
        Shape::Diamond => {
            let s = size + 1;
            let points = vec![(x, y - s), (x + s, y), (x, y + s), (x - s, y)];
            let mut outline = points.clone();
            outline.push((x, y - s));
            root.draw(&PathElement::new(outline.clone(), halo))?;
            root.draw(&PathElement::new(outline, color.stroke_width(2)))?;
        }
        Shape::Cross => {
            let s = size;
            for (a, b) in [
                ((x - s, y - s), (x + s, y + s)),
                ((x - s, y + s), (x + s, y - s)),
            ] {
                root.draw(&PathElement::new(vec![a, b], halo))?;
                root.draw(&PathElement::new(vec![a, b], color.stroke_width(2)))?;
            }
        }
    }
    Ok(())
}

/// A text to put next to a point, in pixels.
#[derive(Debug, Clone)]
pub(crate) struct PointLabel {
    pub anchor: (i32, i32),
    pub text: String,
    pub color: RGBColor,
}

/// An axis-aligned pixel rectangle: (left, top, right, bottom).
type Rect = (i32, i32, i32, i32);

fn overlaps(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Places each label beside its point, on the right unless that leaves `bounds`, moving it
/// up or down until it overlaps neither another label nor a marker; a thin leader line joins
/// a moved label to its point.
pub(crate) fn place_labels<DB: DrawingBackend<ErrorType: 'static>>(
    root: &DrawingArea<DB, Shift>,
    labels: &[PointLabel],
    bounds: Rect,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let font = point_label_font();
    let marker_boxes: Vec<Rect> = labels
        .iter()
        .map(|label| {
            let (x, y) = label.anchor;
            (x - 8, y - 8, x + 8, y + 8)
        })
        .collect();
    let mut placed: Vec<Rect> = Vec::new();
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by_key(|&i| labels[i].anchor.1);
    for i in order {
        let label = &labels[i];
        let (text_width, text_height) = root.estimate_text_size(&label.text, &font)?;
        let (w, h) = (text_width as i32, text_height as i32 + 2);
        let (ax, ay) = label.anchor;
        let right = ax + 11 + w <= bounds.2;
        let x0 = if right { ax + 11 } else { ax - 11 - w };
        let mut chosen = None;
        for step in 0..40 {
            let shift = if step % 2 == 0 {
                step / 2 * (h + 1)
            } else {
                -(step / 2 + 1) * (h + 1)
            };
            let top = ay - h / 2 + shift;
            let candidate = (x0, top, x0 + w, top + h);
            if candidate.1 < bounds.1 || candidate.3 > bounds.3 {
                continue;
            }
            let clear = placed
                .iter()
                .chain(marker_boxes.iter())
                .all(|other| !overlaps(candidate, *other));
            if clear {
                chosen = Some(candidate);
                break;
            }
        }
        let rect = chosen.unwrap_or((x0, ay - h / 2, x0 + w, ay - h / 2 + h));
        if (rect.1 + h / 2 - ay).abs() > 2 {
            let edge_x = if right { rect.0 - 2 } else { rect.2 + 2 };
            root.draw(&PathElement::new(
                vec![(ax, ay), (edge_x, rect.1 + h / 2)],
                label.color.mix(0.6).stroke_width(1),
            ))?;
        }
        root.draw(&Text::new(
            label.text.clone(),
            (rect.0, rect.1 + 1),
            font.clone(),
        ))?;
        placed.push(rect);
    }
    Ok(())
}
