//! Shared rendering plumbing: the embedded font, in-memory backends and PNG
//! encoding.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::PlotError;

/// Image width in pixels (PNG) or user units (SVG).
pub const WIDTH: u32 = 1024;
/// Image height in pixels (PNG) or user units (SVG).
pub const HEIGHT: u32 = 640;

/// Font family name every chart asks for; SVG viewers map it to their own
/// sans-serif font.
pub(crate) const FONT: &str = "sans-serif";

/// Registers the embedded font once per process. plotters' `ab_glyph` text
/// support has no fonts of its own and fails on the first label without this.
pub(crate) fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Font)
    }
}

/// Converts any plotters error into [`PlotError::Draw`].
pub(crate) fn draw_err<E: std::fmt::Display>(title: &str) -> impl Fn(E) -> PlotError + '_ {
    move |e| PlotError::Draw {
        title: title.to_string(),
        message: e.to_string(),
    }
}

/// Renders with `draw` onto an RGB buffer and encodes it as PNG.
pub(crate) fn render_png<F>(path: &Path, title: &str, draw: F) -> Result<Vec<u8>, PlotError>
where
    F: FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), PlotError>,
{
    ensure_font()?;
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(draw_err(title))?;
    }
    encode_png(path, &rgb)
}

/// Renders with `draw` into an SVG document.
pub(crate) fn render_svg<F>(title: &str, draw: F) -> Result<Vec<u8>, PlotError>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), PlotError>,
{
    ensure_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(draw_err(title))?;
    }
    Ok(svg.into_bytes())
}

fn encode_png(path: &Path, rgb: &[u8]) -> Result<Vec<u8>, PlotError> {
    let fail = |e: png::EncodingError| PlotError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(fail)?;
        writer.write_image_data(rgb).map_err(fail)?;
        writer.finish().map_err(fail)?;
    }
    Ok(out)
}

/// Rejects NaN and infinities with a message naming the offending value.
pub(crate) fn check_finite(
    title: &str,
    what: impl FnOnce() -> String,
    v: f64,
) -> Result<(), PlotError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(PlotError::NonFinite {
            title: title.to_string(),
            what: what(),
            value: v,
        })
    }
}

/// Decimals for the value labels of one chart, chosen once so all labels
/// line up: none when every value is an integer, three for scores below 10,
/// fewer for larger magnitudes.
pub(crate) fn value_decimals(values: impl Iterator<Item = f64>) -> usize {
    let (mut all_integers, mut max_abs) = (true, 0.0_f64);
    for v in values {
        all_integers &= v.fract() == 0.0;
        max_abs = max_abs.max(v.abs());
    }
    if all_integers {
        0
    } else if max_abs >= 100.0 {
        1
    } else if max_abs >= 10.0 {
        2
    } else {
        3
    }
}

/// An axis tick label: no trailing zeros, so epochs read `2` not `2.0` and
/// floating-point noise (`0.30000000000000004`) never shows.
pub(crate) fn format_tick(v: &f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Distinguishable series colours (colour-blind-friendly order).
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(240, 228, 66),
];

/// `lo..hi` widened so that data never sits on the frame and a constant
/// series still gets a non-empty axis.
pub(crate) fn padded_range(lo: f64, hi: f64, pad_fraction: f64) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 {
        (lo - span * pad_fraction, hi + span * pad_fraction)
    } else {
        let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - half, hi + half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_largest_value() {
        assert_eq!(value_decimals([3.0, 7.0].into_iter()), 0);
        assert_eq!(value_decimals([0.61234, 0.0].into_iter()), 3);
        assert_eq!(value_decimals([61.234, 3.0].into_iter()), 2);
        assert_eq!(value_decimals([612.34, 0.5].into_iter()), 1);
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(format_tick(&2.0), "2");
        assert_eq!(format_tick(&0.30000000000000004), "0.3");
        assert_eq!(format_tick(&-0.0), "0");
        assert_eq!(format_tick(&-0.05), "-0.05");
        assert_eq!(format_tick(&120.0), "120");
    }

    #[test]
    fn degenerate_ranges_are_widened() {
        assert_eq!(padded_range(0.0, 0.0, 0.05), (-1.0, 1.0));
        let (lo, hi) = padded_range(5.0, 5.0, 0.05);
        assert!(lo < 5.0 && hi > 5.0);
        let (lo, hi) = padded_range(0.0, 10.0, 0.1);
        assert!((lo + 1.0).abs() < 1e-12 && (hi - 11.0).abs() < 1e-12);
    }
}
