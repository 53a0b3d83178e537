//! `sql-database`: an Azure SQL logical server with Microsoft Entra-only authentication,
//! auditing to Log Analytics and no public network access, and its one database. Apps get
//! database users from a generated grant script, never a password or `db_owner`.

use super::common::{
    grant_script_header, push_diagnostics, push_private_endpoints, regional, unique_name,
};
use crate::bicep::{Expr, Item, Property, Resource, Statement, obj};
use crate::blueprint::{ComponentSpec, SizingValue, SqlDatabase};
use crate::catalog::types;
use crate::emit::{Context, DATABASE_IDENTITIES, GrantEngine, Module, grant_variable};
use crate::plan::{ComponentPlan, DatabaseGrant, PerEnvironment};
use std::fmt::Write as _;

/// A blueprint SKU string as the ARM `sku` object of `Microsoft.Sql/servers/databases`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SqlSku {
    name: String,
    tier: &'static str,
    /// Hardware generation, vCore SKUs only.
    family: Option<String>,
    /// DTUs or vCores.
    capacity: i64,
    serverless: bool,
}

impl SqlSku {
    fn parse(sku: &str) -> SqlSku {
        let dtu = |name: &str, tier: &'static str, capacity: i64| SqlSku {
            name: name.to_string(),
            tier,
            family: None,
            capacity,
            serverless: false,
        };
        match sku {
            "Basic" => return dtu("Basic", "Basic", 5),
            "S0" => return dtu("Standard", "Standard", 10),
            "S1" => return dtu("Standard", "Standard", 20),
            "S2" => return dtu("Standard", "Standard", 50),
            "S3" => return dtu("Standard", "Standard", 100),
            "P1" => return dtu("Premium", "Premium", 125),
            "P2" => return dtu("Premium", "Premium", 250),
            _ => {}
        }
        // vCore: `<edition>[_S]_<family>_<vcores>`, e.g. `GP_S_Gen5_1`, `BC_Gen5_2`.
        let parts: Vec<&str> = sku.split('_').collect();
        let (edition, serverless, family, capacity) = match parts.as_slice() {
            [edition, "S", family, capacity] => (*edition, true, *family, *capacity),
            [edition, family, capacity] => (*edition, false, *family, *capacity),
            _ => {
                panic!("bulwark bug: the catalogue allowed SQL SKU {sku}, which bulwark cannot map")
            }
        };
        let tier = match edition {
            "GP" => "GeneralPurpose",
            "BC" => "BusinessCritical",
            "HS" => "Hyperscale",
            _ => {
                panic!("bulwark bug: the catalogue allowed SQL SKU {sku}, which bulwark cannot map")
            }
        };
        let capacity = capacity.parse().unwrap_or_else(|_| {
            panic!("bulwark bug: the catalogue allowed SQL SKU {sku}, which bulwark cannot map")
        });
        SqlSku {
            name: if serverless {
                format!("{edition}_S_{family}")
            } else {
                format!("{edition}_{family}")
            },
            tier,
            family: Some(family.to_string()),
            capacity,
            serverless,
        }
    }

    /// Premium and Business Critical replicas span zones at no extra cost; Basic and Standard
    /// cannot, and General Purpose and Hyperscale charge for it and lack it in some regions.
    fn zone_redundant(&self) -> bool {
        matches!(self.tier, "Premium" | "BusinessCritical")
    }
}

const BYTES_PER_GB: i64 = 1024 * 1024 * 1024;
/// Minutes without connections before a serverless database pauses (Azure's default, explicit).
const AUTO_PAUSE_MINUTES: i64 = 60;

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let ComponentSpec::SqlDatabase(spec) = &component.spec else {
        return;
    };
    let name = &component.name;

    push_server(ctx, component, spec, module);
    push_auditing(module);
    push_diagnostics(module, "server", types::SQL_SERVER);
    push_database(component, module);
    push_diagnostics(module, "database", types::SQL_DATABASE);
    push_private_endpoints(ctx, component, module);

    let grants: Vec<&DatabaseGrant> = ctx
        .plan
        .database_grants
        .iter()
        .filter(|g| g.server == *name)
        .collect();
    if !grants.is_empty() {
        module.extra_file(
            format!("sql/{name}.sql"),
            grant_script(ctx, component, &spec.admin_group.name, &grants),
        );
    }
    module.output(
        "serverFqdn",
        Expr::path("server.properties.fullyQualifiedDomainName"),
    );
    module.output("databaseName", Expr::path("database.name"));
}

