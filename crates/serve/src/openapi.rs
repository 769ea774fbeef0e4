//! `GET /openapi.json` (the API as an OpenAPI 3.1 document, written by hand
//! next to the handlers) and `GET /docs` (the same as a plain page, rendered
//! here from the document, with no script, font or style fetched from
//! elsewhere). A test sends a request to every path the document lists, so
//! a route cannot be documented without existing.

use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use tweetner_pipeline::html::escape as escape_html;

/// The document.
pub const DOCUMENT: &str = include_str!("openapi.json");

pub(crate) async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT).into_response()
}

pub(crate) async fn docs() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| render(DOCUMENT));
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page.as_str(),
    )
        .into_response()
}

fn text(v: &Value) -> String {
    escape_html(v.as_str().unwrap_or_default())
}

/// The page: one section per path and method with its parameters and
/// answers, then the schemas as JSON.
fn render(doc: &str) -> String {
    let doc: Value = serde_json::from_str(doc).unwrap_or(Value::Null);
    let mut s = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>tweetner API</title>\
         <style>body{font:15px/1.6 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}\
         code,pre{background:#f4f4f4;padding:.1em .3em}h2{font-size:1.1em;margin-top:1.6em}\
         .m{display:inline-block;width:4em;font-weight:bold}</style></head><body>",
    );
    let _ = write!(
        s,
        "<h1>{} API</h1><p>{}</p><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a></p>",
        text(&doc["info"]["title"]),
        text(&doc["info"]["summary"])
    );
    if let Some(paths) = doc["paths"].as_object() {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let _ = write!(
                    s,
                    "<h2><span class=\"m\">{}</span><code>{}</code></h2><p>{}</p>",
                    escape_html(&method.to_uppercase()),
                    escape_html(path),
                    text(&op["summary"])
                );
                if let Some(params) = op["parameters"].as_array() {
                    s.push_str("<p>Query: ");
                    for p in params {
                        let _ = write!(
                            s,
                            "<code>{}</code> {}; ",
                            text(&p["name"]),
                            text(&p["description"])
                        );
                    }
                    s.push_str("</p>");
                }
                if let Some(codes) = op["responses"].as_object() {
                    let list: Vec<String> = codes.keys().map(|c| escape_html(c)).collect();
                    let _ = write!(s, "<p>Answers: {}</p>", list.join(", "));
                }
            }
        }
    }
    let schemas = serde_json::to_string_pretty(&doc["components"]["schemas"]).unwrap_or_default();
    let _ = write!(
        s,
        "<h2>Schemas</h2><pre>{}</pre></body></html>",
        escape_html(&schemas)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_and_the_page_lists_every_path() {
        let doc: Value = serde_json::from_str(DOCUMENT).expect("valid JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let page = render(DOCUMENT);
        for path in doc["paths"].as_object().unwrap().keys() {
            assert!(page.contains(&format!("<code>{path}</code>")), "{path}");
        }
        assert!(!page.contains("<script"));
    }
}
