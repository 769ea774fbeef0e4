//! The detector the server feeds, and what the dashboard needs beside it:
//! recent events for the timeline, recent tweets for "what is behind this
//! trend", count history for sparklines, and a broadcast for live events.
//!
//! One mutex guards it all. Each lock is short (one tweet's counting, or one
//! snapshot), and inference never runs under it, so tagging throughput does
//! not depend on it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::{broadcast, watch};
use tweetner_core::Annotation;
use tweetner_trends::normalize::{normalize, normalize_type};
use tweetner_trends::{DetectorStats, TrendDetector, TrendEvent, TrendSnapshot, TweetObservation};

use super::config::TrendsConfig;
use crate::error::ServeError;

/// One entity of a remembered tweet (char offsets into its text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TweetEntity {
    /// Surface text.
    pub text: String,
    /// Entity type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Start, in Unicode scalar values (absent for entities given without offsets).
    pub start: Option<usize>,
    /// End (exclusive), in Unicode scalar values.
    pub end: Option<usize>,
}

/// A tweet as the dashboard shows it behind a trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentTweet {
    /// Tweet id (generated for `/v1/tag` texts: `tag-N`).
    pub id: String,
    /// Event time (ms).
    pub time_ms: i64,
    /// The text, when it was given.
    pub text: Option<String>,
    /// Its entities.
    pub entities: Vec<TweetEntity>,
}

/// One tweet on its way in: the observation plus what to remember of it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// What the detector counts.
    pub obs: TweetObservation,
    /// Text to remember for the dashboard.
    pub text: Option<String>,
    /// Entities with offsets, when known.
    pub entities: Vec<TweetEntity>,
}

impl Incoming {
    /// A tagged text with its annotation.
    pub fn from_annotation(id: String, time_ms: i64, text: String, a: &Annotation) -> Self {
        let entities: Vec<TweetEntity> = a
            .entities
            .iter()
            .map(|e| TweetEntity {
                text: e.text.clone(),
                ty: e.ty.clone(),
                start: Some(e.start),
                end: Some(e.end),
            })
            .collect();
        Incoming {
            obs: TweetObservation {
                time_ms,
                id,
                author: None,
                is_retweet: false,
                original_id: None,
                entities: entities
                    .iter()
                    .map(|e| (e.text.clone(), e.ty.clone()))
                    .collect(),
            },
            text: Some(text),
            entities,
        }
    }
}

/// A snapshot with its count history, oldest point first.
#[derive(Debug, Clone, Serialize)]
pub struct TrendEntry {
    /// The detector's snapshot.
    #[serde(flatten)]
    pub snapshot: TrendSnapshot,
    /// Count in the ranking window at each history point, then now.
    pub sparkline: Vec<f64>,
}

/// `trending` (by trend score) and `busiest` (by count) lists.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    /// Entities that burst, by decaying trend score.
    pub trending: Vec<TrendEntry>,
    /// Entities by decayed count, bursting or not.
    pub busiest: Vec<TrendEntry>,
}

struct HistoryPoint {
    counts: HashMap<(String, String), f64>,
}

struct Inner {
    detector: TrendDetector,
    events: VecDeque<TrendEvent>,
    tweets: VecDeque<RecentTweet>,
    history: VecDeque<HistoryPoint>,
    next_point_ms: Option<i64>,
    next_tag_id: u64,
}

/// The shared trend state of one server.
pub struct TrendHub {
    cfg: TrendsConfig,
    inner: Mutex<Inner>,
    live: broadcast::Sender<Arc<str>>,
    closed: watch::Sender<bool>,
    streams: AtomicUsize,
}

