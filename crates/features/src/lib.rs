//! Token features for the tweetner neural tagger.
//!
//! [`FeatureExtractor::extract`] turns one tweet's tokens into word ids
//! ([`WordVocab`], pretrained-aware, same fallback chain as `tweetner-embed`), char id
//! sequences ([`CharVocab`]) and fixed-width dense rows: orthographic tests
//! ([`ortho`]) followed by gazetteer B/I membership ([`Gazetteer`]) and, optionally,
//! typed entry-list matches ([`lexicon`], the 1.27 M-name list compiled by `tweetner-lexicon`). Plain `Vec`s only,
//! so the model crate decides how to batch them into tensors. The extractor saves into
//! a model directory and reloads from it without the original lexicon or embeddings.

mod char_vocab;
mod error;
mod extractor;
pub mod gazetteer;
pub mod lexicon;
pub mod ortho;
mod word_vocab;

pub use char_vocab::CharVocab;
pub use error::FeatureError;
pub use extractor::{
    FeatureConfig, FeatureExtractor, SentenceFeatures, FEATURES_FILE, GAZETTEER_FILE,
};
pub use gazetteer::{compile_wnut_lexicon, CompileReport, Gazetteer, GazetteerBuilder};
pub use lexicon::{LexiconFeatures, LEXICON_FILE};
pub use ortho::{ORTHO_DIM, ORTHO_NAMES};
pub use word_vocab::{EmbeddingMatrix, WordVocab, WordVocabConfig};
