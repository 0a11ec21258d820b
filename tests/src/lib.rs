//! Open311 GeoReport v2 conformance: which rule of the spec an endpoint breaks.
//!
//! Each requirement of the spec is a named [`Check`] with a one-line statement, a citation
//! (document and section) and a [`Severity`]. [`run`] sends the requests the checks need to a
//! [`Target`] and returns a [`Report`]: pass, fail with evidence (the request, the status, an
//! excerpt of the answer, what is wrong), or skip with the reason. The same checks run in
//! process against a [`Router`](open311_server_traits::Router), with no socket, and over HTTP
//! against any URL through an `open311-client` transport.
//!
//! Without [`Options::write`] nothing is posted. With it, the run creates service requests
//! (and an update, where the extension is offered) on the endpoint: point it at a test
//! endpoint, as the spec has no way to delete them.
//!
//! # In a city's own test suite
//!
//! ```
//! use open311_conformance::{Options, run};
//! use open311_server_traits::{Config, MemoryBackend, Router, StaticKeys};
//! use open311_types::{Service, ServiceType};
//!
//! let mut pothole = Service::new("001", "Pothole");
//! pothole.service_type = Some(ServiceType::Realtime);
//! pothole.metadata = Some(false);
//! let router = Router::new(
//!     MemoryBackend::new().with_service(pothole, None),
//!     Config::default().with_api_keys(StaticKeys::new().with_key("checker", "secret")),
//! );
//!
//! let options = Options::new("").with_write(Some("secret".into()));
//! let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let report = runtime.block_on(run(&router, &options));
//! assert!(report.conforms(), "{}", report.to_table());
//! ```
//!
//! # Over HTTP
//!
//! Through a blocking transport, on a runtime of its own:
//!
//! ```no_run
//! use open311_client::UreqClient;
//! use open311_conformance::{Blocking, Options, run};
//!
//! let target = Blocking(UreqClient::new());
//! let options = Options::new("https://city.example/open311/v2");
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let report = runtime.block_on(run(&target, &options));
//! println!("{}", report.to_table());
//! ```
//!
//! The `open311 check URL` command does exactly this.
//!
//! # The corpus
//!
//! The tests of the real-world documents in `../shared/fixtures/` stay with `open311-types`,
//! beside the decoders they exercise.

mod checks;
mod report;
mod run;
mod target;

pub use checks::{CHECKS, Check, Severity, check};
pub use report::{Evidence, Finding, Report, Status};
pub use run::{Options, run};
pub use target::{Async, Blocking, Target};
