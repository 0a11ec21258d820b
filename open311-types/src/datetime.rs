//! W3C datetimes, as the spec requires them, and the variants real servers send.
//!
//! The spec asks for the W3C profile of ISO 8601 with an offset: `2010-04-14T06:37:38-08:00`
//! or `...Z`. A value is kept as `DateTime<FixedOffset>`, so the offset the server sent
//! survives decoding and encoding.
//!
//! [`parse`] reads that form (seconds and fractions optional, as W3C-DTF allows). The lenient
//! decoders also read the forms servers send instead, each reported as a deviation: no offset
//! (read as UTC), a space for `T`, no seconds, unpadded fields, and compact offsets (`+0200`).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike};

use crate::deviation::DeviationKind;

/// A datetime with the offset the server gave.
pub type Datetime = DateTime<FixedOffset>;

/// Why a text is not a datetime.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatetimeError {
    /// The text does not have the shape of a datetime.
    #[error("not a W3C datetime: {0:?}")]
    Malformed(String),
    /// The text has the shape but a form the spec does not allow, such as no offset.
    #[error("datetime {text:?} is not in the spec's form: {kind}")]
    NotW3c {
        /// The text.
        text: String,
        /// What is wrong with it.
        kind: DeviationKind,
    },
}

/// Reads a W3C datetime with an offset, such as `2010-01-01T00:00:00Z`.
///
/// Seconds and fractions of a second may be left out, as W3C-DTF allows; an offset may not.
///
/// ```
/// let t = open311_types::datetime::parse("2010-04-14T06:37:38-08:00").unwrap();
/// assert_eq!(t.offset().local_minus_utc(), -8 * 3600);
/// assert!(open311_types::datetime::parse("2010-04-14T06:37").is_err());
/// assert!(open311_types::datetime::parse("2010-04-14T06:37Z").is_ok());
/// ```
///
/// # Errors
///
/// [`DatetimeError::Malformed`] for text that is no datetime, and [`DatetimeError::NotW3c`] for
/// one in a form the lenient decoders read but the spec does not allow.
pub fn parse(text: &str) -> Result<Datetime, DatetimeError> {
    let parsed = parse_any(text)?;
    if parsed.is_spec_form() {
        return Ok(parsed.value);
    }
    match parsed
        .deviations()
        .find(|kind| *kind != DeviationKind::DatetimeShortForm)
    {
        Some(kind) => Err(DatetimeError::NotW3c {
            text: text.to_owned(),
            kind,
        }),
        None if parsed.compact_offset || parsed.unpadded => Err(DatetimeError::NotW3c {
            text: text.to_owned(),
            kind: DeviationKind::DatetimeShortForm,
        }),
        None => Ok(parsed.value),
    }
}

/// Reads any datetime form the lenient decoders accept, with the deviations it shows.
///
/// ```
/// use open311_types::DeviationKind;
///
/// let (t, deviations) = open311_types::datetime::parse_lenient("2012-05-22 23:57:23.97").unwrap();
/// assert_eq!(t.to_rfc3339(), "2012-05-22T23:57:23.970+00:00");
/// assert!(deviations.contains(&DeviationKind::DatetimeWithoutOffset));
/// assert!(deviations.contains(&DeviationKind::DatetimeSpaceSeparator));
/// ```
///
/// # Errors
///
/// [`DatetimeError::Malformed`] when the text is not a datetime in any known form.
pub fn parse_lenient(text: &str) -> Result<(Datetime, Vec<DeviationKind>), DatetimeError> {
    let parsed = parse_any(text)?;
    Ok((parsed.value, parsed.deviations().collect()))
}

/// Writes `value` in the spec's form: seconds always, fractions only when present, `Z` for UTC.
///
/// ```
/// let t = open311_types::datetime::parse("2010-04-14T06:37-08:00").unwrap();
/// assert_eq!(open311_types::datetime::format(&t), "2010-04-14T06:37:00-08:00");
/// ```
pub fn format(value: &Datetime) -> String {
    // The longest form: nine digits of fraction and an offset.
    let mut out = String::with_capacity(35);
    write_to(&mut out, value);
    out
}

