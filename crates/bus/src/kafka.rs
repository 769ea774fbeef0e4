//! Kafka through librdkafka (bundled, built from source): a consumer group
//! member that commits offsets by hand, and an idempotent producer.
//!
//! Offsets are committed only by [`Outbox::ack`], after [`Outbox::confirm`]
//! has flushed the producer and every delivery report came back clean. The
//! pipeline writes results in input order, so committing the highest
//! acknowledged offset of each partition never skips a message that has no
//! result. A commit that loses a race with a rebalance is refused by the
//! group coordinator; the new owner then starts from the last committed
//! offset and repeats some messages, which at-least-once allows.
//!
//! Memory stays bounded on a long topic: librdkafka's prefetch is capped
//! (`queued.max.messages.kbytes`), and the worker stops polling while its
//! pipeline queues are full (that is the pause; the group keeps its
//! partitions as long as polls come within `max.poll.interval.ms`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::statistics::Statistics;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use serde_json::json;

use crate::error::BusError;
use crate::follow::Acknowledge;
use crate::metrics::Metrics;
use crate::worker::{Destination, Inbox, Incoming, Outbox};

const BUS: &str = "kafka";

/// Where a Kafka worker reads and writes.
#[derive(Debug, Clone)]
pub struct KafkaOptions {
    /// `bootstrap.servers`: `host:port[,host:port...]`.
    pub brokers: String,
    /// The consumer group; workers in one group share the input's partitions.
    pub group: String,
    /// Topic of raw tweets (JSONL records, one per message).
    pub input: String,
    /// Topic of results, keyed by tweet id.
    pub output: String,
    /// Topic of dead letters (default: the output topic).
    pub dead_letter: Option<String>,
    /// More librdkafka settings (`key`, `value`), applied last: to both
    /// clients (`security.protocol`), or to one of them with a `consumer.` or
    /// `producer.` prefix (`consumer.session.timeout.ms`).
    pub settings: Vec<(String, String)>,
}

/// Which message an acknowledgement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KafkaAck {
    /// Partition of the input topic.
    pub partition: i32,
    /// The message's offset in it.
    pub offset: i64,
}

/// Counts rebalances into the worker's metrics, and takes the consumer lag
/// from librdkafka's statistics (asking the brokers for watermarks on the
/// reader thread stalled it: a worker ran at a third of its speed).
struct GroupContext {
    metrics: Arc<Metrics>,
    topic: String,
}

impl ClientContext for GroupContext {
    fn stats(&self, stats: Statistics) {
        if let Some(topic) = stats.topics.get(&self.topic) {
            // Partitions this member does not own report -1.
            let lag: i64 = topic
                .partitions
                .iter()
                .filter(|(p, _)| **p >= 0)
                .map(|(_, p)| p.consumer_lag.max(0))
                .sum();
            self.metrics.lag.store(lag, Ordering::Relaxed);
        }
    }
}

impl ConsumerContext for GroupContext {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                self.metrics.rebalances.fetch_add(1, Ordering::Relaxed);
                tracing::info!(partitions = list.count(), "kafka: partitions assigned");
            }
            Rebalance::Revoke(list) => {
                tracing::info!(partitions = list.count(), "kafka: partitions revoked");
            }
            Rebalance::Error(e) => tracing::warn!("kafka: rebalance failed: {e}"),
        }
    }
}

/// Collects delivery failures, which `confirm` turns into an error.
#[derive(Default)]
struct DeliveryContext {
    failed: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl ClientContext for DeliveryContext {}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, msg)) = result {
            self.failed.fetch_add(1, Ordering::SeqCst);
            let text = format!("delivery to {} failed: {e}", msg.topic());
            *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(text);
        }
    }
}

type GroupConsumer = BaseConsumer<GroupContext>;

/// The consuming side: one member of the group.
pub struct KafkaInbox {
    consumer: Arc<GroupConsumer>,
}

/// The producing and committing side.
pub struct KafkaOutbox {
    consumer: Arc<GroupConsumer>,
    producer: BaseProducer<DeliveryContext>,
    input: String,
    output: String,
    dead_letter: String,
}

fn setup(e: impl std::fmt::Display) -> BusError {
    BusError::Setup {
        bus: BUS,
        message: e.to_string(),
    }
}

/// `role` is `consumer` or `producer`: settings under the other role's
/// prefix are left out (librdkafka warns about properties a client ignores).
fn client_config(opts: &KafkaOptions, role: &str, defaults: &[(&str, &str)]) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", &opts.brokers);
    for (k, v) in defaults {
        config.set(*k, *v);
    }
    for (k, v) in &opts.settings {
        match k.split_once('.') {
            Some((prefix, rest)) if prefix == role => config.set(rest, v),
            Some(("consumer" | "producer", _)) => continue,
            _ => config.set(k, v),
        };
    }
    config
}

