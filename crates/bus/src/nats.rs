//! NATS JetStream through `async-nats`: one durable pull consumer shared by
//! every worker, explicit acknowledgements, and results published with
//! `Nats-Msg-Id` set to the tweet id, so the results stream drops a repeated
//! result inside its duplicate window and says so (counted as duplicates).
//!
//! A message that is not acknowledged within `ack_wait` is delivered again,
//! to whichever worker pulls next: that is how a killed worker's messages
//! reach the others. `max_ack_pending` caps the messages the consumer hands
//! out unacknowledged across all workers, and the pull batch caps what one
//! worker prefetches, so a slow worker holds a bounded number of messages.
//!
//! The client is async; the worker's reader and writer threads drive it
//! through a small tokio runtime of its own.

use std::sync::Arc;
use std::time::Duration;

use async_nats::header::{HeaderMap, NATS_MESSAGE_ID};
use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::Acker;
use async_nats::jetstream::{self, stream};
use futures_util::StreamExt;
use serde_json::json;
use tokio::runtime::Runtime;

use crate::error::BusError;
use crate::follow::Acknowledge;
use crate::worker::{Destination, Inbox, Incoming, Outbox};

const BUS: &str = "nats";

/// Where a NATS worker reads and writes.
#[derive(Debug, Clone)]
pub struct NatsOptions {
    /// Server URL(s), e.g. `nats://127.0.0.1:4222`.
    pub server: String,
    /// The JetStream stream holding the input subject; created when missing.
    pub stream: String,
    /// The durable consumer's name; workers with the same name share the input.
    pub durable: String,
    /// Subject of raw tweets.
    pub input: String,
    /// Subject of results.
    pub output: String,
    /// Subject of dead letters (default: the output subject).
    pub dead_letter: Option<String>,
    /// How long a message may stay unacknowledged before it is delivered again.
    pub ack_wait: Duration,
    /// Most messages handed out unacknowledged, over all workers.
    pub max_ack_pending: i64,
    /// Most messages one worker asks for at a time.
    pub pull_batch: usize,
}

impl NatsOptions {
    /// Defaults for everything but the server and the subjects.
    pub fn new(server: &str, input: &str, output: &str) -> Self {
        NatsOptions {
            server: server.into(),
            stream: "TWEETS".into(),
            durable: "tweetner".into(),
            input: input.into(),
            output: output.into(),
            dead_letter: None,
            ack_wait: Duration::from_secs(30),
            max_ack_pending: 16_384,
            pull_batch: 128,
        }
    }
}

fn setup_err(message: String) -> BusError {
    BusError::Setup { bus: BUS, message }
}

/// The consuming side.
pub struct NatsInbox {
    rt: Arc<Runtime>,
    consumer: PullConsumer,
    messages: pull::Stream,
}

/// The publishing and acknowledging side.
pub struct NatsOutbox {
    rt: Arc<Runtime>,
    client: async_nats::Client,
    js: jetstream::Context,
    output: String,
    dead_letter: String,
    pending: Vec<PublishAckFuture>,
}

fn runtime() -> Result<Arc<Runtime>, BusError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("nats")
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| setup_err(format!("starting the runtime: {e}")))
}

