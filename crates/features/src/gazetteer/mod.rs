//! Gazetteer membership features: case-insensitive longest-match lookup of token
//! n-grams in named entity lists, emitted per token as B-group / I-group indicators.
//!
//! Entries and tweet tokens are compared in a *canonical* form (lowercase, only
//! letters and digits), so `F.C.` matches `FC`, `#Disney` matches `disney`, and the
//! match does not depend on how the tokenizer splits punctuation: tokens with no
//! letters or digits are skipped inside a match (`4th & 23rd` = `4th 23rd`).
//!
//! Lookup is a hash table keyed by space-joined canonical n-grams that also holds every
//! proper prefix of a multi-word entry, so extending a match stops as soon as no entry
//! can continue it: a tweet costs about one probe per token plus one per matched word.
//! The table ([`table::NodeTable`]) packs the keys into one byte buffer, because a map
//! of `String`s would make the gazetteer half of a tagger's memory.

mod groups;
mod store;
mod table;

use std::collections::HashMap;

use table::{NodeTable, NodeTableBuilder};

pub use groups::{
    compile_lexicon, compile_wnut_lexicon, CompileReport, GroupKind, GroupSpec, WNUT_GROUPS,
};

use crate::error::FeatureError;

/// At most this many groups (their membership is a bit set).
pub const MAX_GROUPS: usize = 64;

/// One feature group of a compiled gazetteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// Unique group name; it names the feature columns (`gaz:<name>`, `gaz:B-<name>`).
    pub name: String,
    /// Whether any entry has several words; single-word groups get one column
    /// instead of a B and an I column.
    pub multiword: bool,
    /// Distinct canonical entries.
    pub entries: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
struct Node {
    /// Groups that have this exact n-gram as an entry.
    groups: u64,
    /// Whether a longer entry starts with this n-gram.
    prefix: bool,
}

/// A compiled gazetteer, ready for matching.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    groups: Vec<GroupInfo>,
    max_ngram: usize,
    nodes: NodeTable,
    /// First feature column of each group.
    offsets: Vec<usize>,
    dim: usize,
}

/// One match: tokens `start..end` are an entry of group `group`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GazMatch {
    /// Index of the group in [`Gazetteer::groups`].
    pub group: usize,
    /// First token of the match.
    pub start: usize,
    /// One past the last token of the match.
    pub end: usize,
}

/// The canonical form of one word: lowercase letters and digits only.
pub fn canonical_word(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The canonical key of an entry (whitespace-separated words), or `None` when it has no
/// word characters.
pub fn canonical_entry(entry: &str) -> Option<(String, usize)> {
    let words: Vec<String> = entry
        .split_whitespace()
        .map(canonical_word)
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| (words.join(" "), words.len()))
}

/// Collects groups of entries and compiles them into a [`Gazetteer`].
#[derive(Debug, Clone)]
pub struct GazetteerBuilder {
    max_ngram: usize,
    groups: Vec<GroupInfo>,
    full: HashMap<String, u64>,
}

impl GazetteerBuilder {
    /// A builder that keeps entries of at most `max_ngram` (at least 1) words.
    pub fn new(max_ngram: usize) -> Self {
        GazetteerBuilder {
            max_ngram: max_ngram.max(1),
            groups: Vec::new(),
            full: HashMap::new(),
        }
    }

    /// Adds a group (or more entries to an existing group of that name); returns how
    /// many entries were skipped (no word characters or too long). Groups beyond
    /// [`MAX_GROUPS`] are refused as wholly skipped.
    pub fn add_group<'a>(
        &mut self,
        name: &str,
        entries: impl IntoIterator<Item = &'a str>,
    ) -> usize {
        let g = match self.groups.iter().position(|gi| gi.name == name) {
            Some(g) => g,
            None if self.groups.len() < MAX_GROUPS => {
                self.groups.push(GroupInfo {
                    name: name.to_string(),
                    multiword: false,
                    entries: 0,
                });
                self.groups.len() - 1
            }
            None => return entries.into_iter().count(),
        };
        let bit = 1u64 << g;
        let mut skipped = 0;
        for entry in entries {
            match canonical_entry(entry) {
                Some((key, n)) if n <= self.max_ngram => {
                    let bits = self.full.entry(key).or_insert(0);
                    if *bits & bit == 0 {
                        *bits |= bit;
                        self.groups[g].entries += 1;
                        self.groups[g].multiword |= n > 1;
                    }
                }
                _ => skipped += 1,
            }
        }
        skipped
    }

    /// Compiles the groups added so far (groups without entries are dropped).
    pub fn build(self) -> Gazetteer {
        let keep: Vec<usize> = (0..self.groups.len())
            .filter(|&g| self.groups[g].entries > 0)
            .collect();
        let groups: Vec<GroupInfo> = keep.iter().map(|&g| self.groups[g].clone()).collect();
        let remap = |bits: u64| -> u64 {
            keep.iter()
                .enumerate()
                .filter(|(_, &old)| bits & (1u64 << old) != 0)
                .fold(0, |acc, (new, _)| acc | (1u64 << new))
        };
        let mut table = NodeTableBuilder::default();
        let bytes = self.full.keys().map(String::len).sum();
        table.reserve(self.full.len(), bytes);
        for (key, bits) in &self.full {
            add_entry(&mut table, key, remap(*bits));
        }
        Gazetteer::assemble(groups, self.max_ngram, table.finish())
    }
}

/// Adds one canonical entry and marks its proper word prefixes as such.
fn add_entry(table: &mut NodeTableBuilder, key: &str, bits: u64) {
    if bits == 0 {
        return;
    }
    for (i, _) in key.match_indices(' ') {
        table.update(&key[..i], |n| n.prefix = true);
    }
    table.update(key, |n| n.groups |= bits);
}

