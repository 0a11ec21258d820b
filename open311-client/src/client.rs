//! The client: configuration, and one sans-IO [`Operation`] per method of the spec.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::time::Duration;

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, StatusCode};
use open311_types::validate;
use open311_types::{
    ApiError, AttributeForm, CreatedServiceRequest, CreatedUpdate, DecodeOptions, Decoded,
    Discovery, Document, EndpointType, Format, JurisdictionId, Mode, NewServiceRequest,
    NewServiceRequestUpdate, RequestQuery, Service, ServiceCode, ServiceDefinition, ServiceRequest,
    ServiceRequestId, ServiceRequestUpdate, Token, TokenLookup,
};
use url::Url;

use crate::error::Error;
use crate::profile::{MultiValue, Profile};
use crate::transport::{HttpRequest, HttpResponse, LocalAsyncHttpClient, SyncHttpClient};

/// How the client identifies itself.
const AGENT: &str = concat!("open311-rs/", env!("CARGO_PKG_VERSION"));

/// A GeoReport v2 endpoint and how to talk to it.
///
/// Building a client does no I/O; each method returns an [`Operation`] that builds the HTTP
/// request and reads the response, and sends itself through any transport.
///
/// - `jurisdiction_id` is sent only when set and not empty: single-city servers break on an
///   empty one.
/// - The `api_key` is sent only in POST bodies, never in a URL where logs would keep it.
/// - The format is XML unless set, or chosen by [`Client::from_discovery`] (JSON when the
///   endpoint advertises it and the profile allows it).
/// - Answers are decoded leniently unless [`Mode::Strict`] is set; either way the
///   deviations come back with the value.
///
/// ```
/// use open311_client::Client;
/// use open311_types::Format;
///
/// let client = Client::new("https://api.city.gov/dev/v2")?
///     .with_jurisdiction("city.gov")
///     .with_format(Format::Json);
/// let request = client.services().to_http();
/// assert_eq!(request.uri(), "https://api.city.gov/dev/v2/services.json?jurisdiction_id=city.gov");
/// # Ok::<(), open311_client::Error<std::convert::Infallible>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    endpoint: Url,
    jurisdiction_id: Option<JurisdictionId>,
    api_key: Option<String>,
    format: Format,
    options: DecodeOptions,
    profile: Profile,
}

