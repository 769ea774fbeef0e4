//! A compact, memory-mapped gazetteer for tweets: 1.2M entity names
//! (Freebase, Wikidata, GeoNames, ...) in one `.lex` file, looked up over
//! token sequences as per-type BIO features.
//!
//! # Why this crate
//!
//! The features crate's gazetteer (`tweetner_features::gazetteer`) holds the
//! small WNUT-16 shared-task lexicon in a hash table built at load time. The
//! full entry list (`shared/data/gazetteers/entries.tsv`) is ~17× larger,
//! carries a licence per row, and has to be shipped with a model only where
//! the licence allows it. Here it is compiled once, offline, into a finite
//! state transducer ([`fst`]) that a tagger memory-maps: opening costs a
//! checksum pass and no parsing, the pages are shared between processes, and
//! keys are stored with their shared prefixes and suffixes merged.
//!
//! # Use
//!
//! ```
//! use tweetner_lexicon::{BuildOptions, Bio, Lexicon, Row};
//!
//! let rows = [
//!     Row::new("New York City", "geo-loc"),
//!     Row::new("Justin Bieber", "musicartist"),
//! ];
//! let lex = Lexicon::build(rows, &BuildOptions::default())?;
//! let geo = lex.type_id("geo-loc").unwrap();
//! let tags = lex.annotate(&["I", "love", "#NewYorkCity", "and", "new", "york", "city"]);
//! assert_eq!(tags[2].bio(geo), Bio::B);
//! assert_eq!(tags[4].bio(geo), Bio::B);
//! assert_eq!(tags[5].bio(geo), Bio::I);
//! assert_eq!(tags[6].longest, 3);
//! assert!(lex.get("@JustinBieber").is_some());
//! # Ok::<(), tweetner_lexicon::LexiconError>(())
//! ```
//!
//! Offline, [`compile_tsv`] turns an entry list into a `.lex` file (the
//! `compile` example is its command line); at run time [`Lexicon::open`]
//! maps it.
//!
//! # Pieces
//!
//! * [`normalize`](mod@normalize): the key function shared by build and lookup
//!   (case, accents, `#`/`@`, hashtag CamelCase, punctuation).
//! * [`licence`]: [`LicencePolicy::ShippableOnly`] keeps CC0, MIT-style and
//!   CC-BY rows; the [`LexiconInfo`] stored in the file counts rows per
//!   licence and per source, for a model card's attributions.
//! * [`format`](mod@format): the on-disk layout (magic, version, checksum, sections).
//! * [`annotate`]: n-gram walk and overlap rules.
//!
//! # Memory mapping and `unsafe`
//!
//! The workspace forbids unsafe code. Mapping a file needs one `unsafe` call
//! (the OS cannot promise that nobody rewrites a mapped file), so this crate
//! denies unsafe code instead of forbidding it and allows it on one private
//! function, with the contract spelled out there: `.lex` files are replaced by
//! rename, never edited in place. [`Lexicon::read`] and
//! [`Lexicon::from_bytes`] are the mmap-free alternatives, with the same
//! checks.

pub mod annotate;
mod build;
mod error;
mod features;
pub mod format;
pub mod licence;
pub mod normalize;
mod store;
mod tsv;

#[cfg(test)]
mod tests;

pub use annotate::{Bio, Span, TokenMatch};
pub use build::{BuildOptions, LexiconBuilder, Row};
pub use error::{LexiconError, Result};
pub use format::{LexiconInfo, LicenceInfo, SourceInfo, TypeInfo, MAX_TYPES};
pub use licence::{LicenceClass, LicencePolicy};
pub use normalize::normalize;
pub use store::{Entry, Lexicon, TypeSet, DEFAULT_MAX_NGRAM};
pub use tsv::{compile_tsv, load_entry_list};
