//! How a router is set up: paths, jurisdictions, keys, clock, limits and discovery.

use std::fmt;
use std::sync::Arc;

use chrono::{Duration, Timelike};
use open311_types::form::FormLimits;
use open311_types::{Datetime, EndpointType, JurisdictionId};

use crate::backend::ApiKeyOutcome;
use crate::filter::NINETY_DAYS;

/// The router's settings; [`Config::default`] has safe values for all of them.
///
/// ```
/// use open311_server_traits::{Config, StaticKeys};
///
/// let config = Config::default()
///     .with_base_path("/open311/v2")
///     .with_jurisdictions(["city.gov"])
///     .with_api_keys(StaticKeys::new().with_key("mobile app", "xyz"))
///     .with_contact("Call 311 or write to api@city.gov");
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) base_path: String,
    pub(crate) jurisdictions: Vec<JurisdictionId>,
    pub(crate) keys: Arc<dyn ApiKeyPolicy>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) limits: Limits,
    pub(crate) discovery: DiscoveryConfig,
}

impl Default for Config {
    /// No base path, one jurisdiction, no keys (so every POST is refused with 403), the system
    /// clock, the default [`Limits`], and discovery derived from the request's host.
    fn default() -> Self {
        Config {
            base_path: String::new(),
            jurisdictions: Vec::new(),
            keys: Arc::new(StaticKeys::new()),
            clock: Arc::new(SystemClock),
            limits: Limits::default(),
            discovery: DiscoveryConfig::default(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_path", &self.base_path)
            .field("jurisdictions", &self.jurisdictions)
            .field("limits", &self.limits)
            .field("discovery", &self.discovery)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Serves under `base_path`, such as `/open311/v2`; empty by default, as when a framework
    /// strips the prefix (axum's `nest_service` does).
    pub fn with_base_path(mut self, base_path: impl Into<String>) -> Self {
        self.base_path = base_path.into().trim_end_matches('/').to_owned();
        self
    }

    /// The `jurisdiction_id`s served.
    ///
    /// None (the default) or one: `jurisdiction_id` may be left out, and when given must be
    /// that one. Several: it is required (400 without it). An unknown one is 404.
    pub fn with_jurisdictions<I, J>(mut self, jurisdictions: I) -> Self
    where
        I: IntoIterator<Item = J>,
        J: Into<JurisdictionId>,
    {
        self.jurisdictions = jurisdictions.into_iter().map(Into::into).collect();
        self
    }

    /// Checks `api_key`s with `keys`.
    pub fn with_api_keys(mut self, keys: impl ApiKeyPolicy) -> Self {
        self.keys = Arc::new(keys);
        self
    }

    /// Reads the time from `clock`, so that tests can fix it.
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Applies `limits`.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The discovery document's `contact`.
    pub fn with_contact(mut self, contact: impl Into<String>) -> Self {
        self.discovery.contact = contact.into();
        self
    }

    /// The discovery document's `key_service`.
    pub fn with_key_service(mut self, key_service: impl Into<String>) -> Self {
        self.discovery.key_service = key_service.into();
        self
    }

    /// The discovery document's `changeset`, for both the document and the endpoint.
    pub fn with_changeset(mut self, changeset: impl Into<String>) -> Self {
        self.discovery.changeset = Some(changeset.into());
        self
    }

    /// The endpoint's public URL in the discovery document; by default it is made from the
    /// request's `Host` header and the base path, over `http`.
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.discovery.url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The endpoint's `type` in the discovery document; `production` by default.
    pub fn with_endpoint_type(mut self, endpoint_type: EndpointType) -> Self {
        self.discovery.endpoint_type = endpoint_type;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// Limits on what a call may ask for; the defaults are the project's documented ones.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The largest POST body, in bytes; 128 KiB. Larger is 413.
    pub max_body: usize,
    /// Limits on form and query fields: pairs, identifiers, lines, list items.
    pub form: FormLimits,
    /// The most results of GET requests and the largest `page_size`; the spec's 1,000.
    pub max_page_size: usize,
    /// The widest `start_date`/`end_date` window, and the default one; the spec's 90 days.
    pub max_window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 128 * 1024,
            form: FormLimits::default(),
            max_page_size: 1_000,
            max_window: NINETY_DAYS,
        }
    }
}

/// What the discovery document says beyond what the router knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiscoveryConfig {
    pub(crate) changeset: Option<String>,
    pub(crate) contact: String,
    pub(crate) key_service: String,
    pub(crate) url: Option<String>,
    pub(crate) endpoint_type: EndpointType,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig {
            changeset: None,
            contact: "Contact the city that runs this endpoint.".into(),
            key_service: "Ask the city that runs this endpoint for an API key.".into(),
            url: None,
            endpoint_type: EndpointType::Production,
        }
    }
}