/// The logical server, Entra-only from creation and after it.
fn push_server(ctx: &Context, component: &ComponentPlan, spec: &SqlDatabase, module: &mut Module) {
    let app = &ctx.plan.app;
    let name = &component.name;
    module.push(
        Statement::from(
            regional(
                Resource::new("server", types::SQL_SERVER.name, types::SQL_SERVER.api_version),
                unique_name(format!("sql-{app}-{name}-"), name),
            )
            .prop(
                "properties",
                obj([
                    ("version", "12.0".into()),
                    ("minimalTlsVersion", "1.2".into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    ("restrictOutboundNetworkAccess", "Enabled".into()),
                    (
                        "administrators",
                        obj([
                            ("administratorType", "ActiveDirectory".into()),
                            ("principalType", "Group".into()),
                            ("login", spec.admin_group.name.as_str().into()),
                            ("sid", spec.admin_group.object_id.as_str().into()),
                            ("tenantId", Expr::path("subscription().tenantId")),
                            ("azureADOnlyAuthentication", true.into()),
                        ]),
                    ),
                ]),
            ),
        )
        .with_comment(format!(
            "Microsoft Entra-only authentication from creation (administrator: group {}), TLS 1.2, no public network access, no server-initiated outbound traffic",
            spec.admin_group.name
        )),
    );
    module.push(
        Statement::from(
            Resource::new(
                "entraOnly",
                types::SQL_ENTRA_ONLY.name,
                types::SQL_ENTRA_ONLY.api_version,
            )
            .prop("parent", Expr::ident("server"))
            .prop("name", "Default")
            .prop(
                "properties",
                obj([("azureADOnlyAuthentication", true.into())]),
            ),
        )
        .with_comment("Keeps SQL authentication off after creation too"),
    );
}

/// Server-level auditing of every database, to Log Analytics.
fn push_auditing(module: &mut Module) {
    // Auditing to Azure Monitor writes through a diagnostic setting on the master database.
    module.push(
        Resource::new(
            "masterDatabase",
            types::SQL_DATABASE.name,
            types::SQL_DATABASE.api_version,
        )
        .existing()
        .prop("parent", Expr::ident("server"))
        .prop("name", "master"),
    );
    module.push(
        Statement::from(
            Resource::new("masterAudit", types::DIAGNOSTIC_SETTING.name, types::DIAGNOSTIC_SETTING.api_version)
                .prop("name", "audit-to-log-analytics")
                .prop("scope", Expr::ident("masterDatabase"))
                .prop(
                    "properties",
                    obj([
                        ("workspaceId", Expr::ident(super::common::WORKSPACE_ID)),
                        (
                            "logs",
                            Expr::array([Item::from(obj([
                                ("category", "SQLSecurityAuditEvents".into()),
                                ("enabled", true.into()),
                            ]))]),
                        ),
                    ]),
                ),
        )
        .with_comment("Server audit events reach Log Analytics through the master database's diagnostic setting"),
    );
    module.push(
        Statement::from(
            Resource::new(
                "auditing",
                types::SQL_AUDITING.name,
                types::SQL_AUDITING.api_version,
            )
            .prop("parent", Expr::ident("server"))
            .prop("name", "default")
            .prop(
                "properties",
                obj([
                    ("state", "Enabled".into()),
                    ("isAzureMonitorTargetEnabled", true.into()),
                ]),
            )
            .prop(
                "dependsOn",
                Expr::array([Item::from(Expr::ident("masterAudit"))]),
            ),
        )
        .with_comment("Server-level auditing of every database, to Azure Monitor"),
    );
}

/// The database: its SKU as ARM's `sku` object, size, zone redundancy and auto-pause.
fn push_database(component: &ComponentPlan, module: &mut Module) {
    let name = &component.name;
    let sku = &component.sizing["sku"];
    let parsed = |value: &SizingValue| SqlSku::parse(&value.to_string());
    let skus: Vec<SqlSku> = (sku).values().into_iter().map(parsed).collect();
    let sku_name = module.sized_as(
        component,
        "sku_name",
        &sku.map(|v| SizingValue::Text(parsed(v).name)),
    );
    let sku_tier = module.sized_as(
        component,
        "sku_tier",
        &sku.map(|v| SizingValue::Text(parsed(v).tier.into())),
    );
    let capacity = module.sized_as(
        component,
        "sku_capacity",
        &sku.map(|v| SizingValue::Int(parsed(v).capacity)),
    );
    let mut sku_object = vec![
        Property::new("name", sku_name),
        Property::new("tier", sku_tier),
    ];
    // Only vCore SKUs have a hardware generation; DTU SKUs take none.
    if let Some(family) = skus
        .iter()
        .map(|s| s.family.clone())
        .reduce(|a, b| if a == b { a } else { None })
        .flatten()
    {
        sku_object.push(Property::new("family", family));
    }
    sku_object.push(Property::new("capacity", capacity));

    let max_size = component.sizing["max_size_gb"].map(|value| match value {
        SizingValue::Int(gb) => SizingValue::Int(gb * BYTES_PER_GB),
        other => other.clone(),
    });
    let max_size = module.sized_as(component, "max_size_bytes", &max_size);
    let zone_redundant = match sku.map(|v| {
        SizingValue::Text(
            if parsed(v).zone_redundant() {
                "Enabled"
            } else {
                "Disabled"
            }
            .into(),
        )
    }) {
        PerEnvironment::Same(value) => Expr::Bool(&value.to_string() == "Enabled"),
        per_environment => module
            .sized_as(component, "zone_redundancy", &per_environment)
            .equals("Enabled"),
    };
    let mut properties = vec![
        Property::new("maxSizeBytes", max_size),
        Property::new("zoneRedundant", zone_redundant),
    ];
    let database_comment = if skus.iter().all(|s| s.serverless) {
        properties.push(Property::new("autoPauseDelay", AUTO_PAUSE_MINUTES));
        format!("Serverless: pauses after {AUTO_PAUSE_MINUTES} minutes without connections")
    } else if skus.iter().any(|s| s.serverless) {
        // autoPauseDelay is for serverless databases only; the serverless environments get
        // Azure's default delay (60 minutes).
        "Serverless in some environments (auto-pause at Azure's default delay), provisioned in others".to_string()
    } else {
        "Provisioned compute".to_string()
    };
    module.push(
        Statement::from(
            regional(
                Resource::new(
                    "database",
                    types::SQL_DATABASE.name,
                    types::SQL_DATABASE.api_version,
                )
                .prop("parent", Expr::ident("server")),
                name.as_str().into(),
            )
            .prop("sku", Expr::Object(sku_object))
            .prop("properties", Expr::Object(properties)),
        )
        .with_comment(format!(
            "{database_comment}; zone redundant where the tier includes it at no cost"
        )),
    );
}

/// The identity name of a compute component, as main.bicep names it, with the environment
/// left to the script's `environmentName` variable.
fn identity_name(ctx: &Context, principal: &str, variable: &str) -> String {
    format!("id-{}-{principal}-{variable}", ctx.plan.app)
}

/// `N'…'`: a T-SQL Unicode string literal.
fn sql_string(text: &str) -> String {
    format!("N'{}'", text.replace('\'', "''"))
}

/// `[…]`: a T-SQL delimited identifier.
fn sql_identifier(text: &str) -> String {
    format!("[{}]", text.replace(']', "]]"))
}

/// The T-SQL a member of the admin group runs after deployment: a contained user for each
/// connected app's identity and the reader/writer roles its connection asks for.
///
/// Users are created from the identity's client id (`WITH SID = …, TYPE = E`), not `FROM
/// EXTERNAL PROVIDER`: the latter makes the server look the name up in Microsoft Graph, which
/// fails when a service principal or managed identity (CI) runs the script and the server has
/// no directory permissions. An Entra application's SID is the binary form of its client id
/// (learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-server-principals-transact-sql);
/// `TYPE = E` for users and applications, `X` for groups, and the cast from the client id
/// string, are from a Microsoft engineer's answer in MicrosoftDocs/sql-docs#2323.
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
        .map(|principal| GrantEngine::Sql.variable_assignment(principal))
        .collect();
    let mut out = grant_script_header(
        ctx,
        &[
            format!(
                "Database users for the apps that connect to {name} ({}): each app's managed identity",
                component.path()
            ),
            "becomes a contained user with only the roles its connection needs (never db_owner).".into(),
            "Users are created from each identity's client id (WITH SID, TYPE = E), so the server needs".into(),
            "no directory permissions and a service principal or managed identity can run it (CI does).".into(),
            "Idempotent: it creates only missing users and role memberships, so it is safe to re-run.".into(),
        ],
        admin_group,
        &[
            format!("server=$(az deployment group show -g <resource-group> -n {app}-{name} --query properties.outputs.serverFqdn.value -o tsv)"),
            format!("ids=$(az deployment group show -g <resource-group> -n <main-deployment> --query properties.outputs.{DATABASE_IDENTITIES}.value -o json)"),
            format!("sqlcmd -S \"$server\" -d {name} --authentication-method ActiveDirectoryDefault -i sql/{name}.sql \\"),
            format!("  -v environmentName=<{environments}> {}", variables.join(" ")),
        ],
    );
    out.push_str(":on error exit\n");
    out.push_str("SET NOCOUNT ON;\n");
    out.push_str("DECLARE @sid VARBINARY(16), @sql NVARCHAR(MAX);\n");
    out.push_str("\n-- A contained user for each identity, from its client id (the value of its sqlcmd variable).\n");
    push_users(&mut out, ctx, &principals);
    push_role_memberships(&mut out, ctx, grants);
    out.push_str("GO\n");
    out
}

