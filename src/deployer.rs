//! The deploying identity: the role assignments a CI identity needs to deploy a plan, derived
//! from the plan, each at the narrowest scope, never Owner, User Access Administrator or
//! unconstrained role-assignment rights. Pure: `bulwark deployer` and the report read it.

mod bootstrap;

pub use bootstrap::{FOLDER, GITHUB_ISSUER, TOKEN_EXCHANGE_AUDIENCE, bootstrap};

use crate::catalog::{Role, facts};
use crate::plan::Plan;
use std::collections::BTreeMap;

/// A role the deploying identity is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployerRole {
    /// A built-in role, by its exact name in `facts/roles.tsv`.
    BuiltIn(&'static str),
    /// A custom role the bootstrap creates at the grant's resource group, limited to `actions`.
    Custom(&'static CustomDeployerRole),
}

impl DeployerRole {
    pub fn name(&self) -> &'static str {
        match self {
            DeployerRole::BuiltIn(name) => name,
            DeployerRole::Custom(role) => role.name,
        }
    }

    /// The built-in role's GUID.
    pub fn guid(&self) -> Option<&'static str> {
        match self {
            DeployerRole::BuiltIn(name) => Some(built_in_guid(name)),
            DeployerRole::Custom(_) => None,
        }
    }
}

/// Built-in roles the deploying identity needs that `facts/roles.tsv` (a verbatim copy of the
/// shared facts) does not hold: name, GUID, source.
pub const DEPLOYER_BUILT_IN_ROLES: [(&str, &str, &str); 2] = [
    (
        "Resource Policy Contributor",
        "36243c78-bf99-498c-9df9-86d9f8d28608",
        "MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md (index); Azure/bicep-registry-modules builtInRoleNames maps",
    ),
    (
        "Azure Deployment Stack Owner",
        "adb29209-aa1d-457b-a786-c913953d2891",
        "azure-rbac-catalog.org/roles/adb29209-aa1d-457b-a786-c913953d2891 (role JSON: Microsoft.Resources/deploymentStacks/*); MicrosoftDocs/azure-docs articles/azure-resource-manager/bicep/deployment-stacks.md (Built-in roles); Azure/deployment-stacks#163 (manageDenySetting/action)",
    ),
];

/// A built-in role's GUID: from this module's table, else from `facts/roles.tsv`.
pub fn built_in_guid(name: &str) -> &'static str {
    DEPLOYER_BUILT_IN_ROLES
        .iter()
        .find(|(known, _, _)| *known == name)
        .map_or_else(|| facts::role(name).guid, |(_, guid, _)| guid)
}

/// A custom role: the narrowest set of actions a documented operation needs, where the only
/// built-in roles that hold them are far wider.
#[derive(Debug, PartialEq, Eq)]
pub struct CustomDeployerRole {
    pub name: &'static str,
    pub description: &'static str,
    pub actions: &'static [&'static str],
    /// Where the actions needed come from.
    pub source: &'static str,
}

/// Locks: "To create management locks, you must have access to Microsoft.Authorization/* or
/// Microsoft.Authorization/locks/* actions. Of the built-in roles, only Owner and User Access
/// Administrator are granted those actions."
pub const LOCK_WRITER: CustomDeployerRole = CustomDeployerRole {
    name: "bulwark lock writer",
    description: "Create, read and delete management locks; nothing else.",
    actions: &["Microsoft.Authorization/locks/*"],
    source: "https://learn.microsoft.com/rest/api/resources/management-locks/create-or-update-at-resource-level",
};

/// The app's App Configuration writer role is a custom role definition the deployment creates;
/// built-in roles holding `roleDefinitions/write` are Owner and User Access Administrator
/// (`Microsoft.Authorization/*`), while Role Based Access Control Administrator holds only
/// role-assignment actions.
pub const ROLE_DEFINITION_WRITER: CustomDeployerRole = CustomDeployerRole {
    name: "bulwark role definition writer",
    description: "Create, read and delete custom role definitions assignable in this resource group; nothing else.",
    actions: &[
        "Microsoft.Authorization/roleDefinitions/read",
        "Microsoft.Authorization/roleDefinitions/write",
        "Microsoft.Authorization/roleDefinitions/delete",
    ],
    source: "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged (Role Based Access Control Administrator actions)",
};

/// Peering the spoke with a hub: the spoke-side peering needs `peer/action` on the remote
/// (hub) VNet; Network Contributor there would let CI rewrite the hub.
pub const HUB_PEERING: CustomDeployerRole = CustomDeployerRole {
    name: "bulwark hub peering",
    description: "Read a virtual network and peer another virtual network with it; nothing else.",
    actions: &[
        "Microsoft.Network/virtualNetworks/read",
        "Microsoft.Network/virtualNetworks/peer/action",
    ],
    source: "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering#permissions",
};

