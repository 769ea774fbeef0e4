//! Dataset statistics (out-of-vocabulary rates are in [`crate::oov`]).
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

/// The `k`-th smallest length (0-based) of a histogram holding more than `k`.
fn kth(hist: &BTreeMap<usize, usize>, k: usize) -> usize {
    let mut seen = 0;
    for (&len, &count) in hist {
        seen += count;
        if seen > k {
            return len;
        }
    }
    0
}

/// Length statistics from a histogram (length → tweets), so a corpus of any
/// size costs one entry per distinct length.
fn length_stats_of(hist: &BTreeMap<usize, usize>) -> LengthStats {
    let n: usize = hist.values().sum();
    if n == 0 {
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
    let median = if n % 2 == 1 {
        kth(hist, n / 2) as f64
    } else {
        (kth(hist, n / 2 - 1) + kth(hist, n / 2)) as f64 / 2.0
    };
    // Nearest rank: the smallest length with at least p% of tweets no longer.
    let percentile = |p: usize| kth(hist, (p * n).div_ceil(100).max(1) - 1);
    let total: usize = hist.iter().map(|(l, c)| l * c).sum();
    LengthStats {
        min: kth(hist, 0),
        max: kth(hist, n - 1),
        mean: total as f64 / n as f64,
        median,
        p90: percentile(90),
        p95: percentile(95),
        p99: percentile(99),
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

/// Statistics gathered one sentence at a time, so a file of any size is
/// read once, streaming: memory grows with the vocabulary and the tag set,
/// not with the corpus.
#[derive(Debug, Clone, Default)]
pub struct StatsAccumulator {
    tweets: usize,
    tokens: usize,
    vocab: HashSet<String>,
    vocab_lower: HashSet<String>,
    tags: BTreeMap<String, usize>,
    types: BTreeMap<String, usize>,
    entities: usize,
    entity_tokens: usize,
    with_entities: usize,
    lengths: BTreeMap<usize, usize>,
}

impl StatsAccumulator {
    /// Counts one sentence.
    pub fn add(&mut self, s: &Sentence) {
        self.tweets += 1;
        self.tokens += s.len();
        *self.lengths.entry(s.len()).or_default() += 1;
        for t in &s.tokens {
            if !self.vocab.contains(t.as_str()) {
                self.vocab_lower.insert(t.to_lowercase());
                self.vocab.insert(t.clone());
            }
        }
        for t in &s.tags {
            match self.tags.get_mut(t.as_str()) {
                Some(c) => *c += 1,
                None => {
                    self.tags.insert(t.clone(), 1);
                }
            }
        }
        let found = spans(&s.tags);
        self.with_entities += usize::from(!found.is_empty());
        for span in found {
            self.entities += 1;
            self.entity_tokens += span.len();
            *self.types.entry(span.ty).or_default() += 1;
        }
    }

    /// The statistics of everything added.
    pub fn finish(self) -> DatasetStats {
        let tags = &self.tags;
        let count_prefix = |p: &str| -> usize {
            tags.iter()
                .filter(|(t, _)| t.starts_with(p))
                .map(|(_, c)| c)
                .sum()
        };
        let (b_tags, i_tags) = (count_prefix("B-"), count_prefix("I-"));
        let o_tags = tags.get("O").copied().unwrap_or(0);
        let total_tags: usize = tags.values().sum();
        let mut tag_counts: Vec<(String, usize)> =
            tags.iter().map(|(t, c)| (t.clone(), *c)).collect();
        tag_counts.sort_by(|a, b| tag_order(&a.0).cmp(&tag_order(&b.0)));
        let mut entities_per_type: Vec<(String, usize)> = self.types.into_iter().collect();
        entities_per_type.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        DatasetStats {
            tweets: self.tweets,
            tokens: self.tokens,
            vocab_size: self.vocab.len(),
            vocab_size_lowercase: self.vocab_lower.len(),
            length: length_stats_of(&self.lengths),
            entities: self.entities,
            entities_per_type,
            tweets_with_entities: self.with_entities,
            mean_entity_length: ratio(self.entity_tokens, self.entities),
            b_tags,
            i_tags,
            o_tags,
            other_tags: total_tags - b_tags - i_tags - o_tags,
            tag_counts,
        }
    }
}

/// Computes the statistics of a corpus held in memory.
pub fn stats(sentences: &[Sentence]) -> DatasetStats {
    let mut acc = StatsAccumulator::default();
    for s in sentences {
        acc.add(s);
    }
    acc.finish()
}

/// `a / b`, 0 when `b` is 0 (an empty corpus has no meaningful rate).
pub(crate) fn ratio(a: usize, b: usize) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn length_stats(lens: Vec<usize>) -> LengthStats {
        let mut hist = BTreeMap::new();
        for l in lens {
            *hist.entry(l).or_insert(0usize) += 1;
        }
        length_stats_of(&hist)
    }

    use crate::testutil::sentence as s;

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
    fn mismatched_hand_built_sentences_do_not_panic() {
        let odd = Sentence::new(vec!["a".into()], vec!["B-x".into(), "I-x".into()]);
        let st = stats(std::slice::from_ref(&odd));
        assert_eq!(st.entities, 1);
        let o = crate::oov::oov_rate(std::slice::from_ref(&odd), std::slice::from_ref(&odd));
        assert_eq!(o.entities, 1);
    }
}
