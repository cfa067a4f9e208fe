//! Embedded fonts: chart text must not depend on the fonts installed on the machine.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

use crate::error::ReportError;

/// Family name the charts draw their text with (registered to DejaVu Sans).
pub(crate) const SANS: &str = "sans-serif";
/// Family name for numbers that should line up (registered to DejaVu Sans Mono).
pub(crate) const MONO: &str = "monospace";

/// Registers the embedded DejaVu fonts with plotters under `sans-serif` and `monospace`.
///
/// Idempotent and cheap after the first call; every chart function calls it before drawing,
/// so callers only need it when they draw with plotters themselves.
///
/// ```
/// reports::register_fonts()?;
/// reports::register_fonts()?; // a second call is a no-op
/// # Ok::<(), reports::ReportError>(())
/// ```
pub fn register_fonts() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<Result<(), &'static str>> = OnceLock::new();
    let outcome = REGISTERED.get_or_init(|| {
        let faces: [(&'static str, FontStyle, &'static [u8]); 6] = [
            (SANS, FontStyle::Normal, dejavu::sans::regular()),
            (SANS, FontStyle::Bold, dejavu::sans::bold()),
            (SANS, FontStyle::Oblique, dejavu::sans::oblique()),
            (SANS, FontStyle::Italic, dejavu::sans::oblique()),
            (MONO, FontStyle::Normal, dejavu::sans_mono::regular()),
            (MONO, FontStyle::Bold, dejavu::sans_mono::bold()),
        ];
        for (name, style, bytes) in faces {
            register_font(name, style, bytes).map_err(|_| name)?;
        }
        Ok(())
    });
    outcome.map_err(|name| ReportError::Font { name })
}
