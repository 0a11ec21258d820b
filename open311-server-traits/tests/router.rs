//! The router in process: every operation in both formats, and every row of the status table.

use bytes::Bytes;
use chrono::Duration;
use http::{Method, Request, StatusCode};
use open311_server_traits::{
    Backend, BackendError, Config, FixedClock, MemoryBackend, RequestContext, RequestFilter,
    RequestList, Router, StaticKeys,
};
use open311_types::{
    ApiError, Attribute, AttributeValue, CreatedServiceRequest, CreatedUpdate, Datatype, Datetime,
    DecodeOptions, Discovery, Document, Format, NewServiceRequest, Service, ServiceCode,
    ServiceDefinition, ServiceRequest, ServiceRequestId, ServiceRequestUpdate, ServiceType, Status,
    TokenLookup,
};

fn now() -> Datetime {
    open311_types::datetime::parse("2026-06-01T12:00:00-07:00").unwrap()
}

/// A city with a realtime service with a definition using all six datatypes, a batch and a
/// blackbox service, a service with an awkward code, and three older requests.
fn city() -> MemoryBackend {
    let service = |code: &str, name: &str, kind: ServiceType| {
        let mut service = Service::new(code, name);
        service.service_type = Some(kind);
        service
    };
    let mut potholes = service("001", "Pothole", ServiceType::Realtime);
    potholes.metadata = Some(true);
    let mut definition = ServiceDefinition::new("001");
    for (code, datatype, required) in [
        ("depth", Datatype::Number, true),
        ("note", Datatype::String, false),
        ("seen", Datatype::Datetime, false),
        ("story", Datatype::Text, false),
        ("size", Datatype::SingleValueList, true),
        ("hazards", Datatype::MultiValueList, false),
    ] {
        let mut attribute = Attribute::new(code, datatype.clone());
        attribute.required = Some(required);
        if datatype.is_list() {
            attribute.values = vec![
                AttributeValue::new("small", "Small"),
                AttributeValue::new("large", "Large"),
                AttributeValue::new("water", "Water"),
            ];
        }
        definition.attributes.push(attribute);
    }
    let old = |id: &str, code: &str, status: Status, days: i64| {
        let mut request = ServiceRequest::new(id, status);
        request.service_code = Some(code.into());
        request.requested_datetime = Some(now() - Duration::days(days));
        request.updated_datetime = Some(now() - Duration::days(days));
        request
    };
    MemoryBackend::new()
        .with_service(potholes, Some(definition))
        .with_service(service("002", "Graffiti", ServiceType::Batch), None)
        .with_service(service("003", "Tip", ServiceType::Blackbox), None)
        .with_service(service("a b&c/d", "Awkward", ServiceType::Realtime), None)
        .with_request(old("old-1", "002", Status::Open, 10))
        .with_request(old("old-2", "003", Status::Closed, 20))
        .with_request(old("old-3", "002", Status::Open, 100))
}

fn router() -> Router<MemoryBackend> {
    Router::new(city(), config())
}

fn config() -> Config {
    Config::default()
        .with_clock(FixedClock(now()))
        .with_api_keys(StaticKeys::new().with_key("test", "xyz"))
}

struct Answer {
    status: StatusCode,
    content_type: String,
    allow: Option<String>,
    body: Bytes,
}

impl Answer {
    fn decode<D: Document>(&self, format: Format) -> D {
        open311_types::decode::<D>(&self.body, format, &DecodeOptions::strict())
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
            .value
    }

    /// The error document, checked for the status code it carries.
    fn errors(&self, format: Format) -> Vec<ApiError> {
        let errors: Vec<ApiError> = self.decode(format);
        assert!(
            !errors.is_empty(),
            "an error document has at least one error"
        );
        assert_eq!(
            errors[0].status_code(),
            Some(self.status.as_u16()),
            "{errors:?}"
        );
        errors
    }
}

async fn call<B: Backend>(router: &Router<B>, method: Method, uri: &str, body: &str) -> Answer {
    call_with(
        router,
        method,
        uri,
        Some("application/x-www-form-urlencoded; charset=utf-8"),
        body.as_bytes().to_vec(),
    )
    .await
}

async fn call_with<B: Backend>(
    router: &Router<B>,
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "city.example");
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = router
        .handle(request.body(Bytes::from(body)).unwrap())
        .await;
    let header = |name: http::HeaderName| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    Answer {
        status: response.status(),
        content_type: header(http::header::CONTENT_TYPE).unwrap_or_default(),
        allow: header(http::header::ALLOW),
        body: response.into_body(),
    }
}

