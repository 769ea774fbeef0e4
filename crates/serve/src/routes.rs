//! HTTP routes, the shared state they read, and the middleware that feeds the
//! metrics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{json, Value};

use crate::api::{parse_request, BatchResponse, TextResult};
use crate::batcher::{Batcher, SubmitError};
use crate::config::ServeConfig;
use crate::error::ApiError;
use crate::metrics::{Gauges, Metrics};
use crate::trends::hub::Incoming;
use crate::trends::{dashboard, routes as trend_routes, TrendHub};

/// What exists once the model is loaded.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub batcher: Batcher,
    pub labels: Vec<String>,
    pub info: Option<Value>,
}

/// State shared by all handlers.
#[derive(Debug)]
pub(crate) struct AppState {
    pub cfg: ServeConfig,
    pub metrics: Arc<Metrics>,
    /// Set once, when the model has loaded; until then tagging answers 503.
    pub model: OnceLock<Loaded>,
    /// Set when shutdown begins, so load balancers stop routing here.
    pub draining: AtomicBool,
    /// The trend detector, unless `[trends] enabled = false`.
    pub trends: Option<Arc<TrendHub>>,
    /// The keys of `api_key_file`, when requests need one.
    pub api_keys: Option<crate::edge::ApiKeys>,
}

impl AppState {
    pub fn new(cfg: ServeConfig) -> Result<Self, crate::ServeError> {
        let trends = if cfg.trends.enabled {
            Some(Arc::new(TrendHub::new(cfg.trends.clone())?))
        } else {
            None
        };
        let api_keys = cfg
            .api_key_file
            .as_deref()
            .map(crate::edge::ApiKeys::load)
            .transpose()?;
        Ok(AppState {
            api_keys,
            cfg,
            metrics: Arc::new(Metrics::default()),
            model: OnceLock::new(),
            draining: AtomicBool::new(false),
            trends,
        })
    }

    fn ready(&self) -> bool {
        self.model.get().is_some() && !self.draining.load(Ordering::SeqCst)
    }
}

/// Marks an error response with its code so the middleware can count it.
#[derive(Debug, Clone, Copy)]
struct ErrorCode(&'static str);

/// Every answer that is an [`ApiError`] goes through here.
pub(crate) fn fail(e: ApiError) -> Response {
    let code = e.code;
    let mut resp = e.into_response();
    resp.extensions_mut().insert(ErrorCode(code));
    resp
}

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let mut app = Router::new()
        .route("/v1/tag", post(tag))
        .route("/v1/model", get(model))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(crate::openapi::document))
        .route("/docs", get(crate::openapi::docs))
        .route("/v1/trends", get(trend_routes::top))
        .route("/v1/trends/events", get(trend_routes::events))
        .route("/v1/trends/tweets", get(trend_routes::tweets))
        .route("/v1/trends/ingest", post(trend_routes::ingest));
    for path in dashboard::paths() {
        app = app.route(
            path,
            get(move || async move { dashboard::file(path).unwrap_or_else(|| fail(not_found())) }),
        );
    }
    let cors = crate::edge::cors_layer(&state.cfg.cors_origins);
    let app = app
        .fallback(|| async { fail(not_found()) })
        .method_not_allowed_fallback(|| async {
            fail(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this endpoint",
            ))
        })
        // Outermost last: CORS answers preflights before auth, and the
        // metrics count what auth refused.
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            crate::edge::edge,
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), track))
        .with_state(state);
    match cors {
        Some(layer) => app.layer(layer),
        None => app,
    }
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /docs (or /openapi.json) for the API, and the dashboard at /",
    )
}

/// Counts every request by endpoint and status and times it.
async fn track(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "other".to_string());
    let start = Instant::now();
    let _inflight = st.metrics.request_started();
    let resp = next.run(req).await;
    if let Some(ErrorCode(code)) = resp.extensions().get::<ErrorCode>() {
        st.metrics.error(code);
    }
    st.metrics.request_finished(
        &endpoint,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(st): State<Arc<AppState>>) -> Response {
    if st.draining.load(Ordering::SeqCst) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "draining"})),
        )
            .into_response()
    } else if st.model.get().is_some() {
        Json(json!({"status": "ready"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "loading"})),
        )
            .into_response()
    }
}

async fn metrics(State(st): State<Arc<AppState>>) -> Response {
    let (queue_depth, queue_capacity) = match st.model.get() {
        Some(m) => (m.batcher.queue_depth(), m.batcher.capacity()),
        None => (0, st.cfg.queue_capacity),
    };
    let text = st.metrics.render(Gauges {
        queue_depth,
        queue_capacity,
        workers: st.cfg.workers,
        ready: st.ready(),
    });
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

pub(crate) fn not_loaded() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "model_loading",
        "the model is still loading; poll /readyz",
    )
}

