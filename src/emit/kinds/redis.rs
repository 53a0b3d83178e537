//! `redis`: Azure Managed Redis (`redisEnterprise` with a Balanced, MemoryOptimized or
//! ComputeOptimized SKU, not the retiring Azure Cache for Redis), Entra ID only through
//! access policy assignments, TLS only, reachable only through its private endpoint.

use super::common::{
    inbound, principal_param, principal_params, push_diagnostics, push_private_endpoints, regional,
    role_comment, role_symbol, unique_name,
};
use crate::bicep::{Expr, Item, Resource, Statement, obj};
use crate::catalog::{Role, types};
use crate::emit::{Context, Module};
use crate::plan::ComponentPlan;

/// Azure Managed Redis has one database per cluster and it must be named `default`.
const DATABASE: &str = "default";

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    principal_params(ctx, component, module);
    let app = &ctx.plan.app;
    let name = &component.name;
    let sku = module.sized(component, "sku");
    module.push(
        Statement::from(
            regional(
                Resource::new("cluster", types::REDIS_CLUSTER.name, types::REDIS_CLUSTER.api_version),
                unique_name(format!("amr-{app}-{name}-"), name),
            )
            .prop("sku", obj([("name", sku)]))
            .prop(
                "properties",
                obj([("minimumTlsVersion", "1.2".into()), ("publicNetworkAccess", "Disabled".into())]),
            ),
        )
        .with_comment("Azure Managed Redis: TLS 1.2 minimum, private network access only (the host name is globally unique)"),
    );
    push_diagnostics(module, "cluster", types::REDIS_CLUSTER);

    module.push(
        Statement::from(
            Resource::new(
                "database",
                types::REDIS_DATABASE.name,
                types::REDIS_DATABASE.api_version,
            )
            .prop("parent", Expr::ident("cluster"))
            .prop("name", DATABASE)
            .prop(
                "properties",
                obj([
                    ("accessKeysAuthentication", "Disabled".into()),
                    ("clientProtocol", "Encrypted".into()),
                    ("port", 10000i64.into()),
                    ("clusteringPolicy", "OSSCluster".into()),
                    ("evictionPolicy", "VolatileLRU".into()),
                ]),
            ),
        )
        .with_comment("Entra ID only (access keys off), TLS-encrypted clients only on port 10000"),
    );
    push_diagnostics(module, "database", types::REDIS_DATABASE);

    access_policy_assignments(ctx, component, module);
    push_private_endpoints(ctx, component, module);
    module.output("hostName", Expr::path("cluster.properties.hostName"));
}

/// Entra ID data access: one `accessPolicyAssignments` child of the database per principal
/// and policy (Redis's own authorization, not Azure RBAC). Azure Managed Redis fails
/// concurrent assignment writes on one database, so each waits for the one before.
fn access_policy_assignments(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let mut previous: Option<String> = None;
    let mut seen: Vec<String> = Vec::new();
    for assignment in inbound(ctx, component) {
        let Role::RedisAccessPolicy(policy) = assignment.role else {
            continue;
        };
        let symbol = role_symbol("database", &assignment.principal, &assignment.role);
        if seen.contains(&symbol) {
            continue;
        }
        let principal = principal_param(&assignment.principal);
        // Assignment names allow letters and digits only: a guid without its hyphens.
        let name = Expr::call(
            "replace",
            vec![
                Expr::call(
                    "guid",
                    vec![
                        Expr::path("database.id"),
                        Expr::ident(&principal),
                        policy.into(),
                    ],
                ),
                "-".into(),
                "".into(),
            ],
        );
        let mut resource = Resource::new(
            &symbol,
            types::REDIS_ACCESS_POLICY_ASSIGNMENT.name,
            types::REDIS_ACCESS_POLICY_ASSIGNMENT.api_version,
        )
        .prop("parent", Expr::ident("database"))
        .prop("name", name)
        .prop(
            "properties",
            obj([
                ("accessPolicyName", policy.into()),
                ("user", obj([("objectId", Expr::ident(&principal))])),
            ]),
        );
        if let Some(previous) = &previous {
            resource = resource.prop(
                "dependsOn",
                Expr::array([Item::from(Expr::ident(previous))]),
            );
        }
        let mut statement =
            Statement::from(resource).with_comment(role_comment(component, assignment));
        if previous.is_some() {
            statement = statement
                .with_comment("After the previous assignment: the database accepts one assignment write at a time");
        }
        module.push(statement);
        seen.push(symbol.clone());
        previous = Some(symbol);
    }
}
