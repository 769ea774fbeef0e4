//! Scoring a detector's events against a [`crate::synth`] stream's bursts.
//!
//! An event on an injected entity between its burst's start and ten minutes
//! after its end detects that burst; every other event after the quiet
//! period is a false alert (a second event for a burst already detected is
//! counted apart, as a repeat). Delay is the event time of the tweet that
//! fired minus the burst's start; the emitted delay adds the wait for the
//! watermark (the lateness).

use crate::event::TrendEvent;
use crate::normalize::normalize;
use crate::synth::SynthStream;
use crate::{TrendConfig, TrendDetector, TrendError};
use std::time::{Duration, Instant};

const GRACE_MS: i64 = 600_000;

/// An event and the event time of the input whose arrival released it.
#[derive(Debug, Clone)]
pub struct Detection {
    /// The event.
    pub event: TrendEvent,
    /// Newest event time seen when it came out.
    pub emitted_at_ms: i64,
}

/// Results for one burst size.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeRow {
    /// Mentions per hour.
    pub per_hour: u32,
    /// Bursts of new entities injected / detected.
    pub new_total: usize,
    /// Detected among them.
    pub new_detected: usize,
    /// Bursts of known entities injected.
    pub known_total: usize,
    /// Detected among them.
    pub known_detected: usize,
    /// Median detection delay over detected bursts (ms).
    pub median_delay_ms: Option<i64>,
    /// Median delay until the event was emitted (ms).
    pub median_emitted_ms: Option<i64>,
}

impl SizeRow {
    /// Recall over both kinds.
    pub fn recall(&self) -> f64 {
        let total = self.new_total + self.known_total;
        if total == 0 {
            return 0.0;
        }
        (self.new_detected + self.known_detected) as f64 / total as f64
    }
}

/// Everything measured on one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// One row per burst size, ascending.
    pub rows: Vec<SizeRow>,
    /// Events that match no burst.
    pub false_alerts: usize,
    /// Hours over which false alerts were counted.
    pub scored_hours: f64,
    /// Second events for an already detected burst.
    pub repeats: usize,
    /// Companion bursts detected along with their main burst.
    pub pairs_detected: usize,
    /// Of those, how many share the main burst's topic.
    pub pairs_grouped: usize,
    /// Distinct false-alert entities, for inspection.
    pub false_alert_examples: Vec<String>,
}

impl Report {
    /// False alerts per scored hour.
    pub fn false_alerts_per_hour(&self) -> f64 {
        self.false_alerts as f64 / self.scored_hours.max(1e-9)
    }
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

/// Scores `detections` against `stream`'s bursts.
pub fn score(stream: &SynthStream, detections: &[Detection]) -> Report {
    let mut hit: Vec<Option<(i64, i64, u64)>> = vec![None; stream.bursts.len()];
    let (mut false_alerts, mut repeats) = (0, 0);
    let mut examples = Vec::new();
    for d in detections {
        let key = normalize(&d.event.entity)
            .map(|s| s.key)
            .unwrap_or_default();
        let t = d.event.detected_at;
        let matched = stream
            .bursts
            .iter()
            .position(|b| b.key == key && t >= b.start_ms && t <= b.end_ms + GRACE_MS);
        match matched {
            Some(i) if hit[i].is_none() => {
                hit[i] = Some((
                    t - stream.bursts[i].start_ms,
                    d.emitted_at_ms - stream.bursts[i].start_ms,
                    d.event.topic.id,
                ));
            }
            Some(_) => repeats += 1,
            None if t >= stream.quiet_until_ms => {
                false_alerts += 1;
                if examples.len() < 20 {
                    examples.push(format!(
                        "{} ({}, {})",
                        d.event.entity, d.event.ty, d.event.window
                    ));
                }
            }
            None => {}
        }
    }
    let mut sizes: Vec<u32> = stream
        .bursts
        .iter()
        .filter(|b| b.companion_of.is_none())
        .map(|b| b.per_hour)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let rows = sizes
        .into_iter()
        .map(|size| {
            let of = |known: bool| {
                stream.bursts.iter().enumerate().filter(move |(_, b)| {
                    b.per_hour == size && b.known == known && b.companion_of.is_none()
                })
            };
            let count = |known: bool| {
                (
                    of(known).count(),
                    of(known).filter(|(i, _)| hit[*i].is_some()).count(),
                )
            };
            let (new_total, new_detected) = count(false);
            let (known_total, known_detected) = count(true);
            let delays: Vec<(i64, i64)> = of(false)
                .chain(of(true))
                .filter_map(|(i, _)| hit[i].map(|(d, e, _)| (d, e)))
                .collect();
            SizeRow {
                per_hour: size,
                new_total,
                new_detected,
                known_total,
                known_detected,
                median_delay_ms: median(delays.iter().map(|d| d.0).collect()),
                median_emitted_ms: median(delays.iter().map(|d| d.1).collect()),
            }
        })
        .collect();
    let (mut pairs_detected, mut pairs_grouped) = (0, 0);
    for (i, b) in stream.bursts.iter().enumerate() {
        if let (Some(main), Some((_, _, topic))) = (b.companion_of, hit[i]) {
            if let Some((_, _, main_topic)) = hit[main] {
                pairs_detected += 1;
                pairs_grouped += usize::from(topic == main_topic);
            }
        }
    }
    Report {
        rows,
        false_alerts,
        scored_hours: (stream.end_ms - stream.quiet_until_ms) as f64 / 3_600_000.0,
        repeats,
        pairs_detected,
        pairs_grouped,
        false_alert_examples: examples,
    }
}

/// Runs a fresh detector with `config` over `stream`; returns its events and
/// the time spent inside the detector.
///
/// # Errors
/// [`TrendError::Config`] if `config` does not validate.
pub fn run(
    stream: &SynthStream,
    config: TrendConfig,
) -> Result<(Vec<Detection>, Duration, TrendDetector), TrendError> {
    let mut det = TrendDetector::new(config)?;
    let mut out = Vec::new();
    let input = stream.tweets.clone();
    let started = Instant::now();
    for o in input {
        let t = o.time_ms;
        let evs = det.observe(o);
        let at = det.max_time_ms().unwrap_or(t);
        out.extend(evs.into_iter().map(|event| Detection {
            event,
            emitted_at_ms: at,
        }));
    }
    let end = stream.end_ms;
    out.extend(det.flush().into_iter().map(|event| Detection {
        event,
        emitted_at_ms: end,
    }));
    Ok((out, started.elapsed(), det))
}
