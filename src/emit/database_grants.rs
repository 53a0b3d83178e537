//! The database grant scripts a plan generates (Azure SQL with sqlcmd, PostgreSQL with
//! psql) and what running each needs: the identities it names and where their ids come from.

use crate::catalog::naming;
use crate::plan::Plan;

/// Which engine a grant script is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantEngine {
    /// Azure SQL Database, run with sqlcmd.
    Sql,
    /// PostgreSQL flexible server, run with psql.
    Postgres,
}

/// One generated grant script and what running it needs: the server's component, the script
/// path in the output directory, and for each identity it names the script variable and the
/// `databaseIdentities` key and field that fill it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantScript {
    pub engine: GrantEngine,
    pub component: String,
    pub path: String,
    /// The database sqlcmd connects to (SQL); psql connects to `postgres` and switches.
    pub database: String,
    pub admin_group: String,
    /// (script variable, `databaseIdentities` key, field)
    pub identities: Vec<(String, String, &'static str)>,
}

impl GrantEngine {
    /// The `databaseIdentities` field a script variable takes: SQL creates users from the
    /// client id, PostgreSQL roles from the object (principal) id.
    fn identity_field(self) -> &'static str {
        match self {
            GrantEngine::Sql => "clientId",
            GrantEngine::Postgres => "principalId",
        }
    }

    /// The shell words that set a principal's script variable from the deployment outputs
    /// in `$ids` (sqlcmd reads `name=value` pairs, psql `-v name=value`).
    pub fn variable_assignment(self, principal: &str) -> String {
        let flag = match self {
            GrantEngine::Sql => "",
            GrantEngine::Postgres => "-v ",
        };
        format!(
            "{flag}{}=\"$(jq -r '.[\"{}\"].{}' <<<\"$ids\")\"",
            grant_variable(principal, self),
            crate::catalog::naming::component_symbol(principal),
            self.identity_field()
        )
    }
}

/// The script variable carrying a principal's id: `orders_client_id`, `orders_object_id`.
pub fn grant_variable(principal: &str, engine: GrantEngine) -> String {
    let suffix = match engine {
        GrantEngine::Sql => "client_id",
        GrantEngine::Postgres => "object_id",
    };
    format!("{}_{suffix}", principal.replace('-', "_"))
}

/// The grant scripts a plan generates, in component order.
pub fn grant_scripts(plan: &Plan) -> Vec<GrantScript> {
    use crate::blueprint::ComponentSpec;
    plan.components
        .iter()
        .filter_map(|component| {
            let (engine, admin_group, folder) = match &component.spec {
                ComponentSpec::SqlDatabase(spec) => (GrantEngine::Sql, &spec.admin_group, "sql"),
                ComponentSpec::Postgres(spec) => {
                    (GrantEngine::Postgres, &spec.admin_group, "postgres")
                }
                _ => return None,
            };
            let mut principals: Vec<&str> = plan
                .database_grants
                .iter()
                .filter(|grant| grant.server == component.name)
                .map(|grant| grant.principal.as_str())
                .collect();
            if principals.is_empty() {
                return None;
            }
            principals.sort_unstable();
            principals.dedup();
            let field = match engine {
                GrantEngine::Sql => "clientId",
                GrantEngine::Postgres => "principalId",
            };
            Some(GrantScript {
                engine,
                component: component.name.clone(),
                path: format!("{folder}/{}.sql", component.name),
                database: match engine {
                    GrantEngine::Sql => component.name.clone(),
                    GrantEngine::Postgres => "postgres".into(),
                },
                admin_group: admin_group.name.clone(),
                identities: principals
                    .iter()
                    .map(|principal| {
                        (
                            grant_variable(principal, engine),
                            naming::component_symbol(principal),
                            field,
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}
