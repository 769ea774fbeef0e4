//! Load generator for the tweetner HTTP service.
//!
//! Sends `POST /v1/tag` requests over keep-alive connections, one connection
//! per simulated client, for a fixed time at each concurrency level, and
//! prints throughput, latency percentiles and errors as a Markdown table
//! (plus the mean server-side batch size read from `/metrics`).
//!
//! ```text
//! # against a running server (`tweetner serve --model models/default`)
//! cargo run --release -p tweetner-serve --example loadgen -- \
//!     --url http://127.0.0.1:8080 --file ../shared/data/wnut16/dev.conll
//! # or start an in-process server with a model directory, or with the mock
//! # tagger (no model needed)
//! cargo run --release -p tweetner-serve --example loadgen -- --model models/default
//! cargo run --release -p tweetner-serve --example loadgen -- --mock-cost-us 20
//! ```
//!
//! Only loopback addresses are accepted: this tool is for measuring a server
//! on this machine.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use tweetner_serve::client::Client;
use tweetner_serve::testing::MockTagger;
use tweetner_serve::{ServeConfig, Server};

#[derive(Parser, Debug)]
#[command(about = "Measure tweetner-serve throughput and latency")]
struct Args {
    /// Server to load, e.g. http://127.0.0.1:8080 (loopback only). Without
    /// it, an in-process server is started (with --model, or the mock tagger).
    #[arg(long)]
    url: Option<String>,
    /// Concurrency levels (simultaneous clients), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16,64")]
    concurrency: Vec<usize>,
    /// Seconds per level.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Texts: CoNLL (`.conll`: first column, blank-line separated) or one per line.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Texts per request (`texts` array when above 1).
    #[arg(long, default_value_t = 1)]
    texts_per_request: usize,
    /// Model directory for the in-process server (instead of the mock tagger).
    #[arg(long, conflicts_with = "url")]
    model: Option<PathBuf>,
    /// Mock tagger CPU cost per token in µs (in-process server only).
    #[arg(long, default_value_t = 20)]
    mock_cost_us: u64,
    /// Inference workers of the in-process server.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// max_batch of the in-process server.
    #[arg(long, default_value_t = 32)]
    max_batch: usize,
    /// max_wait_ms of the in-process server.
    #[arg(long, default_value_t = 2)]
    max_wait_ms: u64,
}

/// Texts from a file, or a built-in handful when none is given.
fn load_texts(path: Option<&PathBuf>) -> Result<Vec<String>, String> {
    let Some(path) = path else {
        return Ok([
            "Going to see Taylor Swift in New York tonight !",
            "@bob watching the Yankees game at Fenway lol",
            "new iPhone from Apple looks great #tech",
            "RT @news : Obama visits London and Paris next week",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let conll = path.extension().is_some_and(|e| e == "conll");
    let mut out = Vec::new();
    if conll {
        let mut words: Vec<&str> = Vec::new();
        for line in text.lines() {
            match line.split_whitespace().next() {
                Some(w) => words.push(w),
                None if !words.is_empty() => out.push(std::mem::take(&mut words).join(" ")),
                None => {}
            }
        }
        if !words.is_empty() {
            out.push(words.join(" "));
        }
    } else {
        out.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from),
        );
    }
    if out.is_empty() {
        return Err(format!("{}: no texts", path.display()));
    }
    Ok(out)
}

fn loopback_addr(url: &str) -> Result<SocketAddr, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("only http:// URLs are supported")?;
    let hostport = rest.split('/').next().unwrap_or(rest);
    let addr = hostport
        .to_socket_addrs()
        .map_err(|e| format!("{hostport}: {e}"))?
        .next()
        .ok_or_else(|| format!("{hostport}: no address"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("{addr} is not a loopback address"));
    }
    Ok(addr)
}

#[derive(Default)]
struct LevelStats {
    latencies_us: Vec<u64>,
    ok: u64,
    status_errors: std::collections::BTreeMap<u16, u64>,
    transport_errors: u64,
}

