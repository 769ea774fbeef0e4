//! Cases of issue 16 ("hardening for real users"), each test named after its
//! case: numeric flags at their limits, closed pipes, runs that reject every
//! record.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, run, run_stdin, stderr};

fn model() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/default")
}

/// A two-tweet gold CoNLL file.
fn tiny_conll(dir: &Path) -> PathBuf {
    let p = dir.join("tiny.conll");
    std::fs::write(
        &p,
        "Obama\tB-person\nin\tO\nParis\tB-geo-loc\n\nI\tO\nlove\tO\nApple\tB-company\n\n",
    )
    .expect("write");
    p
}

/// The accepted range of `flag` as clap reports it for a value far above it
/// ("... is not in 1..=4096"); 2^32 - 1 fits every integer flag's type, so the
/// error is about the range, not the type.
fn range_of(base: &[String], flag: &str) -> (u64, u64) {
    let mut args = base.to_vec();
    args.extend([flag.to_string(), u32::MAX.to_string()]);
    let o = bin().args(&args).output().expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    let tail = err
        .split("is not in ")
        .nth(1)
        .unwrap_or_else(|| panic!("{args:?} reports no range: {err}"));
    let range: String = tail
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '=')
        .collect();
    let (lo, hi) = range.split_once("..=").expect("a closed range");
    (lo.parse().expect("low"), hi.parse().expect("high"))
}

/// Runs `args` and returns its exit code and stderr; a server is stopped as
/// soon as it says it is serving (code `None`), or after `wait` at the latest.
fn run_briefly(args: &[String], wait: Duration) -> (Option<i32>, String) {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let err = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let err = err.clone();
        let pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut e = err.lock().unwrap_or_else(|p| p.into_inner());
                e.push_str(&line);
                e.push('\n');
            }
        })
    };
    let deadline = Instant::now() + wait;
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        let up = err
            .lock()
            .map(|e| e.contains("serving model"))
            .unwrap_or(false);
        if up || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = reader.join();
    let text = err.lock().map(|e| e.clone()).unwrap_or_default();
    (code, text)
}

/// Issue 16, "out-of-range numeric flags panic or abort": every numeric flag
/// of every command at 0, 1, its maximum and its maximum + 1 exits with 0, 1
/// or 2 (a server may also still be up), never a panic or a signal.
#[test]
fn numeric_flags_at_0_1_max_and_max_plus_1_never_crash() {
    let dir = tempfile::tempdir().expect("dir");
    let conll = tiny_conll(dir.path());
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let m = model().display().to_string();
    let c = conll.display().to_string();
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            s(&["tag", "--model", &m, "Obama in Paris"]),
            vec![
                "--threads",
                "--batch-size",
                "--max-bytes",
                "--max-reject-rate",
            ],
        ),
        (
            s(&["bench", &c, "--model", &m]),
            vec!["--threads", "--batch-size", "--runs"],
        ),
        (s(&["eval", "--model", &m, &c]), vec!["--threads"]),
        (
            s(&["eval", "--model", &m, &c, "--calibration"]),
            vec!["--bins"],
        ),
        (
            s(&["calibrate", &c, "--model", &m]),
            vec!["--folds", "--bins", "--threads"],
        ),
        (
            s(&["train", "--config", "/nonexistent/x.toml", "--final"]),
            vec!["--epochs"],
        ),
        (
            s(&["serve", "--model", &m, "--addr", "127.0.0.1:0"]),
            vec![
                "--max-batch",
                "--max-wait-ms",
                "--queue-capacity",
                "--workers",
                "--body-limit-bytes",
                "--max-texts-per-request",
                "--max-text-bytes",
                "--request-timeout-ms",
                "--header-read-timeout-ms",
                "--max-connections",
                "--shutdown-timeout-ms",
            ],
        ),
        (
            // Nothing listens on port 1: a valid value ends in a connection error.
            s(&[
                "stream",
                "--bus",
                "nats",
                "--server",
                "nats://127.0.0.1:1",
                "--in",
                "a",
                "--out",
                "b",
                "--model",
                &m,
            ]),
            vec![
                "--threads",
                "--batch-size",
                "--max-bytes",
                "--ack-wait",
                "--max-ack-pending",
                "--ack-every",
            ],
        ),
    ];
    for (base, flags) in cases {
        for flag in flags {
            let values: Vec<String> = if flag == "--max-reject-rate" {
                s(&["0", "1", "1.0000001"])
            } else {
                let (_, hi) = range_of(&base, flag);
                assert!(
                    hi < u64::from(u32::MAX),
                    "{flag}: bound {hi} is not a real bound"
                );
                vec!["0".into(), "1".into(), hi.to_string(), (hi + 1).to_string()]
            };
            for v in values {
                let mut args = base.clone();
                args.extend([flag.to_string(), v.clone()]);
                let (code, err) = run_briefly(&args, Duration::from_secs(20));
                assert!(
                    matches!(code, None | Some(0..=2)),
                    "{args:?} ended with {code:?}: {err}"
                );
                assert!(!err.contains("panicked"), "{args:?}: {err}");
            }
        }
    }
}

