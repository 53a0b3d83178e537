//! Code reaches every compute component with public network access off: `sites` private
//! endpoints on every App Service app, and the generated workflow's delivery jobs.

mod common;

use bulwark::blueprint::{ComponentSpec, Ingress};
use std::path::Path;

fn tickets() -> bulwark::Generated {
    common::generate_full(&common::repo().join("blueprints/tickets.toml"))
}

fn workflow(generated: &bulwark::Generated) -> String {
    bulwark::scaffold::project_files(generated, "bulwark.toml", "infra")
        .into_iter()
        .find(|(path, _)| path == ".github/workflows/infra.yml")
        .map(|(_, text)| text)
        .unwrap()
}

#[test]
fn tickets_ships_a_public_web_app_a_private_function_app_and_a_worker() {
    let plan = tickets().plan;
    let spec = |name: &str| {
        &plan
            .components
            .iter()
            .find(|component| component.name == name)
            .unwrap()
            .spec
    };
    assert!(matches!(spec("web"), ComponentSpec::WebApp(web) if web.ingress == Ingress::Public));
    assert!(
        matches!(spec("api"), ComponentSpec::FunctionApp(api) if api.ingress == Ingress::Private)
    );
    assert!(
        matches!(spec("triage"), ComponentSpec::ContainerApp(worker) if worker.ingress == Ingress::None && worker.image.registry().is_some())
    );
}

#[test]
fn the_workflow_deploys_infrastructure_then_code_from_the_vnet() {
    let text = workflow(&tickets());
    insta::assert_snapshot!("tickets_workflow", text);
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    let jobs = &docs[0]["jobs"];
    let names = |job: &str| -> Vec<String> {
        jobs[job]["steps"]
            .as_vec()
            .unwrap()
            .iter()
            .filter_map(|step| step["name"].as_str().map(str::to_string))
            .collect()
    };
    let run = |job: &str, name: &str| -> String {
        jobs[job]["steps"]
            .as_vec()
            .unwrap()
            .iter()
            .find(|step| step["name"].as_str() == Some(name))
            .and_then(|step| step["run"].as_str())
            .unwrap_or_else(|| panic!("{job} has no step {name}"))
            .to_string()
    };

    // Images first: the deployment references their tags.
    assert_eq!(jobs["images"]["needs"].as_str(), Some("check"));
    let deploy_needs: Vec<&str> = jobs["deploy"]["needs"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|need| need.as_str())
        .collect();
    assert_eq!(deploy_needs, ["check", "images"]);
    let image = run("images", "Image of triage (tickets/triage)");
    assert!(image.contains("-n tickets-images --query properties.outputs.registryName.value"));
    assert!(image.contains("  dev) tag='1.1.0' ;;"), "{image}");
    assert!(image.contains("  prod) tag='1.0.0' ;;"), "{image}");
    assert!(image.contains("docker build --tag \"$server/tickets/triage:$tag\" apps/triage"));
    assert!(image.contains("docker push \"$server/tickets/triage:$tag\""));
    assert!(
        image.contains("a released tag is never overwritten"),
        "an existing tag is kept: {image}"
    );

    // Then code, after the deployment, one step per App Service app.
    let deliver = &jobs["deliver-code"];
    assert_eq!(deliver["needs"].as_str(), Some("deploy"));
    assert_eq!(deliver["runs-on"][0].as_str(), Some("self-hosted"));
    assert_eq!(
        deliver["runs-on"][1].as_str(),
        Some("vnet-${{ matrix.environment }}")
    );
    assert_eq!(
        names("deliver-code"),
        ["Code of api (apps/api/)", "Code of web (apps/web/)"]
    );
    let api = run("deliver-code", "Code of api (apps/api/)");
    assert!(api.contains("-n tickets-api --query properties.outputs.siteName.value"));
    assert!(api.contains("az functionapp deployment source config-zip"));
    let web = run("deliver-code", "Code of web (apps/web/)");
    assert!(web.contains("(cd apps/web && zip -qr \"$package\" .)"));
    assert!(web.contains("az webapp deploy -g \"$RESOURCE_GROUP\" -n \"$site\""));
    assert!(text.contains("      - \"apps/**\""), "code changes run it");
}

