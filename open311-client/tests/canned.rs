//! Every operation against canned answers through a closure transport, real documents included.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use http::StatusCode;
use open311_client::{Client, Error, HttpRequest, HttpResponse, MultiValue, Polling, Profile};
use open311_types::{
    AttributeInput, Datatype, EndpointType, Format, Mode, NewServiceRequest,
    NewServiceRequestUpdate, RequestQuery, ServiceDefinition, Status,
};

/// A transport that answers `status`, `content_type` and `body`, and keeps the requests.
struct Canned {
    answers: RefCell<Vec<(u16, &'static str, Vec<u8>)>>,
    seen: RefCell<Vec<HttpRequest>>,
}

impl Canned {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Canned {
        Canned::sequence(vec![(status, content_type, body.into())])
    }

    /// Answers in turn; the last answer repeats.
    fn sequence(answers: Vec<(u16, &'static str, Vec<u8>)>) -> Canned {
        Canned {
            answers: RefCell::new(answers),
            seen: RefCell::new(Vec::new()),
        }
    }

    fn transport(&self) -> impl Fn(HttpRequest) -> Result<HttpResponse, std::io::Error> + '_ {
        move |request| {
            self.seen.borrow_mut().push(request);
            let mut answers = self.answers.borrow_mut();
            let (status, content_type, body) = if answers.len() > 1 {
                answers.remove(0)
            } else {
                answers[0].clone()
            };
            let mut response = http::Response::new(body);
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            if !content_type.is_empty() {
                response
                    .headers_mut()
                    .insert("content-type", content_type.parse().unwrap());
            }
            Ok(response)
        }
    }

    fn last(&self) -> HttpRequest {
        let seen = self.seen.borrow();
        let last = seen.last().expect("a request was sent");
        let mut copy = http::Request::new(last.body().clone());
        *copy.method_mut() = last.method().clone();
        *copy.uri_mut() = last.uri().clone();
        *copy.headers_mut() = last.headers().clone();
        copy
    }
}

fn fixture(name: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            assert!(
                std::env::var_os("OPEN311_SKIP_FIXTURES").is_some(),
                "{name} is missing"
            );
            None
        }
    }
}

fn client() -> Client {
    Client::new("https://city.example/open311/v2/").unwrap()
}

const XML: &str = "text/xml; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

