//! What every request passes before a handler: a request id, optional
//! bearer-token auth, an optional access log, and (in `cors_layer`) the
//! CORS answers browsers need to call the API from another origin.
//!
//! * **Request ids.** A client's `X-Request-Id` (visible ASCII, at most 128
//!   bytes) is kept, else one is made; either way it is sent back, so a
//!   client, a proxy and the access log can talk about the same request.
//! * **Auth.** With `api_key_file`, everything but `/healthz`, `/readyz`,
//!   `/openapi.json` and `/docs` needs `Authorization: Bearer <key>` with one
//!   of the file's keys (one per line, `#` comments), compared in constant
//!   time; otherwise 401 `unauthorized`. The dashboard's own files are open
//!   (they hold no data), and its `GET /v1/trends...` calls may carry the key
//!   as `access_token=KEY` in the query instead, because a browser's
//!   `EventSource` cannot send headers; the parameter is removed before the
//!   handler runs and, like every query, never logged.
//! * **Access log.** With `access_log`, one JSON line per request on stderr:
//!   `{"ts_ms", "id", "method", "path", "status", "ms", "bytes"}` (no query
//!   string, no bodies: queries can carry entity names users asked about).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::{ApiError, ServeError};
use crate::routes::{fail, AppState};

/// The request id header.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Paths anyone may call, keys or not: probes, the API's description and the
/// dashboard's static files (the page asks for a key when its data calls
/// are refused).
const OPEN_PATHS: [&str; 7] = [
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/docs",
    "/",
    "/dashboard.js",
    "/dashboard.css",
];

/// The query parameter that may carry a key on the dashboard's reads.
const QUERY_TOKEN: &str = "access_token";

/// The API keys of `api_key_file`.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys(Vec<Vec<u8>>);

impl ApiKeys {
    /// Reads one key per line; blank lines and `#` comments are skipped.
    ///
    /// # Errors
    /// The file cannot be read or holds no key.
    pub fn load(path: &Path) -> Result<ApiKeys, ServeError> {
        let fail = |message: String| ServeError::Config {
            path: Some(path.to_path_buf()),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("api_key_file: {e}")))?;
        let keys: Vec<Vec<u8>> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.as_bytes().to_vec())
            .collect();
        if keys.is_empty() {
            return Err(fail("api_key_file holds no key".into()));
        }
        Ok(ApiKeys(keys))
    }

    /// Whether `given` is one of the keys, in time that does not depend on
    /// where a guess first differs.
    pub fn accepts(&self, given: &[u8]) -> bool {
        let mut found = false;
        for k in &self.0 {
            let mut diff = u8::from(k.len() != given.len());
            for (i, b) in k.iter().enumerate() {
                diff |= b ^ given.get(i).copied().unwrap_or(0);
            }
            found |= diff == 0;
        }
        found
    }
}

fn next_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static BOOT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let boot = *BOOT.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    format!("{boot:x}-{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The client's id when it is usable, else a new one.
fn request_id(req: &Request) -> HeaderValue {
    req.headers()
        .get(&REQUEST_ID)
        .filter(|v| {
            let b = v.as_bytes();
            !b.is_empty() && b.len() <= 128 && b.iter().all(|c| c.is_ascii_graphic())
        })
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&next_id()).unwrap_or(HeaderValue::from_static("-"))
        })
}

fn bearer(req: &Request) -> Option<&[u8]> {
    let v = req.headers().get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = (v.get(..7)?, v.get(7..)?);
    scheme.eq_ignore_ascii_case(b"bearer ").then_some(token)
}

/// Takes `access_token` out of the query of a `GET /v1/trends...` request
/// (the dashboard's reads) and returns it; other requests keep their query
/// as it is, so a key in the URL of anything else is never accepted.
fn take_query_token(req: &mut Request) -> Option<Vec<u8>> {
    if req.method() != Method::GET || !req.uri().path().starts_with("/v1/trends") {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.uri().query()?).ok()?;
    let token = pairs.iter().find(|(k, _)| k == QUERY_TOKEN)?.1.clone();
    let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != QUERY_TOKEN).collect();
    let query = serde_urlencoded::to_string(&rest).ok()?;
    let path = req.uri().path();
    let path_and_query = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    let mut parts = req.uri().clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse().ok()?);
    *req.uri_mut() = Uri::from_parts(parts).ok()?;
    Some(token.into_bytes())
}

/// One access-log line.
pub fn access_line(
    id: &str,
    method: &Method,
    path: &str,
    status: u16,
    ms: f64,
    bytes: Option<u64>,
) -> String {
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    serde_json::json!({
        "ts_ms": ts, "id": id, "method": method.as_str(), "path": path,
        "status": status, "ms": (ms * 1000.0).round() / 1000.0, "bytes": bytes,
    })
    .to_string()
}

/// The middleware: request id, auth, access log.
pub(crate) async fn edge(
    State(st): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let id = request_id(&req);
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let open = OPEN_PATHS.contains(&path.as_str()) || method == Method::OPTIONS;
    let query_key = take_query_token(&mut req);
    let denied = match &st.api_keys {
        Some(keys) if !open => {
            let given = bearer(&req).or(query_key.as_deref());
            !given.is_some_and(|k| keys.accepts(k))
        }
        _ => false,
    };
    let mut resp = if denied {
        let mut r = fail(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this endpoint needs `Authorization: Bearer <key>` with a key of the server's api_key_file",
        ));
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        r
    } else {
        next.run(req).await
    };
    resp.headers_mut().insert(REQUEST_ID.clone(), id.clone());
    if st.cfg.access_log {
        let bytes = resp
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok());
        eprintln!(
            "{}",
            access_line(
                id.to_str().unwrap_or("-"),
                &method,
                &path,
                resp.status().as_u16(),
                start.elapsed().as_secs_f64() * 1000.0,
                bytes
            )
        );
    }
    resp
}

/// CORS for `origins` (`*` for any); `None` when the list is empty.
pub(crate) fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                REQUEST_ID.clone(),
            ])
            .expose_headers([REQUEST_ID.clone()])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_exactly_and_files_without_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, "# ops\nsecret-one\n\n  secret-two  \n").unwrap();
        let keys = ApiKeys::load(&path).unwrap();
        assert!(keys.accepts(b"secret-one") && keys.accepts(b"secret-two"));
        for bad in [&b"secret"[..], b"secret-one ", b"", b"secret-onf"] {
            assert!(!keys.accepts(bad), "{bad:?}");
        }
        std::fs::write(&path, "# nothing\n").unwrap();
        let err = ApiKeys::load(&path).unwrap_err().to_string();
        assert!(err.contains("no key"), "{err}");
        assert!(ApiKeys::load(&dir.path().join("absent")).is_err());
    }

    #[test]
    fn an_access_line_is_one_json_object_without_the_query() {
        let line = access_line("abc", &Method::POST, "/v1/tag", 200, 1.23456, Some(42));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            (v["id"].as_str(), v["status"].as_u64()),
            (Some("abc"), Some(200))
        );
        assert_eq!(v["path"], "/v1/tag");
        assert_eq!(v["ms"], 1.235);
        assert!(!line.contains('\n'));
    }
}
