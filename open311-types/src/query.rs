//! The arguments of GET requests: which service requests to list.
//!
//! [`RequestQuery::to_query_string`] writes a query for a client and [`RequestQuery::parse`]
//! reads one for a server. Lists are comma-separated, as the spec has them, and may also be
//! given by repeating the parameter. An item is split off at a literal comma before it is
//! percent-decoded, so an identifier holding a comma travels as `%2C`.
//!
//! What the parameters mean for the result (the 90-day window, `service_request_id` overriding
//! the other filters, the 1,000-result cap) is for the server to apply; this module only reads
//! and writes them.

use crate::datetime::{self, Datetime};
use crate::form::{
    Encoder, FormError, FormErrorKind, FormLimits, check_identifier, percent_decode, split_pair,
};
use crate::id::{JurisdictionId, ServiceCode, ServiceRequestId};
use crate::request::Status;

/// The arguments of GET requests, the v2.1 draft's `updated_after`/`updated_before`, and the
/// paging extension's `page`/`page_size`.
///
/// ```
/// use open311_types::{RequestQuery, Status};
/// use open311_types::form::FormLimits;
///
/// let mut query = RequestQuery::default();
/// query.service_codes = vec!["001".into(), "a,b".into()];
/// query.statuses = vec![Status::Open];
/// query.start_date = Some(open311_types::datetime::parse("2010-05-24T00:00:00Z").unwrap());
/// let text = query.to_query_string();
/// assert_eq!(text, "service_code=001,a%2Cb&status=open&start_date=2010-05-24T00%3A00%3A00Z");
/// assert_eq!(RequestQuery::parse(text.as_bytes(), &FormLimits::default()).unwrap(), query);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestQuery {
    /// `jurisdiction_id`, for endpoints that serve several cities.
    pub jurisdiction_id: Option<JurisdictionId>,
    /// `service_request_id`: these requests only; overrides every other filter.
    pub service_request_ids: Vec<ServiceRequestId>,
    /// `service_code`: requests of these services only.
    pub service_codes: Vec<ServiceCode>,
    /// `status`: requests with these statuses only.
    pub statuses: Vec<Status>,
    /// `start_date`: requested at or after.
    pub start_date: Option<Datetime>,
    /// `end_date`: requested at or before.
    pub end_date: Option<Datetime>,
    /// `updated_after`: updated at or after (v2.1 draft).
    pub updated_after: Option<Datetime>,
    /// `updated_before`: updated at or before (v2.1 draft).
    pub updated_before: Option<Datetime>,
    /// `page`: which page, from 1 (paging extension).
    pub page: Option<u32>,
    /// `page_size`: how many per page (paging extension).
    pub page_size: Option<u32>,
    /// `extensions=true`: ask for extended attributes (extensions page).
    pub extensions: Option<bool>,
    /// Other parameters, in the order given; an `api_key` is never kept.
    pub extra: Vec<(String, String)>,
}

/// How a query writes its datetimes; servers differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryDatetimes {
    /// The spec's form, with the offset each datetime has: `2010-05-24T00:00:00-07:00`.
    #[default]
    Offset,
    /// In UTC with `Z`: `2010-05-24T07:00:00Z`.
    Utc,
    /// The datetime's own local time without any offset, for servers that refuse one
    /// (Chicago): `2010-05-24T00:00:00`.
    WithoutOffset,
}

impl RequestQuery {
    /// Writes the query string, without the leading `?`; absent arguments are left out.
    pub fn to_query_string(&self) -> String {
        self.to_query_string_with(QueryDatetimes::Offset)
    }

