//! A backend that keeps everything in memory: for tests, examples and mock servers.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use open311_types::{
    CreatedServiceRequest, CreatedUpdate, NewServiceRequest, NewServiceRequestUpdate, Service,
    ServiceCode, ServiceDefinition, ServiceRequest, ServiceRequestId, ServiceRequestUpdate,
    ServiceType, Status, Token, TokenLookup,
};

use crate::backend::{Backend, BackendError, RequestContext, RequestList};
use crate::filter::{RequestFilter, UpdateFilter};

/// A [`Backend`] over in-memory lists, with tokens for batch services and the updates
/// extension.
///
/// Ids are numbers counted from 1, as text. A realtime service answers with the id, a batch
/// service with a token (`token-N`) that resolves to the id at once, a blackbox service with
/// neither. Nothing survives the process.
///
/// ```
/// use open311_server_traits::{Config, MemoryBackend, Router};
/// use open311_types::Service;
///
/// let backend = MemoryBackend::new().with_service(Service::new("001", "Pothole"), None);
/// let router = Router::new(backend, Config::default());
/// ```
#[derive(Debug, Default)]
pub struct MemoryBackend {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    services: Vec<Service>,
    definitions: Vec<ServiceDefinition>,
    requests: Vec<Arc<ServiceRequest>>,
    tokens: Vec<(Token, ServiceRequestId)>,
    updates: Vec<ServiceRequestUpdate>,
    last_id: u64,
    last_update: u64,
}

impl MemoryBackend {
    /// A backend with no services.
    pub fn new() -> Self {
        MemoryBackend::default()
    }

    /// Adds a service and, when it has one, its definition.
    pub fn with_service(self, service: Service, definition: Option<ServiceDefinition>) -> Self {
        {
            let mut state = self.lock();
            state.services.push(service);
            state.definitions.extend(definition);
        }
        self
    }

    /// Adds an existing request, as it is.
    pub fn with_request(self, request: ServiceRequest) -> Self {
        self.lock().requests.push(Arc::new(request));
        self
    }

    /// Every request held, in the order created.
    pub fn requests(&self) -> Vec<ServiceRequest> {
        self.lock()
            .requests
            .iter()
            .map(|request| ServiceRequest::clone(request))
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the lists half-changed: every change is one push or
        // one assignment, so the state is usable after a poisoning.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Backend for MemoryBackend {
    async fn services(&self, _cx: &RequestContext) -> Result<Vec<Service>, BackendError> {
        Ok(self.lock().services.clone())
    }

    async fn service_definition(
        &self,
        _cx: &RequestContext,
        service_code: &ServiceCode,
    ) -> Result<Option<ServiceDefinition>, BackendError> {
        let state = self.lock();
        Ok(state
            .definitions
            .iter()
            .find(|d| d.service_code == *service_code)
            .cloned())
    }

    async fn create_request(
        &self,
        cx: &RequestContext,
        service: &Service,
        request: NewServiceRequest,
    ) -> Result<CreatedServiceRequest, BackendError> {
        let mut state = self.lock();
        state.last_id += 1;
        let id = ServiceRequestId::from(state.last_id.to_string());
        let mut stored = ServiceRequest::new(id.clone(), Status::Open);
        stored.service_code = Some(service.service_code.clone());
        stored.service_name.clone_from(&service.service_name);
        stored.description = request.description;
        stored.requested_datetime = Some(cx.now);
        stored.updated_datetime = Some(cx.now);
        stored.address = request.address_string;
        stored.address_id = request.address_id;
        stored.lat = request.lat;
        stored.long = request.long;
        stored.media_url = request.media_url;
        state.requests.push(Arc::new(stored));
        let mut created = match service.service_type {
            Some(ServiceType::Batch) => {
                let token = Token::from(format!("token-{id}"));
                state.tokens.push((token.clone(), id));
                CreatedServiceRequest::with_token(token)
            }
            Some(ServiceType::Blackbox) => CreatedServiceRequest::default(),
            _ => CreatedServiceRequest::with_id(id),
        };
        created.account_id = request.account_id;
        Ok(created)
    }

    async fn service_requests(
        &self,
        _cx: &RequestContext,
        filter: &RequestFilter,
    ) -> Result<RequestList, BackendError> {
        // Sharing the held requests: the answer copies none of them.
        Ok(filter.select(self.lock().requests.iter().cloned()).into())
    }

    async fn service_request(
        &self,
        _cx: &RequestContext,
        id: &ServiceRequestId,
    ) -> Result<Option<Arc<ServiceRequest>>, BackendError> {
        let state = self.lock();
        let found = state
            .requests
            .iter()
            .find(|r| r.service_request_id.as_ref() == Some(id));
        Ok(found.map(Arc::clone))
    }

    async fn token(
        &self,
        _cx: &RequestContext,
        token: &Token,
    ) -> Result<Option<TokenLookup>, BackendError> {
        let state = self.lock();
        let found = state.tokens.iter().find(|(known, _)| known == token);
        Ok(found.map(|(token, id)| TokenLookup::new(token.clone(), Some(id.clone()))))
    }

    fn supports_updates(&self) -> bool {
        true
    }

    async fn service_request_updates(
        &self,
        _cx: &RequestContext,
        filter: &UpdateFilter,
    ) -> Result<Vec<ServiceRequestUpdate>, BackendError> {
        let state = self.lock();
        let updates = state.updates.iter().filter(|update| {
            let in_window = update
                .updated_datetime
                .is_some_and(|at| at >= filter.start && at <= filter.end);
            let for_request = filter
                .service_request_id
                .as_ref()
                .is_none_or(|id| *id == update.service_request_id);
            in_window && for_request
        });
        Ok(updates.take(filter.limit).cloned().collect())
    }

    async fn post_update(
        &self,
        cx: &RequestContext,
        update: NewServiceRequestUpdate,
    ) -> Result<CreatedUpdate, BackendError> {
        let mut state = self.lock();
        state.last_update += 1;
        let update_id = update
            .update_id
            .clone()
            .unwrap_or_else(|| state.last_update.to_string().into());
        let at = update.updated_datetime.unwrap_or(cx.now);
        let id = update.service_request_id.clone();
        let Some(request) = state
            .requests
            .iter_mut()
            .find(|r| r.service_request_id.as_ref() == Some(&id))
        else {
            return Err(BackendError::not_found(format!(
                "service_request_id {id} not found"
            )));
        };
        let request = Arc::make_mut(request);
        if let Some(status) = &update.status {
            request.status = Some(status.clone());
        }
        request.updated_datetime = Some(at);
        let mut stored = ServiceRequestUpdate::new(update_id.clone(), id);
        stored.status = update.status.or_else(|| request.status.clone());
        stored.updated_datetime = Some(at);
        stored.description = update.description;
        stored.media_url = update.media_url;
        state.updates.push(stored);
        Ok(CreatedUpdate::new(update_id))
    }
}
