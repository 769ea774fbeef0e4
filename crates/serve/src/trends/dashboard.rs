//! The dashboard's static files, compiled into the binary: no CDN, no
//! build step, nothing to install beside the server.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The page, its script and its style.
const FILES: [(&str, &str, &str); 3] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../../assets/index.html"),
    ),
    (
        "/dashboard.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/dashboard.js"),
    ),
    (
        "/dashboard.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/dashboard.css"),
    ),
];

/// Same-origin only: the page loads nothing from elsewhere, so a tweet that
/// smuggled markup in could not pull in a script either.
const POLICY: &str =
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

/// The paths the dashboard is served at.
pub fn paths() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(p, _, _)| *p)
}

/// The file at `path`, with its content type and security headers.
pub fn file(path: &str) -> Option<Response> {
    let (_, mime, body) = FILES.iter().find(|(p, _, _)| *p == path)?;
    Some(
        (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CONTENT_SECURITY_POLICY, POLICY),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_only_files_that_are_served() {
        let page = FILES[0].2;
        for p in ["/dashboard.js", "/dashboard.css"] {
            assert!(page.contains(&format!("\"{p}\"")), "{p}");
            assert!(file(p).is_some());
        }
        // Nothing from another origin.
        for (_, _, body) in FILES {
            assert!(!body.contains("http://") || body.contains("http://www.w3.org/2000/svg"));
            assert!(!body.contains("https://"));
        }
        assert!(file("/nope").is_none());
    }
}
