//! Starting (with a slow model load), readiness, and graceful shutdown.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{cfg, start};
use serde_json::json;
use tokio::net::TcpStream;
use tweetner_serve::client::Client;
use tweetner_serve::testing::MockTagger;
use tweetner_serve::{serve, LoadedModel, ServeConfig, ServeError, Server};

#[tokio::test]
async fn shutdown_finishes_the_in_flight_request_then_stops_listening() {
    let mut s = start(MockTagger::new().gated(), cfg()).await;
    let in_flight = tokio::spawn({
        let mut c = s.client().await;
        async move {
            c.post_json("/v1/tag", &json!({"text": "Held Request"}))
                .await
        }
    });
    s.wait_entered(1).await;
    s.trigger_stop();
    // New connections are refused once the listener is closed…
    let mut refused = false;
    for _ in 0..200 {
        if TcpStream::connect(s.addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "listener still open after shutdown began");
    // …while the server itself waits for the held request.
    assert!(!s.task.is_finished());
    assert!(!in_flight.is_finished());
    s.tagger.release();
    let r = in_flight
        .await
        .unwrap()
        .expect("in-flight request answered");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["entities"][0]["text"], "Held Request");
    s.stop().await.expect("clean stop");
}

#[tokio::test]
async fn readiness_follows_model_loading() {
    let server = Server::bind(cfg()).await.unwrap();
    let addr = server.local_addr();
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run_with_loader(
        move || {
            // Loading takes until the test says so.
            wait.recv().map_err(|e| e.to_string())?;
            Ok(LoadedModel {
                tagger: Arc::new(MockTagger::new()),
                info: None,
            })
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let mut c = Client::connect(addr).await.unwrap();
    assert_eq!(c.get("/healthz").await.unwrap().status, 200);
    let r = c.get("/readyz").await.unwrap();
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (503, Some("loading"))
    );
    let r = c.post_json("/v1/tag", &json!({"text": "x"})).await.unwrap();
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (503, Some("model_loading"))
    );
    assert_eq!(c.get("/v1/model").await.unwrap().status, 503);
    let m = c.get("/metrics").await.unwrap().text();
    assert_eq!(common::metric(&m, "tweetner_ready"), Some(0.0));

    go.send(()).unwrap();
    let mut ready = false;
    for _ in 0..500 {
        if c.get("/readyz").await.unwrap().status == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(ready, "never became ready");
    let r = c
        .post_json("/v1/tag", &json!({"text": "now Ready"}))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let r = c.get("/v1/model").await.unwrap();
    assert_eq!(r.json()["name"], "unnamed");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap()
        .expect("clean stop");
}

#[tokio::test]
async fn a_failing_loader_stops_the_server_with_its_message() {
    let server = Server::bind(cfg()).await.unwrap();
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        server.run_with_loader(
            || Err("weights.safetensors: missing tensor".to_string()),
            std::future::pending(),
        ),
    )
    .await
    .expect("returns without a shutdown signal");
    match result {
        Err(ServeError::Model(m)) => assert!(m.contains("missing tensor"), "{m}"),
        other => panic!("expected a model error, got {other:?}"),
    }
    let panicking = Server::bind(cfg()).await.unwrap();
    let result = panicking
        .run_with_loader(|| panic!("loader bug"), std::future::pending())
        .await;
    assert!(matches!(result, Err(ServeError::Model(m)) if m.contains("panicked")));
}

#[tokio::test]
async fn serve_returns_when_the_shutdown_future_completes() {
    let tagger: tweetner_serve::SharedTagger = Arc::new(MockTagger::new());
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        serve(tagger, None, cfg(), async {}),
    )
    .await
    .expect("stops");
    assert!(r.is_ok(), "{r:?}");
}

#[tokio::test]
async fn binding_a_used_port_or_a_bad_config_is_an_error() {
    let s = start(MockTagger::new(), cfg()).await;
    let taken = ServeConfig {
        addr: s.addr,
        ..cfg()
    };
    let err = Server::bind(taken).await.unwrap_err();
    assert!(matches!(err, ServeError::Bind { .. }));
    assert!(err.to_string().contains(&s.addr.to_string()), "{err}");
    let zero = ServeConfig {
        max_batch: 0,
        ..cfg()
    };
    assert!(matches!(
        Server::bind(zero).await,
        Err(ServeError::Config { .. })
    ));
    s.stop().await.expect("clean stop");
}
