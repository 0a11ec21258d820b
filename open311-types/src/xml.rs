//! The XML codec: a reader on quick-xml's event API and a writer of the spec's documents.
//!
//! Reading matches elements by local name in any order, ignores namespace prefixes and
//! declarations, treats empty elements and `xsi:nil` as absent, and trims text before reading
//! a typed value. It refuses a DOCTYPE (so no entity is ever defined or expanded), any entity
//! other than the five predefined ones and character references, a second root element, text
//! after the root, nesting deeper than the limit, and input over the size limit. Errors carry
//! the byte offset where they were found.
//!
//! Writing emits the XML declaration with UTF-8, the spec's element names in the spec's
//! order, no whitespace between elements, and escapes all text. A carriage return is written
//! as `&#13;` so that it survives, and characters XML 1.0 cannot carry (most C0 controls,
//! U+FFFE, U+FFFF) are written as U+FFFD.
//!
//! ```
//! use open311_types::{DecodeOptions, ServiceRequest};
//!
//! let xml = br#"<?xml version="1.0" encoding="utf-8"?>
//! <service_requests><request>
//!   <service_request_id>638344</service_request_id><status>closed</status>
//! </request></service_requests>"#;
//! let decoded = open311_types::xml::from_slice::<Vec<ServiceRequest>>(xml, &DecodeOptions::strict())?;
//! let requests = decoded.value;
//! assert_eq!(requests[0].service_request_id.as_ref().unwrap(), "638344");
//!
//! let written = open311_types::xml::to_vec(&requests);
//! assert!(written.ends_with(b"<status>closed</status></request></service_requests>"));
//! # Ok::<(), open311_types::Error>(())
//! ```

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::BufRead as _;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::codec::{Ctx, Document, FieldSink, FieldSource, Record, Scalar, first_special, prepare};
use crate::datetime::{self, Datetime};
use crate::deviation::{DecodeOptions, Decoded, DeviationKind};
use crate::error::{Error, Format, Position};
use crate::extension::{ExtensionValue, Extensions};

/// Decodes an XML document.
///
/// # Errors
///
/// As [`decode`](crate::decode): too large, not well-formed, not the expected document, over
/// a limit, or (strict mode) a deviation.
pub fn from_slice<D: Document>(input: &[u8], options: &DecodeOptions) -> Result<Decoded<D>, Error> {
    let mut ctx = Ctx::new(options, Format::Xml);
    let (text, skipped) = prepare(input, options, &mut ctx)?;
    let leading = text.len() - text.trim_start().len();
    let (body, base) = if leading > 0 && text[leading..].starts_with("<?xml") {
        ctx.deviate(DeviationKind::WhitespaceBeforeDeclaration)?;
        (&text[leading..], skipped + leading as u64)
    } else {
        (&text[..], skipped)
    };
    let mut input = XmlIn::new(body, base, ctx);
    let value = D::read_xml(&mut input)?;
    input.finish()?;
    Ok(input.ctx.finish(value))
}

/// Encodes a document as XML, with the declaration.
pub fn to_vec<D: Document>(document: &D) -> Vec<u8> {
    let mut out = XmlOut::new();
    document.write_xml(&mut out);
    out.buf.into_bytes()
}

/// The reading state over one document.
pub(crate) struct XmlIn<'a> {
    src: &'a str,
    reader: Reader<&'a [u8]>,
    base: u64,
    declared: bool,
    /// Whether quick-xml reads text next, so that the input may be read directly from here.
    ///
    /// After a text event quick-xml has looked at the next `<` already and reads markup next.
    in_text: bool,
    pub(crate) ctx: Ctx,
}

/// A start tag that was just read, or seen ahead.
pub(crate) struct Child<'a> {
    pub(crate) name: &'a str,
    empty: bool,
    nil: bool,
    /// The start tag, a plain `<name>`, is the next thing in the input and is not read yet.
    ahead: bool,
}

impl<'a> XmlIn<'a> {
    fn new(src: &'a str, base: u64, ctx: Ctx) -> Self {
        let mut reader = Reader::from_str(src);
        reader.config_mut().check_end_names = true;
        XmlIn {
            src,
            reader,
            base,
            declared: false,
            in_text: false,
            ctx,
        }
    }

