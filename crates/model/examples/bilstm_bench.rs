//! Throughput measurement for the BiLSTM-CRF (not a test).
//!
//! `cargo run --release -p tweetner-model --example bilstm_bench -- [hidden] [layers] [char]`
//! where `char` is `cnn` (default) or `lstm`. Set `RAYON_NUM_THREADS=2` to
//! pin burn's CPU backend to two threads.

use std::time::Instant;

use tweetner_model::burn::module::Module;
use tweetner_model::burn::optim::{AdamConfig, GradientsParams};
use tweetner_model::predict::CrfDecoder;
use tweetner_model::{BiLstmCrf, BiLstmCrfConfig, CharEncoderConfig, FastBiLstmCrf, SentenceInput};

/// The project's seeded generator, so runs are comparable.
use tweetner_core::rng::SplitMix64 as Lcg;

fn labels() -> Vec<String> {
    let mut l = vec!["O".to_string()];
    for t in tweetner_core::labels::WNUT16_TYPES {
        l.push(format!("B-{t}"));
        l.push(format!("I-{t}"));
    }
    l
}

fn sentence(rng: &mut Lcg, len: usize, cfg: &BiLstmCrfConfig) -> SentenceInput {
    SentenceInput {
        word_ids: (0..len)
            .map(|_| 1 + rng.below(cfg.word_vocab_size - 1) as u32)
            .collect(),
        char_ids: (0..len)
            .map(|_| {
                let n = 1 + rng.below(9);
                (0..n)
                    .map(|_| 1 + rng.below(cfg.char_vocab_size - 1) as u32)
                    .collect()
            })
            .collect(),
        dense: (0..len)
            .map(|_| (0..cfg.dense_dim).map(|_| rng.below(2) as f32).collect())
            .collect(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let hidden: usize = args.get(1).map_or(Ok(128), |s| s.parse())?;
    let layers: usize = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let char_encoder = match args.get(3).map(String::as_str) {
        Some("lstm") => CharEncoderConfig::Lstm { hidden: 25 },
        _ => CharEncoderConfig::Cnn {
            filters: 50,
            kernel_size: 3,
        },
    };
    let cfg = BiLstmCrfConfig {
        word_vocab_size: 30_000,
        word_dim: 100,
        freeze_word_embeddings: false,
        char_vocab_size: 300,
        char_dim: 30,
        char_encoder,
        max_word_chars: 30,
        dense_dim: 32,
        hidden_size: hidden,
        num_layers: layers,
        dropout: 0.5,
        labels: labels(),
        bio_constraints: true,
    };
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(str::to_string)
        })
        .unwrap_or_default();
    println!("{cpu}");
    println!(
        "config: hidden {hidden}, layers {layers}, char {:?}, input dim {}, labels {}",
        cfg.char_encoder,
        cfg.input_dim(),
        cfg.labels.len()
    );
    let mut rng = Lcg::new(42);

    // Training step: batch 32, lengths 10..30 (mean ~20).
    let device = tweetner_model::cpu_device().autodiff();
    let mut model = BiLstmCrf::new(cfg.clone(), &device)?;
    let mut optim = AdamConfig::new().init();
    let batches: Vec<(Vec<SentenceInput>, Vec<Vec<usize>>)> = (0..8)
        .map(|_| {
            let sents: Vec<SentenceInput> = (0..32)
                .map(|_| {
                    let len = 10 + rng.below(21);
                    sentence(&mut rng, len, &cfg)
                })
                .collect();
            let gold = sents
                .iter()
                .map(|s| {
                    (0..s.len())
                        .map(|_| if rng.below(5) == 0 { 1 } else { 0 })
                        .collect()
                })
                .collect();
            (sents, gold)
        })
        .collect();
    let mut wall = 0.0;
    let mut cpu = 0.0;
    for (i, (sents, gold)) in batches.iter().enumerate() {
        let (r, w, c) = measure(|| -> Result<(), Box<dyn std::error::Error>> {
            let batch = model.batch(sents, &device)?;
            let loss = model.forward_loss(&batch, gold)?;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-3, model.clone(), grads);
            Ok(())
        });
        r?;
        if i >= 2 {
            wall += w;
            cpu += c;
        }
    }
    let steps = (batches.len() - 2) as f64;
    println!(
        "train step (32 x ~20 tokens): {:.1} ms wall, {:.1} ms CPU (all threads)",
        wall / steps * 1e3,
        cpu / steps * 1e3
    );

    // Inference: batches of 64 sentences, lengths 5..35 (mean 20).
    let model = model.valid();
    let inputs: Vec<Vec<SentenceInput>> = (0..60)
        .map(|_| {
            (0..64)
                .map(|_| {
                    let len = 5 + rng.below(31);
                    sentence(&mut rng, len, &cfg)
                })
                .collect()
        })
        .collect();
    let n: usize = inputs.iter().map(Vec::len).sum();
    let report = |what: &str, count: usize, (w, c): (f64, f64)| {
        println!(
            "{what}: {:.0} tweets/s wall, {:.0} tweets per CPU-second",
            count as f64 / w,
            count as f64 / c
        );
    };
    let (r, w, c) = measure(|| {
        for batch in &inputs[..5] {
            model.predict_sentences(batch)?;
        }
        Ok::<(), tweetner_model::ModelError>(())
    });
    r?;
    report("burn predict, batch 64", 5 * 64, (w, c));

    let fast = FastBiLstmCrf::from_model(&model)?;
    fast.predict(&inputs[0])?;
    let (r, w, c) = measure(|| {
        for batch in &inputs {
            fast.predict(batch)?;
        }
        Ok::<(), tweetner_model::ModelError>(())
    });
    r?;
    report("fast predict, batch 64, 1 thread", n, (w, c));
    let (r, w, c) = measure(|| {
        for batch in &inputs {
            fast.emissions(batch)?;
        }
        Ok::<(), tweetner_model::ModelError>(())
    });
    r?;
    report("fast emissions only, 1 thread", n, (w, c));
    let l = cfg.labels.len();
    let decoder = CrfDecoder::new(model.crf.scores()?, &cfg.labels);
    let em: Vec<f32> = (0..20 * l)
        .map(|_| rng.below(1000) as f32 / 100.0 - 5.0)
        .collect();
    let (r, _, c) = measure(|| {
        for _ in 0..n {
            std::hint::black_box(decoder.decode(std::hint::black_box(&em)));
        }
        Ok::<(), tweetner_model::ModelError>(())
    });
    r?;
    println!(
        "crf decode only (20 tokens): {:.1} us CPU/tweet",
        c * 1e6 / n as f64
    );
    let all: Vec<SentenceInput> = inputs.concat();
    let (r, w, c) = measure(|| {
        let halves: Vec<&[SentenceInput]> = all.chunks(all.len().div_ceil(2)).collect();
        std::thread::scope(|s| {
            for part in halves {
                let fast = &fast;
                s.spawn(move || {
                    for b in part.chunks(64) {
                        let _ = fast.predict(b);
                    }
                });
            }
        });
        Ok::<(), tweetner_model::ModelError>(())
    });
    r?;
    report("fast predict, 2 threads x batches of 64", n, (w, c));
    Ok(())
}

/// Process CPU time (user + system) in seconds, from `/proc/self/stat`.
/// The shared build machine is often oversubscribed, so CPU time is a
/// steadier measure of cost than wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Run `f`, returning its result with elapsed wall and CPU seconds.
fn measure<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (w0, c0) = (Instant::now(), cpu_seconds());
    let out = f();
    (out, w0.elapsed().as_secs_f64(), cpu_seconds() - c0)
}
