//! The router: from an HTTP request to the backend and back to an HTTP response.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use open311_types::form::{self, FormError};
use open311_types::validate::{self, ValidationErrors};
use open311_types::{
    ApiError, Datetime, Discovery, Document, Endpoint, Format, GEOREPORT_V2, JurisdictionId,
    RequestQuery, ServiceCode, ServiceDefinition, ServiceRequestId, Token,
};

use crate::backend::{Backend, BackendError, RequestContext};
use crate::config::{Config, KeyRejected};
use crate::filter::{RequestFilter, UpdateFilter};

/// A GeoReport v2 endpoint over a [`Backend`]: give it an `http::Request`, get back the
/// `http::Response` the spec asks for. It never fails and never answers 500.
///
/// | path (under the base path) | methods |
/// | --- | --- |
/// | `discovery.{xml,json}` | GET |
/// | `services.{xml,json}` | GET |
/// | `services/{service_code}.{xml,json}` | GET |
/// | `requests.{xml,json}` | GET, POST |
/// | `requests/{service_request_id}.{xml,json}` | GET |
/// | `tokens/{token}.{xml,json}` | GET |
/// | `servicerequestupdates.{xml,json}` | GET, POST, when the backend offers updates |
///
/// Identifiers in paths are percent-decoded after the path is split at `/`, so codes with
/// spaces, `&`, `/` (as `%2F`) and leading zeros reach the backend intact. HEAD is answered
/// as GET without the body.
///
/// Status codes follow the project's decisions: 403 for a missing or refused `api_key`
/// (checked before anything else in the body), 404 for an unknown path, format suffix,
/// service, request, token or jurisdiction, 405 with `Allow` for a known path and a wrong
/// method, 413 for a body over the limit, 415 for a POST that is not
/// `application/x-www-form-urlencoded` (with no charset or UTF-8), and 400 for any other bad
/// input and for backend failures (the spec's general service error). Every error answer is a
/// spec error document in the requested format, XML when the format is unknown. A panic in the
/// backend is caught, answered as the general service error and counted (see
/// [`Router::panics`]).
///
/// Every answer has `Content-Type` with `charset=utf-8`, and XML starts with the declaration.
#[derive(Debug)]
pub struct Router<B> {
    inner: Arc<Inner<B>>,
}

#[derive(Debug)]
struct Inner<B> {
    backend: B,
    config: Config,
    started: Datetime,
    panics: AtomicU64,
}

impl<B> Clone for Router<B> {
    fn clone(&self) -> Self {
        Router {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// A resource of the spec, from the path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resource {
    Discovery,
    Services,
    Service(ServiceCode),
    Requests,
    Request(ServiceRequestId),
    Token(Token),
    Updates,
}

/// An error answer: a status and the error document's entries.
#[derive(Debug)]
pub(crate) struct Rejection {
    status: StatusCode,
    errors: Vec<ApiError>,
    allow: Option<&'static str>,
}

impl Rejection {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Rejection {
            status,
            errors: vec![ApiError::new(status.as_u16(), description)],
            allow: None,
        }
    }

    fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }

    fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over {limit} bytes"),
        )
    }

    fn render(self, format: Format) -> Response<Bytes> {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: "open311::rejection",
            status = self.status.as_u16(),
            description = self.errors.first().and_then(|e| e.description.as_deref()),
        );
        let mut response = document(&self.errors, format, self.status);
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

impl From<BackendError> for Rejection {
    fn from(error: BackendError) -> Self {
        #[cfg(feature = "tracing")]
        tracing::debug!(target: "open311::backend", kind = ?error.kind, "{}", error.description);
        let status = error.status();
        let code = error.code.unwrap_or_else(|| status.as_u16().to_string());
        Rejection {
            status,
            errors: vec![ApiError::new(code, error.description)],
            allow: None,
        }
    }
}

