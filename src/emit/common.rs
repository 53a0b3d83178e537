//! Pieces every module uses: standard parameters, names, diagnostic settings, private
//! endpoints and role assignments, each built the same way wherever it appears. This file
//! holds the module parameters and small expression helpers; the themes are its submodules.

mod diagnostics;
mod endpoints;
mod names;
mod roles;
mod stateful;

pub use diagnostics::{
    diagnostic_setting, diagnostics_statements, push_diagnostics, push_diagnostics_file,
};
pub use endpoints::{endpoint_ready_symbol, push_private_endpoints, zone_param, zone_param_text};
pub use names::{bounded_prefix, compact_prefix, env_suffixed, env_suffixed_for, unique_name};
pub use roles::{
    built_in_role, deployer_role_assignment, grant_arm_roles, identity_params, inbound,
    principal_param, principal_params, role_assignment, role_comment, role_symbol,
    user_assigned_identity,
};
pub use stateful::{LOCK_VARIABLE, create_mode, push_lock};

use super::{Context, Module, identity_symbol};
use crate::bicep::{Expr, Param, Property, Resource, Statement, Type, interp, text};
use crate::plan::{ComponentPlan, DnsPlan, PerEnvironment};
use std::collections::BTreeMap;

pub const WORKSPACE_ID: &str = "workspaceId";
pub const PRIVATE_ENDPOINT_SUBNET_ID: &str = "privateEndpointSubnetId";

pub fn param(name: &str, ty: Type, description: &str) -> Param {
    Param::new(name, ty).description(description)
}

pub fn location_param() -> Param {
    param("location", Type::String, "Azure region of the resources.")
}

pub fn tags_param() -> Param {
    param("tags", Type::Object, "Tags applied to every resource.")
}

pub fn workspace_param() -> Param {
    param(
        WORKSPACE_ID,
        Type::String,
        "Log Analytics workspace that receives diagnostics.",
    )
}

/// The parameters every component module takes: location, tags, environment, workspace,
/// and the private-endpoint subnet and DNS zones when the component has endpoints.
pub fn standard_params(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    module.param(location_param(), Expr::ident("location"));
    module.param(tags_param(), Expr::ident("tags"));
    module.param(
        param(
            "environmentName",
            Type::String,
            "Environment being deployed.",
        ),
        Expr::ident("environmentName"),
    );
    module.param(
        workspace_param(),
        Expr::path("monitoring.outputs.workspaceId"),
    );
    if component.private_endpoints.is_empty() {
        return;
    }
    module.param(
        param(
            PRIVATE_ENDPOINT_SUBNET_ID,
            Type::String,
            "Subnet that holds private endpoints.",
        ),
        Expr::path("network.outputs.privateEndpointsSubnetId"),
    );
    for endpoint in &component.private_endpoints {
        for zone in &endpoint.zones {
            let name = zone_param_text(zone);
            if module.has_param(&name) {
                continue;
            }
            let value = match &ctx.plan.network.dns {
                DnsPlan::Create => Expr::ident("dns").member("outputs").member(name.clone()),
                DnsPlan::Central(ids) => match ids.get(zone) {
                    Some(id) => Expr::str(id.as_str()),
                    // The estate's policy registers endpoints: no zone ids to pass.
                    None => continue,
                },
            };
            module.param(
                param(
                    &name,
                    Type::String,
                    &["Private DNS zone ", zone, "."].concat(),
                ),
                value,
            );
        }
    }
}

/// A module's per-environment table: values that differ between environments live in one
/// `var` indexed by `environmentName`; values every environment shares stay literals.
pub struct ByEnvironment {
    name: &'static str,
    comment: &'static str,
    entries: Vec<(String, BTreeMap<String, Expr>)>,
}

impl ByEnvironment {
    pub fn new(name: &'static str, comment: &'static str) -> Self {
        ByEnvironment {
            name,
            comment,
            entries: Vec::new(),
        }
    }

    pub fn value(&mut self, key: &str, values: PerEnvironment<Expr>) -> Expr {
        match values {
            PerEnvironment::Same(value) => value,
            PerEnvironment::Each(values) => {
                self.entries.push((key.to_string(), values));
                Expr::ident(self.name)
                    .index(Expr::ident("environmentName"))
                    .member(key)
            }
        }
    }

