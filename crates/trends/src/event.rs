//! What goes in (one tagged tweet) and what comes out (events, snapshots,
//! counters).

use serde::{Deserialize, Serialize};

/// One tagged tweet, as the detector sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TweetObservation {
    /// Event time: milliseconds since the Unix epoch, from the tweet itself.
    pub time_ms: i64,
    /// Tweet id (duplicates are counted once).
    pub id: String,
    /// Author id or handle; `None` counts every tweet as its own author.
    pub author: Option<String>,
    /// Whether this is a retweet (the caller decides: a flag, an `RT @` prefix).
    pub is_retweet: bool,
    /// The retweeted tweet's id: a retweet and its original count once. A
    /// retweet without it cannot be matched and is not counted.
    pub original_id: Option<String>,
    /// (text, type) of each entity the tagger found.
    pub entities: Vec<(String, String)>,
}

/// A group of entities that burst together in the same tweets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// Topic id, unique within one detector's lifetime (checkpoints included).
    pub id: u64,
    /// Display forms of the bursting members, the entity that fired included.
    pub entities: Vec<String>,
}

/// One entity starting to burst.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendEvent {
    /// Canonical display form ("Justin Bieber").
    pub entity: String,
    /// Entity type (normalised to lower case).
    #[serde(rename = "type")]
    pub ty: String,
    /// Surface forms seen for this entity, most frequent first.
    pub variants: Vec<String>,
    /// The topic the entity joined or started.
    pub topic: Topic,
    /// Event time of the tweet that made it fire (ms).
    pub detected_at: i64,
    /// The time scale that fired ("20m": the half-life of its decayed count).
    pub window: String,
    /// Decayed distinct-author count in that window.
    pub count: f64,
    /// What the baseline expected in that window.
    pub baseline: f64,
    /// Burst strength: excess over the baseline in Poisson standard deviations.
    pub score: f64,
    /// Up to five ids of recent tweets that mention it.
    pub sample_ids: Vec<String>,
}

/// Decayed count and expectation of one entity in one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowCount {
    /// Window label ("5m", "20m", …).
    pub window: String,
    /// Decayed distinct-author count.
    pub count: f64,
    /// What its baseline expects.
    pub baseline: f64,
}

/// One entry of [`crate::TrendDetector::top`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendSnapshot {
    /// Canonical display form.
    pub entity: String,
    /// Entity type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Surface forms, most frequent first.
    pub variants: Vec<String>,
    /// Trend score: the burst peak, decaying with the trend half-life.
    pub score: f64,
    /// Whether it is bursting now.
    pub bursting: bool,
    /// When it last started bursting (ms).
    pub last_burst_at: Option<i64>,
    /// Its topic while bursting.
    pub topic: Option<u64>,
    /// Counts per window.
    pub counts: Vec<WindowCount>,
}

/// Counters of what happened to the input. Nothing is dropped silently.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectorStats {
    /// Observations handed to `observe`.
    pub tweets_in: u64,
    /// Observations applied to the counts (after reordering).
    pub tweets_applied: u64,
    /// Observations older than the watermark: dropped.
    pub late_dropped: u64,
    /// Applied early because the reorder buffer was full.
    pub forced_releases: u64,
    /// Tweets whose id was already seen.
    pub duplicates: u64,
    /// Retweets whose original was already counted.
    pub retweets_merged: u64,
    /// Retweets without an original id (not counted).
    pub retweets_unmatched: u64,
    /// Entity mentions counted.
    pub mentions_counted: u64,
    /// Mentions not counted because the author already counted for the entity.
    pub author_repeats: u64,
    /// Mentions dropped: nothing word-like left, or beyond the per-tweet cap.
    pub mentions_dropped: u64,
    /// Heavy-hitter evictions.
    pub evictions: u64,
    /// Events emitted.
    pub events: u64,
    /// Observations waiting in the reorder buffer.
    pub pending: u64,
    /// Newest event time seen (ms).
    pub max_time_ms: Option<i64>,
    /// Estimated bytes of state.
    pub memory_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_the_documented_field_names() {
        let e = TrendEvent {
            entity: "Justin Bieber".into(),
            ty: "person".into(),
            variants: vec!["Bieber".into()],
            topic: Topic {
                id: 3,
                entities: vec!["Justin Bieber".into()],
            },
            detected_at: 1,
            window: "20m".into(),
            count: 9.0,
            baseline: 0.5,
            score: 8.0,
            sample_ids: vec!["t1".into()],
        };
        let v = serde_json::to_value(&e).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        let want = [
            "baseline",
            "count",
            "detected_at",
            "entity",
            "sample_ids",
            "score",
            "topic",
            "type",
            "variants",
            "window",
        ];
        assert_eq!(keys, want);
        assert_eq!(v["topic"]["entities"][0], "Justin Bieber");
    }
}
