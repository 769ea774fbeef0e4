//! `tweetner serve --access-log --api-key-file --cors-origin` reach the server.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{free_port, http, KillOnDrop};

#[test]
fn access_log_keys_and_cors_flags_take_effect() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::write(&keys, "k-1\n").unwrap();
    let port = free_port();
    let mut child = common::bin()
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "1",
        ])
        .args(["--access-log", "--cors-origin", "https://a.example"])
        .arg("--api-key-file")
        .arg(&keys)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().unwrap();
    let _server = KillOnDrop(child);
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let ready = loop {
        if let Some(r) = http(port, "GET /readyz HTTP/1.1") {
            if r.starts_with("HTTP/1.1 200") {
                break r;
            }
        }
        assert!(Instant::now() < deadline, "the server never became ready");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        ready.to_ascii_lowercase().contains("x-request-id:"),
        "{ready}"
    );
    let denied = http(port, "GET /v1/model HTTP/1.1").unwrap();
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    let allowed = http(
        port,
        "GET /v1/model HTTP/1.1\r\nAuthorization: Bearer k-1\r\nOrigin: https://a.example",
    )
    .unwrap();
    assert!(allowed.starts_with("HTTP/1.1 200"), "{allowed}");
    assert!(
        allowed
            .to_ascii_lowercase()
            .contains("access-control-allow-origin: https://a.example"),
        "{allowed}"
    );
    // The access log has a JSON line for the refused request.
    let found = loop {
        match lines.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                    if v["path"] == "/v1/model" && v["status"] == 401 {
                        break v;
                    }
                }
            }
            Err(e) => panic!("no access-log line for the 401: {e}"),
        }
    };
    assert_eq!(found["method"], "GET");
    assert!(found["id"].as_str().is_some_and(|id| !id.is_empty()));
}
