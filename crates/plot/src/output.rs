//! Output formats, file naming and atomic writes.

use std::fs;
use std::path::{Path, PathBuf};

use crate::PlotError;

/// Image format of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Raster image; what most viewers and reports embed.
    Png,
    /// Vector image with real `<text>`; scales and can be searched.
    Svg,
}

impl Format {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// The format a path's extension names, if any (case-insensitive).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Format::Png),
            "svg" => Some(Format::Svg),
            _ => None,
        }
    }
}

/// The file a chart for `path` is written to.
///
/// A path already ending in the format's extension is kept; any other path is
/// treated as a stem and gets `.png`/`.svg` appended (so `runs/f1.v2` becomes
/// `runs/f1.v2.png`, keeping dots in run names intact). A path ending in the
/// *other* format's extension is an error rather than a surprise file name.
pub fn output_path(path: &Path, format: Format) -> Result<PathBuf, PlotError> {
    match Format::from_path(path) {
        Some(f) if f == format => Ok(path.to_path_buf()),
        Some(_) => Err(PlotError::ExtensionMismatch {
            path: path.to_path_buf(),
            found: path
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default(),
            wanted: format.extension(),
        }),
        None => {
            let mut name = path.as_os_str().to_os_string();
            name.push(".");
            name.push(format.extension());
            Ok(PathBuf::from(name))
        }
    }
}

/// Writes `bytes` to `path` atomically ([`tweetner_core::fsio::write_atomic`]),
/// creating the directory if needed.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |op: &'static str, p: &Path| {
        let path = p.to_path_buf();
        move |cause| PlotError::Io { op, path, cause }
    };
    fs::create_dir_all(&dir).map_err(io("creating directory", &dir))?;
    tweetner_core::fsio::write_atomic(path, bytes).map_err(io("writing", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_get_the_extension_and_matching_paths_are_kept() -> Result<(), PlotError> {
        assert_eq!(
            output_path(Path::new("runs/f1"), Format::Png)?,
            PathBuf::from("runs/f1.png")
        );
        assert_eq!(
            output_path(Path::new("runs/f1.v2"), Format::Svg)?,
            PathBuf::from("runs/f1.v2.svg")
        );
        assert_eq!(
            output_path(Path::new("a/B.PNG"), Format::Png)?,
            PathBuf::from("a/B.PNG")
        );
        let err = output_path(Path::new("x.svg"), Format::Png);
        assert!(
            matches!(err, Err(PlotError::ExtensionMismatch { wanted: "png", .. })),
            "{err:?}"
        );
        Ok(())
    }
}
