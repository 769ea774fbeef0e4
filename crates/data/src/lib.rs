//! Data handling for tweetner: CoNLL reading and writing, tag schemes, label
//! sets, vocabularies and dataset statistics.
//!
//! Everything here is plain Rust with no numeric dependencies, so the crates
//! that train, evaluate or plot can all share one reader and one definition
//! of "an entity" (the reference scorer's, see [`spans`]).
//!
//! ```
//! use tweetner_data::{spans, ConllReader, ReadOptions};
//!
//! let text = "Made\tO\nit\tO\nto\tO\nGA\tB-geo-loc\n\n";
//! let tweets: Vec<_> = ConllReader::new(text.as_bytes(), "example", ReadOptions::default())
//!     .collect::<Result<_, _>>()
//!     .unwrap();
//! assert_eq!(tweets[0].tokens.len(), 4);
//! assert_eq!(spans(&tweets[0].tags)[0].ty, "geo-loc");
//! ```

mod conll;
mod error;
mod labels;
mod oov;
mod relabel;
mod reweight;
mod scheme;
mod soft;
mod spans;
mod stats;
#[cfg(test)]
mod testutil;
mod tweetner7;
mod vocab;

pub use conll::{
    read_conll, write_conll, write_conll_file, write_sentence, ConllReader, ReadOptions, Sentence,
    TagColumn, MAX_LINE_BYTES,
};
pub use error::DataError;
pub use labels::{LabelSet, LabelSpec, WNUT16_TYPES};
pub use oov::{oov_rate, OovAccumulator, OovReference, OovStats};
pub use relabel::TypeMap;
pub use reweight::{TypeWeights, MAX_TYPE_WEIGHT};
pub use scheme::{
    from_bio, is_valid_bio, parse_tag, repair, to_bio, Prefix, Scheme, Tag, TagError,
};
pub use soft::{format_soft, parse_soft, soft_prob};
pub use spans::{spans, spans_in, Span};
pub use stats::{stats, DatasetStats, LengthStats, StatsAccumulator};
pub use tweetner7::{parse_tweetner7, read_tweetner7, read_tweetner7_labels, Tweetner7Options};
pub use vocab::{Vocab, PAD, PAD_ID, UNK, UNK_ID};
