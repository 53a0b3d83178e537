//! Shipped blueprints split into stages on purpose: a deployment budget about a third of each
//! blueprint's size, so the stage split (src/emit/split.rs) meets every component kind,
//! existing VNets, central DNS and waivers, not only the synthetic estate. Shared by
//! `tests/stages.rs` and `cargo run --example staged`, whose output CI validates.
#![allow(dead_code)]

use bulwark::emit::limits;
use bulwark::emit::split::Budget;
use bulwark::{Blueprint, Generated, Options};
use std::collections::BTreeMap;

/// A budget that splits `files` (one unsplit generation) into about three stages: a third of
/// its size and half its declarations, but room for its largest module with the declarations
/// a stage adds.
pub fn forced_budget(files: &BTreeMap<String, String>) -> Budget {
    let total = limits::deployment_json_bytes("main.bicep", files);
    let largest = files
        .keys()
        .filter(|path| path.starts_with("modules/"))
        .map(|path| limits::deployment_json_bytes(path, files))
        .max()
        .unwrap_or(0);
    let declarations = files["main.bicep"]
        .lines()
        .filter(|line| line.starts_with("resource ") || line.starts_with("module "))
        .count() as u64;
    Budget {
        // Half the declarations, and room for those a stage reads from earlier ones.
        resources: declarations / 2 + 8,
        json_bytes: (total / 3).max(largest + 16 * 1024),
    }
}

/// Generate `blueprint` (labelled `label`) twice: as one deployment, and in forced stages.
pub fn generate_staged(
    blueprint: &Blueprint,
    label: &str,
    today: bulwark::blueprint::Date,
) -> (Generated, Generated) {
    let options = Options {
        blueprint_label: label.to_string(),
        today,
        ..Options::default()
    };
    let whole = bulwark::generate(blueprint, &options)
        .unwrap_or_else(|d| panic!("{label} does not generate: {d:#?}"));
    let staged = bulwark::generate(
        blueprint,
        &Options {
            stage_budget: Some(forced_budget(&whole.files.files)),
            ..options
        },
    )
    .unwrap_or_else(|d| panic!("{label} does not generate in stages: {d:#?}"));
    (whole, staged)
}