    /// Writes the query string with datetimes in the given form.
    ///
    /// ```
    /// use open311_types::RequestQuery;
    /// use open311_types::query::QueryDatetimes;
    ///
    /// let mut query = RequestQuery::default();
    /// query.start_date = Some(open311_types::datetime::parse("2010-05-24T00:00:00-07:00").unwrap());
    /// assert_eq!(query.to_query_string_with(QueryDatetimes::Utc), "start_date=2010-05-24T07%3A00%3A00Z");
    /// assert_eq!(query.to_query_string_with(QueryDatetimes::WithoutOffset), "start_date=2010-05-24T00%3A00%3A00");
    /// ```
    pub fn to_query_string_with(&self, datetimes: QueryDatetimes) -> String {
        let mut out = Encoder::default();
        if let Some(jurisdiction) = &self.jurisdiction_id {
            out.pair("jurisdiction_id", jurisdiction.as_str());
        }
        out.list(
            "service_request_id",
            self.service_request_ids.iter().map(|id| id.as_str()),
        );
        out.list(
            "service_code",
            self.service_codes.iter().map(|code| code.as_str()),
        );
        out.list("status", self.statuses.iter().map(Status::as_str));
        for (name, value) in [
            ("start_date", &self.start_date),
            ("end_date", &self.end_date),
            ("updated_after", &self.updated_after),
            ("updated_before", &self.updated_before),
        ] {
            if let Some(value) = value {
                out.pair(name, &write_datetime(value, datetimes));
            }
        }
        if let Some(page) = self.page {
            out.pair("page", &page.to_string());
        }
        if let Some(page_size) = self.page_size {
            out.pair("page_size", &page_size.to_string());
        }
        if let Some(extensions) = self.extensions {
            out.pair("extensions", if extensions { "true" } else { "false" });
        }
        for (name, value) in &self.extra {
            out.pair(name, value);
        }
        out.0
    }

    /// Reads a query string (without the leading `?`), as a server receives it.
    ///
    /// Empty parameters are absent. `status` takes `open` and `closed` only, in any capitals;
    /// dates must be W3C datetimes with an offset (seconds may be left out); `page` and
    /// `page_size` are whole numbers from 1, and may carry surrounding spaces. A repeated
    /// date, page or flag parameter is an error; lists may repeat.
    ///
    /// # Errors
    ///
    /// A [`FormError`] naming the parameter: malformed encoding, over a limit, a value of the
    /// wrong kind, or a parameter given twice.
    pub fn parse(query: &[u8], limits: &FormLimits) -> Result<RequestQuery, FormError> {
        let mut result = RequestQuery::default();
        let mut seen: Vec<&'static str> = Vec::new();
        let mut pairs = 0;
        for pair in query
            .split(|&byte| byte == b'&')
            .filter(|pair| !pair.is_empty())
        {
            pairs += 1;
            if pairs > limits.max_pairs {
                return Err(FormError::new(
                    "",
                    FormErrorKind::TooManyPairs(limits.max_pairs),
                ));
            }
            let (raw_name, raw_value) = split_pair(pair);
            let name = percent_decode(raw_name)
                .map_err(|kind| FormError::new(String::from_utf8_lossy(raw_name), kind))?;
            match name.as_str() {
                "service_request_id" => {
                    let items = list(&name, raw_value, limits, result.service_request_ids.len())?;
                    result
                        .service_request_ids
                        .extend(items.into_iter().map(ServiceRequestId::from));
                }
                "service_code" => {
                    let items = list(&name, raw_value, limits, result.service_codes.len())?;
                    result
                        .service_codes
                        .extend(items.into_iter().map(ServiceCode::from));
                }
                "status" => {
                    for item in list(&name, raw_value, limits, result.statuses.len())? {
                        result.statuses.push(if item.eq_ignore_ascii_case("open") {
                            Status::Open
                        } else if item.eq_ignore_ascii_case("closed") {
                            Status::Closed
                        } else {
                            return Err(FormError::new(name, FormErrorKind::InvalidValue));
                        });
                    }
                }
                _ => {
                    let value = percent_decode(raw_value)
                        .map_err(|kind| FormError::new(name.clone(), kind))?;
                    result.scalar(name, value, limits, &mut seen)?;
                }
            }
        }
        Ok(result)
    }

