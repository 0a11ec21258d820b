//! The checks against the server layer in process: a conforming router passes them all, and
//! for every check a deliberately broken answer makes it fail.

use chrono::TimeDelta;
use open311_client::{HttpRequest, HttpResponse};
use open311_conformance::{CHECKS, Options, Report, Severity, Status, Target, run};
use open311_server_traits::{Config, FixedClock, MemoryBackend, Router, StaticKeys};
use open311_types::{
    Attribute, AttributeValue, Datatype, Datetime, Format, Service, ServiceDefinition,
    ServiceRequest, ServiceType,
};

fn now() -> Datetime {
    open311_types::datetime::parse("2026-06-01T12:00:00Z").unwrap()
}

/// A city with a realtime service with a definition, a batch and a blackbox service, and
/// requests of the last weeks and of last year.
fn city() -> MemoryBackend {
    let service = |code: &str, kind: ServiceType, metadata: bool| {
        let mut service = Service::new(code, format!("{code} service"));
        service.service_type = Some(kind);
        service.metadata = Some(metadata);
        service.group = Some("streets".into());
        service
    };
    let mut definition = ServiceDefinition::new("POTHOLE");
    let mut size = Attribute::new("SIZE", Datatype::SingleValueList);
    size.required = Some(true);
    size.order = Some(1);
    size.values = vec![
        AttributeValue::new("S", "Small"),
        AttributeValue::new("L", "Large"),
    ];
    let mut depth = Attribute::new("DEPTH", Datatype::Number);
    depth.order = Some(2);
    definition.attributes = vec![size, depth];
    let old = |id: &str, code: &str, status: open311_types::Status, days: i64| {
        let mut request = ServiceRequest::new(id, status);
        request.service_code = Some(code.into());
        request.service_name = Some(format!("{code} service"));
        request.requested_datetime = Some(now() - TimeDelta::days(days));
        request.updated_datetime = Some(now() - TimeDelta::days(days));
        request
    };
    use open311_types::Status::{Closed, Open};
    MemoryBackend::new()
        .with_service(
            service("POTHOLE", ServiceType::Realtime, true),
            Some(definition),
        )
        .with_service(service("GRAFFITI", ServiceType::Batch, false), None)
        .with_service(service("NOISE", ServiceType::Blackbox, false), None)
        .with_request(old("100", "GRAFFITI", Open, 3))
        .with_request(old("101", "NOISE", Closed, 5))
        .with_request(old("102", "POTHOLE", Closed, 200))
}

fn config() -> Config {
    Config::default()
        .with_clock(FixedClock(now()))
        .with_api_keys(StaticKeys::new().with_key("checker", "secret"))
}

fn options() -> Options {
    Options::new("")
        .with_write(Some("secret".into()))
        .with_now(now())
}

fn check(target: &impl Target, options: &Options) -> Report {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(run(target, options))
}

#[test]
fn the_server_layer_passes_every_must_and_should_check() {
    let router = Router::new(city(), config().with_jurisdictions(["city.gov"]));
    let report = check(&router, &options());
    for finding in &report.findings {
        let ok = match finding.check.severity {
            Severity::Must | Severity::Should => finding.status == Status::Pass,
            Severity::Extension => finding.status != Status::Fail,
        };
        assert!(ok, "{}\n{}", finding.check.id, report.to_table());
    }
    assert!(report.conforms());
    assert_eq!(report.status("paging"), Some(&Status::Pass));
    assert_eq!(report.status("updates.post"), Some(&Status::Pass));
}

#[test]
fn without_write_nothing_is_posted() {
    let router = Router::new(city(), config());
    let report = check(&router, &Options::new("").with_now(now()));
    assert_eq!(router.backend().requests().len(), 3);
    assert_eq!(report.status("post.create"), Some(&Status::Skip));
    assert!(
        report
            .finding("post.create")
            .unwrap()
            .reason
            .as_deref()
            .unwrap()
            .contains("--write")
    );
    assert_eq!(report.status("requests.id-overrides"), Some(&Status::Pass));
}

/// What the broken server sees of a request, to decide what to break.
struct Seen {
    method: String,
    path: String,
    query: String,
    body: String,
}

/// The router, with some answers broken on purpose.
struct Broken<R, A> {
    router: Router<MemoryBackend>,
    request: R,
    answer: A,
}

