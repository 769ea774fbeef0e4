//! A seeded synthetic tweet stream with known bursts, for evaluating and
//! tuning the detector (`examples/synthetic.rs`, `tests/synthetic.rs`).
//!
//! Background: volume following a daily sine (by default 2,000 to 10,000
//! tweets an hour), each tweet naming 0–3 entities drawn from a Zipf
//! vocabulary, authors from a large pool plus a few very active accounts,
//! a fifth of the tweets retweets of recent ones, and arrival order jittered
//! by up to 30 s with a few tweets delivered minutes late.
//!
//! Bursts, one hour each at a constant rate: of *new* entities (two-token
//! names not in the vocabulary, written as full name, `#CamelCase`, last
//! name alone, or `@handle` next to the name) and of *known* entities (a
//! vocabulary entry of rank 100–2000, whose own rate then adds to the
//! burst's). Half the new-entity bursts bring a companion entity in 70 % of
//! their tweets, to check topic grouping.

use crate::event::TweetObservation;
use crate::normalize::normalize;
use std::collections::HashSet;
use tweetner_core::rng::SplitMix64;

const HOUR_MS: i64 = 3_600_000;
const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "ra", "ven", "to", "sa", "ne", "bri", "dor", "el", "fa", "gu", "ha", "ju",
    "ko", "lin", "mar", "no", "pe", "qui", "ros", "ti", "zu",
];
const TYPES: [&str; 10] = [
    "person",
    "person",
    "person",
    "geo-loc",
    "geo-loc",
    "company",
    "product",
    "musicartist",
    "sportsteam",
    "other",
];

/// Parameters of a synthetic stream.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Seed of everything random.
    pub seed: u64,
    /// Simulated hours.
    pub hours: u32,
    /// No burst starts before this hour (baselines form first).
    pub quiet_hours: u32,
    /// Volume at the daily trough and peak (tweets/hour).
    pub min_per_hour: f64,
    /// Peak volume.
    pub max_per_hour: f64,
    /// Background vocabulary size.
    pub vocabulary: usize,
    /// Zipf exponent of the vocabulary.
    pub zipf_s: f64,
    /// Ordinary authors.
    pub authors: usize,
    /// Fraction of tweets that are retweets.
    pub retweet_fraction: f64,
    /// Burst sizes (mentions/hour).
    pub burst_sizes: Vec<u32>,
    /// Bursts per size and kind (new, known).
    pub bursts_per_size: usize,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 1,
            hours: 72,
            quiet_hours: 6,
            min_per_hour: 2_000.0,
            max_per_hour: 10_000.0,
            vocabulary: 20_000,
            zipf_s: 1.0,
            authors: 200_000,
            retweet_fraction: 0.2,
            burst_sizes: vec![10, 30, 100, 300],
            bursts_per_size: 8,
        }
    }
}

/// One injected burst.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectedBurst {
    /// Normalised key of the entity (what an event's entity normalises to).
    pub key: String,
    /// Entity type.
    pub ty: String,
    /// Start and end (ms).
    pub start_ms: i64,
    /// End (ms).
    pub end_ms: i64,
    /// Mentions per hour.
    pub per_hour: u32,
    /// Whether the entity is from the background vocabulary.
    pub known: bool,
    /// Index of the burst this one accompanies (companions are not scored for recall).
    pub companion_of: Option<usize>,
}

/// A generated stream.
#[derive(Debug, Clone)]
pub struct SynthStream {
    /// Tweets in arrival order.
    pub tweets: Vec<TweetObservation>,
    /// The injected bursts.
    pub bursts: Vec<InjectedBurst>,
    /// Event time of the stream's start (ms).
    pub start_ms: i64,
    /// Bursts start at or after this time.
    pub quiet_until_ms: i64,
    /// End of the stream (ms).
    pub end_ms: i64,
}

struct Entity {
    display: String,
    ty: &'static str,
}

struct Gen {
    r: SplitMix64,
    next_id: u64,
}

impl Gen {
    fn token(&mut self) -> String {
        let n = 2 + self.r.below(2);
        let mut t: String = (0..n)
            .map(|_| SYLLABLES[self.r.below(SYLLABLES.len())])
            .collect();
        if let Some(first) = t.get(..1) {
            t = first.to_uppercase() + &t[1..];
        }
        t
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("t{}", self.next_id)
    }

