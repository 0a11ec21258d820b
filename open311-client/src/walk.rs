//! Walking a large result set of GET requests: by pages or by date windows, each request once.
//!
//! Servers cap what one answer holds (1,000 by the spec, 50 or 500 on some), and only some
//! page. A [`RequestWalk`] is a sans-IO plan: it says which query to send next and takes each
//! answer, dropping requests already seen. With pages it stops at a short page, or at a page
//! with nothing new (servers that answer the last page again past the end). With windows it
//! covers the span in consecutive windows of at most 90 days, and splits a window whose answer
//! reaches the server's cap into halves, so that a truncated answer is fetched again in parts.
//!
//! Requests without a `service_request_id` (Chicago lists those still being processed) cannot
//! be told apart, and are left out.

use std::collections::HashSet;

use chrono::TimeDelta;
use open311_types::{Datetime, RequestQuery, ServiceRequest, ServiceRequestId};

use crate::client::Client;
use crate::error::Error;
use crate::profile::Profile;
use crate::transport::{LocalAsyncHttpClient, SyncHttpClient};

/// How to walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// `page=1, 2, ...` with `page_size`.
    Pages {
        /// The results asked for per page.
        page_size: u32,
    },
    /// Windows of `start_date`/`end_date` from `since` to `until`.
    Windows {
        /// The start of the first window.
        since: Datetime,
        /// The end of the last window.
        until: Datetime,
        /// The widest window; the spec allows 90 days.
        span: TimeDelta,
        /// The most results the server returns in one answer.
        cap: usize,
    },
}

/// How far a walk has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Calls made.
    pub calls: usize,
    /// Distinct requests found.
    pub found: usize,
    /// Windows still to fetch, for a walk by windows.
    pub windows_left: Option<usize>,
}

/// A plan for fetching every request that a query matches.
///
/// ```
/// use open311_client::walk::{RequestWalk, Strategy};
/// use open311_types::{RequestQuery, ServiceRequest, Status};
///
/// let mut walk = RequestWalk::new(RequestQuery::default(), Strategy::Pages { page_size: 2 });
/// let first = walk.next_query().unwrap();
/// assert_eq!((first.page, first.page_size), (Some(1), Some(2)));
/// let answer = vec![ServiceRequest::new("1", Status::Open), ServiceRequest::new("2", Status::Open)];
/// assert_eq!(walk.absorb(answer).len(), 2);
/// assert_eq!(walk.next_query().unwrap().page, Some(2));
/// assert_eq!(walk.absorb(vec![ServiceRequest::new("3", Status::Open)]).len(), 1);
/// assert!(walk.next_query().is_none(), "a short page is the last");
/// ```
#[derive(Debug, Clone)]
pub struct RequestWalk {
    query: RequestQuery,
    state: State,
    seen: HashSet<ServiceRequestId>,
    progress: Progress,
}

#[derive(Debug, Clone)]
enum State {
    Pages {
        page: u32,
        page_size: u32,
    },
    Windows {
        pending: Vec<(Datetime, Datetime)>,
        cap: usize,
    },
    Once,
    Done,
}

/// The most pages a walk fetches, against a server that never runs out.
const MAX_PAGES: u32 = 100_000;

impl RequestWalk {
    /// A walk of `query` by `strategy`. A query with a `service_request_id` list is sent once,
    /// as the list overrides everything else.
    pub fn new(query: RequestQuery, strategy: Strategy) -> Self {
        let state = if !query.service_request_ids.is_empty() {
            State::Once
        } else {
            match strategy {
                Strategy::Pages { page_size } => State::Pages {
                    page: 1,
                    page_size: page_size.max(1),
                },
                Strategy::Windows {
                    since,
                    until,
                    span,
                    cap,
                } => {
                    let span = span.max(TimeDelta::seconds(1));
                    let mut windows = Vec::new();
                    let mut start = since;
                    while start < until {
                        let end = (start + span).min(until);
                        windows.push((start, end));
                        start = end;
                    }
                    windows.reverse();
                    State::Windows {
                        pending: windows,
                        cap: cap.max(1),
                    }
                }
            }
        };
        let mut walk = RequestWalk {
            query,
            state,
            seen: HashSet::new(),
            progress: Progress::default(),
        };
        walk.update_progress();
        walk
    }

    /// The walk a profile calls for: pages when the server has them, else windows from the
    /// query's `start_date` (or 90 days before `now`) to its `end_date` (or `now`).
    pub fn for_profile(query: RequestQuery, profile: &Profile, now: Datetime) -> Self {
        let strategy = match profile.page_size {
            Some(page_size) => Strategy::Pages { page_size },
            None => Strategy::Windows {
                since: query.start_date.unwrap_or(now - TimeDelta::days(90)),
                until: query.end_date.unwrap_or(now),
                span: TimeDelta::days(90),
                cap: profile.max_results,
            },
        };
        RequestWalk::new(query, strategy)
    }

    /// The query to send next; `None` once the walk is over.
    pub fn next_query(&self) -> Option<RequestQuery> {
        let mut query = self.query.clone();
        match &self.state {
            State::Pages { page, page_size } => {
                query.page = Some(*page);
                query.page_size = Some(*page_size);
            }
            State::Windows { pending, .. } => {
                let (start, end) = pending.last()?;
                query.start_date = Some(*start);
                query.end_date = Some(*end);
            }
            State::Once => {}
            State::Done => return None,
        }
        Some(query)
    }

