//! The catalogue: every requirement checked, with its statement, citation and severity.

use std::fmt;

/// How binding a requirement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec requires it ("must", or an error status it prescribes).
    Must,
    /// The spec recommends it ("should"), or the project's decisions settle what it leaves
    /// open.
    Should,
    /// An extension in use in the wild (updates, paging): checked only where offered.
    Extension,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Must => "must",
            Severity::Should => "should",
            Severity::Extension => "extension",
        })
    }
}

/// One requirement of the spec, as a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// A stable name, such as `requests.default-window`.
    pub id: &'static str,
    /// How binding it is.
    pub severity: Severity,
    /// What must hold, in one line.
    pub statement: &'static str,
    /// Where the spec says so: document and section.
    pub citation: &'static str,
}

macro_rules! catalogue {
    ($($id:literal, $severity:ident, $citation:literal, $statement:literal;)*) => {
        /// Every check, in the order they run.
        pub const CHECKS: &[Check] = &[
            $(Check { id: $id, severity: Severity::$severity, statement: $statement, citation: $citation },)*
        ];
    };
}

catalogue! {
    "discovery.xml", Must, "Service Discovery, Formats",
        "discovery.xml answers 200 with a discovery document";
    "discovery.json", Must, "Service Discovery, Formats",
        "discovery.json answers 200 with a discovery document";
    "discovery.fields", Must, "Service Discovery, Fields for All Versions",
        "discovery has changeset, contact, key_service and endpoints, each endpoint its \
         specification, url, changeset, type and formats";
    "discovery.georeport-v2", Must, "Service Discovery, Fields for All Versions",
        "discovery lists a GeoReport v2 endpoint";
    "discovery.same-data", Should, "Service Discovery, Formats",
        "discovery.xml and discovery.json describe the same data";
    "discovery.formats-served", Must, "GeoReport v2, Format Support",
        "every format discovery advertises for the endpoint is served";
    "services", Must, "GeoReport v2, GET Service List",
        "GET services answers 200 with a service list";
    "services.fields", Must, "GeoReport v2, GET Service List, Response",
        "every service has a service_code, service_name, metadata and type";
    "definition", Must, "GeoReport v2, GET Service Definition",
        "GET services/{service_code} answers the definition of a service with metadata";
    "definition.fields", Must, "GeoReport v2, GET Service Definition, Response",
        "every attribute has variable, code, datatype, required and order, and list \
         datatypes have values";
    "definition.unknown-service", Must, "GeoReport v2, GET Service Definition, Possible Errors",
        "an unknown service_code answers 404 with an error document";
    "post.api-key-missing", Must, "GeoReport v2, Errors",
        "a POST without an api_key answers 403";
    "post.api-key-invalid", Must, "GeoReport v2, Errors",
        "a POST with a wrong api_key answers 403";
    "post.unknown-service", Must, "GeoReport v2, POST Service Request, Possible Errors",
        "a POST for an unknown service_code answers 404";
    "post.missing-location", Must, "GeoReport v2, POST Service Request, Required Arguments",
        "a POST without lat/long, address_string or address_id answers 400";
    "post.missing-attribute", Must, "GeoReport v2, POST Service Request, Required Arguments",
        "a POST without a required attribute answers 400";
    "post.outside-list", Must, "GeoReport v2, GET Service Definition, Response",
        "a POST with a value outside a singlevaluelist answers 400";
    "post.create", Must, "GeoReport v2, POST Service Request, Response",
        "a valid POST answers a service_request_id (realtime), a token (batch) or neither \
         (blackbox)";
    "post.readable", Must, "GeoReport v2, GET Service Request",
        "a created request can be read with GET requests/{service_request_id}";
    "token.flow", Must, "GeoReport v2, GET service_request_id from a token",
        "a batch service's token resolves to a service_request_id";
    "requests", Must, "GeoReport v2, GET Service Requests",
        "GET requests answers 200 with a list of service requests";
    "requests.fields", Must, "GeoReport v2, GET Service Requests, Response",
        "every request has a service_request_id, status, service_code and requested_datetime";
    "requests.cap", Must, "GeoReport v2, GET Service Requests, Response Volume",
        "GET requests returns at most 1,000 requests";
    "requests.default-window", Must, "GeoReport v2, GET Service Requests, Optional Arguments",
        "without dates, GET requests returns only requests of the last 90 days";
    "requests.id-overrides", Must, "GeoReport v2, GET Service Requests, Optional Arguments",
        "service_request_id returns those requests whatever the other arguments say";
    "requests.service-code", Must, "GeoReport v2, GET Service Requests, Optional Arguments",
        "service_code returns only requests of those services";
    "requests.status", Must, "GeoReport v2, GET Service Requests, Optional Arguments",
        "status returns only requests with those statuses";
    "requests.date-window", Must, "GeoReport v2, GET Service Requests, Optional Arguments",
        "start_date and end_date return only requests requested between them";
    "requests.window-limit", Should, "GeoReport v2, GET Service Requests, Optional Arguments",
        "a start_date/end_date span over 90 days is refused with 400";
    "request", Must, "GeoReport v2, GET Service Request",
        "GET requests/{service_request_id} answers that request";
    "request.unknown", Must, "GeoReport v2, Errors",
        "an unknown service_request_id answers 404 with an error document";
    "token.unknown", Must, "GeoReport v2, GET service_request_id from a token, Possible Errors",
        "an unknown token answers 404 with an error document";
    "jurisdiction.unknown", Must, "GeoReport v2, GET Service List, Possible Errors",
        "an unknown jurisdiction_id answers 404 with an error document";
    "errors.unknown-format", Should, "GeoReport v2, Errors",
        "an unknown format suffix answers 404 with an error document";
    "errors.document", Must, "GeoReport v2, Errors",
        "error answers are the spec's error document, with code and description, in the \
         format asked for";
    "formats.same-data", Should, "GeoReport v2, JSON Support",
        "the XML and JSON answers to the same request describe the same data";
    "xml.declaration", Must, "GeoReport v2, Encoding",
        "XML answers start with the XML declaration, encoding UTF-8";
    "xml.content-type", Should, "GeoReport v2, Format Support",
        "XML answers have Content-Type text/xml; charset=utf-8";
    "json.content-type", Should, "GeoReport v2, Format Support",
        "JSON answers have Content-Type application/json; charset=utf-8";
    "encoding.utf8", Must, "GeoReport v2, Encoding",
        "answers are UTF-8, without a byte order mark";
    "datetimes.w3c", Must, "GeoReport v2, Date/time format",
        "every datetime is a W3C datetime with its timezone";
    "documents.shape", Must, "GeoReport v2, API methods; JSON and XML Conversion",
        "documents have the spec's roots, lists and field types";
    "values.enumerations", Must, "GeoReport v2, GET Service List and GET Service Requests",
        "status, type and datatype take the spec's values";
    "updates", Extension, "mySociety, service request updates",
        "GET servicerequestupdates answers a list of updates";
    "updates.post", Extension, "mySociety, service request updates",
        "POST servicerequestupdates changes the request's status and updated_datetime";
    "paging", Extension, "GeoReport v2 Extensions, Pagination",
        "page and page_size split GET requests into pages";
}

/// The check with `id`.
pub fn check(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|check| check.id == id)
}
