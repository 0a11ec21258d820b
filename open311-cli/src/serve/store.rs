//! The reference server's store: a SQLite file behind the [`Backend`] trait.
//!
//! Durability first: the file is in WAL mode with `synchronous=FULL`, and every write goes
//! through one writer thread that commits before it answers, so an acknowledged request
//! survives a crash. Writers that arrive together share one commit (group commit), each in
//! its own savepoint so that one failure does not undo the others. Reads run on a small pool
//! of read-only connections, which WAL lets proceed during writes. Request ids are the
//! table's AUTOINCREMENT sequence, which SQLite never reuses.
//!
//! The catalogue is read once at start-up and served from memory: it does not change while
//! the server runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::Duration;
use open311_server_traits::{
    Backend, BackendError, RequestContext, RequestFilter, RequestList, UpdateFilter,
};
use open311_types::form;
use open311_types::{
    CreatedServiceRequest, CreatedUpdate, Datetime, DecodeOptions, Document, JurisdictionId,
    NewServiceRequest, NewServiceRequestUpdate, Service, ServiceCode, ServiceDefinition,
    ServiceRequest, ServiceRequestId, ServiceRequestUpdate, ServiceType, Status, Token,
    TokenLookup, UpdateId,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot};

/// The most writes committed together.
const MAX_BATCH: usize = 256;

/// How long a connection waits for a lock before giving up, in milliseconds.
const BUSY_TIMEOUT_MS: i64 = 5_000;

const SCHEMA: &str = "
    CREATE TABLE services (
        position INTEGER PRIMARY KEY,
        service_code TEXT NOT NULL UNIQUE,
        document BLOB NOT NULL,
        definition BLOB
    );
    CREATE TABLE requests (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        service_request_id TEXT UNIQUE,
        jurisdiction_id TEXT,
        service_code TEXT,
        status TEXT,
        requested_ts INTEGER,
        updated_ts INTEGER,
        document BLOB NOT NULL,
        submitted TEXT
    );
    CREATE INDEX requests_requested ON requests (requested_ts);
    CREATE INDEX requests_updated ON requests (updated_ts);
    CREATE TABLE tokens (
        token TEXT PRIMARY KEY,
        service_request_id TEXT NOT NULL,
        resolves_ts INTEGER NOT NULL
    );
    CREATE TABLE updates (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        update_id TEXT UNIQUE,
        service_request_id TEXT NOT NULL,
        updated_ts INTEGER,
        document BLOB NOT NULL
    );
    CREATE INDEX updates_updated ON updates (updated_ts);
    PRAGMA user_version = 1;
";

/// How the store was asked to behave.
#[derive(Debug, Clone)]
pub(crate) struct StoreOptions {
    /// Whether several jurisdictions are served, so that requests are kept apart by them.
    pub(crate) multi_jurisdiction: bool,
    /// How long after a POST a batch service's token resolves to an id.
    pub(crate) token_delay: Duration,
}

/// What a new database is filled with.
pub(crate) struct Seed {
    pub(crate) catalogue: Vec<(Service, Option<ServiceDefinition>)>,
    pub(crate) requests: Vec<ServiceRequest>,
}

/// The SQLite-backed [`Backend`] of `open311 serve`.
pub(crate) struct SqliteBackend {
    catalogue: Arc<Vec<(Service, Option<ServiceDefinition>)>>,
    writer: mpsc::Sender<Job>,
    readers: Arc<Readers>,
    cache: Arc<Cache>,
    options: StoreOptions,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("path", &self.readers.path)
            .finish_non_exhaustive()
    }
}

