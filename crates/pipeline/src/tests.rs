//! The runner against a tagger whose answers are known: order, balance,
//! rejects, and every way a run can stop early (none may hang).

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use crate::*;

type Caps = tweetner_core::testing::CapsTagger;

/// A `Write` whose bytes the test can read after the run.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf8")
    }
}

/// Fails every write with `kind` after `ok` successful writes.
struct FailingWriter {
    ok: usize,
    kind: io::ErrorKind,
}

impl Write for FailingWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::new(self.kind, "closed"));
        }
        self.ok -= 1;
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn input(n: usize) -> String {
    (0..n)
        .map(|i| match i % 7 {
            3 => "   \n".to_string(),
            5 => format!("{{\"id\": {i}, \"text\": 5}}\n"),
            _ => format!("{{\"id\": {i}, \"text\": \"Hello Bob number {i}\"}}\n"),
        })
        .collect()
}

fn run_jsonl(text: &str, opts: &RunOptions) -> (Result<Summary, PipelineError>, String) {
    let out = Shared::default();
    let mut sink = FormatSink::new(Box::new(out.clone()), OutputFormat::Jsonl, false);
    let mut src = LineSource::new(text.as_bytes(), InputFormat::Jsonl, 1000);
    let r = run(&mut src, &Caps::new(), &mut sink, opts, None);
    (r, out.text())
}

#[test]
fn output_keeps_input_order_and_counts_balance_for_any_spread() {
    let text = input(1000);
    let (base, base_out) = run_jsonl(
        &text,
        &RunOptions {
            workers: 1,
            chunk: 1000,
            queue: 1,
            ..RunOptions::default()
        },
    );
    let base = base.expect("run");
    assert_eq!(base.read, 1000);
    assert_eq!(base.read, base.written + base.rejected);
    // Records 3 and 5 of every 7 are rejected (a blank line is no JSON).
    let bad = (0..1000).filter(|i| matches!(i % 7, 3 | 5)).count();
    assert_eq!(base.rejected, bad);
    for (workers, chunk, queue) in [(2, 7, 1), (3, 64, 2), (4, 1, 3)] {
        let (r, out) = run_jsonl(
            &text,
            &RunOptions {
                workers,
                chunk,
                queue,
                ..RunOptions::default()
            },
        );
        assert_eq!(r.expect("run"), base, "{workers} {chunk} {queue}");
        assert_eq!(out, base_out, "{workers} {chunk} {queue}");
    }
    let lines: Vec<&str> = base_out.lines().collect();
    assert_eq!(lines.len(), 1000);
    assert!(lines[0].contains("\"id\":0") && lines[0].contains("Bob"));
    assert!(lines[3].contains("invalid JSON") && lines[3].contains("\"line\":4"));
    assert!(lines[5].contains("`text` must be a string"));
}

#[test]
fn rejects_go_to_their_own_stream_when_given() {
    let out = Shared::default();
    let rejects = Shared::default();
    let mut sink = FormatSink::new(Box::new(out.clone()), OutputFormat::Jsonl, false)
        .with_rejects(Box::new(rejects.clone()));
    let text = input(14);
    let mut src = LineSource::new(text.as_bytes(), InputFormat::Jsonl, 1000);
    let s = run(
        &mut src,
        &Caps::new(),
        &mut sink,
        &RunOptions::default(),
        None,
    )
    .expect("run");
    assert_eq!((s.written, s.rejected), (10, 4));
    assert_eq!(out.text().lines().count(), 10);
    assert_eq!(rejects.text().lines().count(), 4);
}

#[test]
fn a_tagger_failure_stops_the_run_without_hanging() {
    let mut text = input(500);
    text.push_str("{\"text\": \"FAIL now\"}\n");
    text.push_str(&input(2000));
    let (r, _) = run_jsonl(
        &text,
        &RunOptions {
            workers: 2,
            chunk: 8,
            queue: 1,
            ..RunOptions::default()
        },
    );
    let e = r.expect_err("must fail");
    assert!(e.to_string().contains("asked to fail"), "{e}");
}

#[test]
fn a_closed_output_stops_the_run_and_says_so() {
    let text = input(5000);
    for kind in [io::ErrorKind::BrokenPipe, io::ErrorKind::Other] {
        let mut sink = FormatSink::new(
            Box::new(FailingWriter { ok: 10, kind }),
            OutputFormat::Jsonl,
            false,
        );
        let mut src = LineSource::new(text.as_bytes(), InputFormat::Jsonl, 1000);
        let opts = RunOptions {
            workers: 2,
            chunk: 4,
            queue: 1,
            ..RunOptions::default()
        };
        let e = run(&mut src, &Caps::new(), &mut sink, &opts, None).expect_err("closed");
        assert_eq!(e.is_broken_pipe(), kind == io::ErrorKind::BrokenPipe, "{e}");
    }
}

/// Yields good records, then a read error.
struct BrokenSource(usize);

impl RecordSource for BrokenSource {
    fn next_record(&mut self) -> io::Result<Option<Record>> {
        if self.0 == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        self.0 -= 1;
        Ok(Some(Record::Text {
            line: self.0,
            text: "Hi Ann".into(),
            fields: None,
        }))
    }
}

