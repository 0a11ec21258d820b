//! `open311 decode`: read any Open311 document and print the typed value as the spec's JSON.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use open311_types::{
    ApiError, CreatedServiceRequest, CreatedUpdate, DecodeOptions, Decoded, Discovery, Document,
    DocumentKind, Format, Mode, Service, ServiceDefinition, ServiceRequest, ServiceRequestUpdate,
    TokenLookup,
};

/// The arguments of `open311 decode`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// What the document is: services, service-definition, requests, request-created, token,
    /// errors, discovery, updates or update-created.
    #[arg(long = "as", value_name = "KIND", value_parser = parse_kind)]
    kind: DocumentKind,
    /// xml or json; taken from the content when not given.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    format: Option<Format>,
    /// Refuse the document at the first deviation from the spec.
    #[arg(long)]
    strict: bool,
    /// The document's file, or `-` for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

fn parse_kind(name: &str) -> Result<DocumentKind, String> {
    name.parse().map_err(|_| {
        let names: Vec<&str> = DocumentKind::ALL.iter().map(|kind| kind.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_extension(name).ok_or_else(|| "expected xml or json".to_owned())
}

/// Runs the command: the JSON on stdout, deviations on stderr one a line.
pub(crate) fn run(args: &Args) -> Result<ExitCode, String> {
    let input = read_input(&args.file)?;
    let format = args.format.unwrap_or_else(|| Format::sniff(&input));
    let mode = if args.strict {
        Mode::Strict
    } else {
        Mode::Lenient
    };
    let options = DecodeOptions::lenient().with_mode(mode);
    match args.kind {
        DocumentKind::Services => print::<Vec<Service>>(&input, format, &options),
        DocumentKind::ServiceDefinition => print::<ServiceDefinition>(&input, format, &options),
        DocumentKind::Requests => print::<Vec<ServiceRequest>>(&input, format, &options),
        DocumentKind::RequestCreated => {
            print::<Vec<CreatedServiceRequest>>(&input, format, &options)
        }
        DocumentKind::Token => print::<Vec<TokenLookup>>(&input, format, &options),
        DocumentKind::Errors => print::<Vec<ApiError>>(&input, format, &options),
        DocumentKind::Discovery => print::<Discovery>(&input, format, &options),
        DocumentKind::Updates => print::<Vec<ServiceRequestUpdate>>(&input, format, &options),
        DocumentKind::UpdateCreated => print::<Vec<CreatedUpdate>>(&input, format, &options),
    }
}

fn read_input(file: &PathBuf) -> Result<Vec<u8>, String> {
    let mut input = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut input)
            .map_err(|error| format!("stdin: {error}"))?;
    } else {
        input = std::fs::read(file).map_err(|error| format!("{}: {error}", file.display()))?;
    }
    Ok(input)
}

fn print<D: Document>(
    input: &[u8],
    format: Format,
    options: &DecodeOptions,
) -> Result<ExitCode, String> {
    let Decoded { value, deviations } =
        open311_types::decode::<D>(input, format, options).map_err(|error| error.to_string())?;
    let mut stderr = std::io::stderr().lock();
    for deviation in &deviations {
        let _ = writeln!(stderr, "deviation: {deviation}");
    }
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &value).map_err(|error| error.to_string())?;
    writeln!(stdout).map_err(|error| error.to_string())?;
    Ok(ExitCode::SUCCESS)
}
