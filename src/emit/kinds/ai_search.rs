//! `ai-search`: an Azure AI Search service on a tier with private endpoints, API keys off,
//! no public network access.

use super::common::{
    grant_arm_roles, principal_params, push_diagnostics, push_private_endpoints, regional,
    unique_name,
};
use crate::bicep::{Expr, Resource, Statement, obj};
use crate::catalog::types;
use crate::emit::{Context, Module};
use crate::plan::ComponentPlan;

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    principal_params(ctx, component, module);
    let app = &ctx.plan.app;
    let name = &component.name;
    let sku = module.sized(component, "sku");
    let replicas = module.sized(component, "replicas");
    let partitions = module.sized(component, "partitions");
    module.push(
        Statement::from(
            regional(
                Resource::new(
                    "service",
                    types::SEARCH_SERVICE.name,
                    types::SEARCH_SERVICE.api_version,
                ),
                unique_name(format!("srch-{app}-{name}-"), name),
            )
            .prop("sku", obj([("name", sku)]))
            .prop(
                "properties",
                obj([
                    ("replicaCount", replicas),
                    ("partitionCount", partitions),
                    ("hostingMode", "Default".into()),
                    // `Disabled`, capitalised since API 2025-05-01.
                    ("publicNetworkAccess", "Disabled".into()),
                    // No `authOptions`: Azure rejects it together with disableLocalAuth.
                    ("disableLocalAuth", true.into()),
                    // Nothing in the blueprint calls the service as a trusted Azure service.
                    (
                        "networkRuleSet",
                        obj([("bypass", "None".into()), ("ipRules", Expr::array([]))]),
                    ),
                    ("semanticSearch", "disabled".into()),
                ]),
            ),
        )
        .with_comment(
            "Entra ID only (API keys off), private network access only, no trusted-service bypass",
        ),
    );
    push_diagnostics(module, "service", types::SEARCH_SERVICE);
    grant_arm_roles(ctx, component, module, |_| "service".to_string());
    push_private_endpoints(ctx, component, module);
    module.output("endpoint", Expr::path("service.properties.endpoint"));
}
