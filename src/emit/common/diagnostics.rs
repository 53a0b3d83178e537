//! Diagnostic settings: what a resource type sends to the Log Analytics workspace, in a
//! component's module or a concern's file.

use super::WORKSPACE_ID;
use crate::bicep::{Expr, Item, Property, Resource, Statement, obj};
use crate::catalog::facts;
use crate::catalog::types::{self, ResourceType};
use crate::emit::Module;

/// A diagnostic setting sending what `resource_type` supports to the workspace, or `None`
/// when the facts list no diagnostic support for the type.
pub fn diagnostic_setting(
    scope_symbol: &str,
    resource_type: ResourceType,
    workspace: Expr,
) -> Option<Resource> {
    let support = facts::diagnostic_support(resource_type.name)?;
    let mut properties = Vec::with_capacity(3);
    properties.push(Property::new("workspaceId", workspace));
    if support.all_logs {
        properties.push(Property::new(
            "logs",
            Expr::array([Item::from(obj([
                ("categoryGroup", "allLogs".into()),
                ("enabled", true.into()),
            ]))]),
        ));
    }
    if support.all_metrics {
        properties.push(Property::new(
            "metrics",
            Expr::array([Item::from(obj([
                ("category", "AllMetrics".into()),
                ("enabled", true.into()),
            ]))]),
        ));
    }
    if properties.len() == 1 {
        return None;
    }
    Some(
        Resource::new(
            [scope_symbol, "Diagnostics"].concat(),
            types::DIAGNOSTIC_SETTING.name,
            types::DIAGNOSTIC_SETTING.api_version,
        )
        .prop("name", "to-log-analytics")
        .prop("scope", Expr::ident(scope_symbol))
        .prop("properties", Expr::Object(properties)),
    )
}

/// Add the diagnostic setting of a resource in the module, if its type has one.
pub fn push_diagnostics(module: &mut Module, scope_symbol: &str, resource_type: ResourceType) {
    if let Some(setting) =
        diagnostic_setting(scope_symbol, resource_type, Expr::ident(WORKSPACE_ID))
    {
        module.push(setting);
    }
}

/// The diagnostic setting of a resource as a statement, if its type has one.
pub fn diagnostics_statements(
    scope_symbol: &str,
    resource_type: ResourceType,
) -> Option<Statement> {
    diagnostic_setting(scope_symbol, resource_type, Expr::ident(WORKSPACE_ID)).map(Statement::from)
}

/// [`push_diagnostics`] for a concern module's file.
pub fn push_diagnostics_file(
    file: &mut crate::bicep::File,
    scope_symbol: &str,
    resource_type: ResourceType,
) {
    if let Some(setting) =
        diagnostic_setting(scope_symbol, resource_type, Expr::ident(WORKSPACE_ID))
    {
        file.push(setting);
    }
}
