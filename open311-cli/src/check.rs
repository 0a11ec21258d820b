//! `open311 check URL`: the conformance report of any GeoReport v2 endpoint.

use std::process::ExitCode;

use open311_client::UreqClient;
use open311_conformance::{Blocking, Options, run};

/// The arguments of `open311 check`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("output").args(["json", "junit"])))]
pub(crate) struct Args {
    /// The GeoReport v2 endpoint, such as https://city.example/open311/v2.
    url: String,
    /// Also POST: creates service requests and updates on the endpoint (use a test endpoint).
    #[arg(long)]
    write: bool,
    /// The API key for POSTs.
    #[arg(
        long = "api-key",
        value_name = "KEY",
        env = "OPEN311_API_KEY",
        requires = "write"
    )]
    api_key: Option<String>,
    /// The service to POST to; the first realtime service otherwise.
    #[arg(long = "service", value_name = "CODE")]
    service: Option<String>,
    /// The jurisdiction_id to send with every call.
    #[arg(long, value_name = "ID")]
    jurisdiction: Option<String>,
    /// Print a JSON array, one object per check.
    #[arg(long)]
    json: bool,
    /// Print JUnit XML, one test case per check.
    #[arg(long)]
    junit: bool,
}

/// Runs the checks; exits 0 when no `must` check failed.
pub(crate) fn run_check(args: &Args) -> Result<ExitCode, String> {
    let mut options = Options::new(args.url.trim());
    if args.write {
        options = options.with_write(args.api_key.clone());
    }
    if let Some(service) = &args.service {
        options = options.with_service(service.as_str());
    }
    if let Some(jurisdiction) = &args.jurisdiction {
        options = options.with_jurisdiction(jurisdiction.as_str());
    }
    // The transport blocks, so the checks run on a runtime of their own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| error.to_string())?;
    let report = runtime.block_on(run(&Blocking(UreqClient::new()), &options));
    if args.json {
        println!("{}", report.to_json());
    } else if args.junit {
        print!("{}", report.to_junit());
    } else {
        print!("{}", report.to_table());
    }
    Ok(if report.conforms() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