/// A contained user for each principal, created from its client id unless it exists.
fn push_users(out: &mut String, ctx: &Context, principals: &[&str]) {
    for principal in principals {
        let user = identity_name(ctx, principal, "$(environmentName)");
        let variable = grant_variable(principal, GrantEngine::Sql);
        let client_id = sql_string(&format!("$({variable})"));
        let _ = writeln!(
            out,
            "SET @sid = CAST(TRY_CAST({client_id} AS UNIQUEIDENTIFIER) AS VARBINARY(16));"
        );
        let _ = writeln!(
            out,
            "IF @sid IS NULL THROW 50000, {}, 1;",
            sql_string(&format!("{variable} must be the client id of {user}"))
        );
        let _ = writeln!(
            out,
            "IF EXISTS (SELECT 1 FROM sys.database_principals WHERE name = {} AND sid <> @sid)",
            sql_string(&user)
        );
        let _ = writeln!(
            out,
            "    THROW 50000, {}, 1;",
            sql_string(&format!(
                "{user} exists for another identity (recreated?): drop the user, then re-run"
            ))
        );
        let _ = writeln!(
            out,
            "IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = {})",
            sql_string(&user)
        );
        out.push_str("BEGIN\n");
        let _ = writeln!(
            out,
            "    SET @sql = N'CREATE USER ' + QUOTENAME({}) + N' WITH SID = ' + CONVERT(NVARCHAR(34), @sid, 1) + N', TYPE = E;';",
            sql_string(&user)
        );
        out.push_str("    EXEC (@sql);\n");
        out.push_str("END\n");
    }
}