/// Appends `value` in the spec's form to `out`.
pub(crate) fn write_to(out: &mut String, value: &Datetime) {
    let local = value.naive_local();
    let (date, time) = (local.date(), local.time());
    let (year, month, day) = (date.year(), date.month(), date.day());
    // Years outside 0..=9999 cannot be written in the W3C profile; chrono's form is used then.
    if !(0..=9999).contains(&year) {
        out.push_str(&value.to_rfc3339());
        return;
    }
    // Written two digits at a time from a table: this is on every encoder's hot path, and
    // `write!` takes several times as long.
    out.reserve(35);
    let year = year as u32;
    two_digits(out, year / 100);
    two_digits(out, year % 100);
    out.push('-');
    two_digits(out, month);
    out.push('-');
    two_digits(out, day);
    out.push('T');
    two_digits(out, time.hour());
    out.push(':');
    two_digits(out, time.minute());
    out.push(':');
    two_digits(out, time.second());
    // A leap second's nanoseconds count from 1,000,000,000; its fraction is the rest.
    let nanos = time.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        out.push('.');
        fraction(out, nanos);
    }
    let offset = value.offset().local_minus_utc();
    if offset == 0 {
        out.push('Z');
    } else {
        out.push(if offset < 0 { '-' } else { '+' });
        let minutes = offset.unsigned_abs() / 60;
        two_digits(out, minutes / 60);
        out.push(':');
        two_digits(out, minutes % 60);
    }
}

/// Appends `nanos` (not zero) as the digits of a fraction of a second: three for whole
/// milliseconds, six for whole microseconds, nine otherwise.
fn fraction(out: &mut String, nanos: u32) {
    let digit = |value: u32| char::from(b'0' + (value % 10) as u8);
    if nanos.is_multiple_of(1_000_000) {
        let millis = nanos / 1_000_000;
        out.push(digit(millis / 100));
        two_digits(out, millis % 100);
    } else if nanos.is_multiple_of(1_000) {
        let micros = nanos / 1_000;
        two_digits(out, micros / 10_000);
        two_digits(out, micros / 100 % 100);
        two_digits(out, micros % 100);
    } else {
        out.push(digit(nanos / 100_000_000));
        two_digits(out, nanos / 1_000_000 % 100);
        two_digits(out, nanos / 10_000 % 100);
        two_digits(out, nanos / 100 % 100);
        two_digits(out, nanos % 100);
    }
}

/// Appends the last two decimal digits of `value`.
fn two_digits(out: &mut String, value: u32) {
    const PAIRS: &str = "\
        0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243\
        4445464748495051525354555657585960616263646566676869707172737475767778798081828384858687\
        888990919293949596979899";
    let at = (value % 100) as usize * 2;
    out.push_str(PAIRS.get(at..at + 2).unwrap_or_default());
}

/// A datetime with what was unusual about its text.
pub(crate) struct Parsed {
    pub(crate) value: Datetime,
    no_offset: bool,
    space: bool,
    no_seconds: bool,
    unpadded: bool,
    compact_offset: bool,
}

impl Parsed {
    /// Whether the text was in the spec's form, with nothing to report.
    pub(crate) fn is_spec_form(&self) -> bool {
        !(self.no_offset || self.space || self.no_seconds || self.unpadded || self.compact_offset)
    }

    pub(crate) fn deviations(&self) -> impl Iterator<Item = DeviationKind> {
        let short = self.no_seconds || self.unpadded || self.compact_offset;
        [
            (self.no_offset, DeviationKind::DatetimeWithoutOffset),
            (self.space, DeviationKind::DatetimeSpaceSeparator),
            (short, DeviationKind::DatetimeShortForm),
        ]
        .into_iter()
        .filter_map(|(present, kind)| present.then_some(kind))
    }
}

