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
pub const FEDERATED_IDENTITY_CREDENTIAL: ResourceType = rt(
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
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
/// `authsettingsV2` (App Service authentication) among its name-discriminated configs.
pub const WEB_SITE_CONFIG: ResourceType = rt("Microsoft.Web/sites/config", "2025-03-01");
pub const WEB_PUBLISHING_CREDENTIALS: ResourceType = rt(
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
    "2025-03-01",
);

pub const TABLE_SERVICE: ResourceType = rt(
    "Microsoft.Storage/storageAccounts/tableServices",
    "2025-06-01",
);
pub const CONTAINER_APPS_ENVIRONMENT: ResourceType =
    rt("Microsoft.App/managedEnvironments", "2026-01-01");
pub const CONTAINER_APP: ResourceType = rt("Microsoft.App/containerApps", "2026-01-01");
/// Container Apps authentication (`name: 'current'`); schema: Azure/bicep-types-az
/// generated/app_0/microsoft.app/2026-01-01 (globalValidation, identityProviders.
/// azureActiveDirectory.registration/validation, httpSettings.requireHttps).
pub const CONTAINER_APP_AUTH_CONFIG: ResourceType =
    rt("Microsoft.App/containerApps/authConfigs", "2026-01-01");
pub const CONTAINER_REGISTRY: ResourceType =
    rt("Microsoft.ContainerRegistry/registries", "2025-11-01");
pub const SQL_SERVER: ResourceType = rt("Microsoft.Sql/servers", "2025-01-01");
pub const SQL_DATABASE: ResourceType = rt("Microsoft.Sql/servers/databases", "2025-01-01");
pub const SQL_ENTRA_ONLY: ResourceType = rt(
    "Microsoft.Sql/servers/azureADOnlyAuthentications",
    "2025-01-01",
);
pub const SQL_AUDITING: ResourceType = rt("Microsoft.Sql/servers/auditingSettings", "2025-01-01");
pub const POSTGRES_SERVER: ResourceType =
    rt("Microsoft.DBforPostgreSQL/flexibleServers", "2025-08-01");
pub const POSTGRES_DATABASE: ResourceType = rt(
    "Microsoft.DBforPostgreSQL/flexibleServers/databases",
    "2025-08-01",
);
pub const POSTGRES_ADMINISTRATOR: ResourceType = rt(
    "Microsoft.DBforPostgreSQL/flexibleServers/administrators",
    "2025-08-01",
);
pub const POSTGRES_CONFIGURATION: ResourceType = rt(
    "Microsoft.DBforPostgreSQL/flexibleServers/configurations",
    "2025-08-01",
);
pub const COSMOS_ACCOUNT: ResourceType = rt("Microsoft.DocumentDB/databaseAccounts", "2025-04-15");
pub const COSMOS_DATABASE: ResourceType = rt(
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
    "2025-04-15",
);
pub const COSMOS_CONTAINER: ResourceType = rt(
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
    "2025-04-15",
);
pub const COSMOS_ROLE_ASSIGNMENT: ResourceType = rt(
    "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
    "2024-11-15",
);
pub const SERVICE_BUS_NAMESPACE: ResourceType = rt("Microsoft.ServiceBus/namespaces", "2024-01-01");
pub const SERVICE_BUS_QUEUE: ResourceType =
    rt("Microsoft.ServiceBus/namespaces/queues", "2024-01-01");
pub const SERVICE_BUS_TOPIC: ResourceType =
    rt("Microsoft.ServiceBus/namespaces/topics", "2024-01-01");
pub const SERVICE_BUS_SUBSCRIPTION: ResourceType = rt(
    "Microsoft.ServiceBus/namespaces/topics/subscriptions",
    "2024-01-01",
);
pub const EVENT_HUBS_NAMESPACE: ResourceType = rt("Microsoft.EventHub/namespaces", "2024-01-01");
pub const EVENT_HUB: ResourceType = rt("Microsoft.EventHub/namespaces/eventhubs", "2024-01-01");
pub const REDIS_CLUSTER: ResourceType = rt("Microsoft.Cache/redisEnterprise", "2025-07-01");
pub const REDIS_DATABASE: ResourceType =
    rt("Microsoft.Cache/redisEnterprise/databases", "2025-07-01");
pub const APP_CONFIGURATION_STORE: ResourceType = rt(
    "Microsoft.AppConfiguration/configurationStores",
    "2024-06-01",
);
pub const COGNITIVE_SERVICES_ACCOUNT: ResourceType =
    rt("Microsoft.CognitiveServices/accounts", "2025-06-01");
pub const COGNITIVE_SERVICES_DEPLOYMENT: ResourceType = rt(
    "Microsoft.CognitiveServices/accounts/deployments",
    "2026-05-01",
);
pub const SEARCH_SERVICE: ResourceType = rt("Microsoft.Search/searchServices", "2025-05-01");
pub const ROLE_DEFINITION: ResourceType =
    rt("Microsoft.Authorization/roleDefinitions", "2022-04-01");
pub const PUBLIC_IP_ADDRESS: ResourceType = rt("Microsoft.Network/publicIPAddresses", "2025-01-01");
pub const SUBNET: ResourceType = rt("Microsoft.Network/virtualNetworks/subnets", "2025-05-01");
pub const MANAGEMENT_LOCK: ResourceType = rt("Microsoft.Authorization/locks", "2020-05-01");
pub const FRONT_DOOR_PROFILE: ResourceType = rt("Microsoft.Cdn/profiles", "2025-06-01");
pub const FRONT_DOOR_ENDPOINT: ResourceType =
    rt("Microsoft.Cdn/profiles/afdEndpoints", "2025-04-15");
pub const FRONT_DOOR_ORIGIN_GROUP: ResourceType =
    rt("Microsoft.Cdn/profiles/originGroups", "2025-06-01");
pub const FRONT_DOOR_ORIGIN: ResourceType =
    rt("Microsoft.Cdn/profiles/originGroups/origins", "2025-04-15");
pub const FRONT_DOOR_ROUTE: ResourceType =
    rt("Microsoft.Cdn/profiles/afdEndpoints/routes", "2025-04-15");
pub const FRONT_DOOR_SECURITY_POLICY: ResourceType =
    rt("Microsoft.Cdn/profiles/securityPolicies", "2025-04-15");
pub const FRONT_DOOR_WAF_POLICY: ResourceType = rt(
    "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
    "2024-02-01",
);

/// Types the shared facts do not list, with the version taken and why. Each exists in the
/// validator's schema bundle (checked by `.ci/run` through bicep-check's BCP081).
pub const NOT_IN_FACTS: &[(ResourceType, &str)] = &[
    (
        CONTAINER_APP_AUTH_CONFIG,
        "same App provider version as its parent containerApps",
    ),
    (
        NAT_GATEWAY,
        "same Network provider version as the VNet it serves",
    ),
    (
        ROUTE_TABLE,
        "same Network provider version as the VNet whose subnets it serves",
    ),
    (
        PRIVATE_DNS_A_RECORD,
        "same version as its parent privateDnsZones",
    ),
    (
        REDIS_ACCESS_POLICY_ASSIGNMENT,
        "same version as its parent redisEnterprise database",
    ),
    (
        VNET_PEERING,
        "same Network provider version as the VNet it belongs to",
    ),
    (
        POLICY_EXEMPTION,
        "policy exemptions have only preview versions; the newest the validator knows",
    ),
    (
        SERVICE_BUS_QUEUE_RULE,
        "same version as its parent queue; AVM service-bus/namespace/queue/authorization-rule uses it",
    ),
    (
        SERVICE_BUS_TOPIC_RULE,
        "same version as its parent topic (AVM's topic authorization-rule still uses 2022-10-01-preview)",
    ),
    (
        EVENT_HUB_RULE,
        "same version as its parent event hub; AVM event-hub/namespace/eventhub/authorization-rule uses it",
    ),
    (
        NETWORK_SECURITY_PERIMETER,
        "newest GA version in the validator's schema window that matches the VNet's Network provider version (Azure/bicep-types-az generated/network/microsoft.network/2025-05-01)",
    ),
    (PERIMETER_PROFILE, "same version as its parent perimeter"),
    (
        PERIMETER_ACCESS_RULE,
        "same version as its parent perimeter",
    ),
    (
        PERIMETER_ASSOCIATION,
        "same version as its parent perimeter",
    ),
    (
        RESOURCE_GROUP,
        "AVM avm/res/resources/resource-group/main.bicep uses it (Azure/bicep-registry-modules @121d7bf6); inside the validator's schema window (2021-01-01 on)",
    ),
];
/// The deploying identity's bootstrap (`bulwark deployer`) creates the app's resource groups.
pub const RESOURCE_GROUP: ResourceType = rt("Microsoft.Resources/resourceGroups", "2021-04-01");
// SAS authorization rules on one entity, for `local-auth` waivers. `properties.rights` is an
// array of Manage|Send|Listen (Azure/bicep-types-az @1f896de2 generated/servicebus/
// microsoft.servicebus/2024-01-01/types.json and generated/eventhub/microsoft.eventhub/
// 2024-01-01/types.json; Azure/bicep-registry-modules @9f9ea1a1 authorization-rule modules).
pub const SERVICE_BUS_QUEUE_RULE: ResourceType = rt(
    "Microsoft.ServiceBus/namespaces/queues/authorizationRules",
    "2024-01-01",
);
pub const SERVICE_BUS_TOPIC_RULE: ResourceType = rt(
    "Microsoft.ServiceBus/namespaces/topics/authorizationRules",
    "2024-01-01",
);
pub const EVENT_HUB_RULE: ResourceType = rt(
    "Microsoft.EventHub/namespaces/eventhubs/authorizationRules",
    "2024-01-01",
);
pub const VNET_PEERING: ResourceType = rt(
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    "2025-05-01",
);
pub const POLICY_EXEMPTION: ResourceType = rt(
    "Microsoft.Authorization/policyExemptions",
    "2026-01-01-preview",
);
// Network security perimeters (`modules/perimeter.bicep`). Schema checked: Azure/bicep-types-az
// generated/network/microsoft.network/2025-05-01/types.json (NspAccessRuleProperties:
// direction, addressPrefixes, subscriptions, fullyQualifiedDomainNames; NspAssociationProperties:
// privateLinkResource, profile, accessMode 'Learning'|'Enforced'|'Audit').
pub const NETWORK_SECURITY_PERIMETER: ResourceType =
    rt("Microsoft.Network/networkSecurityPerimeters", "2025-05-01");
pub const PERIMETER_PROFILE: ResourceType = rt(
    "Microsoft.Network/networkSecurityPerimeters/profiles",
    "2025-05-01",
);
pub const PERIMETER_ACCESS_RULE: ResourceType = rt(
    "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
    "2025-05-01",
);
pub const PERIMETER_ASSOCIATION: ResourceType = rt(
    "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
    "2025-05-01",
);
pub const NAT_GATEWAY: ResourceType = rt("Microsoft.Network/natGateways", "2025-05-01");
/// Schema checked: Azure/bicep-types-az generated/network/microsoft.network/2025-05-01
/// (RouteTablePropertiesFormat: routes, disableBgpRoutePropagation; RoutePropertiesFormat:
/// addressPrefix, nextHopType 'VirtualAppliance', nextHopIpAddress).
pub const ROUTE_TABLE: ResourceType = rt("Microsoft.Network/routeTables", "2025-05-01");
pub const PRIVATE_DNS_A_RECORD: ResourceType =
    rt("Microsoft.Network/privateDnsZones/A", "2024-06-01");
pub const REDIS_ACCESS_POLICY_ASSIGNMENT: ResourceType = rt(
    "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments",
    "2025-07-01",
);

pub const ALL: &[ResourceType] = &[
    USER_ASSIGNED_IDENTITY,
    FEDERATED_IDENTITY_CREDENTIAL,
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
    WEB_SITE_CONFIG,
    WEB_PUBLISHING_CREDENTIALS,
    TABLE_SERVICE,
    CONTAINER_APPS_ENVIRONMENT,
    CONTAINER_APP,
    CONTAINER_REGISTRY,
    SQL_SERVER,
    SQL_DATABASE,
    SQL_ENTRA_ONLY,
    SQL_AUDITING,
    POSTGRES_SERVER,
    POSTGRES_DATABASE,
    POSTGRES_ADMINISTRATOR,
    POSTGRES_CONFIGURATION,
    COSMOS_ACCOUNT,
    COSMOS_DATABASE,
    COSMOS_CONTAINER,
    COSMOS_ROLE_ASSIGNMENT,
    SERVICE_BUS_NAMESPACE,
    SERVICE_BUS_QUEUE,
    SERVICE_BUS_TOPIC,
    SERVICE_BUS_SUBSCRIPTION,
    EVENT_HUBS_NAMESPACE,
    EVENT_HUB,
    REDIS_CLUSTER,
    REDIS_DATABASE,
    APP_CONFIGURATION_STORE,
    COGNITIVE_SERVICES_ACCOUNT,
    COGNITIVE_SERVICES_DEPLOYMENT,
    SEARCH_SERVICE,
    ROLE_DEFINITION,
    PUBLIC_IP_ADDRESS,
    SUBNET,
    MANAGEMENT_LOCK,
    FRONT_DOOR_PROFILE,
    FRONT_DOOR_ENDPOINT,
    FRONT_DOOR_ORIGIN_GROUP,
    FRONT_DOOR_ORIGIN,
    FRONT_DOOR_ROUTE,
    FRONT_DOOR_SECURITY_POLICY,
    FRONT_DOOR_WAF_POLICY,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::facts::FACTS;

    #[test]
    fn types_outside_the_facts_are_not_also_in_them() {
        for (ty, _) in NOT_IN_FACTS {
            assert!(
                !FACTS.api_versions.contains_key(ty.name),
                "{} is in the facts now",
                ty.name
            );
        }
    }

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
