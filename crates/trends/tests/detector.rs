//! The detector's contract: support, retweets, authors, aliases, topics,
//! odd input.

mod common;

use common::*;
use tweetner_core::{Annotation, Entity};
use tweetner_trends::{TrendConfig, TrendDetector, TrendError, TweetObservation};

fn warmed() -> TrendDetector {
    let mut det = TrendDetector::new(quick_config()).unwrap();
    let ev = background(&mut det, T0, 120, 1);
    assert!(ev.is_empty(), "quiet background fired: {ev:?}");
    det
}

const START: i64 = T0 + 120 * MIN;

#[test]
fn min_support_holds_back_four_authors_and_lets_five_through() {
    let mut det = warmed();
    let ev = burst(&mut det, START, 2, 4, &[("Zorblat Quux", "person")], "a");
    assert!(ev.is_empty(), "{ev:?}");
    let ev = burst(
        &mut det,
        START + 2 * MIN,
        1,
        1,
        &[("Zorblat Quux", "person")],
        "b",
    );
    assert_eq!(ev.len(), 1, "{ev:?}");
    let e = &ev[0];
    assert_eq!(e.entity, "Zorblat Quux");
    assert_eq!(e.ty, "person");
    assert_eq!(e.sample_ids.len(), 5);
    assert!(e.count > e.baseline && e.score > 0.0);
    // It does not fire again while the burst is on.
    assert!(burst(
        &mut det,
        START + 3 * MIN,
        5,
        20,
        &[("Zorblat Quux", "person")],
        "c"
    )
    .is_empty());
    assert_eq!(det.top(5, None)[0].entity, "Zorblat Quux");
    assert_eq!(det.top(5, Some("PERSON")).len(), 1);
    assert!(det.top(5, Some("geo-loc")).is_empty());
}

#[test]
fn busiest_lists_mentioned_entities_whether_or_not_they_burst() {
    let det = warmed();
    // Nothing has burst in the quiet background, yet the busiest list is full,
    // ranked by count, and of one type when asked.
    assert!(det.top(5, None).is_empty());
    let busy = det.busiest(5, None);
    assert_eq!(busy.len(), 5);
    let window = det.rank_window().to_string();
    let count = |s: &tweetner_trends::TrendSnapshot| {
        s.counts.iter().find(|c| c.window == window).unwrap().count
    };
    assert!(busy.windows(2).all(|w| count(&w[0]) >= count(&w[1])));
    assert!(busy.iter().all(|s| !s.bursting && count(s) > 0.0));
    let ty = busy[0].ty.clone();
    assert!(det.busiest(50, Some(&ty)).iter().all(|s| s.ty == ty));
    assert!(det.busiest(5, Some("no-such-type")).is_empty());
    assert_eq!(det.as_of_ms(), det.max_time_ms());
}

#[test]
fn one_author_counts_once_per_window() {
    let mut det = warmed();
    let before = det.stats().author_repeats;
    for i in 0..30 {
        let o = obs(
            START + i * 10_000,
            &format!("s{i}"),
            Some("spammer"),
            &[("Zorblat Quux", "person")],
        );
        assert!(det.observe(o).is_empty());
    }
    assert!(det.flush().is_empty());
    assert_eq!(det.stats().author_repeats - before, 29);
    // Without authors every tweet counts as its own.
    let mut det = warmed();
    let mut fired = 0;
    for i in 0..30 {
        let o = obs(
            START + i * 10_000,
            &format!("s{i}"),
            None,
            &[("Zorblat Quux", "person")],
        );
        fired += det.observe(o).len();
    }
    fired += det.flush().len();
    assert_eq!(fired, 1);
}