    fn event(&mut self) -> Result<Event<'a>, Error> {
        let event = self.reader.read_event().map_err(|error| Error::Syntax {
            format: Format::Xml,
            position: Position::Byte(self.base + self.reader.error_position()),
            message: error.to_string(),
        })?;
        self.in_text = !matches!(event, Event::Text(_));
        Ok(event)
    }

    fn here(&self) -> Position {
        Position::Byte(self.base + self.reader.buffer_position())
    }

    fn error(&mut self, message: impl Into<String>) -> Error {
        self.ctx.position = self.here();
        self.ctx.structure(message)
    }

    fn truncated(&mut self) -> Error {
        Error::Syntax {
            format: Format::Xml,
            position: self.here(),
            message: "document ends before its root element is closed".into(),
        }
    }

    /// Reads up to the root element's start tag.
    pub(crate) fn root(&mut self) -> Result<Child<'a>, Error> {
        loop {
            match self.event()? {
                Event::Decl(_) => self.declared = true,
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(text) if is_blank(&text) => {}
                Event::DocType(_) => return Err(self.error("a DOCTYPE is not allowed")),
                Event::Start(start) => {
                    self.check_declaration()?;
                    self.ctx.descend()?;
                    return self.child(start, false);
                }
                Event::Empty(start) => {
                    self.check_declaration()?;
                    return self.child(start, true);
                }
                Event::Eof => return Err(self.error("no root element")),
                _ => return Err(self.error("text before the root element")),
            }
        }
    }

    fn check_declaration(&mut self) -> Result<(), Error> {
        if !self.declared {
            self.ctx.deviate(DeviationKind::MissingXmlDeclaration)?;
        }
        Ok(())
    }

    /// Reads past the root element's end: only comments and whitespace may follow.
    fn finish(&mut self) -> Result<(), Error> {
        loop {
            match self.event()? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(text) if is_blank(&text) => {}
                Event::Start(_) | Event::Empty(_) => {
                    return Err(self.error("a second root element"));
                }
                _ => return Err(self.error("content after the root element")),
            }
        }
    }

    fn child(&mut self, start: BytesStart<'a>, empty: bool) -> Result<Child<'a>, Error> {
        self.ctx.position = self.here();
        let name = self.local_name(&start)?;
        let mut nil = false;
        if !start.attributes_raw().trim().is_empty() {
            // quick-xml's duplicate check compares every attribute with every other; without it
            // an element with many attributes costs time in proportion to their number.
            let mut ignored: Option<String> = None;
            for attribute in start.attributes().with_checks(false) {
                let attribute = attribute.map_err(|error| Error::Syntax {
                    format: Format::Xml,
                    position: self.here(),
                    message: error.to_string(),
                })?;
                let key: &str = attribute.key.as_ref();
                if key == "xmlns" || key.starts_with("xmlns:") {
                    continue;
                }
                if attribute.key.local_name().as_ref() == "nil" {
                    nil = matches!(attribute.value.trim(), "true" | "1");
                    continue;
                }
                ignored.get_or_insert_with(|| key.to_owned());
            }
            // One deviation per element, naming the first attribute ignored.
            if let Some(name) = ignored {
                self.ctx.deviate(DeviationKind::XmlAttribute { name })?;
            }
        }
        Ok(Child {
            name,
            empty,
            nil,
            ahead: false,
        })
    }

    /// The element's local name, borrowed from the input rather than copied.
    fn local_name(&mut self, start: &BytesStart<'a>) -> Result<&'a str, Error> {
        let name = start.local_name();
        let local: &str = name.as_ref();
        let offset = (local.as_ptr() as usize).wrapping_sub(self.src.as_ptr() as usize);
        match self.src.get(offset..offset.wrapping_add(local.len())) {
            Some(found) if found.as_ptr() == local.as_ptr() => Ok(found),
            _ => Err(self.error("element name outside the input")),
        }
    }

    /// The next child element of the current one, or `None` at its end tag.
    pub(crate) fn next_child(&mut self) -> Result<Option<Child<'a>>, Error> {
        loop {
            match self.event()? {
                Event::Start(start) => {
                    self.ctx.descend()?;
                    return self.child(start, false).map(Some);
                }
                Event::Empty(start) => {
                    self.ctx.descend()?;
                    self.ctx.ascend();
                    return self.child(start, true).map(Some);
                }
                Event::End(_) => {
                    self.ctx.ascend();
                    return Ok(None);
                }
                Event::Text(text) if is_blank(&text) => {}
                Event::Text(_) | Event::CData(_) => self.ctx.deviate(DeviationKind::StrayText)?,
                Event::GeneralRef(reference) => {
                    self.resolve(&reference)?;
                    self.ctx.deviate(DeviationKind::StrayText)?;
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Err(self.truncated()),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.error("a declaration inside the document"));
                }
            }
        }
    }

    /// Resolves `&name;`: the five predefined entities and character references only.
    fn resolve(&mut self, reference: &BytesRef<'_>) -> Result<char, Error> {
        let name: &str = reference;
        match reference_char(name) {
            Some(c) => Ok(c),
            None => Err(self.error(format!("undefined or invalid entity reference &{name};"))),
        }
    }

    /// Reads the text of `child` up to its end tag, trimmed; `Null` when empty.
    ///
    /// Child elements inside text are a deviation; their texts are joined with `, `.
    pub(crate) fn text(&mut self, child: Child<'a>) -> Result<Scalar<'a>, Error> {
        if child.empty {
            return Ok(Scalar::Null);
        }
        if let Some(plain) = self.plain_text() {
            // The end tag follows; quick-xml reads it and checks its name.
            return match self.event()? {
                Event::End(_) => {
                    self.ctx.ascend();
                    let plain = trim_cow(plain);
                    Ok(if child.nil || plain.is_empty() {
                        Scalar::Null
                    } else {
                        Scalar::Text(plain)
                    })
                }
                _ => Err(self.error("an end tag was expected after the text")),
            };
        }
        let mut text: Option<Cow<'a, str>> = None;
        let mut nested = false;
        self.collect_text(&mut text, &mut nested)?;
        if nested {
            self.ctx.deviate(DeviationKind::NestedInScalar)?;
        }
        if child.nil {
            return Ok(Scalar::Null);
        }
        Ok(match text.map(trim_cow) {
            Some(text) if !text.is_empty() => Scalar::Text(text),
            _ => Scalar::Null,
        })
    }

    /// Takes the text up to the next tag when it is plain and an end tag follows.
    fn plain_text(&mut self) -> Option<Cow<'a, str>> {
        let (length, text) = self.plain_run(0)?;
        self.reader.stream().consume(length);
        Some(text)
    }

    /// The plain text that starts `skip` bytes into the unread input and ends at an end tag:
    /// its length in bytes and its value.
    ///
    /// Most fields are a run of text with at most a few references, and no CDATA, carriage
    /// return or child element. Such a run is taken straight from the input, which was checked
    /// as UTF-8 as a whole, rather than as text events that quick-xml would check again; the
    /// reader's stream keeps its position right. Anything else, including a reference that is
    /// not allowed, gives `None`, and is read event by event, which reports it.
    fn plain_run(&self, skip: usize) -> Option<(usize, Cow<'a, str>)> {
        if !self.in_text {
            return None;
        }
        let rest: &[u8] = self.reader.get_ref();
        let run = rest.get(skip..)?;
        let stop = memchr::memchr3(b'<', b'&', b'\r', run)?;
        let (end, escaped) = match run.get(stop) {
            Some(b'&') => {
                let tail = run.get(stop..)?;
                (stop + memchr::memchr2(b'<', b'\r', tail)?, true)
            }
            _ => (stop, false),
        };
        if run.get(end..end + 2) != Some(b"</") {
            return None;
        }
        let start = self.src.len().checked_sub(rest.len())? + skip;
        let raw = self.src.get(start..start + end)?;
        let text = if escaped {
            Cow::Owned(unescape(raw)?)
        } else {
            Cow::Borrowed(raw)
        };
        Some((end, text))
    }

    /// Sees whether the next child is a plain start tag `<name>`, without reading it.
    ///
    /// With `skip_space`, whitespace before it is passed over: the caller has no use for it.
    fn peek_child(&mut self, skip_space: bool) -> Option<Child<'a>> {
        if !self.in_text {
            return None;
        }
        if skip_space {
            let rest: &[u8] = self.reader.get_ref();
            let blank = rest
                .iter()
                .take_while(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
            if blank > 0 {
                self.reader.stream().consume(blank);
            }
        }
        let rest: &[u8] = self.reader.get_ref();
        let length = plain_name(rest.strip_prefix(b"<")?)?;
        let start = self.src.len().checked_sub(rest.len())? + 1;
        let name = self.src.get(start..start + length)?;
        self.ctx.position = self.here();
        Some(Child {
            name,
            empty: false,
            nil: false,
            ahead: true,
        })
    }

    /// Reads the start tag of a child seen ahead.
    fn start_ahead(&mut self, child: Child<'a>) -> Result<Child<'a>, Error> {
        if !child.ahead {
            return Ok(child);
        }
        match self.event()? {
            Event::Start(start) => {
                self.ctx.descend()?;
                self.child(start, false)
            }
            _ => Err(self.error("a start tag was expected")),
        }
    }

    /// Reads a child seen ahead whole when it is `<name>`, plain text and `</name>`.
    fn inline_text(&mut self, child: &Child<'a>) -> Option<Scalar<'a>> {
        if !child.ahead || self.ctx.depth >= self.ctx.max_depth {
            return None;
        }
        let name = child.name.as_bytes();
        let open = name.len() + 2;
        let (length, text) = self.plain_run(open)?;
        let rest: &[u8] = self.reader.get_ref();
        let close = rest.get(open + length + 2..)?;
        if close.strip_prefix(name)?.first() != Some(&b'>') {
            return None;
        }
        self.reader.stream().consume(open + length + name.len() + 3);
        let text = trim_cow(text);
        Some(if text.is_empty() {
            Scalar::Null
        } else {
            Scalar::Text(text)
        })
    }

    fn collect_text(
        &mut self,
        text: &mut Option<Cow<'a, str>>,
        nested: &mut bool,
    ) -> Result<(), Error> {
        loop {
            match self.event()? {
                Event::Text(piece) => append(text, piece.xml10_content()),
                Event::CData(piece) => append(text, piece.xml10_content()),
                Event::GeneralRef(reference) => {
                    let c = self.resolve(&reference)?;
                    append(text, Cow::Owned(c.to_string()));
                }
                Event::Start(_) => {
                    self.ctx.descend()?;
                    *nested = true;
                    let mut inner = None;
                    self.collect_text(&mut inner, nested)?;
                    if let Some(inner) = inner.map(trim_cow).filter(|inner| !inner.is_empty()) {
                        if let Some(existing) = text.as_mut().filter(|t| !t.trim().is_empty()) {
                            let existing = existing.to_mut();
                            trim_end_in_place(existing);
                            existing.push_str(", ");
                        }
                        append(text, inner);
                    }
                }
                Event::Empty(_) => *nested = true,
                Event::End(_) => {
                    self.ctx.ascend();
                    return Ok(());
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Err(self.truncated()),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.error("a declaration inside the document"));
                }
            }
        }
    }

    /// Skips `child` and everything in it.
    pub(crate) fn skip(&mut self, child: Child<'a>) -> Result<(), Error> {
        if child.empty {
            return Ok(());
        }
        while let Some(grandchild) = self.next_child()? {
            self.skip(grandchild)?;
        }
        Ok(())
    }

    /// Reads `child` as a generic value, for extensions.
    pub(crate) fn value(&mut self, child: Child<'a>) -> Result<ExtensionValue, Error> {
        if child.empty || child.nil {
            self.skip(child)?;
            return Ok(ExtensionValue::Null);
        }
        let mut text: Option<Cow<'a, str>> = None;
        let mut entries = Vec::new();
        loop {
            match self.event()? {
                Event::Text(piece) => append(&mut text, piece.xml10_content()),
                Event::CData(piece) => append(&mut text, piece.xml10_content()),
                Event::GeneralRef(reference) => {
                    let c = self.resolve(&reference)?;
                    append(&mut text, Cow::Owned(c.to_string()));
                }
                Event::Start(start) => {
                    self.ctx.descend()?;
                    let grandchild = self.child(start, false)?;
                    let name = decode_name(grandchild.name);
                    let value = self.value(grandchild)?;
                    entries.push(crate::extension::Extension { name, value });
                }
                Event::Empty(start) => {
                    self.ctx.descend()?;
                    self.ctx.ascend();
                    let grandchild = self.child(start, true)?;
                    entries.push(crate::extension::Extension {
                        name: decode_name(grandchild.name),
                        value: ExtensionValue::Null,
                    });
                }
                Event::End(_) => {
                    self.ctx.ascend();
                    break;
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Err(self.truncated()),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.error("a declaration inside the document"));
                }
            }
        }
        if !entries.is_empty() {
            return Ok(ExtensionValue::Map(entries));
        }
        Ok(match text.map(trim_cow) {
            Some(text) if !text.is_empty() => ExtensionValue::Text(text.into_owned()),
            _ => ExtensionValue::Null,
        })
    }

    /// Reads `child` as one record of type `T`.
    pub(crate) fn record<T: Record>(&mut self, child: Child<'a>) -> Result<T, Error> {
        let mut record = T::empty();
        if child.empty || child.nil {
            self.skip(child)?;
            record.finish(&mut self.ctx)?;
            return Ok(record);
        }
        let mut text: Option<Cow<'a, str>> = None;
        let mut stray = false;
        loop {
            // Whitespace before any text is trimmed away in the end, so it may be passed over.
            if let Some(grandchild) = self.peek_child(text.is_none()) {
                self.field(&mut record, grandchild)?;
                continue;
            }
            match self.event()? {
                Event::Start(start) => {
                    self.ctx.descend()?;
                    let grandchild = self.child(start, false)?;
                    self.field(&mut record, grandchild)?;
                }
                Event::Empty(start) => {
                    self.ctx.descend()?;
                    self.ctx.ascend();
                    let grandchild = self.child(start, true)?;
                    self.field(&mut record, grandchild)?;
                }
                Event::End(_) => {
                    self.ctx.ascend();
                    break;
                }
                Event::Text(piece) => append(&mut text, piece.xml10_content()),
                Event::CData(piece) => append(&mut text, piece.xml10_content()),
                Event::GeneralRef(reference) => {
                    let c = self.resolve(&reference)?;
                    append(&mut text, Cow::Owned(c.to_string()));
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Err(self.truncated()),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.error("a declaration inside the document"));
                }
            }
        }
        if let Some(text) = text.map(trim_cow).filter(|text| !text.is_empty()) {
            stray = !record.text_content(text.into_owned(), &mut self.ctx)?;
        }
        if stray {
            self.ctx.deviate(DeviationKind::StrayText)?;
        }
        record.finish(&mut self.ctx)?;
        Ok(record)
    }

    fn field<T: Record>(&mut self, record: &mut T, child: Child<'a>) -> Result<(), Error> {
        let name = child.name;
        let mut source = XmlFields {
            input: self,
            child: Some(child),
        };
        record.field(name, &mut source)?;
        if let Some(child) = source.child.take() {
            let child = self.start_ahead(child)?;
            self.skip(child)?;
        }
        Ok(())
    }

    /// Reads the children of `child` that are named `T::ITEM` as a list.
    pub(crate) fn records<T: Record>(&mut self, child: Child<'a>) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        if child.empty {
            return Ok(items);
        }
        while let Some(grandchild) = self.next_child()? {
            if grandchild.name == T::ITEM {
                self.ctx.enter_item(T::ITEM, items.len());
                items.push(self.record(grandchild)?);
                self.ctx.leave();
            } else {
                self.ctx.deviate(DeviationKind::UnexpectedElement {
                    name: grandchild.name.to_owned(),
                })?;
                self.skip(grandchild)?;
            }
        }
        Ok(items)
    }
}

