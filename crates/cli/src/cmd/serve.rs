//! `tweetner serve`: the HTTP service. The API (endpoints, JSON shapes,
//! error codes) is documented in the `tweetner-serve` crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use tweetner_serve::{LoadedModel, ServeConfig};

use super::limits;
use super::model::{resolve_model_dir, warn_if_int8_unused};
use super::trend_feed::TrendFeedArgs;

#[derive(Args)]
pub struct ServeArgs {
    /// Model directory or name (`tweetner models list`; default: $TWEETNER_MODEL, then the model named `default`).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Settings file (TOML; any `ServeConfig` keys). Flags below override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub addr: Option<SocketAddr>,
    /// Most texts per inference batch [default: 32].
    #[arg(long, value_parser = limits::serve::<usize>("max_batch"))]
    pub max_batch: Option<usize>,
    /// Longest wait (ms) for a batch to fill [default: 2].
    #[arg(long, value_parser = limits::serve::<u64>("max_wait_ms"))]
    pub max_wait_ms: Option<u64>,
    /// Requests that may wait before new ones get 429 [default: 256].
    #[arg(long, value_parser = limits::serve::<usize>("queue_capacity"))]
    pub queue_capacity: Option<usize>,
    /// Inference threads [default: number of cores].
    #[arg(long, value_parser = limits::serve::<usize>("workers"))]
    pub workers: Option<usize>,
    /// Largest request body in bytes [default: 1048576].
    #[arg(long, value_parser = limits::serve::<usize>("body_limit_bytes"))]
    pub body_limit_bytes: Option<usize>,
    /// Most texts per request [default: 256].
    #[arg(long, value_parser = limits::serve::<usize>("max_texts_per_request"))]
    pub max_texts_per_request: Option<usize>,
    /// Longest text in UTF-8 bytes [default: 4096].
    #[arg(long, value_parser = limits::serve::<usize>("max_text_bytes"))]
    pub max_text_bytes: Option<usize>,
    /// Most tokens in one text (413 beyond) [default: 2048].
    #[arg(long, value_parser = limits::serve::<usize>("max_text_tokens"))]
    pub max_text_tokens: Option<usize>,
    /// Tokens queued or being tagged at once before new requests get 429 [default: 262144].
    #[arg(long, value_parser = limits::serve::<usize>("queue_tokens"))]
    pub queue_tokens: Option<usize>,
    /// Per-request time limit in ms [default: 10000].
    #[arg(long, value_parser = limits::serve::<u64>("request_timeout_ms"))]
    pub request_timeout_ms: Option<u64>,
    /// Longest wait in ms for a request's headers; also closes keep-alive
    /// connections idle this long [default: 10000].
    #[arg(long, value_parser = limits::serve::<u64>("header_read_timeout_ms"))]
    pub header_read_timeout_ms: Option<u64>,
    /// Most client connections open at once; more wait to be accepted [default: 1024].
    #[arg(long, value_parser = limits::serve::<usize>("max_connections"))]
    pub max_connections: Option<usize>,
    /// Kernel queue of connections not yet accepted (capped by net.core.somaxconn) [default: 4096].
    #[arg(long, value_parser = limits::serve::<u32>("listen_backlog"))]
    pub listen_backlog: Option<u32>,
    /// Most connections open at once from one IP; more are closed at once [default: 256].
    #[arg(long, value_parser = limits::serve::<usize>("max_connections_per_ip"))]
    pub max_connections_per_ip: Option<usize>,
    /// Longest time in ms a write to a client may make no progress before the
    /// connection is closed [default: 10000].
    #[arg(long, value_parser = limits::serve::<u64>("write_timeout_ms"))]
    pub write_timeout_ms: Option<u64>,
    /// Longest wait in ms at shutdown for open connections to finish their
    /// requests; still-open ones are then closed [default: 10000].
    #[arg(long, value_parser = limits::serve::<u64>("shutdown_timeout_ms"))]
    pub shutdown_timeout_ms: Option<u64>,
    /// Run a transformer model's encoder projections in int8 (about 2x faster on
    /// AVX-512 VNNI CPUs). No effect on BiLSTM-CRF models.
    #[arg(long)]
    pub int8: bool,
    /// Let a browser on ORIGIN call the API (CORS); repeatable; `*` allows any.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Require `Authorization: Bearer KEY` with a key from this file (one per
    /// line) everywhere but /healthz, /readyz, /openapi.json and /docs.
    #[arg(long)]
    pub api_key_file: Option<PathBuf>,
    /// Write one JSON line per request to stderr.
    #[arg(long)]
    pub access_log: bool,
    #[command(flatten)]
    pub feed: TrendFeedArgs,
}

