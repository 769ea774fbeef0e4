//! One tweet through the detector, in event-time order: move the clock,
//! drop repeats, count each entity once per author, test for bursts.

use crate::config::MAX_SCALES;
use crate::detector::TrendDetector;
use crate::entity::EntityState;
use crate::event::{Topic, TrendEvent, TweetObservation};
use crate::hash::{combine, hash_pair, hash_str};
use crate::heavy::Admission;
use crate::normalize::{normalize, normalize_type, Form, Surface};
use crate::stats::ln_poisson_tail;

/// Pairs of entities per tweet considered for co-occurrence.
const MAX_COOCCURRING: usize = 8;
/// Ticks replayed one by one after a gap; beyond, one merged update.
const MAX_CATCHUP_TICKS: i64 = 1024;
/// Smallest expectation the Poisson test uses (keeps the log finite).
const MU_FLOOR: f64 = 1e-3;

/// A window that passed every test.
struct Fire {
    lane: usize,
    count: f64,
    baseline: f64,
    score: f64,
}

/// A mention resolved to its canonical entity.
struct Resolved {
    fp: u64,
    key: String,
    ty: String,
    text_index: usize,
    exact: bool,
}

impl TrendDetector {
    pub(crate) fn apply(&mut self, o: TweetObservation, events: &mut Vec<TrendEvent>) {
        let t = o.time_ms;
        self.advance_time(t);
        self.s.stats.tweets_applied += 1;
        self.s.last_applied_ms = Some(t);
        let once_key = if o.is_retweet {
            match &o.original_id {
                Some(orig) => orig.as_str(),
                None => {
                    self.s.stats.retweets_unmatched += 1;
                    return;
                }
            }
        } else {
            o.id.as_str()
        };
        if self.s.seen.check_and_insert(hash_str(once_key)) {
            if o.is_retweet {
                self.s.stats.retweets_merged += 1;
            } else {
                self.s.stats.duplicates += 1;
            }
            return;
        }
        let k = self.p.k;
        let mut g = [0.0; MAX_SCALES + 1];
        self.s.decay.growths(t, &mut g[..=k]);
        for (tot, gj) in self.s.totals.iter_mut().zip(&g[..k]) {
            *tot += gj;
        }
        let resolved = self.resolve(&o);
        let mut counted: Vec<usize> = Vec::with_capacity(resolved.len());
        let author = o.author.as_deref().map(hash_str);
        for r in resolved {
            if let Some(a) = author {
                if self
                    .s
                    .authors
                    .seen_within(combine(r.fp, a), t, self.p.author_window_ms)
                {
                    self.s.stats.author_repeats += 1;
                    continue;
                }
            }
            self.s.stats.mentions_counted += 1;
            let text_index = r.text_index;
            let exact = r.exact;
            if let Some(i) = self.count(r, &g) {
                let text = &o.entities[text_index].0;
                let support = self.s.config.min_support;
                self.s
                    .table
                    .item_mut(i)
                    .note_mention(t, &o.id, text, exact, support);
                counted.push(i);
            }
        }
        let n = counted.len().min(MAX_COOCCURRING);
        for a in 0..n {
            for b in 0..n {
                if a != b {
                    let fp_b = self.s.table.entry(counted[b]).fp;
                    self.s
                        .table
                        .item_mut(counted[a])
                        .add_partner(fp_b, g[self.p.topic]);
                }
            }
        }
        for i in counted {
            if let Some(ev) = self.check(i, t, &g) {
                self.s.stats.events += 1;
                events.push(ev);
            }
        }
    }

    /// Normalises and resolves the tweet's mentions, one per entity.
    fn resolve(&mut self, o: &TweetObservation) -> Vec<Resolved> {
        let cap = self.s.config.max_entities_per_tweet;
        let mut mentions: Vec<(Surface, String, usize)> = Vec::with_capacity(o.entities.len());
        for (i, (text, ty)) in o.entities.iter().enumerate() {
            match normalize(text) {
                Some(s) if mentions.len() < cap => mentions.push((s, normalize_type(ty), i)),
                _ => self.s.stats.mentions_dropped += 1,
            }
        }
        let refs: Vec<(&Surface, &str)> =
            mentions.iter().map(|(s, t, _)| (s, t.as_str())).collect();
        self.s.aliases.learn_handles(&refs);
        let mut out: Vec<Resolved> = Vec::with_capacity(mentions.len());
        for (s, ty, text_index) in mentions {
            let alias = self.s.aliases.resolve(&s, &ty, o.time_ms);
            let own = hash_pair(&s.key, &ty);
            let exact = s.form == Form::Plain;
            let r = match alias {
                // "Paris" stays itself when it is better established than
                // the "Paris Hilton" it could be short for.
                Some((key, aty))
                    if s.form == Form::Handle || !self.outweighs(own, hash_pair(&key, &aty)) =>
                {
                    Resolved {
                        fp: hash_pair(&key, &aty),
                        key,
                        ty: aty,
                        text_index,
                        exact: false,
                    }
                }
                _ => Resolved {
                    fp: own,
                    key: s.key,
                    ty,
                    text_index,
                    exact,
                },
            };
            if out.iter().all(|x| x.fp != r.fp) {
                out.push(r);
            }
        }
        out
    }

