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
//! The generator polls its sockets without sleeping (see [`load`]), so that what a server is
//! measured with is its own work, not the cost of waking a client on the same machine.
//!
//! Beside each rate the bench prints the CPU time the measured thread spent per answer (the
//! server's thread, or the one thread in process), read from Linux's per-thread scheduler
//! statistics: a rate also moves with the generator and the other core, CPU time with the
//! measured work alone. Where those statistics are missing the column says `-`. For the list
//! it also splits the server's CPU time per answer beyond encoding: HTTP (what the pre-encoded
//! list costs its server) and the rest (routing, parsing and filtering), each as a share of
//! the encoder's time, against the quarter the target allows for both.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::TimeDelta;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use open311_server_traits::{Config, MemoryBackend, Router};
use open311_types::{Datetime, Service, ServiceRequest, Status};

use crate::serve::store::{self, Seed, StoreOptions};
use crate::serve::{self, Timeouts};

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
    let reference = serve_router("reference", move || {
        let backend = store::open(&db, move || Ok(seed), options)?;
        Ok(Router::new(backend, Config::default()))
    })?;
    let single = vec![requests[0].clone()];
    let bare = serve_bytes(
        "bytes-one",
        Bytes::from(open311_types::xml::to_vec(&single)),
    )?;
    let memory = || {
        requests
            .iter()
            .cloned()
            .fold(MemoryBackend::new(), MemoryBackend::with_request)
    };
    let local = Router::new(memory(), Config::default());
    let memory = memory();
    let listing = serve_router("memory", move || Ok(Router::new(memory, Config::default())))?;
    let list = requests.to_vec();
    // What HTTP alone allows for an answer of this size: the list's bytes, encoded once.
    let list_bytes = serve_bytes("bytes-list", Bytes::from(open311_types::xml::to_vec(&list)))?;

    let [reference_rate, memory_one_rate, local_one_rate, bare_rate] = interleave(
        duration,
        [
            &mut |slice| load(&reference, &one_path, slice, connections),
            &mut |slice| load(&listing, &one_path, slice, connections),
            &mut |slice| in_process(&local, &one_path, slice),
            &mut |slice| load(&bare, &one_path, slice, connections),
        ],
    )?;
    let [list_rate, local_rate, encode_rate, list_bytes_rate] = interleave(
        duration,
        [
            &mut |slice| load(&listing, "/requests.xml", slice, connections),
            &mut |slice| in_process(&local, "/requests.xml", slice),
            &mut |slice| encoder(&list, slice),
            &mut |slice| load(&list_bytes, "/requests.xml", slice, connections),
        ],
    )?;

    let ratio = |server: &Rate, baseline: &Rate| {
        let (overall, low, high) = server.against(baseline);
        let cpu = server
            .cpu_against(baseline)
            .map_or("-".to_owned(), |cpu| format!("{cpu:.2}"));
        format!(
            "  ratio                       {overall:>10.2}  (turns {low:.2} to {high:.2}; \
             target >= 0.80; by CPU time {cpu})\n"
        )
    };
    let line = |name: &str, rate: &Rate, unit: &str| {
        let cpu = rate
            .cpu_per_answer()
            .map_or("-".to_owned(), |cpu| format!("{:.1}", cpu * 1e6));
        format!(
            "  {name:<27} {:>10.0} {unit:<7} {cpu:>8} µs CPU each\n",
            rate.overall()
        )
    };
    Ok([
        format!(
            "GET one request (requests/{{id}}.xml), {connections} connections, {}s each\n",
            duration.as_secs()
        ),
        line("reference server (SQLite)", &reference_rate, "req/s"),
        line("router over memory", &memory_one_rate, "req/s"),
        line("the same, in process", &local_one_rate, "req/s"),
        line("pre-encoded bytes", &bare_rate, "req/s"),
        ratio(&reference_rate, &bare_rate),
        "GET 1,000 requests (requests.xml)\n".to_owned(),
        line("router over memory", &list_rate, "req/s"),
        line("the same, in process", &local_rate, "req/s"),
        line("bare XML encoder", &encode_rate, "lists/s"),
        line("pre-encoded bytes over HTTP", &list_bytes_rate, "req/s"),
        ratio(&list_rate, &encode_rate),
        format!(
            "  of which HTTP, by CPU time  {}\n  the rest, by CPU time       {}",
            share(list_bytes_rate.cpu_per_answer(), &encode_rate),
            share(
                remainder(&list_rate, &[&encode_rate, &list_bytes_rate]),
                &encode_rate
            ),
        ),
    ]
    .concat())
}

