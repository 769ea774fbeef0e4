//! The detector's public face: construction, input, output, checkpoints.
//! What happens to one tweet is in [`crate::apply`].

use crate::alias::Aliases;
use crate::config::{window_label, TrendConfig, MAX_SCALES};
use crate::decay::ForwardDecay;
use crate::dedupe::{RecentTable, SeenTable};
use crate::entity::EntityState;
use crate::error::TrendError;
use crate::event::{DetectorStats, TrendEvent, TrendSnapshot, TweetObservation, WindowCount};
use crate::heavy::SpaceSaving;
use crate::normalize::normalize_type;
use crate::reorder::{Late, Reorder};
use crate::sketch::CountMin;
use serde::{Deserialize, Serialize};

const MINUTE_MS: f64 = 60_000.0;

/// Everything a checkpoint holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct State {
    pub config: TrendConfig,
    /// Lanes `0..k` are the windows, lane `k` the trend score.
    pub decay: ForwardDecay,
    /// Decayed count of all counted tweets, per window.
    pub totals: [f64; MAX_SCALES],
    pub table: SpaceSaving<EntityState>,
    pub sketch: CountMin,
    pub aliases: Aliases,
    pub seen: SeenTable,
    pub authors: RecentTable,
    pub reorder: Reorder,
    pub stats: DetectorStats,
    pub next_tick_ms: Option<i64>,
    /// Ticks run so far: early baselines average their first ticks equally.
    pub ticks: u64,
    pub warm_from_ms: Option<i64>,
    pub last_applied_ms: Option<i64>,
    pub next_topic: u64,
}

/// Constants derived from the config (not checkpointed: recomputed).
#[derive(Debug, Clone)]
pub(crate) struct Params {
    pub k: usize,
    pub rank: usize,
    pub topic: usize,
    pub trend: usize,
    /// Support window per lane: the mean lifetime `h / ln 2` of a mention.
    pub support_ms: [i64; MAX_SCALES],
    pub labels: Vec<String>,
    pub alpha: f64,
    pub tick_ms: i64,
    pub author_window_ms: i64,
    pub warmup_ms: i64,
    pub cooldown_ms: i64,
    pub ln_p_max: f64,
}

impl Params {
    fn new(c: &TrendConfig) -> Self {
        let k = c.half_lives_min.len();
        let mut support_ms = [0i64; MAX_SCALES];
        for (s, h) in support_ms.iter_mut().zip(&c.half_lives_min) {
            *s = (f64::from(*h) * MINUTE_MS / std::f64::consts::LN_2) as i64;
        }
        let min = |m: u32| i64::from(m) * 60_000;
        Params {
            k,
            rank: c.lane_of(c.rank_half_life_min),
            topic: c.lane_of(c.topic_half_life_min),
            trend: k,
            support_ms,
            labels: c.half_lives_min.iter().map(|&h| window_label(h)).collect(),
            alpha: 1.0 - (-f64::from(c.tick_min) / f64::from(c.baseline_half_life_min)).exp2(),
            tick_ms: min(c.tick_min),
            author_window_ms: min(c.author_window_min),
            warmup_ms: min(c.warmup_min),
            cooldown_ms: min(c.cooldown_min),
            ln_p_max: c.max_p_value.ln(),
        }
    }
}

/// The streaming trend detector. See the crate docs for the algorithm.
#[derive(Debug, Clone)]
pub struct TrendDetector {
    pub(crate) s: State,
    pub(crate) p: Params,
}

impl TrendDetector {
    /// A detector with no history.
    ///
    /// # Errors
    /// [`TrendError::Config`] if `config` does not validate.
    pub fn new(config: TrendConfig) -> Result<Self, TrendError> {
        config.validate()?;
        let p = Params::new(&config);
        let mut half_lives: Vec<f64> = config
            .half_lives_min
            .iter()
            .map(|&h| f64::from(h) * MINUTE_MS)
            .collect();
        half_lives.push(f64::from(config.trend_half_life_min) * MINUTE_MS);
        let name_types = config
            .handle_name_types
            .iter()
            .map(|t| normalize_type(t))
            .collect();
        let s = State {
            decay: ForwardDecay::new(half_lives),
            totals: [0.0; MAX_SCALES],
            table: SpaceSaving::new(config.heavy_capacity),
            sketch: CountMin::new(config.sketch_width, config.sketch_depth, p.k),
            aliases: Aliases::new(
                i64::from(config.alias_window_min) * 60_000,
                config.alias_capacity,
                name_types,
            ),
            seen: SeenTable::new(config.seen_tweet_slots),
            authors: RecentTable::new(config.author_slots),
            reorder: Reorder::new(config.lateness_ms, config.max_pending),
            stats: DetectorStats::default(),
            next_tick_ms: None,
            ticks: 0,
            warm_from_ms: None,
            last_applied_ms: None,
            next_topic: 1,
            config,
        };
        Ok(TrendDetector { s, p })
    }

