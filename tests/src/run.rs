//! The run: the requests each check sends, and how their answers are judged.

use std::collections::HashMap;
use std::time::Duration;

use chrono::TimeDelta;
use open311_client::HttpRequest;
use open311_types::form;
use open311_types::{
    ApiError, AttributeInput, CreatedServiceRequest, CreatedUpdate, Datatype, Datetime,
    DecodeOptions, Deviation, DeviationKind, Discovery, Document, EndpointType, Format,
    JurisdictionId, NewServiceRequest, NewServiceRequestUpdate, Service, ServiceCode,
    ServiceDefinition, ServiceRequest, ServiceRequestUpdate, ServiceType, Status, TokenLookup,
};

use crate::checks::{CHECKS, Check, check};
use crate::report::{Evidence, Finding, Report, Status as Outcome};
use crate::target::Target;

/// What to check, and how far to go.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// The endpoint's base URL, such as `https://city.example/open311/v2`; empty in process,
    /// where paths start at `/`.
    pub base: String,
    /// Whether to POST: requests and updates are created on the endpoint.
    pub write: bool,
    /// The key for POSTs.
    pub api_key: Option<String>,
    /// The service to POST to; the first realtime service otherwise.
    pub service: Option<ServiceCode>,
    /// The `jurisdiction_id` to send with every call.
    pub jurisdiction: Option<JurisdictionId>,
    /// The time to judge the 90-day window by; by default the answer's `Date` header, else the
    /// system clock.
    pub now: Option<Datetime>,
}

impl Options {
    /// Checks the endpoint at `base` (empty in process).
    pub fn new(base: impl Into<String>) -> Self {
        Options {
            base: base.into().trim_end_matches('/').to_owned(),
            ..Options::default()
        }
    }

    /// Also POSTs, with `api_key` when given.
    pub fn with_write(mut self, api_key: Option<String>) -> Self {
        self.write = true;
        self.api_key = api_key;
        self
    }

    /// POSTs to `service`.
    pub fn with_service(mut self, service: impl Into<ServiceCode>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Sends `jurisdiction` with every call.
    pub fn with_jurisdiction(mut self, jurisdiction: impl Into<JurisdictionId>) -> Self {
        self.jurisdiction = Some(jurisdiction.into());
        self
    }

    /// Judges the 90-day window by `now`.
    pub fn with_now(mut self, now: Datetime) -> Self {
        self.now = Some(now);
        self
    }
}

/// Runs every check against `target` and returns one finding per check.
///
/// Reads come first, then (with [`Options::write`]) the POSTs, then the checks of GET
/// requests, which then have at least the created request to work with, then errors and
/// extensions. The checks of rules that any document can break (datetimes, enumerations,
/// shapes, encodings) judge every answer read along the way.
pub async fn run<T: Target>(target: &T, options: &Options) -> Report {
    let mut session = Session {
        target,
        options,
        outcomes: HashMap::new(),
        date: None,
    };
    let formats = session.discovery().await;
    let services = session.services(&formats).await;
    let definitions = session.definitions(&services, &formats).await;
    let created = if options.write {
        session.writes(&services, &definitions).await
    } else {
        for id in POST_CHECKS.into_iter().chain(["updates.post"]) {
            session.skip(id, "writes were not asked for (--write)");
        }
        None
    };
    session.requests(&formats).await;
    session.errors().await;
    session.extensions(created.as_ref()).await;
    session.report()
}

/// The answer to one request, as the checks see it.
#[derive(Debug, Clone)]
struct Exchange {
    request: String,
    format: Format,
    status: Option<u16>,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Exchange {
    fn evidence(&self, detail: impl Into<String>) -> Evidence {
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(600)]);
        let mut excerpt: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if excerpt.chars().count() > 240 {
            excerpt = excerpt.chars().take(240).collect::<String>() + "…";
        }
        Evidence {
            request: self.request.clone(),
            status: self.status,
            excerpt,
            detail: detail.into(),
        }
    }

    fn ok(&self) -> bool {
        self.status == Some(200)
    }
}

/// A check's outcome so far: a failure sticks, a pass beats a skip.
#[derive(Debug, Clone)]
enum State {
    Pass,
    Fail(Evidence),
    Skip(String),
}

struct Session<'r, T> {
    target: &'r T,
    options: &'r Options,
    outcomes: HashMap<&'static str, State>,
    date: Option<Datetime>,
}

/// A service request the run created.
struct Created {
    id: open311_types::ServiceRequestId,
    format: Format,
}

/// The checks that need a service request to be posted; skipped together when none can be.
const POST_CHECKS: [&str; 9] = [
    "post.api-key-missing",
    "post.api-key-invalid",
    "post.unknown-service",
    "post.missing-location",
    "post.missing-attribute",
    "post.outside-list",
    "post.create",
    "post.readable",
    "token.flow",
];

const NO_SUCH: &str = "open311-conformance-no-such-thing";