/// Reads one line of `cmd`'s output, closes the pipe, and returns the exit
/// code and stderr.
fn close_after_one_line(mut cmd: Command, input: &[u8]) -> (Option<i32>, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("one line");
    assert!(!line.is_empty(), "no output at all");
    drop(out);
    let o = child.wait_with_output().expect("exits");
    let _ = feeder.join();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Issue 16: "`tokenize | head -1` exits 1 with 'Broken pipe' (exit 0
/// quietly on EPIPE, everywhere)".
#[test]
fn closed_pipe_exits_0_quietly_for_tokenize_tag_and_bench() {
    let many: Vec<u8> = "Obama visits Paris today\n".repeat(200_000).into_bytes();
    let mut tokenize = bin();
    tokenize.arg("tokenize");
    let (code, err) = close_after_one_line(tokenize, &many);
    assert_eq!((code, err.as_str()), (Some(0), ""), "tokenize");

    let mut tag = bin();
    tag.args(["tag", "--format", "jsonl", "--model"])
        .arg(model());
    let (code, err) = close_after_one_line(tag, &many[..2_000_000]);
    assert_eq!(code, Some(0), "tag: {err}");
    assert!(
        !err.contains("error") && !err.contains("panicked"),
        "tag: {err}"
    );

    let dir = tempfile::tempdir().expect("dir");
    let mut bench = bin();
    bench
        .arg("bench")
        .arg(tiny_conll(dir.path()))
        .args(["--runs", "1", "--model"])
        .arg(model());
    let (code, err) = close_after_one_line(bench, b"");
    assert_eq!(code, Some(0), "bench: {err}");
    assert!(!err.contains("panicked"), "bench: {err}");
}

/// Issue 16: "exit code non-zero (1) when every record was rejected, or above
/// `--max-reject-rate`".
#[test]
fn tag_exits_1_when_every_record_is_rejected_or_too_many_are() {
    let m = model().display().to_string();
    let bad = b"{\"no_text\": 1}\nnot json\n";
    let o = run_stdin(&["tag", "--model", &m, "--input-format", "jsonl"], bad);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("all 2 records were rejected"),
        "{}",
        stderr(&o)
    );

    let mixed = b"{\"text\": \"Obama in Paris\"}\nnot json\n{\"text\": \"hi\"}\n";
    let args = ["tag", "--model", &m, "--input-format", "jsonl"];
    let o = run_stdin(&args, mixed);
    assert_eq!(
        o.status.code(),
        Some(0),
        "one reject in three is fine by default"
    );
    let strict = [&args[..], &["--max-reject-rate", "0.2"]].concat();
    let o = run_stdin(&strict, mixed);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("above --max-reject-rate 0.2"),
        "{}",
        stderr(&o)
    );
    // Everything tagged is still written before the run fails.
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 3);

    let o = run(&["tag", "--model", &m, "--max-reject-rate", "2"]);
    assert_eq!(o.status.code(), Some(2), "a share above 1 is a usage error");
}

