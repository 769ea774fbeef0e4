//! `/v1/trends*` and the dashboard over real HTTP: ingest, ranking, the
//! tweets behind a trend, the live event stream, `/v1/tag` feeding the
//! detector, and shutdown with an event stream open.

mod common;

use std::time::Duration;

use common::{start, trend_cfg, TestServer};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tweetner_serve::testing::MockTagger;

const MIN: i64 = 60_000;
const T0: i64 = 1_366_000_000_000;

fn tweet(t: i64, id: &str, author: &str, entity: (&str, &str)) -> Value {
    json!({
        "id": id, "created_at": t, "author": author,
        "text": format!("talking about {}", entity.0),
        "entities": [{"text": entity.0, "type": entity.1, "start": 14, "end": 14 + entity.0.chars().count()}],
    })
}

async fn ingest(s: &TestServer, tweets: Vec<Value>) -> Value {
    let r = s
        .client()
        .await
        .post_json("/v1/trends/ingest", &json!({ "tweets": tweets }))
        .await
        .expect("answer");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

async fn get(s: &TestServer, path: &str) -> (u16, Value) {
    let r = s.client().await.get(path).await.expect("answer");
    (r.status, r.json())
}

/// Two quiet hours about Paris, then a burst of one new name.
async fn replay_with_burst(s: &TestServer) -> Value {
    let quiet: Vec<Value> = (0..120)
        .map(|m| {
            tweet(
                T0 + m * MIN,
                &format!("q{m}"),
                &format!("u{m}"),
                ("Paris", "geo-loc"),
            )
        })
        .collect();
    let v = ingest(s, quiet).await;
    assert_eq!(
        (v["accepted"].as_u64(), v["tagged"].as_u64()),
        (Some(120), Some(0))
    );
    assert!(v["events"].as_array().unwrap().is_empty(), "{v}");
    let burst: Vec<Value> = (0..40)
        .map(|i| {
            let t = T0 + 120 * MIN + i * 1000;
            tweet(
                t,
                &format!("b{i}"),
                &format!("fan{i}"),
                ("Zorblat Quux", "person"),
            )
        })
        .collect();
    ingest(s, burst).await
}

/// Reads a server-sent event stream until `needle` appears (bounded).
async fn read_stream_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains(needle) {
            let n = stream.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
    .await;
    assert!(
        found.is_ok() && seen.contains(needle),
        "no {needle:?} in {seen:?}"
    );
    seen
}

async fn open_stream(s: &TestServer) -> TcpStream {
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let req = format!("GET /v1/trends/events HTTP/1.1\r\nHost: {}\r\n\r\n", s.addr);
    stream.write_all(req.as_bytes()).await.unwrap();
    read_stream_until(&mut stream, "text/event-stream").await;
    stream
}

#[tokio::test]
async fn a_burst_is_ranked_streamed_and_traced_back_to_its_tweets() {
    let s = start(MockTagger::new(), trend_cfg()).await;
    let mut stream = open_stream(&s).await;
    let v = replay_with_burst(&s).await;
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{v}");
    assert_eq!(events[0]["entity"], "Zorblat Quux");
    // The same event arrives on the live stream.
    let seen = read_stream_until(&mut stream, "Zorblat Quux").await;
    assert!(seen.contains("event: trend"), "{seen}");

    let (status, top) = get(&s, "/v1/trends?k=5").await;
    assert_eq!(status, 200, "{top}");
    assert_eq!(top["trending"][0]["entity"], "Zorblat Quux");
    assert_eq!(top["trending"][0]["bursting"], true);
    assert_eq!(
        top["by_type"]["person"]["trending"][0]["entity"],
        "Zorblat Quux"
    );
    assert_eq!(top["by_type"]["geo-loc"]["busiest"][0]["entity"], "Paris");
    let spark = top["by_type"]["geo-loc"]["busiest"][0]["sparkline"]
        .as_array()
        .unwrap();
    assert!(spark.len() > 10, "{spark:?}");
    assert_eq!(top["events"][0]["entity"], "Zorblat Quux");
    // Event time: the newest tweet waits for a newer one (lateness 0 here),
    // so 159 of the 160 are counted so far.
    assert_eq!(top["stats"]["tweets_applied"], 159);
    assert_eq!(top["stats"]["pending"], 1);
    assert_eq!(top["as_of"], T0 + 120 * MIN + 38_000);
    let (_, one) = get(&s, "/v1/trends?type=geo-loc&k=1").await;
    assert_eq!(one["busiest"].as_array().unwrap().len(), 1);
    assert!(one["trending"].as_array().unwrap().is_empty());
    assert!(one.get("by_type").is_none());

    // The tweets behind it, by entity and by an event's sample ids.
    let (status, t) = get(
        &s,
        "/v1/trends/tweets?entity=Zorblat%20Quux&type=person&limit=3",
    )
    .await;
    assert_eq!(status, 200, "{t}");
    let tweets = t["tweets"].as_array().unwrap();
    assert_eq!(tweets.len(), 3);
    assert_eq!(tweets[0]["id"], "b39");
    assert_eq!(tweets[0]["entities"][0]["start"], 14);
    let ids: Vec<&str> = events[0]["sample_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    let (_, t) = get(&s, &format!("/v1/trends/tweets?ids={}", ids.join(","))).await;
    assert_eq!(t["tweets"].as_array().unwrap().len(), ids.len());
    s.stop().await.unwrap();
}

#[tokio::test]
async fn tagged_texts_feed_the_detector_and_untagged_tweets_are_tagged() {
    let s = start(MockTagger::new(), trend_cfg()).await;
    let r = s
        .post(json!({"texts": ["Barack Obama in town", "saw Barack Obama"]}))
        .await;
    assert_eq!(r.status, 200);
    // `/v1/tag` texts are timed by the clock; these come a minute later, and
    // the second, without entities, moves event time past the first.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let v = ingest(
        &s,
        vec![
            json!({"id": "x1", "created_at": now + MIN, "text": "hello Zoe Smith"}),
            json!({"id": "x2", "created_at": now + 2 * MIN, "entities": []}),
        ],
    )
    .await;
    assert_eq!(
        (v["accepted"].as_u64(), v["tagged"].as_u64()),
        (Some(2), Some(1))
    );
    let (_, top) = get(&s, "/v1/trends?k=10").await;
    let busy: Vec<&str> = top["busiest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entity"].as_str().unwrap())
        .collect();
    assert!(
        busy.contains(&"Barack Obama") && busy.contains(&"Zoe Smith"),
        "{top}"
    );
    let (_, t) = get(&s, "/v1/trends/tweets?entity=Zoe%20Smith").await;
    assert_eq!(t["tweets"][0]["text"], "hello Zoe Smith");
    assert_eq!(t["tweets"][0]["entities"][0]["start"], 6);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn bad_requests_name_their_field() {
    let s = start(MockTagger::new(), trend_cfg()).await;
    for (path, field) in [
        ("/v1/trends?k=0", "k"),
        ("/v1/trends?k=many", "query"),
        ("/v1/trends?colour=red", "query"),
        ("/v1/trends/tweets", "entity"),
        ("/v1/trends/tweets?entity=x&limit=1000", "limit"),
    ] {
        let (status, v) = get(&s, path).await;
        assert_eq!(status, 422, "{path}: {v}");
        assert_eq!(v["error"]["field"], field, "{path}: {v}");
    }
    let r = s
        .client()
        .await
        .post_json(
            "/v1/trends/ingest",
            &json!({"tweets": [{"id": "a", "created_at": "soon", "text": "x"}]}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["field"], "tweets[0].created_at");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn trends_can_be_switched_off() {
    let mut c = trend_cfg();
    c.trends.enabled = false;
    let s = start(MockTagger::new(), c).await;
    for path in ["/v1/trends", "/v1/trends/events", "/v1/trends/tweets?ids=a"] {
        let (status, v) = get(&s, path).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (404, Some("trends_disabled"))
        );
    }
    assert_eq!(s.post(json!({"text": "Barack Obama"})).await.status, 200);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn event_streams_are_bounded_and_end_at_shutdown() {
    let mut c = trend_cfg();
    c.trends.max_event_streams = 1;
    let s = start(MockTagger::new(), c).await;
    let mut stream = open_stream(&s).await;
    let (status, v) = get(&s, "/v1/trends/events").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (503, Some("too_many_streams"))
    );
    // Shutdown must not wait for the open stream: it ends, and so does the server.
    s.stop().await.unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the event stream was not closed");
}

#[tokio::test]
async fn the_dashboard_is_served_from_the_binary() {
    let s = start(MockTagger::new(), trend_cfg()).await;
    let r = s.client().await.get("/").await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
    assert!(r.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    assert!(r.text().contains("/dashboard.js"));
    let js = s.client().await.get("/dashboard.js").await.unwrap();
    assert_eq!(js.status, 200);
    assert!(js.text().contains("/v1/trends/events"));
    s.stop().await.unwrap();
}
