//! Expansion of a valid blueprint into a plan: the Azure resources, identities, role
//! assignments, subnets, private endpoints, DNS zones, sizing, database grants and policy
//! assignments it implies, each with the blueprint path that caused it.

pub mod governance;
pub mod network;
pub mod perimeter;
pub mod scale;
mod settings;
mod sizing;

pub use crate::vocabulary::PerEnvironment;
pub use settings::{
    CallHost, RESERVED_SETTINGS as settings_reserved, SettingValue, call_settings,
    connection_settings, is_reserved_setting, settings_for,
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
    pub network: NetworkPlan,
    /// Sorted by name; each with its range per environment.
    pub subnets: Vec<Subnet>,
    /// Private DNS zone names, sorted, one zone each.
    pub dns_zones: Vec<&'static str>,
    /// Sorted by name.
    pub components: Vec<ComponentPlan>,
    /// Sorted by scope, then principal, then role.
    pub role_assignments: Vec<RoleAssignment>,
    /// Grants run inside SQL Database and PostgreSQL by the generated scripts.
    pub database_grants: Vec<DatabaseGrant>,
    /// Service-to-service calls: each caller's identity gets one app role of the target's
    /// Entra app registration. Sorted by target, caller, role.
    pub calls: Vec<Call>,
    pub policies: Vec<PolicyAssignment>,
    pub governance: governance::GovernancePlan,
    pub secret_inputs: Vec<SecretInput>,
    /// Whether the app's shared Container Apps environment exists.
    pub shared_container_environment: bool,
    /// `[deployment]`: deployment stacks or not, and what each environment recovers.
    pub deployment: crate::blueprint::Deployment,
    /// The network security perimeter; `None` with `[network] perimeter = false`.
    pub perimeter: Option<perimeter::PerimeterPlan>,
}

impl Plan {
    /// The address ranges subnets are carved from in one environment.
    pub fn address_ranges_in(&self, environment: &str) -> Vec<Cidr> {
        self.network.environments[environment].ranges.clone()
    }

    /// Each environment's subnet ranges by subnet name: what the manifest records so the
    /// next generation keeps them.
    pub fn address_record(&self) -> AddressRecord {
        self.environments
            .iter()
            .map(|environment| {
                let subnets = self
                    .subnets
                    .iter()
                    .map(|subnet| {
                        (
                            subnet.name.clone(),
                            subnet.prefix_in(environment).to_string(),
                        )
                    })
                    .collect();
                (environment.clone(), subnets)
            })
            .collect()
    }

    /// Whether a container app's scale rule reads `component` (a Service Bus namespace or a
    /// storage account), so its module outputs the name the rule needs.
    pub fn scaled_on(&self, component: &str) -> bool {
        self.components.iter().any(|app| {
            app.scale_rules.iter().any(|rule| match &rule.source {
                scale::ScaleSource::ServiceBusQueue { namespace, .. }
                | scale::ScaleSource::ServiceBusSubscription { namespace, .. } => {
                    namespace == component
                }
                scale::ScaleSource::StorageQueue { account, .. } => account == component,
                scale::ScaleSource::EventHub { .. } => false,
            })
        })
    }

    /// The calls a compute component receives (its app registration exists when any do).
    pub fn calls_to(&self, target: &str) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(move |call| call.target == target)
    }

    /// Whether a call's target has an app registration a platform team created, so its
    /// registration and its callers' app role assignments are not the deployment's.
    pub fn pre_created_registration(&self, call: &Call) -> bool {
        self.component(&call.target)
            .is_some_and(|target| !target.spec.registration().is_empty())
    }

    /// Whether the deployment declares Microsoft Graph resources: an app registration for
    /// some app that receives calls and has no pre-created one.
    pub fn creates_registrations(&self) -> bool {
        self.calls
            .iter()
            .any(|call| !self.pre_created_registration(call))
    }

    pub fn receives_calls(&self, target: &str) -> bool {
        self.calls_to(target).next().is_some()
    }

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
    /// Container apps only: the image, when it comes from a container-registry component.
    pub registry_image: Option<RegistryImagePlan>,
    /// Container apps only: the KEDA scale rules its receiving connections imply (event
    /// hubs excluded: see [`scale::ScaleSource::EventHub`]).
    pub scale_rules: Vec<scale::ScaleRulePlan>,
}

