//! Everything the tagger needs per tweet, from one object that a model directory can
//! save and reload.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tweetner_embed::Embeddings;

use crate::char_vocab::CharVocab;
use crate::error::FeatureError;
use crate::gazetteer::Gazetteer;
use crate::lexicon::{LexiconFeatures, LEXICON_FILE};
use crate::ortho::{write_ortho, ORTHO_DIM, ORTHO_NAMES};
use crate::word_vocab::{WordVocab, WordVocabConfig};

/// File (inside a model directory) holding the vocabularies and configuration.
pub const FEATURES_FILE: &str = "features.json";
/// File (inside a model directory) holding the compiled gazetteer, when there is one.
pub const GAZETTEER_FILE: &str = "gazetteer.tsv.gz";

/// Settings for building a [`FeatureExtractor`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeatureConfig {
    /// How the word vocabulary is built from training and pretrained words.
    pub word: WordVocabConfig,
    /// Characters seen fewer times in training map to UNK.
    pub char_min_count: usize,
    /// Char sequences per token are cut to this length (head and tail kept).
    pub max_word_chars: usize,
    /// Longest gazetteer entry (in words) when compiling a lexicon.
    pub max_ngram: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word: WordVocabConfig::default(),
            char_min_count: 2,
            max_word_chars: 24,
            max_ngram: 6,
        }
    }
}

/// Features of one tweet; every vector has one entry per token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentenceFeatures {
    /// Per token, its [`WordVocab`] id ([`WordVocab::UNK`] when unknown).
    pub word_ids: Vec<u32>,
    /// Per token, 1..=max_word_chars char ids (not padded).
    pub char_ids: Vec<Vec<u32>>,
    /// Per token, [`FeatureExtractor::dense_dim`] values: orthographic then gazetteer.
    pub dense: Vec<Vec<f32>>,
}

/// Turns token sequences into ids and dense features.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureExtractor {
    /// Maps tokens to word ids; its order fixes the rows of the word embedding matrix.
    pub word_vocab: WordVocab,
    /// Maps each token's characters to ids for the character encoder.
    pub char_vocab: CharVocab,
    /// Source of the gazetteer columns of the dense features; `None` adds none.
    pub gazetteer: Option<Gazetteer>,
    /// Source of the entry-list columns, after the gazetteer's; `None` adds none.
    pub lexicon: Option<LexiconFeatures>,
    /// Settings the vocabularies were built with, saved alongside them.
    pub config: FeatureConfig,
}

#[derive(Serialize, Deserialize)]
struct SavedFeatures {
    format: u32,
    config: FeatureConfig,
    /// Column names at save time; a reload with different columns is refused, since
    /// the model's weights were trained for these.
    dense_names: Vec<String>,
    has_gazetteer: bool,
    /// Absent in models saved before entry lists existed.
    #[serde(default)]
    has_lexicon: bool,
    word_vocab: WordVocab,
    char_vocab: CharVocab,
}

impl FeatureExtractor {
    /// Builds the vocabularies from training tweets (and pretrained embeddings).
    pub fn build<S: AsRef<str>>(
        train: &[Vec<S>],
        emb: Option<&Embeddings>,
        gazetteer: Option<Gazetteer>,
        config: FeatureConfig,
    ) -> FeatureExtractor {
        let tokens = || train.iter().flatten().map(AsRef::as_ref);
        let word_vocab = WordVocab::build(tokens(), emb, &config.word);
        let char_vocab = CharVocab::build(tokens(), config.char_min_count, config.max_word_chars);
        FeatureExtractor {
            word_vocab,
            char_vocab,
            gazetteer,
            lexicon: None,
            config,
        }
    }

    /// The same extractor with entry-list columns from `lexicon`.
    pub fn with_lexicon(mut self, lexicon: Option<LexiconFeatures>) -> Self {
        self.lexicon = lexicon;
        self
    }

    fn gazetteer_dim(&self) -> usize {
        self.gazetteer.as_ref().map_or(0, Gazetteer::dim)
    }

    /// Width of each dense row.
    pub fn dense_dim(&self) -> usize {
        ORTHO_DIM + self.gazetteer_dim() + self.lexicon.as_ref().map_or(0, LexiconFeatures::dim)
    }

    /// Names of the dense columns, in order.
    pub fn dense_names(&self) -> Vec<String> {
        let mut names: Vec<String> = ORTHO_NAMES.iter().map(|n| format!("ortho:{n}")).collect();
        if let Some(g) = &self.gazetteer {
            names.extend(g.feature_names());
        }
        if let Some(l) = &self.lexicon {
            names.extend(l.feature_names());
        }
        names
    }