    /// Takes the answer to the last query; returns the requests not seen before.
    pub fn absorb(&mut self, answer: Vec<ServiceRequest>) -> Vec<ServiceRequest> {
        let received = answer.len();
        let fresh: Vec<ServiceRequest> = answer
            .into_iter()
            .filter(|request| {
                request
                    .service_request_id
                    .as_ref()
                    .is_some_and(|id| self.seen.insert(id.clone()))
            })
            .collect();
        self.progress.calls += 1;
        self.progress.found += fresh.len();
        self.state = match std::mem::replace(&mut self.state, State::Done) {
            State::Pages { page, page_size } => {
                let last = received < page_size as usize || fresh.is_empty() || page >= MAX_PAGES;
                if last {
                    State::Done
                } else {
                    State::Pages {
                        page: page + 1,
                        page_size,
                    }
                }
            }
            State::Windows { mut pending, cap } => {
                if let Some((start, end)) = pending.pop()
                    && received >= cap
                    && end - start > TimeDelta::seconds(1)
                {
                    let middle = start + (end - start) / 2;
                    pending.push((middle, end));
                    pending.push((start, middle));
                }
                if pending.is_empty() {
                    State::Done
                } else {
                    State::Windows { pending, cap }
                }
            }
            State::Once | State::Done => State::Done,
        };
        self.update_progress();
        fresh
    }

    /// How far the walk has come.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    fn update_progress(&mut self) {
        self.progress.windows_left = match &self.state {
            State::Windows { pending, .. } => Some(pending.len()),
            _ => None,
        };
    }
}

impl Client {
    /// Runs `walk` through a blocking transport; `on_progress` hears after every call.
    ///
    /// The deviations of each answer are not kept; decode one page strictly to see them.
    ///
    /// # Errors
    ///
    /// The first failed call, as [`Operation::send`](crate::Operation::send).
    pub fn walk_requests<C: SyncHttpClient>(
        &self,
        transport: &C,
        mut walk: RequestWalk,
        mut on_progress: impl FnMut(Progress),
    ) -> Result<Vec<ServiceRequest>, Error<C::Error>> {
        let mut found = Vec::new();
        while let Some(query) = walk.next_query() {
            let answer = self.requests(&query).send(transport)?;
            found.extend(walk.absorb(answer.value));
            on_progress(walk.progress());
        }
        Ok(found)
    }

    /// As [`Client::walk_requests`], through an async transport.
    ///
    /// # Errors
    ///
    /// As [`Client::walk_requests`].
    pub async fn walk_requests_async<C: LocalAsyncHttpClient>(
        &self,
        transport: &C,
        mut walk: RequestWalk,
        mut on_progress: impl FnMut(Progress),
    ) -> Result<Vec<ServiceRequest>, Error<C::Error>> {
        let mut found = Vec::new();
        while let Some(query) = walk.next_query() {
            let answer = self.requests(&query).send_async(transport).await?;
            found.extend(walk.absorb(answer.value));
            on_progress(walk.progress());
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use open311_types::Status;

    fn at(day: i64) -> Datetime {
        open311_types::datetime::parse("2026-01-01T00:00:00Z").unwrap() + TimeDelta::days(day)
    }

    #[test]
    fn windows_cover_the_span_in_at_most_ninety_days() {
        let strategy = Strategy::Windows {
            since: at(0),
            until: at(200),
            span: TimeDelta::days(90),
            cap: 1000,
        };
        let mut walk = RequestWalk::new(RequestQuery::default(), strategy);
        let mut windows = Vec::new();
        while let Some(query) = walk.next_query() {
            windows.push((query.start_date.unwrap(), query.end_date.unwrap()));
            walk.absorb(Vec::new());
        }
        assert_eq!(
            windows,
            [(at(0), at(90)), (at(90), at(180)), (at(180), at(200))]
        );
    }

    #[test]
    fn a_full_window_is_split() {
        let strategy = Strategy::Windows {
            since: at(0),
            until: at(10),
            span: TimeDelta::days(90),
            cap: 2,
        };
        let mut walk = RequestWalk::new(RequestQuery::default(), strategy);
        let full = vec![
            ServiceRequest::new("1", Status::Open),
            ServiceRequest::new("2", Status::Open),
        ];
        walk.absorb(full);
        let next = walk.next_query().unwrap();
        assert_eq!((next.start_date, next.end_date), (Some(at(0)), Some(at(5))));
    }

    #[test]
    fn an_id_list_is_sent_once() {
        let mut query = RequestQuery::default();
        query.service_request_ids = vec!["1".into()];
        let mut walk = RequestWalk::new(query, Strategy::Pages { page_size: 1 });
        assert!(walk.next_query().unwrap().page.is_none());
        walk.absorb(vec![ServiceRequest::new("1", Status::Open)]);
        assert!(walk.next_query().is_none());
    }

    #[test]
    fn a_repeated_last_page_ends_the_walk() {
        let mut walk = RequestWalk::new(RequestQuery::default(), Strategy::Pages { page_size: 1 });
        walk.absorb(vec![ServiceRequest::new("1", Status::Open)]);
        assert_eq!(
            walk.absorb(vec![ServiceRequest::new("1", Status::Open)])
                .len(),
            0
        );
        assert!(walk.next_query().is_none());
    }
}
