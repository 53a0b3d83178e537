//! `[deployment]`: the workflow deploys through a deployment stack with deny settings (or, opted
//! out, a plain deployment), one resource group per environment, and the recover path for
//! soft-deleted vaults and stores.

mod common;

use bulwark::blueprint::load;
use bulwark::deployer::{self, DeployerRole};
use bulwark::{Generated, Options};

fn retail_text() -> String {
    std::fs::read_to_string(common::repo().join("blueprints/retail.toml")).unwrap()
}

fn generate_text(text: &str) -> Generated {
    let loaded = load::from_str_in(text, &common::repo().join("blueprints"))
        .unwrap_or_else(|d| panic!("{d:#?}"));
    common::generate_with_report(
        &loaded,
        text,
        &Options {
            blueprint_label: "bulwark.toml".into(),
            today: common::today(),
            ..Options::default()
        },
    )
}

fn workflow(generated: &Generated) -> String {
    bulwark::scaffold::project_files(generated, "bulwark.toml", "infra")
        .into_iter()
        .find(|(path, _)| path == ".github/workflows/infra.yml")
        .unwrap()
        .1
}

fn deploy_steps(text: &str) -> Vec<yaml_rust2::Yaml> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).expect("valid YAML");
    docs[0]["jobs"]["deploy"]["steps"].as_vec().unwrap().clone()
}

fn step<'a>(steps: &'a [yaml_rust2::Yaml], name: &str) -> Option<&'a yaml_rust2::Yaml> {
    steps
        .iter()
        .find(|step| step["name"].as_str() == Some(name))
}

#[test]
fn the_workflow_deploys_through_a_stack_with_deny_settings() {
    let text = workflow(&generate_text(&retail_text()));
    insta::assert_snapshot!("workflow_with_stacks", text);
    let steps = deploy_steps(&text);
    let deploy = step(&steps, "az stack group create").expect("a stack step");
    let script = deploy["run"].as_str().unwrap();
    for flag in [
        "--name \"retail-$ENVIRONMENT_NAME\"",
        "--deny-settings-mode denyWriteAndDelete",
        "--deny-settings-apply-to-child-scopes",
        "--deny-settings-excluded-principals \"$principal\"",
        "--action-on-unmanage detachAll",
        "--parameters \"infra/main.$ENVIRONMENT_NAME.bicepparam\"",
    ] {
        assert!(script.contains(flag), "{flag}\n{script}");
    }
    assert!(
        script.contains("[\"oid\"]"),
        "the excluded principal is the token's oid"
    );
    assert!(!text.contains("az deployment group create"));
    assert!(!text.contains("MAIN_DEPLOYMENT"));
    // The grant job reads main.bicep's outputs from the stack.
    assert!(text.contains("STACK_NAME: retail-${{ matrix.environment }}"));
    assert!(text.contains(
        "ids=$(az stack group show -g \"$RESOURCE_GROUP\" -n \"$STACK_NAME\" --query outputs.databaseIdentities.value -o json)"
    ));
}

#[test]
fn opting_out_deploys_without_a_stack() {
    let text = format!("{}\n[deployment]\nstacks = false\n", retail_text());
    let generated = generate_text(&text);
    let text = workflow(&generated);
    insta::assert_snapshot!("workflow_without_stacks", text);
    let steps = deploy_steps(&text);
    assert!(step(&steps, "az stack group create").is_none());
    let deploy = step(&steps, "az deployment group create").expect("a plain deployment");
    let script = deploy["run"].as_str().unwrap();
    // The run number from the runner's environment: no expression inside the script.
    assert!(script.contains("--name \"retail-$GITHUB_RUN_NUMBER\""));
    assert!(!text.contains("deny-settings"));
    assert!(text.contains("MAIN_DEPLOYMENT: retail-${{ github.run_number }}"));
    assert!(text.contains("--query properties.outputs.databaseIdentities.value"));
    // No stack, no Stack Owner role.
    let grants = deployer::grants(&generated.plan);
    assert!(
        !grants
            .iter()
            .any(|g| g.role == DeployerRole::BuiltIn("Azure Deployment Stack Owner"))
    );
    let report = generated.files.get(bulwark::REPORT_FILE).unwrap();
    assert!(report.contains("`[deployment] stacks = false`"), "{report}");
}

