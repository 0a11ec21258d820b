//! Tens of thousands of generated requests through the router: valid ones, and mutations of
//! their methods, paths, queries, headers and bodies.
//!
//! For every answer: the status is one the project's decisions allow, an error answer is a
//! spec error document the project's own decoder reads, a rejected POST stores nothing, and
//! the `api_key` appears in no answer and no log line.

use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use open311_server_traits::{Config, FixedClock, MemoryBackend, Router, StaticKeys};
use open311_types::{
    ApiError, Attribute, AttributeValue, Datatype, DecodeOptions, Service, ServiceDefinition,
    ServiceType,
};

/// The key; the generator puts it nowhere but in `api_key` fields.
const KEY: &str = "k3y-5ecret-0311";

/// How many requests are generated.
const REQUESTS: usize = 30_000;

/// A small deterministic generator, so that a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn city() -> MemoryBackend {
    let mut pothole = Service::new("001", "Pothole");
    pothole.service_type = Some(ServiceType::Realtime);
    pothole.metadata = Some(true);
    let mut definition = ServiceDefinition::new("001");
    let mut size = Attribute::new("SIZE", Datatype::SingleValueList);
    size.required = Some(true);
    size.values = vec![
        AttributeValue::new("S", "Small"),
        AttributeValue::new("L", "Large"),
    ];
    let mut many = Attribute::new("MANY", Datatype::MultiValueList);
    many.values = vec![AttributeValue::new("A", "A"), AttributeValue::new("B", "B")];
    definition.attributes = vec![size, many, Attribute::new("WHEN", Datatype::Datetime)];
    let mut graffiti = Service::new("a b&c/d", "Graffiti");
    graffiti.service_type = Some(ServiceType::Batch);
    MemoryBackend::new()
        .with_service(pothole, Some(definition))
        .with_service(graffiti, None)
}

const PATHS: &[&str] = &[
    "/services.xml",
    "/services.json",
    "/services/001.xml",
    "/services/a%20b%26c%2Fd.json",
    "/requests.xml",
    "/requests.json",
    "/requests/1.xml",
    "/requests/2.json",
    "/tokens/token-2.xml",
    "/discovery.json",
    "/servicerequestupdates.xml",
    "/services",
    "/services.html",
    "/services/.xml",
    "/services/%ZZ.xml",
    "/services/%E9.xml",
    "/requests/1/2.xml",
    "/../etc/passwd",
    "//requests.xml",
    "/requests.xml/",
    "/REQUESTS.XML",
    "/requests.XML",
    "/tokens/%2e%2e.json",
    "/",
    "",
];

const QUERIES: &[&str] = &[
    "",
    "jurisdiction_id=",
    "jurisdiction_id=elsewhere",
    "service_request_id=1,2,3",
    "service_request_id=1&status=pending",
    "status=open,closed",
    "status=OPEN",
    "service_code=001,a%20b",
    "start_date=2026-05-01T00:00:00Z&end_date=2026-05-31T00:00:00Z",
    "start_date=2026-01-01T00:00:00Z&end_date=2026-12-31T00:00:00Z",
    "start_date=2026-05-01",
    "end_date=2026-05-01T00:00:00+99:00",
    "page=2&page_size=1",
    "page=0",
    "page_size=100000",
    "page=99999999999999999999",
    "updated_after=2026-05-01T00:00Z",
    "extensions=maybe",
    "%E9=1",
    "a=%",
    "service_code=%00",
];

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/x-www-form-urlencoded"),
    Some("application/x-www-form-urlencoded; charset=utf-8"),
    Some("application/x-www-form-urlencoded; charset=ISO-8859-1"),
    Some("application/json"),
    Some("multipart/form-data; boundary=x"),
    Some("text/plain"),
    None,
];

