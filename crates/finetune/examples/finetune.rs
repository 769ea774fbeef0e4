//! Fine-tune from a config without the CLI (what `tweetner train --config`
//! does for `model = "transformer"` configs):
//!
//! ```sh
//! cargo run --release -p tweetner-finetune --example finetune -- configs/minilm.toml [--resume]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use tweetner_finetune::{finetune, FinetuneOptions};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(config) = args.next().map(PathBuf::from) else {
        eprintln!("usage: finetune CONFIG.toml [--resume]");
        return ExitCode::from(2);
    };
    let opts = FinetuneOptions {
        resume: args.any(|a| a == "--resume"),
        ..FinetuneOptions::default()
    };
    match finetune(&config, &opts) {
        Ok(s) => {
            println!(
                "model written to {} ({} epochs, {:.0} s)",
                s.out_dir.display(),
                s.epochs_run,
                s.training_seconds
            );
            if let (Some(d), Some(b)) = (s.dev, s.best_epoch) {
                println!(
                    "dev P/R/F1 {:.2}/{:.2}/{:.2} at epoch {b} ({:.0} s to reach it)",
                    d.overall.precision,
                    d.overall.recall,
                    d.overall.f1,
                    s.seconds_to_best.unwrap_or(0.0)
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
