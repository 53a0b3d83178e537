//! A deployment too large for one ARM template is split into stages (src/emit/split.rs):
//! `main.bicep`, `main-2.bicep`, … deployed in order. Each stage must stand on its own: every
//! module it calls and every resource it reads is declared in it, its parameter files set
//! exactly its parameters, and together the stages deploy exactly what one template would.
//! The shipped blueprints are split on purpose (tests/common/staged.rs) so every component
//! kind, existing VNets, central DNS and waivers go through the split; CI also puts them
//! through the Bicep checker (`cargo run --example staged`).

mod common;

use bulwark::emit::split::{stage_param_file, stage_templates};
use std::collections::{BTreeMap, BTreeSet};

/// `keyword symbol` declarations at the start of a line.
fn declared(text: &str, keyword: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix(keyword)?.strip_prefix(' '))
        .map(|rest| {
            rest.split([' ', '\''])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// `symbol.outputs.` reads.
fn output_reads(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices(".outputs.") {
        let start = text[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        found.insert(text[start..at].to_string());
    }
    found
}

/// The module calls of a template: `(symbol, path)`.
fn module_calls(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("module ")?;
            let (symbol, rest) = rest.split_once(' ')?;
            let path = rest.trim_start_matches('\'').split('\'').next()?;
            Some((symbol.to_string(), path.to_string()))
        })
        .collect()
}

/// Every check a split generation must pass; `whole` is the same blueprint in one template.
fn check_stages(label: &str, whole: &bulwark::Generated, staged: &bulwark::Generated) {
    let files = &staged.files;
    let stages = stage_templates(files.paths());
    assert!(stages.len() >= 2, "{label}: not split: {stages:?}");
    let mut calls = Vec::new();
    for (index, template) in stages.iter().enumerate() {
        let text = files.get(template).unwrap();
        let errors = common::bicep_syntax_errors(text);
        assert!(errors.is_empty(), "{label} {template}: {errors:?}");
        // Each module read is called in the same template, never an earlier stage's.
        let modules = declared(text, "module");
        for read in output_reads(text) {
            assert!(
                modules.contains(&read),
                "{label} {template} reads {read}.outputs without calling it"
            );
        }
        // Only the last stage has outputs: the application's outputs, all of them.
        let outputs = declared(text, "output");
        if index + 1 < stages.len() {
            assert!(outputs.is_empty(), "{label} {template}: {outputs:?}");
        } else {
            assert_eq!(
                outputs,
                declared(whole.files.get("main.bicep").unwrap(), "output"),
                "{label}: the last stage has the application's outputs"
            );
        }
        // Every `existing` declaration is read (the linter warns on unused ones).
        let mut tokens: BTreeMap<&str, usize> = BTreeMap::new();
        for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            *tokens.entry(token).or_default() += 1;
        }
        for line in text.lines().filter(|line| line.contains("' existing = {")) {
            let symbol = line.split(' ').nth(1).unwrap();
            assert!(
                tokens[symbol] > 1,
                "{label} {template}: {symbol} is never read"
            );
        }
        // The parameter files set exactly the parameters without a default.
        let params: BTreeSet<String> = text
            .lines()
            .filter(|line| line.starts_with("param ") && !line.contains(" = "))
            .map(|line| line.split(' ').nth(1).unwrap().to_string())
            .collect();
        for environment in &staged.plan.environments {
            let path = stage_param_file(index, environment);
            let param_file = files
                .get(&path)
                .unwrap_or_else(|| panic!("{label}: no {path}"));
            assert!(
                param_file.contains(&format!("using '{template}'")),
                "{path}"
            );
            assert_eq!(declared(param_file, "param"), params, "{label} {path}");
        }
        calls.extend(module_calls(text));
    }
    // Together the stages call every module once, as the single template does.
    calls.sort();
    let mut whole_calls = module_calls(whole.files.get("main.bicep").unwrap());
    whole_calls.sort();
    assert_eq!(calls, whole_calls, "{label}: the stages call other modules");
    // The modules themselves do not change.
    let modules = |set: &bulwark::FileSet| -> BTreeMap<String, String> {
        set.files
            .iter()
            .filter(|(path, _)| path.starts_with("modules/"))
            .map(|(path, text)| (path.clone(), text.clone()))
            .collect()
    };
    assert_eq!(modules(&staged.files), modules(&whole.files), "{label}");
}

#[test]
fn every_shipped_blueprint_splits_into_stages_that_stand_alone() {
    for path in common::shipped_blueprints() {
        let text = std::fs::read_to_string(&path).unwrap();
        let loaded = bulwark::blueprint::load::from_str_in(&text, path.parent().unwrap()).unwrap();
        let label = path.file_name().unwrap().to_string_lossy().into_owned();
        let (whole, staged) =
            common::staged::generate_staged(&loaded.blueprint, &label, common::today());
        check_stages(&label, &whole, &staged);
    }
}

