//! The documents: how each list or record sits at the root of an XML or JSON document.

use std::sync::Arc;

use crate::api_error::ApiError;
use crate::codec::{Ctx, Document, DocumentKind, Record, sealed::Codec};
use crate::definition::ServiceDefinition;
use crate::deviation::DeviationKind;
use crate::discovery::Discovery;
use crate::error::Error;
use crate::json::{self, JsonIn};
use crate::request::{CreatedServiceRequest, ServiceRequest, TokenLookup};
use crate::service::Service;
use crate::update::{CreatedUpdate, ServiceRequestUpdate};
use crate::xml::{XmlIn, XmlOut};

/// A record that documents carry as a list under a root element.
pub(crate) trait ListItem: Record + serde::Serialize {
    const KIND: DocumentKind;
    /// The spec's root element, and the key of a wrapped JSON list.
    const ROOT: &'static str;
    /// Other root names real servers use.
    const ROOT_ALIASES: &'static [&'static str];
}

macro_rules! list_item {
    ($($item:ty => $kind:ident, $root:literal, [$($alias:literal),*];)*) => {$(
        impl ListItem for $item {
            const KIND: DocumentKind = DocumentKind::$kind;
            const ROOT: &'static str = $root;
            const ROOT_ALIASES: &'static [&'static str] = &[$($alias),*];
        }
    )*};
}

list_item! {
    Service => Services, "services", [];
    ServiceRequest => Requests, "service_requests", ["requests"];
    CreatedServiceRequest => RequestCreated, "service_requests", ["requests"];
    TokenLookup => Token, "service_requests", ["requests", "tokens"];
    ApiError => Errors, "errors", [];
    ServiceRequestUpdate => Updates, "service_request_updates", ["service_requests_updates"];
    CreatedUpdate => UpdateCreated, "service_request_updates", ["service_requests_updates"];
}

impl<T: ListItem> Codec for Vec<T> {
    fn read_xml(input: &mut XmlIn<'_>) -> Result<Self, Error> {
        let root = input.root()?;
        if root.name == T::ITEM {
            input.ctx.deviate(DeviationKind::SingleItemForList)?;
            input.ctx.enter_item(T::ITEM, 0);
            let item = input.record(root)?;
            input.ctx.leave();
            return Ok(vec![item]);
        }
        if root.name != T::ROOT {
            if !T::ROOT_ALIASES.contains(&root.name) {
                let message = format!("expected a <{}> document, found <{}>", T::ROOT, root.name);
                return Err(input.ctx.structure(message));
            }
            input.ctx.deviate(DeviationKind::RootAlias {
                found: root.name.to_owned(),
            })?;
        }
        input.ctx.enter(T::ROOT);
        let items = input.records(root)?;
        input.ctx.leave();
        Ok(items)
    }

    fn read_json(input: JsonIn<'_, '_>, ctx: &mut Ctx) -> Result<Self, Error> {
        json::read_list(input, ctx, T::ROOT, T::ROOT_ALIASES)
    }

    fn write_xml(&self, out: &mut XmlOut) {
        out.list(T::ROOT, self.iter());
    }
}

impl<T: ListItem> Document for Vec<T> {
    const KIND: DocumentKind = T::KIND;
}

/// Lists of shared items, so that a server can encode what it holds without copying it.
impl<T: ListItem> Codec for Vec<Arc<T>> {
    fn read_xml(input: &mut XmlIn<'_>) -> Result<Self, Error> {
        Ok(Vec::<T>::read_xml(input)?
            .into_iter()
            .map(Arc::new)
            .collect())
    }

    fn read_json(input: JsonIn<'_, '_>, ctx: &mut Ctx) -> Result<Self, Error> {
        Ok(Vec::<T>::read_json(input, ctx)?
            .into_iter()
            .map(Arc::new)
            .collect())
    }

    fn write_xml(&self, out: &mut XmlOut) {
        out.list(T::ROOT, self.iter().map(|item| &**item));
    }
}

impl<T: ListItem> Document for Vec<Arc<T>> {
    const KIND: DocumentKind = T::KIND;
}

macro_rules! record_document {
    ($($record:ty => $kind:ident;)*) => {$(
        impl Codec for $record {
            fn read_xml(input: &mut XmlIn<'_>) -> Result<Self, Error> {
                let root = input.root()?;
                let name = <$record as Record>::ITEM;
                if root.name != name {
                    let message = format!("expected a <{name}> document, found <{}>", root.name);
                    return Err(input.ctx.structure(message));
                }
                input.ctx.enter(name);
                let record = input.record(root)?;
                input.ctx.leave();
                Ok(record)
            }

            fn read_json(input: JsonIn<'_, '_>, ctx: &mut Ctx) -> Result<Self, Error> {
                json::read_record(input, ctx)
            }

            fn write_xml(&self, out: &mut XmlOut) {
                out.record(self);
            }
        }

        impl Document for $record {
            const KIND: DocumentKind = DocumentKind::$kind;
        }
    )*};
}

record_document! {
    ServiceDefinition => ServiceDefinition;
    Discovery => Discovery;
}
