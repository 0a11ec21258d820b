//! The client against `open311 serve` over loopback: every operation through both adapters,
//! and the client commands as a user runs them.

mod support;

use std::process::Command;

use open311_client::{Client, Error, Polling, Profile, ReqwestClient, UreqClient};
use open311_types::{
    AttributeInput, EndpointType, Format, NewServiceRequest, NewServiceRequestUpdate, RequestQuery,
    Status,
};
use support::{Server, TempDir};

fn pothole() -> NewServiceRequest {
    let mut request = NewServiceRequest::new("POTHOLE");
    request.lat = Some(37.7625);
    request.long = Some(-122.4651);
    request.description = Some("Deep one".into());
    request.attributes = vec![
        AttributeInput::single("DEPTH", "12"),
        AttributeInput::single("SIZE", "L"),
        AttributeInput::list("HAZARDS", ["TRAFFIC", "BIKES"]),
    ];
    request
}

#[test]
fn every_operation_through_ureq_against_open311_serve() {
    let dir = TempDir::new("ureq");
    let server = Server::start(&dir.0.join("city.db"), &["--api-key", "secret"]);
    let transport = UreqClient::new();
    for format in [Format::Xml, Format::Json] {
        let discovery = format!("http://{}/discovery.{}", server.addr, format.extension());
        let client = Client::discover(
            &transport,
            &discovery,
            &EndpointType::Production,
            Profile::standard(),
        )
        .unwrap()
        .with_api_key("secret")
        .with_format(format);
        assert_eq!(client.services().send(&transport).unwrap().value.len(), 5);
        let definition = client
            .service_definition(&"POTHOLE".into())
            .send(&transport)
            .unwrap()
            .value;
        let created = client
            .post_request_checked(&pothole(), &definition)
            .unwrap()
            .send(&transport)
            .unwrap();
        let id = created.value.service_request_id.expect("an id");
        assert_eq!(
            client
                .request(&id)
                .send(&transport)
                .unwrap()
                .value
                .description
                .as_deref(),
            Some("Deep one")
        );
        let mut query = RequestQuery::default();
        query.service_codes = vec!["POTHOLE".into()];
        assert!(
            client
                .requests(&query)
                .send(&transport)
                .unwrap()
                .value
                .iter()
                .any(|r| r.service_request_id == Some(id.clone()))
        );
        let mut graffiti = NewServiceRequest::new("GRAFFITI");
        graffiti.address_string = Some("Main & 3rd".into());
        graffiti
            .attributes
            .push(AttributeInput::single("SURFACE", "WALL"));
        let token = client
            .post_request(&graffiti)
            .unwrap()
            .send(&transport)
            .unwrap()
            .value
            .token
            .expect("a token");
        client
            .resolve_token(&transport, &token, &Polling::default(), |_| {})
            .unwrap();
        let mut update = NewServiceRequestUpdate::new(id.clone());
        update.status = Some(Status::Closed);
        client.post_update(&update).send(&transport).unwrap();
        assert!(
            client
                .updates(&RequestQuery::default())
                .send(&transport)
                .unwrap()
                .value
                .iter()
                .any(|u| u.service_request_id == id)
        );
        let refused = client
            .clone()
            .with_api_key("nope")
            .post_request(&pothole())
            .unwrap()
            .send(&transport);
        assert!(matches!(refused, Err(Error::Api { status, .. }) if status == 403));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_through_reqwest_against_open311_serve() {
    let dir = TempDir::new("reqwest");
    let server = Server::start(
        &dir.0.join("city.db"),
        &["--api-key", "secret", "--token-delay", "1"],
    );
    let transport = ReqwestClient::new().unwrap();
    for format in [Format::Xml, Format::Json] {
        let base = format!("http://{}/", server.addr);
        let client = Client::discover_async(
            &transport,
            &base,
            &EndpointType::Production,
            Profile::standard(),
        )
        .await
        .unwrap()
        .with_api_key("secret")
        .with_format(format);
        assert_eq!(
            client
                .services()
                .send_async(&transport)
                .await
                .unwrap()
                .value
                .len(),
            5
        );
        let definition = client
            .service_definition(&"POTHOLE".into())
            .send_async(&transport)
            .await
            .unwrap()
            .value;
        let created = client
            .post_request_checked(&pothole(), &definition)
            .unwrap()
            .send_async(&transport)
            .await
            .unwrap();
        let id = created.value.service_request_id.expect("an id");
        assert_eq!(
            client
                .request(&id)
                .send_async(&transport)
                .await
                .unwrap()
                .value
                .lat,
            Some(37.7625)
        );
        assert!(
            !client
                .requests(&RequestQuery::default())
                .send_async(&transport)
                .await
                .unwrap()
                .value
                .is_empty()
        );
        let mut graffiti = NewServiceRequest::new("GRAFFITI");
        graffiti.address_id = Some("42".into());
        graffiti
            .attributes
            .push(AttributeInput::single("SURFACE", "SIGN"));
        let token = client
            .post_request(&graffiti)
            .unwrap()
            .send_async(&transport)
            .await
            .unwrap()
            .value
            .token
            .expect("a token");
        let pending = client
            .token(&token)
            .send_async(&transport)
            .await
            .unwrap()
            .value;
        assert_eq!(
            pending.service_request_id, None,
            "the token resolves after a second"
        );
        let polling = Polling {
            tries: 10,
            delay: std::time::Duration::from_millis(300),
        };
        client
            .resolve_token_async(&transport, &token, &polling, tokio::time::sleep)
            .await
            .unwrap();
        let mut update = NewServiceRequestUpdate::new(id.clone());
        update.description = Some("Crew on site".into());
        client
            .post_update(&update)
            .send_async(&transport)
            .await
            .unwrap();
        let updates = client
            .updates(&RequestQuery::default())
            .send_async(&transport)
            .await
            .unwrap();
        assert!(
            updates
                .value
                .iter()
                .any(|u| u.description.as_deref() == Some("Crew on site"))
        );
    }
}

fn open311(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_open311"))
        .args(args)
        .output()
        .expect("open311 runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_client_commands_from_a_shell() {
    let dir = TempDir::new("commands");
    let server = Server::start(&dir.0.join("city.db"), &["--api-key", "secret"]);
    let url = format!("http://{}/", server.addr);

    let (code, out, _) = open311(&["services", &url]);
    assert_eq!(code, 0);
    assert!(out.lines().next().unwrap().starts_with("service_code"));
    assert!(out.contains("POTHOLE") && out.contains("blackbox"));

    let (code, out, _) = open311(&["definition", &url, "POTHOLE", "--json"]);
    assert_eq!(code, 0);
    let definition: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(definition["service_code"], "POTHOLE");

    let post = [
        "post",
        &url,
        "--service",
        "POTHOLE",
        "--lat",
        "37.76",
        "--long",
        "-122.42",
        "--attr",
        "DEPTH=4",
        "--attr",
        "SIZE=M",
        "--attr",
        "HAZARDS=TRAFFIC",
        "--attr",
        "HAZARDS=SCHOOL",
        "--api-key",
        "secret",
    ];
    let (code, out, err) = open311(&post);
    assert_eq!(code, 0, "{err}");
    let id = out
        .strip_prefix("service_request_id: ")
        .unwrap()
        .trim()
        .to_owned();

    let (code, out, _) = open311(&["requests", &url, "--status", "open", "--json"]);
    assert_eq!(code, 0);
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["service_request_id"] == id.as_str())
    );

    let (code, out, err) = open311(&["requests", &url, "--all", "--since", "2020-01-01"]);
    assert_eq!(code, 0);
    assert!(out.contains(&id));
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with("fetched 1 requests in "),
        "{err}"
    );

    let (code, out, _) = open311(&["request", &url, &id]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .next()
            .unwrap()
            .starts_with("service_request_id")
    );

    let (code, _, err) = open311(&[
        "post",
        &url,
        "--service",
        "POTHOLE",
        "--address",
        "x",
        "--attr",
        "DEPTH=deep",
        "--api-key",
        "secret",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("attribute[DEPTH]: not a number"), "{err}");

    let (code, _, err) = open311(&["request", &url, "999999"]);
    assert_eq!(code, 1);
    assert!(err.contains("404") && err.contains("not found"), "{err}");

    let (code, out, _) = open311(&[
        "post",
        &url,
        "--service",
        "GRAFFITI",
        "--address",
        "Main St",
        "--attr",
        "SURFACE=WALL",
        "--api-key",
        "secret",
    ]);
    assert_eq!(code, 0);
    let token = out.split_whitespace().nth(1).unwrap().to_owned();
    let (code, out, _) = open311(&["token", &url, &token]);
    assert_eq!(code, 0);
    assert!(out.starts_with("service_request_id: "), "{out}");

    let (code, out, _) = open311(&["discover", &url, "--json"]);
    assert_eq!(code, 0);
    let discovery: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        discovery["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
}
