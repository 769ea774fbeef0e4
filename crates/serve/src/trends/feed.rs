//! The stream workers' results as the trend hub takes them: what
//! `tweetner serve --trends-bus` reads from the results topic.
//!
//! A result is the worker's input object with `entities` added (`text`,
//! `type`, `start`, `end`, `score`); a dead letter (an object with `error`
//! and `record`) is skipped. The tweet's time comes from the configured
//! field when it is there (ISO 8601, Twitter's `created_at`, epoch seconds
//! or ms), else from the follower's clock at arrival, as `/v1/tag` texts are
//! timed.

use serde_json::Value;
use tweetner_trends::sink::{as_id, lookup};
use tweetner_trends::{parse_time, TweetObservation};

use super::hub::{Incoming, TweetEntity};

/// Which fields of a result hold what (dotted names reach into objects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFields {
    /// The tweet's time.
    pub time: String,
    /// The tweet id.
    pub id: String,
    /// The author, when results carry one.
    pub author: Option<String>,
}

impl Default for ResultFields {
    fn default() -> Self {
        ResultFields {
            time: "created_at".into(),
            id: "id".into(),
            author: None,
        }
    }
}

/// What a result turned into.
#[derive(Debug)]
pub enum FeedItem {
    /// A tweet to count.
    Tweet(Box<Incoming>),
    /// A dead letter: nothing to count.
    DeadLetter,
}

fn entity(e: &Value, i: usize) -> Result<TweetEntity, String> {
    let text = e.get("text").and_then(Value::as_str);
    let ty = e.get("type").and_then(Value::as_str);
    let (Some(text), Some(ty)) = (text, ty) else {
        return Err(format!("entities[{i}] lacks a `text` or `type` string"));
    };
    let offset = |k: &str| e.get(k).and_then(Value::as_u64).map(|x| x as usize);
    Ok(TweetEntity {
        text: text.to_string(),
        ty: ty.to_string(),
        start: offset("start"),
        end: offset("end"),
    })
}

/// Reads one result message; `now_ms` times results without a time field.
///
/// # Errors
/// A message that is not a JSON object, has no `entities` array or id, or
/// has an unreadable time, named in the message.
pub fn read_result(payload: &[u8], fields: &ResultFields, now_ms: i64) -> Result<FeedItem, String> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("not a JSON object".into());
    };
    if obj.contains_key("error") && obj.contains_key("record") {
        return Ok(FeedItem::DeadLetter);
    }
    let list = obj
        .get("entities")
        .and_then(Value::as_array)
        .ok_or("no `entities` array")?;
    let entities = list
        .iter()
        .enumerate()
        .map(|(i, e)| entity(e, i))
        .collect::<Result<Vec<_>, _>>()?;
    let id = lookup(&obj, &fields.id)
        .map(as_id)
        .ok_or_else(|| format!("no `{}` field", fields.id))?;
    let time_ms = match lookup(&obj, &fields.time) {
        Some(t) => parse_time(t).map_err(|e| format!("field `{}`: {e}", fields.time))?,
        None => now_ms,
    };
    let author = fields
        .author
        .as_deref()
        .and_then(|a| lookup(&obj, a))
        .map(as_id);
    let text = obj.get("text").and_then(Value::as_str).map(str::to_string);
    let is_retweet = text.as_deref().is_some_and(|t| t.starts_with("RT @"));
    Ok(FeedItem::Tweet(Box::new(Incoming {
        obs: TweetObservation {
            time_ms,
            id,
            author,
            is_retweet,
            original_id: None,
            entities: entities
                .iter()
                .map(|e| (e.text.clone(), e.ty.clone()))
                .collect(),
        },
        text,
        entities,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<FeedItem, String> {
        read_result(json.as_bytes(), &ResultFields::default(), 42)
    }

    #[test]
    fn a_result_becomes_a_tweet_with_its_time_and_entities() {
        let r = read(
            r#"{"id": 123456789012345678901234567890, "created_at": "2013-04-15T18:50:00Z",
                "text": "Explosions in Boston", "lang": "en",
                "entities": [{"text": "Boston", "type": "geo-loc", "start": 14, "end": 20, "score": 0.9}]}"#,
        )
        .unwrap();
        let FeedItem::Tweet(t) = r else {
            panic!("expected a tweet")
        };
        assert_eq!(t.obs.time_ms, 1_366_051_800_000);
        assert_eq!(t.obs.entities, vec![("Boston".into(), "geo-loc".into())]);
        assert_eq!(t.entities[0].start, Some(14));
        assert_eq!(t.text.as_deref(), Some("Explosions in Boston"));
        assert!(!t.obs.id.is_empty());
    }

    #[test]
    fn without_a_time_the_arrival_clock_is_used_and_dead_letters_are_skipped() {
        let FeedItem::Tweet(t) =
            read(r#"{"id": "7", "text": "RT @a: x", "entities": []}"#).unwrap()
        else {
            panic!("expected a tweet")
        };
        assert_eq!(t.obs.time_ms, 42);
        assert!(t.obs.is_retweet);
        let dead = read(r#"{"error": "too long", "key": "9", "origin": {}, "record": "…"}"#);
        assert!(matches!(dead, Ok(FeedItem::DeadLetter)));
    }

    #[test]
    fn bad_results_say_what_is_wrong() {
        for (json, needle) in [
            ("[1]", "object"),
            ("{", "JSON"),
            (r#"{"id": "1"}"#, "entities"),
            (r#"{"entities": []}"#, "`id`"),
            (r#"{"id": "1", "entities": [{"text": "x"}]}"#, "entities[0]"),
            (
                r#"{"id": "1", "created_at": "soon", "entities": []}"#,
                "created_at",
            ),
        ] {
            let err = read(json).unwrap_err();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }
}
