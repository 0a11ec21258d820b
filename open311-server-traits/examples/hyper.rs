//! Serves an Open311 endpoint with hyper alone, one adapter line from the router.
//!
//! Run it with `cargo run -p open311-server-traits --features tower --example hyper`, then
//! `curl http://127.0.0.1:3311/services.json`.

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use open311_server_traits::{Config, MemoryBackend, Router};
use open311_types::Service;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let backend = MemoryBackend::new().with_service(Service::new("001", "Pothole"), None);
    let router = Router::new(backend, Config::default());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3311").await?;
    println!("serving on http://{}/services.json", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection failed: {error}");
            }
        });
    }
}