/// The fields of one record, read from XML child elements.
struct XmlFields<'i, 'a> {
    input: &'i mut XmlIn<'a>,
    child: Option<Child<'a>>,
}

impl<'a> XmlFields<'_, 'a> {
    fn structure(&mut self) -> Error {
        self.input.error("a field was read twice")
    }

    /// Takes the field's element, its start tag read.
    fn take(&mut self) -> Result<Child<'a>, Error> {
        match self.child.take() {
            Some(child) => self.input.start_ahead(child),
            None => Err(self.structure()),
        }
    }
}

impl<'a> FieldSource<'a> for XmlFields<'_, 'a> {
    fn ctx(&mut self) -> &mut Ctx {
        &mut self.input.ctx
    }

    fn scalar(&mut self) -> Result<Scalar<'a>, Error> {
        if let Some(child) = &self.child
            && let Some(text) = self.input.inline_text(child)
        {
            self.child = None;
            return Ok(text);
        }
        let child = self.take()?;
        self.input.text(child)
    }

    fn records<T: Record>(&mut self) -> Result<Vec<T>, Error> {
        let child = self.take()?;
        self.input.records(child)
    }

    fn record<T: Record>(&mut self) -> Result<T, Error> {
        let child = self.take()?;
        self.input.record(child)
    }

    fn texts(&mut self, item: &'static str) -> Result<Vec<String>, Error> {
        let child = self.take()?;
        let mut texts = Vec::new();
        if child.empty {
            return Ok(texts);
        }
        while let Some(grandchild) = self.input.next_child()? {
            if grandchild.name == item {
                if let Scalar::Text(text) = self.input.text(grandchild)? {
                    texts.push(text.into_owned());
                }
            } else {
                self.input.ctx.deviate(DeviationKind::UnexpectedElement {
                    name: grandchild.name.to_owned(),
                })?;
                self.input.skip(grandchild)?;
            }
        }
        Ok(texts)
    }

    fn value(&mut self) -> Result<ExtensionValue, Error> {
        let child = self.take()?;
        self.input.value(child)
    }

    fn keep(&mut self, name: &str, extensions: &mut Extensions) -> Result<(), Error> {
        let value = self.value()?;
        extensions.push(decode_name(name), value);
        Ok(())
    }
}

fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n'))
}

fn append<'a>(text: &mut Option<Cow<'a, str>>, piece: Cow<'a, str>) {
    match text {
        None => *text = Some(piece),
        Some(existing) => existing.to_mut().push_str(&piece),
    }
}

/// The length of the plain element name at the start of `bytes`, when a `>` follows it.
///
/// Plain means ASCII letters, digits, `_`, `-` and `.`, with no namespace prefix: the names of
/// the spec and of nearly every extension.
fn plain_name(bytes: &[u8]) -> Option<usize> {
    if !bytes.first()?.is_ascii_alphabetic() && bytes.first() != Some(&b'_') {
        return None;
    }
    let length = bytes
        .iter()
        .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'))
        .count();
    (bytes.get(length) == Some(&b'>')).then_some(length)
}

/// `raw` with its references replaced; `None` when one is not allowed.
fn unescape(raw: &str) -> Option<String> {
    let mut text = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((before, after)) = rest.split_once('&') {
        text.push_str(before);
        let (name, next) = after.split_once(';')?;
        text.push(reference_char(name)?);
        rest = next;
    }
    text.push_str(rest);
    Some(text)
}

/// The character `&name;` stands for: one of the five entities XML predefines, or a character
/// reference to a character XML allows. Any other entity would need a DTD, which is refused.
fn reference_char(name: &str) -> Option<char> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let number = name.strip_prefix('#')?;
            let (digits, radix) = match number.strip_prefix('x') {
                Some(hex) => (hex, 16),
                None => (number, 10),
            };
            // `from_str_radix` alone would also take a sign.
            if digits.is_empty() || !digits.bytes().all(|b| char::from(b).is_digit(radix)) {
                return None;
            }
            char::from_u32(u32::from_str_radix(digits, radix).ok()?)?
        }
    };
    is_xml_char(c).then_some(c)
}