/// `cpu` seconds per answer, and as a share of what the bare encoder spends per list.
fn share(cpu: Option<f64>, encoder: &Rate) -> String {
    match cpu.zip(encoder.cpu_per_answer()) {
        Some((cpu, encoding)) => format!(
            "{:>10.1} µs each, {:.2} of encoding",
            cpu * 1e6,
            cpu / encoding
        ),
        None => format!("{:>10}", "-"),
    }
}

/// The CPU time per answer of `whole` beyond that of its `parts`: for the list over HTTP, less
/// the encoder's and the pre-encoded list's, what routing, parsing and filtering cost.
fn remainder(whole: &Rate, parts: &[&Rate]) -> Option<f64> {
    let parts: Option<f64> = parts.iter().map(|part| part.cpu_per_answer()).sum();
    Some(whole.cpu_per_answer()? - parts?)
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

type Answer = http::Response<Full<Bytes>>;

/// A server thread of the bench: where it listens, and its CPU clock.
#[derive(Debug, Clone)]
struct Server {
    addr: SocketAddr,
    cpu: CpuClock,
}

/// Starts a router built by `make` on its own server thread, `name`d for profilers, answering
/// each request as `open311 serve` does (its body reading and its log line, which goes nowhere
/// here, as the bench sets up no logging).
fn serve_router<B, F>(name: &str, make: F) -> Result<Server, String>
where
    B: open311_server_traits::Backend,
    F: FnOnce() -> Result<Router<B>, String> + Send + 'static,
{
    spawn_server(name, move || {
        let router = make()?;
        Ok(move |request| {
            let router = router.clone();
            async move { serve::logged(&router, request, Timeouts::default()).await }
        })
    })
}

/// Starts a server that answers `body` to every request.
fn serve_bytes(name: &str, body: Bytes) -> Result<Server, String> {
    spawn_server(name, move || {
        Ok(move |_request| {
            let mut response = http::Response::new(Full::new(body.clone()));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/xml; charset=utf-8"),
            );
            std::future::ready(response)
        })
    })
}

/// Runs a server on a thread of its own, with a single-threaded runtime and the HTTP settings
/// of `open311 serve`, for as long as the process lives; `make` builds its handler there.
fn spawn_server<F, H, A>(name: &str, make: F) -> Result<Server, String>
where
    F: FnOnce() -> Result<H, String> + Send + 'static,
    H: Fn(http::Request<Incoming>) -> A + 'static,
    A: Future<Output = Answer> + 'static,
{
    let (ready, started) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new().name(format!("bench-{name}"));
    let spawned = thread.spawn(move || {
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
                Ok(handler) => Rc::new(handler),
                Err(error) => return drop(ready.send(Err(error))),
            };
            let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                Ok(listener) => listener,
                Err(error) => return drop(ready.send(Err(error.to_string()))),
            };
            let _ = ready.send(
                listener
                    .local_addr()
                    .map_err(|error| error.to_string())
                    .map(|addr| Server {
                        addr,
                        cpu: CpuClock::of_this_thread(),
                    }),
            );
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Rc::clone(&handler);
                tokio::task::spawn_local(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let answer = handler(request);
                        async move { Ok::<_, Infallible>(answer.await) }
                    });
                    let _ = serve::http1(Timeouts::default())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    spawned.map_err(|error| error.to_string())?;
    started.recv().map_err(|error| error.to_string())?
}

/// The CPU time one thread has used, from Linux's per-thread scheduler statistics.
///
/// The kernel brings the figure up to date when the thread is switched and at each scheduler
/// tick, so a reading lags by at most a tick: a few milliseconds, against turns of hundreds.
#[derive(Debug, Clone)]
struct CpuClock(Option<PathBuf>);

impl CpuClock {
    /// The clock of the calling thread, which reads nothing where there are no such statistics.
    fn of_this_thread() -> Self {
        // `/proc/thread-self` links to `<pid>/task/<tid>`, which other threads can read too.
        let task = std::fs::read_link("/proc/thread-self").ok();
        let path = task.map(|task| Path::new("/proc").join(task).join("schedstat"));
        CpuClock(path.filter(|path| path.exists()))
    }

