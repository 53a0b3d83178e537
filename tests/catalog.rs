//! For every kind and access level a connection can ask for: the role (or database grant) and
//! the scope bulwark chooses, written out here independently of the catalogue's data.

use bulwark::blueprint::{
    Access, AdminGroup, AiSearch, AppConfiguration, Blueprint, ComponentSpec, ContainerApp,
    ContainerRegistry, CosmosDb, EventHubs, External, FunctionApp, FunctionRuntime, KeyVault,
    OpenAi, PartKind, Postgres, Redis, Runtime, ServiceBus, SqlDatabase, Storage, WebApp,
};
use bulwark::catalog::{self, Role};
use bulwark::plan::{self, Scope};

/// What a connection is expected to produce.
#[derive(Debug)]
enum Expect {
    /// Azure RBAC roles by GUID, scoped to the whole target or to one part.
    Arm(&'static [&'static str], Option<PartKind>),
    /// Cosmos DB data-plane role by GUID, scoped to a database or container.
    Cosmos(&'static str, PartKind),
    /// Roles the database grant script gives.
    Database(&'static [&'static str]),
    Redis(&'static str),
    Custom(&'static str),
    /// An Entra app role of the target's registration, by name; no Azure role at all.
    AppRole(&'static str),
}

const ADMINS: &str = "6f1c3a7e-2b4d-4c8e-9a0f-3d5e7b9c1a2f";

/// (target kind, `to`, access, expectation). One row per pair the catalogue offers.
const TABLE: &[(&str, &str, Access, Expect)] = &[
    ("web-app", "data", Access::Call, Expect::AppRole("call")),
    (
        "web-app",
        "data.orders-read",
        Access::Call,
        Expect::AppRole("orders-read"),
    ),
    (
        "function-app",
        "data",
        Access::Call,
        Expect::AppRole("call"),
    ),
    (
        "function-app",
        "data.orders-read",
        Access::Call,
        Expect::AppRole("orders-read"),
    ),
    (
        "container-app",
        "data",
        Access::Call,
        Expect::AppRole("call"),
    ),
    (
        "container-app",
        "data.orders-read",
        Access::Call,
        Expect::AppRole("orders-read"),
    ),
    (
        "storage",
        "data.files",
        Access::Read,
        Expect::Arm(
            &["2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"],
            Some(PartKind::Container),
        ),
    ),
    (
        "storage",
        "data.files",
        Access::ReadWrite,
        Expect::Arm(
            &["ba92f5b4-2d11-453d-a403-e96b0029c9fe"],
            Some(PartKind::Container),
        ),
    ),
    (
        "storage",
        "data.jobs",
        Access::Read,
        Expect::Arm(
            &["19e7f393-937e-4f77-808e-94535e297925"],
            Some(PartKind::Queue),
        ),
    ),
    (
        "storage",
        "data.jobs",
        Access::Send,
        Expect::Arm(
            &["c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"],
            Some(PartKind::Queue),
        ),
    ),
    (
        "storage",
        "data.jobs",
        Access::Receive,
        Expect::Arm(
            &["8a0f0c08-91a1-4084-bc3d-661d67233fed"],
            Some(PartKind::Queue),
        ),
    ),
    (
        "storage",
        "data.jobs",
        Access::SendReceive,
        Expect::Arm(
            &["974c5e8b-45b9-4653-ba55-5f855dd0fb88"],
            Some(PartKind::Queue),
        ),
    ),
    (
        "key-vault",
        "data",
        Access::Read,
        Expect::Arm(&["4633458b-17de-408a-b874-0445c86b69e6"], None),
    ),
    (
        "key-vault",
        "data",
        Access::ReadWrite,
        Expect::Arm(&["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"], None),
    ),
    (
        "key-vault",
        "data.api-key",
        Access::Read,
        Expect::Arm(
            &["4633458b-17de-408a-b874-0445c86b69e6"],
            Some(PartKind::Secret),
        ),
    ),
    (
        "key-vault",
        "data.api-key",
        Access::ReadWrite,
        Expect::Arm(
            &["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"],
            Some(PartKind::Secret),
        ),
    ),
    (
        "container-registry",
        "data",
        Access::Pull,
        Expect::Arm(&["7f951dda-4ed3-4680-a7ca-43fe172d538d"], None),
    ),
    (
        "container-registry",
        "data",
        Access::Push,
        Expect::Arm(&["8311e382-0749-4cb8-b61a-304f252e45ec"], None),
    ),
    (
        "sql-database",
        "data",
        Access::Read,
        Expect::Database(&["db_datareader"]),
    ),
    (
        "sql-database",
        "data",
        Access::ReadWrite,
        Expect::Database(&["db_datareader", "db_datawriter"]),
    ),
    (
        "postgres",
        "data.orders",
        Access::Read,
        Expect::Database(&["SELECT"]),
    ),
    (
        "postgres",
        "data.orders",
        Access::ReadWrite,
        Expect::Database(&["SELECT", "INSERT", "UPDATE", "DELETE"]),
    ),
    (
        "cosmos-db",
        "data.shop",
        Access::Read,
        Expect::Cosmos("00000000-0000-0000-0000-000000000001", PartKind::Database),
    ),
    (
        "cosmos-db",
        "data.shop",
        Access::ReadWrite,
        Expect::Cosmos("00000000-0000-0000-0000-000000000002", PartKind::Database),
    ),
    (
        "cosmos-db",
        "data.shop/orders",
        Access::Read,
        Expect::Cosmos(
            "00000000-0000-0000-0000-000000000001",
            PartKind::CosmosContainer,
        ),
    ),
    (
        "cosmos-db",
        "data.shop/orders",
        Access::ReadWrite,
        Expect::Cosmos(
            "00000000-0000-0000-0000-000000000002",
            PartKind::CosmosContainer,
        ),
    ),
    (
        "service-bus",
        "data.orders",
        Access::Send,
        Expect::Arm(
            &["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"],
            Some(PartKind::Queue),
        ),
    ),
    (
        "service-bus",
        "data.orders",
        Access::Receive,
        Expect::Arm(
            &["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"],
            Some(PartKind::Queue),
        ),
    ),
    (
        "service-bus",
        "data.orders",
        Access::SendReceive,
        Expect::Arm(
            &[
                "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
                "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
            ],
            Some(PartKind::Queue),
        ),
    ),
    (
        "service-bus",
        "data.events",
        Access::Send,
        Expect::Arm(
            &["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"],
            Some(PartKind::Topic),
        ),
    ),
    (
        "service-bus",
        "data.events/audit",
        Access::Receive,
        Expect::Arm(
            &["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"],
            Some(PartKind::Subscription),
        ),
    ),
    (
        "event-hubs",
        "data.clicks",
        Access::Send,
        Expect::Arm(
            &["2b629674-e913-4c01-ae53-ef4638d8f975"],
            Some(PartKind::EventHub),
        ),
    ),
    (
        "event-hubs",
        "data.clicks",
        Access::Receive,
        Expect::Arm(
            &["a638d3c7-ab3a-418d-83e6-5f17a39d4fde"],
            Some(PartKind::EventHub),
        ),
    ),
    (
        "event-hubs",
        "data.clicks",
        Access::SendReceive,
        Expect::Arm(
            &[
                "2b629674-e913-4c01-ae53-ef4638d8f975",
                "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
            ],
            Some(PartKind::EventHub),
        ),
    ),
    ("redis", "data", Access::ReadWrite, Expect::Redis("default")),
    (
        "app-configuration",
        "data",
        Access::Read,
        Expect::Arm(&["516239f1-63e1-4d78-a4de-a74fb236a071"], None),
    ),
    (
        "app-configuration",
        "data",
        Access::ReadWrite,
        Expect::Custom("App Configuration Key-Value Writer"),
    ),
    (
        "openai",
        "data",
        Access::Use,
        Expect::Arm(&["5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"], None),
    ),
    (
        "ai-search",
        "data",
        Access::Read,
        Expect::Arm(&["1407120a-92aa-4202-b7e9-c0e197c71c8f"], None),
    ),
    (
        "ai-search",
        "data",
        Access::ReadWrite,
        Expect::Arm(&["8ebe5a00-799e-43f5-93ac-243d3dce84a7"], None),
    ),
    (
        "external",
        "data",
        Access::Use,
        Expect::Arm(
            &["4633458b-17de-408a-b874-0445c86b69e6"],
            Some(PartKind::Secret),
        ),
    ),
];

/// A target component of `kind` named `data`, declaring every part the table names.
fn target(kind: &str) -> ComponentSpec {
    let admins = AdminGroup::new("admins", ADMINS);
    match kind {
        "storage" => Storage::new().containers(["files"]).queues(["jobs"]).into(),
        "key-vault" => KeyVault::new().secrets(["api-key"]).into(),
        "container-registry" => ContainerRegistry::new().into(),
        "sql-database" => SqlDatabase::new(admins).into(),
        "postgres" => Postgres::new(admins).databases(["orders"]).into(),
        "cosmos-db" => CosmosDb::new()
            .container("shop", "orders", "/customerId")
            .into(),
        "service-bus" => ServiceBus::new()
            .queues(["orders"])
            .topic("events", ["audit"])
            .into(),
        "event-hubs" => EventHubs::new().hubs(["clicks"]).into(),
        "redis" => Redis::new().into(),
        "app-configuration" => AppConfiguration::new().into(),
        "openai" => OpenAi::new()
            .deployment("chat", "gpt-4o-mini", "2024-07-18")
            .into(),
        "ai-search" => AiSearch::new().into(),
        "external" => External::new("https://api.example.com", "vault").into(),
        "web-app" => WebApp::new(Runtime::Node22)
            .app_roles(["orders-read"])
            .into(),
        "function-app" => FunctionApp::new(FunctionRuntime::Node22)
            .app_roles(["orders-read"])
            .into(),
        "container-app" => ContainerApp::new("mcr.microsoft.com/k8se/quickstart:latest")
            .app_roles(["orders-read"])
            .into(),
        other => panic!("no target for {other}"),
    }
}

fn blueprint(kind: &str, to: &str, access: Access) -> Blueprint {
    let mut builder = Blueprint::builder("cat", ["dev"])
        .component("app", WebApp::new(Runtime::Node22).uses(to, access))
        .component("data", target(kind));
    if kind == "external" {
        builder = builder.component("vault", KeyVault::new());
    }
    builder.build()
}

#[test]
fn the_table_covers_every_grant_the_catalogue_offers() {
    let mut offered = Vec::new();
    for spec in catalog::KINDS {
        for target in spec.targets {
            for grant in target.grants {
                offered.push((spec.kind.as_str(), target.part, grant.access));
            }
        }
    }
    let mut covered: Vec<(&str, Option<PartKind>, Access)> = TABLE
        .iter()
        .map(|(kind, to, access, _)| {
            let part = match to.split_once('.') {
                Some((_, part)) => target(kind).part(part).map(|p| p.kind),
                None => None,
            };
            (*kind, part, *access)
        })
        .collect();
    offered.sort_by_key(|(k, p, a)| (k.to_string(), *p, *a));
    covered.sort_by_key(|(k, p, a)| (k.to_string(), *p, *a));
    assert_eq!(covered, offered);
}

#[test]
fn every_connection_gets_its_narrowest_role_on_exactly_what_it_names() {
    for (kind, to, access, expect) in TABLE {
        let blueprint = blueprint(kind, to, *access);
        let errors: Vec<_> = bulwark::blueprint::validate(&blueprint)
            .into_iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(errors.is_empty(), "{kind} {to} {access}: {errors:#?}");
        let plan = plan::plan(&blueprint, &Default::default()).unwrap();
        let roles: Vec<&plan::RoleAssignment> = plan
            .role_assignments
            .iter()
            .filter(|a| a.principal == "app" && a.scope != Scope::ApplicationInsights)
            .collect();
        let context = format!("{kind} {to} {access}");
        match expect {
            Expect::Arm(guids, part) => {
                let mut got: Vec<&str> = roles.iter().map(|a| a.role_guid().unwrap()).collect();
                let mut want = guids.to_vec();
                got.sort_unstable();
                want.sort_unstable();
                assert_eq!(got, want, "{context}");
                for assignment in &roles {
                    assert!(matches!(assignment.role, Role::Arm(_)), "{context}");
                    let scoped_part = match &assignment.scope {
                        Scope::Part { kind, .. } => Some(*kind),
                        _ => None,
                    };
                    assert_eq!(
                        scoped_part, *part,
                        "{context}: scope {:?}",
                        assignment.scope
                    );
                }
            }
            Expect::Cosmos(guid, part) => {
                assert_eq!(roles.len(), 1, "{context}");
                assert!(matches!(roles[0].role, Role::CosmosData(_)), "{context}");
                assert_eq!(roles[0].role_guid(), Some(*guid), "{context}");
                assert!(
                    matches!(&roles[0].scope, Scope::Part { kind, .. } if kind == part),
                    "{context}"
                );
            }
            Expect::Database(expected) => {
                assert!(
                    roles.is_empty(),
                    "{context}: no Azure role for a database grant"
                );
                assert_eq!(plan.database_grants.len(), 1, "{context}");
                assert_eq!(plan.database_grants[0].roles, *expected, "{context}");
                assert!(!plan.database_grants[0].roles.contains(&"db_owner"));
            }
            Expect::Redis(policy) => {
                assert_eq!(roles.len(), 1, "{context}");
                assert_eq!(roles[0].role, Role::RedisAccessPolicy(policy), "{context}");
                assert_eq!(roles[0].scope, Scope::Component("data".into()), "{context}");
            }
            Expect::AppRole(role) => {
                assert!(roles.is_empty(), "{context}: no Azure role for a call");
                let calls: Vec<(&str, &str, &str)> = plan
                    .calls
                    .iter()
                    .map(|c| (c.caller.as_str(), c.target.as_str(), c.role.as_str()))
                    .collect();
                assert_eq!(calls, [("app", "data", *role)], "{context}");
            }
            Expect::Custom(name) => {
                assert_eq!(roles.len(), 1, "{context}");
                let Role::Custom(role) = roles[0].role else {
                    panic!("{context}: {:?}", roles[0].role)
                };
                assert_eq!(role.name, *name);
                assert!(
                    role.data_actions
                        .iter()
                        .all(|action| action.contains("/keyValues/")
                            || action.contains("/snapshots/read"))
                );
                assert_eq!(roles[0].scope, Scope::Component("data".into()), "{context}");
            }
        }
        if *kind == "external" {
            assert_eq!(
                roles[0].scope,
                Scope::Part {
                    component: "vault".into(),
                    kind: PartKind::Secret,
                    name: "data".into()
                },
                "the external's role is on its one secret in its vault"
            );
        }
        for assignment in &roles {
            let name = assignment.role.name();
            assert!(
                !catalog::PRIVILEGED_ROLES.contains(&name.as_str()),
                "{context}: {name}"
            );
            assert!(!name.ends_with("Data Owner"), "{context}: {name}");
        }
    }
}