#[test]
fn stacks_need_the_stack_owner_role_on_the_app_resource_group() {
    let generated = generate_text(&retail_text());
    let grants = deployer::grants(&generated.plan);
    let owner = grants
        .iter()
        .find(|g| g.role == DeployerRole::BuiltIn("Azure Deployment Stack Owner"))
        .expect("a Stack Owner grant");
    assert_eq!(owner.scope, deployer::GrantScope::AppResourceGroup);
    assert_eq!(owner.environments, ["dev", "prod"]);
    assert_eq!(
        owner.role.guid(),
        Some("adb29209-aa1d-457b-a786-c913953d2891")
    );
    let report = generated.files.get(bulwark::REPORT_FILE).unwrap();
    assert!(report.contains("## Who can change the estate"));
    assert!(
        report
            .contains("except the one excluded principal: the identity the workflow signs in with")
    );
}

#[test]
fn every_environment_deploys_into_its_own_resource_group() {
    for stacks in [true, false] {
        let mut text = retail_text();
        if !stacks {
            text.push_str("\n[deployment]\nstacks = false\n");
        }
        let text = workflow(&generate_text(&text));
        let steps = deploy_steps(&text);
        let names: Vec<&str> = steps
            .iter()
            .map(|s| s["name"].as_str().unwrap_or("-"))
            .collect();
        let guard = names
            .iter()
            .position(|n| *n == "One resource group per environment")
            .expect("a guard step");
        let deploy = names
            .iter()
            .position(|n| n.starts_with("az ") && n.ends_with(" create"))
            .unwrap();
        assert!(guard < deploy, "the guard runs first: {names:?}");
        let script = steps[guard]["run"].as_str().unwrap();
        assert!(script.contains(
            "[?tags.\\\"managed-by\\\" == 'bulwark' && (tags.app != 'retail' || tags.environment != '$ENVIRONMENT_NAME')].id"
        ), "{script}");
        assert!(script.contains("exit 1"));
    }
}

#[test]
fn recover_sets_create_mode_in_the_named_environment_only() {
    let text = format!(
        "{}\n[deployment.environments.prod]\nrecover = [\"secrets\"]\n",
        retail_text()
    );
    let generated = generate_text(&text);
    let module = generated
        .files
        .get("modules/key-vault-secrets.bicep")
        .unwrap();
    assert!(module.contains("param createMode string"), "{module}");
    assert!(module.contains("    createMode: createMode\n"), "{module}");
    let main = generated.files.get("main.bicep").unwrap();
    assert!(
        main.contains("@allowed([\n  'default'\n  'recover'\n])\nparam secrets_createMode string"),
        "{main}"
    );
    assert!(main.contains("    createMode: secrets_createMode\n"));
    let prod = generated.files.get("main.prod.bicepparam").unwrap();
    let dev = generated.files.get("main.dev.bicepparam").unwrap();
    assert!(
        prod.contains("param secrets_createMode = 'recover'"),
        "{prod}"
    );
    assert!(
        dev.contains("param secrets_createMode = 'default'"),
        "{dev}"
    );
    for path in generated.files.paths().filter(|p| p.ends_with(".bicep")) {
        let errors = common::bicep_syntax_errors(generated.files.get(path).unwrap());
        assert!(errors.is_empty(), "{path}: {errors:?}");
    }
    let report = generated.files.get(bulwark::REPORT_FILE).unwrap();
    assert!(report.contains("Recovered from soft delete in the next deployment: secrets (prod)."));

    // Without `recover` nothing changes: no parameter, no createMode.
    let plain = generate_text(&retail_text());
    assert!(
        !plain
            .files
            .get("main.bicep")
            .unwrap()
            .contains("createMode")
    );
    assert!(
        !plain
            .files
            .get("modules/key-vault-secrets.bicep")
            .unwrap()
            .contains("createMode")
    );
}

