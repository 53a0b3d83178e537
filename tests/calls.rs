//! Service-to-service calls, caller kind × target kind: the caller's token settings (URL,
//! audience, scope, never a secret), the private route to the target, the app role
//! assignment of the caller's identity, and the target's authentication.

mod common;

use bulwark::blueprint::{
    Blueprint, Component, ComponentSpec, ContainerApp, FunctionApp, FunctionRuntime, Ingress, Kind,
    Runtime, WebApp,
};

const IMAGE: &str = "mcr.microsoft.com/k8se/quickstart:latest";

fn app(kind: Kind) -> ComponentSpec {
    match kind {
        Kind::WebApp => ComponentSpec::WebApp(WebApp::new(Runtime::Node22)),
        Kind::FunctionApp => ComponentSpec::FunctionApp(FunctionApp::new(FunctionRuntime::Node22)),
        Kind::ContainerApp => ComponentSpec::ContainerApp(ContainerApp::new(IMAGE)),
        _ => unreachable!("compute kinds only"),
    }
}

/// `caller` calls `target`'s `orders-read` app role.
fn calling(caller: Kind, target: Kind) -> Blueprint {
    let caller_spec = match app(caller) {
        ComponentSpec::WebApp(spec) => ComponentSpec::WebApp(spec.calls("target.orders-read")),
        ComponentSpec::FunctionApp(spec) => {
            ComponentSpec::FunctionApp(spec.calls("target.orders-read"))
        }
        ComponentSpec::ContainerApp(spec) => {
            ComponentSpec::ContainerApp(spec.calls("target.orders-read"))
        }
        _ => unreachable!(),
    };
    let target_spec = match app(target) {
        ComponentSpec::WebApp(spec) => ComponentSpec::WebApp(spec.app_roles(["orders-read"])),
        ComponentSpec::FunctionApp(spec) => {
            ComponentSpec::FunctionApp(spec.app_roles(["orders-read"]))
        }
        ComponentSpec::ContainerApp(spec) => {
            ComponentSpec::ContainerApp(spec.app_roles(["orders-read"]))
        }
        _ => unreachable!(),
    };
    let mut blueprint = Blueprint::builder("shop", ["dev"]).build();
    blueprint.components = vec![
        Component {
            name: "caller".into(),
            spec: caller_spec,
        },
        Component {
            name: "target".into(),
            spec: target_spec,
        },
    ];
    blueprint
}

const KINDS: [Kind; 3] = [Kind::WebApp, Kind::FunctionApp, Kind::ContainerApp];

/// The value main.bicep passes for a setting of the caller's module.
fn setting<'a>(main: &'a str, name: &str) -> &'a str {
    let at = main
        .find(&format!("name: '{name}'"))
        .unwrap_or_else(|| panic!("no setting {name} in main.bicep:\n{main}"));
    let rest = &main[at..];
    let value = rest.find("value: ").expect("a value follows") + "value: ".len();
    rest[value..].lines().next().unwrap()
}

fn module<'a>(files: &'a bulwark::FileSet, kind: Kind, name: &str) -> &'a str {
    files
        .get(&format!("modules/{kind}-{name}.bicep"))
        .unwrap_or_else(|| panic!("no module for {name}"))
}

