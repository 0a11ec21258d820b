//! Service requests: as posted, as answered, as looked up by token, and as listed.

use std::fmt;

use crate::codec::{FieldSink, FieldSource, Record, SpecEnum, serialize_record};
use crate::datetime::Datetime;
use crate::deviation::DeviationKind;
use crate::error::Error;
use crate::extension::{ExtensionValue, Extensions};
use crate::id::{AttributeCode, JurisdictionId, ServiceCode, ServiceRequestId, Token};

/// The `status` of a service request.
///
/// ```
/// use open311_types::Status;
///
/// assert_eq!("open".parse::<Status>().unwrap(), Status::Open);
/// assert_eq!("in_progress".parse::<Status>().unwrap(), Status::Other("in_progress".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// `open`: reported and not yet resolved.
    Open,
    /// `closed`: resolved.
    Closed,
    /// A status the spec does not define (extensions and vendors use many), as sent.
    Other(String),
}

impl Status {
    /// The status as written in documents.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
            Status::Other(other) => other,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = std::convert::Infallible;

    /// Reads `open` and `closed` exactly; anything else is kept as [`Status::Other`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "open" => Status::Open,
            "closed" => Status::Closed,
            other => Status::Other(other.to_owned()),
        })
    }
}

impl SpecEnum for Status {
    const VALUES: &'static [(&'static str, Self)] =
        &[("open", Status::Open), ("closed", Status::Closed)];
    const UNKNOWN: DeviationKind = DeviationKind::NonStandardStatus;

    fn other(text: String) -> Self {
        Status::Other(text)
    }
}

/// One service request as GET requests and GET requests/{id} return it.
///
/// Every field is optional because real servers leave out even those the spec requires.
/// `extended_attributes`, `notes` and request-level `attributes` are kept in
/// [`ServiceRequest::extensions`] and reachable through accessors.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ServiceRequest {
    /// `service_request_id`.
    pub service_request_id: Option<ServiceRequestId>,
    /// `token`, sent by some servers (Chicago) for requests that have no id yet.
    pub token: Option<Token>,
    /// `status`.
    pub status: Option<Status>,
    /// `status_notes`: why the status is what it is.
    pub status_notes: Option<String>,
    /// `service_name`.
    pub service_name: Option<String>,
    /// `service_code`.
    pub service_code: Option<ServiceCode>,
    /// `description`: what the person reported.
    pub description: Option<String>,
    /// `agency_responsible`.
    pub agency_responsible: Option<String>,
    /// `service_notice`: what the city will do about it.
    pub service_notice: Option<String>,
    /// `requested_datetime`: when it was reported.
    pub requested_datetime: Option<Datetime>,
    /// `updated_datetime`: when it last changed (closed requests: when closed).
    pub updated_datetime: Option<Datetime>,
    /// `expected_datetime`: when the city expects to have dealt with it.
    pub expected_datetime: Option<Datetime>,
    /// `address`.
    pub address: Option<String>,
    /// `address_id` in the city's address register.
    pub address_id: Option<String>,
    /// `zipcode`.
    pub zipcode: Option<String>,
    /// `lat`: WGS84 latitude.
    pub lat: Option<f64>,
    /// `long`: WGS84 longitude.
    pub long: Option<f64>,
    /// `media_url`: a photo or other media.
    pub media_url: Option<String>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl ServiceRequest {
    /// A request with an id and a status.
    pub fn new(service_request_id: impl Into<ServiceRequestId>, status: Status) -> Self {
        ServiceRequest {
            service_request_id: Some(service_request_id.into()),
            status: Some(status),
            ..ServiceRequest::default()
        }
    }

    /// `extended_attributes` (extensions page), kept as sent.
    pub fn extended_attributes(&self) -> Option<&ExtensionValue> {
        self.extensions.get("extended_attributes")
    }

    /// `notes`: the request's history (extensions page), kept as sent.
    pub fn notes(&self) -> Option<&ExtensionValue> {
        self.extensions.get("notes")
    }

    /// Request-level `attributes` (the answers given when posting), kept as sent.
    pub fn attributes(&self) -> Option<&ExtensionValue> {
        self.extensions.get("attributes")
    }
}

impl Record for ServiceRequest {
    const ITEM: &'static str = "request";

