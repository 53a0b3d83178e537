//! Issue 14: the CLI builds the security report on a thread of its own while emit runs
//! (`bulwark::generate_streaming_with_report`), and emit builds the concern modules while
//! its workers start on the component modules. Neither may change a byte: the report is
//! the one `add_report` renders, and the concern modules still come before the component
//! modules.

mod common;

use bulwark::emit::split::{Budget, stage_templates};
use bulwark::{GeneratedFile, Options};
use common::synthetic::{render_toml, synthetic};

fn options(stage_budget: Option<Budget>) -> Options {
    Options {
        today: common::today(),
        stage_budget,
        ..Options::default()
    }
}

/// The report and files of the threaded path against `generate` and `add_report`, one after
/// the other on this thread.
fn compare(components: usize, options: &Options) {
    let text = render_toml(&synthetic(components));
    let loaded = bulwark::blueprint::load::from_str(&text).expect("the synthetic TOML loads");
    let alone = common::generate_with_report(&loaded, &text, options);
    let source = bulwark::report::Source {
        label: "bulwark.toml",
        text: &text,
        map: &loaded.source_map,
    };
    let mut order = Vec::new();
    let mut files = std::collections::BTreeMap::new();
    let (streamed, report) = bulwark::generate_streaming_with_report(
        &loaded.blueprint,
        options,
        &source,
        &mut |file: GeneratedFile| {
            order.push(file.path.clone());
            files.insert(file.path, file.text);
        },
    )
    .expect("it generates");
    assert_eq!(Some(report.as_str()), alone.files.get(bulwark::REPORT_FILE));
    files.insert(bulwark::REPORT_FILE.to_string(), report);
    assert!(files == alone.files.files, "{components}: the same files");
    assert_eq!(streamed.plan, alone.plan);
    // The concern modules still reach the sink before every component module.
    let position = |path: &str| order.iter().position(|p| p == path).expect(path);
    assert!(position("modules/monitoring.bicep") < position("modules/web-app-web-0000.bicep"));
}

#[test]
fn the_report_built_beside_emit_is_the_report() {
    // Below the threads' threshold, at it, and split into stages (the report names them).
    compare(20, &options(None));
    compare(150, &options(None));
    let small_stages = Budget {
        json_bytes: 400 * 1024,
        ..Budget::arm()
    };
    let options = options(Some(small_stages));
    let text = render_toml(&synthetic(150));
    let loaded = bulwark::blueprint::load::from_str(&text).unwrap();
    let generated = bulwark::generate(&loaded.blueprint, &options).unwrap();
    assert!(stage_templates(generated.files.paths()).len() > 1);
    compare(150, &options);
}