    /// The `var` holding the table, if any value differs.
    pub fn statement(self) -> Option<Statement> {
        let (_, first) = self.entries.first()?;
        let environments: Vec<String> = first.keys().cloned().collect();
        let table =
            Expr::object(environments.iter().map(|environment| {
                Property::new(
                    environment.clone(),
                    Expr::object(self.entries.iter().map(|(key, values)| {
                        Property::new(key.clone(), values[environment].clone())
                    })),
                )
            }));
        Some(
            Statement::from(crate::bicep::StatementKind::Var {
                name: self.name.into(),
                value: table,
            })
            .with_comment(self.comment),
        )
    }
}

/// The first properties of every regional resource.
pub fn regional(resource: Resource, name: Expr) -> Resource {
    resource
        .prop("name", name)
        .prop("location", Expr::ident("location"))
        .prop("tags", Expr::ident("tags"))
}

/// The comment heading a database grant script: the generated-file header, what the script
/// does, and how a member of the admin group runs it (`commands`), then a blank line.
pub fn grant_script_header(
    ctx: &Context,
    about: &[String],
    admin_group: &str,
    commands: &[String],
) -> String {
    let mut lines = vec![ctx.header(), String::new()];
    lines.extend(about.iter().cloned());
    lines.push(String::new());
    lines.push(
        "Run it after each deployment that adds a connection, as a member of the Entra group"
            .into(),
    );
    lines.push(format!(
        "{admin_group}, from a network that reaches the server's private endpoint:"
    ));
    lines.extend(commands.iter().map(|command| format!("  {command}")));
    let mut out: String = lines
        .iter()
        .map(|line| {
            if line.is_empty() {
                "--\n".to_string()
            } else {
                format!("-- {line}\n")
            }
        })
        .collect();
    out.push('\n');
    out
}

/// The value main.bicep passes for a connection setting of `app`. Key Vault references are
/// the caller's: App Service and Container Apps spell them differently.
pub fn setting_expr(app: &ComponentPlan, value: &crate::plan::SettingValue) -> Expr {
    use crate::plan::SettingValue;
    match value {
        SettingValue::Literal(text) => Expr::str(text.as_str()),
        SettingValue::IdentityClientId => Expr::path(&identity_symbol(&app.name))
            .member("properties")
            .member("clientId"),
        SettingValue::IdentityName => Expr::path(&identity_symbol(&app.name)).member("name"),
        SettingValue::Output {
            component,
            output,
            suffix,
        } => {
            let value = Expr::path(&format!(
                "{}.outputs.{output}",
                super::module_symbol(component)
            ));
            if suffix.is_empty() {
                value
            } else {
                Expr::interp([interp(value), text(suffix.as_str())])
            }
        }
        SettingValue::SecretReference { vault, secret } => Expr::interp([
            text("@Microsoft.KeyVault(VaultName="),
            interp(Expr::path(&format!(
                "{}.outputs.name",
                super::module_symbol(vault)
            ))),
            text(format!(";SecretName={secret})")),
        ]),
        SettingValue::CallUrl { component, host } => super::calls::call_url(component, host),
        SettingValue::CallAudience {
            app,
            component,
            suffix,
            pre_created: false,
        } => super::calls::audience(app, component, suffix),
        SettingValue::CallAudience {
            component,
            suffix,
            pre_created: true,
            ..
        } => super::calls::pre_created_audience(component, suffix),
    }
}

/// `'<prefix><value>'`: a literal when the value is one, an interpolation when it is a
/// parameter.
pub fn prefixed(prefix: &str, value: Expr) -> Expr {
    use crate::bicep::StrPart;
    match value {
        Expr::Str(parts) => {
            let mut all = vec![StrPart::Text(prefix.into())];
            all.extend(parts);
            // Merge adjacent literal text so the printer emits one plain string.
            let mut merged: Vec<StrPart> = Vec::new();
            for part in all {
                match (merged.last_mut(), part) {
                    (Some(StrPart::Text(last)), StrPart::Text(next)) => {
                        *last = format!("{last}{next}").into()
                    }
                    (_, part) => merged.push(part),
                }
            }
            Expr::Str(merged)
        }
        other => Expr::interp([text(prefix), interp(other)]),
    }
}

/// `object` with `property` appended, when there is one.
pub fn with_property(object: Expr, property: Option<Property>) -> Expr {
    match (object, property) {
        (Expr::Object(mut properties), Some(property)) => {
            properties.push(property);
            Expr::Object(properties)
        }
        (object, _) => object,
    }
}
