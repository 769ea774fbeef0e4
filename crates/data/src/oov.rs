//! Out-of-vocabulary rates of a corpus against a reference corpus (e.g. dev
//! against train), streaming: the reference is learnt once, then each corpus
//! is counted one sentence at a time.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::conll::Sentence;
use crate::spans::spans;
use crate::stats::ratio;

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

/// What the corpus is compared with: the reference's tokens (as written and
/// lowercased) and its entities, added one sentence at a time.
#[derive(Debug, Clone, Default)]
pub struct OovReference {
    vocab: HashSet<String>,
    lower: HashSet<String>,
    entities: HashSet<(String, String)>,
}

impl OovReference {
    /// Learns one reference sentence.
    pub fn add(&mut self, s: &Sentence) {
        for t in &s.tokens {
            if !self.vocab.contains(t.as_str()) {
                self.lower.insert(t.to_lowercase());
                self.vocab.insert(t.clone());
            }
        }
        self.entities.extend(entity_keys(s));
    }
}

/// OOV counts of a corpus against an [`OovReference`], streaming.
#[derive(Debug, Clone)]
pub struct OovAccumulator<'r> {
    reference: &'r OovReference,
    tokens: usize,
    oov: usize,
    oov_lower: usize,
    types: HashSet<String>,
    types_lower: HashSet<String>,
    entities: usize,
    unseen: usize,
}

impl<'r> OovAccumulator<'r> {
    /// An empty count against `reference`.
    pub fn new(reference: &'r OovReference) -> Self {
        OovAccumulator {
            reference,
            tokens: 0,
            oov: 0,
            oov_lower: 0,
            types: HashSet::new(),
            types_lower: HashSet::new(),
            entities: 0,
            unseen: 0,
        }
    }

    /// Counts one corpus sentence.
    pub fn add(&mut self, s: &Sentence) {
        let r = self.reference;
        for t in &s.tokens {
            self.tokens += 1;
            let lower = t.to_lowercase();
            self.oov += usize::from(!r.vocab.contains(t.as_str()));
            self.oov_lower += usize::from(!r.lower.contains(&lower));
            if !self.types.contains(t.as_str()) {
                self.types.insert(t.clone());
            }
            self.types_lower.insert(lower);
        }
        for key in entity_keys(s) {
            self.entities += 1;
            self.unseen += usize::from(!r.entities.contains(&key));
        }
    }

    /// The rates of everything added.
    pub fn finish(self) -> OovStats {
        let r = self.reference;
        let oov_types = self.types.iter().filter(|t| !r.vocab.contains(*t)).count();
        let oov_types_lower = self
            .types_lower
            .iter()
            .filter(|t| !r.lower.contains(*t))
            .count();
        OovStats {
            tokens: self.tokens,
            oov_tokens: self.oov,
            token_rate: ratio(self.oov, self.tokens),
            oov_tokens_lowercase: self.oov_lower,
            token_rate_lowercase: ratio(self.oov_lower, self.tokens),
            types: self.types.len(),
            oov_types,
            type_rate: ratio(oov_types, self.types.len()),
            types_lowercase: self.types_lower.len(),
            oov_types_lowercase: oov_types_lower,
            type_rate_lowercase: ratio(oov_types_lower, self.types_lower.len()),
            entities: self.entities,
            unseen_entities: self.unseen,
            entity_rate: ratio(self.unseen, self.entities),
        }
    }
}

/// OOV rates of `corpus`'s tokens against `reference`'s vocabulary, case
/// sensitive and lowercased, by token and by type, plus unseen entities.
pub fn oov_rate(corpus: &[Sentence], reference: &[Sentence]) -> OovStats {
    let mut r = OovReference::default();
    for s in reference {
        r.add(s);
    }
    let mut acc = OovAccumulator::new(&r);
    for s in corpus {
        acc.add(s);
    }
    acc.finish()
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

impl std::fmt::Display for OovStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::sentence as s;

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
}