impl Client {
    /// A client of the endpoint at `endpoint`, with or without a trailing slash.
    ///
    /// # Errors
    ///
    /// [`Error::Build`] when `endpoint` is not an http or https URL.
    pub fn new(endpoint: &str) -> Result<Client, Error<Infallible>> {
        let mut url = Url::parse(endpoint.trim())
            .map_err(|error| Error::Build(format!("endpoint {endpoint:?}: {error}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Build(format!(
                "endpoint {endpoint:?} is not http or https"
            )));
        }
        url.set_query(None);
        url.set_fragment(None);
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Client {
            endpoint: url,
            jurisdiction_id: None,
            api_key: None,
            format: Format::Xml,
            options: DecodeOptions::lenient(),
            profile: Profile::standard(),
        })
    }

    /// A client of the GeoReport v2 endpoint of `endpoint_type` in a discovery document, in
    /// JSON when it is advertised (and the profile allows it), else XML.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] when the document lists no such endpoint, [`Error::Build`] when
    /// its URL is not usable.
    pub fn from_discovery(
        discovery: &Discovery,
        endpoint_type: &EndpointType,
        profile: Profile,
    ) -> Result<Client, Error<Infallible>> {
        let endpoint = discovery.georeport_v2(endpoint_type).ok_or_else(|| {
            Error::Unexpected(format!(
                "discovery lists no GeoReport v2 {} endpoint",
                endpoint_type.as_str()
            ))
        })?;
        let format = if profile.xml_only {
            Format::Xml
        } else {
            endpoint.preferred_format()
        };
        Ok(Client::new(&endpoint.url)?
            .with_format(format)
            .with_profile(profile))
    }

    /// Reads the discovery document at `url` through `transport` and returns a client of its
    /// GeoReport v2 endpoint of `endpoint_type` (production, usually).
    ///
    /// # Errors
    ///
    /// As [`Operation::send`], and as [`Client::from_discovery`].
    pub fn discover<C: SyncHttpClient>(
        transport: &C,
        url: &str,
        endpoint_type: &EndpointType,
        profile: Profile,
    ) -> Result<Client, Error<C::Error>> {
        let discovery = Client::discovery(url)
            .map_err(Error::with_transport)?
            .send(transport)?;
        Client::from_discovery(&discovery.value, endpoint_type, profile)
            .map_err(Error::with_transport)
    }

    /// As [`Client::discover`], through an async transport.
    ///
    /// # Errors
    ///
    /// As [`Client::discover`].
    pub async fn discover_async<C: LocalAsyncHttpClient>(
        transport: &C,
        url: &str,
        endpoint_type: &EndpointType,
        profile: Profile,
    ) -> Result<Client, Error<C::Error>> {
        let operation = Client::discovery(url).map_err(Error::with_transport)?;
        let discovery = operation.send_async(transport).await?;
        Client::from_discovery(&discovery.value, endpoint_type, profile)
            .map_err(Error::with_transport)
    }

    /// GET of a discovery document: `url` itself when it ends in `discovery.xml` or
    /// `discovery.json`, else `discovery.xml` under it.
    ///
    /// # Errors
    ///
    /// [`Error::Build`] when `url` is not an http or https URL.
    pub fn discovery(url: &str) -> Result<Operation<Discovery>, Error<Infallible>> {
        let lower = url.trim().to_ascii_lowercase();
        let (base, file) =
            if lower.ends_with("/discovery.xml") || lower.ends_with("/discovery.json") {
                let cut = url.trim().rfind('/').map_or(0, |at| at + 1);
                (&url.trim()[..cut], &url.trim()[cut..])
            } else {
                (url.trim(), "discovery.xml")
            };
        let client = Client::new(base)?;
        let format = if file.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Xml
        };
        let mut target = client.endpoint.clone();
        target.set_path(&format!("{}{file}", client.endpoint.path()));
        Ok(client
            .with_format(format)
            .get(target, read_document::<Discovery>))
    }

    /// Sends `jurisdiction_id` with every call; empty means none.
    pub fn with_jurisdiction(mut self, jurisdiction_id: impl Into<JurisdictionId>) -> Self {
        let jurisdiction_id = jurisdiction_id.into();
        self.jurisdiction_id = (!jurisdiction_id.as_str().is_empty()).then_some(jurisdiction_id);
        self
    }

    /// Sends `api_key` in every POST body.
    pub fn with_api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into()).filter(|key| !key.is_empty());
        self
    }

    /// Asks for answers in `format`.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = if self.profile.xml_only {
            Format::Xml
        } else {
            format
        };
        self
    }

    /// Decodes answers in `mode`.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.options = self.options.with_mode(mode);
        self
    }

    /// Decodes answers with `options` (mode and limits).
    pub fn with_decode_options(mut self, options: DecodeOptions) -> Self {
        self.options = options;
        self
    }

    /// Follows `profile`'s quirks.
    pub fn with_profile(mut self, profile: Profile) -> Self {
        if profile.xml_only {
            self.format = Format::Xml;
        }
        self.profile = profile;
        self
    }

    /// The endpoint's base URL, ending in `/`.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The format answers are asked in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The profile followed.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// GET services.
    pub fn services(&self) -> Operation<Vec<Service>> {
        self.get(self.plain(&["services"]), read_document::<Vec<Service>>)
    }

    /// GET services/{service_code}.
    pub fn service_definition(&self, service_code: &ServiceCode) -> Operation<ServiceDefinition> {
        let url = self.plain(&["services", service_code.as_str()]);
        self.get(url, read_document::<ServiceDefinition>)
    }

    /// POST requests, without checking the request against a definition.
    ///
    /// The multivaluelist answers are written the profile's way, and the client's
    /// `jurisdiction_id` fills in the request's when it has none.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] when the profile requires an email and the request has none.
    pub fn post_request(
        &self,
        request: &NewServiceRequest,
    ) -> Result<Operation<CreatedServiceRequest>, Error<Infallible>> {
        if self.profile.require_email && request.email.as_deref().is_none_or(str::is_empty) {
            return Err(Error::Invalid(validate::ValidationErrors(vec![
                validate::FieldError {
                    field: "email".into(),
                    kind: validate::ValidationErrorKind::Missing,
                },
            ])));
        }
        let mut request = request.clone();
        if request.jurisdiction_id.is_none() {
            request.jurisdiction_id.clone_from(&self.jurisdiction_id);
        }
        for attribute in &mut request.attributes {
            attribute_form(attribute, self.profile.multivalue);
        }
        let body = open311_types::form::encode_request(&request, self.api_key.as_deref());
        Ok(self.post(
            self.url(&["requests"], None),
            body,
            read_first::<CreatedServiceRequest>,
        ))
    }

    /// POST requests, after checking the request against its service's `definition`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with every rule the request breaks; nothing is sent then.
    pub fn post_request_checked(
        &self,
        request: &NewServiceRequest,
        definition: &ServiceDefinition,
    ) -> Result<Operation<CreatedServiceRequest>, Error<Infallible>> {
        validate::request(request, Some(definition))?;
        let mut request = request.clone();
        validate::normalize(&mut request, definition);
        self.post_request(&request)
    }

    /// GET tokens/{token}.
    pub fn token(&self, token: &Token) -> Operation<TokenLookup> {
        self.get(
            self.plain(&["tokens", token.as_str()]),
            read_first::<TokenLookup>,
        )
    }

    /// GET requests with `query`; the client's `jurisdiction_id` fills in the query's.
    pub fn requests(&self, query: &RequestQuery) -> Operation<Vec<ServiceRequest>> {
        self.get(
            self.url(&["requests"], Some(query)),
            read_document::<Vec<ServiceRequest>>,
        )
    }

    /// GET requests/{service_request_id}.
    pub fn request(&self, service_request_id: &ServiceRequestId) -> Operation<ServiceRequest> {
        let url = self.plain(&["requests", service_request_id.as_str()]);
        self.get(url, read_first::<ServiceRequest>)
    }

    /// GET servicerequestupdates (mySociety extension), with `start_date` and `end_date` of
    /// `query`.
    pub fn updates(&self, query: &RequestQuery) -> Operation<Vec<ServiceRequestUpdate>> {
        let url = self.url(&["servicerequestupdates"], Some(query));
        self.get(url, read_document::<Vec<ServiceRequestUpdate>>)
    }

    /// POST servicerequestupdates (mySociety extension).
    pub fn post_update(&self, update: &NewServiceRequestUpdate) -> Operation<CreatedUpdate> {
        let mut update = update.clone();
        if update.jurisdiction_id.is_none() {
            update.jurisdiction_id.clone_from(&self.jurisdiction_id);
        }
        let body = open311_types::form::encode_update(&update, self.api_key.as_deref());
        self.post(
            self.url(&["servicerequestupdates"], None),
            body,
            read_first::<CreatedUpdate>,
        )
    }

    /// Looks a batch service's token up until it resolves to an id, at most `polling.tries`
    /// times, calling `sleep` between tries.
    ///
    /// A 404 counts as "not yet": some servers learn the token only once the request is
    /// queued.
    ///
    /// # Errors
    ///
    /// [`Error::TokenPending`] when it did not resolve in time, or the first other failure.
    pub fn resolve_token<C: SyncHttpClient>(
        &self,
        transport: &C,
        token: &Token,
        polling: &Polling,
        mut sleep: impl FnMut(Duration),
    ) -> Result<ServiceRequestId, Error<C::Error>> {
        let operation = self.token(token);
        for attempt in 1..=polling.tries {
            if let Some(id) = resolved(operation.send(transport))? {
                return Ok(id);
            }
            if attempt < polling.tries {
                sleep(polling.delay);
            }
        }
        Err(Error::TokenPending {
            token: token.to_string(),
            tries: polling.tries,
        })
    }

    /// As [`Client::resolve_token`], through an async transport; `sleep` returns the future
    /// to wait on (such as `tokio::time::sleep`).
    ///
    /// # Errors
    ///
    /// As [`Client::resolve_token`].
    pub async fn resolve_token_async<C, S, F>(
        &self,
        transport: &C,
        token: &Token,
        polling: &Polling,
        mut sleep: S,
    ) -> Result<ServiceRequestId, Error<C::Error>>
    where
        C: LocalAsyncHttpClient,
        S: FnMut(Duration) -> F,
        F: Future<Output = ()>,
    {
        let operation = self.token(token);
        for attempt in 1..=polling.tries {
            if let Some(id) = resolved(operation.send_async(transport).await)? {
                return Ok(id);
            }
            if attempt < polling.tries {
                sleep(polling.delay).await;
            }
        }
        Err(Error::TokenPending {
            token: token.to_string(),
            tries: polling.tries,
        })
    }

    /// The URL of a resource: `segments` under the endpoint, the last with the format suffix,
    /// and `query` with the client's `jurisdiction_id` when the query has none.
    fn url(&self, segments: &[&str], query: Option<&RequestQuery>) -> Url {
        let mut url = self.endpoint.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for (index, segment) in segments.iter().enumerate() {
                if index + 1 == segments.len() {
                    path.push(&format!("{segment}.{}", self.format.extension()));
                } else {
                    path.push(segment);
                }
            }
        }
        let Some(query) = query else { return url };
        let mut query = query.clone();
        if query
            .jurisdiction_id
            .as_ref()
            .is_none_or(|id| id.as_str().is_empty())
        {
            query.jurisdiction_id.clone_from(&self.jurisdiction_id);
        }
        let text = query.to_query_string_with(self.profile.datetimes);
        url.set_query(
            Some(&text)
                .filter(|text| !text.is_empty())
                .map(String::as_str),
        );
        url
    }

    /// The URL of a GET with no arguments but the `jurisdiction_id`.
    fn plain(&self, segments: &[&str]) -> Url {
        self.url(segments, Some(&RequestQuery::default()))
    }

    fn get<T>(&self, url: Url, read: Reader<T>) -> Operation<T> {
        self.operation(Method::GET, url, Vec::new(), read)
    }

    fn post<T>(&self, url: Url, body: String, read: Reader<T>) -> Operation<T> {
        self.operation(Method::POST, url, body.into_bytes(), read)
    }

    fn operation<T>(
        &self,
        method: Method,
        url: Url,
        body: Vec<u8>,
        read: Reader<T>,
    ) -> Operation<T> {
        let accept = match self.format {
            Format::Xml => "text/xml, application/xml;q=0.9, */*;q=0.1",
            Format::Json => "application/json, */*;q=0.1",
        };
        Operation {
            method,
            url,
            body,
            accept,
            options: self.options,
            read,
            answer: PhantomData,
        }
    }
}

