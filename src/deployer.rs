//! The deploying identity: the role assignments a CI identity needs to deploy a plan, derived
//! from the plan, each at the narrowest scope, never Owner, User Access Administrator or
//! unconstrained role-assignment rights. Pure: `bulwark deployer` and the report read it.

mod bootstrap;
mod grants;

pub use bootstrap::{FOLDER, GITHUB_ISSUER, TOKEN_EXCHANGE_AUDIENCE, bootstrap};
pub use grants::{assignable_roles, grants};

use crate::catalog::facts;
use crate::plan::Plan;

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
