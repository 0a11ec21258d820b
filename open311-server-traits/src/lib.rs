//! The Open311 GeoReport v2 server layer: a [`Backend`] trait and a [`Router`].
//!
//! A city or vendor implements [`Backend`] over its CRM, one async method per operation of
//! the spec, returning `open311-types` values. The [`Router`] owns everything on the wire:
//! paths and format suffixes, query and form parsing with limits, `jurisdiction_id` and
//! `api_key` checks, validation of a POST against its service definition before the backend
//! sees it, the GET requests semantics (the id list overriding other filters, the 90-day
//! window, the 1,000-result cap, paging), discovery generated from the [`Config`], and the
//! spec's status codes and error documents.
//!
//! The router takes an `http::Request<Bytes>` and returns an `http::Response<Bytes>`; it
//! picks no HTTP stack and no async runtime. With the `tower` feature it is a
//! `tower::Service`, so axum and hyper mount it in a few lines (see the `axum` and `hyper`
//! examples).
//!
//! # Quick start
//!
//! ```
//! use bytes::Bytes;
//! use open311_server_traits::{Config, MemoryBackend, Router};
//! use open311_types::Service;
//!
//! let backend = MemoryBackend::new().with_service(Service::new("001", "Pothole"), None);
//! let router = Router::new(backend, Config::default());
//!
//! let request = http::Request::get("/services.xml").body(Bytes::new()).unwrap();
//! let response = futures_lite_block_on(router.handle(request));
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["content-type"], "text/xml; charset=utf-8");
//! assert!(response.body().starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
//! # fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
//! # }
//! ```
//!
//! # Features
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `tower` | `impl tower::Service` for [`Router`], reading any body under the size limit |
//! | `tracing` | rejections and backend failures at DEBUG, under `open311::rejection` and `open311::backend`; never an `api_key` |

// Input from the network reaches this code: no panic on it, and every failure a typed error.
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod backend;
mod config;
mod filter;
mod memory;
mod router;
#[cfg(feature = "tower")]
mod tower;

pub use backend::{
    ApiKeyOutcome, Backend, BackendError, BackendErrorKind, RequestContext, RequestList,
};
pub use config::{
    AnyKey, ApiKeyPolicy, Clock, Config, FixedClock, KeyRejected, Limits, StaticKeys, SystemClock,
};
pub use filter::{RequestFilter, UpdateFilter};
pub use memory::MemoryBackend;
pub use router::Router;