    fn empty() -> Self {
        ServiceRequest::default()
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let ext = &mut self.extensions;
        match name {
            "service_request_id" => {
                source.set("service_request_id", &mut self.service_request_id, ext)
            }
            "token" => source.set("token", &mut self.token, ext),
            "status" => source.set("status", &mut self.status, ext),
            "status_notes" => source.set("status_notes", &mut self.status_notes, ext),
            "service_name" => source.set("service_name", &mut self.service_name, ext),
            "service_code" => source.set("service_code", &mut self.service_code, ext),
            "description" => source.set("description", &mut self.description, ext),
            "agency_responsible" => {
                source.set("agency_responsible", &mut self.agency_responsible, ext)
            }
            "service_notice" => source.set("service_notice", &mut self.service_notice, ext),
            "requested_datetime" => {
                source.set("requested_datetime", &mut self.requested_datetime, ext)
            }
            "updated_datetime" => source.set("updated_datetime", &mut self.updated_datetime, ext),
            "expected_datetime" => {
                source.set("expected_datetime", &mut self.expected_datetime, ext)
            }
            "address" => source.set("address", &mut self.address, ext),
            "address_id" => source.set("address_id", &mut self.address_id, ext),
            "zipcode" => source.set("zipcode", &mut self.zipcode, ext),
            "lat" => source.set_coordinate::<90>("lat", &mut self.lat, ext),
            "long" => source.set_coordinate::<180>("long", &mut self.long, ext),
            "media_url" => source.set_trimmed("media_url", &mut self.media_url, ext),
            _ => source.keep(name, ext),
        }
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.opt_text("service_request_id", &self.service_request_id)?;
        sink.opt_text("token", &self.token)?;
        sink.opt_text("status", &self.status.as_ref().map(Status::as_str))?;
        sink.opt_text("status_notes", &self.status_notes)?;
        sink.opt_text("service_name", &self.service_name)?;
        sink.opt_text("service_code", &self.service_code)?;
        sink.opt_text("description", &self.description)?;
        sink.opt_text("agency_responsible", &self.agency_responsible)?;
        sink.opt_text("service_notice", &self.service_notice)?;
        sink.opt_datetime("requested_datetime", &self.requested_datetime)?;
        sink.opt_datetime("updated_datetime", &self.updated_datetime)?;
        sink.opt_datetime("expected_datetime", &self.expected_datetime)?;
        sink.opt_text("address", &self.address)?;
        sink.opt_text("address_id", &self.address_id)?;
        sink.opt_text("zipcode", &self.zipcode)?;
        sink.opt_float("lat", self.lat)?;
        sink.opt_float("long", self.long)?;
        sink.opt_text("media_url", &self.media_url)?;
        sink.extensions(&self.extensions)
    }
}

/// One item of the answer to POST requests: an id, or a token for a batch service.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CreatedServiceRequest {
    /// `service_request_id`, for a realtime service.
    pub service_request_id: Option<ServiceRequestId>,
    /// `token`, for a batch service; look the id up with GET tokens/{token}.
    pub token: Option<Token>,
    /// `service_notice`: what the city will do about it.
    pub service_notice: Option<String>,
    /// `account_id` of the person who posted.
    pub account_id: Option<String>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl CreatedServiceRequest {
    /// The answer of a realtime service.
    pub fn with_id(service_request_id: impl Into<ServiceRequestId>) -> Self {
        CreatedServiceRequest {
            service_request_id: Some(service_request_id.into()),
            ..Self::default()
        }
    }

    /// The answer of a batch service.
    pub fn with_token(token: impl Into<Token>) -> Self {
        CreatedServiceRequest {
            token: Some(token.into()),
            ..Self::default()
        }
    }
}

impl Record for CreatedServiceRequest {
    const ITEM: &'static str = "request";

    fn empty() -> Self {
        CreatedServiceRequest::default()
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let ext = &mut self.extensions;
        match name {
            "service_request_id" => {
                source.set("service_request_id", &mut self.service_request_id, ext)
            }
            "token" => source.set("token", &mut self.token, ext),
            "service_notice" => source.set("service_notice", &mut self.service_notice, ext),
            "account_id" => source.set("account_id", &mut self.account_id, ext),
            _ => source.keep(name, ext),
        }
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.opt_text("service_request_id", &self.service_request_id)?;
        sink.opt_text("token", &self.token)?;
        sink.opt_text("service_notice", &self.service_notice)?;
        sink.opt_text("account_id", &self.account_id)?;
        sink.extensions(&self.extensions)
    }
}

/// One item of the answer to GET tokens/{token}.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TokenLookup {
    /// `service_request_id`, once the server has one.
    pub service_request_id: Option<ServiceRequestId>,
    /// The `token` looked up.
    pub token: Option<Token>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl TokenLookup {
    /// A token and, when known, the id it stands for.
    pub fn new(token: impl Into<Token>, service_request_id: Option<ServiceRequestId>) -> Self {
        TokenLookup {
            service_request_id,
            token: Some(token.into()),
            extensions: Extensions::new(),
        }
    }
}

impl Record for TokenLookup {
    const ITEM: &'static str = "request";

