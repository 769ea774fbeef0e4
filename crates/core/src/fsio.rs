//! The one way tweetner writes a file that must never be seen half-written:
//! model weights, manifests, caches, checkpoints, charts.
//!
//! The bytes go to a temporary sibling (same directory, so the rename is
//! atomic), the file is fsynced, renamed over the destination, and the
//! directory is fsynced so the rename itself survives a power cut. A reader
//! or a run killed half-way sees either the old file or the new one.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A temporary name beside `path`: hidden, unique to this process and call,
/// so two writers of the same file never share a temporary.
pub fn temp_sibling(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

/// Writes `bytes` to `path` atomically (see the module docs).
///
/// # Errors
/// Any I/O error of creating, writing, syncing or renaming; the temporary
/// file is removed on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Moves a finished file written by someone else (a library that only
/// writes to paths) into place: fsync it, rename it over `dest`, fsync the
/// directory. `tmp` should come from [`temp_sibling`] of `dest`.
///
/// # Errors
/// Any I/O error; `tmp` is removed on failure.
pub fn commit_file(tmp: &Path, dest: &Path) -> io::Result<()> {
    let result = File::open(tmp)
        .and_then(|f| f.sync_all())
        .and_then(|()| fs::rename(tmp, dest))
        .and_then(|()| sync_parent(dest));
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
}

/// Makes a rename in `path`'s directory durable. Only Unix can open a
/// directory to sync it; elsewhere the rename is as durable as the OS makes it.
fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A file being written in place of `dest`; [`AtomicFile::commit`] publishes
/// it, dropping it uncommitted removes it (an error path never leaves a
/// temporary behind, nor a truncated destination).
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing a replacement for `dest`.
    ///
    /// # Errors
    /// The temporary file cannot be created (missing directory, permissions).
    pub fn create(dest: &Path) -> io::Result<Self> {
        let tmp = temp_sibling(dest);
        let out = BufWriter::new(File::create(&tmp)?);
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            tmp,
            out: Some(out),
        })
    }

    /// Flushes, syncs and renames the file into place.
    ///
    /// # Errors
    /// Any I/O error; the destination is then left as it was.
    pub fn commit(mut self) -> io::Result<()> {
        let out = self.out.take().expect("an AtomicFile is committed once");
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        drop(file);
        commit_file(&self.tmp, &self.dest)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.out.as_mut() {
            Some(out) => out.write(buf),
            None => Err(io::Error::other("write after commit")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.out.as_mut() {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.bin");
        write_atomic(&p, b"one").expect("write");
        write_atomic(&p, b"two").expect("overwrite");
        assert_eq!(fs::read(&p).expect("read"), b"two");
        assert_eq!(names(dir.path()), ["x.bin"]);
    }

    #[test]
    fn an_uncommitted_file_leaves_the_old_one_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.bin");
        write_atomic(&p, b"old").expect("write");
        {
            let mut f = AtomicFile::create(&p).expect("create");
            f.write_all(b"half a new fi").expect("write");
        }
        assert_eq!(fs::read(&p).expect("read"), b"old");
        assert_eq!(names(dir.path()), ["x.bin"]);
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("no/such/dir/x.bin");
        assert!(write_atomic(&p, b"x").is_err());
    }

    #[test]
    fn temporaries_are_unique_per_call() {
        let p = Path::new("/tmp/a.json");
        assert_ne!(temp_sibling(p), temp_sibling(p));
        assert_eq!(temp_sibling(p).parent(), p.parent());
    }

    #[test]
    fn commit_file_moves_a_file_written_elsewhere() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("w.safetensors");
        let tmp = temp_sibling(&dest);
        fs::write(&tmp, b"weights").expect("write");
        commit_file(&tmp, &dest).expect("commit");
        assert_eq!(fs::read(&dest).expect("read"), b"weights");
        assert_eq!(names(dir.path()), ["w.safetensors"]);
    }
}
