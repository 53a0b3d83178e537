//! Container images that say where they come from: a full reference names its registry host,
//! and a registry image (`{ registry, repository, tag }`) is pulled from the blueprint's own
//! container registry through its login server, with `pull` on exactly that registry.

mod common;

use bulwark::blueprint::{
    Access, Blueprint, ContainerApp, ContainerRegistry, KeyVault, RegistryImage, load,
};
use bulwark::catalog::Role;
use bulwark::plan::{PerEnvironment, Scope};

const ACR_PULL: &str = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const ACR_PUSH: &str = "8311e382-0749-4cb8-b61a-304f252e45ec";

use common::generate;

fn file<'a>(generated: &'a bulwark::Generated, path: &str) -> &'a str {
    generated
        .files
        .get(path)
        .unwrap_or_else(|| panic!("{path} is generated"))
}

/// The role assignments of `principal` on `registry`, by role name.
fn roles_on(generated: &bulwark::Generated, principal: &str, registry: &str) -> Vec<String> {
    generated
        .plan
        .role_assignments
        .iter()
        .filter(|a| a.principal == principal && a.scope == Scope::Component(registry.into()))
        .map(|a| a.role.name())
        .collect()
}

/// An app (with the port its image serves on: required with ingress) next to a registry.
fn one_registry(app: ContainerApp) -> Blueprint {
    let app = if app.target_port.is_none() {
        app.target_port(8080)
    } else {
        app
    };
    Blueprint::builder("payroll", ["test", "prod"])
        .component("runs", app)
        .component("images", ContainerRegistry::new())
        .build()
}

#[test]
fn a_registry_image_is_pulled_through_the_login_server_with_acr_pull_on_that_registry() {
    let generated = generate(&one_registry(ContainerApp::new(RegistryImage::new(
        "images",
        "payroll/runs",
        "1.8.2",
    ))));
    let app = file(&generated, "modules/container-app-runs.bicep");
    // The same tag everywhere: a literal after the login server, no parameter.
    assert!(
        app.contains("image: '${imagesLoginServer}/payroll/runs:1.8.2'"),
        "{app}"
    );
    assert!(!app.contains("image_tag"), "{app}");
    assert!(
        app.contains("server: imagesLoginServer\n          identity: identityId"),
        "the registry is pulled from with the app's user-assigned identity:\n{app}"
    );
    let main = file(&generated, "main.bicep");
    assert!(
        main.contains("imagesLoginServer: imagesModule.outputs.loginServer"),
        "{main}"
    );
    // No connection was written, so the app gets no setting for the registry.
    assert!(!main.contains("IMAGES_LOGIN_SERVER"), "{main}");

    assert_eq!(roles_on(&generated, "runs", "images"), ["AcrPull"]);
    let assignment = generated
        .plan
        .role_assignments
        .iter()
        .find(|a| a.role == Role::Arm("AcrPull"))
        .unwrap();
    assert_eq!(assignment.access, Some(Access::Pull));
    assert_eq!(assignment.because, "components.runs.image.registry");
    let registry = file(&generated, "modules/container-registry-images.bicep");
    assert_eq!(registry.matches(ACR_PULL).count(), 2, "{registry}");
    assert!(
        registry.contains(&format!(
            "name: guid(registry.id, runsPrincipalId, '{ACR_PULL}')\n  scope: registry\n"
        )),
        "AcrPull is scoped to the registry itself:\n{registry}"
    );
}

#[test]
fn an_explicit_pull_connection_does_not_duplicate_the_implied_one() {
    let generated = generate(&one_registry(
        ContainerApp::new(RegistryImage::new("images", "payroll/runs", "1.8.2"))
            .uses("images", Access::Pull),
    ));
    assert_eq!(roles_on(&generated, "runs", "images"), ["AcrPull"]);
    let pull = generated
        .plan
        .role_assignments
        .iter()
        .find(|a| a.role == Role::Arm("AcrPull"))
        .unwrap();
    assert_eq!(
        pull.because, "components.runs.uses[0]",
        "the connection the blueprint wrote is the one cited"
    );
    let registry = file(&generated, "modules/container-registry-images.bicep");
    assert_eq!(
        registry
            .matches("Microsoft.Authorization/roleAssignments")
            .count(),
        1
    );
    let app = file(&generated, "modules/container-app-runs.bicep");
    assert_eq!(app.matches("server: imagesLoginServer").count(), 1, "{app}");
    assert_eq!(app.matches("param imagesLoginServer").count(), 1, "{app}");
}

