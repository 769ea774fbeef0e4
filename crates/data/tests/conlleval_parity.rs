//! The span extractor must count entities exactly as the reference scorer
//! does, on valid BIO and on the odd sequences a model can emit.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{shared, Rng};
use tweetner_data::spans;

/// Runs conlleval on `token gold pred` text; returns (gold phrases, found
/// phrases, correct phrases) from its first summary line.
fn conlleval(text: &str) -> (usize, usize, usize) {
    let script = shared().join("tools/conlleval.pl");
    let mut child = Command::new("perl")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("perl must be installed to run the reference scorer");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(text.as_bytes())
        .expect("write to conlleval");
    drop(stdin);
    let out = child.wait_with_output().expect("conlleval output");
    assert!(out.status.success(), "conlleval failed");
    let out = String::from_utf8_lossy(&out.stdout);
    // "processed N tokens with G phrases; found: P phrases; correct: C."
    let nums: Vec<usize> = out
        .lines()
        .next()
        .expect("summary line")
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    (nums[1], nums[2], nums[3])
}

fn compare(tagset: &[&str], seed: u64, check_correct: bool) {
    let mut rng = Rng::new(seed);
    let mut text = String::new();
    let (mut gold_n, mut found_n, mut correct_n) = (0, 0, 0);
    for _ in 0..1500 {
        let len = 1 + rng.below(10);
        let gold: Vec<&str> = (0..len).map(|_| tagset[rng.below(tagset.len())]).collect();
        let pred: Vec<&str> = (0..len).map(|_| tagset[rng.below(tagset.len())]).collect();
        for (g, p) in gold.iter().zip(&pred) {
            text.push_str(&format!("tok {g} {p}\n"));
        }
        text.push('\n');
        let (gs, ps) = (spans(&gold), spans(&pred));
        gold_n += gs.len();
        found_n += ps.len();
        correct_n += ps.iter().filter(|s| gs.contains(s)).count();
    }
    let (g, f, c) = conlleval(&text);
    assert_eq!(
        (gold_n, found_n),
        (g, f),
        "phrase counts differ from conlleval"
    );
    if check_correct {
        assert_eq!(correct_n, c, "exact matches differ from conlleval");
    }
}

#[test]
fn bio_spans_match_conlleval() {
    compare(&["O", "B-a", "I-a", "B-b", "I-b", "I-c"], 1, true);
}

#[test]
fn odd_tags_give_conlleval_phrase_counts() {
    let odd = [
        "O", "B-a", "I-a", "B-b", "I-b", "E-a", "S-b", "[", "]", ".", "X", "O-a", "B",
    ];
    compare(&odd, 2, false);
}
