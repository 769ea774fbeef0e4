//! The server with a real model directory: a tiny, randomly initialised
//! BiLSTM-CRF written with `tweetner_tagger::write_model` and loaded back with
//! `load_model`, as `tweetner serve` does. Its predictions are arbitrary, so
//! the test checks what must hold for any model: concurrent, micro-batched
//! requests get exactly what tagging each text directly gives, and offsets
//! slice the input.

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tweetner_features::{FeatureConfig, FeatureExtractor};
use tweetner_model::burn::tensor::Device;
use tweetner_model::{BiLstmCrf, BiLstmCrfConfig, CharEncoderConfig};
use tweetner_serve::client::Client;
use tweetner_serve::{LoadedModel, ServeConfig, Server};
use tweetner_tagger::{load_model, model_info, write_model, WeightPrecision};

const TEXTS: [&str; 8] = [
    "RT @bob : I love New York !",
    "Watching #Lost with Mary 2day http://t.co/x :)",
    "Mary and Bob went to Paris and London for the weekend",
    "lol",
    "",
    "the Yankees beat the Red Sox at Fenway Park last night",
    "😀 Zoë à Montréal ce soir",
    "Apple iPhone launch in San Francisco",
];

fn write_tiny_model(dir: &std::path::Path) {
    let sentences: Vec<Vec<String>> = TEXTS
        .iter()
        .map(|t| {
            tweetner_text::tokenize(t)
                .into_iter()
                .map(|t| t.text)
                .collect()
        })
        .collect();
    let fx = FeatureExtractor::build(
        &sentences,
        None,
        None,
        FeatureConfig {
            max_word_chars: 10,
            ..FeatureConfig::default()
        },
    );
    let labels = ["O", "B-person", "I-person", "B-geo-loc", "I-geo-loc"];
    let config = BiLstmCrfConfig {
        word_vocab_size: fx.word_vocab.len(),
        word_dim: 6,
        freeze_word_embeddings: false,
        char_vocab_size: fx.char_vocab.len(),
        char_dim: 4,
        char_encoder: CharEncoderConfig::Cnn {
            filters: 5,
            kernel_size: 3,
        },
        max_word_chars: 10,
        dense_dim: fx.dense_dim(),
        hidden_size: 5,
        num_layers: 1,
        dropout: 0.0,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        bio_constraints: true,
    };
    let device = Device::default();
    device.seed(11);
    let net = BiLstmCrf::new(config, &device).expect("valid config");
    write_model(dir, "tiny-random", &net, &fx, WeightPrecision::F32).expect("write model");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loaded_model_directory_serves_the_same_entities_as_direct_tagging() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tiny_model(dir.path());
    let expected = {
        let tagger = load_model(dir.path()).expect("load");
        tweetner_core::annotate(tagger.as_ref(), &TEXTS).expect("direct tagging")
    };
    let info = serde_json::to_value(model_info(dir.path()).expect("info")).expect("json");

    // Room for all 24 requests at once: this test is about the entities, not
    // about backpressure (a busy machine drains the queue more slowly).
    let cfg = ServeConfig {
        workers: 2,
        max_wait_ms: 5,
        queue_capacity: 64,
        ..common::cfg()
    };
    let server = Server::bind(cfg).await.expect("bind");
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let model_dir = dir.path().to_path_buf();
    let task = tokio::spawn(server.run_with_loader(
        move || {
            let tagger = load_model(&model_dir).map_err(|e| e.to_string())?;
            Ok(LoadedModel {
                tagger: Arc::from(tagger),
                info: Some(info),
            })
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let mut c = Client::connect(addr).await.expect("connect");
    let mut ready = false;
    for _ in 0..500 {
        if c.get("/readyz").await.expect("readyz").status == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(ready, "model never loaded");
    let m = c.get("/v1/model").await.expect("model").json();
    assert_eq!(m["name"], "tiny-random");
    assert_eq!(m["entity_types"], json!(["geo-loc", "person"]));

    // Each text on its own connection, all at once, so the batcher merges them.
    let mut pending = Vec::new();
    for round in 0..3 {
        for (i, text) in TEXTS.iter().enumerate() {
            let mut c = Client::connect(addr).await.expect("connect");
            let body = json!({"text": text, "include_tokens": round == 0});
            pending.push((
                i,
                tokio::spawn(async move { c.post_json("/v1/tag", &body).await }),
            ));
        }
    }
    for (i, p) in pending {
        let r = p.await.expect("task").expect("answer");
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        // Through a string, as the server sends it (f32 scores print shortest).
        let want: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&expected[i].entities).expect("json"))
                .expect("json");
        assert_eq!(v["entities"], want, "text {i}");
        let chars: Vec<char> = TEXTS[i].chars().collect();
        for e in v["entities"].as_array().expect("entities") {
            let (s, t) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                chars[s..t].iter().collect::<String>(),
                e["text"].as_str().unwrap()
            );
        }
        if let Some(tokens) = v.get("tokens") {
            assert_eq!(tokens.as_array().unwrap().len(), expected[i].tokens.len());
        }
    }
    let metrics = c.get("/metrics").await.expect("metrics").text();
    assert_eq!(
        common::metric(&metrics, "tweetner_tweets_tagged_total"),
        Some(3.0 * TEXTS.len() as f64)
    );
    stop.send(()).expect("stop");
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("stops")
        .expect("task")
        .expect("clean stop");
}