/// Equal when the groups and the entries agree (whatever order the entries were added in).
impl PartialEq for Gazetteer {
    fn eq(&self, other: &Self) -> bool {
        fn sorted(g: &Gazetteer) -> Vec<(&str, u64)> {
            let mut v: Vec<(&str, u64)> = g.entries().collect();
            v.sort_unstable();
            v
        }
        self.groups == other.groups
            && self.max_ngram == other.max_ngram
            && self.nodes.len() == other.nodes.len()
            && sorted(self) == sorted(other)
    }
}

impl Gazetteer {
    /// Wraps a finished lookup table.
    fn assemble(groups: Vec<GroupInfo>, max_ngram: usize, nodes: NodeTable) -> Gazetteer {
        let mut offsets = Vec::with_capacity(groups.len());
        let mut dim = 0;
        for g in &groups {
            offsets.push(dim);
            dim += if g.multiword { 2 } else { 1 };
        }
        Gazetteer {
            groups,
            max_ngram,
            nodes,
            offsets,
            dim,
        }
    }

    /// The groups, in feature order.
    pub fn groups(&self) -> &[GroupInfo] {
        &self.groups
    }

    /// Longest entry length in words.
    pub fn max_ngram(&self) -> usize {
        self.max_ngram
    }

    /// Number of feature columns per token.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Column names: `gaz:B-<group>`/`gaz:I-<group>`, or `gaz:<group>` for single-word groups.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.dim);
        for g in &self.groups {
            if g.multiword {
                names.push(format!("gaz:B-{}", g.name));
                names.push(format!("gaz:I-{}", g.name));
            } else {
                names.push(format!("gaz:{}", g.name));
            }
        }
        names
    }

    /// The canonical entries with their group bits (each entry once).
    fn entries(&self) -> impl Iterator<Item = (&str, u64)> {
        (0..self.nodes.len())
            .map(|i| (self.nodes.key(i), self.nodes.node_at(i).groups))
            .filter(|&(_, groups)| groups != 0)
    }

    /// Whether `text` (any spelling) is an entry of the group named `group`.
    pub fn contains(&self, group: &str, text: &str) -> bool {
        let Some(g) = self.groups.iter().position(|gi| gi.name == group) else {
            return false;
        };
        canonical_entry(text)
            .and_then(|(k, _)| self.nodes.get(&k))
            .is_some_and(|n| n.groups & (1u64 << g) != 0)
    }

    /// Matches in a tweet: per group, greedy left to right, the longest entry starting at
    /// each position not already inside a match of that group.
    pub fn matches<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<GazMatch> {
        let canon: Vec<String> = tokens.iter().map(|t| canonical_word(t.as_ref())).collect();
        let ng = self.groups.len();
        let mut covered_until = vec![0usize; ng];
        let mut ends = vec![0usize; ng];
        let mut out = Vec::new();
        let mut key = String::new();
        for start in 0..canon.len() {
            if canon[start].is_empty() {
                continue;
            }
            key.clear();
            let mut words = 0;
            let mut found = 0u64;
            for (end, word) in canon.iter().enumerate().skip(start) {
                if word.is_empty() {
                    continue;
                }
                if words > 0 {
                    key.push(' ');
                }
                key.push_str(word);
                words += 1;
                let Some(node) = self.nodes.get(&key) else {
                    break;
                };
                let mut bits = node.groups;
                while bits != 0 {
                    let g = bits.trailing_zeros() as usize;
                    ends[g] = end + 1;
                    found |= 1u64 << g;
                    bits &= bits - 1;
                }
                if !node.prefix || words >= self.max_ngram {
                    break;
                }
            }
            while found != 0 {
                let g = found.trailing_zeros() as usize;
                found &= found - 1;
                if start >= covered_until[g] {
                    out.push(GazMatch {
                        group: g,
                        start,
                        end: ends[g],
                    });
                    covered_until[g] = ends[g];
                }
            }
        }
        out.sort_by_key(|m| (m.start, m.group));
        out
    }

    /// Writes this gazetteer's columns for every token: `rows[i][offset..offset+dim()]`
    /// (the caller sized and zeroed them).
    pub fn write_features<S: AsRef<str>>(
        &self,
        tokens: &[S],
        rows: &mut [Vec<f32>],
        offset: usize,
    ) {
        for m in self.matches(tokens) {
            let col = offset + self.offsets[m.group];
            let multi = self.groups[m.group].multiword;
            for (i, row) in rows.iter_mut().enumerate().take(m.end).skip(m.start) {
                // Skipped punctuation inside a match is marked inside too.
                let c = if multi && i > m.start { col + 1 } else { col };
                if let Some(x) = row.get_mut(c) {
                    *x = 1.0;
                }
            }
        }
    }

    /// Per-token feature rows of width [`Gazetteer::dim`].
    pub fn features<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<Vec<f32>> {
        let mut rows = vec![vec![0.0; self.dim]; tokens.len()];
        self.write_features(tokens, &mut rows, 0);
        rows
    }
}

/// Builds a gazetteer from in-memory groups (tests, custom lists).
pub fn gazetteer_from_lists(
    max_ngram: usize,
    groups: &[(&str, &[&str])],
) -> Result<Gazetteer, FeatureError> {
    if groups.len() > MAX_GROUPS {
        return Err(FeatureError::Invalid(format!(
            "{} gazetteer groups, at most {MAX_GROUPS}",
            groups.len()
        )));
    }
    let mut b = GazetteerBuilder::new(max_ngram);
    for (name, entries) in groups {
        b.add_group(name, entries.iter().copied());
    }
    Ok(b.build())
}

#[cfg(test)]
mod tests;
