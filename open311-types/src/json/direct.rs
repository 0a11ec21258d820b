//! The fast path of the JSON reader: a cursor over the text that reads documents without serde.
//!
//! It takes the same grammar as serde_json, and builds the same values and deviations through
//! the same [`Record`] code, as the serde reader in the parent module. It gives up at the
//! first thing it does not take: any error, strict mode's first deviation, or a shape it
//! leaves to serde (a root that is neither a list nor an object, a key with escapes, nesting
//! deeper than [`MAX_NESTING`]). The caller then reads the document again with serde, whose
//! answer stands. So this reader never has to be right about a bad document, only to agree
//! with serde on a good one; the tests hold it to that on every fixture and on generated and
//! damaged documents, and the JSON fuzz target on arbitrary ones.

use std::borrow::Cow;

use serde_json::Number;

use super::{list_from_text, push_text, text_as_list, wraps};
use crate::codec::{Ctx, FieldSource, Record, Scalar, first_special};
use crate::deviation::DeviationKind;
use crate::error::{Error, Format, Position};
use crate::extension::{Extension, ExtensionValue};

/// The deepest nesting of arrays and objects the direct reader takes; serde_json stops at 128,
/// so anything deeper is left to it.
const MAX_NESTING: usize = 100;

/// The direct reader gave up. It carries nothing, so that the reader's results stay small
/// enough to pass in registers; the serde reader's answer replaces it.
#[derive(Debug)]
pub(crate) struct GiveUp;

impl From<Error> for GiveUp {
    fn from(_: Error) -> Self {
        GiveUp
    }
}

impl From<GiveUp> for Error {
    fn from(GiveUp: GiveUp) -> Self {
        Error::Syntax {
            format: Format::Json,
            position: Position::Unknown,
            message: "left to the serde reader".into(),
        }
    }
}

/// A position in one JSON document, already checked to be UTF-8.
pub(crate) struct Reader<'de> {
    text: &'de str,
    pos: usize,
    /// Arrays and objects open around the position.
    nesting: usize,
}

impl<'de> Reader<'de> {
    pub(crate) fn new(text: &'de str) -> Self {
        Reader {
            text,
            pos: 0,
            nesting: 0,
        }
    }

