//! Helpers shared by the CLI's integration tests: run the binary, find the data.
// Each test file compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tweetner"))
}

/// The shared data tree (`tweetner_testdata::shared_dir`).
pub fn shared() -> PathBuf {
    tweetner_testdata::shared_dir()
}

/// A WNUT-16 file, found as `tweetner_testdata` says (`TWEETNER_DATA`,
/// `../shared`, the fetch cache).
pub fn wnut(file: &str) -> PathBuf {
    tweetner_testdata::wnut16(file)
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

pub fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    // Feed stdin from another thread: a large input and a large output would
    // otherwise deadlock on full pipe buffers.
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // The binary may exit early (an error); a closed pipe is fine then.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("binary finishes");
    writer.join().expect("writer thread");
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A loopback port nothing listens on (right now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Kills a child process when the test ends, however it ends.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 exchange on a fresh connection: `head` is the request line
/// plus any headers (`GET /x HTTP/1.1\r\nOrigin: o`); the whole answer,
/// head and body, or `None` when the server is not there (yet).
pub fn http(port: u16, head: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "{head}\r\nHost: x\r\nConnection: close\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    Some(text)
}

/// The first `n` CoNLL sentences of `src` into `dst`.
pub fn head_sentences(src: &Path, dst: &Path, n: usize) {
    let text = std::fs::read_to_string(src).expect("read");
    let kept: Vec<&str> = text
        .split("\n\n")
        .filter(|s| !s.trim().is_empty())
        .take(n)
        .collect();
    std::fs::write(dst, kept.join("\n\n") + "\n").expect("write");
}

/// The files of `from` (not its subdirectories) copied into `to`, which is created:
/// a model directory to change without touching the original.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}
