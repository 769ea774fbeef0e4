//! Longest-match lookup of token n-grams.
//!
//! # Matching
//!
//! Each token is normalised on its own ([`normalize`]); a token that
//! normalises to `""` (punctuation, emoji) never starts or ends a match but is
//! passed over inside one, so `Tom & Jerry` matches `tom jerry`. From every
//! other token, the fst is walked byte by byte over the token's key, a space,
//! the next token's key, ... for at most [`Lexicon::max_ngram`] non-empty
//! tokens, stopping as soon as no key continues the bytes read so far: most
//! tokens cost a few node visits. Every final state reached is a candidate
//! match. One token may stand for several words: `#NewYorkCity` walks
//! `new york city` and matches that entry as a single token.
//!
//! Two alternatives widen each token (both walked in the same pass):
//! * a hashtag or mention whose CamelCase was split also walks its unsplit
//!   form (`#iPhone`: `i phone` and `iphone`; `#NewYorkCity` also
//!   `newyorkcity`);
//! * a token ending in `'s` (`Obama's`, `Obama’s`) may also *end* a match
//!   without the final `s` (`obama`); it never continues one, since the
//!   possessive marks the end of a name.
//!
//! # Overlaps
//!
//! Types are resolved independently. For each type, going left to right,
//! the longest candidate of that type starting at a token is taken unless
//! the token is inside an already taken match of that type; the first match
//! wins even if a later, overlapping one is longer. So a token can be in a
//! `movie` match and a `person` match at once, and matches of one type never
//! overlap.

use std::collections::HashSet;

use fst::raw::CompiledAddr;

use crate::format::MAX_TYPES;
use crate::normalize::{ends_possessive, is_tagged, normalize};
use crate::store::{Lexicon, TypeSet};

/// BIO membership of a token in the matches of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bio {
    /// Outside any match of the type.
    O,
    /// First token of a match.
    B,
    /// Inside a match, not its first token.
    I,
}

/// One match: tokens `start..end` are an entry of type `ty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Type id (see [`Lexicon::types`]).
    pub ty: usize,
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Distinct sources listing the matched key under `ty`.
    pub sources: u8,
}

/// What the lexicon says about one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenMatch {
    /// Types with a match starting at this token.
    pub begin: TypeSet,
    /// Types with a match covering this token that started earlier.
    pub inside: TypeSet,
    /// Length in tokens of the longest match (any type) covering this token;
    /// 0 when there is none.
    pub longest: usize,
    sources: [u8; MAX_TYPES],
}

impl Default for TokenMatch {
    fn default() -> Self {
        TokenMatch {
            begin: TypeSet::default(),
            inside: TypeSet::default(),
            longest: 0,
            sources: [0; MAX_TYPES],
        }
    }
}

impl TokenMatch {
    /// BIO tag of this token for type `ty`.
    pub fn bio(&self, ty: usize) -> Bio {
        if self.begin.contains(ty) {
            Bio::B
        } else if self.inside.contains(ty) {
            Bio::I
        } else {
            Bio::O
        }
    }

    /// Types with a match covering this token.
    pub fn types(&self) -> TypeSet {
        TypeSet(self.begin.0 | self.inside.0)
    }

    /// Distinct sources behind the match of type `ty` covering this token
    /// (0 when none does).
    pub fn sources(&self, ty: usize) -> u8 {
        self.sources.get(ty).copied().unwrap_or(0)
    }
}

/// The keys one token is walked with.
#[derive(Debug, Default)]
struct TokenKeys {
    /// The normalised token; empty: passed over.
    main: String,
    /// The unsplit form of a split hashtag.
    joined: Option<String>,
    /// `main` without the `s` of a possessive `'s`; may only end a match.
    possessive: Option<String>,
}

impl TokenKeys {
    fn of(token: &str) -> TokenKeys {
        let main = normalize(token);
        let joined =
            (is_tagged(token.trim_start()) && main.contains(' ')).then(|| main.replace(' ', ""));
        let possessive = (ends_possessive(token.trim_end()) && main.len() > 1)
            .then(|| main[..main.len() - 1].trim_end().to_owned())
            .filter(|p| !p.is_empty());
        TokenKeys {
            main,
            joined,
            possessive,
        }
    }

