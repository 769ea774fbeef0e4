//! Train from a config without the CLI: `cargo run --release -p tweetner-train
//! --example train -- CONFIG [--resume] [--final] [--epochs N] [--out DIR] [--quiet]`.

use std::path::PathBuf;
use std::process::ExitCode;

use tweetner_train::{train, TrainOptions};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut config = None;
    let mut opts = TrainOptions::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--resume" => opts.resume = true,
            "--final" => opts.final_model = true,
            "--quiet" => opts.quiet = true,
            "--epochs" => opts.final_epochs = args.next().and_then(|n| n.parse().ok()),
            "--out" => opts.out_dir = args.next().map(PathBuf::from),
            _ => config = Some(PathBuf::from(a)),
        }
    }
    let Some(config) = config else {
        eprintln!("usage: train CONFIG [--resume] [--final] [--epochs N] [--out DIR] [--quiet]");
        return ExitCode::from(2);
    };
    match train(&config, &opts) {
        Ok(s) => {
            println!(
                "{}: {} epochs, best epoch {:?}, dev F1 {:?}, {:.0} s ({:?} s to best), {} parameters, {} weight bytes",
                s.out_dir.display(),
                s.epochs_run,
                s.best_epoch,
                s.dev.map(|d| d.overall.f1),
                s.training_seconds,
                s.seconds_to_best.map(|t| t.round()),
                s.parameters,
                s.weights_bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
