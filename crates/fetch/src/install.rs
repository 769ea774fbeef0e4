//! Installing a dataset: obtain each file, verify its sha256, and only then
//! move it into place.
//!
//! Content always lands in a temporary file inside the target directory and
//! is renamed over the final name after verification, so an interrupted or
//! corrupted transfer never leaves a file that looks installed (a rename within
//! one directory is atomic).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::http;
use crate::registry::{DatasetSpec, FileSpec};
use crate::FetchError;

/// Upper bound on one file; far above every pinned file (the largest is a few
/// MB), it only stops a misbehaving source from filling the disk.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Where the files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Download over HTTP(S). `base_url` overrides the dataset's public base
    /// URL; when `None`, the dataset's environment variable (e.g.
    /// `TWEETNER_WNUT16_URL`) is consulted, then the registry default.
    Url {
        /// Base URL in place of the dataset's own.
        base_url: Option<String>,
    },
    /// Copy from a local directory holding the files under their installed
    /// names (`train.conll`) or their upstream paths (`data/train`).
    LocalDir(PathBuf),
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Fetched over HTTP.
    Downloaded,
    /// Copied from a local directory.
    Copied,
    /// Already installed with the right digest; left untouched.
    AlreadyPresent,
}

/// One verified, installed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledFile {
    /// Installed name, relative to [`FetchSummary::dir`].
    pub name: String,
    /// Full installed path.
    pub path: PathBuf,
    /// Verified sha256 (lowercase hex).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// How it got there.
    pub action: Action,
}

/// Result of a successful [`fetch`]: what was installed and what was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSummary {
    /// Registry name of the dataset.
    pub dataset: String,
    /// Install directory.
    pub dir: PathBuf,
    /// Installed files, in registry order.
    pub files: Vec<InstalledFile>,
    /// Optional files that could not be installed, one sentence each. A
    /// caller should show these: e.g. the WNUT-16 test split is absent from
    /// the shared local copy on purpose.
    pub warnings: Vec<String>,
}

impl fmt::Display for FetchSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} file(s) in {}",
            self.dataset,
            self.files.len(),
            self.dir.display()
        )?;
        for file in &self.files {
            let action = match file.action {
                Action::Downloaded => "downloaded",
                Action::Copied => "copied",
                Action::AlreadyPresent => "already present",
            };
            writeln!(
                f,
                "  {:<32} {:>9} bytes  sha256 ok  ({action})",
                file.name, file.bytes
            )?;
        }
        for warning in &self.warnings {
            writeln!(f, "  warning: {warning}")?;
        }
        Ok(())
    }
}

/// Installs `dataset` into `to` from `source`, verifying every file.
///
/// Files already present with the pinned digest are kept as they are, so a
/// repeated fetch is cheap and resumes after a partial failure. From a URL
/// every file must arrive; from a local directory, missing optional files are
/// reported in [`FetchSummary::warnings`] while missing required ones fail the
/// whole call before anything is written.
pub fn fetch(
    dataset: &DatasetSpec,
    to: &Path,
    source: &Source,
) -> Result<FetchSummary, FetchError> {
    let mut warnings = Vec::new();
    // Decide up front which files take part, so a local directory missing a
    // required file fails without leaving a half-installed dataset.
    let plan: Vec<(&FileSpec, Origin)> = match source {
        Source::Url { base_url } => {
            let base = base_url
                .clone()
                .or_else(|| {
                    std::env::var(dataset.url_env)
                        .ok()
                        .filter(|s| !s.is_empty())
                })
                .unwrap_or_else(|| dataset.base_url.to_string());
            let agent = http::agent();
            dataset
                .files
                .iter()
                .map(|f| (f, Origin::Url(agent.clone(), http::join(&base, f.remote))))
                .collect()
        }
        Source::LocalDir(dir) => local_plan(dataset, dir, &mut warnings)?,
    };

    fs::create_dir_all(to).map_err(|cause| FetchError::Io {
        op: "creating directory",
        path: to.to_path_buf(),
        cause,
    })?;

    let mut files = Vec::with_capacity(plan.len());
    for (spec, origin) in plan {
        files.push(install_one(spec, to, &origin)?);
    }
    Ok(FetchSummary {
        dataset: dataset.name.to_string(),
        dir: to.to_path_buf(),
        files,
        warnings,
    })
}

/// Where one file's bytes come from.
enum Origin {
    Url(ureq::Agent, String),
    Local(PathBuf),
}

impl Origin {
    fn describe(&self) -> String {
        match self {
            Origin::Url(_, url) => url.clone(),
            Origin::Local(path) => path.display().to_string(),
        }
    }
}

