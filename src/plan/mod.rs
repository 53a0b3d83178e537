//! Expansion of a valid blueprint into a plan: the Azure resources, identities, role
//! assignments, subnets, private endpoints, DNS zones and policy assignments it implies, each
//! with the blueprint path that caused it.

pub mod network;

use crate::blueprint::{
    Access, Blueprint, Component, ComponentSpec, Connection, Diagnostic, Ingress, Kind,
};
use crate::catalog::facts::{self, Policy, Role};
use crate::catalog::{self, PartKind, naming, types};
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
    /// Sorted by scope, then principal.
    pub role_assignments: Vec<RoleAssignment>,
    pub policies: Vec<PolicyAssignment>,
    pub secret_inputs: Vec<SecretInput>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentPlan {
    pub name: String,
    pub spec: ComponentSpec,
    pub private_endpoints: Vec<PrivateEndpoint>,
    /// Compute only: settings in the order they are written.
    pub app_settings: Vec<AppSetting>,
    /// Compute only: the subnet its outbound traffic leaves through.
    pub integration_subnet: Option<String>,
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrivateEndpoint {
    pub resource_type: &'static str,
    pub group_id: &'static str,
    pub zone: &'static str,
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
    pub role: &'static Role,
    /// The blueprint path that caused it.
    pub because: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSetting {
    pub name: String,
    pub value: SettingValue,
    /// The blueprint path that caused it, and what it is for.
    pub because: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Literal(String),
    IdentityClientId,
    AppInsightsConnectionString,
    AppInsightsAuthentication,
    BlobContainerUrl {
        component: String,
        container: String,
    },
    QueueUrl {
        component: String,
        queue: String,
    },
    VaultUri {
        component: String,
    },
    SecretReference {
        component: String,
        secret: String,
    },
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
const PRIVATE_ENDPOINT_SUBNET_PREFIX: u8 = 24;
/// App Service integration subnets: /28 is the minimum, /26 what Microsoft recommends.
const INTEGRATION_SUBNET_PREFIX: u8 = 26;

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

    let mut component_plans = Vec::new();
    let mut role_assignments = Vec::new();
    for component in &components {
        component_plans.push(plan_component(&lookup, component));
        for (index, connection) in component.uses().iter().enumerate() {
            role_assignments.push(plan_role_assignment(&lookup, component, index, connection));
        }
        if catalog::kind_spec(component.kind()).compute {
            role_assignments.push(RoleAssignment {
                principal: component.name.clone(),
                scope: Scope::ApplicationInsights,
                access: None,
                role: facts::role("Monitoring Metrics Publisher"),
                because: format!("components.{}", component.name),
            });
        }
    }
    role_assignments.sort_by(|a, b| (&a.scope, &a.principal).cmp(&(&b.scope, &b.principal)));

    let mut dns_zones: Vec<&'static str> = component_plans
        .iter()
        .flat_map(|component| {
            component
                .private_endpoints
                .iter()
                .map(|endpoint| endpoint.zone)
        })
        .collect();
    dns_zones.sort_unstable();
    dns_zones.dedup();

    let secret_inputs = components
        .iter()
        .filter_map(|component| match &component.spec {
            ComponentSpec::KeyVault(vault) => Some((component, vault)),
            _ => None,
        })
        .flat_map(|(component, vault)| {
            vault.secrets.iter().map(|secret| SecretInput {
                component: component.name.clone(),
                secret: secret.clone(),
                param: naming::secret_param(&component.name, secret),
                variable: naming::setting_name(&[&component.name, secret]),
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
        secret_inputs,
    })
}

fn plan_subnets(space: Cidr, components: &[&Component]) -> Result<Vec<Subnet>, Vec<Diagnostic>> {
    let mut requests = vec![Request {
        name: PRIVATE_ENDPOINT_SUBNET.into(),
        prefix: PRIVATE_ENDPOINT_SUBNET_PREFIX,
    }];
    let compute: Vec<&&Component> = components
        .iter()
        .filter(|c| catalog::kind_spec(c.kind()).compute)
        .collect();
    requests.extend(compute.iter().map(|c| Request {
        name: integration_subnet_name(&c.name),
        prefix: INTEGRATION_SUBNET_PREFIX,
    }));
    let layout = network::allocate(space, &requests).map_err(|fits| {
        vec![
            Diagnostic::error("address-space-too-small", format!("address space {space} is too small for {} subnets", requests.len()))
                .at("network.address_space")
                .expected(format!("a /{fits} or larger"))
                .help(format!(
                    "bulwark needs a /{PRIVATE_ENDPOINT_SUBNET_PREFIX} for private endpoints and a /{INTEGRATION_SUBNET_PREFIX} per compute component"
                )),
        ]
    })?;
    // The first request is the private-endpoint subnet, then one per compute component in
    // order; purposes follow from position, never from names a blueprint could choose.
    let purposes =
        std::iter::once(SubnetPurpose::PrivateEndpoints).chain(compute.iter().map(|c| {
            SubnetPurpose::Integration {
                component: c.name.clone(),
                delegation: "Microsoft.Web/serverFarms",
            }
        }));
    Ok(layout
        .into_iter()
        .zip(purposes)
        .map(|((name, prefix), purpose)| Subnet {
            name,
            prefix,
            purpose,
        })
        .collect())
}

/// The outbound integration subnet of a compute component.
pub fn integration_subnet_name(component: &str) -> String {
    format!("{component}-integration")
}

fn plan_component(components: &ByName<'_>, component: &Component) -> ComponentPlan {
    let endpoint = |resource_type: &'static str, group_id: &'static str| {
        let link = facts::private_link(resource_type, group_id);
        PrivateEndpoint {
            resource_type,
            group_id,
            zone: link.zones[0],
        }
    };
    let mut private_endpoints = Vec::new();
    let mut app_settings = Vec::new();
    let mut integration_subnet = None;
    match &component.spec {
        ComponentSpec::WebApp(web) => {
            if web.ingress == Ingress::Private {
                private_endpoints.push(endpoint(types::WEB_SITE.name, "sites"));
            }
            integration_subnet = Some(integration_subnet_name(&component.name));
            app_settings = plan_app_settings(components, component, web);
        }
        ComponentSpec::Storage(storage) => {
            if !storage.containers.is_empty() {
                private_endpoints.push(endpoint(types::STORAGE_ACCOUNT.name, "blob"));
            }
            if !storage.queues.is_empty() {
                private_endpoints.push(endpoint(types::STORAGE_ACCOUNT.name, "queue"));
            }
        }
        ComponentSpec::KeyVault(_) => {
            private_endpoints.push(endpoint(types::KEY_VAULT.name, "vault"))
        }
    }
    ComponentPlan {
        name: component.name.clone(),
        spec: component.spec.clone(),
        private_endpoints,
        app_settings,
        integration_subnet,
    }
}

fn plan_app_settings(
    components: &ByName<'_>,
    component: &Component,
    web: &crate::blueprint::WebApp,
) -> Vec<AppSetting> {
    let mut settings = vec![
        AppSetting {
            name: "AZURE_CLIENT_ID".into(),
            value: SettingValue::IdentityClientId,
            because: None,
        },
        AppSetting {
            name: "APPLICATIONINSIGHTS_CONNECTION_STRING".into(),
            value: SettingValue::AppInsightsConnectionString,
            because: None,
        },
        AppSetting {
            name: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING".into(),
            value: SettingValue::AppInsightsAuthentication,
            because: None,
        },
    ];
    for (index, connection) in web.uses.iter().enumerate() {
        let (Some(name), Some(value)) = (
            connection_setting_name(components, connection),
            connection_setting_value(components, connection),
        ) else {
            continue;
        };
        settings.push(AppSetting {
            name,
            value,
            because: Some((
                format!("components.{}.uses[{index}]", component.name),
                format!(
                    "{} {} {}",
                    component.name,
                    connection.access.verb(),
                    connection.to
                ),
            )),
        });
    }
    for (name, value) in &web.settings {
        settings.push(AppSetting {
            name: name.clone(),
            value: SettingValue::Literal(value.clone()),
            because: Some((
                format!("components.{}.settings.{name}", component.name),
                "plain setting from the blueprint".to_string(),
            )),
        });
    }
    settings
}

fn part_kind(target: &Component, part: &str) -> Option<PartKind> {
    match &target.spec {
        ComponentSpec::Storage(storage) if storage.containers.iter().any(|c| c == part) => {
            Some(PartKind::Container)
        }
        ComponentSpec::Storage(storage) if storage.queues.iter().any(|q| q == part) => {
            Some(PartKind::Queue)
        }
        ComponentSpec::KeyVault(vault) if vault.secrets.iter().any(|s| s == part) => {
            Some(PartKind::Secret)
        }
        _ => None,
    }
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

fn find<'a>(components: &ByName<'a>, name: &str) -> Option<&'a Component> {
    components.get(name).copied()
}

/// The app setting a connection gives its app: a URL for a container or queue, the vault
/// URI for a whole vault, or the secret itself (through a Key Vault reference).
pub fn connection_setting_name(components: &ByName<'_>, connection: &Connection) -> Option<String> {
    let target = find(components, &connection.to.component)?;
    let component = target.name.as_str();
    Some(match (&connection.to.part, target.kind()) {
        (Some(part), _) => match part_kind(target, part)? {
            PartKind::Container => naming::setting_name(&[component, part, "url"]),
            PartKind::Queue => naming::setting_name(&[component, part, "queue", "url"]),
            PartKind::Secret => naming::setting_name(&[part]),
        },
        (None, Kind::KeyVault) => naming::setting_name(&[component, "uri"]),
        (None, _) => return None,
    })
}

fn connection_setting_value(
    components: &ByName<'_>,
    connection: &Connection,
) -> Option<SettingValue> {
    let target = find(components, &connection.to.component)?;
    let component = target.name.clone();
    Some(match &connection.to.part {
        Some(part) => match part_kind(target, part)? {
            PartKind::Container => SettingValue::BlobContainerUrl {
                component,
                container: part.clone(),
            },
            PartKind::Queue => SettingValue::QueueUrl {
                component,
                queue: part.clone(),
            },
            PartKind::Secret => SettingValue::SecretReference {
                component,
                secret: part.clone(),
            },
        },
        None => SettingValue::VaultUri { component },
    })
}

fn plan_role_assignment(
    components: &ByName<'_>,
    component: &Component,
    index: usize,
    connection: &Connection,
) -> RoleAssignment {
    let target = find(components, &connection.to.component).expect("validated: the target exists");
    let part = connection
        .to
        .part
        .as_deref()
        .and_then(|part| part_kind(target, part));
    let grant = catalog::kind_spec(target.kind())
        .target(part)
        .and_then(|spec| spec.grant(connection.access))
        .expect("validated: the target supports the access level");
    let scope = match (part, &connection.to.part) {
        (Some(kind), Some(name)) => Scope::Part {
            component: target.name.clone(),
            kind,
            name: name.clone(),
        },
        _ => Scope::Component(target.name.clone()),
    };
    RoleAssignment {
        principal: component.name.clone(),
        scope,
        access: Some(connection.access),
        role: facts::role(grant.role),
        because: format!("components.{}.uses[{index}]", component.name),
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
    for kind in kinds {
        let because = format!("{kind} components");
        guids.extend(
            catalog::kind_spec(kind)
                .policies
                .iter()
                .map(|guid| (*guid, because.clone())),
        );
        let all_private = blueprint
            .components
            .iter()
            .all(|component| match &component.spec {
                ComponentSpec::WebApp(web) => web.ingress == Ingress::Private,
                _ => true,
            });
        if kind == Kind::WebApp && all_private {
            guids.push((catalog::WEB_APP_PRIVATE_POLICY, because.clone()));
        }
    }
    guids
        .into_iter()
        .map(|(guid, because)| PolicyAssignment {
            name: format!("{}-{}", blueprint.app.name, &guid[..8]),
            policy: facts::policy(guid),
            because,
        })
        .collect()
}