#[test]
fn the_largest_deployable_estate_deploys_in_stages_that_stand_alone() {
    // 790 components: the most one resource group takes (800 deployments per run).
    let blueprint = common::synthetic::synthetic(790);
    let staged = common::generate(&blueprint);
    // The same estate in one template, for comparison: more than ARM takes.
    let whole = bulwark::generate(
        &blueprint,
        &bulwark::Options {
            today: common::today(),
            ignore_template_limits: true,
            stage_budget: Some(bulwark::emit::split::Budget {
                resources: u64::MAX,
                json_bytes: u64::MAX,
            }),
            ..bulwark::Options::default()
        },
    )
    .unwrap();
    assert_eq!(stage_templates(whole.files.paths()), ["main.bicep"]);
    check_stages("synthetic-790", &whole, &staged);
}

/// A blueprint that fits one deployment is not split: one template, as before.
#[test]
fn a_blueprint_that_fits_stays_one_template() {
    for path in common::shipped_blueprints() {
        let files = common::generate_file(&path);
        assert_eq!(stage_templates(files.paths()), ["main.bicep"], "{path:?}");
        assert!(files.get("main-2.bicep").is_none());
    }
}

/// The generated workflow deploys the stages in order and what-ifs each; a blueprint in one
/// template keeps its one-command deploy.
#[test]
fn the_workflow_deploys_the_stages_in_order() {
    let path = common::repo().join("blueprints/payroll.toml");
    let text_of_blueprint = std::fs::read_to_string(&path).unwrap();
    let loaded =
        bulwark::blueprint::load::from_str_in(&text_of_blueprint, path.parent().unwrap()).unwrap();
    let (whole, staged) =
        common::staged::generate_staged(&loaded.blueprint, "payroll.toml", common::today());
    let stages: Vec<String> = stage_templates(staged.files.paths())
        .iter()
        .map(|t| t.trim_end_matches(".bicep").to_string())
        .collect();
    let workflow = |generated: &bulwark::Generated| -> String {
        bulwark::scaffold::project_files(generated, "bulwark.toml", "infra")
            .into_iter()
            .find(|(path, _)| path == ".github/workflows/infra.yml")
            .unwrap()
            .1
    };
    let text = workflow(&staged);
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    let steps = docs[0]["jobs"]["deploy"]["steps"].as_vec().unwrap();
    let deploy = steps
        .iter()
        .find(|step| step["name"].as_str() == Some("az stack group create"))
        .unwrap()["run"]
        .as_str()
        .unwrap();
    assert!(
        deploy.contains(&format!("for stage in {}; do", stages.join(" "))),
        "{deploy}"
    );
    assert!(deploy.contains("--parameters \"infra/$stage.$ENVIRONMENT_NAME.bicepparam\""));
    // Each stage in its own deployment stack, with the same deny settings.
    assert!(
        deploy.contains("--name \"payroll-$ENVIRONMENT_NAME-$stage\""),
        "{deploy}"
    );
    assert!(deploy.contains("--deny-settings-mode denyWriteAndDelete"));
    // The grant scripts read the identities from the last stage, which has the outputs.
    assert!(
        text.contains(&format!(
            "STACK_NAME: payroll-${{{{ matrix.environment }}}}-{}",
            stages.last().unwrap()
        )),
        "{text}"
    );
    // SECURITY.md names the stack of each stage, in order.
    let mut reported = staged.clone();
    bulwark::add_report(
        &mut reported,
        &loaded.blueprint,
        &bulwark::report::Source {
            label: "payroll.toml",
            text: &text_of_blueprint,
            map: &loaded.source_map,
        },
    );
    let stacks: Vec<String> = stages
        .iter()
        .map(|stage| format!("`payroll-<environment>-{stage}`"))
        .collect();
    assert!(
        reported
            .files
            .get("SECURITY.md")
            .unwrap()
            .contains(&format!("({}, deployed in that order)", stacks.join(", "))),
    );
    // The what-if of every environment goes through the stages in the same order.
    assert!(
        text.contains(&format!(
            "          for stage in {}; do\n            echo \"== $stage\"",
            stages.join(" ")
        )),
        "{text}"
    );
    let single = workflow(&whole);
    assert!(single.contains("          for stage in main; do\n            echo \"== $stage\""));
    let single_deploy = single.split("\n  deploy:\n").nth(1).unwrap();
    assert!(!single_deploy.contains("for stage in"));
    assert!(single.contains("--parameters \"infra/main.$ENVIRONMENT_NAME.bicepparam\""));
}
