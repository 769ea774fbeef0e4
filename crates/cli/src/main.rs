//! `tweetner`: the one user-facing binary. Each subcommand lives in its own
//! module under `cmd/` and only glues library crates together, so that the
//! behaviour worth testing stays in the libraries.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Named-entity recognition for tweets (WNUT-16 types).
#[derive(Parser)]
#[command(name = "tweetner", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inspect, fetch and convert datasets.
    #[command(subcommand)]
    Data(cmd::data::DataCommand),
    /// Split raw tweets into tokens with byte and char offsets (JSONL out).
    Tokenize(cmd::tokenize::TokenizeArgs),
    /// Score predictions against gold tags exactly as conlleval does.
    Eval(cmd::eval::EvalArgs),
    /// Find entities in tweets (text, JSONL or CoNLL in; JSONL, pretty, CoNLL or IOB out).
    Tag(cmd::tag::TagArgs),
    /// Fit the temperature of a BiLSTM-CRF model's entity scores on held-out tweets.
    Calibrate(cmd::calibrate::CalibrateArgs),
    /// Measure tagging throughput, per-stage time and peak memory on a file.
    Bench(cmd::bench::BenchArgs),
    /// Train a model from a TOML config (dev-F1 selection, checkpoints, --resume, --final).
    Train(cmd::train::TrainArgs),
    /// Serve the model over HTTP (POST /v1/tag, /v1/model, /healthz, /readyz, /metrics).
    Serve(cmd::serve::ServeArgs),
}

fn main() -> ExitCode {
    // clap exits with code 2 on usage errors and 0 for --help/--version.
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let result = match cli.command {
        Command::Data(c) => cmd::data::run(c),
        Command::Tokenize(a) => cmd::tokenize::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Tag(a) => cmd::tag::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Calibrate(a) => cmd::calibrate::run(a),
        Command::Train(a) => cmd::train::run(a),
        Command::Serve(a) => cmd::serve::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`tweetner ... | head`) is the reader's choice, not a failure.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes on one line, skipping a cause whose text the
/// message already carries (several library errors quote their source).
fn describe(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
    }
    msg
}
