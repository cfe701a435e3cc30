//! `explain`: a readable description of what a scenario will do, snapshot-tested.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_scenario::{LoadOptions, explain, load_file};
use std::path::Path;

#[test]
fn rails_scenario() {
    insta::assert_snapshot!("rails_full", explain(&load_ok("rails_full.xml")));
}

#[test]
fn weighted_shop_with_suspicious_things() {
    let text = explain(&load_ok("weighted_shop.xml"));
    // loops with constant bounds are unrolled in the counts
    assert!(
        text.contains("buyer — weight 3 (75 %) of new users: 6 requests"),
        "{text}"
    );
    assert!(text.contains("session batch_job never runs"), "{text}");
    assert!(
        text.contains("session batch_job sends no request"),
        "{text}"
    );
    assert!(
        text.contains("phase 3 is expected to start no user"),
        "{text}"
    );
    assert!(
        text.contains("stops the test before the phases end"),
        "{text}"
    );
    insta::assert_snapshot!("weighted_shop", text);
}

#[test]
fn tsung_http_simple_example() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/tsung-examples/http_simple.xml");
    if !path.exists() {
        println!("note: {} is absent; skipped", path.display());
        return;
    }
    let loaded = load_file(&path, &LoadOptions::default()).unwrap();
    let text = explain(&loaded);
    // The corpus path is machine-specific: keep the snapshot independent of it.
    let text = text.replace(&path.display().to_string(), "http_simple.xml");
    insta::assert_snapshot!("http_simple", text);
}
