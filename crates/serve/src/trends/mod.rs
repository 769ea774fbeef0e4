//! Trends in the server: a [`TrendHub`] fed by what `/v1/tag` tags and by
//! `/v1/trends/ingest`, read by `/v1/trends`, `/v1/trends/tweets`, the live
//! event stream `/v1/trends/events` and the dashboard at `/`.
//!
//! | method, path | answer |
//! |---|---|
//! | `GET /v1/trends?k=10&type=person&events=50` | `{as_of, rank_window, k, trending, busiest, by_type?, events, stats}`: entries are the detector's snapshots (`entity`, `type`, `variants`, `score`, `bursting`, `last_burst_at`, `topic`, `counts`) plus `sparkline` (count in `rank_window` per history point, then now); `by_type` (without `type=`) has `{trending, busiest}` per type; `events` newest first |
//! | `GET /v1/trends/events` | `text/event-stream`: `event: trend` with a trend event as `data` (`entity`, `type`, `variants`, `topic`, `detected_at`, `window`, `count`, `baseline`, `score`, `sample_ids`); `event: lagged` with `{"missed": n}` when a slow client fell behind; keep-alive comments every 15 s; ends at shutdown |
//! | `GET /v1/trends/tweets?entity=…&type=…` or `?ids=a,b` | `{tweets: [{id, time_ms, text, entities: [{text, type, start, end}]}]}`, newest first, at most `limit` (10) |
//! | `POST /v1/trends/ingest` | body `{"tweets": [{id, created_at, text? , entities?, author?, retweet_of?}]}` (see [`ingest`]); answer `{accepted, tagged, events}` |
//!
//! The stream workers' results reach the hub through [`feed`] (`tweetner
//! serve --trends-bus`).
//!
//! With `[trends] enabled = false` these answer 404 `trends_disabled`.
//! Texts from `/v1/tag` are timed by the server's clock at arrival and get
//! ids `tag-N`; the detector works in event time, so a replay through
//! `/v1/trends/ingest` behaves as the live stream did. A tweet is counted
//! once a tweet `lateness_ms` newer has arrived (out-of-order input within
//! that is put back in order), so the newest tweets of a quiet stream wait.

pub mod config;
pub mod dashboard;
pub mod feed;
pub mod hub;
pub mod ingest;
pub(crate) mod routes;

pub use config::TrendsConfig;
pub use hub::TrendHub;
