//! The spec's error document: what a server answers when it cannot do what was asked.

use crate::codec::{Ctx, FieldSink, FieldSource, NumericText, Record, serialize_record};
use crate::deviation::DeviationKind;
use crate::error::Error;
use crate::extension::Extensions;

/// One `error` of an error document.
///
/// The `code` is usually the HTTP status, but the spec lets servers send a more specific one,
/// so it is kept as text.
///
/// ```
/// use open311_types::ApiError;
///
/// let error = ApiError::new(403, "Invalid api_key received -- can't proceed with create_request.");
/// assert_eq!(error.status_code(), Some(403));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// `code`: the kind of error, usually the HTTP status.
    pub code: Option<String>,
    /// `description`: what went wrong, for people to read.
    pub description: Option<String>,
    /// Elements the spec does not define, in document order.
    pub extensions: Extensions,
}

impl ApiError {
    /// An error with a code and a description.
    pub fn new(code: impl ToString, description: impl Into<String>) -> Self {
        ApiError {
            code: Some(code.to_string()),
            description: Some(description.into()),
            extensions: Extensions::new(),
        }
    }

    /// The code as an HTTP status, when it is one.
    pub fn status_code(&self) -> Option<u16> {
        self.code
            .as_deref()?
            .parse()
            .ok()
            .filter(|code| (100..600).contains(code))
    }
}

impl Record for ApiError {
    const ITEM: &'static str = "error";

    fn empty() -> Self {
        ApiError::default()
    }

    fn field<'de, S: FieldSource<'de>>(&mut self, name: &str, source: &mut S) -> Result<(), Error> {
        let ext = &mut self.extensions;
        match name {
            "code" => {
                let mut code = self.code.take().map(NumericText);
                source.set("code", &mut code, ext)?;
                self.code = code.map(|NumericText(code)| code);
                Ok(())
            }
            "description" => source.set("description", &mut self.description, ext),
            _ => source.keep(name, ext),
        }
    }

    /// Takes the text of `<error>text</error>`, as older servers send errors, as the description.
    fn text_content(&mut self, text: String, ctx: &mut Ctx) -> Result<bool, Error> {
        if self.code.is_some() || self.description.is_some() || text.is_empty() {
            return Ok(false);
        }
        let _ = ctx;
        self.description = Some(text);
        Ok(true)
    }

    /// An error without a code, as some servers send, is a deviation.
    fn finish(&self, ctx: &mut Ctx) -> Result<(), Error> {
        if self.code.is_none() {
            ctx.deviate(DeviationKind::ErrorShape)?;
        }
        Ok(())
    }

    fn write<K: FieldSink>(&self, sink: &mut K) -> Result<(), K::Error> {
        if let Some(code) = self.code.as_deref().filter(|code| !code.is_empty()) {
            sink.numeric_text("code", code)?;
        }
        sink.opt_text("description", &self.description)?;
        sink.extensions(&self.extensions)
    }
}

serialize_record!(ApiError);
