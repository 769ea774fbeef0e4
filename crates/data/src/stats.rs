//! Dataset statistics and out-of-vocabulary rates.
//!
//! Pure computation: the CLI prints [`DatasetStats::render_text`] or the JSON
//! form, and the plotting crate draws from the same numbers, so everything a
//! report needs is a field here. Entities are counted with [`spans`], i.e.
//! exactly as the reference scorer counts them.

use std::collections::{BTreeMap, HashSet};
use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::conll::Sentence;
use crate::spans::spans;

/// Distribution of tweet lengths in tokens. Percentiles use the
/// nearest-rank definition (the smallest length such that at least p% of
/// tweets are no longer), so they are always lengths that occur.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LengthStats {
    /// Shortest tweet.
    pub min: usize,
    /// Longest tweet.
    pub max: usize,
    /// Mean length.
    pub mean: f64,
    /// Median (mean of the two middle lengths when the count is even).
    pub median: f64,
    /// 90th percentile.
    pub p90: usize,
    /// 95th percentile.
    pub p95: usize,
    /// 99th percentile.
    pub p99: usize,
}

/// Corpus statistics of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetStats {
    /// Number of tweets (sentences).
    pub tweets: usize,
    /// Number of tokens.
    pub tokens: usize,
    /// Distinct token strings.
    pub vocab_size: usize,
    /// Distinct token strings after lowercasing.
    pub vocab_size_lowercase: usize,
    /// Tweet lengths in tokens.
    pub length: LengthStats,
    /// Number of entities.
    pub entities: usize,
    /// Entities per type, most frequent first (ties by name).
    pub entities_per_type: Vec<(String, usize)>,
    /// Tweets with at least one entity.
    pub tweets_with_entities: usize,
    /// Mean entity length in tokens.
    pub mean_entity_length: f64,
    /// Tags starting with `B-`.
    pub b_tags: usize,
    /// Tags starting with `I-`.
    pub i_tags: usize,
    /// `O` tags.
    pub o_tags: usize,
    /// Any other tag (`E-`, `S-`, ... when the data is not BIO).
    pub other_tags: usize,
    /// Count of every tag: `O` first, then by type with `B-` before `I-`.
    pub tag_counts: Vec<(String, usize)>,
}

/// Nearest-rank percentile of sorted, non-empty `v`.
fn percentile(v: &[usize], p: usize) -> usize {
    let rank = (p * v.len()).div_ceil(100).max(1);
    v[rank - 1]
}

fn length_stats(mut lens: Vec<usize>) -> LengthStats {
    if lens.is_empty() {
        return LengthStats {
            min: 0,
            max: 0,
            mean: 0.0,
            median: 0.0,
            p90: 0,
            p95: 0,
            p99: 0,
        };
    }
    lens.sort_unstable();
    let n = lens.len();
    let median = if n % 2 == 1 {
        lens[n / 2] as f64
    } else {
        (lens[n / 2 - 1] + lens[n / 2]) as f64 / 2.0
    };
    LengthStats {
        min: lens[0],
        max: lens[n - 1],
        mean: lens.iter().sum::<usize>() as f64 / n as f64,
        median,
        p90: percentile(&lens, 90),
        p95: percentile(&lens, 95),
        p99: percentile(&lens, 99),
    }
}

/// Sort key putting `O` first, then grouping a type's tags (`B-` first).
fn tag_order(tag: &str) -> (bool, &str, u8, &str) {
    let (prefix, ty) = tag.split_once('-').unwrap_or((tag, ""));
    let rank = match prefix {
        "B" => 0,
        "I" => 1,
        "E" | "L" => 2,
        "S" | "U" => 3,
        _ => 4,
    };
    (tag != "O", ty, rank, tag)
}

