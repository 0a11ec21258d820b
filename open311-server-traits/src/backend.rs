//! The trait a city's system implements, and what the router hands it.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use open311_types::{
    CreatedServiceRequest, CreatedUpdate, Datetime, Format, JurisdictionId, NewServiceRequest,
    NewServiceRequestUpdate, Service, ServiceCode, ServiceDefinition, ServiceRequest,
    ServiceRequestId, ServiceRequestUpdate, Token, TokenLookup,
};

use crate::filter::{RequestFilter, UpdateFilter};

/// A city's system behind a GeoReport v2 endpoint: one method per operation of the spec.
///
/// The [`Router`](crate::Router) owns everything on the wire: paths, formats, query and form
/// parsing, `jurisdiction_id` and `api_key` checks, validation of a POST against its service
/// definition, the 90-day window and the result cap, status codes and error documents. A
/// backend only answers with the spec's values. Returning `Ok(None)` where a resource is
/// looked up answers 404; a [`BackendError`] answers with its status, never 500.
///
/// The futures must be `Send`, so implementations may write `async fn` as long as they hold
/// nothing `!Send` (an `Rc`, a `RefCell` borrow, a `std::sync::MutexGuard`) across an `.await`.
/// Tokens and the service request updates extension are optional: their default methods
/// answer as a server without them should.
///
/// ```
/// use std::sync::Arc;
///
/// use open311_server_traits::{Backend, BackendError, RequestContext, RequestFilter, RequestList};
/// use open311_types::{
///     CreatedServiceRequest, NewServiceRequest, Service, ServiceCode, ServiceDefinition,
///     ServiceRequest, ServiceRequestId,
/// };
///
/// /// A city with one service and no memory.
/// struct Minimal;
///
/// impl Backend for Minimal {
///     async fn services(&self, _cx: &RequestContext) -> Result<Vec<Service>, BackendError> {
///         Ok(vec![Service::new("001", "Pothole")])
///     }
///
///     async fn service_definition(
///         &self,
///         _cx: &RequestContext,
///         _code: &ServiceCode,
///     ) -> Result<Option<ServiceDefinition>, BackendError> {
///         Ok(None)
///     }
///
///     async fn create_request(
///         &self,
///         _cx: &RequestContext,
///         _service: &Service,
///         _request: NewServiceRequest,
///     ) -> Result<CreatedServiceRequest, BackendError> {
///         Err(BackendError::unavailable("the CRM is down"))
///     }
///
///     async fn service_requests(
///         &self,
///         _cx: &RequestContext,
///         _filter: &RequestFilter,
///     ) -> Result<RequestList, BackendError> {
///         Ok(RequestList::default())
///     }
///
///     async fn service_request(
///         &self,
///         _cx: &RequestContext,
///         _id: &ServiceRequestId,
///     ) -> Result<Option<Arc<ServiceRequest>>, BackendError> {
///         Ok(None)
///     }
/// }
/// ```
///
/// A future that holds a `std::sync::MutexGuard` across an `.await` is not `Send`, and does
/// not compile:
///
/// ```compile_fail
/// use std::sync::Mutex;
/// use open311_server_traits::{Backend, BackendError, RequestContext, RequestFilter};
/// use open311_types::*;
///
/// struct Locked(Mutex<Vec<Service>>);
///
/// impl Backend for Locked {
///     async fn services(&self, _cx: &RequestContext) -> Result<Vec<Service>, BackendError> {
///         let guard = self.0.lock().unwrap();
///         std::future::ready(()).await;
///         Ok(guard.clone())
///     }
///     # async fn service_definition(&self, _: &RequestContext, _: &ServiceCode) -> Result<Option<ServiceDefinition>, BackendError> { Ok(None) }
///     # async fn create_request(&self, _: &RequestContext, _: &Service, _: NewServiceRequest) -> Result<CreatedServiceRequest, BackendError> { todo!() }
///     # async fn service_requests(&self, _: &RequestContext, _: &RequestFilter) -> Result<open311_server_traits::RequestList, BackendError> { Ok(Default::default()) }
///     # async fn service_request(&self, _: &RequestContext, _: &ServiceRequestId) -> Result<Option<std::sync::Arc<ServiceRequest>>, BackendError> { Ok(None) }
/// }
/// ```
pub trait Backend: Send + Sync + 'static {
    /// GET services: every service type of the jurisdiction.
    fn services(
        &self,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<Vec<Service>, BackendError>> + Send;

    /// One service type; `Ok(None)` when there is none with `service_code`.
    ///
    /// The default looks it up in [`Backend::services`]; override it when one is cheaper.
    fn service(
        &self,
        cx: &RequestContext,
        service_code: &ServiceCode,
    ) -> impl Future<Output = Result<Option<Service>, BackendError>> + Send {
        async move {
            let services = self.services(cx).await?;
            Ok(services
                .into_iter()
                .find(|service| service.service_code == *service_code))
        }
    }

    /// GET services/{service_code}; `Ok(None)` when the service has no definition.
    ///
    /// The router asks only for services that exist.
    fn service_definition(
        &self,
        cx: &RequestContext,
        service_code: &ServiceCode,
    ) -> impl Future<Output = Result<Option<ServiceDefinition>, BackendError>> + Send;

    /// POST requests, once the request has passed validation against its definition.
    ///
    /// Answer with a `service_request_id` for a `realtime` service, a `token` for a `batch`
    /// one, and neither for a `blackbox` one. Answer only once the request is stored: an
    /// acknowledged request must not be lost.
    fn create_request(
        &self,
        cx: &RequestContext,
        service: &Service,
        request: NewServiceRequest,
    ) -> impl Future<Output = Result<CreatedServiceRequest, BackendError>> + Send;

    /// GET requests: the requests that match `filter`, newest first, at most `filter.limit`
    /// of them after skipping `filter.offset`.
    ///
    /// A `Vec<ServiceRequest>` converts into the answer with `.into()`; a backend that holds
    /// its requests in memory as `Arc`s returns those, and nothing is copied.
    /// [`RequestFilter::select`] does the filtering, ordering and paging for such a backend.
    /// The router drops anything returned that does not match, and cuts the list at the limit.
    fn service_requests(
        &self,
        cx: &RequestContext,
        filter: &RequestFilter,
    ) -> impl Future<Output = Result<RequestList, BackendError>> + Send;

    /// GET requests/{service_request_id}; `Ok(None)` when there is no such request.
    ///
    /// Shared, as in [`Backend::service_requests`]: a backend that holds its requests (or a
    /// cache of them) as `Arc`s returns a clone of the `Arc`, and nothing is copied; one that
    /// builds the request returns `Arc::new(request)`.
    fn service_request(
        &self,
        cx: &RequestContext,
        service_request_id: &ServiceRequestId,
    ) -> impl Future<Output = Result<Option<Arc<ServiceRequest>>, BackendError>> + Send;

    /// GET tokens/{token}; `Ok(None)` when the token is unknown.
    ///
    /// Answer with the token alone while the request has no id yet. The default knows no
    /// tokens, which is right for a server without batch services.
    fn token(
        &self,
        cx: &RequestContext,
        token: &Token,
    ) -> impl Future<Output = Result<Option<TokenLookup>, BackendError>> + Send {
        let _ = (cx, token);
        async { Ok(None) }
    }

    /// Whether the service request updates extension is offered; by default it is not, and
    /// its paths answer 404.
    fn supports_updates(&self) -> bool {
        false
    }

    /// GET servicerequestupdates: the updates made in the filter's window, oldest first.
    fn service_request_updates(
        &self,
        cx: &RequestContext,
        filter: &UpdateFilter,
    ) -> impl Future<Output = Result<Vec<ServiceRequestUpdate>, BackendError>> + Send {
        let _ = (cx, filter);
        async {
            Err(BackendError::not_found(
                "service request updates are not offered",
            ))
        }
    }

    /// POST servicerequestupdates, for a request the router has checked exists.
    ///
    /// A backend that offers it changes the request's `status` and `updated_datetime`.
    fn post_update(
        &self,
        cx: &RequestContext,
        update: NewServiceRequestUpdate,
    ) -> impl Future<Output = Result<CreatedUpdate, BackendError>> + Send {
        let _ = (cx, update);
        async {
            Err(BackendError::not_found(
                "service request updates are not offered",
            ))
        }
    }
}

