//! Input/output helpers shared by subcommands.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use tweetner_core::fsio::AtomicFile;

/// Opens `path` for buffered reading, with `-` meaning standard input.
pub fn open_input(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::new(io::stdin())));
    }
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(BufReader::new(f)))
}

/// An output file written to a hidden temporary beside it and renamed into
/// place by [`AtomicOutput::commit`], so a run that fails or is killed never
/// leaves a file that looks complete (issue 16: a `kill -9` once left a
/// reject file missing records but ending on a clean line). A killed run
/// leaves only the temporary (`.NAME.tmp-PID-N`). Clones share the file: one
/// goes into the sink, one stays to commit it.
#[derive(Clone)]
pub struct AtomicOutput(Arc<Mutex<Option<AtomicFile>>>);

impl AtomicOutput {
    /// Starts writing `path`'s replacement.
    pub fn create(path: &Path) -> Result<Self> {
        let file = AtomicFile::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(AtomicOutput(Arc::new(Mutex::new(Some(file)))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<AtomicFile>> {
        // Writes are whole calls; a panic elsewhere leaves the file usable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts the complete file in place.
    pub fn commit(&self) -> io::Result<()> {
        match self.lock().take() {
            Some(file) => file.commit(),
            None => Ok(()),
        }
    }
}

impl Write for AtomicOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.lock().as_mut() {
            Some(file) => file.write(buf),
            None => Err(io::Error::other("the output file was already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.lock().as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

/// The sentences of a CoNLL file, one at a time, so commands that only
/// count (`data stats`, `eval --gold --pred`) use memory that follows the
/// vocabulary, not the file.
pub fn sentences(path: &Path) -> Result<impl Iterator<Item = Result<tweetner_data::Sentence>>> {
    let reader = tweetner_data::ConllReader::new(
        open_input(path)?,
        path.display().to_string(),
        tweetner_data::ReadOptions::default(),
    );
    Ok(reader.map(|s| s.map_err(Into::into)))
}
