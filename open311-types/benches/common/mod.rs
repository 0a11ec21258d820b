//! A deterministic generator of realistic service requests, shared by the codec benchmarks.
//!
//! Every field the spec lists for GET requests is filled the way real servers fill it: numeric
//! ids, `open`/`closed`, zero-padded service codes, free-text descriptions of 40 to 200
//! characters with non-ASCII letters and an `&`, datetimes at `-08:00`, and coordinates with 6
//! to 9 decimals. The same seed always gives the same requests, so runs compare.

use chrono::{FixedOffset, TimeDelta, TimeZone};
use open311_types::{ServiceRequest, Status};

/// The services of the generated requests: code, name, agency and notice.
const SERVICES: [(&str, &str, &str, &str); 6] = [
    (
        "001",
        "Cans left out 24x7",
        "Recology",
        "The City will inspect and require the responsible party to correct within 24 hours.",
    ),
    (
        "002",
        "Construction plate shifted",
        "Department of Public Works",
        "The plate will be secured by the permit holder within 48 hours.",
    ),
    (
        "003",
        "Curb or curb ramp defect",
        "Department of Public Works - Street Environmental Services",
        "Curb repairs are scheduled by priority; expect an inspection within 10 business days.",
    ),
    (
        "004",
        "Graffiti on public property",
        "Public Works Graffiti Abatement",
        "Offensive graffiti is removed within 48 hours, other graffiti within 30 days.",
    ),
    (
        "005",
        "Street light out",
        "Public Utilities Commission",
        "Street lights are repaired within 5 business days once the pole is identified.",
    ),
    (
        "006",
        "Pothole",
        "Department of Public Works - Street Repair",
        "Potholes are patched within 72 hours of inspection.",
    ),
];

/// Words of the descriptions; some are not ASCII, as residents write them.
const WORDS: [&str; 32] = [
    "pothole",
    "in",
    "front",
    "of",
    "the",
    "café",
    "on",
    "corner",
    "near",
    "bus",
    "stop",
    "straße",
    "sign",
    "blocked",
    "sidewalk",
    "déjà",
    "vu",
    "third",
    "time",
    "reported",
    "this",
    "month",
    "crosswalk",
    "paint",
    "faded",
    "niño",
    "playing",
    "dangerous",
    "cars",
    "swerve",
    "São",
    "façade",
];

/// Streets of the addresses.
const STREETS: [&str; 6] = [
    "JUDAH ST",
    "8TH AVE",
    "MISSION ST",
    "VALENCIA ST",
    "IRVING ST",
    "CHURCH ST",
];

/// Status notes of open requests.
const OPEN_NOTES: [&str; 3] = [
    "Assigned to field crew.",
    "Awaiting inspection.",
    "Scheduled for repair next week.",
];

/// Status notes of closed requests.
const CLOSED_NOTES: [&str; 3] = [
    "Duplicate request.",
    "Request resolved; the crew repaired the defect.",
    "Case closed: no violation found on inspection.",
];

/// A linear congruential generator with Knuth's MMIX constants: deterministic, no crate needed.
struct Lcg(u64);

impl Lcg {
    /// The next 32 pseudo-random bits.
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 32) as u32
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }

    /// One of `items`.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u32) as usize]
    }
}

/// `count` service requests, the same ones on every call.
pub(crate) fn requests(count: usize) -> Vec<ServiceRequest> {
    let mut rng = Lcg(0x0311_2010);
    let pacific = FixedOffset::west_opt(8 * 3600).expect("a valid offset");
    let base = pacific
        .with_ymd_and_hms(2010, 4, 14, 6, 37, 38)
        .single()
        .expect("a valid datetime");
    (0..count)
        .map(|index| {
            let id = 638_344 + index;
            let closed = rng.below(5) < 2;
            let status = if closed { Status::Closed } else { Status::Open };
            let (code, name, agency, notice) = *rng.pick(&SERVICES);
            let requested =
                base + TimeDelta::seconds(index as i64 * 1_800 + i64::from(rng.below(1_800)));
            let mut request = ServiceRequest::new(id.to_string(), status);
            request.status_notes =
                Some((*rng.pick(if closed { &CLOSED_NOTES } else { &OPEN_NOTES })).to_owned());
            request.service_name = Some(name.to_owned());
            request.service_code = Some(code.into());
            request.description = Some(description(&mut rng));
            request.agency_responsible = Some(agency.to_owned());
            request.service_notice = Some(notice.to_owned());
            request.requested_datetime = Some(requested);
            request.updated_datetime =
                Some(requested + TimeDelta::seconds(600 + i64::from(rng.below(14 * 86_400))));
            request.expected_datetime =
                Some(requested + TimeDelta::days(1 + i64::from(rng.below(14))));
            request.address = Some(address(&mut rng));
            request.address_id = Some((545_000 + rng.below(100_000)).to_string());
            request.zipcode = Some((*rng.pick(&["94110", "94122", "94103", "94117"])).to_owned());
            request.lat = Some(coordinate(&mut rng, "37", 70, 11));
            request.long = Some(coordinate(&mut rng, "-122", 36, 15));
            request.media_url = Some(format!(
                "http://city.gov.s3.amazonaws.com/requests/media/{id}.jpg"
            ));
            request
        })
        .collect()
}

/// Free text of 40 to 200 characters, with an `&` after the second word.
fn description(rng: &mut Lcg) -> String {
    let target = 40 + rng.below(161) as usize;
    let mut text = String::with_capacity(target + 16);
    let mut chars = 0;
    let mut words = 0;
    while chars < target {
        let word = if words == 2 { "&" } else { *rng.pick(&WORDS) };
        if words > 0 {
            text.push(' ');
            chars += 1;
        }
        text.push_str(word);
        chars += word.chars().count();
        words += 1;
    }
    if chars > 200 {
        let end = text
            .char_indices()
            .nth(200)
            .map_or(text.len(), |(at, _)| at);
        text.truncate(end);
        text.truncate(text.trim_end().len());
    }
    text
}

/// A street address or an intersection.
fn address(rng: &mut Lcg) -> String {
    let street = rng.pick(&STREETS);
    if rng.below(3) == 0 {
        format!("{} and {street}", rng.pick(&STREETS))
    } else {
        format!("{} {street}", 1 + rng.below(4_000))
    }
}

/// `whole.ff...` with 6 to 9 decimals whose first two are in `low..low + span`.
fn coordinate(rng: &mut Lcg, whole: &str, low: u32, span: u32) -> f64 {
    let decimals = 6 + rng.below(4) as usize;
    let scale = 10_u32.pow(decimals as u32 - 2);
    let fraction = low * scale + rng.below(span * scale);
    format!("{whole}.{fraction:0decimals$}")
        .parse()
        .expect("a decimal number")
}