    /// Whether tracked entity `a` has at least the (rank-lane) count of `b`.
    fn outweighs(&self, a: u64, b: u64) -> bool {
        let weight = |fp| {
            self.s
                .table
                .get(fp)
                .map_or(0.0, |i| self.s.table.entry(i).count)
        };
        let wa = weight(a);
        wa > 0.0 && wa >= weight(b)
    }

    /// Adds one mention to the sketch and, if it holds or earns a place, to
    /// the heavy-hitter table; returns its entry.
    fn count(&mut self, r: Resolved, g: &[f64; MAX_SCALES + 1]) -> Option<usize> {
        let k = self.p.k;
        let mut est = [0.0; MAX_SCALES];
        self.s.sketch.add(r.fp, &g[..k], &mut est[..k]);
        if let Some(i) = self.s.table.get(r.fp) {
            self.s.table.add(i, g[self.p.rank]);
            let item = self.s.table.item_mut(i);
            for (c, gj) in item.counts.iter_mut().zip(&g[..k]) {
                *c += gj;
            }
            return Some(i);
        }
        let long = k - 1;
        let share = if self.s.totals[long] > 0.0 {
            ((est[long] - g[long]).max(0.0) / self.s.totals[long]).min(1.0)
        } else {
            0.0
        };
        match self.s.table.admit(r.fp, est[self.p.rank], || {
            EntityState::new(r.key, r.ty, est, share)
        }) {
            Admission::Admitted { index, evicted } => {
                if evicted.is_some() {
                    self.s.stats.evictions += 1;
                }
                Some(index)
            }
            Admission::Rejected => None,
        }
    }

    /// Tests entry `i` after a mention at `t`; an event if a burst starts.
    // One index walks six parallel per-window arrays; zipping them all reads worse.
    #[allow(clippy::needless_range_loop)]
    fn check(&mut self, i: usize, t: i64, g: &[f64; MAX_SCALES + 1]) -> Option<TrendEvent> {
        let cfg = &self.s.config;
        let (z_thr, support) = (cfg.z_threshold, cfg.min_support);
        let e = &self.s.table.entry(i).item;
        let mut fire: Option<Fire> = None;
        let mut hot = false;
        let mut best = 0.0f64;
        for j in 0..self.p.k {
            if !e.has_support(t, self.p.support_ms[j], support) {
                continue;
            }
            let count = e.counts[j] / g[j];
            let total = self.s.totals[j] / g[j];
            let mu = e.base[j].mean * total;
            let spread = e.base[j].var * total * total;
            let z = (count - mu) / (mu + spread + 1.0).sqrt();
            let score = (count - mu) / (mu + 1.0).sqrt();
            best = best.max(score);
            hot |= z >= z_thr / 2.0;
            if fire.is_none()
                && z >= z_thr
                && ln_poisson_tail(count, mu.max(MU_FLOOR)) <= self.p.ln_p_max
            {
                fire = Some(Fire {
                    lane: j,
                    count,
                    baseline: mu,
                    score,
                });
            }
        }
        let warm = self.s.warm_from_ms.is_some_and(|w| t >= w);
        let g_trend = g[self.p.trend];
        let e = self.s.table.item_mut(i);
        if hot {
            e.last_hot_ms = t;
        }
        if e.bursting {
            e.peak = e.peak.max(best * g_trend);
            return None;
        }
        let f = fire.filter(|_| warm)?;
        e.bursting = true;
        e.last_hot_ms = t;
        e.last_burst_ms = Some(t);
        e.peak = e.peak.max(best * g_trend);
        let topic = self.assign_topic(i, g[self.p.topic]);
        let e = &self.s.table.entry(i).item;
        Some(TrendEvent {
            entity: e.display(),
            ty: e.ty.clone(),
            variants: e.variant_texts(),
            topic,
            detected_at: t,
            window: self.p.labels[f.lane].clone(),
            count: f.count,
            baseline: f.baseline,
            score: f.score,
            sample_ids: e.samples.iter().cloned().collect(),
        })
    }