/// The requests a backend answers GET requests with, owned or shared.
///
/// ```
/// use open311_server_traits::RequestList;
/// use open311_types::{ServiceRequest, Status};
///
/// let list: RequestList = vec![ServiceRequest::new("1", Status::Open)].into();
/// assert_eq!(list.0.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestList(pub Vec<Arc<ServiceRequest>>);

impl From<Vec<ServiceRequest>> for RequestList {
    fn from(requests: Vec<ServiceRequest>) -> Self {
        requests.into_iter().collect()
    }
}

impl From<Vec<Arc<ServiceRequest>>> for RequestList {
    fn from(requests: Vec<Arc<ServiceRequest>>) -> Self {
        RequestList(requests)
    }
}

impl FromIterator<ServiceRequest> for RequestList {
    fn from_iter<I: IntoIterator<Item = ServiceRequest>>(requests: I) -> Self {
        RequestList(requests.into_iter().map(Arc::new).collect())
    }
}

impl FromIterator<Arc<ServiceRequest>> for RequestList {
    fn from_iter<I: IntoIterator<Item = Arc<ServiceRequest>>>(requests: I) -> Self {
        RequestList(requests.into_iter().collect())
    }
}

/// What the router knows about a call, handed to every backend method.
#[derive(Debug)]
#[non_exhaustive]
pub struct RequestContext {
    /// The `jurisdiction_id` of the call, checked against the configured ones; `None` on a
    /// single-jurisdiction endpoint when the client left it out.
    pub jurisdiction_id: Option<JurisdictionId>,
    /// Who the `api_key` belongs to, for methods that need one.
    pub api_key: ApiKeyOutcome,
    /// The format of the answer.
    pub format: Format,
    /// The time of the call, from the router's clock; use it rather than the system clock, so
    /// that tests can fix it.
    pub now: Datetime,
    /// The HTTP request's extensions, where frameworks and middleware put their data.
    pub extensions: http::Extensions,
}

