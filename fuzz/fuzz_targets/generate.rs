//! Any bytes as a blueprint: loading, validation and generation must return a result or
//! diagnostics, never panic, whatever the input. The seed corpus is the shipped blueprints
//! and the bad-blueprint corpus (`blueprints/`, `tests/bad/`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // Libraries a blueprint names are looked up beside it; a folder with none keeps the
    // fuzzer off the file system.
    let Ok(loaded) =
        bulwark::blueprint::load::from_bytes_in(data, Path::new("/nonexistent-bulwark-fuzz"))
    else {
        return;
    };
    let options = bulwark::Options {
        today: bulwark::blueprint::Date::parse("2026-11-29").expect("a valid date"),
        ..bulwark::Options::default()
    };
    if let Ok(generated) = bulwark::generate(&loaded.blueprint, &options) {
        // Every generated file is text with one trailing newline.
        for text in generated.files.files.values() {
            assert!(text.ends_with('\n'));
        }
    }
});
