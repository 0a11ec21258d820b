//! Mounts an Open311 endpoint in an axum application under `/open311/v2`.
//!
//! Run it with `cargo run -p open311-server-traits --features tower --example axum`, then
//! `curl http://127.0.0.1:3311/open311/v2/services.xml`.

use axum::routing::get;
use open311_server_traits::{Config, MemoryBackend, Router, StaticKeys};
use open311_types::{Service, ServiceType};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut pothole = Service::new("001", "Pothole");
    pothole.service_type = Some(ServiceType::Realtime);
    let backend = MemoryBackend::new().with_service(pothole, None);
    let config = Config::default().with_api_keys(StaticKeys::new().with_key("example", "xyz"));
    let open311 = Router::new(backend, config);

    // axum strips `/open311/v2` before the router sees the path, so no base path is set.
    let app = axum::Router::new()
        .route(
            "/",
            get(|| async { "An Open311 endpoint lives under /open311/v2/" }),
        )
        .nest_service("/open311/v2", open311);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3311").await?;
    println!(
        "serving on http://{}/open311/v2/services.xml",
        listener.local_addr()?
    );
    axum::serve(listener, app).await
}
