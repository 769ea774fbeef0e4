//! The `[trends]` table of the server's settings.

use serde::{Deserialize, Serialize};
use tweetner_trends::TrendConfig;

use crate::error::ServeError;

/// How the server turns what it tags into trends. Every field has a
/// default; unknown keys are rejected like the rest of the settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrendsConfig {
    /// Run the trend detector at all. Off, `/v1/trends*` answer 404
    /// `trends_disabled` and tagging pays nothing for it.
    pub enabled: bool,
    /// Feed every text `/v1/tag` tags into the detector, timed by the clock
    /// at arrival (they carry no timestamp of their own). Off, only
    /// `/v1/trends/ingest` feeds it.
    pub from_tag: bool,
    /// Tagged tweets kept for "the tweets behind a trend" (a ring: the oldest go).
    pub recent_tweets: usize,
    /// Trend events kept for the timeline `/v1/trends` returns.
    pub recent_events: usize,
    /// Points in each sparkline (one per `history_every_min` of event time).
    pub history_points: usize,
    /// Event-time minutes between two sparkline points.
    pub history_every_min: u32,
    /// Entities whose counts each sparkline point records (the busiest and
    /// the trending ones); others show a flat line until they get there.
    pub history_entities: usize,
    /// Most clients following `/v1/trends/events` at once (503 beyond), so
    /// idle event streams cannot take every connection.
    pub max_event_streams: usize,
    /// The detector's own settings (time scales, thresholds, memory).
    pub detector: TrendConfig,
}

impl Default for TrendsConfig {
    fn default() -> Self {
        TrendsConfig {
            enabled: true,
            from_tag: true,
            recent_tweets: 5_000,
            recent_events: 200,
            history_points: 48,
            history_every_min: 5,
            history_entities: 200,
            max_event_streams: 64,
            detector: TrendConfig::default(),
        }
    }
}

/// Accepted range of each numeric `[trends]` setting.
const RANGES: [(&str, std::ops::RangeInclusive<u64>); 6] = [
    ("recent_tweets", 0..=1 << 20),
    ("recent_events", 0..=1 << 16),
    ("history_points", 1..=10_000),
    ("history_every_min", 1..=24 * 60),
    ("history_entities", 1..=1 << 16),
    ("max_event_streams", 0..=1 << 16),
];

impl TrendsConfig {
    /// Refuse values that would exhaust memory or make the feature useless.
    pub fn validate(&self) -> Result<(), ServeError> {
        let values = [
            self.recent_tweets as u64,
            self.recent_events as u64,
            self.history_points as u64,
            u64::from(self.history_every_min),
            self.history_entities as u64,
            self.max_event_streams as u64,
        ];
        for ((name, range), value) in RANGES.iter().zip(values) {
            if !range.contains(&value) {
                return Err(ServeError::Config {
                    path: None,
                    message: format!(
                        "`trends.{name}` must be in {}..={} (got {value})",
                        range.start(),
                        range.end()
                    ),
                });
            }
        }
        self.detector.validate().map_err(|e| ServeError::Config {
            path: None,
            message: format!("`trends.detector`: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bounds_name_the_key() {
        TrendsConfig::default().validate().unwrap();
        let cfg = TrendsConfig {
            history_points: 0,
            ..TrendsConfig::default()
        };
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("trends.history_points"), "{err}");
        let mut cfg = TrendsConfig::default();
        cfg.detector.half_lives_min.clear();
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("trends.detector"), "{err}");
    }
}
