//! Counters and histograms rendered in the Prometheus text exposition format
//! (version 0.0.4). Written by hand: the format is a few lines per series and
//! a metrics framework would cost more build time than this whole file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds (seconds) for request and inference latency.
const LATENCY_BOUNDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Upper bounds for texts per inference batch.
const BATCH_BOUNDS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
/// Seconds over which the tweets/s gauge averages.
const RATE_WINDOW_SECS: u64 = 10;

/// A fixed-bucket histogram (per-bucket counts; rendered cumulatively).
#[derive(Debug, Clone)]
struct Histogram {
    bounds: &'static [f64],
    /// One count per bound plus the `+Inf` bucket.
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, v: f64) {
        let i = self
            .bounds
            .iter()
            .position(|&b| v <= b)
            .unwrap_or(self.bounds.len());
        self.counts[i] += 1;
        self.sum += v;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, c) in self.counts.iter().enumerate() {
            cumulative += c;
            let le = match self.bounds.get(i) {
                Some(b) => format!("{b}"),
                None => "+Inf".to_string(),
            };
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}"
            );
        }
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// Per-second tweet counts for the last [`RATE_WINDOW_SECS`] seconds.
#[derive(Debug)]
struct RateWindow {
    /// `(second since start, tweets)` per slot, indexed by second modulo the window.
    slots: [(u64, u64); RATE_WINDOW_SECS as usize],
}

impl RateWindow {
    fn add(&mut self, sec: u64, n: u64) {
        let slot = &mut self.slots[(sec % RATE_WINDOW_SECS) as usize];
        if slot.0 != sec {
            *slot = (sec, 0);
        }
        slot.1 += n;
    }

    /// Average over the window (or over the uptime, when shorter).
    fn rate(&self, now_secs: f64) -> f64 {
        let now = now_secs as u64;
        let total: u64 = self
            .slots
            .iter()
            .filter(|(s, _)| s.saturating_add(RATE_WINDOW_SECS) > now && *s <= now)
            .map(|(_, n)| n)
            .sum();
        let span = now_secs.clamp(1e-3, RATE_WINDOW_SECS as f64);
        total as f64 / span
    }
}

/// Point-in-time values that live elsewhere (queue, model state), passed in
/// when rendering so the metrics never hold references into the server.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    /// Requests waiting for a worker.
    pub queue_depth: usize,
    /// Queue capacity.
    pub queue_capacity: usize,
    /// Inference workers.
    pub workers: usize,
    /// Whether the model is loaded and the server is not draining.
    pub ready: bool,
}

/// All server metrics. Cheap to update from any thread.
#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    errors: Mutex<BTreeMap<&'static str, u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    batch_size: Mutex<Histogram>,
    inference: Mutex<Histogram>,
    rate: Mutex<RateWindow>,
    tweets_tagged: AtomicU64,
    batches: AtomicU64,
    abandoned: AtomicU64,
    inflight: AtomicI64,
    connections_open: AtomicI64,
    connections_total: AtomicU64,
    connection_errors: Mutex<BTreeMap<&'static str, u64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            requests: Mutex::default(),
            errors: Mutex::default(),
            latency: Mutex::default(),
            batch_size: Mutex::new(Histogram::new(&BATCH_BOUNDS)),
            inference: Mutex::new(Histogram::new(&LATENCY_BOUNDS)),
            rate: Mutex::new(RateWindow {
                slots: [(u64::MAX, 0); RATE_WINDOW_SECS as usize],
            }),
            tweets_tagged: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
            inflight: AtomicI64::new(0),
            connections_open: AtomicI64::new(0),
            connections_total: AtomicU64::new(0),
            connection_errors: Mutex::default(),
        }
    }
}

/// One request in flight, counted until dropped: a request whose client
/// hangs up is dropped mid-await, never reaching `request_finished`, and
/// must still leave the `tweetner_inflight_requests` gauge (issue 16).
#[must_use = "the request counts as in flight until this is dropped"]
pub struct Inflight<'a>(&'a Metrics);

