//! The detector's parameters, their defaults and their validation.
//!
//! Defaults were tuned on the synthetic stream of `examples/synthetic.rs`
//! with seed 1 only (see the crate docs for why each one is what it is).

use crate::error::TrendError;
use serde::{Deserialize, Serialize};

/// Most time scales a detector may watch.
pub const MAX_SCALES: usize = 8;

/// Every knob of a [`crate::TrendDetector`]. Unknown fields are an error so
/// a typo in a config file cannot silently fall back to a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrendConfig {
    /// Half-lives of the decayed counts, in minutes, ascending; each is one
    /// "window" a burst can fire in.
    pub half_lives_min: Vec<u32>,
    /// The half-life (one of `half_lives_min`) whose count ranks entities for
    /// a place among the heavy hitters.
    pub rank_half_life_min: u32,
    /// The half-life (one of `half_lives_min`) over which co-occurrence is
    /// measured for topic grouping.
    pub topic_half_life_min: u32,
    /// Half-life of the trend score used by [`crate::TrendDetector::top`].
    pub trend_half_life_min: u32,
    /// Half-life of each entity's own baseline (mean and variance of its share
    /// of traffic), in minutes of event time.
    pub baseline_half_life_min: u32,
    /// How often (event-time minutes) baselines are updated.
    pub tick_min: u32,
    /// Minimum z-score of the count against the entity's baseline.
    pub z_threshold: f64,
    /// Maximum Poisson tail probability of the count given the baseline.
    pub max_p_value: f64,
    /// Minimum distinct authors (or distinct tweets where no author is
    /// given) within the firing window.
    pub min_support: usize,
    /// One author counts once per entity within this many minutes.
    pub author_window_min: u32,
    /// No events during the first minutes of the stream, while baselines form.
    pub warmup_min: u32,
    /// An entity fires again only after it stayed calm this many minutes.
    pub cooldown_min: u32,
    /// Input up to this much older than the newest seen is reordered.
    pub lateness_ms: i64,
    /// Most observations held for reordering; beyond, the oldest is applied early.
    pub max_pending: usize,
    /// Entities with exact state (space-saving table size).
    pub heavy_capacity: usize,
    /// Count-min sketch columns.
    pub sketch_width: usize,
    /// Count-min sketch rows.
    pub sketch_depth: usize,
    /// Two bursting entities join one topic when they co-occur in at least
    /// this fraction of the smaller one's tweets.
    pub topic_min_cooccurrence: f64,
    /// Slots of the table that remembers recent tweet ids (duplicate and
    /// retweet removal).
    pub seen_tweet_slots: usize,
    /// Slots of the table that remembers recent (entity, author) pairs.
    pub author_slots: usize,
    /// Entries of the recent-forms index used for alias merging.
    pub alias_capacity: usize,
    /// A long form is "recent" for one to two of these windows (minutes).
    pub alias_window_min: u32,
    /// Types whose names `@handles` may be mapped to.
    pub handle_name_types: Vec<String>,
    /// Entities beyond this many in one tweet are ignored.
    pub max_entities_per_tweet: usize,
}