/// Computes the statistics of a corpus.
pub fn stats(sentences: &[Sentence]) -> DatasetStats {
    let mut vocab: HashSet<&str> = HashSet::new();
    let mut vocab_lower: HashSet<String> = HashSet::new();
    let mut tags: BTreeMap<&str, usize> = BTreeMap::new();
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    let (mut entities, mut entity_tokens, mut with_entities) = (0, 0, 0);
    for s in sentences {
        for t in &s.tokens {
            if vocab.insert(t) {
                vocab_lower.insert(t.to_lowercase());
            }
        }
        for t in &s.tags {
            *tags.entry(t).or_default() += 1;
        }
        let found = spans(&s.tags);
        with_entities += usize::from(!found.is_empty());
        for span in found {
            entities += 1;
            entity_tokens += span.len();
            *types.entry(span.ty).or_default() += 1;
        }
    }
    let count_prefix = |p: &str| -> usize {
        tags.iter()
            .filter(|(t, _)| t.starts_with(p))
            .map(|(_, c)| c)
            .sum()
    };
    let (b_tags, i_tags) = (count_prefix("B-"), count_prefix("I-"));
    let o_tags = tags.get("O").copied().unwrap_or(0);
    let tokens: usize = sentences.iter().map(Sentence::len).sum();
    let total_tags: usize = tags.values().sum();
    let mut tag_counts: Vec<(String, usize)> =
        tags.iter().map(|(t, c)| (t.to_string(), *c)).collect();
    tag_counts.sort_by(|a, b| tag_order(&a.0).cmp(&tag_order(&b.0)));
    let mut entities_per_type: Vec<(String, usize)> = types.into_iter().collect();
    entities_per_type.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    DatasetStats {
        tweets: sentences.len(),
        tokens,
        vocab_size: vocab.len(),
        vocab_size_lowercase: vocab_lower.len(),
        length: length_stats(sentences.iter().map(Sentence::len).collect()),
        entities,
        entities_per_type,
        tweets_with_entities: with_entities,
        mean_entity_length: ratio(entity_tokens, entities),
        b_tags,
        i_tags,
        o_tags,
        other_tags: total_tags - b_tags - i_tags - o_tags,
        tag_counts,
    }
}

/// `a / b`, 0 when `b` is 0 (an empty corpus has no meaningful rate).
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn pct(a: usize, b: usize) -> f64 {
    100.0 * ratio(a, b)
}

impl DatasetStats {
    /// A plain-text report, one fact per line.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let l = &self.length;
        // Writing into a String cannot fail.
        let _ = writeln!(s, "tweets        {}", self.tweets);
        let _ = writeln!(s, "tokens        {}", self.tokens);
        let _ = writeln!(
            s,
            "vocabulary    {} distinct tokens, {} lowercased",
            self.vocab_size, self.vocab_size_lowercase
        );
        let _ = writeln!(
            s,
            "tweet length  min {} / mean {:.2} / median {:.1} / p90 {} / p95 {} / p99 {} / max {}",
            l.min, l.mean, l.median, l.p90, l.p95, l.p99, l.max
        );
        let _ = writeln!(
            s,
            "entities      {} in {} tweets ({:.1}%), mean length {:.2} tokens",
            self.entities,
            self.tweets_with_entities,
            pct(self.tweets_with_entities, self.tweets),
            self.mean_entity_length
        );
        for (ty, n) in &self.entities_per_type {
            let _ = writeln!(s, "  {ty:<14}{n:>7}  {:>5.1}%", pct(*n, self.entities));
        }
        let _ = write!(
            s,
            "tags          B {} / I {} / O {} ({:.1}% O)",
            self.b_tags,
            self.i_tags,
            self.o_tags,
            pct(self.o_tags, self.tokens)
        );
        if self.other_tags > 0 {
            let _ = write!(s, " / other {}", self.other_tags);
        }
        s.push('\n');
        for (tag, n) in &self.tag_counts {
            let _ = writeln!(s, "  {tag:<16}{n:>7}");
        }
        s
    }
}

impl fmt::Display for DatasetStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_text())
    }
}

