//! Every generated template stays within ARM's per-template limits (limits.tsv: parameters,
//! variables, outputs, resources, size) for large blueprints: the synthetic estates of
//! `tests/common/synthetic.rs` in three environments. A module call compiles to a
//! `Microsoft.Resources/deployments` resource with its template inline, so modules count as
//! resources and towards the size. A blueprint too large for one deployment is deployed in
//! stages (`main.bicep`, `main-2.bicep`, …), each within the limits.
//!
//! One environment's resource group holds at most 800 deployments in its history and 800
//! resources of a non-exempt type (limits.tsv): 790 components of the synthetic mix are the
//! most one group takes, and bulwark refuses more. The estates past that (1,000, 2,700, 3,000
//! components) are generated here with those checks off (`ignore_template_limits`), to check
//! what they exercise: ARM's per-template limits, checked by this file itself, on templates
//! split into stages and concern modules divided into parts.

mod common;

use bulwark::catalog::facts;
use bulwark::emit::limits::TemplateCounts;

fn arm_limit(name: &str) -> u64 {
    facts::limit("ARM template", name).unwrap_or_else(|| panic!("limits.tsv has no {name}"))
}

/// The most components of the synthetic mix one resource group takes: one run writes 800
/// deployments (stages and module calls), the history's limit.
const LARGEST_DEPLOYABLE: usize = 790;

fn generate(components: usize) -> Result<bulwark::Generated, bulwark::Error> {
    let blueprint = common::synthetic::synthetic(components);
    if components <= LARGEST_DEPLOYABLE {
        return common::try_generate(&blueprint);
    }
    // Past what one resource group takes: the template checks below, not bulwark's refusal.
    bulwark::generate(
        &blueprint,
        &bulwark::Options {
            today: common::today(),
            ignore_template_limits: true,
            ..bulwark::Options::default()
        },
    )
}