impl From<FormError> for Rejection {
    fn from(error: FormError) -> Self {
        Rejection::bad_request(error.to_string())
    }
}

impl From<ValidationErrors> for Rejection {
    fn from(errors: ValidationErrors) -> Self {
        let errors = errors
            .0
            .into_iter()
            .map(|error| ApiError::new(400, error.to_string()));
        Rejection {
            status: StatusCode::BAD_REQUEST,
            errors: errors.collect(),
            allow: None,
        }
    }
}

/// Encodes `value` as the answer, with the content type and charset.
fn document<D: Document>(value: &D, format: Format, status: StatusCode) -> Response<Bytes> {
    let body = open311_types::encode(value, format);
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}

type Answer = Result<Response<Bytes>, Rejection>;

impl<B: Backend> Router<B> {
    /// A router over `backend` with `config`.
    pub fn new(backend: B, config: Config) -> Self {
        let started = config.clock.now();
        Router {
            inner: Arc::new(Inner {
                backend,
                config,
                started,
                panics: AtomicU64::new(0),
            }),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.inner.backend
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// How many calls found the backend panicking.
    pub fn panics(&self) -> u64 {
        self.inner.panics.load(Ordering::Relaxed)
    }

    /// Answers one HTTP request.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        let format = self.format_of(request.uri().path());
        let head = request.method() == Method::HEAD;
        // Pinned in place, not boxed: one allocation fewer per request.
        let answer = CatchUnwind(std::pin::pin!(self.dispatch(request))).await;
        let mut response = match answer {
            Some(Ok(response)) => response,
            Some(Err(rejection)) => rejection.render(format),
            None => {
                self.inner.panics.fetch_add(1, Ordering::Relaxed);
                Rejection::bad_request("general service error: the request could not be processed")
                    .render(format)
            }
        };
        if head {
            *response.body_mut() = Bytes::new();
        }
        response
    }

    /// The format asked for by the path's suffix, XML when there is none or it is unknown:
    /// how error documents are written.
    pub fn format_of(&self, path: &str) -> Format {
        path.rsplit('/')
            .next()
            .and_then(|last| last.rsplit_once('.'))
            .and_then(|(_, suffix)| Format::from_extension(suffix))
            .unwrap_or(Format::Xml)
    }

    /// Whether the headers declare a body over the limit, which is then refused before it is
    /// read.
    pub fn declares_too_large(&self, headers: &http::HeaderMap) -> bool {
        headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .is_some_and(|length| length > self.inner.config.limits.max_body as u64)
    }

    /// The answer for a body over the limit, as a layer that reads the body gives it.
    pub fn body_too_large(&self, path: &str) -> Response<Bytes> {
        Rejection::too_large(self.inner.config.limits.max_body).render(self.format_of(path))
    }

    /// An error answer with `status` and `description`, in the format `path` asks for: for
    /// layers in front of the router, such as timeouts.
    pub fn refuse(&self, path: &str, status: StatusCode, description: &str) -> Response<Bytes> {
        Rejection::new(status, description).render(self.format_of(path))
    }

    async fn dispatch(&self, request: Request<Bytes>) -> Answer {
        let (parts, body) = request.into_parts();
        let (resource, format) = self.route(parts.uri.path())?;
        let method = if parts.method == Method::HEAD {
            Method::GET
        } else {
            parts.method.clone()
        };
        let updates = self.inner.backend.supports_updates();
        let allow = match resource {
            Resource::Requests => "GET, HEAD, POST",
            Resource::Updates if updates => "GET, HEAD, POST",
            Resource::Updates => return Err(Rejection::not_found("no such resource")),
            _ => "GET, HEAD",
        };
        let query = parts.uri.query().unwrap_or_default().as_bytes();
        let mut cx = RequestContext::new(format, self.inner.config.clock.now());
        cx.extensions = parts.extensions;
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok());
        match (method, resource) {
            (Method::GET, Resource::Discovery) => Ok(self.discovery(format, host)),
            (Method::GET, resource) => self.get(resource, query, cx).await,
            (Method::POST, Resource::Requests) => {
                self.post_request(&parts.headers, &body, cx).await
            }
            (Method::POST, Resource::Updates) => self.post_update(&parts.headers, &body, cx).await,
            _ => Err(Rejection {
                allow: Some(allow),
                ..Rejection::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed here")
            }),
        }
    }

