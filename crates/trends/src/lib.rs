//! Streaming entity trends: tagged tweets in, burst events and ranked
//! trends out, in event time and in memory fixed by the configuration.
//!
//! Hashtags are missing or wrong on most tweets; the entities tweetner
//! finds are a better unit for "what is this stream talking about". This
//! crate turns `(time, id, author, retweet?, entities)` into
//! [`TrendEvent`]s the moment an entity starts to burst, and ranks what is
//! trending now ([`TrendDetector::top`]).
//!
//! # One tweet, step by step
//!
//! 1. **Event time.** Input carries its own millisecond timestamps. A
//!    [`reorder`] buffer holds each tweet until the watermark (newest time
//!    minus `lateness_ms`, default 60 s) passes it and releases tweets in
//!    `(time, id)` order, so input shuffled within the lateness gives exactly
//!    the events of sorted input. Older input is counted in
//!    [`DetectorStats::late_dropped`], never a panic.
//! 2. **Once per tweet, once per author.** A retweet counts as its original
//!    (the caller says `is_retweet` and gives the original id; a retweet
//!    without one cannot be matched and is not counted), duplicate ids are
//!    dropped, and one author counts once per entity per `author_window_min`
//!    (60 min), so one account cannot make a trend. Both memories are
//!    fixed-size [`dedupe`] tables.
//! 3. **One key per entity.** [`normalize`] folds case, strips `#`/`@`,
//!    splits CamelCase hashtags and trims punctuation; [`alias`] merges
//!    "Bieber", "#justinbieber" and a learned `@justinbieber` into the one
//!    recent long form "justin bieber" of the same type. A short form that is
//!    itself better established than its long form stays itself.
//! 4. **Counting in bounded memory.** Every mention goes into a count-min
//!    [`sketch`] (never underestimates); the [`heavy`] hitters (space-saving,
//!    `heavy_capacity` entries) hold exact state, and an entity climbing into
//!    the table starts from its sketch estimate, so its history is not lost.
//!    Counts are exponentially decayed at several half-lives at once (5, 20,
//!    80, 320 min by default, McMinn & Jose's range of windows) with forward
//!    [`decay`]: one multiply per counter, no per-counter `exp`.
//! 5. **Is it a burst?** Every `tick_min` (5 min) each tracked entity's
//!    share of all traffic in each window updates an exponentially weighted
//!    mean and variance ([`stats::EwStats`], SigniTrend-style, half-life
//!    `baseline_half_life_min` = 12 h). Measuring *share*, not count, keeps
//!    the daily rhythm of the stream from looking like a burst. On each
//!    mention, in each window, the expected count is `μ = mean share × all
//!    traffic`, and an entity fires when, in one window, all three agree:
//!    * support: at least `min_support` (5, as Mastodon) distinct authors
//!      within the window's mean lifetime `h / ln 2`;
//!    * z-score `(n − μ) / √(μ + var·T² + 1)` ≥ `z_threshold` (3.5): against
//!      the entity's own variability, so a noisy entity needs a larger jump;
//!    * Poisson tail `P(X ≥ n | μ)` ≤ `max_p_value` (1e-4): against counting
//!      noise, which dominates for small counts where the z-score is weak.
//!
//!    The first window that passes names the event's `window`. No events
//!    during `warmup_min` (60), and an entity fires again only after it was
//!    calm for `cooldown_min` (60).
//! 6. **Topics.** Each entity tracks its strongest co-occurring partners;
//!    a bursting entity joins the topic of a bursting partner it shares at
//!    least `topic_min_cooccurrence` (50 %) of the smaller one's tweets with,
//!    else starts a topic.
//! 7. **Ranking.** The trend score is the burst's peak strength, decaying
//!    with a 6 h half-life (as Mastodon's trending tags).
//!
//! [`TrendSink`] is the detector as a pipeline stage (what `tweetner
//! trends` runs), and [`time`] reads the timestamps exports carry.
//!
//! State ([`TrendDetector::checkpoint`]) is JSON; a restored detector
//! continues exactly as the original. [`synth`] and [`evaluate`] generate a
//! seeded stream with known bursts and score the detector on it
//! (`examples/synthetic.rs`); the defaults were tuned on seed 1 only.

pub mod alias;
mod apply;
pub mod config;
pub mod decay;
pub mod dedupe;
mod detector;
pub mod entity;
pub mod error;
pub mod evaluate;
pub mod event;
pub mod hash;
pub mod heavy;
pub mod nab;
pub mod normalize;
pub mod reorder;
pub mod series;
pub mod sink;
pub mod sketch;
pub mod stats;
pub mod synth;
pub mod time;

pub use config::TrendConfig;
pub use detector::TrendDetector;
pub use error::TrendError;
pub use event::{DetectorStats, Topic, TrendEvent, TrendSnapshot, TweetObservation, WindowCount};
pub use sink::{FieldNames, SinkCounts, TrendSink};
pub use time::{parse_time, parse_time_str};