fn trim_cow(text: Cow<'_, str>) -> Cow<'_, str> {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim_matches(is_space)),
        Cow::Owned(text) => {
            let trimmed = text.trim_matches(is_space);
            if trimmed.len() == text.len() {
                Cow::Owned(text)
            } else {
                Cow::Owned(trimmed.to_owned())
            }
        }
    }
}

fn trim_end_in_place(text: &mut String) {
    let kept = text.trim_end_matches([' ', '\t', '\r', '\n']).len();
    text.truncate(kept);
}

/// Whether XML 1.0 allows `c` in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// The output of the XML writer.
pub(crate) struct XmlOut {
    buf: String,
}

impl XmlOut {
    fn new() -> Self {
        let mut buf = String::with_capacity(4096);
        buf.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        XmlOut { buf }
    }

    pub(crate) fn open(&mut self, name: &str) {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
    }

    /// Writes `<name/>`.
    fn empty(&mut self, name: &str) {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str("/>");
    }

    /// Writes one record as an element named `T::ITEM`.
    pub(crate) fn record<T: Record>(&mut self, record: &T) {
        self.open(T::ITEM);
        let Ok(()) = record.write(self);
        self.close(T::ITEM);
    }

    /// Writes a list of records inside an element named `name`.
    pub(crate) fn list<'i, T: Record + 'i>(
        &mut self,
        name: &str,
        items: impl ExactSizeIterator<Item = &'i T>,
    ) {
        if items.len() == 0 {
            self.empty(name);
            return;
        }
        // A rough size, so that a long list is not copied again and again while it grows.
        self.buf.reserve(items.len().saturating_mul(512));
        self.open(name);
        for item in items {
            self.record(item);
        }
        self.close(name);
    }