/// Opens (or creates and seeds) the database at `path`.
///
/// # Errors
///
/// The file cannot be opened or created, its settings are not the ones durability needs,
/// it is not a database of this server, or the seed cannot be stored.
pub(crate) fn open(
    path: &Path,
    seed: impl FnOnce() -> Result<Seed, String>,
    options: StoreOptions,
) -> Result<SqliteBackend, String> {
    let new = !path.exists();
    let mut connection =
        Connection::open(path).map_err(|error| format!("{}: {error}", path.display()))?;
    configure(&connection).map_err(|error| format!("{}: {error}", path.display()))?;
    if new {
        let seed = seed()?;
        create(&mut connection, seed)
            .map_err(|error| format!("seeding {}: {error}", path.display()))?;
    }
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|error| error.to_string())?;
    if version != 1 {
        return Err(format!(
            "{} is not an open311 serve database",
            path.display()
        ));
    }
    let catalogue = load_catalogue(&connection).map_err(|error| error.to_string())?;
    let (writer, jobs) = mpsc::channel(4 * MAX_BATCH);
    let token_delay = options.token_delay;
    let cache = Arc::new(Cache::default());
    let written = Arc::clone(&cache);
    std::thread::Builder::new()
        .name("open311-writer".into())
        .spawn(move || write_loop(connection, jobs, token_delay, &written))
        .map_err(|error| error.to_string())?;
    let readers = Arc::new(Readers {
        path: path.to_owned(),
        idle: Mutex::new(Vec::new()),
    });
    Ok(SqliteBackend {
        catalogue: Arc::new(catalogue),
        writer,
        readers,
        cache,
        options,
    })
}

/// Puts the connection in the durable settings and checks that SQLite took them.
fn configure(connection: &Connection) -> rusqlite::Result<()> {
    let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    connection.execute_batch(&format!(
        "PRAGMA synchronous = FULL; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"
    ))?;
    let settings = settings(connection)?;
    if !mode.eq_ignore_ascii_case("wal") || settings != ("wal".into(), 2, BUSY_TIMEOUT_MS) {
        return Err(rusqlite::Error::InvalidQuery);
    }
    Ok(())
}

/// The journal mode, synchronous level and busy timeout in force.
pub(crate) fn settings(connection: &Connection) -> rusqlite::Result<(String, i64, i64)> {
    let mode: String = connection.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    let synchronous: i64 = connection.query_row("PRAGMA synchronous", [], |row| row.get(0))?;
    let busy: i64 = connection.query_row("PRAGMA busy_timeout", [], |row| row.get(0))?;
    Ok((mode.to_ascii_lowercase(), synchronous, busy))
}

fn create(connection: &mut Connection, seed: Seed) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    transaction.execute_batch(SCHEMA)?;
    for (position, (service, definition)) in seed.catalogue.iter().enumerate() {
        transaction.execute(
            "INSERT INTO services (position, service_code, document, definition) VALUES (?1, ?2, ?3, ?4)",
            params![
                position as i64,
                service.service_code.as_str(),
                open311_types::json::to_vec(&vec![service.clone()]),
                definition.as_ref().map(open311_types::json::to_vec),
            ],
        )?;
    }
    let mut highest: i64 = 0;
    for request in &seed.requests {
        let Some(id) = &request.service_request_id else {
            continue;
        };
        highest = highest.max(id.as_str().parse().unwrap_or(0));
        transaction.execute(
            "INSERT INTO requests (service_request_id, service_code, status, requested_ts, \
             updated_ts, document) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id.as_str(),
                request.service_code.as_ref().map(ServiceCode::as_str),
                request.status.as_ref().map(Status::as_str),
                request.requested_datetime.map(|at| at.timestamp_micros()),
                request.updated_datetime.map(|at| at.timestamp_micros()),
                open311_types::json::to_vec(&vec![request.clone()]),
            ],
        )?;
    }
    // New ids continue above every numeric id seeded, so none is ever given twice.
    transaction.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'requests', ?1 \
         WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'requests')",
        [highest],
    )?;
    transaction.execute(
        "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'requests'",
        [highest],
    )?;
    transaction.commit()
}

fn load_catalogue(
    connection: &Connection,
) -> rusqlite::Result<Vec<(Service, Option<ServiceDefinition>)>> {
    let mut statement =
        connection.prepare("SELECT document, definition FROM services ORDER BY position")?;
    let rows = statement.query_map([], |row| {
        let document: Vec<u8> = row.get(0)?;
        let definition: Option<Vec<u8>> = row.get(1)?;
        Ok((document, definition))
    })?;
    let mut catalogue = Vec::new();
    for row in rows {
        let (document, definition) = row?;
        let Some(service) = decode_one::<Service>(&document) else {
            return Err(rusqlite::Error::InvalidQuery);
        };
        let definition = definition.and_then(|bytes| decode::<ServiceDefinition>(&bytes));
        catalogue.push((service, definition));
    }
    Ok(catalogue)
}

