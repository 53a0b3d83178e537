//! `postgres`: a PostgreSQL flexible server with Microsoft Entra authentication only, TLS 1.2,
//! reachable only through its private endpoint, and its databases. Apps get roles from a
//! generated grant script, never a password, superuser or ownership.

use super::common::{
    grant_script_header, push_diagnostics, push_private_endpoints, regional, unique_name,
};
use crate::bicep::{Expr, Item, Resource, Statement, obj};
use crate::blueprint::{ComponentSpec, Postgres, SizingValue};
use crate::catalog::naming::part_symbol;
use crate::catalog::types;
use crate::emit::{Context, DATABASE_IDENTITIES, GrantEngine, Module, grant_variable};
use crate::plan::{ComponentPlan, DatabaseGrant};
use std::fmt::Write as _;

/// The compute tier a flexible-server SKU belongs to: `Standard_B1ms` → `Burstable`.
fn tier(sku: &str) -> &'static str {
    match sku
        .strip_prefix("Standard_")
        .and_then(|size| size.chars().next())
    {
        Some('B') => "Burstable",
        Some('E') => "MemoryOptimized",
        _ => "GeneralPurpose",
    }
}

/// Server parameters the baseline sets, with why.
const CONFIGURATIONS: &[(&str, &str, &str)] = &[
    ("require_secure_transport", "ON", "Only TLS connections"),
    ("ssl_min_protocol_version", "TLSV1.2", "TLS 1.2 at least"),
];

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let ComponentSpec::Postgres(spec) = &component.spec else {
        return;
    };
    let name = &component.name;
    push_server(ctx, component, module);
    push_server_settings(spec, module);
    push_diagnostics(module, "server", types::POSTGRES_SERVER);
    push_private_endpoints(ctx, component, module);

    let grants: Vec<&DatabaseGrant> = ctx
        .plan
        .database_grants
        .iter()
        .filter(|g| g.server == *name)
        .collect();
    if !grants.is_empty() {
        module.extra_file(
            format!("postgres/{name}.sql"),
            grant_script(ctx, component, &spec.admin_group.name, &grants),
        );
    }
    module.output(
        "host",
        Expr::path("server.properties.fullyQualifiedDomainName"),
    );
}

/// The flexible server: Entra authentication only, public access disabled (the networking
/// mode that takes a private endpoint).
fn push_server(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let app = &ctx.plan.app;
    let name = &component.name;
    let sku = module.sized(component, "sku");
    let sku_tier = component.sizing["sku"]
        .map(|value| SizingValue::Text(tier(&value.to_string()).to_string()));
    let sku_tier = module.sized_as(component, "sku_tier", &sku_tier);
    let version = module.sized(component, "version");
    let storage = module.sized(component, "storage_gb");
    module.push(
        Statement::from(
            regional(
                Resource::new("server", types::POSTGRES_SERVER.name, types::POSTGRES_SERVER.api_version),
                unique_name(format!("psql-{app}-{name}-"), name),
            )
            .prop("sku", obj([("name", sku), ("tier", sku_tier)]))
            .prop(
                "properties",
                obj([
                    ("version", version),
                    (
                        "authConfig",
                        obj([
                            ("activeDirectoryAuth", "Enabled".into()),
                            ("passwordAuth", "Disabled".into()),
                            ("tenantId", Expr::path("subscription().tenantId")),
                        ]),
                    ),
                    ("network", obj([("publicNetworkAccess", "Disabled".into())])),
                    ("storage", obj([("storageSizeGB", storage), ("autoGrow", "Enabled".into())])),
                    ("backup", obj([("backupRetentionDays", 7i64.into()), ("geoRedundantBackup", "Disabled".into())])),
                    ("highAvailability", obj([("mode", "Disabled".into())])),
                ]),
            ),
        )
        .with_comment(
            "Microsoft Entra authentication only (no passwords); public-access networking mode with public access disabled, the mode that takes a private endpoint (VNet-integrated servers cannot have one)",
        ),
    );
}

/// The Entra administrator, the server parameters and the databases, one after another.
fn push_server_settings(spec: &Postgres, module: &mut Module) {
    // The server accepts one change at a time: the administrator, the parameters and the
    // databases are applied one after another.
    let mut previous: Option<String> = None;
    let mut serialised = |resource: Resource| -> Resource {
        let symbol = resource.symbol.clone();
        match previous.replace(symbol) {
            Some(before) => {
                resource.prop("dependsOn", Expr::array([Item::from(Expr::ident(before))]))
            }
            None => resource,
        }
    };
    let administrator = serialised(
        Resource::new(
            "administrator",
            types::POSTGRES_ADMINISTRATOR.name,
            types::POSTGRES_ADMINISTRATOR.api_version,
        )
        .prop("parent", Expr::ident("server"))
        .prop("name", spec.admin_group.object_id.as_str())
        .prop(
            "properties",
            obj([
                ("principalType", "Group".into()),
                ("principalName", spec.admin_group.name.as_str().into()),
                ("tenantId", Expr::path("subscription().tenantId")),
            ]),
        ),
    );
    module.push(Statement::from(administrator).with_comment(format!(
        "Entra administrator: group {} (named by its object id)",
        spec.admin_group.name
    )));
    for (parameter, value, why) in CONFIGURATIONS {
        let configuration = serialised(
            Resource::new(
                crate::catalog::naming::component_symbol(&parameter.replace('_', "-")),
                types::POSTGRES_CONFIGURATION.name,
                types::POSTGRES_CONFIGURATION.api_version,
            )
            .prop("parent", Expr::ident("server"))
            .prop("name", *parameter)
            .prop(
                "properties",
                obj([
                    ("value", (*value).into()),
                    ("source", "user-override".into()),
                ]),
            ),
        );
        module.push(Statement::from(configuration).with_comment(*why));
    }
    for database in &spec.databases {
        module.push(serialised(
            Resource::new(
                part_symbol("database", database),
                types::POSTGRES_DATABASE.name,
                types::POSTGRES_DATABASE.api_version,
            )
            .prop("parent", Expr::ident("server"))
            .prop("name", database.as_str())
            .prop(
                "properties",
                obj([
                    ("charset", "UTF8".into()),
                    ("collation", "en_US.utf8".into()),
                ]),
            ),
        ));
    }
}

