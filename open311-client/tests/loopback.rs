//! Every operation through both adapters over real HTTP on loopback, and walking a capped
//! server, against the server layer's router over memory.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::TimeDelta;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use open311_client::walk::{RequestWalk, Strategy};
use open311_client::{Client, Error, Polling, ReqwestClient, UreqClient, async_fn};
use open311_server_traits::{Config, FixedClock, Limits, MemoryBackend, Router, StaticKeys};
use open311_types::{
    Attribute, AttributeInput, AttributeValue, Datatype, Datetime, EndpointType, Format,
    NewServiceRequest, NewServiceRequestUpdate, RequestQuery, Service, ServiceDefinition,
    ServiceRequest, ServiceType, Status,
};

fn now() -> Datetime {
    open311_types::datetime::parse("2026-06-01T12:00:00Z").unwrap()
}

fn city() -> MemoryBackend {
    let mut pothole = Service::new("POTHOLE", "Pothole");
    pothole.service_type = Some(ServiceType::Realtime);
    pothole.metadata = Some(true);
    let mut definition = ServiceDefinition::new("POTHOLE");
    let mut hazards = Attribute::new("HAZARDS", Datatype::MultiValueList);
    hazards.values = vec![AttributeValue::new("A", "A"), AttributeValue::new("B", "B")];
    definition.attributes.push(hazards);
    let mut graffiti = Service::new("GRAFFITI", "Graffiti");
    graffiti.service_type = Some(ServiceType::Batch);
    MemoryBackend::new()
        .with_service(pothole, Some(definition))
        .with_service(graffiti, None)
}

/// Serves `router` on a loopback port from a thread of its own; returns the address.
fn serve(router: Router<MemoryBackend>) -> SocketAddr {
    let (ready, started) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            ready.send(listener.local_addr().unwrap()).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                let service = TowerToHyperService::new(router.clone());
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
    });
    started.recv().unwrap()
}

fn config() -> Config {
    Config::default()
        .with_clock(FixedClock(now()))
        .with_api_keys(StaticKeys::new().with_key("t", "k"))
}

fn pothole() -> NewServiceRequest {
    let mut request = NewServiceRequest::new("POTHOLE");
    request.lat = Some(37.76);
    request.long = Some(-122.42);
    request
        .attributes
        .push(AttributeInput::list("HAZARDS", ["A", "B"]));
    request
}