/// Decodes a document the store wrote itself; it is strictly conforming.
fn decode<D: Document>(bytes: &[u8]) -> Option<D> {
    open311_types::json::from_slice::<D>(bytes, &DecodeOptions::strict())
        .ok()
        .map(|d| d.value)
}

fn decode_one<T>(bytes: &[u8]) -> Option<T>
where
    Vec<T>: Document,
{
    decode::<Vec<T>>(bytes)?.into_iter().next()
}

fn unavailable(error: impl std::fmt::Display) -> BackendError {
    BackendError::unavailable(format!("the store failed: {error}"))
}

/// A write, and where to send its outcome once committed.
enum Job {
    Create {
        service: Service,
        request: Box<NewServiceRequest>,
        jurisdiction: Option<JurisdictionId>,
        now: Datetime,
        reply: oneshot::Sender<Result<CreatedServiceRequest, BackendError>>,
    },
    Update {
        update: NewServiceRequestUpdate,
        now: Datetime,
        reply: oneshot::Sender<Result<CreatedUpdate, BackendError>>,
    },
}

/// The outcome of one job before its commit, and where it goes.
enum Outcome {
    Create(
        Result<Stored<CreatedServiceRequest>, BackendError>,
        Reply<CreatedServiceRequest>,
    ),
    Update(
        Result<Stored<CreatedUpdate>, BackendError>,
        Reply<CreatedUpdate>,
    ),
}

/// Where a job's answer goes.
type Reply<T> = oneshot::Sender<Result<T, BackendError>>;

/// A job's answer, and the request as it now stands in the file, shared with the cache.
struct Stored<T> {
    answer: T,
    request: Arc<ServiceRequest>,
}

impl Outcome {
    /// Puts the request the job wrote into the cache.
    fn cache(&self, cache: &Cache) {
        match self {
            Outcome::Create(Ok(stored), _) => cache.put(Arc::clone(&stored.request)),
            Outcome::Update(Ok(stored), _) => cache.put(Arc::clone(&stored.request)),
            _ => {}
        }
    }

    /// Answers the job; a failed commit turns every success into the commit's failure.
    fn send(self, committed: &Result<(), BackendError>) {
        match self {
            Outcome::Create(result, reply) => {
                let _ = reply.send(committed.clone().and(result.map(|stored| stored.answer)));
            }
            Outcome::Update(result, reply) => {
                let _ = reply.send(committed.clone().and(result.map(|stored| stored.answer)));
            }
        }
    }
}

fn write_loop(
    mut connection: Connection,
    mut jobs: mpsc::Receiver<Job>,
    token_delay: Duration,
    cache: &Cache,
) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        let committed = match connection.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(mut transaction) => {
                for job in batch {
                    outcomes.push(apply(&mut transaction, job, token_delay));
                }
                transaction.commit().map_err(unavailable)
            }
            Err(error) => {
                let error = unavailable(error);
                for job in batch {
                    outcomes.push(match job {
                        Job::Create { reply, .. } => Outcome::Create(Err(error.clone()), reply),
                        Job::Update { reply, .. } => Outcome::Update(Err(error.clone()), reply),
                    });
                }
                Err(error)
            }
        };
        for outcome in outcomes {
            if committed.is_ok() {
                outcome.cache(cache);
            }
            outcome.send(&committed);
        }
    }
}