impl<T: Target> Session<'_, T> {
    fn check(id: &'static str) -> &'static Check {
        check(id).unwrap_or(&CHECKS[0])
    }

    fn pass(&mut self, id: &'static str) {
        let id = Self::check(id).id;
        match self.outcomes.get(id) {
            Some(State::Fail(_)) => {}
            _ => {
                self.outcomes.insert(id, State::Pass);
            }
        }
    }

    fn fail(&mut self, id: &'static str, evidence: Evidence) {
        let id = Self::check(id).id;
        if !matches!(self.outcomes.get(id), Some(State::Fail(_))) {
            self.outcomes.insert(id, State::Fail(evidence));
        }
    }

    fn skip(&mut self, id: &'static str, reason: impl Into<String>) {
        let id = Self::check(id).id;
        self.outcomes
            .entry(id)
            .or_insert_with(|| State::Skip(reason.into()));
    }

    /// Passes or fails `id` on `ok`, with `detail` as the failure's evidence.
    fn judge(
        &mut self,
        id: &'static str,
        exchange: &Exchange,
        ok: bool,
        detail: impl Into<String>,
    ) {
        if ok {
            self.pass(id)
        } else {
            self.fail(id, exchange.evidence(detail))
        }
    }

    fn report(self) -> Report {
        let findings = CHECKS
            .iter()
            .map(|check| {
                let state = self.outcomes.get(check.id).cloned();
                let state = state.unwrap_or_else(|| State::Skip("not reached".into()));
                let (status, reason, evidence) = match state {
                    State::Pass => (Outcome::Pass, None, Vec::new()),
                    State::Fail(evidence) => (Outcome::Fail, None, vec![evidence]),
                    State::Skip(reason) => (Outcome::Skip, Some(reason), Vec::new()),
                };
                Finding {
                    check,
                    status,
                    reason,
                    evidence,
                }
            })
            .collect();
        Report { findings }
    }

    /// The URL of `resource` in `format`, with `query` and the jurisdiction.
    fn url(&self, resource: &str, format: &str, query: &str) -> String {
        let mut url = format!("{}/{resource}.{format}", self.options.base);
        let mut query = query.to_owned();
        if let Some(jurisdiction) = &self.options.jurisdiction
            && !query.contains("jurisdiction_id=")
        {
            let pair = form_pair("jurisdiction_id", jurisdiction.as_str());
            query = if query.is_empty() {
                pair
            } else {
                format!("{query}&{pair}")
            };
        }
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        url
    }

    async fn send(&mut self, request: HttpRequest, format: Format) -> Exchange {
        let line = format!("{} {}", request.method(), request.uri());
        match self.target.call(request).await {
            Ok(response) => {
                let header = |name| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let date = header(http::header::DATE)
                    .and_then(|date| chrono::DateTime::parse_from_rfc2822(&date).ok());
                if date.is_some() {
                    self.date = date;
                }
                let exchange = Exchange {
                    request: line,
                    format,
                    status: Some(response.status().as_u16()),
                    content_type: header(http::header::CONTENT_TYPE),
                    body: response.into_body(),
                };
                self.judge_bytes(&exchange);
                exchange
            }
            Err(error) => Exchange {
                request: line,
                format,
                status: None,
                content_type: None,
                body: format!("no answer: {error}").into_bytes(),
            },
        }
    }

    /// GET `resource.{format}?query`.
    async fn get(&mut self, resource: &str, format: Format, query: &str) -> Exchange {
        let url = self.url(resource, format.extension(), query);
        self.get_url(&url, format).await
    }

    async fn get_url(&mut self, url: &str, format: Format) -> Exchange {
        let mut request = http::Request::new(Vec::new());
        *request.uri_mut() = url.parse().unwrap_or_default();
        self.send(request, format).await
    }

    /// POST `body` to `resource.{format}`.
    async fn post(&mut self, resource: &str, format: Format, body: String) -> Exchange {
        let url = self.url(resource, format.extension(), "");
        let mut request = http::Request::new(body.into_bytes());
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = url.parse().unwrap_or_default();
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        self.send(request, format).await
    }

    /// The checks every answer with a body undergoes: content type, declaration, encoding.
    fn judge_bytes(&mut self, exchange: &Exchange) {
        let body = &exchange.body;
        if body.iter().all(u8::is_ascii_whitespace) || exchange.status.is_some_and(|s| s >= 500) {
            return;
        }
        let utf8 = std::str::from_utf8(body).is_ok() && !body.starts_with(b"\xEF\xBB\xBF");
        self.judge(
            "encoding.utf8",
            exchange,
            utf8,
            "the body is not UTF-8 without a BOM",
        );
        let (content_type_check, expected) = match exchange.format {
            Format::Xml => ("xml.content-type", "text/xml; charset=utf-8"),
            Format::Json => ("json.content-type", "application/json; charset=utf-8"),
        };
        let given = exchange.content_type.as_deref().unwrap_or_default();
        let normal = |value: &str| value.to_ascii_lowercase().replace([' ', '"'], "");
        self.judge(
            content_type_check,
            exchange,
            normal(given) == normal(expected),
            format!("Content-Type is {given:?}, not {expected:?}"),
        );
        if exchange.format == Format::Xml {
            let declared = xml_declaration(body);
            let detail = "the answer does not start with <?xml ... encoding=\"UTF-8\"?>";
            self.judge("xml.declaration", exchange, declared, detail);
        }
    }

    /// Reads the answer as `D`, judging the rules its deviations break. `None`, and a failure
    /// of `id`, when it cannot be read.
    fn read<D: Document>(&mut self, id: &'static str, exchange: &Exchange) -> Option<D> {
        self.read_with(id, exchange, false)
    }

    fn read_with<D: Document>(
        &mut self,
        id: &'static str,
        exchange: &Exchange,
        extended_statuses: bool,
    ) -> Option<D> {
        if !exchange.ok() {
            let status = exchange
                .status
                .map_or("no answer".into(), |status| status.to_string());
            self.fail(id, exchange.evidence(format!("answered {status}, not 200")));
            return None;
        }
        let options = DecodeOptions::lenient();
        match open311_types::decode::<D>(&exchange.body, exchange.format, &options) {
            Ok(decoded) => {
                self.pass(id);
                for deviation in &decoded.deviations {
                    self.deviation(exchange, deviation, extended_statuses);
                }
                for rule in ["datetimes.w3c", "documents.shape", "values.enumerations"] {
                    self.pass(rule);
                }
                Some(decoded.value)
            }
            Err(error) => {
                self.fail(id, exchange.evidence(format!("cannot be read: {error}")));
                None
            }
        }
    }

    fn deviation(&mut self, exchange: &Exchange, deviation: &Deviation, extended_statuses: bool) {
        let rule = match deviation.kind {
            DeviationKind::DatetimeWithoutOffset
            | DeviationKind::DatetimeSpaceSeparator
            | DeviationKind::DatetimeShortForm => "datetimes.w3c",
            DeviationKind::ByteOrderMark | DeviationKind::Latin1 => "encoding.utf8",
            DeviationKind::MissingXmlDeclaration | DeviationKind::WhitespaceBeforeDeclaration => {
                "xml.declaration"
            }
            // The updates extension has statuses of its own, such as `in_progress`.
            DeviationKind::NonStandardStatus if extended_statuses => return,
            DeviationKind::ValueCase
            | DeviationKind::NonStandardStatus
            | DeviationKind::UnknownEnumValue => "values.enumerations",
            _ => "documents.shape",
        };
        self.fail(rule, exchange.evidence(deviation.to_string()));
    }

    /// Expects an error answer with `status`: judges `id` on the status and the error
    /// document on its shape and format.
    fn expect_error(&mut self, id: &'static str, exchange: &Exchange, status: u16) {
        let given = exchange
            .status
            .map_or("no answer".into(), |s| s.to_string());
        self.judge(
            id,
            exchange,
            exchange.status == Some(status),
            format!("answered {given}, not {status}"),
        );
        if exchange.status.is_none_or(|s| s < 400) {
            return;
        }
        let format = Format::sniff(&exchange.body);
        let errors = open311_types::decode::<Vec<ApiError>>(
            &exchange.body,
            format,
            &DecodeOptions::strict(),
        );
        let detail = match errors {
            Err(error) => Some(format!("not an error document: {error}")),
            Ok(_) if format != exchange.format => Some(format!(
                "an error document in {format}, asked for {}",
                exchange.format
            )),
            Ok(errors) if errors.value.is_empty() => Some("an empty error document".into()),
            Ok(errors)
                if errors
                    .value
                    .iter()
                    .any(|e| e.code.is_none() || e.description.is_none()) =>
            {
                Some("an error without code or description".into())
            }
            Ok(_) => None,
        };
        match detail {
            Some(detail) => self.fail("errors.document", exchange.evidence(detail)),
            None => self.pass("errors.document"),
        }
    }

    /// The discovery checks; returns the formats the endpoint serves.
    async fn discovery(&mut self) -> Vec<Format> {
        let mut documents = Vec::new();
        for (id, format) in [
            ("discovery.xml", Format::Xml),
            ("discovery.json", Format::Json),
        ] {
            let exchange = self.get("discovery", format, "").await;
            if let Some(discovery) = self.read::<Discovery>(id, &exchange) {
                documents.push((discovery, exchange));
            }
        }
        let Some((discovery, exchange)) = documents.first() else {
            for id in [
                "discovery.fields",
                "discovery.georeport-v2",
                "discovery.same-data",
            ] {
                self.skip(id, "no discovery document could be read");
            }
            return self.probe_formats().await;
        };
        let discovery = discovery.clone();
        let missing = discovery_gaps(&discovery);
        self.judge(
            "discovery.fields",
            exchange,
            missing.is_empty(),
            format!("missing {}", missing.join(", ")),
        );
        let endpoint = discovery
            .georeport_v2(&EndpointType::Production)
            .or_else(|| discovery.endpoints.iter().find(|e| e.is_georeport_v2()))
            .cloned();
        self.judge(
            "discovery.georeport-v2",
            exchange,
            endpoint.is_some(),
            "no GeoReport v2 endpoint is listed",
        );
        if let [(xml, exchange), (json, _)] = &documents[..] {
            let same = xml == json;
            let detail = "discovery.xml and discovery.json differ";
            let exchange = exchange.clone();
            self.judge("discovery.same-data", &exchange, same, detail);
        } else {
            self.skip(
                "discovery.same-data",
                "only one discovery format could be read",
            );
        }
        let Some(endpoint) = endpoint else {
            return self.probe_formats().await;
        };
        let mut formats = Vec::new();
        for format in [Format::Xml, Format::Json] {
            if !endpoint.supports(format) && format == Format::Json {
                continue;
            }
            let exchange = self.get("services", format, "").await;
            let served = exchange.ok()
                && Format::sniff(&exchange.body) == format
                && open311_types::decode::<Vec<Service>>(
                    &exchange.body,
                    format,
                    &DecodeOptions::lenient(),
                )
                .is_ok();
            let detail = format!(
                "{format} is advertised (or required) but services.{} does not serve it",
                format.extension()
            );
            self.judge("discovery.formats-served", &exchange, served, detail);
            formats.push(format);
        }
        formats
    }

    /// Without discovery, JSON is checked when services.json answers.
    async fn probe_formats(&mut self) -> Vec<Format> {
        self.skip(
            "discovery.formats-served",
            "no discovery document could be read",
        );
        let exchange = self.get("services", Format::Json, "").await;
        if exchange.ok() && Format::sniff(&exchange.body) == Format::Json {
            vec![Format::Xml, Format::Json]
        } else {
            vec![Format::Xml]
        }
    }

    async fn services(&mut self, formats: &[Format]) -> Vec<Service> {
        let mut lists: Vec<Vec<Service>> = Vec::new();
        let mut last = None;
        for &format in formats {
            let exchange = self.get("services", format, "").await;
            if let Some(services) = self.read::<Vec<Service>>("services", &exchange) {
                let gaps: Vec<String> = services.iter().filter_map(service_gaps).collect();
                self.judge(
                    "services.fields",
                    &exchange,
                    gaps.is_empty(),
                    gaps.join("; "),
                );
                lists.push(services);
            }
            last = Some(exchange);
        }
        if let (Some(exchange), [xml, json]) = (last, &lists[..]) {
            self.same_data(&exchange, "services", xml, json, |s| {
                s.extensions = Default::default()
            });
        }
        lists.into_iter().next().unwrap_or_default()
    }

    /// Compares the XML and JSON answers, their extensions aside (the mapping leaves their
    /// shape open).
    fn same_data<V: Clone + PartialEq>(
        &mut self,
        exchange: &Exchange,
        what: &str,
        xml: &[V],
        json: &[V],
        strip: impl Fn(&mut V),
    ) {
        let clean = |items: &[V]| {
            let mut items = items.to_vec();
            items.iter_mut().for_each(&strip);
            items
        };
        let same = clean(xml) == clean(json);
        self.judge(
            "formats.same-data",
            exchange,
            same,
            format!("the XML and JSON {what} differ"),
        );
    }

    async fn definitions(
        &mut self,
        services: &[Service],
        formats: &[Format],
    ) -> Vec<ServiceDefinition> {
        let with_metadata: Vec<&Service> = services
            .iter()
            .filter(|s| s.has_metadata())
            .take(20)
            .collect();
        if with_metadata.is_empty() {
            self.skip("definition", "no service has metadata");
            self.skip("definition.fields", "no service has metadata");
        }
        let mut definitions = Vec::new();
        for service in with_metadata {
            let mut read = Vec::new();
            let mut last = None;
            for &format in formats {
                let path = format!("services/{}", path_segment(service.service_code.as_str()));
                let exchange = self.get(&path, format, "").await;
                if let Some(definition) = self.read::<ServiceDefinition>("definition", &exchange) {
                    let right = definition.service_code == service.service_code;
                    self.judge(
                        "definition",
                        &exchange,
                        right,
                        "the definition is of another service_code",
                    );
                    let gaps = definition_gaps(&definition);
                    self.judge(
                        "definition.fields",
                        &exchange,
                        gaps.is_empty(),
                        gaps.join("; "),
                    );
                    read.push(definition);
                }
                last = Some(exchange);
            }
            if let (Some(exchange), [xml, json]) = (last, &read[..]) {
                self.same_data(
                    &exchange,
                    "definitions",
                    std::slice::from_ref(xml),
                    std::slice::from_ref(json),
                    |d| {
                        d.extensions = Default::default();
                        d.attributes
                            .iter_mut()
                            .for_each(|a| a.extensions = Default::default());
                    },
                );
            }
            definitions.extend(read.into_iter().next());
        }
        let exchange = self
            .get(&format!("services/{NO_SUCH}"), Format::Xml, "")
            .await;
        self.expect_error("definition.unknown-service", &exchange, 404);
        definitions
    }

    /// The POSTs; returns the request created, when one was.
    async fn writes(
        &mut self,
        services: &[Service],
        definitions: &[ServiceDefinition],
    ) -> Option<Created> {
        let chosen = match &self.options.service {
            Some(code) => services.iter().find(|s| s.service_code == *code),
            None => services
                .iter()
                .find(|s| s.service_type == Some(ServiceType::Realtime))
                .or_else(|| services.first()),
        };
        let Some(service) = chosen.cloned() else {
            for id in POST_CHECKS {
                self.skip(id, "no service to post to");
            }
            return None;
        };
        let definition_of =
            |code: &ServiceCode| definitions.iter().find(|d| d.service_code == *code);
        let valid = valid_request(&service, definition_of(&service.service_code), self.now());
        let key = self.options.api_key.clone();
        let format = Format::Xml;

        let exchange = self
            .post("requests", format, form::encode_request(&valid, None))
            .await;
        self.expect_error("post.api-key-missing", &exchange, 403);
        let wrong = format!(
            "{}-invalid",
            key.as_deref().unwrap_or("open311-conformance")
        );
        let exchange = self
            .post(
                "requests",
                format,
                form::encode_request(&valid, Some(&wrong)),
            )
            .await;
        self.expect_error("post.api-key-invalid", &exchange, 403);

        let mut unknown = valid.clone();
        unknown.service_code = NO_SUCH.into();
        unknown.attributes.clear();
        let exchange = self
            .post(
                "requests",
                format,
                form::encode_request(&unknown, key.as_deref()),
            )
            .await;
        self.expect_error("post.unknown-service", &exchange, 404);

        let mut nowhere = valid.clone();
        (
            nowhere.lat,
            nowhere.long,
            nowhere.address_string,
            nowhere.address_id,
        ) = (None, None, None, None);
        let exchange = self
            .post(
                "requests",
                format,
                form::encode_request(&nowhere, key.as_deref()),
            )
            .await;
        self.expect_error("post.missing-location", &exchange, 400);

        self.refused_attributes(services, definitions, key.as_deref())
            .await;

        let exchange = self
            .post(
                "requests",
                format,
                form::encode_request(&valid, key.as_deref()),
            )
            .await;
        let created = self.read::<Vec<CreatedServiceRequest>>("post.create", &exchange);
        let created = created.and_then(|items| items.into_iter().next());
        let answered = match (&service.service_type, &created) {
            (_, None) => None,
            (Some(ServiceType::Batch), Some(c)) => Some(c.token.is_some()),
            (Some(ServiceType::Blackbox), Some(_)) => Some(true),
            (_, Some(c)) => Some(c.service_request_id.is_some()),
        };
        if let Some(answered) = answered {
            self.judge(
                "post.create",
                &exchange,
                answered,
                "the answer lacks the id or token the service type promises",
            );
        }
        let id = created.as_ref().and_then(|c| c.service_request_id.clone());
        let created = match id {
            Some(id) => {
                let exchange = self
                    .get(
                        &format!("requests/{}", path_segment(id.as_str())),
                        format,
                        "",
                    )
                    .await;
                if let Some(read) = self.read::<Vec<ServiceRequest>>("post.readable", &exchange) {
                    let found = read
                        .first()
                        .is_some_and(|r| r.service_request_id.as_ref() == Some(&id));
                    self.judge(
                        "post.readable",
                        &exchange,
                        found,
                        "the created request is not in the answer",
                    );
                }
                Some(Created { id, format })
            }
            None => {
                self.skip("post.readable", "the POST answered no service_request_id");
                None
            }
        };
        self.token_flow(services, definitions, key.as_deref()).await;
        created
    }

    /// A POST without a required attribute, and one with a value outside a list.
    async fn refused_attributes(
        &mut self,
        services: &[Service],
        definitions: &[ServiceDefinition],
        key: Option<&str>,
    ) {
        let now = self.now();
        let with = |rule: fn(&open311_types::Attribute) -> bool| {
            definitions.iter().find_map(|definition| {
                let attribute = definition.attributes.iter().find(|a| rule(a))?;
                let service = services
                    .iter()
                    .find(|s| s.service_code == definition.service_code)?;
                Some((service.clone(), definition.clone(), attribute.code.clone()))
            })
        };
        match with(|a| a.is_required() && a.is_variable()) {
            Some((service, definition, code)) => {
                let mut request = valid_request(&service, Some(&definition), now);
                request.attributes.retain(|answer| answer.code != code);
                let exchange = self
                    .post("requests", Format::Xml, form::encode_request(&request, key))
                    .await;
                self.expect_error("post.missing-attribute", &exchange, 400);
            }
            None => self.skip(
                "post.missing-attribute",
                "no service has a required attribute",
            ),
        }
        match with(|a| a.datatype == Some(Datatype::SingleValueList) && a.is_variable()) {
            Some((service, definition, code)) => {
                let mut request = valid_request(&service, Some(&definition), now);
                request.attributes.retain(|answer| answer.code != code);
                request
                    .attributes
                    .push(AttributeInput::single(code, NO_SUCH));
                let exchange = self
                    .post("requests", Format::Xml, form::encode_request(&request, key))
                    .await;
                self.expect_error("post.outside-list", &exchange, 400);
            }
            None => self.skip(
                "post.outside-list",
                "no service has a singlevaluelist attribute",
            ),
        }
    }

    async fn token_flow(
        &mut self,
        services: &[Service],
        definitions: &[ServiceDefinition],
        key: Option<&str>,
    ) {
        let Some(service) = services
            .iter()
            .find(|s| s.service_type == Some(ServiceType::Batch))
        else {
            self.skip("token.flow", "no batch service");
            return;
        };
        let definition = definitions
            .iter()
            .find(|d| d.service_code == service.service_code);
        let request = valid_request(service, definition, self.now());
        let exchange = self
            .post("requests", Format::Xml, form::encode_request(&request, key))
            .await;
        let Some(created) = self.read::<Vec<CreatedServiceRequest>>("token.flow", &exchange) else {
            return;
        };
        let Some(token) = created.into_iter().next().and_then(|c| c.token) else {
            self.fail(
                "token.flow",
                exchange.evidence("a batch service answered no token"),
            );
            return;
        };
        for attempt in 0..10 {
            let exchange = self
                .get(
                    &format!("tokens/{}", path_segment(token.as_str())),
                    Format::Xml,
                    "",
                )
                .await;
            if exchange.status == Some(404) && attempt < 9 {
                self.target.pause(Duration::from_millis(500)).await;
                continue;
            }
            let Some(lookups) = self.read::<Vec<TokenLookup>>("token.flow", &exchange) else {
                return;
            };
            if lookups
                .first()
                .is_some_and(|l| l.service_request_id.is_some())
            {
                self.pass("token.flow");
                return;
            }
            if attempt == 9 {
                self.fail(
                    "token.flow",
                    exchange.evidence("the token did not resolve in ten tries"),
                );
                return;
            }
            self.target.pause(Duration::from_millis(500)).await;
        }
    }

    fn now(&self) -> Datetime {
        self.options
            .now
            .or(self.date)
            .unwrap_or_else(|| chrono::Utc::now().fixed_offset())
    }

    async fn requests(&mut self, formats: &[Format]) {
        let mut lists = Vec::new();
        let mut last = None;
        for &format in formats {
            let exchange = self.get("requests", format, "").await;
            if let Some(requests) = self.read::<Vec<ServiceRequest>>("requests", &exchange) {
                let gaps: Vec<String> = requests.iter().filter_map(request_gaps).take(5).collect();
                self.judge(
                    "requests.fields",
                    &exchange,
                    gaps.is_empty(),
                    gaps.join("; "),
                );
                self.judge(
                    "requests.cap",
                    &exchange,
                    requests.len() <= 1_000,
                    format!("{} requests in one answer", requests.len()),
                );
                let oldest = self.now() - TimeDelta::days(91);
                let old = requests
                    .iter()
                    .find(|r| r.requested_datetime.is_some_and(|at| at < oldest));
                let detail = old.map(|r| {
                    format!(
                        "request {:?} is older than 90 days",
                        r.service_request_id.as_ref().map(|id| id.as_str())
                    )
                });
                self.judge(
                    "requests.default-window",
                    &exchange,
                    old.is_none(),
                    detail.unwrap_or_default(),
                );
                lists.push(requests);
            }
            last = Some(exchange);
        }
        if let (Some(exchange), [xml, json]) = (&last, &lists[..]) {
            let exchange = exchange.clone();
            self.same_data(&exchange, "request lists", xml, json, |r| {
                r.extensions = Default::default()
            });
        }
        let Some(sample) = lists.first().and_then(|list| {
            list.iter()
                .find(|r| r.service_request_id.is_some() && r.requested_datetime.is_some())
                .cloned()
        }) else {
            for id in [
                "request",
                "requests.id-overrides",
                "requests.service-code",
                "requests.status",
                "requests.date-window",
                "paging",
            ] {
                self.skip(
                    id,
                    "GET requests listed no request to check against (use --write)",
                );
            }
            self.window_limit().await;
            return;
        };
        self.filters(&sample, formats).await;
        self.window_limit().await;
    }

    async fn filters(&mut self, sample: &ServiceRequest, formats: &[Format]) {
        let Some(id) = sample.service_request_id.clone() else {
            return;
        };
        for &format in formats {
            let exchange = self
                .get(
                    &format!("requests/{}", path_segment(id.as_str())),
                    format,
                    "",
                )
                .await;
            if let Some(read) = self.read::<Vec<ServiceRequest>>("request", &exchange) {
                let right = read.len() == 1 && read[0].service_request_id.as_ref() == Some(&id);
                self.judge(
                    "request",
                    &exchange,
                    right,
                    "the answer is not that one request",
                );
            }
        }
        let other_status = if sample.status == Some(Status::Closed) {
            "open"
        } else {
            "closed"
        };
        let query = format!(
            "{}&status={other_status}&service_code={NO_SUCH}&start_date=2001-01-01T00:00:00Z&end_date=2001-01-02T00:00:00Z",
            form_pair("service_request_id", id.as_str())
        );
        let exchange = self.get("requests", Format::Xml, &query).await;
        if let Some(read) = self.read::<Vec<ServiceRequest>>("requests.id-overrides", &exchange) {
            let found = read
                .iter()
                .any(|r| r.service_request_id.as_ref() == Some(&id));
            self.judge(
                "requests.id-overrides",
                &exchange,
                found,
                "the request asked for by id is missing",
            );
        }
        match &sample.service_code {
            Some(code) => {
                let exchange = self
                    .get(
                        "requests",
                        Format::Xml,
                        &form_pair("service_code", code.as_str()),
                    )
                    .await;
                if let Some(read) =
                    self.read::<Vec<ServiceRequest>>("requests.service-code", &exchange)
                {
                    let only = read.iter().all(|r| r.service_code.as_ref() == Some(code));
                    let found = read
                        .iter()
                        .any(|r| r.service_request_id.as_ref() == Some(&id));
                    self.judge(
                        "requests.service-code",
                        &exchange,
                        only && found,
                        "requests of other services, or not the one expected",
                    );
                }
            }
            None => self.skip(
                "requests.service-code",
                "the sample request has no service_code",
            ),
        }
        for status in ["open", "closed"] {
            let exchange = self
                .get("requests", Format::Xml, &format!("status={status}"))
                .await;
            if let Some(read) = self.read::<Vec<ServiceRequest>>("requests.status", &exchange) {
                let only = read
                    .iter()
                    .all(|r| r.status.as_ref().map(Status::as_str) == Some(status));
                self.judge(
                    "requests.status",
                    &exchange,
                    only,
                    format!("requests that are not {status}"),
                );
            }
        }
        if let Some(at) = sample.requested_datetime {
            let (start, end) = (at - TimeDelta::hours(1), at + TimeDelta::hours(1));
            let query = format!(
                "{}&{}",
                form_pair("start_date", &open311_types::datetime::format(&start)),
                form_pair("end_date", &open311_types::datetime::format(&end))
            );
            let exchange = self.get("requests", Format::Xml, &query).await;
            if let Some(read) = self.read::<Vec<ServiceRequest>>("requests.date-window", &exchange)
            {
                let inside = read
                    .iter()
                    .all(|r| r.requested_datetime.is_some_and(|t| t >= start && t <= end));
                let found = read
                    .iter()
                    .any(|r| r.service_request_id.as_ref() == Some(&id));
                self.judge(
                    "requests.date-window",
                    &exchange,
                    inside && found,
                    "requests outside the window, or not the one inside it",
                );
            }
        }
        self.paging().await;
    }

    async fn window_limit(&mut self) {
        let now = self.now();
        let query = format!(
            "{}&{}",
            form_pair(
                "start_date",
                &open311_types::datetime::format(&(now - TimeDelta::days(120)))
            ),
            form_pair("end_date", &open311_types::datetime::format(&now))
        );
        let exchange = self.get("requests", Format::Xml, &query).await;
        self.expect_error("requests.window-limit", &exchange, 400);
    }

    async fn paging(&mut self) {
        let exchange = self.get("requests", Format::Xml, "page_size=1").await;
        let Some(first) = self.read::<Vec<ServiceRequest>>("requests", &exchange) else {
            return;
        };
        if first.len() > 1 {
            self.skip(
                "paging",
                "page_size is not honoured: the endpoint does not page",
            );
            return;
        }
        let exchange = self
            .get("requests", Format::Xml, "page_size=1&page=2")
            .await;
        let Some(second) = self.read::<Vec<ServiceRequest>>("paging", &exchange) else {
            return;
        };
        match (first.first(), second.first()) {
            (Some(a), Some(b)) => {
                let differ = a.service_request_id != b.service_request_id;
                self.judge(
                    "paging",
                    &exchange,
                    differ && second.len() == 1,
                    "page 2 repeats page 1",
                );
            }
            _ => self.skip("paging", "fewer than two requests to page through"),
        }
    }

    async fn errors(&mut self) {
        let exchange = self
            .get(&format!("requests/{NO_SUCH}"), Format::Json, "")
            .await;
        self.expect_error("request.unknown", &exchange, 404);
        let exchange = self
            .get(&format!("tokens/{NO_SUCH}"), Format::Xml, "")
            .await;
        self.expect_error("token.unknown", &exchange, 404);
        let query = form_pair("jurisdiction_id", "open311-conformance.invalid");
        let exchange = self.get("services", Format::Xml, &query).await;
        if exchange.ok() {
            let reason =
                "the endpoint ignores jurisdiction_id, as one serving a single jurisdiction may";
            self.skip("jurisdiction.unknown", reason);
        } else {
            self.expect_error("jurisdiction.unknown", &exchange, 404);
        }
        let url = self.url("services", "csv", "");
        let exchange = self.get_url(&url, Format::Xml).await;
        self.expect_error("errors.unknown-format", &exchange, 404);
    }

    async fn extensions(&mut self, created: Option<&Created>) {
        let exchange = self.get("servicerequestupdates", Format::Xml, "").await;
        if exchange.status == Some(404) {
            self.skip(
                "updates",
                "the endpoint does not offer service request updates",
            );
            self.skip(
                "updates.post",
                "the endpoint does not offer service request updates",
            );
            return;
        }
        self.read_with::<Vec<ServiceRequestUpdate>>("updates", &exchange, true);
        let Some(created) = created else {
            self.skip(
                "updates.post",
                "no request was created to update (use --write)",
            );
            return;
        };
        let mut update = NewServiceRequestUpdate::new(created.id.clone());
        update.status = Some(Status::Closed);
        update.description = Some("Closed by the open311 conformance checker.".into());
        update.updated_datetime = Some(self.now());
        let body = form::encode_update(&update, self.options.api_key.as_deref());
        let exchange = self
            .post("servicerequestupdates", created.format, body)
            .await;
        if self
            .read_with::<Vec<CreatedUpdate>>("updates.post", &exchange, true)
            .is_none()
        {
            return;
        }
        let path = format!("requests/{}", path_segment(created.id.as_str()));
        let exchange = self.get(&path, created.format, "").await;
        if let Some(read) = self.read::<Vec<ServiceRequest>>("updates.post", &exchange) {
            let closed = read
                .first()
                .is_some_and(|r| r.status == Some(Status::Closed));
            self.judge(
                "updates.post",
                &exchange,
                closed,
                "the request's status did not change",
            );
        }
    }
}

