//! `tweetner stream` as a real worker group, on both buses (issue 14): three
//! worker processes share one input of 20,000 tweets plus a poison record;
//! one is killed with SIGKILL in the middle of its work and a fresh one joins.
//! Every tweet's result must be published (0 lost; duplicates counted and
//! reported), the poison record must land in the dead-letter topic with its
//! error (at least once, like everything else), the survivors must shut down cleanly on SIGTERM, and their
//! in-flight peak must stay bounded.
//!
//! Kafka runs against librdkafka's mock cluster (a real client speaking the
//! real protocol to brokers in this process). NATS runs against a real
//! `nats-server` started here; without one the test is skipped with a message
//! unless `TWEETNER_REQUIRE_NATS=1` (set by `.ci/run`, which installs it).

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::free_port;
use serde_json::Value;

const TWEETS: usize = 20_000;
const KILL_AFTER: usize = 4_000;
const DEADLINE: Duration = Duration::from_secs(300);

fn tweet(i: usize) -> String {
    let place = ["Paris", "London", "Madrid", "Rome", "Boston"][i % 5];
    serde_json::json!({ "id": format!("t{i}"), "text": format!("Tweet {i}: Obama lands in {place} tonight") })
        .to_string()
}

const POISON: &str = "{\"id\": \"poison\", \"text\": ";

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// One `tweetner stream` process and its metrics port.
struct Worker {
    child: Child,
    metrics: u16,
}

impl Worker {
    fn start(bus_args: &[String]) -> Worker {
        let metrics = free_port();
        let child = common::bin()
            .arg("stream")
            .args(bus_args)
            .args(["--threads", "1", "--batch-size", "32", "--ack-every", "128"])
            .args(["--metrics-addr", &format!("127.0.0.1:{metrics}")])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the worker starts");
        Worker { child, metrics }
    }

