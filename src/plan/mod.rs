//! Expansion of a valid blueprint into a plan: the Azure resources, identities, role
//! assignments, subnets, private endpoints, DNS zones, sizing, database grants and policy
//! assignments it implies, each with the blueprint path that caused it.

pub mod network;
mod settings;
mod sizing;

pub use settings::{
    RESERVED_SETTINGS as settings_reserved, SettingValue, connection_settings, is_reserved_setting,
};
pub use sizing::{Sized, resolve_sizing};

use crate::blueprint::{
    Access, Blueprint, Component, ComponentSpec, ContainerEnvironment, Diagnostic, Ingress, Kind,
    PartKind,
};
use crate::catalog::facts::{self, Policy};
use crate::catalog::{self, Role, naming, types};
use network::{Cidr, Request};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub app: String,
    pub environments: Vec<String>,
    pub address_space: Cidr,
    pub subnets: Vec<Subnet>,
    /// Private DNS zone names, sorted, one zone each.
    pub dns_zones: Vec<&'static str>,
    /// Sorted by name.
    pub components: Vec<ComponentPlan>,
    /// Sorted by scope, then principal, then role.
    pub role_assignments: Vec<RoleAssignment>,
    /// Grants run inside SQL Database and PostgreSQL by the generated scripts.
    pub database_grants: Vec<DatabaseGrant>,
    pub policies: Vec<PolicyAssignment>,
    pub secret_inputs: Vec<SecretInput>,
    /// Whether the app's shared Container Apps environment exists.
    pub shared_container_environment: bool,
}

impl Plan {
    pub fn component(&self, name: &str) -> Option<&ComponentPlan> {
        self.components
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.components[i])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentPlan {
    pub name: String,
    pub spec: ComponentSpec,
    pub private_endpoints: Vec<PrivateEndpoint>,
    /// Compute only: settings from connections and the blueprint, in the order written.
    pub app_settings: Vec<AppSetting>,
    /// Compute only: the subnet its outbound traffic (or its environment) lives in.
    pub subnet: Option<String>,
    /// Sizing fields, each the same everywhere or varying by environment.
    pub sizing: BTreeMap<&'static str, Sized>,
    /// Key Vault only: secrets of `external` components kept in this vault.
    pub external_secrets: Vec<String>,
}

impl ComponentPlan {
    pub fn kind(&self) -> Kind {
        self.spec.kind()
    }

    pub fn is_compute(&self) -> bool {
        catalog::kind_spec(self.kind()).compute
    }

    pub fn path(&self) -> String {
        format!("components.{}", self.name)
    }

