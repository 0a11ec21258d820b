//! The client commands: discover, services, definition, requests, request, post, token.
//!
//! Each prints a plain table for people, or with `--json` the spec's JSON for scripts. An
//! error prints the server's error document or what was wrong with the answer, and exits 1.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use open311_client::walk::{Progress, RequestWalk};
use open311_client::{Client, Error, Profile, UreqClient};
use open311_types::{
    AttributeInput, Datetime, Discovery, EndpointType, Format, Mode, NewServiceRequest,
    RequestQuery, Service, ServiceDefinition, ServiceRequest, Status,
};

/// Options every client command takes.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// The jurisdiction_id to send.
    #[arg(long, value_name = "ID", global = true)]
    jurisdiction: Option<String>,
    /// Ask for xml or json answers (xml by default).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format, global = true)]
    format: Option<Format>,
    /// Refuse answers that deviate from the spec.
    #[arg(long, global = true)]
    strict: bool,
    /// The server's quirks: standard, mysociety, chicago, connected-bits or ureport.
    #[arg(long, value_name = "NAME", default_value = "standard", value_parser = parse_profile, global = true)]
    profile: Profile,
    /// Print the spec's JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_extension(name).ok_or_else(|| "expected xml or json".to_owned())
}

fn parse_profile(name: &str) -> Result<Profile, String> {
    Profile::named(name).ok_or_else(|| format!("expected one of {}", Profile::names().join(", ")))
}

/// A datetime argument: a W3C datetime, or a date meaning its midnight in UTC.
fn parse_datetime(text: &str) -> Result<Datetime, String> {
    open311_types::datetime::parse(text)
        .or_else(|_| open311_types::datetime::parse(&format!("{text}T00:00:00Z")))
        .map_err(|_| format!("{text:?} is not a datetime such as 2026-01-31T08:00:00Z or a date"))
}

/// `open311 discover URL`.
#[derive(Debug, clap::Args)]
pub(crate) struct DiscoverArgs {
    /// The discovery document, or the folder it is in.
    url: String,
    #[command(flatten)]
    common: Common,
}

/// `open311 services URL`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServicesArgs {
    /// The GeoReport v2 endpoint.
    url: String,
    #[command(flatten)]
    common: Common,
}

/// `open311 definition URL CODE`.
#[derive(Debug, clap::Args)]
pub(crate) struct DefinitionArgs {
    /// The GeoReport v2 endpoint.
    url: String,
    /// The service_code.
    code: String,
    #[command(flatten)]
    common: Common,
}

/// `open311 requests URL`.
#[derive(Debug, clap::Args)]
pub(crate) struct RequestsArgs {
    /// The GeoReport v2 endpoint.
    url: String,
    /// Only this service_request_id; repeat for more (overrides every other filter).
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<String>,
    /// Only this service_code; repeat for more.
    #[arg(long = "service", value_name = "CODE")]
    services: Vec<String>,
    /// Only open or only closed requests.
    #[arg(long, value_parser = ["open", "closed"])]
    status: Option<String>,
    /// Requested at or after (W3C datetime, or a date).
    #[arg(long, value_name = "DATETIME", value_parser = parse_datetime)]
    since: Option<Datetime>,
    /// Requested at or before (W3C datetime, or a date).
    #[arg(long, value_name = "DATETIME", value_parser = parse_datetime)]
    until: Option<Datetime>,
    /// Fetch every request, by pages or 90-day windows, with progress on stderr.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    common: Common,
}

/// `open311 request URL ID`.
#[derive(Debug, clap::Args)]
pub(crate) struct RequestArgs {
    /// The GeoReport v2 endpoint.
    url: String,
    /// The service_request_id.
    id: String,
    #[command(flatten)]
    common: Common,
}

/// `open311 post URL`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("location").required(true).args(["lat", "address", "address_id"])))]
pub(crate) struct PostArgs {
    /// The GeoReport v2 endpoint.
    url: String,
    /// The service_code.
    #[arg(long = "service", value_name = "CODE")]
    service: String,
    /// Latitude (WGS84), with --long.
    #[arg(long, requires = "long", allow_negative_numbers = true)]
    lat: Option<f64>,
    /// Longitude (WGS84), with --lat.
    #[arg(long, requires = "lat", allow_negative_numbers = true)]
    long: Option<f64>,
    /// The place in words.
    #[arg(long, value_name = "TEXT")]
    address: Option<String>,
    /// The address id in the city's register.
    #[arg(long = "address-id", value_name = "ID")]
    address_id: Option<String>,
    /// An answer to an attribute, CODE=VALUE; repeat a code for a multivaluelist.
    #[arg(long = "attr", value_name = "CODE=VALUE", value_parser = parse_attr)]
    attrs: Vec<(String, String)>,
    /// What is wrong.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// The reporter's email.
    #[arg(long, value_name = "E")]
    email: Option<String>,
    /// The API key (sent in the body only).
    #[arg(long = "api-key", value_name = "KEY", env = "OPEN311_API_KEY")]
    api_key: Option<String>,
    #[command(flatten)]
    common: Common,
}

