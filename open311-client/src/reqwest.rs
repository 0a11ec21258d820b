//! An async transport on reqwest 0.13.

use crate::transport::{AsyncHttpClient, HttpRequest, HttpResponse};

/// The largest answer read, in bytes; the decoders refuse documents over 16 MiB anyway.
const MAX_BODY: usize = 16 * 1024 * 1024 + 1;

/// reqwest as an [`AsyncHttpClient`]: error statuses are answers, redirects are not followed.
///
/// reqwest is used without its default features, so no TLS is chosen for you: for `https`
/// endpoints, enable one of reqwest's TLS features (such as `rustls`) in your own
/// `Cargo.toml`.
#[derive(Debug, Clone)]
pub struct ReqwestClient {
    client: reqwest::Client,
}

/// A failure of the reqwest transport.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReqwestError {
    /// reqwest failed.
    #[error(transparent)]
    Reqwest(#[from] reqwest::Error),
    /// The answer is larger than any document the client reads.
    #[error("the answer is over {MAX_BODY} bytes")]
    TooLarge,
}

impl ReqwestClient {
    /// A client that follows no redirects.
    ///
    /// # Errors
    ///
    /// When reqwest cannot build its client (its TLS backend cannot start, say).
    pub fn new() -> Result<Self, ReqwestError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("open311-rs/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(ReqwestClient { client })
    }

    /// Wraps a client configured elsewhere; redirects off is advised.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestClient { client }
    }
}

impl AsyncHttpClient for ReqwestClient {
    type Error = ReqwestError;

    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, ReqwestError> {
        let request = reqwest::Request::try_from(request)?;
        let mut response = self.client.execute(request).await?;
        let mut answer = http::Response::new(Vec::new());
        *answer.status_mut() = response.status();
        *answer.version_mut() = response.version();
        *answer.headers_mut() = response.headers().clone();
        while let Some(chunk) = response.chunk().await? {
            if answer.body().len() + chunk.len() > MAX_BODY {
                return Err(ReqwestError::TooLarge);
            }
            answer.body_mut().extend_from_slice(&chunk);
        }
        Ok(answer)
    }
}
