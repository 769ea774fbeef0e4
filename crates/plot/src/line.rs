//! Line charts for learning curves (loss, dev F1 per epoch).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::{output_path, write_atomic, Format};
use crate::render::{
    check_finite, draw_err, format_tick, padded_range, render_png, render_svg, FONT, PALETTE,
};
use crate::PlotError;

/// Writes a line chart with one line per `(name, points)` series to `path`
/// and returns the file written (see [`output_path`]).
///
/// Points are drawn in the given order with a marker at each, since learning
/// curves usually have few points (one per epoch). Series names appear in a
/// legend. Empty series are skipped, but at least one point must exist; NaN
/// or infinite coordinates are rejected (a diverged loss should be reported,
/// not clipped).
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    format: Format,
) -> Result<PathBuf, PlotError> {
    let out = output_path(path, format)?;
    for (name, points) in series {
        for (i, (x, y)) in points.iter().enumerate() {
            check_finite(title, || format!("x of point {i} of `{name}`"), *x)?;
            check_finite(title, || format!("y of point {i} of `{name}`"), *y)?;
        }
    }
    let all = || series.iter().flat_map(|(_, p)| p.iter());
    if all().next().is_none() {
        return Err(PlotError::Empty {
            title: title.to_string(),
            what: "no points in any series",
        });
    }
    let labels = Labels {
        title,
        x: x_label,
        y: y_label,
    };
    let bytes = match format {
        Format::Png => render_png(&out, title, |root| draw_lines(root, &labels, series))?,
        Format::Svg => render_svg(title, |root| draw_lines(root, &labels, series))?,
    };
    write_atomic(&out, &bytes)?;
    Ok(out)
}

struct Labels<'a> {
    title: &'a str,
    x: &'a str,
    y: &'a str,
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &Labels<'_>,
    series: &[(String, Vec<(f64, f64)>)],
) -> Result<(), PlotError> {
    let err = draw_err(labels.title);
    root.fill(&WHITE).map_err(&err)?;

    let points = || series.iter().flat_map(|(_, p)| p.iter());
    let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in points() {
        x_lo = x_lo.min(*x);
        x_hi = x_hi.max(*x);
        y_lo = y_lo.min(*y);
        y_hi = y_hi.max(*y);
    }
    let (x_lo, x_hi) = padded_range(x_lo, x_hi, 0.02);
    let (y_lo, y_hi) = padded_range(y_lo, y_hi, 0.06);

    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, (FONT, 26))
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc(labels.x)
        .y_desc(labels.y)
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 14))
        .x_label_formatter(&format_tick)
        .y_label_formatter(&format_tick)
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(&err)?;

    for (i, (name, pts)) in series.iter().enumerate() {
        if pts.is_empty() {
            continue;
        }
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
            .map_err(&err)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(&err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(&err)?;
    Ok(())
}