async fn get<B: Backend>(router: &Router<B>, uri: &str) -> Answer {
    call(router, Method::GET, uri, "").await
}

async fn post<B: Backend>(router: &Router<B>, uri: &str, body: &str) -> Answer {
    call(router, Method::POST, uri, body).await
}

const FORMATS: [Format; 2] = [Format::Xml, Format::Json];

/// A valid body for service 001.
const POTHOLE: &str = "api_key=xyz&service_code=001&lat=37.76&long=-122.42\
    &attribute[depth]=12&attribute[size]=large&attribute[hazards][]=water&attribute[hazards][]=small";

#[tokio::test]
async fn services_in_both_formats() {
    let router = router();
    for format in FORMATS {
        let answer = get(&router, &format!("/services.{}", format.extension())).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.content_type, format.content_type());
        let services: Vec<Service> = answer.decode(format);
        assert_eq!(services.len(), 4);
        assert_eq!(services[0].service_code, "001");
    }
    let xml = get(&router, "/services.xml").await;
    assert!(
        xml.body
            .starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    );
}

#[tokio::test]
async fn service_definitions_in_both_formats() {
    let router = router();
    for format in FORMATS {
        let answer = get(&router, &format!("/services/001.{}", format.extension())).await;
        assert_eq!(answer.status, StatusCode::OK);
        let definition: ServiceDefinition = answer.decode(format);
        assert_eq!(definition.attributes.len(), 6);
        let awkward = get(
            &router,
            &format!("/services/a%20b%26c%2Fd.{}", format.extension()),
        )
        .await;
        assert_eq!(awkward.status, StatusCode::OK);
        let definition: ServiceDefinition = awkward.decode(format);
        assert_eq!(definition.service_code, "a b&c/d");
        assert!(definition.attributes.is_empty());
    }
}