    /// The text from the position on.
    fn rest(&self) -> &'de str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    /// Whether only whitespace follows the root value.
    pub(crate) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Reads a list document: as the serde reader's `RootList`.
    pub(crate) fn list_document<T: Record>(
        &mut self,
        ctx: &mut Ctx,
        root: &'static str,
        aliases: &'static [&'static str],
    ) -> Result<Vec<T>, GiveUp> {
        match self.peek() {
            Some(b'[') => {
                ctx.enter(root);
                let items = self.items(ctx)?;
                ctx.leave();
                Ok(items)
            }
            Some(b'{') => {
                self.open()?;
                let Some(key) = self.first_key()? else {
                    ctx.deviate(DeviationKind::SingleItemForList)?;
                    return Ok(Vec::new());
                };
                if wraps(key, root, aliases) {
                    ctx.deviate(DeviationKind::WrappedJsonRoot {
                        key: key.to_owned(),
                    })?;
                    ctx.enter(root);
                    let items = self.list(ctx)?;
                    ctx.leave();
                    self.skip_rest(ctx)?;
                    return Ok(items);
                }
                ctx.deviate(DeviationKind::SingleItemForList)?;
                ctx.enter_item(T::ITEM, 0);
                let item = self.fields(ctx, Some(key))?;
                ctx.leave();
                Ok(vec![item])
            }
            _ => Err(GiveUp),
        }
    }

    /// Reads a single-record document: as the serde reader's `RootRecord`, except that a list
    /// at the root is left to it.
    pub(crate) fn record_document<T: Record>(&mut self, ctx: &mut Ctx) -> Result<T, GiveUp> {
        if self.peek() != Some(b'{') {
            return Err(GiveUp);
        }
        self.open()?;
        ctx.enter(T::ITEM);
        let key = self.first_key()?;
        let record = if key == Some(T::ITEM) {
            ctx.deviate(DeviationKind::WrappedJsonRoot {
                key: T::ITEM.to_owned(),
            })?;
            let record = self.object(ctx)?;
            self.skip_rest(ctx)?;
            record
        } else {
            self.fields(ctx, key)?
        };
        ctx.leave();
        Ok(record)
    }

    /// Reads a list of records where one belongs: as the serde reader's `ListSeed`.
    fn list<T: Record>(&mut self, ctx: &mut Ctx) -> Result<Vec<T>, GiveUp> {
        match self.peek() {
            Some(b'[') => self.items(ctx),
            Some(b'{') => {
                ctx.deviate(DeviationKind::SingleItemForList)?;
                ctx.enter_item(T::ITEM, 0);
                let item = self.object(ctx)?;
                ctx.leave();
                Ok(vec![item])
            }
            Some(b'n') => {
                self.literal("null")?;
                Ok(Vec::new())
            }
            Some(b'"') => {
                let text = self.string()?;
                Ok(list_from_text(ctx, &text)?)
            }
            _ => Err(GiveUp),
        }
    }

    /// Reads an array of records.
    fn items<T: Record>(&mut self, ctx: &mut Ctx) -> Result<Vec<T>, GiveUp> {
        self.open()?;
        ctx.descend()?;
        let mut items = Vec::new();
        let mut more = self.first_item()?;
        while more {
            ctx.enter_item(T::ITEM, items.len());
            if self.peek() != Some(b'{') {
                return Err(GiveUp);
            }
            self.open()?;
            let first = self.first_key()?;
            // Filled where it will stay: a record is a few hundred bytes, worth not moving.
            items.push(T::empty());
            let record = items.last_mut().ok_or(GiveUp)?;
            self.fill(ctx, record, first)?;
            ctx.leave();
            more = self.next_item()?;
        }
        ctx.ascend();
        Ok(items)
    }

    /// Reads one object as a record.
    fn object<T: Record>(&mut self, ctx: &mut Ctx) -> Result<T, GiveUp> {
        if self.peek() != Some(b'{') {
            return Err(GiveUp);
        }
        self.open()?;
        let first = self.first_key()?;
        self.fields(ctx, first)
    }

    /// Reads the fields of an open object as a record; `first` is its first key, already read.
    fn fields<T: Record>(&mut self, ctx: &mut Ctx, first: Option<&'de str>) -> Result<T, GiveUp> {
        let mut record = T::empty();
        self.fill(ctx, &mut record, first)?;
        Ok(record)
    }

    /// Reads the fields of an open object into `record`, which is empty; `first` is its first
    /// key, already read.
    fn fill<T: Record>(
        &mut self,
        ctx: &mut Ctx,
        record: &mut T,
        first: Option<&'de str>,
    ) -> Result<(), GiveUp> {
        ctx.descend()?;
        let mut key = first;
        while let Some(name) = key {
            let mut fields = Fields {
                reader: self,
                ctx,
                consumed: false,
            };
            record.field(name, &mut fields)?;
            if !fields.consumed {
                // A field the record leaves alone is skipped, as serde skips it.
                self.value(ctx)?;
            }
            key = self.next_key()?;
        }
        record.finish(ctx)?;
        ctx.ascend();
        Ok(())
    }

    /// Skips the remaining members of an object, as serde does after a wrapped root.
    fn skip_rest(&mut self, ctx: &mut Ctx) -> Result<(), GiveUp> {
        while self.next_key()?.is_some() {
            self.value(ctx)?;
        }
        Ok(())
    }

    /// Reads one value of any kind as a [`Scalar`]: as the serde reader's `ScalarSeed`.
    fn scalar(&mut self, ctx: &mut Ctx) -> Result<Scalar<'de>, GiveUp> {
        Ok(match self.peek() {
            Some(b'"') => Scalar::Text(self.string()?),
            Some(b'-' | b'0'..=b'9') => Scalar::Number(self.number()?),
            Some(b't') => self.literal("true").map(|()| Scalar::Bool(true))?,
            Some(b'f') => self.literal("false").map(|()| Scalar::Bool(false))?,
            Some(b'n') => self.literal("null").map(|()| Scalar::Null)?,
            Some(b'[' | b'{') => Scalar::Complex(self.value(ctx)?),
            _ => return Err(GiveUp),
        })
    }

    /// Reads one value of any kind as an [`ExtensionValue`]: as the serde reader's `ValueSeed`.
    fn value(&mut self, ctx: &mut Ctx) -> Result<ExtensionValue, GiveUp> {
        Ok(match self.peek() {
            Some(b'[') => {
                self.open()?;
                ctx.descend()?;
                let mut items = Vec::new();
                let mut more = self.first_item()?;
                while more {
                    items.push(self.value(ctx)?);
                    more = self.next_item()?;
                }
                ctx.ascend();
                ExtensionValue::List(items)
            }
            Some(b'{') => {
                self.open()?;
                ctx.descend()?;
                let mut entries = Vec::new();
                let mut key = self.first_key()?;
                while let Some(name) = key {
                    let value = self.value(ctx)?;
                    entries.push(Extension {
                        name: name.to_owned(),
                        value,
                    });
                    key = self.next_key()?;
                }
                ctx.ascend();
                ExtensionValue::Map(entries)
            }
            _ => match self.scalar(ctx)? {
                Scalar::Null => ExtensionValue::Null,
                Scalar::Text(text) => ExtensionValue::Text(text.into_owned()),
                Scalar::Number(number) => ExtensionValue::Number(number),
                Scalar::Bool(value) => ExtensionValue::Bool(value),
                Scalar::Complex(value) => value,
            },
        })
    }

    /// Reads a list of texts: as the serde reader's `TextsSeed`.
    fn texts(&mut self, ctx: &mut Ctx) -> Result<Vec<String>, GiveUp> {
        match self.peek() {
            Some(b'[') => {
                self.open()?;
                let mut texts = Vec::new();
                let mut more = self.first_item()?;
                while more {
                    let scalar = self.scalar(ctx)?;
                    push_text(ctx, scalar, &mut texts)?;
                    more = self.next_item()?;
                }
                Ok(texts)
            }
            Some(b'"') => {
                let text = self.string()?;
                Ok(text_as_list(ctx, &text)?)
            }
            Some(b'n') => {
                self.literal("null")?;
                Ok(Vec::new())
            }
            _ => Err(GiveUp),
        }
    }

    /// Skips whitespace and returns the next byte, if any.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.pos) {
            if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(byte);
            }
            self.pos += 1;
        }
        None
    }

    /// Steps into the array or object whose bracket is at the position.
    fn open(&mut self) -> Result<(), GiveUp> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(GiveUp);
        }
        self.pos += 1;
        Ok(())
    }

    /// Steps out of an array or object whose closing bracket was just read.
    fn close(&mut self) {
        self.nesting -= 1;
    }

    /// Reads `byte` after any whitespace.
    fn expect(&mut self, byte: u8) -> Result<(), GiveUp> {
        if self.peek() != Some(byte) {
            return Err(GiveUp);
        }
        self.pos += 1;
        Ok(())
    }

    /// Whether an array just opened has an item; reads its closing bracket when it has none.
    fn first_item(&mut self) -> Result<bool, GiveUp> {
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.close();
            return Ok(false);
        }
        Ok(true)
    }

    /// Whether another item follows in an array; reads the comma or the closing bracket.
    fn next_item(&mut self) -> Result<bool, GiveUp> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b']') => {
                self.pos += 1;
                self.close();
                Ok(false)
            }
            _ => Err(GiveUp),
        }
    }

    /// The first key of an object just opened, or `None` for `{}`.
    #[inline]
    fn first_key(&mut self) -> Result<Option<&'de str>, GiveUp> {
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.close();
            return Ok(None);
        }
        self.key().map(Some).ok_or(GiveUp)
    }

    /// The next key of an object after a value, or `None` at its end.
    #[inline]
    fn next_key(&mut self) -> Result<Option<&'de str>, GiveUp> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.key().map(Some).ok_or(GiveUp)
            }
            Some(b'}') => {
                self.pos += 1;
                self.close();
                Ok(None)
            }
            _ => Err(GiveUp),
        }
    }

    /// Reads a key and the colon after it; `None` for anything else, or a key with escapes,
    /// which is left to serde.
    fn key(&mut self) -> Option<&'de str> {
        let key = self.plain_string()?;
        self.expect(b':').ok()?;
        Some(key)
    }

    /// Reads `word` (`true`, `false` or `null`) at the position.
    fn literal(&mut self, word: &str) -> Result<(), GiveUp> {
        if !self.rest().starts_with(word) {
            return Err(GiveUp);
        }
        self.pos += word.len();
        Ok(())
    }

    /// Reads a string whose opening quote is at the position; borrowed when it has no escapes.
    fn string(&mut self) -> Result<Cow<'de, str>, GiveUp> {
        let start = self.pos + 1;
        let (piece, end) = self.run(start)?;
        self.pos = end + 1;
        if self.text.as_bytes().get(end) == Some(&b'"') {
            return Ok(Cow::Borrowed(piece));
        }
        self.escaped(piece).map(Cow::Owned)
    }

    /// Reads a string without escapes whose opening quote is next; `None`, having read only
    /// whitespace, for any other value.
    fn plain_string(&mut self) -> Option<&'de str> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let (piece, end) = self.run(self.pos + 1).ok()?;
        if self.text.as_bytes().get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        Some(piece)
    }

    /// The plain run of string from `start` up to the next `"`, `\` or control character, and
    /// where that byte is.
    fn run(&self, start: usize) -> Result<(&'de str, usize), GiveUp> {
        let rest = self.text.as_bytes().get(start..).ok_or(GiveUp)?;
        let end = start + first_special(rest, [b'"', b'\\']).ok_or(GiveUp)?;
        // `"` and `\` are ASCII, so `start..end` lies on character boundaries.
        Ok((self.text.get(start..end).ok_or(GiveUp)?, end))
    }

    /// Reads the rest of a string from the byte after the plain run `before`: an escape, or a
    /// control character, which a JSON string may not hold unescaped.
    #[cold]
    fn escaped(&mut self, before: &str) -> Result<String, GiveUp> {
        let mut text = String::with_capacity(before.len() + 16);
        text.push_str(before);
        loop {
            if self.text.as_bytes().get(self.pos - 1) != Some(&b'\\') {
                return Err(GiveUp);
            }
            text.push(self.escape()?);
            let (piece, end) = self.run(self.pos)?;
            text.push_str(piece);
            self.pos = end + 1;
            if self.text.as_bytes().get(end) == Some(&b'"') {
                return Ok(text);
            }
        }
    }

    /// Reads the rest of an escape whose backslash was just read.
    fn escape(&mut self) -> Result<char, GiveUp> {
        let bytes = self.text.as_bytes();
        let Some(&letter) = bytes.get(self.pos) else {
            return Err(GiveUp);
        };
        self.pos += 1;
        Ok(match letter {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by an escaped low one.
                        if !self.rest().starts_with("\\u") {
                            return Err(GiveUp);
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(GiveUp);
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    other => other,
                };
                char::from_u32(code).ok_or(GiveUp)?
            }
            _ => return Err(GiveUp),
        })
    }

    /// Reads four hex digits.
    fn hex4(&mut self) -> Result<u32, GiveUp> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|digits| digits.bytes().all(|byte| byte.is_ascii_hexdigit()))
            .ok_or(GiveUp)?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| GiveUp)
    }

    /// Reads a number, with the value serde_json gives it: an integer that fits `u64` (or,
    /// negative, `i64`) as one, anything else as the nearest `f64`.
    fn number(&mut self) -> Result<Number, GiveUp> {
        let start = self.pos;
        let (integer_end, end) = self.number_at(start).ok_or(GiveUp)?;
        self.pos = end;
        if end == integer_end {
            let negative = self.text.as_bytes().get(start) == Some(&b'-');
            let digits = start + usize::from(negative);
            let magnitude = self
                .text
                .get(digits..integer_end)
                .and_then(|digits| digits.parse::<u64>().ok());
            match (negative, magnitude) {
                (false, Some(value)) => return Ok(Number::from(value)),
                // serde_json reads `-0` as the float -0.0.
                (true, Some(value)) if value != 0 => {
                    if let Some(value) = 0i64.checked_sub_unsigned(value) {
                        return Ok(Number::from(value));
                    }
                }
                _ => {}
            }
        }
        // Out of range (serde_json refuses infinities) or not a float: left to serde.
        self.text
            .get(start..end)
            .and_then(|number| number.parse::<f64>().ok())
            .and_then(Number::from_f64)
            .ok_or(GiveUp)
    }

    /// Reads a number with a fraction or an exponent that is next, such as a coordinate;
    /// `None`, having read only whitespace, for any other value.
    fn plain_float(&mut self) -> Option<f64> {
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return None;
        }
        let (integer_end, end) = self.number_at(self.pos)?;
        if end == integer_end {
            return None;
        }
        let value = self.text.get(self.pos..end)?.parse::<f64>().ok()?;
        // serde_json refuses a number out of range; leave it to serde to do so.
        if !value.is_finite() {
            return None;
        }
        self.pos = end;
        Some(value)
    }

    /// Where the integer part of the number at `start` ends, and where the whole number ends;
    /// `None` where the text is no JSON number.
    fn number_at(&self, start: usize) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let mut pos = start + usize::from(bytes.get(start) == Some(&b'-'));
        match bytes.get(pos) {
            Some(b'0') => pos += 1,
            Some(b'1'..=b'9') => pos += digits_at(bytes, pos),
            _ => return None,
        }
        let integer_end = pos;
        if bytes.get(pos) == Some(&b'.') {
            let fraction = digits_at(bytes, pos + 1);
            if fraction == 0 {
                return None;
            }
            pos += 1 + fraction;
        }
        if matches!(bytes.get(pos), Some(b'e' | b'E')) {
            pos += 1;
            if matches!(bytes.get(pos), Some(b'+' | b'-')) {
                pos += 1;
            }
            let exponent = digits_at(bytes, pos);
            if exponent == 0 {
                return None;
            }
            pos += exponent;
        }
        Some((integer_end, pos))
    }
}