fn local_plan<'a>(
    dataset: &'a DatasetSpec,
    dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<(&'a FileSpec, Origin)>, FetchError> {
    let mut plan = Vec::new();
    let mut missing = Vec::new();
    for spec in dataset.files {
        let found = [spec.local, spec.remote]
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file());
        match found {
            Some(path) => plan.push((spec, Origin::Local(path))),
            None if spec.required => missing.push(spec.local.to_string()),
            None => warnings.push(format!(
                "{} is not in {} (optional, not installed); it is only available from the \
                 public source",
                spec.local,
                dir.display()
            )),
        }
    }
    if missing.is_empty() {
        Ok(plan)
    } else {
        Err(FetchError::MissingLocal {
            dataset: dataset.name.to_string(),
            dir: dir.to_path_buf(),
            missing,
        })
    }
}

fn install_one(spec: &FileSpec, to: &Path, origin: &Origin) -> Result<InstalledFile, FetchError> {
    let target = to.join(spec.local);
    if let Some((digest, bytes)) = existing_digest(&target) {
        if digest == spec.sha256 {
            return Ok(InstalledFile {
                name: spec.local.to_string(),
                path: target,
                sha256: digest,
                bytes,
                action: Action::AlreadyPresent,
            });
        }
    }
    let parent = target.parent().unwrap_or(to);
    let io_err = |op: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |cause| FetchError::Io { op, path, cause }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", spec.local))
        .suffix(".part")
        .tempfile_in(parent)
        .map_err(io_err("creating temporary file in", parent))?;

    let from = origin.describe();
    let tmp_path = tmp.path().to_path_buf();
    let (digest, bytes, action) = match origin {
        Origin::Url(agent, url) => {
            let mut body = http::open(agent, url)?;
            let (d, n) = copy_hashed(&mut body, tmp.as_file_mut(), &from, &tmp_path)?;
            (d, n, Action::Downloaded)
        }
        Origin::Local(path) => {
            let mut file = File::open(path).map_err(|cause| FetchError::Read {
                from: from.clone(),
                cause,
            })?;
            let (d, n) = copy_hashed(&mut file, tmp.as_file_mut(), &from, &tmp_path)?;
            (d, n, Action::Copied)
        }
    };
    if digest != spec.sha256 {
        // Dropping `tmp` deletes the temporary file: nothing is left behind.
        return Err(FetchError::Checksum {
            file: spec.local.to_string(),
            from,
            expected: spec.sha256.to_string(),
            actual: digest,
        });
    }
    tmp.as_file()
        .sync_all()
        .map_err(io_err("syncing", tmp.path()))?;
    make_world_readable(tmp.as_file()).map_err(io_err("setting permissions of", tmp.path()))?;
    tmp.persist(&target)
        .map_err(|e| io_err("renaming into place", &target)(e.error))?;
    Ok(InstalledFile {
        name: spec.local.to_string(),
        path: target,
        sha256: digest,
        bytes,
        action,
    })
}

/// Digest and size of an already installed file, or `None` if it cannot be
/// read (then it is simply replaced).
fn existing_digest(path: &Path) -> Option<(String, u64)> {
    let mut file = File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let bytes = io::copy(&mut file, &mut HashWriter(&mut hasher)).ok()?;
    Some((hex(&hasher.finalize()), bytes))
}

/// Streams `reader` into `out`, hashing as it goes and stopping at
/// [`MAX_FILE_BYTES`].
fn copy_hashed(
    reader: &mut dyn Read,
    out: &mut File,
    from: &str,
    tmp_path: &Path,
) -> Result<(String, u64), FetchError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(cause) => {
                return Err(FetchError::Read {
                    from: from.to_string(),
                    cause,
                })
            }
        };
        total += n as u64;
        if total > MAX_FILE_BYTES {
            return Err(FetchError::TooLarge {
                from: from.to_string(),
                limit: MAX_FILE_BYTES,
            });
        }
        let chunk = &buf[..n];
        hasher.update(chunk);
        out.write_all(chunk).map_err(|cause| FetchError::Io {
            op: "writing",
            path: tmp_path.to_path_buf(),
            cause,
        })?;
    }
    Ok((hex(&hasher.finalize()), total))
}

/// sha256 of a file on disk, lowercase hex; public so callers (and tests) can
/// check installed data the same way the installer does.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut HashWriter(&mut hasher))?;
    Ok(hex(&hasher.finalize()))
}

struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Temporary files are created private (0600); installed data should be as
/// readable as any other file the user writes.
#[cfg(unix)]
fn make_world_readable(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn make_world_readable(_file: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_known_sha256_of_empty_input() {
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn copy_hashed_counts_and_hashes() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out");
        let mut out = File::create(&path)?;
        let data = b"abc".repeat(50_000);
        let (digest, n) = copy_hashed(&mut &data[..], &mut out, "mem", &path)?;
        assert_eq!(n, data.len() as u64);
        assert_eq!(digest, hex(&Sha256::digest(&data)));
        assert_eq!(fs::read(&path)?, data);
        Ok(())
    }
}