/// Out-of-vocabulary rates of one corpus against a reference corpus (e.g.
/// dev against train): how much of what a model sees at test time it never
/// saw in training. Rates are fractions in `[0, 1]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OovStats {
    /// Tokens in the corpus.
    pub tokens: usize,
    /// Tokens whose string is not in the reference.
    pub oov_tokens: usize,
    /// `oov_tokens / tokens`.
    pub token_rate: f64,
    /// Tokens not in the reference when both sides are lowercased.
    pub oov_tokens_lowercase: usize,
    /// `oov_tokens_lowercase / tokens`.
    pub token_rate_lowercase: f64,
    /// Distinct token strings in the corpus.
    pub types: usize,
    /// Distinct strings not in the reference.
    pub oov_types: usize,
    /// `oov_types / types`.
    pub type_rate: f64,
    /// Distinct lowercased strings in the corpus.
    pub types_lowercase: usize,
    /// Distinct lowercased strings not in the lowercased reference.
    pub oov_types_lowercase: usize,
    /// `oov_types_lowercase / types_lowercase`.
    pub type_rate_lowercase: f64,
    /// Entity mentions in the corpus.
    pub entities: usize,
    /// Mentions whose (type, lowercased text) never occurs as a reference
    /// entity: the ones a model cannot have memorised.
    pub unseen_entities: usize,
    /// `unseen_entities / entities`.
    pub entity_rate: f64,
}

/// Lowercased surface text and type of each entity of `s`.
fn entity_keys(s: &Sentence) -> impl Iterator<Item = (String, String)> + '_ {
    spans(&s.tags).into_iter().map(|sp| {
        // `get`: a hand-built sentence may have more tags than tokens.
        let text = s
            .tokens
            .get(sp.start..sp.end)
            .map(|t| t.join(" ").to_lowercase())
            .unwrap_or_default();
        (sp.ty, text)
    })
}

/// OOV rates of `corpus`'s tokens against `reference`'s vocabulary, case
/// sensitive and lowercased, by token and by type, plus unseen entities.
pub fn oov_rate(corpus: &[Sentence], reference: &[Sentence]) -> OovStats {
    let ref_vocab: HashSet<&str> = reference
        .iter()
        .flat_map(|s| s.tokens.iter().map(String::as_str))
        .collect();
    let ref_lower: HashSet<String> = ref_vocab.iter().map(|t| t.to_lowercase()).collect();
    let ref_entities: HashSet<(String, String)> = reference.iter().flat_map(entity_keys).collect();

    let (mut tokens, mut oov, mut oov_lower) = (0, 0, 0);
    let mut types: HashSet<&str> = HashSet::new();
    let mut types_lower: HashSet<String> = HashSet::new();
    for t in corpus.iter().flat_map(|s| &s.tokens) {
        tokens += 1;
        let lower = t.to_lowercase();
        oov += usize::from(!ref_vocab.contains(t.as_str()));
        oov_lower += usize::from(!ref_lower.contains(&lower));
        types.insert(t);
        types_lower.insert(lower);
    }
    let oov_types = types.iter().filter(|t| !ref_vocab.contains(*t)).count();
    let oov_types_lower = types_lower
        .iter()
        .filter(|t| !ref_lower.contains(*t))
        .count();
    let (mut entities, mut unseen) = (0, 0);
    for key in corpus.iter().flat_map(entity_keys) {
        entities += 1;
        unseen += usize::from(!ref_entities.contains(&key));
    }
    OovStats {
        tokens,
        oov_tokens: oov,
        token_rate: ratio(oov, tokens),
        oov_tokens_lowercase: oov_lower,
        token_rate_lowercase: ratio(oov_lower, tokens),
        types: types.len(),
        oov_types,
        type_rate: ratio(oov_types, types.len()),
        types_lowercase: types_lower.len(),
        oov_types_lowercase: oov_types_lower,
        type_rate_lowercase: ratio(oov_types_lower, types_lower.len()),
        entities,
        unseen_entities: unseen,
        entity_rate: ratio(unseen, entities),
    }
}

impl OovStats {
    /// A plain-text report.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "  tokens    {:>6} of {:>6} OOV ({:.2}%), lowercased {:>6} ({:.2}%)",
            self.oov_tokens,
            self.tokens,
            100.0 * self.token_rate,
            self.oov_tokens_lowercase,
            100.0 * self.token_rate_lowercase
        );
        let _ = writeln!(
            s,
            "  types     {:>6} of {:>6} OOV ({:.2}%), lowercased {:>6} of {:>6} ({:.2}%)",
            self.oov_types,
            self.types,
            100.0 * self.type_rate,
            self.oov_types_lowercase,
            self.types_lowercase,
            100.0 * self.type_rate_lowercase
        );
        let _ = writeln!(
            s,
            "  entities  {:>6} of {:>6} unseen ({:.2}%)",
            self.unseen_entities,
            self.entities,
            100.0 * self.entity_rate
        );
        s
    }
}