#[test]
fn a_read_error_is_returned_after_what_was_read_before_it() {
    let out = Shared::default();
    let mut sink = FormatSink::new(Box::new(out.clone()), OutputFormat::Jsonl, false);
    let opts = RunOptions {
        workers: 2,
        chunk: 3,
        queue: 1,
        ..RunOptions::default()
    };
    let e = run(&mut BrokenSource(10), &Caps::new(), &mut sink, &opts, None).expect_err("read");
    assert!(matches!(e, PipelineError::Read(_)), "{e}");
    assert_eq!(
        out.text().lines().count(),
        10,
        "all ten records read before the error"
    );
}

#[test]
fn progress_is_reported_at_the_end_with_the_final_counts() {
    let mut calls = Vec::new();
    let mut record = |s: &Summary, _: f64| calls.push(*s);
    let out = Shared::default();
    let mut sink = FormatSink::new(Box::new(out), OutputFormat::Iob, false);
    let mut src = VecSource::texts(["Hi Ann", "", "see Bob"]);
    let s = run(
        &mut src,
        &Caps::new(),
        &mut sink,
        &RunOptions::default(),
        Some(&mut record),
    )
    .expect("run");
    assert_eq!(calls.last(), Some(&s));
    assert_eq!((s.read, s.written, s.rejected), (3, 2, 1));
}

/// Yields the records it is sent, blocking in between like a quiet `stdin`.
struct Trickle(std::sync::mpsc::Receiver<String>);

impl RecordSource for Trickle {
    fn next_record(&mut self) -> io::Result<Option<Record>> {
        Ok(self.0.recv().ok().map(|text| Record::Text {
            line: 0,
            text,
            fields: None,
        }))
    }
}

#[test]
fn a_slow_input_is_written_as_it_comes_not_when_a_chunk_fills() {
    let (tx, rx) = std::sync::mpsc::channel();
    let out = Shared::default();
    let seen = out.clone();
    let runner = std::thread::spawn(move || {
        let mut sink = FormatSink::new(Box::new(out), OutputFormat::Iob, false);
        let opts = RunOptions {
            workers: 2,
            chunk: 256,
            ..RunOptions::default()
        };
        run(&mut Trickle(rx), &Caps::new(), &mut sink, &opts, None)
    });
    for text in ["Hi Ann", "see Bob", "and Cy"] {
        tx.send(text.to_string()).expect("send");
    }
    // Far fewer records than a chunk, and the input stays open: they must
    // still come out.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.text().lines().count() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "output waited for a full chunk: {:?}",
            seen.text()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    tx.send("Dee too".into()).expect("send");
    drop(tx);
    let s = runner.join().expect("runner").expect("run");
    assert_eq!((s.read, s.written), (4, 4));
    assert_eq!(seen.text().lines().count(), 4);
}

/// Sleeps on the batch holding the word `slow`, and notes the highest
/// record number (the last word of each text) that other batches reach
/// while it sleeps.
struct OneSlowChunk {
    caps: Caps,
    stalling: std::sync::atomic::AtomicBool,
    furthest: std::sync::atomic::AtomicUsize,
}

impl tweetner_core::Tagger for OneSlowChunk {
    fn labels(&self) -> &[String] {
        tweetner_core::Tagger::labels(&self.caps)
    }

    fn tag_batch(
        &self,
        sentences: &[Vec<String>],
    ) -> Result<Vec<tweetner_core::TaggedSentence>, tweetner_core::ModelError> {
        use std::sync::atomic::Ordering::SeqCst;
        if sentences.iter().flatten().any(|w| w == "slow") {
            self.stalling.store(true, SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(400));
            self.stalling.store(false, SeqCst);
        } else if self.stalling.load(SeqCst) {
            let numbers = sentences.iter().filter_map(|w| w.last()?.parse().ok());
            self.furthest.fetch_max(numbers.max().unwrap_or(0), SeqCst);
        }
        tweetner_core::Tagger::tag_batch(&self.caps, sentences)
    }
}

/// While one chunk is slow, the other workers may run at most a window of
/// chunks ahead of the writer (queue × workers + workers), not the whole
/// input: records in flight stay bounded however long the stall.
#[test]
fn a_slow_chunk_holds_the_others_to_a_window() {
    let text: String = (0..2_000)
        .map(|i| {
            let word = if i == 40 { "slow" } else { "fast" };
            format!("{{\"id\": {i}, \"text\": \"Bob {word} {i}\"}}\n")
        })
        .collect();
    let tagger = OneSlowChunk {
        caps: Caps::new(),
        stalling: Default::default(),
        furthest: Default::default(),
    };
    let opts = RunOptions {
        workers: 2,
        chunk: 8,
        queue: 2,
        ..RunOptions::default()
    };
    let out = Shared::default();
    let mut sink = FormatSink::new(Box::new(out.clone()), OutputFormat::Jsonl, false);
    let mut src = LineSource::new(text.as_bytes(), InputFormat::Jsonl, 1000);
    let summary = run(&mut src, &tagger, &mut sink, &opts, None).expect("run");
    assert_eq!(summary.written, 2_000);
    // Record 40 is in chunk 5 (chunks of 8), and the writer waits for it:
    // chunks may be numbered up to 5 + 2 × 2 + 2 - 1 = 10, whose last record
    // is 87. Without the window the others ran on to ~2,000.
    let furthest = tagger.furthest.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        furthest <= 87,
        "record {furthest} was tagged while chunk 5 stalled"
    );
}
