//! Writes real charts in both formats and checks the files.

use std::fs;
use std::path::Path;

use tweetner_plot::{bar_chart, line_chart, Format, PlotError, HEIGHT, WIDTH};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn per_type_f1() -> Vec<(String, f64)> {
    [
        ("person", 0.612),
        ("geo-loc", 0.574),
        ("company", 0.41),
        ("facility", 0.233),
        ("product", 0.105),
        ("musicartist", 0.08),
        ("movie", 0.0),
        ("sportsteam", 0.352),
        ("tvshow", 0.05),
        ("R&D <other>", 0.12),
    ]
    .iter()
    .map(|(l, v)| (l.to_string(), *v))
    .collect()
}

fn curves() -> Vec<(String, Vec<(f64, f64)>)> {
    let loss = (1..=12).map(|e| (e as f64, 1.0 / e as f64)).collect();
    let f1 = (1..=12).map(|e| (e as f64, 0.5 - 0.4 / e as f64)).collect();
    vec![("train loss".to_string(), loss), ("dev F1".to_string(), f1)]
}

/// Decodes a PNG, checking signature and dimensions; returns RGB(A) pixels
/// and bytes per pixel.
fn decode_png(path: &Path) -> Result<(Vec<u8>, usize), Box<dyn std::error::Error>> {
    let bytes = fs::read(path)?;
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {}",
        path.display()
    );
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info()?;
    let info = reader.info();
    assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
    let bpp = info.color_type.samples();
    let mut buf = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
    reader.next_frame(&mut buf)?;
    Ok((buf, bpp))
}

fn no_temporaries(dir: &Path) -> Result<bool, std::io::Error> {
    Ok(fs::read_dir(dir)?
        .flatten()
        .all(|e| !e.file_name().to_string_lossy().ends_with(".part")))
}

/// Pixels of the top strip, where the caption is drawn.
fn caption_strip(rgb: &[u8], bpp: usize) -> &[u8] {
    &rgb[..(50 * WIDTH as usize * bpp).min(rgb.len())]
}

#[test]
fn bar_chart_png_has_expected_size_and_content() -> TestResult {
    let dir = tempfile::tempdir()?;
    let written = bar_chart(
        &dir.path().join("per_type"),
        "Dev F1 by type",
        &per_type_f1(),
        Format::Png,
    )?;
    assert_eq!(written, dir.path().join("per_type.png"));
    let (px, bpp) = decode_png(&written)?;
    // The bar colour (first palette entry) is present: bars were drawn.
    let bar_pixels = px.chunks(bpp).filter(|p| p[..3] == [0, 114, 178]).count();
    assert!(bar_pixels > 10_000, "only {bar_pixels} bar pixels");
    assert!(no_temporaries(dir.path())?);
    Ok(())
}

#[test]
fn png_text_is_really_rendered() -> TestResult {
    // Two charts differing only in their title must differ in the caption
    // strip; if glyph rendering silently failed they would be identical.
    let dir = tempfile::tempdir()?;
    let bars = per_type_f1();
    let a = bar_chart(&dir.path().join("a"), "Alpha", &bars, Format::Png)?;
    let b = bar_chart(&dir.path().join("b"), "Omega title", &bars, Format::Png)?;
    let (pa, bpp) = decode_png(&a)?;
    let (pb, _) = decode_png(&b)?;
    let strip_a = caption_strip(&pa, bpp);
    assert_ne!(strip_a, caption_strip(&pb, bpp));
    let dark = strip_a
        .chunks(bpp)
        .filter(|p| p[..3].iter().all(|&c| c < 100))
        .count();
    assert!(dark > 20, "caption has only {dark} dark pixels");
    Ok(())
}

