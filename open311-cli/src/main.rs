//! `open311`: read Open311 documents, serve and check GeoReport v2 endpoints.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Bench(args) => bench::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("open311: {error}");
            ExitCode::FAILURE
        }
    }
}