impl<R, A> Target for Broken<R, A>
where
    R: Fn(&mut HttpRequest),
    A: Fn(&Seen, &mut HttpResponse),
{
    async fn call(&self, mut request: HttpRequest) -> Result<HttpResponse, String> {
        (self.request)(&mut request);
        let seen = Seen {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            query: request.uri().query().unwrap_or_default().to_owned(),
            body: String::from_utf8_lossy(request.body()).into_owned(),
        };
        let mut response = self.router.call(request).await?;
        (self.answer)(&seen, &mut response);
        Ok(response)
    }
}

fn body(response: &HttpResponse) -> String {
    String::from_utf8_lossy(response.body()).into_owned()
}

fn replace(response: &mut HttpResponse, from: &str, to: &str) {
    *response.body_mut() = body(response).replace(from, to).into_bytes();
}

fn set_status(response: &mut HttpResponse, status: u16) {
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
}

/// Rewrites the requests of an XML list answer.
fn rewrite_requests(response: &mut HttpResponse, edit: impl Fn(&mut Vec<ServiceRequest>)) {
    let Ok(decoded) = open311_types::xml::from_slice::<Vec<ServiceRequest>>(
        response.body(),
        &open311_types::DecodeOptions::lenient(),
    ) else {
        return;
    };
    let mut requests = decoded.value;
    edit(&mut requests);
    *response.body_mut() = open311_types::xml::to_vec(&requests);
}

/// Runs the checks against a router whose answers `answer` breaks, and expects `id` to fail.
fn fails(id: &str, answer: impl Fn(&Seen, &mut HttpResponse)) {
    fails_with(id, config(), |_| {}, answer);
}

fn fails_with(
    id: &str,
    config: Config,
    request: impl Fn(&mut HttpRequest),
    answer: impl Fn(&Seen, &mut HttpResponse),
) {
    let target = Broken {
        router: Router::new(city(), config),
        request,
        answer,
    };
    let report = check(&target, &options());
    let finding = report
        .finding(id)
        .unwrap_or_else(|| panic!("no check {id}"));
    assert_eq!(
        finding.status,
        Status::Fail,
        "{id} did not fail:\n{}",
        report.to_table()
    );
    let evidence = &finding.evidence[0];
    assert!(
        !evidence.request.is_empty() && !evidence.detail.is_empty(),
        "{evidence:?}"
    );
}

fn is(seen: &Seen, method: &str, path: &str) -> bool {
    seen.method == method && seen.path == path
}

#[test]
fn discovery_checks_fail() {
    fails("discovery.xml", |seen, answer| {
        if seen.path == "/discovery.xml" {
            set_status(answer, 404);
        }
    });
    fails("discovery.json", |seen, answer| {
        if seen.path == "/discovery.json" {
            *answer.body_mut() = b"{\"oops\"".to_vec();
        }
    });
    fails("discovery.fields", |seen, answer| {
        if seen.path.starts_with("/discovery") {
            let text = body(answer);
            let start = text.find("<contact>").unwrap_or(0);
            let end = text
                .find("</contact>")
                .map_or(0, |end| end + "</contact>".len());
            if end > start {
                *answer.body_mut() = format!("{}{}", &text[..start], &text[end..]).into_bytes();
            }
        }
    });
    fails("discovery.georeport-v2", |seen, answer| {
        if seen.path.starts_with("/discovery") {
            replace(answer, "GeoReport_v2", "GeoReport_v3");
        }
    });
    fails("discovery.same-data", |seen, answer| {
        if seen.path == "/discovery.json" {
            replace(answer, "Contact the city", "Call the city");
        }
    });
    fails("discovery.formats-served", |seen, answer| {
        if seen.path == "/services.json" {
            *answer.body_mut() = b"<services/>".to_vec();
        }
    });
}

#[test]
fn service_checks_fail() {
    fails("services", |seen, answer| {
        if seen.path == "/services.xml" {
            *answer.body_mut() = b"<services><service>".to_vec();
        }
    });
    fails("services.fields", |seen, answer| {
        if seen.path == "/services.xml" {
            replace(answer, "<type>realtime</type>", "");
        }
    });
    fails("definition", |seen, answer| {
        if seen.path == "/services/POTHOLE.xml" {
            replace(
                answer,
                "<service_code>POTHOLE</service_code>",
                "<service_code>OTHER</service_code>",
            );
        }
    });
    fails("definition.fields", |seen, answer| {
        if seen.path == "/services/POTHOLE.xml" {
            replace(answer, "<order>1</order>", "");
        }
    });
    fails("definition.unknown-service", |seen, answer| {
        if seen.path.starts_with("/services/open311-conformance") {
            set_status(answer, 400);
        }
    });
}