#[test]
fn services_from_a_real_capture() {
    let Some(body) = fixture("cfa-ruby__services_sf.xml") else {
        return;
    };
    let canned = Canned::new(200, XML, body);
    let services = client().services().send(&canned.transport()).unwrap();
    assert_eq!(services.value.len(), 36);
    let request = canned.last();
    assert_eq!(
        request.uri(),
        "https://city.example/open311/v2/services.xml"
    );
    assert_eq!(request.method(), "GET");
    assert!(
        request.headers()["accept"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    assert!(request.body().is_empty());
}

#[test]
fn a_service_definition_with_an_awkward_code() {
    let Some(body) = fixture("node-open311__dc_service_definition_S0301.xml") else {
        return;
    };
    let canned = Canned::new(200, XML, body);
    let definition = client()
        .service_definition(&"a b/c&d".into())
        .send(&canned.transport())
        .unwrap();
    assert_eq!(definition.value.attributes.len(), 6);
    assert_eq!(definition.value.service_code, "S0301");
    assert_eq!(
        canned.last().uri(),
        "https://city.example/open311/v2/services/a%20b%2Fc&d.xml"
    );
}

#[test]
fn a_token_only_answer_to_a_post() {
    let Some(body) = fixture("node-open311__boston_post_token.xml") else {
        return;
    };
    let canned = Canned::new(200, XML, body);
    let mut request = NewServiceRequest::new("001");
    request.address_string = Some("1 City Hall Sq".into());
    let created = client()
        .with_api_key("k")
        .post_request(&request)
        .unwrap()
        .send(&canned.transport())
        .unwrap();
    assert_eq!(created.value.service_request_id, None);
    assert_eq!(created.value.token.unwrap(), "503fc045901932078800163c");
    let sent = canned.last();
    assert_eq!(sent.method(), "POST");
    assert_eq!(
        sent.uri(),
        "https://city.example/open311/v2/requests.xml",
        "no query on a POST"
    );
    assert_eq!(
        sent.headers()["content-type"],
        "application/x-www-form-urlencoded; charset=utf-8"
    );
    assert_eq!(
        sent.body().as_slice(),
        b"api_key=k&service_code=001&address_string=1+City+Hall+Sq"
    );
}

#[test]
fn the_api_key_is_never_in_a_url_and_an_empty_jurisdiction_never_sent() {
    let canned = Canned::new(200, JSON, "[]");
    let client = client()
        .with_api_key("secret")
        .with_jurisdiction("")
        .with_format(Format::Json);
    client.services().send(&canned.transport()).unwrap();
    client
        .requests(&RequestQuery::default())
        .send(&canned.transport())
        .unwrap();
    for request in canned.seen.borrow().iter() {
        let uri = request.uri().to_string();
        assert!(
            !uri.contains("secret") && !uri.contains("jurisdiction_id"),
            "{uri}"
        );
    }
    let with = client.with_jurisdiction("city.gov");
    with.requests(&RequestQuery::default())
        .send(&canned.transport())
        .unwrap();
    assert_eq!(
        canned.last().uri().query(),
        Some("jurisdiction_id=city.gov")
    );
}

#[test]
fn wrapped_json_and_numeric_ids_are_read_with_deviations() {
    let canned = Canned::new(
        200,
        JSON,
        r#"{"service_requests":[{"service_request_id":638344,"status":"Open"}]}"#,
    );
    let requests = client()
        .with_format(Format::Json)
        .requests(&RequestQuery::default())
        .send(&canned.transport())
        .unwrap();
    assert_eq!(
        requests.value[0].service_request_id.as_ref().unwrap(),
        "638344"
    );
    assert_eq!(requests.value[0].status, Some(Status::Open));
    assert_eq!(requests.deviations.len(), 3);
    let strict = client()
        .with_mode(Mode::Strict)
        .requests(&RequestQuery::default())
        .send(&canned.transport());
    assert!(matches!(
        strict,
        Err(Error::Decode {
            status: StatusCode::OK,
            ..
        })
    ));
}

#[test]
fn an_html_error_page_is_not_open311() {
    let canned = Canned::new(
        502,
        "text/html",
        "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
    );
    match client().services().send(&canned.transport()) {
        Err(Error::NotOpen311 {
            status,
            content_type,
            excerpt,
        }) => {
            assert_eq!(status, StatusCode::BAD_GATEWAY);
            assert_eq!(content_type.as_deref(), Some("text/html"));
            assert!(excerpt.contains("502 Bad Gateway"));
        }
        other => panic!("{other:?}"),
    }
    let empty = Canned::new(500, "", "");
    assert!(matches!(
        client().services().send(&empty.transport()),
        Err(Error::NotOpen311 { .. })
    ));
}

#[test]
fn the_spec_error_document_with_its_status() {
    let Some(body) = fixture("fixmystreet__error_400_service_code_null.xml") else {
        return;
    };
    let canned = Canned::new(400, XML, body);
    match client().request(&"1".into()).send(&canned.transport()) {
        Err(Error::Api { status, errors }) => {
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(errors[0].code.as_deref(), Some("400"));
        }
        other => panic!("{other:?}"),
    }
    // An error document sent with 200 is still an error, and JSON errors answer XML calls too.
    let ok_status = Canned::new(
        200,
        JSON,
        r#"[{"code":404,"description":"no such request"}]"#,
    );
    let error = client()
        .request(&"1".into())
        .send(&ok_status.transport())
        .unwrap_err();
    assert!(
        matches!(error, Error::Api { status: StatusCode::OK, ref errors } if errors[0].status_code() == Some(404))
    );
}

#[test]
fn a_broken_document_says_where() {
    let Some(body) = fixture("open311dashboard__sf_requests.xml") else {
        return;
    };
    let canned = Canned::new(200, XML, body);
    let error = client()
        .requests(&RequestQuery::default())
        .send(&canned.transport())
        .unwrap_err();
    let Error::Decode { source, .. } = error else {
        panic!("{error:?}")
    };
    assert!(source.to_string().contains("byte"), "{source}");
}

#[test]
fn discovery_picks_the_production_endpoint_and_xml_when_json_is_not_offered() {
    let Some(body) = fixture("cfa-java__discovery_sf.xml") else {
        return;
    };
    let canned = Canned::new(200, XML, body);
    let transport = canned.transport();
    let client = Client::discover(
        &transport,
        "https://sf.example/discovery.xml",
        &EndpointType::Production,
        Profile::standard(),
    )
    .unwrap();
    assert_eq!(canned.last().uri(), "https://sf.example/discovery.xml");
    assert_eq!(client.endpoint().as_str(), "https://open311.sfgov.org/v2/");
    assert_eq!(client.format(), Format::Xml);
    let test = Client::discover(
        &transport,
        "https://sf.example/",
        &EndpointType::Test,
        Profile::standard(),
    )
    .unwrap();
    assert_eq!(
        test.endpoint().as_str(),
        "https://open311.sfgov.org/dev/v2/"
    );
    assert_eq!(canned.last().uri(), "https://sf.example/discovery.xml");
}

#[test]
fn discovery_prefers_json_unless_the_profile_is_xml_only() {
    let discovery = r#"{"changeset":"2011-02-03 14:18","endpoints":[{"specification":"http://wiki.open311.org/GeoReport_v2",
        "url":"http://open311.mycity.gov/v2","type":"production","formats":["text/xml","application/json"]}]}"#;
    let canned = Canned::new(200, JSON, discovery);
    let transport = canned.transport();
    let json = Client::discover(
        &transport,
        "http://mycity.gov/discovery.json",
        &EndpointType::Production,
        Profile::standard(),
    )
    .unwrap();
    assert_eq!(json.format(), Format::Json);
    let xml = Client::discover(
        &transport,
        "http://mycity.gov/discovery.json",
        &EndpointType::Production,
        Profile::standard().xml_only(),
    )
    .unwrap();
    assert_eq!(xml.format(), Format::Xml);
    let missing = Client::discover(
        &transport,
        "http://mycity.gov/",
        &EndpointType::Test,
        Profile::standard(),
    );
    assert!(matches!(missing, Err(Error::Unexpected(_))));
}