/// A valid request for `service`: a location, and an answer to every required attribute.
fn valid_request(
    service: &Service,
    definition: Option<&ServiceDefinition>,
    now: Datetime,
) -> NewServiceRequest {
    let mut request = NewServiceRequest::new(service.service_code.clone());
    request.address_string = Some("Open311 conformance check, please ignore".into());
    request.description = Some("Posted by the open311 conformance checker; please ignore.".into());
    for attribute in definition
        .map(|d| d.attributes.as_slice())
        .unwrap_or_default()
    {
        if !attribute.is_required() || !attribute.is_variable() {
            continue;
        }
        let first = attribute.values.first().map(|value| value.key.clone());
        let answer = match &attribute.datatype {
            Some(Datatype::Number) => AttributeInput::single(attribute.code.clone(), "1"),
            Some(Datatype::Datetime) => AttributeInput::single(
                attribute.code.clone(),
                open311_types::datetime::format(&now),
            ),
            Some(Datatype::SingleValueList) => {
                AttributeInput::single(attribute.code.clone(), first.unwrap_or_default())
            }
            Some(Datatype::MultiValueList) => AttributeInput::list(attribute.code.clone(), first),
            _ => AttributeInput::single(attribute.code.clone(), "open311 conformance check"),
        };
        request.attributes.push(answer);
    }
    request
}