/// Issue 16: "`eval` on a gold-only file prints nonsense with rc 0".
#[test]
fn eval_of_a_gold_only_file_is_an_error_that_says_what_to_do() {
    let dir = tempfile::tempdir().expect("dir");
    let o = run(&["eval", tiny_conll(dir.path()).to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("gold file (token, tag)") && err.contains("--gold"),
        "{err}"
    );
    // A real two-column scorer file (gold, pred) is still scored.
    let pairs = dir.path().join("pairs.txt");
    std::fs::write(&pairs, "B-person B-person\nO O\n\n").expect("write");
    let o = run(&["eval", pairs.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `tweetner tag` on JSONL `input` with the shipped model and `extra` flags;
/// the output lines, parsed.
/// `tweetner tag` of JSONL `input` to JSONL, with `extra` flags.
fn tag_jsonl_run(extra: &[&str], input: &str) -> std::process::Output {
    let m = model().display().to_string();
    let mut args = vec![
        "tag",
        "--model",
        &m,
        "--input-format",
        "jsonl",
        "--format",
        "jsonl",
    ];
    args.extend_from_slice(extra);
    run_stdin(&args, input.as_bytes())
}

fn tag_jsonl(extra: &[&str], input: &str) -> Vec<serde_json::Value> {
    let o = tag_jsonl_run(extra, input);
    assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect()
}

/// Issue 16: "an input `entities` field is overwritten silently — write ours
/// under a configurable key and never clobber without `--overwrite`;
/// `--text-field`".
#[test]
fn jsonl_entities_are_never_clobbered_and_the_text_field_is_configurable() {
    let input = concat!(
        r#"{"id": 1, "text": "Obama in Paris", "entities": ["mine"]}"#,
        "\n",
        r#"{"id": 2, "text": "Obama in Rome"}"#,
        "\n"
    );
    // Default: the record holding `entities` is rejected, with what to do.
    let out = tag_jsonl(&[], input);
    let error = out[0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("`entities`") && error.contains("--overwrite"),
        "{out:?}"
    );
    assert!(
        out[1]["entities"].as_array().is_some_and(|e| !e.is_empty()),
        "{out:?}"
    );
    // Another key keeps the input's field as it was.
    let out = tag_jsonl(&["--entities-key", "ner"], input);
    assert_eq!(out[0]["entities"], serde_json::json!(["mine"]));
    assert!(
        out[0]["ner"].as_array().is_some_and(|e| !e.is_empty()),
        "{out:?}"
    );
    // --overwrite replaces it.
    let out = tag_jsonl(&["--overwrite"], input);
    assert_eq!(out[0]["entities"][0]["text"], "Obama", "{out:?}");
    // --text-field reads the text elsewhere.
    let out = tag_jsonl(
        &["--text-field", "body"],
        r#"{"id": 3, "body": "Obama in Paris"}"#,
    );
    assert_eq!(out[0]["entities"][0]["text"], "Obama", "{out:?}");
    assert_eq!(out[0]["body"], "Obama in Paris");
}

/// Issue 16: "error records carry the id".
#[test]
fn error_records_carry_the_id_of_their_tweet() {
    let input = concat!(
        r#"{"id": "a1", "text": "   "}"#,
        "\n",
        r#"{"tweet_id": 42, "body": "no text field"}"#,
        "\n",
        "not json\n",
        r#"{"id": "a4", "text": "Obama in Paris"}"#,
        "\n"
    );
    let out = tag_jsonl(&[], input);
    assert_eq!(
        (out[0]["line"].as_u64(), out[0]["id"].as_str()),
        (Some(1), Some("a1")),
        "{out:?}"
    );
    assert_eq!(out[0]["error"], "empty text");
    assert!(out[1].get("id").is_none(), "no `id` field there: {out:?}");
    assert!(
        out[2].get("id").is_none()
            && out[2]["error"]
                .as_str()
                .unwrap()
                .starts_with("invalid JSON")
    );
    assert!(out[3]["entities"].is_array());
    let out = tag_jsonl(&["--id-field", "tweet_id"], input);
    assert_eq!(out[1]["id"], "42", "{out:?}");
    assert_eq!(out[1]["error"], "missing field `text`");
}

/// `tag` of JSONL with model `m`, output into `o` and rejects into `r`.
fn tag_into_files<'a>(m: &'a str, o: &'a str, r: &'a str) -> [&'a str; 9] {
    [
        "tag",
        "--model",
        m,
        "--input-format",
        "jsonl",
        "--output",
        o,
        "--reject-file",
        r,
    ]
}

/// Issue 16: "`kill -9` during `tag --reject-file`: rejects lost while the
/// output ends on a clean boundary that looks complete. Add `--output FILE`
/// written atomically". Both files appear whole when the run ends; a killed
/// run leaves neither (only hidden temporaries beside them).
#[test]
fn output_and_reject_files_appear_whole_or_not_at_all() {
    let dir = tempfile::tempdir().expect("dir");
    let (out, rej) = (
        dir.path().join("out.jsonl"),
        dir.path().join("rejects.jsonl"),
    );
    let m = model().display().to_string();
    let o = out.display().to_string();
    let r = rej.display().to_string();
    let args = tag_into_files(&m, &o, &r);
    let input =
        "{\"id\": 1, \"text\": \"Obama in Paris\"}\nnot json\n{\"id\": 3, \"text\": \"Rome\"}\n";
    let done = run_stdin(&args, input.as_bytes());
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(done.stdout.is_empty(), "the output went to the file");
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
    assert_eq!(std::fs::read_to_string(&rej).unwrap().lines().count(), 1);
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(dir.path()),
        ["out.jsonl", "rejects.jsonl"],
        "no temporaries left"
    );

    // Killed mid-run: neither file, so nothing can pass for a whole run.
    let killed = tempfile::tempdir().expect("dir");
    let (out, rej) = (
        killed.path().join("out.jsonl"),
        killed.path().join("rejects.jsonl"),
    );
    let (o, r) = (out.display().to_string(), rej.display().to_string());
    let mut child = bin()
        .args(tag_into_files(&m, &o, &r))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut stdin = child.stdin.take().expect("stdin");
    for i in 0..500 {
        writeln!(
            stdin,
            "{{\"id\": {i}, \"text\": \"Obama in Paris {i}\"}}\nnot json {i}"
        )
        .unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(!out.exists() && !rej.exists(), "{:?}", names(killed.path()));
    assert!(
        names(killed.path())
            .iter()
            .all(|n| n.starts_with('.') && n.contains(".tmp-")),
        "{:?}",
        names(killed.path())
    );
}

/// Issue 16: "a 30-digit `id` became `1.2345678901234568e+29` — keep numbers
/// as written". Output records are written from the input's own text.
#[test]
fn jsonl_numbers_and_fields_are_kept_as_written() {
    let input = concat!(
        r#"{"id": 123456789012345678901234567890, "text": "Obama in Paris", "score": 1.50, "geo": {"lat": 48.8566140000000001}}"#,
        "\n",
        r#"{"id": 98765432109876543210987654321, "text": ""}"#,
        "\n",
    );
    let o = tag_jsonl_run(&[], input);
    let out = String::from_utf8_lossy(&o.stdout);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with(r#"{"id":123456789012345678901234567890,"text":"Obama in Paris","score":1.50,"geo":{"lat": 48.8566140000000001},"entities":["#),
        "{first}"
    );
    // The rejected record's id has every digit too.
    let reject = out.lines().nth(1).unwrap();
    let v: serde_json::Value = serde_json::from_str(reject).unwrap();
    assert_eq!(v["id"], "98765432109876543210987654321", "{reject}");
}