fn parse_attr(text: &str) -> Result<(String, String), String> {
    let (code, value) = text.split_once('=').ok_or("expected CODE=VALUE")?;
    if code.is_empty() {
        return Err("the attribute code is empty".into());
    }
    Ok((code.to_owned(), value.to_owned()))
}

/// `open311 token URL TOKEN`.
#[derive(Debug, clap::Args)]
pub(crate) struct TokenArgs {
    /// The GeoReport v2 endpoint.
    url: String,
    /// The token a batch service answered.
    token: String,
    #[command(flatten)]
    common: Common,
}

impl Common {
    fn client(&self, url: &str) -> Result<Client, String> {
        let mut client = Client::new(url)
            .map_err(|error| error.to_string())?
            .with_profile(self.profile.clone());
        if let Some(jurisdiction) = &self.jurisdiction {
            client = client.with_jurisdiction(jurisdiction.as_str());
        }
        if let Some(format) = self.format {
            client = client.with_format(format);
        }
        if self.strict {
            client = client.with_mode(Mode::Strict);
        }
        Ok(client)
    }
}

/// Turns a client error into the one line the user reads.
fn explain(error: Error<ureq::Error>) -> String {
    match &error {
        Error::Transport(source) => format!("{error}: {source}"),
        Error::Decode { source, .. } => format!("{error}: {source}"),
        _ => error.to_string(),
    }
}

fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<ExitCode, String> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value).map_err(|error| error.to_string())?;
    writeln!(stdout).map_err(|error| error.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn warn_deviations(deviations: &[open311_types::Deviation]) {
    for deviation in deviations {
        eprintln!("deviation: {deviation}");
    }
}

/// Runs `open311 discover`.
pub(crate) fn discover(args: &DiscoverArgs) -> Result<ExitCode, String> {
    let transport = UreqClient::new();
    let operation = Client::discovery(&args.url).map_err(|error| error.to_string())?;
    let discovery = operation.send(&transport).map_err(explain)?;
    warn_deviations(&discovery.deviations);
    let discovery: Discovery = discovery.value;
    if args.common.json {
        return print_json(&discovery);
    }
    for (label, value) in [
        ("changeset", &discovery.changeset),
        ("contact", &discovery.contact),
        ("key_service", &discovery.key_service),
    ] {
        println!("{label}: {}", value.as_deref().unwrap_or("-"));
    }
    println!();
    let rows = discovery.endpoints.iter().map(|endpoint| {
        vec![
            endpoint.specification.clone(),
            endpoint
                .endpoint_type
                .as_ref()
                .map_or("-", EndpointType::as_str)
                .to_owned(),
            endpoint.url.clone(),
            endpoint.formats.join(", "),
        ]
    });
    print_table(&["specification", "type", "url", "formats"], rows);
    Ok(ExitCode::SUCCESS)
}

/// Runs `open311 services`.
pub(crate) fn services(args: &ServicesArgs) -> Result<ExitCode, String> {
    let client = args.common.client(&args.url)?;
    let services = client
        .services()
        .send(&UreqClient::new())
        .map_err(explain)?;
    warn_deviations(&services.deviations);
    if args.common.json {
        return print_json(&services.value);
    }
    let rows = services.value.iter().map(|service: &Service| {
        vec![
            service.service_code.to_string(),
            service.service_name.clone().unwrap_or_default(),
            service
                .service_type
                .as_ref()
                .map(|kind| kind.as_str().to_owned())
                .unwrap_or_default(),
            service.group.clone().unwrap_or_default(),
            if service.has_metadata() { "yes" } else { "no" }.to_owned(),
        ]
    });
    print_table(
        &["service_code", "service_name", "type", "group", "metadata"],
        rows,
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `open311 definition`.
pub(crate) fn definition(args: &DefinitionArgs) -> Result<ExitCode, String> {
    let client = args.common.client(&args.url)?;
    let answer = client
        .service_definition(&args.code.as_str().into())
        .send(&UreqClient::new())
        .map_err(explain)?;
    warn_deviations(&answer.deviations);
    let definition: ServiceDefinition = answer.value;
    if args.common.json {
        return print_json(&definition);
    }
    let rows = definition.sorted_attributes().into_iter().map(|attribute| {
        let values: Vec<String> = attribute
            .values
            .iter()
            .map(|value| match &value.name {
                Some(name) if *name != value.key => format!("{}={name}", value.key),
                _ => value.key.clone(),
            })
            .collect();
        vec![
            attribute
                .order
                .map(|order| order.to_string())
                .unwrap_or_default(),
            attribute.code.to_string(),
            attribute
                .datatype
                .as_ref()
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default(),
            if attribute.is_required() { "yes" } else { "no" }.to_owned(),
            if attribute.is_variable() { "yes" } else { "no" }.to_owned(),
            attribute.description.clone().unwrap_or_default(),
            values.join(", "),
        ]
    });
    print_table(
        &[
            "order",
            "code",
            "datatype",
            "required",
            "variable",
            "description",
            "values",
        ],
        rows,
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `open311 requests`.
pub(crate) fn requests(args: &RequestsArgs) -> Result<ExitCode, String> {
    let client = args.common.client(&args.url)?;
    let transport = UreqClient::new();
    let mut query = RequestQuery::default();
    query.service_request_ids = args.ids.iter().map(|id| id.as_str().into()).collect();
    query.service_codes = args
        .services
        .iter()
        .map(|code| code.as_str().into())
        .collect();
    query.statuses = args
        .status
        .iter()
        .map(|status| status.parse::<Status>().unwrap_or(Status::Open))
        .collect();
    query.start_date = args.since;
    query.end_date = args.until;
    let requests = if args.all {
        let now = chrono::Utc::now().fixed_offset();
        let walk = RequestWalk::for_profile(query, client.profile(), now);
        let mut progress = ProgressLine::new();
        let found = client.walk_requests(&transport, walk, |step| progress.show(step));
        progress.finish();
        found.map_err(explain)?
    } else {
        let answer = client.requests(&query).send(&transport).map_err(explain)?;
        warn_deviations(&answer.deviations);
        answer.value
    };
    print_requests(&requests, args.common.json)
}

fn print_requests(requests: &[ServiceRequest], json: bool) -> Result<ExitCode, String> {
    if json {
        return print_json(requests);
    }
    let rows = requests.iter().map(|request| {
        vec![
            request
                .service_request_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            request
                .status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            request
                .service_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            request
                .requested_datetime
                .as_ref()
                .map(open311_types::datetime::format)
                .unwrap_or_default(),
            request
                .address
                .clone()
                .or_else(|| request.description.clone())
                .unwrap_or_default(),
        ]
    });
    print_table(
        &[
            "service_request_id",
            "status",
            "service_code",
            "requested",
            "address",
        ],
        rows,
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `open311 request`.
pub(crate) fn request(args: &RequestArgs) -> Result<ExitCode, String> {
    let client = args.common.client(&args.url)?;
    let answer = client
        .request(&args.id.as_str().into())
        .send(&UreqClient::new())
        .map_err(explain)?;
    warn_deviations(&answer.deviations);
    if args.common.json {
        return print_json(&vec![answer.value]);
    }
    let request = answer.value;
    let text = |value: &Option<String>| value.clone();
    let when = |value: &Option<Datetime>| value.as_ref().map(open311_types::datetime::format);
    let mut fields = vec![
        (
            "service_request_id",
            shown(request.service_request_id.as_ref()),
        ),
        ("token", shown(request.token.as_ref())),
        ("status", shown(request.status.as_ref())),
        ("status_notes", text(&request.status_notes)),
        ("service_name", text(&request.service_name)),
        ("service_code", shown(request.service_code.as_ref())),
        ("description", text(&request.description)),
        ("agency_responsible", text(&request.agency_responsible)),
        ("service_notice", text(&request.service_notice)),
        ("requested_datetime", when(&request.requested_datetime)),
        ("updated_datetime", when(&request.updated_datetime)),
        ("expected_datetime", when(&request.expected_datetime)),
        ("address", text(&request.address)),
        ("address_id", text(&request.address_id)),
        ("zipcode", text(&request.zipcode)),
        ("lat", shown(request.lat.as_ref())),
        ("long", shown(request.long.as_ref())),
        ("media_url", text(&request.media_url)),
    ];
    let extensions: Vec<(String, String)> = request
        .extensions
        .iter()
        .map(|entry| {
            let value = entry
                .value
                .as_text()
                .unwrap_or_else(|| serde_json::to_string(&entry.value).unwrap_or_default());
            (entry.name.clone(), value)
        })
        .collect();
    fields.retain(|(_, value)| value.is_some());
    let width = fields
        .iter()
        .map(|(name, _)| name.len())
        .chain(extensions.iter().map(|(name, _)| name.chars().count()))
        .max()
        .unwrap_or(0);
    for (name, value) in fields {
        println!("{name:width$}  {}", value.unwrap_or_default());
    }
    for (name, value) in extensions {
        println!("{name:width$}  {value}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A value as text, when there is one.
fn shown<T: ToString>(value: Option<&T>) -> Option<String> {
    value.map(ToString::to_string)
}

/// Runs `open311 post`.
pub(crate) fn post(args: &PostArgs) -> Result<ExitCode, String> {
    let mut client = args.common.client(&args.url)?;
    if let Some(key) = &args.api_key {
        client = client.with_api_key(key.as_str());
    }
    let transport = UreqClient::new();
    let mut request = NewServiceRequest::new(args.service.as_str());
    request.lat = args.lat;
    request.long = args.long;
    request.address_string.clone_from(&args.address);
    request.address_id.clone_from(&args.address_id);
    request.description.clone_from(&args.description);
    request.email.clone_from(&args.email);
    for (code, value) in &args.attrs {
        match request
            .attributes
            .iter_mut()
            .find(|attribute| attribute.code == *code.as_str())
        {
            Some(attribute) => {
                attribute.values.push(value.clone());
                attribute.form = open311_types::AttributeForm::List;
            }
            None => request
                .attributes
                .push(AttributeInput::single(code.as_str(), value.as_str())),
        }
    }
    // Check the answers against the definition first, when the service has one.
    let definition = client
        .service_definition(&request.service_code)
        .send(&transport);
    let operation = match definition {
        Ok(definition) => client.post_request_checked(&request, &definition.value),
        Err(Error::Api { .. }) => client.post_request(&request),
        Err(error) => return Err(explain(error)),
    }
    .map_err(|error| error.to_string())?;
    let created = operation.send(&transport).map_err(explain)?;
    warn_deviations(&created.deviations);
    if args.common.json {
        return print_json(&vec![created.value]);
    }
    let created = created.value;
    match (&created.service_request_id, &created.token) {
        (Some(id), _) => println!("service_request_id: {id}"),
        (None, Some(token)) => println!("token: {token} (look it up with `open311 token`)"),
        (None, None) => println!("accepted (this service answers with neither an id nor a token)"),
    }
    if let Some(notice) = &created.service_notice {
        println!("service_notice: {notice}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `open311 token`.
pub(crate) fn token(args: &TokenArgs) -> Result<ExitCode, String> {
    let client = args.common.client(&args.url)?;
    let answer = client
        .token(&args.token.as_str().into())
        .send(&UreqClient::new())
        .map_err(explain)?;
    warn_deviations(&answer.deviations);
    if args.common.json {
        return print_json(&vec![answer.value]);
    }
    match answer.value.service_request_id {
        Some(id) => println!("service_request_id: {id}"),
        None => println!("pending: the server has no service_request_id for this token yet"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Progress of a walk on stderr: a bar redrawn in place on a terminal, a line a call elsewhere.
struct ProgressLine {
    terminal: bool,
    windows: Option<usize>,
}

impl ProgressLine {
    fn new() -> Self {
        ProgressLine {
            terminal: std::io::stderr().is_terminal(),
            windows: None,
        }
    }

    fn show(&mut self, progress: Progress) {
        let Progress {
            calls,
            found,
            windows_left,
        } = progress;
        if !self.terminal {
            eprintln!("fetched {found} requests in {calls} calls");
            return;
        }
        let line = match windows_left {
            Some(left) => {
                // A window split in two adds one to do: the total grows as the walk learns.
                let total = (left + calls).max(self.windows.unwrap_or(0));
                self.windows = Some(total);
                let done = total - left;
                let filled = done * 30 / total.max(1);
                format!(
                    "[{}{}] {found} requests, {calls} calls",
                    "#".repeat(filled),
                    ".".repeat(30 - filled)
                )
            }
            None => format!("{found} requests, {calls} pages"),
        };
        eprint!("\r{line}\x1b[K");
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

/// Prints rows under a header, in aligned columns; long cells are cut.
fn print_table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    const WIDEST: usize = 48;
    let cut = |cell: &str| -> String {
        let cell = cell.replace(['\n', '\r', '\t'], " ");
        if cell.chars().count() > WIDEST {
            cell.chars().take(WIDEST - 1).collect::<String>() + "…"
        } else {
            cell
        }
    };
    let rows: Vec<Vec<String>> = rows
        .map(|row| row.iter().map(|cell| cut(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|name| name.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let empty = rows.is_empty();
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "{}",
        line(header.iter().map(|name| (*name).to_owned()).collect())
    );
    for row in rows {
        let _ = writeln!(stdout, "{}", line(row));
    }
    if empty {
        let _ = writeln!(stdout, "(none)");
    }
}