/// The group member on `opts.input`: offsets committed by hand only.
fn group_consumer(opts: &KafkaOptions, metrics: Arc<Metrics>) -> Result<GroupConsumer, BusError> {
    if opts.group.trim().is_empty() || opts.input.trim().is_empty() {
        return Err(BusError::Config(
            "the Kafka group or input topic is empty".into(),
        ));
    }
    let mut consumer_config = client_config(
        opts,
        "consumer",
        &[
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("auto.offset.reset", "earliest"),
            // At most 16 MiB prefetched per partition queue (default 64 MiB).
            ("queued.max.messages.kbytes", "16384"),
            // Statistics (and so the lag metric) every 2 s.
            ("statistics.interval.ms", "2000"),
        ],
    );
    consumer_config.set("group.id", &opts.group);
    let consumer: GroupConsumer = consumer_config
        .create_with_context(GroupContext {
            metrics,
            topic: opts.input.clone(),
        })
        .map_err(setup)?;
    consumer.subscribe(&[&opts.input]).map_err(setup)?;
    Ok(consumer)
}

/// Joins the group on `opts.input` and opens the producer.
///
/// # Errors
/// A setting librdkafka refuses, or an empty topic or group name.
pub fn connect(
    opts: &KafkaOptions,
    metrics: Arc<Metrics>,
) -> Result<(KafkaInbox, KafkaOutbox), BusError> {
    for (what, value) in [
        ("group", &opts.group),
        ("input topic", &opts.input),
        ("output topic", &opts.output),
    ] {
        if value.trim().is_empty() {
            return Err(BusError::Config(format!("the Kafka {what} is empty")));
        }
    }
    let consumer = group_consumer(opts, metrics)?;
    let producer: BaseProducer<DeliveryContext> = client_config(
        opts,
        "producer",
        &[("enable.idempotence", "true"), ("linger.ms", "5")],
    )
    .create_with_context(DeliveryContext::default())
    .map_err(setup)?;
    let consumer = Arc::new(consumer);
    let inbox = KafkaInbox {
        consumer: Arc::clone(&consumer),
    };
    let outbox = KafkaOutbox {
        consumer,
        producer,
        input: opts.input.clone(),
        output: opts.output.clone(),
        dead_letter: opts
            .dead_letter
            .clone()
            .unwrap_or_else(|| opts.output.clone()),
    };
    Ok((inbox, outbox))
}

/// Commits the offsets after `acks`: `Ok(false)` when the group refused
/// (a rebalance), and the messages come again.
fn commit(consumer: &GroupConsumer, topic: &str, acks: Vec<KafkaAck>) -> Result<bool, BusError> {
    let mut next: BTreeMap<i32, i64> = BTreeMap::new();
    for a in acks {
        let e = next.entry(a.partition).or_insert(a.offset + 1);
        *e = (*e).max(a.offset + 1);
    }
    let mut list = TopicPartitionList::new();
    for (partition, offset) in next {
        list.add_partition_offset(topic, partition, Offset::Offset(offset))
            .map_err(|e| BusError::Ack {
                bus: BUS,
                message: e.to_string(),
            })?;
    }
    match consumer.commit(&list, CommitMode::Sync) {
        Ok(()) => Ok(true),
        Err(e) => {
            // A rebalance took the partitions (stale generation, unknown
            // member) or the coordinator moved: the next owner starts
            // from the last commit, so these messages come again. During
            // a rebalance that is routine, not worth a warning.
            let routine = matches!(
                e.rdkafka_error_code(),
                Some(
                    RDKafkaErrorCode::RebalanceInProgress
                        | RDKafkaErrorCode::IllegalGeneration
                        | RDKafkaErrorCode::UnknownMemberId
                )
            );
            if routine {
                tracing::info!("kafka: offset commit refused during a rebalance, messages will be redelivered: {e}");
            } else {
                tracing::warn!("kafka: offset commit refused, messages will be redelivered: {e}");
            }
            Ok(false)
        }
    }
}

/// Acknowledges what a follower handled: commits its group's offsets.
pub struct KafkaCommitter {
    consumer: Arc<GroupConsumer>,
    topic: String,
}

/// A follower of `opts.input` in consumer group `opts.group`, without a
/// producer (`output` and `dead_letter` are not used).
///
/// # Errors
/// As [`connect`].
pub fn follow_topic(
    opts: &KafkaOptions,
    metrics: Arc<Metrics>,
) -> Result<(KafkaInbox, KafkaCommitter), BusError> {
    let consumer = Arc::new(group_consumer(opts, metrics)?);
    Ok((
        KafkaInbox {
            consumer: Arc::clone(&consumer),
        },
        KafkaCommitter {
            consumer,
            topic: opts.input.clone(),
        },
    ))
}

