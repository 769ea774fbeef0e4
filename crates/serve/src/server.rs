//! Binding, running and stopping the server.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};

use crate::batcher::{BatchSettings, Batcher, BatcherHandle, SharedTagger};
use crate::config::ServeConfig;
use crate::connections::{serve_connections, ConnectionLimits};
use crate::error::ServeError;
use crate::routes::{self, AppState, Loaded};
use crate::trends::TrendHub;

/// A loaded model: the tagger and the JSON that `/v1/model` shows as `info`
/// (typically the model card; its `name` field becomes the model name).
pub struct LoadedModel {
    /// The tagger every worker shares.
    pub tagger: SharedTagger,
    /// Description shown by `/v1/model`.
    pub info: Option<Value>,
}

/// A bound but not yet running server. Binding first lets callers learn the
/// real port (tests bind `127.0.0.1:0`) before any request can arrive.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    state: Arc<AppState>,
}

impl Server {
    /// Validate `cfg` and open the listening socket on `cfg.addr`.
    pub async fn bind(cfg: ServeConfig) -> Result<Server, ServeError> {
        cfg.validate()?;
        let listener =
            crate::connections::listen(cfg.addr, cfg.listen_backlog).map_err(|source| {
                ServeError::Bind {
                    addr: cfg.addr,
                    source,
                }
            })?;
        let addr = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: cfg.addr,
            source,
        })?;
        let state = Arc::new(AppState::new(cfg)?);
        Ok(Server {
            listener,
            addr,
            state,
        })
    }

    /// The trend detector this server feeds (`None` with `[trends] enabled =
    /// false`), for feeding it from elsewhere too: the CLI's
    /// `--trends-bus` follows the stream workers' results into it.
    pub fn trend_hub(&self) -> Option<Arc<TrendHub>> {
        self.state.trends.clone()
    }

    /// The address actually bound (the real port when `cfg.addr` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve with an already loaded tagger until `shutdown` completes, then
    /// stop accepting, finish in-flight requests and return. The server is
    /// ready before the first request is read.
    pub async fn run(
        self,
        tagger: SharedTagger,
        info: Option<Value>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), ServeError> {
        self.drive(Model::Ready(LoadedModel { tagger, info }), shutdown)
            .await
    }

    /// Start answering at once (`/healthz` 200, `/readyz` 503) while `loader`
    /// runs on its own thread; tagging is enabled when it returns. A loader
    /// error stops the server and is returned as [`ServeError::Model`], so a
    /// broken model directory fails the process instead of leaving a server
    /// that is never ready.
    pub async fn run_with_loader<L>(
        self,
        loader: L,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), ServeError>
    where
        L: FnOnce() -> Result<LoadedModel, String> + Send + 'static,
    {
        let (load_tx, load_rx) = oneshot::channel();
        // A plain thread rather than `spawn_blocking`: if shutdown comes while
        // loading, nothing has to wait for the load to finish.
        std::thread::Builder::new()
            .name("tweetner-load".into())
            .spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(loader))
                    .unwrap_or_else(|_| Err("the model loader panicked".to_string()));
                let _ = load_tx.send(result);
            })
            .map_err(ServeError::Worker)?;
        self.drive(Model::Loading(load_rx), shutdown).await
    }

    async fn drive(
        self,
        model: Model,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), ServeError> {
        let state = self.state;
        let cfg = &state.cfg;
        let settings = BatchSettings {
            max_batch: cfg.max_batch,
            max_wait: cfg.max_wait(),
            queue_capacity: cfg.queue_capacity,
            queue_tokens: cfg.queue_tokens,
            workers: cfg.workers,
        };
        let limits = ConnectionLimits {
            header_read_timeout: cfg.header_read_timeout(),
            write_timeout: cfg.write_timeout(),
            max_connections: cfg.max_connections,
            max_connections_per_ip: cfg.max_connections_per_ip,
            shutdown_timeout: cfg.shutdown_timeout(),
        };
        let mut batcher: Option<BatcherHandle> = None;
        let load_rx = match model {
            Model::Ready(m) => {
                batcher = Some(install(&state, m, settings)?);
                None
            }
            Model::Loading(rx) => Some(rx),
        };

        let stop = Arc::new(Notify::new());
        let stop_wait = Arc::clone(&stop);
        let app = routes::router(Arc::clone(&state));
        let mut server = tokio::spawn(serve_connections(
            self.listener,
            app,
            limits,
            Arc::clone(&state.metrics),
            async move { stop_wait.notified().await },
        ));

        tokio::pin!(shutdown);
        let mut failure: Option<ServeError> = None;
        let mut ended = None;
        if let Some(load_rx) = load_rx {
            tokio::select! {
                loaded = load_rx => match loaded {
                    Ok(Ok(model)) => match install(&state, model, settings) {
                        Ok(handle) => {
                            tracing::info!("model loaded; ready");
                            batcher = Some(handle);
                        }
                        Err(e) => failure = Some(e),
                    },
                    Ok(Err(message)) => failure = Some(ServeError::Model(message)),
                    Err(_) => failure = Some(ServeError::Model("the loader ended without a result".into())),
                },
                () = &mut shutdown => {}
                r = &mut server => ended = Some(r),
            }
        }
        if batcher.is_some() && failure.is_none() && ended.is_none() {
            tokio::select! {
                () = &mut shutdown => {}
                r = &mut server => ended = Some(r),
            }
        }

        // Drain: readiness fails first, then the listener closes and the
        // in-flight requests finish, and only then do the workers stop.
        tracing::info!("shutting down: finishing in-flight requests");
        state.draining.store(true, Ordering::SeqCst);
        if let Some(hub) = &state.trends {
            hub.close();
        }
        stop.notify_one();
        let served = match ended {
            Some(r) => r,
            None => server.await,
        };
        if let Some(handle) = batcher {
            handle.shutdown().await;
        }
        served
            .map_err(|e| ServeError::Server(std::io::Error::other(e.to_string())))?
            .map_err(ServeError::Server)?;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The model, already loaded or on its way.
enum Model {
    Ready(LoadedModel),
    Loading(oneshot::Receiver<Result<LoadedModel, String>>),
}

/// Start the batcher for a freshly loaded model and publish it to the handlers.
fn install(
    state: &AppState,
    model: LoadedModel,
    settings: BatchSettings,
) -> Result<BatcherHandle, ServeError> {
    let labels = model.tagger.labels().to_vec();
    let (batcher, handle) = Batcher::start(model.tagger, settings, Arc::clone(&state.metrics))?;
    // `model` is set exactly once, here.
    let _ = state.model.set(Loaded {
        batcher,
        labels,
        info: model.info,
    });
    Ok(handle)
}

/// Bind `cfg.addr` and serve `tagger` until `shutdown` completes.
pub async fn serve(
    tagger: SharedTagger,
    info: Option<Value>,
    cfg: ServeConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    Server::bind(cfg).await?.run(tagger, info, shutdown).await
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// For synchronous callers (the CLI): build a runtime, bind, call
/// `on_listen` with the bound address and the trend hub, load the model
/// with `loader` while already answering health checks, and serve until
/// SIGINT/SIGTERM.
pub fn run_blocking<L>(
    cfg: ServeConfig,
    loader: L,
    on_listen: impl FnOnce(SocketAddr, Option<Arc<TrendHub>>),
) -> Result<(), ServeError>
where
    L: FnOnce() -> Result<LoadedModel, String> + Send + 'static,
{
    // The async side only parses JSON and moves bytes; inference has its own
    // threads, so two runtime threads are plenty.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("tweetner-http")
        .enable_all()
        .build()
        .map_err(ServeError::Server)?;
    rt.block_on(async {
        let server = Server::bind(cfg).await?;
        on_listen(server.local_addr(), server.trend_hub());
        server.run_with_loader(loader, shutdown_signal()).await
    })
}