#[test]
fn post_checks_fail() {
    fails("post.api-key-missing", |seen, answer| {
        if seen.method == "POST" && !seen.body.contains("api_key=") {
            set_status(answer, 400);
        }
    });
    fails("post.api-key-invalid", |seen, answer| {
        if seen.method == "POST" && seen.body.contains("-invalid") {
            set_status(answer, 401);
        }
    });
    fails("post.unknown-service", |seen, answer| {
        if seen.method == "POST" && seen.body.contains("no-such-thing") {
            set_status(answer, 400);
        }
    });
    fails("post.missing-location", |seen, answer| {
        if seen.method == "POST" && !seen.body.contains("address_string") {
            set_status(answer, 200);
        }
    });
    fails("post.missing-attribute", |seen, answer| {
        if seen.method == "POST" && seen.body.contains("POTHOLE") && !seen.body.contains("SIZE") {
            set_status(answer, 422);
        }
    });
    fails("post.outside-list", |seen, answer| {
        if seen.method == "POST"
            && seen.body.contains("no-such-thing")
            && seen.body.contains("SIZE")
        {
            set_status(answer, 200);
        }
    });
    fails("post.create", |seen, answer| {
        if is(seen, "POST", "/requests.xml") && answer.status() == 200 {
            *answer.body_mut() = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><service_requests><request><service_notice>thanks</service_notice></request></service_requests>".to_vec();
        }
    });
    fails("post.readable", |seen, answer| {
        if seen.method == "GET"
            && seen.path.starts_with("/requests/")
            && !seen.path.contains("open311")
        {
            set_status(answer, 404);
        }
    });
    fails("token.flow", |seen, answer| {
        if seen.path.starts_with("/tokens/T") || seen.path.starts_with("/tokens/token") {
            let text = body(answer);
            if let (Some(start), Some(end)) = (
                text.find("<service_request_id>"),
                text.find("</service_request_id>"),
            ) {
                let end = end + "</service_request_id>".len();
                *answer.body_mut() = format!("{}{}", &text[..start], &text[end..]).into_bytes();
            }
        }
    });
}

#[test]
fn request_list_checks_fail() {
    fails("requests", |seen, answer| {
        if is(seen, "GET", "/requests.xml") && seen.query.is_empty() {
            set_status(answer, 500);
        }
    });
    fails("requests.fields", |seen, answer| {
        if is(seen, "GET", "/requests.xml") {
            replace(answer, "<status>open</status>", "");
        }
    });
    fails("requests.cap", |seen, answer| {
        if is(seen, "GET", "/requests.xml") && seen.query.is_empty() {
            rewrite_requests(answer, |requests| {
                let first = requests[0].clone();
                requests.resize(1_001, first);
            });
        }
    });
    fails("requests.default-window", |seen, answer| {
        if is(seen, "GET", "/requests.xml") && seen.query.is_empty() {
            rewrite_requests(answer, |requests| {
                requests[0].requested_datetime = Some(now() - TimeDelta::days(400));
            });
        }
    });
    fails("requests.id-overrides", |seen, answer| {
        if seen.query.contains("service_request_id=") {
            *answer.body_mut() =
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><service_requests/>".to_vec();
        }
    });
    fails("requests.service-code", |seen, answer| {
        if seen.query.starts_with("service_code=") {
            rewrite_requests(answer, |requests| {
                requests[0].service_code = Some("ELSE".into())
            });
        }
    });
    fails("requests.status", |seen, answer| {
        if seen.query == "status=open" {
            replace(answer, "<status>open</status>", "<status>closed</status>");
        }
    });
    fails("requests.date-window", |seen, answer| {
        if seen.query.starts_with("start_date=") && answer.status() == 200 {
            rewrite_requests(answer, |requests| {
                let mut outside = requests[0].clone();
                outside.service_request_id = Some("outside".into());
                outside.requested_datetime = Some(now() - TimeDelta::days(80));
                requests.push(outside);
            });
        }
    });
    fails("requests.window-limit", |seen, answer| {
        if seen.query.starts_with("start_date=") && answer.status() == 400 {
            set_status(answer, 200);
            *answer.body_mut() = open311_types::xml::to_vec(&Vec::<ServiceRequest>::new());
        }
    });
    fails("request", |seen, answer| {
        if seen.path.starts_with("/requests/") && seen.path.ends_with(".json") {
            replace(
                answer,
                "\"service_request_id\":\"",
                "\"service_request_id\":\"another-",
            );
        }
    });
    fails_with(
        "paging",
        config(),
        |request| {
            // Page 2 is answered with page 1, as some servers do past the end.
            if request.uri().query() == Some("page_size=1&page=2") {
                *request.uri_mut() = "/requests.xml?page_size=1".parse().unwrap();
            }
        },
        |_, _| {},
    );
}