    /// Secrets the vault holds: declared ones, then those of external services.
    pub fn vault_secrets(&self) -> Vec<String> {
        match &self.spec {
            ComponentSpec::KeyVault(vault) => vault
                .secrets
                .iter()
                .chain(&self.external_secrets)
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A private endpoint on one resource of a component's module.
#[derive(Debug, Clone, PartialEq)]
pub struct PrivateEndpoint {
    /// The module's symbol for the resource it connects to, e.g. `account`, `hostStorage`.
    pub target: &'static str,
    pub resource_type: &'static str,
    pub group_id: &'static str,
    pub zones: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Telemetry publishing on the app's Application Insights component.
    ApplicationInsights,
    Component(String),
    Part {
        component: String,
        kind: PartKind,
        name: String,
    },
}

impl Scope {
    pub fn component(&self) -> Option<&str> {
        match self {
            Scope::ApplicationInsights => None,
            Scope::Component(component) | Scope::Part { component, .. } => Some(component),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoleAssignment {
    pub principal: String,
    pub scope: Scope,
    pub access: Option<Access>,
    pub role: Role,
    /// The blueprint path that caused it.
    pub because: String,
}

impl RoleAssignment {
    /// The role definition GUID, for built-in Azure RBAC and Cosmos DB data roles.
    pub fn role_guid(&self) -> Option<&'static str> {
        match self.role {
            Role::Arm(name) | Role::CosmosData(name) => Some(facts::role(name).guid),
            _ => None,
        }
    }
}

/// A grant the generated database script makes to an app's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseGrant {
    pub server: String,
    pub database: String,
    pub principal: String,
    pub access: Access,
    pub roles: &'static [&'static str],
    pub because: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSetting {
    pub name: String,
    pub value: SettingValue,
    /// The blueprint path that caused it, and what it is for.
    pub because: (String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    pub name: String,
    pub prefix: Cidr,
    pub purpose: SubnetPurpose,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubnetPurpose {
    PrivateEndpoints,
    /// Outbound VNet integration of a compute component, delegated to its service.
    Integration {
        component: String,
        delegation: &'static str,
    },
    /// A Container Apps environment: the app's shared one (`component: None`) or a
    /// component's dedicated one.
    ContainerEnvironment {
        component: Option<String>,
    },
}

impl SubnetPurpose {
    pub fn delegation(&self) -> Option<&'static str> {
        match self {
            SubnetPurpose::PrivateEndpoints => None,
            SubnetPurpose::Integration { delegation, .. } => Some(delegation),
            SubnetPurpose::ContainerEnvironment { .. } => Some(CONTAINER_APPS_DELEGATION),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyAssignment {
    pub name: String,
    pub policy: &'static Policy,
    /// Why it is assigned: the kinds (or baseline concern) it guards.
    pub because: String,
}

/// A Key Vault secret whose value the deployment reads from an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInput {
    pub component: String,
    pub secret: String,
    /// The `@secure()` parameter of `main.bicep`.
    pub param: String,
    pub variable: String,
}

pub const PRIVATE_ENDPOINT_SUBNET: &str = "private-endpoints";
pub const CONTAINER_APPS_SUBNET: &str = "container-apps";
const PRIVATE_ENDPOINT_SUBNET_PREFIX: u8 = 24;
/// App Service and Functions integration subnets: /28 is the minimum, /26 what Microsoft
/// recommends so the plan can scale out.
const INTEGRATION_SUBNET_PREFIX: u8 = 26;
/// Workload-profiles Container Apps environments need at least a /27.
const CONTAINER_ENVIRONMENT_SUBNET_PREFIX: u8 = 27;
const APP_SERVICE_DELEGATION: &str = "Microsoft.Web/serverFarms";
const CONTAINER_APPS_DELEGATION: &str = "Microsoft.App/environments";

/// Components by name, built once per blueprint so lookups stay logarithmic.
pub type ByName<'a> = BTreeMap<&'a str, &'a Component>;

pub fn by_name(blueprint: &Blueprint) -> ByName<'_> {
    blueprint
        .components
        .iter()
        .map(|component| (component.name.as_str(), component))
        .collect()
}

/// Expand a blueprint that passed validation. Fails only on what expansion itself discovers
/// (an address space too small for the subnets).
pub fn plan(blueprint: &Blueprint) -> Result<Plan, Vec<Diagnostic>> {
    let mut components: Vec<&Component> = blueprint.components.iter().collect();
    components.sort_by(|a, b| a.name.cmp(&b.name));
    let lookup = by_name(blueprint);

    let address_space =
        network::parse_cidr(&blueprint.network.address_space).map_err(|problem| {
            vec![Diagnostic::error("invalid-address-space", problem).at("network.address_space")]
        })?;
    let subnets = plan_subnets(address_space, &components)?;
    let shared_container_environment = components.iter().any(|c| {
        matches!(&c.spec, ComponentSpec::ContainerApp(app) if app.environment == ContainerEnvironment::Shared)
    });

    let mut external_secrets: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for component in &components {
        if let ComponentSpec::External(external) = &component.spec {
            external_secrets
                .entry(external.vault.as_str())
                .or_default()
                .push(component.name.clone());
        }
    }

    let mut component_plans = Vec::new();
    let mut role_assignments = Vec::new();
    let mut database_grants = Vec::new();
    for component in &components {
        let mut plan = plan_component(&lookup, blueprint, component);
        plan.external_secrets = external_secrets
            .get(component.name.as_str())
            .cloned()
            .unwrap_or_default();
        component_plans.push(plan);
        for (index, connection) in component.uses().iter().enumerate() {
            let because = format!("components.{}.uses[{index}]", component.name);
            let target = lookup[connection.to.component.as_str()];
            let grant = grant_for(target, connection.to.part.as_deref(), connection.access);
            for role in grant.roles {
                if let Role::Database(roles) = role {
                    let database = match &target.spec {
                        ComponentSpec::SqlDatabase(_) => target.name.clone(),
                        _ => connection.to.part.clone().unwrap_or_default(),
                    };
                    database_grants.push(DatabaseGrant {
                        server: target.name.clone(),
                        database,
                        principal: component.name.clone(),
                        access: connection.access,
                        roles,
                        because: because.clone(),
                    });
                    continue;
                }
                role_assignments.push(RoleAssignment {
                    principal: component.name.clone(),
                    scope: scope_for(target, connection.to.part.as_deref()),
                    access: Some(connection.access),
                    role: *role,
                    because: because.clone(),
                });
            }
        }
        if catalog::kind_spec(component.kind()).compute {
            role_assignments.push(RoleAssignment {
                principal: component.name.clone(),
                scope: Scope::ApplicationInsights,
                access: None,
                role: Role::Arm("Monitoring Metrics Publisher"),
                because: format!("components.{}", component.name),
            });
        }
    }
    role_assignments.sort_by(|a, b| {
        (&a.scope, &a.principal, a.role.name()).cmp(&(&b.scope, &b.principal, b.role.name()))
    });

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

    let secret_inputs = component_plans
        .iter()
        .flat_map(|component| {
            component
                .vault_secrets()
                .into_iter()
                .map(|secret| SecretInput {
                    component: component.name.clone(),
                    param: naming::secret_param(&component.name, &secret),
                    variable: naming::setting_name(&[&component.name, &secret]),
                    secret,
                })
        })
        .collect();

    Ok(Plan {
        app: blueprint.app.name.clone(),
        environments: blueprint.app.environments.clone(),
        address_space,
        subnets,
        dns_zones,
        policies: plan_policies(blueprint),
        components: component_plans,
        role_assignments,
        database_grants,
        secret_inputs,
        shared_container_environment,
    })
}

/// The grant the catalogue gives for a validated connection.
fn grant_for(target: &Component, part: Option<&str>, access: Access) -> &'static catalog::Grant {
    let part_kind = part
        .and_then(|part| target.spec.part(part))
        .map(|part| part.kind);
    catalog::kind_spec(target.kind())
        .target(part_kind)
        .and_then(|spec| spec.grant(access))
        .expect("validated: the target supports the access level")
}

/// Where a connection's role applies. An external service's role applies to its secret,
/// which lives in its vault.
fn scope_for(target: &Component, part: Option<&str>) -> Scope {
    if let ComponentSpec::External(external) = &target.spec {
        return Scope::Part {
            component: external.vault.clone(),
            kind: PartKind::Secret,
            name: target.name.clone(),
        };
    }
    match part.and_then(|name| target.spec.part(name)) {
        Some(part) => Scope::Part {
            component: target.name.clone(),
            kind: part.kind,
            name: part.name,
        },
        None => Scope::Component(target.name.clone()),
    }
}

fn plan_subnets(space: Cidr, components: &[&Component]) -> Result<Vec<Subnet>, Vec<Diagnostic>> {
    let mut layout: Vec<(Request, SubnetPurpose)> = vec![(
        Request {
            name: PRIVATE_ENDPOINT_SUBNET.into(),
            prefix: PRIVATE_ENDPOINT_SUBNET_PREFIX,
        },
        SubnetPurpose::PrivateEndpoints,
    )];
    let shared = components.iter().any(
        |c| matches!(&c.spec, ComponentSpec::ContainerApp(app) if app.environment == ContainerEnvironment::Shared),
    );
    if shared {
        layout.push((
            Request {
                name: CONTAINER_APPS_SUBNET.into(),
                prefix: CONTAINER_ENVIRONMENT_SUBNET_PREFIX,
            },
            SubnetPurpose::ContainerEnvironment { component: None },
        ));
    }
    for component in components {
        let (prefix, purpose) = match &component.spec {
            ComponentSpec::WebApp(_) => (
                INTEGRATION_SUBNET_PREFIX,
                SubnetPurpose::Integration {
                    component: component.name.clone(),
                    delegation: APP_SERVICE_DELEGATION,
                },
            ),
            ComponentSpec::FunctionApp(function) => (
                INTEGRATION_SUBNET_PREFIX,
                SubnetPurpose::Integration {
                    component: component.name.clone(),
                    // Flex Consumption integrates through a Container Apps-style subnet.
                    delegation: if function.is_flex_consumption() {
                        CONTAINER_APPS_DELEGATION
                    } else {
                        APP_SERVICE_DELEGATION
                    },
                },
            ),
            ComponentSpec::ContainerApp(app)
                if app.environment == ContainerEnvironment::Dedicated =>
            {
                (
                    CONTAINER_ENVIRONMENT_SUBNET_PREFIX,
                    SubnetPurpose::ContainerEnvironment {
                        component: Some(component.name.clone()),
                    },
                )
            }
            _ => continue,
        };
        layout.push((
            Request {
                name: subnet_name(&purpose),
                prefix,
            },
            purpose,
        ));
    }
    let requests: Vec<Request> = layout.iter().map(|(request, _)| request.clone()).collect();
    let blocks = network::allocate(space, &requests).map_err(|fits| {
        vec![
            Diagnostic::error(
                "address-space-too-small",
                format!("address space {space} is too small for {} subnets", requests.len()),
            )
            .at("network.address_space")
            .expected(format!("a /{fits} or larger"))
            .help(format!(
                "bulwark needs a /{PRIVATE_ENDPOINT_SUBNET_PREFIX} for private endpoints, a /{INTEGRATION_SUBNET_PREFIX} per web or function app and a /{CONTAINER_ENVIRONMENT_SUBNET_PREFIX} per Container Apps environment"
            )),
        ]
    })?;
    Ok(blocks
        .into_iter()
        .zip(layout)
        .map(|((name, prefix), (_, purpose))| Subnet {
            name,
            prefix,
            purpose,
        })
        .collect())
}

/// Subnet names follow from their purpose, never from a name alone, so a component called
/// `private-endpoints` cannot take the endpoints' subnet.
pub fn subnet_name(purpose: &SubnetPurpose) -> String {
    match purpose {
        SubnetPurpose::PrivateEndpoints => PRIVATE_ENDPOINT_SUBNET.to_string(),
        SubnetPurpose::Integration { component, .. } => format!("{component}-integration"),
        SubnetPurpose::ContainerEnvironment { component: None } => {
            CONTAINER_APPS_SUBNET.to_string()
        }
        SubnetPurpose::ContainerEnvironment {
            component: Some(component),
        } => format!("{component}-environment"),
    }
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

fn plan_component(
    lookup: &ByName<'_>,
    blueprint: &Blueprint,
    component: &Component,
) -> ComponentPlan {
    let mut private_endpoints = Vec::new();
    let mut subnet = None;
    match &component.spec {
        ComponentSpec::WebApp(web) => {
            if web.ingress == Ingress::Private {
                private_endpoints.push(endpoint("site", types::WEB_SITE.name, "sites"));
            }
            subnet = Some(format!("{}-integration", component.name));
        }
        ComponentSpec::FunctionApp(function) => {
            for group in ["blob", "queue", "table"] {
                private_endpoints.push(endpoint("hostStorage", types::STORAGE_ACCOUNT.name, group));
            }
            if function.ingress == Ingress::Private {
                private_endpoints.push(endpoint("site", types::WEB_SITE.name, "sites"));
            }
            subnet = Some(format!("{}-integration", component.name));
        }
        ComponentSpec::ContainerApp(app) => {
            subnet = Some(match app.environment {
                ContainerEnvironment::Shared => CONTAINER_APPS_SUBNET.to_string(),
                ContainerEnvironment::Dedicated => format!("{}-environment", component.name),
            });
        }
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
    ComponentPlan {
        name: component.name.clone(),
        spec: component.spec.clone(),
        private_endpoints,
        app_settings: settings::app_settings(lookup, component),
        subnet,
        sizing: sizing::resolve_sizing(&blueprint.app.environments, &component.spec),
        external_secrets: Vec::new(),
    }
}

fn plan_policies(blueprint: &Blueprint) -> Vec<PolicyAssignment> {
    let mut kinds: Vec<Kind> = blueprint.components.iter().map(Component::kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut guids: Vec<(&'static str, String)> = catalog::BASELINE_POLICIES
        .iter()
        .map(|guid| {
            (
                *guid,
                "every blueprint (network and monitoring)".to_string(),
            )
        })
        .collect();
    let ingress_of = |kind: Kind| {
        blueprint
            .components
            .iter()
            .filter(move |c| c.kind() == kind)
            .map(|c| match &c.spec {
                ComponentSpec::WebApp(web) => web.ingress,
                ComponentSpec::FunctionApp(function) => function.ingress,
                _ => Ingress::Private,
            })
    };
    for kind in kinds {
        let because = format!("{kind} components");
        guids.extend(
            catalog::kind_spec(kind)
                .policies
                .iter()
                .map(|guid| (*guid, because.clone())),
        );
        // A public app is non-compliant by design; the policy would only be noise then.
        let all_private = ingress_of(kind).all(|ingress| ingress != Ingress::Public);
        if kind == Kind::WebApp && all_private {
            guids.push((catalog::WEB_APP_PRIVATE_POLICY, because.clone()));
        }
        if kind == Kind::FunctionApp && all_private {
            guids.push((catalog::FUNCTION_APP_PRIVATE_POLICY, because.clone()));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    guids
        .into_iter()
        .filter(|(guid, _)| seen.insert(*guid))
        .map(|(guid, because)| PolicyAssignment {
            name: format!("{}-{}", blueprint.app.name, &guid[..8]),
            policy: facts::policy(guid),
            because,
        })
        .collect()
}
