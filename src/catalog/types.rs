//! Every resource type bulwark emits, with the API version it uses.
//!
//! The rule: the version Azure Verified Modules exercise when it is GA and inside the
//! validator's schema window, else the newest GA version. The exception is
//! `diagnosticSettings`, whose only version with `categoryGroup` is a preview. A test keeps
//! each choice inside `facts/api_versions.tsv`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    pub name: &'static str,
    pub api_version: &'static str,
}

const fn rt(name: &'static str, api_version: &'static str) -> ResourceType {
    ResourceType { name, api_version }
}

pub const USER_ASSIGNED_IDENTITY: ResourceType = rt(
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    "2024-11-30",
);
pub const ROLE_ASSIGNMENT: ResourceType =
    rt("Microsoft.Authorization/roleAssignments", "2022-04-01");
pub const POLICY_ASSIGNMENT: ResourceType =
    rt("Microsoft.Authorization/policyAssignments", "2025-01-01");
pub const DIAGNOSTIC_SETTING: ResourceType = rt(
    "Microsoft.Insights/diagnosticSettings",
    "2021-05-01-preview",
);
pub const LOG_ANALYTICS_WORKSPACE: ResourceType =
    rt("Microsoft.OperationalInsights/workspaces", "2025-07-01");
pub const APP_INSIGHTS: ResourceType = rt("Microsoft.Insights/components", "2020-02-02");
pub const VIRTUAL_NETWORK: ResourceType = rt("Microsoft.Network/virtualNetworks", "2025-05-01");
pub const NETWORK_SECURITY_GROUP: ResourceType =
    rt("Microsoft.Network/networkSecurityGroups", "2025-05-01");
pub const PRIVATE_ENDPOINT: ResourceType = rt("Microsoft.Network/privateEndpoints", "2025-05-01");
pub const PRIVATE_DNS_ZONE_GROUP: ResourceType = rt(
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    "2025-05-01",
);
// AVM still uses 2020-06-01, which is older than the validator's schema window.
pub const PRIVATE_DNS_ZONE: ResourceType = rt("Microsoft.Network/privateDnsZones", "2024-06-01");
pub const PRIVATE_DNS_ZONE_LINK: ResourceType = rt(
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "2024-06-01",
);
pub const KEY_VAULT: ResourceType = rt("Microsoft.KeyVault/vaults", "2024-11-01");
pub const KEY_VAULT_SECRET: ResourceType = rt("Microsoft.KeyVault/vaults/secrets", "2024-11-01");
pub const STORAGE_ACCOUNT: ResourceType = rt("Microsoft.Storage/storageAccounts", "2025-06-01");
pub const BLOB_SERVICE: ResourceType = rt(
    "Microsoft.Storage/storageAccounts/blobServices",
    "2025-01-01",
);
pub const BLOB_CONTAINER: ResourceType = rt(
    "Microsoft.Storage/storageAccounts/blobServices/containers",
    "2025-01-01",
);
pub const QUEUE_SERVICE: ResourceType = rt(
    "Microsoft.Storage/storageAccounts/queueServices",
    "2025-06-01",
);
pub const QUEUE: ResourceType = rt(
    "Microsoft.Storage/storageAccounts/queueServices/queues",
    "2025-06-01",
);
pub const APP_SERVICE_PLAN: ResourceType = rt("Microsoft.Web/serverfarms", "2025-03-01");
pub const WEB_SITE: ResourceType = rt("Microsoft.Web/sites", "2025-03-01");
pub const WEB_PUBLISHING_CREDENTIALS: ResourceType = rt(
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
    "2025-03-01",
);

pub const ALL: &[ResourceType] = &[
    USER_ASSIGNED_IDENTITY,
    ROLE_ASSIGNMENT,
    POLICY_ASSIGNMENT,
    DIAGNOSTIC_SETTING,
    LOG_ANALYTICS_WORKSPACE,
    APP_INSIGHTS,
    VIRTUAL_NETWORK,
    NETWORK_SECURITY_GROUP,
    PRIVATE_ENDPOINT,
    PRIVATE_DNS_ZONE_GROUP,
    PRIVATE_DNS_ZONE,
    PRIVATE_DNS_ZONE_LINK,
    KEY_VAULT,
    KEY_VAULT_SECRET,
    STORAGE_ACCOUNT,
    BLOB_SERVICE,
    BLOB_CONTAINER,
    QUEUE_SERVICE,
    QUEUE,
    APP_SERVICE_PLAN,
    WEB_SITE,
    WEB_PUBLISHING_CREDENTIALS,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::facts::FACTS;

    #[test]
    fn every_api_version_is_one_the_facts_name() {
        for ty in ALL {
            let known = FACTS
                .api_versions
                .get(ty.name)
                .unwrap_or_else(|| panic!("{} is not in api_versions.tsv", ty.name));
            assert!(
                ty.api_version == known.latest_stable || ty.api_version == known.used_by_avm,
                "{}@{} is neither {} nor {}",
                ty.name,
                ty.api_version,
                known.latest_stable,
                known.used_by_avm
            );
        }
    }
}