    /// The thread's time on a CPU so far, in seconds.
    fn read(&self) -> Option<f64> {
        let text = std::fs::read_to_string(self.0.as_ref()?).ok()?;
        let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
        Some(nanos as f64 / 1e9)
    }

    /// Runs `measure`, and adds to its sample the CPU time the thread spent meanwhile.
    fn around(&self, measure: impl FnOnce() -> Result<Sample, String>) -> Result<Sample, String> {
        let before = self.read();
        let sample = measure()?;
        let cpu = before
            .zip(self.read())
            .map(|(before, after)| after - before);
        Ok(Sample { cpu, ..sample })
    }
}

/// How many answers arrived in how long, and how much CPU time the measured thread spent.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    count: u64,
    seconds: f64,
    cpu: Option<f64>,
}

impl Sample {
    fn rate(self) -> f64 {
        self.count as f64 / self.seconds.max(f64::MIN_POSITIVE)
    }
}

/// The samples of one measurement, one a turn.
#[derive(Debug, Clone, Default)]
struct Rate {
    turns: Vec<Sample>,
}

impl Rate {
    /// The rate over all turns.
    fn overall(&self) -> f64 {
        let total = self
            .turns
            .iter()
            .fold(Sample::default(), |total, turn| Sample {
                count: total.count + turn.count,
                seconds: total.seconds + turn.seconds,
                cpu: None,
            });
        total.rate()
    }

    /// The measured thread's CPU time per answer over all turns, in seconds, when every turn
    /// read it.
    fn cpu_per_answer(&self) -> Option<f64> {
        let cpu = self
            .turns
            .iter()
            .map(|turn| turn.cpu)
            .sum::<Option<f64>>()?;
        let count: u64 = self.turns.iter().map(|turn| turn.count).sum();
        (count > 0).then(|| cpu / count as f64)
    }

    /// The CPU time per answer of `other` against this one's: the rate ratio the two would
    /// have if each had a core to itself and nothing else slowed it.
    fn cpu_against(&self, other: &Rate) -> Option<f64> {
        Some(other.cpu_per_answer()? / self.cpu_per_answer()?)
    }

    /// This rate against `other`'s, overall and the lowest and highest of the turns.
    fn against(&self, other: &Rate) -> (f64, f64, f64) {
        let turns = self.turns.iter().zip(&other.turns);
        let ratios = turns.map(|(a, b)| a.rate() / b.rate());
        let (low, high) = ratios.fold((f64::INFINITY, 0.0f64), |(low, high), ratio| {
            (low.min(ratio), high.max(ratio))
        });
        (self.overall() / other.overall(), low, high)
    }
}

/// The rate of each measurement, each given `duration` in all but run in turns of a tenth of
/// it, so that all of them see the same machine: on a shared virtual machine the speed of a
/// core drifts by a quarter within a minute, which two back-to-back runs would read as a
/// difference between them. A first round of turns warms every measurement up and is not counted.
fn interleave<const N: usize>(
    duration: Duration,
    mut measures: [&mut dyn FnMut(Duration) -> Result<Sample, String>; N],
) -> Result<[Rate; N], String> {
    const TURNS: u32 = 10;
    let slice = duration / TURNS;
    // One uncounted round first, so that no turn pays for connecting, caches filling or pages
    // being touched for the first time.
    for measure in &mut measures {
        measure(slice)?;
    }
    let mut rates: [Rate; N] = std::array::from_fn(|_| Rate::default());
    for _ in 0..TURNS {
        for (measure, rate) in measures.iter_mut().zip(&mut rates) {
            rate.turns.push(measure(slice)?);
        }
    }
    Ok(rates)
}