#[test]
fn every_caller_kind_reaches_every_target_kind_privately_with_a_token_and_one_app_role() {
    for caller in KINDS {
        for target in KINDS {
            let case = format!("{caller} → {target}");
            let generated = common::generate(&calling(caller, target));
            let files = &generated.files;
            let main = files.get("main.bicep").unwrap();

            // Token settings: URL, audience and scope, spelled for Azure Identity, no secret.
            let url = setting(main, "TARGET_URL");
            let audience = setting(main, "TARGET_AUDIENCE");
            let scope = setting(main, "TARGET_SCOPE");
            assert_eq!(
                audience,
                "'api://${tenant().tenantId}/shop-target-${uniqueString(resourceGroup().id)}'",
                "{case}"
            );
            assert_eq!(
                scope,
                "'api://${tenant().tenantId}/shop-target-${uniqueString(resourceGroup().id)}/.default'",
                "{case}"
            );
            for forbidden in ["secret", "key", "password", "listKeys"] {
                assert!(
                    !url.to_lowercase().contains(forbidden)
                        && !audience.to_lowercase().contains(forbidden),
                    "{case}: {forbidden}"
                );
            }

            // The private route, and a URL naming exactly the target's resource.
            let target_module = module(files, target, "target");
            match target {
                Kind::WebApp | Kind::FunctionApp => {
                    let prefix = if target == Kind::WebApp {
                        "app"
                    } else {
                        "func"
                    };
                    let name = format!(
                        "{prefix}-shop-target-${{uniqueString(resourceGroup().id, 'target')}}"
                    );
                    assert_eq!(url, format!("'https://{name}.azurewebsites.net'"), "{case}");
                    assert!(
                        target_module.contains(&format!("name: '{name}'")),
                        "{case}: the URL names the site the module creates"
                    );
                    assert!(
                        target_module.contains("groupIds: [\n            'sites'"),
                        "{case}: the target has a private endpoint for its site"
                    );
                    assert!(
                        target_module.contains("publicNetworkAccess: 'Disabled'"),
                        "{case}"
                    );
                }
                _ => {
                    assert_eq!(
                        url,
                        "'https://${take('ca-target-${environmentName}', 32)}.${containerApps.outputs.defaultDomain}'",
                        "{case}"
                    );
                    assert!(
                        target_module.contains("take('ca-target-${environmentName}', 32)"),
                        "{case}: the URL names the app the module creates"
                    );
                    let environment = files.get("modules/container-apps.bicep").unwrap();
                    assert!(
                        environment.contains("internal: true"),
                        "{case}: the environment is internal"
                    );
                }
            }

            // The role assignment: the caller's identity gets the one app role it names.
            assert!(
                target_module.contains("extension microsoftGraphV1"),
                "{case}"
            );
            let assignment = target_module
                .split("resource call__caller__orders_read 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {")
                .nth(1)
                .unwrap_or_else(|| panic!("{case}: no app role assignment\n{target_module}"));
            let assignment = &assignment[..assignment.find("\n}").unwrap()];
            assert!(
                assignment.contains(
                    "appRoleId: guid(resourceGroup().id, 'target', 'app-role', 'orders-read')"
                ),
                "{case}: {assignment}"
            );
            assert!(
                assignment.contains("principalId: callerPrincipalId"),
                "{case}"
            );
            assert_eq!(
                target_module
                    .matches("'Microsoft.Graph/appRoleAssignedTo@v1.0'")
                    .count(),
                1,
                "{case}: one assignment"
            );
            assert!(
                main.contains("callerPrincipalId: callerIdentity.properties.principalId"),
                "{case}"
            );
            assert!(target_module.contains("appRoleAssignmentRequired: true"));

            // The target's authentication: a token required, 401 otherwise, only the caller.
            match target {
                Kind::ContainerApp => assert!(
                    target_module.contains("'Microsoft.App/containerApps/authConfigs@2026-01-01'")
                ),
                _ => {
                    assert!(target_module.contains("name: 'authsettingsV2'"), "{case}");
                    assert!(target_module.contains("requireAuthentication: true"));
                }
            }
            assert!(target_module.contains("unauthenticatedClientAction: 'Return401'"));
            assert!(
                target_module
                    .contains("allowedApplications: [\n              callerCallerClientId")
            );

            // The caller creates no registration and needs no Graph resource of its own.
            assert!(
                !module(files, caller, "caller").contains("Microsoft.Graph"),
                "{case}"
            );
            assert!(
                files
                    .get("bicepconfig.json")
                    .unwrap()
                    .contains("br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0")
            );
        }
    }
}