/// The number of ASCII digits in `bytes` from `at`.
fn digits_at(bytes: &[u8], at: usize) -> usize {
    bytes.get(at..).map_or(0, |rest| {
        rest.iter().take_while(|byte| byte.is_ascii_digit()).count()
    })
}

/// The fields of one record, read from a JSON object by the direct reader.
struct Fields<'r, 'de> {
    reader: &'r mut Reader<'de>,
    ctx: &'r mut Ctx,
    /// Whether the current key's value has been read.
    consumed: bool,
}

impl<'de> FieldSource<'de> for Fields<'_, 'de> {
    fn ctx(&mut self) -> &mut Ctx {
        self.ctx
    }

    fn scalar(&mut self) -> Result<Scalar<'de>, Error> {
        self.consumed = true;
        Ok(self.reader.scalar(self.ctx)?)
    }

    fn records<T: Record>(&mut self) -> Result<Vec<T>, Error> {
        self.consumed = true;
        Ok(self.reader.list(self.ctx)?)
    }

    fn record<T: Record>(&mut self) -> Result<T, Error> {
        self.consumed = true;
        Ok(self.reader.object(self.ctx)?)
    }

    fn texts(&mut self, _item: &'static str) -> Result<Vec<String>, Error> {
        self.consumed = true;
        Ok(self.reader.texts(self.ctx)?)
    }

    fn value(&mut self) -> Result<ExtensionValue, Error> {
        self.consumed = true;
        Ok(self.reader.value(self.ctx)?)
    }

    fn plain_text(&mut self) -> Option<&'de str> {
        let text = self.reader.plain_string()?;
        self.consumed = true;
        Some(text)
    }

    fn plain_float(&mut self) -> Option<f64> {
        let value = self.reader.plain_float()?;
        self.consumed = true;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` as one number with the direct reader, `None` where it gives up.
    fn number(text: &str) -> Option<Number> {
        let mut reader = Reader::new(text);
        let number = reader.number().ok()?;
        reader.at_end().then_some(number)
    }

    /// Reads `text` as one string with the direct reader, `None` where it gives up.
    fn string(text: &str) -> Option<String> {
        let mut reader = Reader::new(text);
        let string = reader.string().ok()?.into_owned();
        reader.at_end().then_some(string)
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "-0.0",
            "1",
            "-1",
            "37.7749295",
            "-122.4194155",
            "1e3",
            "1E+3",
            "-1e-3",
            "1.5e300",
            "4.9e-324",
            "1e-400",
            "-1e-400",
            "9007199254740993",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "0.30000000000000004",
            "2.2250738585072011e-308",
        ]
        .map(str::to_owned)
        .to_vec();
        // Floats from all over the range, in both of Rust's notations, from a fixed sequence.
        let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..4000 {
            bits = bits.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let value = f64::from_bits(bits);
            if value.is_finite() {
                texts.push(format!("{value}"));
                texts.push(format!("{value:e}"));
            }
            texts.push(format!("{}", bits >> (bits % 64)));
        }
        for text in &texts {
            let float = Reader::new(text).plain_float();
            let is_float = text.contains(['.', 'e', 'E']);
            assert_eq!(float.is_some(), is_float, "{text}");
            if let Some(value) = float {
                assert_eq!(Number::from_f64(value), number(text), "{text}");
            }
            let directly = number(text);
            let by_serde = serde_json::from_str::<Number>(text).ok();
            assert!(directly.is_some(), "{text} left to serde");
            assert_eq!(directly, by_serde, "{text}");
        }
        for text in [
            "1e400", "-1e400", "01", "1.", ".5", "-", "1e", "1e+", "+1", "0x10",
        ] {
            assert_eq!(number(text), None, "{text}");
            assert!(serde_json::from_str::<Number>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn strings_read_as_serde_json_reads_them() {
        for text in [
            r#""""#,
            r#""plain""#,
            r#""café, straße, 東京""#,
            r#""a \"quoted\" \\ back\/slash""#,
            r#""\b\f\n\r\t""#,
            r#""\u00e9\u00E9 \u0000 \ud83d\ude00""#,
            r#""exactly8""#,
            r#""sixteen bytes..""#,
            r#""\u2028\u2029 and \uffff""#,
        ] {
            assert_eq!(
                string(text).as_deref(),
                Some(serde_json::from_str::<String>(text).unwrap().as_str()),
                "{text}"
            );
        }
        for text in [
            "\"unterminated",
            "\"tab\tinside\"",
            "\"new\nline\"",
            r#""\ud800""#,
            r#""\ud800\u0041""#,
            r#""\udc00""#,
            r#""\x""#,
            r#""\u12""#,
        ] {
            assert_eq!(string(text), None, "{text}");
            assert!(serde_json::from_str::<String>(text).is_err(), "{text}");
        }
    }
}