    /// Reads the resource and format from the path.
    fn route(&self, path: &str) -> Result<(Resource, Format), Rejection> {
        let not_found = || Rejection::not_found("no such resource");
        let base = &self.inner.config.base_path;
        let rest = path.strip_prefix(base.as_str()).ok_or_else(not_found)?;
        let rest = rest.strip_prefix('/').ok_or_else(not_found)?;
        let (rest, suffix) = rest.rsplit_once('.').ok_or_else(not_found)?;
        if suffix.contains('/') {
            return Err(not_found());
        }
        let format = Format::from_extension(suffix).ok_or_else(|| {
            Rejection::not_found(format!("unknown format {suffix:?}: use xml or json"))
        })?;
        let mut segments = rest.split('/');
        let (first, second) = (segments.next().unwrap_or_default(), segments.next());
        if segments.next().is_some() {
            return Err(not_found());
        }
        let limits = &self.inner.config.limits.form;
        let id = |raw: &str, name: &str| -> Result<String, Rejection> {
            let id = percent_decode_path(raw)
                .ok_or_else(|| Rejection::bad_request(format!("{name} is not valid UTF-8")))?;
            if id.is_empty() || id.chars().any(char::is_control) {
                return Err(Rejection::bad_request(format!(
                    "{name} is not an identifier"
                )));
            }
            if id.chars().count() > limits.max_identifier {
                return Err(Rejection::not_found(format!("no such {name}")));
            }
            Ok(id)
        };
        let resource = match (first, second) {
            ("discovery", None) => Resource::Discovery,
            ("services", None) => Resource::Services,
            ("services", Some(code)) => Resource::Service(id(code, "service_code")?.into()),
            ("requests", None) => Resource::Requests,
            ("requests", Some(request)) => {
                Resource::Request(id(request, "service_request_id")?.into())
            }
            ("tokens", Some(token)) => Resource::Token(id(token, "token")?.into()),
            ("servicerequestupdates", None) => Resource::Updates,
            _ => return Err(not_found()),
        };
        Ok((resource, format))
    }

    /// Checks `jurisdiction_id` against the configured ones.
    fn jurisdiction(
        &self,
        given: Option<JurisdictionId>,
    ) -> Result<Option<JurisdictionId>, Rejection> {
        let served = &self.inner.config.jurisdictions;
        match given {
            Some(given) if served.is_empty() || served.contains(&given) => Ok(Some(given)),
            Some(given) => Err(Rejection::not_found(format!(
                "jurisdiction_id {given} not found"
            ))),
            None if served.len() > 1 => {
                Err(Rejection::bad_request("jurisdiction_id was not provided"))
            }
            None => Ok(None),
        }
    }