/// `'…'`: a PostgreSQL string literal.
fn pg_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `"…"`: a PostgreSQL quoted identifier.
fn pg_identifier(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A word the shell takes literally, whatever it contains: `'Platform DBAs'`.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The psql variable holding a principal's role name: `storefront_role`.
fn role_variable(principal: &str) -> String {
    format!("{}_role", principal.replace('-', "_"))
}

/// The psql script an Entra administrator runs after deployment: a role for each connected
/// app's identity and, in each database it connects to, the privileges its connection asks
/// for on the `public` schema.
///
/// Roles are created with `pgaadauth_create_principal_with_oid` from the identity's object
/// (principal) id and type `service`, not by display name with `pgaadauth_create_principal`,
/// whose role name must match the Entra principal's name: the object id maps the role with
/// no name look-up, and the server matches tokens to roles by that id
/// (MicrosoftDocs/azure-databases-docs, postgresql/flexible-server/how-to-manage-azure-ad-users.md
/// and concepts-azure-ad-authentication.md).
fn grant_script(
    ctx: &Context,
    component: &ComponentPlan,
    admin_group: &str,
    grants: &[&DatabaseGrant],
) -> String {
    let app = &ctx.plan.app;
    let name = &component.name;
    let environments = ctx.plan.environments.join("|");
    let mut principals: Vec<&str> = grants.iter().map(|g| g.principal.as_str()).collect();
    principals.sort_unstable();
    principals.dedup();
    let variables: Vec<String> = principals
        .iter()
        .map(|principal| GrantEngine::Postgres.variable_assignment(principal))
        .collect();
    let mut out = grant_script_header(
        ctx,
        &[
            format!(
                "Database roles for the apps that connect to {name} ({}): each app's managed identity",
                component.path()
            ),
            "gets a login role with only the privileges its connection needs (never superuser or owner).".into(),
            "Roles are created from each identity's object id (pgaadauth_create_principal_with_oid), with".into(),
            "no look-up by name, so a service principal or managed identity can run it (CI does).".into(),
            "Idempotent: roles are created only when missing and GRANT repeats harmlessly, so it is".into(),
            "safe to re-run. Default privileges cover tables the administrator role creates later.".into(),
        ],
        admin_group,
        &[
            format!("host=$(az deployment group show -g <resource-group> -n {app}-{name} --query properties.outputs.host.value -o tsv)"),
            format!("ids=$(az deployment group show -g <resource-group> -n <main-deployment> --query properties.outputs.{DATABASE_IDENTITIES}.value -o json)"),
            "export PGPASSWORD=$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)".into(),
            format!(
                "PGUSER={} psql \"host=$host dbname=postgres sslmode=require\" -f postgres/{name}.sql \\",
                shell_quoted(admin_group)
            ),
            format!("  -v environmentName=<{environments}> {}", variables.join(" ")),
        ],
    );
    out.push_str("\\set ON_ERROR_STOP on\n");

    out.push_str("\n-- Each app's identity, as main.bicep names it in this environment.\n");
    for principal in &principals {
        let _ = writeln!(
            out,
            "\\set {} {} :environmentName",
            role_variable(principal),
            pg_string(&format!("id-{app}-{principal}-"))
        );
    }
    out.push_str("\n-- A role for each identity, from its object id, created through the Entra extension when it does not exist yet.\n");
    for principal in &principals {
        let variable = role_variable(principal);
        let object_id = grant_variable(principal, GrantEngine::Postgres);
        let _ = writeln!(
            out,
            "SELECT format('SELECT * FROM pgaadauth_create_principal_with_oid(%L, %L, %L, false, false)', :'{variable}', CAST(:'{object_id}' AS uuid), 'service')"
        );
        let _ = writeln!(
            out,
            "WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :'{variable}') \\gexec"
        );
    }
    for grant in grants {
        let role = format!(":\"{}\"", role_variable(&grant.principal));
        let database = pg_identifier(&grant.database);
        let privileges = grant.roles.join(", ");
        out.push('\n');
        let _ = writeln!(
            out,
            "-- {} {} {}: {} ({})",
            grant.principal,
            grant.access.verb(),
            grant.database,
            privileges,
            grant.because
        );
        let _ = writeln!(out, "\\connect {database}");
        let _ = writeln!(out, "GRANT CONNECT ON DATABASE {database} TO {role};");
        let _ = writeln!(out, "GRANT USAGE ON SCHEMA public TO {role};");
        let _ = writeln!(
            out,
            "GRANT {privileges} ON ALL TABLES IN SCHEMA public TO {role};"
        );
        let _ = writeln!(
            out,
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {privileges} ON TABLES TO {role};"
        );
        if grant.roles.contains(&"INSERT") {
            // Inserting into serial columns draws from their sequences.
            let _ = writeln!(
                out,
                "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role};"
            );
            let _ = writeln!(
                out,
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {role};"
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_the_sku_series() {
        assert_eq!(tier("Standard_B1ms"), "Burstable");
        assert_eq!(tier("Standard_D2ds_v5"), "GeneralPurpose");
        assert_eq!(tier("Standard_E4ds_v5"), "MemoryOptimized");
    }
}