/// Registering private endpoints in the hub's zones (a DNS zone group) needs `join/action` on
/// each zone; Private DNS Zone Contributor would let CI edit every record in the hub's zone.
pub const DNS_ZONE_JOIN: CustomDeployerRole = CustomDeployerRole {
    name: "bulwark private DNS zone join",
    description: "Read a private DNS zone and register private endpoints in it through DNS zone groups; nothing else.",
    actions: &[
        "Microsoft.Network/privateDnsZones/read",
        "Microsoft.Network/privateDnsZones/join/action",
    ],
    source: "https://learn.microsoft.com/azure/private-link/rbac-permissions#private-endpoint",
};

/// Diagnostic settings into a workspace outside the app: "Grant users the following
/// permissions on the workspace: Microsoft.OperationalInsights/workspaces/read and
/// Microsoft.OperationalInsights/workspaces/sharedKeys/action … They can only enumerate the
/// workspace and use it as a destination for diagnostic settings".
pub const WORKSPACE_DESTINATION: CustomDeployerRole = CustomDeployerRole {
    name: "bulwark diagnostics destination",
    description: "Use a Log Analytics workspace as a diagnostic settings destination; cannot query it.",
    actions: &[
        "Microsoft.OperationalInsights/workspaces/read",
        "Microsoft.OperationalInsights/workspaces/sharedKeys/action",
    ],
    source: "https://learn.microsoft.com/azure/azure-monitor/logs/manage-access (custom role example 2)",
};

/// Associating the app's resources with the platform's network security perimeter: "To create
/// or update an association … resourceAssociations/write is required at the network security
/// perimeter resource \[and\] profiles/join/action is required on the profile" (the third,
/// `joinPerimeter/action` on each PaaS resource, Contributor holds in the app's group). The
/// perimeter module deploys into the perimeter's resource group, and deploying there needs
/// "access to all operations on the Microsoft.Resources/deployments resource type"
/// (learn.microsoft.com/azure/azure-resource-manager/templates/deploy-cli, Required
/// permissions). Network Contributor there would let CI rewrite the platform's access rules.
pub const PERIMETER_JOIN: CustomDeployerRole = CustomDeployerRole {
    name: "bulwark perimeter join",
    description: "Read a network security perimeter and its profiles, and associate resources with a profile; cannot change its access rules.",
    actions: &[
        "Microsoft.Network/networkSecurityPerimeters/read",
        "Microsoft.Network/networkSecurityPerimeters/profiles/read",
        "Microsoft.Network/networkSecurityPerimeters/profiles/join/action",
        "Microsoft.Network/networkSecurityPerimeters/resourceAssociations/read",
        "Microsoft.Network/networkSecurityPerimeters/resourceAssociations/write",
        "Microsoft.Network/networkSecurityPerimeters/resourceAssociations/delete",
        "Microsoft.Resources/deployments/*",
    ],
    source: "https://learn.microsoft.com/azure/private-link/network-security-perimeter-role-based-access-control-requirements (association permissions; MicrosoftDocs/azure-docs @133ec887, ms.date 11/04/2024); https://learn.microsoft.com/azure/azure-resource-manager/templates/deploy-cli (Required permissions: Microsoft.Resources/deployments)",
};

pub const CUSTOM_ROLES: [&CustomDeployerRole; 6] = [
    &LOCK_WRITER,
    &ROLE_DEFINITION_WRITER,
    &HUB_PEERING,
    &DNS_ZONE_JOIN,
    &WORKSPACE_DESTINATION,
    &PERIMETER_JOIN,
];

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum GrantScope {
    /// The app's resource group in every environment (its name is a bootstrap parameter).
    AppResourceGroup,
    /// A resource group the platform owns, by subscription and name.
    ResourceGroup {
        subscription: String,
        resource_group: String,
    },
    /// One resource the platform owns, by id.
    Resource { id: String, resource_type: String },
}

impl GrantScope {
    pub fn describe(&self) -> String {
        match self {
            GrantScope::AppResourceGroup => "the app's resource group".to_string(),
            GrantScope::ResourceGroup {
                subscription,
                resource_group,
            } => format!("/subscriptions/{subscription}/resourceGroups/{resource_group}"),
            GrantScope::Resource { id, .. } => id.clone(),
        }
    }

