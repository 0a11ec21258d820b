//! Service request updates: mySociety's extension for the history of a request.
//!
//! GET servicerequestupdates lists the updates made to requests in a time window, and POST
//! servicerequestupdates adds one. The extension is used by FixMyStreet and by UK councils
//! through open311-adapter.

use crate::codec::{Ctx, FieldSink, FieldSource, Record, require, serialize_record};
use crate::datetime::Datetime;
use crate::error::Error;
use crate::extension::Extensions;
use crate::id::{JurisdictionId, ServiceRequestId, UpdateId};
use crate::request::Status;

/// One update to a service request, from GET servicerequestupdates.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServiceRequestUpdate {
    /// `update_id`.
    pub update_id: UpdateId,
    /// `service_request_id` of the request updated.
    pub service_request_id: ServiceRequestId,
    /// `status` of the request after the update; the extension allows more than open and
    /// closed, such as `in_progress` or `duplicate`.
    pub status: Option<Status>,
    /// `updated_datetime`: when the update was made.
    pub updated_datetime: Option<Datetime>,
    /// `description`: the update's text.
    pub description: Option<String>,
    /// `media_url`: a photo or other media.
    pub media_url: Option<String>,
    /// `external_status_code`: the status in the city's own system.
    pub external_status_code: Option<String>,
    /// Elements the extension does not define, in document order.
    pub extensions: Extensions,
}

impl ServiceRequestUpdate {
    /// An update with its id and the request's id.
    pub fn new(
        update_id: impl Into<UpdateId>,
        service_request_id: impl Into<ServiceRequestId>,
    ) -> Self {
        ServiceRequestUpdate {
            update_id: update_id.into(),
            service_request_id: service_request_id.into(),
            status: None,
            updated_datetime: None,
            description: None,
            media_url: None,
            external_status_code: None,
            extensions: Extensions::new(),
        }
    }
}

impl Record for ServiceRequestUpdate {
    const ITEM: &'static str = "request_update";

    fn empty() -> Self {
        ServiceRequestUpdate::new("", "")
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let ext = &mut self.extensions;
        match name {
            "update_id" => source.set_id("update_id", &mut self.update_id, ext),
            "service_request_id" => {
                source.set_id("service_request_id", &mut self.service_request_id, ext)
            }
            "status" => source.set("status", &mut self.status, ext),
            "updated_datetime" => source.set("updated_datetime", &mut self.updated_datetime, ext),
            "description" => source.set("description", &mut self.description, ext),
            "media_url" => source.set_trimmed("media_url", &mut self.media_url, ext),
            "external_status_code" => {
                source.set("external_status_code", &mut self.external_status_code, ext)
            }
            _ => source.keep(name, ext),
        }
    }

    fn finish(&self, ctx: &mut Ctx) -> Result<(), Error> {
        require(ctx, "update_id", self.update_id.as_str())?;
        require(ctx, "service_request_id", self.service_request_id.as_str())
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.text("update_id", self.update_id.as_str())?;
        sink.text("service_request_id", self.service_request_id.as_str())?;
        sink.opt_text("status", &self.status.as_ref().map(Status::as_str))?;
        sink.opt_datetime("updated_datetime", &self.updated_datetime)?;
        sink.opt_text("description", &self.description)?;
        sink.opt_text("media_url", &self.media_url)?;
        sink.opt_text("external_status_code", &self.external_status_code)?;
        sink.extensions(&self.extensions)
    }
}

/// One item of the answer to POST servicerequestupdates.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreatedUpdate {
    /// `update_id` the server gave the update.
    pub update_id: UpdateId,
    /// Elements the extension does not define, in document order.
    pub extensions: Extensions,
}

impl CreatedUpdate {
    /// The answer for `update_id`.
    pub fn new(update_id: impl Into<UpdateId>) -> Self {
        CreatedUpdate {
            update_id: update_id.into(),
            extensions: Extensions::new(),
        }
    }
}

impl Record for CreatedUpdate {
    const ITEM: &'static str = "request_update";

    fn empty() -> Self {
        CreatedUpdate::new("")
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        match name {
            "update_id" => source.set_id("update_id", &mut self.update_id, &mut self.extensions),
            _ => source.keep(name, &mut self.extensions),
        }
    }

    fn finish(&self, ctx: &mut Ctx) -> Result<(), Error> {
        require(ctx, "update_id", self.update_id.as_str())
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.text("update_id", self.update_id.as_str())?;
        sink.extensions(&self.extensions)
    }
}

serialize_record!(ServiceRequestUpdate, CreatedUpdate);

/// The arguments of POST servicerequestupdates: a new update as a client sends it.
///
/// As with [`NewServiceRequest`](crate::NewServiceRequest), the `api_key` travels beside it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewServiceRequestUpdate {
    /// `jurisdiction_id`, for endpoints that serve several cities.
    pub jurisdiction_id: Option<JurisdictionId>,
    /// `service_request_id` of the request to update.
    pub service_request_id: ServiceRequestId,
    /// `update_id` the client gave the update, when it has one.
    pub update_id: Option<UpdateId>,
    /// `updated_datetime`: when the update was made.
    pub updated_datetime: Option<Datetime>,
    /// `status` of the request after the update.
    pub status: Option<Status>,
    /// `description`: the update's text.
    pub description: Option<String>,
    /// `media_url`: a photo or other media.
    pub media_url: Option<String>,
    /// `email` of the person updating.
    pub email: Option<String>,
    /// `first_name` of the person updating.
    pub first_name: Option<String>,
    /// `last_name` of the person updating.
    pub last_name: Option<String>,
    /// `account_id` of the person updating.
    pub account_id: Option<String>,
    /// Other form fields the extension does not define, in the order sent.
    pub extra: Vec<(String, String)>,
}

impl NewServiceRequestUpdate {
    /// An update to `service_request_id` with nothing else set.
    pub fn new(service_request_id: impl Into<ServiceRequestId>) -> Self {
        NewServiceRequestUpdate {
            jurisdiction_id: None,
            service_request_id: service_request_id.into(),
            update_id: None,
            updated_datetime: None,
            status: None,
            description: None,
            media_url: None,
            email: None,
            first_name: None,
            last_name: None,
            account_id: None,
            extra: Vec::new(),
        }
    }
}