impl RequestContext {
    /// A context for calling a backend directly, as tests do.
    pub fn new(format: Format, now: Datetime) -> Self {
        RequestContext {
            jurisdiction_id: None,
            api_key: ApiKeyOutcome::NotRequired,
            format,
            now,
            extensions: http::Extensions::new(),
        }
    }
}

/// The outcome of the `api_key` check, as the backend sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiKeyOutcome {
    /// The method needs no key (every GET).
    NotRequired,
    /// The key was accepted; the label names its holder when the policy knows it.
    Accepted {
        /// The key holder's label, never the key itself.
        label: Option<String>,
    },
}

/// Why a backend could not answer; the router turns it into a spec error document.
///
/// The spec's "general service error" (the CRM is down, a timeout) is
/// [`BackendError::unavailable`] and answers 400, like every failure that is not a missing
/// resource: a GeoReport v2 server never answers 500.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackendError {
    /// What kind of failure.
    pub kind: BackendErrorKind,
    /// The `description` of the error document, for people to read.
    pub description: String,
    /// A more specific `code` for the error document than the HTTP status.
    pub code: Option<String>,
}

/// The kinds of [`BackendError`], each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendErrorKind {
    /// A resource does not exist: 404.
    NotFound,
    /// The call cannot be done as asked: 400.
    Invalid,
    /// The system behind the endpoint failed: 400, the spec's general service error.
    Unavailable,
}

impl BackendError {
    /// A resource does not exist: 404.
    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(BackendErrorKind::NotFound, description)
    }

    /// The call cannot be done as asked: 400.
    pub fn invalid(description: impl Into<String>) -> Self {
        Self::new(BackendErrorKind::Invalid, description)
    }

    /// The system behind the endpoint failed: 400, the spec's general service error.
    pub fn unavailable(description: impl Into<String>) -> Self {
        Self::new(BackendErrorKind::Unavailable, description)
    }

    /// The same error with a more specific `code` in the error document.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    fn new(kind: BackendErrorKind, description: impl Into<String>) -> Self {
        BackendError {
            kind,
            description: description.into(),
            code: None,
        }
    }

    /// The HTTP status the router answers with.
    pub fn status(&self) -> http::StatusCode {
        match self.kind {
            BackendErrorKind::NotFound => http::StatusCode::NOT_FOUND,
            BackendErrorKind::Invalid | BackendErrorKind::Unavailable => {
                http::StatusCode::BAD_REQUEST
            }
        }
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

impl std::error::Error for BackendError {}