/// Applies one job in its own savepoint, so that its failure undoes only itself.
fn apply(transaction: &mut rusqlite::Transaction<'_>, job: Job, token_delay: Duration) -> Outcome {
    let mut savepoint = match transaction.savepoint() {
        Ok(savepoint) => savepoint,
        Err(error) => {
            return match job {
                Job::Create { reply, .. } => Outcome::Create(Err(unavailable(error)), reply),
                Job::Update { reply, .. } => Outcome::Update(Err(unavailable(error)), reply),
            };
        }
    };
    let outcome = match job {
        Job::Create {
            service,
            request,
            jurisdiction,
            now,
            reply,
        } => {
            let result = create_request(
                &savepoint,
                &service,
                *request,
                jurisdiction,
                now,
                token_delay,
            );
            Outcome::Create(result, reply)
        }
        Job::Update { update, now, reply } => {
            Outcome::Update(post_update(&savepoint, update, now), reply)
        }
    };
    let ok = match &outcome {
        Outcome::Create(result, _) => result.is_ok(),
        Outcome::Update(result, _) => result.is_ok(),
    };
    let ended = if ok {
        savepoint.commit()
    } else {
        savepoint.rollback()
    };
    match (ended, outcome) {
        (Ok(()), outcome) => outcome,
        (Err(error), Outcome::Create(_, reply)) => Outcome::Create(Err(unavailable(error)), reply),
        (Err(error), Outcome::Update(_, reply)) => Outcome::Update(Err(unavailable(error)), reply),
    }
}

fn create_request(
    connection: &Connection,
    service: &Service,
    request: NewServiceRequest,
    jurisdiction: Option<JurisdictionId>,
    now: Datetime,
    token_delay: Duration,
) -> Result<Stored<CreatedServiceRequest>, BackendError> {
    let at = now.timestamp_micros();
    connection
        .prepare_cached(
            "INSERT INTO requests (jurisdiction_id, service_code, status, requested_ts, \
             updated_ts, document, submitted) VALUES (?1, ?2, 'open', ?3, ?3, x'', ?4)",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                jurisdiction.as_ref().map(JurisdictionId::as_str),
                service.service_code.as_str(),
                at,
                form::encode_request(&request, None),
            ])
        })
        .map_err(unavailable)?;
    let seq = connection.last_insert_rowid();
    let id = ServiceRequestId::from(seq.to_string());
    let mut stored = ServiceRequest::new(id.clone(), Status::Open);
    stored.service_code = Some(service.service_code.clone());
    stored.service_name.clone_from(&service.service_name);
    stored.description = request.description;
    stored.requested_datetime = Some(now);
    stored.updated_datetime = Some(now);
    stored.address = request.address_string;
    stored.address_id = request.address_id;
    stored.lat = request.lat;
    stored.long = request.long;
    stored.media_url = request.media_url;
    let list = vec![stored];
    let document = open311_types::json::to_vec(&list);
    connection
        .prepare_cached("UPDATE requests SET service_request_id = ?1, document = ?2 WHERE seq = ?3")
        .and_then(|mut statement| statement.execute(params![id.as_str(), document, seq]))
        .map_err(unavailable)?;
    let Some(stored) = list.into_iter().next() else {
        return Err(unavailable("a request just written is gone"));
    };
    let mut created = match service.service_type {
        Some(ServiceType::Batch) => {
            let token = Token::from(format!("T{seq}"));
            connection
                .execute(
                    "INSERT INTO tokens (token, service_request_id, resolves_ts) VALUES (?1, ?2, ?3)",
                    params![token.as_str(), id.as_str(), (now + token_delay).timestamp_micros()],
                )
                .map_err(unavailable)?;
            CreatedServiceRequest::with_token(token)
        }
        Some(ServiceType::Blackbox) => CreatedServiceRequest::default(),
        _ => CreatedServiceRequest::with_id(id),
    };
    created.account_id = request.account_id;
    Ok(Stored {
        answer: created,
        request: Arc::new(stored),
    })
}

