//! `open311 serve` keeps what it acknowledges: ten thousand concurrent POSTs all stored and
//! readable while readers only ever see whole requests, every acknowledged request survives
//! repeated SIGKILLs with ids never given twice and an intact file, a full disk answers the
//! spec's general service error and recovers when space returns, the file is in WAL mode, and
//! a SIGTERM sent as soon as the server says where it listens stops it cleanly.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use open311_types::{
    ApiError, CreatedServiceRequest, DecodeOptions, Document, Format, ServiceRequest,
    ServiceRequestId, Status,
};
use support::{Answer, KeepAlive, Server, TempDir};

/// The heavy tests run one at a time, so that on a small machine neither starves the other.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Decodes an answer strictly, after checking its content type; panics with the body if not.
fn decode<D: Document>(answer: &Answer, format: Format) -> D {
    assert_eq!(
        answer.content_type,
        format.content_type(),
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    open311_types::decode::<D>(&answer.body, format, &DecodeOptions::strict())
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&answer.body)))
        .value
}

/// The id a realtime service answers to a POST that succeeded.
fn created_id(answer: &Answer) -> ServiceRequestId {
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let created: Vec<CreatedServiceRequest> = decode(answer, Format::Json);
    assert_eq!(created.len(), 1, "one request created");
    created[0]
        .service_request_id
        .clone()
        .expect("a realtime service answers an id")
}

/// A small seeded generator (SplitMix64), so that a failing run can be repeated.
struct Rng(u64);

