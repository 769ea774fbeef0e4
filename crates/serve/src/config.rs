//! Server settings: where to listen, how to batch, and the limits that keep
//! one client from starving the others.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ServeError;
use crate::trends::TrendsConfig;

/// Accepted range of each numeric setting, in a file or on the command line.
/// The upper bounds keep one setting from exhausting memory or threads before
/// the first request (a queue or a thread pool sized 2^64 - 1 is an abort),
/// while staying far above what one machine can use.
pub const RANGES: [(&str, std::ops::RangeInclusive<u64>); 16] = [
    ("max_batch", 1..=4096),
    ("max_wait_ms", 0..=60_000),
    ("queue_capacity", 1..=1 << 20),
    ("workers", 1..=256),
    ("body_limit_bytes", 1..=1 << 30),
    ("max_texts_per_request", 1..=1 << 16),
    ("max_text_bytes", 1..=1 << 20),
    ("request_timeout_ms", 1..=3_600_000),
    ("header_read_timeout_ms", 1..=3_600_000),
    ("max_connections", 1..=1 << 20),
    ("shutdown_timeout_ms", 1..=3_600_000),
    ("max_text_tokens", 1..=1 << 20),
    ("queue_tokens", 1..=1 << 30),
    ("listen_backlog", 1..=65_535),
    ("max_connections_per_ip", 1..=1 << 20),
    ("write_timeout_ms", 1..=3_600_000),
];

/// Everything the server can be tuned with. Every field has a default, so a
/// TOML file only needs the ones it changes; unknown keys are rejected so a
/// typo (`max_bach`) fails loudly instead of silently using the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address to listen on; port 0 picks a free port (see [`crate::Server::local_addr`]).
    pub addr: SocketAddr,
    /// Most texts one inference batch holds. Bigger batches amortise per-call
    /// overhead; smaller ones bound the latency a single batch adds.
    pub max_batch: usize,
    /// Longest time (ms) the batcher waits for more requests once it has one.
    /// It only waits while another request has arrived but is not queued yet
    /// (body still being read); with nothing on its way the batch goes at once,
    /// so a lone client never pays this delay.
    pub max_wait_ms: u64,
    /// Requests that may wait for a worker (a request split into batches of
    /// `max_batch` counts once per batch). When full, new requests get 429 at
    /// once: fast refusal beats an unbounded queue whose latency grows forever.
    pub queue_capacity: usize,
    /// Inference threads (each runs one batch at a time). Inference is CPU
    /// bound, so more workers than cores only adds contention.
    pub workers: usize,
    /// Largest request body accepted, in bytes (413 beyond).
    pub body_limit_bytes: usize,
    /// Most texts one request may carry (413 beyond).
    pub max_texts_per_request: usize,
    /// Longest single text, in UTF-8 bytes (413 beyond, naming the field).
    pub max_text_bytes: usize,
    /// Most tokens in one text (413 beyond, naming the field). A tweet has at
    /// most ~280; the cap keeps one text's cost known.
    pub max_text_tokens: usize,
    /// Tokens that may be queued or being tagged at once; a request that does
    /// not fit gets 429 at once. Tagging costs about the same per token, so
    /// this bounds the queued work in seconds where `queue_capacity` cannot (a
    /// request may hold one tweet or 256 long texts).
    pub queue_tokens: usize,
    /// Time a request may spend queued plus tagged before it gets 504.
    pub request_timeout_ms: u64,
    /// Longest time (ms) a connection may take to send a complete request
    /// head. The clock runs whenever the server waits for a request, so it
    /// also closes keep-alive connections idle this long; without it a client
    /// could hold a connection open forever by sending nothing.
    pub header_read_timeout_ms: u64,
    /// Most client connections open at once. Beyond it new connections wait
    /// in the operating system's accept backlog until one closes, so a flood
    /// of idle connections cannot exhaust file descriptors or memory.
    pub max_connections: usize,
    /// Length of the kernel's queue of connections not yet accepted (the
    /// `listen` backlog; Linux caps it at `net.core.somaxconn`). Clients beyond
    /// `max_connections` wait there instead of being refused.
    pub listen_backlog: u32,
    /// Most connections open at once from one IP address; further ones are
    /// closed at once. Keeps one client's idle connections from taking every
    /// slot (and health checks from waiting behind them).
    pub max_connections_per_ip: usize,
    /// Longest time (ms) a write to a client may make no progress; the
    /// connection is then closed. Without it a client reading a large response
    /// slowly (or not at all) held its connection and its worker's answer.
    pub write_timeout_ms: u64,
    /// Longest time (ms) shutdown waits for open connections to finish their
    /// requests; connections still open then are closed. Without it one
    /// client reading a response slowly (or sending a body slowly) held a
    /// SIGTERM up for as long as it liked.
    pub shutdown_timeout_ms: u64,
    /// Origins a browser may call the API from (CORS), e.g.
    /// `["https://dash.example.org"]`; `["*"]` allows any; empty (the default)
    /// sends no CORS headers, so browsers keep other origins out.
    pub cors_origins: Vec<String>,
    /// File of API keys, one per line (`#` comments); when set, every
    /// endpoint but `/healthz`, `/readyz`, `/openapi.json` and `/docs` needs
    /// `Authorization: Bearer <key>`. Relative to the config file.
    pub api_key_file: Option<PathBuf>,
    /// One JSON line per request on stderr (id, method, path, status, ms, bytes).
    pub access_log: bool,
    /// The trend detector behind `/v1/trends` and the dashboard (`[trends]`).
    pub trends: TrendsConfig,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_batch: 32,
            max_wait_ms: 2,
            queue_capacity: 256,
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            body_limit_bytes: 1 << 20,
            max_texts_per_request: 256,
            // Tweets are at most 280 characters, i.e. at most 1120 UTF-8 bytes;
            // leave room for long posts from other sources.
            max_text_bytes: 4096,
            // `max_text_bytes` of one-char tokens, e.g. "a a a ..." or emoji.
            max_text_tokens: 2048,
            // About 1.5 s of the BiLSTM-CRF's work on 2 cores (~160k tokens/s),
            // or 13,000 tweets of 20 tokens; a transformer model wants less.
            queue_tokens: 1 << 18,
            request_timeout_ms: 10_000,
            header_read_timeout_ms: 10_000,
            max_connections: 1024,
            listen_backlog: 4096,
            max_connections_per_ip: 256,
            write_timeout_ms: 10_000,
            shutdown_timeout_ms: 10_000,
            cors_origins: Vec::new(),
            api_key_file: None,
            access_log: false,
            trends: TrendsConfig::default(),
        }
    }
}

