//! The crate's error type.

use std::fmt;

use crate::deviation::Deviation;
use crate::form::FormError;
use crate::validate::ValidationErrors;

/// The format of a document: the spec's XML, or its JSON mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `text/xml`, the format every server must offer.
    Xml,
    /// `application/json`, offered when discovery advertises it.
    Json,
}

impl Format {
    /// The suffix of a resource path in this format, such as `xml` in `services.xml`.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Xml => "xml",
            Format::Json => "json",
        }
    }

    /// The `Content-Type` a server sends for this format, with the charset.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }

    /// The format named by a path suffix (`xml`, `json`), in any capitals.
    pub fn from_extension(suffix: &str) -> Option<Format> {
        if suffix.eq_ignore_ascii_case("xml") {
            Some(Format::Xml)
        } else if suffix.eq_ignore_ascii_case("json") {
            Some(Format::Json)
        } else {
            None
        }
    }

    /// Guesses the format from the first bytes of a document.
    ///
    /// JSON when `{` or `[` comes before any `<`, XML otherwise, so that a document with
    /// stray text before its root element is reported as bad XML.
    ///
    /// ```
    /// use open311_types::Format;
    ///
    /// assert_eq!(Format::sniff(b"\xEF\xBB\xBF <?xml version=\"1.0\"?>"), Format::Xml);
    /// assert_eq!(Format::sniff(b"[{\"service_code\":\"001\"}]"), Format::Json);
    /// assert_eq!(Format::sniff(b"HTTP/1.1 403 Forbidden\n\n<error/>"), Format::Xml);
    /// ```
    pub fn sniff(input: &[u8]) -> Format {
        match input.iter().find(|byte| matches!(byte, b'<' | b'{' | b'[')) {
            Some(b'{' | b'[') => Format::Json,
            _ => Format::Xml,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Xml => "XML",
            Format::Json => "JSON",
        })
    }
}

/// Where in a document something was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A byte offset from the start of the document (XML).
    Byte(u64),
    /// A line and column, both from 1 (JSON).
    LineColumn(usize, usize),
    /// Not known.
    Unknown,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Byte(offset) => write!(f, "byte {offset}"),
            Position::LineColumn(line, column) => write!(f, "line {line}, column {column}"),
            Position::Unknown => f.write_str("unknown position"),
        }
    }
}

/// Everything that can go wrong reading or checking an Open311 document or form.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is larger than the configured limit; nothing was parsed.
    #[error("document of {size} bytes is over the limit of {limit} bytes")]
    TooLarge {
        /// The input's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The input is not well-formed XML or JSON.
    #[error("{format} syntax error at {position}: {message}")]
    Syntax {
        /// The format being read.
        format: Format,
        /// Where.
        position: Position,
        /// What the parser found.
        message: String,
    },
    /// Well-formed, but not the expected Open311 document, or over a structural limit.
    #[error("{format} document at {position}{}: {message}", at_path(path))]
    Structure {
        /// The format being read.
        format: Format,
        /// Where.
        position: Position,
        /// Element or field names from the root.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Strict mode met a deviation that lenient mode would have tolerated.
    #[error("not strictly conforming at {position}: {deviation}")]
    Deviation {
        /// Where, when known.
        position: Position,
        /// The deviation.
        deviation: Deviation,
    },
    /// A form-encoded body or query string could not be read.
    #[error(transparent)]
    Form(#[from] FormError),
    /// A service request breaks the rules of the spec or of its service definition.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
}

fn at_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" ({path})")
    }
}