impl Acknowledge for KafkaCommitter {
    type Ack = KafkaAck;

    fn ack(&mut self, acks: Vec<KafkaAck>) -> Result<bool, BusError> {
        commit(&self.consumer, &self.topic, acks)
    }
}

impl Inbox for KafkaInbox {
    type Ack = KafkaAck;

    fn receive(&mut self, wait: Duration) -> Result<Option<Incoming<KafkaAck>>, BusError> {
        match self.consumer.poll(wait) {
            None => Ok(None),
            Some(Err(e)) => {
                // Broker and transport errors are retried by librdkafka
                // itself; they only tell the operator something is wrong.
                tracing::warn!("kafka: {e}");
                Ok(None)
            }
            Some(Ok(m)) => Ok(Some(Incoming {
                payload: m.payload().unwrap_or_default().to_vec(),
                key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                origin: json!({ "topic": m.topic(), "partition": m.partition(), "offset": m.offset() }),
                // Kafka does not count deliveries.
                redelivered: false,
                ack: KafkaAck {
                    partition: m.partition(),
                    offset: m.offset(),
                },
            })),
        }
    }

    fn lag(&mut self) -> Option<u64> {
        // Kept up to date by `GroupContext::stats`.
        None
    }
}

impl Outbox for KafkaOutbox {
    type Ack = KafkaAck;

    fn publish(
        &mut self,
        dest: Destination,
        key: Option<&str>,
        payload: Vec<u8>,
    ) -> Result<(), BusError> {
        let topic = match dest {
            Destination::Results => &self.output,
            Destination::DeadLetter => &self.dead_letter,
        };
        let mut record = BaseRecord::to(topic).payload(&payload);
        if let Some(key) = key {
            record = record.key(key);
        }
        loop {
            match self.producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // The local queue is full: serve delivery reports until
                    // there is room (this is the producer's backpressure).
                    self.producer.poll(Duration::from_millis(50));
                    record = back;
                }
                Err((e, _)) => {
                    return Err(BusError::Publish {
                        bus: BUS,
                        message: format!("to {topic}: {e}"),
                    })
                }
            }
        }
        self.producer.poll(Duration::ZERO);
        Ok(())
    }

    fn confirm(&mut self) -> Result<u64, BusError> {
        self.producer
            .flush(Duration::from_secs(60))
            .map_err(|e| BusError::Publish {
                bus: BUS,
                message: format!("waiting for the brokers to store the results: {e}"),
            })?;
        let ctx = self.producer.context();
        if ctx.failed.swap(0, Ordering::SeqCst) > 0 {
            let last = ctx
                .last_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            return Err(BusError::Publish {
                bus: BUS,
                message: last.unwrap_or_else(|| "a delivery failed".into()),
            });
        }
        // Kafka's idempotent producer drops its own retries silently; it
        // cannot tell a result that another worker published before.
        Ok(0)
    }

    fn ack(&mut self, acks: Vec<KafkaAck>) -> Result<bool, BusError> {
        commit(&self.consumer, &self.input, acks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_settings_reach_only_their_client() {
        let opts = KafkaOptions {
            brokers: "b:9092".into(),
            group: "g".into(),
            input: "in".into(),
            output: "out".into(),
            dead_letter: None,
            settings: vec![
                ("consumer.session.timeout.ms".into(), "6000".into()),
                ("producer.linger.ms".into(), "20".into()),
                ("client.id".into(), "w1".into()),
            ],
        };
        let c = client_config(&opts, "consumer", &[("linger.ms", "5")]);
        assert_eq!(c.get("session.timeout.ms"), Some("6000"));
        assert_eq!(c.get("linger.ms"), Some("5"));
        assert_eq!(c.get("client.id"), Some("w1"));
        let p = client_config(&opts, "producer", &[("linger.ms", "5")]);
        assert_eq!(p.get("session.timeout.ms"), None);
        assert_eq!(p.get("linger.ms"), Some("20"));
        assert_eq!(p.get("bootstrap.servers"), Some("b:9092"));
    }

    #[test]
    fn empty_names_are_refused_before_connecting() {
        let opts = KafkaOptions {
            brokers: "127.0.0.1:1".into(),
            group: " ".into(),
            input: "in".into(),
            output: "out".into(),
            dead_letter: None,
            settings: Vec::new(),
        };
        let e = connect(&opts, Metrics::new("kafka")).err().unwrap();
        assert!(e.to_string().contains("group is empty"), "{e}");
    }
}
