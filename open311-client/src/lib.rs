//! An Open311 GeoReport v2 client for the servers cities actually run.
//!
//! The core is sans-IO: each call of the spec is an [`Operation`] that builds an
//! `http::Request<Vec<u8>>` and reads an `http::Response<Vec<u8>>` into a typed answer, with
//! the deviations from the spec it tolerated. It opens no socket and needs no async runtime.
//! Transports carry the requests: the [`SyncHttpClient`] and [`AsyncHttpClient`] traits,
//! closures for tests and custom stacks, and ready adapters behind features.
//!
//! Around the core sit the real-world behaviours: [`Client::discover`] picks the GeoReport v2
//! endpoint and its best format from a discovery document; [`Client::resolve_token`] waits for
//! a batch service's token with bounded polling; [`walk::RequestWalk`] fetches large result
//! sets by pages or by 90-day windows, each request once; a [`Profile`] holds a server
//! family's quirks as data.
//!
//! # Quick start
//!
//! ```
//! use open311_client::{Client, HttpRequest, HttpResponse};
//!
//! // Any transport will do; this one answers from memory.
//! let transport = |request: HttpRequest| -> Result<HttpResponse, std::io::Error> {
//!     assert_eq!(request.uri(), "https://city.example/open311/v2/services.xml");
//!     Ok(http::Response::new(
//!         br#"<?xml version="1.0" encoding="UTF-8"?>
//!         <services><service><service_code>001</service_code>
//!         <service_name>Pothole</service_name></service></services>"#.to_vec(),
//!     ))
//! };
//!
//! let client = Client::new("https://city.example/open311/v2")?;
//! let services = client.services().send(&transport)?;
//! assert_eq!(services.value[0].service_code, "001");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The same with an async transport, here the `reqwest` adapter:
//!
//! ```no_run
//! # #[cfg(feature = "reqwest")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use open311_client::{Client, ReqwestClient};
//!
//! let transport = ReqwestClient::new()?;
//! let client = Client::new("http://127.0.0.1:3311/")?;
//! let services = client.services().send_async(&transport).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! [`Error`] tells a spec error document ([`Error::Api`], with the status) from an answer that
//! is not Open311 at all, such as an HTML error page ([`Error::NotOpen311`], with an excerpt),
//! from an answer that could not be decoded ([`Error::Decode`], saying where it broke), from a
//! failed transport ([`Error::Transport`]).
//!
//! # Features
//!
//! | feature | adds |
//! | --- | --- |
//! | `ureq` | [`UreqClient`], blocking, on ureq 3 with rustls |
//! | `reqwest` | [`ReqwestClient`], async, on reqwest 0.13 (bring your own TLS feature) |
//!
//! Both adapters hand error statuses back as answers and follow no redirects.
//!
// An adapter the build leaves out has no item to link to: its link goes to this table instead.
#![cfg_attr(not(feature = "ureq"), doc = "[`UreqClient`]: crate#features")]
#![cfg_attr(not(feature = "reqwest"), doc = "[`ReqwestClient`]: crate#features")]

mod client;
mod error;
mod profile;
#[cfg(feature = "reqwest")]
mod reqwest;
mod transport;
#[cfg(feature = "ureq")]
mod ureq;
pub mod walk;

pub use client::{Client, Operation, Polling};
pub use error::Error;
pub use profile::{MultiValue, Profile};
#[cfg(feature = "reqwest")]
pub use reqwest::{ReqwestClient, ReqwestError};
pub use transport::{
    AsyncFn, AsyncHttpClient, HttpRequest, HttpResponse, LocalAsyncHttpClient, SyncHttpClient,
    async_fn,
};
#[cfg(feature = "ureq")]
pub use ureq::UreqClient;
