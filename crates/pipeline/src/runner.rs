//! The pipelined runner: a reader thread, tagging workers and an ordered
//! writer, with bounded channels between them.
//!
//! Reading, tagging and writing used to take turns (read a chunk, tag it,
//! write it), so the cores idled while the input was parsed and the output
//! serialised. Here the reader parses chunk `n + 1` while the workers tag
//! chunks `n` and `n - 1` and the writer prints what is done, in input order.
//! Memory stays bounded on an unbounded input: at most `queue` chunks wait
//! at each stage. A chunk that does not fill within `max_wait` of its first
//! record goes as it is, and the writer flushes whenever nothing more is
//! ready, so a slow input streams through.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use tweetner_core::{ModelError, Tagger};

use crate::batch::{annotate_batch, tag_batch, BatchError};

use crate::sink::{AnnotationSink, Tagged};
use crate::source::{Record, RecordSource};

/// How a run is spread out; none of it changes the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Tagging threads (each calls the tagger on one chunk at a time).
    pub workers: usize,
    /// Records per chunk: the unit a worker tags in one call.
    pub chunk: usize,
    /// Chunks that may wait between two stages.
    pub queue: usize,
    /// Longest wait for a chunk to fill once it has a record: a slow input
    /// (`tail -f | tweetner tag`) is tagged and written as it comes.
    pub max_wait: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            workers: 1,
            chunk: 256,
            queue: 2,
            max_wait: Duration::from_millis(20),
        }
    }
}

