//! The JSON shapes of `/v1/tag`: parsing and validating requests (with the
//! offending field named in every error) and building responses.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tweetner_core::{Annotation, Entity};

use crate::config::ServeConfig;
use crate::error::ApiError;

/// The request body. Exactly one of `text` and `texts` must be present.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    /// One text; the response is then a single result object.
    #[serde(default)]
    pub text: Option<String>,
    /// Several texts; the response then has `results` in the same order.
    #[serde(default)]
    pub texts: Option<Vec<String>>,
    /// Also return tokens with their tags and scores.
    #[serde(default)]
    pub include_tokens: bool,
}

/// A validated request.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRequest {
    /// The texts to tag.
    pub texts: Vec<String>,
    /// Whether the client sent `text` (one result object) rather than `texts`.
    pub single: bool,
    /// Whether tokens go into the response.
    pub include_tokens: bool,
    /// Tokens in all texts (what the request costs in the queue).
    pub tokens: usize,
}

/// Parse and validate a body against the configured limits.
pub fn parse_request(body: &[u8], cfg: &ServeConfig) -> Result<ParsedRequest, ApiError> {
    let req: TagRequest = decode_object(body, "a JSON object with `text` or `texts`")?;
    let (texts, single, field) = match (req.text, req.texts) {
        (Some(t), None) => (vec![t], true, "text"),
        (None, Some(ts)) => (ts, false, "texts"),
        (Some(_), Some(_)) => {
            return Err(unprocessable(
                "give either `text` or `texts`, not both",
                "texts",
            ))
        }
        (None, None) => {
            return Err(unprocessable(
                "missing field `text` (a string) or `texts` (an array of strings)",
                "text",
            ))
        }
    };
    if texts.len() > cfg.max_texts_per_request {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_texts",
            format!(
                "`texts` has {} items; at most {} are allowed per request (max_texts_per_request)",
                texts.len(),
                cfg.max_texts_per_request
            ),
        )
        .with_field("texts"));
    }
    let mut tokens = 0;
    for (i, t) in texts.iter().enumerate() {
        let name = || {
            if single {
                field.to_string()
            } else {
                format!("texts[{i}]")
            }
        };
        tokens += check_text(t, name, cfg)?;
    }
    Ok(ParsedRequest {
        texts,
        single,
        include_tokens: req.include_tokens,
        tokens,
    })
}

/// Checks one text against `max_text_bytes` and `max_text_tokens` (413 naming
/// the field from `name`) and returns its token count. The byte limit comes
/// first, so an oversized text is refused before it is tokenized.
pub(crate) fn check_text(
    text: &str,
    name: impl Fn() -> String,
    cfg: &ServeConfig,
) -> Result<usize, ApiError> {
    check_text_bytes(text, &name, cfg)?;
    let tokens = tweetner_text::count_tokens(text);
    if tokens > cfg.max_text_tokens {
        let name = name();
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text_too_many_tokens",
            format!(
                "`{name}` has {tokens} tokens; at most {} are allowed (max_text_tokens)",
                cfg.max_text_tokens
            ),
        )
        .with_field(name));
    }
    Ok(tokens)
}

/// Checks one text against `max_text_bytes` only: for texts that are kept
/// but not tagged (trend ingest with its entities given), whose token count
/// costs nothing in the queue.
pub(crate) fn check_text_bytes(
    text: &str,
    name: impl Fn() -> String,
    cfg: &ServeConfig,
) -> Result<(), ApiError> {
    if text.len() > cfg.max_text_bytes {
        let name = name();
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text_too_long",
            format!(
                "`{name}` is {} bytes; at most {} UTF-8 bytes are allowed (max_text_bytes)",
                text.len(),
                cfg.max_text_bytes
            ),
        )
        .with_field(name));
    }
    Ok(())
}

/// Decodes a body that must be one JSON object (`expected` says which, for
/// the error): 400 for what is not JSON, 422 naming the field for JSON of
/// the wrong shape.
pub(crate) fn decode_object<T: serde::de::DeserializeOwned>(
    body: &[u8],
    expected: &str,
) -> Result<T, ApiError> {
    // serde would also accept an array as a struct (fields by position);
    // only an object is a request.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Ok(_) => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_request",
                    format!("the body must be {expected}"),
                ),
                Err(e) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("invalid JSON: {e}"),
                ),
            },
        );
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let req: T = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
    // Trailing garbage after the object is a syntax error, not a second request.
    de.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("invalid JSON: {e}"),
        )
    })?;
    Ok(req)
}

pub(crate) fn unprocessable(message: &str, field: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message).with_field(field)
}

/// Syntax errors are 400 (not JSON at all); well-formed JSON of the wrong
/// shape is 422 with the path of the field at fault.
fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                if path == "." {
                    format!("invalid request: {inner}")
                } else {
                    format!("invalid field `{path}`: {inner}")
                },
            );
            // `.` is the path of the body itself (e.g. an array instead of an object).
            if path == "." {
                err
            } else {
                err.with_field(path)
            }
        }
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("invalid JSON: {inner}"),
        ),
    }
}