/// A container app's image in a container-registry component of the blueprint.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryImagePlan {
    /// The container-registry component.
    pub registry: String,
    pub repository: String,
    /// The tag in each environment: the image's `tag`, or the environment's `image_tag`.
    pub tag: PerEnvironment<String>,
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

/// One caller allowed to call one compute component with one of its Entra app roles.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub target: String,
    pub caller: String,
    /// The app role assigned: the one the connection names, or [`catalog::CALL_ROLE`].
    pub role: String,
    /// The blueprint path that caused it.
    pub because: String,
}

/// The app roles of a compute component that receives calls: `call`, then those it declares.
pub fn app_roles(spec: &ComponentSpec) -> Vec<String> {
    std::iter::once(catalog::CALL_ROLE.to_string())
        .chain(
            spec.parts()
                .into_iter()
                .filter(|part| part.kind == PartKind::AppRole)
                .map(|part| part.name)
                .filter(|name| name != catalog::CALL_ROLE),
        )
        .collect()
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

/// Environment → subnet name → range, as an earlier generation laid them out.
pub type AddressRecord = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkPlan {
    /// The VNet of each environment.
    pub environments: BTreeMap<String, EnvironmentVnet>,
    /// Whether bulwark adds subnets to existing VNets (in every environment) rather than
    /// creating one.
    pub existing: bool,
    pub dns: DnsPlan,
}

impl NetworkPlan {
    /// One value per environment, or the value when every environment agrees.
    pub fn per_environment<T: PartialEq + Clone>(
        &self,
        value: impl Fn(&EnvironmentVnet) -> T,
    ) -> PerEnvironment<T> {
        PerEnvironment::from_map(
            self.environments
                .iter()
                .map(|(environment, vnet)| (environment.clone(), value(vnet)))
                .collect(),
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentVnet {
    pub ranges: Vec<Cidr>,
    pub existing: Option<ExistingVnet>,
    /// A hub VNet the created VNet peers with.
    pub peer_with: Option<network::ResourceId>,
    /// DNS servers of the created VNet (the hub's resolvers); empty: Azure-provided DNS.
    pub dns_servers: Vec<std::net::Ipv4Addr>,
    /// The hub firewall the created VNet's compute subnets route 0.0.0.0/0 to, instead of a
    /// NAT gateway.
    pub firewall: Option<std::net::Ipv4Addr>,
}

impl EnvironmentVnet {
    /// Whether compute traffic leaves through the platform (its route table in an existing
    /// VNet, or a route to the hub firewall) rather than a NAT gateway bulwark creates.
    pub fn platform_egress(&self) -> bool {
        self.firewall.is_some()
            || self
                .existing
                .as_ref()
                .is_some_and(|existing| existing.route_table.is_some())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExistingVnet {
    pub vnet: network::ResourceId,
    pub route_table: Option<network::ResourceId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DnsPlan {
    /// Zones in the app's resource group, linked to its VNet.
    Create,
    /// Zones the platform owns, by zone name; empty when the estate's policy registers
    /// private endpoints in them (then endpoints get no zone group).
    Central(BTreeMap<&'static str, String>),
}

impl DnsPlan {
    /// Whether private endpoints get a DNS zone group (not when the estate's policy
    /// registers them).
    pub fn registers(&self) -> bool {
        match self {
            DnsPlan::Create => true,
            DnsPlan::Central(zones) => !zones.is_empty(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    pub name: String,
    /// Environment → range.
    pub prefixes: BTreeMap<String, Cidr>,
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

impl Subnet {
    /// The subnet's range in one environment.
    pub fn prefix_in(&self, environment: &str) -> Cidr {
        self.prefixes[environment]
    }

    /// The range when every environment uses the same one.
    pub fn prefix(&self) -> PerEnvironment<Cidr> {
        PerEnvironment::from_map(self.prefixes.clone())
    }
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
    /// Environment → the effect it is assigned with.
    pub effects: BTreeMap<String, &'static str>,
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
/// Private endpoints get a /24 (fewer addresses in a small space: a quarter of the first
/// range), or more when the blueprint's endpoints need it; never less than a /28.
const PRIVATE_ENDPOINT_SUBNET_PREFIX: u8 = 24;
const PRIVATE_ENDPOINT_SUBNET_MINIMUM: u8 = 28;

/// A subnet prefix from limits.tsv (`/28` → 28).
fn subnet_limit(name: &str) -> u8 {
    crate::catalog::facts::limit_text("Subnet", name)
        .and_then(|text| text.trim_start_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("bulwark bug: limits.tsv has no subnet prefix for {name}"))
}

/// App Service and Functions integration subnets: /28 is the minimum, /26 what Microsoft
/// recommends so the plan can scale out.
fn integration_subnet_prefix() -> u8 {
    subnet_limit("App Service / Functions Dedicated VNet integration: recommended prefix")
}

fn integration_subnet_minimum(flex_consumption: bool) -> u8 {
    if flex_consumption {
        subnet_limit("Functions Flex Consumption VNet integration: minimum prefix")
    } else {
        subnet_limit(
            "App Service / Functions Dedicated and Premium VNet integration: minimum prefix",
        )
    }
}

/// Workload-profiles Container Apps environments need at least a /27.
fn container_environment_subnet_prefix() -> u8 {
    subnet_limit("Container Apps environment (workload profiles): minimum infrastructure subnet")
}

/// What the private-endpoint subnet must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointDemand {
    pub endpoints: usize,
    /// Addresses the endpoints take plus the ones Azure reserves in every subnet.
    pub addresses: u64,
}

impl EndpointDemand {
    pub fn of(blueprint: &Blueprint) -> Self {
        Self::of_endpoints(
            blueprint
                .components
                .iter()
                .flat_map(|component| private_endpoints_of(&component.spec)),
        )
    }

    /// The demand of components.
    pub fn of_specs<'a>(specs: impl IntoIterator<Item = &'a ComponentSpec>) -> Self {
        Self::of_endpoints(specs.into_iter().flat_map(private_endpoints_of))
    }

    fn of_endpoints(endpoints: impl IntoIterator<Item = PrivateEndpoint>) -> Self {
        let endpoints: Vec<PrivateEndpoint> = endpoints.into_iter().collect();
        // A Cosmos DB account's endpoint takes an address per region plus one for the global
        // endpoint (limits.tsv, "private endpoints per subnet"); bulwark's accounts have one
        // region. Every other endpoint takes one.
        let taken: u64 = endpoints
            .iter()
            .map(|endpoint| {
                if endpoint.resource_type == types::COSMOS_ACCOUNT.name {
                    2
                } else {
                    1
                }
            })
            .sum();
        let reserved =
            crate::catalog::facts::limit("Subnet", "Azure-reserved addresses per subnet")
                .unwrap_or(5);
        EndpointDemand {
            endpoints: endpoints.len(),
            addresses: taken + reserved,
        }
    }

    /// The longest prefix (smallest subnet) that holds them.
    pub fn minimum_prefix(self) -> u8 {
        let bits = 64 - (self.addresses.max(1) - 1).leading_zeros();
        let fits = 32u32.saturating_sub(bits) as u8;
        fits.min(PRIVATE_ENDPOINT_SUBNET_MINIMUM)
    }
}
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

/// Expand a blueprint that passed validation, keeping the subnet ranges of `previous` (what
/// an earlier generation laid out) where they still fit. Fails only on what expansion itself
/// discovers (subnets that do not fit the address space, pins that clash).
pub fn plan(blueprint: &Blueprint, previous: &AddressRecord) -> Result<Plan, Vec<Diagnostic>> {
    let mut components: Vec<&Component> = blueprint.components.iter().collect();
    components.sort_by(|a, b| a.name.cmp(&b.name));
    let lookup = by_name(blueprint);

    let network_plan = plan_network(blueprint)?;
    let subnets = plan_subnets(blueprint, &network_plan, previous)?;
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
    let mut calls = Vec::new();
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
            if connection.access == Access::Call {
                calls.push(Call {
                    target: target.name.clone(),
                    caller: component.name.clone(),
                    role: connection
                        .to
                        .part
                        .clone()
                        .unwrap_or_else(|| catalog::CALL_ROLE.to_string()),
                    because: because.clone(),
                });
                continue;
            }
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
        role_assignments.extend(implied_pull(&lookup, component));
        role_assignments.extend(scaler_roles(plan_scale_rules(&component_plans, component)));
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
    calls.sort();
    calls.dedup_by(|a, b| (&a.target, &a.caller, &a.role) == (&b.target, &b.caller, &b.role));
    // An app that receives calls is reached through its `sites` private endpoint, which every
    // App Service app has (code delivery); callers stay inside the VNet while outside users of
    // a public app keep coming through Front Door.

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
    let mut network_plan = network_plan;
    if let DnsPlan::Central(ids) = &mut network_plan.dns {
        let given = &blueprint.network.dns_zones;
        if !given.is_empty() {
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
        }
    }

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

    let governance = governance::plan_governance(blueprint);
    let ordered: Vec<&Component> = {
        let mut ordered: Vec<&Component> = blueprint.components.iter().collect();
        ordered.sort_by(|a, b| a.name.cmp(&b.name));
        ordered
    };
    let perimeter = perimeter::plan_perimeter(
        blueprint,
        &ordered,
        &governance.policy,
        governance.monitoring.central.is_none(),
    );
    Ok(Plan {
        app: blueprint.app.name.clone(),
        environments: blueprint.app.environments.clone(),
        network: network_plan,
        subnets,
        dns_zones,
        policies: plan_policies(blueprint),
        governance,
        components: component_plans,
        role_assignments,
        database_grants,
        calls,
        secret_inputs,
        shared_container_environment,
        deployment: blueprint.deployment.clone(),
        perimeter,
    })
}

/// The `pull` a container app's registry image implies: the catalogue's pull role (AcrPull)
/// scoped to exactly that registry. None when a `pull` or `push` connection to the registry
/// already grants it (AcrPush also pulls: facts/roles.tsv, built-in-roles.md @00a583295ba7).
fn implied_pull(lookup: &ByName<'_>, component: &Component) -> Vec<RoleAssignment> {
    let ComponentSpec::ContainerApp(app) = &component.spec else {
        return Vec::new();
    };
    let Some(image) = app.image.registry() else {
        return Vec::new();
    };
    let connected = component.uses().iter().any(|connection| {
        connection.to.component == image.registry
            && matches!(connection.access, Access::Pull | Access::Push)
    });
    if connected {
        return Vec::new();
    }
    let target = lookup[image.registry.as_str()];
    grant_for(target, None, Access::Pull)
        .roles
        .iter()
        .map(|role| RoleAssignment {
            principal: component.name.clone(),
            scope: Scope::Component(image.registry.clone()),
            access: Some(Access::Pull),
            role: *role,
            because: format!("components.{}.image.registry", component.name),
        })
        .collect()
}

fn plan_scale_rules<'a>(
    plans: &'a [ComponentPlan],
    component: &Component,
) -> (&'a str, &'a [scale::ScaleRulePlan]) {
    let plan = plans
        .iter()
        .rev()
        .find(|plan| plan.name == component.name)
        .expect("planned just above");
    (&plan.name, &plan.scale_rules)
}

/// What the KEDA scalers need beyond the roles the receiving connection already grants, on the
/// same entity:
/// - Service Bus: the scaler reads message counts from the entity's runtime properties, which
///   takes Manage rights ("Manage access is required for KEDA to be able to get metrics from
///   Service Bus": keda.sh/docs/2.21/scalers/azure-service-bus, keda-docs @a55c5d345e2c). In
///   Entra ID the only built-in role with them is Azure Service Bus Data Owner (roles.tsv: the
///   Sender and Receiver roles carry send and receive only), so it is assigned on exactly the
///   queue or subscription, never the namespace.
/// - Storage queues: `azure-queue` reads the queue's approximate message count from its
///   properties (queueLengthStrategy `all`, the default: keda.sh/docs/2.21/scalers/
///   azure-storage-queue); Message Processor grants peek, retrieve and delete only
///   (roles.tsv), so a `receive` connection adds Storage Queue Data Reader on the queue.
///   `send-receive` (Storage Queue Data Contributor) already reads the queue.
fn scaler_roles((principal, rules): (&str, &[scale::ScaleRulePlan])) -> Vec<RoleAssignment> {
    rules
        .iter()
        .filter_map(|rule| {
            let (component, kind, name, role) = match &rule.source {
                scale::ScaleSource::ServiceBusQueue { namespace, queue } => (
                    namespace,
                    PartKind::Queue,
                    queue.clone(),
                    "Azure Service Bus Data Owner",
                ),
                scale::ScaleSource::ServiceBusSubscription {
                    namespace,
                    topic,
                    subscription,
                } => (
                    namespace,
                    PartKind::Subscription,
                    format!("{topic}/{subscription}"),
                    "Azure Service Bus Data Owner",
                ),
                scale::ScaleSource::StorageQueue { account, queue }
                    if rule.access == Access::Receive =>
                {
                    (
                        account,
                        PartKind::Queue,
                        queue.clone(),
                        "Storage Queue Data Reader",
                    )
                }
                _ => return None,
            };
            Some(RoleAssignment {
                principal: principal.to_string(),
                scope: Scope::Part {
                    component: component.clone(),
                    kind,
                    name,
                },
                access: Some(rule.access),
                role: Role::Arm(role),
                because: rule.because.clone(),
            })
        })
        .collect()
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

fn plan_network(blueprint: &Blueprint) -> Result<NetworkPlan, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut environments = BTreeMap::new();
    for environment in &blueprint.app.environments {
        let settings = blueprint.network.in_environment(environment);
        let mut ranges = Vec::new();
        for (index, range) in settings.ranges.iter().enumerate() {
            match network::parse_cidr_within(range, 8, 28) {
                Ok(cidr) => ranges.push(cidr),
                Err(problem) => diagnostics.push(
                    Diagnostic::error("invalid-address-space", problem)
                        .at(format!("{}[{index}]", settings.ranges_path)),
                ),
            }
        }
        let id = |text: &str, ty: &str, path: String, diagnostics: &mut Vec<Diagnostic>| {
            network::parse_resource_id(text, ty)
                .map_err(|problem| {
                    diagnostics.push(Diagnostic::error("invalid-resource-id", problem).at(path));
                })
                .ok()
        };
        let existing = settings.existing.as_ref().and_then(|existing| {
            let vnet = id(
                &existing.vnet_id,
                "Microsoft.Network/virtualNetworks",
                format!("{}.vnet_id", settings.existing_path),
                &mut diagnostics,
            )?;
            let route_table = match &existing.route_table_id {
                Some(text) => Some(id(
                    text,
                    "Microsoft.Network/routeTables",
                    format!("{}.route_table_id", settings.existing_path),
                    &mut diagnostics,
                )?),
                None => None,
            };
            Some(ExistingVnet { vnet, route_table })
        });
        let peer_with = settings.peer_with.as_ref().and_then(|text| {
            id(
                text,
                "Microsoft.Network/virtualNetworks",
                settings.peer_with_path.clone(),
                &mut diagnostics,
            )
        });
        let address = |text: &str, path: String, diagnostics: &mut Vec<Diagnostic>| {
            text.parse::<std::net::Ipv4Addr>()
                .map_err(|_| {
                    diagnostics.push(
                        Diagnostic::error(
                            "invalid-ip-address",
                            format!("`{text}` is not an IPv4 address"),
                        )
                        .at(path),
                    );
                })
                .ok()
        };
        let dns_servers = settings
            .dns_servers
            .iter()
            .enumerate()
            .filter_map(|(index, server)| {
                address(
                    server,
                    format!("{}[{index}]", settings.dns_servers_path),
                    &mut diagnostics,
                )
            })
            .collect();
        let firewall = settings.egress.as_ref().and_then(|egress| {
            address(
                &egress.firewall,
                format!("{}.firewall", settings.egress_path),
                &mut diagnostics,
            )
        });
        environments.insert(
            environment.clone(),
            EnvironmentVnet {
                ranges,
                existing,
                peer_with,
                dns_servers,
                firewall,
            },
        );
    }
    // Central zone ids are filled in once the plan knows which zones its endpoints use.
    let dns = match blueprint.network.dns {
        crate::blueprint::DnsMode::Create => DnsPlan::Create,
        crate::blueprint::DnsMode::Central => DnsPlan::Central(BTreeMap::new()),
    };
    if diagnostics.is_empty() {
        Ok(NetworkPlan {
            existing: blueprint.network.existing.is_some(),
            environments,
            dns,
        })
    } else {
        Err(diagnostics)
    }
}

/// What a subnet is for, its size and its service's minimum, in blueprint order: private
/// endpoints first, then each compute component's subnet in the order components are
/// declared (the shared Container Apps environment where its first app is declared).
fn subnet_requests(blueprint: &Blueprint, first_range: Cidr) -> Vec<(Request, SubnetPurpose)> {
    let endpoints_minimum = EndpointDemand::of(blueprint).minimum_prefix();
    let endpoints_prefix = PRIVATE_ENDPOINT_SUBNET_PREFIX
        .max(first_range.prefix + 2)
        .min(endpoints_minimum);
    let mut layout = vec![(
        Request {
            name: PRIVATE_ENDPOINT_SUBNET.into(),
            prefix: endpoints_prefix,
            minimum: endpoints_minimum,
        },
        SubnetPurpose::PrivateEndpoints,
    )];
    let mut shared_placed = false;
    for component in &blueprint.components {
        let (prefix, minimum, purpose) = match &component.spec {
            ComponentSpec::WebApp(_) => (
                integration_subnet_prefix(),
                integration_subnet_minimum(false),
                SubnetPurpose::Integration {
                    component: component.name.clone(),
                    delegation: APP_SERVICE_DELEGATION,
                },
            ),
            ComponentSpec::FunctionApp(function) => (
                integration_subnet_prefix(),
                integration_subnet_minimum(function.is_flex_consumption()),
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
            ComponentSpec::ContainerApp(app) => match app.environment {
                ContainerEnvironment::Dedicated => (
                    container_environment_subnet_prefix(),
                    container_environment_subnet_prefix(),
                    SubnetPurpose::ContainerEnvironment {
                        component: Some(component.name.clone()),
                    },
                ),
                ContainerEnvironment::Shared if !shared_placed => {
                    shared_placed = true;
                    (
                        container_environment_subnet_prefix(),
                        container_environment_subnet_prefix(),
                        SubnetPurpose::ContainerEnvironment { component: None },
                    )
                }
                ContainerEnvironment::Shared => continue,
            },
            _ => continue,
        };
        layout.push((
            Request {
                name: subnet_name(&purpose),
                prefix,
                minimum,
            },
            purpose,
        ));
    }
    layout
}

fn purpose_words(purpose: &SubnetPurpose, demand: EndpointDemand) -> String {
    match purpose {
        SubnetPurpose::PrivateEndpoints => format!(
            "the blueprint's {} private endpoints ({} addresses with the ones Azure reserves)",
            demand.endpoints, demand.addresses
        ),
        SubnetPurpose::Integration { .. } => "App Service VNet integration".into(),
        SubnetPurpose::ContainerEnvironment { .. } => {
            "a Container Apps environment (workload profiles)".into()
        }
    }
}

fn plan_subnets(
    blueprint: &Blueprint,
    network_plan: &NetworkPlan,
    previous: &AddressRecord,
) -> Result<Vec<Subnet>, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut layout: Option<Vec<(Request, SubnetPurpose)>> = None;
    let mut prefixes: Vec<BTreeMap<String, Cidr>> = Vec::new();
    let demand = EndpointDemand::of(blueprint);
    for (environment, vnet) in &network_plan.environments {
        let settings = blueprint.network.in_environment(environment);
        let Some(first_range) = vnet.ranges.first().copied() else {
            diagnostics.push(
                Diagnostic::error(
                    "no-address-ranges",
                    "no address ranges to carve subnets from",
                )
                .at(settings.ranges_path.clone())
                .expected("at least one IPv4 CIDR block, e.g. [\"10.20.4.0/23\"]"),
            );
            continue;
        };
        let requests = subnet_requests(blueprint, first_range);
        let names: Vec<&str> = requests.iter().map(|(r, _)| r.name.as_str()).collect();
        let mut pinned: BTreeMap<String, Cidr> = BTreeMap::new();
        let mut pinned_paths: Vec<(Cidr, &str, &str)> = Vec::new();
        for (name, (text, path)) in &settings.pins {
            let Some((request, purpose)) = requests.iter().find(|(r, _)| &r.name == name) else {
                let mut diagnostic = Diagnostic::error(
                    "unknown-subnet",
                    format!(
                        "there is no subnet called `{}` to pin",
                        crate::blueprint::diagnostic::shown(name)
                    ),
                )
                .at_key(path.clone())
                .expected(crate::blueprint::diagnostic::one_of(&names));
                if let Some(close) =
                    crate::blueprint::diagnostic::closest(name, names.iter().copied())
                {
                    diagnostic = diagnostic.help(format!("did you mean `{close}`?"));
                }
                diagnostics.push(diagnostic);
                continue;
            };
            let cidr = match network::parse_cidr_within(text, 8, 29) {
                Ok(cidr) => cidr,
                Err(problem) => {
                    diagnostics.push(
                        Diagnostic::error(
                            "invalid-subnet-range",
                            format!(
                                "`{}` is not a subnet range: {problem}",
                                crate::blueprint::diagnostic::shown(text)
                            ),
                        )
                        .at(path.clone())
                        .expected("an IPv4 CIDR block such as \"10.0.8.0/26\""),
                    );
                    continue;
                }
            };
            if cidr.prefix > request.minimum {
                diagnostics.push(
                    Diagnostic::error(
                        "subnet-too-small",
                        format!(
                            "{cidr} ({} addresses) is smaller than {} needs",
                            cidr.size(),
                            purpose_words(purpose, demand)
                        ),
                    )
                    .at(path.clone())
                    .expected(format!("a /{} or larger", request.minimum))
                    .help(format!(
                        "bulwark gives it a /{} when it lays the subnet out itself",
                        request.prefix
                    )),
                );
                continue;
            }
            if !vnet.ranges.iter().any(|range| range.contains(cidr)) {
                let shown: Vec<String> = vnet.ranges.iter().map(Cidr::to_string).collect();
                diagnostics.push(
                    Diagnostic::error(
                        "subnet-outside-address-space",
                        format!("{cidr} is outside the address space ({})", shown.join(", ")),
                    )
                    .at(path.clone())
                    .expected(format!("a range inside {}", shown.join(" or ")))
                    .help(format!(
                        "the address space comes from `{}`",
                        settings.ranges_path
                    )),
                );
                continue;
            }
            if let Some((other, other_name, _)) = pinned_paths
                .iter()
                .find(|(other, _, _)| other.overlaps(cidr))
            {
                diagnostics.push(
                    Diagnostic::error(
                        "overlapping-subnets",
                        format!("{cidr} overlaps {other}, pinned for `{other_name}`"),
                    )
                    .at(path.clone())
                    .expected("subnet ranges that do not overlap")
                    .help(free_hint(&vnet.ranges, cidr.prefix, &pinned)),
                );
                continue;
            }
            pinned.insert(name.clone(), cidr);
            pinned_paths.push((cidr, name, path));
        }
        let constraints = network::Constraints {
            pinned,
            previous: previous
                .get(environment)
                .map(|subnets| {
                    subnets
                        .iter()
                        .filter_map(|(name, text)| {
                            network::parse_cidr_within(text, 8, 29)
                                .ok()
                                .map(|cidr| (name.clone(), cidr))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let plain: Vec<Request> = requests.iter().map(|(r, _)| r.clone()).collect();
        match network::lay_out(&vnet.ranges, &plain, &constraints) {
            Some(blocks) => {
                for (index, block) in blocks.into_iter().enumerate() {
                    if prefixes.len() <= index {
                        prefixes.push(BTreeMap::new());
                    }
                    prefixes[index].insert(environment.clone(), block);
                }
            }
            None => {
                let shown: Vec<String> = vnet.ranges.iter().map(Cidr::to_string).collect();
                let fits = network::smallest_fitting_prefix(|space| {
                    subnet_requests(blueprint, space)
                        .into_iter()
                        .map(|(r, _)| r)
                        .collect()
                });
                let expected = if vnet.existing.is_some() {
                    format!(
                        "address ranges with room for {} subnets: together at least a /{fits}",
                        plain.len()
                    )
                } else {
                    format!("a /{fits} or larger")
                };
                diagnostics.push(
                    Diagnostic::error(
                        "address-space-too-small",
                        format!(
                            "{} cannot hold the {} subnets the blueprint needs{}",
                            shown.join(", "),
                            plain.len(),
                            if network_plan.environments.len() > 1 { format!(" in {environment}") } else { String::new() }
                        ),
                    )
                    .at(settings.ranges_path.clone())
                    .expected(expected)
                    .help(format!(
                        "bulwark needs a /{} for the {} private endpoints (at least a /{}), a /{} per web or function app and a /{} per Container Apps environment; pinned subnets take what they pin",
                        PRIVATE_ENDPOINT_SUBNET_PREFIX.min(demand.minimum_prefix()),
                        demand.endpoints,
                        demand.minimum_prefix(),
                        integration_subnet_prefix(),
                        container_environment_subnet_prefix()
                    )),
                );
            }
        }
        if layout.is_none() {
            layout = Some(requests);
        }
    }
    if !diagnostics.is_empty() {
        // A pin shared by every environment fails the same way in each: say it once.
        let mut unique: Vec<Diagnostic> = Vec::new();
        for diagnostic in diagnostics {
            if !unique.contains(&diagnostic) {
                unique.push(diagnostic);
            }
        }
        return Err(unique);
    }
    // Declaration order decides where new subnets go; the files list them by name, so
    // reordering components moves nothing else.
    let mut subnets: Vec<Subnet> = layout
        .unwrap_or_default()
        .into_iter()
        .zip(prefixes)
        .map(|((request, purpose), prefixes)| Subnet {
            name: request.name,
            prefixes,
            purpose,
        })
        .collect();
    subnets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(subnets)
}

fn free_hint(ranges: &[Cidr], prefix: u8, taken: &BTreeMap<String, Cidr>) -> String {
    let taken: Vec<Cidr> = taken.values().copied().collect();
    let free = network::free_blocks(ranges, prefix, &taken, 3);
    if free.is_empty() {
        format!("no /{prefix} is free in the address space")
    } else {
        let shown: Vec<String> = free.iter().map(Cidr::to_string).collect();
        format!("free ranges of that size: {}", shown.join(", "))
    }
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

/// The private endpoints a component's resources get, one per private-link group.
fn private_endpoints_of(spec: &ComponentSpec) -> Vec<PrivateEndpoint> {
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

fn plan_component(
    lookup: &ByName<'_>,
    blueprint: &Blueprint,
    component: &Component,
) -> ComponentPlan {
    let private_endpoints = private_endpoints_of(&component.spec);
    let subnet = match &component.spec {
        ComponentSpec::WebApp(_) | ComponentSpec::FunctionApp(_) => {
            Some(format!("{}-integration", component.name))
        }
        ComponentSpec::ContainerApp(app) => Some(match app.environment {
            ContainerEnvironment::Shared => CONTAINER_APPS_SUBNET.to_string(),
            ContainerEnvironment::Dedicated => format!("{}-environment", component.name),
        }),
        _ => None,
    };
    ComponentPlan {
        name: component.name.clone(),
        spec: component.spec.clone(),
        private_endpoints,
        app_settings: settings::app_settings(&blueprint.app.name, lookup, component),
        subnet,
        sizing: sizing::resolve_sizing(&blueprint.app.environments, &component.spec),
        external_secrets: Vec::new(),
        registry_image: registry_image(&blueprint.app.environments, &component.spec),
        scale_rules: match &component.spec {
            ComponentSpec::ContainerApp(app) => scale::sources(&component.name, app, lookup)
                .into_iter()
                .filter(|rule| rule.source.scalable())
                .collect(),
            _ => Vec::new(),
        },
    }
}

/// A container app's registry image with its tag in each environment.
fn registry_image(environments: &[String], spec: &ComponentSpec) -> Option<RegistryImagePlan> {
    let ComponentSpec::ContainerApp(app) = spec else {
        return None;
    };
    let image = app.image.registry()?;
    let tags = environments
        .iter()
        .map(|environment| {
            let tag = app
                .environments
                .get(environment)
                .and_then(|fields| fields.get(crate::blueprint::ContainerApp::IMAGE_TAG))
                .map_or_else(|| image.tag.clone(), ToString::to_string);
            (environment.clone(), tag)
        })
        .collect::<BTreeMap<_, _>>();
    Some(RegistryImagePlan {
        registry: image.registry.clone(),
        repository: image.repository.clone(),
        tag: if tags.is_empty() {
            PerEnvironment::Same(image.tag.clone())
        } else {
            PerEnvironment::from_map(tags)
        },
    })
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
    let public = blueprint.components.iter().any(|c| {
        matches!(&c.spec, ComponentSpec::WebApp(web) if web.ingress == Ingress::Public)
            || matches!(&c.spec, ComponentSpec::FunctionApp(f) if f.ingress == Ingress::Public)
    });
    for kind in kinds {
        let because = format!("{kind} components");
        guids.extend(
            catalog::kind_spec(kind)
                .policies
                .iter()
                .map(|guid| (*guid, because.clone())),
        );
        // Public apps are reached through Front Door's private link, so every app keeps
        // public network access disabled.
        if kind == Kind::WebApp {
            guids.push((catalog::WEB_APP_PRIVATE_POLICY, because.clone()));
        }
        if kind == Kind::FunctionApp {
            guids.push((catalog::FUNCTION_APP_PRIVATE_POLICY, because.clone()));
        }
    }
    if public {
        guids.extend(
            catalog::FRONT_DOOR_POLICIES
                .iter()
                .map(|guid| (*guid, "public ingress through Front Door".to_string())),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    guids
        .into_iter()
        .filter(|(guid, _)| seen.insert(*guid))
        .map(|(guid, because)| {
            let policy = facts::policy(guid);
            PolicyAssignment {
                name: format!("{}-{}", blueprint.app.name, &guid[..8]),
                policy,
                because,
                effects: blueprint
                    .app
                    .environments
                    .iter()
                    .map(|e| {
                        let mode = blueprint.governance.policy_in(e);
                        (e.clone(), governance::effect_for(policy, mode))
                    })
                    .collect(),
            }
        })
        .collect()
}