    /// Joins the topic of the bursting partner it shares the most tweets
    /// with (at least `topic_min_cooccurrence` of the smaller's), else starts one.
    fn assign_topic(&mut self, i: usize, g_topic: f64) -> Topic {
        let lane = self.p.topic;
        let thr = self.s.config.topic_min_cooccurrence;
        let me = &self.s.table.entry(i).item;
        let mine = me.counts[lane] / g_topic;
        let mut best: Option<(f64, u64)> = None;
        for p in &me.partners {
            let Some(pi) = self.s.table.get(p.fp) else {
                continue;
            };
            let other = &self.s.table.entry(pi).item;
            let (true, Some(tid)) = (other.bursting, other.topic) else {
                continue;
            };
            let smaller = mine.min(other.counts[lane] / g_topic);
            if smaller <= 0.0 {
                continue;
            }
            let ratio = p.co / g_topic / smaller;
            if ratio >= thr && best.is_none_or(|(r, id)| ratio > r || (ratio == r && tid < id)) {
                best = Some((ratio, tid));
            }
        }
        let id = match best {
            Some((_, id)) => id,
            None => {
                self.s.next_topic += 1;
                self.s.next_topic - 1
            }
        };
        self.s.table.item_mut(i).topic = Some(id);
        let mut members: Vec<(i64, String)> = self
            .s
            .table
            .entries()
            .iter()
            .filter(|e| e.item.bursting && e.item.topic == Some(id))
            .map(|e| (e.item.last_burst_ms.unwrap_or(0), e.item.display()))
            .collect();
        members.sort();
        Topic {
            id,
            entities: members.into_iter().map(|(_, d)| d).collect(),
        }
    }

    /// Moves event time to `t`: starts the clock on the first tweet,
    /// rescales forward-decayed values when due, runs the ticks passed.
    fn advance_time(&mut self, t: i64) {
        if self.s.warm_from_ms.is_none() {
            self.s.warm_from_ms = Some(t.saturating_add(self.p.warmup_ms));
            self.s.next_tick_ms = Some(t.saturating_add(self.p.tick_ms));
        }
        if self.s.decay.must_renormalise(t) {
            self.renormalise(t);
        }
        let Some(next) = self.s.next_tick_ms else {
            return;
        };
        // i64::MAX means "no tick can ever be due again" (time saturated).
        if next > t || next == i64::MAX {
            return;
        }
        let due = (t - next) / self.p.tick_ms + 1;
        let skipped = (due - MAX_CATCHUP_TICKS).max(0);
        let mut at = next;
        if skipped > 0 {
            // A long gap: one update standing for all the skipped ticks.
            let alpha = 1.0 - (1.0 - self.p.alpha).powf(skipped as f64);
            self.tick(at, alpha);
            at = at.saturating_add(skipped.saturating_mul(self.p.tick_ms));
        }
        for _ in skipped..due {
            self.tick(at, self.p.alpha);
            at = at.saturating_add(self.p.tick_ms);
        }
        self.s.next_tick_ms = Some(at);
    }

    /// Baseline update of every tracked entity, and the end of calm bursts.
    ///
    /// While the stream is young the weight is `1/ticks` (a plain running
    /// mean), so baselines are usable once the warm-up ends instead of
    /// creeping up from their start for a whole baseline half-life.
    fn tick(&mut self, at: i64, alpha: f64) {
        self.s.ticks += 1;
        let alpha = alpha.max(1.0 / self.s.ticks as f64);
        let k = self.p.k;
        let totals = self.s.totals;
        let cooldown = self.p.cooldown_ms;
        for e in self.s.table.items_mut() {
            for ((b, c), tot) in e.base.iter_mut().zip(&e.counts).zip(&totals).take(k) {
                if *tot > 0.0 {
                    b.update(c / tot, alpha);
                }
            }
            if e.bursting && at.saturating_sub(e.last_hot_ms) >= cooldown {
                e.bursting = false;
                e.topic = None;
            }
        }
    }

    fn renormalise(&mut self, t: i64) {
        let f = self.s.decay.renormalise(t);
        let k = self.p.k;
        for (tot, fj) in self.s.totals.iter_mut().zip(&f[..k]) {
            *tot *= fj;
        }
        self.s.sketch.scale(&f[..k]);
        self.s.table.scale(f[self.p.rank]);
        let (topic, trend) = (f[self.p.topic], f[self.p.trend]);
        for e in self.s.table.items_mut() {
            e.rescale(&f[..k], topic, trend);
        }
    }
}
