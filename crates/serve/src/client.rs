//! A minimal keep-alive HTTP/1.1 client over one TCP connection, for the
//! tests and the load generator. It reuses the hyper build the server already
//! needs, where a full client crate would add TLS stacks and minutes of build.

use std::net::SocketAddr;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Connecting failed.
    #[error("connecting to {addr}: {source}")]
    Connect {
        /// Server address.
        addr: SocketAddr,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The HTTP exchange failed (connection closed, malformed answer).
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
    /// The request could not be built (bad path).
    #[error("bad request: {0}")]
    Request(#[from] hyper::http::Error),
}

/// An answer: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: hyper::HeaderMap,
    /// Response body.
    pub body: Bytes,
}

impl Reply {
    /// The body parsed as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One connection; requests on it are sent one after another.
pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

impl Client {
    /// Open a connection to `addr`.
    pub async fn connect(addr: SocketAddr) -> Result<Client, ClientError> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| ClientError::Connect { addr, source })?;
        // Small requests and answers: send each at once.
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the server closes the connection or the client is dropped.
            let _ = conn.await;
        });
        Ok(Client {
            sender,
            host: addr.to_string(),
        })
    }

    /// Send a request and read the whole answer.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, ClientError> {
        self.request_with(method, path, &[], body).await
    }

    /// [`Client::request`] with extra headers.
    pub async fn request_with(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Reply, ClientError> {
        self.sender.ready().await?;
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.host);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        if body.is_some() {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let req = builder.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
        let resp = self.sender.send_request(req).await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Result<Reply, ClientError> {
        self.request("GET", path, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(
        &mut self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<Reply, ClientError> {
        self.request("POST", path, Some(body.to_string().into_bytes()))
            .await
    }

    /// Whether the connection can take another request.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }
}
