//! The subnets an app needs (private endpoints, each compute component's integration or
//! Container Apps environment), their sizes from the catalogue's limits, and their ranges in
//! each environment: pinned, kept from an earlier generation, or laid out anew.

use super::EnvironmentVnet;
use super::{
    AddressRecord, NetworkPlan, PerEnvironment, PrivateEndpoint, network, private_endpoints_of,
};
use crate::blueprint::{
    Blueprint, ComponentSpec, ContainerEnvironment, Diagnostic, EnvironmentNetwork,
};
use crate::catalog::types;
use network::{Cidr, Request};
use std::collections::BTreeMap;

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

/// What a subnet is for, its size and its service's minimum, in blueprint order: private
/// endpoints first, then each compute component's subnet in the order components are
/// declared (the shared Container Apps environment where its first app is declared).
/// `demand` is the blueprint's [`EndpointDemand`], counted once for every environment.
fn subnet_requests(
    blueprint: &Blueprint,
    first_range: Cidr,
    demand: EndpointDemand,
) -> Vec<(Request, SubnetPurpose)> {
    let endpoints_minimum = demand.minimum_prefix();
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

pub(super) fn plan_subnets(
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
        let requests = subnet_requests(blueprint, first_range, demand);
        let pinned = pinned_ranges(&settings, &requests, vnet, demand, &mut diagnostics);
        let constraints = network::Constraints {
            pinned,
            previous: previous_ranges(previous, environment),
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
            None => diagnostics.push(too_small(
                blueprint,
                &settings,
                vnet,
                environment,
                network_plan.environments.len() > 1,
                plain.len(),
                demand,
            )),
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

/// The ranges the blueprint pins in one environment, by subnet name; a diagnostic for each
/// pin that names no subnet, is no range, is too small, lies outside the address space or
/// overlaps another pin.
fn pinned_ranges(
    settings: &EnvironmentNetwork,
    requests: &[(Request, SubnetPurpose)],
    vnet: &EnvironmentVnet,
    demand: EndpointDemand,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Cidr> {
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
            if let Some(close) = crate::blueprint::diagnostic::closest(name, names.iter().copied())
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
    pinned
}

/// The ranges an earlier generation gave the subnets of one environment, by subnet name.
fn previous_ranges(previous: &AddressRecord, environment: &str) -> BTreeMap<String, Cidr> {
    previous
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
        .unwrap_or_default()
}

/// The diagnostic for an address space that cannot hold the subnets the blueprint needs.
fn too_small(
    blueprint: &Blueprint,
    settings: &EnvironmentNetwork,
    vnet: &EnvironmentVnet,
    environment: &str,
    several_environments: bool,
    subnets: usize,
    demand: EndpointDemand,
) -> Diagnostic {
    let shown: Vec<String> = vnet.ranges.iter().map(Cidr::to_string).collect();
    let fits = network::smallest_fitting_prefix(|space| {
        subnet_requests(blueprint, space, demand)
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    });
    let expected = if vnet.existing.is_some() {
        format!(
            "address ranges with room for {} subnets: together at least a /{fits}",
            subnets
        )
    } else {
        format!("a /{fits} or larger")
    };
    Diagnostic::error(
            "address-space-too-small",
            format!(
                "{} cannot hold the {} subnets the blueprint needs{}",
                shown.join(", "),
                subnets,
                if several_environments { format!(" in {environment}") } else { String::new() }
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
        ))
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