/// The database roles each grant adds its principal's user to, unless it is a member.
fn push_role_memberships(out: &mut String, ctx: &Context, grants: &[&DatabaseGrant]) {
    for grant in grants {
        let user = identity_name(ctx, &grant.principal, "$(environmentName)");
        out.push('\n');
        let _ = writeln!(
            out,
            "-- {} {} {}: {} ({})",
            grant.principal,
            grant.access.verb(),
            grant.database,
            grant.roles.join(" + "),
            grant.because
        );
        for role in grant.roles {
            let _ = writeln!(out, "IF NOT EXISTS (");
            let _ = writeln!(
                out,
                "    SELECT 1 FROM sys.database_role_members AS membership"
            );
            let _ = writeln!(
                out,
                "    JOIN sys.database_principals AS db_role ON db_role.principal_id = membership.role_principal_id"
            );
            let _ = writeln!(
                out,
                "    JOIN sys.database_principals AS db_user ON db_user.principal_id = membership.member_principal_id"
            );
            let _ = writeln!(
                out,
                "    WHERE db_role.name = {} AND db_user.name = {})",
                sql_string(role),
                sql_string(&user)
            );
            let _ = writeln!(
                out,
                "    ALTER ROLE {} ADD MEMBER {};",
                sql_identifier(role),
                sql_identifier(&user)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_become_arm_sku_objects() {
        let serverless = SqlSku::parse("GP_S_Gen5_1");
        assert_eq!(
            (
                serverless.name.as_str(),
                serverless.tier,
                serverless.family.as_deref(),
                serverless.capacity
            ),
            ("GP_S_Gen5", "GeneralPurpose", Some("Gen5"), 1)
        );
        assert!(serverless.serverless);
        let standard = SqlSku::parse("S0");
        assert_eq!(
            (
                standard.name.as_str(),
                standard.tier,
                standard.family,
                standard.capacity
            ),
            ("Standard", "Standard", None, 10)
        );
        let critical = SqlSku::parse("BC_Gen5_2");
        assert_eq!(
            (critical.name.as_str(), critical.tier, critical.capacity),
            ("BC_Gen5", "BusinessCritical", 2)
        );
        assert!(critical.zone_redundant() && !critical.serverless);
        assert_eq!(SqlSku::parse("HS_Gen5_4").tier, "Hyperscale");
        assert_eq!(SqlSku::parse("Basic").capacity, 5);
    }

    #[test]
    fn every_catalogue_sku_maps() {
        let spec = crate::catalog::kind_spec(crate::blueprint::Kind::SqlDatabase);
        let Some(crate::catalog::Allowed::Text(skus)) = spec.sizing_spec("sku").map(|s| s.allowed)
        else {
            panic!("sql-database has a text sku field");
        };
        for sku in skus {
            SqlSku::parse(sku);
        }
    }
}
