//! Every endpoint and every limit, over real HTTP on a loopback port.

mod common;

use std::time::Duration;

use common::{cfg, metric, start};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tweetner_serve::testing::MockTagger;
use tweetner_serve::ServeConfig;

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn entity_offsets_slice_the_input_in_chars_and_bytes() {
    let s = start(MockTagger::new(), cfg()).await;
    let text = "😀 met Zoë Ünal at the café in Paris #fun";
    let r = s.post(json!({"text": text})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/json");
    let v = r.json();
    let entities = v["entities"].as_array().expect("entities");
    let names: Vec<&str> = entities
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Zoë Ünal", "Paris"]);
    let chars: Vec<char> = text.chars().collect();
    for e in entities {
        let (start, end) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        let (bs, be) = (
            e["byte_start"].as_u64().unwrap() as usize,
            e["byte_end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[start..end].iter().collect::<String>(),
            e["text"].as_str().unwrap()
        );
        assert_eq!(&text[bs..be], e["text"].as_str().unwrap());
        assert_eq!(e["type"], "person");
        assert!((e["score"].as_f64().unwrap() - 0.75).abs() < 1e-6);
    }
    // Without include_tokens there is no tokens field.
    assert!(v.get("tokens").is_none());
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn batch_form_keeps_order_and_can_include_tokens() {
    let s = start(MockTagger::new(), cfg()).await;
    let texts: Vec<String> = (0..10)
        .map(|i| format!("item {i} for Person{i} today"))
        .collect();
    let r = s
        .post(json!({"texts": texts, "include_tokens": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 10);
    for (i, res) in results.iter().enumerate() {
        assert_eq!(res["entities"][0]["text"], format!("Person{i}"));
        let tokens = res["tokens"].as_array().expect("tokens");
        assert_eq!(tokens.len(), 5);
        assert_eq!(tokens[3]["tag"], "B-person");
        assert_eq!(tokens[0]["tag"], "O");
        assert_eq!(tokens[0]["start"], 0);
        assert_eq!(tokens[0]["end"], 4);
    }
    // An empty list is a valid (empty) batch.
    let r = s.post(json!({"texts": []})).await;
    assert_eq!(
        (r.status, r.json()["results"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn malformed_requests_are_400_or_422_naming_the_field() {
    let s = start(MockTagger::new(), cfg()).await;
    let mut c = s.client().await;
    let r = c
        .request("POST", "/v1/tag", Some(b"{\"text\": ".to_vec()))
        .await
        .unwrap();
    assert_eq!((r.status, error_code(&r.json())), (400, "invalid_json"));
    let r = c
        .request("POST", "/v1/tag", Some(b"not json".to_vec()))
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let r = c
        .post_json("/v1/tag", &json!({"texts": ["ok", 7]}))
        .await
        .unwrap();
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["field"], "texts[1]");
    let r = c.post_json("/v1/tag", &json!({})).await.unwrap();
    assert_eq!(
        (r.status, r.json()["error"]["field"].as_str()),
        (422, Some("text"))
    );
    let r = c
        .post_json("/v1/tag", &json!({"text": "a", "extra": 1}))
        .await
        .unwrap();
    assert_eq!(r.status, 422);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("extra"));
    // The connection survives error answers.
    let r = c
        .post_json("/v1/tag", &json!({"text": "fine"}))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn size_limits_are_413_with_clear_messages() {
    let s = start(MockTagger::new(), cfg()).await;
    let big = "x ".repeat(3000);
    let r = s.post(json!({"text": big})).await;
    assert_eq!((r.status, error_code(&r.json())), (413, "body_too_large"));
    let r = s.post(json!({"texts": vec!["a"; 11]})).await;
    let v = r.json();
    assert_eq!((r.status, error_code(&v)), (413, "too_many_texts"));
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at most 10"));
    let r = s.post(json!({"texts": ["short", "y".repeat(301)]})).await;
    let v = r.json();
    assert_eq!((r.status, error_code(&v)), (413, "text_too_long"));
    assert_eq!(v["error"]["field"], "texts[1]");
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_413() {
    // No Content-Length: the limit must be enforced while reading.
    let s = start(MockTagger::new(), cfg()).await;
    let mut tcp = TcpStream::connect(s.addr).await.unwrap();
    let chunk = "a".repeat(1000);
    let mut req = String::from(
        "POST /v1/tag HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    for _ in 0..5 {
        req.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    req.push_str("0\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("body_too_large"), "{answer}");
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn full_queue_answers_429_at_once() {
    let config = ServeConfig {
        queue_capacity: 1,
        ..cfg()
    };
    let s = start(MockTagger::new().gated(), config).await;
    let a = tokio::spawn({
        let mut c = s.client().await;
        async move { c.post_json("/v1/tag", &json!({"text": "first"})).await }
    });
    s.wait_entered(1).await; // the only worker is now held at the gate
    let b = tokio::spawn({
        let mut c = s.client().await;
        async move { c.post_json("/v1/tag", &json!({"text": "second"})).await }
    });
    s.wait_metric("tweetner_queue_depth", 1.0).await; // the queue is now full
    let started = std::time::Instant::now();
    let r = s.post(json!({"text": "third"})).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "429 must not wait"
    );
    assert_eq!((r.status, error_code(&r.json())), (429, "queue_full"));
    assert_eq!(r.headers["retry-after"], "1");
    s.tagger.release();
    assert_eq!(a.await.unwrap().unwrap().status, 200);
    assert_eq!(b.await.unwrap().unwrap().status, 200);
    let m = s.metrics().await;
    assert_eq!(
        metric(&m, "tweetner_errors_total{code=\"queue_full\"}"),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &m,
            "tweetner_http_requests_total{endpoint=\"/v1/tag\",status=\"429\"}"
        ),
        Some(1.0)
    );
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn slow_requests_time_out_with_504_and_queued_ones_are_skipped() {
    let config = ServeConfig {
        request_timeout_ms: 300,
        ..cfg()
    };
    let s = start(MockTagger::new().gated(), config).await;
    let first = tokio::spawn({
        let mut c = s.client().await;
        async move { c.post_json("/v1/tag", &json!({"text": "held"})).await }
    });
    s.wait_entered(1).await;
    let r = s.post(json!({"text": "queued behind it"})).await;
    assert_eq!((r.status, error_code(&r.json())), (504, "timeout"));
    assert_eq!(first.await.unwrap().unwrap().status, 504);
    s.tagger.release();
    // The queued job's client has gone, so it is dropped instead of tagged.
    s.wait_metric("tweetner_abandoned_requests_total", 1.0)
        .await;
    assert_eq!(s.tagger.batch_sizes(), [1]);
    let r = s.post(json!({"text": "after release"})).await;
    assert_eq!(r.status, 200);
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn concurrent_requests_are_merged_into_batches_of_at_most_max_batch() {
    let config = ServeConfig {
        max_batch: 4,
        ..cfg()
    };
    let s = start(MockTagger::new().gated(), config).await;
    let mut pending = Vec::new();
    let mut c = s.client().await;
    pending.push(tokio::spawn(async move {
        c.post_json("/v1/tag", &json!({"text": "Lead"})).await
    }));
    s.wait_entered(1).await;
    for i in 0..10 {
        let mut c = s.client().await;
        pending.push(tokio::spawn(async move {
            c.post_json("/v1/tag", &json!({"text": format!("Name{i} here")}))
                .await
        }));
    }
    s.wait_metric("tweetner_queue_depth", 10.0).await;
    s.tagger.release();
    for (i, p) in pending.into_iter().enumerate() {
        let r = p.await.unwrap().unwrap();
        assert_eq!(r.status, 200);
        // Each request gets its own text's entities back, whatever batch it was in.
        let want = if i == 0 {
            "Lead".to_string()
        } else {
            format!("Name{}", i - 1)
        };
        assert_eq!(r.json()["entities"][0]["text"], want.as_str());
    }
    assert_eq!(s.tagger.batch_sizes(), [1, 4, 4, 2]);
    let m = s.metrics().await;
    assert_eq!(metric(&m, "tweetner_batch_size_count"), Some(4.0));
    assert_eq!(
        metric(&m, "tweetner_batch_size_bucket{le=\"2\"}"),
        Some(2.0)
    );
    assert_eq!(metric(&m, "tweetner_tweets_tagged_total"), Some(11.0));
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn inference_failures_are_500_and_the_worker_survives() {
    let s = start(MockTagger::new(), cfg()).await;
    for poison in ["FAIL", "PANIC"] {
        let r = s.post(json!({"text": format!("please {poison}")})).await;
        assert_eq!(
            (r.status, error_code(&r.json())),
            (500, "inference_failed"),
            "{poison}"
        );
        let r = s.post(json!({"text": "still Alive"})).await;
        assert_eq!(r.status, 200, "worker survives {poison}");
    }
    let m = s.metrics().await;
    assert_eq!(
        metric(&m, "tweetner_errors_total{code=\"inference_failed\"}"),
        Some(2.0)
    );
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn health_model_and_metrics_endpoints() {
    let s = start(MockTagger::new(), cfg()).await;
    let mut c = s.client().await;
    let r = c.get("/healthz").await.unwrap();
    assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("ok")));
    let r = c.get("/readyz").await.unwrap();
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("ready"))
    );
    let r = c.get("/v1/model").await.unwrap();
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["name"], "mock");
    assert_eq!(v["labels"], json!(["O", "B-person", "I-person"]));
    assert_eq!(v["entity_types"], json!(["person"]));
    assert_eq!(v["info"]["card"]["dev_f1"], 0.5);
    assert_eq!(v["serving"]["max_texts_per_request"], 10);

    let before = s.metrics().await;
    let tagged_before = metric(&before, "tweetner_tweets_tagged_total").unwrap();
    for _ in 0..3 {
        assert_eq!(
            c.post_json("/v1/tag", &json!({"texts": ["a B", "c"]}))
                .await
                .unwrap()
                .status,
            200
        );
    }
    let r = c.get("/metrics").await.unwrap();
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let after = r.text();
    assert_eq!(
        metric(&after, "tweetner_tweets_tagged_total"),
        Some(tagged_before + 6.0)
    );
    assert_eq!(
        metric(
            &after,
            "tweetner_http_requests_total{endpoint=\"/v1/tag\",status=\"200\"}"
        ),
        Some(3.0)
    );
    assert_eq!(
        metric(
            &after,
            "tweetner_http_requests_total{endpoint=\"/healthz\",status=\"200\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &after,
            "tweetner_http_request_duration_seconds_count{endpoint=\"/v1/tag\"}"
        ),
        Some(3.0)
    );
    assert!(metric(&after, "tweetner_tweets_per_second").unwrap() > 0.0);
    assert_eq!(metric(&after, "tweetner_ready"), Some(1.0));

    let r = c.get("/nope").await.unwrap();
    assert_eq!((r.status, error_code(&r.json())), (404, "not_found"));
    let r = c.get("/v1/tag").await.unwrap();
    assert_eq!(
        (r.status, error_code(&r.json())),
        (405, "method_not_allowed")
    );
    s.stop().await.expect("clean stop");
}

/// Every path and method `/openapi.json` documents exists (answers with
/// something other than 404/405), and the document and its page are served.
#[tokio::test]
async fn every_documented_endpoint_exists() {
    let s = start(MockTagger::new(), cfg()).await;
    let mut c = s.client().await;
    let r = c.get("/openapi.json").await.unwrap();
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let page = c.get("/docs").await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/v1/tag"));
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            // The event stream never ends; its route is checked by the trends tests.
            if op["responses"]["200"]["content"]["text/event-stream"].is_object() {
                continue;
            }
            let body = (method == "post").then(|| b"{}".to_vec());
            let mut c = s.client().await;
            let r = c.request(&method.to_uppercase(), path, body).await.unwrap();
            assert!(
                r.status != 404 && r.status != 405,
                "{method} {path} answered {}: {}",
                r.status,
                r.text()
            );
        }
    }
    s.stop().await.expect("clean stop");
}
