//! `open311 decode` from a user's shell: output, deviations, exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures")
        .join(name);
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("OPEN311_SKIP_FIXTURES").is_some(),
        "fixture {name} is missing; set OPEN311_SKIP_FIXTURES=1 to skip"
    );
    None
}

fn open311(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_open311"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the open311 binary runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    input
        .write_all(stdin.unwrap_or_default())
        .expect("stdin takes the document");
    drop(input);
    child.wait_with_output().expect("the open311 binary ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

#[test]
fn prints_the_spec_json_and_exits_zero() {
    let Some(path) = fixture("cfa-ruby__services_sf.xml") else {
        return;
    };
    let output = open311(
        &["decode", "--as", "services", path.to_str().unwrap()],
        None,
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let services: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let services = services.as_array().expect("a bare array");
    assert_eq!(services.len(), 36);
    assert_eq!(services[0]["service_code"], "001");
}

#[test]
fn deviations_go_to_stderr_one_a_line() {
    let Some(path) = fixture("open311status__sf_requests.xml") else {
        return;
    };
    let output = open311(
        &["decode", "--as", "requests", path.to_str().unwrap()],
        None,
    );
    assert!(output.status.success());
    let stderr = text(&output.stderr);
    let first = stderr.lines().next().expect("deviations are reported");
    assert_eq!(
        first,
        "deviation: service_requests/request[0]/status: value in non-standard capitals"
    );
    assert!(stderr.lines().all(|line| line.starts_with("deviation: ")));
}

#[test]
fn strict_mode_refuses_the_first_deviation() {
    let Some(path) = fixture("open311status__sf_requests.xml") else {
        return;
    };
    let output = open311(
        &[
            "decode",
            "--strict",
            "--as",
            "requests",
            path.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("request[0]/status"), "{stderr}");
}

#[test]
fn reads_stdin_and_sniffs_json() {
    let json = br#"[{"service_code": 2, "service_name": "Excessive Growth"}]"#;
    let output = open311(&["decode", "--as", "services", "-"], Some(json));
    assert!(output.status.success());
    assert_eq!(
        text(&output.stderr),
        "deviation: services/service[0]/service_code: number where text belongs\n"
    );
    let services: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(services[0]["service_code"], "2");
}

#[test]
fn an_unreadable_document_exits_one_with_one_line() {
    let broken = b"<?xml version=\"1.0\"?><errors><error><code>400</code></errors>";
    let output = open311(&["decode", "--as", "errors", "-"], Some(broken));
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("open311: XML syntax error at byte "),
        "{stderr}"
    );
}

#[test]
fn a_given_format_is_used() {
    let xml = b"<services/>";
    let output = open311(
        &["decode", "--as", "services", "--format", "json", "-"],
        Some(xml),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("JSON syntax error"));
}

#[test]
fn unknown_kinds_are_named() {
    let output = open311(&["decode", "--as", "widgets", "-"], Some(b""));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("service-definition"));
}