/// Sends GET `path` on `connections` keep-alive connections for `duration`; counts the answers.
///
/// The load generator polls its non-blocking sockets in a loop on the calling thread and never
/// sleeps. A generator that sleeps between answers has to be woken for every segment that
/// arrives, and on loopback that wake-up (an inter-processor interrupt on a virtual machine) is
/// paid by the server's thread, which sends the segment: the server would be measured with the
/// generator's costs added.
fn load(
    server: &Server,
    path: &str,
    duration: Duration,
    connections: usize,
) -> Result<Sample, String> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let mut open = (0..connections)
        .map(|_| Connection::open(server.addr, request.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut buffer = vec![0u8; 256 * 1024];
    server.cpu.around(|| {
        let started = Instant::now();
        let deadline = started + duration;
        let mut count = 0;
        while Instant::now() < deadline {
            for connection in &mut open {
                let answers = connection.receive(&mut buffer)?;
                if answers > 0 {
                    count += answers;
                    connection.send(request.as_bytes())?;
                }
            }
        }
        Ok(Sample {
            count,
            seconds: started.elapsed().as_secs_f64(),
            cpu: None,
        })
    })
}

/// One keep-alive connection of the load generator, with at most one request outstanding.
struct Connection {
    stream: std::net::TcpStream,
    /// The head of the answer being read, until it is complete.
    head: Vec<u8>,
    /// Bytes of the body still to come, once the head is read.
    body_left: Option<usize>,
}

impl Connection {
    /// Connects and sends the first request.
    fn open(addr: SocketAddr, request: &[u8]) -> Result<Self, String> {
        let stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream.set_nonblocking(true).map_err(|e| e.to_string())?;
        let mut connection = Connection {
            stream,
            head: Vec::new(),
            body_left: None,
        };
        connection.send(request)?;
        Ok(connection)
    }

    /// Sends a request whole. It is small and the socket's buffer is empty, so a write that
    /// would block is retried for at most a second, not waited for.
    fn send(&mut self, request: &[u8]) -> Result<(), String> {
        use std::io::{ErrorKind, Write as _};
        let started = Instant::now();
        let mut rest = request;
        while !rest.is_empty() {
            match self.stream.write(rest) {
                Ok(0) => return Err("the server closed a connection".into()),
                Ok(written) => rest = rest.get(written..).unwrap_or_default(),
                Err(error)
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) =>
                {
                    if started.elapsed() > Duration::from_secs(1) {
                        return Err("the server took no request for a second".into());
                    }
                    std::thread::yield_now();
                }
                Err(error) => return Err(error.to_string()),
            }
        }
        Ok(())
    }

    /// Reads what has arrived, if anything; returns whether an answer was completed (0 or 1).
    fn receive(&mut self, buffer: &mut [u8]) -> Result<u64, String> {
        use std::io::{ErrorKind, Read as _};
        let read = match self.stream.read(buffer) {
            Ok(0) => return Err("the server closed a connection".into()),
            Ok(read) => read,
            Err(error)
                if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) =>
            {
                return Ok(0);
            }
            Err(error) => return Err(error.to_string()),
        };
        let body_read = match self.body_left {
            Some(_) => read,
            None => {
                self.head
                    .extend_from_slice(buffer.get(..read).unwrap_or_default());
                let Some(end) = self.head.windows(4).position(|w| w == b"\r\n\r\n") else {
                    return Ok(0);
                };
                self.body_left = Some(content_length(self.head.get(..end).unwrap_or_default())?);
                // Bytes of the body that came with the head.
                let arrived = self.head.len() - end - 4;
                self.head.clear();
                arrived
            }
        };
        let left = self
            .body_left
            .unwrap_or(0)
            .checked_sub(body_read)
            .ok_or("more bytes than the content-length said, or an answer unasked")?;
        self.body_left = (left > 0).then_some(left);
        Ok(u64::from(left == 0))
    }
}

/// The `content-length` of an answer's head, which must say 200.
fn content_length(head: &[u8]) -> Result<usize, String> {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    if !head.starts_with("http/1.1 200 ") {
        return Err(format!(
            "answered {}",
            head.lines().next().unwrap_or_default()
        ));
    }
    head.lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| "an answer without content-length".into())
}

/// How many times the router answers a GET of `path` in process, without HTTP, in `duration`.
fn in_process(
    router: &Router<MemoryBackend>,
    path: &str,
    duration: Duration,
) -> Result<Sample, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| error.to_string())?;
    CpuClock::of_this_thread().around(|| {
        let started = Instant::now();
        let mut count = 0u64;
        while started.elapsed() < duration {
            let request = http::Request::get(path)
                .body(Bytes::new())
                .map_err(|error| error.to_string())?;
            std::hint::black_box(runtime.block_on(router.handle(request)));
            count += 1;
        }
        Ok(Sample {
            count,
            seconds: started.elapsed().as_secs_f64(),
            cpu: None,
        })
    })
}