#[test]
fn a_public_app_that_receives_calls_also_gets_a_private_endpoint() {
    for target in [Kind::WebApp, Kind::FunctionApp] {
        let mut blueprint = calling(Kind::ContainerApp, target);
        match &mut blueprint.components[1].spec {
            ComponentSpec::WebApp(spec) => spec.ingress = Ingress::Public,
            ComponentSpec::FunctionApp(spec) => spec.ingress = Ingress::Public,
            _ => unreachable!(),
        }
        let generated = common::generate(&blueprint);
        let target_module = module(&generated.files, target, "target");
        assert!(target_module.contains("'sites'"), "{target}");
        assert!(
            generated.files.get("modules/front-door.bicep").is_some(),
            "{target}: outside users keep Front Door"
        );
    }
    // Without a caller a public app keeps its `sites` endpoint too: code is delivered there.
    let mut blueprint = calling(Kind::ContainerApp, Kind::WebApp);
    blueprint.components[0].spec = app(Kind::ContainerApp);
    if let ComponentSpec::WebApp(spec) = &mut blueprint.components[1].spec {
        spec.ingress = Ingress::Public;
    }
    let generated = common::generate(&blueprint);
    assert!(module(&generated.files, Kind::WebApp, "target").contains("'sites'"));
}

#[test]
fn apps_may_call_each_other_and_a_whole_app_call_assigns_its_call_role() {
    let blueprint = Blueprint::builder("shop", ["dev", "prod"])
        .component("front", WebApp::new(Runtime::Node22).calls("back"))
        .component("back", ContainerApp::new(IMAGE).calls("front"))
        .build();
    let generated = common::generate(&blueprint);
    let plan = &generated.plan;
    let calls: Vec<(&str, &str, &str)> = plan
        .calls
        .iter()
        .map(|c| (c.caller.as_str(), c.target.as_str(), c.role.as_str()))
        .collect();
    assert_eq!(
        calls,
        [("front", "back", "call"), ("back", "front", "call")]
    );
    for (kind, name) in [(Kind::WebApp, "front"), (Kind::ContainerApp, "back")] {
        let text = module(&generated.files, kind, name);
        assert!(text.contains("value: 'call'"), "{name}");
    }
    // Neither module reads the other's outputs: no deployment waits on the other.
    let main = generated.files.get("main.bicep").unwrap();
    assert!(!main.contains("frontModule.outputs") && !main.contains("backModule.outputs"));
    // The deploying identity needs the Graph permissions, and SECURITY.md says who calls whom.
    let permissions: Vec<&str> = bulwark::deployer::graph_permissions(plan)
        .iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        permissions,
        [
            "Application.ReadWrite.OwnedBy",
            "AppRoleAssignment.ReadWrite.All",
            "Application.Read.All"
        ]
    );
    let report = bulwark::report::build(&blueprint, plan, "bulwark.toml", None).render_markdown();
    assert!(report.contains("## Who may call whom"));
    assert!(report.contains("| back | front | `call` |"));
    assert!(report.contains("| AppRoleAssignment.ReadWrite.All |"));
}

#[test]
fn without_calls_nothing_needs_graph() {
    let blueprint = Blueprint::builder("shop", ["dev"])
        .component("front", WebApp::new(Runtime::Node22))
        .build();
    let generated = common::generate(&blueprint);
    assert!(generated.plan.calls.is_empty());
    assert!(bulwark::deployer::graph_permissions(&generated.plan).is_empty());
    assert!(
        !generated
            .files
            .get("bicepconfig.json")
            .unwrap()
            .contains("extensions")
    );
    assert!(
        generated
            .files
            .files
            .values()
            .all(|text| !text.contains("Microsoft.Graph"))
    );
}

#[test]
fn the_deployer_command_says_which_graph_permissions_an_administrator_grants() {
    let out = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("bulwark")
        .unwrap()
        .arg("deployer")
        .arg(common::repo().join("blueprints/orders.toml"))
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    assert!(
        stdout.contains("Entra administrator")
            && stdout.contains(
                "Application.ReadWrite.OwnedBy, AppRoleAssignment.ReadWrite.All, Application.Read.All"
            ),
        "{stdout}"
    );
}

