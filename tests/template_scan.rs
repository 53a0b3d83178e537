//! The template-limit checks' reading of a Bicep text (`emit::limits::TemplateScan`): the
//! same as the plain line-by-line reading it replaced, and each template read once per
//! generation, whether the calling thread or a worker (component modules) read it.

mod common;

use bulwark::blueprint::{Access, Blueprint, Runtime, Storage, WebApp};
use bulwark::counters::{self, Counter};
use bulwark::emit::limits::{TemplateCounts, TemplateScan, json_bytes_of};
use bulwark::emit::split::{self, Budget};
use bulwark::{FileSet, Options};
use proptest::prelude::*;

/// The reading `TemplateScan::of` must give: `str::lines`, the keyword up to the first space,
/// `trim_start` (Unicode whitespace) for the JSON estimate.
fn plain_reading(text: &str) -> (TemplateCounts, u64, Vec<&str>) {
    let mut counts = TemplateCounts::default();
    let mut bicep_bytes = 0;
    let mut calls = Vec::new();
    for line in text.lines() {
        match line.split(' ').next().unwrap_or_default() {
            "param" => counts.parameters += 1,
            "var" => counts.variables += 1,
            "output" => counts.outputs += 1,
            "resource" => counts.resources += 1,
            "module" => {
                counts.resources += 1;
                let called = line.strip_prefix("module ").and_then(|rest| {
                    let start = rest.find('\'')? + 1;
                    Some(&rest[start..start + rest[start..].find('\'')?])
                });
                calls.extend(called);
            }
            _ => {}
        }
        let content = line.trim_start();
        if !content.starts_with("//") {
            bicep_bytes += content.len() as u64 + 1;
        }
    }
    (counts, bicep_bytes * 2, calls)
}

/// Lines made of the pieces the byte-wise reading treats specially: keywords with and
/// without a space, indentation of spaces, tabs and Unicode spaces, comments, `\r`.
fn bicep_like() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "param",
        "var",
        "output",
        "resource",
        "module",
        "paramx",
        "module x './a.bicep' = {",
        "module y 'b",
        "'",
        " ",
        "  ",
        "\t",
        "\u{a0}",
        "\u{3000}",
        "\u{b}",
        "//",
        "/",
        "x",
        "é",
        "\r",
        "\n",
        "\r\n",
        "\n  ",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn the_scan_reads_what_the_plain_reading_read(text in bicep_like()) {
        let scan = TemplateScan::of(&text);
        let (counts, json_bytes, calls) = plain_reading(&text);
        prop_assert_eq!(scan.counts, counts);
        prop_assert_eq!(scan.json_bytes, json_bytes);
        prop_assert_eq!(json_bytes_of(&text), json_bytes);
        prop_assert_eq!(scan.calls, calls);
    }
}

/// Bytes of the `.bicep` files among `files`.
fn bicep_bytes(files: &FileSet) -> u64 {
    files
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".bicep"))
        .map(|(_, text)| text.len() as u64)
        .sum()
}

/// A whole generation reads each template once: emit's check (or the split's sizes) and the
/// final check in `generate` share what they read, only the stage templates a split prints
/// are new to the final check, and the component modules scanned on the worker threads
/// (from 100 components) are counted there and recorded, not read again.
#[test]
fn a_generation_reads_each_template_once() {
    let mut builder = Blueprint::builder("shop", ["dev", "prod"]);
    for i in 0..6 {
        builder = builder
            .component(
                format!("web{i}"),
                WebApp::new(Runtime::Node22)
                    .uses(format!("media{i}.images").as_str(), Access::Read),
            )
            .component(format!("media{i}"), Storage::new().containers(["images"]));
    }
    let small = builder.build();
    let on_threads = common::synthetic::synthetic(150);
    let whole = Options {
        today: common::today(),
        ..Options::default()
    };
    let staged = Options {
        stage_budget: Some(Budget {
            json_bytes: 30 * 1024,
            ..Budget::arm()
        }),
        ..whole.clone()
    };
    for (blueprint, options, stages) in [
        (&small, &whole, 1),
        (&small, &staged, 2),
        (&on_threads, &whole, 1),
    ] {
        counters::reset();
        let generated = bulwark::generate(blueprint, options).expect("it generates");
        let templates = split::stage_templates(generated.files.paths());
        assert!(templates.len() >= stages, "{templates:?}");
        if counters::ENABLED {
            assert_eq!(
                counters::get(Counter::TemplateScanBytes),
                bicep_bytes(&generated.files)
            );
            // One check computed: without a split the final check is emit's, reused;
            // a forced split skips emit's check, and only the final one runs.
            assert_eq!(counters::get(Counter::TemplateLimitChecks), 1);
        }
    }
}
