//! Shared helpers: start a server on a free loopback port with a mock tagger.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tweetner_serve::client::Client;
use tweetner_serve::testing::MockTagger;
use tweetner_serve::{ServeConfig, ServeError, Server, TrendsConfig};
use tweetner_trends::TrendConfig;

/// Settings for tests: loopback, port 0, one worker (deterministic batching).
pub fn cfg() -> ServeConfig {
    ServeConfig {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        max_batch: 8,
        max_wait_ms: 0,
        queue_capacity: 16,
        workers: 1,
        body_limit_bytes: 4096,
        max_texts_per_request: 10,
        max_text_bytes: 300,
        max_text_tokens: 300,
        queue_tokens: 1 << 18,
        request_timeout_ms: 5_000,
        header_read_timeout_ms: 5_000,
        max_connections: 64,
        listen_backlog: 1024,
        max_connections_per_ip: 64,
        write_timeout_ms: 5_000,
        shutdown_timeout_ms: 10_000,
        cors_origins: Vec::new(),
        api_key_file: None,
        access_log: false,
        trends: Default::default(),
    }
}

/// [`cfg`] with room for replays and a detector that warms up in half an
/// hour and holds nothing back for reordering, for the trends tests.
pub fn trend_cfg() -> ServeConfig {
    ServeConfig {
        max_texts_per_request: 256,
        body_limit_bytes: 1 << 20,
        trends: TrendsConfig {
            detector: TrendConfig {
                warmup_min: 30,
                lateness_ms: 0,
                ..TrendConfig::default()
            },
            ..TrendsConfig::default()
        },
        ..cfg()
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub tagger: Arc<MockTagger>,
    stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<Result<(), ServeError>>,
}

pub async fn start(tagger: MockTagger, cfg: ServeConfig) -> TestServer {
    let tagger = Arc::new(tagger);
    let server = Server::bind(cfg).await.expect("bind");
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let shared: tweetner_serve::SharedTagger = tagger.clone();
    let info = serde_json::json!({"name": "mock", "card": {"dev_f1": 0.5}});
    let task = tokio::spawn(server.run(shared, Some(info), async move {
        let _ = stopped.await;
    }));
    TestServer {
        addr,
        tagger,
        stop: Some(stop),
        task,
    }
}

impl TestServer {
    pub async fn client(&self) -> Client {
        Client::connect(self.addr).await.expect("connect")
    }

    /// Begin graceful shutdown without waiting for it.
    pub fn trigger_stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }

    /// Shut down and wait (bounded) for the server to finish.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        self.trigger_stop();
        self.tagger.release();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("server stops within 10 s")
            .expect("server task did not panic")
    }

    /// A one-off request on a fresh connection.
    pub async fn post(&self, body: serde_json::Value) -> tweetner_serve::client::Reply {
        self.client()
            .await
            .post_json("/v1/tag", &body)
            .await
            .expect("answer")
    }

    pub async fn metrics(&self) -> String {
        let r = self.client().await.get("/metrics").await.expect("metrics");
        assert_eq!(r.status, 200);
        r.text()
    }

    /// Poll `/metrics` until `sample` has `value` (bounded wait).
    pub async fn wait_metric(&self, sample: &str, value: f64) {
        for _ in 0..500 {
            if metric(&self.metrics().await, sample) == Some(value) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{sample} never reached {value}");
    }

    /// Wait (bounded) until the mock tagger has started `n` batches.
    pub async fn wait_entered(&self, n: usize) {
        for _ in 0..500 {
            if self.tagger.entered() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("tagger never entered {n} batches");
    }
}

/// The value of the sample line whose name-and-labels part equals `sample`.
pub fn metric(text: &str, sample: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (name, value) = l.rsplit_once(' ')?;
        (name == sample).then(|| value.parse().ok())?
    })
}
