//! What GET requests and GET servicerequestupdates ask for, with the spec's defaults applied.

use std::borrow::Borrow;

use chrono::Duration;
use open311_types::{
    Datetime, RequestQuery, ServiceCode, ServiceRequest, ServiceRequestId, Status,
};

use crate::config::Limits;

/// The requests a GET requests call asks for, with the spec's defaults applied.
///
/// The router builds it from the query:
///
/// - `service_request_id` overrides every other argument: when `service_request_ids` is not
///   empty, all other filters are empty and the window is open.
/// - `start_date`/`end_date` bound `requested_datetime` and may not span more than the
///   window limit (90 days). Given one, the other is 90 days away; given neither, the window is
///   the last 90 days, unless `updated_after` or `updated_before` (v2.1 draft) ask for
///   changes instead, which bound `updated_datetime` only.
/// - `page` and `page_size` (the paging extension) give `offset` and `limit`; without them the
///   limit is the spec's 1,000 and the offset 0.
///
/// Inclusive bounds throughout.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RequestFilter {
    /// These requests only, when not empty.
    pub service_request_ids: Vec<ServiceRequestId>,
    /// Requests of these services only, when not empty.
    pub service_codes: Vec<ServiceCode>,
    /// Requests with these statuses only, when not empty.
    pub statuses: Vec<Status>,
    /// `requested_datetime` at or after.
    pub requested_after: Option<Datetime>,
    /// `requested_datetime` at or before.
    pub requested_before: Option<Datetime>,
    /// `updated_datetime` at or after.
    pub updated_after: Option<Datetime>,
    /// `updated_datetime` at or before.
    pub updated_before: Option<Datetime>,
    /// How many matching requests to skip, newest first.
    pub offset: usize,
    /// How many to return at most.
    pub limit: usize,
}

/// Why a query cannot be answered; the router answers 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError {
    pub(crate) field: &'static str,
    pub(crate) message: String,
}

impl RequestFilter {
    /// A filter that matches every request, up to `limit`.
    pub fn all(limit: usize) -> Self {
        RequestFilter {
            service_request_ids: Vec::new(),
            service_codes: Vec::new(),
            statuses: Vec::new(),
            requested_after: None,
            requested_before: None,
            updated_after: None,
            updated_before: None,
            offset: 0,
            limit,
        }
    }

    /// Applies the spec's rules to a query received at `now`.
    pub(crate) fn from_query(
        query: &RequestQuery,
        now: Datetime,
        limits: &Limits,
    ) -> Result<Self, FilterError> {
        let page_size = match query.page_size {
            Some(size) if size as usize > limits.max_page_size => {
                return Err(FilterError {
                    field: "page_size",
                    message: format!("page_size may not be over {}", limits.max_page_size),
                });
            }
            Some(size) => size as usize,
            None => limits.max_page_size,
        };
        let page = query.page.unwrap_or(1) as usize;
        let mut filter = RequestFilter::all(page_size);
        filter.offset = (page - 1).saturating_mul(page_size);
        if !query.service_request_ids.is_empty() {
            filter.service_request_ids = query.service_request_ids.clone();
            filter.limit = filter.limit.max(query.service_request_ids.len());
            return Ok(filter);
        }
        filter.service_codes = query.service_codes.clone();
        filter.statuses = query.statuses.clone();
        let window = limits.max_window;
        let span_error = |message: String| FilterError {
            field: "start_date",
            message,
        };
        let (after, before) = match (query.start_date, query.end_date) {
            (Some(start), Some(end)) if end < start => {
                return Err(span_error("end_date is before start_date".into()));
            }
            (Some(start), Some(end)) if end - start > window => {
                return Err(span_error(format!(
                    "start_date and end_date may not span more than {} days",
                    window.num_days()
                )));
            }
            (Some(start), Some(end)) => (Some(start), Some(end)),
            (Some(start), None) => (Some(start), Some(start + window)),
            (None, Some(end)) => (Some(end - window), Some(end)),
            (None, None) if query.updated_after.is_some() || query.updated_before.is_some() => {
                (None, None)
            }
            (None, None) => (Some(now - window), Some(now)),
        };
        filter.requested_after = after;
        filter.requested_before = before;
        if let (Some(after), Some(before)) = (query.updated_after, query.updated_before)
            && before < after
        {
            return Err(FilterError {
                field: "updated_before",
                message: "updated_before is before updated_after".into(),
            });
        }
        filter.updated_after = query.updated_after;
        filter.updated_before = query.updated_before;
        Ok(filter)
    }