impl std::fmt::Debug for TrendHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrendHub")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl TrendHub {
    /// A hub with an empty detector.
    pub fn new(cfg: TrendsConfig) -> Result<Self, ServeError> {
        cfg.validate()?;
        let detector =
            TrendDetector::new(cfg.detector.clone()).map_err(|e| ServeError::Config {
                path: None,
                message: format!("`trends.detector`: {e}"),
            })?;
        let (live, _) = broadcast::channel(256);
        let (closed, _) = watch::channel(false);
        Ok(TrendHub {
            inner: Mutex::new(Inner {
                detector,
                events: VecDeque::new(),
                tweets: VecDeque::new(),
                history: VecDeque::new(),
                next_point_ms: None,
                next_tag_id: 0,
            }),
            cfg,
            live,
            closed,
            streams: AtomicUsize::new(0),
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &TrendsConfig {
        &self.cfg
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic under the lock leaves counts that are still counts.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ids for texts that arrive without one (`/v1/tag`).
    pub fn next_tag_ids(&self, n: usize) -> Vec<String> {
        let mut inner = self.lock();
        let first = inner.next_tag_id;
        inner.next_tag_id += n as u64;
        (first..first + n as u64)
            .map(|i| format!("tag-{i}"))
            .collect()
    }

    /// Counts the tweets, remembers them, and returns (and broadcasts) the
    /// events that fired.
    pub fn ingest(&self, tweets: Vec<Incoming>) -> Vec<TrendEvent> {
        let mut fired = Vec::new();
        let mut inner = self.lock();
        for t in tweets {
            let remembered = RecentTweet {
                id: t.obs.id.clone(),
                time_ms: t.obs.time_ms,
                text: t.text,
                entities: t.entities,
            };
            fired.extend(inner.detector.observe(t.obs));
            if self.cfg.recent_tweets > 0 {
                if inner.tweets.len() == self.cfg.recent_tweets {
                    inner.tweets.pop_front();
                }
                inner.tweets.push_back(remembered);
            }
            self.record_history(&mut inner);
        }
        for e in &fired {
            if self.cfg.recent_events > 0 {
                if inner.events.len() == self.cfg.recent_events {
                    inner.events.pop_front();
                }
                inner.events.push_back(e.clone());
            }
        }
        drop(inner);
        for e in &fired {
            if let Ok(json) = serde_json::to_string(e) {
                // No subscriber is not an error.
                let _ = self.live.send(Arc::from(json));
            }
        }
        fired
    }

    /// A sparkline point every `history_every_min` of event time.
    fn record_history(&self, inner: &mut Inner) {
        let Some(now) = inner.detector.as_of_ms() else {
            return;
        };
        let step = i64::from(self.cfg.history_every_min) * 60_000;
        let due = inner.next_point_ms.is_none_or(|t| now >= t);
        if !due {
            return;
        }
        inner.next_point_ms = Some((now / step + 1) * step);
        let n = self.cfg.history_entities;
        let window = inner.detector.rank_window().to_string();
        let mut counts = HashMap::new();
        let det = &inner.detector;
        for s in det.busiest(n, None).into_iter().chain(det.top(n, None)) {
            let c = window_count(&s, &window);
            counts.insert((s.entity, s.ty), c);
        }
        if inner.history.len() == self.cfg.history_points {
            inner.history.pop_front();
        }
        inner.history.push_back(HistoryPoint { counts });
    }

    /// The `k` trending and busiest entities, of one type or of all.
    pub fn ranking(&self, k: usize, ty: Option<&str>) -> Ranking {
        let inner = self.lock();
        let det = &inner.detector;
        let window = det.rank_window().to_string();
        let entry = |s: TrendSnapshot| {
            let key = (s.entity.clone(), s.ty.clone());
            let mut sparkline: Vec<f64> = inner
                .history
                .iter()
                .map(|p| p.counts.get(&key).copied().unwrap_or(0.0))
                .collect();
            sparkline.push(window_count(&s, &window));
            TrendEntry {
                snapshot: s,
                sparkline,
            }
        };
        Ranking {
            trending: det.top(k, ty).into_iter().map(entry).collect(),
            busiest: det.busiest(k, ty).into_iter().map(entry).collect(),
        }
    }

    /// The window the busiest lists and sparklines count in, and the event
    /// time of the newest counted tweet.
    pub fn clock(&self) -> (String, Option<i64>) {
        let inner = self.lock();
        (
            inner.detector.rank_window().to_string(),
            inner.detector.as_of_ms(),
        )
    }

    /// Types that have at least one busy entity, sorted.
    pub fn types(&self, limit: usize) -> Vec<String> {
        let inner = self.lock();
        let mut types: Vec<String> = inner
            .detector
            .busiest(limit, None)
            .into_iter()
            .map(|s| s.ty)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        types.sort_unstable();
        types
    }

    /// The newest `n` events, newest first.
    pub fn recent_events(&self, n: usize) -> Vec<TrendEvent> {
        self.lock().events.iter().rev().take(n).cloned().collect()
    }

    /// Detector counters.
    pub fn stats(&self) -> DetectorStats {
        self.lock().detector.stats()
    }

    /// Remembered tweets, newest first, with the given ids or mentioning
    /// `entity` (any of its variants, normalised as the detector does) of
    /// type `ty` when given.
    pub fn tweets(&self, query: &TweetQuery, limit: usize) -> Vec<RecentTweet> {
        let inner = self.lock();
        let ty = query.ty.as_deref().map(normalize_type);
        let mut keys: HashSet<String> = HashSet::new();
        if let Some(name) = &query.entity {
            keys.extend(normalize(name).map(|s| s.key));
            // The detector knows the variants merged into this entity.
            let known = inner.detector.busiest(usize::MAX, ty.as_deref());
            for s in known.iter().filter(|s| s.entity == *name) {
                keys.extend(
                    s.variants
                        .iter()
                        .filter_map(|v| normalize(v).map(|s| s.key)),
                );
            }
        }
        let ids: HashSet<&str> = query.ids.iter().map(String::as_str).collect();
        inner
            .tweets
            .iter()
            .rev()
            .filter(|t| {
                ids.contains(t.id.as_str())
                    || t.entities.iter().any(|e| {
                        ty.as_ref().is_none_or(|ty| normalize_type(&e.ty) == *ty)
                            && normalize(&e.text).is_some_and(|s| keys.contains(&s.key))
                    })
            })
            .take(limit)
            .cloned()
            .collect()
    }

    /// A live feed of events as JSON, or `None` when `max_event_streams`
    /// are already open. The guard gives the slot back when dropped.
    pub fn subscribe(self: &Arc<Self>) -> Option<Subscription> {
        let open = self.streams.fetch_add(1, Ordering::SeqCst);
        if open >= self.cfg.max_event_streams {
            self.streams.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Subscription {
            events: self.live.subscribe(),
            closed: self.closed.subscribe(),
            hub: Arc::clone(self),
        })
    }

    /// Ends every live feed (shutdown: open event streams would otherwise
    /// hold their connections, and the drain, forever).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Whether [`TrendHub::close`] was called (followers stop then).
    pub fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }
}

/// What `/v1/trends/tweets` asks for.
#[derive(Debug, Clone, Default)]
pub struct TweetQuery {
    /// An entity's display form.
    pub entity: Option<String>,
    /// Its type.
    pub ty: Option<String>,
    /// Tweet ids (an event's `sample_ids`).
    pub ids: Vec<String>,
}

/// One client's share of the live feed.
pub struct Subscription {
    /// Event JSON as it is broadcast.
    pub events: broadcast::Receiver<Arc<str>>,
    /// Turns `true` at shutdown.
    pub closed: watch::Receiver<bool>,
    hub: Arc<TrendHub>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.streams.fetch_sub(1, Ordering::SeqCst);
    }
}

fn window_count(s: &TrendSnapshot, window: &str) -> f64 {
    s.counts
        .iter()
        .find(|c| c.window == window)
        .map_or(0.0, |c| c.count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tweetner_trends::TrendConfig;

    const MIN: i64 = 60_000;

    fn hub(cfg: TrendsConfig) -> Arc<TrendHub> {
        Arc::new(TrendHub::new(cfg).unwrap())
    }

    fn quick() -> TrendsConfig {
        TrendsConfig {
            recent_tweets: 50,
            recent_events: 3,
            history_points: 4,
            detector: TrendConfig {
                warmup_min: 30,
                lateness_ms: 0,
                ..TrendConfig::default()
            },
            ..TrendsConfig::default()
        }
    }

    fn tweet(t: i64, id: &str, entities: &[(&str, &str)]) -> Incoming {
        Incoming {
            obs: TweetObservation {
                time_ms: t,
                id: id.into(),
                author: Some(format!("a-{id}")),
                is_retweet: false,
                original_id: None,
                entities: entities
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            },
            text: Some(format!("text of {id}")),
            entities: entities
                .iter()
                .map(|(a, b)| TweetEntity {
                    text: a.to_string(),
                    ty: b.to_string(),
                    start: None,
                    end: None,
                })
                .collect(),
        }
    }

    #[test]
    fn remembers_a_bounded_number_of_tweets_and_finds_them_by_entity_or_id() {
        let h = hub(quick());
        let batch: Vec<Incoming> = (0..80)
            .map(|i| {
                let e = if i % 2 == 0 { "Paris" } else { "Obama" };
                let ty = if i % 2 == 0 { "geo-loc" } else { "person" };
                tweet(i * 1000, &format!("t{i}"), &[(e, ty)])
            })
            .collect();
        h.ingest(batch);
        let q = TweetQuery {
            entity: Some("paris".into()),
            ..TweetQuery::default()
        };
        let found = h.tweets(&q, 100);
        // 50 remembered, half of them about Paris, newest first.
        assert_eq!(found.len(), 25);
        assert_eq!(found[0].id, "t78");
        let typed = TweetQuery {
            ty: Some("person".into()),
            ..q.clone()
        };
        assert!(h.tweets(&typed, 100).is_empty());
        let by_id = TweetQuery {
            ids: vec!["t79".into(), "t0".into()],
            ..TweetQuery::default()
        };
        // t0 fell out of the ring.
        let ids: Vec<String> = h.tweets(&by_id, 10).into_iter().map(|t| t.id).collect();
        assert_eq!(ids, ["t79"]);
    }

    #[test]
    fn sparklines_hold_one_point_per_interval_plus_now() {
        let h = hub(quick());
        for m in 0..30 {
            h.ingest(vec![tweet(
                m * MIN,
                &format!("t{m}"),
                &[("Paris", "geo-loc")],
            )]);
        }
        let r = h.ranking(5, None);
        assert_eq!(r.busiest[0].snapshot.entity, "Paris");
        // history_points (4) and the current value.
        let line = &r.busiest[0].sparkline;
        assert_eq!(line.len(), 5);
        assert!(line.iter().all(|c| *c > 0.0));
        assert!(r.trending.is_empty());
        assert_eq!(h.types(10), ["geo-loc"]);
    }

    #[test]
    fn bursts_are_kept_newest_first_and_broadcast() {
        let h = hub(quick());
        let mut sub = h.subscribe().expect("a stream slot");
        // Two quiet hours, then one entity from many authors at once.
        for m in 0..120 {
            h.ingest(vec![tweet(
                m * MIN,
                &format!("q{m}"),
                &[("Paris", "geo-loc")],
            )]);
        }
        let burst: Vec<Incoming> = (0..40)
            .map(|i| {
                tweet(
                    120 * MIN + i * 1000,
                    &format!("b{i}"),
                    &[("Zorblat", "person")],
                )
            })
            .collect();
        let fired = h.ingest(burst);
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(h.recent_events(10)[0].entity, "Zorblat");
        let json = sub.events.try_recv().expect("broadcast");
        assert!(json.contains("\"Zorblat\""), "{json}");
        let r = h.ranking(5, Some("person"));
        assert_eq!(r.trending[0].snapshot.entity, "Zorblat");
        assert!(r.trending[0].snapshot.bursting);
    }

    #[test]
    fn stream_slots_are_bounded_and_given_back() {
        let h = hub(TrendsConfig {
            max_event_streams: 1,
            ..quick()
        });
        let first = h.subscribe().expect("one slot");
        assert!(h.subscribe().is_none());
        drop(first);
        let again = h.subscribe().expect("slot given back");
        assert!(!*again.closed.borrow());
        h.close();
        assert!(*again.closed.borrow());
    }
}