#[test]
fn profiles_write_multivaluelists_their_way() {
    let mut request = NewServiceRequest::new("S");
    request.address_id = Some("1".into());
    request
        .attributes
        .push(AttributeInput::list("C", ["a", "b"]));
    let cases = [
        (
            MultiValue::Brackets,
            "attribute%5BC%5D%5B%5D=a&attribute%5BC%5D%5B%5D=b",
        ),
        (
            MultiValue::Repeated,
            "attribute%5BC%5D=a&attribute%5BC%5D=b",
        ),
        (
            MultiValue::Indexed,
            "attribute%5BC%5D%5B0%5D=a&attribute%5BC%5D%5B1%5D=b",
        ),
        (MultiValue::Comma, "attribute%5BC%5D=a%2Cb"),
    ];
    for (style, expected) in cases {
        let mut profile = Profile::standard();
        profile.multivalue = style;
        let operation = client()
            .with_profile(profile)
            .post_request(&request)
            .unwrap();
        let body = String::from_utf8(operation.to_http().into_body()).unwrap();
        assert!(body.ends_with(expected), "{style:?}: {body}");
    }
}

#[test]
fn the_chicago_profile_sends_datetimes_without_an_offset() {
    let mut query = RequestQuery::default();
    query.start_date = Some(open311_types::datetime::parse("2012-01-01T00:00:00-06:00").unwrap());
    let operation = client().with_profile(Profile::chicago()).requests(&query);
    assert_eq!(
        operation.url().query(),
        Some("start_date=2012-01-01T00%3A00%3A00")
    );
}

#[test]
fn a_profile_that_needs_an_email_refuses_to_send_without_one() {
    let mut request = NewServiceRequest::new("S");
    request.address_id = Some("1".into());
    let refused = client()
        .with_profile(Profile::mysociety())
        .post_request(&request);
    assert!(matches!(refused, Err(Error::Invalid(ref errors)) if errors.0[0].field == "email"));
    request.email = Some("a@b.example".into());
    assert!(
        client()
            .with_profile(Profile::mysociety())
            .post_request(&request)
            .is_ok()
    );
}