    /// Features of one tweet.
    pub fn extract<S: AsRef<str>>(&self, tokens: &[S]) -> SentenceFeatures {
        let dim = self.dense_dim();
        let mut dense = vec![vec![0f32; dim]; tokens.len()];
        for (i, row) in dense.iter_mut().enumerate() {
            write_ortho(tokens, i, &mut row[..ORTHO_DIM]);
        }
        if let Some(g) = &self.gazetteer {
            g.write_features(tokens, &mut dense, ORTHO_DIM);
        }
        if let Some(l) = &self.lexicon {
            l.write_features(tokens, &mut dense, ORTHO_DIM + self.gazetteer_dim());
        }
        SentenceFeatures {
            word_ids: tokens
                .iter()
                .map(|t| self.word_vocab.id(t.as_ref()))
                .collect(),
            char_ids: tokens
                .iter()
                .map(|t| self.char_vocab.ids(t.as_ref()))
                .collect(),
            dense,
        }
    }

    /// Saves into `dir` (created if needed): [`FEATURES_FILE`] and, with a gazetteer,
    /// [`GAZETTEER_FILE`], with an entry list [`LEXICON_FILE`].
    pub fn save(&self, dir: &Path) -> Result<(), FeatureError> {
        std::fs::create_dir_all(dir).map_err(|e| FeatureError::io(dir, e))?;
        let saved = SavedFeatures {
            format: 1,
            config: self.config.clone(),
            dense_names: self.dense_names(),
            has_gazetteer: self.gazetteer.is_some(),
            has_lexicon: self.lexicon.is_some(),
            word_vocab: self.word_vocab.clone(),
            char_vocab: self.char_vocab.clone(),
        };
        let path = dir.join(FEATURES_FILE);
        let json = serde_json::to_vec(&saved).map_err(|source| FeatureError::Json {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, json).map_err(|e| FeatureError::io(&path, e))?;
        if let Some(g) = &self.gazetteer {
            g.save(&dir.join(GAZETTEER_FILE))?;
        }
        if let Some(l) = &self.lexicon {
            l.save(&dir.join(LEXICON_FILE))?;
        }
        Ok(())
    }

    /// Loads what [`FeatureExtractor::save`] wrote.
    pub fn load(dir: &Path) -> Result<FeatureExtractor, FeatureError> {
        let path = dir.join(FEATURES_FILE);
        let bytes = std::fs::read(&path).map_err(|e| FeatureError::io(&path, e))?;
        let saved: SavedFeatures =
            serde_json::from_slice(&bytes).map_err(|source| FeatureError::Json {
                path: path.clone(),
                source,
            })?;
        if saved.format != 1 {
            return Err(FeatureError::format(
                &path,
                0,
                format!("unsupported format {}", saved.format),
            ));
        }
        let gazetteer = if saved.has_gazetteer {
            Some(Gazetteer::load(&dir.join(GAZETTEER_FILE))?)
        } else {
            None
        };
        let lexicon = if saved.has_lexicon {
            Some(LexiconFeatures::open(&dir.join(LEXICON_FILE))?)
        } else {
            None
        };
        let fx = FeatureExtractor {
            word_vocab: saved.word_vocab,
            char_vocab: saved.char_vocab,
            gazetteer,
            lexicon,
            config: saved.config,
        };
        if fx.dense_names() != saved.dense_names {
            return Err(FeatureError::format(
                &path,
                0,
                "dense feature columns differ from those the model was saved with",
            ));
        }
        Ok(fx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::gazetteer_from_lists;

    fn tweets() -> Vec<Vec<String>> {
        [
            "RT @bob : I love New York !",
            "new york is big , bob",
            "Watching #Lost with Mary 2day http://t.co/x :)",
        ]
        .iter()
        .map(|t| t.split(' ').map(str::to_string).collect())
        .collect()
    }

    fn extractor() -> FeatureExtractor {
        let words: Vec<String> = ["love", "york", "new", "lost"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let emb = Embeddings::new(1, words, vec![0.1, 0.2, 0.3, 0.4]).unwrap();
        let gaz = gazetteer_from_lists(6, &[("geo-loc", &["New York"]), ("firstname", &["mary"])])
            .unwrap();
        FeatureExtractor::build(&tweets(), Some(&emb), Some(gaz), FeatureConfig::default())
    }

    #[test]
    fn widths_are_constant() {
        let fx = extractor();
        assert_eq!(fx.dense_dim(), ORTHO_DIM + 3);
        assert_eq!(fx.dense_names().len(), fx.dense_dim());
        for t in tweets().iter().chain([&vec![], &vec!["x".to_string()]]) {
            let f = fx.extract(t);
            assert_eq!(f.word_ids.len(), t.len());
            assert_eq!(f.char_ids.len(), t.len());
            assert!(f.dense.iter().all(|r| r.len() == fx.dense_dim()));
            assert!(f.char_ids.iter().all(|c| !c.is_empty() && c.len() <= 24));
        }
    }

    #[test]
    fn extract_combines_parts() {
        let fx = extractor();
        let t = &tweets()[0];
        let f = fx.extract(t);
        let col = |name: &str| fx.dense_names().iter().position(|n| n == name).unwrap();
        // "New York" at 5..7
        assert_eq!(f.dense[5][col("gaz:B-geo-loc")], 1.0);
        assert_eq!(f.dense[6][col("gaz:I-geo-loc")], 1.0);
        assert_eq!(f.dense[4][col("gaz:B-geo-loc")], 0.0);
        assert_eq!(f.dense[1][col("ortho:mention")], 1.0);
        assert_eq!(f.word_ids[5], fx.word_vocab.id("new"));
        assert_ne!(f.word_ids[5], WordVocab::UNK);
        // "bob" occurs twice in training (as @bob and bob): own id, shared by both
        assert_eq!(f.word_ids[1], fx.word_vocab.id("bob"));
        assert_ne!(f.word_ids[1], WordVocab::UNK);
        let g = fx.extract(&["#LOST"]);
        assert_eq!(g.word_ids[0], fx.word_vocab.id("lost"));
    }

    #[test]
    fn save_load_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let fx = extractor();
        fx.save(dir.path()).unwrap();
        let back = FeatureExtractor::load(dir.path()).unwrap();
        assert_eq!(back, fx);
        for t in tweets() {
            assert_eq!(back.extract(&t), fx.extract(&t));
        }
        // without gazetteer: no gazetteer file needed
        let mut plain = fx.clone();
        plain.gazetteer = None;
        let d2 = tempfile::tempdir().unwrap();
        plain.save(d2.path()).unwrap();
        assert!(!d2.path().join(GAZETTEER_FILE).exists());
        assert_eq!(
            FeatureExtractor::load(d2.path()).unwrap().dense_dim(),
            ORTHO_DIM
        );
        // a missing gazetteer file is an error naming it
        std::fs::remove_file(dir.path().join(GAZETTEER_FILE)).unwrap();
        let err = FeatureExtractor::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains(GAZETTEER_FILE), "{err}");
        std::fs::write(dir.path().join(FEATURES_FILE), "{").unwrap();
        assert!(FeatureExtractor::load(dir.path()).is_err());
    }

    #[test]
    fn entry_list_columns_follow_the_gazetteers_and_survive_a_reload() {
        use tweetner_lexicon::{BuildOptions, Lexicon, Row};
        let lex = Lexicon::build(
            [Row::new("Lost", "tvshow"), Row::new("New York", "geo-loc")],
            &BuildOptions::default(),
        )
        .unwrap();
        let fx = extractor().with_lexicon(Some(LexiconFeatures::new(lex)));
        let names = fx.dense_names();
        assert_eq!(names.len(), fx.dense_dim());
        let first_lex = names.iter().position(|n| n.starts_with("lex:")).unwrap();
        assert_eq!(
            first_lex,
            ORTHO_DIM + 3,
            "after the ortho and gazetteer columns"
        );
        let f = fx.extract(&tweets()[2]);
        let col = |name: &str| names.iter().position(|n| n == name).unwrap();
        assert_eq!(f.dense[1][col("lex:B-tvshow")], 1.0, "#Lost");
        let dir = tempfile::tempdir().unwrap();
        fx.save(dir.path()).unwrap();
        let back = FeatureExtractor::load(dir.path()).unwrap();
        assert_eq!(back, fx);
        assert_eq!(back.extract(&tweets()[2]), f);
        // A model saved with an entry list needs it back.
        std::fs::remove_file(dir.path().join(LEXICON_FILE)).unwrap();
        let err = FeatureExtractor::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains(LEXICON_FILE), "{err}");
    }
}