    fn scalar(
        &mut self,
        name: String,
        value: String,
        limits: &FormLimits,
        seen: &mut Vec<&'static str>,
    ) -> Result<(), FormError> {
        let known: Option<&'static str> = [
            "jurisdiction_id",
            "start_date",
            "end_date",
            "updated_after",
            "updated_before",
            "page",
            "page_size",
            "extensions",
            "api_key",
        ]
        .into_iter()
        .find(|known| *known == name);
        let Some(known) = known else {
            check_identifier(&name, &name, limits)?;
            self.extra.push((name, value));
            return Ok(());
        };
        if value.is_empty() || known == "api_key" {
            return Ok(());
        }
        if seen.contains(&known) {
            return Err(FormError::new(known, FormErrorKind::Duplicate));
        }
        seen.push(known);
        let date = |value: &str| {
            datetime::parse(value.trim_matches(' '))
                .map_err(|_| FormError::new(known, FormErrorKind::InvalidDatetime))
        };
        let count = |value: &str| match value.trim_matches(' ').parse::<u32>() {
            Ok(count) if count >= 1 && !value.trim_matches(' ').starts_with('+') => Ok(count),
            _ => Err(FormError::new(known, FormErrorKind::InvalidNumber)),
        };
        match known {
            "jurisdiction_id" => {
                check_identifier(known, &value, limits)?;
                self.jurisdiction_id = Some(JurisdictionId::from(value));
            }
            "start_date" => self.start_date = Some(date(&value)?),
            "end_date" => self.end_date = Some(date(&value)?),
            "updated_after" => self.updated_after = Some(date(&value)?),
            "updated_before" => self.updated_before = Some(date(&value)?),
            "page" => self.page = Some(count(&value)?),
            "page_size" => self.page_size = Some(count(&value)?),
            _ => {
                self.extensions = Some(match value.to_ascii_lowercase().as_str() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(FormError::new(known, FormErrorKind::InvalidValue)),
                });
            }
        }
        Ok(())
    }
}

fn write_datetime(value: &Datetime, style: QueryDatetimes) -> String {
    match style {
        QueryDatetimes::Offset => datetime::format(value),
        QueryDatetimes::Utc => datetime::format(&value.with_timezone(&chrono::Utc).fixed_offset()),
        QueryDatetimes::WithoutOffset => {
            let text = datetime::format(value);
            let offset = if text.ends_with('Z') { 1 } else { 6 };
            text[..text.len() - offset].to_owned()
        }
    }
}

/// Splits a raw list value at commas, then decodes and checks each item.
fn list(
    name: &str,
    raw: &[u8],
    limits: &FormLimits,
    already: usize,
) -> Result<Vec<String>, FormError> {
    let mut items = Vec::new();
    for raw_item in raw.split(|&byte| byte == b',') {
        let item = percent_decode(raw_item).map_err(|kind| FormError::new(name, kind))?;
        let item = item.trim_matches(' ');
        if item.is_empty() {
            continue;
        }
        if already + items.len() == limits.max_list_items {
            return Err(FormError::new(
                name,
                FormErrorKind::TooManyItems(limits.max_list_items),
            ));
        }
        check_identifier(name, item, limits)?;
        items.push(item.to_owned());
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<RequestQuery, FormError> {
        RequestQuery::parse(query.as_bytes(), &FormLimits::default())
    }

    #[test]
    fn spec_sample_url() {
        let query = parse(
            "start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open\
             &jurisdiction_id=city.gov",
        )
        .unwrap();
        assert_eq!(query.statuses, [Status::Open]);
        assert_eq!(query.jurisdiction_id.unwrap(), "city.gov");
        assert!(query.start_date.is_some() && query.end_date.is_some());
    }

    #[test]
    fn lists_split_and_repeat() {
        let query =
            parse("service_code=001,002&service_code=003&service_request_id=a%2Cb").unwrap();
        assert_eq!(query.service_codes, ["001", "002", "003"]);
        assert_eq!(query.service_request_ids, ["a,b"]);
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let cases = [
            ("status=pending", "status", FormErrorKind::InvalidValue),
            (
                "start_date=2010-05-24T00:00:00",
                "start_date",
                FormErrorKind::InvalidDatetime,
            ),
            ("page=0", "page", FormErrorKind::InvalidNumber),
            ("page_size=-5", "page_size", FormErrorKind::InvalidNumber),
            ("page=1&page=2", "page", FormErrorKind::Duplicate),
        ];
        for (query, field, kind) in cases {
            assert_eq!(
                parse(query).unwrap_err(),
                FormError::new(field, kind),
                "{query}"
            );
        }
    }

    #[test]
    fn minutes_spaces_and_empty_values() {
        let query =
            parse("start_date=2010-05-24T00:00Z&page=+2+&jurisdiction_id=&api_key=k").unwrap();
        assert!(query.start_date.is_some());
        assert_eq!(query.page, Some(2));
        assert_eq!(query.jurisdiction_id, None);
        assert!(query.extra.is_empty());
    }

    #[test]
    fn list_limit() {
        let ids = vec!["1"; 1_001].join(",");
        let error = parse(&format!("service_request_id={ids}")).unwrap_err();
        assert_eq!(error.kind, FormErrorKind::TooManyItems(1_000));
    }
}
