//! Helpers shared by the integration tests: where the shared data lives and a
//! minimal HTTP/1.1 file server on the loopback interface.

#![allow(dead_code)] // each test binary uses a different subset

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The shared data tree (`tweetner_testdata::shared_dir`).
pub fn shared_dir() -> PathBuf {
    tweetner_testdata::shared_dir()
}

/// Where WNUT-16 is found (`tweetner_testdata::wnut16_dir`).
pub fn wnut16_dir() -> PathBuf {
    tweetner_testdata::wnut16_dir()
}

/// Serves files under `root` at `http://127.0.0.1:PORT/<relative path>`;
/// anything else gets 404. Stops after `max_requests` connections so a test
/// can never leave a busy server behind. Returns the base URL.
pub fn serve(root: &Path, max_requests: usize) -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    let root = root.to_path_buf();
    thread::spawn(move || {
        for stream in listener.incoming().take(max_requests).flatten() {
            let _ = answer(stream, &root);
        }
    });
    Ok(base)
}

fn answer(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers up to the blank line.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let rel = path.trim_start_matches('/');
    let file = root.join(rel);
    let mut out = stream;
    match fs::read(&file) {
        Ok(body) if !rel.contains("..") => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            out.write_all(&body)?;
        }
        _ => {
            out.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
            )?;
        }
    }
    out.flush()
}

/// Files in `dir` whose names mark them as in-progress temporaries.
pub fn leftover_temps(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".part"))
                .collect()
        })
        .unwrap_or_default()
}

/// Copies `src` to `dst` with the byte at `at` changed.
pub fn corrupt_copy(src: &Path, dst: &Path, at: usize) -> TestResult {
    let mut bytes = fs::read(src)?;
    let b = bytes
        .get_mut(at)
        .ok_or("file shorter than the corruption offset")?;
    *b = b.wrapping_add(1);
    if let Some(parent) = dst.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(dst, bytes)?;
    Ok(())
}

pub fn copy_into(src: &Path, dst: &Path) -> TestResult {
    if let Some(parent) = dst.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::copy(src, dst)?;
    Ok(())
}