#[test]
fn every_app_service_app_has_a_sites_endpoint_and_keeps_public_access_off() {
    for path in common::shipped_blueprints() {
        let generated = common::generate_full(&path);
        for component in &generated.plan.components {
            if matches!(
                component.spec,
                ComponentSpec::WebApp(_) | ComponentSpec::FunctionApp(_)
            ) {
                assert!(
                    component
                        .private_endpoints
                        .iter()
                        .any(|endpoint| endpoint.group_id == "sites"),
                    "{}: {} has no sites endpoint to deploy through",
                    path.display(),
                    component.name
                );
            }
        }
        // Public network access is on only where a waiver says so.
        let waived: Vec<String> = generated
            .plan
            .governance
            .waivers
            .iter()
            .filter(|waiver| {
                matches!(
                    waiver.control,
                    bulwark::blueprint::Control::PublicNetworkAccess
                        | bulwark::blueprint::Control::DirectPublicIngress
                )
            })
            .map(|waiver| waiver.component.clone())
            .collect();
        for file in generated.files.paths().filter(|p| p.ends_with(".bicep")) {
            let text = generated.files.get(file).unwrap();
            if text.contains("publicNetworkAccess: 'Enabled'") {
                assert!(
                    waived
                        .iter()
                        .any(|component| file.ends_with(&format!("-{component}.bicep"))),
                    "{}: {file} turns public network access on without a waiver",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn the_security_report_says_how_code_gets_in() {
    let path = common::repo().join("blueprints/tickets.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = bulwark::blueprint::load::from_str_in(&text, Path::new(".")).unwrap();
    let plan = tickets().plan;
    let report =
        bulwark::report::build(&loaded.blueprint, &plan, "tickets.toml", None).render_markdown();
    let section = report
        .split("## How code gets in")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a code delivery section");
    for row in [
        "| api | function-app | Zip deploy of `apps/api/`",
        "| triage | container-app | The workflow's `images` job builds `apps/triage/`",
        "| web | web-app | Zip deploy of `apps/web/`",
    ] {
        assert!(section.contains(row), "{row}\n{section}");
    }
}

#[test]
fn elastic_premium_apps_get_their_package_blob_written_by_the_deploying_identity() {
    let text = r#"
[app]
name = "digest"
environments = ["dev"]

[components.nightly]
kind = "function-app"
runtime = "dotnet-isolated:8.0"
sku = "EP1"
ingress = "none"
"#;
    let loaded = bulwark::blueprint::load::from_str_in(text, Path::new(".")).unwrap();
    let generated = common::generate(&loaded.blueprint);
    let module = generated
        .files
        .get("modules/function-app-nightly.bicep")
        .unwrap();
    assert!(module.contains("resource packageWriter 'Microsoft.Authorization/roleAssignments"));
    assert!(module.contains("  scope: packageContainer\n"), "{module}");
    assert!(module.contains("principalId: deployer().objectId"));
    assert!(module.contains(
        "output packageUrl string = '${hostStorage.properties.primaryEndpoints.blob}app-package/app.zip'"
    ));
    // The bootstrap lets the deploying identity assign exactly that role.
    let roles = bulwark::deployer::assignable_roles(&generated.plan);
    assert!(
        roles
            .built_in
            .contains(&"ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
        "Storage Blob Data Contributor"
    );
    let text = workflow(&generated);
    assert!(text.contains(
        "az storage blob upload --auth-mode login --blob-url \"$blob\" --file \"$package\" --overwrite"
    ));
    assert!(text.contains("/syncfunctiontriggers?api-version=2022-03-01"));
    assert!(
        !text.contains("  images:"),
        "no registry image, no images job"
    );
    assert!(
        text.contains("    needs: check\n"),
        "deploy needs only the check"
    );
}
