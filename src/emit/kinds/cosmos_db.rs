//! `cosmos-db`: a serverless Cosmos DB for NoSQL account with keys off, reachable only
//! through its private endpoint, its databases and containers, and data-plane role
//! assignments scoped to the database or container each connection names.

use super::common::{
    compact_prefix, principal_param, principal_params, push_diagnostics, push_private_endpoints,
    regional, role_comment, role_symbol, unique_name,
};
use crate::bicep::{Expr, Item, Resource, Statement, interp, obj, text};
use crate::blueprint::{ComponentSpec, CosmosDb};
use crate::catalog::naming::part_symbol;
use crate::catalog::{PartKind, Role, facts, types};
use crate::emit::{Context, Module};
use crate::plan::{ComponentPlan, Scope};

fn database_symbol(database: &str) -> String {
    part_symbol("database", database)
}

/// `container_<db>__<container>`: database names have no underscores, so the double one
/// keeps `a-b/c` and `a/b-c` apart.
fn container_symbol(database: &str, container: &str) -> String {
    format!(
        "{}__{}",
        part_symbol("container", database),
        container.replace('-', "_")
    )
}

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let ComponentSpec::CosmosDb(spec) = &component.spec else {
        return;
    };
    principal_params(ctx, component, module);
    push_account(ctx, component, module);
    push_diagnostics(module, "account", types::COSMOS_ACCOUNT);
    let data_symbols = push_data(spec, module);
    push_data_roles(ctx, component, module, &data_symbols);
    push_private_endpoints(ctx, component, module);
    module.output(
        "endpoint",
        Expr::path("account.properties.documentEndpoint"),
    );
}