    /// (key, may continue) pairs.
    fn variants(&self) -> impl Iterator<Item = (&str, bool)> {
        std::iter::once((self.main.as_str(), true))
            .chain(self.joined.as_deref().map(|k| (k, true)))
            .chain(self.possessive.as_deref().map(|k| (k, false)))
    }
}

/// A position in the fst: node address and the output summed on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    addr: CompiledAddr,
    out: u64,
}

impl Lexicon {
    /// Follows `bytes` from `state`; `None` as soon as no key continues them.
    fn feed(&self, state: State, bytes: &[u8]) -> Option<State> {
        let mut node = self.fst.node(state.addr);
        let mut out = state.out;
        for &b in bytes {
            let t = node.transition(node.find_input(b)?);
            out = out.wrapping_add(t.out.value());
            node = self.fst.node(t.addr);
        }
        Some(State {
            addr: node.addr(),
            out,
        })
    }

    /// The value of the key ending at `state`, if a key ends there.
    fn final_value(&self, state: State) -> Option<u64> {
        let node = self.fst.node(state.addr);
        node.is_final()
            .then(|| state.out.wrapping_add(node.final_output().value()))
    }

    /// Walks every key that starts at token `start`, calling `found(end,
    /// value, path)` for each one that ends before token `end`. `path` is
    /// what `extend` made of the key's pieces (`()` when only values matter,
    /// the key text when the caller wants it).
    // Generic, not `dyn`: matching runs on every token of every tweet, and
    // static dispatch lets the `()` path of `matches` compile to nothing.
    #[allow(clippy::type_complexity)] // two reused buffers of (state, path)
    fn walk<P, E, F>(
        &self,
        keys: &[TokenKeys],
        start: usize,
        extend: &E,
        empty: P,
        bufs: &mut (Vec<(State, P)>, Vec<(State, P)>),
        found: &mut F,
    ) where
        P: Clone + PartialEq,
        E: Fn(&P, &str, bool) -> P,
        F: FnMut(usize, u64, &P),
    {
        let root = State {
            addr: self.fst.root().addr(),
            out: 0,
        };
        let (frontier, next) = bufs;
        frontier.clear();
        frontier.push((root, empty));
        let mut words = 0;
        for (end, tk) in keys.iter().enumerate().skip(start) {
            if tk.main.is_empty() {
                continue;
            }
            if words == self.max_ngram {
                break;
            }
            next.clear();
            for (state, path) in frontier.iter() {
                let base = if words == 0 {
                    Some(*state)
                } else {
                    self.feed(*state, b" ")
                };
                let Some(base) = base else { continue };
                for (key, cont) in tk.variants() {
                    let Some(s) = self.feed(base, key.as_bytes()) else {
                        continue;
                    };
                    let path = extend(path, key, words == 0);
                    if let Some(v) = self.final_value(s) {
                        found(end + 1, v, &path);
                    }
                    if cont && !next.iter().any(|(t, p)| *t == s && *p == path) {
                        next.push((s, path));
                    }
                }
            }
            words += 1;
            std::mem::swap(frontier, next);
            if frontier.is_empty() {
                break;
            }
        }
    }

    /// The matches in `tokens`, sorted by start then type; see the
    /// [module docs](crate::annotate) for how they are chosen.
    pub fn matches<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<Span> {
        let keys: Vec<TokenKeys> = tokens.iter().map(|t| TokenKeys::of(t.as_ref())).collect();
        let mut covered_until = [0usize; MAX_TYPES];
        let mut best: [(usize, u8); MAX_TYPES] = [(0, 0); MAX_TYPES];
        let mut bufs = (Vec::new(), Vec::new());
        let mut out = Vec::new();
        for start in 0..keys.len() {
            if keys[start].main.is_empty() {
                continue;
            }
            let mut found = 0u64;
            self.walk(
                &keys,
                start,
                &|_, _, _| (),
                (),
                &mut bufs,
                &mut |end, v, ()| {
                    if let Some(entry) = self.entry(v) {
                        for ty in entry.types.iter() {
                            // Later ends are longer: overwrite.
                            best[ty] = (end, entry.sources(ty));
                        }
                        found |= entry.types.0;
                    }
                },
            );
            for ty in TypeSet(found).iter() {
                if start >= covered_until[ty] {
                    let (end, sources) = best[ty];
                    out.push(Span {
                        ty,
                        start,
                        end,
                        sources,
                    });
                    covered_until[ty] = end;
                }
            }
        }
        out
    }

