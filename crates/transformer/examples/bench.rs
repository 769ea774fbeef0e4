//! Load time and CPU forward-pass time of the pretrained encoders.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo run --release -p tweetner-transformer --example bench -- \
//!     [--cache DIR] [--batch 32] [--batches 5] [minilm] [mpnet]
//! ```
//!
//! Batches are consecutive WNUT-16 train tweets (windows of at most 128
//! tokens, padded to the longest in the batch).

use std::path::PathBuf;
use std::time::Instant;

use tweetner_transformer::{cpu_device, PretrainedEncoder, WindowConfig, Windows};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut cache = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/tweetner/encoders"))
        .unwrap_or_default();
    let (mut batch, mut batches, mut models) = (32usize, 5usize, Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cache" => cache = PathBuf::from(args.next().ok_or("--cache needs a value")?),
            "--batch" => batch = args.next().ok_or("--batch needs a value")?.parse()?,
            "--batches" => batches = args.next().ok_or("--batches needs a value")?.parse()?,
            m => models.push(m.to_string()),
        }
    }
    if models.is_empty() {
        models = vec!["minilm".into(), "mpnet".into()];
    }
    let data =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/wnut16/train.conll");
    let text = std::fs::read_to_string(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    let tweets: Vec<Vec<&str>> = text
        .split("\n\n")
        .map(|b| {
            b.lines()
                .filter_map(|l| l.split('\t').next())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into());
    let device = cpu_device();
    for model in models {
        let t0 = Instant::now();
        let m = PretrainedEncoder::load(&cache.join(&model), &device)?;
        let load = t0.elapsed().as_secs_f64();
        let mut times = Vec::new();
        let mut shapes = Vec::new();
        for chunk in tweets.chunks(batch).take(batches) {
            let aligned = chunk
                .iter()
                .map(|t| m.tokenizer.tokenize(t))
                .collect::<Result<Vec<_>, _>>()?;
            let windows = Windows::new(&aligned, &m.tokenizer, &WindowConfig::default())?;
            let input = m.encoder.input(&windows.input_rows(), &device)?;
            let t0 = Instant::now();
            let out = m.encoder.forward(&input);
            let values = out
                .into_data()
                .try_into_vec_as::<f32>()
                .map_err(|e| format!("{e:?}"))?;
            times.push(t0.elapsed().as_secs_f64());
            shapes.push(input.dims());
            std::hint::black_box(values);
        }
        // The first batch also pays one-off allocation costs; report it apart.
        let rest = &times[1.min(times.len())..];
        let mean = rest.iter().sum::<f64>() / rest.len().max(1) as f64;
        println!(
            "{model}: load {load:.2}s; threads {threads}; batches {shapes:?}; first {:.3}s; mean of rest {mean:.3}s/batch ({:.1} ms/tweet)",
            times.first().copied().unwrap_or(0.0),
            1000.0 * mean / batch as f64
        );
    }
    Ok(())
}
