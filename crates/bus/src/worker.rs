//! The bus-independent half of a worker: a [`RecordSource`] that takes
//! messages from an [`Inbox`] and a [`AnnotationSink`] that publishes their
//! results through an [`Outbox`], joined by the pipeline's runner (reader
//! thread, tagging workers, ordered writer, bounded queues in between).
//!
//! The order of events for one message is what makes it at-least-once:
//! taken → filed in the [`Ledger`] → tagged → result published → the bus
//! confirms the publish → acknowledged. Acknowledgements go out in batches
//! (every `ack_every` records or `ack_interval`, and whenever the pipeline
//! runs dry), each after a confirmation of everything published before it.
//! A worker killed anywhere in between has acknowledged nothing it has not
//! published, so the bus hands the rest to another worker.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tweetner_core::Tagger;
use tweetner_pipeline::{
    decode_record, run, write_tagged, AnnotationSink, InputFormat, OutputFormat, PipelineError,
    Record, RecordSource, RunOptions, Summary, Tagged,
};

use crate::error::BusError;
use crate::ledger::{Entry, Ledger};
use crate::metrics::Metrics;

/// One message taken from the bus and not yet acknowledged.
#[derive(Debug)]
pub struct Incoming<A> {
    /// The message body: one JSON object with a `text` (and an `id`).
    pub payload: Vec<u8>,
    /// The message key, when the bus has one (Kafka's key, NATS's `Nats-Msg-Id`).
    pub key: Option<String>,
    /// Where it came from, for dead letters and logs.
    pub origin: Value,
    /// The bus says it delivered this message before.
    pub redelivered: bool,
    /// What acknowledges it.
    pub ack: A,
}

/// The consuming side of a bus, driven by the pipeline's reader thread.
pub trait Inbox: Send {
    /// What acknowledges one message.
    type Ack: Send + 'static;

    /// Waits up to `wait` for the next message; `Ok(None)` when none came.
    ///
    /// # Errors
    /// The consumer failed for good; transient errors are retried inside.
    fn receive(&mut self, wait: Duration) -> Result<Option<Incoming<Self::Ack>>, BusError>;

    /// Messages waiting on the bus for this consumer group, when the bus can
    /// tell; called every few seconds.
    fn lag(&mut self) -> Option<u64>;
}

/// Where a record's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The results topic or subject.
    Results,
    /// The dead-letter topic or subject (the results one when none is set).
    DeadLetter,
}

/// The producing and acknowledging side of a bus, driven by the pipeline's
/// writer thread.
pub trait Outbox: Send {
    /// What acknowledges one message (the [`Inbox`]'s).
    type Ack: Send + 'static;

    /// Queues `payload` for `dest` under `key`; it may not be stored yet.
    ///
    /// # Errors
    /// The producer refused it for good.
    fn publish(
        &mut self,
        dest: Destination,
        key: Option<&str>,
        payload: Vec<u8>,
    ) -> Result<(), BusError>;

    /// Waits until the bus has stored everything published so far. Returns
    /// how many of those the bus reported as duplicates (0 where it cannot tell).
    ///
    /// # Errors
    /// A publish failed: nothing may be acknowledged.
    fn confirm(&mut self) -> Result<u64, BusError>;

    /// Acknowledges messages whose results are confirmed. A refusal the
    /// bus recovers from by itself (a rebalance took the partition) is
    /// `Ok(false)`: those messages are delivered again.
    ///
    /// # Errors
    /// The bus connection failed.
    fn ack(&mut self, acks: Vec<Self::Ack>) -> Result<bool, BusError>;
}

/// How a worker takes, batches and acknowledges; none of it changes results.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The pipeline's threads, chunk size and queue depth. Its queues bound
    /// the messages in flight: about `(queue + workers + 1) * chunk`.
    pub run: RunOptions,
    /// Field of the input object holding the tweet id (the result's key);
    /// the message key is used when the field is absent.
    pub id_field: String,
    /// Messages larger than this are dead-lettered unread.
    pub max_bytes: usize,
    /// Acknowledge after this many results at the latest.
    pub ack_every: usize,
    /// Acknowledge after this long at the latest.
    pub ack_interval: Duration,
    /// Longest single wait for a message (how soon a stop is noticed).
    pub poll_wait: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            run: RunOptions::default(),
            id_field: "id".into(),
            max_bytes: 16 * 1024,
            ack_every: 1024,
            ack_interval: Duration::from_millis(500),
            poll_wait: Duration::from_millis(100),
        }
    }
}