impl Drop for Inflight<'_> {
    fn drop(&mut self) {
        self.0.inflight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Lock a metrics mutex even if a panicking thread poisoned it: counters stay
/// meaningful, and metrics must never take the server down.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Escape a label value (`\`, `"` and newlines, per the exposition format).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// A request started (for the in-flight gauge).
    pub fn request_started(&self) -> Inflight<'_> {
        self.inflight.fetch_add(1, Ordering::Relaxed);
        Inflight(self)
    }

    /// A client connection was accepted.
    pub fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
        self.connections_total.fetch_add(1, Ordering::Relaxed);
    }

    /// A client connection closed (by either side, or by a timeout).
    pub fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// A connection was refused or ended by a client error hyper handles
    /// before any route runs (`bad_request`, `header_too_large`, the
    /// timeouts, `per_ip_limit`).
    pub fn connection_error(&self, reason: &'static str) {
        *lock(&self.connection_errors).entry(reason).or_default() += 1;
    }

    /// A request finished with `status` after `seconds`.
    pub fn request_finished(&self, endpoint: &str, status: u16, seconds: f64) {
        *lock(&self.requests)
            .entry((endpoint.to_string(), status))
            .or_default() += 1;
        lock(&self.latency)
            .entry(endpoint.to_string())
            .or_insert_with(|| Histogram::new(&LATENCY_BOUNDS))
            .observe(seconds);
    }

    /// An error answer with this code was given.
    pub fn error(&self, code: &'static str) {
        *lock(&self.errors).entry(code).or_default() += 1;
    }

    /// A batch of `texts` texts ran for `seconds`; `ok` tells whether it succeeded.
    pub fn batch(&self, texts: usize, seconds: f64, ok: bool) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        lock(&self.batch_size).observe(texts as f64);
        lock(&self.inference).observe(seconds);
        if ok {
            self.tweets_tagged
                .fetch_add(texts as u64, Ordering::Relaxed);
            let now = self.started.elapsed().as_secs();
            lock(&self.rate).add(now, texts as u64);
        }
    }

    /// A queued request was dropped unprocessed because its client had gone
    /// (timed out or disconnected), saving the inference work.
    pub fn abandoned(&self) {
        self.abandoned.fetch_add(1, Ordering::Relaxed);
    }

    /// Total texts tagged successfully so far.
    pub fn tweets_tagged(&self) -> u64 {
        self.tweets_tagged.load(Ordering::Relaxed)
    }

    /// The exposition-format text.
    pub fn render(&self, g: Gauges) -> String {
        let mut out = String::with_capacity(4096);
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
        };

        head(
            &mut out,
            "tweetner_http_requests_total",
            "counter",
            "HTTP requests by endpoint and status.",
        );
        for ((ep, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "tweetner_http_requests_total{{endpoint=\"{}\",status=\"{status}\"}} {n}",
                escape(ep)
            );
        }
        head(
            &mut out,
            "tweetner_errors_total",
            "counter",
            "Error answers by error code.",
        );
        for (code, n) in lock(&self.errors).iter() {
            let _ = writeln!(
                out,
                "tweetner_errors_total{{code=\"{}\"}} {n}",
                escape(code)
            );
        }
        head(
            &mut out,
            "tweetner_http_connection_errors_total",
            "counter",
            "Connections refused or ended by a client error before any route ran (hyper's own 400 and 431 answers, timeouts, the per-IP limit).",
        );
        for (reason, n) in lock(&self.connection_errors).iter() {
            let _ = writeln!(
                out,
                "tweetner_http_connection_errors_total{{reason=\"{reason}\"}} {n}"
            );
        }
        head(
            &mut out,
            "tweetner_http_request_duration_seconds",
            "histogram",
            "Request latency by endpoint.",
        );
        for (ep, h) in lock(&self.latency).iter() {
            h.render(
                &mut out,
                "tweetner_http_request_duration_seconds",
                &format!("endpoint=\"{}\"", escape(ep)),
            );
        }
        head(
            &mut out,
            "tweetner_batch_size",
            "histogram",
            "Texts per inference batch.",
        );
        lock(&self.batch_size).render(&mut out, "tweetner_batch_size", "");
        head(
            &mut out,
            "tweetner_inference_duration_seconds",
            "histogram",
            "Time to tag one batch.",
        );
        lock(&self.inference).render(&mut out, "tweetner_inference_duration_seconds", "");

        let now = self.started.elapsed().as_secs_f64();
        let tweets_per_sec = lock(&self.rate).rate(now);
        let scalars: [(&str, &str, &str, String); 12] = [
            (
                "tweetner_tweets_tagged_total",
                "counter",
                "Texts tagged successfully.",
                self.tweets_tagged().to_string(),
            ),
            (
                "tweetner_tweets_per_second",
                "gauge",
                "Texts tagged per second over the last 10 s.",
                format!("{tweets_per_sec:.3}"),
            ),
            (
                "tweetner_batches_total",
                "counter",
                "Inference batches run.",
                self.batches.load(Ordering::Relaxed).to_string(),
            ),
            (
                "tweetner_abandoned_requests_total",
                "counter",
                "Queued requests skipped because the client had gone.",
                self.abandoned.load(Ordering::Relaxed).to_string(),
            ),
            (
                "tweetner_http_connections_open",
                "gauge",
                "Client connections open now.",
                self.connections_open.load(Ordering::Relaxed).to_string(),
            ),
            (
                "tweetner_http_connections_total",
                "counter",
                "Client connections accepted.",
                self.connections_total.load(Ordering::Relaxed).to_string(),
            ),
            (
                "tweetner_inflight_requests",
                "gauge",
                "Requests being handled now.",
                self.inflight.load(Ordering::Relaxed).to_string(),
            ),
            (
                "tweetner_queue_depth",
                "gauge",
                "Requests waiting for an inference worker.",
                g.queue_depth.to_string(),
            ),
            (
                "tweetner_queue_capacity",
                "gauge",
                "Most requests that may wait before 429.",
                g.queue_capacity.to_string(),
            ),
            (
                "tweetner_workers",
                "gauge",
                "Inference worker threads.",
                g.workers.to_string(),
            ),
            (
                "tweetner_ready",
                "gauge",
                "1 when the model is loaded and the server accepts work.",
                u8::from(g.ready).to_string(),
            ),
            (
                "tweetner_uptime_seconds",
                "gauge",
                "Seconds since the server started.",
                format!("{now:.3}"),
            ),
        ];
        for (name, kind, help, value) in scalars {
            head(&mut out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauges() -> Gauges {
        Gauges {
            queue_depth: 3,
            queue_capacity: 8,
            workers: 2,
            ready: true,
        }
    }

    /// The value of the first sample line starting with `prefix`.
    fn sample(text: &str, prefix: &str) -> f64 {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no sample {prefix}"))
    }

    #[test]
    fn a_request_dropped_unfinished_leaves_the_inflight_gauge() {
        let m = Metrics::default();
        let a = m.request_started();
        let b = m.request_started();
        assert_eq!(m.inflight.load(Ordering::Relaxed), 2);
        m.request_finished("/v1/tag", 200, 0.001);
        drop(a);
        // `b`'s future was dropped mid-await: no request_finished.
        drop(b);
        assert_eq!(m.inflight.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        for n in [1, 3, 3, 1000] {
            m.batch(n, 0.001, true);
        }
        let text = m.render(gauges());
        assert_eq!(sample(&text, "tweetner_batch_size_bucket{le=\"1\"}"), 1.0);
        assert_eq!(sample(&text, "tweetner_batch_size_bucket{le=\"4\"}"), 3.0);
        assert_eq!(
            sample(&text, "tweetner_batch_size_bucket{le=\"+Inf\"}"),
            4.0
        );
        assert_eq!(sample(&text, "tweetner_batch_size_count"), 4.0);
        assert_eq!(sample(&text, "tweetner_batch_size_sum"), 1007.0);
        assert_eq!(sample(&text, "tweetner_tweets_tagged_total"), 1007.0);
        assert!(sample(&text, "tweetner_tweets_per_second") > 0.0);
    }

    #[test]
    fn requests_are_counted_by_endpoint_and_status() {
        let m = Metrics::default();
        let r = m.request_started();
        m.request_finished("/v1/tag", 200, 0.002);
        drop(r);
        let r = m.request_started();
        m.request_finished("/v1/tag", 429, 0.0001);
        drop(r);
        m.error("queue_full");
        let text = m.render(gauges());
        assert_eq!(
            sample(
                &text,
                "tweetner_http_requests_total{endpoint=\"/v1/tag\",status=\"429\"}"
            ),
            1.0
        );
        assert_eq!(
            sample(&text, "tweetner_errors_total{code=\"queue_full\"}"),
            1.0
        );
        assert_eq!(
            sample(
                &text,
                "tweetner_http_request_duration_seconds_count{endpoint=\"/v1/tag\"}"
            ),
            2.0
        );
        assert_eq!(sample(&text, "tweetner_inflight_requests"), 0.0);
        assert_eq!(sample(&text, "tweetner_queue_depth"), 3.0);
        // Every sample line belongs to a declared metric family.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_sum")
                .trim_end_matches("_count");
            assert!(text.contains(&format!("# TYPE {family} ")), "{line}");
        }
    }

    #[test]
    fn rate_window_forgets_old_seconds() {
        let mut w = RateWindow {
            slots: [(u64::MAX, 0); RATE_WINDOW_SECS as usize],
        };
        w.add(0, 100);
        assert!((w.rate(5.0) - 20.0).abs() < 1e-9);
        assert_eq!(w.rate(30.0), 0.0);
        w.add(30, 50);
        assert!((w.rate(30.5) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
