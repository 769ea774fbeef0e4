//! The body of `POST /v1/trends/ingest`:
//!
//! ```json
//! {"tweets": [
//!   {"id": "1", "created_at": "2013-04-15T18:50:00Z", "text": "Explosions at the Boston Marathon",
//!    "author": "u1", "retweet_of": null},
//!   {"id": "2", "created_at": 1366052000000, "entities": [{"text": "Boston", "type": "geo-loc"}]}
//! ]}
//! ```
//!
//! `id` and `created_at` (ISO 8601, Twitter's `created_at`, or epoch
//! seconds/milliseconds) are required; a tweet needs `text` (tagged by the
//! server) or `entities` (counted as given, e.g. from a stream worker).
//! Every error names its field (`tweets[3].created_at`).

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use tweetner_trends::{parse_time, TweetObservation};

use super::hub::{Incoming, TweetEntity};
use crate::api::{check_text, check_text_bytes, decode_object, unprocessable};
use crate::config::ServeConfig;
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestRequest {
    tweets: Vec<IngestTweet>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestTweet {
    id: Value,
    created_at: Value,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    author: Option<Value>,
    #[serde(default)]
    retweet_of: Option<Value>,
    #[serde(default)]
    entities: Option<Vec<GivenEntity>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GivenEntity {
    text: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    start: Option<usize>,
    #[serde(default)]
    end: Option<usize>,
}

/// One validated tweet: counted as given, or waiting for the tagger.
#[derive(Debug)]
pub(crate) enum Pending {
    /// Entities were given.
    Tagged(Incoming),
    /// To be tagged; `obs.entities` is empty until then.
    Untagged {
        /// Everything but the entities.
        obs: TweetObservation,
        /// The text to tag.
        text: String,
        /// Its tokens (its cost in the queue).
        tokens: usize,
    },
}

/// An id-like field: a non-empty string or a non-negative integer (tweet
/// ids are both, depending on the export).
fn id_like(v: &Value, field: &str) -> Result<String, ApiError> {
    match v {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::Number(n) if n.is_u64() => Ok(n.to_string()),
        _ => Err(unprocessable(
            &format!("`{field}` must be a non-empty string or a non-negative integer"),
            field,
        )),
    }
}

/// Parses and validates the body against the server's limits.
pub(crate) fn parse_ingest(body: &[u8], cfg: &ServeConfig) -> Result<Vec<Pending>, ApiError> {
    let req: IngestRequest = decode_object(body, "a JSON object with `tweets`")?;
    if req.tweets.len() > cfg.max_texts_per_request {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_texts",
            format!(
                "`tweets` has {} items; at most {} are allowed per request (max_texts_per_request)",
                req.tweets.len(),
                cfg.max_texts_per_request
            ),
        )
        .with_field("tweets"));
    }
    req.tweets
        .into_iter()
        .enumerate()
        .map(|(i, t)| pending(i, t, cfg))
        .collect()
}

