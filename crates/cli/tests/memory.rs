//! Issue 16: "`data stats` and `eval` use ~11x the file size". On a 36 MB
//! scorer file (200,000 tweets) each command's peak memory, read from
//! `/proc/PID/status` while it runs, must stay far below the file's size:
//! they stream (before: 917 MB for `data stats`, 1.8 GB for `eval --gold
//! --pred`). Slow (~10 s in a debug build); it runs in CI like the rest.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// The peak resident set (KiB) of one run of the binary with `args`, and its exit code.
fn peak_rss_kib(args: &[&str]) -> (u64, Option<i32>) {
    let mut child = common::bin()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        // VmHWM is the peak so far; the last reading before exit is the answer.
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kib) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            {
                peak = peak.max(kib);
            }
        }
        if let Some(s) = child.try_wait().unwrap() {
            return (peak, s.code());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// 200,000 tweets over a vocabulary of ~6,000 tokens: memory may grow with
/// the vocabulary, never with the number of tweets.
fn big_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("big.conll");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..200_000 {
        writeln!(
            f,
            "Obama B-person B-person\nvisits O O\nParis{} B-geo-loc O\ntoday O O\n\
             with O O\nsome O O\nfriends O O\nand O O\nthe O O\nBoston B-sportsteam B-sportsteam\n\
             Celtics I-sportsteam I-sportsteam\nfans O O\n#{} O O\n",
            i % 5000,
            i % 1000
        )
        .unwrap();
    }
    f.flush().unwrap();
    path
}

#[test]
fn eval_and_data_stats_stream_their_input() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_file(dir.path());
    let size_kib = std::fs::metadata(&big).unwrap().len() / 1024;
    assert!(size_kib > 30_000, "{size_kib} KiB");
    let b = big.to_str().unwrap();
    for args in [
        vec!["eval", b],
        vec!["eval", "--gold", b, "--pred", b],
        vec!["data", "stats", b],
    ] {
        let (peak, code) = peak_rss_kib(&args);
        assert_eq!(code, Some(0), "{args:?}");
        assert!(
            peak > 0 && peak < size_kib / 2,
            "{args:?}: peak {peak} KiB for a {size_kib} KiB file"
        );
    }
}
