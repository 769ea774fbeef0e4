//! The `/v1/trends*` endpoints.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use super::hub::{Incoming, Subscription, TrendHub, TweetQuery};
use super::ingest::{parse_ingest, Pending};
use crate::error::ApiError;
use crate::routes::{fail, not_loaded, read_body, run_batch, AppState};

/// Largest `k` one request may ask for.
const MAX_K: usize = 100;

fn hub(st: &AppState) -> Result<&Arc<TrendHub>, ApiError> {
    st.trends.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "trends_disabled",
            "the trend detector is off on this server (`[trends] enabled = false`)",
        )
    })
}

/// Query strings, parsed with field names in every error.
fn query<T: for<'de> Deserialize<'de>>(raw: Option<String>) -> Result<T, ApiError> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("invalid query string: {e}"),
        )
        .with_field("query")
    })
}

fn check_k(k: usize, field: &str) -> Result<usize, ApiError> {
    if (1..=MAX_K).contains(&k) {
        Ok(k)
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("`{field}` must be in 1..={MAX_K} (got {k})"),
        )
        .with_field(field))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopQuery {
    #[serde(default = "default_k")]
    k: usize,
    #[serde(rename = "type")]
    ty: Option<String>,
    #[serde(default = "default_events")]
    events: usize,
}

fn default_k() -> usize {
    10
}

fn default_events() -> usize {
    50
}

/// `GET /v1/trends`: the trending and busiest entities overall and per
/// type (or of one `type`), the newest events and the detector's counters.
pub(crate) async fn top(State(st): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let answer = || -> Result<Value, ApiError> {
        let hub = hub(&st)?;
        let q: TopQuery = query(raw)?;
        let k = check_k(q.k, "k")?;
        let events = q.events.min(hub.config().recent_events);
        let (window, as_of) = hub.clock();
        let mut body = json!({
            "as_of": as_of,
            "rank_window": window,
            "k": k,
            "events": hub.recent_events(events),
            "stats": hub.stats(),
        });
        match q.ty {
            Some(ty) => {
                let r = hub.ranking(k, Some(&ty));
                body["type"] = json!(ty);
                body["trending"] = json!(r.trending);
                body["busiest"] = json!(r.busiest);
            }
            None => {
                let r = hub.ranking(k, None);
                body["trending"] = json!(r.trending);
                body["busiest"] = json!(r.busiest);
                let mut by_type = serde_json::Map::new();
                for ty in hub.types(hub.config().history_entities) {
                    by_type.insert(ty.clone(), json!(hub.ranking(k, Some(&ty))));
                }
                body["by_type"] = Value::Object(by_type);
            }
        }
        Ok(body)
    };
    match answer() {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TweetsQuery {
    entity: Option<String>,
    #[serde(rename = "type")]
    ty: Option<String>,
    /// Comma-separated tweet ids.
    ids: Option<String>,
    #[serde(default = "default_k")]
    limit: usize,
}

/// `GET /v1/trends/tweets?entity=…&type=…` or `?ids=a,b`: the remembered
/// tweets behind a trend, newest first, with their entities.
pub(crate) async fn tweets(State(st): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let answer = || -> Result<Value, ApiError> {
        let hub = hub(&st)?;
        let q: TweetsQuery = query(raw)?;
        let limit = check_k(q.limit, "limit")?;
        let ids: Vec<String> = q
            .ids
            .iter()
            .flat_map(|s| s.split(','))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if q.entity.is_none() && ids.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                "give `entity` (and optionally `type`) or `ids`",
            )
            .with_field("entity"));
        }
        let found = hub.tweets(
            &TweetQuery {
                entity: q.entity,
                ty: q.ty,
                ids,
            },
            limit,
        );
        Ok(json!({ "tweets": found }))
    };
    match answer() {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}

/// `GET /v1/trends/events`: server-sent events, one `trend` event per
/// burst as it is detected; a `lagged` event says how many a slow client
/// missed. The stream ends when the server shuts down.
pub(crate) async fn events(State(st): State<Arc<AppState>>) -> Response {
    let hub = match hub(&st) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let Some(sub) = hub.subscribe() else {
        return fail(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_streams",
            format!(
                "{} event streams are already open (max_event_streams)",
                hub.config().max_event_streams
            ),
        ));
    };
    Sse::new(live(sub))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn live(sub: Subscription) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(sub, |mut sub| async move {
        if *sub.closed.borrow() {
            return None;
        }
        let event = tokio::select! {
            got = sub.events.recv() => match got {
                Ok(json) => Event::default().event("trend").data(&*json),
                Err(RecvError::Lagged(n)) => Event::default()
                    .event("lagged")
                    .data(json!({ "missed": n }).to_string()),
                Err(RecvError::Closed) => return None,
            },
            _ = sub.closed.changed() => return None,
        };
        Some((Ok(event), sub))
    })
}

/// `POST /v1/trends/ingest`: timestamped tweets into the detector. Tweets
/// with `entities` are counted as given; the others are tagged first (in
/// the same micro-batches as `/v1/tag`).
pub(crate) async fn ingest(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match ingest_inner(&st, &headers, body).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(e),
    }
}

async fn ingest_inner(st: &AppState, headers: &HeaderMap, body: Body) -> Result<Value, ApiError> {
    let hub = hub(st)?;
    let deadline = tokio::time::Instant::now() + st.cfg.request_timeout();
    let bytes =
        tokio::time::timeout_at(deadline, read_body(headers, body, st.cfg.body_limit_bytes))
            .await
            .map_err(|_| crate::routes::timed_out(&st.cfg))??;
    let parsed = parse_ingest(&bytes, &st.cfg)?;
    let mut tokens = 0;
    let to_tag: Vec<String> = parsed
        .iter()
        .filter_map(|p| match p {
            Pending::Untagged {
                text, tokens: n, ..
            } => {
                tokens += n;
                Some(text.clone())
            }
            Pending::Tagged(_) => None,
        })
        .collect();
    let tagged_count = to_tag.len();
    let mut annotations = if to_tag.is_empty() {
        Vec::new()
    } else {
        let m = st.model.get().ok_or_else(not_loaded)?;
        run_batch(st, m, m.batcher.arrival(), to_tag, tokens, deadline).await?
    }
    .into_iter();
    let mut incoming: Vec<Incoming> = Vec::with_capacity(parsed.len());
    for p in parsed {
        incoming.push(match p {
            Pending::Tagged(t) => t,
            Pending::Untagged { obs, text, .. } => {
                let a = annotations.next().ok_or_else(|| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "inference_failed",
                        "the tagger returned too few results",
                    )
                })?;
                let mut t = Incoming::from_annotation(obs.id.clone(), obs.time_ms, text, &a);
                t.obs = tweetner_trends::TweetObservation {
                    entities: t.obs.entities,
                    ..obs
                };
                t
            }
        });
    }
    let accepted = incoming.len();
    let fired = hub.ingest(incoming);
    Ok(json!({
        "accepted": accepted,
        "tagged": tagged_count,
        "events": fired,
    }))
}