fn post_update(
    connection: &Connection,
    update: NewServiceRequestUpdate,
    now: Datetime,
) -> Result<Stored<CreatedUpdate>, BackendError> {
    let id = &update.service_request_id;
    let row: Option<(i64, Vec<u8>)> = connection
        .query_row(
            "SELECT seq, document FROM requests WHERE service_request_id = ?1",
            [id.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(unavailable)?;
    let Some((seq, document)) = row else {
        return Err(BackendError::not_found(format!(
            "service_request_id {id} not found"
        )));
    };
    let mut request = decode_one::<ServiceRequest>(&document)
        .ok_or_else(|| unavailable("a stored request cannot be read"))?;
    let at = update.updated_datetime.unwrap_or(now);
    if let Some(status) = &update.status {
        request.status = Some(status.clone());
    }
    request.updated_datetime = Some(at);
    connection
        .execute(
            "UPDATE requests SET status = ?1, updated_ts = ?2, document = ?3 WHERE seq = ?4",
            params![
                request.status.as_ref().map(Status::as_str),
                at.timestamp_micros(),
                open311_types::json::to_vec(&vec![request.clone()]),
                seq,
            ],
        )
        .map_err(unavailable)?;
    connection
        .execute(
            "INSERT INTO updates (service_request_id, updated_ts, document) VALUES (?1, ?2, x'')",
            params![id.as_str(), at.timestamp_micros()],
        )
        .map_err(unavailable)?;
    let update_seq = connection.last_insert_rowid();
    let update_id = update
        .update_id
        .clone()
        .unwrap_or_else(|| UpdateId::from(update_seq.to_string()));
    let mut stored = ServiceRequestUpdate::new(update_id.clone(), id.clone());
    stored.status.clone_from(&request.status);
    stored.updated_datetime = Some(at);
    stored.description = update.description;
    stored.media_url = update.media_url;
    let written = connection.execute(
        "UPDATE updates SET update_id = ?1, document = ?2 WHERE seq = ?3",
        params![
            update_id.as_str(),
            open311_types::json::to_vec(&vec![stored]),
            update_seq
        ],
    );
    match written {
        Ok(_) => Ok(Stored {
            answer: CreatedUpdate::new(update_id),
            request: Arc::new(request),
        }),
        Err(rusqlite::Error::SqliteFailure(error, _))
            if error.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(BackendError::invalid(format!(
                "update_id {update_id} is already used"
            )))
        }
        Err(error) => Err(unavailable(error)),
    }
}

/// The requests read or written lately, by id, so that a GET of one request needs no query.
///
/// Two generations bound its size: entries go into the young one, which, once full, becomes
/// the old one; a hit in the old one moves the entry back. Every write passes through this
/// process's writer, which refreshes the entry after its commit, so the cache is never stale
/// (a second process writing the same file is not supported).
#[derive(Default)]
struct Cache {
    /// The young generation, then the old one.
    generations: Mutex<(Generation, Generation)>,
}

/// One generation of the [`Cache`]: requests by id, shared with the answers that hold them.
type Generation = HashMap<String, Arc<ServiceRequest>>;

/// Entries in one generation of the cache.
const CACHE_GENERATION: usize = 8_192;

impl Cache {
    fn get(&self, id: &str) -> Option<Arc<ServiceRequest>> {
        let mut generations = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(request) = generations.0.get(id) {
            return Some(Arc::clone(request));
        }
        let request = generations.1.remove(id)?;
        generations.0.insert(id.to_owned(), Arc::clone(&request));
        Some(request)
    }

    fn put(&self, request: Arc<ServiceRequest>) {
        // The key, copied once.
        let Some(id) = request
            .service_request_id
            .clone()
            .map(ServiceRequestId::into_string)
        else {
            return;
        };
        let mut generations = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if generations.0.len() >= CACHE_GENERATION {
            generations.1 = std::mem::take(&mut generations.0);
        }
        generations.1.remove(&id);
        generations.0.insert(id, request);
    }
}

/// Read-only connections, opened as needed and kept for reuse.
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn take(&self) -> Result<Connection, BackendError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(connection) = idle {
            return Ok(connection);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(&self.path, flags).map_err(unavailable)?;
        connection
            .execute_batch(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"))
            .map_err(unavailable)?;
        Ok(connection)
    }

    fn give(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < 16 {
            idle.push(connection);
        }
    }
}

impl SqliteBackend {
    /// The catalogue's entry for `service_code`.
    fn entry(&self, service_code: &ServiceCode) -> Option<&(Service, Option<ServiceDefinition>)> {
        self.catalogue
            .iter()
            .find(|(service, _)| service.service_code == *service_code)
    }

    /// Runs `read` on a pooled connection, off the async threads.
    async fn read<T, F>(&self, read: F) -> Result<T, BackendError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, BackendError> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        tokio::task::spawn_blocking(move || {
            let connection = readers.take()?;
            let result = read(&connection);
            readers.give(connection);
            result
        })
        .await
        .map_err(unavailable)?
    }

    async fn write<T>(
        &self,
        job: Job,
        answer: oneshot::Receiver<Result<T, BackendError>>,
    ) -> Result<T, BackendError> {
        self.writer
            .send(job)
            .await
            .map_err(|_| unavailable("the writer has stopped"))?;
        answer
            .await
            .map_err(|_| unavailable("the writer has stopped"))?
    }
}

