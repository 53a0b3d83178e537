//! Limits of the resource group one environment deploys into (limits.tsv): bulwark deploys
//! each environment, every stage of it, into one resource group (`az deployment group create
//! -g rg-<app>-<environment>`), so what the whole blueprint creates lands in that one group.
//!
//! - At most 800 instances of a resource type per resource group, except the types Microsoft
//!   lists as exempt (resource_group_limit_exempt.tsv, from `resources-without-resource-group-
//!   limit`: sites, storage accounts, private endpoints, NSGs, private DNS zones, SQL servers,
//!   PostgreSQL flexible servers, Service Bus and Event Hubs namespaces, among others).
//! - At most 800 deployments in a resource group's deployment history
//!   (`deployment-history-deletions`): every stage is a deployment and every module call a
//!   nested one. ARM deletes old entries only once the history passes 700, and a deployment
//!   that finds it at 800 fails; nothing says deletion keeps up during one run, so a run that
//!   writes more than 800 deployments by itself is refused (the stricter reading).
//!
//! `generate` runs both after emission (it counts the module calls in the templates), beside
//! ARM's template limits, and `Options::ignore_template_limits` skips them as it skips those;
//! `bulwark validate` runs them with the deployments counted from below
//! ([`fewest_deployments`]).

use super::super::diagnostic::Diagnostic;
use super::super::kinds::ContainerEnvironment;
use super::super::model::{Blueprint, Component, ComponentSpec};
use crate::catalog::{facts, kind_spec, types};
use std::collections::BTreeMap;

/// The tracked resources (those with a location, listed in the resource group) a component
/// creates in its environment's resource group, by type, exempt types left out. The shared
/// resources (workspace, VNet, perimeter, Front Door) are one each and never near the limit.
/// `tests/arm_limits.rs` checks this against the generated Bicep of every shipped blueprint.
pub fn counted_resource_types(component: &Component) -> Vec<&'static str> {
    let mut created = Vec::new();
    if kind_spec(component.kind()).compute {
        // Declared in main.bicep, one per compute component.
        created.push(types::USER_ASSIGNED_IDENTITY.name);
    }
    match &component.spec {
        ComponentSpec::WebApp(_) => {
            created.extend([types::APP_SERVICE_PLAN.name, types::WEB_SITE.name]);
        }
        ComponentSpec::FunctionApp(_) => created.extend([
            types::APP_SERVICE_PLAN.name,
            types::WEB_SITE.name,
            types::STORAGE_ACCOUNT.name,
        ]),
        ComponentSpec::ContainerApp(app) => {
            if app.environment == ContainerEnvironment::Dedicated {
                created.push(types::CONTAINER_APPS_ENVIRONMENT.name);
            }
            created.push(types::CONTAINER_APP.name);
        }
        ComponentSpec::Storage(_) => created.push(types::STORAGE_ACCOUNT.name),
        ComponentSpec::KeyVault(_) => created.push(types::KEY_VAULT.name),
        ComponentSpec::ContainerRegistry(_) => created.push(types::CONTAINER_REGISTRY.name),
        ComponentSpec::SqlDatabase(_) => {
            created.extend([types::SQL_SERVER.name, types::SQL_DATABASE.name]);
        }
        ComponentSpec::Postgres(_) => created.push(types::POSTGRES_SERVER.name),
        ComponentSpec::CosmosDb(_) => created.push(types::COSMOS_ACCOUNT.name),
        ComponentSpec::ServiceBus(_) => created.push(types::SERVICE_BUS_NAMESPACE.name),
        ComponentSpec::EventHubs(_) => created.push(types::EVENT_HUBS_NAMESPACE.name),
        ComponentSpec::Redis(_) => created.push(types::REDIS_CLUSTER.name),
        ComponentSpec::AppConfiguration(_) => created.push(types::APP_CONFIGURATION_STORE.name),
        ComponentSpec::OpenAi(_) => created.push(types::COGNITIVE_SERVICES_ACCOUNT.name),
        ComponentSpec::AiSearch(_) => created.push(types::SEARCH_SERVICE.name),
        ComponentSpec::External(_) => {}
    }
    created.retain(|resource_type| !facts::exempt_from_group_limit(resource_type));
    created
}

fn limit(subject: &str, name: &str) -> usize {
    facts::limit(subject, name)
        .unwrap_or_else(|| panic!("bulwark bug: limits.tsv has no {subject} limit `{name}`"))
        as usize
}

/// The resource-group limits a blueprint would break, given how many deployments one run of
/// its generated templates writes (stages plus module calls).
pub fn resource_group_limits(blueprint: &Blueprint, deployments: usize) -> Vec<Diagnostic> {
    let mut diagnostics = resource_type_limits(blueprint);
    diagnostics.extend(deployment_history_limit(deployments));
    diagnostics
}