impl Rng {
    /// The next pseudo-random number.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A pseudo-random number below `bound` (which is not 0).
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// The number in an id the server gave.
fn number(id: &ServiceRequestId) -> u64 {
    id.as_str().parse().expect("the server's ids are numbers")
}

/// The form body of the `n`th STREETLIGHT request of the concurrency test.
fn pole(n: usize) -> String {
    format!(
        "api_key=secret&service_code=STREETLIGHT&address_string=Pole+{n}\
         &description=Durability+post+{n}"
    )
}

/// Checks that a request read back is whole: every field the store writes is there and the
/// address and description name the same post. Returns the post's number.
fn whole_pole(request: &ServiceRequest) -> usize {
    assert!(request.service_request_id.is_some(), "{request:?}");
    assert_eq!(request.status, Some(Status::Open), "{request:?}");
    assert_eq!(
        request.service_code.as_ref().map(|code| code.as_str()),
        Some("STREETLIGHT"),
        "{request:?}"
    );
    assert!(request.requested_datetime.is_some(), "{request:?}");
    assert!(request.updated_datetime.is_some(), "{request:?}");
    let n: usize = request
        .address
        .as_deref()
        .and_then(|address| address.strip_prefix("Pole "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a whole address: {request:?}"));
    assert_eq!(
        request.description.as_deref(),
        Some(format!("Durability post {n}").as_str()),
        "{request:?}"
    );
    n
}

const POSTS: usize = 10_000;
const WRITERS: usize = 300;
const READERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_posts_are_all_kept_and_readers_see_whole_requests() {
    let _heavy = HEAVY.lock().await;
    let started = Instant::now();
    let dir = TempDir::new("durability-concurrent");
    let db = dir.0.join("city.db");
    let server = Server::start(&db, &["--api-key", "secret"]);
    let addr = server.addr.clone();
    // Every acknowledged post as (id, number), in the order the answers came.
    let acknowledged: Arc<Mutex<Vec<(ServiceRequestId, usize)>>> =
        Arc::new(Mutex::new(Vec::with_capacity(POSTS)));
    let done = Arc::new(AtomicBool::new(false));

    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let addr = addr.clone();
            let acknowledged = Arc::clone(&acknowledged);
            let done = Arc::clone(&done);
            tokio::spawn(async move { read_while_writing(&addr, r, &acknowledged, &done).await })
        })
        .collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let addr = addr.clone();
            let acknowledged = Arc::clone(&acknowledged);
            tokio::spawn(async move {
                let mut connection = KeepAlive::connect(&addr).await.expect("a connection");
                for n in (w..POSTS).step_by(WRITERS) {
                    let answer = connection
                        .send("POST", "/requests.json", Some(&pole(n)))
                        .await
                        .expect("the POST is answered");
                    let id = created_id(&answer);
                    acknowledged
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((id, n));
                }
            })
        })
        .collect();
    let all = async {
        for writer in writers {
            writer.await.expect("a writer finishes without panicking");
        }
        done.store(true, Ordering::Relaxed);
        let mut reads = 0;
        for reader in readers {
            reads += reader.await.expect("a reader finishes without panicking");
        }
        reads
    };
    let reads = tokio::time::timeout(Duration::from_secs(300), all)
        .await
        .expect("the writes finish within 5 minutes");
    let written = started.elapsed();
    assert!(reads > 0, "the readers read while the writes ran");

    let acknowledged =
        std::mem::take(&mut *acknowledged.lock().unwrap_or_else(PoisonError::into_inner));
    assert_eq!(acknowledged.len(), POSTS, "every POST succeeded");
    let ids: HashSet<&ServiceRequestId> = acknowledged.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), POSTS, "no id was given twice");
    let numbers: HashSet<usize> = acknowledged.iter().map(|&(_, n)| n).collect();
    assert_eq!(numbers.len(), POSTS, "every post was answered once");

    let mut connection = KeepAlive::connect(&addr).await.expect("a connection");
    for chunk in acknowledged.chunks(1_000) {
        let list = chunk
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let answer = connection
            .send(
                "GET",
                &format!("/requests.json?service_request_id={list}"),
                None,
            )
            .await
            .expect("the GET is answered");
        assert_eq!(answer.status, 200);
        let read: Vec<ServiceRequest> = decode(&answer, Format::Json);
        assert_eq!(
            read.len(),
            chunk.len(),
            "every acknowledged request is there"
        );
        let by_id: HashMap<&ServiceRequestId, &ServiceRequest> = read
            .iter()
            .map(|request| (request.service_request_id.as_ref().expect("an id"), request))
            .collect();
        for (id, n) in chunk {
            let request = by_id
                .get(id)
                .unwrap_or_else(|| panic!("request {id} is lost"));
            assert_eq!(
                whole_pole(request),
                *n,
                "request {id} reads as it was posted"
            );
        }
    }
    assert!(server.stop(), "the server exits cleanly on SIGTERM");
    let connection = rusqlite::Connection::open(&db).expect("the file opens");
    let rows: i64 = connection
        .query_row(
            "SELECT count(*) FROM requests WHERE service_code = 'STREETLIGHT'",
            [],
            |row| row.get(0),
        )
        .expect("the requests are counted");
    assert_eq!(rows, POSTS as i64, "no POST was stored twice");
    eprintln!(
        "{POSTS} POSTs over {WRITERS} connections with {reads} concurrent reads: written in \
         {:.1} s, checked in {:.1} s",
        written.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// Reads recently created requests, by id and in lists, until the writers are done; every
/// answer must be a whole, strictly conforming document. Returns how many reads were made.
async fn read_while_writing(
    addr: &str,
    reader: usize,
    acknowledged: &Mutex<Vec<(ServiceRequestId, usize)>>,
    done: &AtomicBool,
) -> usize {
    let mut connection = KeepAlive::connect(addr).await.expect("a connection");
    let mut rng = Rng(reader as u64);
    let mut reads = 0;
    for round in 0..100_000_usize {
        if done.load(Ordering::Relaxed) {
            break;
        }
        let recent: Vec<(ServiceRequestId, usize)> = {
            let acknowledged = acknowledged.lock().unwrap_or_else(PoisonError::into_inner);
            let from = acknowledged.len().saturating_sub(200);
            acknowledged[from..].to_vec()
        };
        if recent.is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let (id, n) = &recent[rng.below(recent.len() as u64) as usize];
        let format = if round % 2 == 0 {
            Format::Json
        } else {
            Format::Xml
        };
        let path = match format {
            Format::Json => format!("/requests/{id}.json"),
            Format::Xml => format!("/requests/{id}.xml"),
        };
        let answer = connection
            .send("GET", &path, None)
            .await
            .expect("the GET is answered");
        assert_eq!(
            answer.status, 200,
            "GET {path}: an acknowledged request is there"
        );
        let read: Vec<ServiceRequest> = decode(&answer, format);
        assert_eq!(read.len(), 1, "GET {path}");
        assert_eq!(read[0].service_request_id.as_ref(), Some(id));
        assert_eq!(whole_pole(&read[0]), *n, "GET {path}");
        reads += 1;

        let path = match round % 3 {
            0 => "/requests.json?service_code=STREETLIGHT&page_size=100".to_owned(),
            1 => "/requests.xml?page_size=50".to_owned(),
            _ => {
                let list = recent
                    .iter()
                    .rev()
                    .take(20)
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                format!("/requests.json?service_request_id={list}")
            }
        };
        let answer = connection
            .send("GET", &path, None)
            .await
            .expect("the GET is answered");
        assert_eq!(answer.status, 200, "GET {path}");
        let format = if path.starts_with("/requests.xml") {
            Format::Xml
        } else {
            Format::Json
        };
        let read: Vec<ServiceRequest> = decode(&answer, format);
        assert!(
            !read.is_empty(),
            "GET {path}: acknowledged requests are listed"
        );
        let known: HashMap<&ServiceRequestId, usize> =
            recent.iter().map(|(id, n)| (id, *n)).collect();
        for request in &read {
            let n = whole_pole(request);
            let id = request.service_request_id.as_ref().expect("an id");
            if let Some(&posted) = known.get(id) {
                assert_eq!(n, posted, "GET {path}: {id} reads as it was posted");
            }
        }
        reads += 1;
    }
    reads
}

const CYCLES: usize = 10;
const CLIENTS: usize = 16;
/// The seed of the kill moments; `OPEN311_KILL_SEED` (a number) tries other moments.
const KILL_SEED: u64 = 0x0311_D00D;

/// A request a client saw acknowledged: what it sent and the id it got.
#[derive(Debug, Clone)]
struct Acknowledged {
    id: ServiceRequestId,
    service_code: &'static str,
    description: String,
    cycle: usize,
}

/// The form body of a POST of the kill test, identified by its description.
fn kill_body(service_code: &str, description: &str) -> String {
    let description = description.replace(' ', "+");
    match service_code {
        "POTHOLE" => format!(
            "api_key=secret&service_code=POTHOLE&lat=37.7625&long=-122.4651\
             &description={description}&attribute[DEPTH]=3&attribute[SIZE]=S\
             &attribute[HAZARDS][]=BIKES"
        ),
        _ => format!(
            "api_key=secret&service_code={service_code}&address_string=Kill+test\
             &description={description}"
        ),
    }
}

/// POSTs in a loop on one connection until the server dies (or the loop's bounds run out),
/// recording each request only once its 200 answer has arrived.
async fn post_until_killed(addr: String, cycle: usize, client: usize) -> Vec<Acknowledged> {
    let mut acknowledged = Vec::new();
    let Ok(mut connection) = KeepAlive::connect(&addr).await else {
        return acknowledged;
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    for post in 0..5_000 {
        if Instant::now() > deadline {
            break;
        }
        let service_code = if post % 2 == 0 {
            "STREETLIGHT"
        } else {
            "POTHOLE"
        };
        let description = format!("Kill cycle {cycle} client {client} post {post}");
        let body = kill_body(service_code, &description);
        let Ok(answer) = connection.send("POST", "/requests.json", Some(&body)).await else {
            // The server was killed: this request may or may not be stored.
            break;
        };
        acknowledged.push(Acknowledged {
            id: created_id(&answer),
            service_code,
            description,
            cycle,
        });
    }
    acknowledged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_requests_survive_sigkill() {
    let _heavy = HEAVY.lock().await;
    let started = Instant::now();
    let dir = TempDir::new("durability-kill");
    let db = dir.0.join("city.db");
    let seed = std::env::var("OPEN311_KILL_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(KILL_SEED);
    eprintln!("kill moments from seed {seed} (OPEN311_KILL_SEED)");
    let mut rng = Rng(seed);
    let mut acknowledged: Vec<Acknowledged> = Vec::new();
    for cycle in 0..CYCLES {
        let server = Server::start(&db, &["--api-key", "secret"]);
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| tokio::spawn(post_until_killed(server.addr.clone(), cycle, client)))
            .collect();
        let delay = 100 + rng.below(501);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill();
        let mut this_cycle = 0;
        for client in clients {
            let recorded = tokio::time::timeout(Duration::from_secs(30), client)
                .await
                .expect("a client stops once the server is gone")
                .expect("a client finishes without panicking");
            this_cycle += recorded.len();
            acknowledged.extend(recorded);
        }
        eprintln!("cycle {cycle}: killed after {delay} ms, {this_cycle} requests acknowledged");
    }
    assert!(!acknowledged.is_empty(), "some POSTs were acknowledged");

    let ids: HashSet<&ServiceRequestId> = acknowledged.iter().map(|a| &a.id).collect();
    assert_eq!(ids.len(), acknowledged.len(), "no id was given twice");
    for cycle in 1..CYCLES {
        let earlier = acknowledged
            .iter()
            .filter(|a| a.cycle < cycle)
            .map(|a| number(&a.id))
            .max();
        let later = acknowledged
            .iter()
            .filter(|a| a.cycle == cycle)
            .map(|a| number(&a.id))
            .min();
        if let (Some(earlier), Some(later)) = (earlier, later) {
            assert!(
                later > earlier,
                "cycle {cycle} gave id {later}, not above {earlier} given before a kill"
            );
        }
    }

    let server = Server::start(&db, &["--api-key", "secret"]);
    let acknowledged = Arc::new(acknowledged);
    let checkers: Vec<_> = (0..4)
        .map(|part| {
            let addr = server.addr.clone();
            let acknowledged = Arc::clone(&acknowledged);
            tokio::spawn(async move {
                let mut connection = KeepAlive::connect(&addr).await.expect("a connection");
                for request in acknowledged.iter().skip(part).step_by(4) {
                    let path = format!("/requests/{}.json", request.id);
                    let answer = connection
                        .send("GET", &path, None)
                        .await
                        .expect("the GET is answered");
                    assert_eq!(
                        answer.status, 200,
                        "GET {path}: an acknowledged request survives SIGKILL ({request:?})"
                    );
                    let read: Vec<ServiceRequest> = decode(&answer, Format::Json);
                    assert_eq!(read.len(), 1, "GET {path}");
                    assert_eq!(read[0].service_request_id.as_ref(), Some(&request.id));
                    assert_eq!(
                        read[0].description.as_deref(),
                        Some(request.description.as_str()),
                        "GET {path}"
                    );
                    assert_eq!(
                        read[0].service_code.as_ref().map(|code| code.as_str()),
                        Some(request.service_code),
                        "GET {path}"
                    );
                }
            })
        })
        .collect();
    for checker in checkers {
        checker
            .await
            .expect("every acknowledged request reads back");
    }
    assert!(server.stop(), "the server exits cleanly on SIGTERM");

    let connection = rusqlite::Connection::open(&db).expect("the file opens");
    let integrity: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("the integrity check runs");
    assert_eq!(integrity, "ok", "the file is intact after {CYCLES} kills");
    eprintln!(
        "{} acknowledged requests survived {CYCLES} SIGKILLs; {:.1} s",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
}

/// How much room is left on the full disk, in bytes.
const FULL_DISK_SLACK: u64 = 64 * 1024;

/// A tmpfs mounted on a fresh directory, unmounted and removed when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` (as `mount -o size=` takes it), or says why it cannot.
    fn mount(name: &str, size: &str) -> Result<Tmpfs, String> {
        let dir = std::env::temp_dir().join(format!("open311-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&dir)
            .output();
        match mounted {
            Ok(output) if output.status.success() => Ok(Tmpfs(dir)),
            Ok(output) => {
                let _ = std::fs::remove_dir(&dir);
                Err(format!(
                    "mount -t tmpfs failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ))
            }
            Err(error) => {
                let _ = std::fs::remove_dir(&dir);
                Err(format!("mount cannot run: {error}"))
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|status| status.success());
        if !unmounted {
            // Something still holds a file there: detach it now, it goes once released.
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Fills the file system of `path` with a file there, then frees `slack` bytes of it.
fn fill(path: &Path, slack: u64) {
    use std::io::Write as _;

    let mut file = std::fs::File::create(path).expect("the filler file is created");
    let chunk = vec![0_u8; 64 * 1024];
    let mut written: u64 = 0;
    // Bounded: the file system is a few MiB; stop at 1 GiB whatever happens.
    while written < 1 << 30 {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(error) if error.kind() == std::io::ErrorKind::StorageFull => break,
            Err(error) => panic!("filling {}: {error}", path.display()),
        }
    }
    assert!(written < 1 << 30, "the file system never filled");
    file.set_len(written.saturating_sub(slack))
        .expect("the filler gives some space back");
    file.sync_all().expect("the filler is synced");
}

/// The form body of the `n`th POST of the full-disk test.
fn disk_body(n: usize) -> String {
    format!(
        "api_key=secret&service_code=STREETLIGHT&address_string=Disk+{n}\
         &description=Full+disk+post+{n}"
    )
}

/// POSTs the `n`th request of the full-disk test: its id when stored, `None` when refused
/// with the spec's general service error (a 400 error document); anything else panics.
async fn post_on_full_disk(connection: &mut KeepAlive, n: usize) -> Option<ServiceRequestId> {
    let answer = connection
        .send("POST", "/requests.json", Some(&disk_body(n)))
        .await
        .expect("the POST is answered on a full disk");
    if answer.status == 200 {
        return Some(created_id(&answer));
    }
    assert_eq!(
        answer.status,
        400,
        "a full disk is the general service error: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let errors: Vec<ApiError> = decode(&answer, Format::Json);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code.as_deref(), Some("400"), "{errors:?}");
    assert!(errors[0].description.is_some(), "{errors:?}");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_a_general_service_error_and_recovers() {
    let tmpfs = match Tmpfs::mount("durability-full", "4m") {
        Ok(tmpfs) => tmpfs,
        Err(why) => {
            eprintln!("skipped: a small file system is needed: {why}");
            return;
        }
    };
    let started = Instant::now();
    let db = tmpfs.0.join("city.db");
    let filler = tmpfs.0.join("filler");
    let mut server = Server::start(&db, &["--api-key", "secret"]);
    let mut connection = KeepAlive::connect(&server.addr)
        .await
        .expect("a connection");
    let before = post_on_full_disk(&mut connection, 0)
        .await
        .expect("a POST succeeds before the disk is full");
    let mut stored = vec![(before.clone(), 0)];
    let mut refused = Vec::new();

    fill(&filler, FULL_DISK_SLACK);
    // One at a time until one is refused...
    for n in 1..2_000 {
        match post_on_full_disk(&mut connection, n).await {
            Some(id) => stored.push((id, n)),
            None => {
                refused.push(n);
                break;
            }
        }
    }
    assert!(
        !refused.is_empty(),
        "a POST is refused once the disk is full"
    );
    // ...then many together, so that the refusals share commits.
    let together: Vec<_> = (0..8)
        .map(|client| {
            let addr = server.addr.clone();
            tokio::spawn(async move {
                let mut connection = KeepAlive::connect(&addr).await.expect("a connection");
                let mut outcomes = Vec::new();
                for n in (10_000 + client..10_080).step_by(8) {
                    outcomes.push((n, post_on_full_disk(&mut connection, n).await));
                }
                outcomes
            })
        })
        .collect();
    for client in together {
        for (n, outcome) in client.await.expect("every POST is answered as it should") {
            match outcome {
                Some(id) => stored.push((id, n)),
                None => refused.push(n),
            }
        }
    }
    assert!(
        server.is_running(),
        "the server is still running on a full disk"
    );
    let answer = connection
        .send("GET", &format!("/requests/{before}.json"), None)
        .await
        .expect("a GET is answered on a full disk");
    let read: Vec<ServiceRequest> = decode(&answer, Format::Json);
    assert_eq!(read[0].description.as_deref(), Some("Full disk post 0"));
    let mut listed: Vec<ServiceRequest> = Vec::new();
    for page in 1..=100 {
        let path = format!("/requests.json?service_code=STREETLIGHT&page_size=1000&page={page}");
        let answer = connection
            .send("GET", &path, None)
            .await
            .expect("a GET is answered on a full disk");
        assert_eq!(answer.status, 200, "GET {path}");
        let read: Vec<ServiceRequest> = decode(&answer, Format::Json);
        let last = read.len() < 1_000;
        listed.extend(read);
        if last {
            break;
        }
    }
    let descriptions: HashSet<&str> = listed
        .iter()
        .filter_map(|request| request.description.as_deref())
        .collect();
    for n in &refused {
        assert!(
            !descriptions.contains(format!("Full disk post {n}").as_str()),
            "POST {n} was answered with an error, yet its request is stored"
        );
    }
    assert_eq!(
        listed.len(),
        stored.len(),
        "exactly the acknowledged requests are listed"
    );

    std::fs::remove_file(&filler).expect("the filler is removed");
    let after = post_on_full_disk(&mut connection, 99_999)
        .await
        .expect("a POST succeeds once space returns");
    assert!(number(&after) > number(&before));
    stored.push((after, 99_999));
    for (id, n) in &stored {
        let answer = connection
            .send("GET", &format!("/requests/{id}.json"), None)
            .await
            .expect("a GET is answered");
        assert_eq!(answer.status, 200, "request {id} is readable");
        let read: Vec<ServiceRequest> = decode(&answer, Format::Json);
        assert_eq!(
            read[0].description.as_deref(),
            Some(format!("Full disk post {n}").as_str())
        );
        assert_eq!(
            read[0].address.as_deref(),
            Some(format!("Disk {n}").as_str())
        );
    }
    drop(connection);
    assert!(server.stop(), "the server exits cleanly on SIGTERM");
    {
        let connection = rusqlite::Connection::open(&db).expect("the file opens");
        let integrity: String = connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .expect("the integrity check runs");
        assert_eq!(
            integrity, "ok",
            "the file is intact after the disk was full"
        );
    }
    eprintln!(
        "{} POSTs stored, {} refused on a full disk; {:.1} s",
        stored.len(),
        refused.len(),
        started.elapsed().as_secs_f64()
    );
    drop(tmpfs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_database_is_in_wal_mode() {
    let dir = TempDir::new("durability-wal");
    let db = dir.0.join("city.db");
    let server = Server::start(&db, &[]);
    let connection =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("the file opens");
    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("the journal mode is read");
    assert_eq!(mode.to_ascii_lowercase(), "wal");
    drop(connection);
    // Serve once before SIGTERM: right after start it is not yet handled (see below).
    let answer = server.send("GET", "/services.json", None).await;
    assert_eq!(answer.status, 200);
    assert!(server.stop(), "the server exits cleanly on SIGTERM");
}

/// Starts `open311 serve` on `db`, has a shell already waiting send SIGTERM the moment the
/// server says where it listens, and says how the server ended within 10 s: `Some(clean)`,
/// or `None` when it was still running (it is then killed).
fn sigterm_at_once(db: &Path) -> Option<bool> {
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::process::Stdio;

    let mut server = Command::new(env!("CARGO_BIN_EXE_open311"))
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("OPEN311_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("open311 serve starts");
    let mut killer = Command::new("sh")
        .arg("-c")
        .arg(format!("read go && kill -TERM {}", server.id()))
        .stdin(Stdio::piped())
        .spawn()
        .expect("sh starts");
    let mut lines = BufReader::new(server.stderr.take().expect("stderr is piped")).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.contains("serving GeoReport v2 on http://"));
    let mut go = killer.stdin.take().expect("stdin is piped");
    if listening {
        let _ = go.write_all(b"go\n");
    }
    // Without the line, end of input: the shell sends nothing.
    drop(go);
    let _ = killer.wait();
    std::thread::spawn(move || for _ in lines {});
    assert!(listening, "the server says where it listens");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = server.try_wait().expect("the server's status") {
            return Some(status.success());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = server.kill();
    let _ = server.wait();
    None
}

#[test]
fn sigterm_right_after_start_stops_the_server_cleanly() {
    let dir = TempDir::new("durability-sigterm");
    let mut outcomes = Vec::new();
    for run in 0..40 {
        outcomes.push(sigterm_at_once(&dir.0.join(format!("city-{run}.db"))));
    }
    let unclean = outcomes.iter().filter(|&&o| o == Some(false)).count();
    let running = outcomes.iter().filter(|o| o.is_none()).count();
    assert_eq!(
        (unclean, running),
        (0, 0),
        "of {} SIGTERMs sent once the server said where it listens, {unclean} ended it by \
         the default action (no handler yet) and {running} were lost (still running 10 s on)",
        outcomes.len()
    );
}