    /// Writes `text` escaped: markup and carriage returns as references, and the characters
    /// XML 1.0 does not allow as U+FFFD. The runs between special bytes are copied whole.
    fn escaped(&mut self, text: &str) {
        let mut rest = text;
        // Markup, the C0 controls (of which XML 1.0 allows only tab, LF and CR), and 0xEF, which
        // starts U+FFFE and U+FFFF.
        while let Some(at) = first_special(rest.as_bytes(), [b'&', b'<', b'>', 0xEF]) {
            // A special byte is ASCII or 0xEF, a leading byte: `at` is a character boundary.
            let (plain, special) = rest.split_at_checked(at).unwrap_or((rest, ""));
            self.buf.push_str(plain);
            let mut chars = special.chars();
            match chars.next() {
                Some('&') => self.buf.push_str("&amp;"),
                Some('<') => self.buf.push_str("&lt;"),
                Some('>') => self.buf.push_str("&gt;"),
                Some('\r') => self.buf.push_str("&#13;"),
                Some(c) if is_xml_char(c) => self.buf.push(c),
                Some(_) => self.buf.push('\u{FFFD}'),
                None => {}
            }
            rest = chars.as_str();
        }
        self.buf.push_str(rest);
    }

    fn element(&mut self, name: &str, text: &str) {
        self.open(name);
        self.escaped(text);
        self.close(name);
    }

