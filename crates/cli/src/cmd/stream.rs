//! `tweetner stream`: a worker of a message bus. It consumes raw tweets from a
//! Kafka topic or a NATS JetStream subject, tags them in batches and publishes
//! one result per tweet (keyed by tweet id) until SIGTERM or SIGINT, then
//! finishes what it holds, acknowledges it and leaves. The at-least-once
//! logic lives in `tweetner_bus`; this module parses flags and wires it up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use tweetner_bus::kafka::{self, KafkaOptions};
use tweetner_bus::nats::{self, NatsOptions};
use tweetner_bus::{run_worker, serve_metrics, Inbox, Metrics, Outbox, WorkerOptions};
use tweetner_core::Tagger;
use tweetner_pipeline::{RunOptions, Summary};

use super::limits;
use super::model::{default_threads, load_tagger};

/// Which bus the worker joins.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Bus {
    /// Apache Kafka (or any broker speaking its protocol), as a consumer-group member.
    Kafka,
    /// NATS JetStream, on a durable pull consumer.
    Nats,
}

#[derive(Args)]
pub struct StreamArgs {
    /// The bus to join.
    #[arg(long, value_enum)]
    pub bus: Bus,
    /// Topic (Kafka) or subject (NATS) of raw tweets: JSON objects with `text` and `id`.
    #[arg(long = "in")]
    pub input: String,
    /// Topic or subject of results (the HTTP API's entity shape, keyed by tweet id).
    #[arg(long)]
    pub out: String,
    /// Topic or subject of records that cannot be tagged, with the error
    /// (default: the results one).
    #[arg(long)]
    pub dead_letter: Option<String>,
    /// Kafka bootstrap servers.
    #[arg(long, default_value = "127.0.0.1:9092")]
    pub brokers: String,
    /// Kafka consumer group (NATS: the durable consumer's name); workers sharing it share the input.
    #[arg(long, default_value = "tweetner")]
    pub group: String,
    /// More librdkafka settings, KEY=VALUE, repeatable; a `consumer.` or
    /// `producer.` prefix applies one to that client only
    /// (e.g. consumer.session.timeout.ms=10000).
    #[arg(long = "kafka-set", value_parser = key_value)]
    pub kafka_settings: Vec<(String, String)>,
    /// NATS server URL.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    pub server: String,
    /// NATS JetStream stream holding the input subject (created when missing).
    #[arg(long, default_value = "TWEETS")]
    pub stream: String,
    /// NATS: seconds a message may stay unacknowledged before it is delivered
    /// to another worker (1 to 3600).
    #[arg(long, default_value_t = 30, value_parser = limits::ranged::<u64>(1..=3600))]
    pub ack_wait: u64,
    /// NATS: most messages handed out unacknowledged over all workers (1 to 1,000,000).
    #[arg(long, default_value_t = 16_384, value_parser = limits::ranged::<u64>(1..=1_000_000))]
    pub max_ack_pending: u64,
    /// Model directory or name (`tweetner models list`; default: $TWEETNER_MODEL, then the model named `default`).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Tagging threads (default: all available cores; at most 1024).
    #[arg(long, value_parser = limits::ranged::<usize>(limits::THREADS))]
    pub threads: Option<usize>,
    /// Tweets per network batch (1 to 4096).
    #[arg(long, default_value_t = 64, value_parser = limits::ranged::<usize>(limits::BATCH_SIZE))]
    pub batch_size: usize,
    /// Run a transformer model's encoder projections in int8.
    #[arg(long)]
    pub int8: bool,
    /// Messages longer than this many bytes are dead-lettered (at most 64 MiB).
    #[arg(long, default_value_t = 16 * 1024, value_parser = limits::ranged::<usize>(limits::RECORD_BYTES))]
    pub max_bytes: usize,
    /// Field holding the tweet id, the key of its result (the message key when absent).
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// Acknowledge after at most this many results, or 500 ms (1 to 100,000).
    #[arg(long, default_value_t = 1024, value_parser = limits::ranged::<usize>(1..=100_000))]
    pub ack_every: usize,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long)]
    pub metrics_addr: Option<SocketAddr>,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

pub fn run(args: StreamArgs) -> Result<()> {
    let threads = args.threads.unwrap_or_else(default_threads).max(1);
    let (_, tagger) = load_tagger(args.model.as_deref(), 1, args.batch_size, args.int8)?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        // A second signal while draining exits at once (status 1); what was
        // not acknowledged goes to the other workers.
        signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&stop)))
            .context("cannot listen for SIGTERM/SIGINT")?;
    }
    let opts = WorkerOptions {
        run: RunOptions {
            workers: threads,
            chunk: args.batch_size,
            queue: 2,
            ..RunOptions::default()
        },
        id_field: args.id_field.clone(),
        max_bytes: args.max_bytes,
        ack_every: args.ack_every,
        ..WorkerOptions::default()
    };
    let bus_name = match args.bus {
        Bus::Kafka => "kafka",
        Bus::Nats => "nats",
    };
    let metrics = Metrics::new(bus_name);
    if let Some(addr) = args.metrics_addr {
        let bound = serve_metrics(addr, Arc::clone(&metrics))
            .with_context(|| format!("cannot serve metrics on {addr}"))?;
        eprintln!("metrics at http://{bound}/metrics");
    }
    let summary = match args.bus {
        Bus::Kafka => {
            let k = KafkaOptions {
                brokers: args.brokers.clone(),
                group: args.group.clone(),
                input: args.input.clone(),
                output: args.out.clone(),
                dead_letter: args.dead_letter.clone(),
                settings: args.kafka_settings.clone(),
            };
            let (inbox, outbox) = kafka::connect(&k, Arc::clone(&metrics))?;
            work(inbox, outbox, tagger.as_ref(), &opts, stop, &metrics)?
        }
        Bus::Nats => {
            let n = NatsOptions {
                stream: args.stream.clone(),
                durable: args.group.clone(),
                dead_letter: args.dead_letter.clone(),
                ack_wait: Duration::from_secs(args.ack_wait),
                max_ack_pending: i64::try_from(args.max_ack_pending)?,
                ..NatsOptions::new(&args.server, &args.input, &args.out)
            };
            let (inbox, outbox) = nats::connect(&n)?;
            work(inbox, outbox, tagger.as_ref(), &opts, stop, &metrics)?
        }
    };
    eprintln!(
        "stream ended: {} records tagged, {} dead-lettered, {} acknowledged",
        summary.written,
        summary.rejected,
        metrics.acked.load(Ordering::Relaxed)
    );
    Ok(())
}

fn work<I, O>(
    inbox: I,
    outbox: O,
    tagger: &(dyn Tagger + Sync),
    opts: &WorkerOptions,
    stop: Arc<AtomicBool>,
    metrics: &Arc<Metrics>,
) -> Result<Summary>
where
    I: Inbox,
    O: Outbox<Ack = I::Ack>,
{
    eprintln!("worker started (stop with SIGTERM or Ctrl-C)");
    run_worker(inbox, outbox, tagger, opts, stop, Arc::clone(metrics))
        .context("the worker stopped; unacknowledged messages go to the other workers")
}
