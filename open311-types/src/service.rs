//! GET Service List: the service types a city accepts requests for.

use crate::codec::{
    Ctx, FieldSink, FieldSource, Record, SpecEnum, extend_list, require, serialize_record,
};
use crate::deviation::DeviationKind;
use crate::error::Error;
use crate::extension::Extensions;
use crate::id::ServiceCode;

/// One service type of a city, such as "Pothole", from GET services.
///
/// ```
/// use open311_types::{Service, ServiceType};
///
/// let mut service = Service::new("001", "Cans left out 24x7");
/// service.service_type = Some(ServiceType::Realtime);
/// service.keywords = Some("lorem, ipsum, dolor".into());
/// assert_eq!(service.keywords().collect::<Vec<_>>(), ["lorem", "ipsum", "dolor"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Service {
    /// The service's `service_code`.
    pub service_code: ServiceCode,
    /// `service_name`: the name people see.
    pub service_name: Option<String>,
    /// `description`: a short explanation of the service.
    pub description: Option<String>,
    /// `metadata`: whether the service has a definition with attributes to fetch.
    pub metadata: Option<bool>,
    /// `type`: what a POST returns (an id, a token, or nothing).
    #[doc(alias = "type")]
    pub service_type: Option<ServiceType>,
    /// `keywords`: comma-separated tags, as sent; see [`Service::keywords`].
    pub keywords: Option<String>,
    /// `group`: the category the service belongs to.
    pub group: Option<String>,
    /// `groups`: several categories (mySociety extension).
    pub groups: Vec<String>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl Service {
    /// A service with a code and a name and nothing else.
    pub fn new(service_code: impl Into<ServiceCode>, service_name: impl Into<String>) -> Self {
        Service {
            service_code: service_code.into(),
            service_name: Some(service_name.into()),
            description: None,
            metadata: None,
            service_type: None,
            keywords: None,
            group: None,
            groups: Vec::new(),
            extensions: Extensions::new(),
        }
    }

    /// The keywords, split at commas and trimmed.
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        self.keywords
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|keyword| !keyword.is_empty())
    }

    /// Whether a service definition must be fetched before posting; absent means no.
    pub fn has_metadata(&self) -> bool {
        self.metadata.unwrap_or(false)
    }
}

/// The `type` of a service: how a POST to it is answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServiceType {
    /// `realtime`: the answer carries the `service_request_id`.
    Realtime,
    /// `batch`: the answer carries a token to look the id up later.
    Batch,
    /// `blackbox`: the answer carries neither.
    Blackbox,
    /// A value the spec does not list, as sent.
    Other(String),
}

impl ServiceType {
    /// The value as written in documents.
    pub fn as_str(&self) -> &str {
        match self {
            ServiceType::Realtime => "realtime",
            ServiceType::Batch => "batch",
            ServiceType::Blackbox => "blackbox",
            ServiceType::Other(other) => other,
        }
    }
}

impl SpecEnum for ServiceType {
    const VALUES: &'static [(&'static str, Self)] = &[
        ("realtime", ServiceType::Realtime),
        ("batch", ServiceType::Batch),
        ("blackbox", ServiceType::Blackbox),
    ];
    const UNKNOWN: DeviationKind = DeviationKind::UnknownEnumValue;

    fn other(text: String) -> Self {
        ServiceType::Other(text)
    }
}

impl Record for Service {
    const ITEM: &'static str = "service";

    fn empty() -> Self {
        Service {
            service_name: None,
            ..Service::new("", "")
        }
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let extensions = &mut self.extensions;
        match name {
            "service_code" => source.set_id("service_code", &mut self.service_code, extensions),
            "service_name" => source.set("service_name", &mut self.service_name, extensions),
            "description" => source.set("description", &mut self.description, extensions),
            "metadata" => source.set("metadata", &mut self.metadata, extensions),
            "type" => source.set("type", &mut self.service_type, extensions),
            "keywords" => source.set("keywords", &mut self.keywords, extensions),
            "group" => source.set("group", &mut self.group, extensions),
            "groups" => {
                let groups = source.texts("group")?;
                extend_list(source.ctx(), "groups", &mut self.groups, groups)
            }
            _ => source.keep(name, extensions),
        }
    }

    fn finish(&self, ctx: &mut Ctx) -> Result<(), Error> {
        require(ctx, "service_code", self.service_code.as_str())
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.text("service_code", self.service_code.as_str())?;
        sink.opt_text("service_name", &self.service_name)?;
        sink.opt_text("description", &self.description)?;
        sink.opt_boolean("metadata", self.metadata)?;
        sink.opt_text("type", &self.service_type.as_ref().map(ServiceType::as_str))?;
        sink.opt_text("keywords", &self.keywords)?;
        sink.opt_text("group", &self.group)?;
        if !self.groups.is_empty() {
            sink.texts("groups", "group", &self.groups)?;
        }
        sink.extensions(&self.extensions)
    }
}

serialize_record!(Service);