impl ServeConfig {
    /// Read a TOML file (all keys optional, unknown keys rejected) and validate it.
    pub fn from_toml_file(path: &Path) -> Result<Self, ServeError> {
        let text = std::fs::read_to_string(path).map_err(|source| ServeError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut cfg = Self::from_toml_str(&text).map_err(|e| match e {
            ServeError::Config { message, .. } => ServeError::Config {
                path: Some(path.to_path_buf()),
                message,
            },
            other => other,
        })?;
        if let (Some(keys), Some(dir)) = (&cfg.api_key_file, path.parent()) {
            cfg.api_key_file = Some(dir.join(keys));
        }
        Ok(cfg)
    }

    /// Parse TOML text (no file name in errors) and validate it.
    pub fn from_toml_str(text: &str) -> Result<Self, ServeError> {
        // toml's messages carry the line and column of the problem.
        let cfg: ServeConfig = toml::from_str(text).map_err(|e| ServeError::Config {
            path: None,
            message: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reject settings that would make the server useless (a zero-sized queue
    /// refuses everything, zero workers never answer).
    pub fn validate(&self) -> Result<(), ServeError> {
        let values = [
            ("max_batch", self.max_batch as u64),
            ("max_wait_ms", self.max_wait_ms),
            ("queue_capacity", self.queue_capacity as u64),
            ("workers", self.workers as u64),
            ("body_limit_bytes", self.body_limit_bytes as u64),
            ("max_texts_per_request", self.max_texts_per_request as u64),
            ("max_text_bytes", self.max_text_bytes as u64),
            ("request_timeout_ms", self.request_timeout_ms),
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("max_connections", self.max_connections as u64),
            ("shutdown_timeout_ms", self.shutdown_timeout_ms),
            ("max_text_tokens", self.max_text_tokens as u64),
            ("queue_tokens", self.queue_tokens as u64),
            ("listen_backlog", u64::from(self.listen_backlog)),
            ("max_connections_per_ip", self.max_connections_per_ip as u64),
            ("write_timeout_ms", self.write_timeout_ms),
        ];
        for (name, value) in values {
            let range = RANGES
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(1..=u64::MAX, |(_, r)| r.clone());
            if !range.contains(&value) {
                let message = if value < *range.start() {
                    format!("`{name}` must be at least {}", range.start())
                } else {
                    format!("`{name}` must be at most {} (got {value})", range.end())
                };
                return Err(ServeError::Config {
                    path: None,
                    message,
                });
            }
        }
        for o in &self.cors_origins {
            let ok = o == "*"
                || ((o.starts_with("http://") || o.starts_with("https://"))
                    && !o.ends_with('/')
                    && o.bytes().all(|b| b.is_ascii_graphic()));
            if !ok {
                return Err(ServeError::Config {
                    path: None,
                    message: format!(
                        "`cors_origins`: `{o}` is not an origin (scheme://host[:port], no path) or `*`"
                    ),
                });
            }
        }
        self.trends.validate()
    }

    /// [`Self::max_wait_ms`] as a duration.
    pub fn max_wait(&self) -> Duration {
        Duration::from_millis(self.max_wait_ms)
    }

    /// [`Self::header_read_timeout_ms`] as a duration.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }

    /// [`Self::write_timeout_ms`] as a duration.
    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms)
    }

    /// [`Self::shutdown_timeout_ms`] as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_millis(self.shutdown_timeout_ms)
    }

    /// [`Self::request_timeout_ms`] as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_file_keeps_other_defaults() {
        let cfg = ServeConfig::from_toml_str("max_batch = 8\naddr = \"0.0.0.0:9000\"\n").unwrap();
        assert_eq!(cfg.max_batch, 8);
        assert_eq!(cfg.addr.port(), 9000);
        assert_eq!(cfg.queue_capacity, ServeConfig::default().queue_capacity);
    }

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let err = ServeConfig::from_toml_str("max_bach = 8\n").unwrap_err();
        assert!(err.to_string().contains("max_bach"), "{err}");
    }

