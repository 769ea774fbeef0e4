//! Streaming guarantees: reordering, lateness, checkpoints, bounded memory.

mod common;

use common::*;
use tweetner_core::rng::SplitMix64;
use tweetner_trends::synth::{generate, SynthConfig, SynthStream};
use tweetner_trends::{DetectorStats, TrendConfig, TrendDetector, TrendEvent, TweetObservation};

fn small_stream(seed: u64) -> SynthStream {
    generate(&SynthConfig {
        seed,
        hours: 10,
        quiet_hours: 2,
        vocabulary: 3_000,
        burst_sizes: vec![30, 300],
        bursts_per_size: 2,
        ..SynthConfig::default()
    })
}

fn run_all(
    det: &mut TrendDetector,
    input: impl IntoIterator<Item = TweetObservation>,
) -> Vec<TrendEvent> {
    let mut out: Vec<TrendEvent> = input.into_iter().flat_map(|o| det.observe(o)).collect();
    out.extend(det.flush());
    out
}

#[test]
fn reordered_input_gives_the_events_of_ordered_input() {
    let stream = small_stream(11);
    let mut ordered = stream.tweets.clone();
    ordered.sort_by(|a, b| (a.time_ms, &a.id).cmp(&(b.time_ms, &b.id)));
    // Shuffle within 50 s (the lateness is 60 s).
    let mut r = SplitMix64::new(5);
    let mut jittered: Vec<(i64, TweetObservation)> = ordered
        .iter()
        .map(|o| (o.time_ms + r.below(50_000) as i64, o.clone()))
        .collect();
    jittered.sort_by_key(|(arrival, _)| *arrival);
    let shuffled: Vec<TweetObservation> = jittered.into_iter().map(|(_, o)| o).collect();
    assert_ne!(shuffled, ordered);

    let config = TrendConfig::default();
    let mut a = TrendDetector::new(config.clone()).unwrap();
    let mut b = TrendDetector::new(config).unwrap();
    let ea = run_all(&mut a, ordered);
    let eb = run_all(&mut b, shuffled);
    assert!(ea.len() >= 4, "the stream has bursts: {}", ea.len());
    assert_eq!(ea, eb);
    assert_eq!(b.stats().late_dropped, 0);
    assert_eq!(a.top(20, None), b.top(20, None));

    // Beyond the lateness: counted and dropped, whatever the jump.
    let newest = b.stats().max_time_ms.unwrap();
    b.observe(obs(newest + 1_000_000, "new", None, &[]));
    b.observe(obs(newest, "late", None, &[("X", "person")]));
    b.observe(obs(i64::MIN, "ancient", None, &[]));
    assert_eq!(b.stats().late_dropped, 2);
}

#[test]
fn a_restored_detector_continues_exactly_like_the_original() {
    let stream = small_stream(12);
    let (first, second) = stream.tweets.split_at(stream.tweets.len() / 2);
    let mut original = TrendDetector::new(TrendConfig::default()).unwrap();
    let mut before: Vec<TrendEvent> = first
        .iter()
        .flat_map(|o| original.observe(o.clone()))
        .collect();
    let saved = original.checkpoint().unwrap();
    let mut restored = TrendDetector::restore(&saved).unwrap();
    // Buffer capacities (hence the memory estimate) may differ; nothing else.
    let stats = |d: &TrendDetector| DetectorStats {
        memory_bytes: 0,
        ..d.stats()
    };
    assert_eq!(stats(&original), stats(&restored));
    assert_eq!(original.top(50, None), restored.top(50, None));
    let a = run_all(&mut original, second.iter().cloned());
    let b = run_all(&mut restored, second.iter().cloned());
    before.extend(a.iter().cloned());
    assert!(
        before.len() >= 4 && !a.is_empty(),
        "events on both sides of the checkpoint"
    );
    assert_eq!(a, b);
    assert_eq!(stats(&original), stats(&restored));
    assert_eq!(original.top(50, None), restored.top(50, None));
    // Topic ids keep counting after a restore.
    let ids: std::collections::HashSet<u64> = before.iter().map(|e| e.topic.id).collect();
    assert!(ids.len() >= 2);
}

/// The slow one (~20 s in the test profile on a busy 2-core machine): 10 M
/// distinct entities.
#[test]
fn memory_stays_bounded_under_ten_million_distinct_entities() {
    let config = TrendConfig {
        heavy_capacity: 1024,
        sketch_width: 4096,
        alias_capacity: 20_000,
        seen_tweet_slots: 1 << 16,
        author_slots: 1 << 16,
        ..TrendConfig::default()
    };
    let mut det = TrendDetector::new(config).unwrap();
    let per_tweet = 8;
    let tweets = 10_000_000 / per_tweet;
    let mut samples = Vec::new();
    let mut names: Vec<String> = vec![String::new(); per_tweet];
    for i in 0..tweets {
        for (j, n) in names.iter_mut().enumerate() {
            n.clear();
            let k = i * per_tweet + j;
            // One name in eight has two tokens, so the alias index fills too.
            use std::fmt::Write;
            let _ = match j {
                0 => write!(n, "ent{k} fam{}", k % 9973),
                _ => write!(n, "ent{k}"),
            };
        }
        let o = TweetObservation {
            time_ms: T0 + i as i64 * 40, // 25 tweets/s of event time
            id: format!("m{i}"),
            author: None,
            is_retweet: false,
            original_id: None,
            entities: names
                .iter()
                .map(|n| (n.clone(), "person".to_string()))
                .collect(),
        };
        det.observe(o);
        if (i + 1) % (tweets / 10) == 0 {
            samples.push(det.memory_bytes());
        }
    }
    det.flush();
    let st = det.stats();
    assert_eq!(st.mentions_counted, 10_000_000);
    let bound = 24 << 20;
    assert!(samples.iter().all(|&m| m < bound), "{samples:?}");
    // After the table filled up, memory does not grow with more entities.
    let (early, late) = (samples[1], samples[9]);
    assert!(late as f64 <= early as f64 * 1.05, "{samples:?}");
}
