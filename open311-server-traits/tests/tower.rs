//! The router as a `tower::Service`: mounted in axum, and the body limit while streaming.

#![cfg(feature = "tower")]

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use open311_server_traits::{Config, MemoryBackend, Router};
use open311_types::Service;
use tower::ServiceExt;

fn router() -> Router<MemoryBackend> {
    Router::new(
        MemoryBackend::new().with_service(Service::new("001", "Pothole"), None),
        Config::default(),
    )
}

#[tokio::test]
async fn axum_mounts_it_with_nest_service() {
    let app = axum::Router::new().nest_service("/open311/v2", router());
    let request = Request::get("/open311/v2/services.json")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        &body[..],
        br#"[{"service_code":"001","service_name":"Pothole"}]"#
    );
}

/// A body that counts how many chunks were taken from it, and never ends.
struct Endless {
    polled: Arc<AtomicUsize>,
}

impl http_body::Body for Endless {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        self.polled.fetch_add(1, Ordering::Relaxed);
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(vec![
            b'a';
            16 * 1024
        ])))))
    }
}

#[tokio::test]
async fn an_endless_body_is_refused_at_the_limit() {
    let polled = Arc::new(AtomicUsize::new(0));
    let request = Request::post("/requests.json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Endless {
            polled: Arc::clone(&polled),
        })
        .unwrap();
    let response = router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let chunks = polled.load(Ordering::Relaxed);
    assert!(
        chunks <= 128 * 1024 / (16 * 1024) + 1,
        "read {chunks} chunks past the limit"
    );
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let polled = Arc::new(AtomicUsize::new(0));
    let request = Request::post("/requests.xml")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", (1u64 << 30).to_string())
        .body(Endless {
            polled: Arc::clone(&polled),
        })
        .unwrap();
    let response = router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(polled.load(Ordering::Relaxed), 0, "the body was not read");
}
