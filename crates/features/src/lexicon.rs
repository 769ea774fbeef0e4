//! Features from a large typed entry list (`shared/data/gazetteers/entries.tsv`,
//! 1.27 M names) compiled into a memory-mapped `.lex` file by
//! `tweetner_lexicon`: per type, whether a match begins at the token or
//! covers it from earlier, how many lists agree, and how long the longest
//! match is.
//!
//! These sit beside the WNUT-16 shared-task gazetteer ([`crate::gazetteer`]),
//! not instead of it: the old lists are small and tuned to the shared task,
//! the new one is broad (movies, TV shows, products) and noisy. They are soft
//! features: an entry listed under several types lights up all of them, and
//! the network learns what to trust.

use std::path::Path;
use std::sync::Arc;

use tweetner_lexicon::Lexicon;

use crate::error::FeatureError;

/// File (inside a model directory) holding the compiled entry list, when there is one.
pub const LEXICON_FILE: &str = "lexicon.lex";

/// A compiled entry list as a feature source.
#[derive(Debug, Clone)]
pub struct LexiconFeatures {
    lex: Arc<Lexicon>,
}

impl PartialEq for LexiconFeatures {
    fn eq(&self, other: &Self) -> bool {
        self.lex.as_bytes() == other.lex.as_bytes()
    }
}

fn lex_error(path: &Path, e: tweetner_lexicon::LexiconError) -> FeatureError {
    FeatureError::format(path, 0, e.to_string())
}

impl LexiconFeatures {
    /// Features from an already built lexicon.
    pub fn new(lex: Lexicon) -> Self {
        LexiconFeatures { lex: Arc::new(lex) }
    }

    /// Maps a `.lex` file.
    ///
    /// # Errors
    /// The file is missing, corrupt or of another version.
    pub fn open(path: &Path) -> Result<Self, FeatureError> {
        Lexicon::open(path)
            .map(Self::new)
            .map_err(|e| lex_error(path, e))
    }

    /// The lexicon behind the features.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lex
    }

    /// Writes the `.lex` image to `path`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), FeatureError> {
        self.lex.write(path).map_err(|e| lex_error(path, e))
    }

    /// Columns: per type `B`, `I` and agreeing sources; then the longest match
    /// ([`Lexicon::feature_dim`]).
    pub fn dim(&self) -> usize {
        self.lex.feature_dim()
    }

    /// Column names, `lex:B-movie`, `lex:I-movie`, `lex:src-movie`, …, `lex:longest`.
    pub fn feature_names(&self) -> Vec<String> {
        self.lex.feature_names()
    }

    /// Fills columns `offset..offset + dim()` of each token's row.
    pub fn write_features<S: AsRef<str>>(
        &self,
        tokens: &[S],
        dense: &mut [Vec<f32>],
        offset: usize,
    ) {
        self.lex.write_feature_rows(tokens, dense, offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tweetner_lexicon::{BuildOptions, Row};

    fn features() -> LexiconFeatures {
        let rows = [
            Row::new("New York City", "geo-loc"),
            Row::new("Harold and Maude", "movie").from_source("a", "CC0"),
            Row::new("Harold and Maude", "movie").from_source("b", "CC0"),
            Row::new("Harold and Maude", "tvshow"),
        ];
        LexiconFeatures::new(Lexicon::build(rows, &BuildOptions::default()).unwrap())
    }

    #[test]
    fn columns_mark_begin_inside_sources_and_length() {
        let f = features();
        let names = f.feature_names();
        assert_eq!(names.len(), f.dim());
        let col = |n: &str| names.iter().position(|x| x == n).unwrap();
        let tokens = ["watching", "harold", "and", "maude", "in", "#NewYorkCity"];
        let mut dense = vec![vec![0.0; f.dim() + 2]; tokens.len()];
        f.write_features(&tokens, &mut dense, 2);
        let at = |i: usize, n: &str| dense[i][2 + col(n)];
        assert_eq!(at(1, "lex:B-movie"), 1.0);
        assert_eq!(at(2, "lex:I-movie"), 1.0);
        assert_eq!(at(3, "lex:I-tvshow"), 1.0);
        // Two lists name the movie, one the TV show.
        assert!(at(1, "lex:src-movie") > at(1, "lex:src-tvshow"));
        assert_eq!(at(1, "lex:longest"), 0.75);
        assert_eq!(at(5, "lex:B-geo-loc"), 1.0);
        assert!(dense[0].iter().all(|&x| x == 0.0));
        assert!(dense.iter().all(|r| r[0] == 0.0 && r[1] == 0.0));
    }

    #[test]
    fn saved_features_reopen_equal_and_a_corrupt_file_is_an_error() {
        let f = features();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LEXICON_FILE);
        f.save(&path).unwrap();
        assert_eq!(LexiconFeatures::open(&path).unwrap(), f);
        std::fs::write(&path, b"not a lexicon").unwrap();
        let err = LexiconFeatures::open(&path).unwrap_err().to_string();
        assert!(err.contains(LEXICON_FILE), "{err}");
    }
}
