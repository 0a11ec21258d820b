//! `open311 serve` over real HTTP on loopback: the whole life of a request, a restart, and
//! concurrent writers.

mod support;

use std::collections::HashSet;

use open311_types::{
    CreatedServiceRequest, CreatedUpdate, DecodeOptions, Document, Format, Service,
    ServiceDefinition, ServiceRequest, Status, TokenLookup,
};
use support::{Answer, Server, TempDir};

fn decode<D: Document>(answer: &Answer, format: Format) -> D {
    assert_eq!(answer.content_type, format.content_type());
    open311_types::decode::<D>(&answer.body, format, &DecodeOptions::strict())
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&answer.body)))
        .value
}

const POTHOLE: &str = "api_key=secret&service_code=POTHOLE&lat=37.7625&long=-122.4651\
    &description=Deep+one&attribute[DEPTH]=12.5&attribute[SIZE]=L\
    &attribute[HAZARDS][]=TRAFFIC&attribute[HAZARDS][]=BIKES&attribute[SEEN-AT]=2026-06-01T08:30:00-07:00";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_life_of_a_request_survives_a_restart() {
    let dir = TempDir::new("life");
    let db = dir.0.join("city.db");
    let server = Server::start(&db, &["--api-key", "secret"]);

    let services: Vec<Service> = decode(
        &server.send("GET", "/services.xml", None).await,
        Format::Xml,
    );
    assert_eq!(services.len(), 5);
    let definition: ServiceDefinition = decode(
        &server.send("GET", "/services/POTHOLE.json", None).await,
        Format::Json,
    );
    assert_eq!(definition.attributes.len(), 7);

    let posted = server.send("POST", "/requests.xml", Some(POTHOLE)).await;
    assert_eq!(
        posted.status,
        200,
        "{}",
        String::from_utf8_lossy(&posted.body)
    );
    let created: Vec<CreatedServiceRequest> = decode(&posted, Format::Xml);
    let id = created[0]
        .service_request_id
        .clone()
        .expect("a realtime service answers an id");

    let graffiti = "api_key=secret&service_code=GRAFFITI&address_string=Main+St+%26+3rd&attribute[SURFACE]=WALL";
    let created: Vec<CreatedServiceRequest> = decode(
        &server.send("POST", "/requests.json", Some(graffiti)).await,
        Format::Json,
    );
    let token = created[0]
        .token
        .clone()
        .expect("a batch service answers a token");
    let lookup: Vec<TokenLookup> = decode(
        &server
            .send("GET", &format!("/tokens/{token}.xml"), None)
            .await,
        Format::Xml,
    );
    let graffiti_id = lookup[0]
        .service_request_id
        .clone()
        .expect("the token resolves");

    let read: Vec<ServiceRequest> = decode(
        &server
            .send("GET", &format!("/requests/{id}.json"), None)
            .await,
        Format::Json,
    );
    assert_eq!(read[0].description.as_deref(), Some("Deep one"));
    assert_eq!(read[0].lat, Some(37.7625));
    assert_eq!(read[0].status, Some(Status::Open));

    let listed: Vec<ServiceRequest> = decode(
        &server
            .send("GET", "/requests.xml?service_code=POTHOLE", None)
            .await,
        Format::Xml,
    );
    assert_eq!(listed.len(), 1);
    let both: Vec<ServiceRequest> = decode(
        &server
            .send(
                "GET",
                &format!("/requests.json?service_request_id={id},{graffiti_id}"),
                None,
            )
            .await,
        Format::Json,
    );
    assert_eq!(both.len(), 2);
    let closed: Vec<ServiceRequest> = decode(
        &server
            .send("GET", "/requests.xml?status=closed", None)
            .await,
        Format::Xml,
    );
    assert!(closed.is_empty());

    let update = format!("api_key=secret&service_request_id={id}&status=closed&description=Filled");
    let answer = server
        .send("POST", "/servicerequestupdates.xml", Some(&update))
        .await;
    let _: Vec<CreatedUpdate> = decode(&answer, Format::Xml);
    let closed: Vec<ServiceRequest> = decode(
        &server
            .send("GET", "/requests.xml?status=closed", None)
            .await,
        Format::Xml,
    );
    assert_eq!(closed[0].service_request_id.as_ref(), Some(&id));
    let before_restart = server
        .send("GET", &format!("/requests/{id}.xml"), None)
        .await
        .body;

    assert!(server.stop(), "the server exits cleanly on SIGTERM");
    let server = Server::start(&db, &["--api-key", "secret"]);
    let after_restart = server
        .send("GET", &format!("/requests/{id}.xml"), None)
        .await
        .body;
    assert_eq!(
        after_restart, before_restart,
        "the request reads the same after a restart"
    );
    let created: Vec<CreatedServiceRequest> = decode(
        &server.send("POST", "/requests.json", Some(POTHOLE)).await,
        Format::Json,
    );
    let next = created[0].service_request_id.clone().unwrap();
    let number = |id: &open311_types::ServiceRequestId| id.as_str().parse::<u64>().unwrap();
    assert!(number(&next) > number(&graffiti_id), "ids are never reused");
    assert!(server.stop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_posts_get_a_thousand_ids() {
    let dir = TempDir::new("concurrent");
    let server = Server::start(&dir.0.join("city.db"), &["--api-key", "secret"]);
    let addr = server.addr.clone();
    let tasks: Vec<_> = (0..1_000)
        .map(|n| {
            let addr = addr.clone();
            tokio::spawn(async move {
                let body =
                    format!("api_key=secret&service_code=STREETLIGHT&address_string=Pole+{n}");
                let answer = support::send(&addr, "POST", "/requests.json", Some(&body)).await;
                assert_eq!(
                    answer.status,
                    200,
                    "{}",
                    String::from_utf8_lossy(&answer.body)
                );
                let created: Vec<CreatedServiceRequest> = decode(&answer, Format::Json);
                (n, created[0].service_request_id.clone().expect("an id"))
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("the task finishes"));
    }
    let distinct: HashSet<_> = ids.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(distinct.len(), 1_000);
    for chunk in ids.chunks(200) {
        let list = chunk
            .iter()
            .map(|(_, id)| id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let answer = server
            .send(
                "GET",
                &format!("/requests.json?service_request_id={list}"),
                None,
            )
            .await;
        let read: Vec<ServiceRequest> = decode(&answer, Format::Json);
        assert_eq!(read.len(), chunk.len());
        for (n, id) in chunk {
            let request = read
                .iter()
                .find(|r| r.service_request_id.as_ref() == Some(id))
                .unwrap();
            assert_eq!(
                request.address.as_deref(),
                Some(format!("Pole {n}").as_str())
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_folder_serves_a_captured_city() {
    let dir = TempDir::new("seed");
    let seed = dir.0.join("seed");
    std::fs::create_dir_all(seed.join("services")).unwrap();
    std::fs::write(
        seed.join("services.xml"),
        "<services><service><service_code>006</service_code><service_name>Sidewalk</service_name>\
         <metadata>true</metadata><type>realtime</type></service></services>",
    )
    .unwrap();
    std::fs::write(
        seed.join("services/006.xml"),
        "<service_definition><service_code>006</service_code><attributes><attribute>\
         <code>WHERE</code><datatype>string</datatype><required>true</required></attribute>\
         </attributes></service_definition>",
    )
    .unwrap();
    std::fs::write(
        seed.join("requests.json"),
        r#"[{"service_request_id":"638344","status":"closed","service_code":"006",
             "requested_datetime":"2010-04-14T06:37:38-08:00","updated_datetime":"2010-04-14T06:37:38-08:00"}]"#,
    )
    .unwrap();
    let db = dir.0.join("city.db");
    let server = Server::start(&db, &["--seed", seed.to_str().unwrap()]);
    let read: Vec<ServiceRequest> = decode(
        &server.send("GET", "/requests/638344.xml", None).await,
        Format::Xml,
    );
    assert_eq!(
        read[0]
            .requested_datetime
            .unwrap()
            .offset()
            .local_minus_utc(),
        -8 * 3600
    );
    let definition: ServiceDefinition = decode(
        &server.send("GET", "/services/006.xml", None).await,
        Format::Xml,
    );
    assert_eq!(definition.attributes[0].code, "WHERE");
    let body = "service_code=006&address_id=1&attribute[WHERE]=corner";
    let created: Vec<CreatedServiceRequest> = decode(
        &server.send("POST", "/requests.xml", Some(body)).await,
        Format::Xml,
    );
    assert_eq!(
        created[0].service_request_id.as_ref().unwrap(),
        "638345",
        "ids continue above the seeded ones"
    );
    assert!(server.stop());
}
