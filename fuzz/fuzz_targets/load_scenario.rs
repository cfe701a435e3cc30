//! Loads arbitrary bytes as a scenario and exercises every output: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stampede_scenario::{LoadOptions, explain, load_bytes, render};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let opts = LoadOptions {
        exclude_tags: vec!["t".to_owned()],
    };
    match load_bytes(Path::new("fuzz.xml"), Path::new("."), data, &opts) {
        Ok(loaded) => {
            let _ = render(&loaded.warnings, &loaded.sources, true);
            let _ = explain(&loaded);
        }
        Err(failed) => {
            let _ = render(&failed.diagnostics, &failed.sources, true);
        }
    }
});
