//! Entity-type inventories and the BIO tag ids derived from them.
//!
//! Models predict tag ids, so the mapping between tag strings and ids must be
//! fixed and saved with a model; a [`LabelSet`] is that mapping. Its order is
//! meaningful (ids follow it), which is why it is a list and not a set.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::conll::Sentence;
use crate::scheme::{parse_tag, Scheme};

pub use tweetner_core::labels::WNUT16_TYPES;

/// An ordered list of entity types.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LabelSet {
    /// Entity types; their order fixes tag ids.
    pub types: Vec<String>,
}

impl LabelSet {
    /// A label set with the given types, in the given order (duplicates are
    /// dropped, keeping the first occurrence, so ids stay unambiguous).
    pub fn new<I, S>(types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut out: Vec<String> = Vec::new();
        for t in types {
            let t = t.into();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        LabelSet { types: out }
    }

    /// The 10 WNUT-16 types.
    pub fn wnut16() -> Self {
        Self::new(WNUT16_TYPES)
    }

    /// The types used in `sentences` (any scheme), sorted alphabetically so
    /// that the result does not depend on the order of the data.
    pub fn from_sentences(sentences: &[Sentence]) -> Self {
        let types: BTreeSet<&str> = sentences
            .iter()
            .flat_map(|s| s.tags.iter())
            .filter_map(|t| parse_tag(t, Scheme::Bioes).ok())
            .map(|t| t.ty)
            .filter(|t| !t.is_empty())
            .collect();
        Self::new(types)
    }

    /// Number of entity types.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether there are no types.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Whether `ty` is one of the types.
    pub fn contains(&self, ty: &str) -> bool {
        self.types.iter().any(|t| t == ty)
    }

    /// Index of `ty` in [`LabelSet::types`].
    pub fn type_id(&self, ty: &str) -> Option<usize> {
        self.types.iter().position(|t| t == ty)
    }

    /// Number of BIO tags: `O` plus `B-`/`I-` per type.
    pub fn num_bio_tags(&self) -> usize {
        1 + 2 * self.types.len()
    }

    /// The BIO tags: `O` first, then `B-t`, `I-t` for each type `t` in order.
    pub fn bio_tags(&self) -> Vec<String> {
        let mut tags = Vec::with_capacity(self.num_bio_tags());
        tags.push("O".to_string());
        for t in &self.types {
            tags.push(format!("B-{t}"));
            tags.push(format!("I-{t}"));
        }
        tags
    }

    /// Id of a BIO tag in [`LabelSet::bio_tags`] order; `None` for tags that
    /// are not BIO-shaped or whose type is unknown.
    pub fn tag_id(&self, tag: &str) -> Option<usize> {
        if tag == "O" {
            return Some(0);
        }
        let (prefix, ty) = tag.split_once('-')?;
        let offset = match prefix {
            "B" => 1,
            "I" => 2,
            _ => return None,
        };
        Some(offset + 2 * self.type_id(ty)?)
    }

    /// The BIO tag with id `id` (inverse of [`LabelSet::tag_id`]).
    pub fn tag(&self, id: usize) -> Option<String> {
        if id == 0 {
            return Some("O".to_string());
        }
        let ty = self.types.get((id - 1) / 2)?;
        let prefix = if id % 2 == 1 { "B" } else { "I" };
        Some(format!("{prefix}-{ty}"))
    }
}

/// Where a trained model's entity types come from (`labels` in a training
/// config's `[data]`): the WNUT-16 types (the default), whatever types the
/// training files use, or a given list. Written in TOML as `"wnut16"`,
/// `"from-data"` or `["PER", "LOC", "ORG"]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LabelSpec {
    /// [`LabelSet::wnut16`], in the task's order.
    #[default]
    Wnut16,
    /// [`LabelSet::from_sentences`] of the training files (sorted).
    FromData,
    /// These types, in this order.
    Types(Vec<String>),
}

impl LabelSpec {
    /// The fixed set, if the spec names one; `None` for [`LabelSpec::FromData`],
    /// whose set is known only once the training files are read.
    pub fn fixed(&self) -> Option<LabelSet> {
        match self {
            LabelSpec::Wnut16 => Some(LabelSet::wnut16()),
            LabelSpec::FromData => None,
            LabelSpec::Types(t) => Some(LabelSet::new(t.iter().cloned())),
        }
    }
}