fn discovery_gaps(discovery: &Discovery) -> Vec<String> {
    let mut gaps = Vec::new();
    for (name, value) in [
        ("changeset", &discovery.changeset),
        ("contact", &discovery.contact),
        ("key_service", &discovery.key_service),
    ] {
        if value.is_none() {
            gaps.push(name.to_owned());
        }
    }
    if discovery.endpoints.is_empty() {
        gaps.push("endpoints".into());
    }
    for (index, endpoint) in discovery.endpoints.iter().enumerate() {
        if endpoint.changeset.is_none() {
            gaps.push(format!("endpoint[{index}]/changeset"));
        }
        if endpoint.endpoint_type.is_none() {
            gaps.push(format!("endpoint[{index}]/type"));
        }
        if endpoint.formats.is_empty() {
            gaps.push(format!("endpoint[{index}]/formats"));
        }
    }
    gaps
}

/// The name of a field that is missing.
fn absent((name, missing): (&'static str, bool)) -> Option<&'static str> {
    missing.then_some(name)
}

fn service_gaps(service: &Service) -> Option<String> {
    let missing: Vec<&str> = [
        ("service_name", service.service_name.is_none()),
        ("metadata", service.metadata.is_none()),
        ("type", service.service_type.is_none()),
    ]
    .into_iter()
    .filter_map(absent)
    .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "service {} lacks {}",
            service.service_code,
            missing.join(", ")
        )
    })
}