fn pending(i: usize, t: IngestTweet, cfg: &ServeConfig) -> Result<Pending, ApiError> {
    let field = |name: &str| format!("tweets[{i}].{name}");
    let id = id_like(&t.id, &field("id"))?;
    let time_ms = parse_time(&t.created_at).map_err(|e| {
        let f = field("created_at");
        unprocessable(&format!("`{f}`: {e}"), &f)
    })?;
    let author = t
        .author
        .filter(|v| !v.is_null())
        .map(|v| id_like(&v, &field("author")))
        .transpose()?;
    let original_id = t
        .retweet_of
        .filter(|v| !v.is_null())
        .map(|v| id_like(&v, &field("retweet_of")))
        .transpose()?;
    // Only a text to be tagged costs tokens; one that comes with its
    // entities is kept for display and checked for size alone.
    let tokens = match (&t.text, &t.entities) {
        (Some(text), None) => check_text(text, || field("text"), cfg)?,
        (Some(text), Some(_)) => {
            check_text_bytes(text, || field("text"), cfg)?;
            0
        }
        (None, _) => 0,
    };
    let obs = TweetObservation {
        time_ms,
        id,
        author,
        is_retweet: original_id.is_some(),
        original_id,
        entities: Vec::new(),
    };
    match (t.entities, t.text) {
        (Some(given), text) => {
            let entities: Vec<TweetEntity> = given
                .into_iter()
                .map(|e| TweetEntity {
                    text: e.text,
                    ty: e.ty,
                    start: e.start,
                    end: e.end,
                })
                .collect();
            Ok(Pending::Tagged(Incoming {
                obs: TweetObservation {
                    entities: entities
                        .iter()
                        .map(|e| (e.text.clone(), e.ty.clone()))
                        .collect(),
                    ..obs
                },
                text,
                entities,
            }))
        }
        (None, Some(text)) => Ok(Pending::Untagged { obs, text, tokens }),
        (None, None) => {
            let f = field("text");
            Err(unprocessable(
                &format!("`{f}` or `tweets[{i}].entities` is required"),
                &f,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Vec<Pending>, ApiError> {
        parse_ingest(body.as_bytes(), &ServeConfig::default())
    }

    fn field(e: ApiError) -> String {
        e.field.unwrap_or_default()
    }

    #[test]
    fn tagged_and_untagged_tweets_with_every_time_format() {
        let got = parse(
            r#"{"tweets": [
              {"id": "a", "created_at": "2013-04-15T18:50:00Z", "text": "Boston", "author": 7},
              {"id": 2, "created_at": 1366052000, "entities": [{"text": "Boston", "type": "geo-loc"}]},
              {"id": "c", "created_at": "Mon Apr 15 18:50:00 +0000 2013", "text": "x", "retweet_of": "a"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(got.len(), 3);
        match &got[0] {
            Pending::Untagged { obs, text, tokens } => {
                assert_eq!((obs.id.as_str(), text.as_str()), ("a", "Boston"));
                assert_eq!(*tokens, 1);
                assert_eq!(obs.time_ms, 1_366_051_800_000);
                assert_eq!(obs.author.as_deref(), Some("7"));
            }
            other => panic!("{other:?}"),
        }
        match &got[1] {
            Pending::Tagged(t) => {
                assert_eq!(t.obs.entities, [("Boston".into(), "geo-loc".into())]);
                assert_eq!(t.obs.time_ms, 1_366_052_000_000);
            }
            other => panic!("{other:?}"),
        }
        match &got[2] {
            Pending::Untagged { obs, .. } => {
                assert!(obs.is_retweet);
                assert_eq!(obs.original_id.as_deref(), Some("a"));
                assert_eq!(obs.time_ms, 1_366_051_800_000);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_error_names_its_field() {
        let cases = [
            (
                r#"{"tweets": [{"id": "a", "created_at": "yesterday", "text": "x"}]}"#,
                "tweets[0].created_at",
            ),
            (
                r#"{"tweets": [{"id": "", "created_at": 1, "text": "x"}]}"#,
                "tweets[0].id",
            ),
            (
                r#"{"tweets": [{"id": -3, "created_at": 1, "text": "x"}]}"#,
                "tweets[0].id",
            ),
            (
                r#"{"tweets": [{"id": "a", "created_at": 1, "text": "x"}, {"id": "b", "created_at": 1}]}"#,
                "tweets[1].text",
            ),
            (
                r#"{"tweets": [{"id": "a", "created_at": 1, "text": "x", "colour": 1}]}"#,
                "tweets[0]",
            ),
            (
                r#"{"tweets": [{"id": "a", "created_at": 1, "author": [], "text": "x"}]}"#,
                "tweets[0].author",
            ),
            (
                r#"{"tweets": [{"id": "a", "created_at": 1, "entities": [{"text": "x"}]}]}"#,
                "tweets[0].entities[0]",
            ),
        ];
        for (body, want) in cases {
            let err = parse(body).unwrap_err();
            assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let f = field(err);
            assert!(f.starts_with(want), "{body}: field {f:?}, want {want}");
        }
        let err = parse("[1]").unwrap_err();
        assert_eq!(err.code, "invalid_request");
        let err = parse("{").unwrap_err();
        assert_eq!(err.code, "invalid_json");
    }

    #[test]
    fn limits_apply_per_request_and_per_text() {
        let cfg = ServeConfig {
            max_texts_per_request: 1,
            max_text_bytes: 3,
            ..ServeConfig::default()
        };
        let two = r#"{"tweets": [{"id": "a", "created_at": 1, "text": "x"}, {"id": "b", "created_at": 1, "text": "y"}]}"#;
        let err = parse_ingest(two.as_bytes(), &cfg).unwrap_err();
        assert_eq!(err.code, "too_many_texts");
        let long = r#"{"tweets": [{"id": "a", "created_at": 1, "text": "long"}]}"#;
        let err = parse_ingest(long.as_bytes(), &cfg).unwrap_err();
        assert_eq!(
            (err.code, field(err).as_str()),
            ("text_too_long", "tweets[0].text")
        );
    }

    #[test]
    fn the_token_cap_applies_only_to_texts_that_will_be_tagged() {
        let cfg = ServeConfig {
            max_text_tokens: 2,
            max_text_bytes: 20,
            ..ServeConfig::default()
        };
        let untagged = r#"{"tweets": [{"id": "a", "created_at": 1, "text": "one two three"}]}"#;
        let err = parse_ingest(untagged.as_bytes(), &cfg).unwrap_err();
        assert_eq!(
            (err.code, field(err).as_str()),
            ("text_too_many_tokens", "tweets[0].text")
        );
        let given = r#"{"tweets": [{"id": "a", "created_at": 1, "text": "one two three",
            "entities": [{"text": "two", "type": "person"}]}]}"#;
        let got = parse_ingest(given.as_bytes(), &cfg).unwrap();
        assert!(
            matches!(&got[0], Pending::Tagged(t) if t.text.as_deref() == Some("one two three"))
        );
        // The byte limit still holds for a text kept only for display.
        let long = r#"{"tweets": [{"id": "a", "created_at": 1, "text": "far more than twenty bytes",
            "entities": []}]}"#;
        let err = parse_ingest(long.as_bytes(), &cfg).unwrap_err();
        assert_eq!(err.code, "text_too_long");
    }
}