    /// The configuration in use.
    pub fn config(&self) -> &TrendConfig {
        &self.s.config
    }

    /// Takes one tweet; returns the events that became certain as the
    /// watermark moved (possibly for earlier tweets). Late input is counted
    /// in [`DetectorStats::late_dropped`] and otherwise ignored.
    pub fn observe(&mut self, obs: TweetObservation) -> Vec<TrendEvent> {
        self.s.stats.tweets_in += 1;
        if let Err(Late) = self.s.reorder.push(obs) {
            self.s.stats.late_dropped += 1;
            return Vec::new();
        }
        let mut ready = Vec::new();
        self.s.stats.forced_releases += self.s.reorder.release(&mut ready);
        let mut events = Vec::new();
        for o in ready {
            self.apply(o, &mut events);
        }
        events
    }

    /// [`Self::observe`] for a tagger's [`tweetner_core::Annotation`].
    pub fn observe_annotation(
        &mut self,
        time_ms: i64,
        id: &str,
        author: Option<&str>,
        is_retweet: bool,
        original_id: Option<&str>,
        annotation: &tweetner_core::Annotation,
    ) -> Vec<TrendEvent> {
        self.observe(TweetObservation {
            time_ms,
            id: id.to_string(),
            author: author.map(str::to_string),
            is_retweet,
            original_id: original_id.map(str::to_string),
            entities: annotation
                .entities
                .iter()
                .map(|e| (e.text.clone(), e.ty.clone()))
                .collect(),
        })
    }

    /// Applies everything still held for reordering (end of stream, or
    /// before a report); input older than what it applied is late afterwards.
    pub fn flush(&mut self) -> Vec<TrendEvent> {
        let mut ready = Vec::new();
        self.s.reorder.drain(&mut ready);
        let mut events = Vec::new();
        for o in ready {
            self.apply(o, &mut events);
        }
        events
    }

    /// The `k` entities with the highest trend score now, optionally of one type.
    pub fn top(&self, k: usize, ty: Option<&str>) -> Vec<TrendSnapshot> {
        self.ranked(k, ty, |e, _| (e.peak > 0.0).then_some(e.peak))
    }

    /// The `k` most mentioned entities now (decayed distinct-author count in
    /// the ranking window), optionally of one type, bursting or not. A live
    /// view needs it: nothing bursts while baselines warm up, or on a calm day.
    pub fn busiest(&self, k: usize, ty: Option<&str>) -> Vec<TrendSnapshot> {
        let lane = self.p.rank;
        self.ranked(k, ty, |e, g| {
            let n = e.counts[lane] / g[lane];
            (n > 0.0).then_some(n)
        })
    }

    /// Snapshots of the `k` entities of type `ty` with the largest `key`
    /// (`None`: not listed); ties by entity key.
    fn ranked(
        &self,
        k: usize,
        ty: Option<&str>,
        key: impl Fn(&EntityState, &[f64]) -> Option<f64>,
    ) -> Vec<TrendSnapshot> {
        let ty = ty.map(normalize_type);
        let now = self.s.last_applied_ms.unwrap_or(0);
        let growth: Vec<f64> = (0..self.p.k).map(|j| self.s.decay.growth(j, now)).collect();
        let mut picked: Vec<(f64, &EntityState)> = self
            .s
            .table
            .entries()
            .iter()
            .map(|e| &e.item)
            .filter(|e| ty.as_ref().is_none_or(|t| *t == e.ty))
            .filter_map(|e| key(e, &growth).map(|v| (v, e)))
            .collect();
        picked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
        picked
            .into_iter()
            .take(k)
            .map(|(_, e)| self.snapshot(e, now))
            .collect()
    }