/// A cursor over the ASCII bytes of a datetime.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    /// Reads 1 to `max` digits; returns the number and how many digits there were.
    fn digits(&mut self, max: usize) -> Option<(u32, usize)> {
        let start = self.at;
        let mut value = 0u32;
        while self.at - start < max {
            match self.bytes.get(self.at) {
                Some(byte @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(byte - b'0');
                    self.at += 1;
                }
                _ => break,
            }
        }
        let count = self.at - start;
        (count > 0).then_some((value, count))
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

fn parse_any(text: &str) -> Result<Parsed, DatetimeError> {
    scan(text).ok_or_else(|| DatetimeError::Malformed(text.to_owned()))
}

/// Reads any form the lenient decoders accept; `None` when the text is no datetime.
pub(crate) fn scan(text: &str) -> Option<Parsed> {
    match scan_spec_form(text.as_bytes()) {
        Some(value) => Some(Parsed {
            value,
            no_offset: false,
            space: false,
            no_seconds: false,
            unpadded: false,
            compact_offset: false,
        }),
        None => scan_any_form(text),
    }
}

/// Reads every form [`scan`] accepts, one part at a time.
fn scan_any_form(text: &str) -> Option<Parsed> {
    let mut s = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut unpadded = false;
    let (year, year_digits) = s.digits(4)?;
    if year_digits != 4 || !s.eat(b'-') {
        return None;
    }
    let (month, month_digits) = s.digits(2)?;
    if !s.eat(b'-') {
        return None;
    }
    let (day, day_digits) = s.digits(2)?;
    unpadded |= month_digits != 2 || day_digits != 2;
    let space = match s.peek()? {
        b'T' | b't' => false,
        b' ' => true,
        _ => return None,
    };
    s.at += 1;
    let (hour, hour_digits) = s.digits(2)?;
    if !s.eat(b':') {
        return None;
    }
    let (minute, minute_digits) = s.digits(2)?;
    unpadded |= hour_digits != 2 || minute_digits != 2;
    let mut second = 0;
    let mut nanos = 0;
    let no_seconds = !s.eat(b':');
    if !no_seconds {
        let (value, digits) = s.digits(2)?;
        if digits != 2 {
            return None;
        }
        second = value;
        if s.eat(b'.') || s.eat(b',') {
            let (fraction, digits) = s.digits(9)?;
            if matches!(s.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            nanos = fraction * 10u32.pow(9 - digits as u32);
        }
    }
    let mut compact_offset = false;
    let offset_seconds = match s.peek() {
        None => None,
        Some(b'Z' | b'z') => {
            s.at += 1;
            Some(0)
        }
        Some(sign @ (b'+' | b'-')) => {
            s.at += 1;
            let (hours, hour_digits) = s.digits(2)?;
            if hour_digits != 2 {
                return None;
            }
            let minutes = if s.eat(b':') {
                let (minutes, digits) = s.digits(2)?;
                (digits == 2).then_some(minutes)?
            } else {
                compact_offset = true;
                match s.digits(2) {
                    Some((minutes, 2)) => minutes,
                    Some(_) => return None,
                    None => 0,
                }
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let magnitude = (hours * 3600 + minutes * 60) as i32;
            Some(if sign == b'-' { -magnitude } else { magnitude })
        }
        Some(_) => return None,
    };
    if !s.done() {
        return None;
    }
    let value = build(
        [year, month, day, hour, minute, second],
        nanos,
        offset_seconds.unwrap_or(0),
    )?;
    Some(Parsed {
        value,
        no_offset: offset_seconds.is_none(),
        space,
        no_seconds,
        unpadded,
        compact_offset,
    })
}

/// Reads the form servers send most, `YYYY-MM-DDThh:mm:ss` then `Z` or `±hh:mm`, at fixed
/// places; anything else is left to the general scanner.
fn scan_spec_form(bytes: &[u8]) -> Option<Datetime> {
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        i0,
        i1,
        b':',
        s0,
        s1,
        zone @ ..,
    ] = bytes
    else {
        return None;
    };
    let offset = match zone {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), a0, a1, b':', b0, b1] => {
            let (hours, minutes) = (two(*a0, *a1)?, two(*b0, *b1)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let magnitude = (hours * 3600 + minutes * 60) as i32;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    let year = two(*y0, *y1)? * 100 + two(*y2, *y3)?;
    let fields = [
        year,
        two(*m0, *m1)?,
        two(*d0, *d1)?,
        two(*h0, *h1)?,
        two(*i0, *i1)?,
        two(*s0, *s1)?,
    ];
    build(fields, 0, offset)
}

/// The number two ASCII digits make.
fn two(tens: u8, ones: u8) -> Option<u32> {
    if !tens.is_ascii_digit() || !ones.is_ascii_digit() {
        return None;
    }
    Some(u32::from(tens - b'0') * 10 + u32::from(ones - b'0'))
}

/// The datetime of year, month, day, hour, minute and second, nanoseconds and an offset east
/// of UTC in seconds; `None` when there is no such time, such as a 61st second.
fn build(fields: [u32; 6], nanos: u32, offset: i32) -> Option<Datetime> {
    let [year, month, day, hour, minute, second] = fields;
    if second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let local = date.and_time(NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?);
    let offset = FixedOffset::east_opt(offset)?;
    Some(DateTime::from_naive_utc_and_offset(
        local.checked_sub_offset(offset)?,
        offset,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_agrees_with_chrono_on_every_field_and_fraction() {
        let offsets = [
            0,
            -8 * 3600,
            5 * 3600 + 1800,
            14 * 3600,
            -(23 * 3600 + 59 * 60),
        ];
        let fractions = [
            0,
            7_000_000,
            120_000_000,
            999_000,
            5_000,
            1,
            123_456_789,
            999_999_999,
        ];
        // A step of 7,919 minutes and a second or so visits every value of every field.
        let start = chrono::DateTime::from_timestamp(-62_135_596_800, 0).unwrap_or_default();
        for step in 0..140_000i64 {
            let at = start + chrono::TimeDelta::seconds(step * (7_919 * 60 + 1));
            let offset = offsets[step as usize % offsets.len()];
            let nanos = fractions[step as usize % fractions.len()];
            let Some(offset) = chrono::FixedOffset::east_opt(offset) else {
                continue;
            };
            let Some(at) = at.with_nanosecond(nanos) else {
                continue;
            };
            let value = at.with_timezone(&offset);
            let expected = value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            assert_eq!(format(&value), expected);
        }
    }

    #[test]
    fn the_fixed_place_reader_agrees_with_the_general_one() {
        for text in [
            "2010-04-14T06:37:38-08:00",
            "2010-04-14T23:59:59+14:00",
            "2010-04-14T00:00:00Z",
            "2012-02-29T12:00:00+05:30",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59-23:59",
        ] {
            let fixed = scan_spec_form(text.as_bytes());
            assert!(fixed.is_some(), "{text}");
            assert_eq!(
                fixed,
                scan_any_form(text).map(|parsed| parsed.value),
                "{text}"
            );
        }
        for text in [
            "2011-02-29T12:00:00Z",
            "2010-13-01T00:00:00Z",
            "2010-04-31T00:00:00Z",
            "2010-04-14T24:00:00Z",
            "2010-04-14T23:60:00Z",
            "2010-04-14T23:59:60Z",
            "2010-04-14T06:37:38+24:00",
            "2010-04-14T06:37:38-08:60",
            "2010-04-14T06:37:3aZ",
        ] {
            assert!(scan_spec_form(text.as_bytes()).is_none(), "{text}");
            assert!(scan_any_form(text).is_none(), "{text}");
        }
    }

    fn lenient(text: &str) -> (String, Vec<DeviationKind>) {
        let (value, deviations) = parse_lenient(text).unwrap();
        (format(&value), deviations)
    }

    #[test]
    fn spec_forms_round_trip() {
        for text in [
            "1994-11-05T08:15:30-05:00",
            "1994-11-05T13:15:30Z",
            "2010-04-14T06:37:38+05:30",
            "2015-07-27T16:24:19.500-07:00",
            "2015-07-27T16:24:19.000001Z",
            "2015-07-27T16:24:19.123456789Z",
        ] {
            assert_eq!(format(&parse(text).unwrap()), text);
        }
    }

    #[test]
    fn offset_is_kept() {
        let t = parse("2010-04-14T06:37:38-08:00").unwrap();
        assert_eq!(t.offset().local_minus_utc(), -28_800);
        assert_eq!(format(&t), "2010-04-14T06:37:38-08:00");
    }

    #[test]
    fn minutes_without_seconds_are_w3c() {
        assert_eq!(
            format(&parse("2010-01-01T00:00Z").unwrap()),
            "2010-01-01T00:00:00Z"
        );
    }

    #[test]
    fn strict_refuses_lenient_forms() {
        for text in [
            "2010-01-01T00:00:00",
            "2010-01-01 00:00:00Z",
            "2011-09-1T17:35:00Z",
            "2010-01-01T00:00:00+0200",
        ] {
            assert!(
                matches!(parse(text), Err(DatetimeError::NotW3c { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn lenient_forms_report_deviations() {
        let (text, deviations) = lenient("2012-05-22 23:57:23.97");
        assert_eq!(text, "2012-05-22T23:57:23.970Z");
        assert_eq!(
            deviations,
            [
                DeviationKind::DatetimeWithoutOffset,
                DeviationKind::DatetimeSpaceSeparator
            ]
        );
        let (text, deviations) = lenient("2011-09-1 17:35");
        assert_eq!(text, "2011-09-01T17:35:00Z");
        assert!(deviations.contains(&DeviationKind::DatetimeShortForm));
        let (text, _) = lenient("2010-01-01T00:00:00+0200");
        assert_eq!(text, "2010-01-01T00:00:00+02:00");
    }

    #[test]
    fn nonsense_is_malformed() {
        for text in [
            "",
            "2010",
            "2010-01-01",
            "2010-13-01T00:00:00Z",
            "2010-02-30T00:00:00Z",
            "2010-01-01T24:00:00Z",
            "2010-01-01T23:59:60Z",
            "2010-01-01T00:00:00+24:00",
            "2010-01-01T00:00:00.1234567891Z",
            "2010-01-01T00:00:00Zjunk",
            "２０１０-01-01T00:00:00Z",
        ] {
            assert!(
                matches!(parse_lenient(text), Err(DatetimeError::Malformed(_))),
                "{text}"
            );
        }
    }
}
