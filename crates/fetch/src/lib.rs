//! Getting the data tweetner trains on: a registry of known datasets with
//! pinned sha256 digests, an installer that downloads (or copies from a local
//! directory) and verifies every file before it becomes visible, and the
//! rules that decide which data directory a command reads.
//!
//! ```no_run
//! use std::path::Path;
//! use tweetner_fetch::{dataset, default_install_dir, fetch, Source};
//!
//! let spec = dataset("wnut16")?;
//! let to = default_install_dir(spec)?;
//! let summary = fetch(spec, &to, &Source::LocalDir("../shared/data/wnut16".into()))?;
//! print!("{summary}");
//! # Ok::<(), tweetner_fetch::FetchError>(())
//! ```

mod dirs;
mod error;
mod http;
mod install;
mod registry;

pub use dirs::{
    cache_dir, cache_dir_from, default_install_dir, resolve_data_dir, resolve_data_dir_from,
    DATA_ENV,
};
pub use error::FetchError;
pub use install::{
    fetch, sha256_file, Action, FetchSummary, InstalledFile, Source, MAX_FILE_BYTES,
};
pub use registry::{dataset, registry, DatasetSpec, FileSpec};
