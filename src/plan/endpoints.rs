//! Private endpoints: the one per private-link group each component's resources get, and the
//! private DNS zones they need (created, or the platform's central ones).

use super::DnsPlan;
use crate::blueprint::{Blueprint, ComponentSpec, Diagnostic};
use crate::catalog::facts;
use crate::catalog::types;

/// A private endpoint on one resource of a component's module.
#[derive(Debug, Clone, PartialEq)]
pub struct PrivateEndpoint {
    /// The module's symbol for the resource it connects to, e.g. `account`, `hostStorage`.
    pub target: &'static str,
    pub resource_type: &'static str,
    pub group_id: &'static str,
    pub zones: Vec<&'static str>,
}

/// The private DNS zones the endpoints use, sorted, each once.
pub(super) fn dns_zones(component_plans: &[super::ComponentPlan]) -> Vec<&'static str> {
    let mut dns_zones: Vec<&'static str> = component_plans
        .iter()
        .flat_map(|component| {
            component
                .private_endpoints
                .iter()
                .flat_map(|endpoint| endpoint.zones.iter().copied())
        })
        .collect();
    dns_zones.sort_unstable();
    dns_zones.dedup();
    dns_zones
}

/// With central DNS and zone ids given, the id of every zone the endpoints use; a
/// diagnostic naming the zones that have none.
pub(super) fn central_zone_ids(
    blueprint: &Blueprint,
    dns_zones: &[&'static str],
    dns: &mut DnsPlan,
) -> Result<(), Vec<Diagnostic>> {
    let DnsPlan::Central(ids) = dns else {
        return Ok(());
    };
    let given = &blueprint.network.dns_zones;
    if given.is_empty() {
        return Ok(());
    }
    let missing: Vec<&str> = dns_zones
        .iter()
        .copied()
        .filter(|zone| !given.contains_key(*zone))
        .collect();
    if !missing.is_empty() {
        return Err(vec![
            Diagnostic::error(
                "missing-dns-zone",
                format!(
                    "central DNS names no zone id for {}",
                    missing.join(", ")
                ),
            )
            .at_key("network.dns_zones")
            .expected(format!(
                "a resource id for every zone the private endpoints use: {}",
                dns_zones.join(", ")
            ))
            .help("add the missing zones, or remove `dns_zones` if the estate's policy registers private endpoints in its zones"),
        ]);
    }
    *ids = dns_zones
        .iter()
        .map(|zone| (*zone, given[*zone].clone()))
        .collect();
    Ok(())
}

fn endpoint(
    target: &'static str,
    resource_type: &'static str,
    group_id: &'static str,
) -> PrivateEndpoint {
    let link = facts::private_link(resource_type, group_id);
    PrivateEndpoint {
        target,
        resource_type,
        group_id,
        zones: link.zones.clone(),
    }
}

/// The private endpoints a component's resources get, one per private-link group.
pub(super) fn private_endpoints_of(spec: &ComponentSpec) -> Vec<PrivateEndpoint> {
    let mut private_endpoints = Vec::new();
    match spec {
        // Every App Service app has a `sites` endpoint, whatever its ingress: with public
        // network access off it is the only way in to the deployment (SCM) site, whose record
        // the zone group adds to the same zone (facts/private_endpoints.tsv; learn.microsoft.com/
        // azure/app-service/overview-private-endpoint#dns). Code is delivered through it.
        ComponentSpec::WebApp(_) => {
            private_endpoints.push(endpoint("site", types::WEB_SITE.name, "sites"));
        }
        ComponentSpec::FunctionApp(_) => {
            for group in ["blob", "queue", "table"] {
                private_endpoints.push(endpoint("hostStorage", types::STORAGE_ACCOUNT.name, group));
            }
            private_endpoints.push(endpoint("site", types::WEB_SITE.name, "sites"));
        }
        ComponentSpec::ContainerApp(_) => {}
        ComponentSpec::Storage(storage) => {
            if !storage.containers.is_empty() {
                private_endpoints.push(endpoint("account", types::STORAGE_ACCOUNT.name, "blob"));
            }
            if !storage.queues.is_empty() {
                private_endpoints.push(endpoint("account", types::STORAGE_ACCOUNT.name, "queue"));
            }
        }
        ComponentSpec::KeyVault(_) => {
            private_endpoints.push(endpoint("vault", types::KEY_VAULT.name, "vault"))
        }
        ComponentSpec::ContainerRegistry(_) => {
            private_endpoints.push(endpoint(
                "registry",
                types::CONTAINER_REGISTRY.name,
                "registry",
            ));
        }
        ComponentSpec::SqlDatabase(_) => {
            private_endpoints.push(endpoint("server", types::SQL_SERVER.name, "sqlServer"))
        }
        ComponentSpec::Postgres(_) => {
            private_endpoints.push(endpoint(
                "server",
                types::POSTGRES_SERVER.name,
                "postgresqlServer",
            ));
        }
        ComponentSpec::CosmosDb(_) => {
            private_endpoints.push(endpoint("account", types::COSMOS_ACCOUNT.name, "Sql"))
        }
        ComponentSpec::ServiceBus(_) => {
            private_endpoints.push(endpoint(
                "namespace",
                types::SERVICE_BUS_NAMESPACE.name,
                "namespace",
            ));
        }
        ComponentSpec::EventHubs(_) => {
            private_endpoints.push(endpoint(
                "namespace",
                types::EVENT_HUBS_NAMESPACE.name,
                "namespace",
            ));
        }
        ComponentSpec::Redis(_) => {
            let link = facts::private_link_for_service("Azure Managed Redis");
            private_endpoints.push(PrivateEndpoint {
                target: "cluster",
                resource_type: link.resource_type,
                group_id: link.group_id,
                zones: link.zones.clone(),
            });
        }
        ComponentSpec::AppConfiguration(_) => {
            private_endpoints.push(endpoint(
                "store",
                types::APP_CONFIGURATION_STORE.name,
                "configurationStores",
            ));
        }
        ComponentSpec::OpenAi(_) => {
            private_endpoints.push(endpoint(
                "account",
                types::COGNITIVE_SERVICES_ACCOUNT.name,
                "account",
            ));
        }
        ComponentSpec::AiSearch(_) => {
            private_endpoints.push(endpoint(
                "service",
                types::SEARCH_SERVICE.name,
                "searchService",
            ));
        }
        ComponentSpec::External(_) => {}
    }
    private_endpoints
}
