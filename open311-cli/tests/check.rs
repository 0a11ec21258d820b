//! `open311 check` against `open311 serve` over loopback: the reference server conforms.

mod support;

use std::process::Command;

use support::{Server, TempDir};

fn open311(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_open311"))
        .args(args)
        .output()
        .expect("open311 runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
    (
        output.status.code().unwrap_or(-1),
        text(output.stdout),
        text(output.stderr),
    )
}

#[test]
fn open311_serve_passes_every_must_and_should_check_with_writes() {
    let dir = TempDir::new("check");
    let server = Server::start(
        &dir.0.join("city.db"),
        &["--api-key", "secret", "--jurisdiction", "city.gov"],
    );
    let url = format!("http://{}/", server.addr);
    let (code, out, err) = open311(&[
        "check",
        &url,
        "--write",
        "--api-key",
        "secret",
        "--jurisdiction",
        "city.gov",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let findings: serde_json::Value = serde_json::from_str(&out).expect("a JSON array");
    let findings = findings.as_array().expect("an array");
    assert_eq!(findings.len(), open311_conformance::CHECKS.len());
    for finding in findings {
        let severity = finding["severity"].as_str().unwrap();
        let status = finding["status"].as_str().unwrap();
        let ok = if severity == "extension" {
            status != "fail"
        } else {
            status == "pass"
        };
        assert!(ok, "{finding:#}");
    }
}

#[test]
fn the_report_as_a_table_and_as_junit() {
    let dir = TempDir::new("check-report");
    let server = Server::start(&dir.0.join("city.db"), &[]);
    let url = format!("http://{}", server.addr);
    let (code, table, _) = open311(&["check", &url]);
    assert_eq!(code, 0, "{table}");
    assert!(
        table.contains("skip  must       post.create"),
        "reads only without --write:\n{table}"
    );
    assert!(table.contains("writes were not asked for (--write)"));
    let (code, junit, _) = open311(&["check", &url, "--junit"]);
    assert_eq!(code, 0);
    assert!(junit.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite "));
    assert!(junit.contains("<skipped message=\"writes were not asked for (--write)\"/>"));
}

#[test]
fn an_endpoint_that_does_not_answer_fails_with_exit_one() {
    let (code, table, _) = open311(&["check", "http://127.0.0.1:9/"]);
    assert_eq!(code, 1);
    assert!(table.contains("FAIL  must       services"), "{table}");
    assert!(table.contains("no answer"), "{table}");
}
