//! Throughput of the XML and JSON codecs on lists of 1,000 and 10,000 service requests.
//!
//! Each typed measurement has a baseline that does the least work the format allows, so that
//! the ratios the project tracks can be read off one run:
//!
//! - `xml/decode` against `xml/raw_scan`, a bare quick-xml event loop over the same bytes
//!   (target: at most 1.5 times as long);
//! - `json/decode` against `json/ignored_any`, serde_json skipping the same bytes (target: at
//!   most 3 times as long);
//! - `xml/encode` against `xml/raw_scan` again: the encoder's output is byte for byte the input
//!   of the decode benchmarks, so one raw scan serves both (target: at most as long).
//!
//! Decoded values are dropped outside the timed section: the figures are for building them.
//! Run with `cargo bench -p open311-types --bench codec -- --noplot`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use open311_types::{DecodeOptions, ServiceRequest, json, xml};
use quick_xml::Reader;
use quick_xml::events::Event;

mod common;

/// The list sizes measured.
const SIZES: [usize; 2] = [1_000, 10_000];

/// One list of requests and its two encodings.
struct Input {
    count: usize,
    requests: Vec<ServiceRequest>,
    xml: Vec<u8>,
    json: Vec<u8>,
}

/// Generates the lists and encodes them once, checking that both encodings read back.
fn inputs() -> Vec<Input> {
    SIZES
        .iter()
        .map(|&count| {
            let requests = common::requests(count);
            let xml = xml::to_vec(&requests);
            let json = json::to_vec(&requests);
            for decoded in [
                xml::from_slice::<Vec<ServiceRequest>>(&xml, &DecodeOptions::strict()),
                json::from_slice::<Vec<ServiceRequest>>(&json, &DecodeOptions::strict()),
            ] {
                let decoded = decoded.expect("the generated documents decode strictly");
                assert!(
                    decoded.value == requests,
                    "the generated documents round-trip"
                );
            }
            Input {
                count,
                requests,
                xml,
                json,
            }
        })
        .collect()
}

/// Reads every event of `bytes` with the reader configuration the XML codec uses.
fn raw_scan(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut events = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => return events,
            event => {
                black_box(event);
                events += 1;
            }
        }
    }
}

/// Measures the XML codec.
fn bench_xml(c: &mut Criterion, inputs: &[Input]) {
    let options = DecodeOptions::lenient();
    let mut group = c.benchmark_group("xml");
    group.sampling_mode(SamplingMode::Flat);
    for input in inputs {
        group.throughput(Throughput::Bytes(input.xml.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("decode", input.count),
            &input.xml,
            |b, bytes| {
                b.iter_batched(
                    || (),
                    |()| xml::from_slice::<Vec<ServiceRequest>>(black_box(bytes), &options),
                    BatchSize::PerIteration,
                );
            },
        );
        // Also the baseline of `encode`: `input.xml` is the encoder's output for these requests.
        group.bench_with_input(
            BenchmarkId::new("raw_scan", input.count),
            &input.xml,
            |b, bytes| {
                b.iter(|| raw_scan(black_box(bytes)));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("encode", input.count),
            &input.requests,
            |b, requests| b.iter(|| xml::to_vec(black_box(requests))),
        );
    }
    group.finish();
}

/// Measures the JSON codec.
fn bench_json(c: &mut Criterion, inputs: &[Input]) {
    let options = DecodeOptions::lenient();
    let mut group = c.benchmark_group("json");
    group.sampling_mode(SamplingMode::Flat);
    for input in inputs {
        group.throughput(Throughput::Bytes(input.json.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("decode", input.count),
            &input.json,
            |b, bytes| {
                b.iter_batched(
                    || (),
                    |()| json::from_slice::<Vec<ServiceRequest>>(black_box(bytes), &options),
                    BatchSize::PerIteration,
                );
            },
        );
        group.bench_with_input(
            BenchmarkId::new("ignored_any", input.count),
            &input.json,
            |b, bytes| {
                b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(bytes)));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("encode", input.count),
            &input.requests,
            |b, requests| b.iter(|| json::to_vec(black_box(requests))),
        );
    }
    group.finish();
}

/// Generates the inputs once and runs both groups on them.
fn bench_codecs(c: &mut Criterion) {
    let inputs = inputs();
    for input in &inputs {
        println!(
            "{} requests: XML {} bytes, JSON {} bytes",
            input.count,
            input.xml.len(),
            input.json.len()
        );
    }
    bench_xml(c, &inputs);
    bench_json(c, &inputs);
}

/// Short runs, so that the whole benchmark takes a couple of minutes on two cores.
///
/// The groups sample flat (the same number of iterations in every sample): the 10,000-request
/// routines take tens of milliseconds, too long for 20 linear samples in 3 seconds.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_codecs
}
criterion_main!(benches);
