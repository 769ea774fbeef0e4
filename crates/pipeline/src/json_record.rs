//! A JSONL input record that is written back as it came: its fields as a
//! [`Map`] for the code that reads them (text, id, time, author), and its
//! original text for output, so numbers keep the digits they were written
//! with (a 30-digit id does not become `1.2345678901234568e29`), key order
//! and every other byte of a field are kept.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// One JSON object read from a line.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonRecord {
    map: Map<String, Value>,
    raw: Box<str>,
}

impl JsonRecord {
    /// A record whose text is `raw`, a JSON object; `None` when it is not one.
    pub fn parse(raw: &str) -> Result<JsonRecord, serde_json::Error> {
        let map: Map<String, Value> = serde_json::from_str(raw)?;
        Ok(JsonRecord {
            map,
            raw: raw.into(),
        })
    }

    /// A record built in code (no original text: written as serialised).
    pub fn from_map(map: Map<String, Value>) -> JsonRecord {
        let raw = Value::Object(map.clone()).to_string().into_boxed_str();
        JsonRecord { map, raw }
    }

    /// The original text of top-level field `name` (`12345678901234567890123`,
    /// `"abc"`), as written.
    pub fn raw_field(&self, name: &str) -> Option<String> {
        raw_fields(&self.raw)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.get().to_string())
    }

    /// The record as a JSON object line with `added` fields set: every
    /// original field as written, in its order, except those `added`
    /// replaces, then the `added` ones.
    pub fn with_fields(&self, added: &[(&str, Value)]) -> String {
        let raw = raw_fields(&self.raw);
        let kept = raw
            .iter()
            .filter(|(k, _)| !added.iter().any(|(a, _)| a == k))
            .map(|(k, v)| (k.as_str(), Cow::Borrowed(v.get())));
        object(kept.chain(added.iter().map(|(k, v)| (*k, Cow::Owned(v.to_string())))))
    }
}

/// A JSON object from keys and values that are already JSON text, in the
/// order given.
pub(crate) fn object<'a>(fields: impl IntoIterator<Item = (&'a str, Cow<'a, str>)>) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(key.to_string()).to_string());
        out.push(':');
        out.push_str(&value);
    }
    out.push('}');
    out
}

impl Deref for JsonRecord {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        &self.map
    }
}

impl From<Map<String, Value>> for JsonRecord {
    fn from(map: Map<String, Value>) -> Self {
        JsonRecord::from_map(map)
    }
}

/// The top-level fields of a JSON object text, in order, values unparsed.
/// Text that is not an object gives none (records are checked when read).
fn raw_fields(raw: &str) -> Vec<(String, Box<RawValue>)> {
    struct Fields(Vec<(String, Box<RawValue>)>);
    struct FieldsVisitor;
    impl<'de> Visitor<'de> for FieldsVisitor {
        type Value = Fields;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
            while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                // A repeated key: the last one wins, as when parsing into a map.
                out.retain(|(seen, _): &(String, Box<RawValue>)| *seen != k);
                out.push((k, v));
            }
            Ok(Fields(out))
        }
    }
    impl<'de> Deserialize<'de> for Fields {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
            d.deserialize_map(FieldsVisitor)
        }
    }
    serde_json::from_str::<Fields>(raw).map_or_else(|_| Vec::new(), |f| f.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_order_and_spelling_survive_the_round_trip() {
        let line =
            r#"{"id": 123456789012345678901234567890, "b": 1.50, "text": "caf\u00e9", "a": [1e3]}"#;
        let r = JsonRecord::parse(line).unwrap();
        assert_eq!(
            r.raw_field("id").as_deref(),
            Some("123456789012345678901234567890")
        );
        assert_eq!(r["text"], "café");
        let out = r.with_fields(&[("entities", json!([]))]);
        assert_eq!(
            out,
            r#"{"id":123456789012345678901234567890,"b":1.50,"text":"caf\u00e9","a":[1e3],"entities":[]}"#
        );
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["entities"], json!([]));
    }

    #[test]
    fn an_added_field_replaces_the_original_and_repeats_keep_the_last() {
        let r = JsonRecord::parse(r#"{"entities": "old", "x": 1, "x": 2}"#).unwrap();
        let out = r.with_fields(&[("entities", json!(["new"]))]);
        assert_eq!(out, r#"{"x":2,"entities":["new"]}"#);
        let built = JsonRecord::from_map(json!({"k": "v"}).as_object().unwrap().clone());
        assert_eq!(built.with_fields(&[]), r#"{"k":"v"}"#);
    }
}
