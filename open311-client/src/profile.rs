//! Server profiles: the known quirks of server families, as data.
//!
//! The spec leaves room, and real servers fill it differently: how a multivaluelist is
//! posted, whether a datetime may carry an offset, whether an email is required, whether
//! JSON works, how many results one answer holds and whether there are pages. A [`Profile`]
//! says all of it in one place; the client reads it wherever it matters.

use open311_types::query::QueryDatetimes;

/// What a server family needs that the spec does not say.
///
/// ```
/// use open311_client::{MultiValue, Profile};
///
/// let profile = Profile::mysociety();
/// assert_eq!(profile.multivalue, MultiValue::Repeated);
/// assert!(profile.require_email);
/// let custom = Profile::standard().with_max_results(50).xml_only();
/// assert!(custom.xml_only);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// A name for messages.
    pub name: String,
    /// How a multivaluelist answer is written in a POST.
    pub multivalue: MultiValue,
    /// How datetimes are written in queries.
    pub datetimes: QueryDatetimes,
    /// Whether the server refuses a POST without an `email`; the client then refuses to send
    /// one.
    pub require_email: bool,
    /// Whether to ask for XML only, whatever discovery says.
    pub xml_only: bool,
    /// The largest `page_size` the server serves, when it pages with `page`/`page_size`.
    pub page_size: Option<u32>,
    /// The most requests the server returns for one GET requests.
    pub max_results: usize,
}

/// The ways servers expect a multivaluelist answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MultiValue {
    /// `attribute[code][]=a&attribute[code][]=b`, as the spec writes it.
    Brackets,
    /// `attribute[code]=a&attribute[code]=b`, as FixMyStreet sends it to open311-adapter.
    Repeated,
    /// `attribute[code][0]=a&attribute[code][1]=b`.
    Indexed,
    /// `attribute[code]=a,b`.
    Comma,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::standard()
    }
}

impl Profile {
    /// The spec as written: brackets, offsets, JSON when offered, no paging, 1,000 results.
    pub fn standard() -> Self {
        Profile {
            name: "standard".into(),
            multivalue: MultiValue::Brackets,
            datetimes: QueryDatetimes::Offset,
            require_email: false,
            xml_only: false,
            page_size: None,
            max_results: 1_000,
        }
    }

    /// mySociety's open311-adapter servers (UK councils): repeated attribute fields, as
    /// FixMyStreet sends them, and an email with every report (Bristol refuses one without).
    pub fn mysociety() -> Self {
        Profile {
            name: "mysociety".into(),
            multivalue: MultiValue::Repeated,
            require_email: true,
            ..Profile::standard()
        }
    }

    /// Chicago's endpoint: datetimes without an offset, and pages of at most 500.
    pub fn chicago() -> Self {
        Profile {
            name: "chicago".into(),
            datetimes: QueryDatetimes::WithoutOffset,
            page_size: Some(500),
            max_results: 500,
            ..Profile::standard()
        }
    }

    /// Connected Bits servers (older Boston and Chicago): 50 results an answer, with pages.
    pub fn connected_bits() -> Self {
        Profile {
            name: "connected-bits".into(),
            page_size: Some(50),
            max_results: 50,
            ..Profile::standard()
        }
    }

    /// uReport servers (Bloomington): pages of up to 1,000.
    pub fn ureport() -> Self {
        Profile {
            name: "ureport".into(),
            page_size: Some(1_000),
            ..Profile::standard()
        }
    }

    /// The profile with `name`, from [`Profile::names`].
    pub fn named(name: &str) -> Option<Profile> {
        match name {
            "standard" => Some(Profile::standard()),
            "mysociety" => Some(Profile::mysociety()),
            "chicago" => Some(Profile::chicago()),
            "connected-bits" => Some(Profile::connected_bits()),
            "ureport" => Some(Profile::ureport()),
            _ => None,
        }
    }

    /// The names of the built-in profiles.
    pub const fn names() -> [&'static str; 5] {
        [
            "standard",
            "mysociety",
            "chicago",
            "connected-bits",
            "ureport",
        ]
    }

    /// The same profile, asking for XML only (San Francisco and Washington DC served no JSON).
    pub fn xml_only(mut self) -> Self {
        self.xml_only = true;
        self
    }

    /// The same profile with another cap on results per answer.
    pub fn with_max_results(mut self, max_results: usize) -> Self {
        self.max_results = max_results;
        self
    }

    /// The same profile with paging by `page`/`page_size`, at most `page_size` a page.
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }
}