/// A POST body, valid or mutated. The key is only ever the value of `api_key`.
fn body(rng: &mut Lcg, path: &str) -> Vec<u8> {
    let mut pairs: Vec<(String, String)> = if path.starts_with("/servicerequestupdates") {
        vec![(
            "service_request_id".into(),
            rng.pick(&["1", "2", "999"]).to_string(),
        )]
    } else {
        vec![
            (
                "service_code".into(),
                rng.pick(&["001", "a b&c/d", "999", ""]).to_string(),
            ),
            (
                "lat".into(),
                rng.pick(&["37.76", "NaN", "91", " 1 ", "1e400", ""])
                    .to_string(),
            ),
            (
                "long".into(),
                rng.pick(&["-122.42", "inf", "-181", "x"]).to_string(),
            ),
            (
                "address_string".into(),
                rng.pick(&["1 Main St", "", "<b>html</b>"]).to_string(),
            ),
            (
                "attribute[SIZE]".into(),
                rng.pick(&["S", "L", "XL", ""]).to_string(),
            ),
            (
                rng.pick(&["attribute[MANY][]", "attribute[MANY][0]", "attribute[MANY]"])
                    .to_string(),
                "A".into(),
            ),
            (
                "attribute[WHEN]".into(),
                rng.pick(&["2026-05-01T10:00:00Z", "yesterday"]).to_string(),
            ),
            (
                "description".into(),
                "x".repeat(*rng.pick(&[10, 4_000, 4_001])),
            ),
        ]
    };
    match rng.below(4) {
        0 => pairs.insert(0, ("api_key".into(), KEY.into())),
        1 => pairs.push(("api_key".into(), KEY.into())),
        2 => pairs.push(("api_key".into(), "wrong".into())),
        _ => {}
    }
    for _ in 0..rng.below(4) {
        if !pairs.is_empty() && rng.chance(50) {
            let at = rng.below(pairs.len());
            if pairs[at].0 != "api_key" {
                pairs.remove(at);
            }
        } else {
            let junk = rng.pick(&[
                ("status", "closed"),
                ("attribute[]", "x"),
                ("attribute[NOPE]", "1"),
                ("title", "t"),
            ]);
            pairs.push((junk.0.into(), junk.1.into()));
        }
    }
    let mut body = Vec::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            body.push(b'&');
        }
        body.extend(url_encode(name));
        body.push(b'=');
        body.extend(url_encode(value));
    }
    if rng.chance(10) {
        let raw: &[&[u8]] = &[
            b"&description=%E9",
            b"&x=%G0",
            b"&&&==",
            b"\xFF\xFE",
            b"&lat=1&lat=2",
        ];
        let chosen: &[u8] = rng.pick::<&[u8]>(raw);
        body.extend_from_slice(chosen);
    }
    if rng.chance(2) {
        body.resize(200 * 1024, b'a');
    }
    body
}

fn url_encode(text: &str) -> Vec<u8> {
    text.bytes()
        .flat_map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => vec![byte],
            b' ' => vec![b'+'],
            other => format!("%{other:02X}").into_bytes(),
        })
        .collect()
}

fn request(rng: &mut Lcg) -> Request<Bytes> {
    let method = rng
        .pick(&[
            Method::GET,
            Method::GET,
            Method::POST,
            Method::POST,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .clone();
    let path = match *rng.pick(PATHS) {
        "" => "/",
        path => path,
    };
    let query = *rng.pick(QUERIES);
    let uri = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    if (method == Method::POST || rng.chance(5))
        && let Some(content_type) = rng.pick(CONTENT_TYPES)
    {
        builder = builder.header("content-type", *content_type);
    }
    if rng.chance(20) {
        builder = builder.header("host", "city.example");
    }
    let body = if method == Method::POST {
        body(rng, path)
    } else {
        Vec::new()
    };
    builder.body(Bytes::from(body)).expect("a valid request")
}

/// Collects log lines written through `tracing`.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("the log lock")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn generated_requests_get_spec_answers_and_leak_no_key() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let now = open311_types::datetime::parse("2026-06-01T12:00:00Z").expect("a datetime");
    let config = Config::default()
        .with_clock(FixedClock(now))
        .with_api_keys(StaticKeys::new().with_key("test", KEY));
    let router = Router::new(city(), config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut rng = Lcg(0x0311);
    let allowed = [200, 400, 403, 404, 405, 413, 415];
    let mut seen = std::collections::BTreeMap::new();

    for index in 0..REQUESTS {
        let request = request(&mut rng);
        let described = format!("#{index} {} {}", request.method(), request.uri());
        let post = request.method() == Method::POST;
        let head = request.method() == Method::HEAD;
        let format = router.format_of(request.uri().path());
        let before = router.backend().requests().len();
        let response = runtime.block_on(router.handle(request));
        let status = response.status();
        *seen.entry(status.as_u16()).or_insert(0) += 1;

        assert!(allowed.contains(&status.as_u16()), "{described}: {status}");
        let body = response.body();
        assert!(
            !String::from_utf8_lossy(body).contains(KEY),
            "{described}: the key is in the answer"
        );
        if status != StatusCode::OK {
            if post {
                assert_eq!(
                    router.backend().requests().len(),
                    before,
                    "{described}: a refused POST stored something"
                );
            }
            if head {
                continue;
            }
            let errors =
                open311_types::decode::<Vec<ApiError>>(body, format, &DecodeOptions::strict())
                    .unwrap_or_else(|error| {
                        panic!("{described}: {status} with no error document: {error}")
                    });
            assert!(
                errors
                    .value
                    .iter()
                    .all(|e| e.code.is_some() && e.description.is_some()),
                "{described}"
            );
            assert_eq!(
                response.headers()["content-type"],
                format.content_type(),
                "{described}: the error document is in the format asked for"
            );
        }
    }
    assert_eq!(router.panics(), 0);
    let log = String::from_utf8(log.0.lock().expect("the log lock").clone()).expect("UTF-8 log");
    assert!(!log.is_empty(), "rejections are logged");
    assert!(!log.contains(KEY), "the key is in the log");
    for status in [200, 400, 403, 404, 405, 413, 415] {
        assert!(
            seen.get(&status).copied().unwrap_or(0) > 0,
            "no {status} among {seen:?}"
        );
    }
}
