//! `tweetner`: the one user-facing binary. Each subcommand lives in its own
//! module under `cmd/` and only glues library crates together, so that the
//! behaviour worth testing stays in the libraries.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

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
    /// Fit the temperature of a BiLSTM-CRF model's entity scores (and its entity bias) on held-out tweets.
    Calibrate(cmd::calibrate::CalibrateArgs),
    /// Measure tagging throughput, per-stage time and peak memory on a file.
    Bench(cmd::bench::BenchArgs),
    /// Train a model from a TOML config (dev-F1 selection, checkpoints, --resume, --final).
    Train(cmd::train::TrainArgs),
    /// Serve the model over HTTP (POST /v1/tag, /v1/model, /healthz, /readyz, /metrics).
    // Boxed: its many limits make it the largest variant by far.
    Serve(Box<cmd::serve::ServeArgs>),
    /// Replay timestamped tweets (JSONL) and write the entity trends they hold.
    Trends(cmd::trends::TrendsArgs),
    /// Work a message bus (Kafka, NATS JetStream): tweets in, entities out, at least once.
    Stream(cmd::stream::StreamArgs),
    /// The models `--model NAME` can name.
    #[command(subcommand)]
    Models(cmd::models::ModelsCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(cmd::shell::CompletionsArgs),
    /// Print the man page, or write one per subcommand into a directory.
    Man(cmd::shell::ManArgs),
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
        Command::Serve(a) => cmd::serve::run(*a),
        Command::Trends(a) => cmd::trends::run(a),
        Command::Stream(a) => cmd::stream::run(a),
        Command::Models(c) => cmd::models::run(c),
        Command::Completions(a) => cmd::shell::completions(a, Cli::command()),
        Command::Man(a) => cmd::shell::man(a, Cli::command()),
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

/// Whether the error is a closed output, however it was wrapped (an I/O
/// error, or one inside serde_json's writer error).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == pipe
            || c.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == pipe
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

#[cfg(test)]
mod tests {
    use std::any::TypeId;

    use clap::CommandFactory;

    use super::*;

    /// Every flag that takes a number, as `(subcommand path, --long name)`.
    fn numeric_flags() -> Vec<(Vec<String>, String)> {
        fn walk(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
            let numeric = [
                TypeId::of::<usize>(),
                TypeId::of::<u64>(),
                TypeId::of::<u32>(),
                TypeId::of::<u16>(),
                TypeId::of::<i64>(),
                TypeId::of::<f64>(),
                TypeId::of::<f32>(),
            ];
            for arg in cmd.get_arguments() {
                let ty = arg.get_value_parser().type_id();
                if let (Some(long), true) = (arg.get_long(), numeric.iter().any(|t| ty == *t)) {
                    out.push((path.clone(), format!("--{long}")));
                }
            }
            for sub in cmd.get_subcommands() {
                path.push(sub.get_name().to_string());
                walk(sub, path, out);
                path.pop();
            }
        }
        let mut out = Vec::new();
        walk(&Cli::command(), &mut Vec::new(), &mut out);
        out
    }

    /// Issue 16: `tag --batch-size 18446744073709551615` overflowed a capacity
    /// and `--batch-size 1000000000` aborted. Every numeric flag now has a
    /// range: 2^64 - 1 (and 2^64) is a usage error, never a value that reaches
    /// an allocation.
    #[test]
    fn every_numeric_flag_refuses_absurd_values_as_usage_errors() {
        let flags = numeric_flags();
        assert!(flags.len() >= 20, "found only {flags:?}");
        for (path, flag) in flags {
            for value in ["18446744073709551615", "18446744073709551616", "1e300"] {
                let mut argv = vec!["tweetner".to_string()];
                argv.extend(path.iter().cloned());
                argv.extend([flag.clone(), value.to_string()]);
                let err = match Cli::try_parse_from(&argv) {
                    Ok(_) => panic!("{argv:?} was accepted"),
                    Err(e) => e,
                };
                // A missing required argument would also be an error: make sure
                // it is this flag's value that was refused.
                assert!(
                    matches!(
                        err.kind(),
                        clap::error::ErrorKind::ValueValidation
                            | clap::error::ErrorKind::InvalidValue
                    ),
                    "{argv:?}: {err}"
                );
                assert_eq!(err.exit_code(), 2, "{argv:?}");
            }
        }
    }
}
