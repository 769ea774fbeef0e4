//! The entry list behind `[features] lexicon`: compiled from a TSV under
//! the licence policy (or opened from a `.lex`), optionally cut to the
//! entries that occur in a corpus of tweets (`lexicon_seen_in`), and
//! described in the model card (rows kept and dropped per licence, size,
//! build time), so the lists a shipped model embeds can be attributed.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use tweetner_features::LexiconFeatures;
use tweetner_lexicon::{load_entry_list, BuildOptions, Lexicon, LexiconBuilder, LicencePolicy};
use tweetner_tagger::DataFile;
use tweetner_trainkit::sha256_file;

use crate::config::TrainConfig;
use crate::error::TrainError;

/// Compiles (or opens, for a `.lex` file) the entry list at `path`, cut to
/// `lexicon_seen_in` when that is set, and records what went into it.
pub(crate) fn entry_list(
    config: &TrainConfig,
    path: &Path,
    files: &mut Vec<DataFile>,
    notes: &mut Vec<String>,
) -> Result<LexiconFeatures, TrainError> {
    let fail = |message: String| TrainError::Config {
        path: config.source.clone(),
        message,
    };
    if !path.is_file() {
        return Err(fail(format!("entry list {} not found", path.display())));
    }
    let started = Instant::now();
    let f = &config.features;
    let options = BuildOptions {
        licences: LicencePolicy::shippable_only(f.lexicon_shippable_only),
    };
    let from_lex = path.extension().is_some_and(|e| e == "lex");
    let mut lex = load_entry_list(path, &options).map_err(|e| fail(e.to_string()))?;
    if let Some(corpus) = &f.lexicon_seen_in {
        if from_lex {
            return Err(fail(
                "lexicon_seen_in needs the entry list as TSV, not a compiled .lex".into(),
            ));
        }
        let (keys, tweets) = keys_seen(&lex, corpus).map_err(fail)?;
        let all = lex.len();
        let mut b = LexiconBuilder::new(&options).keep_only(keys);
        b.add_tsv(path).map_err(|e| fail(e.to_string()))?;
        lex = b.finish().map_err(|e| fail(e.to_string()))?;
        notes.push(format!(
            "entry list cut to the {} of its {all} keys that occur in {tweets} tweets of {}",
            lex.len(),
            corpus.display()
        ));
        files.push(DataFile {
            role: "lexicon corpus".into(),
            path: corpus.display().to_string(),
            sha256: sha256_file(corpus)?,
            items: tweets,
        });
    }
    files.push(DataFile {
        role: "lexicon".into(),
        path: path.display().to_string(),
        sha256: sha256_file(path)?,
        items: lex.len(),
    });
    notes.push(format!(
        "{} (ready in {:.1} s)",
        lex.describe(),
        started.elapsed().as_secs_f64()
    ));
    Ok(LexiconFeatures::new(lex))
}

/// The keys of `lex` that occur in the tweets of `corpus` (one per line; a
/// TSV line's last field is the text), and the number of tweets read.
fn keys_seen(lex: &Lexicon, corpus: &Path) -> Result<(HashSet<String>, usize), String> {
    let file = std::fs::File::open(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let mut keys = HashSet::new();
    let mut tweets = 0;
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}:{}: {e}", corpus.display(), n + 1))?;
        let text = line.rsplit('\t').next().unwrap_or_default();
        let tokens: Vec<String> = tweetner_text::tokenize(text)
            .into_iter()
            .map(|t| t.text)
            .collect();
        lex.keys_in(&tokens, &mut keys);
        tweets += 1;
    }
    Ok((keys, tweets))
}
