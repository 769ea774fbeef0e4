//! Horizontal bar charts, e.g. F1 per entity type.
//!
//! Bars run horizontally so long category names (`musicartist`, `sportsteam`)
//! stay readable without rotation; the first bar is drawn at the top so the
//! chart reads in the caller's order.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::{output_path, write_atomic, Format};
use crate::render::{
    check_finite, draw_err, format_tick, render_png, render_svg, value_decimals, FONT, PALETTE,
};
use crate::PlotError;

/// Writes a bar chart of `bars` (label, value) to `path` and returns the file
/// written (see [`output_path`] for how the extension is chosen).
///
/// Values may be negative (the axis then includes them); NaN or infinite
/// values are rejected, as is an empty list.
pub fn bar_chart(
    path: &Path,
    title: &str,
    bars: &[(String, f64)],
    format: Format,
) -> Result<PathBuf, PlotError> {
    let out = output_path(path, format)?;
    if bars.is_empty() {
        return Err(PlotError::Empty {
            title: title.to_string(),
            what: "no bars",
        });
    }
    for (label, v) in bars {
        check_finite(title, || format!("bar `{label}`"), *v)?;
    }
    let bytes = match format {
        Format::Png => render_png(&out, title, |root| draw_bars(root, title, bars))?,
        Format::Svg => render_svg(title, |root| draw_bars(root, title, bars))?,
    };
    write_atomic(&out, &bytes)?;
    Ok(out)
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[(String, f64)],
) -> Result<(), PlotError> {
    let err = draw_err(title);
    root.fill(&WHITE).map_err(&err)?;

    let n = bars.len();
    let lo = bars.iter().map(|b| b.1).fold(0.0_f64, f64::min);
    let hi = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    // Room at the ends for the value labels.
    let room = (hi - lo) * 0.12;
    let x_range = (if lo < 0.0 { lo - room } else { lo })..(hi + room);

    let label_style = TextStyle::from((FONT, 16).into_font());
    let mut widest = 0u32;
    for (label, _) in bars {
        let (w, _) = root.estimate_text_size(label, &label_style).map_err(&err)?;
        widest = widest.max(w);
    }
    let label_area = (widest + 16).clamp(40, 400);

    // Bar `i` is centred on the integer row `n - 1 - i` (first bar on top);
    // the half-unit margins make the axis's integer key points the bar
    // centres, which is where the category labels go.
    let rows = -0.5..(n as f64 - 0.5);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 26))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(label_area)
        .build_cartesian_2d(x_range, rows)
        .map_err(&err)?;

    let row_of = |i: usize| (n - 1 - i) as f64;
    let label_of = |y: &f64| {
        let r = y.round();
        if (y - r).abs() > 1e-6 || r < 0.0 || r >= n as f64 {
            return String::new();
        }
        bars.get(n - 1 - r as usize)
            .map(|b| b.0.clone())
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&label_of)
        .y_label_style(label_style.clone())
        .x_label_style((FONT, 14))
        .x_label_formatter(&format_tick)
        .draw()
        .map_err(&err)?;

    let color = PALETTE[0];
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
            let y = row_of(i);
            Rectangle::new([(0.0, y - 0.38), (*v, y + 0.38)], color.filled())
        }))
        .map_err(&err)?;

    let value_style = TextStyle::from((FONT, 14).into_font());
    let decimals = value_decimals(bars.iter().map(|b| b.1));
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
            let (pos, dx) = if *v < 0.0 {
                (Pos::new(HPos::Right, VPos::Center), -6)
            } else {
                (Pos::new(HPos::Left, VPos::Center), 6)
            };
            EmptyElement::at((*v, row_of(i)))
                + Text::new(format!("{v:.decimals$}"), (dx, 0), value_style.pos(pos))
        }))
        .map_err(&err)?;
    Ok(())
}