/// Decides whether an `api_key` may call a method that needs one.
pub trait ApiKeyPolicy: Send + Sync + 'static {
    /// Checks `key` (`None` when the call has none); `Err` answers 403.
    ///
    /// # Errors
    ///
    /// [`KeyRejected`] when the key is missing or not accepted.
    fn check(&self, key: Option<&str>) -> Result<ApiKeyOutcome, KeyRejected>;
}

/// A missing or refused `api_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRejected {
    /// No key was sent.
    Missing,
    /// The key is not accepted.
    Invalid,
}

/// A fixed set of keys, compared in constant time.
///
/// With no keys, every key is refused.
#[derive(Clone, Default)]
pub struct StaticKeys {
    keys: Vec<(Option<String>, Vec<u8>)>,
}

impl StaticKeys {
    /// No keys yet.
    pub fn new() -> Self {
        StaticKeys::default()
    }

    /// Accepts `key`, and names its holder `label` to the backend.
    pub fn with_key(mut self, label: impl Into<String>, key: impl Into<String>) -> Self {
        self.keys
            .push((Some(label.into()), key.into().into_bytes()));
        self
    }

    /// Accepts `key` without a label.
    pub fn with_unlabelled_key(mut self, key: impl Into<String>) -> Self {
        self.keys.push((None, key.into().into_bytes()));
        self
    }
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the keys themselves.
        f.debug_struct("StaticKeys")
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl ApiKeyPolicy for StaticKeys {
    fn check(&self, key: Option<&str>) -> Result<ApiKeyOutcome, KeyRejected> {
        let key = key.ok_or(KeyRejected::Missing)?;
        // Every stored key is compared, so the time does not tell which one matched.
        let mut accepted = None;
        for (label, stored) in &self.keys {
            if constant_time_eq(stored, key.as_bytes()) {
                accepted = Some(label.clone());
            }
        }
        accepted
            .map(|label| ApiKeyOutcome::Accepted { label })
            .ok_or(KeyRejected::Invalid)
    }
}

/// Accepts any call, with or without a key: for local development and mock servers only.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnyKey;

impl ApiKeyPolicy for AnyKey {
    fn check(&self, _key: Option<&str>) -> Result<ApiKeyOutcome, KeyRejected> {
        Ok(ApiKeyOutcome::Accepted { label: None })
    }
}

/// Compares two byte strings in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for index in 0..a.len().max(b.len()) {
        let x = a.get(index).copied().unwrap_or(0);
        let y = b.get(index).copied().unwrap_or(0);
        difference |= usize::from(x ^ y);
    }
    difference == 0
}

/// The router's source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> Datetime;
}

/// The system clock, in UTC, to the second.
///
/// Whole seconds, as in the spec's examples: some clients fail on fractions of a second.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Datetime {
        let now = chrono::Utc::now().fixed_offset();
        now.with_nanosecond(0).unwrap_or(now)
    }
}

/// A clock that always says the same time, for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Datetime);

impl Clock for FixedClock {
    fn now(&self) -> Datetime {
        self.0
    }
}

impl<F: Fn() -> Datetime + Send + Sync + 'static> Clock for F {
    fn now(&self) -> Datetime {
        self()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_keys_accept_only_their_keys() {
        let keys = StaticKeys::new()
            .with_key("app", "xyz")
            .with_unlabelled_key("abc");
        assert_eq!(
            keys.check(Some("xyz")),
            Ok(ApiKeyOutcome::Accepted {
                label: Some("app".into())
            })
        );
        assert_eq!(
            keys.check(Some("abc")),
            Ok(ApiKeyOutcome::Accepted { label: None })
        );
        assert_eq!(keys.check(Some("xy")), Err(KeyRejected::Invalid));
        assert_eq!(keys.check(Some("xyzz")), Err(KeyRejected::Invalid));
        assert_eq!(keys.check(None), Err(KeyRejected::Missing));
        assert_eq!(StaticKeys::new().check(Some("")), Err(KeyRejected::Invalid));
        assert!(!format!("{keys:?}").contains("xyz"));
    }
}
