//! Compiles an entry list into a `.lex` file and measures it.
//!
//! ```text
//! cargo run --release -p tweetner-lexicon --example compile -- \
//!     ENTRIES.tsv OUT.lex [--shippable] [--tweets TWEETS.tsv] [--limit N]
//! ```
//!
//! Prints build time, file size, keys per type, rows per licence, then opens
//! the file (mmap), verifies every key ([`Lexicon::verify`]) and annotates
//! the first `N` (10,000) tweets of the tweet file (`source, id, date, text`,
//! tab-separated, with a header; default
//! `/work/shared/data/unlabeled/tweets.tsv`), split on whitespace, reporting
//! tokens per second.

use std::io::BufRead;
use std::time::Instant;

use tweetner_lexicon::{compile_tsv, BuildOptions, Lexicon, LicencePolicy};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut options = BuildOptions::default();
    let mut tweets = String::from("/work/shared/data/unlabeled/tweets.tsv");
    let mut limit = 10_000usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--shippable" => options.licences = LicencePolicy::ShippableOnly,
            "--tweets" => tweets = args.next().ok_or("--tweets needs a path")?,
            "--limit" => limit = args.next().ok_or("--limit needs a number")?.parse()?,
            _ => positional.push(a),
        }
    }
    let [input, output] = positional.as_slice() else {
        return Err(
            "usage: compile ENTRIES.tsv OUT.lex [--shippable] [--tweets F] [--limit N]".into(),
        );
    };

    let t0 = Instant::now();
    let built = compile_tsv(input, &options, output)?;
    let build_s = t0.elapsed().as_secs_f64();
    let size = std::fs::metadata(output)?.len();
    let info = built.info();
    println!("policy        {:?}", info.policy);
    println!("build time    {build_s:.2} s");
    println!(
        "file size     {size} bytes ({:.1} MiB)",
        size as f64 / 1048576.0
    );
    println!(
        "rows          {} read, {} kept, {} dropped by licence, {} empty keys",
        info.rows, info.rows_kept, info.rows_dropped_by_licence, info.rows_empty_key
    );
    println!(
        "keys          {} (longest {} words)",
        info.keys, info.max_words
    );
    println!("keys per type:");
    for t in &info.types {
        println!("  {:<16} {:>9}", t.name, t.keys);
    }
    println!("rows per licence:");
    for l in &info.licences {
        let name = l.licence.as_deref().unwrap_or("(unknown)");
        let kept = if l.kept { "kept" } else { "dropped" };
        println!("  {name:<42} {:>9}  {kept}", l.rows);
    }
    println!("{} sources kept", info.sources.len());
    drop(built);

    let t1 = Instant::now();
    let lex = Lexicon::open(output)?;
    println!(
        "open (mmap + checksum) {:.1} ms",
        t1.elapsed().as_secs_f64() * 1e3
    );
    let t1 = Instant::now();
    lex.verify()?;
    println!(
        "verify (every key)     {:.1} ms",
        t1.elapsed().as_secs_f64() * 1e3
    );

    let file = std::io::BufReader::new(std::fs::File::open(&tweets)?);
    let mut texts = Vec::with_capacity(limit);
    for line in file.lines().skip(1) {
        if texts.len() == limit {
            break;
        }
        let line = line?;
        if let Some(text) = line.splitn(4, '\t').nth(3) {
            texts.push(text.to_owned());
        }
    }
    let token_lists: Vec<Vec<&str>> = texts
        .iter()
        .map(|t| t.split_whitespace().collect())
        .collect();
    let tokens: usize = token_lists.iter().map(Vec::len).sum();
    let (mut covered, mut spans) = (0usize, 0usize);
    let t2 = Instant::now();
    for toks in &token_lists {
        let rows = lex.annotate(toks);
        covered += rows.iter().filter(|r| r.longest > 0).count();
    }
    let secs = t2.elapsed().as_secs_f64();
    for toks in &token_lists {
        spans += lex.matches(toks).len();
    }
    println!(
        "lookup        {} tweets, {tokens} tokens in {:.3} s: {:.0} tokens/s ({:.1} µs/tweet)",
        token_lists.len(),
        secs,
        tokens as f64 / secs,
        secs * 1e6 / token_lists.len().max(1) as f64
    );
    println!(
        "              {covered} tokens ({:.1}%) in some match, {spans} matches",
        100.0 * covered as f64 / tokens.max(1) as f64
    );
    if let Some(toks) = token_lists.iter().find(|t| t.len() > 8) {
        println!("example: {}", toks.join(" "));
        for s in lex.matches(toks) {
            let name = lex.type_name(s.ty).unwrap_or("?");
            println!(
                "  {name:<14} {:?} ({} sources)",
                toks[s.start..s.end].join(" "),
                s.sources
            );
        }
    }
    Ok(())
}