    fn empty() -> Self {
        TokenLookup::default()
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let ext = &mut self.extensions;
        match name {
            "service_request_id" => {
                source.set("service_request_id", &mut self.service_request_id, ext)
            }
            "token" => source.set("token", &mut self.token, ext),
            _ => source.keep(name, ext),
        }
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.opt_text("service_request_id", &self.service_request_id)?;
        sink.opt_text("token", &self.token)?;
        sink.extensions(&self.extensions)
    }
}

serialize_record!(ServiceRequest, CreatedServiceRequest, TokenLookup);

/// The arguments of POST requests: a new service request as a client sends it.
///
/// The `api_key` is not part of it: it is a credential, passed beside the request to the form
/// encoder and returned beside it by the form decoder.
///
/// ```
/// use open311_types::{AttributeInput, NewServiceRequest};
///
/// let mut request = NewServiceRequest::new("001");
/// request.lat = Some(37.76524078);
/// request.long = Some(-122.4212043);
/// request.attributes.push(AttributeInput::single("WHISPAWN", "123456"));
/// assert!(request.has_location());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewServiceRequest {
    /// `jurisdiction_id`, for endpoints that serve several cities.
    pub jurisdiction_id: Option<JurisdictionId>,
    /// `service_code` of the service the request is for.
    pub service_code: ServiceCode,
    /// `lat`: WGS84 latitude; sent together with `long`.
    pub lat: Option<f64>,
    /// `long`: WGS84 longitude; sent together with `lat`.
    pub long: Option<f64>,
    /// `address_string`: the place in words.
    pub address_string: Option<String>,
    /// `address_id` in the city's address register.
    pub address_id: Option<String>,
    /// `email` of the person reporting.
    pub email: Option<String>,
    /// `device_id` of the reporting device.
    pub device_id: Option<String>,
    /// `account_id` of the person reporting.
    pub account_id: Option<String>,
    /// `first_name` of the person reporting.
    pub first_name: Option<String>,
    /// `last_name` of the person reporting.
    pub last_name: Option<String>,
    /// `phone` of the person reporting.
    pub phone: Option<String>,
    /// `description`: what is wrong, at most 4,000 characters.
    pub description: Option<String>,
    /// `media_url`: a photo or other media.
    pub media_url: Option<String>,
    /// Answers to the service definition's attributes, as `attribute[code]`.
    pub attributes: Vec<AttributeInput>,
    /// Other form fields the spec does not define, in the order sent.
    pub extra: Vec<(String, String)>,
}

impl NewServiceRequest {
    /// A request for `service_code` with nothing else set.
    pub fn new(service_code: impl Into<ServiceCode>) -> Self {
        NewServiceRequest {
            jurisdiction_id: None,
            service_code: service_code.into(),
            lat: None,
            long: None,
            address_string: None,
            address_id: None,
            email: None,
            device_id: None,
            account_id: None,
            first_name: None,
            last_name: None,
            phone: None,
            description: None,
            media_url: None,
            attributes: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// Whether one of the spec's locations is given: `lat` and `long`, `address_string`
    /// or `address_id`.
    pub fn has_location(&self) -> bool {
        (self.lat.is_some() && self.long.is_some())
            || self.address_string.is_some()
            || self.address_id.is_some()
    }

    /// The answer to the attribute `code`.
    pub fn attribute(&self, code: &str) -> Option<&AttributeInput> {
        self.attributes
            .iter()
            .find(|attribute| attribute.code == *code)
    }
}

/// The answer to one attribute in a POST: `attribute[code]=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttributeInput {
    /// The attribute's `code`.
    pub code: AttributeCode,
    /// The value, or the values of a `multivaluelist`.
    pub values: Vec<String>,
    /// How the values were, or are to be, written in the form.
    pub form: AttributeForm,
}

impl AttributeInput {
    /// One value, written `attribute[code]=value`.
    pub fn single(code: impl Into<AttributeCode>, value: impl Into<String>) -> Self {
        AttributeInput {
            code: code.into(),
            values: vec![value.into()],
            form: AttributeForm::Single,
        }
    }

    /// The values of a `multivaluelist`, written `attribute[code][]=value` each.
    pub fn list<I, V>(code: impl Into<AttributeCode>, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        AttributeInput {
            code: code.into(),
            values: values.into_iter().map(Into::into).collect(),
            form: AttributeForm::List,
        }
    }
}

/// The ways real clients write an attribute's values in a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeForm {
    /// `attribute[code]=v`: one value.
    Single,
    /// `attribute[code][]=a&attribute[code][]=b`: the spec's multivaluelist form.
    List,
    /// `attribute[code]=a&attribute[code]=b`: as FixMyStreet sends a multivaluelist.
    Repeated,
    /// `attribute[code][0]=a&attribute[code][1]=b`: as some Java clients send one.
    Indexed,
}