#[test]
fn retweets_count_once_with_their_original() {
    let mut det = warmed();
    let mut original = obs(START, "orig", Some("alice"), &[("Zorblat Quux", "person")]);
    assert!(det.observe(original.clone()).is_empty());
    for i in 0..30 {
        let mut rt = obs(
            START + i * 5_000 + 1,
            &format!("rt{i}"),
            Some(&format!("fan{i}")),
            &[("Zorblat Quux", "person")],
        );
        rt.is_retweet = true;
        rt.original_id = Some("orig".into());
        assert!(det.observe(rt).is_empty());
    }
    // Unmatched retweets are not counted either; a duplicate id is dropped.
    let mut lone = obs(
        START + 200_000,
        "rtx",
        Some("bob"),
        &[("Zorblat Quux", "person")],
    );
    lone.is_retweet = true;
    assert!(det.observe(lone).is_empty());
    original.time_ms = START + 201_000;
    assert!(det.observe(original).is_empty());
    assert!(det.flush().is_empty());
    let st = det.stats();
    assert_eq!(
        (st.retweets_merged, st.retweets_unmatched, st.duplicates),
        (30, 1, 1)
    );
}

#[test]
fn surface_variants_merge_into_one_entity() {
    let mut det = warmed();
    let forms = [
        ("Justin Bieber", "person"),
        ("#JustinBieber", "person"),
        ("Bieber", "person"),
        ("justin bieber's", "person"),
        ("@justinbieber", "other"),
        ("#justinbieber", "person"),
    ];
    let mut events = Vec::new();
    // Teach the handle first: a tweet with both forms.
    events.extend(det.observe(obs(
        START,
        "h",
        Some("x"),
        &[("@justinbieber", "other"), ("Justin Bieber", "person")],
    )));
    for i in 0..12 {
        let f = forms[i % forms.len()];
        events.extend(det.observe(obs(
            START + 1_000 + i as i64 * 5_000,
            &format!("v{i}"),
            Some(&format!("u{i}")),
            &[f],
        )));
    }
    events.extend(det.flush());
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e.entity, "Justin Bieber");
    assert!(e.variants.len() >= 3, "{:?}", e.variants);
    let now = &det.top(1, None)[0];
    assert_eq!(now.entity, "Justin Bieber");
    for v in [
        "Justin Bieber",
        "#JustinBieber",
        "Bieber",
        "@justinbieber",
        "#justinbieber",
        "justin bieber's",
    ] {
        assert!(
            now.variants.iter().any(|x| x == v),
            "{v} missing from {:?}",
            now.variants
        );
    }
}

#[test]
fn entities_bursting_in_the_same_tweets_share_a_topic() {
    let mut det = warmed();
    let pair = [("Zorblat Quux", "person"), ("Quuxville", "geo-loc")];
    let mut events = burst(&mut det, START, 3, 10, &pair, "p");
    // An unrelated burst at the same time gets its own topic.
    events.extend(burst(
        &mut det,
        START + 4 * MIN,
        3,
        10,
        &[("Fizzbuzz Corp", "company")],
        "q",
    ));
    assert_eq!(events.len(), 3, "{events:?}");
    let by = |name: &str| events.iter().find(|e| e.entity == name).unwrap();
    let (a, b, c) = (by("Zorblat Quux"), by("Quuxville"), by("Fizzbuzz Corp"));
    assert_eq!(a.topic.id, b.topic.id);
    assert_ne!(a.topic.id, c.topic.id);
    // Whichever fired second sees both members.
    let second = events
        .iter()
        .filter(|e| e.topic.id == a.topic.id)
        .nth(1)
        .unwrap();
    assert_eq!(second.topic.entities.len(), 2, "{:?}", second.topic);
    assert_eq!(c.topic.entities, ["Fizzbuzz Corp"]);
}

#[test]
fn warm_up_and_cooldown_gate_events() {
    let mut det = TrendDetector::new(TrendConfig {
        warmup_min: 60,
        ..quick_config()
    })
    .unwrap();
    // A burst inside the warm-up is not reported...
    let mut ev = background(&mut det, T0, 30, 2);
    ev.extend(burst(
        &mut det,
        T0 + 30 * MIN,
        5,
        20,
        &[("Early Bird", "person")],
        "e",
    ));
    ev.extend(background(&mut det, T0 + 35 * MIN, 120, 3));
    assert!(ev.is_empty(), "{ev:?}");
    // ...one after it is, once, however long it goes on...
    let at = T0 + 155 * MIN;
    let ev = burst(&mut det, at, 30, 40, &[("Late Owl", "person")], "f");
    assert_eq!(ev.len(), 1, "{ev:?}");
    // ...and after staying calm for the cooldown it can fire again.
    background(&mut det, at + 30 * MIN, 180, 4);
    let ev = burst(
        &mut det,
        at + 210 * MIN,
        10,
        60,
        &[("Late Owl", "person")],
        "g",
    );
    assert_eq!(ev.len(), 1, "{ev:?}");
}

