//! `tweetner train`: train a model from a TOML config (see `configs/`).
//!
//! All behaviour lives in `tweetner-train` (BiLSTM-CRF) and
//! `tweetner-finetune` (transformers); this only maps flags to their options
//! and prints the summary. [`TrainerKind::of_file`] decides which: a
//! top-level `model = "transformer"` goes to the fine-tuner, a `[model]` table
//! (or none) to the BiLSTM-CRF trainer, any other `model` is an error.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use tweetner_train::{train, TrainOptions};
use tweetner_trainkit::TrainerKind;

#[derive(Args)]
pub struct TrainArgs {
    /// Training configuration (TOML; paths in it are relative to the file).
    #[arg(long)]
    pub config: PathBuf,
    /// Continue the interrupted run in the output directory from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Retrain on train + dev for the epoch count selected on dev (no dev score is
    /// claimed); the count comes from --epochs or the selection run's card.
    #[arg(long)]
    pub r#final: bool,
    /// Epochs for --final (default: the kept epoch of the run in the config's output dir).
    #[arg(long, requires = "final", value_parser = super::limits::ranged::<usize>(super::limits::EPOCHS))]
    pub epochs: Option<usize>,
    /// Selection run whose card gives the epoch count for --final.
    #[arg(long, requires = "final", conflicts_with = "epochs")]
    pub from_run: Option<PathBuf>,
    /// Output directory (default: the config's `[output] dir`, `-final` appended for --final).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar or per-epoch lines.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: TrainArgs) -> Result<()> {
    if TrainerKind::of_file(&args.config)? == TrainerKind::Transformer {
        return run_transformer(args);
    }
    let opts = TrainOptions {
        resume: args.resume,
        final_model: args.r#final,
        final_epochs: args.epochs,
        selection_run: args.from_run,
        out_dir: args.out,
        quiet: args.quiet,
    };
    let s = train(&args.config, &opts)
        .with_context(|| format!("training from {}", args.config.display()))?;
    print_summary(&s)?;
    Ok(())
}

/// `model = "transformer"` configs: fine-tune a pretrained encoder.
fn run_transformer(args: TrainArgs) -> Result<()> {
    let opts = tweetner_finetune::FinetuneOptions {
        resume: args.resume,
        final_model: args.r#final,
        final_epochs: args.epochs,
        selection_run: args.from_run,
        out_dir: args.out,
        quiet: args.quiet,
        stop_after_epochs: None,
    };
    let s = tweetner_finetune::finetune(&args.config, &opts)
        .with_context(|| format!("fine-tuning from {}", args.config.display()))?;
    print_summary(&s)?;
    Ok(())
}

/// The closing lines both trainers print, so BiLSTM and transformer runs read alike.
fn print_summary(s: &tweetner_trainkit::RunSummary) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let mut line = format!(
        "model written to {} ({} epochs, {:.0} s",
        s.out_dir.display(),
        s.epochs_run,
        s.training_seconds
    );
    if s.stopped_early {
        line.push_str(", stopped early");
    }
    line.push(')');
    writeln!(out, "{line}")?;
    if let Some((dev, best)) = s.dev.as_ref().zip(s.best_epoch) {
        writeln!(
            out,
            "dev P/R/F1 {:.2}/{:.2}/{:.2} at epoch {best} ({:.0} s to reach it)",
            dev.overall.precision,
            dev.overall.recall,
            dev.overall.f1,
            s.seconds_to_best.unwrap_or(0.0)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("configs/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                toml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }

    /// The README's commands name these files; a renamed field (the configs deny
    /// unknown ones) or a stale option would otherwise surface only when someone
    /// runs that command.
    #[test]
    fn every_shipped_config_parses_with_the_trainer_train_would_pick() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        let mut files = Vec::new();
        toml_files(&dir, &mut files);
        assert!(files.len() >= 20, "found only {files:?}");
        for path in files {
            let parsed = match tweetner_trainkit::TrainerKind::of_file(&path) {
                Ok(tweetner_trainkit::TrainerKind::Transformer) => {
                    tweetner_finetune::FinetuneConfig::load(&path)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
                Ok(tweetner_trainkit::TrainerKind::BiLstmCrf) => {
                    tweetner_train::TrainConfig::load(&path)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = parsed {
                panic!("{}: {e}", path.display());
            }
        }
    }
}