const DEV_CLIENT: &str = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const PROD_CLIENT: &str = "7a2b3c4d-5e6f-4b7c-9d8e-0f1a2b3c4d5e";

/// `caller` (a web app) calls `target`, whose registrations a platform team created for dev
/// and prod.
fn calling_pre_created(target: Kind) -> Blueprint {
    let register = |spec: ComponentSpec| match spec {
        ComponentSpec::WebApp(spec) => ComponentSpec::WebApp(
            spec.registration("dev", DEV_CLIENT, "api://contoso.example/target-dev")
                .registration("prod", PROD_CLIENT, "api://contoso.example/target-prod"),
        ),
        ComponentSpec::FunctionApp(spec) => ComponentSpec::FunctionApp(
            spec.registration("dev", DEV_CLIENT, "api://contoso.example/target-dev")
                .registration("prod", PROD_CLIENT, "api://contoso.example/target-prod"),
        ),
        ComponentSpec::ContainerApp(spec) => ComponentSpec::ContainerApp(
            spec.registration("dev", DEV_CLIENT, "api://contoso.example/target-dev")
                .registration("prod", PROD_CLIENT, "api://contoso.example/target-prod"),
        ),
        _ => unreachable!(),
    };
    let mut blueprint = Blueprint::builder("shop", ["dev", "prod"]).build();
    blueprint.components = vec![
        Component {
            name: "caller".into(),
            spec: ComponentSpec::WebApp(WebApp::new(Runtime::Node22).calls("target")),
        },
        Component {
            name: "target".into(),
            spec: register(app(target)),
        },
    ];
    blueprint
}

#[test]
fn a_pre_created_registration_needs_no_graph_rights_and_takes_the_blueprint_values() {
    for target in KINDS {
        let blueprint = calling_pre_created(target);
        let generated = common::generate(&blueprint);
        let files = &generated.files;
        let receiver = module(files, target, "target");
        // Nothing the deployment would need Microsoft Graph rights for.
        assert!(
            !receiver.contains("Microsoft.Graph"),
            "{target}:\n{receiver}"
        );
        assert!(!receiver.contains("extension "), "{target}:\n{receiver}");
        assert!(
            !receiver.contains("callerPrincipalId"),
            "{target}:\n{receiver}"
        );
        assert!(bulwark::deployer::graph_permissions(&generated.plan).is_empty());
        assert!(
            !files
                .get("bicepconfig.json")
                .unwrap()
                .contains("extensions"),
            "{target}"
        );
        // The platform still rejects every token but the caller's, for this audience.
        assert!(
            receiver.contains("clientId: registrationClientId"),
            "{target}:\n{receiver}"
        );
        let flat = receiver.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("allowedAudiences: [ registrationClientId registrationIdentifierUri ]"),
            "{target}:\n{receiver}"
        );
        assert!(
            flat.contains("allowedApplications: [ callerCallerClientId ]"),
            "{target}:\n{receiver}"
        );
        // Each environment's values, from the blueprint.
        let main = files.get("main.bicep").unwrap();
        assert!(main.contains("param target_registrationClientId string"));
        assert!(main.contains("param target_registrationIdentifierUri string"));
        assert_eq!(
            setting(main, "TARGET_AUDIENCE"),
            "target_registrationIdentifierUri"
        );
        assert_eq!(
            setting(main, "TARGET_SCOPE"),
            "'${target_registrationIdentifierUri}/.default'"
        );
        for (environment, client) in [("dev", DEV_CLIENT), ("prod", PROD_CLIENT)] {
            let params = files
                .get(&format!("main.{environment}.bicepparam"))
                .unwrap();
            assert!(
                params.contains(&format!("param target_registrationClientId = '{client}'")),
                "{params}"
            );
            assert!(params.contains(&format!(
                "param target_registrationIdentifierUri = 'api://contoso.example/target-{environment}'"
            )));
        }
        // The assignment is the platform team's: the output names whom to assign what.
        let output = &main[main.find("output appRoleAssignments array").unwrap()..];
        assert!(
            output.contains("caller: 'caller'")
                && output.contains("target: 'target'")
                && output.contains("appRole: 'call'")
                && output.contains("principalId: callerIdentity.properties.principalId"),
            "{output}"
        );
        let report = bulwark::report::build(&blueprint, &generated.plan, "bulwark.toml", None)
            .render_markdown();
        assert!(report.contains("| caller | target | `call` (assigned by the platform team) |"));
        assert!(report.contains("| App role assignment | assign caller's identity"));
        assert!(!report.contains("Microsoft Graph permission"));
    }
}

