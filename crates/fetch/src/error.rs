//! The one error type of this crate.
//!
//! Every message names the file, URL or directory involved and, where the user
//! can act on it, what to do next: fetch failures are usually environmental
//! (no network, wrong directory) and the message is all the user sees.

use std::io;
use std::path::PathBuf;

/// Why a fetch or a data-directory lookup failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The dataset name is not in the registry.
    #[error("unknown dataset `{name}` (known: {known})")]
    UnknownDataset {
        /// The name asked for.
        name: String,
        /// The names the registry knows, comma-separated.
        known: String,
    },

    /// Content arrived but its sha256 differs from the pinned digest; nothing
    /// was installed for this file.
    #[error(
        "checksum mismatch for {file} (from {from}): expected sha256 {expected}, got {actual}; \
         the file was not installed"
    )]
    Checksum {
        /// The file's installed name.
        file: String,
        /// Where it came from.
        from: String,
        /// The pinned digest.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },

    /// The server answered with a non-success HTTP status.
    #[error("downloading {url}: HTTP status {status}")]
    HttpStatus {
        /// The URL requested.
        url: String,
        /// The status it answered.
        status: u16,
    },

    /// The request failed before a status arrived (DNS, connect, TLS, timeout).
    #[error("downloading {url}: {cause}")]
    Http {
        /// The URL requested.
        url: String,
        /// Underlying error.
        cause: Box<ureq::Error>,
    },

    /// Reading the content (response body or local source file) failed midway.
    #[error("reading {from}: {cause}")]
    Read {
        /// The URL or file being read.
        from: String,
        /// Underlying error.
        cause: io::Error,
    },

    /// The source delivered more bytes than any pinned file can have.
    #[error("{from} is larger than {limit} bytes; refusing to install it")]
    TooLarge {
        /// The URL or file.
        from: String,
        /// The byte limit it went past.
        limit: u64,
    },

    /// Writing into the install directory failed.
    #[error("{op} {path}: {cause}")]
    Io {
        /// What was being done (`creating`, `renaming into place`, …).
        op: &'static str,
        /// File or directory concerned.
        path: PathBuf,
        /// Underlying error.
        cause: io::Error,
    },

    /// A local source directory lacks files the dataset cannot do without.
    #[error(
        "{dir} lacks required file(s) of dataset `{dataset}`: {}; nothing was installed",
        missing.join(", ")
    )]
    MissingLocal {
        /// The dataset being installed.
        dataset: String,
        /// The local directory given.
        dir: PathBuf,
        /// The required files it lacks.
        missing: Vec<String>,
    },

    /// A data directory was named explicitly but does not exist.
    #[error("data directory {} (from {origin}) does not exist or is not a directory", path.display())]
    DataDirMissing {
        /// The directory named.
        path: PathBuf,
        /// Who named it (`--data-dir`, `TWEETNER_DATA`).
        origin: &'static str,
    },

    /// No data directory was named and the fetch cache holds no data.
    #[error(
        "no WNUT-16 data found: pass --data-dir DIR, set TWEETNER_DATA=DIR, or install it \
         with `tweetner fetch wnut16` (download) or `tweetner fetch wnut16 --from DIR` \
         (copy of a local directory) into {}",
        cache.as_ref().map_or_else(|| "the cache (unknown: set XDG_CACHE_HOME or HOME)".to_string(), |p| p.display().to_string())
    )]
    NoDataDir {
        /// The cache directory searched, when there is one.
        cache: Option<PathBuf>,
    },

    /// Neither XDG_CACHE_HOME nor HOME gives a cache directory to install into.
    #[error(
        "no cache directory: set XDG_CACHE_HOME or HOME, or give an explicit target directory"
    )]
    NoCacheDir,
}
