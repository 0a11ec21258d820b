//! The sample catalogue a new database starts with.
//!
//! Five services, realistic for a mid-sized city: all three service types, and definitions
//! that use all six datatypes, required and optional attributes, a multivaluelist, and an
//! informational attribute (variable false).

use open311_types::{Attribute, AttributeValue, Datatype, Service, ServiceDefinition, ServiceType};

/// The services, each with its definition when it has one.
pub(crate) fn catalogue() -> Vec<(Service, Option<ServiceDefinition>)> {
    vec![
        (
            service("POTHOLE", "Pothole", ServiceType::Realtime, "streets", true)
                .described("A hole or sunken patch in the road surface.")
                .keywords("pothole, road, hole, asphalt"),
            Some(pothole()),
        ),
        (
            service(
                "GRAFFITI",
                "Graffiti",
                ServiceType::Batch,
                "sanitation",
                true,
            )
            .described("Paint or marks on public or private property.")
            .keywords("graffiti, tagging, vandalism"),
            Some(graffiti()),
        ),
        (
            service(
                "STREETLIGHT",
                "Street light out",
                ServiceType::Realtime,
                "streets",
                false,
            )
            .described("A street light that is off, flickering or on during the day.")
            .keywords("light, lamp, dark"),
            None,
        ),
        (
            service(
                "MISSED-PICKUP",
                "Missed trash pickup",
                ServiceType::Batch,
                "sanitation",
                false,
            )
            .described("Trash, recycling or compost not collected on the scheduled day.")
            .keywords("trash, garbage, recycling, collection"),
            None,
        ),
        (
            service(
                "NOISE",
                "Noise complaint",
                ServiceType::Blackbox,
                "neighborhood",
                false,
            )
            .described("Construction or amplified noise outside permitted hours.")
            .keywords("noise, loud, construction"),
            None,
        ),
    ]
}

fn service(code: &str, name: &str, kind: ServiceType, group: &str, metadata: bool) -> Service {
    let mut service = Service::new(code, name);
    service.service_type = Some(kind);
    service.group = Some(group.to_owned());
    service.metadata = Some(metadata);
    service
}

trait Describe {
    fn described(self, description: &str) -> Self;
    fn keywords(self, keywords: &str) -> Self;
}

impl Describe for Service {
    fn described(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }

    fn keywords(mut self, keywords: &str) -> Self {
        self.keywords = Some(keywords.to_owned());
        self
    }
}

fn attribute(
    code: &str,
    datatype: Datatype,
    required: bool,
    order: u32,
    question: &str,
    values: &[(&str, &str)],
) -> Attribute {
    let mut attribute = Attribute::new(code, datatype);
    attribute.required = Some(required);
    attribute.order = Some(order);
    attribute.description = Some(question.to_owned());
    attribute.values = values
        .iter()
        .map(|(key, name)| AttributeValue::new(*key, *name))
        .collect();
    attribute
}

fn pothole() -> ServiceDefinition {
    let mut definition = ServiceDefinition::new("POTHOLE");
    let mut info = attribute(
        "REPAIR-TIME",
        Datatype::Text,
        false,
        1,
        "Potholes are usually filled within three working days.",
        &[],
    );
    info.variable = Some(false);
    let mut depth = attribute(
        "DEPTH",
        Datatype::Number,
        true,
        2,
        "How deep is it, in cm?",
        &[],
    );
    depth.datatype_description = Some("A number of centimetres, such as 7.5".into());
    let mut seen = attribute(
        "SEEN-AT",
        Datatype::Datetime,
        false,
        6,
        "When did you see it?",
        &[],
    );
    seen.datatype_description = Some("A date and time with its offset".into());
    definition.attributes = vec![
        info,
        depth,
        attribute(
            "SIZE",
            Datatype::SingleValueList,
            true,
            3,
            "How wide is it?",
            &[
                ("S", "Smaller than a plate"),
                ("M", "Up to a car tyre"),
                ("L", "Wider than a tyre"),
            ],
        ),
        attribute(
            "HAZARDS",
            Datatype::MultiValueList,
            false,
            4,
            "Which of these are near it?",
            &[
                ("TRAFFIC", "Heavy traffic"),
                ("BIKES", "A bike lane"),
                ("SCHOOL", "A school"),
            ],
        ),
        attribute(
            "LANE",
            Datatype::String,
            false,
            5,
            "Which lane is it in?",
            &[],
        ),
        seen,
        attribute(
            "NOTES",
            Datatype::Text,
            false,
            7,
            "Anything else the crew should know?",
            &[],
        ),
    ];
    definition
}

fn graffiti() -> ServiceDefinition {
    let mut definition = ServiceDefinition::new("GRAFFITI");
    definition.attributes = vec![
        attribute(
            "SURFACE",
            Datatype::SingleValueList,
            true,
            1,
            "What is it painted on?",
            &[
                ("WALL", "A wall"),
                ("SIGN", "A sign"),
                ("VEHICLE", "A vehicle"),
                ("OTHER", "Other"),
            ],
        ),
        attribute(
            "OFFENSIVE",
            Datatype::SingleValueList,
            false,
            2,
            "Is it offensive?",
            &[("YES", "Yes"), ("NO", "No")],
        ),
        attribute(
            "AREA",
            Datatype::Number,
            false,
            3,
            "About how many square metres?",
            &[],
        ),
    ];
    definition
}