#[test]
fn graph_stays_for_the_registrations_the_deployment_creates() {
    let mut blueprint = calling_pre_created(Kind::FunctionApp);
    blueprint.components.push(Component {
        name: "other".into(),
        spec: ComponentSpec::ContainerApp(ContainerApp::new(IMAGE)),
    });
    if let ComponentSpec::WebApp(spec) = &mut blueprint.components[0].spec {
        spec.uses.push(bulwark::blueprint::Connection::new(
            "other",
            bulwark::blueprint::Access::Call,
        ));
    }
    let generated = common::generate(&blueprint);
    assert_eq!(
        bulwark::deployer::graph_permissions(&generated.plan).len(),
        3
    );
    assert!(
        generated
            .files
            .get("bicepconfig.json")
            .unwrap()
            .contains("extensions")
    );
    assert!(
        module(&generated.files, Kind::ContainerApp, "other")
            .contains("Microsoft.Graph/applications")
    );
    assert!(!module(&generated.files, Kind::FunctionApp, "target").contains("Microsoft.Graph"));
    let main = generated.files.get("main.bicep").unwrap();
    let output = &main[main.find("output appRoleAssignments array").unwrap()..];
    assert!(!output.contains("target: 'other'"), "{output}");
}

#[test]
fn pre_created_registrations_are_checked() {
    let codes = |blueprint: &Blueprint| -> Vec<String> {
        bulwark::blueprint::validate(blueprint)
            .into_iter()
            .map(|d| format!("{} at {}", d.code, d.path.unwrap_or_default()))
            .collect()
    };
    // Nothing calls it.
    let mut blueprint = calling_pre_created(Kind::WebApp);
    blueprint.components[0].spec = ComponentSpec::WebApp(WebApp::new(Runtime::Node22));
    assert_eq!(
        codes(&blueprint),
        ["registration-without-calls at components.target.registration"]
    );
    // A client id that is not a GUID, a URI Entra would not accept, a missing environment.
    let mut blueprint = calling_pre_created(Kind::WebApp);
    if let ComponentSpec::WebApp(spec) = &mut blueprint.components[1].spec {
        spec.registration.remove("prod");
        let dev = spec.registration.get_mut("dev").unwrap();
        dev.client_id = "orders-api".into();
        dev.identifier_uri = "orders-api/".into();
    }
    assert_eq!(
        codes(&blueprint),
        [
            "invalid-client-id at components.target.registration.dev.client_id",
            "invalid-identifier-uri at components.target.registration.dev.identifier_uri",
            "missing-registration at components.target.registration",
        ]
    );
    for bad in ["api://", "https://x/", "api://x/*", "http://x", "api:///x"] {
        let mut blueprint = calling_pre_created(Kind::WebApp);
        if let ComponentSpec::WebApp(spec) = &mut blueprint.components[1].spec {
            spec.registration.get_mut("dev").unwrap().identifier_uri = bad.into();
        }
        assert_eq!(
            codes(&blueprint),
            ["invalid-identifier-uri at components.target.registration.dev.identifier_uri"],
            "{bad}"
        );
    }
    // An environment the app does not have.
    let mut blueprint = calling_pre_created(Kind::WebApp);
    if let ComponentSpec::WebApp(spec) = &mut blueprint.components[1].spec {
        let dev = spec.registration["dev"].clone();
        spec.registration.insert("staging".into(), dev);
    }
    assert_eq!(
        codes(&blueprint),
        ["unknown-environment at components.target.registration.staging"]
    );
}