#[tokio::test]
async fn a_realtime_post_answers_with_an_id_that_reads_back() {
    let router = router();
    for format in FORMATS {
        let answer = post(
            &router,
            &format!("/requests.{}", format.extension()),
            POTHOLE,
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let created: Vec<CreatedServiceRequest> = answer.decode(format);
        let id = created[0]
            .service_request_id
            .clone()
            .expect("a realtime service answers an id");
        assert_eq!(created[0].token, None);
        let read = get(&router, &format!("/requests/{id}.{}", format.extension())).await;
        let requests: Vec<ServiceRequest> = read.decode(format);
        assert_eq!(requests[0].service_request_id.as_ref(), Some(&id));
        assert_eq!(requests[0].status, Some(Status::Open));
        assert_eq!(requests[0].lat, Some(37.76));
        assert_eq!(requests[0].requested_datetime, Some(now()));
    }
}

#[tokio::test]
async fn a_batch_post_answers_with_a_token_that_resolves() {
    let router = router();
    for format in FORMATS {
        let body = "api_key=xyz&service_code=002&address_string=1234+5th+street";
        let answer = post(&router, &format!("/requests.{}", format.extension()), body).await;
        let created: Vec<CreatedServiceRequest> = answer.decode(format);
        assert_eq!(created[0].service_request_id, None);
        let token = created[0]
            .token
            .clone()
            .expect("a batch service answers a token");
        let lookup = get(&router, &format!("/tokens/{token}.{}", format.extension())).await;
        let lookups: Vec<TokenLookup> = lookup.decode(format);
        assert_eq!(lookups[0].token.as_ref(), Some(&token));
        let id = lookups[0]
            .service_request_id
            .clone()
            .expect("the token resolves");
        assert_eq!(
            get(&router, &format!("/requests/{id}.xml")).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_blackbox_post_answers_with_neither() {
    let router = router();
    let answer = post(
        &router,
        "/requests.json",
        "api_key=xyz&service_code=003&address_id=42",
    )
    .await;
    let created: Vec<CreatedServiceRequest> = answer.decode(Format::Json);
    assert_eq!(
        (
            created[0].service_request_id.as_ref(),
            created[0].token.as_ref()
        ),
        (None, None)
    );
}

async fn listed(router: &Router<MemoryBackend>, query: &str) -> Vec<String> {
    let answer = get(router, &format!("/requests.json?{query}")).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{query}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let requests: Vec<ServiceRequest> = answer.decode(Format::Json);
    requests
        .into_iter()
        .filter_map(|r| r.service_request_id.map(ServiceRequestId::into_string))
        .collect()
}

#[tokio::test]
async fn get_requests_applies_the_spec_filters() {
    let router = router();
    assert_eq!(
        listed(&router, "").await,
        ["old-1", "old-2"],
        "the last 90 days by default"
    );
    assert_eq!(
        listed(&router, "service_request_id=old-3,old-1").await,
        ["old-1", "old-3"]
    );
    assert_eq!(
        listed(
            &router,
            "service_request_id=old-3&status=closed&service_code=001"
        )
        .await,
        ["old-3"],
        "the id list overrides the other filters"
    );
    assert_eq!(listed(&router, "service_code=002").await, ["old-1"]);
    assert_eq!(listed(&router, "status=closed").await, ["old-2"]);
    assert_eq!(
        listed(&router, "status=open,closed&service_code=002,003").await,
        ["old-1", "old-2"]
    );
    let window = "start_date=2026-01-01T00:00:00Z&end_date=2026-03-01T00:00:00Z";
    assert_eq!(listed(&router, window).await, ["old-3"]);
    assert_eq!(
        listed(&router, "start_date=2026-05-20T00:00Z").await,
        ["old-1"]
    );
    assert_eq!(listed(&router, "page_size=1").await, ["old-1"]);
    assert_eq!(listed(&router, "page_size=1&page=2").await, ["old-2"]);
    assert_eq!(
        listed(&router, "page_size=1&page=3").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&router, "updated_after=2026-05-01T00:00:00Z").await,
        ["old-1", "old-2"]
    );
}

#[tokio::test]
async fn get_requests_refuses_bad_arguments() {
    let router = router();
    for query in [
        "status=pending",
        "service_request_id=old-1&status=pending",
        "start_date=2026-01-01T00:00:00",
        "start_date=2026-01-01T00:00:00Z&end_date=2026-05-01T00:00:00Z",
        "start_date=2026-03-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        "page_size=1001",
        "page=0",
        "service_code=%E9",
    ] {
        let answer = get(&router, &format!("/requests.xml?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        answer.errors(Format::Xml);
    }
}

/// A backend that returns more than asked, to check the router's own cap and filter.
struct Sloppy(Vec<ServiceRequest>);

impl Backend for Sloppy {
    async fn services(&self, _: &RequestContext) -> Result<Vec<Service>, BackendError> {
        Ok(Vec::new())
    }
    async fn service_definition(
        &self,
        _: &RequestContext,
        _: &ServiceCode,
    ) -> Result<Option<ServiceDefinition>, BackendError> {
        Ok(None)
    }
    async fn create_request(
        &self,
        _: &RequestContext,
        _: &Service,
        _: NewServiceRequest,
    ) -> Result<CreatedServiceRequest, BackendError> {
        Err(BackendError::unavailable("the CRM is down"))
    }
    async fn service_requests(
        &self,
        _: &RequestContext,
        _: &RequestFilter,
    ) -> Result<RequestList, BackendError> {
        Ok(self.0.clone().into())
    }
    async fn service_request(
        &self,
        _: &RequestContext,
        _: &ServiceRequestId,
    ) -> Result<Option<std::sync::Arc<ServiceRequest>>, BackendError> {
        panic!("the backend has a bug")
    }
}

#[tokio::test]
async fn at_most_a_thousand_results_whatever_the_backend_returns() {
    let many = (0..1_500)
        .map(|n| {
            let mut request = ServiceRequest::new(n.to_string(), Status::Open);
            request.requested_datetime = Some(now() - Duration::minutes(n));
            request
        })
        .collect();
    let router = Router::new(Sloppy(many), config());
    let requests: Vec<ServiceRequest> = get(&router, "/requests.xml").await.decode(Format::Xml);
    assert_eq!(requests.len(), 1_000);
    let few: Vec<ServiceRequest> = get(&router, "/requests.xml?page_size=10")
        .await
        .decode(Format::Xml);
    assert_eq!(few.len(), 10);
}

#[tokio::test]
async fn a_backend_failure_is_the_general_service_error_never_500() {
    let router = Router::new(Sloppy(Vec::new()), config());
    let answer = get(&router, "/requests/1.json").await;
    assert_eq!(
        answer.status,
        StatusCode::BAD_REQUEST,
        "a panic is answered as a 400"
    );
    answer.errors(Format::Json);
    assert_eq!(router.panics(), 1);
}

#[tokio::test]
async fn updates_change_the_request_and_are_listed() {
    let router = router();
    for format in FORMATS {
        let ext = format.extension();
        let body = "api_key=xyz&service_request_id=old-1&status=closed&description=Filled\
                    &updated_datetime=2026-06-01T11:00:00-07:00";
        let answer = post(&router, &format!("/servicerequestupdates.{ext}"), body).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let created: Vec<CreatedUpdate> = answer.decode(format);
        assert!(!created[0].update_id.as_str().is_empty());
        let request: Vec<ServiceRequest> = get(&router, &format!("/requests/old-1.{ext}"))
            .await
            .decode(format);
        assert_eq!(request[0].status, Some(Status::Closed));
        assert_eq!(
            request[0].updated_datetime,
            Some(now() - Duration::hours(1))
        );
        let listed = get(&router, &format!("/servicerequestupdates.{ext}")).await;
        let updates: Vec<ServiceRequestUpdate> = listed.decode(format);
        assert_eq!(
            updates.last().unwrap().description.as_deref(),
            Some("Filled")
        );
    }
    let unknown = post(
        &router,
        "/servicerequestupdates.xml",
        "api_key=xyz&service_request_id=nope",
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let without_updates = Router::new(Sloppy(Vec::new()), config());
    assert_eq!(
        get(&without_updates, "/servicerequestupdates.xml")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn discovery_is_generated_from_the_configuration() {
    let router = Router::new(
        city(),
        config()
            .with_base_path("/open311/v2")
            .with_contact("Call 311"),
    );
    for format in FORMATS {
        let answer = get(
            &router,
            &format!("/open311/v2/discovery.{}", format.extension()),
        )
        .await;
        let discovery: Discovery = answer.decode(format);
        assert_eq!(discovery.contact.as_deref(), Some("Call 311"));
        let endpoint = &discovery.endpoints[0];
        assert!(endpoint.is_georeport_v2());
        assert_eq!(endpoint.url, "http://city.example/open311/v2");
        assert!(endpoint.supports(Format::Xml) && endpoint.supports(Format::Json));
    }
    assert_eq!(
        get(&router, "/services.xml").await.status,
        StatusCode::NOT_FOUND,
        "outside the base path"
    );
}

#[tokio::test]
async fn head_answers_as_get_without_a_body() {
    let answer = call(&router(), Method::HEAD, "/services.xml", "").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.is_empty());
}

/// Checks a refused POST: its status, its error document, and that nothing was stored.
async fn refused(body: &str, status: StatusCode) -> Vec<ApiError> {
    let router = router();
    let before = router.backend().requests().len();
    let answer = post(&router, "/requests.json", body).await;
    assert_eq!(
        answer.status,
        status,
        "{body}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        router.backend().requests().len(),
        before,
        "{body} stored something"
    );
    answer.errors(Format::Json)
}

#[tokio::test]
async fn status_403_for_a_missing_or_bad_key_before_other_checks() {
    refused(&POTHOLE.replace("api_key=xyz&", ""), StatusCode::FORBIDDEN).await;
    refused(&POTHOLE.replace("xyz", "xyy"), StatusCode::FORBIDDEN).await;
    refused("service_code=nope&lat=NaN", StatusCode::FORBIDDEN).await;
    refused("service_code=%E9", StatusCode::FORBIDDEN).await;
    refused("api_key=&service_code=001", StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn status_404_for_unknown_resources() {
    let router = router();
    refused(
        "api_key=xyz&service_code=999&address_id=1",
        StatusCode::NOT_FOUND,
    )
    .await;
    let one_city = Router::new(city(), config().with_jurisdictions(["city.gov"]));
    let answer = post(
        &one_city,
        "/requests.xml",
        &format!("{POTHOLE}&jurisdiction_id=elsewhere"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    answer.errors(Format::Xml);
    assert_eq!(one_city.backend().requests().len(), 3, "nothing stored");
    for uri in [
        "/services/999.xml",
        "/requests/999.xml",
        "/tokens/999.xml",
        "/nothing.xml",
        "/services.html",
        "/services",
        "/requests/1/2.xml",
        "/services.xml/x",
    ] {
        let answer = get(&router, uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        answer.errors(Format::Xml);
    }
    let json = get(&router, "/services/999.json").await;
    assert_eq!(
        json.content_type,
        Format::Json.content_type(),
        "errors in the requested format"
    );
    json.errors(Format::Json);
}

#[tokio::test]
async fn jurisdictions() {
    let single = Router::new(city(), config().with_jurisdictions(["city.gov"]));
    assert_eq!(
        get(&single, "/services.xml").await.status,
        StatusCode::OK,
        "may be omitted"
    );
    assert_eq!(
        get(&single, "/services.xml?jurisdiction_id=").await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&single, "/services.xml?jurisdiction_id=city.gov")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&single, "/services.xml?jurisdiction_id=x.gov")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let several = Router::new(city(), config().with_jurisdictions(["a.gov", "b.gov"]));
    let missing = get(&several, "/services.xml").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    missing.errors(Format::Xml);
    assert_eq!(
        get(&several, "/services.xml?jurisdiction_id=b.gov")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn status_405_with_allow() {
    let router = router();
    let answer = call(&router, Method::DELETE, "/requests.xml", "").await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.allow.as_deref(), Some("GET, HEAD, POST"));
    answer.errors(Format::Xml);
    let answer = post(&router, "/services.json", "").await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.allow.as_deref(), Some("GET, HEAD"));
    answer.errors(Format::Json);
}

#[tokio::test]
async fn status_413_for_a_body_over_the_limit() {
    let body = format!("{POTHOLE}&description={}", "x".repeat(129 * 1024));
    refused(&body, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn status_415_for_other_content_types() {
    let router = router();
    for content_type in [
        Some("application/json"),
        Some("application/x-www-form-urlencoded; charset=latin1"),
        None,
    ] {
        let answer = call_with(
            &router,
            Method::POST,
            "/requests.xml",
            content_type,
            POTHOLE.into(),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        answer.errors(Format::Xml);
    }
    assert_eq!(router.backend().requests().len(), 3);
}

#[tokio::test]
async fn status_400_for_invalid_input() {
    let cases = [
        ("missing location", "api_key=xyz&service_code=002"),
        (
            "missing required attribute",
            &POTHOLE.replace("&attribute[depth]=12", ""),
        ),
        (
            "value outside the list",
            &POTHOLE.replace("size]=large", "size]=huge"),
        ),
        ("not a number", &POTHOLE.replace("depth]=12", "depth]=deep")),
        (
            "indexed single value",
            &POTHOLE.replace("size]=large", "size][0]=large"),
        ),
        (
            "unknown attribute",
            &format!("{POTHOLE}&attribute[colour]=red"),
        ),
        ("invalid UTF-8", &format!("{POTHOLE}&description=%E9")),
        ("malformed escape", &format!("{POTHOLE}&description=%G1")),
        ("NaN latitude", &POTHOLE.replace("lat=37.76", "lat=NaN")),
        (
            "latitude out of range",
            &POTHOLE.replace("lat=37.76", "lat=91"),
        ),
        ("lat without long", &POTHOLE.replace("&long=-122.42", "")),
        (
            "description too long",
            &format!("{POTHOLE}&description={}", "é".repeat(4_001)),
        ),
        ("no service_code", "api_key=xyz&lat=1&long=1"),
    ];
    for (case, body) in cases {
        let errors = refused(body, StatusCode::BAD_REQUEST).await;
        assert!(errors.iter().all(|e| e.description.is_some()), "{case}");
    }
}

#[tokio::test]
async fn every_validation_failure_is_reported() {
    let body = "api_key=xyz&service_code=001&attribute[depth]=deep";
    let errors = refused(body, StatusCode::BAD_REQUEST).await;
    let descriptions: Vec<&str> = errors
        .iter()
        .filter_map(|e| e.description.as_deref())
        .collect();
    assert_eq!(descriptions.len(), 3, "{descriptions:?}");
    assert!(descriptions[0].starts_with("location:"));
    assert!(descriptions[1].starts_with("attribute[depth]:"));
    assert!(descriptions[2].starts_with("attribute[size]:"));
}

#[tokio::test]
async fn the_backend_failing_a_post_stores_nothing_and_answers_400() {
    let router = Router::new(Sloppy(Vec::new()), config());
    let answer = post(
        &router,
        "/requests.xml",
        "api_key=xyz&service_code=001&address_id=1",
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::NOT_FOUND,
        "a service the backend does not list"
    );
}

#[tokio::test]
async fn response_only_fields_and_comma_lists_in_a_post() {
    let router = router();
    let body = POTHOLE.replace(
        "&attribute[hazards][]=water&attribute[hazards][]=small",
        "&attribute[hazards]=water,small&status=closed&service_request_id=mine",
    );
    let answer = post(&router, "/requests.xml", &body).await;
    assert_eq!(answer.status, StatusCode::OK);
    let created: Vec<CreatedServiceRequest> = answer.decode(Format::Xml);
    assert_ne!(
        created[0].service_request_id.as_ref().map(|id| id.as_str()),
        Some("mine")
    );
    let stored = router.backend().requests().pop().unwrap();
    assert_eq!(
        stored.status,
        Some(Status::Open),
        "a posted status is ignored"
    );
}