/// Runs one worker until `stop` is set (SIGTERM): takes, tags, publishes and
/// acknowledges; then finishes what it holds, acknowledges it and returns.
/// Dropping the inbox afterwards leaves the consumer group.
///
/// # Errors
/// A consumer, producer or tagger failure that the worker cannot get past;
/// whatever was not acknowledged is delivered again to the group.
pub fn run_worker<I, O>(
    inbox: I,
    outbox: O,
    tagger: &(dyn Tagger + Sync),
    opts: &WorkerOptions,
    stop: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
) -> Result<Summary, PipelineError>
where
    I: Inbox,
    O: Outbox<Ack = I::Ack>,
{
    let ledger = Arc::new(Ledger::default());
    let mut source = BusSource {
        inbox,
        ledger: Arc::clone(&ledger),
        metrics: Arc::clone(&metrics),
        stop,
        opts: opts.clone(),
        seq: 0,
        last_lag: None,
    };
    let mut sink = BusSink {
        outbox,
        ledger,
        metrics,
        pending: Vec::new(),
        last_ack: Instant::now(),
        opts: opts.clone(),
    };
    let summary = run(&mut source, tagger, &mut sink, &opts.run, None)?;
    // The input has ended (a stop): whatever is published is acknowledged now.
    sink.acknowledge().map_err(PipelineError::Write)?;
    Ok(summary)
}

/// Messages in, records out.
struct BusSource<I: Inbox> {
    inbox: I,
    ledger: Arc<Ledger<I::Ack>>,
    metrics: Arc<Metrics>,
    stop: Arc<AtomicBool>,
    opts: WorkerOptions,
    seq: usize,
    last_lag: Option<Instant>,
}

/// How often the consumer lag is asked for.
const LAG_EVERY: Duration = Duration::from_secs(2);

impl<I: Inbox> BusSource<I> {
    fn refresh_lag(&mut self) {
        if self.last_lag.is_some_and(|t| t.elapsed() < LAG_EVERY) {
            return;
        }
        self.last_lag = Some(Instant::now());
        if let Some(lag) = self.inbox.lag() {
            let lag = i64::try_from(lag).unwrap_or(i64::MAX);
            self.metrics.lag.store(lag, Ordering::Relaxed);
        }
    }
}

impl<I: Inbox> RecordSource for BusSource<I> {
    fn next_record(&mut self) -> io::Result<Option<Record>> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(None);
            }
            self.refresh_lag();
            let Some(msg) = self.inbox.receive(self.opts.poll_wait)? else {
                continue;
            };
            self.seq += 1;
            self.metrics.consumed.fetch_add(1, Ordering::Relaxed);
            if msg.redelivered {
                self.metrics.redelivered.fetch_add(1, Ordering::Relaxed);
            }
            let record = decode_record(
                self.seq,
                &msg.payload,
                InputFormat::Jsonl,
                self.opts.max_bytes,
            );
            let (record, key) = keyed(record, msg.key, &self.opts.id_field);
            let in_flight = self.ledger.insert(
                self.seq,
                Entry {
                    ack: msg.ack,
                    key,
                    payload: msg.payload,
                    origin: msg.origin,
                    consumed: Instant::now(),
                },
            );
            let in_flight = i64::try_from(in_flight).unwrap_or(i64::MAX);
            self.metrics.in_flight.store(in_flight, Ordering::Relaxed);
            self.metrics
                .in_flight_peak
                .fetch_max(in_flight, Ordering::Relaxed);
            return Ok(Some(record));
        }
    }
}

/// The key a record's result goes out under: its id field (a string or a
/// number), else the message key. A record with neither is rejected: an
/// unkeyed result could not be told from its own duplicate downstream.
fn keyed(record: Record, msg_key: Option<String>, id_field: &str) -> (Record, Option<String>) {
    let Record::Text {
        line, ref fields, ..
    } = record
    else {
        return (record, msg_key);
    };
    let id = match fields.as_ref().and_then(|f| f.get(id_field)) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        // All the digits of a long numeric id, as the message wrote them.
        Some(Value::Number(n)) => Some(
            fields
                .as_ref()
                .and_then(|f| f.raw_field(id_field))
                .unwrap_or_else(|| n.to_string()),
        ),
        Some(other) => {
            let error =
                format!("field `{id_field}` must be a non-empty string or a number, not {other}");
            return (
                Record::Rejected {
                    line,
                    error,
                    id: None,
                },
                msg_key,
            );
        }
        None => None,
    };
    match id.or(msg_key) {
        Some(key) => (record, Some(key)),
        None => {
            let error =
                format!("no `{id_field}` field and no message key: the result could not be keyed");
            (
                Record::Rejected {
                    line,
                    error,
                    id: None,
                },
                None,
            )
        }
    }
}

