//! `container-registry`: a Premium registry reachable only through its private endpoint, with
//! no admin user and no anonymous pulls; apps pull and push with their identities.

use super::common::{
    compact_prefix, grant_arm_roles, principal_params, push_diagnostics, push_private_endpoints,
    regional, unique_name,
};
use crate::bicep::{Expr, Resource, Statement, obj};
use crate::blueprint::ComponentSpec;
use crate::catalog::types;
use crate::emit::{Context, Module};
use crate::plan::ComponentPlan;

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let ComponentSpec::ContainerRegistry(registry) = &component.spec else {
        unreachable!("container_registry::emit is called for container-registry components only")
    };
    principal_params(ctx, component, module);
    // Registry names are 5-50 letters and digits, globally unique: prefix + 13 hash characters.
    let prefix = compact_prefix(ctx, "cr", &component.name, 37);
    module.push(
        Statement::from(
            regional(
                Resource::new("registry", types::CONTAINER_REGISTRY.name, types::CONTAINER_REGISTRY.api_version),
                unique_name(prefix, &component.name),
            )
            .prop("sku", obj([("name", "Premium".into())]))
            .prop(
                "properties",
                obj([
                    ("adminUserEnabled", false.into()),
                    ("anonymousPullEnabled", false.into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    ("networkRuleSet", obj([("defaultAction", "Deny".into())])),
                    ("networkRuleBypassOptions", "AzureServices".into()),
                    ("networkRuleBypassAllowedForTasks", false.into()),
                    ("dataEndpointEnabled", true.into()),
                    ("roleAssignmentMode", "LegacyRegistryPermissions".into()),
                    (
                        "policies",
                        obj([(
                            "retentionPolicy",
                            obj([("status", "enabled".into()), ("days", registry.retention_days.into())]),
                        )]),
                    ),
                ]),
            ),
        )
        .with_comment("Premium: the SKU with private endpoints. No admin user, no anonymous pull, private network access only")
        .with_comment(format!(
            "Untagged manifests are purged after {} days; AcrPull/AcrPush are honored because the registry keeps legacy (non-ABAC) role assignments",
            registry.retention_days
        )),
    );
    push_diagnostics(module, "registry", types::CONTAINER_REGISTRY);
    grant_arm_roles(ctx, component, module, |_| "registry".to_string());
    push_private_endpoints(ctx, component, module);
    if ctx.plan.holds_images(&component.name) {
        // The workflow pushes the apps' images from a runner in the VNet, through the private
        // endpoint, as the deploying identity: Contributor pushes in the legacy (non-ABAC)
        // permission mode (learn.microsoft.com/azure/container-registry/container-registry-roles).
        // ACR Tasks would need `networkRuleBypassAllowedForTasks`, which stays off
        // (learn.microsoft.com/azure/container-registry/manage-network-bypass-policy-for-tasks).
        module.output("registryName", Expr::path("registry.name"));
    }
    module.output("loginServer", Expr::path("registry.properties.loginServer"));
}