/// The components that would be the 801st of a non-exempt type in the resource group; needs
/// only the blueprint, so `bulwark validate` reports it too.
pub fn resource_type_limits(blueprint: &Blueprint) -> Vec<Diagnostic> {
    let most = limit(
        "Resource group",
        "resources per resource group per resource type",
    );
    let mut diagnostics = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for component in &blueprint.components {
        for resource_type in counted_resource_types(component) {
            let count = counts.entry(resource_type).or_default();
            *count += 1;
            if *count == most + 1 {
                diagnostics.push(too_many_of_a_type(
                    blueprint,
                    component,
                    resource_type,
                    most,
                ));
            }
        }
    }
    diagnostics
}

/// The fewest deployments one run writes: main.bicep and one module per component that is not
/// `external` (those create nothing). What `bulwark validate` checks without generating.
pub fn fewest_deployments(blueprint: &Blueprint) -> usize {
    1 + blueprint
        .components
        .iter()
        .filter(|component| !matches!(component.spec, ComponentSpec::External(_)))
        .count()
}

/// A run writing more deployments than a resource group's history holds.
fn deployment_history_limit(deployments: usize) -> Option<Diagnostic> {
    let history = limit(
        "ARM deployment",
        "deployments per scope in deployment history",
    );
    (deployments > history).then(|| {
        Diagnostic::error(
            "too-many-deployments",
            format!(
                "one deployment of this application writes at least {deployments} deployments (each stage, and each module call a nested one) into its environment's resource group; a resource group's deployment history holds {history}, and ARM deletes old entries only once it passes 700, so the run can fail part way"
            ),
        )
        .at("components")
        .expected(format!("at most {history} deployments per run (about one per component, plus a few for the network, monitoring and policy)"))
        .help("split the application into two blueprints, each deployed into its own resource group")
    })
}

fn too_many_of_a_type(
    blueprint: &Blueprint,
    component: &Component,
    resource_type: &str,
    most: usize,
) -> Diagnostic {
    let total = blueprint
        .components
        .iter()
        .flat_map(counted_resource_types)
        .filter(|counted| *counted == resource_type)
        .count();
    Diagnostic::error(
        "too-many-of-a-type",
        format!(
            "`{}` would make {} {resource_type} in each environment's resource group (the blueprint creates {total}); Azure allows {most} of a type in one resource group",
            component.name,
            most + 1
        ),
    )
    .at(format!("components.{}", component.name))
    .expected(format!(
        "at most {most} {resource_type} per resource group (this type is not exempt)"
    ))
    .help("split the application into two blueprints (for example shared data services and the apps that use them), each deployed into its own resource group")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::{KeyVault, Runtime, Storage, WebApp};

    fn vaults(count: usize) -> Blueprint {
        (0..count)
            .fold(Blueprint::builder("big", ["dev"]), |builder, index| {
                builder.component(format!("vault-{index:04}"), KeyVault::new())
            })
            .build()
    }

    #[test]
    fn the_801st_key_vault_is_refused_at_its_component() {
        assert!(resource_group_limits(&vaults(800), 0).is_empty());
        let diagnostics = resource_group_limits(&vaults(801), 0);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].code, "too-many-of-a-type");
        assert_eq!(
            diagnostics[0].path.as_deref(),
            Some("components.vault-0800")
        );
        assert!(diagnostics[0].message.contains("Microsoft.KeyVault/vaults"));
    }

    #[test]
    fn exempt_types_are_not_counted() {
        let web = Component {
            name: "web".into(),
            spec: WebApp::new(Runtime::Node22).into(),
        };
        assert_eq!(
            counted_resource_types(&web),
            vec![
                "Microsoft.ManagedIdentity/userAssignedIdentities",
                "Microsoft.Web/serverfarms"
            ]
        );
        let store = Component {
            name: "store".into(),
            spec: Storage::new().into(),
        };
        assert!(counted_resource_types(&store).is_empty());
    }

    #[test]
    fn external_components_write_no_deployment() {
        let mut blueprint = vaults(2);
        assert_eq!(fewest_deployments(&blueprint), 3);
        blueprint.components.push(Component {
            name: "payments".into(),
            spec: crate::blueprint::External::new("https://api.example.com", "vault-0000").into(),
        });
        assert_eq!(fewest_deployments(&blueprint), 3);
    }

    #[test]
    fn more_than_800_deployments_in_one_run_are_refused() {
        assert!(resource_group_limits(&vaults(1), 800).is_empty());
        let diagnostics = resource_group_limits(&vaults(1), 801);
        assert_eq!(diagnostics[0].code, "too-many-deployments");
    }
}
