//! `key-vault`: a vault in RBAC mode with purge protection, holding the declared secrets and
//! those of `external` components, each set at deploy time from an environment variable.

use super::common::{
    compact_prefix, create_mode, grant_arm_roles, param, principal_params, push_diagnostics,
    push_private_endpoints, regional, unique_name, with_property,
};
use crate::bicep::{Expr, Param, Property, Resource, Statement, Type, obj};
use crate::catalog::naming::part_symbol;
use crate::catalog::types;
use crate::emit::{Context, Module, SECRET_VALUES};
use crate::plan::{ComponentPlan, Scope};

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    principal_params(ctx, component, module);
    let secrets = component.vault_secrets();
    if !secrets.is_empty() {
        module.param(
            param(
                "secretExpiry",
                Type::Int,
                "Expiry of the secrets this deployment sets, as Unix time.",
            ),
            Expr::ident("secretExpiry"),
        );
    }
    let prefix = compact_prefix(ctx, "kv", &component.name, 11);
    // Key Vault `properties.createMode`: 'recover' | 'default' (bicep-types-az
    // microsoft.keyvault/2026-02-01; learn.microsoft.com/azure/key-vault/general/key-vault-recovery).
    let recover = create_mode(ctx, component, module, "recover", "default");
    module.push(
        Statement::from(
            regional(
                Resource::new("vault", types::KEY_VAULT.name, types::KEY_VAULT.api_version),
                unique_name(prefix, &component.name),
            )
            .prop(
                "properties",
                with_property(
                    obj([
                        ("tenantId", Expr::path("subscription().tenantId")),
                        (
                            "sku",
                            obj([("family", "A".into()), ("name", "standard".into())]),
                        ),
                        ("enableRbacAuthorization", true.into()),
                        ("enablePurgeProtection", true.into()),
                        ("enableSoftDelete", true.into()),
                        ("softDeleteRetentionInDays", 90i64.into()),
                        ("publicNetworkAccess", "Disabled".into()),
                        (
                            "networkAcls",
                            obj([
                                ("defaultAction", "Deny".into()),
                                ("bypass", "AzureServices".into()),
                            ]),
                        ),
                    ]),
                    recover,
                ),
            ),
        )
        .with_comment(
            "RBAC authorization, purge protection, 90-day soft delete, private network access only",
        ),
    );
    push_diagnostics(module, "vault", types::KEY_VAULT);
    // One secure object for every secret value, so a vault with many secrets still takes one
    // parameter (ARM allows 256 per template; limits.tsv).
    if !secrets.is_empty() {
        let values = secrets.iter().map(|secret| {
            let input = ctx.secret_inputs[&(component.name.as_str(), secret.as_str())];
            Property::new(
                secret.as_str(),
                Expr::ident(SECRET_VALUES).member(input.param.as_str()),
            )
            .with_comment(format!("from environment variable {}", input.variable))
        });
        module.param(
            Param::new(SECRET_VALUES, Type::Object)
                .secure()
                .description("Secret values by secret name; the parameter files read each from an environment variable."),
            Expr::object(values),
        );
    }
    for secret in &secrets {
        let mut resource = Statement::from(
            Resource::new(
                part_symbol("secret", secret),
                types::KEY_VAULT_SECRET.name,
                types::KEY_VAULT_SECRET.api_version,
            )
            .prop("parent", Expr::ident("vault"))
            .prop("name", secret.as_str())
            .prop(
                "properties",
                obj([
                    ("value", Expr::ident(SECRET_VALUES).member(secret.as_str())),
                    ("contentType", "text/plain".into()),
                    (
                        "attributes",
                        obj([
                            ("enabled", true.into()),
                            ("exp", Expr::ident("secretExpiry")),
                        ]),
                    ),
                ]),
            ),
        );
        if component.external_secrets.contains(secret) {
            resource = resource.with_comment(format!(
                "The secret of external service {secret} (components.{secret})"
            ));
        }
        module.push(resource);
    }
    grant_arm_roles(ctx, component, module, |scope| match scope {
        Scope::Part { name, .. } => part_symbol("secret", name),
        _ => "vault".to_string(),
    });
    push_private_endpoints(ctx, component, module);
    module.output("name", Expr::path("vault.name"));
    module.output("vaultUri", Expr::path("vault.properties.vaultUri"));
}
