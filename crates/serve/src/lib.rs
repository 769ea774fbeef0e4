//! tweetner's HTTP service: raw tweets in, entities with character offsets out.
//!
//! Requests from all connections are merged into micro-batches (see
//! [`batcher`]) that run on dedicated inference threads, never on the async
//! runtime, so slow inference cannot stall accepting, health checks or metrics.
//! A bounded queue turns overload into immediate `429`s, every limit answers
//! with a JSON error naming the field at fault, and shutdown drains in-flight
//! requests before returning.
//!
//! # Endpoints
//!
//! | method, path | answer |
//! |---|---|
//! | `POST /v1/tag` | entities for one text or a list of texts (below) |
//! | `GET /v1/model` | `{name, labels, entity_types, info, serving, version}`; `info` is the JSON given at start (the model card); 503 while loading |
//! | `GET /healthz` | 200 `{"status":"ok"}` while the process runs |
//! | `GET /readyz` | 200 `{"status":"ready"}` once the model is loaded; 503 `{"status":"loading"}` before, `{"status":"draining"}` during shutdown |
//! | `GET /openapi.json`, `GET /docs` | this API as an OpenAPI 3.1 document, and as a page |
//! | `GET /metrics` | Prometheus text format: `tweetner_http_requests_total{endpoint,status}`, `tweetner_errors_total{code}`, `tweetner_http_request_duration_seconds` (histogram by endpoint), `tweetner_batch_size` and `tweetner_inference_duration_seconds` (histograms), `tweetner_tweets_tagged_total`, `tweetner_tweets_per_second` (10 s average), queue depth/capacity, workers, in-flight, open and total connections, ready, uptime |
//!
//! Every answer carries `X-Request-Id` (the client's, or a new one). With
//! `api_key_file` all but `/healthz`, `/readyz`, `/openapi.json` and `/docs`
//! need `Authorization: Bearer <key>` (401 `unauthorized`); `cors_origins`
//! lets browsers on those origins call the API; `access_log` writes a JSON
//! line per request on stderr. See [`edge`].
//!
//! # `POST /v1/tag`
//!
//! Request (any content type; the body must be JSON; unknown fields are rejected):
//!
//! ```json
//! {"text": "Going to Paris with Obama"}
//! {"texts": ["first tweet", "second tweet"], "include_tokens": true}
//! ```
//!
//! Response for `text` (one object) and for `texts` (`results`, input order):
//!
//! ```json
//! {"entities": [{"text": "Paris", "type": "geo-loc", "start": 9, "end": 14,
//!                "byte_start": 9, "byte_end": 14, "utf16_start": 9, "utf16_end": 14,
//!                "score": 0.93}]}
//! {"results": [{"entities": [...]}, {"entities": [...], "tokens": [...]}]}
//! ```
//!
//! `start`/`end` count Unicode scalar values (chars), `byte_start`/`byte_end`
//! UTF-8 bytes and `utf16_start`/`utf16_end` UTF-16 code units (JavaScript's
//! `text.slice(utf16_start, utf16_end)`), all end-exclusive, so each pair cuts
//! the entity out in its unit; the CLI's JSONL uses the same names and units. `score` is the model's confidence in exactly this span and
//! type. With `include_tokens`, each result also has `tokens`:
//! `[{text, start, end, byte_start, byte_end, tag, score}]` (BIO tag per token).
//!
//! Errors are `{"error": {"code", "message", "field"?}}`:
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `invalid_json` | the body is not JSON |
//! | 422 | `invalid_request` | wrong shape: missing `text`/`texts`, both, wrong type (`field` is e.g. `texts[2]`), unknown field |
//! | 413 | `body_too_large` | body over `body_limit_bytes` |
//! | 413 | `too_many_texts` | more than `max_texts_per_request` texts (`field`: `texts`) |
//! | 413 | `text_too_long` | a text over `max_text_bytes` UTF-8 bytes (`field`: `text` or `texts[i]`) |
//! | 413 | `text_too_many_tokens` | a text over `max_text_tokens` tokens (default 2,048; `field` as above) |
//! | 429 | `queue_full` | `queue_capacity` requests, or `queue_tokens` tokens, already queued or being tagged; `Retry-After: 1` |
//! | 503 | `model_loading` / `shutting_down` | not ready yet / draining; `Retry-After: 1` |
//! | 504 | `timeout` | not finished within `request_timeout_ms` (body read + queue + inference) |
//! | 500 | `inference_failed` | the tagger failed or panicked (the worker survives) |
//! | 404, 405 | `not_found`, `method_not_allowed` | |
//!
//! A request with more texts than `max_batch` is split into batches of
//! `max_batch` that run on all workers, and its batches not yet started are
//! dropped when its client times out or leaves. Requests hyper rejects before
//! any route runs (a malformed request line: 400; a head over hyper's buffer:
//! 431) get hyper's own answer, with an empty body, and are counted in
//! `tweetner_http_connection_errors_total{reason}`, as are connections refused
//! by the per-IP limit and those closed by the header or write timeouts.

pub mod api;
pub mod batcher;
pub mod client;
mod config;
mod connections;
pub mod edge;
mod error;
pub mod metrics;
pub mod openapi;
mod routes;
mod server;
pub mod testing;
pub mod trends;

pub use batcher::SharedTagger;
pub use config::{ServeConfig, RANGES};
pub use error::{ApiError, ServeError};
pub use server::{run_blocking, serve, shutdown_signal, LoadedModel, Server};
pub use trends::TrendsConfig;
