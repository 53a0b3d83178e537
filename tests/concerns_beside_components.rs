//! Issue 14: emit's calling thread builds the concern modules while its workers start on
//! the component modules. That may not change a byte, nor the order files are handed on
//! in: the concern modules still reach the sink before every component module.

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

/// The streamed files against `generate`'s, and the order they were handed on in.
fn compare(components: usize, options: &Options) {
    let text = render_toml(&synthetic(components));
    let loaded = bulwark::blueprint::load::from_str(&text).expect("the synthetic TOML loads");
    let collected = bulwark::generate(&loaded.blueprint, options).expect("it generates");
    let mut order = Vec::new();
    let mut files = std::collections::BTreeMap::new();
    let streamed =
        bulwark::generate_streaming(&loaded.blueprint, options, &mut |file: GeneratedFile| {
            order.push(file.path.clone());
            files.insert(file.path, file.text);
        })
        .expect("it generates");
    assert!(
        files == collected.files.files,
        "{components}: the same files"
    );
    assert_eq!(streamed.plan, collected.plan);
    let position = |path: &str| order.iter().position(|p| p == path).expect(path);
    for concern in ["modules/monitoring.bicep", "modules/network.bicep"] {
        assert!(
            position(concern) < position("modules/web-app-web-0000.bicep"),
            "{components}: {concern} comes before the component modules"
        );
    }
}

#[test]
fn concern_modules_built_beside_the_components_change_nothing() {
    // Below the threads' threshold, above it, and split into stages.
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
