//! Service Discovery: where a city's Open311 endpoints are and what they offer.

use crate::codec::{
    Ctx, FieldSink, FieldSource, Record, SpecEnum, extend_list, require, serialize_record,
};
use crate::deviation::DeviationKind;
use crate::error::{Error, Format};
use crate::extension::Extensions;

/// The `specification` token of GeoReport v2 endpoints.
pub const GEOREPORT_V2: &str = "http://wiki.open311.org/GeoReport_v2";

/// A discovery document, from discovery.xml or discovery.json.
///
/// ```
/// use open311_types::{Discovery, Endpoint, EndpointType, Format};
///
/// let mut discovery = Discovery::default();
/// let mut endpoint = Endpoint::new(open311_types::GEOREPORT_V2, "https://city.example/open311/v2");
/// endpoint.endpoint_type = Some(EndpointType::Production);
/// endpoint.formats = vec!["text/xml".into(), "application/json".into()];
/// discovery.endpoints.push(endpoint);
///
/// let chosen = discovery.georeport_v2(&EndpointType::Production).unwrap();
/// assert_eq!(chosen.preferred_format(), Format::Json);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Discovery {
    /// `changeset`: a sortable mark of the document's last change, kept as sent.
    pub changeset: Option<String>,
    /// `contact`: how to reach the people behind the endpoints.
    pub contact: Option<String>,
    /// `key_service`: how to get an API key.
    pub key_service: Option<String>,
    /// `endpoints`.
    pub endpoints: Vec<Endpoint>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl Discovery {
    /// The first GeoReport v2 endpoint of the given type.
    pub fn georeport_v2(&self, endpoint_type: &EndpointType) -> Option<&Endpoint> {
        self.endpoints.iter().find(|endpoint| {
            endpoint.is_georeport_v2() && endpoint.endpoint_type.as_ref() == Some(endpoint_type)
        })
    }
}

/// One `endpoint` of a discovery document.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Endpoint {
    /// `specification`: which API this is, such as [`GEOREPORT_V2`].
    pub specification: String,
    /// `url`: the base URL of the endpoint.
    pub url: String,
    /// `changeset`: a sortable mark of the endpoint's last change, kept as sent.
    pub changeset: Option<String>,
    /// `type`: production or test.
    #[doc(alias = "type")]
    pub endpoint_type: Option<EndpointType>,
    /// `formats`: the MIME types offered, as sent.
    pub formats: Vec<String>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl Endpoint {
    /// An endpoint with a specification and a URL.
    pub fn new(specification: impl Into<String>, url: impl Into<String>) -> Self {
        Endpoint {
            specification: specification.into(),
            url: url.into(),
            changeset: None,
            endpoint_type: None,
            formats: Vec::new(),
            extensions: Extensions::new(),
        }
    }

    /// Whether this is a GeoReport v2 endpoint; the comparison ignores capitals and a final `/`.
    pub fn is_georeport_v2(&self) -> bool {
        self.specification
            .trim()
            .trim_end_matches('/')
            .eq_ignore_ascii_case(GEOREPORT_V2)
    }

    /// Whether `formats` lists the format's MIME type, in any capitals.
    pub fn supports(&self, format: Format) -> bool {
        let wanted = match format {
            Format::Xml => "text/xml",
            Format::Json => "application/json",
        };
        self.formats.iter().any(|offered| {
            let media_type = offered.split(';').next().unwrap_or_default().trim();
            media_type.eq_ignore_ascii_case(wanted)
                || (format == Format::Xml && media_type.eq_ignore_ascii_case("application/xml"))
        })
    }

    /// JSON when offered, else XML, which every endpoint must serve.
    pub fn preferred_format(&self) -> Format {
        if self.supports(Format::Json) {
            Format::Json
        } else {
            Format::Xml
        }
    }
}

/// The `type` of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EndpointType {
    /// `production`: requests are acted upon.
    Production,
    /// `test`: for trying things out.
    Test,
    /// A value the spec does not list, as sent.
    Other(String),
}

impl EndpointType {
    /// The value as written in documents.
    pub fn as_str(&self) -> &str {
        match self {
            EndpointType::Production => "production",
            EndpointType::Test => "test",
            EndpointType::Other(other) => other,
        }
    }
}

impl SpecEnum for EndpointType {
    const VALUES: &'static [(&'static str, Self)] = &[
        ("production", EndpointType::Production),
        ("test", EndpointType::Test),
    ];
    const UNKNOWN: DeviationKind = DeviationKind::UnknownEnumValue;

    fn other(text: String) -> Self {
        EndpointType::Other(text)
    }
}

impl Record for Discovery {
    const ITEM: &'static str = "discovery";

    fn empty() -> Self {
        Discovery::default()
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let ext = &mut self.extensions;
        match name {
            "changeset" => source.set("changeset", &mut self.changeset, ext),
            "contact" => source.set("contact", &mut self.contact, ext),
            "key_service" => source.set("key_service", &mut self.key_service, ext),
            "endpoints" => {
                source.ctx().enter("endpoints");
                let endpoints = source.records::<Endpoint>()?;
                source.ctx().leave();
                extend_list(source.ctx(), "endpoints", &mut self.endpoints, endpoints)
            }
            _ => source.keep(name, ext),
        }
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.opt_text("changeset", &self.changeset)?;
        sink.opt_text("contact", &self.contact)?;
        sink.opt_text("key_service", &self.key_service)?;
        sink.records("endpoints", &self.endpoints)?;
        sink.extensions(&self.extensions)
    }
}

impl Record for Endpoint {
    const ITEM: &'static str = "endpoint";

    fn empty() -> Self {
        Endpoint::new("", "")
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let ext = &mut self.extensions;
        match name {
            "specification" => {
                let mut specification = None;
                source.set_trimmed("specification", &mut specification, ext)?;
                self.specification = specification.unwrap_or_default();
                Ok(())
            }
            "url" => {
                let mut url = None;
                source.set_trimmed("url", &mut url, ext)?;
                self.url = url.unwrap_or_default();
                Ok(())
            }
            "changeset" => source.set("changeset", &mut self.changeset, ext),
            "type" => source.set("type", &mut self.endpoint_type, ext),
            "formats" => {
                let formats = source.texts("format")?;
                extend_list(source.ctx(), "formats", &mut self.formats, formats)
            }
            _ => source.keep(name, ext),
        }
    }

    fn finish(&self, ctx: &mut Ctx) -> Result<(), Error> {
        require(ctx, "specification", &self.specification)?;
        require(ctx, "url", &self.url)
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        sink.text("specification", &self.specification)?;
        sink.text("url", &self.url)?;
        sink.opt_text("changeset", &self.changeset)?;
        sink.opt_text(
            "type",
            &self.endpoint_type.as_ref().map(EndpointType::as_str),
        )?;
        sink.texts("formats", "format", &self.formats)?;
        sink.extensions(&self.extensions)
    }
}

serialize_record!(Discovery, Endpoint);