impl Default for TrendConfig {
    fn default() -> Self {
        TrendConfig {
            half_lives_min: vec![5, 20, 80, 320],
            rank_half_life_min: 80,
            topic_half_life_min: 20,
            trend_half_life_min: 360,
            baseline_half_life_min: 720,
            tick_min: 5,
            z_threshold: 3.5,
            max_p_value: 1e-4,
            min_support: 5,
            author_window_min: 60,
            warmup_min: 60,
            cooldown_min: 60,
            lateness_ms: 60_000,
            max_pending: 1_000_000,
            heavy_capacity: 4096,
            sketch_width: 16_384,
            sketch_depth: 4,
            topic_min_cooccurrence: 0.5,
            seen_tweet_slots: 1 << 18,
            author_slots: 1 << 18,
            alias_capacity: 50_000,
            alias_window_min: 360,
            handle_name_types: [
                "person",
                "per",
                "company",
                "org",
                "organization",
                "organisation",
                "musicartist",
                "sportsteam",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            max_entities_per_tweet: 32,
        }
    }
}

fn check(ok: bool, msg: impl FnOnce() -> String) -> Result<(), TrendError> {
    if ok {
        Ok(())
    } else {
        Err(TrendError::Config(msg()))
    }
}

impl TrendConfig {
    /// Parses a JSON config (missing fields take their defaults) and validates it.
    ///
    /// # Errors
    /// [`TrendError::Json`] for malformed JSON or unknown fields,
    /// [`TrendError::Config`] for values out of range.
    pub fn from_json(s: &str) -> Result<Self, TrendError> {
        let c: TrendConfig = serde_json::from_str(s)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks every field's range.
    ///
    /// # Errors
    /// [`TrendError::Config`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), TrendError> {
        let h = &self.half_lives_min;
        check(!h.is_empty() && h.len() <= MAX_SCALES, || {
            format!(
                "half_lives_min needs 1..={MAX_SCALES} values, got {}",
                h.len()
            )
        })?;
        check(h.iter().all(|&x| x > 0), || {
            "half_lives_min must all be > 0".into()
        })?;
        check(h.windows(2).all(|w| w[0] < w[1]), || {
            "half_lives_min must be strictly ascending".into()
        })?;
        check(h.contains(&self.rank_half_life_min), || {
            format!(
                "rank_half_life_min {} is not one of half_lives_min",
                self.rank_half_life_min
            )
        })?;
        check(h.contains(&self.topic_half_life_min), || {
            format!(
                "topic_half_life_min {} is not one of half_lives_min",
                self.topic_half_life_min
            )
        })?;
        for (name, v) in [
            ("trend_half_life_min", self.trend_half_life_min),
            ("baseline_half_life_min", self.baseline_half_life_min),
            ("tick_min", self.tick_min),
            ("author_window_min", self.author_window_min),
            ("alias_window_min", self.alias_window_min),
        ] {
            check(v > 0, || format!("{name} must be > 0"))?;
        }
        check(
            self.z_threshold.is_finite() && self.z_threshold > 0.0,
            || {
                format!(
                    "z_threshold must be finite and > 0, got {}",
                    self.z_threshold
                )
            },
        )?;
        check(self.max_p_value > 0.0 && self.max_p_value < 1.0, || {
            format!("max_p_value must be in (0, 1), got {}", self.max_p_value)
        })?;
        check((1..=64).contains(&self.min_support), || {
            format!("min_support must be in 1..=64, got {}", self.min_support)
        })?;
        check(self.lateness_ms >= 0, || "lateness_ms must be >= 0".into())?;
        check(self.max_pending >= 1, || "max_pending must be >= 1".into())?;
        check((1..=1 << 22).contains(&self.heavy_capacity), || {
            format!(
                "heavy_capacity must be in 1..=4194304, got {}",
                self.heavy_capacity
            )
        })?;
        check((16..=1 << 24).contains(&self.sketch_width), || {
            format!(
                "sketch_width must be in 16..=16777216, got {}",
                self.sketch_width
            )
        })?;
        check(
            (1..=crate::sketch::MAX_DEPTH).contains(&self.sketch_depth),
            || format!("sketch_depth must be in 1..={}", crate::sketch::MAX_DEPTH),
        )?;
        check(
            self.topic_min_cooccurrence > 0.0 && self.topic_min_cooccurrence <= 1.0,
            || "topic_min_cooccurrence must be in (0, 1]".into(),
        )?;
        for (name, v) in [
            ("seen_tweet_slots", self.seen_tweet_slots),
            ("author_slots", self.author_slots),
        ] {
            check((1..=1 << 26).contains(&v), || {
                format!("{name} must be in 1..=67108864")
            })?;
        }
        check((2..=1 << 24).contains(&self.alias_capacity), || {
            "alias_capacity must be in 2..=16777216".into()
        })?;
        check((1..=1024).contains(&self.max_entities_per_tweet), || {
            "max_entities_per_tweet must be in 1..=1024".into()
        })?;
        Ok(())
    }

    /// Index of a half-life in `half_lives_min` (validated to exist).
    pub(crate) fn lane_of(&self, half_life_min: u32) -> usize {
        self.half_lives_min
            .iter()
            .position(|&h| h == half_life_min)
            .unwrap_or(0)
    }
}

/// "20m", "2h", "1h20m": how a window is named in events.
pub fn window_label(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_roundtrip() {
        let c = TrendConfig::default();
        c.validate().unwrap();
        let back = TrendConfig::from_json(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        assert_eq!(TrendConfig::from_json("{}").unwrap(), c);
    }

    #[test]
    fn bad_values_are_rejected_with_the_field_named() {
        let err = |json: &str| TrendConfig::from_json(json).unwrap_err().to_string();
        assert!(err(r#"{"half_lives_min": [20, 5]}"#).contains("ascending"));
        assert!(err(r#"{"half_lives_min": []}"#).contains("half_lives_min"));
        assert!(err(r#"{"rank_half_life_min": 7}"#).contains("rank_half_life_min"));
        assert!(err(r#"{"max_p_value": 1.5}"#).contains("max_p_value"));
        assert!(err(r#"{"min_support": 0}"#).contains("min_support"));
        assert!(err(r#"{"lateness_ms": -1}"#).contains("lateness_ms"));
        assert!(err(r#"{"heavy_capacity": 0}"#).contains("heavy_capacity"));
        assert!(err(r#"{"z_treshold": 3}"#).contains("unknown field"));
    }

    #[test]
    fn windows_are_labelled_readably() {
        assert_eq!(window_label(20), "20m");
        assert_eq!(window_label(120), "2h");
        assert_eq!(window_label(320), "5h20m");
    }
}