    async fn get(&self, resource: Resource, query: &[u8], mut cx: RequestContext) -> Answer {
        let config = &self.inner.config;
        let backend = &self.inner.backend;
        let query = RequestQuery::parse(query, &config.limits.form)?;
        cx.jurisdiction_id = self.jurisdiction(query.jurisdiction_id.clone())?;
        let format = cx.format;
        let ok = StatusCode::OK;
        match resource {
            Resource::Services => Ok(document(&backend.services(&cx).await?, format, ok)),
            Resource::Service(code) => {
                let definition = self.definition(&cx, &code).await?;
                Ok(document(&definition, format, ok))
            }
            Resource::Requests => {
                let filter =
                    RequestFilter::from_query(&query, cx.now, &config.limits).map_err(|error| {
                        Rejection::bad_request(format!("{}: {}", error.field, error.message))
                    })?;
                let mut requests = backend.service_requests(&cx, &filter).await?.0;
                requests.retain(|request| filter.matches(request));
                requests.truncate(filter.limit);
                Ok(document(&requests, format, ok))
            }
            Resource::Request(id) => match backend.service_request(&cx, &id).await? {
                Some(request) => Ok(document(&vec![request], format, ok)),
                None => Err(Rejection::not_found(format!(
                    "service_request_id {id} not found"
                ))),
            },
            Resource::Token(token) => match backend.token(&cx, &token).await? {
                Some(lookup) => Ok(document(&vec![lookup], format, ok)),
                None => Err(Rejection::not_found(format!("token {token} not found"))),
            },
            Resource::Updates => {
                let filter =
                    UpdateFilter::from_query(&query, cx.now, &config.limits).map_err(|error| {
                        Rejection::bad_request(format!("{}: {}", error.field, error.message))
                    })?;
                let mut updates = backend.service_request_updates(&cx, &filter).await?;
                updates.truncate(filter.limit);
                Ok(document(&updates, format, ok))
            }
            Resource::Discovery => Err(Rejection::not_found("no such resource")),
        }
    }

    /// The definition of an existing service; an empty one when it has none.
    async fn definition(
        &self,
        cx: &RequestContext,
        code: &ServiceCode,
    ) -> Result<ServiceDefinition, Rejection> {
        let backend = &self.inner.backend;
        if backend.service(cx, code).await?.is_none() {
            return Err(Rejection::not_found(format!(
                "service_code {code} not found"
            )));
        }
        Ok(backend
            .service_definition(cx, code)
            .await?
            .unwrap_or_else(|| ServiceDefinition::new(code.clone())))
    }

    /// Checks the content type, the size and the `api_key` of a POST, in that order.
    fn check_post(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        cx: &mut RequestContext,
    ) -> Result<(), Rejection> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        if !is_form_content_type(content_type) {
            return Err(Rejection::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the body must be application/x-www-form-urlencoded in UTF-8",
            ));
        }
        let limit = self.inner.config.limits.max_body;
        if body.len() > limit {
            return Err(Rejection::too_large(limit));
        }
        let key = api_key_in(body);
        cx.api_key = self
            .inner
            .config
            .keys
            .check(key.as_deref())
            .map_err(|rejected| {
                let description = match rejected {
                    KeyRejected::Missing => "api_key was not provided",
                    KeyRejected::Invalid => "invalid api_key received",
                };
                Rejection::new(StatusCode::FORBIDDEN, description)
            })?;
        Ok(())
    }

    async fn post_request(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        mut cx: RequestContext,
    ) -> Answer {
        self.check_post(headers, body, &mut cx)?;
        let config = &self.inner.config;
        let backend = &self.inner.backend;
        let mut request = form::decode_request(body, &config.limits.form)?.value;
        cx.jurisdiction_id = self.jurisdiction(request.jurisdiction_id.clone())?;
        let Some(service) = backend.service(&cx, &request.service_code).await? else {
            return Err(Rejection::not_found(format!(
                "service_code {} not found",
                request.service_code
            )));
        };
        let definition = backend
            .service_definition(&cx, &service.service_code)
            .await?;
        validate::request(&request, definition.as_ref())?;
        if let Some(definition) = &definition {
            validate::normalize(&mut request, definition);
        }
        let created = backend.create_request(&cx, &service, request).await?;
        Ok(document(&vec![created], cx.format, StatusCode::OK))
    }

    async fn post_update(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        mut cx: RequestContext,
    ) -> Answer {
        self.check_post(headers, body, &mut cx)?;
        let backend = &self.inner.backend;
        let update = form::decode_update(body, &self.inner.config.limits.form)?.value;
        cx.jurisdiction_id = self.jurisdiction(update.jurisdiction_id.clone())?;
        let id = &update.service_request_id;
        if backend.service_request(&cx, id).await?.is_none() {
            return Err(Rejection::not_found(format!(
                "service_request_id {id} not found"
            )));
        }
        let created = backend.post_update(&cx, update).await?;
        Ok(document(&vec![created], cx.format, StatusCode::OK))
    }

    fn discovery(&self, format: Format, host: Option<&str>) -> Response<Bytes> {
        let config = &self.inner.config;
        let settings = &config.discovery;
        let changeset = settings
            .changeset
            .clone()
            .unwrap_or_else(|| open311_types::datetime::format(&self.inner.started));
        let url = settings.url.clone().unwrap_or_else(|| match host {
            Some(host) => format!("http://{host}{}", config.base_path),
            // Without a Host header (in process, say) the URL can only be the path.
            None if config.base_path.is_empty() => "/".to_owned(),
            None => config.base_path.clone(),
        });
        let mut endpoint = Endpoint::new(GEOREPORT_V2, url);
        endpoint.changeset = Some(changeset.clone());
        endpoint.endpoint_type = Some(settings.endpoint_type.clone());
        endpoint.formats = vec!["text/xml".into(), "application/json".into()];
        let mut discovery = Discovery::default();
        discovery.changeset = Some(changeset);
        discovery.contact = Some(settings.contact.clone());
        discovery.key_service = Some(settings.key_service.clone());
        discovery.endpoints = vec![endpoint];
        document(&discovery, format, StatusCode::OK)
    }
}

