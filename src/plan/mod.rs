//! Expansion of a valid blueprint into a plan: the Azure resources, identities, role
//! assignments, subnets, private endpoints, DNS zones, sizing, database grants and policy
//! assignments it implies, each with the blueprint path that caused it.
//!
//! [`plan`] is the orchestrator: the VNet of each environment (`vnet`), its subnets
//! (`subnets`), each component's plan (`components`) and what its connections grant
//! (`grants`), private endpoints and DNS zones (`endpoints`), policy assignments
//! (`policies`), governance, the perimeter, settings, scale rules and sizing.

mod components;
mod endpoints;
pub mod governance;
mod grants;
pub mod network;
pub mod perimeter;
mod policies;
pub mod scale;
mod settings;
mod sizing;
mod subnets;
mod vnet;

pub use crate::vocabulary::PerEnvironment;
pub use components::{AppSetting, ComponentPlan, RegistryImagePlan, SecretInput};
pub use endpoints::PrivateEndpoint;
pub use grants::{Call, DatabaseGrant, RoleAssignment, Scope, app_roles};
pub use policies::PolicyAssignment;
pub use settings::{
    CallHost, RESERVED_SETTINGS as settings_reserved, SettingValue, call_settings,
    connection_settings, is_reserved_setting, settings_for,
};
pub use sizing::{Sized, resolve_sizing};
pub use subnets::{
    CONTAINER_APPS_SUBNET, EndpointDemand, PRIVATE_ENDPOINT_SUBNET, Subnet, SubnetPurpose,
    subnet_name,
};
pub use vnet::{AddressRecord, DnsPlan, EnvironmentVnet, ExistingVnet, NetworkPlan};

use crate::blueprint::{Blueprint, Component, ComponentSpec, ContainerEnvironment, Diagnostic};
use endpoints::private_endpoints_of;
use grants::Grants;
use network::Cidr;
use policies::plan_policies;
use std::collections::{BTreeMap, BTreeSet};
use subnets::plan_subnets;
use vnet::plan_network;

/// The plan of a whole blueprint: what `emit` writes and the report describes.
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
    /// Service Bus namespaces and storage accounts some container app's scale rule reads.
    pub scale_sources: BTreeSet<String>,
    /// Container registries some container app's image is pulled from.
    pub image_registries: BTreeSet<String>,
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
        crate::counters::add(crate::counters::Counter::AppWideScans, 1);
        self.scale_sources.contains(component)
    }

    /// Whether some container app's image comes from the registry `component`, so the
    /// workflow pushes images to it.
    pub fn holds_images(&self, component: &str) -> bool {
        crate::counters::add(crate::counters::Counter::AppWideScans, 1);
        self.image_registries.contains(component)
    }

    /// The calls a compute component receives (its app registration exists when any do).
    pub fn calls_to(&self, target: &str) -> impl Iterator<Item = &Call> {
        // `calls` is sorted by target: the target's calls are one run.
        sorted_run(&self.calls, |call| call.target.as_str().cmp(target)).iter()
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

/// The run of `sorted` that `compare` (an entry against the one looked for) finds equal,
/// by bisection: one component's entries in an app-wide list sorted by component, rather
/// than a scan of the whole list for every component. Counted as the entries examined.
pub(crate) fn sorted_run<T>(sorted: &[T], compare: impl Fn(&T) -> std::cmp::Ordering) -> &[T] {
    let start = sorted.partition_point(|entry| compare(entry).is_lt());
    let run = sorted[start..].partition_point(|entry| compare(entry).is_eq());
    crate::counters::add(crate::counters::Counter::AppWideScans, run as u64 + 1);
    &sorted[start..start + run]
}

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
    let threads = crate::blueprint::front_threads(blueprint.components.len());
    plan_on_threads(blueprint, previous, threads)
}

/// [`plan`] on `threads` threads: the same plan however many.
pub fn plan_on_threads(
    blueprint: &Blueprint,
    previous: &AddressRecord,
    threads: usize,
) -> Result<Plan, Vec<Diagnostic>> {
    let mut components: Vec<&Component> = blueprint.components.iter().collect();
    components.sort_by(|a, b| a.name.cmp(&b.name));
    let lookup = by_name(blueprint);

    let (network, component_plans) =
        components::plan_components(&lookup, blueprint, &components, threads, || {
            let network_plan = plan_network(blueprint)?;
            let subnets = plan_subnets(blueprint, &network_plan, previous)?;
            Ok::<_, Vec<Diagnostic>>((network_plan, subnets))
        });
    let (mut network_plan, subnets) = network?;
    let shared_container_environment = components.iter().any(|c| {
        matches!(&c.spec, ComponentSpec::ContainerApp(app) if app.environment == ContainerEnvironment::Shared)
    });

    let mut grants = Grants::default();
    for (component, plan) in components.iter().zip(&component_plans) {
        grants.add(&lookup, component, plan);
    }
    let grants = grants.sorted();

    let dns_zones = endpoints::dns_zones(&component_plans);
    endpoints::central_zone_ids(blueprint, &dns_zones, &mut network_plan.dns)?;
    let secret_inputs = components::secret_inputs(&component_plans);

    let governance = governance::plan_governance(blueprint, &lookup);
    let perimeter = perimeter::plan_perimeter(
        blueprint,
        &components,
        &governance.policy,
        governance.monitoring.central.is_none(),
    );
    let scale_sources = (component_plans.iter())
        .flat_map(|plan| &plan.scale_rules)
        .filter_map(|rule| match &rule.source {
            scale::ScaleSource::ServiceBusQueue { namespace, .. }
            | scale::ScaleSource::ServiceBusSubscription { namespace, .. } => Some(namespace),
            scale::ScaleSource::StorageQueue { account, .. } => Some(account),
            scale::ScaleSource::EventHub { .. } => None,
        })
        .cloned()
        .collect();
    let image_registries = (component_plans.iter())
        .filter_map(|plan| plan.registry_image.as_ref())
        .map(|image| image.registry.clone())
        .collect();
    Ok(Plan {
        app: blueprint.app.name.clone(),
        environments: blueprint.app.environments.clone(),
        network: network_plan,
        subnets,
        dns_zones,
        policies: plan_policies(blueprint),
        governance,
        components: component_plans,
        role_assignments: grants.role_assignments,
        database_grants: grants.database_grants,
        calls: grants.calls,
        secret_inputs,
        shared_container_environment,
        deployment: blueprint.deployment.clone(),
        perimeter,
        scale_sources,
        image_registries,
    })
}
