//! The router as a `tower::Service`, for axum, hyper and any tower stack.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};

use crate::backend::Backend;
use crate::router::Router;

impl<B, ReqBody> tower_service::Service<http::Request<ReqBody>> for Router<B>
where
    B: Backend,
    ReqBody: http_body::Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    /// Reads the body up to the limit, then answers; a `Content-Length` over the limit is
    /// refused with 413 before the body is read, and a longer body as soon as it passes the
    /// limit, without buffering the rest.
    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let router = self.clone();
        Box::pin(async move {
            let limit = router.config().limits().max_body;
            let (parts, body) = request.into_parts();
            if router.declares_too_large(&parts.headers) {
                return Ok(router.body_too_large(parts.uri.path()).map(Full::new));
            }
            // A request without a body, such as a GET, has nothing to collect.
            let bytes = if body.is_end_stream() {
                Bytes::new()
            } else {
                match Limited::new(body, limit).collect().await {
                    Ok(collected) => collected.to_bytes(),
                    Err(error) if error.is::<LengthLimitError>() => {
                        return Ok(router.body_too_large(parts.uri.path()).map(Full::new));
                    }
                    // The client broke off or sent a malformed body: there is no request to answer,
                    // but the answer is still a spec error document.
                    Err(_) => Bytes::new(),
                }
            };
            let response = router.handle(http::Request::from_parts(parts, bytes)).await;
            Ok(response.map(Full::new))
        })
    }
}
