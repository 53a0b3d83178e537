//! The README's tables of component kinds and connection access levels, written from the
//! catalogue so the documentation cannot drift from it.

use super::{Allowed, CALL_ROLE, KINDS, Role, compute_kinds, facts};
use crate::vocabulary::Kind;

/// The README's table of connection access levels and the role each grants, per kind.
pub fn access_table_markdown() -> String {
    let mut out = String::from(
        "| target kind | connection `to` | access | role | scoped to |\n| --- | --- | --- | --- | --- |\n",
    );
    for spec in KINDS.iter().filter(|spec| !spec.targets.is_empty()) {
        for target in spec.targets {
            let (to, scope) = match target.part {
                None => (
                    format!("`<{}>`", spec.kind),
                    format!("the whole {}", spec.kind),
                ),
                Some(part) => (
                    format!("`<{}>.<{}>`", spec.kind, part.noun().replace(' ', "-")),
                    format!("the one {part}"),
                ),
            };
            let scope = if spec.kind == Kind::External {
                "the service's secret".to_string()
            } else if spec.compute && target.part.is_none() {
                format!("the app's `{CALL_ROLE}` app role")
            } else {
                scope
            };
            for grant in target.grants {
                let roles: Vec<String> = grant.roles.iter().map(role_cell).collect();
                out.push_str(&format!(
                    "| {} | {to} | `{}` | {} | {scope} |\n",
                    spec.kind,
                    grant.access,
                    roles.join(" and ")
                ));
            }
        }
    }
    let compute: Vec<String> = compute_kinds()
        .iter()
        .map(|kind| format!("`{kind}`"))
        .collect();
    out.push_str(&format!(
        "\nCompute kinds ({}) are targets only of `call`: the caller's identity gets an app role of the target's Entra app registration, never an Azure RBAC role (see Service-to-service calls). Each gets its own user-assigned identity, which also receives Monitoring Metrics Publisher (`{}`) on the app's Application Insights.\n",
        compute.join(", "),
        facts::role("Monitoring Metrics Publisher").guid
    ));
    out
}

/// The README's table of component kinds: what each creates, the parts a connection can
/// name and the fields that may differ per environment.
pub fn kinds_table_markdown() -> String {
    let mut out = String::from(
        "| kind | creates | connections may name | sized per environment |\n| --- | --- | --- | --- |\n",
    );
    for spec in KINDS {
        let parts: Vec<String> = spec
            .targets
            .iter()
            .map(|target| match target.part {
                None => "the component".to_string(),
                Some(part) => {
                    let noun = part.noun();
                    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    };
                    format!("{article} {noun}")
                }
            })
            .collect();
        let connect = if spec.compute {
            "(compute: it `uses` others)".to_string()
        } else {
            parts.join(", ")
        };
        let sizing: Vec<String> = spec
            .sizing
            .iter()
            .map(|sizing| match sizing.allowed {
                Allowed::Text(values) => format!("`{}` ({})", sizing.field, values.join(", ")),
                Allowed::Range(min, max) => format!("`{}` ({min}-{max})", sizing.field),
                Allowed::Values(values) => format!(
                    "`{}` ({})",
                    sizing.field,
                    values
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
            .collect();
        let sizing = if sizing.is_empty() {
            "-".to_string()
        } else {
            sizing.join("; ")
        };
        out.push_str(&format!(
            "| `{}` | {} | {connect} | {sizing} |\n",
            spec.kind, spec.summary
        ));
    }
    out
}

fn role_cell(role: &Role) -> String {
    match role {
        Role::Arm(name) => format!("{name} (`{}`)", facts::role(name).guid),
        Role::CosmosData(name) => format!("{name} (data plane, `{}`)", facts::role(name).guid),
        Role::Database(roles) if roles.iter().all(|r| r.starts_with("db_")) => {
            format!(
                "database roles {} (grant script)",
                roles
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Role::Database(privileges) => format!(
            "{} on the database's tables (grant script)",
            privileges
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Role::RedisAccessPolicy(name) => format!("access policy `{name}` (data plane)"),
        Role::Custom(role) => format!("custom role {} (key-values only)", role.name),
        Role::AppRole => "Entra app role of the target's app registration (Microsoft Graph `appRoleAssignedTo`); the app requires a token for its audience".to_string(),
    }
}
