//! Helpers shared by the integration tests.
#![allow(dead_code)]

use tweetner_core::rng::SplitMix64;
use tweetner_trends::{TrendConfig, TrendDetector, TrendEvent, TweetObservation};

pub const MIN: i64 = 60_000;
pub const T0: i64 = 1_700_000_000_000;

pub fn obs(t: i64, id: &str, author: Option<&str>, entities: &[(&str, &str)]) -> TweetObservation {
    TweetObservation {
        time_ms: t,
        id: id.to_string(),
        author: author.map(str::to_string),
        is_retweet: false,
        original_id: None,
        entities: entities
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    }
}

/// A config whose warm-up ends after half an hour, for short tests. With
/// no lateness the newest observation is still held (release needs the
/// watermark to pass it), so the helpers flush after each call.
pub fn quick_config() -> TrendConfig {
    TrendConfig {
        warmup_min: 30,
        lateness_ms: 0,
        ..TrendConfig::default()
    }
}

/// Two hours of quiet background: a tweet every 2 s naming one of 200
/// entities (the first ones much more often), from many authors.
pub fn background(det: &mut TrendDetector, from: i64, minutes: i64, seed: u64) -> Vec<TrendEvent> {
    let mut r = SplitMix64::new(seed);
    let mut events = Vec::new();
    let mut t = from;
    let mut n = 0u64;
    while t < from + minutes * MIN {
        let e = (200f64.powf(r.unit())) as usize;
        let name = format!("Background Thing{e}");
        let author = format!("bg{}", r.below(100_000));
        n += 1;
        let id = format!("bg{seed}-{n}");
        events.extend(det.observe(obs(t, &id, Some(&author), &[(&name, "other")])));
        t += 2_000;
    }
    events.extend(det.flush());
    events
}

/// `n` mentions of `entities` from distinct authors, evenly over `minutes` starting at `from`.
pub fn burst(
    det: &mut TrendDetector,
    from: i64,
    minutes: i64,
    n: usize,
    entities: &[(&str, &str)],
    tag: &str,
) -> Vec<TrendEvent> {
    let mut events = Vec::new();
    for i in 0..n {
        let t = from + (minutes * MIN) * i as i64 / n as i64;
        let id = format!("{tag}-{i}");
        let author = format!("{tag}-author{i}");
        events.extend(det.observe(obs(t, &id, Some(&author), entities)));
    }
    events.extend(det.flush());
    events
}
