//! Scores a scorer-format file (`token ... gold pred` lines) and prints the
//! scorer's output followed by the extra analyses, so a prediction file can be
//! inspected without the rest of the pipeline.
//!
//! `cargo run -p tweetner-eval --example score -- FILE [--json]`

use std::io::{BufReader, Write};
use std::process::ExitCode;

use tweetner_eval::{score_conlleval, EvalOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: score FILE [--json]");
        return ExitCode::from(2);
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match score_conlleval(BufReader::new(file), path, &EvalOptions::default()) {
        Ok(report) => {
            let text = if args.iter().any(|a| a == "--json") {
                format!("{:#}\n", report.to_json())
            } else {
                report.to_text()
            };
            // A closed pipe (e.g. `| head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
