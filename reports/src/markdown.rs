//! Renders the report document as GitHub-flavoured Markdown, fit for a pull-request comment.

use crate::document::{Block, Table};

/// Renders `blocks`; figures link `stem.png` (shown) and `stem.svg` (for zooming and diffs).
pub(crate) fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&"#".repeat(usize::from(*level)));
                out.push(' ');
                out.push_str(&inline(text));
                out.push_str("\n\n");
            }
            Block::Paragraph(text) => {
                out.push_str(&inline(text));
                out.push_str("\n\n");
            }
            Block::Bullets(items) => {
                for item in items {
                    out.push_str("- ");
                    out.push_str(&inline(item));
                    out.push('\n');
                }
                out.push('\n');
            }
            Block::Table(table) => {
                out.push_str(&render_table(table));
                out.push('\n');
            }
            Block::Figure { stem, title } => {
                let alt = inline(title).replace(['[', ']'], "");
                out.push_str(&format!("![{alt}]({stem}.png)\n\n[SVG]({stem}.svg)\n\n"));
            }
        }
    }
    out
}

fn render_table(table: &Table) -> String {
    let mut out = String::new();
    let row = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|cell| cell_text(cell)).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    out.push_str(&row(&table.header));
    let rule: Vec<&str> = (0..table.header.len())
        .map(|column| {
            if column < table.text_columns {
                "---"
            } else {
                "---:"
            }
        })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for cells in &table.rows {
        out.push_str(&row(cells));
    }
    if table.rows.is_empty() {
        let mut empty = vec!["(none)".to_string()];
        empty.resize(table.header.len(), String::new());
        out.push_str(&row(&empty));
    }
    out
}

/// Table cell text: pipes would end the cell and newlines the row.
fn cell_text(text: &str) -> String {
    inline(text).replace('|', "\\|").replace('\n', " ")
}

/// Escapes the characters that would turn plain text into Markdown markup.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        // `>` only quotes at the start of a line, which a table cell or paragraph never is here.
        if matches!(ch, '\\' | '*' | '_' | '`' | '<') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_and_escape_pipes() {
        let table = Table {
            header: vec!["name".into(), "value".into()],
            rows: vec![vec!["a|b".into(), "3.30×".into()]],
            text_columns: 1,
        };
        let md = render_table(&table);
        assert_eq!(md, "| name | value |\n| --- | ---: |\n| a\\|b | 3.30× |\n");
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(inline("a_b *c*"), "a\\_b \\*c\\*");
    }

    #[test]
    fn figures_link_png_and_svg() {
        let md = render(&[Block::Figure {
            stem: "speedup".into(),
            title: "Speedup".into(),
        }]);
        assert!(md.contains("![Speedup](speedup.png)"));
        assert!(md.contains("[SVG](speedup.svg)"));
    }
}
