//! `open311 bench`: how fast the server layer answers, against what it cannot beat.
//!
//! Two comparisons, each in one run on loopback:
//!
//! 1. GET `requests/{id}.xml` through the reference server (router, SQLite store, hyper)
//!    against a bare hyper server that answers the same pre-encoded bytes to every request.
//! 2. GET `requests.xml` returning 1,000 requests through the router over an in-memory
//!    backend, against the bare XML encoder writing the same 1,000 requests in a loop: what
//!    routing, parsing, filtering and HTTP cost on top of encoding.
//!
//! Each server runs on a single-threaded runtime and the load generator on another thread,
//! so that on a two-core machine each side has one core; the bare encoder runs on one thread.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::TimeDelta;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use open311_server_traits::{Config, MemoryBackend, Router};
use open311_types::{Datetime, Service, ServiceRequest, Status};
use tower_service::Service as _;

use crate::serve::store::{self, Seed, StoreOptions};

/// The arguments of `open311 bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Seconds of load per measurement.
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    /// Concurrent keep-alive connections of the load generator.
    #[arg(long, default_value_t = 8)]
    connections: usize,
}

/// Runs both comparisons and prints a table.
pub(crate) fn run(args: &Args) -> Result<ExitCode, String> {
    let duration = Duration::from_secs(args.seconds.max(1));
    let requests = generated(1_000);
    let dir = std::env::temp_dir().join(format!("open311-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|error| error.to_string())?;
    let result = measure(&dir.join("bench.db"), &requests, duration, args.connections);
    let _ = std::fs::remove_dir_all(&dir);
    let report = result?;
    println!("{report}");
    Ok(ExitCode::SUCCESS)
}

fn measure(
    db: &std::path::Path,
    requests: &[ServiceRequest],
    duration: Duration,
    connections: usize,
) -> Result<String, String> {
    let one = requests[0]
        .service_request_id
        .clone()
        .ok_or("a generated id")?;
    let one_path = format!("/requests/{one}.xml");

    let seed = Seed {
        catalogue: vec![(Service::new("006", "Sidewalk"), None)],
        requests: requests.to_vec(),
    };
    let options = StoreOptions {
        multi_jurisdiction: false,
        token_delay: TimeDelta::zero(),
    };
    let db = db.to_owned();
    let reference = serve_router(move || {
        let backend = store::open(&db, move || Ok(seed), options)?;
        Ok(Router::new(backend, Config::default()))
    })?;
    let single = vec![requests[0].clone()];
    let bare = serve_bytes(Bytes::from(open311_types::xml::to_vec(&single)))?;
    let memory = || {
        requests
            .iter()
            .cloned()
            .fold(MemoryBackend::new(), MemoryBackend::with_request)
    };
    let local = Router::new(memory(), Config::default());
    let memory = memory();
    let listing = serve_router(move || Ok(Router::new(memory, Config::default())))?;
    // What HTTP alone allows for an answer of this size: the list's bytes, encoded once.
    let list_bytes = serve_bytes(Bytes::from(open311_types::xml::to_vec(&requests.to_vec())))?;
    let list = requests.to_vec();

    let [reference_rate, memory_one_rate, bare_rate] = interleave(
        duration,
        [
            &mut |slice| load(reference, &one_path, slice, connections),
            &mut |slice| load(listing, &one_path, slice, connections),
            &mut |slice| load(bare, &one_path, slice, connections),
        ],
    )?;
    let [list_rate, local_rate, encode_rate, list_bytes_rate] = interleave(
        duration,
        [
            &mut |slice| load(listing, "/requests.xml", slice, connections),
            &mut |slice| in_process(&local, slice),
            &mut |slice| Ok(encoder(&list, slice)),
            &mut |slice| load(list_bytes, "/requests.xml", slice, connections),
        ],
    )?;

    Ok(format!(
        "GET one request (requests/{{id}}.xml), {connections} connections, {}s each\n\
         \x20 reference server (SQLite)   {reference_rate:>10.0} req/s\n\
         \x20 router over memory          {memory_one_rate:>10.0} req/s\n\
         \x20 pre-encoded bytes           {bare_rate:>10.0} req/s\n\
         \x20 ratio                       {:>10.2}  (target >= 0.80)\n\
         GET 1,000 requests (requests.xml)\n\
         \x20 router over memory          {list_rate:>10.0} req/s\n\
         \x20 the same, in process        {local_rate:>10.0} req/s\n\
         \x20 bare XML encoder            {encode_rate:>10.0} lists/s\n\
         \x20 pre-encoded bytes over HTTP {list_bytes_rate:>10.0} req/s\n\
         \x20 ratio                       {:>10.2}  (target >= 0.80)",
        duration.as_secs(),
        reference_rate / bare_rate,
        list_rate / encode_rate,
    ))
}

/// 1,000 realistic requests, one every 40 minutes back from now, so all are in the window.
fn generated(count: usize) -> Vec<ServiceRequest> {
    let now: Datetime = chrono::Utc::now().fixed_offset();
    let pacific =
        chrono::FixedOffset::west_opt(8 * 3600).map_or(now, |offset| now.with_timezone(&offset));
    (0..count)
        .map(|n| {
            let mut request = ServiceRequest::new(
                (638_344 + n).to_string(),
                if n % 3 == 0 {
                    Status::Closed
                } else {
                    Status::Open
                },
            );
            request.status_notes = (n % 3 == 0).then(|| "Duplicate request.".to_owned());
            request.service_name = Some("Sidewalk and Curb Issues".into());
            request.service_code = Some("006".into());
            request.description = Some(format!(
                "Cracked curb & loose paving stones near house {n}, about 2 m wide."
            ));
            request.agency_responsible = Some("Department of Public Works".into());
            request.service_notice = Some("Inspection within 5 working days.".into());
            let at = pacific - TimeDelta::minutes(40 * n as i64);
            request.requested_datetime = Some(at);
            request.updated_datetime = Some(at + TimeDelta::hours(2));
            request.expected_datetime = Some(at + TimeDelta::days(5));
            request.address = Some(format!("{} 8TH AVE and JUDAH ST", 100 + n));
            request.address_id = Some((545_483 + n).to_string());
            request.zipcode = Some("94122".into());
            request.lat = Some(37.762_221_815 + n as f64 * 1e-5);
            request.long = Some(-122.465_114_5 - n as f64 * 1e-5);
            request.media_url = Some(format!(
                "http://city.gov.s3.amazonaws.com/requests/media/{}.jpg",
                638_344 + n
            ));
            request
        })
        .collect()
}

/// Answers one request on a server thread.
type Handler = Rc<dyn Fn(http::Request<Incoming>) -> Pin<Box<dyn Future<Output = Answer>>>>;

type Answer = http::Response<Full<Bytes>>;

/// Starts a router built by `make` on its own server thread; returns its address.
fn serve_router<B, F>(make: F) -> Result<SocketAddr, String>
where
    B: open311_server_traits::Backend,
    F: FnOnce() -> Result<Router<B>, String> + Send + 'static,
{
    spawn_server(move || {
        let router = make()?;
        let handler: Handler = Rc::new(move |request| {
            let mut router = router.clone();
            Box::pin(async move {
                match router.call(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            })
        });
        Ok(handler)
    })
}

/// Starts a server that answers `body` to every request.
fn serve_bytes(body: Bytes) -> Result<SocketAddr, String> {
    spawn_server(move || {
        let handler: Handler = Rc::new(move |_request| {
            let mut response = http::Response::new(Full::new(body.clone()));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/xml; charset=utf-8"),
            );
            Box::pin(std::future::ready(response))
        });
        Ok(handler)
    })
}

/// Runs a server on a thread of its own, with a single-threaded runtime, for as long as the
/// process lives; `make` builds its handler there.
fn spawn_server<F>(make: F) -> Result<SocketAddr, String>
where
    F: FnOnce() -> Result<Handler, String> + Send + 'static,
{
    let (ready, started) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => return drop(ready.send(Err(error.to_string()))),
        };
        let local = tokio::task::LocalSet::new();
        local.block_on(&runtime, async move {
            let handler = match make() {
                Ok(handler) => handler,
                Err(error) => return drop(ready.send(Err(error))),
            };
            let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                Ok(listener) => listener,
                Err(error) => return drop(ready.send(Err(error.to_string()))),
            };
            let _ = ready.send(listener.local_addr().map_err(|error| error.to_string()));
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Rc::clone(&handler);
                tokio::task::spawn_local(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let answer = handler(request);
                        async move { Ok::<_, Infallible>(answer.await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    started.recv().map_err(|error| error.to_string())?
}

/// How many answers arrived in how long.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    count: u64,
    seconds: f64,
}

/// The rate of each measurement, each given `duration` in all but run in turns of a tenth of
/// it, so that all of them see the same machine: on a shared virtual machine the speed of a
/// core drifts by a quarter within a minute, which two back-to-back runs would read as a
/// difference between them.
fn interleave<const N: usize>(
    duration: Duration,
    mut measures: [&mut dyn FnMut(Duration) -> Result<Sample, String>; N],
) -> Result<[f64; N], String> {
    const TURNS: u32 = 10;
    let slice = duration / TURNS;
    let mut totals = [Sample::default(); N];
    for _ in 0..TURNS {
        for (measure, total) in measures.iter_mut().zip(totals.iter_mut()) {
            let sample = measure(slice)?;
            total.count += sample.count;
            total.seconds += sample.seconds;
        }
    }
    Ok(totals.map(|total| total.count as f64 / total.seconds.max(f64::MIN_POSITIVE)))
}

/// Sends GET `path` on `connections` keep-alive connections for `duration`; counts the answers.
fn load(
    addr: SocketAddr,
    path: &str,
    duration: Duration,
    connections: usize,
) -> Result<Sample, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    let path = path.to_owned();
    runtime.block_on(async move {
        let started = Instant::now();
        let deadline = started + duration;
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let path = path.clone();
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(addr)
                    .await
                    .map_err(|e| e.to_string())?;
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream))
                        .await
                        .map_err(|e| e.to_string())?;
                tokio::spawn(connection);
                let mut answered = 0u64;
                while Instant::now() < deadline {
                    let request = http::Request::get(path.as_str())
                        .header(http::header::HOST, "127.0.0.1")
                        .body(Empty::<Bytes>::new())
                        .map_err(|e| e.to_string())?;
                    let response = sender
                        .send_request(request)
                        .await
                        .map_err(|e| e.to_string())?;
                    if response.status() != http::StatusCode::OK {
                        return Err(format!("{path} answered {}", response.status()));
                    }
                    response
                        .into_body()
                        .collect()
                        .await
                        .map_err(|e| e.to_string())?;
                    answered += 1;
                }
                Ok::<u64, String>(answered)
            }));
        }
        let mut count = 0;
        for task in tasks {
            count += task.await.map_err(|e| e.to_string())??;
        }
        Ok(Sample {
            count,
            seconds: started.elapsed().as_secs_f64(),
        })
    })
}

/// How many times the router answers GET requests.xml in process, without HTTP, in `duration`.
fn in_process(router: &Router<MemoryBackend>, duration: Duration) -> Result<Sample, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| error.to_string())?;
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < duration {
        let request = http::Request::get("/requests.xml")
            .body(Bytes::new())
            .map_err(|error| error.to_string())?;
        std::hint::black_box(runtime.block_on(router.handle(request)));
        count += 1;
    }
    Ok(Sample {
        count,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// How many times one thread encodes `list` as XML in `duration`.
fn encoder(list: &Vec<ServiceRequest>, duration: Duration) -> Sample {
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < duration {
        std::hint::black_box(open311_types::xml::to_vec(std::hint::black_box(list)));
        count += 1;
    }
    Sample {
        count,
        seconds: started.elapsed().as_secs_f64(),
    }
}