/// Whether a POST's content type is a form in UTF-8 (or with no charset).
fn is_form_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return false;
    }
    parts.all(|parameter| match parameter.split_once('=') {
        Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => {
            let charset = charset.trim().trim_matches('"');
            charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")
        }
        _ => true,
    })
}

/// The `api_key` of a form body, read before anything else is decoded.
fn api_key_in(body: &[u8]) -> Option<String> {
    body.split(|&byte| byte == b'&').find_map(|pair| {
        let value = pair.strip_prefix(b"api_key=")?;
        let pairs =
            form::parse_pairs(&[b"k=", value].concat(), &form::FormLimits::default()).ok()?;
        pairs
            .into_iter()
            .next()
            .map(|(_, key)| key)
            .filter(|key| !key.is_empty())
    })
}

/// Percent-decodes a path segment; `+` stays a plus, as in any URL path.
fn percent_decode_path(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if byte == b'%' {
            let hex = raw.get(at + 1..at + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(byte);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Runs a future, turning a panic in it into `None`.
struct CatchUnwind<'f, F>(Pin<&'f mut F>);

impl<F: Future> Future for CatchUnwind<'_, F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Some(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_content_types() {
        for ok in [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "Application/X-WWW-Form-Urlencoded;charset=\"UTF-8\"",
        ] {
            assert!(is_form_content_type(Some(ok)), "{ok}");
        }
        for refused in [
            "application/json",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded; charset=iso-8859-1",
        ] {
            assert!(!is_form_content_type(Some(refused)), "{refused}");
        }
        assert!(!is_form_content_type(None));
    }

    #[test]
    fn api_key_is_found_alone() {
        assert_eq!(
            api_key_in(b"service_code=1&api_key=a%2Bb+c").as_deref(),
            Some("a+b c")
        );
        assert_eq!(
            api_key_in(b"description=%ZZ&api_key=k").as_deref(),
            Some("k")
        );
        assert_eq!(api_key_in(b"api_key=&service_code=1"), None);
        assert_eq!(api_key_in(b"xapi_key=k"), None);
    }

    #[test]
    fn path_segments_decode_strictly() {
        assert_eq!(
            percent_decode_path("a%2Fb+c%20d").as_deref(),
            Some("a/b+c d")
        );
        assert_eq!(percent_decode_path("%E9"), None);
        assert_eq!(percent_decode_path("%4"), None);
    }
}
