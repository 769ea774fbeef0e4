//! Prints dataset statistics of CoNLL files, and the OOV rates of every file
//! after the first against the first (e.g. `train.conll dev.conll`), without
//! needing the full CLI: `cargo run -p tweetner-data --example stats -- FILES`.

use std::path::PathBuf;
use std::process::ExitCode;

use tweetner_data::{oov_rate, read_conll, stats, ReadOptions, Sentence};

fn main() -> ExitCode {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        eprintln!("usage: stats FILE...");
        return ExitCode::FAILURE;
    }
    let mut reference: Option<(String, Vec<Sentence>)> = None;
    for file in &files {
        let sentences = match read_conll(file, &ReadOptions::default()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!("== {}", file.display());
        print!("{}", stats(&sentences));
        if let Some((name, r)) = &reference {
            println!("OOV against {name}:");
            print!("{}", oov_rate(&sentences, r));
        }
        println!();
        if reference.is_none() {
            reference = Some((file.display().to_string(), sentences));
        }
    }
    ExitCode::SUCCESS
}