/// The durable pull consumer on `opts.input` in `input`, and its messages.
async fn pull_from(
    input: stream::Stream,
    opts: &NatsOptions,
) -> Result<(PullConsumer, pull::Stream), BusError> {
    let consumer: PullConsumer = input
        .get_or_create_consumer(
            &opts.durable,
            pull::Config {
                durable_name: Some(opts.durable.clone()),
                ack_policy: AckPolicy::Explicit,
                ack_wait: opts.ack_wait,
                max_ack_pending: opts.max_ack_pending,
                filter_subject: opts.input.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| setup_err(format!("consumer {}: {e}", opts.durable)))?;
    let messages = consumer
        .stream()
        .max_messages_per_batch(opts.pull_batch)
        .messages()
        .await
        .map_err(|e| setup_err(format!("pulling from {}: {e}", opts.durable)))?;
    Ok((consumer, messages))
}

fn check(opts: &NatsOptions) -> Result<(), BusError> {
    if opts.max_ack_pending < 1 || opts.pull_batch == 0 || opts.ack_wait.is_zero() {
        return Err(BusError::Config(
            "max_ack_pending, pull_batch and ack_wait must be positive".into(),
        ));
    }
    Ok(())
}

/// Connects, makes sure the input stream, the durable consumer and a stream
/// capturing the output subjects exist, and starts pulling.
///
/// # Errors
/// The server cannot be reached, JetStream is off, or a name is invalid.
pub fn connect(opts: &NatsOptions) -> Result<(NatsInbox, NatsOutbox), BusError> {
    check(opts)?;
    let rt = runtime()?;
    let fail = setup_err;
    let dead_letter = opts
        .dead_letter
        .clone()
        .unwrap_or_else(|| opts.output.clone());
    let (client, js, consumer, messages) = rt.block_on(async {
        let client = async_nats::connect(opts.server.as_str())
            .await
            .map_err(|e| fail(format!("connecting to {}: {e}", opts.server)))?;
        let js = jetstream::new(client.clone());
        let input = js
            .get_or_create_stream(stream::Config {
                name: opts.stream.clone(),
                subjects: vec![opts.input.clone()],
                ..Default::default()
            })
            .await
            .map_err(|e| fail(format!("stream {}: {e}", opts.stream)))?;
        ensure_captured(
            &js,
            &format!("{}-results", opts.stream),
            &[&opts.output, &dead_letter],
        )
        .await
        .map_err(&fail)?;
        let (consumer, messages) = pull_from(input, opts).await?;
        Ok::<_, BusError>((client, js, consumer, messages))
    })?;
    let inbox = NatsInbox {
        rt: Arc::clone(&rt),
        consumer,
        messages,
    };
    let outbox = NatsOutbox {
        rt,
        client,
        js,
        output: opts.output.clone(),
        dead_letter,
        pending: Vec::new(),
    };
    Ok((inbox, outbox))
}

/// Acknowledges what a follower handled.
pub struct NatsAcker {
    rt: Arc<Runtime>,
    client: async_nats::Client,
}

/// A follower of `opts.input` (`output` and `dead_letter` are not used): on
/// the stream that already captures the subject (a worker's results stream),
/// else on a new stream named `opts.stream`, through the durable consumer
/// `opts.durable`.
///
/// # Errors
/// As [`connect`].
pub fn follow_subject(opts: &NatsOptions) -> Result<(NatsInbox, NatsAcker), BusError> {
    check(opts)?;
    let rt = runtime()?;
    let (client, consumer, messages) = rt.block_on(async {
        let client = async_nats::connect(opts.server.as_str())
            .await
            .map_err(|e| setup_err(format!("connecting to {}: {e}", opts.server)))?;
        let js = jetstream::new(client.clone());
        let input = match js.stream_by_subject(opts.input.as_str()).await {
            Ok(name) => js.get_stream(&name).await.map_err(|e| e.to_string()),
            Err(_) => js
                .get_or_create_stream(stream::Config {
                    name: opts.stream.clone(),
                    subjects: vec![opts.input.clone()],
                    duplicate_window: Duration::from_secs(120),
                    ..Default::default()
                })
                .await
                .map_err(|e| e.to_string()),
        }
        .map_err(|e| setup_err(format!("the stream of {}: {e}", opts.input)))?;
        let (consumer, messages) = pull_from(input, opts).await?;
        Ok::<_, BusError>((client, consumer, messages))
    })?;
    let inbox = NatsInbox {
        rt: Arc::clone(&rt),
        consumer,
        messages,
    };
    Ok((inbox, NatsAcker { rt, client }))
}

/// Acknowledges `acks` and flushes: `Ok(false)` when one was not sent (it
/// is delivered again).
fn ack_all(rt: &Runtime, client: &async_nats::Client, acks: Vec<Acker>) -> Result<bool, BusError> {
    rt.block_on(async {
        let mut all = true;
        for a in &acks {
            if let Err(e) = a.ack().await {
                tracing::warn!("nats: acknowledgement not sent, message will be redelivered: {e}");
                all = false;
            }
        }
        client.flush().await.map_err(|e| BusError::Ack {
            bus: BUS,
            message: e.to_string(),
        })?;
        Ok(all)
    })
}

impl Acknowledge for NatsAcker {
    type Ack = Acker;

    fn ack(&mut self, acks: Vec<Acker>) -> Result<bool, BusError> {
        ack_all(&self.rt, &self.client, acks)
    }
}

/// Creates a stream named `name` for the subjects no stream captures yet, so
/// published results are stored (a publish to an uncaptured subject fails).
async fn ensure_captured(
    js: &jetstream::Context,
    name: &str,
    subjects: &[&String],
) -> Result<(), String> {
    let mut missing: Vec<String> = Vec::new();
    for s in subjects {
        if js.stream_by_subject(s.as_str()).await.is_err() && !missing.contains(s) {
            missing.push((*s).clone());
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    js.get_or_create_stream(stream::Config {
        name: name.to_string(),
        subjects: missing,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map(|_| ())
    .map_err(|e| format!("results stream {name}: {e}"))
}

impl Inbox for NatsInbox {
    type Ack = Acker;

    fn receive(&mut self, wait: Duration) -> Result<Option<Incoming<Acker>>, BusError> {
        let next = self
            .rt
            .block_on(async { tokio::time::timeout(wait, self.messages.next()).await });
        let msg = match next {
            Err(_elapsed) => return Ok(None),
            Ok(None) => {
                return Err(BusError::Consume {
                    bus: BUS,
                    message: "the pull subscription ended".into(),
                })
            }
            Ok(Some(Err(e))) => {
                // Missed heartbeats and reconnects are retried by the client.
                tracing::warn!("nats: {e}");
                return Ok(None);
            }
            Ok(Some(Ok(msg))) => msg,
        };
        let (origin, delivered) = match msg.info() {
            Ok(i) => (
                json!({ "stream": i.stream, "sequence": i.stream_sequence, "delivered": i.delivered }),
                i.delivered,
            ),
            Err(_) => (json!({ "subject": msg.subject.as_str() }), 1),
        };
        let key = msg
            .headers
            .as_ref()
            .and_then(|h| h.get(NATS_MESSAGE_ID))
            .map(|v| v.as_str().to_string());
        let (msg, ack) = msg.split();
        Ok(Some(Incoming {
            payload: msg.payload.to_vec(),
            key,
            origin,
            redelivered: delivered > 1,
            ack,
        }))
    }

    fn lag(&mut self) -> Option<u64> {
        let consumer = &mut self.consumer;
        self.rt
            .block_on(async { consumer.info().await.ok().map(|i| i.num_pending) })
    }
}

impl Outbox for NatsOutbox {
    type Ack = Acker;

    fn publish(
        &mut self,
        dest: Destination,
        key: Option<&str>,
        payload: Vec<u8>,
    ) -> Result<(), BusError> {
        let (subject, prefix) = match dest {
            Destination::Results => (self.output.clone(), ""),
            Destination::DeadLetter => (self.dead_letter.clone(), "dead-letter:"),
        };
        let mut headers = HeaderMap::new();
        if let Some(key) = key {
            // The same id published twice is stored once; dead letters get
            // ids of their own so that they never hide a result.
            headers.insert(NATS_MESSAGE_ID, format!("{prefix}{key}").as_str());
        }
        let js = &self.js;
        let fut = self
            .rt
            .block_on(js.publish_with_headers(subject.clone(), headers, payload.into()))
            .map_err(|e| BusError::Publish {
                bus: BUS,
                message: format!("to {subject}: {e}"),
            })?;
        self.pending.push(fut);
        Ok(())
    }

    fn confirm(&mut self) -> Result<u64, BusError> {
        let pending = std::mem::take(&mut self.pending);
        self.rt.block_on(async {
            let mut duplicates = 0;
            for fut in pending {
                let ack = fut.await.map_err(|e| BusError::Publish {
                    bus: BUS,
                    message: format!("the server did not store a result: {e}"),
                })?;
                duplicates += u64::from(ack.duplicate);
            }
            Ok(duplicates)
        })
    }

    fn ack(&mut self, acks: Vec<Acker>) -> Result<bool, BusError> {
        ack_all(&self.rt, &self.client, acks)
    }
}