/// How many times one thread encodes `list` as XML in `duration`.
fn encoder(list: &Vec<ServiceRequest>, duration: Duration) -> Result<Sample, String> {
    CpuClock::of_this_thread().around(|| {
        let started = Instant::now();
        let mut count = 0u64;
        while started.elapsed() < duration {
            std::hint::black_box(open311_types::xml::to_vec(std::hint::black_box(list)));
            count += 1;
        }
        Ok(Sample {
            count,
            seconds: started.elapsed().as_secs_f64(),
            cpu: None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_counts_whole_answers_of_any_size() {
        // 200 KB arrives in several reads, the head and the body's first bytes in one.
        for size in [0, 1, 200_000] {
            let server = serve_bytes("test", Bytes::from(vec![b'x'; size])).expect("a server");
            let sample = load(&server, "/any", Duration::from_millis(200), 2).expect("answers");
            assert!(sample.count > 0, "{size} bytes: no answer counted");
            assert!(sample.seconds >= 0.2, "{size} bytes: stopped early");
        }
    }

    #[test]
    fn the_generator_refuses_an_answer_that_is_not_200() {
        let router = || Ok(Router::new(MemoryBackend::new(), Config::default()));
        let server = serve_router("test", router).expect("a server");
        let error = load(&server, "/requests/404.xml", Duration::from_millis(200), 1)
            .expect_err("a 404 is not a measurement");
        assert_eq!(error, "answered http/1.1 404 not found");
    }

    #[test]
    fn a_ratio_reports_its_overall_value_and_the_range_of_its_turns() {
        // (answers per second, seconds) of each turn.
        let rate = |turns: &[(f64, f64)]| Rate {
            turns: turns
                .iter()
                .map(|&(rate, seconds)| Sample {
                    count: (rate * seconds) as u64,
                    seconds,
                    cpu: Some(seconds / 2.0),
                })
                .collect(),
        };
        // 300 answers in 4 s against 375 in 4 s: 0.8 overall; 0.9, 0.6 and 1.2 by turn.
        let server = rate(&[(90.0, 1.0), (60.0, 2.0), (90.0, 1.0)]);
        let baseline = rate(&[(100.0, 1.0), (100.0, 2.0), (75.0, 1.0)]);
        assert_eq!(server.against(&baseline), (0.8, 0.6, 1.2));
        // Half of each second on a CPU: 2 s for 300 answers against 2 s for 375.
        assert_eq!(server.cpu_per_answer(), Some(2.0 / 300.0));
        let by_cpu = server.cpu_against(&baseline).expect("read in every turn");
        assert!((by_cpu - 0.8).abs() < 1e-12, "{by_cpu}");
        let unread = Rate {
            turns: vec![Sample {
                cpu: None,
                ..baseline.turns[0]
            }],
        };
        assert_eq!(unread.cpu_per_answer(), None);
        // What the server spends beyond the baseline, and its share of the baseline's time.
        let rest = remainder(&server, &[&baseline]).expect("read in every turn");
        assert!((rest - (2.0 / 300.0 - 2.0 / 375.0)).abs() < 1e-15, "{rest}");
        assert_eq!(remainder(&server, &[&unread]), None);
        assert_eq!(
            share(Some(2.0 / 375.0), &baseline),
            "    5333.3 µs each, 1.00 of encoding"
        );
        assert_eq!(share(None, &baseline).trim(), "-");
    }

    #[test]
    fn a_thread_clock_counts_the_work_of_that_thread_only() {
        let clock = CpuClock::of_this_thread();
        if clock.read().is_none() {
            // No per-thread scheduler statistics here (not Linux): the column says `-`.
            return;
        }
        let busy = |seconds: f64| {
            let started = Instant::now();
            while started.elapsed().as_secs_f64() < seconds {
                std::hint::black_box(started.elapsed());
            }
        };
        let working = clock
            .around(|| {
                busy(0.2);
                Ok(Sample::default())
            })
            .expect("a sample");
        let sleeping = clock
            .around(|| {
                std::thread::sleep(Duration::from_millis(50));
                Ok(Sample::default())
            })
            .expect("a sample");
        let (working, sleeping) = (working.cpu.expect("read"), sleeping.cpu.expect("read"));
        // A reading lags by up to a tick (10 ms at most), and the tests around this one may
        // take the core away for much of the 200 ms: only a fifth of it is asked for.
        assert!(working > 0.04, "200 ms of work counted as {working} s");
        assert!(sleeping < 0.02, "50 ms of sleep counted as {sleeping} s");
    }

    #[test]
    fn content_length_is_read_from_a_200_head_only() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\nContent-Length: 42";
        assert_eq!(content_length(head), Ok(42));
        assert!(content_length(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked").is_err());
        assert!(
            content_length(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 3").is_err()
        );
    }
}