#[test]
fn a_checked_post_refuses_what_the_definition_refuses() {
    let mut definition = ServiceDefinition::new("S");
    let mut size = open311_types::Attribute::new("SIZE", Datatype::Number);
    size.required = Some(true);
    definition.attributes.push(size);
    let mut request = NewServiceRequest::new("S");
    request.address_id = Some("1".into());
    request
        .attributes
        .push(AttributeInput::single("SIZE", "big"));
    let refused = client().post_request_checked(&request, &definition);
    assert!(
        matches!(refused, Err(Error::Invalid(ref errors)) if errors.0[0].field == "attribute[SIZE]")
    );
    request.attributes[0].values = vec!["3".into()];
    assert!(client().post_request_checked(&request, &definition).is_ok());
}

#[test]
fn tokens_are_polled_a_bounded_number_of_times() {
    let pending = (
        200,
        XML,
        b"<service_requests><request><token>T1</token></request></service_requests>".to_vec(),
    );
    let not_yet = (
        404,
        XML,
        b"<errors><error><code>404</code><description>unknown</description></error></errors>"
            .to_vec(),
    );
    let done = (200, XML, b"<service_requests><request><service_request_id>42</service_request_id><token>T1</token></request></service_requests>".to_vec());
    let canned = Canned::sequence(vec![not_yet, pending.clone(), done]);
    let mut slept = Vec::new();
    let polling = Polling {
        tries: 5,
        delay: Duration::from_millis(1500),
    };
    let id = client()
        .resolve_token(&canned.transport(), &"T1".into(), &polling, |d| {
            slept.push(d)
        })
        .unwrap();
    assert_eq!(id, "42");
    assert_eq!(slept, [Duration::from_millis(1500); 2]);
    assert_eq!(
        canned.last().uri(),
        "https://city.example/open311/v2/tokens/T1.xml"
    );

    let never = Canned::sequence(vec![pending]);
    let mut sleeps = 0;
    let error = client()
        .resolve_token(
            &never.transport(),
            &"T1".into(),
            &Polling {
                tries: 3,
                ..polling
            },
            |_| sleeps += 1,
        )
        .unwrap_err();
    assert!(matches!(error, Error::TokenPending { tries: 3, .. }));
    assert_eq!((sleeps, never.seen.borrow().len()), (2, 3));
}

#[test]
fn updates_in_both_directions() {
    let Some(list) = fixture("open311-adapter__service_request_updates_passthrough.xml") else {
        return;
    };
    let canned = Canned::new(200, XML, list);
    let updates = client()
        .updates(&RequestQuery::default())
        .send(&canned.transport())
        .unwrap();
    assert_eq!(updates.value.len(), 3);
    assert_eq!(
        canned.last().uri().path(),
        "/open311/v2/servicerequestupdates.xml"
    );
    let Some(created) = fixture("open311-adapter__post_update_response.xml") else {
        return;
    };
    let canned = Canned::new(200, XML, created);
    let mut update = NewServiceRequestUpdate::new("1001");
    update.status = Some(Status::Closed);
    let answer = client()
        .with_api_key("k")
        .post_update(&update)
        .send(&canned.transport())
        .unwrap();
    assert_eq!(answer.value.update_id, "2002");
    assert_eq!(
        canned.last().body().as_slice(),
        b"api_key=k&service_request_id=1001&status=closed"
    );
}

#[test]
fn an_empty_answer_to_a_post_is_unexpected() {
    let canned = Canned::new(200, XML, "<service_requests/>");
    let mut request = NewServiceRequest::new("S");
    request.address_id = Some("1".into());
    let error = client()
        .post_request(&request)
        .unwrap()
        .send(&canned.transport())
        .unwrap_err();
    assert!(matches!(error, Error::Unexpected(_)));
}

#[test]
fn transport_failures_are_typed() {
    let failing = |_request: HttpRequest| -> Result<HttpResponse, std::io::Error> {
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        ))
    };
    let error = client().services().send(&failing).unwrap_err();
    assert!(
        matches!(error, Error::Transport(ref e) if e.kind() == std::io::ErrorKind::ConnectionRefused)
    );
    assert_eq!(error.status(), None);
}
