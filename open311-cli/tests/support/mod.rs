//! Running `open311 serve` from tests, and talking to it over loopback HTTP.

#![allow(dead_code, reason = "each test file uses a part of the support module")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running `open311 serve`, stopped with SIGTERM when dropped.
pub(crate) struct Server {
    child: Option<Child>,
    pub(crate) addr: String,
    pub(crate) db: PathBuf,
}

/// A fresh directory for one test's database, removed by the caller's `TempDir` drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("open311-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Server {
    /// Starts the server on a free loopback port with `db` and extra `args`.
    pub(crate) fn start(db: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_open311"))
            .args(["serve", "--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(args)
            .env("OPEN311_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("open311 serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the server says where it listens before it exits")
                .expect("stderr is readable");
            if let Some(rest) = line.split("serving GeoReport v2 on http://").nth(1) {
                break rest.split('/').next().expect("an address").to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child: Some(child),
            addr,
            db: db.to_owned(),
        }
    }

    /// Stops the server with SIGTERM and waits for it; returns whether it exited cleanly.
    pub(crate) fn stop(mut self) -> bool {
        self.terminate()
    }

    fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        child.wait().map(|status| status.success()).unwrap_or(false)
    }

    /// Kills the server with SIGKILL, as a crash would, and waits for it to be gone.
    pub(crate) fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("the server can be killed");
            child.wait().expect("the killed server is reaped");
        }
    }

    /// Whether the server process is still running (it has not exited or crashed).
    pub(crate) fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Sends one request and returns the status, the content type and the body.
    pub(crate) async fn send(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        send(&self.addr, method, path, body).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
}

/// One HTTP/1.1 request on a new connection, read to its end.
pub(crate) async fn send(addr: &str, method: &str, path: &str, body: Option<&str>) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the server accepts");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(body) = body {
        request.push_str("Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n");
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    } else {
        request.push_str("\r\n");
    }
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .expect("the answer is read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    Answer {
        status,
        content_type,
        body: response[split + 4..].to_vec(),
    }
}

/// One keep-alive HTTP/1.1 connection that carries many requests in turn.
pub(crate) struct KeepAlive {
    addr: String,
    sender: SendRequest<Full<Bytes>>,
}

impl KeepAlive {
    /// Opens a connection to `addr`, driven by a task of the current runtime.
    pub(crate) async fn connect(addr: &str) -> Result<KeepAlive, String> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|error| format!("connecting to {addr}: {error}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| format!("handshake with {addr}: {error}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(KeepAlive {
            addr: addr.to_owned(),
            sender,
        })
    }

    /// Sends one request on this connection and reads its answer; an error when the connection
    /// fails before the whole answer arrives.
    pub(crate) async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<Answer, String> {
        self.sender
            .ready()
            .await
            .map_err(|error| format!("the connection is gone: {error}"))?;
        let mut request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, &self.addr);
        if body.is_some() {
            request = request.header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            );
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
            .map_err(|error| format!("building {method} {path}: {error}"))?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|error| format!("{method} {path}: {error}"))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|error| format!("reading the answer to {method} {path}: {error}"))?
            .to_bytes()
            .to_vec();
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }
}