async fn model(State(st): State<Arc<AppState>>) -> Response {
    let Some(m) = st.model.get() else {
        return fail(not_loaded());
    };
    let name = m
        .info
        .as_ref()
        .and_then(|i| i.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("unnamed");
    let mut types: Vec<&str> = m
        .labels
        .iter()
        .filter_map(|l| l.strip_prefix("B-").or_else(|| l.strip_prefix("I-")))
        .collect();
    types.sort_unstable();
    types.dedup();
    let c = &st.cfg;
    Json(json!({
        "name": name,
        "labels": m.labels,
        "entity_types": types,
        "info": m.info,
        "serving": {
            "max_batch": c.max_batch,
            "max_wait_ms": c.max_wait_ms,
            "queue_capacity": c.queue_capacity,
            "workers": c.workers,
            "body_limit_bytes": c.body_limit_bytes,
            "max_texts_per_request": c.max_texts_per_request,
            "max_text_bytes": c.max_text_bytes,
            "request_timeout_ms": c.request_timeout_ms,
        },
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

async fn tag(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    match tag_inner(&st, &headers, body).await {
        Ok(resp) => resp,
        Err(e) => fail(e),
    }
}

pub(crate) fn timed_out(cfg: &ServeConfig) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "timeout",
        format!(
            "the request did not finish within {} ms (request_timeout_ms)",
            cfg.request_timeout_ms
        ),
    )
}

async fn tag_inner(st: &AppState, headers: &HeaderMap, body: Body) -> Result<Response, ApiError> {
    // The timeout covers reading the body, queueing and tagging.
    let deadline = tokio::time::Instant::now() + st.cfg.request_timeout();
    let cfg = &st.cfg;
    let m = st.model.get().ok_or_else(not_loaded)?;
    // Counted from here, so a batch being formed waits for this request.
    let arrival = m.batcher.arrival();
    let bytes = tokio::time::timeout_at(deadline, read_body(headers, body, cfg.body_limit_bytes))
        .await
        .map_err(|_| timed_out(cfg))??;
    let req = parse_request(&bytes, cfg)?;
    // The detector needs the texts after the batcher has taken them.
    let feed = st
        .trends
        .as_ref()
        .filter(|h| h.config().from_tag)
        .map(|h| (h, req.texts.clone()));
    let annotations = run_batch(st, m, arrival, req.texts, req.tokens, deadline).await?;
    if let Some((hub, texts)) = feed {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let ids = hub.next_tag_ids(texts.len());
        let tweets = ids
            .into_iter()
            .zip(texts)
            .zip(&annotations)
            .map(|((id, text), a)| Incoming::from_annotation(id, now, text, a))
            .collect();
        hub.ingest(tweets);
    }
    let mut results = annotations
        .into_iter()
        .map(|a| TextResult::new(a, req.include_tokens));
    let resp = if req.single {
        let one = results.next().ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "inference_failed",
                "the tagger returned no result",
            )
        })?;
        Json(one).into_response()
    } else {
        Json(BatchResponse {
            results: results.collect(),
        })
        .into_response()
    };
    Ok(resp)
}

/// Queues `texts` on the micro-batcher and waits (until `deadline`) for
/// their annotations.
pub(crate) async fn run_batch(
    st: &AppState,
    m: &Loaded,
    arrival: crate::batcher::Arrival,
    texts: Vec<String>,
    tokens: usize,
    deadline: tokio::time::Instant,
) -> Result<Vec<tweetner_core::Annotation>, ApiError> {
    let cfg = &st.cfg;
    let pending = m
        .batcher
        .submit(arrival, texts, tokens)
        .map_err(|e| match e {
            SubmitError::QueueFull => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "queue_full",
                format!(
                "the server is at capacity ({} queued requests or {} queued tokens); retry shortly",
                m.batcher.capacity(),
                cfg.queue_tokens
            ),
            ),
            SubmitError::Closed => shutting_down(),
        })?;
    // If the deadline passes first, the request's jobs are dropped here and
    // the batcher skips those not started instead of tagging text nobody is
    // waiting for.
    tokio::time::timeout_at(deadline, pending.wait())
        .await
        .map_err(|_| timed_out(cfg))?
        .map_err(|_| shutting_down())?
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "inference_failed",
                e.to_string(),
            )
        })
}

fn shutting_down() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "shutting_down",
        "the server is shutting down",
    )
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the request body is larger than {limit} bytes (body_limit_bytes)"),
    )
}

/// Reads at most `limit` bytes, refusing early when `Content-Length` already
/// says the body is too large.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(too_large(limit)),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "body_read_failed",
            format!("reading the request body failed: {e}"),
        )),
    }
}
