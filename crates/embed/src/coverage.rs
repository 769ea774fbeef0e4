//! Coverage of a token stream by a vocabulary, broken down by fallback rule.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;

use crate::fallback::MatchRule;

/// Tokens and distinct token strings found by one rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    /// Token occurrences the rule matched (repeats counted).
    pub tokens: usize,
    /// Distinct token strings the rule matched.
    pub types: usize,
}

/// How much of a corpus a vocabulary covers.
///
/// Token-level rates weigh frequent words; type-level rates (distinct strings as
/// written) show how much of the long tail of tweet spellings is reached.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    /// Token occurrences measured.
    pub tokens: usize,
    /// Distinct token strings measured.
    pub types: usize,
    /// Hits per rule (rules that never matched are absent).
    pub by_rule: BTreeMap<MatchRule, RuleCount>,
    /// The most frequent uncovered strings with their counts (at most 25).
    pub top_misses: Vec<(String, usize)>,
}

impl Coverage {
    /// Measures `tokens` with `find`, which answers the matching rule or `None`.
    pub fn measure<I, S>(tokens: I, mut find: impl FnMut(&str) -> Option<MatchRule>) -> Coverage
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut total = 0;
        for t in tokens {
            total += 1;
            *counts.entry(t.as_ref().to_string()).or_insert(0) += 1;
        }
        let mut cov = Coverage {
            tokens: total,
            types: counts.len(),
            ..Coverage::default()
        };
        let mut misses = Vec::new();
        for (word, n) in counts {
            match find(&word) {
                Some(rule) => {
                    let rc = cov.by_rule.entry(rule).or_default();
                    rc.tokens += n;
                    rc.types += 1;
                }
                None => misses.push((word, n)),
            }
        }
        misses.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        misses.truncate(25);
        cov.top_misses = misses;
        cov
    }

    /// Covered token occurrences.
    pub fn covered_tokens(&self) -> usize {
        self.by_rule.values().map(|r| r.tokens).sum()
    }

    /// Covered distinct strings.
    pub fn covered_types(&self) -> usize {
        self.by_rule.values().map(|r| r.types).sum()
    }

    /// Fraction of token occurrences covered (0 when empty).
    pub fn token_rate(&self) -> f64 {
        ratio(self.covered_tokens(), self.tokens)
    }

    /// Fraction of distinct strings covered (0 when empty).
    pub fn type_rate(&self) -> f64 {
        ratio(self.covered_types(), self.types)
    }

    /// Hits of one rule.
    pub fn rule(&self, rule: MatchRule) -> RuleCount {
        self.by_rule.get(&rule).copied().unwrap_or_default()
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl fmt::Display for Coverage {
    /// A small table: one row per rule with cumulative rates, then the totals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<14} {:>8} {:>8} {:>9} {:>9}",
            "rule", "tokens", "types", "cum tok%", "cum typ%"
        )?;
        let (mut ct, mut cy) = (0, 0);
        for rule in MatchRule::ALL {
            let rc = self.rule(rule);
            ct += rc.tokens;
            cy += rc.types;
            writeln!(
                f,
                "{:<14} {:>8} {:>8} {:>8.2}% {:>8.2}%",
                rule.name(),
                rc.tokens,
                rc.types,
                100.0 * ratio(ct, self.tokens),
                100.0 * ratio(cy, self.types)
            )?;
        }
        write!(
            f,
            "{:<14} {:>8} {:>8} {:>8.2}% {:>8.2}%",
            "total",
            self.tokens,
            self.types,
            100.0 * self.token_rate(),
            100.0 * self.type_rate()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_tokens_and_types() {
        let toks = ["a", "a", "B", "c", "c", "c"];
        let cov = Coverage::measure(toks, |t| match t {
            "a" => Some(MatchRule::Exact),
            "B" => Some(MatchRule::Lowercase),
            _ => None,
        });
        assert_eq!((cov.tokens, cov.types), (6, 3));
        assert_eq!(
            cov.rule(MatchRule::Exact),
            RuleCount {
                tokens: 2,
                types: 1
            }
        );
        assert_eq!(
            cov.rule(MatchRule::Lowercase),
            RuleCount {
                tokens: 1,
                types: 1
            }
        );
        assert!((cov.token_rate() - 0.5).abs() < 1e-12);
        assert!((cov.type_rate() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(cov.top_misses, vec![("c".to_string(), 3)]);
        let shown = cov.to_string();
        assert!(shown.contains("total"), "{shown}");
    }

    #[test]
    fn empty_is_zero() {
        let cov = Coverage::measure(Vec::<String>::new(), |_| None);
        assert_eq!(cov.token_rate(), 0.0);
        assert_eq!(cov.type_rate(), 0.0);
    }
}