#[test]
fn odd_input_never_panics_and_is_accounted_for() {
    let mut det = warmed();
    let weird = [
        obs(START, "e0", None, &[]),
        obs(
            START,
            "e1",
            Some(""),
            &[("", ""), ("!!!", "person"), ("   ", "x")],
        ),
        obs(
            START,
            "e2",
            None,
            &[
                (&"x".repeat(10_000), "person"),
                ("#", "other"),
                ("@", "other"),
            ],
        ),
        obs(START, "", None, &[("Ünïcödé Nämé", "PERSON")]),
    ];
    for o in weird {
        det.observe(o);
    }
    // Far in the future, then back at the start (late), then extreme times.
    det.observe(obs(
        i64::MAX / 2,
        "future",
        None,
        &[("Zorblat Quux", "person")],
    ));
    det.observe(obs(START, "past", None, &[("Zorblat Quux", "person")]));
    det.observe(obs(i64::MIN, "min", None, &[]));
    det.observe(obs(i64::MAX, "max", None, &[("Zorblat Quux", "person")]));
    det.flush();
    let st = det.stats();
    assert_eq!(st.late_dropped, 2);
    assert_eq!(st.tweets_in, st.tweets_applied + st.late_dropped);
    assert!(st.mentions_dropped >= 5);
    for s in det.top(100, None) {
        assert!(s.score.is_finite());
        assert!(s
            .counts
            .iter()
            .all(|c| c.count.is_finite() && c.baseline.is_finite()));
    }
    // The state stays serialisable (no NaN or infinity inside).
    TrendDetector::restore(&det.checkpoint().unwrap()).unwrap();
}

#[test]
fn annotations_feed_the_detector() {
    let mut det = warmed();
    let entity = |text: &str| Entity {
        text: text.into(),
        ty: "person".into(),
        start: 0,
        end: text.chars().count(),
        byte_start: 0,
        byte_end: text.len(),
        utf16_start: 0,
        utf16_end: text.encode_utf16().count(),
        score: 0.9,
    };
    let ann = Annotation {
        tokens: vec![],
        tags: vec![],
        token_scores: vec![],
        entities: vec![entity("Zorblat Quux")],
    };
    let mut n = 0;
    for i in 0..10 {
        let id = format!("a{i}");
        let author = format!("u{i}");
        n += det
            .observe_annotation(START + i * 10_000, &id, Some(&author), false, None, &ann)
            .len();
    }
    n += det.flush().len();
    assert_eq!(n, 1);
}

#[test]
fn bad_configs_and_checkpoints_are_errors() {
    let bad = TrendConfig {
        half_lives_min: vec![],
        ..TrendConfig::default()
    };
    assert!(matches!(
        TrendDetector::new(bad),
        Err(TrendError::Config(_))
    ));
    assert!(matches!(
        TrendDetector::restore("{"),
        Err(TrendError::Json(_))
    ));
    let det = TrendDetector::new(TrendConfig {
        sketch_width: 64,
        ..TrendConfig::default()
    })
    .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&det.checkpoint().unwrap()).unwrap();
    v["config"]["sketch_width"] = 128.into();
    assert!(matches!(
        TrendDetector::restore(&v.to_string()),
        Err(TrendError::Checkpoint(_))
    ));
    let _: TweetObservation = serde_json::from_str(
        r#"{"time_ms":1,"id":"x","author":null,"is_retweet":false,"original_id":null,"entities":[["a","b"]]}"#,
    )
    .unwrap();
}