impl fmt::Display for OovStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(tokens: &str, tags: &str) -> Sentence {
        Sentence::new(
            tokens.split_whitespace().map(str::to_string).collect(),
            tags.split_whitespace().map(str::to_string).collect(),
        )
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let l = length_stats((1..=100).rev().collect());
        assert_eq!((l.min, l.max, l.p90, l.p95, l.p99), (1, 100, 90, 95, 99));
        assert_eq!((l.mean, l.median), (50.5, 50.5));
        let l = length_stats(vec![3, 1, 2]);
        assert_eq!((l.median, l.p90, l.p99), (2.0, 3, 3));
        let l = length_stats(vec![7]);
        assert_eq!((l.min, l.p90, l.max), (7, 7, 7));
        assert_eq!(length_stats(vec![]).max, 0);
    }

    #[test]
    fn counts_a_small_corpus() {
        let corpus = [
            s("I love New York", "O O B-geo-loc I-geo-loc"),
            s("Love Bob and Ann", "O B-person O B-person"),
            s("ok", "O"),
            s("x y", "I-other I-person"),
        ];
        let st = stats(&corpus);
        assert_eq!((st.tweets, st.tokens), (4, 11));
        // "love" and "Love" differ until lowercased.
        assert_eq!((st.vocab_size, st.vocab_size_lowercase), (11, 10));
        assert_eq!(st.entities, 5);
        assert_eq!(st.tweets_with_entities, 3);
        assert_eq!(st.mean_entity_length, 6.0 / 5.0);
        assert_eq!(
            st.entities_per_type,
            vec![
                ("person".to_string(), 3),
                ("geo-loc".to_string(), 1),
                ("other".to_string(), 1)
            ]
        );
        assert_eq!(
            (st.b_tags, st.i_tags, st.o_tags, st.other_tags),
            (3, 3, 5, 0)
        );
        let order: Vec<&str> = st.tag_counts.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            order,
            [
                "O",
                "B-geo-loc",
                "I-geo-loc",
                "I-other",
                "B-person",
                "I-person"
            ]
        );
        assert_eq!(st.length.max, 4);
        let text = st.to_string();
        assert!(
            text.contains("person") && text.contains("tokens        11"),
            "{text}"
        );
        let json = serde_json::to_string(&st).unwrap();
        let back: DatasetStats = serde_json::from_str(&json).unwrap();
        assert_eq!(back, st);
    }

    #[test]
    fn oov_by_token_type_case_and_entity() {
        let reference = [s("the Cat sat", "O B-other O")];
        let corpus = [s("the cat sat on the MAT", "O B-other O O O B-other")];
        let o = oov_rate(&corpus, &reference);
        // Tokens: cat, on, MAT are unseen; lowercased only on, mat.
        assert_eq!((o.tokens, o.oov_tokens, o.oov_tokens_lowercase), (6, 3, 2));
        assert_eq!(o.token_rate, 0.5);
        // Types: the, cat, sat, on, MAT (5); unseen cat, on, MAT.
        assert_eq!((o.types, o.oov_types), (5, 3));
        assert_eq!((o.types_lowercase, o.oov_types_lowercase), (5, 2));
        // `cat` was seen as an `other` entity (case-insensitively), `MAT` not.
        assert_eq!((o.entities, o.unseen_entities), (2, 1));
        assert!(o.render_text().contains("50.00%"), "{}", o.render_text());
        let empty = oov_rate(&[], &reference);
        assert_eq!((empty.token_rate, empty.entity_rate), (0.0, 0.0));
    }

    #[test]
    fn mismatched_hand_built_sentences_do_not_panic() {
        let odd = Sentence::new(vec!["a".into()], vec!["B-x".into(), "I-x".into()]);
        let st = stats(std::slice::from_ref(&odd));
        assert_eq!(st.entities, 1);
        let o = oov_rate(std::slice::from_ref(&odd), std::slice::from_ref(&odd));
        assert_eq!(o.entities, 1);
    }
}
