//! `open311`: read Open311 documents, serve and check GeoReport v2 endpoints.

#![allow(
    rustdoc::bare_urls,
    reason = "the doc comments are the command's --help text"
)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod check;
mod client;
mod decode;
mod serve;

/// Work with Open311 GeoReport v2 documents and endpoints.
#[derive(Debug, Parser)]
#[command(name = "open311", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read an Open311 document and print it as the spec's JSON.
    Decode(decode::Args),
    /// Run the reference GeoReport v2 server on a SQLite file.
    Serve(serve::Args),
    /// Measure the server layer against what it cannot beat.
    Bench(bench::Args),
    /// Check an endpoint against the spec, rule by rule.
    Check(check::Args),
    /// Read a discovery document and list its endpoints.
    Discover(client::DiscoverArgs),
    /// List an endpoint's services.
    Services(client::ServicesArgs),
    /// Show a service's definition: the attributes a request answers.
    Definition(client::DefinitionArgs),
    /// List service requests, filtered; --all walks every page or window.
    Requests(client::RequestsArgs),
    /// Show one service request.
    Request(client::RequestArgs),
    /// Post a service request.
    Post(client::PostArgs),
    /// Look a batch service's token up.
    Token(client::TokenArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Check(args) => check::run_check(&args),
        Command::Discover(args) => client::discover(&args),
        Command::Services(args) => client::services(&args),
        Command::Definition(args) => client::definition(&args),
        Command::Requests(args) => client::requests(&args),
        Command::Request(args) => client::request(&args),
        Command::Post(args) => client::post(&args),
        Command::Token(args) => client::token(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("open311: {error}");
            ExitCode::FAILURE
        }
    }
}