    fn extension(&mut self, name: &str, value: &ExtensionValue) {
        let name = xml_name(name);
        match value {
            ExtensionValue::Null => self.empty(&name),
            ExtensionValue::Bool(value) => {
                self.element(&name, if *value { "true" } else { "false" })
            }
            ExtensionValue::Number(number) => self.element(&name, &number.to_string()),
            ExtensionValue::Text(text) => self.element(&name, text),
            ExtensionValue::List(items) => {
                for item in items {
                    self.extension(&name, item);
                }
            }
            ExtensionValue::Map(entries) => {
                self.open(&name);
                for entry in entries {
                    self.extension(&entry.name, &entry.value);
                }
                self.close(&name);
            }
        }
    }
}

/// Appends `value` as a decimal: the shortest digits that read back as the same `f64`.
///
/// zmij finds them in about half the time `Display` takes. The two agree on every value except
/// one exactly halfway between two shortest forms, where zmij, like the JSON writer, takes the
/// even digit: 274211171985320.125 is written `274211171985320.12`, where `Display` writes
/// `.13`; both read back the same. Exponent forms, which an XML decimal does not allow, and
/// values that are not finite are left to `Display`.
fn decimal(buf: &mut String, value: f64) {
    let mut digits = zmij::Buffer::new();
    match value.is_finite().then(|| digits.format_finite(value)) {
        // zmij writes whole numbers with `.0`, as JSON does; `Display` without.
        Some(text) if !text.contains('e') => buf.push_str(text.strip_suffix(".0").unwrap_or(text)),
        _ => {
            let _ = write!(buf, "{value}");
        }
    }
}