impl Backend for SqliteBackend {
    async fn services(&self, _cx: &RequestContext) -> Result<Vec<Service>, BackendError> {
        Ok(self
            .catalogue
            .iter()
            .map(|(service, _)| service.clone())
            .collect())
    }

    async fn service(
        &self,
        _cx: &RequestContext,
        service_code: &ServiceCode,
    ) -> Result<Option<Service>, BackendError> {
        Ok(self.entry(service_code).map(|(service, _)| service.clone()))
    }

    async fn service_definition(
        &self,
        _cx: &RequestContext,
        service_code: &ServiceCode,
    ) -> Result<Option<ServiceDefinition>, BackendError> {
        Ok(self
            .entry(service_code)
            .and_then(|(_, definition)| definition.clone()))
    }

    async fn create_request(
        &self,
        cx: &RequestContext,
        service: &Service,
        request: NewServiceRequest,
    ) -> Result<CreatedServiceRequest, BackendError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Create {
            service: service.clone(),
            request: Box::new(request),
            jurisdiction: cx.jurisdiction_id.clone(),
            now: cx.now,
            reply,
        };
        self.write(job, answer).await
    }

    async fn service_requests(
        &self,
        cx: &RequestContext,
        filter: &RequestFilter,
    ) -> Result<RequestList, BackendError> {
        let filter = filter.clone();
        let jurisdiction = cx
            .jurisdiction_id
            .clone()
            .filter(|_| self.options.multi_jurisdiction);
        let found = self
            .read(move |connection| query_requests(connection, &filter, jurisdiction.as_ref()))
            .await?;
        Ok(found.into())
    }

    async fn service_request(
        &self,
        cx: &RequestContext,
        id: &ServiceRequestId,
    ) -> Result<Option<Arc<ServiceRequest>>, BackendError> {
        // The cache does not know jurisdictions; with several, every read asks the file.
        let cached = !self.options.multi_jurisdiction;
        if let Some(request) = cached.then(|| self.cache.get(id.as_str())).flatten() {
            return Ok(Some(request));
        }
        let mut filter = RequestFilter::all(1);
        filter.service_request_ids = vec![id.clone()];
        let jurisdiction = cx
            .jurisdiction_id
            .clone()
            .filter(|_| self.options.multi_jurisdiction);
        let found = self
            .read(move |connection| query_requests(connection, &filter, jurisdiction.as_ref()))
            .await?
            .into_iter()
            .next()
            .map(Arc::new);
        if let Some(request) = found.as_ref().filter(|_| cached) {
            self.cache.put(Arc::clone(request));
        }
        Ok(found)
    }

    async fn token(
        &self,
        cx: &RequestContext,
        token: &Token,
    ) -> Result<Option<TokenLookup>, BackendError> {
        let token = token.clone();
        let now = cx.now.timestamp_micros();
        self.read(move |connection| {
            let row: Option<(String, i64)> = connection
                .query_row(
                    "SELECT service_request_id, resolves_ts FROM tokens WHERE token = ?1",
                    [token.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(unavailable)?;
            Ok(row.map(|(id, resolves)| {
                let id = (now >= resolves).then(|| ServiceRequestId::from(id));
                TokenLookup::new(token, id)
            }))
        })
        .await
    }

    fn supports_updates(&self) -> bool {
        true
    }

    async fn service_request_updates(
        &self,
        _cx: &RequestContext,
        filter: &UpdateFilter,
    ) -> Result<Vec<ServiceRequestUpdate>, BackendError> {
        let filter = filter.clone();
        self.read(move |connection| {
            let mut statement = connection
                .prepare(
                    "SELECT document FROM updates WHERE updated_ts >= ?1 AND updated_ts <= ?2 \
                     AND (?3 IS NULL OR service_request_id = ?3) ORDER BY updated_ts, seq LIMIT ?4",
                )
                .map_err(unavailable)?;
            let rows = statement
                .query_map(
                    params![
                        filter.start.timestamp_micros(),
                        filter.end.timestamp_micros(),
                        filter
                            .service_request_id
                            .as_ref()
                            .map(ServiceRequestId::as_str),
                        filter.limit as i64,
                    ],
                    |row| row.get::<_, Vec<u8>>(0),
                )
                .map_err(unavailable)?;
            let mut updates = Vec::new();
            for row in rows {
                let document = row.map_err(unavailable)?;
                updates.extend(decode_one::<ServiceRequestUpdate>(&document));
            }
            Ok(updates)
        })
        .await
    }

    async fn post_update(
        &self,
        cx: &RequestContext,
        update: NewServiceRequestUpdate,
    ) -> Result<CreatedUpdate, BackendError> {
        let (reply, answer) = oneshot::channel();
        self.write(
            Job::Update {
                update,
                now: cx.now,
                reply,
            },
            answer,
        )
        .await
    }
}

/// Runs GET requests as SQL: the filter in the WHERE clause, newest first, then the page.
fn query_requests(
    connection: &Connection,
    filter: &RequestFilter,
    jurisdiction: Option<&JurisdictionId>,
) -> Result<Vec<ServiceRequest>, BackendError> {
    use rusqlite::types::Value;

    let mut sql =
        String::from("SELECT document FROM requests WHERE service_request_id IS NOT NULL");
    let mut values: Vec<Value> = Vec::new();
    let mut any_of = |sql: &mut String, column: &str, items: Vec<String>| {
        if items.is_empty() {
            return;
        }
        let marks = vec!["?"; items.len()].join(", ");
        sql.push_str(&format!(" AND {column} IN ({marks})"));
        values.extend(items.into_iter().map(Value::Text));
    };
    if filter.service_request_ids.is_empty() {
        any_of(
            &mut sql,
            "service_code",
            filter.service_codes.iter().map(|c| c.to_string()).collect(),
        );
        any_of(
            &mut sql,
            "status",
            filter
                .statuses
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        );
    } else {
        any_of(
            &mut sql,
            "service_request_id",
            filter
                .service_request_ids
                .iter()
                .map(|id| id.to_string())
                .collect(),
        );
    }
    let bounds = [
        ("requested_ts >=", filter.requested_after),
        ("requested_ts <=", filter.requested_before),
        ("updated_ts >=", filter.updated_after),
        ("updated_ts <=", filter.updated_before),
    ];
    for (condition, bound) in bounds {
        if let Some(bound) = bound {
            sql.push_str(&format!(" AND {condition} ?"));
            values.push(Value::Integer(bound.timestamp_micros()));
        }
    }
    if let Some(jurisdiction) = jurisdiction {
        sql.push_str(" AND jurisdiction_id = ?");
        values.push(Value::Text(jurisdiction.to_string()));
    }
    sql.push_str(" ORDER BY requested_ts DESC, seq DESC LIMIT ? OFFSET ?");
    values.push(Value::Integer(filter.limit as i64));
    values.push(Value::Integer(filter.offset as i64));
    let mut statement = connection.prepare_cached(&sql).map_err(unavailable)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values), |row| {
            row.get::<_, Vec<u8>>(0)
        })
        .map_err(unavailable)?;
    let mut requests = Vec::new();
    for row in rows {
        let document = row.map_err(unavailable)?;
        requests.extend(decode_one::<ServiceRequest>(&document));
    }
    Ok(requests)
}
