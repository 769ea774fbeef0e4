//! Charts for tweetner reports: bar charts (per-type scores) and line charts
//! (learning curves), written as PNG or SVG.
//!
//! Text is rendered with DejaVu Sans embedded from the `dejavu` crate through
//! plotters' `ab_glyph` support, so PNG output looks the same on a machine
//! without any system fonts (CI, containers). SVG output carries text as
//! `<text>` elements; the embedded font is only used there to measure labels.
//!
//! Every chart is rendered in memory and then written through a temporary
//! file in the target directory plus a rename, so a reader never sees a
//! half-written image.
//!
//! ```no_run
//! use std::path::Path;
//! use tweetner_plot::{bar_chart, Format};
//!
//! let bars = vec![("person".to_string(), 0.61), ("geo-loc".to_string(), 0.55)];
//! let written = bar_chart(Path::new("runs/per_type_f1"), "Dev F1 by type", &bars, Format::Png)?;
//! println!("wrote {}", written.display());
//! # Ok::<(), tweetner_plot::PlotError>(())
//! ```

mod bar;
mod error;
mod line;
mod output;
mod render;

pub use bar::bar_chart;
pub use error::PlotError;
pub use line::line_chart;
pub use output::{output_path, Format};
pub use render::{HEIGHT, WIDTH};