#[test]
fn bar_chart_svg_contains_labels_escaped() -> TestResult {
    let dir = tempfile::tempdir()?;
    let written = bar_chart(
        &dir.path().join("per_type.svg"),
        "Dev F1 by type",
        &per_type_f1(),
        Format::Svg,
    )?;
    assert_eq!(written, dir.path().join("per_type.svg"));
    let svg = fs::read_to_string(&written)?;
    assert!(
        svg.trim_start().starts_with("<svg"),
        "{}",
        &svg[..80.min(svg.len())]
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    for label in ["Dev F1 by type", "musicartist", "sportsteam", "0.612"] {
        assert!(svg.contains(label), "missing {label}");
    }
    assert!(svg.contains("R&amp;D &lt;other&gt;"), "label not escaped");
    assert!(!svg.contains("R&D <other>"));
    Ok(())
}

#[test]
fn line_chart_both_formats() -> TestResult {
    let dir = tempfile::tempdir()?;
    let series = curves();
    let png_path = line_chart(
        &dir.path().join("curve"),
        "Learning curve",
        "epoch",
        "value",
        &series,
        Format::Png,
    )?;
    decode_png(&png_path)?;
    let svg_path = line_chart(
        &dir.path().join("curve"),
        "Learning curve",
        "epoch",
        "value",
        &series,
        Format::Svg,
    )?;
    let svg = fs::read_to_string(svg_path)?;
    for label in ["Learning curve", "epoch", "value", "train loss", "dev F1"] {
        assert!(svg.contains(label), "missing {label}");
    }
    // Each series is one polyline in its palette colour through all 12
    // epochs (its legend sample is a second, two-point polyline).
    for colour in ["#0072B2", "#D55E00"] {
        let longest = svg
            .lines()
            .filter(|l| l.starts_with("<polyline") && l.contains(&format!("stroke=\"{colour}\"")))
            .map(|l| l.matches(',').count())
            .max();
        assert_eq!(longest, Some(12), "series in {colour}");
    }
    assert!(no_temporaries(dir.path())?);
    Ok(())
}

#[test]
fn single_point_and_negative_values_still_plot() -> TestResult {
    let dir = tempfile::tempdir()?;
    line_chart(
        &dir.path().join("one"),
        "One epoch",
        "epoch",
        "F1",
        &[
            ("dev".to_string(), vec![(1.0, 0.4)]),
            ("empty".to_string(), vec![]),
        ],
        Format::Png,
    )?;
    bar_chart(
        &dir.path().join("delta"),
        "Change in F1",
        &[("person".to_string(), -0.05), ("company".to_string(), 0.1)],
        Format::Svg,
    )?;
    bar_chart(
        &dir.path().join("zeros"),
        "All zero",
        &[("movie".to_string(), 0.0)],
        Format::Png,
    )?;
    Ok(())
}

#[test]
fn overwrites_an_existing_chart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("c.svg");
    fs::write(&path, "old")?;
    bar_chart(&path, "New", &per_type_f1(), Format::Svg)?;
    assert!(fs::read_to_string(&path)?.contains("New"));
    Ok(())
}

#[test]
fn bad_input_is_an_error_and_writes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let p = dir.path().join("x");
    let nan = [("person".to_string(), f64::NAN)];
    let err = bar_chart(&p, "t", &nan, Format::Png)
        .err()
        .ok_or("NaN accepted")?;
    assert!(matches!(err, PlotError::NonFinite { .. }), "{err}");
    assert!(err.to_string().contains("person"), "{err}");

    let err = bar_chart(&p, "t", &[], Format::Svg)
        .err()
        .ok_or("empty accepted")?;
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");

    let inf = [("loss".to_string(), vec![(1.0, 0.5), (2.0, f64::INFINITY)])];
    let err = line_chart(&p, "t", "x", "y", &inf, Format::Svg)
        .err()
        .ok_or("inf accepted")?;
    assert!(err.to_string().contains("point 1 of `loss`"), "{err}");

    let empty = [("loss".to_string(), vec![])];
    let err = line_chart(&p, "t", "x", "y", &empty, Format::Png)
        .err()
        .ok_or("empty accepted")?;
    assert!(matches!(err, PlotError::Empty { .. }), "{err}");

    let err = bar_chart(&dir.path().join("x.svg"), "t", &per_type_f1(), Format::Png)
        .err()
        .ok_or("mismatch accepted")?;
    assert!(matches!(err, PlotError::ExtensionMismatch { .. }), "{err}");

    assert_eq!(fs::read_dir(dir.path())?.count(), 0);
    Ok(())
}

#[test]
fn missing_parent_directories_are_created() -> TestResult {
    let dir = tempfile::tempdir()?;
    let written = bar_chart(
        &dir.path().join("runs/exp1/plots/f1"),
        "t",
        &per_type_f1(),
        Format::Png,
    )?;
    assert!(written.is_file());
    Ok(())
}