fn check(components: usize) {
    let generated = generate(components)
        .unwrap_or_else(|d| panic!("{components} components do not generate: {d:#?}"));
    // The compiled JSON template is larger than the Bicep; a quarter of ARM's 4 MB leaves room.
    let max_bytes = arm_limit("template size") * 1024 * 1024 / 4;
    let mut problems = Vec::new();
    for (path, text) in &generated.files.files {
        if !path.ends_with(".bicep") {
            continue;
        }
        assert!(
            !text.contains("[for "),
            "{path}: loops change the resource count"
        );
        let counts = TemplateCounts::of(text);
        for (what, count, limit) in [
            ("parameters", counts.parameters, arm_limit("parameters")),
            ("variables", counts.variables, arm_limit("variables")),
            ("outputs", counts.outputs, arm_limit("outputs")),
            (
                "resources",
                counts.resources,
                arm_limit("resources (including copy count)"),
            ),
            ("bytes", text.len() as u64, max_bytes),
        ] {
            if count > limit {
                problems.push(format!("{path}: {count} {what}, over ARM's {limit}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Modules are inlined: each deployment must fit ARM's 4 MB, by bulwark's estimate.
    for (template, estimate) in bulwark::emit::limits::estimated_deployments(&generated.files) {
        assert!(
            estimate <= arm_limit("template size") * 1024 * 1024,
            "{template}: {estimate} bytes"
        );
    }
}

#[test]
fn three_hundred_and_fifty_components_fit_arm_template_limits() {
    check(350);
}

#[test]
fn a_hundred_components_fit_arm_template_limits() {
    check(100);
}

/// The largest synthetic estate one resource group takes generates, in stages; one more
/// component is refused: its run would write 801 deployments.
#[test]
fn the_largest_deployable_estate_generates_and_one_more_is_refused() {
    check(LARGEST_DEPLOYABLE);
    let generated = generate(LARGEST_DEPLOYABLE).unwrap();
    assert_eq!(
        bulwark::emit::limits::deployments_per_run(&generated.files),
        800
    );
    let diagnostics = common::try_generate(&common::synthetic::synthetic(LARGEST_DEPLOYABLE + 1))
        .unwrap_err()
        .into_diagnostics();
    let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["too-many-deployments"], "{diagnostics:#?}");
    assert!(diagnostics[0].message.contains("801 deployments"));
}

/// 801 key vaults: the 801st is refused at its component (Microsoft.KeyVault/vaults is not
/// exempt from 800 per resource group), besides the deployments their modules write.
#[test]
fn the_801st_key_vault_in_one_resource_group_is_refused() {
    use bulwark::blueprint::{Blueprint, KeyVault};
    let vaults = |count: usize| {
        (0..count)
            .fold(Blueprint::builder("big", ["dev"]), |builder, index| {
                builder.component(format!("vault-{index:04}"), KeyVault::new())
            })
            .build()
    };
    let diagnostics = common::try_generate(&vaults(801))
        .unwrap_err()
        .into_diagnostics();
    let vault = diagnostics
        .iter()
        .find(|d| d.code == "too-many-of-a-type")
        .unwrap_or_else(|| panic!("{diagnostics:#?}"));
    assert_eq!(vault.path.as_deref(), Some("components.vault-0800"));
    assert!(vault.message.contains("Microsoft.KeyVault/vaults"));
    assert!(diagnostics.iter().any(|d| d.code == "too-many-deployments"));
}

/// What validation counts per component is what the generated Bicep creates: for every
/// shipped blueprint, the tracked resources (with a `location`, not `existing`) of each
/// component's module and its identity in main.bicep, exempt types left out.
#[test]
fn counted_resources_are_the_generated_ones() {
    for path in common::shipped_blueprints() {
        let text = std::fs::read_to_string(&path).unwrap();
        let loaded = bulwark::blueprint::load::from_str_in(&text, path.parent().unwrap()).unwrap();
        let generated = common::generate_full(&path);
        let tracked = tracked_types(&generated.files);
        for component in &loaded.blueprint.components {
            let module = format!("modules/{}-{}.bicep", component.kind(), component.name);
            let mut emitted = tracked.get(&module).cloned().unwrap_or_default();
            let identity = format!("id-{}-{}-", loaded.blueprint.app.name, component.name);
            if tracked_identities(&generated.files).contains(&identity) {
                emitted.push("Microsoft.ManagedIdentity/userAssignedIdentities".to_string());
            }
            emitted.retain(|t| !facts::exempt_from_group_limit(t));
            emitted.sort();
            let mut counted: Vec<String> = bulwark::blueprint::counted_resource_types(component)
                .into_iter()
                .map(String::from)
                .collect();
            counted.sort();
            assert_eq!(counted, emitted, "{}: {module}", path.display());
        }
    }
}

/// Per file, the types of the resources it declares (not `existing`) that have a location.
fn tracked_types(
    files: &bulwark::emit::FileSet,
) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut tracked = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (path, text) in files.files.iter().filter(|(p, _)| p.ends_with(".bicep")) {
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("resource ") {
                current = (!line.contains("' existing")).then(|| {
                    let start = rest.find('\'').unwrap() + 1;
                    let end = start + rest[start..].find('@').unwrap();
                    rest[start..end].to_string()
                });
            } else if line.starts_with("  location:") {
                if let Some(resource_type) = current.take() {
                    tracked.entry(path.clone()).or_default().push(resource_type);
                }
            } else if line == "}" {
                current = None;
            }
        }
    }
    tracked
}

/// The name prefixes (`id-<app>-<component>-`) of the identities main.bicep declares.
fn tracked_identities(files: &bulwark::emit::FileSet) -> Vec<String> {
    let main = files.get("main.bicep").unwrap();
    main.split("'Microsoft.ManagedIdentity/userAssignedIdentities@")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find("name: '")? + "name: '".len();
            let end = start + rest[start..].find("${")?;
            Some(rest[start..end].to_string())
        })
        .collect()
}

/// 1,000 components (a third of them apps) compile to more than ARM takes in one deployment:
/// they are split into stages, each within every limit (tests/stages.rs checks how).
#[test]
fn a_thousand_components_fit_arm_template_limits_in_stages() {
    check(1_000);
    let generated = generate(1_000).unwrap();
    let stages = bulwark::emit::split::stage_templates(generated.files.paths());
    assert!(stages.len() >= 2, "{stages:?}");
}

