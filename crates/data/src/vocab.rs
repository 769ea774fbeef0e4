//! Token vocabularies: string ↔ id maps with reserved padding and unknown ids.
//!
//! Embedding tables and feature extractors index rows by id, so the mapping
//! must be built once (from training data) and saved with the model. Ids 0
//! and 1 are always [`PAD`] and [`UNK`]: padding needs a fixed id that no
//! token has, and every unseen token must map somewhere.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::DataError;

/// The padding token (id [`PAD_ID`]).
pub const PAD: &str = "<pad>";
/// The unknown-token token (id [`UNK_ID`]).
pub const UNK: &str = "<unk>";
/// Id of [`PAD`].
pub const PAD_ID: usize = 0;
/// Id of [`UNK`].
pub const UNK_ID: usize = 1;

/// A string ↔ id map; serialized as `{"tokens": [...]}` with ids = positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "VocabRepr", into = "VocabRepr")]
pub struct Vocab {
    tokens: Vec<String>,
    index: HashMap<String, usize>,
}

#[derive(Serialize, Deserialize)]
struct VocabRepr {
    tokens: Vec<String>,
}

impl From<Vocab> for VocabRepr {
    fn from(v: Vocab) -> Self {
        VocabRepr { tokens: v.tokens }
    }
}

impl TryFrom<VocabRepr> for Vocab {
    type Error = String;

    fn try_from(r: VocabRepr) -> Result<Self, String> {
        Vocab::from_list(r.tokens).map_err(|(i, m)| format!("token {i}: {m}"))
    }
}

impl Default for Vocab {
    fn default() -> Self {
        Self::new()
    }
}

impl Vocab {
    /// A vocabulary holding only [`PAD`] and [`UNK`].
    pub fn new() -> Self {
        let tokens = vec![PAD.to_string(), UNK.to_string()];
        let index = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
        Vocab { tokens, index }
    }

