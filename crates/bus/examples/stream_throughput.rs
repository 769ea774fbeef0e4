//! Throughput of `tweetner stream` workers against worker count, on both
//! buses: real tweets are published to a fresh input, W worker processes
//! share it, and the rate is the results seen per second between the first
//! and the last result (so process start and model load are not counted).
//!
//! ```sh
//! cargo build --release -p tweetner
//! cargo run --release -p tweetner-bus --example stream_throughput -- \
//!     --bus kafka --workers 1,2,4 --tweets 40000 --runs 3 \
//!     --tweetner target/release/tweetner [--model models/default] [--threads 1]
//! ```
//!
//! Kafka is librdkafka's mock cluster inside this process (its brokers take
//! some of the machine's CPU, as a real broker on the same box would); NATS
//! is a `nats-server -js` started here. Tweets come from
//! `../shared/data/unlabeled/tweets.tsv` (text column), repeated if needed.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use tweetner_bus::testing::{publish_all, NatsServer};

struct Args {
    bus: String,
    workers: Vec<usize>,
    tweets: usize,
    runs: usize,
    tweetner: String,
    model: Option<String>,
    threads: usize,
    input: String,
}

fn parse() -> Args {
    let mut a = Args {
        bus: "kafka".into(),
        workers: vec![1, 2, 4],
        tweets: 40_000,
        runs: 3,
        tweetner: "target/release/tweetner".into(),
        model: None,
        threads: 1,
        input: "../shared/data/unlabeled/tweets.tsv".into(),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let [k, v] = pair else {
            panic!("flags take a value: {pair:?}")
        };
        match k.as_str() {
            "--bus" => a.bus = v.clone(),
            "--workers" => {
                a.workers = v
                    .split(',')
                    .map(|w| w.parse().expect("--workers 1,2,4"))
                    .collect()
            }
            "--tweets" => a.tweets = v.parse().expect("--tweets N"),
            "--runs" => a.runs = v.parse().expect("--runs N"),
            "--tweetner" => a.tweetner = v.clone(),
            "--model" => a.model = Some(v.clone()),
            "--threads" => a.threads = v.parse().expect("--threads N"),
            "--input" => a.input = v.clone(),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn load_tweets(path: &str, n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let texts: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.splitn(4, '\t').nth(3))
        .filter(|t| !t.trim().is_empty())
        .take(n)
        .collect();
    assert!(!texts.is_empty(), "{path} has no tweets");
    (0..n)
        .map(|i| {
            serde_json::json!({ "id": format!("t{i}"), "text": texts[i % texts.len()] }).to_string()
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn spawn_workers(a: &Args, w: usize, bus_args: &[String]) -> Vec<Child> {
    (0..w)
        .map(|_| {
            let mut c = Command::new(&a.tweetner);
            c.arg("stream")
                .args(bus_args)
                .args(["--threads", &a.threads.to_string()]);
            if let Some(m) = &a.model {
                c.args(["--model", m]);
            }
            c.stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("tweetner starts")
        })
        .collect()
}

fn stop(workers: Vec<Child>) {
    for mut c in workers {
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let _ = c.wait();
    }
}

/// Seconds between the first and the last of `n` distinct results, read by `next`.
fn time_results(n: usize, mut next: impl FnMut() -> Option<String>) -> f64 {
    let mut seen = HashSet::with_capacity(n);
    let deadline = Instant::now() + Duration::from_secs(900);
    let mut first = None;
    while seen.len() < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} results",
            seen.len()
        );
        if let Some(key) = next() {
            first.get_or_insert_with(Instant::now);
            seen.insert(key);
        }
    }
    first.map_or(0.0, |t| t.elapsed().as_secs_f64())
}

fn kafka_run(
    a: &Args,
    tweets: &[String],
    w: usize,
    run: usize,
    mock: &MockCluster<'_, impl rdkafka::ClientContext>,
) -> f64 {
    let brokers = mock.bootstrap_servers();
    let (input, output) = (format!("in-{w}-{run}"), format!("out-{w}-{run}"));
    mock.create_topic(&input, 8, 1).unwrap();
    mock.create_topic(&output, 8, 1).unwrap();
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    for (i, t) in tweets.iter().enumerate() {
        let key = format!("t{i}");
        let mut rec = BaseRecord::to(&input).key(&key).payload(t);
        while let Err((_, back)) = producer.send(rec) {
            producer.poll(Duration::from_millis(10));
            rec = back;
        }
    }
    producer.flush(Duration::from_secs(60)).unwrap();
    let checker: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", format!("check-{w}-{run}"))
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    checker.subscribe(&[&output]).unwrap();
    let args = strings(&[
        "--bus",
        "kafka",
        "--brokers",
        &brokers,
        "--in",
        &input,
        "--out",
        &output,
        "--group",
        &format!("g-{w}-{run}"),
    ]);
    let workers = spawn_workers(a, w, &args);
    let secs = time_results(tweets.len(), || {
        match checker.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
            _ => None,
        }
    });
    stop(workers);
    secs
}

fn nats_run(
    a: &Args,
    tweets: &[String],
    w: usize,
    run: usize,
    url: &str,
    rt: &tokio::runtime::Runtime,
) -> f64 {
    use async_nats::jetstream::{self, consumer, stream};
    let (input, output) = (format!("in.{w}.{run}"), format!("out.{w}.{run}"));
    let stream_name = format!("IN-{w}-{run}");
    publish_all(
        url,
        &stream_name,
        &input,
        tweets.iter().map(|t| t.clone().into_bytes()),
    )
    .expect("tweets published");
    let mut results = rt.block_on(async {
        let js = jetstream::new(async_nats::connect(url).await.unwrap());
        let out = js
            .create_stream(stream::Config {
                name: format!("OUT-{w}-{run}"),
                subjects: vec![output.clone()],
                ..Default::default()
            })
            .await
            .unwrap();
        let reader = out
            .create_consumer(consumer::pull::OrderedConfig::default())
            .await
            .unwrap();
        reader.messages().await.unwrap()
    });
    let args = strings(&[
        "--bus",
        "nats",
        "--server",
        url,
        "--stream",
        &stream_name,
        "--in",
        &input,
        "--out",
        &output,
        "--group",
        &format!("g-{w}-{run}"),
    ]);
    let workers = spawn_workers(a, w, &args);
    let secs = time_results(tweets.len(), || {
        rt.block_on(async {
            match tokio::time::timeout(Duration::from_millis(100), results.next()).await {
                Ok(Some(Ok(m))) => m
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
                    .map(|v| v.to_string()),
                _ => None,
            }
        })
    });
    stop(workers);
    secs
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let a = parse();
    let tweets = load_tweets(&a.input, a.tweets);
    println!(
        "bus {}, {} tweets per run, {} runs, {} tagging thread(s) per worker",
        a.bus, a.tweets, a.runs, a.threads
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = MockCluster::new(1).unwrap();
    let nats = (a.bus == "nats").then(|| NatsServer::start().expect("nats-server on PATH"));
    let url = nats.as_ref().map_or(String::new(), |n| n.url.clone());
    let mut base = None;
    for &w in &a.workers {
        let rates: Vec<f64> = (0..a.runs)
            .map(|run| {
                let secs = if a.bus == "nats" {
                    nats_run(&a, &tweets, w, run, &url, &rt)
                } else {
                    kafka_run(&a, &tweets, w, run, &mock)
                };
                a.tweets as f64 / secs
            })
            .collect();
        let m = median(rates.clone());
        let ratio = m / *base.get_or_insert(m);
        let all: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "workers {w}: median {m:.0} tweets/s (runs: {}), {ratio:.2}x one worker",
            all.join(", ")
        );
    }
}