async fn client_loop(
    addr: SocketAddr,
    texts: Arc<Vec<String>>,
    per_request: usize,
    start_index: usize,
    until: Instant,
) -> LevelStats {
    let mut stats = LevelStats::default();
    let mut client: Option<Client> = None;
    let mut i = start_index;
    while Instant::now() < until {
        let c = match &mut client {
            Some(c) if !c.is_closed() => c,
            _ => match Client::connect(addr).await {
                Ok(c) => client.insert(c),
                Err(_) => {
                    stats.transport_errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let body = if per_request == 1 {
            json!({"text": texts[i % texts.len()]})
        } else {
            let batch: Vec<&String> = (0..per_request)
                .map(|k| &texts[(i + k) % texts.len()])
                .collect();
            json!({"texts": batch})
        };
        i += per_request;
        let sent = Instant::now();
        match c.post_json("/v1/tag", &body).await {
            Ok(r) => {
                stats.latencies_us.push(sent.elapsed().as_micros() as u64);
                if r.status == 200 {
                    stats.ok += 1;
                } else {
                    *stats.status_errors.entry(r.status).or_default() += 1;
                    if r.status == 429 {
                        // Back off briefly, as a well-behaved client would.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            Err(_) => {
                stats.transport_errors += 1;
                client = None;
            }
        }
    }
    stats
}

/// `(batch_size_sum, batch_size_count)` from `/metrics`.
async fn batch_counters(addr: SocketAddr) -> Option<(f64, f64)> {
    let text = Client::connect(addr)
        .await
        .ok()?
        .get("/metrics")
        .await
        .ok()?
        .text();
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
    };
    Some((
        value("tweetner_batch_size_sum ")?,
        value("tweetner_batch_size_count ")?,
    ))
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)] as f64 / 1000.0
}

async fn run_level(
    addr: SocketAddr,
    texts: &Arc<Vec<String>>,
    args: &Args,
    n: usize,
    secs: f64,
) -> (LevelStats, f64) {
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|k| {
            let texts = Arc::clone(texts);
            let start = k * texts.len() / n.max(1);
            tokio::spawn(client_loop(
                addr,
                texts,
                args.texts_per_request,
                start,
                until,
            ))
        })
        .collect();
    let mut all = LevelStats::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.latencies_us.extend(s.latencies_us);
            all.ok += s.ok;
            all.transport_errors += s.transport_errors;
            for (k, v) in s.status_errors {
                *all.status_errors.entry(k).or_default() += v;
            }
        }
    }
    (all, started.elapsed().as_secs_f64())
}

async fn main_async(args: Args) -> Result<(), String> {
    let texts = Arc::new(load_texts(args.file.as_ref())?);
    let mut local = None;
    let addr = match &args.url {
        Some(url) => loopback_addr(url)?,
        None => {
            let cfg = ServeConfig {
                addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                workers: args.workers,
                max_batch: args.max_batch,
                max_wait_ms: args.max_wait_ms,
                queue_capacity: 1024,
                ..ServeConfig::default()
            };
            let server = Server::bind(cfg).await.map_err(|e| e.to_string())?;
            let addr = server.local_addr();
            let tagger: tweetner_serve::SharedTagger = match &args.model {
                Some(dir) => {
                    Arc::from(tweetner_tagger::load_model(dir).map_err(|e| e.to_string())?)
                }
                None => Arc::new(
                    MockTagger::new().with_cost_per_token(Duration::from_micros(args.mock_cost_us)),
                ),
            };
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(server.run(tagger, None, async move {
                let _ = stopped.await;
            }));
            local = Some((stop, task));
            match &args.model {
                Some(dir) => eprintln!("in-process server with model {} on {addr}", dir.display()),
                None => eprintln!(
                    "in-process server with the mock tagger ({} µs/token) on {addr}",
                    args.mock_cost_us
                ),
            }
            addr
        }
    };
    eprintln!(
        "{} texts, {} per request; warming up",
        texts.len(),
        args.texts_per_request
    );
    run_level(addr, &texts, &args, 2, 1.0).await;
    println!("| clients | requests | ok | errors | req/s | tweets/s | p50 ms | p90 ms | p99 ms | max ms | mean batch |");
    println!("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &args.concurrency {
        let before = batch_counters(addr).await;
        let (mut s, secs) = run_level(addr, &texts, &args, n, args.duration).await;
        let after = batch_counters(addr).await;
        s.latencies_us.sort_unstable();
        let mean_batch = match (before, after) {
            (Some((s0, c0)), Some((s1, c1))) if c1 > c0 => format!("{:.1}", (s1 - s0) / (c1 - c0)),
            _ => "-".to_string(),
        };
        let mut errors: Vec<String> = s
            .status_errors
            .iter()
            .map(|(k, v)| format!("{v}×{k}"))
            .collect();
        if s.transport_errors > 0 {
            errors.push(format!("{}×io", s.transport_errors));
        }
        let errors = if errors.is_empty() {
            "0".to_string()
        } else {
            errors.join(" ")
        };
        println!(
            "| {n} | {} | {} | {errors} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {mean_batch} |",
            s.latencies_us.len(),
            s.ok,
            s.latencies_us.len() as f64 / secs,
            (s.ok as usize * args.texts_per_request) as f64 / secs,
            percentile(&s.latencies_us, 0.5),
            percentile(&s.latencies_us, 0.9),
            percentile(&s.latencies_us, 0.99),
            percentile(&s.latencies_us, 1.0),
        );
    }
    if let Some((stop, task)) = local {
        let _ = stop.send(());
        let _ = task.await;
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(main_async(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
