//! A blocking transport on ureq 3.

use std::time::Duration;

use crate::transport::{HttpRequest, HttpResponse, SyncHttpClient};

/// The largest answer read, in bytes; the decoders refuse documents over 16 MiB anyway.
const MAX_BODY: u64 = 16 * 1024 * 1024 + 1;

/// ureq as a [`SyncHttpClient`]: error statuses are answers, redirects are not followed.
///
/// ```no_run
/// use open311_client::{Client, UreqClient};
///
/// let transport = UreqClient::new();
/// let client = Client::new("https://open311.example.gov/v2")?;
/// let services = client.services().send(&transport)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct UreqClient {
    agent: ureq::Agent,
}

impl UreqClient {
    /// A client with a 60-second overall timeout per call.
    pub fn new() -> Self {
        UreqClient::with_timeout(Duration::from_secs(60))
    }

    /// A client with `timeout` for each whole call.
    pub fn with_timeout(timeout: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .user_agent(concat!("open311-rs/", env!("CARGO_PKG_VERSION")))
            .build();
        UreqClient {
            agent: config.into(),
        }
    }

    /// Wraps an agent configured elsewhere. It must have `http_status_as_error(false)`, or
    /// error documents never reach the client; and `max_redirects(0)` is advised.
    pub fn from_agent(agent: ureq::Agent) -> Self {
        UreqClient { agent }
    }
}

impl Default for UreqClient {
    fn default() -> Self {
        UreqClient::new()
    }
}

impl SyncHttpClient for UreqClient {
    type Error = ureq::Error;

    fn call(&self, request: HttpRequest) -> Result<HttpResponse, ureq::Error> {
        let response = self.agent.run(request)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body.with_config().limit(MAX_BODY).read_to_vec()?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}
