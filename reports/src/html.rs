//! Renders the report document as one self-contained HTML page: inline CSS, inline SVG charts,
//! no scripts and no external references, readable at 1280 px.

use crate::charts::RenderedChart;
use crate::document::{Block, Table};

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a;
       margin: 0 auto; padding: 16px 24px 48px; max-width: 1240px; line-height: 1.45; }
h1 { font-size: 1.7em; border-bottom: 2px solid #ddd; padding-bottom: 6px; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #e4e4e4; padding-bottom: 4px; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.9em; }
th, td { border: 1px solid #d6d6d6; padding: 4px 8px; vertical-align: top; }
th { background: #f2f4f7; text-align: left; }
td:first-child { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 12px 0 28px; }
figure svg { width: 100%; height: auto; max-width: 1100px; border: 1px solid #e4e4e4; }
figcaption { color: #555; font-size: 0.9em; margin-top: 4px; }
"#;

/// Renders `blocks` into a full HTML document; figures are looked up in `charts` by stem.
pub(crate) fn render(title: &str, blocks: &[Block], charts: &[&RenderedChart]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    ));
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&format!("<h{level}>{}</h{level}>\n", escape(text)));
            }
            Block::Paragraph(text) => out.push_str(&format!("<p>{}</p>\n", escape(text))),
            Block::Bullets(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str(&format!("<li>{}</li>\n", escape(item)));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(table) => out.push_str(&render_table(table)),
            Block::Figure { stem, title } => {
                out.push_str(&format!("<figure id=\"{}\">\n", escape(stem)));
                match charts.iter().find(|chart| chart.stem == *stem) {
                    Some(chart) => out.push_str(&inline_svg(&chart.svg)),
                    None => out.push_str("<p>(chart missing)</p>"),
                }
                out.push_str(&format!(
                    "\n<figcaption>{} ({stem}.svg, {stem}.png)</figcaption>\n</figure>\n",
                    escape(title)
                ));
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn render_table(table: &Table) -> String {
    let mut out = String::from("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for cell in &table.header {
        out.push_str(&format!("<th>{}</th>", escape(cell)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (column, cell) in row.iter().enumerate() {
            if column < table.text_columns {
                out.push_str(&format!("<td>{}</td>", escape(cell)));
            } else {
                out.push_str(&format!("<td class=\"num\">{}</td>", escape(cell)));
            }
        }
        out.push_str("</tr>\n");
    }
    if table.rows.is_empty() {
        out.push_str(&format!(
            "<tr><td colspan=\"{}\">(none)</td></tr>\n",
            table.header.len()
        ));
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}

/// Prepares a plotters SVG document for inlining: HTML needs no XML namespace declaration,
/// and leaving it out keeps the page free of any URL.
fn inline_svg(svg: &str) -> String {
    let body = svg.trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(rest, |(_, after)| after)
            .trim_start(),
        None => body,
    };
    body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen("<svg ", "<svg role=\"img\" ", 1)
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_loses_its_namespace_url_when_inlined() {
        let svg = "<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>";
        let inlined = inline_svg(svg);
        assert!(!inlined.contains("http"), "{inlined}");
        assert!(
            inlined.starts_with("<svg role=\"img\" width=\"10\""),
            "{inlined}"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
