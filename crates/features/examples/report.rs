//! Prints what the feature pipeline does on WNUT-16: word-vocabulary coverage of dev for
//! several pretrained-vocabulary sizes (with the f16 size of the resulting matrix), and
//! per gazetteer group how often it fires on train and how often on gold entity tokens.
//!
//! `cargo run --release -p tweetner-features --example report`
//! (needs the embeddings cache from `scripts/fetch-embeddings.sh`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tweetner_embed::{default_embeddings_path, Embeddings};
use tweetner_features::{compile_wnut_lexicon, WordVocab, WordVocabConfig};

fn shared_dir() -> PathBuf {
    std::env::var_os("TWEETNER_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// (tokens, tags) of one tweet.
type Tweet = (Vec<String>, Vec<String>);

fn read(split: &str) -> Result<Vec<Tweet>, Box<dyn std::error::Error>> {
    let path = shared_dir().join(format!("data/wnut16/{split}.conll"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = vec![(Vec::new(), Vec::new())];
    for line in text.lines() {
        let mut f = line.split('\t');
        match (f.next(), f.next()) {
            (Some(t), Some(tag)) if !t.is_empty() => {
                let last = out.last_mut().ok_or("empty")?;
                last.0.push(t.to_string());
                last.1.push(tag.trim().to_string());
            }
            _ => out.push((Vec::new(), Vec::new())),
        }
    }
    out.retain(|t| !t.0.is_empty());
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let train = read("train")?;
    let dev = read("dev")?;
    let emb = Embeddings::load(&default_embeddings_path())?;
    let train_tokens = || train.iter().flat_map(|t| t.0.iter());
    println!("max_pretrained  vocab   dev tok%  dev typ%  f16 matrix MB");
    for max in [None, Some(100_000), Some(50_000), Some(20_000), Some(0)] {
        let cfg = WordVocabConfig {
            min_count: 2,
            max_pretrained: max,
        };
        let v = WordVocab::build(train_tokens(), Some(&emb), &cfg);
        let cov = v.coverage(dev.iter().flat_map(|t| t.0.iter()));
        println!(
            "{:>14} {:>7} {:>9.2} {:>9.2} {:>9.1}",
            max.map_or("all".to_string(), |m| m.to_string()),
            v.len(),
            100.0 * cov.token_rate(),
            100.0 * cov.type_rate(),
            (v.len() * emb.dim * 2) as f64 / 1e6
        );
        if max.is_none() {
            println!("{cov}");
        }
    }

    let (gaz, _) = compile_wnut_lexicon(&shared_dir().join("data/wnut16/lexicon"), 6)?;
    // group -> (tokens fired, tokens inside a gold entity, gold type counts)
    let mut stats: Vec<(usize, usize, BTreeMap<String, usize>)> =
        vec![Default::default(); gaz.groups().len()];
    let mut covered_entities = 0;
    let mut entities = 0;
    for (tokens, tags) in &train {
        let ms = gaz.matches(tokens);
        for m in &ms {
            let s = &mut stats[m.group];
            for tag in &tags[m.start..m.end] {
                s.0 += 1;
                if let Some(ty) = tag.get(2..) {
                    s.1 += 1;
                    *s.2.entry(ty.to_string()).or_insert(0) += 1;
                }
            }
        }
        // gold entities exactly matched by some entity group (not the word-class groups)
        for (i, tag) in tags.iter().enumerate() {
            if tag.starts_with("B-") {
                let end = (i + 1..tags.len())
                    .find(|&j| !tags[j].starts_with("I-"))
                    .unwrap_or(tags.len());
                entities += 1;
                if ms.iter().any(|m| {
                    m.start == i && m.end == end && !gaz.groups()[m.group].name.contains("word")
                }) {
                    covered_entities += 1;
                }
            }
        }
    }
    println!("\ngroup          fired  in-entity%  top gold types (train)");
    for (g, (fired, inside, types)) in gaz.groups().iter().zip(&stats) {
        let mut top: Vec<(&String, &usize)> = types.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1));
        let top: Vec<String> = top
            .iter()
            .take(3)
            .map(|(t, n)| format!("{t}:{n}"))
            .collect();
        println!(
            "{:<14} {:>6} {:>9.1}%  {}",
            g.name,
            fired,
            100.0 * *inside as f64 / (*fired).max(1) as f64,
            top.join(" ")
        );
    }
    println!("\ntrain gold entities exactly spanned by an entity-list match: {covered_entities}/{entities}");
    Ok(())
}
