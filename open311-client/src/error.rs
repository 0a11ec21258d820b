//! The client's error type.

use std::fmt;

use http::StatusCode;
use open311_types::ApiError;
use open311_types::validate::ValidationErrors;

/// Everything that can go wrong calling an Open311 server, generic over the transport's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<TE> {
    /// The request could not be built: a bad endpoint URL, say.
    #[error("cannot build the request: {0}")]
    Build(String),
    /// The request breaks the spec or its service definition; nothing was sent.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The transport failed: no answer was received.
    #[error("transport failed")]
    Transport(#[source] TE),
    /// The server answered with the spec's error document.
    #[error("the server answered {status}: {}", Describe(errors))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The errors of the document.
        errors: Vec<ApiError>,
    },
    /// The server answered something that is not an Open311 document, such as an HTML error page.
    #[error("the server answered {status} with no Open311 document ({}): {excerpt:?}", content_type.as_deref().unwrap_or("no content type"))]
    NotOpen311 {
        /// The HTTP status.
        status: StatusCode,
        /// The `Content-Type` header, when there was one.
        content_type: Option<String>,
        /// The start of the body, for people to read.
        excerpt: String,
    },
    /// The answer looks like Open311 but could not be read; `source` says what broke and where.
    #[error("cannot read the answer ({status})")]
    Decode {
        /// The HTTP status.
        status: StatusCode,
        /// What broke, and where.
        #[source]
        source: open311_types::Error,
    },
    /// The answer was read but does not hold what the operation expects, such as an empty
    /// list where the created request belongs.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
    /// A batch service's token did not resolve to an id within the tries allowed.
    #[error("token {token} did not resolve after {tries} tries")]
    TokenPending {
        /// The token.
        token: String,
        /// How many lookups were made.
        tries: u32,
    },
}

impl<TE> Error<TE> {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::NotOpen311 { status, .. }
            | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl Error<std::convert::Infallible> {
    /// Turns an error without a transport into one with any transport error type.
    pub fn with_transport<T>(self) -> Error<T> {
        match self {
            Error::Build(message) => Error::Build(message),
            Error::Invalid(errors) => Error::Invalid(errors),
            Error::Transport(never) => match never {},
            Error::Api { status, errors } => Error::Api { status, errors },
            Error::NotOpen311 {
                status,
                content_type,
                excerpt,
            } => Error::NotOpen311 {
                status,
                content_type,
                excerpt,
            },
            Error::Decode { status, source } => Error::Decode { status, source },
            Error::Unexpected(message) => Error::Unexpected(message),
            Error::TokenPending { token, tries } => Error::TokenPending { token, tries },
        }
    }
}

/// Shows the errors of an error document on one line.
struct Describe<'a>(&'a [ApiError]);

impl fmt::Display for Describe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            match (&error.code, &error.description) {
                (Some(code), Some(description)) => write!(f, "{description} ({code})")?,
                (None, Some(description)) => f.write_str(description)?,
                (Some(code), None) => write!(f, "error {code}")?,
                (None, None) => f.write_str("an empty error")?,
            }
        }
        Ok(())
    }
}
