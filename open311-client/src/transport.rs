//! The transports: how an operation's `http::Request` reaches a server.
//!
//! The client core only builds requests and reads responses. A transport sends one request and
//! returns the response, whatever its status: an error status is an answer to read (servers
//! put spec error documents there), never a transport failure. Redirects are not followed;
//! an Open311 endpoint has no reason to redirect, and a redirect would drop a POST body.

use std::future::Future;

/// A request as the core builds it.
pub type HttpRequest = http::Request<Vec<u8>>;

/// A response as the core reads it.
pub type HttpResponse = http::Response<Vec<u8>>;

/// A blocking transport.
///
/// Closures implement it, which is handy in tests:
///
/// ```
/// use open311_client::{HttpRequest, HttpResponse, SyncHttpClient};
///
/// let canned = |_request: HttpRequest| -> Result<HttpResponse, std::io::Error> {
///     Ok(http::Response::new(b"<services/>".to_vec()))
/// };
/// let response = canned.call(http::Request::new(Vec::new())).unwrap();
/// assert_eq!(response.body(), b"<services/>");
/// ```
pub trait SyncHttpClient {
    /// What can go wrong in the transport itself (connection, TLS, timeout).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// # Errors
    ///
    /// Only for failures of the transport; an error status is a response.
    fn call(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error>;
}

impl<F, E> SyncHttpClient for F
where
    F: Fn(HttpRequest) -> Result<HttpResponse, E>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn call(&self, request: HttpRequest) -> Result<HttpResponse, E> {
        self(request)
    }
}

/// An async transport whose futures need not be `Send` (single-threaded runtimes, wasm).
pub trait LocalAsyncHttpClient {
    /// What can go wrong in the transport itself.
    type Error: std::error::Error + 'static;

    /// Sends `request` and returns the response, whatever its status.
    fn call(&self, request: HttpRequest)
    -> impl Future<Output = Result<HttpResponse, Self::Error>>;
}

/// An async transport with `Send` futures, for multi-threaded runtimes.
///
/// Every `AsyncHttpClient` is a [`LocalAsyncHttpClient`]; the client's async methods take the
/// local trait, and their futures are `Send` whenever the transport's are.
pub trait AsyncHttpClient: Send + Sync {
    /// What can go wrong in the transport itself.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends `request` and returns the response, whatever its status.
    fn call(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, Self::Error>> + Send;
}

impl<T: AsyncHttpClient> LocalAsyncHttpClient for T {
    type Error = <T as AsyncHttpClient>::Error;

    fn call(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, Self::Error>> {
        AsyncHttpClient::call(self, request)
    }
}

/// An async closure as a transport.
///
/// ```
/// use open311_client::{AsyncHttpClient, HttpRequest, async_fn};
///
/// let transport = async_fn(|_request: HttpRequest| async {
///     Ok::<_, std::io::Error>(http::Response::new(b"<services/>".to_vec()))
/// });
/// # let _ = &transport;
/// ```
pub fn async_fn<F>(function: F) -> AsyncFn<F> {
    AsyncFn(function)
}

/// The transport made by [`async_fn`].
#[derive(Debug, Clone, Copy)]
pub struct AsyncFn<F>(F);

impl<F, Fut, E> AsyncHttpClient for AsyncFn<F>
where
    F: Fn(HttpRequest) -> Fut + Send + Sync,
    Fut: Future<Output = Result<HttpResponse, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn call(&self, request: HttpRequest) -> impl Future<Output = Result<HttpResponse, E>> + Send {
        (self.0)(request)
    }
}