    fn metric(&self, name: &str) -> Option<f64> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.metrics)).ok()?;
        s.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        text.lines()
            .find(|l| l.starts_with(&format!("{name}{{")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    fn kill9(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status; the worker must finish within 60 s.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "worker {pid} ignored SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the checker saw on the results and dead-letter destinations.
#[derive(Default)]
struct Seen {
    results: HashMap<String, usize>,
    letters: Vec<Value>,
}

impl Seen {
    fn add_result(&mut self, key: String, body: &[u8]) {
        let v: Value = serde_json::from_slice(body).expect("results are JSON");
        assert_eq!(
            v["id"].as_str(),
            Some(key.as_str()),
            "a result is keyed by its tweet id"
        );
        assert!(v["entities"].is_array(), "{v}");
        *self.results.entry(key).or_default() += 1;
    }

    fn add_letter(&mut self, body: &[u8]) {
        self.letters
            .push(serde_json::from_slice(body).expect("dead letters are JSON"));
    }

    fn report(&self, bus: &str) -> usize {
        let total: usize = self.results.values().sum();
        let duplicates = total - self.results.len();
        eprintln!(
            "{bus}: {} of {TWEETS} tweets have a result ({} lost), {total} results published, {duplicates} duplicates, {} dead letters",
            self.results.len(),
            TWEETS - self.results.len(),
            self.letters.len()
        );
        duplicates
    }
}

/// Runs the scenario: `consume` polls the bus into `seen` for up to the
/// given time; returns once every tweet has a result and the dead letter came.
fn scenario(bus: &str, bus_args: &[String], mut consume: impl FnMut(&mut Seen, Duration)) {
    let mut workers: Vec<Worker> = (0..3).map(|_| Worker::start(bus_args)).collect();
    let mut seen = Seen::default();
    let start = Instant::now();
    let mut killed = false;
    while seen.results.len() < TWEETS || seen.letters.is_empty() {
        assert!(
            start.elapsed() < DEADLINE,
            "{bus}: only {} of {TWEETS} results after {DEADLINE:?}",
            seen.results.len()
        );
        consume(&mut seen, Duration::from_millis(200));
        if !killed && seen.results.len() >= KILL_AFTER {
            // Mid-batch: the worker holds tagged and untagged messages,
            // published and unacknowledged results.
            workers.remove(0).kill9();
            workers.push(Worker::start(bus_args));
            killed = true;
        }
    }
    assert!(killed, "{bus}: the kill happened");
    // Whatever is still in flight arrives within a few seconds.
    consume(&mut seen, Duration::from_secs(2));
    let (mut duplicates, mut redelivered) = (0.0, 0.0);
    for w in &workers {
        let peak = w
            .metric("tweetner_bus_in_flight_peak")
            .expect("metrics answer");
        assert!(
            peak <= 2_000.0,
            "{bus}: a worker held {peak} messages at once"
        );
        duplicates += w.metric("tweetner_bus_duplicates_total").unwrap_or(0.0);
        redelivered += w.metric("tweetner_bus_redelivered_total").unwrap_or(0.0);
    }
    eprintln!(
        "{bus}: the surviving workers saw {redelivered} redelivered messages and {duplicates} results the bus already held"
    );
    for w in workers {
        let status = w.terminate();
        assert!(
            status.success(),
            "{bus}: a worker exited with {status} on SIGTERM"
        );
    }
    seen.report(bus);
    assert_eq!(seen.results.len(), TWEETS, "{bus}: tweets lost");
    // At least once holds for dead letters too: a poison record taken again
    // after a rebalance is dead-lettered again. Every letter must be it.
    for letter in &seen.letters {
        assert!(
            letter["error"]
                .as_str()
                .unwrap()
                .starts_with("invalid JSON"),
            "{letter}"
        );
        assert_eq!(letter["record"], POISON, "{bus}: {letter}");
    }
}

mod kafka {
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

    use super::*;

    #[test]
    fn three_workers_one_killed_lose_no_tweet_on_kafka() {
        let mock = MockCluster::new(1).unwrap();
        for (topic, partitions) in [("tweets", 6), ("results", 6), ("dead", 1)] {
            mock.create_topic(topic, partitions, 1).unwrap();
        }
        let brokers = mock.bootstrap_servers();
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .unwrap();
        for i in 0..TWEETS {
            let (key, body) = (format!("t{i}"), tweet(i));
            if i == TWEETS / 2 {
                send(&producer, "poison", POISON);
            }
            send(&producer, &key, &body);
        }
        producer.flush(Duration::from_secs(30)).unwrap();

        let checker: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", "checker")
            .set("auto.offset.reset", "earliest")
            .create()
            .unwrap();
        checker.subscribe(&["results", "dead"]).unwrap();
        let args = strings(&[
            "--bus",
            "kafka",
            "--brokers",
            &brokers,
            "--in",
            "tweets",
            "--out",
            "results",
            "--dead-letter",
            "dead",
            "--group",
            "workers",
            "--kafka-set",
            "consumer.session.timeout.ms=6000",
            "--kafka-set",
            "consumer.heartbeat.interval.ms=500",
        ]);
        scenario("kafka", &args, |seen, wait| {
            let until = Instant::now() + wait;
            while Instant::now() < until {
                let Some(m) = checker.poll(Duration::from_millis(50)) else {
                    continue;
                };
                let m = m.expect("the checker reads");
                let body = m.payload().unwrap_or_default();
                if m.topic() == "dead" {
                    seen.add_letter(body);
                } else {
                    let key = String::from_utf8(m.key().unwrap().to_vec()).unwrap();
                    seen.add_result(key, body);
                }
            }
        });
    }

    fn send(producer: &BaseProducer, key: &str, body: &str) {
        let mut record = BaseRecord::to("tweets").key(key).payload(body);
        loop {
            match producer.send(record) {
                Ok(()) => return,
                Err((_, back)) => {
                    producer.poll(Duration::from_millis(20));
                    record = back;
                }
            }
        }
    }
}

mod nats {
    use async_nats::header::NATS_MESSAGE_ID;
    use async_nats::jetstream::{self, consumer, stream};
    use futures_util::StreamExt;
    use tweetner_bus::testing::{publish_all, NatsServer};

    use super::*;

    fn server() -> Option<NatsServer> {
        match NatsServer::start() {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                assert!(
                    std::env::var("TWEETNER_REQUIRE_NATS").as_deref() != Ok("1"),
                    "TWEETNER_REQUIRE_NATS=1 but no nats-server on PATH"
                );
                eprintln!("skipped: no nats-server on PATH (apt install nats-server)");
                None
            }
            Err(e) => panic!("nats-server: {e}"),
        }
    }

    #[test]
    fn three_workers_one_killed_lose_no_tweet_on_nats() {
        let Some(server) = server() else { return };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // The input, the poison record in its middle, stored before any worker starts.
        let input = (0..TWEETS).flat_map(|i| {
            let poison = (i == TWEETS / 2).then(|| POISON.as_bytes().to_vec());
            poison.into_iter().chain([tweet(i).into_bytes()])
        });
        publish_all(&server.url, "TWEETS", "tweets", input).expect("tweets published");
        let (js, mut results) = rt.block_on(async {
            let client = async_nats::connect(server.url.as_str()).await.unwrap();
            let js = jetstream::new(client);
            let out = js
                .create_stream(stream::Config {
                    name: "OUT".into(),
                    subjects: vec!["results".into(), "dead".into()],
                    ..Default::default()
                })
                .await
                .unwrap();
            let reader = out
                .create_consumer(consumer::pull::OrderedConfig::default())
                .await
                .unwrap();
            let messages = reader.messages().await.unwrap();
            (js, messages)
        });
        let args = strings(&[
            "--bus",
            "nats",
            "--server",
            &server.url,
            "--in",
            "tweets",
            "--out",
            "results",
            "--dead-letter",
            "dead",
            "--group",
            "workers",
            "--ack-wait",
            "3",
        ]);
        scenario("nats", &args, |seen, wait| {
            rt.block_on(async {
                let until = tokio::time::Instant::now() + wait;
                while let Ok(Some(m)) = tokio::time::timeout_at(until, results.next()).await {
                    let m = m.expect("the checker reads");
                    if m.subject.as_str() == "dead" {
                        seen.add_letter(&m.payload);
                    } else {
                        let key = m
                            .headers
                            .as_ref()
                            .and_then(|h| h.get(NATS_MESSAGE_ID))
                            .unwrap();
                        seen.add_result(key.to_string(), &m.payload);
                    }
                }
            });
        });
        // The results stream kept one copy per id: repeats were dropped by
        // JetStream's duplicate window and counted by the workers.
        drop(js);
    }
}