    fn resource(id: &str, resource_type: &str) -> Self {
        GrantScope::Resource {
            id: id.to_string(),
            resource_type: resource_type.to_string(),
        }
    }
}

/// One role assignment the bootstrap makes to the deploying identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: DeployerRole,
    pub scope: GrantScope,
    /// The environments it serves, sorted.
    pub environments: Vec<String>,
    /// Why the deployment needs it.
    pub reason: String,
    /// Role-assignment rights only: the ABAC condition limiting which roles may be assigned.
    pub condition: Option<AssignableRoles>,
}

/// The role definitions the deployment assigns, which the RBAC administrator grant's condition
/// allows and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssignableRoles {
    /// Built-in role GUIDs, sorted, without repeats.
    pub built_in: Vec<&'static str>,
    /// Custom roles the deployment defines: (component, role name), whose GUID the
    /// deployment computes as `guid(resourceGroup().id, app, component, role name)`.
    pub custom: Vec<(String, &'static str)>,
}

/// The grants a plan's deployment needs.
pub fn grants(plan: &Plan) -> Vec<Grant> {
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
    // Scopes outside the app's resource group, each with the environments that use it.
    let mut outside: BTreeMap<(GrantScope, &'static str), (DeployerRole, Vec<String>, String)> =
        BTreeMap::new();
    let mut add = |scope: GrantScope, role: DeployerRole, environment: &str, reason: String| {
        let entry = outside
            .entry((scope, role.name()))
            .or_insert_with(|| (role, Vec::new(), reason));
        if !entry.1.iter().any(|e| e == environment) {
            entry.1.push(environment.to_string());
        }
    };
    for (environment, vnet) in &plan.network.environments {
        if let Some(existing) = &vnet.existing {
            let group = GrantScope::ResourceGroup {
                subscription: existing.vnet.subscription.clone(),
                resource_group: existing.vnet.resource_group.clone(),
            };
            add(
                group.clone(),
                DeployerRole::BuiltIn("Network Contributor"),
                environment,
                format!(
                    "add subnets to the existing VNet {} and create their NSGs beside it (the network module deploys into that resource group)",
                    existing.vnet.name
                ),
            );
            add(
                group,
                DeployerRole::BuiltIn("Monitoring Contributor"),
                environment,
                "diagnostic settings on the NSGs created in the existing VNet's resource group"
                    .into(),
            );
        }
        if let Some(hub) = &vnet.peer_with {
            add(
                GrantScope::resource(&hub.id, "Microsoft.Network/virtualNetworks"),
                DeployerRole::Custom(&HUB_PEERING),
                environment,
                format!("peer the app's VNet with the hub VNet {}", hub.name),
            );
        }
    }
    if let Some(crate::plan::perimeter::PerimeterPlan {
        mode: crate::plan::perimeter::PerimeterMode::Existing { id, profile },
        associations,
        ..
    }) = &plan.perimeter
        && !associations.is_empty()
    {
        for environment in &plan.environments {
            add(
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
    if let crate::plan::DnsPlan::Central(zones) = &plan.network.dns {
        for (zone, id) in zones {
            for environment in &plan.environments {
                add(
                    GrantScope::resource(id, "Microsoft.Network/privateDnsZones"),
                    DeployerRole::Custom(&DNS_ZONE_JOIN),
                    environment,
                    format!("register private endpoints in the hub's zone {zone}"),
                );
            }
        }
    }
    if let Some(central) = &plan.governance.monitoring.central {
        for (environment, id) in central {
            add(
                GrantScope::resource(id, "Microsoft.OperationalInsights/workspaces"),
                DeployerRole::Custom(&WORKSPACE_DESTINATION),
                environment,
                "send diagnostic settings to the central Log Analytics workspace".into(),
            );
        }
    }
    for ((scope, _), (role, mut environments, reason)) in outside {
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

/// The ABAC condition on the RBAC administrator grant, in the form Microsoft documents under
/// "Example: Constrain roles and principal types" (role definition ids and principal type
/// checked on write from the request, on delete from the existing assignment):
/// <https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples#example-constrain-roles-and-principal-types>
/// `role_ids` are GUIDs (or, in Bicep, interpolations that evaluate to GUIDs).
pub fn condition(role_ids: &[String]) -> String {
    let ids = role_ids.join(", ");
    let part = |source: &str, action: &str| {
        format!(
            "((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/{action}'}})) OR \
             (@{source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{ids}}} \
             AND @{source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'ServicePrincipal'}}))"
        )
    };
    format!(
        "{} AND {}",
        part("Request", "write"),
        part("Resource", "delete")
    )
}

/// What deploying one resource type requires of the deploying identity, beyond Contributor on
/// the app's resource group. Every `Microsoft.Authorization/*` type must be listed: Contributor
/// holds none of their writes.
pub fn required_role(resource_type: &str) -> Option<DeployerRole> {
    let lower = resource_type.to_ascii_lowercase();
    match lower.as_str() {
        "microsoft.authorization/roleassignments" => Some(DeployerRole::BuiltIn(
            "Role Based Access Control Administrator",
        )),
        "microsoft.authorization/roledefinitions" => {
            Some(DeployerRole::Custom(&ROLE_DEFINITION_WRITER))
        }
        "microsoft.authorization/policyassignments"
        | "microsoft.authorization/policyexemptions" => {
            Some(DeployerRole::BuiltIn("Resource Policy Contributor"))
        }
        "microsoft.authorization/locks" => Some(DeployerRole::Custom(&LOCK_WRITER)),
        _ if lower.starts_with("microsoft.authorization/") => None,
        // Microsoft Graph resources are not Azure resources: no Azure role covers them; the
        // identity needs the Graph application permissions of [`graph_permissions`].
        _ if lower.starts_with("microsoft.graph/") => None,
        _ => Some(DeployerRole::BuiltIn("Contributor")),
    }
}

/// A Microsoft Graph application permission (app role of the Microsoft Graph service
/// principal) the deploying identity needs. Azure RBAC cannot grant these: an Entra
/// administrator (Privileged Role Administrator, or Global Administrator) grants them once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphPermission {
    pub name: &'static str,
    pub reason: &'static str,
    pub source: &'static str,
}

/// The least privileged application permissions the Microsoft Graph Bicep resources bulwark
/// declares require, per each resource type's reference page (learn.microsoft.com/graph/
/// templates/reference/applications, .../serviceprincipals, .../approleassignedto).
pub const GRAPH_PERMISSIONS: [GraphPermission; 3] = [
    GraphPermission {
        name: "Application.ReadWrite.OwnedBy",
        reason: "create and update the app registrations of the apps that receive calls, and their service principals; only those it owns (it owns what it creates)",
        source: "https://learn.microsoft.com/graph/templates/reference/applications (and servicePrincipals): least privileged application permission",
    },
    GraphPermission {
        name: "AppRoleAssignment.ReadWrite.All",
        reason: "assign each caller's managed identity its app role on the target's registration (appRoleAssignedTo)",
        source: "https://learn.microsoft.com/graph/templates/reference/approleassignedto: least privileged application permissions, with Application.Read.All",
    },
    GraphPermission {
        name: "Application.Read.All",
        reason: "read the service principals an app role assignment joins",
        source: "https://learn.microsoft.com/graph/templates/reference/approleassignedto",
    },
];

/// The Graph permissions a plan's deployment needs: none unless it creates an app
/// registration (an app receives calls, and no platform team created its registration).
pub fn graph_permissions(plan: &Plan) -> &'static [GraphPermission] {
    if !plan.creates_registrations() {
        &[]
    } else {
        &GRAPH_PERMISSIONS
    }
}

/// Roles the bootstrap never grants.
pub const FORBIDDEN_ROLES: [&str; 2] = ["Owner", "User Access Administrator"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_has_the_documented_shape() {
        let text = condition(&["b24988ac-6180-42a0-ab88-20f7382dd24c".to_string()]);
        assert!(text.starts_with("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {b24988ac-6180-42a0-ab88-20f7382dd24c}"));
        assert!(text.contains("@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}"));
        assert!(
            text.contains("@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId]")
        );
        assert!(
            text.contains("!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})")
        );
    }

    #[test]
    fn unknown_authorization_types_are_unmapped() {
        assert_eq!(
            required_role("Microsoft.Authorization/denyAssignments"),
            None
        );
        assert_eq!(
            required_role("Microsoft.Storage/storageAccounts"),
            Some(DeployerRole::BuiltIn("Contributor"))
        );
    }

    #[test]
    fn the_stack_owner_role_has_its_documented_guid() {
        assert_eq!(
            built_in_guid("Azure Deployment Stack Owner"),
            "adb29209-aa1d-457b-a786-c913953d2891"
        );
    }

    #[test]
    fn custom_roles_hold_no_wildcard_outside_their_provider_path() {
        for role in CUSTOM_ROLES {
            for action in role.actions {
                assert!(!action.starts_with('*'), "{}: {action}", role.name);
                assert_ne!(*action, "Microsoft.Authorization/*", "{}", role.name);
            }
        }
    }
}
