//! Open311 GeoReport v2 as Rust: the spec's documents, their codecs, and request validation.
//!
//! This crate is the foundation of `open311-rs`. It models every document of GeoReport v2
//! and of the extensions real servers use, reads and writes them as XML, JSON and
//! `application/x-www-form-urlencoded` forms, and checks a posted request against its service
//! definition. It does no I/O: the client and server crates move the bytes.
//!
//! # Quick start
//!
//! ```
//! use open311_types::{DecodeOptions, Format, Service};
//!
//! let xml = br#"<?xml version="1.0" encoding="utf-8"?>
//! <services>
//!     <service>
//!         <service_code>001</service_code>
//!         <service_name>Cans left out 24x7</service_name>
//!         <metadata>true</metadata>
//!         <type>realtime</type>
//!     </service>
//! </services>"#;
//!
//! let decoded = open311_types::decode::<Vec<Service>>(xml, Format::Xml, &DecodeOptions::lenient())?;
//! assert!(decoded.deviations.is_empty());
//! let services = decoded.value;
//! assert_eq!(services[0].service_code, "001"); // identifiers are opaque text
//!
//! let json = open311_types::encode(&services, Format::Json);
//! assert_eq!(
//!     String::from_utf8(json).unwrap(),
//!     r#"[{"service_code":"001","service_name":"Cans left out 24x7","metadata":true,"type":"realtime"}]"#
//! );
//! # Ok::<(), open311_types::Error>(())
//! ```
//!
//! # Lenient and strict
//!
//! Real servers depart from the spec in many known ways: numeric ids in JSON, `"true"` for
//! `true`, datetimes without an offset, `<requests>` for `<service_requests>`, a byte order
//! mark, Latin-1 bytes. [`Mode::Lenient`], the default, reads them and returns each as a
//! [`Deviation`] beside the value; [`Mode::Strict`] refuses the document at the first one.
//! A document that is not well-formed, is truncated, holds a DOCTYPE or is over a limit is
//! refused in both modes, never read in part.
//!
//! # The model
//!
//! | spec | type |
//! | --- | --- |
//! | GET services | `Vec<`[`Service`]`>` |
//! | GET services/{service_code} | [`ServiceDefinition`] with [`Attribute`]s |
//! | POST requests (arguments) | [`NewServiceRequest`], through [`form`] |
//! | POST requests (answer) | `Vec<`[`CreatedServiceRequest`]`>` |
//! | GET tokens/{token} | `Vec<`[`TokenLookup`]`>` |
//! | GET requests, requests/{id} | `Vec<`[`ServiceRequest`]`>`, queried with [`RequestQuery`] |
//! | errors | `Vec<`[`ApiError`]`>` |
//! | discovery | [`Discovery`] |
//! | servicerequestupdates (mySociety) | `Vec<`[`ServiceRequestUpdate`]`>`, [`NewServiceRequestUpdate`], `Vec<`[`CreatedUpdate`]`>` |
//!
//! Identifiers are opaque strings and datetimes keep the offset the server sent. Elements and
//! fields the spec does not define are kept as [`Extensions`], in order, so that decoding then
//! encoding loses nothing a city added. Empty elements, `xsi:nil`, `null` and (as a
//! deviation) `""` all mean absent; decoders never return an empty string.
//!
//! # Modules
//!
//! - [`xml`], [`json`]: the document codecs; [`decode`] and [`encode`] pick one by [`Format`].
//! - [`form`]: POST bodies, with the `attribute[code]` forms real clients send.
//! - [`query`]: the arguments of GET requests.
//! - [`validate`]: a posted request against the spec and its service definition.
//! - [`datetime`]: the spec's W3C datetimes.

// Input from the network reaches this code: no panic on it, and every failure a typed error.
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod datetime;
pub mod form;
pub mod json;
pub mod query;
pub mod validate;
pub mod xml;

mod api_error;
mod codec;
mod definition;
mod deviation;
mod discovery;
#[allow(
    private_interfaces,
    reason = "implements the sealed codec trait; see codec::sealed"
)]
mod document;
mod error;
mod extension;
mod id;
mod request;
mod service;
mod update;

pub use api_error::ApiError;
pub use codec::{Document, DocumentKind, UnknownKind, decode, encode};
pub use datetime::Datetime;
pub use definition::{Attribute, AttributeValue, Datatype, ServiceDefinition};
pub use deviation::{DecodeOptions, Decoded, Deviation, DeviationKind, Mode};
pub use discovery::{Discovery, Endpoint, EndpointType, GEOREPORT_V2};
pub use error::{Error, Format, Position};
pub use extension::{Extension, ExtensionValue, Extensions};
pub use id::{AttributeCode, JurisdictionId, ServiceCode, ServiceRequestId, Token, UpdateId};
pub use query::RequestQuery;
pub use request::{
    AttributeForm, AttributeInput, CreatedServiceRequest, NewServiceRequest, ServiceRequest,
    Status, TokenLookup,
};
pub use service::{Service, ServiceType};
pub use update::{CreatedUpdate, NewServiceRequestUpdate, ServiceRequestUpdate};