    #[test]
    fn zero_limits_are_rejected() {
        let err = ServeConfig::from_toml_str("workers = 0\n").unwrap_err();
        assert!(err.to_string().contains("workers"), "{err}");
    }

    /// Issue 16: `--queue-capacity 18446744073709551615` aborted after the
    /// port opened; a file with such a value is now refused up front.
    #[test]
    fn huge_limits_are_rejected_with_the_bound() {
        let err = ServeConfig::from_toml_str("queue_capacity = 9223372036854775807\n").unwrap_err();
        assert!(err.to_string().contains("at most 1048576"), "{err}");
        let err = ServeConfig::from_toml_str("max_wait_ms = 60001\n").unwrap_err();
        assert!(err.to_string().contains("max_wait_ms"), "{err}");
        for (name, range) in RANGES {
            let at_max = format!("{name} = {}\n", range.end());
            assert!(
                ServeConfig::from_toml_str(&at_max).is_ok(),
                "{name} at its maximum"
            );
        }
    }

    #[test]
    fn the_trends_table_is_read_and_checked() {
        let cfg = ServeConfig::from_toml_str(
            "[trends]\nfrom_tag = false\n[trends.detector]\nwarmup_min = 10\n",
        )
        .unwrap();
        assert!(cfg.trends.enabled && !cfg.trends.from_tag);
        assert_eq!(cfg.trends.detector.warmup_min, 10);
        let err = ServeConfig::from_toml_str("[trends]\nrecent_tweet = 5\n").unwrap_err();
        assert!(err.to_string().contains("recent_tweet"), "{err}");
        let err = ServeConfig::from_toml_str("[trends.detector]\nz_threshold = -1\n").unwrap_err();
        assert!(err.to_string().contains("trends.detector"), "{err}");
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serve.toml");
        std::fs::write(&path, "max_batch = \"many\"\n").unwrap();
        let err = ServeConfig::from_toml_file(&path).unwrap_err().to_string();
        assert!(err.contains("serve.toml"), "{err}");
        assert!(err.contains("max_batch"), "{err}");
        let missing = ServeConfig::from_toml_file(&dir.path().join("nope.toml")).unwrap_err();
        assert!(missing.to_string().contains("nope.toml"));
    }
}