    /// Whether `request` passes the filter (ignoring `offset` and `limit`).
    ///
    /// A request without the datetime a bound is on does not pass that bound.
    pub fn matches(&self, request: &ServiceRequest) -> bool {
        if !self.service_request_ids.is_empty() {
            return request
                .service_request_id
                .as_ref()
                .is_some_and(|id| self.service_request_ids.iter().any(|wanted| wanted == id));
        }
        let listed = |values: &[ServiceCode], value: &Option<ServiceCode>| {
            values.is_empty() || value.as_ref().is_some_and(|value| values.contains(value))
        };
        let status_ok = self.statuses.is_empty()
            || request
                .status
                .as_ref()
                .is_some_and(|status| self.statuses.contains(status));
        listed(&self.service_codes, &request.service_code)
            && status_ok
            && within(
                request.requested_datetime,
                self.requested_after,
                self.requested_before,
            )
            && within(
                request.updated_datetime,
                self.updated_after,
                self.updated_before,
            )
    }

    /// Filters `requests`, orders them newest first, and applies `offset` and `limit`:
    /// everything a backend that holds its requests in memory needs. The items may be the
    /// requests themselves, references, or `Arc`s (which the router encodes without copying).
    pub fn select<R: Borrow<ServiceRequest>>(
        &self,
        requests: impl IntoIterator<Item = R>,
    ) -> Vec<R> {
        let mut matching: Vec<R> = requests
            .into_iter()
            .filter(|request| self.matches(request.borrow()))
            .collect();
        matching.sort_by(|a, b| {
            let (a, b) = (a.borrow(), b.borrow());
            b.requested_datetime
                .cmp(&a.requested_datetime)
                .then_with(|| b.service_request_id.cmp(&a.service_request_id))
        });
        matching
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect()
    }
}

fn within(value: Option<Datetime>, after: Option<Datetime>, before: Option<Datetime>) -> bool {
    if after.is_none() && before.is_none() {
        return true;
    }
    let Some(value) = value else { return false };
    after.is_none_or(|after| value >= after) && before.is_none_or(|before| value <= before)
}

/// The updates a GET servicerequestupdates call asks for.
///
/// `start_date` and `end_date` bound `updated_datetime`, with the same 90-day rules as GET
/// requests; `service_request_id` narrows to one request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdateFilter {
    /// The updates of this request only, when given.
    pub service_request_id: Option<ServiceRequestId>,
    /// `updated_datetime` at or after.
    pub start: Datetime,
    /// `updated_datetime` at or before.
    pub end: Datetime,
    /// How many to return at most.
    pub limit: usize,
}

impl UpdateFilter {
    pub(crate) fn from_query(
        query: &RequestQuery,
        now: Datetime,
        limits: &Limits,
    ) -> Result<Self, FilterError> {
        let window = limits.max_window;
        let (start, end) = match (query.start_date, query.end_date) {
            (Some(start), Some(end)) if end < start || end - start > window => {
                return Err(FilterError {
                    field: "start_date",
                    message: format!(
                        "start_date must come before end_date, at most {} days before",
                        window.num_days()
                    ),
                });
            }
            (Some(start), Some(end)) => (start, end),
            (Some(start), None) => (start, start + window),
            (None, Some(end)) => (end - window, end),
            (None, None) => (now - window, now),
        };
        let service_request_id = query
            .extra
            .iter()
            .find(|(name, _)| name == "service_request_id")
            .map(|(_, id)| ServiceRequestId::from(id.as_str()))
            .or_else(|| query.service_request_ids.first().cloned());
        Ok(UpdateFilter {
            service_request_id,
            start,
            end,
            limit: limits.max_page_size,
        })
    }
}

/// The spec's default window: 90 days.
pub(crate) const NINETY_DAYS: Duration = Duration::days(90);