/// 3,000 components: the monitoring, network and perimeter modules each grow past ARM's 800
/// resources, so each is divided into parts (`modules/network.bicep`, `network-2.bicep`, …;
/// src/emit/split/concern.rs), every template within every limit.
#[test]
fn three_thousand_components_fit_arm_template_limits_with_divided_concerns() {
    check(3_000);
    let generated = generate(3_000).unwrap();
    let files = &generated.files;
    for concern in ["monitoring", "network", "perimeter"] {
        let parts = parts_of(files, concern);
        assert!(parts.len() >= 2, "{concern} is not divided: {parts:?}");
        // Every part is called, and no resource is declared (other than `existing`) twice.
        let mut declared = std::collections::BTreeSet::new();
        for (path, symbols) in &parts {
            let calls = bulwark::emit::split::stage_templates(files.paths())
                .iter()
                .filter(|stage| {
                    files
                        .get(stage)
                        .unwrap()
                        .contains(&format!(" '{path}' = {{"))
                })
                .count();
            assert_eq!(calls, 1, "{path} is called {calls} times");
            for symbol in symbols {
                assert!(
                    declared.insert(symbol.clone()),
                    "{symbol} twice in {concern}"
                );
            }
        }
    }
    // The monitoring parts hold one telemetry role per web app, besides the workspace, Application
    // Insights and their two diagnostic settings.
    let monitoring: usize = parts_of(files, "monitoring").values().map(Vec::len).sum();
    assert_eq!(monitoring, 4 + 1_000);
}

/// The resources (not `existing`) each part of a concern's module declares, by path.
fn parts_of(
    files: &bulwark::emit::FileSet,
    concern: &str,
) -> std::collections::BTreeMap<String, Vec<String>> {
    files
        .files
        .iter()
        .filter(|(path, _)| {
            let stem = path.strip_suffix(".bicep").unwrap_or_default();
            stem == format!("modules/{concern}")
                || stem
                    .strip_prefix(&format!("modules/{concern}-"))
                    .is_some_and(|n| n.parse::<usize>().is_ok())
        })
        .map(|(path, text)| {
            let symbols = text
                .lines()
                .filter(|line| line.starts_with("resource ") && !line.contains("' existing = {"))
                .map(|line| line.split(' ').nth(1).unwrap().to_string())
                .collect();
            (path.clone(), symbols)
        })
        .collect()
}

/// Web apps added after the others (in name order) land in the last part of the network
/// and monitoring modules: the parts before it keep what they held, so a deployment moves no
/// resource between ARM deployments. (The perimeter lists associations by kind, so a new
/// storage account lands before the vaults and shifts the parts after it.)
#[test]
fn added_components_do_not_move_between_concern_parts() {
    let before = generate(2_700).unwrap();
    let after = generate(2_730).unwrap();
    let network = parts_of(&before.files, "network");
    assert!(network.len() >= 2, "{network:?}");
    for concern in ["network", "monitoring"] {
        let before = parts_of(&before.files, concern);
        let after = parts_of(&after.files, concern);
        // The last part: the highest number (the concern's own module is part 1).
        let last = format!("modules/{concern}-{}.bicep", before.len());
        for (path, symbols) in &before {
            if *path != last {
                assert_eq!(Some(symbols), after.get(path), "{path} changed");
            } else {
                let grown = &after[path];
                assert!(grown.starts_with(symbols), "{path} lost resources");
            }
        }
    }
}

/// One Front Door Premium profile holds at most 25 endpoints (limits.tsv), one per public
/// app: the 26th public app is refused at its `ingress`, before anything is generated.
#[test]
fn at_most_twenty_five_public_apps_share_the_front_door() {
    use bulwark::blueprint::{Blueprint, Ingress, Runtime, WebApp};
    let with_public = |count: usize| {
        (0..count)
            .fold(Blueprint::builder("shop", ["dev"]), |builder, index| {
                builder.component(
                    format!("web{index:02}"),
                    WebApp::new(Runtime::Node22).ingress(Ingress::Public),
                )
            })
            .build()
    };
    assert_eq!(
        facts::limit("Front Door Premium", "endpoints per profile"),
        Some(25)
    );
    let generated = common::try_generate(&with_public(25)).expect("25 public apps generate");
    let front_door = generated.files.get("modules/front-door.bicep").unwrap();
    assert_eq!(
        front_door
            .matches("Microsoft.Cdn/profiles/afdEndpoints@")
            .count(),
        25
    );
    let diagnostics = common::try_generate(&with_public(26))
        .unwrap_err()
        .into_diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].code, "too-many-public-apps");
    assert_eq!(
        diagnostics[0].path.as_deref(),
        Some("components.web25.ingress")
    );
}