    fn poisson_times(&mut self, start: i64, end: i64, per_hour: impl Fn(i64) -> f64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut t = start as f64;
        loop {
            let rate = per_hour(t as i64).max(1e-9) / HOUR_MS as f64;
            t += -(1.0 - self.r.unit()).ln() / rate;
            if t >= end as f64 {
                return out;
            }
            out.push(t as i64);
        }
    }
}

fn camel(display: &str) -> String {
    format!("#{}", display.replace(' ', ""))
}

/// Generates the stream of `cfg`.
pub fn generate(cfg: &SynthConfig) -> SynthStream {
    let mut g = Gen {
        r: SplitMix64::new(cfg.seed),
        next_id: 0,
    };
    let start_ms: i64 = 1_700_000_000_000;
    let end_ms = start_ms + i64::from(cfg.hours) * HOUR_MS;
    let quiet_until_ms = start_ms + i64::from(cfg.quiet_hours) * HOUR_MS;

    let mut keys = HashSet::new();
    let mut vocab: Vec<Entity> = Vec::with_capacity(cfg.vocabulary);
    while vocab.len() < cfg.vocabulary {
        let tokens = [1, 1, 2, 2, 2, 3][g.r.below(6)];
        let display = (0..tokens).map(|_| g.token()).collect::<Vec<_>>().join(" ");
        let key = normalize(&display).map(|s| s.key).unwrap_or_default();
        if keys.insert(key) {
            vocab.push(Entity {
                display,
                ty: TYPES[g.r.below(TYPES.len())],
            });
        }
    }
    let vocab_tokens: HashSet<String> = keys
        .iter()
        .flat_map(|k| k.split(' ').map(str::to_string))
        .collect();
    let mut cdf = Vec::with_capacity(cfg.vocabulary);
    let mut acc = 0.0;
    for rank in 1..=cfg.vocabulary {
        acc += 1.0 / (rank as f64).powf(cfg.zipf_s);
        cdf.push(acc);
    }
    let zipf = |u: f64| {
        cdf.partition_point(|&c| c < u * acc)
            .min(cfg.vocabulary - 1)
    };

    // (event time, observation) before arrival jitter.
    let mut timed: Vec<TweetObservation> = Vec::new();
    let mid = (cfg.min_per_hour + cfg.max_per_hour) / 2.0;
    let amp = (cfg.max_per_hour - cfg.min_per_hour) / 2.0;
    let volume = |t: i64| {
        let phase = (t - start_ms) as f64 / (24 * HOUR_MS) as f64 * std::f64::consts::TAU;
        mid - amp * phase.cos() // trough at the start (midnight)
    };
    let heavy_authors = 500;
    for t in g.poisson_times(start_ms, end_ms, volume) {
        let n = match g.r.unit() {
            u if u < 0.30 => 0,
            u if u < 0.75 => 1,
            u if u < 0.93 => 2,
            _ => 3,
        };
        let mut entities: Vec<(String, String)> = Vec::new();
        let mut picked = Vec::new();
        for _ in 0..n {
            let e = zipf(g.r.unit());
            if picked.contains(&e) {
                continue;
            }
            picked.push(e);
            let v = &vocab[e];
            let text = match g.r.unit() {
                u if u < 0.85 => v.display.clone(),
                u if u < 0.95 => v.display.to_lowercase(),
                _ => camel(&v.display),
            };
            entities.push((text, v.ty.to_string()));
        }
        let author = if g.r.unit() < 0.2 {
            format!("heavy{}", g.r.below(heavy_authors))
        } else {
            format!("u{}", g.r.below(cfg.authors))
        };
        timed.push(TweetObservation {
            time_ms: t,
            id: String::new(),
            author: Some(author),
            is_retweet: false,
            original_id: None,
            entities,
        });
    }

    // Bursts.
    let mut bursts: Vec<InjectedBurst> = Vec::new();
    let mut used_known = HashSet::new();
    let latest_start = end_ms - 2 * HOUR_MS;
    for &size in &cfg.burst_sizes {
        for kind in 0..2 {
            for b in 0..cfg.bursts_per_size {
                let span = (latest_start - quiet_until_ms).max(1) as usize;
                let start = quiet_until_ms + g.r.below(span) as i64;
                let end = start + HOUR_MS;
                let known = kind == 1;
                let (display, ty) = if known {
                    let mut e = 100
                        + g.r
                            .below(1900.min(cfg.vocabulary.saturating_sub(100)).max(1));
                    while !used_known.insert(e) {
                        e = 100
                            + g.r
                                .below(1900.min(cfg.vocabulary.saturating_sub(100)).max(1));
                    }
                    (
                        vocab[e.min(cfg.vocabulary - 1)].display.clone(),
                        vocab[e.min(cfg.vocabulary - 1)].ty,
                    )
                } else {
                    (new_name(&mut g, &vocab_tokens), "person")
                };
                let companion = (!known && b % 2 == 0).then(|| new_name(&mut g, &vocab_tokens));
                let idx = bursts.len();
                bursts.push(InjectedBurst {
                    key: normalize(&display).map(|s| s.key).unwrap_or_default(),
                    ty: ty.to_string(),
                    start_ms: start,
                    end_ms: end,
                    per_hour: size,
                    known,
                    companion_of: None,
                });
                if let Some(c) = &companion {
                    bursts.push(InjectedBurst {
                        key: normalize(c).map(|s| s.key).unwrap_or_default(),
                        ty: "geo-loc".into(),
                        start_ms: start,
                        end_ms: end,
                        per_hour: size * 7 / 10,
                        known: false,
                        companion_of: Some(idx),
                    });
                }
                for t in g.poisson_times(start, end, |_| f64::from(size)) {
                    let mut entities = Vec::new();
                    if known {
                        entities.push((display.clone(), ty.to_string()));
                    } else {
                        let last = display.rsplit(' ').next().unwrap_or(&display).to_string();
                        match g.r.unit() {
                            u if u < 0.55 => entities.push((display.clone(), ty.into())),
                            u if u < 0.75 => entities.push((camel(&display), ty.into())),
                            u if u < 0.90 => entities.push((last, ty.into())),
                            _ => {
                                let handle =
                                    format!("@{}", display.replace(' ', "").to_lowercase());
                                entities.push((handle, "other".into()));
                                if g.r.unit() < 0.5 {
                                    entities.push((display.clone(), ty.into()));
                                }
                            }
                        }
                    }
                    if let Some(c) = &companion {
                        if g.r.unit() < 0.7 {
                            entities.push((c.clone(), "geo-loc".into()));
                        }
                    }
                    // Burst tweets also mention background entities sometimes.
                    if g.r.unit() < 0.3 {
                        let v = &vocab[zipf(g.r.unit())];
                        entities.push((v.display.clone(), v.ty.to_string()));
                    }
                    timed.push(TweetObservation {
                        time_ms: t,
                        id: String::new(),
                        author: Some(format!("u{}", g.r.below(cfg.authors))),
                        is_retweet: false,
                        original_id: None,
                        entities,
                    });
                }
            }
        }
    }

    // Ids in time order, retweets of recent tweets, arrival jitter.
    timed.sort_by_key(|o| o.time_ms);
    let mut recent: Vec<usize> = Vec::new();
    let mut all: Vec<(i64, TweetObservation)> = Vec::with_capacity(timed.len() * 5 / 4);
    for o in timed {
        let mut o = o;
        o.id = g.id();
        let t = o.time_ms;
        if !recent.is_empty() && g.r.unit() < cfg.retweet_fraction / (1.0 - cfg.retweet_fraction) {
            let src: &TweetObservation = &all[recent[g.r.below(recent.len())]].1;
            let rt = TweetObservation {
                time_ms: t + 1,
                id: String::new(),
                author: Some(format!("u{}", g.r.below(cfg.authors))),
                is_retweet: true,
                original_id: Some(src.id.clone()),
                entities: src.entities.clone(),
            };
            all.push((0, rt));
        }
        if recent.len() < 2000 {
            recent.push(all.len());
        } else {
            let slot = g.r.below(2000);
            recent[slot] = all.len();
        }
        all.push((0, o));
    }
    for (arrival, o) in &mut all {
        if o.id.is_empty() {
            o.id = g.id();
        }
        let delay = if g.r.unit() < 0.001 {
            300_000
        } else {
            g.r.below(30_000) as i64
        };
        *arrival = o.time_ms + delay;
    }
    all.sort_by_key(|(a, _)| *a);
    SynthStream {
        tweets: all.into_iter().map(|(_, o)| o).collect(),
        bursts,
        start_ms,
        quiet_until_ms,
        end_ms,
    }
}

fn new_name(g: &mut Gen, taken: &HashSet<String>) -> String {
    loop {
        let (a, b) = (g.token(), g.token());
        let fresh = |t: &str| !taken.contains(&t.to_lowercase());
        if fresh(&a) && fresh(&b) && a != b {
            return format!("{a} {b}");
        }
    }
}
