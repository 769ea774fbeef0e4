//! Renaming entity types, to train on corpora with other label sets.
//!
//! Twitter NER corpora disagree on types (BTC has PER/LOC/ORG, TweetNER7 has
//! corporation/creative_work/...). Mapping them onto WNUT-16 types lets them
//! serve as extra training data. Every type in the input must be named in
//! the map — a type nobody thought about is an error, never silently dropped
//! or kept — and a type mapped to `O` removes its entities (for types with no
//! WNUT-16 counterpart, e.g. ORG, which spans company, sportsteam and more).

use std::collections::BTreeMap;

use crate::conll::Sentence;
use crate::error::DataError;

/// Entity type → new type, or `None` for "drop the entity".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeMap {
    map: BTreeMap<String, Option<String>>,
}

impl TypeMap {
    /// Parse `FROM=TO[,FROM=TO…]`; `TO` = `O` drops the type.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (from, to) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not FROM=TO"))?;
            let (from, to) = (from.trim(), to.trim());
            if from.is_empty() || to.is_empty() {
                return Err(format!("`{part}`: both sides need a type name"));
            }
            if to.starts_with("B-") || to.starts_with("I-") || from.starts_with("B-") {
                return Err(format!("`{part}`: name types without the B-/I- prefix"));
            }
            let target = (to != "O").then(|| to.to_string());
            if map.insert(from.to_string(), target).is_some() {
                return Err(format!("type `{from}` is mapped twice"));
            }
        }
        if map.is_empty() {
            return Err("the map names no type".into());
        }
        Ok(TypeMap { map })
    }

    /// Rename the types of one BIO-tagged sentence in place. `source` names
    /// the file for errors, which point at the token's line.
    pub fn apply(&self, sentence: &mut Sentence, source: &str) -> Result<(), DataError> {
        for (i, tag) in sentence.tags.iter_mut().enumerate() {
            let Some((prefix, ty)) = tag.split_once('-') else {
                continue; // `O`
            };
            let target = self.map.get(ty).ok_or_else(|| DataError::Parse {
                source_name: source.to_string(),
                line: if sentence.line > 0 {
                    sentence.line + i
                } else {
                    0
                },
                message: format!("entity type `{ty}` is not in the map (add {ty}=TYPE or {ty}=O)"),
            })?;
            *tag = match target {
                Some(t) => format!("{prefix}-{t}"),
                None => "O".to_string(),
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(tags: &[&str]) -> Sentence {
        Sentence {
            tokens: tags.iter().map(|_| "w".to_string()).collect(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            columns: Vec::new(),
            line: 10,
        }
    }

    #[test]
    fn renames_and_drops_types() {
        let m = TypeMap::parse("PER=person, LOC=geo-loc,ORG=O").unwrap();
        let mut s = sentence(&["B-PER", "I-PER", "O", "B-ORG", "I-ORG", "B-LOC"]);
        m.apply(&mut s, "btc").unwrap();
        assert_eq!(s.tags, ["B-person", "I-person", "O", "O", "O", "B-geo-loc"]);
    }

    #[test]
    fn an_unmapped_type_is_an_error_at_its_line() {
        let m = TypeMap::parse("PER=person").unwrap();
        let mut s = sentence(&["O", "O", "B-MISC"]);
        let e = m.apply(&mut s, "tweebank.bio").unwrap_err().to_string();
        assert!(
            e.contains("tweebank.bio") && e.contains("12") && e.contains("MISC"),
            "{e}"
        );
    }

    #[test]
    fn bad_specs_are_rejected() {
        for bad in [
            "",
            "PER",
            "PER=",
            "=person",
            "PER=person,PER=geo-loc",
            "B-PER=person",
            "PER=B-person",
        ] {
            assert!(TypeMap::parse(bad).is_err(), "{bad:?}");
        }
    }
}
