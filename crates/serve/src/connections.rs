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
//! waiting in the kernel's accept backlog (`listen_backlog` long, not the
//! 128 of `TcpListener::bind`) instead of costing memory here.
//!
//! One IP address may hold at most `max_connections_per_ip` of them, so one
//! client's idle connections cannot take every slot; and a write that makes
//! no progress for `write_timeout` closes its connection (a client that
//! stops reading a large response would otherwise hold it forever).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

use crate::metrics::Metrics;

/// Per-connection limits (from [`crate::ServeConfig`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// Longest wait for a complete request head, idle keep-alive time included.
    pub header_read_timeout: Duration,
    /// Longest time a write may make no progress.
    pub write_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Most connections open at once from one IP address.
    pub max_connections_per_ip: usize,
    /// Longest wait at shutdown for open connections to finish.
    pub shutdown_timeout: Duration,
}

/// A listening socket on `addr` with a `backlog`-long accept queue
/// (`SO_REUSEADDR` set, as `TcpListener::bind` does, so a restart does not
/// wait for old connections in TIME_WAIT).
pub(crate) fn listen(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Open connections per client address.
#[derive(Debug, Default)]
struct PerIp {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection; leaving frees its place.
struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn enter(table: &Arc<PerIp>, ip: IpAddr, limit: usize) -> Option<IpSlot> {
        let mut open = table.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_default();
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            table: Arc::clone(table),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// A client stream whose writes fail with `TimedOut` after `timeout`
/// without progress. Reads pass through: their limit is hyper's header read
/// timeout (and the request timeout for bodies).
struct WriteTimeout<S> {
    inner: S,
    timeout: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteTimeout<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        WriteTimeout {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// Any progress resets the clock; a write still pending when it runs
    /// out is an error, which makes hyper close the connection.
    fn watch<T>(&mut self, r: Poll<io::Result<T>>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        if r.is_ready() {
            self.stalled = None;
            return r;
        }
        let timeout = self.timeout;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                WRITE_TIMED_OUT,
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

const WRITE_TIMED_OUT: &str = "the client read nothing for write_timeout_ms";

impl<S: AsyncRead + Unpin> AsyncRead for WriteTimeout<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(r, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(r, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(r, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.watch(r, cx)
    }
}

/// Why hyper ended a connection, for the metrics: the errors a client
/// causes (a malformed request hyper answers 400 itself, a head over its
/// buffer it answers 431, the timeouts). Clients hanging up are not counted.
fn end_reason(e: &hyper::Error) -> Option<&'static str> {
    if e.is_parse_too_large() {
        return Some("header_too_large");
    }
    if e.is_parse() || e.is_parse_status() {
        return Some("bad_request");
    }
    if e.is_timeout() {
        return Some("header_timeout");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::TimedOut {
                return Some("write_timeout");
            }
        }
        source = s.source();
    }
    None
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
    let per_ip = Arc::new(PerIp::default());
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
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Some(ip_slot) = PerIp::enter(&per_ip, peer.ip(), limits.max_connections_per_ip) else {
            // Closed at once: the client sees a reset, its other connections
            // stay, and the slot goes back to everyone else.
            metrics.connection_error("per_ip_limit");
            drop(stream);
            continue;
        };
        // Responses are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        let io = WriteTimeout::new(stream, limits.write_timeout);
        let conn =
            builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        let metrics = Arc::clone(&metrics);
        metrics.connection_opened();
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                // Timeouts and clients that hang up are routine, not errors.
                tracing::debug!("connection ended: {e}");
                if let Some(reason) = end_reason(&e) {
                    metrics.connection_error(reason);
                }
            }
            metrics.connection_closed();
            drop((slot, ip_slot));
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
