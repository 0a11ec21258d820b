//! What a run found: one finding per check, and the ways to print them.

use std::fmt::Write as _;

use serde::Serialize;

use crate::checks::{CHECKS, Check, Severity};

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The endpoint meets the requirement.
    Pass,
    /// The endpoint breaks it; the evidence says how.
    Fail,
    /// Not checked; the reason says why.
    Skip,
}

/// What was sent and what came back, when a check fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The request, as `GET /services.xml`.
    pub request: String,
    /// The HTTP status of the answer, when there was one.
    pub status: Option<u16>,
    /// The start of the answer's body.
    pub excerpt: String,
    /// What is wrong.
    pub detail: String,
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The check.
    pub check: &'static Check,
    /// Pass, fail or skip.
    pub status: Status,
    /// Why it was skipped.
    pub reason: Option<String>,
    /// What broke it; for a check made of many requests, the first failure.
    pub evidence: Vec<Evidence>,
}

/// The findings of a run, one per check, in catalogue order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    id: &'static str,
    severity: Severity,
    status: &'a Status,
    statement: &'static str,
    citation: &'static str,
    evidence: Option<&'a Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl Report {
    /// The finding of check `id`.
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|finding| finding.check.id == id)
    }

    /// The status of check `id`.
    pub fn status(&self, id: &str) -> Option<&Status> {
        self.finding(id).map(|finding| &finding.status)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|finding| finding.status == Status::Fail)
    }

    /// Whether no `must` check failed: the endpoint conforms.
    pub fn conforms(&self) -> bool {
        self.failures()
            .all(|finding| finding.check.severity != Severity::Must)
    }

    /// The report as a JSON array, one object per check: `id`, `severity`, `status`,
    /// `statement`, `citation`, `evidence` (null unless failed), and `reason` for a skip.
    pub fn to_json(&self) -> String {
        let findings: Vec<JsonFinding<'_>> = self
            .findings
            .iter()
            .map(|finding| JsonFinding {
                id: finding.check.id,
                severity: finding.check.severity,
                status: &finding.status,
                statement: finding.check.statement,
                citation: finding.check.citation,
                evidence: finding.evidence.first(),
                reason: finding.reason.as_deref(),
            })
            .collect();
        serde_json::to_string_pretty(&findings).unwrap_or_default()
    }

    /// The report as JUnit XML: a test case per check, failures with their evidence.
    pub fn to_junit(&self) -> String {
        let count = |status: Status| self.findings.iter().filter(|f| f.status == status).count();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuite name=\"open311-conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            self.findings.len(),
            count(Status::Fail),
            count(Status::Skip)
        );
        for finding in &self.findings {
            let check = finding.check;
            let _ = write!(
                out,
                "  <testcase classname=\"{}\" name=\"{}\">",
                check.severity,
                escape(check.id)
            );
            match finding.status {
                Status::Pass => {}
                Status::Skip => {
                    let reason = finding.reason.as_deref().unwrap_or_default();
                    let _ = write!(out, "<skipped message=\"{}\"/>", escape(reason));
                }
                Status::Fail => {
                    let evidence = finding.evidence.first();
                    let detail = evidence.map(|e| e.detail.as_str()).unwrap_or_default();
                    let _ = write!(
                        out,
                        "<failure message=\"{}\">{}: {}&#10;{}</failure>",
                        escape(detail),
                        escape(check.citation),
                        escape(check.statement),
                        escape(&evidence.map(describe).unwrap_or_default())
                    );
                }
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("</testsuite>\n");
        out
    }

    /// The report as a table for people, with the evidence of each failure below it.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let width = CHECKS.iter().map(|check| check.id.len()).max().unwrap_or(0);
        for finding in &self.findings {
            let status = match finding.status {
                Status::Pass => "pass",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
            };
            let _ = writeln!(
                out,
                "{status}  {:9}  {:width$}  {}",
                finding.check.severity.to_string(),
                finding.check.id,
                finding.check.statement
            );
            if let Some(reason) = &finding.reason {
                let _ = writeln!(out, "      skipped: {reason}");
            }
            if let Some(evidence) = finding.evidence.first() {
                let _ = writeln!(
                    out,
                    "      {} ({})",
                    evidence.detail, finding.check.citation
                );
                let _ = writeln!(out, "      {}", describe(evidence));
            }
        }
        let count = |status: Status| self.findings.iter().filter(|f| f.status == status).count();
        let must_failed = self
            .failures()
            .filter(|finding| finding.check.severity == Severity::Must)
            .count();
        let _ = writeln!(
            out,
            "\n{} passed, {} failed, {} skipped; {}",
            count(Status::Pass),
            count(Status::Fail),
            count(Status::Skip),
            if must_failed == 0 {
                "no must check failed: the endpoint conforms".to_owned()
            } else {
                format!("{must_failed} must checks failed")
            }
        );
        out
    }
}

fn describe(evidence: &Evidence) -> String {
    let status = evidence
        .status
        .map_or("no answer".to_owned(), |status| status.to_string());
    format!("{} -> {status}: {}", evidence.request, evidence.excerpt)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