fn definition_gaps(definition: &ServiceDefinition) -> Vec<String> {
    let mut gaps = Vec::new();
    for attribute in &definition.attributes {
        let missing: Vec<&str> = [
            ("variable", attribute.variable.is_none()),
            ("datatype", attribute.datatype.is_none()),
            ("required", attribute.required.is_none()),
            ("order", attribute.order.is_none()),
            (
                "values",
                attribute.datatype.as_ref().is_some_and(Datatype::is_list)
                    && attribute.values.is_empty(),
            ),
        ]
        .into_iter()
        .filter_map(absent)
        .collect();
        if !missing.is_empty() {
            gaps.push(format!(
                "attribute {} lacks {}",
                attribute.code,
                missing.join(", ")
            ));
        }
    }
    gaps
}

fn request_gaps(request: &ServiceRequest) -> Option<String> {
    let missing: Vec<&str> = [
        ("service_request_id", request.service_request_id.is_none()),
        ("status", request.status.is_none()),
        ("service_code", request.service_code.is_none()),
        ("requested_datetime", request.requested_datetime.is_none()),
    ]
    .into_iter()
    .filter_map(absent)
    .collect();
    let id = request
        .service_request_id
        .as_ref()
        .map_or("?", |id| id.as_str());
    (!missing.is_empty()).then(|| format!("request {id} lacks {}", missing.join(", ")))
}

/// Whether XML bytes start with a declaration that says UTF-8.
fn xml_declaration(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(100)]);
    let Some(declaration) = head
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split("?>").next())
    else {
        return false;
    };
    let lower = declaration.to_ascii_lowercase();
    lower.contains("encoding=\"utf-8\"") || lower.contains("encoding='utf-8'")
}

/// `name=value`, form-encoded.
fn form_pair(name: &str, value: &str) -> String {
    let encoded: String = value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("{name}={encoded}")
}

/// An identifier as one path segment: everything but unreserved characters percent-encoded.
fn path_segment(id: &str) -> String {
    form_pair("", id).trim_start_matches('=').to_owned()
}