    fn snapshot(&self, e: &EntityState, now: i64) -> TrendSnapshot {
        let g_trend = self.s.decay.growth(self.p.trend, now);
        TrendSnapshot {
            entity: e.display(),
            ty: e.ty.clone(),
            variants: e.variant_texts(),
            score: e.peak / g_trend,
            bursting: e.bursting,
            last_burst_at: e.last_burst_ms,
            topic: e.topic,
            counts: (0..self.p.k)
                .map(|j| {
                    let (count, baseline) = self.count_and_baseline(e, j, now);
                    WindowCount {
                        window: self.p.labels[j].clone(),
                        count,
                        baseline,
                    }
                })
                .collect(),
        }
    }

    /// Label of the window [`Self::busiest`] ranks by ("80m").
    pub fn rank_window(&self) -> &str {
        &self.p.labels[self.p.rank]
    }

    /// Event time of the newest tweet applied to the counts (ms).
    pub fn as_of_ms(&self) -> Option<i64> {
        self.s.last_applied_ms
    }

    /// Decayed count of `e` in window `j` at `t`, and what its baseline expects.
    pub(crate) fn count_and_baseline(&self, e: &EntityState, j: usize, t: i64) -> (f64, f64) {
        let g = self.s.decay.growth(j, t);
        let total = self.s.totals[j] / g;
        (e.counts[j] / g, e.base[j].mean * total)
    }

    /// Newest event time seen (the watermark plus the lateness).
    pub fn max_time_ms(&self) -> Option<i64> {
        self.s.reorder.max_seen()
    }

    /// Counters, with the current buffer size and memory estimate.
    pub fn stats(&self) -> DetectorStats {
        let mut st = self.s.stats.clone();
        st.pending = self.s.reorder.len() as u64;
        st.max_time_ms = self.s.reorder.max_seen();
        st.memory_bytes = self.memory_bytes() as u64;
        st
    }

    /// Estimated bytes of state. Bounded by the config alone: it does not
    /// grow with the number of distinct entities.
    pub fn memory_bytes(&self) -> usize {
        let items: usize = self
            .s
            .table
            .entries()
            .iter()
            .map(|e| e.item.heap_bytes())
            .sum();
        std::mem::size_of::<Self>()
            + self.s.table.memory_bytes()
            + items
            + self.s.sketch.memory_bytes()
            + self.s.aliases.memory_bytes()
            + self.s.seen.memory_bytes()
            + self.s.authors.memory_bytes()
            + self.s.reorder.memory_bytes()
    }

    /// The whole state as JSON (held observations included).
    ///
    /// # Errors
    /// [`TrendError::Json`] if serialisation fails (it should not).
    pub fn checkpoint(&self) -> Result<String, TrendError> {
        Ok(serde_json::to_string(&self.s)?)
    }

    /// A detector from [`Self::checkpoint`]'s output; it continues exactly
    /// as the checkpointed one would have.
    ///
    /// # Errors
    /// [`TrendError::Json`] for malformed JSON, [`TrendError::Config`] for a
    /// stored config that does not validate, [`TrendError::Checkpoint`] for
    /// state that does not fit its config.
    pub fn restore(json: &str) -> Result<Self, TrendError> {
        let mut s: State = serde_json::from_str(json)?;
        s.config.validate()?;
        let p = Params::new(&s.config);
        let c = &s.config;
        let bad = |what: &str| {
            Err(TrendError::Checkpoint(format!(
                "{what} does not fit the config"
            )))
        };
        if !s.sketch.is_consistent(c.sketch_width, c.sketch_depth, p.k) {
            return bad("sketch");
        }
        if s.decay.lanes() != p.k + 1 {
            return bad("decay lanes");
        }
        if s.seen.len() != c.seen_tweet_slots || !s.authors.is_consistent(c.author_slots) {
            return bad("dedupe tables");
        }
        if s.table.capacity() != c.heavy_capacity || !s.table.rebuild() {
            return bad("heavy-hitter table");
        }
        if s.totals.iter().any(|t| !t.is_finite() || *t < 0.0) {
            return bad("totals");
        }
        Ok(TrendDetector { s, p })
    }
}
