//! `open311 serve` under hostile clients over loopback: bodies over the limit, declared or
//! streamed, and clients that stall.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::{Server, TempDir};

/// Opens a connection that gives up reading after `seconds`.
fn connect(server: &Server, seconds: u64) -> TcpStream {
    let stream = TcpStream::connect(&server.addr).expect("the server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(seconds)))
        .expect("a read timeout");
    stream
}

/// Reads what the server sends until it closes or stops; returns it as text.
fn answer(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(read) = stream.read(&mut buffer) {
        if read == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..read]);
        if received.windows(4).any(|w| w == b"\r\n\r\n") && received.ends_with(b">") {
            break;
        }
    }
    String::from_utf8_lossy(&received).into_owned()
}

fn still_serves(server: &Server) {
    let mut stream = connect(server, 10);
    let request = format!(
        "GET /services.xml HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    );
    stream
        .write_all(request.as_bytes())
        .expect("a request is sent");
    assert!(
        answer(&mut stream).starts_with("HTTP/1.1 200"),
        "the next connection is served"
    );
}

#[test]
fn a_declared_gibibyte_is_refused_before_any_byte_is_read() {
    let dir = TempDir::new("limits-declared");
    let server = Server::start(&dir.0.join("city.db"), &[]);
    let mut stream = connect(&server, 10);
    let head = "POST /requests.json HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1073741824\r\n\r\n";
    stream
        .write_all(head.as_bytes())
        .expect("the headers are sent");
    let text = answer(&mut stream);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(
        text.contains("\"code\":413"),
        "an error document in JSON: {text}"
    );
    still_serves(&server);
}

#[test]
fn a_streamed_gibibyte_is_refused_after_the_limit_without_being_read() {
    let dir = TempDir::new("limits-streamed");
    let server = Server::start(&dir.0.join("city.db"), &[]);
    let mut stream = connect(&server, 10);
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .expect("a write timeout");
    let head = "POST /requests.xml HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n";
    stream
        .write_all(head.as_bytes())
        .expect("the headers are sent");
    let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
    let mut sent = 0usize;
    // Up to 1 GiB, stopping as soon as the server stops taking it: it closes the connection
    // once it has answered, or leaves the bytes unread until the write times out.
    while sent < 1 << 30 {
        if stream.write_all(chunk.as_bytes()).is_err() {
            break;
        }
        sent += 0x10000;
    }
    let text = answer(&mut stream);
    assert!(
        text.starts_with("HTTP/1.1 413"),
        "after {sent} bytes: {text}"
    );
    assert!(
        sent < 1 << 30,
        "the server stopped reading long before a gibibyte"
    );
    still_serves(&server);
}

#[test]
fn a_stalled_body_is_answered_with_408() {
    let dir = TempDir::new("limits-stalled");
    let server = Server::start(&dir.0.join("city.db"), &["--body-timeout", "1"]);
    let mut stream = connect(&server, 10);
    let head = "POST /requests.xml HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nservice_co";
    stream
        .write_all(head.as_bytes())
        .expect("part of the request is sent");
    let text = answer(&mut stream);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("<code>408</code>"),
        "an error document in XML: {text}"
    );
    still_serves(&server);
}

#[test]
fn stalled_headers_close_the_connection() {
    let dir = TempDir::new("limits-headers");
    let server = Server::start(&dir.0.join("city.db"), &["--header-timeout", "1"]);
    let mut stream = connect(&server, 10);
    stream
        .write_all(b"GET /services.xml HTTP/1.1\r\nHost: x\r\n")
        .expect("part of the headers");
    let mut buffer = [0u8; 1024];
    let closed = loop {
        match stream.read(&mut buffer) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(error) => {
                break error.kind() != std::io::ErrorKind::WouldBlock
                    && error.kind() != std::io::ErrorKind::TimedOut;
            }
        }
    };
    assert!(
        closed,
        "the server closed the stalled connection within the read timeout"
    );
    still_serves(&server);
}