impl Serialize for LabelSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LabelSpec::Wnut16 => s.serialize_str("wnut16"),
            LabelSpec::FromData => s.serialize_str("from-data"),
            LabelSpec::Types(t) => t.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for LabelSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Name(String),
            List(Vec<String>),
        }
        let bad = |what: String| {
            serde::de::Error::custom(format!(
                "labels must be \"wnut16\", \"from-data\" or a list of entity types, not {what}"
            ))
        };
        match Raw::deserialize(d).map_err(|_| bad("that value".into()))? {
            Raw::Name(n) if n == "wnut16" => Ok(LabelSpec::Wnut16),
            Raw::Name(n) if n == "from-data" => Ok(LabelSpec::FromData),
            Raw::Name(n) => Err(bad(format!("{n:?}"))),
            Raw::List(t) if t.is_empty() => Err(bad("an empty list".into())),
            Raw::List(t) => {
                if let Some(bad_ty) = t
                    .iter()
                    .find(|x| x.is_empty() || x.contains(char::is_whitespace))
                {
                    return Err(bad(format!("a list holding {bad_ty:?}")));
                }
                Ok(LabelSpec::Types(t))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_specs_read_from_names_and_lists() {
        #[derive(Deserialize, Serialize)]
        struct C {
            labels: LabelSpec,
        }
        let read = |s: &str| serde_json::from_str::<C>(s).map(|c| c.labels);
        assert_eq!(read(r#"{"labels":"wnut16"}"#).unwrap(), LabelSpec::Wnut16);
        assert_eq!(
            read(r#"{"labels":"from-data"}"#).unwrap(),
            LabelSpec::FromData
        );
        let list = read(r#"{"labels":["PER","LOC"]}"#).unwrap();
        assert_eq!(
            list.fixed().unwrap().bio_tags(),
            ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
        );
        for bad in [r#""wnut17""#, "[]", "3", r#"["a b"]"#] {
            let e = read(&format!(r#"{{"labels":{bad}}}"#))
                .unwrap_err()
                .to_string();
            assert!(e.contains("labels must be"), "{bad}: {e}");
        }
        for spec in [LabelSpec::Wnut16, LabelSpec::FromData, list] {
            let text = serde_json::to_string(&C {
                labels: spec.clone(),
            })
            .unwrap();
            assert_eq!(read(&text).unwrap(), spec);
        }
        assert_eq!(LabelSpec::default().fixed(), Some(LabelSet::wnut16()));
        assert_eq!(LabelSpec::FromData.fixed(), None);
    }

    #[test]
    fn wnut16_has_ten_types_in_task_order() {
        let l = LabelSet::wnut16();
        assert_eq!(l.len(), 10);
        assert_eq!(l.types[0], "person");
        assert_eq!(l.types[9], "other");
        assert_eq!(l.type_id("geo-loc"), Some(1));
    }

    #[test]
    fn bio_tags_and_ids_agree() {
        let l = LabelSet::wnut16();
        let tags = l.bio_tags();
        assert_eq!(tags.len(), 21);
        assert_eq!(tags[0], "O");
        assert_eq!(tags[1], "B-person");
        assert_eq!(tags[2], "I-person");
        assert_eq!(tags[20], "I-other");
        for (i, t) in tags.iter().enumerate() {
            assert_eq!(l.tag_id(t), Some(i), "{t}");
            assert_eq!(l.tag(i).as_deref(), Some(t.as_str()));
        }
        assert_eq!(l.tag(21), None);
        assert_eq!(l.tag_id("B-nothing"), None);
        assert_eq!(l.tag_id("E-person"), None);
        assert_eq!(l.tag_id("person"), None);
    }

    #[test]
    fn from_sentences_is_sorted_and_deduplicated() {
        let s = Sentence::new(
            vec!["a".into(), "b".into(), "c".into(), "d".into()],
            vec!["B-x".into(), "I-x".into(), "S-a".into(), "O".into()],
        );
        assert_eq!(LabelSet::from_sentences(&[s]).types, vec!["a", "x"]);
        assert_eq!(LabelSet::new(["b", "a", "b"]).types, vec!["b", "a"]);
    }

    #[test]
    fn serde_round_trip() {
        let l = LabelSet::wnut16();
        let json = serde_json::to_string(&l).unwrap();
        assert!(json.contains("\"types\""));
        let back: LabelSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l);
    }
}