/// `name` as an XML element name.
///
/// A character that XML 1.0 does not allow in a name, a `:` (which would read as a namespace
/// prefix), and a `_` that starts something looking like an escape are written as `_xHHHH_`
/// (eight hex digits above U+FFFF), the convention of XML Schema tools; [`decode_name`]
/// reverses it, so a JSON key survives a trip through XML. An empty name is written as `_`.
fn xml_name(name: &str) -> Cow<'_, str> {
    let needs_escape = |index: usize, c: char| {
        let allowed = if index == 0 {
            is_name_start(c)
        } else {
            is_name_char(c)
        };
        !allowed || (c == '_' && escape_at(&name[index..]).is_some())
    };
    if name.is_empty() {
        return Cow::Borrowed("_");
    }
    if !name.char_indices().any(|(index, c)| needs_escape(index, c)) {
        return Cow::Borrowed(name);
    }
    let mut encoded = String::with_capacity(name.len() + 8);
    for (index, c) in name.char_indices() {
        if needs_escape(index, c) {
            let code = u32::from(c);
            if code > 0xFFFF {
                encoded.push_str(&format!("_x{code:08X}_"));
            } else {
                encoded.push_str(&format!("_x{code:04X}_"));
            }
        } else {
            encoded.push(c);
        }
    }
    Cow::Owned(encoded)
}

/// Reads back the `_xHHHH_` escapes of [`xml_name`].
///
/// Only an escape the writer would have written is read as one: `_x0073_` for an `s` at the
/// start of a name stays as it is, so no element name turns into another one, such as a field
/// of the spec.
fn decode_name(name: &str) -> String {
    if !name.contains("_x") {
        return name.to_owned();
    }
    let mut decoded = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        if let Some((escaped, length)) = escape_at(rest) {
            let allowed = if decoded.is_empty() {
                is_name_start(escaped)
            } else {
                is_name_char(escaped)
            };
            let written_escaped = !allowed
                || (escaped == '_' && escape_at(&format!("_{}", &rest[length..])).is_some());
            if written_escaped {
                decoded.push(escaped);
                rest = &rest[length..];
                continue;
            }
        }
        decoded.push(c);
        rest = &rest[c.len_utf8()..];
    }
    decoded
}

/// The character and length of an `_xHHHH_` or `_xHHHHHHHH_` escape at the start of `text`.
fn escape_at(text: &str) -> Option<(char, usize)> {
    let digits = text.strip_prefix("_x")?;
    [4, 8].into_iter().find_map(|count| {
        let hex = digits.get(..count)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit())
            || digits.as_bytes().get(count) != Some(&b'_')
        {
            return None;
        }
        let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
        Some((c, count + 3))
    })
}

/// Whether XML 1.0 lets a name start with `c` (`:` left out, as for namespaces).
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// Whether XML 1.0 allows `c` after the first character of a name.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

impl FieldSink for XmlOut {
    type Error = Infallible;

    fn text(&mut self, name: &str, value: &str) -> Result<(), Infallible> {
        self.element(name, value);
        Ok(())
    }

    fn boolean(&mut self, name: &str, value: bool) -> Result<(), Infallible> {
        self.element(name, if value { "true" } else { "false" });
        Ok(())
    }

    fn float(&mut self, name: &str, value: f64) -> Result<(), Infallible> {
        self.open(name);
        decimal(&mut self.buf, value);
        self.close(name);
        Ok(())
    }

    fn integer(&mut self, name: &str, value: u64) -> Result<(), Infallible> {
        self.open(name);
        let _ = write!(self.buf, "{value}");
        self.close(name);
        Ok(())
    }

    fn datetime(&mut self, name: &str, value: &Datetime) -> Result<(), Infallible> {
        self.open(name);
        datetime::write_to(&mut self.buf, value);
        self.close(name);
        Ok(())
    }

    fn numeric_text(&mut self, name: &str, value: &str) -> Result<(), Infallible> {
        self.element(name, value);
        Ok(())
    }

    fn records<T: Record + serde::Serialize>(
        &mut self,
        name: &str,
        items: &[T],
    ) -> Result<(), Infallible> {
        self.list(name, items.iter());
        Ok(())
    }

    fn texts(&mut self, name: &str, item: &str, values: &[String]) -> Result<(), Infallible> {
        if values.is_empty() {
            self.empty(name);
            return Ok(());
        }
        self.open(name);
        for value in values {
            self.element(item, value);
        }
        self.close(name);
        Ok(())
    }

    fn extensions(&mut self, extensions: &Extensions) -> Result<(), Infallible> {
        for entry in extensions {
            self.extension(&entry.name, &entry.value);
        }
        Ok(())
    }
}