/// What a run did; `read == written + rejected` always holds on success.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read from the source.
    pub read: usize,
    /// Records written tagged.
    pub written: usize,
    /// Records reported as rejected.
    pub rejected: usize,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Reading the input failed.
    #[error("reading input: {0}")]
    Read(#[source] io::Error),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Write(#[source] io::Error),
    /// The tagger returned something unusable for a chunk.
    #[error("tagging: {0}")]
    Tag(#[from] ModelError),
    /// The tagger failed or panicked on a chunk.
    #[error("tagging: {0}")]
    Batch(#[from] BatchError),
}

impl PipelineError {
    /// Whether the output was closed by its reader (`tweetner tag | head`):
    /// not a failure of the run.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, PipelineError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// One record's result, in input order.
enum Outcome {
    Tagged(Tagged),
    Rejected {
        line: usize,
        error: String,
        id: Option<String>,
    },
}

type Read = Result<Record, io::Error>;
type Chunk = (usize, Result<Vec<Record>, io::Error>);
type Done = (usize, Result<Vec<Outcome>, PipelineError>);

/// Called by the writer about once a second, and once at the end, with the
/// counts so far and the seconds since the start.
pub type Progress<'a> = &'a mut dyn FnMut(&Summary, f64);

/// Reads every record of `source`, tags them with `tagger` on `opts.workers`
/// threads and writes them to `sink` in input order.
///
/// # Errors
/// The first read, tagging or write failure; the other threads are stopped
/// and joined before it is returned.
pub fn run(
    source: &mut dyn RecordSource,
    tagger: &(dyn Tagger + Sync),
    sink: &mut dyn AnnotationSink,
    opts: &RunOptions,
    mut progress: Option<Progress<'_>>,
) -> Result<Summary, PipelineError> {
    let workers = opts.workers.max(1);
    let chunk = opts.chunk.max(1);
    let cancelled = AtomicBool::new(false);
    let (record_tx, record_rx) = mpsc::sync_channel::<Read>(opts.queue.max(1) * chunk);
    let (done_tx, done_rx) = mpsc::sync_channel::<Done>(opts.queue.max(1) * workers);
    let intake = Mutex::new(Intake {
        rx: record_rx,
        next_seq: 0,
        ended: false,
    });
    let window = Window::new(opts.queue.max(1) * workers + workers);
    let start = Instant::now();

    std::thread::scope(|scope| {
        let cancelled = &cancelled;
        let window = &window;
        scope.spawn(move || read_records(source, &record_tx, cancelled));
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let intake = &intake;
            let shape = (chunk, opts.max_wait);
            scope.spawn(move || tag_chunks(tagger, intake, window, shape, &done_tx, cancelled));
        }
        drop(done_tx);
        let result = write_in_order(&done_rx, sink, window, &mut progress, start);
        if result.is_err() {
            cancelled.store(true, Ordering::SeqCst);
        }
        drop(done_rx);
        result
    })
}

/// The reader thread: records one by one until the input ends, fails or the
/// run is cancelled.
fn read_records(source: &mut dyn RecordSource, tx: &SyncSender<Read>, cancelled: &AtomicBool) {
    loop {
        let r = source.next_record();
        let end = !matches!(r, Ok(Some(_)));
        let item = match r {
            Ok(Some(rec)) => Ok(rec),
            Ok(None) => return,
            Err(e) => Err(e),
        };
        if tx.send(item).is_err() || end || cancelled.load(Ordering::SeqCst) {
            return;
        }
    }
}

/// How far chunk numbers may run ahead of the writer. Without it, one slow
/// chunk let the other workers race on while the writer held their finished
/// chunks for the gap: records in flight grew with the stall's length (a
/// bus test saw 412 held where ~130 was the design).
struct Window {
    /// Chunks the writer has written (the number it waits for next).
    written: Mutex<usize>,
    advanced: Condvar,
    size: usize,
}

impl Window {
    fn new(size: usize) -> Self {
        Window {
            written: Mutex::new(0),
            advanced: Condvar::new(),
            size: size.max(1),
        }
    }

    /// Waits until chunk `seq` is within the window (or the run is cancelled).
    fn wait_for(&self, seq: usize, cancelled: &AtomicBool) {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        while seq >= *written + self.size && !cancelled.load(Ordering::SeqCst) {
            // A cancelled run may never advance again: look every 50 ms.
            written = self
                .advanced
                .wait_timeout(written, Duration::from_millis(50))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn advance(&self, written: usize) {
        *self.written.lock().unwrap_or_else(|p| p.into_inner()) = written;
        self.advanced.notify_all();
    }
}

/// Where workers take their chunks from: the records, and the number the
/// next chunk gets (chunks are numbered under the same lock they are taken
/// with, so numbers follow input order).
struct Intake {
    rx: Receiver<Read>,
    next_seq: usize,
    /// The input has ended (or failed): no chunk follows.
    ended: bool,
}

impl Intake {
    /// The next chunk: up to `chunk` records, waiting at most `max_wait`
    /// after the first for the rest (a slow input still streams). A read
    /// error ends the chunk and gets a number of its own after it. `None`
    /// once the input is done.
    fn take(&mut self, chunk: usize, max_wait: Duration) -> Option<Vec<Chunk>> {
        if self.ended {
            return None;
        }
        let mut records = Vec::with_capacity(chunk);
        let mut failed = None;
        let deadline = Instant::now() + max_wait;
        while records.len() < chunk {
            let next = if records.is_empty() {
                self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                self.rx
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            };
            match next {
                Ok(Ok(r)) => records.push(r),
                Ok(Err(e)) => {
                    failed = Some(e);
                    self.ended = true;
                    break;
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    self.ended = true;
                    break;
                }
            }
        }
        let mut out = Vec::with_capacity(2);
        if !records.is_empty() {
            out.push((self.next_seq, Ok(records)));
            self.next_seq += 1;
        }
        if let Some(e) = failed {
            out.push((self.next_seq, Err(e)));
            self.next_seq += 1;
        }
        (!out.is_empty()).then_some(out)
    }
}

/// A worker: takes chunks and tags them until the input is done. After a
/// cancellation it keeps draining (without tagging) so the reader is never
/// left blocked.
fn tag_chunks(
    tagger: &(dyn Tagger + Sync),
    intake: &Mutex<Intake>,
    window: &Window,
    (chunk, max_wait): (usize, Duration),
    tx: &SyncSender<Done>,
    cancelled: &AtomicBool,
) {
    loop {
        let taken = match intake.lock() {
            Ok(mut guard) => {
                // Under the intake lock: chunks are numbered in order, so
                // only the next number needs to wait.
                window.wait_for(guard.next_seq, cancelled);
                guard.take(chunk, max_wait)
            }
            Err(_) => return,
        };
        let Some(chunks) = taken else { return };
        for (seq, records) in chunks {
            if cancelled.load(Ordering::SeqCst) {
                continue;
            }
            let result = match records {
                Ok(records) => tag_records(tagger, records),
                Err(e) => Err(PipelineError::Read(e)),
            };
            if tx.send((seq, result)).is_err() {
                cancelled.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// Tags one chunk: raw texts through [`annotate_batch`], given tokens through
/// [`tag_batch`], each in one call; results in record order.
fn tag_records(
    tagger: &(dyn Tagger + Sync),
    records: Vec<Record>,
) -> Result<Vec<Outcome>, PipelineError> {
    let texts: Vec<&str> = records
        .iter()
        .filter_map(|r| match r {
            Record::Text { text, .. } if !text.trim().is_empty() => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let token_lists: Vec<Vec<String>> = records
        .iter()
        .filter_map(|r| match r {
            Record::Tokens { tokens, .. } => Some(tokens.clone()),
            _ => None,
        })
        .collect();
    let mut annotations = annotate_batch(tagger, &texts)?.into_iter();
    let mut tagged = tag_batch(tagger, &token_lists)?.into_iter();
    let short = || ModelError::Shape("tagger returned too few results".into());
    let mut out = Vec::with_capacity(records.len());
    for rec in records {
        out.push(match rec {
            Record::Rejected { line, error, id } => Outcome::Rejected { line, error, id },
            Record::Text { line, text, .. } if text.trim().is_empty() => Outcome::Rejected {
                line,
                error: "empty text".into(),
                id: None,
            },
            Record::Text { line, text, fields } => Outcome::Tagged(Tagged::Text {
                line,
                text,
                fields,
                annotation: annotations.next().ok_or_else(short)?,
            }),
            Record::Tokens {
                line,
                tokens,
                lines,
            } => Outcome::Tagged(Tagged::Tokens {
                line,
                tokens,
                lines,
                tagged: tagged.next().ok_or_else(short)?,
            }),
        });
    }
    Ok(out)
}

/// How often an idle writer calls [`AnnotationSink::tick`].
pub const TICK: Duration = Duration::from_millis(100);

/// Waits for the next finished chunk, ticking the sink meanwhile; `None`
/// once every worker has hung up.
fn wait_ticking(
    rx: &Receiver<Done>,
    sink: &mut dyn AnnotationSink,
) -> Result<Option<Done>, PipelineError> {
    loop {
        match rx.recv_timeout(TICK) {
            Ok(m) => return Ok(Some(m)),
            Err(RecvTimeoutError::Timeout) => sink.tick().map_err(PipelineError::Write)?,
            Err(RecvTimeoutError::Disconnected) => return Ok(None),
        }
    }
}

/// The writer (the calling thread): puts finished chunks back in input order
/// and writes them, flushing whenever nothing more is ready.
fn write_in_order(
    rx: &Receiver<Done>,
    sink: &mut dyn AnnotationSink,
    window: &Window,
    progress: &mut Option<Progress<'_>>,
    start: Instant,
) -> Result<Summary, PipelineError> {
    let mut summary = Summary::default();
    let mut pending: BTreeMap<usize, Result<Vec<Outcome>, PipelineError>> = BTreeMap::new();
    let mut next = 0;
    let mut last_report = Instant::now();
    loop {
        let msg = match rx.try_recv() {
            Ok(m) => m,
            Err(TryRecvError::Empty) => {
                sink.flush().map_err(PipelineError::Write)?;
                match wait_ticking(rx, sink)? {
                    Some(m) => m,
                    None => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        pending.insert(msg.0, msg.1);
        while let Some(outcomes) = pending.remove(&next) {
            next += 1;
            window.advance(next);
            for o in outcomes? {
                summary.read += 1;
                match o {
                    Outcome::Tagged(t) => {
                        sink.write(t).map_err(PipelineError::Write)?;
                        summary.written += 1;
                    }
                    Outcome::Rejected { line, error, id } => {
                        sink.reject_record(line, id.as_deref(), &error)
                            .map_err(PipelineError::Write)?;
                        summary.rejected += 1;
                    }
                }
            }
        }
        if let Some(p) = progress.as_mut() {
            if last_report.elapsed().as_secs_f64() >= 1.0 {
                last_report = Instant::now();
                p(&summary, start.elapsed().as_secs_f64());
            }
        }
    }
    // Every worker has hung up; a gap would mean a chunk was lost.
    if let Some((_, first)) = pending.pop_first() {
        first?;
        return Err(PipelineError::Tag(ModelError::Shape(
            "a chunk of records was lost between tagging and writing".into(),
        )));
    }
    sink.flush().map_err(PipelineError::Write)?;
    if let Some(p) = progress.as_mut() {
        p(&summary, start.elapsed().as_secs_f64());
    }
    Ok(summary)
}
