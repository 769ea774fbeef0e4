//! Issue 16's connection limits: the listen backlog, the per-IP cap, the
//! write timeout, and the metric for the answers hyper gives on its own.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{cfg, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tweetner_serve::testing::MockTagger;
use tweetner_serve::ServeConfig;

/// A connection from `from` (any 127.x.y.z address is the loopback
/// interface on Linux, so tests can be several clients).
async fn connect_from(from: [u8; 4], to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((from, 0)))?;
    socket.connect(to).await
}

/// Whether the server closed `stream` within `limit` (EOF or reset).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let until = Instant::now() + limit;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// Issue 16, "listen backlog is 128": with one connection slot taken, 400
/// more clients all complete their TCP handshake and wait in the kernel's
/// queue (with a backlog of 128 the rest time out re-sending SYNs).
#[tokio::test]
async fn the_listen_backlog_holds_hundreds_of_waiting_clients() {
    let config = ServeConfig {
        max_connections: 1,
        listen_backlog: 1024,
        ..cfg()
    };
    let s = start(MockTagger::new(), config).await;
    let _holder = TcpStream::connect(s.addr).await.unwrap();
    let mut waiting = Vec::new();
    for _ in 0..400 {
        let c = tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(s.addr))
            .await
            .expect("handshake completes from the backlog within 3 s")
            .expect("connect");
        waiting.push(c);
    }
    assert_eq!(waiting.len(), 400);
    drop(waiting);
    drop(_holder);
    s.stop().await.expect("clean stop");
}

/// Issue 16, "1,100 idle connections make /healthz wait": one address gets
/// `max_connections_per_ip` connections; more from it are closed at once and
/// counted, while another client is still answered at once.
#[tokio::test]
async fn one_address_cannot_take_every_connection_slot() {
    let config = ServeConfig {
        max_connections: 8,
        max_connections_per_ip: 4,
        ..cfg()
    };
    let s = start(MockTagger::new(), config).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(connect_from([127, 0, 0, 2], s.addr).await.unwrap());
    }
    let mut fifth = connect_from([127, 0, 0, 2], s.addr).await.unwrap();
    assert!(
        closed_within(&mut fifth, Duration::from_secs(2)).await,
        "a fifth connection from the same address stays open"
    );
    for c in &mut idle {
        assert!(!closed_within(c, Duration::from_millis(50)).await);
    }
    let started = Instant::now();
    let reply = s.client().await.get("/healthz").await.unwrap();
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    s.wait_metric(
        "tweetner_http_connection_errors_total{reason=\"per_ip_limit\"}",
        1.0,
    )
    .await;
    // A closed connection gives its place back.
    drop(idle.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = connect_from([127, 0, 0, 2], s.addr).await.unwrap();
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(2), again.read(&mut buf))
        .await
        .expect("answered")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    s.stop().await.expect("clean stop");
}

/// Issue 16, "a slow reader holds its connection 30 s+": a client that
/// sends requests but never reads the answers is disconnected once the
/// server's writes have made no progress for `write_timeout_ms`.
#[tokio::test]
async fn a_client_that_stops_reading_is_cut_off_after_the_write_timeout() {
    let config = ServeConfig {
        write_timeout_ms: 300,
        ..cfg()
    };
    let s = start(MockTagger::new(), config).await;
    let stream = TcpStream::connect(s.addr).await.unwrap();
    let (_reader, mut writer) = stream.into_split();
    // Pipelined requests whose answers (megabytes) fill both socket buffers;
    // the writes stop mattering once the server stops reading.
    let sender = tokio::spawn(async move {
        let one = b"GET /openapi.json HTTP/1.1\r\nHost: t\r\n\r\n";
        for _ in 0..20_000 {
            if writer.write_all(one).await.is_err() {
                break;
            }
        }
    });
    s.wait_metric(
        "tweetner_http_connection_errors_total{reason=\"write_timeout\"}",
        1.0,
    )
    .await;
    // Only the metrics request's own connection is left open.
    s.wait_metric("tweetner_http_connections_open", 1.0).await;
    sender.abort();
    s.stop().await.expect("clean stop");
}

/// Issue 16, "hyper's 400/431 have no metric": a request hyper cannot parse
/// and a head larger than its buffer are answered by hyper itself (400,
/// 431) and counted by reason.
#[tokio::test]
async fn hyper_answers_to_malformed_requests_are_counted() {
    let s = start(MockTagger::new(), cfg()).await;
    let mut bad = TcpStream::connect(s.addr).await.unwrap();
    bad.write_all(b"NOT A REQUEST\r\n\r\n").await.unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), bad.read_to_end(&mut got)).await;
    assert!(
        got.starts_with(b"HTTP/1.1 400"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    s.wait_metric(
        "tweetner_http_connection_errors_total{reason=\"bad_request\"}",
        1.0,
    )
    .await;

    let mut huge = TcpStream::connect(s.addr).await.unwrap();
    let mut head = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ".to_vec();
    head.resize(head.len() + (1 << 20), b'a');
    // The server answers and closes before reading it all; a failed write is fine.
    let _ = huge.write_all(&head).await;
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), huge.read_to_end(&mut got)).await;
    assert!(
        got.starts_with(b"HTTP/1.1 431"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    s.wait_metric(
        "tweetner_http_connection_errors_total{reason=\"header_too_large\"}",
        1.0,
    )
    .await;
    s.stop().await.expect("clean stop");
}