/// A token in the response. `start`/`end` are char offsets like the entities'.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenOut {
    /// Token text.
    pub text: String,
    /// Start, in Unicode scalar values.
    pub start: usize,
    /// End (exclusive), in Unicode scalar values.
    pub end: usize,
    /// Start, in UTF-8 bytes.
    pub byte_start: usize,
    /// End (exclusive), in UTF-8 bytes.
    pub byte_end: usize,
    /// BIO tag.
    pub tag: String,
    /// Confidence in the tag.
    pub score: f32,
}

/// The result for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextResult {
    /// Entities, in text order.
    pub entities: Vec<Entity>,
    /// Tokens, when `include_tokens` was set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<TokenOut>>,
}

/// The answer to a `texts` request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchResponse {
    /// One result per input text, in input order.
    pub results: Vec<TextResult>,
}

impl TextResult {
    /// Build from an annotation.
    pub fn new(a: Annotation, include_tokens: bool) -> Self {
        let tokens = include_tokens.then(|| {
            a.tokens
                .iter()
                .zip(a.tags.iter().zip(&a.token_scores))
                .map(|(t, (tag, &score))| TokenOut {
                    text: t.text.clone(),
                    start: t.char_start,
                    end: t.char_end,
                    byte_start: t.start,
                    byte_end: t.end,
                    tag: tag.clone(),
                    score,
                })
                .collect()
        });
        TextResult {
            entities: a.entities,
            tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ServeConfig {
        ServeConfig {
            max_texts_per_request: 3,
            max_text_bytes: 10,
            ..ServeConfig::default()
        }
    }

    fn err(body: &str) -> ApiError {
        parse_request(body.as_bytes(), &cfg()).unwrap_err()
    }

    #[test]
    fn single_and_batch_forms() {
        let one = parse_request(br#"{"text":"hi"}"#, &cfg()).unwrap();
        assert_eq!(
            (one.texts, one.single, one.include_tokens),
            (vec!["hi".to_string()], true, false)
        );
        let many = parse_request(br#"{"texts":["a","b"],"include_tokens":true}"#, &cfg()).unwrap();
        assert_eq!(
            (many.texts.len(), many.single, many.include_tokens),
            (2, false, true)
        );
        let none = parse_request(br#"{"texts":[]}"#, &cfg()).unwrap();
        assert!(none.texts.is_empty());
    }

    #[test]
    fn syntax_errors_are_400() {
        for body in [
            "",
            "{",
            "not json",
            r#"{"text":"a"} x"#,
            "{\"text\":\"\u{0}",
        ] {
            let e = err(body);
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{body}: {e:?}");
            assert_eq!(e.code, "invalid_json");
        }
    }

    #[test]
    fn shape_errors_are_422_naming_the_field() {
        let e = err(r#"{"texts":["a",3]}"#);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("texts[1]"));
        let e = err(r#"{"txt":"a"}"#);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("txt"), "{e:?}");
        let e = err("{}");
        assert_eq!(e.field.as_deref(), Some("text"));
        assert!(e.message.contains("missing field"));
        let e = err(r#"{"text":"a","texts":["b"]}"#);
        assert_eq!(e.field.as_deref(), Some("texts"));
        let e = err(r#"["a"]"#);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field, None);
        let e = err(r#"{"text":"a","include_tokens":"yes"}"#);
        assert_eq!(e.field.as_deref(), Some("include_tokens"));
    }

    #[test]
    fn limits_are_413_with_the_limit_named() {
        let e = err(r#"{"texts":["a","b","c","d"]}"#);
        assert_eq!(
            (e.status, e.code),
            (StatusCode::PAYLOAD_TOO_LARGE, "too_many_texts")
        );
        assert!(e.message.contains("max_texts_per_request"));
        let e = err(r#"{"texts":["ok","this one is too long"]}"#);
        assert_eq!(
            (e.status, e.code),
            (StatusCode::PAYLOAD_TOO_LARGE, "text_too_long")
        );
        assert_eq!(e.field.as_deref(), Some("texts[1]"));
        // The limit is in bytes: 4 two-byte chars fit in 10 bytes, 6 do not.
        assert!(parse_request("{\"text\":\"éééé\"}".as_bytes(), &cfg()).is_ok());
        let e = err("{\"text\":\"éééééé\"}");
        assert_eq!(e.field.as_deref(), Some("text"));
    }

    /// Issue 16, "cap tokens per text": a text within the byte limit but
    /// over `max_text_tokens` is 413 naming it; the request's token total is
    /// what it costs in the queue.
    #[test]
    fn a_text_over_the_token_cap_is_413_naming_it() {
        let cfg = ServeConfig {
            max_text_tokens: 4,
            ..ServeConfig::default()
        };
        let ok = parse_request(br#"{"texts":["a b c d","e f"]}"#, &cfg).unwrap();
        assert_eq!(ok.tokens, 6);
        let e = parse_request(br#"{"texts":["a b","a b c d e"]}"#, &cfg).unwrap_err();
        assert_eq!(
            (e.status, e.code, e.field.as_deref()),
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "text_too_many_tokens",
                Some("texts[1]")
            )
        );
        assert!(e.message.contains("5 tokens"), "{}", e.message);
        assert!(e.message.contains("max_text_tokens"), "{}", e.message);
    }
}
