//! `--seed DIR`: a catalogue and requests from Open311 documents, as a city published them.
//!
//! The folder holds `services.xml` or `services.json` (required), `services/<code>.xml` or
//! `.json` for each service with a definition, and optionally `requests.xml` or
//! `requests.json`. Documents are read leniently, so captures of real servers load; every
//! deviation is logged. Ids, codes and dates are kept as they are.

use std::path::{Path, PathBuf};

use open311_types::{DecodeOptions, Document, Format, Service, ServiceDefinition, ServiceRequest};

use super::store::Seed;

/// Reads the seed folder.
///
/// # Errors
///
/// A missing `services` document, or a document that cannot be read, named with its path.
pub(crate) fn load(dir: &Path) -> Result<Seed, String> {
    let services_path = find(dir, "services")
        .ok_or_else(|| format!("{}: no services.xml or services.json", dir.display()))?;
    let services: Vec<Service> = read(&services_path)?;
    let mut catalogue = Vec::with_capacity(services.len());
    for service in services {
        // Codes may hold characters a file name cannot; such definitions are simply absent.
        let name = service.service_code.as_str().replace(['/', '\\'], "_");
        let definition = match find(&dir.join("services"), &name) {
            Some(path) => Some(read::<ServiceDefinition>(&path)?),
            None => None,
        };
        catalogue.push((service, definition));
    }
    let requests = match find(dir, "requests") {
        Some(path) => read::<Vec<ServiceRequest>>(&path)?,
        None => Vec::new(),
    };
    Ok(Seed {
        catalogue,
        requests,
    })
}

fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    ["xml", "json"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .find(|path| path.is_file())
}

fn read<D: Document>(path: &Path) -> Result<D, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let format = if path.extension().is_some_and(|ext| ext == "json") {
        Format::Json
    } else {
        Format::Xml
    };
    let decoded = open311_types::decode::<D>(&bytes, format, &DecodeOptions::lenient())
        .map_err(|error| format!("{}: {error}", path.display()))?;
    for deviation in &decoded.deviations {
        tracing::warn!("{}: {deviation}", path.display());
    }
    Ok(decoded.value)
}