    /// Counts token occurrences (feed this to [`Vocab::from_counts`]).
    pub fn count<'a, I: IntoIterator<Item = &'a str>>(tokens: I) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for t in tokens {
            *counts.entry(t.to_string()).or_insert(0) += 1;
        }
        counts
    }

    /// Keeps the tokens seen at least `min_count` times. Ids follow
    /// decreasing count, ties broken by the string, so the same counts
    /// always give the same ids. Tokens spelled like [`PAD`] or [`UNK`]
    /// keep the reserved ids.
    pub fn from_counts<I, S>(counts: I, min_count: usize) -> Self
    where
        I: IntoIterator<Item = (S, usize)>,
        S: Into<String>,
    {
        let mut kept: Vec<(String, usize)> = counts
            .into_iter()
            .map(|(t, c)| (t.into(), c))
            .filter(|(_, c)| *c >= min_count)
            .collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut v = Self::new();
        for (t, _) in kept {
            v.insert(t);
        }
        v
    }

    /// A vocabulary from its token list (id = position). The list must start
    /// with [`PAD`], [`UNK`] and hold no duplicate; the error gives the
    /// offending position and why.
    pub fn from_list(tokens: Vec<String>) -> Result<Self, (usize, String)> {
        for (i, want) in [PAD, UNK].iter().enumerate() {
            match tokens.get(i) {
                Some(t) if t == want => {}
                Some(t) => return Err((i, format!("expected reserved `{want}`, found `{t}`"))),
                None => return Err((i, format!("expected reserved `{want}`, found the end"))),
            }
        }
        let mut index = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if let Some(first) = index.insert(t.clone(), i) {
                return Err((i, format!("duplicate token `{t}` (first at id {first})")));
            }
        }
        Ok(Vocab { tokens, index })
    }

    /// Adds a token if absent; returns its id either way.
    pub fn insert(&mut self, token: impl Into<String>) -> usize {
        let token = token.into();
        if let Some(&id) = self.index.get(&token) {
            return id;
        }
        let id = self.tokens.len();
        self.index.insert(token.clone(), id);
        self.tokens.push(token);
        id
    }

    /// The id of `token`, if present.
    pub fn get(&self, token: &str) -> Option<usize> {
        self.index.get(token).copied()
    }

    /// The id of `token`, or [`UNK_ID`].
    pub fn id(&self, token: &str) -> usize {
        self.get(token).unwrap_or(UNK_ID)
    }

    /// The token with id `id`.
    pub fn token(&self, id: usize) -> Option<&str> {
        self.tokens.get(id).map(String::as_str)
    }

    /// All tokens, in id order (reserved ones first).
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Number of ids, reserved ones included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Always false: the reserved tokens are always there.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Saves as JSON (`{"tokens": [...]}`).
    pub fn save_json(&self, path: &Path) -> Result<(), DataError> {
        let io_err = |source| DataError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut w = BufWriter::new(File::create(path).map_err(io_err)?);
        serde_json::to_writer(&mut w, self).map_err(|source| DataError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        w.flush().map_err(io_err)
    }

    /// Loads what [`Vocab::save_json`] wrote.
    pub fn load_json(path: &Path) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_reader(BufReader::new(file)).map_err(|source| DataError::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Saves one token per line, line `i + 1` holding id `i`. Fails on a
    /// token that is empty or contains a line break (it would not read back).
    pub fn save_text(&self, path: &Path) -> Result<(), DataError> {
        let io_err = |source| DataError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(t) = self
            .tokens
            .iter()
            .find(|t| t.is_empty() || t.contains(['\n', '\r']))
        {
            return Err(io_err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("token {t:?} cannot be saved one per line"),
            )));
        }
        let mut w = BufWriter::new(File::create(path).map_err(io_err)?);
        for t in &self.tokens {
            writeln!(w, "{t}").map_err(io_err)?;
        }
        w.flush().map_err(io_err)
    }

    /// Loads what [`Vocab::save_text`] wrote; errors name the line.
    pub fn load_text(path: &Path) -> Result<Self, DataError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut tokens = Vec::new();
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|source| DataError::Read {
                source_name: name.clone(),
                line: i + 1,
                source,
            })?;
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if line.is_empty() {
                return Err(DataError::parse(
                    &name,
                    i + 1,
                    "expected a token, found an empty line",
                ));
            }
            tokens.push(line.to_string());
        }
        Vocab::from_list(tokens).map_err(|(i, m)| DataError::parse(&name, i + 1, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ids_and_unknown_fallback() {
        let v = Vocab::new();
        assert_eq!((v.len(), v.id(PAD), v.id(UNK)), (2, PAD_ID, UNK_ID));
        assert_eq!(v.id("anything"), UNK_ID);
        assert_eq!(v.get("anything"), None);
        assert_eq!(v.token(0), Some(PAD));
        assert_eq!(v.token(2), None);
    }

    #[test]
    fn from_counts_orders_by_count_then_string_and_applies_min_count() {
        let counts = Vocab::count("b a c a b a d <unk> d".split(' '));
        let v = Vocab::from_counts(counts.clone(), 2);
        assert_eq!(v.tokens(), [PAD, UNK, "a", "b", "d"]);
        assert_eq!(v.id("c"), UNK_ID);
        assert_eq!(v.id("<unk>"), UNK_ID);
        let all = Vocab::from_counts(counts, 1);
        assert_eq!(all.tokens(), [PAD, UNK, "a", "b", "d", "c"]);
        let mut v = v;
        assert_eq!(v.insert("zz"), 5);
        assert_eq!(v.insert("a"), 2);
    }

    #[test]
    fn from_list_validates() {
        assert!(Vocab::from_list(vec![PAD.into(), UNK.into(), "x".into()]).is_ok());
        assert_eq!(Vocab::from_list(vec![UNK.into()]).unwrap_err().0, 0);
        assert_eq!(Vocab::from_list(vec![PAD.into()]).unwrap_err().0, 1);
        let dup = vec![PAD.into(), UNK.into(), "x".into(), "x".into()];
        assert_eq!(Vocab::from_list(dup).unwrap_err().0, 3);
    }

    #[test]
    fn save_and_load_json_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vocab::from_counts([("é", 3), ("@user", 2), ("a b", 2)], 1);
        let json = dir.path().join("v.json");
        v.save_json(&json).unwrap();
        assert!(std::fs::read_to_string(&json)
            .unwrap()
            .starts_with("{\"tokens\":"));
        assert_eq!(Vocab::load_json(&json).unwrap(), v);
        let txt = dir.path().join("v.txt");
        v.save_text(&txt).unwrap();
        assert_eq!(Vocab::load_text(&txt).unwrap(), v);

        std::fs::write(&txt, "<pad>\n<unk>\na\n\nb\n").unwrap();
        let err = Vocab::load_text(&txt).unwrap_err();
        assert_eq!(err.line(), Some(4), "{err}");
        std::fs::write(&txt, "<pad>\n<unk>\na\r\nb\na\n").unwrap();
        let err = Vocab::load_text(&txt).unwrap_err();
        assert_eq!(err.line(), Some(5), "{err}");
        assert!(err.to_string().contains("duplicate token `a`"), "{err}");
        std::fs::write(&json, "{\"tokens\": [\"<unk>\"]}").unwrap();
        assert!(Vocab::load_json(&json).is_err());

        let mut bad = Vocab::new();
        bad.insert("two\nlines");
        assert!(bad.save_text(&txt).is_err());
    }
}