#[test]
fn a_push_connection_already_pulls_so_no_acr_pull_is_added() {
    let generated = generate(&one_registry(
        ContainerApp::new(RegistryImage::new("images", "payroll/runs", "1.8.2"))
            .uses("images", Access::Push),
    ));
    assert_eq!(roles_on(&generated, "runs", "images"), ["AcrPush"]);
    let registry = file(&generated, "modules/container-registry-images.bicep");
    assert!(registry.contains(ACR_PUSH) && !registry.contains(ACR_PULL));
}

#[test]
fn pull_is_granted_on_the_image_registry_only() {
    let blueprint = Blueprint::builder("payroll", ["test"])
        .component(
            "runs",
            ContainerApp::new(RegistryImage::new("images", "payroll/runs", "1.8.2"))
                .target_port(8080),
        )
        .component("images", ContainerRegistry::new())
        .component("mirror", ContainerRegistry::new())
        .build();
    let generated = generate(&blueprint);
    assert_eq!(roles_on(&generated, "runs", "images"), ["AcrPull"]);
    assert!(roles_on(&generated, "runs", "mirror").is_empty());
    let mirror = file(&generated, "modules/container-registry-mirror.bicep");
    assert!(!mirror.contains("roleAssignments"), "{mirror}");
    let app = file(&generated, "modules/container-app-runs.bicep");
    assert!(!app.contains("mirrorLoginServer"), "{app}");
}

#[test]
fn the_tag_can_differ_per_environment() {
    let generated = generate(&one_registry(
        ContainerApp::new(RegistryImage::new("images", "payroll/runs", "1.8.2"))
            .image_tag_in("test", "1.9.0-rc.1"),
    ));
    let runs = generated.plan.component("runs").unwrap();
    let tag = &runs.registry_image.as_ref().unwrap().tag;
    assert_eq!(
        tag,
        &PerEnvironment::Each(
            [("prod", "1.8.2"), ("test", "1.9.0-rc.1")]
                .into_iter()
                .map(|(e, t)| (e.to_string(), t.to_string()))
                .collect()
        )
    );
    let app = file(&generated, "modules/container-app-runs.bicep");
    assert!(
        app.contains("image: '${imagesLoginServer}/payroll/runs:${image_tag}'"),
        "{app}"
    );
    assert!(file(&generated, "main.bicep").contains("image_tag: runs_image_tag"));
    assert!(
        file(&generated, "main.test.bicepparam").contains("param runs_image_tag = '1.9.0-rc.1'")
    );
    assert!(file(&generated, "main.prod.bicepparam").contains("param runs_image_tag = '1.8.2'"));
}

#[test]
fn the_shipped_payroll_blueprint_pulls_its_image_from_its_registry() {
    let generated = common::generate_full(&common::repo().join("blueprints/payroll.toml"));
    assert_eq!(roles_on(&generated, "runs", "images"), ["AcrPull"]);
    let app = generated
        .files
        .get("modules/container-app-runs.bicep")
        .unwrap();
    assert!(app.contains("'${imagesLoginServer}/payroll/runs:${image_tag}'"));
}

#[test]
fn toml_and_builder_spell_the_registry_image_alike() {
    let text = r#"
[app]
name = "payroll"
environments = ["test", "prod"]

[components.runs]
kind = "container-app"
image = { registry = "images", repository = "payroll/runs", tag = "1.8.2" }
target_port = 8080

[components.runs.environments.test]
image_tag = "1.9.0"

[components.images]
kind = "container-registry"
"#;
    let loaded = load::from_str(text).unwrap().blueprint;
    let built = one_registry(
        ContainerApp::new(RegistryImage::new("images", "payroll/runs", "1.8.2"))
            .image_tag_in("test", "1.9.0"),
    );
    assert_eq!(loaded, built);
}

