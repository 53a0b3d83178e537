//! The grants a plan's deployment needs: in the app's resource group (Contributor, the
//! deployment stack owner, constrained role-assignment rights, policy, locks, role
//! definitions), then at the platform's scopes the blueprint uses (an existing VNet's group,
//! the hub VNet, the platform's perimeter, hub DNS zones, central workspaces), each with the
//! environments that use it.

use super::{
    AssignableRoles, DNS_ZONE_JOIN, DeployerRole, Grant, GrantScope, HUB_PEERING, LOCK_WRITER,
    PERIMETER_JOIN, ROLE_DEFINITION_WRITER, WORKSPACE_DESTINATION,
};
use crate::catalog::{Role, facts};
use crate::plan::Plan;
use std::collections::BTreeMap;

/// The grants a plan's deployment needs.
pub fn grants(plan: &Plan) -> Vec<Grant> {
    let mut grants = app_group_grants(plan);
    grants.extend(platform_grants(plan));
    grants
}

/// The grants in the app's resource group.
fn app_group_grants(plan: &Plan) -> Vec<Grant> {
    let all: Vec<String> = plan.environments.clone();
    let mut grants = vec![Grant {
        role: DeployerRole::BuiltIn("Contributor"),
        scope: GrantScope::AppResourceGroup,
        environments: all.clone(),
        reason: "create and update the app's resources and run the deployment (Contributor cannot assign roles or write policy, locks or role definitions)".into(),
        condition: None,
    }];
    // `[deployment] stacks` (default): creating or updating a stack with deny settings needs
    // Microsoft.Resources/deploymentStacks/manageDenySetting/action at the stack's scope, held
    // by Azure Deployment Stack Owner (Azure Deployment Stack Contributor and Contributor lack it).
    if plan.deployment.stacks {
        grants.push(Grant {
            role: DeployerRole::BuiltIn("Azure Deployment Stack Owner"),
            scope: GrantScope::AppResourceGroup,
            environments: all.clone(),
            reason: "deploy through a deployment stack whose deny settings block changes by anyone but this identity (`[deployment] stacks`)".into(),
            condition: None,
        });
    }
    let assignable = assignable_roles(plan);
    if !assignable.built_in.is_empty() || !assignable.custom.is_empty() {
        grants.push(Grant {
            role: DeployerRole::BuiltIn("Role Based Access Control Administrator"),
            scope: GrantScope::AppResourceGroup,
            environments: all.clone(),
            reason: format!(
                "assign the {} role(s) the blueprint's connections grant, to the app's managed identities only (ABAC condition)",
                assignable.built_in.len() + assignable.custom.len()
            ),
            condition: Some(assignable.clone()),
        });
    }
    if !assignable.custom.is_empty() {
        grants.push(Grant {
            role: DeployerRole::Custom(&ROLE_DEFINITION_WRITER),
            scope: GrantScope::AppResourceGroup,
            environments: all.clone(),
            reason: format!(
                "create the custom role definition(s) {}",
                assignable
                    .custom
                    .iter()
                    .map(|(component, role)| format!("{role} ({component})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            condition: None,
        });
    }
    let exemptions = plan
        .governance
        .waivers
        .iter()
        .any(|waiver| !waiver.policies.is_empty());
    if !plan.policies.is_empty() || exemptions {
        grants.push(Grant {
            role: DeployerRole::BuiltIn("Resource Policy Contributor"),
            scope: GrantScope::AppResourceGroup,
            environments: all.clone(),
            reason: match (plan.policies.len(), exemptions) {
                (0, _) => "create the policy exemptions the blueprint's waivers need".into(),
                (n, false) => format!("assign the {n} built-in policies of the baseline"),
                (n, true) => format!(
                    "assign the {n} built-in policies of the baseline and the exemptions the waivers need"
                ),
            },
            condition: None,
        });
    }
    let locked: Vec<String> = env_filter(&plan.governance.locks);
    if !locked.is_empty() {
        grants.push(Grant {
            role: DeployerRole::Custom(&LOCK_WRITER),
            scope: GrantScope::AppResourceGroup,
            environments: locked,
            reason: "put CanNotDelete locks on stateful resources (`locks = true`)".into(),
            condition: None,
        });
    }
    grants
}

/// The grants at the platform's scopes, each with the environments that use it.
fn platform_grants(plan: &Plan) -> Vec<Grant> {
    let mut outside = Outside::default();
    network(&mut outside, plan);
    perimeter(&mut outside, plan);
    dns_zones(&mut outside, plan);
    workspaces(&mut outside, plan);
    let mut grants = Vec::new();
    for ((scope, _), (role, mut environments, reason)) in outside.0 {
        environments.sort();
        grants.push(Grant {
            role,
            scope,
            environments,
            reason,
            condition: None,
        });
    }
    grants
}

/// Scopes outside the app's resource group, each with the environments that use it.
#[derive(Default)]
struct Outside(BTreeMap<(GrantScope, &'static str), (DeployerRole, Vec<String>, String)>);

impl Outside {
    fn add(&mut self, scope: GrantScope, role: DeployerRole, environment: &str, reason: String) {
        let entry = self
            .0
            .entry((scope, role.name()))
            .or_insert_with(|| (role, Vec::new(), reason));
        if !entry.1.iter().any(|e| e == environment) {
            entry.1.push(environment.to_string());
        }
    }
}

/// An existing VNet's resource group, and the hub VNet a spoke peers with.
fn network(outside: &mut Outside, plan: &Plan) {
    for (environment, vnet) in &plan.network.environments {
        if let Some(existing) = &vnet.existing {
            let group = GrantScope::ResourceGroup {
                subscription: existing.vnet.subscription.clone(),
                resource_group: existing.vnet.resource_group.clone(),
            };
            outside.add(
                group.clone(),
                DeployerRole::BuiltIn("Network Contributor"),
                environment,
                format!(
                    "add subnets to the existing VNet {} and create their NSGs beside it (the network module deploys into that resource group)",
                    existing.vnet.name
                ),
            );
            outside.add(
                group,
                DeployerRole::BuiltIn("Monitoring Contributor"),
                environment,
                "diagnostic settings on the NSGs created in the existing VNet's resource group"
                    .into(),
            );
        }
        if let Some(hub) = &vnet.peer_with {
            outside.add(
                GrantScope::resource(&hub.id, "Microsoft.Network/virtualNetworks"),
                DeployerRole::Custom(&HUB_PEERING),
                environment,
                format!("peer the app's VNet with the hub VNet {}", hub.name),
            );
        }
    }
}

/// The platform's network security perimeter the app's resources join.
fn perimeter(outside: &mut Outside, plan: &Plan) {
    if let Some(crate::plan::perimeter::PerimeterPlan {
        mode: crate::plan::perimeter::PerimeterMode::Existing { id, profile },
        associations,
        ..
    }) = &plan.perimeter
        && !associations.is_empty()
    {
        for environment in &plan.environments {
            outside.add(
                GrantScope::ResourceGroup {
                    subscription: id.subscription.clone(),
                    resource_group: id.resource_group.clone(),
                },
                DeployerRole::Custom(&PERIMETER_JOIN),
                environment,
                format!(
                    "associate the app's {} resource(s) with profile `{profile}` of the platform's perimeter {} (the perimeter module deploys into its resource group)",
                    associations.len(),
                    id.name
                ),
            );
        }
    }
}

/// The hub's private DNS zones the private endpoints register in.
fn dns_zones(outside: &mut Outside, plan: &Plan) {
    if let crate::plan::DnsPlan::Central(zones) = &plan.network.dns {
        for (zone, id) in zones {
            for environment in &plan.environments {
                outside.add(
                    GrantScope::resource(id, "Microsoft.Network/privateDnsZones"),
                    DeployerRole::Custom(&DNS_ZONE_JOIN),
                    environment,
                    format!("register private endpoints in the hub's zone {zone}"),
                );
            }
        }
    }
}

/// The central Log Analytics workspaces diagnostic settings go to.
fn workspaces(outside: &mut Outside, plan: &Plan) {
    if let Some(central) = &plan.governance.monitoring.central {
        for (environment, id) in central {
            outside.add(
                GrantScope::resource(id, "Microsoft.OperationalInsights/workspaces"),
                DeployerRole::Custom(&WORKSPACE_DESTINATION),
                environment,
                "send diagnostic settings to the central Log Analytics workspace".into(),
            );
        }
    }
}

fn env_filter(map: &BTreeMap<String, bool>) -> Vec<String> {
    map.iter()
        .filter(|(_, on)| **on)
        .map(|(environment, _)| environment.clone())
        .collect()
}

/// The role definitions the plan assigns through `Microsoft.Authorization/roleAssignments`.
pub fn assignable_roles(plan: &Plan) -> AssignableRoles {
    let mut roles = AssignableRoles::default();
    for assignment in &plan.role_assignments {
        match assignment.role {
            Role::Arm(name) => roles.built_in.push(facts::role(name).guid),
            Role::Custom(role) => {
                if let Some(component) = assignment.scope.component() {
                    roles.custom.push((component.to_string(), role.name));
                }
            }
            Role::CosmosData(_)
            | Role::Database(_)
            | Role::RedisAccessPolicy(_)
            | Role::AppRole => {}
        }
    }
    // Function apps' modules also grant their identity these roles on their host storage.
    if plan
        .components
        .iter()
        .any(|component| component.kind() == crate::blueprint::Kind::FunctionApp)
    {
        for name in crate::catalog::FUNCTION_HOST_STORAGE_ROLES {
            roles.built_in.push(facts::role(name).guid);
        }
    }
    // Code delivery: the deploying identity grants itself write on Elastic Premium packages
    // (see `emit::delivery_roles`); image pushes and zip deploys need only its Contributor.
    for role in crate::emit::delivery_roles(plan) {
        roles.built_in.push(facts::role(role).guid);
    }
    roles.built_in.sort_unstable();
    roles.built_in.dedup();
    roles.custom.sort();
    roles.custom.dedup();
    roles
}
