//! Stream workers feeding the server's trend detector (issue 13): a
//! `tweetner stream` worker tags tweets from NATS JetStream into a results
//! subject, and `tweetner serve --trends-bus nats --trends-from results`
//! follows that subject, so `/v1/trends` counts every tweet the worker
//! tagged, in the tweets' own time, and `/v1/trends/tweets` shows them.
//!
//! Needs `nats-server` (installed by `.ci/run`, which sets
//! `TWEETNER_REQUIRE_NATS=1` so this cannot skip there).

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{free_port, KillOnDrop};
use serde_json::{json, Value};
use tweetner_bus::testing::{publish_all, NatsServer};

const TWEETS: usize = 300;
/// 2013-04-15T18:50:00Z, in ms.
const START_MS: i64 = 1_366_051_800_000;

fn get(port: u16, path: &str) -> Option<Value> {
    let text = common::http(port, &format!("GET {path} HTTP/1.1"))?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then(|| serde_json::from_str(body).ok())?
}

#[test]
fn the_servers_trends_count_every_tweet_a_stream_worker_tags() {
    let server = match NatsServer::start() {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var("TWEETNER_REQUIRE_NATS").as_deref() != Ok("1"),
                "TWEETNER_REQUIRE_NATS=1 but no nats-server on PATH"
            );
            eprintln!("skipped: no nats-server on PATH (apt install nats-server)");
            return;
        }
        Err(e) => panic!("nats-server: {e}"),
    };
    let port = free_port();
    let _serve = KillOnDrop(
        common::bin()
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--workers",
                "1",
            ])
            .args(["--trends-bus", "nats", "--trends-from", "results"])
            .args(["--trends-server", &server.url])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve starts"),
    );
    let _worker = KillOnDrop(
        common::bin()
            .args(["stream", "--bus", "nats", "--server", &server.url])
            .args(["--in", "tweets", "--out", "results", "--threads", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the worker starts"),
    );
    let tweets = (0..TWEETS).map(|i| {
        let place = ["Paris", "London", "Boston"][i % 3];
        json!({
            "id": format!("t{i}"),
            "created_at": START_MS + i as i64 * 1_000,
            "text": format!("Obama lands in {place} tonight ({i})"),
        })
        .to_string()
        .into_bytes()
    });
    publish_all(&server.url, "TWEETS", "tweets", tweets).expect("tweets published");

    let deadline = Instant::now() + Duration::from_secs(120);
    let stats = loop {
        let trends = get(port, "/v1/trends");
        let stats = trends.as_ref().map(|t| t["stats"].clone());
        if let Some(s) = &stats {
            if s["tweets_in"].as_u64() == Some(TWEETS as u64) {
                break s.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "the trend detector saw {stats:?} of {TWEETS} tweets"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    // The tweets' own times, not the clock: the last is 299 s after the first.
    assert_eq!(
        stats["max_time_ms"].as_i64(),
        Some(START_MS + (TWEETS as i64 - 1) * 1_000),
        "{stats}"
    );
    assert_eq!(stats["duplicates"].as_u64(), Some(0), "{stats}");
    // The dashboard can show the tweets behind a trend, with their entities.
    let shown = get(port, "/v1/trends/tweets?ids=t0").expect("tweets answer");
    let t0 = &shown["tweets"][0];
    assert_eq!(t0["id"], "t0", "{shown}");
    assert!(t0["text"].as_str().unwrap().contains("Paris"), "{shown}");
    assert!(t0["entities"].is_array(), "{shown}");
}