/// The first diagnostic of a builder blueprint, as `path: error[code]: message`.
fn first_diagnostic(blueprint: &Blueprint) -> String {
    let error = bulwark::generate(blueprint, &bulwark::Options::default()).unwrap_err();
    bulwark::blueprint::render::render_short(&error.diagnostics()[..1], None)
}

#[test]
fn an_image_without_a_registry_host_is_refused() {
    let text = first_diagnostic(&one_registry(ContainerApp::new("payroll/runs:1.8.2")));
    assert_eq!(
        text,
        "components.runs.image: error[image-without-registry]: `payroll/runs:1.8.2` does not name its registry, so it would be pulled from Docker Hub\n"
    );
    for hosted in [
        "mcr.microsoft.com/k8se/quickstart:latest",
        "localhost/app:1",
        "registry:5000/app:1",
        "docker.io/library/nginx:1.27",
    ] {
        let generated = bulwark::generate(
            &one_registry(ContainerApp::new(hosted)),
            &bulwark::Options::default(),
        );
        assert!(generated.is_ok(), "{hosted}: {:#?}", generated.err());
    }
    for unhosted in [
        "nginx",
        "nginx:1.27",
        "library/nginx:1.27",
        "nginx@sha256:abc",
    ] {
        let text = first_diagnostic(&one_registry(ContainerApp::new(unhosted)));
        assert!(
            text.contains("image-without-registry"),
            "{unhosted}: {text}"
        );
    }
}

#[test]
fn a_registry_image_must_name_a_container_registry() {
    let missing = first_diagnostic(&one_registry(ContainerApp::new(RegistryImage::new(
        "imagse", "runs", "1",
    ))));
    assert!(
        missing.starts_with("components.runs.image.registry: error[unknown-registry]"),
        "{missing}"
    );
    let blueprint = Blueprint::builder("payroll", ["test"])
        .component(
            "runs",
            ContainerApp::new(RegistryImage::new("vault", "runs", "1")),
        )
        .component("vault", KeyVault::new())
        .build();
    assert!(
        first_diagnostic(&blueprint)
            .starts_with("components.runs.image.registry: error[not-a-registry]")
    );
}

#[test]
fn repositories_and_tags_follow_the_docker_reference_grammar() {
    for (repository, tag) in [
        ("payroll/runs", "1.8.2"),
        ("a", "_"),
        ("a__b/c--d/e.f", "V1-rc.2_x"),
    ] {
        let blueprint = one_registry(ContainerApp::new(RegistryImage::new(
            "images", repository, tag,
        )));
        assert!(
            bulwark::blueprint::validate(&blueprint).is_empty(),
            "{repository}:{tag}"
        );
    }
    for (repository, tag, code) in [
        ("Payroll/runs", "1", "invalid-repository"),
        ("payroll/runs:1", "1", "invalid-repository"),
        ("a___b", "1", "invalid-repository"),
        ("a..b", "1", "invalid-repository"),
        ("a/", "1", "invalid-repository"),
        ("-a", "1", "invalid-repository"),
        ("crx.azurecr.io/runs", "1", "repository-with-host"),
        ("runs", ".1", "invalid-image-tag"),
        ("runs", "", "invalid-image-tag"),
        ("runs", "a/b", "invalid-image-tag"),
    ] {
        let text = first_diagnostic(&one_registry(ContainerApp::new(RegistryImage::new(
            "images", repository, tag,
        ))));
        assert!(
            text.contains(&format!("error[{code}]")),
            "{repository}:{tag}: {text}"
        );
    }
    let long = "a".repeat(129);
    let text = first_diagnostic(&one_registry(ContainerApp::new(RegistryImage::new(
        "images", "runs", &long,
    ))));
    assert!(text.contains("error[invalid-image-tag]"), "{text}");
    let text = first_diagnostic(&one_registry(
        ContainerApp::new(RegistryImage::new("images", "runs", "1")).image_tag_in("prod", "-x"),
    ));
    assert!(
        text.starts_with("components.runs.environments.prod.image_tag: error[invalid-image-tag]"),
        "{text}"
    );
}

#[test]
fn the_schema_offers_both_image_forms() {
    let schema = bulwark::blueprint::json_schema().to_string();
    for needle in ["\"RegistryImage\"", "\"repository\"", "registry host"] {
        assert!(schema.contains(needle), "schema lacks {needle}");
    }
}
