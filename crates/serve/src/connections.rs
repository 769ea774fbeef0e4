//! Accepting and running HTTP/1 connections, with the limits `axum::serve`
//! does not set.
//!
//! `axum::serve` gives hyper no timer, so hyper's header read timeout never
//! fires: a client that opens a connection and sends nothing (or a header a
//! byte a minute) holds a socket and a task forever, and enough of them
//! exhaust the process's file descriptors. Here every connection gets a
//! header read timeout, which hyper starts whenever it waits for a request's
//! head, so it also closes keep-alive connections left idle that long; and
//! at most `max_connections` connections are open at once, further clients
//! waiting in the kernel's accept backlog instead of costing memory here.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::metrics::Metrics;

/// Per-connection limits (from [`crate::ServeConfig`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// Longest wait for a complete request head, idle keep-alive time included.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Longest wait at shutdown for open connections to finish.
    pub shutdown_timeout: Duration,
}

/// Accepts connections until `stop` completes, then stops accepting, lets
/// every open connection finish its in-flight request (idle ones close at
/// once) and returns when all are closed, or at the shutdown deadline.
pub(crate) async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true)
        // A client that shuts down its sending side after the request
        // (`SHUT_WR`, as `nc -N` does) still gets its answer.
        .half_close(true);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(stop);
    loop {
        // A slot first, then accept: beyond the limit, clients wait in the
        // backlog and are served as soon as a connection closes.
        let slot = tokio::select! {
            s = Arc::clone(&slots).acquire_owned() => match s {
                Ok(s) => s,
                // The semaphore is never closed; treat it like a stop.
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // Responses are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        let conn =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        let metrics = Arc::clone(&metrics);
        metrics.connection_opened();
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                // Timeouts and clients that hang up are routine, not errors.
                tracing::debug!("connection ended: {e}");
            }
            metrics.connection_closed();
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        // Their tasks end with the runtime; a slow client cannot hold the
        // process past the deadline.
        tracing::warn!(
            "shutdown deadline of {:?} passed with connections still open; closing them",
            limits.shutdown_timeout
        );
    }
    Ok(())
}

/// Accept failures must not end the server: a client that resets during
/// the handshake is routine, and running out of file descriptors passes
/// once connections close, so wait a little rather than spin.
async fn accept_error(e: io::Error) {
    use io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
    ) {
        return;
    }
    tracing::warn!("accept failed: {e}; retrying");
    tokio::time::sleep(Duration::from_millis(50)).await;
}
