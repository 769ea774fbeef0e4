//! `tweetner trends` end to end: a replayed stream with a burst yields a
//! trend event for it, from tagged records and from raw text alike.

mod common;

use common::{run_stdin, stderr, stdout};
use serde_json::{json, Value};

/// Six quiet hours of chatter among 300 authors, then `burst` from 40
/// distinct authors within ten minutes; `entities` are given when `tagged`.
fn stream(burst: &str, tagged: bool) -> (String, i64) {
    let start = 1_366_000_000_i64; // epoch seconds
    let mut lines = Vec::new();
    let mut push = |id: usize, t: i64, user: String, text: String, ents: Vec<(&str, &str)>| {
        let mut rec =
            json!({"id": id, "created_at": t, "user": {"screen_name": user}, "text": text});
        if tagged {
            let e: Vec<Value> = ents
                .iter()
                .map(|(x, y)| json!({"text": x, "type": y}))
                .collect();
            rec["entities"] = Value::from(e);
        }
        lines.push(rec.to_string());
    };
    let topics = ["Monday", "coffee", "weather", "traffic"];
    for i in 0..1_500 {
        let topic = topics[i % topics.len()];
        push(
            i,
            start + i as i64 * 15,
            format!("u{}", i % 300),
            format!("so much {topic} today"),
            vec![(topic, "other")],
        );
    }
    let burst_at = start + 1_500 * 15;
    for a in 0..40 {
        let text = format!("{burst} is on every channel right now");
        push(
            10_000 + a,
            burst_at + a as i64 * 15,
            format!("fan{a}"),
            text,
            vec![(burst, "person")],
        );
    }
    (lines.join("\n") + "\n", burst_at * 1000)
}

fn events(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json line"))
        .filter(|v| v.get("entity").is_some())
        .collect()
}

#[test]
fn a_burst_in_a_tagged_replay_is_reported_once_with_its_time() {
    let (input, burst_ms) = stream("Barack Obama", true);
    let args = [
        "trends",
        "--tagged",
        "--author-field",
        "user.screen_name",
        "--top",
        "3",
    ];
    let bad = "{\"id\": 1}\n{\"id\": 2, \"text\": \"no time\", \"entities\": []}\n";
    let o = run_stdin(&args, format!("{input}{bad}").as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = events(&stdout(&o));
    let obama: Vec<&Value> = ev
        .iter()
        .filter(|e| e["entity"] == "Barack Obama")
        .collect();
    assert_eq!(obama.len(), 1, "{ev:?}");
    assert_eq!(obama[0]["type"], "person");
    let at = obama[0]["detected_at"].as_i64().expect("time");
    assert!(
        (burst_ms..burst_ms + 600_000).contains(&at),
        "detected at {at}, burst from {burst_ms}"
    );
    assert!(
        ev.iter().all(|e| e["entity"] != "coffee"),
        "steady chatter is no trend: {ev:?}"
    );
    let snapshots = stdout(&o)
        .lines()
        .filter(|l| l.contains("\"snapshot_at\""))
        .count();
    assert!(snapshots >= 6, "{snapshots} snapshots");
    // Records without a text or a time are reported with their line, not dropped.
    let err = stderr(&o);
    assert!(
        err.contains("\"line\":1541") && err.contains("missing field `text`"),
        "{err}"
    );
    assert!(
        err.contains("\"line\":1542") && err.contains("no `created_at` field"),
        "{err}"
    );
    assert!(err.contains("1540 observed, 2 rejected"), "{err}");
}

#[test]
fn raw_tweets_are_tagged_by_the_model_first() {
    let (input, _) = stream("Obama", false);
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/default");
    let args = [
        "trends",
        "--model",
        model,
        "--author-field",
        "user.screen_name",
        "--threads",
        "2",
    ];
    let o = run_stdin(&args, input.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = events(&stdout(&o));
    assert!(
        ev.iter()
            .any(|e| e["entity"].as_str().is_some_and(|s| s.contains("Obama"))),
        "the model finds Obama and the detector its burst: {ev:?}"
    );
}
