//! `open311 serve`: the reference GeoReport v2 server, on a SQLite file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use open311_server_traits::{AnyKey, Backend, Config, Router, StaticKeys};

mod sample;
mod seed;
pub(crate) mod store;

/// The arguments of `open311 serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:3311")]
    addr: SocketAddr,
    /// The SQLite file; created and seeded when it does not exist.
    #[arg(long, default_value = "open311.db")]
    db: PathBuf,
    /// An API key accepted for POSTs; repeat for more. Without any, every key is accepted.
    #[arg(long = "api-key", value_name = "KEY")]
    api_keys: Vec<String>,
    /// A jurisdiction_id served; repeat for more. Without any, the parameter is ignored.
    #[arg(long = "jurisdiction", value_name = "ID")]
    jurisdictions: Vec<String>,
    /// Seed a new database from the Open311 documents in DIR instead of the sample catalogue.
    #[arg(long, value_name = "DIR")]
    seed: Option<PathBuf>,
    /// Seconds before a batch service's token resolves to a request id.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    token_delay: u32,
    /// The endpoint's public URL, for the discovery document.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Seconds a client has to send a request's headers.
    #[arg(long, value_name = "SECONDS", default_value_t = Timeouts::HEADERS)]
    header_timeout: u64,
    /// Seconds a request's body may stall between two pieces.
    #[arg(long, value_name = "SECONDS", default_value_t = Timeouts::BODY_IDLE)]
    body_timeout: u64,
    /// Seconds a whole request body may take.
    #[arg(long, value_name = "SECONDS", default_value_t = Timeouts::WHOLE_BODY)]
    request_timeout: u64,
}

/// How long a client may take, from the command line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    headers: Duration,
    body_idle: Duration,
    whole: Duration,
}

impl Timeouts {
    /// Seconds for the headers, by default.
    const HEADERS: u64 = 30;
    /// Seconds a body may pause, by default.
    const BODY_IDLE: u64 = 10;
    /// Seconds for a whole body, by default.
    const WHOLE_BODY: u64 = 30;
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            headers: Duration::from_secs(Self::HEADERS),
            body_idle: Duration::from_secs(Self::BODY_IDLE),
            whole: Duration::from_secs(Self::WHOLE_BODY),
        }
    }
}

/// The HTTP/1 settings of the reference server, for a connection.
pub(crate) fn http1(timeouts: Timeouts) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.headers);
    builder
}

/// Runs the server until SIGINT or SIGTERM.
pub(crate) fn run(args: &Args) -> Result<ExitCode, String> {
    init_logging();
    if args.seed.is_some() && args.db.exists() {
        return Err(format!(
            "{} exists; --seed fills a new database only (remove the file or choose another --db)",
            args.db.display()
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(serve(args))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OPEN311_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

async fn serve(args: &Args) -> Result<ExitCode, String> {
    let seed_dir = args.seed.clone();
    let seed = move || match &seed_dir {
        Some(dir) => seed::load(dir),
        None => Ok(store::Seed {
            catalogue: sample::catalogue(),
            requests: Vec::new(),
        }),
    };
    let options = store::StoreOptions {
        multi_jurisdiction: args.jurisdictions.len() > 1,
        token_delay: chrono::Duration::seconds(i64::from(args.token_delay)),
    };
    let backend = store::open(&args.db, seed, options)?;
    let mut config =
        Config::default().with_jurisdictions(args.jurisdictions.iter().map(String::as_str));
    if args.api_keys.is_empty() {
        tracing::warn!("no --api-key given: every POST is accepted, as for local development");
        config = config.with_api_keys(AnyKey);
    } else {
        let keys = args
            .api_keys
            .iter()
            .enumerate()
            .fold(StaticKeys::new(), |keys, (n, key)| {
                keys.with_key(format!("key {}", n + 1), key.clone())
            });
        config = config.with_api_keys(keys);
    }
    if let Some(url) = &args.public_url {
        config = config.with_public_url(url.clone());
    }
    let router = Router::new(backend, config);
    // The signal handlers exist before the server says it listens: a SIGTERM sent as soon as
    // the line appears must shut it down cleanly, not kill it.
    let mut signals = Signals::new().map_err(|error| format!("signal handlers: {error}"))?;

    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|error| format!("{}: {error}", args.addr))?;
    let local = listener.local_addr().map_err(|error| error.to_string())?;
    tracing::info!(
        "serving GeoReport v2 on http://{local}/ from {}",
        args.db.display()
    );

    let timeouts = Timeouts {
        headers: Duration::from_secs(args.header_timeout),
        body_idle: Duration::from_secs(args.body_timeout),
        whole: Duration::from_secs(args.request_timeout),
    };
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(signals.wait());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors, say: wait a little rather than spin.
                        tracing::warn!("accept failed: {error}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let router = router.clone();
                let service = hyper::service::service_fn(move |request| {
                    let router = router.clone();
                    async move {
                        Ok::<_, std::convert::Infallible>(logged(&router, request, timeouts).await)
                    }
                });
                let connection = http1(timeouts).serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!("connection ended: {error}");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => tracing::warn!("connections still open after 10 s"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Answers one request and logs one line: method, path, status, time. The query string is not
/// logged, so nothing a client put there (an `api_key`, say) reaches the log.
pub(crate) async fn logged<B: Backend>(
    router: &Router<B>,
    request: http::Request<Incoming>,
    timeouts: Timeouts,
) -> http::Response<Full<Bytes>> {
    let started = Instant::now();
    let method = request.method().clone();
    // A clone of the URI shares its bytes: the path is kept for the log without a copy.
    let uri = request.uri().clone();
    let (parts, body) = request.into_parts();
    let response = match read_body(router, &parts, body, timeouts).await {
        Ok(bytes) => router.handle(http::Request::from_parts(parts, bytes)).await,
        Err(refusal) => refusal,
    };
    tracing::info!(
        "{method} {} {} {:.1}ms",
        uri.path(),
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response.map(Full::new)
}

/// Reads a body under the size limit and the timeouts; a declared length over the limit is
/// refused before any byte is read, a longer body as soon as it passes the limit (hyper then
/// closes the connection rather than read the rest), and a body that stalls with 408.
async fn read_body<B: Backend>(
    router: &Router<B>,
    parts: &http::request::Parts,
    mut body: Incoming,
    timeouts: Timeouts,
) -> Result<Bytes, http::Response<Bytes>> {
    let path = parts.uri.path();
    let limit = router.config().limits().max_body;
    if router.declares_too_large(&parts.headers) {
        return Err(router.body_too_large(path));
    }
    // A request without a body, a GET say, has nothing to wait for.
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let deadline = tokio::time::Instant::now() + timeouts.whole;
    let mut bytes = Vec::new();
    loop {
        let wait = timeouts
            .body_idle
            .min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        let frame = match tokio::time::timeout(wait, body.frame()).await {
            Ok(frame) => frame,
            Err(_) => {
                let description = "the request body did not arrive in time";
                return Err(router.refuse(path, http::StatusCode::REQUEST_TIMEOUT, description));
            }
        };
        match frame {
            None => return Ok(Bytes::from(bytes)),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if bytes.len() + data.len() > limit {
                        return Err(router.body_too_large(path));
                    }
                    bytes.extend_from_slice(&data);
                }
            }
            // The client broke off: there is no request to answer, but the answer is still a
            // spec error document.
            Some(Err(_)) => {
                let description = "the request body could not be read";
                return Err(router.refuse(path, http::StatusCode::BAD_REQUEST, description));
            }
        }
    }
}

/// SIGINT and SIGTERM, listened for from the moment this is made.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for either signal.
    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
