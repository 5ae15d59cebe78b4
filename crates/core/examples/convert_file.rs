//! Converts a unified JSONL file for one provider with the native core and prints the time taken,
//! for the benchmarks in `bench/` (the same conversion the package runs in wasm).
//!
//! `cargo run --release -p batch-router-core --example convert_file -- FILE PROVIDER [REPEATS]`

use std::time::Instant;

use batch_router_core::parse::parse_request_lines;
use batch_router_core::providers::{prepare, PrepareOptions};
use batch_router_core::Provider;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(provider)) = (args.next(), args.next()) else {
        return Err("usage: convert_file FILE PROVIDER [REPEATS]".into());
    };
    let repeats: usize = args.next().map(|text| text.parse()).transpose()?.unwrap_or(3);
    let text = std::fs::read_to_string(&file)?;
    let provider = Provider::from_name(&provider)?;
    let mut best = f64::MAX;
    let mut bytes = 0;
    for _ in 0..repeats {
        let started = Instant::now();
        let requests = parse_request_lines(&text)?;
        // OpenAI takes 50,000 requests per batch: convert in slices of that size, as a job would.
        // Each slice is handed over owned, as the package hands over the requests it parsed.
        bytes = 0;
        let mut requests = requests.into_iter();
        loop {
            let slice: Vec<_> = requests.by_ref().take(50_000).collect();
            if slice.is_empty() {
                break;
            }
            bytes += prepare(provider, slice, &PrepareOptions::default())?.jsonl.len();
        }
        best = best.min(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{{\"milliseconds\":{best:.3},\"bytes\":{bytes}}}");
    Ok(())
}