/// The account: serverless, Entra ID data-plane RBAC only, private endpoint only.
fn push_account(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    // Account names allow 44 characters: a 31-character prefix and 13 of hash.
    let prefix = compact_prefix(ctx, "cosmos", &component.name, 31);
    module.push(
        Statement::from(
            regional(
                Resource::new("account", types::COSMOS_ACCOUNT.name, types::COSMOS_ACCOUNT.api_version),
                unique_name(prefix, &component.name),
            )
            .prop("kind", "GlobalDocumentDB")
            .prop(
                "properties",
                obj([
                    ("databaseAccountOfferType", "Standard".into()),
                    ("capabilities", Expr::array([Item::from(obj([("name", "EnableServerless".into())]))])),
                    (
                        "locations",
                        Expr::array([Item::from(obj([
                            ("locationName", Expr::ident("location")),
                            ("failoverPriority", 0i64.into()),
                            ("isZoneRedundant", false.into()),
                        ]))]),
                    ),
                    ("consistencyPolicy", obj([("defaultConsistencyLevel", "Session".into())])),
                    ("disableLocalAuth", true.into()),
                    ("disableKeyBasedMetadataWriteAccess", true.into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    ("isVirtualNetworkFilterEnabled", true.into()),
                    ("virtualNetworkRules", Expr::array([])),
                    ("ipRules", Expr::array([])),
                    ("networkAclBypass", "None".into()),
                    ("minimalTlsVersion", "Tls12".into()),
                    ("enableAutomaticFailover", false.into()),
                    ("enableMultipleWriteLocations", false.into()),
                    (
                        "backupPolicy",
                        obj([
                            ("type", "Continuous".into()),
                            ("continuousModeProperties", obj([("tier", "Continuous7Days".into())])),
                        ]),
                    ),
                ]),
            ),
        )
        .with_comment(
            "Serverless (one region), Entra ID data-plane RBAC only (keys off, no key-based metadata writes), TLS 1.2, private endpoint only with the firewall closed too, 7-day point-in-time restore",
        ),
    );
}

/// The databases and containers; returns the leaves (containers, and databases without any).
fn push_data(spec: &CosmosDb, module: &mut Module) -> Vec<String> {
    // The leaves of the data resources: containers, and databases without any.
    let mut data_symbols: Vec<String> = Vec::new();
    for (database, body) in &spec.databases {
        if body.containers.is_empty() {
            data_symbols.push(database_symbol(database));
        }
        module.push(
            Resource::new(
                database_symbol(database),
                types::COSMOS_DATABASE.name,
                types::COSMOS_DATABASE.api_version,
            )
            .prop("parent", Expr::ident("account"))
            .prop("name", database.as_str())
            .prop(
                "properties",
                obj([("resource", obj([("id", database.as_str().into())]))]),
            ),
        );
        for (container, partition_key) in &body.containers {
            data_symbols.push(container_symbol(database, container));
            module.push(
                Resource::new(
                    container_symbol(database, container),
                    types::COSMOS_CONTAINER.name,
                    types::COSMOS_CONTAINER.api_version,
                )
                .prop("parent", Expr::ident(database_symbol(database)))
                .prop("name", container.as_str())
                .prop(
                    "properties",
                    obj([(
                        "resource",
                        obj([
                            ("id", container.as_str().into()),
                            (
                                "partitionKey",
                                obj([
                                    ("paths", Expr::array([Item::from(partition_key.as_str())])),
                                    ("kind", "Hash".into()),
                                    ("version", 2i64.into()),
                                ]),
                            ),
                        ]),
                    )]),
                ),
            );
        }
    }
    data_symbols
}

/// The data-plane role assignments, one change at a time; the first waits for every leaf
/// in `data_symbols` it is not scoped to.
fn push_data_roles(
    ctx: &Context,
    component: &ComponentPlan,
    module: &mut Module,
    data_symbols: &[String],
) {
    let mut previous: Option<String> = None;
    for assignment in super::common::inbound(ctx, component) {
        let Role::CosmosData(role) = assignment.role else {
            continue;
        };
        let guid = facts::role(role).guid;
        // The scoped resource's symbol and its path below the account.
        let (scope_symbol, path) = match &assignment.scope {
            Scope::Part {
                kind: PartKind::CosmosContainer,
                name,
                ..
            } => {
                let (database, container) = name.split_once('/').unwrap_or((name.as_str(), ""));
                (
                    container_symbol(database, container),
                    format!("/dbs/{database}/colls/{container}"),
                )
            }
            Scope::Part {
                kind: PartKind::Database,
                name,
                ..
            } => (database_symbol(name), format!("/dbs/{name}")),
            _ => ("account".to_string(), String::new()),
        };
        let principal = principal_param(&assignment.principal);
        let mut resource = Resource::new(
            role_symbol(&scope_symbol, &assignment.principal, &assignment.role),
            types::COSMOS_ROLE_ASSIGNMENT.name,
            types::COSMOS_ROLE_ASSIGNMENT.api_version,
        )
        .prop("parent", Expr::ident("account"))
        .prop(
            "name",
            Expr::call(
                "guid",
                vec![
                    Expr::path(&format!("{scope_symbol}.id")),
                    Expr::ident(&principal),
                    guid.into(),
                ],
            ),
        )
        .prop(
            "properties",
            obj([
                (
                    "roleDefinitionId",
                    Expr::interp([
                        interp(Expr::path("account.id")),
                        text(format!("/sqlRoleDefinitions/{guid}")),
                    ]),
                ),
                ("principalId", Expr::ident(&principal)),
                (
                    "scope",
                    Expr::interp([interp(Expr::path("account.id")), text(path)]),
                ),
            ]),
        );
        // The account takes one role-assignment change at a time (a concurrent one fails with
        // 412 "another user operation in progress"): each waits for the one before, and the
        // first for every database and container. The scoped resource is already a dependency
        // through the name.
        let waits_for: Vec<String> = match previous.replace(resource.symbol.clone()) {
            Some(before) => vec![before],
            None => data_symbols
                .iter()
                .filter(|symbol| **symbol != scope_symbol)
                .cloned()
                .collect(),
        };
        if !waits_for.is_empty() {
            resource = resource.prop(
                "dependsOn",
                Expr::array(
                    waits_for
                        .into_iter()
                        .map(|symbol| Item::from(Expr::ident(symbol))),
                ),
            );
        }
        module.push(Statement::from(resource).with_comment(role_comment(component, assignment)));
    }
}
