//! Who can do what: the report's access rows (every role assignment, function host storage
//! roles and database grants) and its calls (which app may call which, with which app role,
//! and how the call stays private).

use super::{Cite, Source, cite};
use crate::blueprint::{ComponentSpec, ContainerEnvironment, Kind};
use crate::catalog;
use crate::plan::{Plan, Scope};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessRow {
    pub principal: String,
    pub scope: String,
    pub role: String,
    pub access: String,
    pub because: String,
    pub from: Option<Cite>,
}

pub(super) fn access_rows(plan: &Plan, source: Option<&Source>) -> Vec<AccessRow> {
    let mut access: Vec<AccessRow> = plan
        .role_assignments
        .iter()
        .map(|assignment| AccessRow {
            principal: assignment.principal.clone(),
            scope: scope_words(&assignment.scope),
            role: assignment.role.name(),
            access: assignment
                .access
                .map(|a| a.to_string())
                .unwrap_or_else(|| "telemetry".to_string()),
            because: assignment.because.clone(),
            from: cite(source, &assignment.because),
        })
        .collect();
    for component in plan
        .components
        .iter()
        .filter(|c| c.kind() == Kind::FunctionApp)
    {
        let path = component.path();
        access.extend(
            catalog::FUNCTION_HOST_STORAGE_ROLES
                .iter()
                .map(|role| AccessRow {
                    principal: component.name.clone(),
                    scope: format!("{} host storage (its own account)", component.name),
                    role: role.to_string(),
                    access: "host runtime".to_string(),
                    because: path.clone(),
                    from: cite(source, &path),
                }),
        );
    }
    access.extend(plan.database_grants.iter().map(|grant| AccessRow {
        principal: grant.principal.clone(),
        scope: format!("{}.{} (database)", grant.server, grant.database),
        role: grant.roles.join(" + "),
        access: grant.access.to_string(),
        because: grant.because.clone(),
        from: cite(source, &grant.because),
    }));
    access
        .sort_by(|a, b| (&a.principal, &a.scope, &a.role).cmp(&(&b.principal, &b.scope, &b.role)));
    access
}

fn scope_words(scope: &Scope) -> String {
    match scope {
        Scope::ApplicationInsights => "Application Insights".to_string(),
        Scope::Component(component) => component.clone(),
        Scope::Part {
            component,
            kind,
            name,
        } => format!("{component}.{name} ({kind})"),
    }
}

/// One caller allowed to call one app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRow {
    pub caller: String,
    pub target: String,
    /// The app role its identity is assigned.
    pub role: String,
    /// How the call stays inside the VNet.
    pub route: String,
    /// The caller's settings naming the target (URL, audience, scope).
    pub settings: String,
    pub because: String,
    pub from: Option<Cite>,
}

pub(super) fn call_rows(plan: &Plan, source: Option<&Source>) -> Vec<CallRow> {
    plan.calls
        .iter()
        .map(|call| {
            let route = match plan.component(&call.target).map(|target| &target.spec) {
                Some(ComponentSpec::ContainerApp(app)) => match app.environment {
                    ContainerEnvironment::Shared => {
                        "the shared internal Container Apps environment, resolved by its private DNS zone"
                    }
                    ContainerEnvironment::Dedicated => {
                        "the target's internal Container Apps environment, resolved by its private DNS zone"
                    }
                },
                _ => "the target's private endpoint (sites), resolved by privatelink.azurewebsites.net",
            };
            let settings: Vec<String> = ["url", "audience", "scope"]
                .iter()
                .map(|word| format!("`{}`", catalog::naming::setting_name(&[&call.target, word])))
                .collect();
            CallRow {
                caller: call.caller.clone(),
                target: call.target.clone(),
                role: if plan.pre_created_registration(call) {
                    format!("`{}` (assigned by the platform team)", call.role)
                } else {
                    format!("`{}`", call.role)
                },
                route: route.to_string(),
                settings: settings.join(", "),
                because: call.because.clone(),
                from: cite(source, &call.because),
            }
        })
        .collect()
}