#[test]
fn recover_in_every_environment_is_a_literal() {
    let text = format!(
        "{}\n[deployment.environments.dev]\nrecover = [\"secrets\"]\n[deployment.environments.prod]\nrecover = [\"secrets\"]\n",
        retail_text()
    );
    let generated = generate_text(&text);
    let module = generated
        .files
        .get("modules/key-vault-secrets.bicep")
        .unwrap();
    assert!(module.contains("    createMode: 'recover'\n"), "{module}");
    assert!(
        !generated
            .files
            .get("main.bicep")
            .unwrap()
            .contains("createMode")
    );
}

#[test]
fn app_configuration_recovers_with_its_own_spelling() {
    let path = common::shipped_blueprints()
        .into_iter()
        .find(|path| {
            std::fs::read_to_string(path)
                .unwrap()
                .contains("kind = \"app-configuration\"")
        })
        .expect("a shipped blueprint with an App Configuration store");
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = load::from_str_in(&text, path.parent().unwrap()).unwrap();
    let store = loaded
        .blueprint
        .components
        .iter()
        .find(|c| c.kind() == bulwark::blueprint::Kind::AppConfiguration)
        .unwrap()
        .name
        .clone();
    let mut blueprint = loaded.blueprint.clone();
    for environment in blueprint.app.environments.clone() {
        blueprint.deployment.environments.insert(
            environment,
            bulwark::blueprint::DeploymentOverride {
                recover: vec![store.clone()],
            },
        );
    }
    let generated = common::generate(&blueprint);
    let module = generated
        .files
        .get(&format!("modules/app-configuration-{store}.bicep"))
        .unwrap();
    assert!(module.contains("    createMode: 'Recover'\n"), "{module}");
}

fn diagnostics(text: &str) -> Vec<(String, String)> {
    let loaded = match load::from_str(text) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            return diagnostics
                .into_iter()
                .map(|d| (d.code.to_string(), d.message))
                .collect();
        }
    };
    bulwark::blueprint::validate_on(&loaded.blueprint, common::today())
        .into_iter()
        .map(|d| (d.code.to_string(), d.message))
        .collect()
}

const BASE: &str = "[app]\nname = \"shop\"\nenvironments = [\"dev\", \"prod\"]\n[components.web]\nkind = \"web-app\"\nruntime = \"node:22\"\n[components.secrets]\nkind = \"key-vault\"\n";

#[test]
fn the_deployment_table_is_validated() {
    assert!(diagnostics(&format!("{BASE}[deployment]\nstacks = false\n")).is_empty());
    let wrong_type = diagnostics(&format!("{BASE}[deployment]\nstacks = \"no\"\n"));
    assert_eq!(wrong_type.len(), 1, "{wrong_type:?}");
    let unknown = diagnostics(&format!("{BASE}[deployment]\nstack = false\n"));
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(unknown[0].1.contains("stack"), "{unknown:?}");

    let found = diagnostics(&format!(
        "{BASE}[deployment.environments.prd]\nrecover = [\"secrets\"]\n[deployment.environments.dev]\nrecover = [\"web\", \"secret\", \"secrets\", \"secrets\"]\n"
    ));
    let codes: Vec<&str> = found.iter().map(|(code, _)| code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "not-recoverable",
            "unknown-component",
            "duplicate-recover",
            "unknown-environment"
        ],
        "{found:?}"
    );
    assert!(found[0].1.contains("`web` is a web-app"), "{found:?}");
}

#[test]
fn the_builder_sets_the_deployment_table() {
    use bulwark::blueprint::{Deployment, KeyVault};
    let blueprint = bulwark::Blueprint::builder("shop", ["dev"])
        .component(
            "secrets",
            KeyVault {
                secrets: Vec::new(),
            },
        )
        .deployment(Deployment {
            stacks: false,
            ..Deployment::default()
        })
        .build();
    let generated = common::generate(&blueprint);
    assert!(!generated.plan.deployment.stacks);
    assert!(workflow(&generated).contains("az deployment group create"));
}