    /// Adds to `seen` every key occurring in `tokens` (each match, not only
    /// the longest), as the normalised key text.
    pub fn keys_in<S: AsRef<str>>(&self, tokens: &[S], seen: &mut HashSet<String>) {
        let keys: Vec<TokenKeys> = tokens.iter().map(|t| TokenKeys::of(t.as_ref())).collect();
        let extend = |path: &String, key: &str, first: bool| {
            if first {
                key.to_owned()
            } else {
                format!("{path} {key}")
            }
        };
        let mut bufs = (Vec::new(), Vec::new());
        for start in 0..keys.len() {
            if !keys[start].main.is_empty() {
                self.walk(
                    &keys,
                    start,
                    &extend,
                    String::new(),
                    &mut bufs,
                    &mut |_, _, key| {
                        if !seen.contains(key) {
                            seen.insert(key.clone());
                        }
                    },
                );
            }
        }
    }

    /// Per-token BIO membership, longest covering match and source counts
    /// (one [`TokenMatch`] per token); see the [module docs](crate::annotate).
    pub fn annotate<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<TokenMatch> {
        let mut rows = vec![TokenMatch::default(); tokens.len()];
        for span in self.matches(tokens) {
            let bit = 1u64 << span.ty;
            let len = span.end - span.start;
            for (i, row) in rows[span.start..span.end].iter_mut().enumerate() {
                if i == 0 {
                    row.begin.0 |= bit;
                } else {
                    row.inside.0 |= bit;
                }
                row.longest = row.longest.max(len);
                row.sources[span.ty] = span.sources;
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(token: &str) -> Vec<(String, bool)> {
        TokenKeys::of(token)
            .variants()
            .map(|(k, c)| (k.to_owned(), c))
            .collect()
    }

    #[test]
    fn token_keys() {
        assert_eq!(keys_of("Paris"), vec![("paris".into(), true)]);
        assert_eq!(
            keys_of("#NewYorkCity"),
            vec![("new york city".into(), true), ("newyorkcity".into(), true)]
        );
        assert_eq!(
            keys_of("Obama’s"),
            vec![("obamas".into(), true), ("obama".into(), false)]
        );
        assert_eq!(keys_of("#nyc"), vec![("nyc".into(), true)]);
        assert_eq!(keys_of("'s"), vec![("s".into(), true)]);
        assert_eq!(keys_of("!!"), vec![(String::new(), true)]);
    }

    #[test]
    fn a_list_can_be_cut_to_the_keys_a_corpus_uses() {
        use crate::{BuildOptions, LexiconBuilder, Row};
        let rows = [
            Row::new("New York", "geo-loc"),
            Row::new("New York City", "geo-loc"),
            Row::new("York", "person"),
            Row::new("Harold and Maude", "movie"),
        ];
        let full = Lexicon::build(rows, &BuildOptions::default()).unwrap();
        let mut keys = HashSet::new();
        for tweet in [
            vec!["off", "to", "#NewYork", "!"],
            vec!["york", "is", "nice"],
        ] {
            full.keys_in(&tweet, &mut keys);
        }
        // Every match counts, not only the longest: `new york` and `york`.
        let mut sorted: Vec<&str> = keys.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        assert_eq!(sorted, ["new york", "york"]);
        let mut b = LexiconBuilder::new(&BuildOptions::default()).keep_only(keys);
        for r in &rows {
            b.add(r).unwrap();
        }
        let cut = b.finish().unwrap();
        assert_eq!(cut.len(), 2);
        assert!(cut.get("Harold and Maude").is_none() && cut.get("new york").is_some());
        assert_eq!(cut.info().rows, 4);
    }
}