/// Rewrites a list answer in the profile's multivaluelist form.
fn attribute_form(attribute: &mut open311_types::AttributeInput, style: MultiValue) {
    if attribute.form == AttributeForm::Single && attribute.values.len() <= 1 {
        return;
    }
    match style {
        MultiValue::Brackets => attribute.form = AttributeForm::List,
        MultiValue::Repeated => attribute.form = AttributeForm::Repeated,
        MultiValue::Indexed => attribute.form = AttributeForm::Indexed,
        MultiValue::Comma => {
            attribute.values = vec![attribute.values.join(",")];
            attribute.form = AttributeForm::Single;
        }
    }
}

/// Whether a token lookup found the id: `Ok(None)` while it has not.
fn resolved<TE>(
    answer: Result<Decoded<TokenLookup>, Error<TE>>,
) -> Result<Option<ServiceRequestId>, Error<TE>> {
    match answer {
        Ok(lookup) => Ok(lookup.value.service_request_id),
        Err(Error::Api {
            status: StatusCode::NOT_FOUND,
            ..
        }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// How to wait for a batch service's token to resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    /// How many lookups at most.
    pub tries: u32,
    /// How long to wait between them.
    pub delay: Duration,
}

impl Default for Polling {
    /// Five tries, two seconds apart: FixMyStreet found that batch servers need a delay.
    fn default() -> Self {
        Polling {
            tries: 5,
            delay: Duration::from_secs(2),
        }
    }
}

/// Reads a response body into an answer.
type Reader<T> = fn(&[u8], Format, &DecodeOptions) -> Result<Decoded<T>, ReadError>;

/// Why a body could not be read as the answer.
enum ReadError {
    Decode(open311_types::Error),
    Empty(&'static str),
}

fn read_document<D: Document>(
    body: &[u8],
    format: Format,
    options: &DecodeOptions,
) -> Result<Decoded<D>, ReadError> {
    open311_types::decode::<D>(body, format, options).map_err(ReadError::Decode)
}

/// Reads a one-item list and returns the item, as POST and single-resource answers are.
fn read_first<T>(
    body: &[u8],
    format: Format,
    options: &DecodeOptions,
) -> Result<Decoded<T>, ReadError>
where
    Vec<T>: Document,
{
    let Decoded { value, deviations } = read_document::<Vec<T>>(body, format, options)?;
    let first = value
        .into_iter()
        .next()
        .ok_or(ReadError::Empty("the answer holds no item"))?;
    Ok(Decoded {
        value: first,
        deviations,
    })
}

/// One call of the spec: builds its HTTP request, reads its HTTP response.
///
/// It opens no socket: [`Operation::to_http`] and [`Operation::read`] are the sans-IO core,
/// and [`Operation::send`] and [`Operation::send_async`] put them around a transport.
#[derive(Debug, Clone)]
pub struct Operation<T> {
    method: Method,
    url: Url,
    body: Vec<u8>,
    accept: &'static str,
    options: DecodeOptions,
    read: Reader<T>,
    answer: PhantomData<fn() -> T>,
}

impl<T> Operation<T> {
    /// The URL called.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The HTTP request to send.
    pub fn to_http(&self) -> HttpRequest {
        let mut request = http::Request::new(self.body.clone());
        *request.method_mut() = self.method.clone();
        // A `Url` always parses as a `Uri`; the fallback keeps this infallible all the same.
        *request.uri_mut() = self.url.as_str().parse().unwrap_or_default();
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static(self.accept));
        headers.insert(USER_AGENT, HeaderValue::from_static(AGENT));
        if self.method == Method::POST {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
            );
        }
        request
    }

    /// Reads the server's response.
    ///
    /// The body's own content decides how it is read, whatever format was asked: servers
    /// answer errors in XML to JSON requests. A success holding the spec's error document is
    /// an [`Error::Api`] too, as some servers answer errors with 200.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] for a spec error document, [`Error::NotOpen311`] for anything else that
    /// is not an Open311 document (an HTML page, an empty body), [`Error::Decode`] for an
    /// Open311-looking answer that cannot be read, [`Error::Unexpected`] for an answer
    /// without the item asked for.
    pub fn read(&self, response: HttpResponse) -> Result<Decoded<T>, Error<Infallible>> {
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.body();
        let not_open311 = || Error::NotOpen311 {
            status,
            content_type: content_type.clone(),
            excerpt: excerpt(body),
        };
        if is_html(content_type.as_deref(), body) || body.iter().all(u8::is_ascii_whitespace) {
            return Err(not_open311());
        }
        let format = Format::sniff(body);
        if let Some(errors) = error_document(body, format) {
            return Err(Error::Api { status, errors });
        }
        if !status.is_success() {
            return Err(not_open311());
        }
        (self.read)(body, format, &self.options).map_err(|failure| match failure {
            ReadError::Decode(source) => Error::Decode { status, source },
            ReadError::Empty(what) => Error::Unexpected(what.to_owned()),
        })
    }

    /// Sends the call through a blocking transport and reads the answer.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] when no answer came, else as [`Operation::read`].
    pub fn send<C: SyncHttpClient>(&self, transport: &C) -> Result<Decoded<T>, Error<C::Error>> {
        let response = transport.call(self.to_http()).map_err(Error::Transport)?;
        self.read(response).map_err(Error::with_transport)
    }

    /// Sends the call through an async transport and reads the answer.
    ///
    /// # Errors
    ///
    /// As [`Operation::send`].
    pub async fn send_async<C: LocalAsyncHttpClient>(
        &self,
        transport: &C,
    ) -> Result<Decoded<T>, Error<C::Error>> {
        let response = transport
            .call(self.to_http())
            .await
            .map_err(Error::Transport)?;
        self.read(response).map_err(Error::with_transport)
    }
}

/// The errors of a spec error document, when `body` is one.
///
/// Each item must carry a `code` and nothing the spec does not define: a lenient reader takes
/// any JSON object as an error item, so this is what tells `[{"code":404,...}]` from a list of
/// requests, whatever the status (some servers answer errors with 200).
fn error_document(body: &[u8], format: Format) -> Option<Vec<ApiError>> {
    let errors = open311_types::decode::<Vec<ApiError>>(body, format, &DecodeOptions::lenient())
        .ok()?
        .value;
    let shaped = |error: &ApiError| {
        error.extensions.is_empty() && (error.code.is_some() || format == Format::Xml)
    };
    (!errors.is_empty() && errors.iter().all(shaped)).then_some(errors)
}

fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type.is_some_and(|value| value.to_ascii_lowercase().contains("html")) {
        return true;
    }
    let start = body
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head =
        String::from_utf8_lossy(&body[start..body.len().min(start + 15)]).to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The start of a body, on one line, for messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(400)]);
    let mut line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 160 {
        line = line.chars().take(160).collect::<String>() + "…";
    }
    line
}
