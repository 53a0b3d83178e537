//! `openai`: an Azure OpenAI account with a custom subdomain (what Entra ID tokens and
//! private endpoints need), API keys off, no public or outbound network access, and the
//! blueprint's model deployments.

use super::common::{
    grant_arm_roles, principal_params, push_diagnostics, push_private_endpoints, regional,
    unique_name,
};
use crate::bicep::{Expr, Item, Property, Resource, Statement, StatementKind, obj};
use crate::blueprint::ComponentSpec;
use crate::catalog::naming::part_symbol;
use crate::catalog::types;
use crate::emit::{Context, Module};
use crate::plan::ComponentPlan;

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    principal_params(ctx, component, module);
    let app = &ctx.plan.app;
    let name = &component.name;
    // Account names allow 64 characters; the subdomain is globally unique, so it takes
    // the hash too. The two are the same name.
    let account_name = unique_name(format!("oai-{app}-{name}-"), name);
    module.push(
        Statement::from(
            regional(
                Resource::new("account", types::COGNITIVE_SERVICES_ACCOUNT.name, types::COGNITIVE_SERVICES_ACCOUNT.api_version),
                account_name.clone(),
            )
            .prop("kind", "OpenAI")
            .prop("sku", obj([("name", "S0".into())]))
            .prop("identity", obj([("type", "SystemAssigned".into())]))
            .prop(
                "properties",
                obj([
                    ("customSubDomainName", account_name),
                    ("disableLocalAuth", true.into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    (
                        "networkAcls",
                        obj([
                            ("defaultAction", "Deny".into()),
                            ("bypass", "None".into()),
                            ("ipRules", Expr::array([])),
                            ("virtualNetworkRules", Expr::array([])),
                        ]),
                    ),
                    ("restrictOutboundNetworkAccess", true.into()),
                    ("allowedFqdnList", Expr::array([])),
                ]),
            ),
        )
        .with_comment("Entra ID only (API keys off), private network access only, no trusted-service bypass")
        .with_comment("No outbound calls (data-exfiltration control); the system identity holds no roles unless one is granted"),
    );
    push_diagnostics(module, "account", types::COGNITIVE_SERVICES_ACCOUNT);

    let mut previous: Option<String> = None;
    if let ComponentSpec::OpenAi(openai) = &component.spec {
        for (deployment_name, deployment) in &openai.deployments {
            let symbol = part_symbol("deployment", deployment_name);
            let mut resource = Resource::new(
                &symbol,
                types::COGNITIVE_SERVICES_DEPLOYMENT.name,
                types::COGNITIVE_SERVICES_DEPLOYMENT.api_version,
            )
            .prop("parent", Expr::ident("account"))
            .prop("name", deployment_name.as_str())
            .prop(
                "sku",
                obj([
                    ("name", deployment.sku.as_str().into()),
                    ("capacity", deployment.capacity.into()),
                ]),
            )
            .prop(
                "properties",
                obj([
                    (
                        "model",
                        obj([
                            ("format", "OpenAI".into()),
                            ("name", deployment.model.as_str().into()),
                            ("version", deployment.version.as_str().into()),
                        ]),
                    ),
                    ("versionUpgradeOption", "OnceCurrentVersionExpired".into()),
                ]),
            );
            if let Some(previous) = &previous {
                resource = resource.prop(
                    "dependsOn",
                    Expr::array([Item::from(Expr::ident(previous))]),
                );
            }
            let mut statement = Statement::from(resource).with_comment(format!(
                "Model {} {} ({}.deployments.{deployment_name}); upgraded only when that version retires",
                deployment.model,
                deployment.version,
                component.path()
            ));
            if previous.is_some() {
                statement = statement
                    .with_comment("After the previous deployment: the account rejects concurrent deployment writes");
            }
            module.push(statement);
            previous = Some(symbol);
        }
    }

    grant_arm_roles(ctx, component, module, |_| "account".to_string());
    let before = module.file.statements.len();
    push_private_endpoints(ctx, component, module);
    if let Some(last) = previous {
        // The endpoint waits for the last deployment: the account is not in a terminal
        // provisioning state while a deployment is being written.
        let endpoint_type = format!(
            "{}@{}",
            types::PRIVATE_ENDPOINT.name,
            types::PRIVATE_ENDPOINT.api_version
        );
        for statement in &mut module.file.statements[before..] {
            if let StatementKind::Resource(resource) = &mut statement.kind
                && resource.type_ref == endpoint_type
            {
                resource.body.push(Property::new(
                    "dependsOn",
                    Expr::array([Item::from(Expr::ident(&last))]),
                ));
            }
        }
    }
    module.output("endpoint", Expr::path("account.properties.endpoint"));
}