/// Results out, acknowledgements after.
struct BusSink<O: Outbox> {
    outbox: O,
    ledger: Arc<Ledger<O::Ack>>,
    metrics: Arc<Metrics>,
    /// Published, not yet acknowledged: the ack and when it was consumed.
    pending: Vec<(O::Ack, Instant)>,
    last_ack: Instant,
    opts: WorkerOptions,
}

impl<O: Outbox> BusSink<O> {
    fn entry(&self, line: usize) -> io::Result<Entry<O::Ack>> {
        self.ledger.take(line).ok_or_else(|| {
            io::Error::other(format!("record {line} was not taken from the bus (a bug)"))
        })
    }

    fn settle(&mut self, entry: Entry<O::Ack>) -> io::Result<()> {
        self.pending.push((entry.ack, entry.consumed));
        self.acknowledge_if_due()
    }

    /// Acknowledges once `ack_every` results wait or `ack_interval` has
    /// passed. Not on every idle moment of the writer: confirming is a round
    /// trip to the bus, and a writer that waited for one after each chunk
    /// held one worker to ~1,500 tweets/s.
    fn acknowledge_if_due(&mut self) -> io::Result<()> {
        let due = self.pending.len() >= self.opts.ack_every
            || self.last_ack.elapsed() >= self.opts.ack_interval;
        if due {
            self.acknowledge()?;
        }
        Ok(())
    }

    /// Confirms what was published, then acknowledges its messages.
    fn acknowledge(&mut self) -> io::Result<()> {
        self.last_ack = Instant::now();
        if self.pending.is_empty() {
            return Ok(());
        }
        let duplicates = self.outbox.confirm()?;
        self.metrics
            .duplicates
            .fetch_add(duplicates, Ordering::Relaxed);
        let pending = std::mem::take(&mut self.pending);
        let n = pending.len() as u64;
        let now = Instant::now();
        for (_, consumed) in &pending {
            self.metrics
                .observe_latency(now.duration_since(*consumed).as_secs_f64());
        }
        let acks = pending.into_iter().map(|(ack, _)| ack).collect();
        if self.outbox.ack(acks)? {
            self.metrics.acked.fetch_add(n, Ordering::Relaxed);
        } else {
            self.metrics.ack_failures.fetch_add(n, Ordering::Relaxed);
        }
        let in_flight = i64::try_from(self.ledger.len()).unwrap_or(i64::MAX);
        self.metrics.in_flight.store(in_flight, Ordering::Relaxed);
        Ok(())
    }
}

impl<O: Outbox> AnnotationSink for BusSink<O> {
    fn write(&mut self, rec: Tagged) -> io::Result<()> {
        let line = match &rec {
            Tagged::Text { line, .. } | Tagged::Tokens { line, .. } => *line,
        };
        let entry = self.entry(line)?;
        let mut payload = Vec::with_capacity(256);
        write_tagged(&mut payload, OutputFormat::Jsonl, false, rec)?;
        if payload.last() == Some(&b'\n') {
            payload.pop();
        }
        self.outbox
            .publish(Destination::Results, entry.key.as_deref(), payload)?;
        self.metrics.published.fetch_add(1, Ordering::Relaxed);
        self.settle(entry)
    }

    fn reject(&mut self, line: usize, error: &str) -> io::Result<()> {
        let entry = self.entry(line)?;
        let letter = dead_letter(&entry, error);
        self.outbox
            .publish(Destination::DeadLetter, entry.key.as_deref(), letter)?;
        self.metrics.dead_lettered.fetch_add(1, Ordering::Relaxed);
        self.settle(entry)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.acknowledge_if_due()
    }

    fn tick(&mut self) -> io::Result<()> {
        self.acknowledge_if_due()
    }
}

/// The dead letter for a record: the error, where the message came from and
/// the message itself (as text when it is UTF-8, else base-16).
fn dead_letter<A>(entry: &Entry<A>, error: &str) -> Vec<u8> {
    let record = match std::str::from_utf8(&entry.payload) {
        Ok(s) => json!(s),
        Err(_) => {
            json!({ "hex": entry.payload.iter().map(|b| format!("{b:02x}")).collect::<String>() })
        }
    };
    let letter = json!({
        "error": error,
        "key": entry.key,
        "origin": entry.origin,
        "record": record,
    });
    letter.to_string().into_bytes()
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
