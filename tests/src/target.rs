//! What the checks run against: a router in process, or an endpoint over HTTP.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use open311_client::{HttpRequest, HttpResponse, LocalAsyncHttpClient, SyncHttpClient};
use open311_server_traits::{Backend, Router};

/// Something that answers HTTP requests: the endpoint under test.
pub trait Target {
    /// Sends `request`; `Err` when no answer came.
    fn call(&self, request: HttpRequest) -> impl Future<Output = Result<HttpResponse, String>>;

    /// Waits between the lookups of a token. In process there is nothing to wait for.
    fn pause(&self, duration: Duration) -> impl Future<Output = ()> {
        let _ = duration;
        std::future::ready(())
    }
}

/// The router answers in process; no socket is opened.
impl<B: Backend> Target for Router<B> {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let response = self.handle(request.map(Bytes::from)).await;
        Ok(response.map(|body| body.to_vec()))
    }
}

/// An endpoint over HTTP through a blocking transport, such as `UreqClient`.
///
/// The calls block, so run the checks on a runtime of their own (a current-thread one, or
/// `futures::executor::block_on`).
#[derive(Debug, Clone)]
pub struct Blocking<C>(pub C);

impl<C: SyncHttpClient> Target for Blocking<C> {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        self.0.call(request).map_err(|error| describe(&error))
    }

    async fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// An endpoint over HTTP through an async transport, such as `ReqwestClient`, with the
/// runtime's own sleep.
#[derive(Debug, Clone)]
pub struct Async<C, S> {
    /// The transport.
    pub transport: C,
    /// How to wait: `tokio::time::sleep`, say.
    pub sleep: S,
}

impl<C, S, F> Target for Async<C, S>
where
    C: LocalAsyncHttpClient,
    S: Fn(Duration) -> F,
    F: Future<Output = ()>,
{
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        self.transport
            .call(request)
            .await
            .map_err(|error| describe(&error))
    }

    async fn pause(&self, duration: Duration) {
        (self.sleep)(duration).await;
    }
}

/// An error with its chain of causes, on one line.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