#[test]
fn every_operation_through_ureq() {
    let addr = serve(Router::new(city(), config()));
    let transport = UreqClient::new();
    for format in [Format::Xml, Format::Json] {
        let url = format!("http://{addr}/discovery.{}", format.extension());
        let client = Client::discover(
            &transport,
            &url,
            &EndpointType::Production,
            open311_client::Profile::standard(),
        )
        .unwrap()
        .with_api_key("k")
        .with_format(format);
        assert_eq!(client.services().send(&transport).unwrap().value.len(), 2);
        let definition = client
            .service_definition(&"POTHOLE".into())
            .send(&transport)
            .unwrap();
        assert_eq!(definition.value.attributes.len(), 1);
        let created = client
            .post_request_checked(&pothole(), &definition.value)
            .unwrap()
            .send(&transport)
            .unwrap();
        let id = created.value.service_request_id.unwrap();
        let read = client.request(&id).send(&transport).unwrap();
        assert_eq!(read.value.lat, Some(37.76));
        let listed = client
            .requests(&RequestQuery::default())
            .send(&transport)
            .unwrap();
        assert!(
            listed
                .value
                .iter()
                .any(|r| r.service_request_id.as_ref() == Some(&id))
        );
        let mut batch = NewServiceRequest::new("GRAFFITI");
        batch.address_string = Some("Main St".into());
        let token = client
            .post_request(&batch)
            .unwrap()
            .send(&transport)
            .unwrap()
            .value
            .token
            .unwrap();
        let resolved = client
            .resolve_token(&transport, &token, &Polling::default(), |_| {})
            .unwrap();
        assert!(!resolved.as_str().is_empty());
        let mut update = NewServiceRequestUpdate::new(id.clone());
        update.status = Some(Status::Closed);
        client.post_update(&update).send(&transport).unwrap();
        let updates = client
            .updates(&RequestQuery::default())
            .send(&transport)
            .unwrap();
        assert!(updates.value.iter().any(|u| u.service_request_id == id));
        assert_eq!(
            client.request(&id).send(&transport).unwrap().value.status,
            Some(Status::Closed)
        );
        let missing = client.request(&"nope".into()).send(&transport).unwrap_err();
        assert!(matches!(missing, Error::Api { status, .. } if status == 404));
        let refused = client
            .clone()
            .with_api_key("wrong")
            .post_request(&pothole())
            .unwrap()
            .send(&transport)
            .unwrap_err();
        assert!(matches!(refused, Error::Api { status, .. } if status == 403));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_through_reqwest() {
    let addr = serve(Router::new(city(), config()));
    let transport = ReqwestClient::new().unwrap();
    for format in [Format::Xml, Format::Json] {
        let url = format!("http://{addr}/");
        let client = Client::discover_async(
            &transport,
            &url,
            &EndpointType::Production,
            open311_client::Profile::standard(),
        )
        .await
        .unwrap()
        .with_api_key("k")
        .with_format(format);
        assert_eq!(
            client
                .services()
                .send_async(&transport)
                .await
                .unwrap()
                .value
                .len(),
            2
        );
        let definition = client
            .service_definition(&"POTHOLE".into())
            .send_async(&transport)
            .await
            .unwrap();
        let created = client
            .post_request_checked(&pothole(), &definition.value)
            .unwrap()
            .send_async(&transport)
            .await
            .unwrap();
        let id = created.value.service_request_id.unwrap();
        assert_eq!(
            client
                .request(&id)
                .send_async(&transport)
                .await
                .unwrap()
                .value
                .service_request_id,
            Some(id.clone())
        );
        let listed = client
            .requests(&RequestQuery::default())
            .send_async(&transport)
            .await
            .unwrap();
        assert!(!listed.value.is_empty());
        let mut batch = NewServiceRequest::new("GRAFFITI");
        batch.address_id = Some("7".into());
        let token = client
            .post_request(&batch)
            .unwrap()
            .send_async(&transport)
            .await
            .unwrap()
            .value
            .token
            .unwrap();
        let polling = Polling {
            tries: 3,
            delay: Duration::from_millis(10),
        };
        client
            .resolve_token_async(&transport, &token, &polling, tokio::time::sleep)
            .await
            .unwrap();
        let mut update = NewServiceRequestUpdate::new(id.clone());
        update.description = Some("On its way".into());
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
                .any(|u| u.description.as_deref() == Some("On its way"))
        );
        let missing = client
            .token(&"nope".into())
            .send_async(&transport)
            .await
            .unwrap_err();
        assert!(matches!(missing, Error::Api { status, .. } if status == 404));
    }
}

/// A city of 240 requests, one an hour back from now, behind a server that answers at most 50.
fn capped_router() -> Router<MemoryBackend> {
    let backend = (0..240).fold(city(), |backend, n| {
        let mut request = ServiceRequest::new(format!("R{n}"), Status::Open);
        request.requested_datetime = Some(now() - TimeDelta::hours(n));
        backend.with_request(request)
    });
    let mut limits = Limits::default();
    limits.max_page_size = 50;
    Router::new(backend, config().with_limits(limits))
}

/// A transport that hands requests to the router in process, through its tower interface.
fn in_process(
    router: Router<MemoryBackend>,
) -> impl open311_client::AsyncHttpClient<Error = std::convert::Infallible> {
    async_fn(move |request: open311_client::HttpRequest| {
        let router = router.clone();
        async move {
            let response = router.handle(request.map(bytes::Bytes::from)).await;
            Ok(response.map(|body| body.to_vec()))
        }
    })
}

#[tokio::test]
async fn a_walk_by_pages_finds_all_240_once() {
    let transport = in_process(capped_router());
    let client = Client::new("http://city.example/").unwrap();
    let mut calls = 0;
    let walk = RequestWalk::new(RequestQuery::default(), Strategy::Pages { page_size: 50 });
    let found = client
        .walk_requests_async(&transport, walk, |_| calls += 1)
        .await
        .unwrap();
    assert_eq!(found.len(), 240);
    assert_eq!(calls, 5);
    let mut ids: Vec<_> = found
        .iter()
        .filter_map(|r| r.service_request_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 240);
}

#[tokio::test]
async fn a_walk_by_windows_finds_all_240_once_from_a_server_without_pages() {
    let transport = in_process(capped_router());
    let client = Client::new("http://city.example/").unwrap();
    let mut query = RequestQuery::default();
    query.start_date = Some(now() - TimeDelta::days(20));
    query.end_date = Some(now());
    let profile = open311_client::Profile::standard().with_max_results(50);
    let walk = RequestWalk::for_profile(query, &profile, now());
    let found = client
        .walk_requests_async(&transport, walk, |_| {})
        .await
        .unwrap();
    let mut ids: Vec<_> = found
        .iter()
        .filter_map(|r| r.service_request_id.clone())
        .collect();
    assert_eq!(ids.len(), 240, "each request once");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 240);
}
