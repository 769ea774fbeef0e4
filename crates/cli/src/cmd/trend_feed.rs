//! `tweetner serve --trends-bus`: the server's trend detector follows the
//! results topic of `tweetner stream` workers, so `/v1/trends`, the live
//! events and the dashboard cover every tweet the workers tag, not only
//! what `/v1/tag` sees. The follower has a consumer group (NATS: durable
//! consumer) of its own and acknowledges a batch once the hub counted it.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};
use clap::Args;
use tweetner_bus::kafka::{self, KafkaOptions};
use tweetner_bus::nats::{self, NatsOptions};
use tweetner_bus::{follow, Acknowledge, FollowOptions, Inbox, Metrics};
use tweetner_serve::trends::feed::{read_result, FeedItem, ResultFields};
use tweetner_serve::trends::hub::Incoming;
use tweetner_serve::trends::TrendHub;

use super::stream::Bus;

#[derive(Args, Clone)]
pub struct TrendFeedArgs {
    /// Also feed the trend detector from the results of `tweetner stream`
    /// workers on this bus.
    #[arg(long, value_enum, requires = "trends_from")]
    pub trends_bus: Option<Bus>,
    /// The workers' results topic (Kafka) or subject (NATS).
    #[arg(long)]
    pub trends_from: Option<String>,
    /// The follower's consumer group (NATS: durable consumer name).
    #[arg(long, default_value = "tweetner-trends")]
    pub trends_group: String,
    /// Kafka bootstrap servers of the results topic.
    #[arg(long, default_value = "127.0.0.1:9092")]
    pub trends_brokers: String,
    /// NATS server URL of the results subject.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    pub trends_server: String,
    /// NATS stream to create when no stream captures the results subject yet
    /// (workers create `<their stream>-results`).
    #[arg(long, default_value = "TWEETS-results")]
    pub trends_stream: String,
    /// Field of a result holding the tweet's time (absent: the arrival time).
    #[arg(long, default_value = "created_at")]
    pub trends_time_field: String,
    /// Field of a result holding the tweet id.
    #[arg(long, default_value = "id")]
    pub trends_id_field: String,
    /// Field of a result holding the author (distinct authors make a trend).
    #[arg(long)]
    pub trends_author_field: Option<String>,
}

impl TrendFeedArgs {
    /// Whether a feed was asked for; an error if it cannot run.
    pub fn wanted(&self, trends_enabled: bool) -> Result<bool> {
        if self.trends_bus.is_none() {
            return Ok(false);
        }
        if !trends_enabled {
            bail!(
                "--trends-bus needs the trend detector, which `[trends] enabled = false` turns off"
            );
        }
        Ok(true)
    }

    /// Follows the results on a thread of its own until the hub closes
    /// (shutdown). A follower that cannot connect says so and stops; the
    /// server goes on with what `/v1/tag` and `/v1/trends/ingest` bring.
    pub fn spawn(self, hub: Arc<TrendHub>) -> Result<()> {
        std::thread::Builder::new()
            .name("trend-feed".into())
            .spawn(move || {
                if let Err(e) = self.run(&hub) {
                    tracing::error!("trend feed stopped: {e:#}");
                    eprintln!("tweetner: the trend feed stopped: {e:#}");
                }
            })?;
        Ok(())
    }

    fn run(&self, hub: &Arc<TrendHub>) -> Result<()> {
        let (Some(bus), Some(from)) = (self.trends_bus, self.trends_from.as_deref()) else {
            return Ok(());
        };
        match bus {
            Bus::Kafka => {
                let opts = KafkaOptions {
                    brokers: self.trends_brokers.clone(),
                    group: self.trends_group.clone(),
                    input: from.to_string(),
                    output: String::new(),
                    dead_letter: None,
                    settings: Vec::new(),
                };
                let (inbox, acks) = kafka::follow_topic(&opts, Metrics::new("kafka"))?;
                self.pump(inbox, acks, hub)
            }
            Bus::Nats => {
                let opts = NatsOptions {
                    stream: self.trends_stream.clone(),
                    durable: self.trends_group.clone(),
                    ..NatsOptions::new(&self.trends_server, from, "")
                };
                let (inbox, acks) = nats::follow_subject(&opts)?;
                self.pump(inbox, acks, hub)
            }
        }
    }

    fn pump<I, A>(&self, mut inbox: I, mut acks: A, hub: &Arc<TrendHub>) -> Result<()>
    where
        I: Inbox,
        A: Acknowledge<Ack = I::Ack>,
    {
        let fields = ResultFields {
            time: self.trends_time_field.clone(),
            id: self.trends_id_field.clone(),
            author: self.trends_author_field.clone(),
        };
        eprintln!(
            "tweetner: trends follow {} on {}",
            self.trends_from.as_deref().unwrap_or_default(),
            self.trends_bus
                .map(|b| format!("{b:?}").to_lowercase())
                .unwrap_or_default()
        );
        let mut bad = 0u64;
        let mut deliver = |payloads: Vec<Vec<u8>>| {
            let now = now_ms();
            let mut tweets: Vec<Incoming> = Vec::with_capacity(payloads.len());
            for p in payloads {
                match read_result(&p, &fields, now) {
                    Ok(FeedItem::Tweet(t)) => tweets.push(*t),
                    Ok(FeedItem::DeadLetter) => {}
                    Err(e) => {
                        bad += 1;
                        // The first few say why; the rest only count.
                        if bad <= 10 {
                            tracing::warn!("trend feed: a result was skipped: {e}");
                        }
                    }
                }
            }
            hub.ingest(tweets);
        };
        let opts = FollowOptions {
            poll: Duration::from_millis(200),
            ..FollowOptions::default()
        };
        let counts = follow(
            &mut inbox,
            &mut acks,
            &opts,
            &|| hub.is_closed(),
            &mut deliver,
        )?;
        tracing::info!(
            "trend feed ended: {} results, {} unreadable",
            counts.delivered,
            bad
        );
        Ok(())
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