#[test]
fn error_checks_fail() {
    fails("request.unknown", |seen, answer| {
        if seen.path.starts_with("/requests/open311-conformance") {
            set_status(answer, 200);
        }
    });
    fails("token.unknown", |seen, answer| {
        if seen.path.starts_with("/tokens/open311-conformance") {
            set_status(answer, 400);
        }
    });
    fails_with(
        "jurisdiction.unknown",
        config().with_jurisdictions(["city.gov"]),
        |_| {},
        |seen, answer| {
            if seen.query.contains("conformance.invalid") {
                set_status(answer, 400);
            }
        },
    );
    fails("errors.unknown-format", |seen, answer| {
        if seen.path == "/services.csv" {
            set_status(answer, 400);
        }
    });
    fails("errors.document", |_, answer| {
        if answer.status() == 404 {
            *answer.body_mut() = b"<html><body>Not found</body></html>".to_vec();
        }
    });
}

#[test]
fn format_and_rule_checks_fail() {
    fails("formats.same-data", |seen, answer| {
        if seen.path == "/services.json" {
            replace(answer, "GRAFFITI service", "Graffiti service");
        }
    });
    fails("xml.declaration", |seen, answer| {
        if seen.path == "/services.xml" {
            replace(answer, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "");
        }
    });
    fails("xml.content-type", |_, answer| {
        if answer.headers()["content-type"] == Format::Xml.content_type() {
            answer
                .headers_mut()
                .insert("content-type", "text/xml".parse().unwrap());
        }
    });
    fails("json.content-type", |_, answer| {
        if answer.headers()["content-type"] == Format::Json.content_type() {
            answer
                .headers_mut()
                .insert("content-type", "text/plain; charset=utf-8".parse().unwrap());
        }
    });
    fails("encoding.utf8", |seen, answer| {
        if seen.path == "/services.xml" {
            let mut with_bom = b"\xEF\xBB\xBF".to_vec();
            with_bom.extend_from_slice(answer.body());
            *answer.body_mut() = with_bom;
        }
    });
    fails("datetimes.w3c", |seen, answer| {
        if is(seen, "GET", "/requests.xml") {
            replace(answer, "Z</requested_datetime>", "</requested_datetime>");
        }
    });
    fails("documents.shape", |seen, answer| {
        if is(seen, "GET", "/requests.xml") {
            replace(answer, "service_requests>", "requests>");
        }
    });
    fails("values.enumerations", |seen, answer| {
        if is(seen, "GET", "/requests.xml") {
            replace(answer, "<status>open</status>", "<status>Open</status>");
        }
    });
}

#[test]
fn extension_checks_fail() {
    fails("updates", |seen, answer| {
        if is(seen, "GET", "/servicerequestupdates.xml") {
            *answer.body_mut() = b"<service_request_updates><request_update>".to_vec();
        }
    });
    fails_with(
        "updates.post",
        config(),
        |request| {
            // The update is sent elsewhere, so the request never changes.
            if request.uri().path() == "/servicerequestupdates.xml" && request.method() == "POST" {
                *request.body_mut() =
                    b"api_key=secret&service_request_id=100&description=x".to_vec();
            }
        },
        |_, _| {},
    );
}

#[test]
fn every_check_has_a_test_that_makes_it_fail() {
    let source = include_str!("checks.rs");
    for check in CHECKS {
        let quoted = format!("\"{}\"", check.id);
        assert!(
            source.matches(&quoted).count() >= 1
                && (source.contains(&format!("fails({quoted}"))
                    || source.contains(&format!("{quoted},\n        config()"))),
            "no failing test for {}",
            check.id
        );
    }
}

#[test]
fn reports_print_as_json_and_junit() {
    let router = Router::new(city(), config());
    let report = check(&router, &options());
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let first = &json[0];
    for field in [
        "id",
        "severity",
        "status",
        "statement",
        "citation",
        "evidence",
    ] {
        assert!(first.get(field).is_some(), "{field} missing in {first}");
    }
    assert_eq!(json.as_array().unwrap().len(), CHECKS.len());
    let junit = report.to_junit();
    assert!(
        junit.starts_with("<?xml") && junit.contains("<testsuite name=\"open311-conformance\"")
    );
    assert_eq!(junit.matches("<testcase ").count(), CHECKS.len());
}
