//! Request ids, API keys and CORS on a running server (issue 16).

mod common;

use common::{cfg, start};
use tweetner_serve::client::{Client, Reply};
use tweetner_serve::testing::MockTagger;
use tweetner_serve::ServeConfig;

const BODY: &[u8] = br#"{"text": "Obama in Paris"}"#;

/// `POST /v1/tag` of [`BODY`] with `headers`.
async fn post_tag(c: &mut Client, headers: &[(&str, &str)]) -> Reply {
    c.request_with("POST", "/v1/tag", headers, Some(BODY.to_vec()))
        .await
        .unwrap()
}

#[tokio::test]
async fn requests_get_an_id_and_keep_the_clients() {
    let s = start(MockTagger::new(), cfg()).await;
    let mut c = s.client().await;
    let a = c.get("/healthz").await.unwrap();
    let b = c.get("/healthz").await.unwrap();
    let id =
        |r: &tweetner_serve::client::Reply| r.headers["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(id(&a), id(&b), "each request gets its own id");
    let mine = c
        .request_with("GET", "/healthz", &[("x-request-id", "trace-42")], None)
        .await
        .unwrap();
    assert_eq!(id(&mine), "trace-42");
    // An unusable id (spaces) is replaced, not echoed.
    let bad = c
        .request_with("GET", "/healthz", &[("x-request-id", "a b")], None)
        .await
        .unwrap();
    assert_ne!(id(&bad), "a b");
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn with_an_api_key_file_only_probes_and_docs_are_open() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::write(&keys, "# the dashboard\nk-123\n").unwrap();
    let config = ServeConfig {
        api_key_file: Some(keys),
        ..cfg()
    };
    let s = start(MockTagger::new(), config).await;
    let mut c = s.client().await;
    for path in ["/healthz", "/readyz", "/openapi.json", "/docs"] {
        assert_eq!(c.get(path).await.unwrap().status, 200, "{path}");
    }
    let none = c
        .request("POST", "/v1/tag", Some(BODY.to_vec()))
        .await
        .unwrap();
    assert_eq!(none.status, 401);
    assert_eq!(none.json()["error"]["code"], "unauthorized");
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    for auth in ["Bearer k-12", "Bearer k-1234", "Basic k-123", "k-123"] {
        let r = post_tag(&mut c, &[("authorization", auth)]).await;
        assert_eq!(r.status, 401, "{auth}");
    }
    let ok = post_tag(&mut c, &[("authorization", "Bearer k-123")]).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(c.get("/metrics").await.unwrap().status, 401);
    s.stop().await.expect("clean stop");
}

/// The dashboard with `--api-key-file` (noticed in issue 16): its page loads
/// without a key, and its reads of `/v1/trends...` may carry the key as
/// `access_token` (EventSource cannot send headers); nothing else accepts a
/// key in the URL.
#[tokio::test]
async fn the_dashboard_reads_trends_with_a_key_in_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::write(&keys, "k-123\n").unwrap();
    let config = ServeConfig {
        api_key_file: Some(keys),
        ..common::trend_cfg()
    };
    let s = start(MockTagger::new(), config).await;
    let mut c = s.client().await;
    for path in ["/", "/dashboard.js", "/dashboard.css"] {
        assert_eq!(c.get(path).await.unwrap().status, 200, "{path}");
    }
    assert_eq!(c.get("/v1/trends?k=3").await.unwrap().status, 401);
    let wrong = c.get("/v1/trends?k=3&access_token=k-12").await.unwrap();
    assert_eq!(wrong.status, 401);
    // The handler never sees the parameter (its query parser rejects
    // unknown fields), so `k` still applies.
    let ok = c.get("/v1/trends?k=3&access_token=k-123").await.unwrap();
    assert_eq!(ok.status, 200, "{}", ok.text());
    let first = c.get("/v1/trends?access_token=k-123").await.unwrap();
    assert_eq!(first.status, 200, "{}", first.text());
    let tag = c
        .request("POST", "/v1/tag?access_token=k-123", Some(BODY.to_vec()))
        .await
        .unwrap();
    assert_eq!(tag.status, 401);
    assert_eq!(
        c.get("/metrics?access_token=k-123").await.unwrap().status,
        401
    );
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn cors_lets_listed_origins_in_and_no_others() {
    let config = ServeConfig {
        cors_origins: vec!["https://dash.example.org".into()],
        ..cfg()
    };
    let s = start(MockTagger::new(), config).await;
    let mut c = s.client().await;
    let preflight = |origin: &'static str| {
        [
            ("origin", origin),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ]
    };
    let r = c
        .request_with(
            "OPTIONS",
            "/v1/tag",
            &preflight("https://dash.example.org"),
            None,
        )
        .await
        .unwrap();
    assert!(r.status < 300, "{}", r.status);
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://dash.example.org"
    );
    let other = c
        .request_with(
            "OPTIONS",
            "/v1/tag",
            &preflight("https://evil.example"),
            None,
        )
        .await
        .unwrap();
    assert!(other.headers.get("access-control-allow-origin").is_none());
    let post = post_tag(&mut c, &[("origin", "https://dash.example.org")]).await;
    assert_eq!(post.status, 200);
    assert_eq!(
        post.headers["access-control-allow-origin"],
        "https://dash.example.org"
    );
    s.stop().await.expect("clean stop");
    // Without origins configured, no CORS headers at all.
    let plain = start(MockTagger::new(), cfg()).await;
    let mut c = plain.client().await;
    let r = post_tag(&mut c, &[("origin", "https://dash.example.org")]).await;
    assert!(r.headers.get("access-control-allow-origin").is_none());
    plain.stop().await.expect("clean stop");
}

#[test]
fn origins_that_are_not_origins_are_config_errors() {
    for bad in ["dash.example.org", "https://a.org/", "https://a b"] {
        let cfg = ServeConfig {
            cors_origins: vec![bad.into()],
            ..ServeConfig::default()
        };
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("cors_origins"), "{bad}: {err}");
    }
}