/// The file settings (or defaults) with the flags applied on top.
fn settings(args: &ServeArgs) -> Result<ServeConfig> {
    let mut cfg = match &args.config {
        Some(path) => ServeConfig::from_toml_file(path)?,
        None => ServeConfig::default(),
    };
    macro_rules! set {
        ($($field:ident),*) => {$(
            if let Some(v) = args.$field {
                cfg.$field = v;
            }
        )*};
    }
    set!(
        addr,
        max_batch,
        max_wait_ms,
        queue_capacity,
        workers,
        body_limit_bytes,
        max_texts_per_request,
        max_text_bytes,
        max_text_tokens,
        queue_tokens,
        request_timeout_ms,
        header_read_timeout_ms,
        max_connections,
        listen_backlog,
        max_connections_per_ip,
        write_timeout_ms,
        shutdown_timeout_ms
    );
    if !args.cors_origins.is_empty() {
        cfg.cors_origins = args.cors_origins.clone();
    }
    if let Some(keys) = &args.api_key_file {
        cfg.api_key_file = Some(keys.clone());
    }
    cfg.access_log |= args.access_log;
    cfg.validate()?;
    Ok(cfg)
}

pub fn run(args: ServeArgs) -> Result<()> {
    let cfg = settings(&args)?;
    let dir = resolve_model_dir(args.model.as_deref())?;
    // Read the description first: a wrong --model fails here, before the port
    // opens, while the weights load in the background once it is open.
    let info = tweetner_tagger::model_info(&dir)
        .with_context(|| format!("{}: not a usable model directory", dir.display()))?;
    let name = info.name.clone();
    let info = serde_json::to_value(&info).context("describing the model")?;
    warn_if_int8_unused(&dir, args.int8)?;
    let feed = args
        .feed
        .wanted(cfg.trends.enabled)?
        .then(|| args.feed.clone());
    let load_dir = dir.clone();
    // Each server worker calls the tagger on its own batch: one thread per call.
    let opts = tweetner_tagger::LoadOptions {
        int8: args.int8,
        ..Default::default()
    };
    tweetner_serve::run_blocking(
        cfg,
        move || {
            let tagger =
                tweetner_tagger::load_model_opts(&load_dir, &opts).map_err(|e| e.to_string())?;
            Ok(LoadedModel {
                tagger: Arc::from(tagger),
                info: Some(info),
            })
        },
        |addr, hub| {
            eprintln!(
                "tweetner: serving model {name} ({}) on http://{addr}; Ctrl-C to stop",
                dir.display()
            );
            if let (Some(feed), Some(hub)) = (feed, hub) {
                if let Err(e) = feed.spawn(hub) {
                    eprintln!("tweetner: cannot start the trend feed: {e:#}");
                }
            }
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ServeArgs,
    }

    fn parse(argv: &[&str]) -> ServeArgs {
        Wrapper::parse_from(std::iter::once("serve").chain(argv.iter().copied())).args
    }

    #[test]
    fn flags_override_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("serve.toml");
        std::fs::write(&file, "max_batch = 8\nworkers = 3\n").unwrap();
        let f = file.to_str().unwrap();
        let cfg = settings(&parse(&["--config", f, "--max-batch", "16"])).unwrap();
        assert_eq!((cfg.max_batch, cfg.workers), (16, 3));
        let cfg = settings(&parse(&["--addr", "127.0.0.1:0"])).unwrap();
        assert_eq!(cfg.addr.port(), 0);
        assert_eq!(cfg.max_batch, ServeConfig::default().max_batch);
    }

    #[test]
    fn bad_settings_are_errors_naming_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("serve.toml");
        std::fs::write(&file, "max_bach = 8\n").unwrap();
        let err = settings(&parse(&["--config", file.to_str().unwrap()])).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("serve.toml") && msg.contains("max_bach"),
            "{msg}"
        );
        // Out-of-range flags are usage errors now (exit 2), before any settings exist.
        let err = Wrapper::try_parse_from(["serve", "--workers", "0"])
            .err()
            .expect("--workers 0 is refused");
        assert!(err.to_string().contains("workers"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }
}
