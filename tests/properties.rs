//! Property tests.
//!
//! The first half generates random *valid* blueprints through the builder API, random mixes
//! of all sixteen component kinds with random connections (any target and access level the
//! catalogue allows) and per-environment sizing, and checks what every generation must
//! guarantee: it succeeds, its Bicep parses, it is deterministic, user text stays inside
//! string literals, the security baseline holds, the files are wired together consistently,
//! and the network is private (the "Private networking" properties: disjoint subnets inside
//! the address space, an NSG on every subnet, public access off and a private endpoint per
//! sub-service, zone groups wired to linked zones, stable subnet ranges). The second half
//! throws random bytes, random text and mutated copies of `blueprints/shop.toml` at the
//! loader and checks that nothing on the path to generated files panics.
//!
//! Failure persistence is off so a failing run leaves no files behind; proptest prints the
//! minimal failing input, and `to_toml` below turns a blueprint into a file for the CLI. The
//! `regression_*` tests at the end pin the minimal blueprints of the bugs these properties
//! found, so each stays visible whatever the random seed.

mod common;

use bulwark::blueprint::render::{self, Source};
use bulwark::blueprint::{
    self, Access, AdminGroup, AiSearch, AppConfiguration, Blueprint, ComponentSpec, Connection,
    ContainerApp, ContainerRegistry, CosmosDb, EventHubs, External, FunctionApp, FunctionRuntime,
    Ingress, KeyVault, OpenAi, Overrides, Postgres, Redis, Runtime, ServiceBus, SizingValue,
    SqlDatabase, Storage, Target, WebApp, load,
};
use bulwark::catalog::naming::{self, NameRule};
use bulwark::catalog::{self, Allowed, Role};
use bulwark::plan::Plan;
use bulwark::plan::network::Cidr;
use bulwark::{Diagnostic, FileSet, Options};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// Cases per property over generated blueprints: each case generates a whole file set.
const BLUEPRINT_CASES: u32 = 64;
/// Components per generated blueprint, at most (of all sixteen kinds).
const MAX_COMPONENTS: usize = 12;
/// Cases per loader fuzz property: loading is cheap, so these run more.
const FUZZ_CASES: u32 = 1024;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Names: the rules of src/catalog/naming.rs, plus hand-picked names that sit next to symbols,
// parameters and outputs the generator derives itself.
// ---------------------------------------------------------------------------------------------

const TRICKY_APP_NAMES: &[&str] = &["ab", "a1", "shop", "a-b", "x-1-y", "abcdefghijklmnop"];

const TRICKY_COMPONENT_NAMES: &[&str] = &[
    "private-endpoints",
    "private",
    "monitoring",
    "network",
    "dns",
    "policies",
    "tags",
    "location",
    "identity",
    "module",
    "web",
    "api",
    "vault",
    "media",
    "site",
    "plan",
    "account",
    "app-insights",
    "workspace",
    "environment-name",
    "secret-expiry",
    "a1",
    "x-identity",
    "abcdefghijklmnopqrst",
];

const TRICKY_ENVIRONMENTS: &[&str] = &["dev", "prod", "test", "x", "abcdefghijkl"];

const TRICKY_STORAGE_PARTS: &[&str] = &[
    "images",
    "orders",
    "1-raw",
    "000",
    "service",
    "diagnostics",
    "service-diagnostics",
    "private-endpoint",
    "private-endpoint-dns-zone-group",
    "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0",
];

const TRICKY_SECRETS: &[&str] = &[
    "stripe-key",
    "key",
    "key-value",
    "value",
    "expiry",
    "Expiry",
    "api-key",
    "Api-Key",
    "x",
    "X",
    "uri",
    "azure-client-id",
];

const TRICKY_SETTINGS: &[&str] = &[
    "NODE_ENV",
    "A",
    "_",
    "x",
    "WEBSITE_RUN_FROM_PACKAGE",
    "AZURE_CLIENT_ID",
    "PASSWORD",
    "VAULT_URI",
    "KEY",
];

/// Setting values that try to leave their string literal.
const HOSTILE_TEXT: &[&str] = &[
    "${subscription().id}",
    "'",
    "''",
    "'''",
    "\\",
    "\\\\",
    "\\'",
    "\\${x}",
    "${",
    "$",
    "}",
    "$'{",
    "'${listKeys(resourceId('Microsoft.Storage/storageAccounts', 'x'), '2023-01-01').keys[0].value}'",
    "' \n resource evil 'Microsoft.Storage/storageAccounts@2025-06-01' = {}\n//",
    "\n",
    "\r\n",
    "\t",
    "end\\",
    "/*",
    "*/",
    "//",
    "#disable-next-line",
    "@sys.description('x')",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "é",
    "🦀",
];

const SPECIAL_CHARS: &[char] = &[
    '\\', '\'', '"', '$', '{', '}', '\n', '\r', '\t', '`', '#', '/', '*', '\u{0}', '\u{7}',
    '\u{1b}', '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}', '\u{feff}', 'é', 'ß', '中', '🦀',
];

const RUNTIMES: &[Runtime] = &[
    Runtime::Node20,
    Runtime::Node22,
    Runtime::Python311,
    Runtime::Python312,
    Runtime::Python313,
    Runtime::Dotnet8,
    Runtime::Dotnet9,
    Runtime::Java17,
    Runtime::Java21,
];

const FUNCTION_RUNTIMES: &[FunctionRuntime] = &[
    FunctionRuntime::Node20,
    FunctionRuntime::Node22,
    FunctionRuntime::Python311,
    FunctionRuntime::Python312,
    FunctionRuntime::DotnetIsolated8,
    FunctionRuntime::DotnetIsolated9,
    FunctionRuntime::Java17,
    FunctionRuntime::Java21,
    FunctionRuntime::PowerShell74,
];

/// Azure OpenAI deployment SKUs the validator accepts.
const OPENAI_SKUS: &[&str] = &[
    "Standard",
    "GlobalStandard",
    "DataZoneStandard",
    "ProvisionedManaged",
    "GlobalProvisionedManaged",
    "DataZoneProvisionedManaged",
];

/// Names of the parts of the newer kinds (databases, messaging entities, deployments) that sit
/// next to symbols and outputs their modules declare.
const TRICKY_PART_NAMES: &[&str] = &[
    "namespace",
    "server",
    "database",
    "account",
    "cluster",
    "store",
    "service",
    "events",
    "diagnostics",
    "private-endpoint",
    "role",
    "default",
    "x",
    "1",
    "a1-b2",
];

const TRICKY_POSTGRES_DATABASES: &[&str] = &["analytics", "server", "database", "a", "a_b", "x1"];

const PUBLIC_IMAGES: &[&str] = &[
    "mcr.microsoft.com/k8se/quickstart:latest",
    "mcr.microsoft.com/azuredocs/containerapps-helloworld:latest",
    "docker.io/library/nginx:1.27",
    "ghcr.io/example/worker@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
];

fn name(
    rule: NameRule,
    pattern: &'static str,
    tricky: &'static [&'static str],
) -> BoxedStrategy<String> {
    prop_oneof![
        1 => select(tricky).prop_map(String::from),
        3 => pattern.prop_filter(rule.what, move |name| rule.check(name).is_ok()),
    ]
    .boxed()
}

fn app_name() -> BoxedStrategy<String> {
    name(
        naming::APP_NAME,
        "[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4}){0,2}",
        TRICKY_APP_NAMES,
    )
}

fn component_name() -> BoxedStrategy<String> {
    name(
        naming::COMPONENT_NAME,
        "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5}){0,2}",
        TRICKY_COMPONENT_NAMES,
    )
}

fn environment_name() -> BoxedStrategy<String> {
    name(
        naming::ENVIRONMENT_NAME,
        "[a-z][a-z0-9]{0,11}",
        TRICKY_ENVIRONMENTS,
    )
}

fn container_name() -> BoxedStrategy<String> {
    name(
        naming::CONTAINER_NAME,
        "[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}",
        TRICKY_STORAGE_PARTS,
    )
}

fn queue_name() -> BoxedStrategy<String> {
    name(
        naming::QUEUE_NAME,
        "[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}",
        TRICKY_STORAGE_PARTS,
    )
}

fn secret_name() -> BoxedStrategy<String> {
    name(
        naming::SECRET_NAME,
        "[A-Za-z][A-Za-z0-9]{0,8}(-[A-Za-z0-9]{1,6}){0,2}",
        TRICKY_SECRETS,
    )
}

fn setting_name() -> BoxedStrategy<String> {
    prop_oneof![
        1 => select(TRICKY_SETTINGS).prop_map(String::from),
        3 => "[A-Za-z_][A-Za-z0-9_]{0,12}",
    ]
    .boxed()
}

/// Arbitrary text: quotes, `${`, backslashes, line breaks, control characters and unicode.
fn user_text() -> BoxedStrategy<String> {
    let fragment = prop_oneof![
        3 => select(HOSTILE_TEXT).prop_map(String::from),
        2 => "[a-zA-Z0-9 .:/=-]{0,8}",
        2 => prop::collection::vec(select(SPECIAL_CHARS), 1..6)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
        1 => any::<String>(),
    ];
    prop::collection::vec(fragment, 0..5)
        .prop_map(|parts| parts.concat())
        .boxed()
}

/// Health check paths the validator accepts: `/` and printable ASCII, quotes and `${` included.
fn health_check_path() -> BoxedStrategy<String> {
    prop_oneof![
        1 => select(&["/healthz", "/it's", "/${x}", "/\\", "/'${subscription().id}'", "/"][..])
            .prop_map(String::from),
        3 => "/[!-~]{0,20}",
    ]
    .boxed()
}

fn messaging_name() -> BoxedStrategy<String> {
    name(
        naming::MESSAGING_NAME,
        "[a-z0-9]{1,8}(-[a-z0-9]{1,5}){0,2}",
        TRICKY_PART_NAMES,
    )
}

fn cosmos_name() -> BoxedStrategy<String> {
    name(
        naming::COSMOS_NAME,
        "[a-z0-9]{1,8}(-[a-z0-9]{1,5}){0,2}",
        TRICKY_PART_NAMES,
    )
}

fn postgres_database_name() -> BoxedStrategy<String> {
    name(
        naming::POSTGRES_DATABASE_NAME,
        "[a-z][a-z0-9_]{0,10}",
        TRICKY_POSTGRES_DATABASES,
    )
}

fn deployment_name() -> BoxedStrategy<String> {
    name(
        naming::DEPLOYMENT_NAME,
        "[a-z][a-z0-9]{1,8}(-[a-z0-9]{1,5}){0,2}",
        &["chat", "gpt-4o", "account", "deployment", "embeddings"],
    )
}

/// Partition key paths the validator accepts.
fn partition_key() -> BoxedStrategy<String> {
    prop_oneof![
        1 => select(&["/id", "/customerId", "/a/b", "/_x-y"][..]).prop_map(String::from),
        2 => "/[A-Za-z0-9_/-]{1,12}",
    ]
    .boxed()
}

/// `repository:tag` in a registry of the blueprint.
fn image_path() -> BoxedStrategy<String> {
    "[a-z0-9]{1,8}(/[a-z0-9._-]{1,8}){0,1}:[a-z0-9._-]{1,8}".boxed()
}

fn public_image() -> BoxedStrategy<String> {
    select(PUBLIC_IMAGES).prop_map(String::from).boxed()
}

/// https URLs the validator accepts: a plain host, then any path, quotes and `${` included.
fn external_url() -> BoxedStrategy<String> {
    (
        "[a-z0-9]{1,10}(\\.[a-z0-9-]{1,8}){1,2}(:[0-9]{2,4})?",
        prop_oneof![
            2 => Just(String::new()),
            1 => select(&["/v1", "/it's/${x}", "/a\\b", "/'${subscription().id}'"][..])
                .prop_map(String::from),
            1 => "/[!-~]{0,16}",
        ],
    )
        .prop_map(|(host, path)| format!("https://{host}{path}"))
        .boxed()
}
// ---------------------------------------------------------------------------------------------
// Blueprint drafts: raw random material for every component kind, turned into a valid
// blueprint by `assemble`, which drops whatever would break a rule (duplicates, collisions),
// resolves connections against the targets the catalogue allows and fixes sizing values that
// must agree with each other.
// ---------------------------------------------------------------------------------------------

/// Material every compute kind shares: plain settings and (target, access) picks, resolved
/// against the targets the blueprint declares.
#[derive(Debug, Clone)]
struct AppDraft {
    settings: Vec<(String, String)>,
    uses: Vec<(Index, Index)>,
}

#[derive(Debug, Clone)]
struct AdminDraft {
    name: String,
    object_id: String,
}

#[derive(Debug, Clone)]
struct DeploymentDraft {
    name: String,
    model: String,
    version: String,
    sku: &'static str,
    capacity: u32,
}

#[derive(Debug, Clone)]
enum DraftSpec {
    Web {
        runtime: Runtime,
        public: bool,
        health_check_path: Option<String>,
        app: AppDraft,
    },
    Function {
        runtime: FunctionRuntime,
        ingress: Ingress,
        sku: &'static str,
        app: AppDraft,
    },
    Container {
        /// Pulled from a registry component of the blueprint (with a `pull` connection) when
        /// there is one; otherwise `public_image`.
        from_registry: Option<(Index, String)>,
        public_image: String,
        worker: bool,
        target_port: u32,
        dedicated: bool,
        app: AppDraft,
    },
    Storage {
        containers: Vec<String>,
        queues: Vec<String>,
    },
    Vault {
        secrets: Vec<String>,
    },
    Registry {
        retention_days: u32,
    },
    Sql {
        admin: AdminDraft,
    },
    Postgres {
        admin: AdminDraft,
        databases: Vec<String>,
    },
    Cosmos {
        databases: Vec<(String, Vec<(String, String)>)>,
    },
    ServiceBus {
        queues: Vec<String>,
        topics: Vec<(String, Vec<String>)>,
    },
    EventHubs {
        hubs: Vec<String>,
        partitions: u32,
    },
    Redis,
    AppConfiguration,
    OpenAi {
        deployments: Vec<DeploymentDraft>,
    },
    AiSearch,
    External {
        url: String,
        vault: Index,
    },
}

impl DraftSpec {
    fn is_compute(&self) -> bool {
        matches!(
            self,
            DraftSpec::Web { .. } | DraftSpec::Function { .. } | DraftSpec::Container { .. }
        )
    }
}

/// A component draft with its sizing picks: base values (field, value) and per-environment
/// overrides (environment, field, value), each picked from the catalogue's allowed values.
#[derive(Debug, Clone)]
struct DraftComponent {
    name: String,
    spec: DraftSpec,
    base: Vec<(Index, Index)>,
    overrides: Vec<(Index, Index, Index)>,
}

#[derive(Debug, Clone)]
struct Draft {
    app: String,
    environments: Vec<String>,
    /// Raw prefix length and base address, fitted to the number of compute components.
    address_space: Option<(u8, u32)>,
    components: Vec<DraftComponent>,
}

fn app_draft() -> impl Strategy<Value = AppDraft> {
    (
        prop::collection::vec((setting_name(), user_text()), 0..4),
        prop::collection::vec((any::<Index>(), any::<Index>()), 0..5),
    )
        .prop_map(|(settings, uses)| AppDraft { settings, uses })
}

fn web_draft() -> impl Strategy<Value = DraftSpec> {
    (
        select(RUNTIMES),
        any::<bool>(),
        prop::option::of(health_check_path()),
        app_draft(),
    )
        .prop_map(|(runtime, public, health_check_path, app)| DraftSpec::Web {
            runtime,
            public,
            health_check_path,
            app,
        })
}

fn function_draft() -> impl Strategy<Value = DraftSpec> {
    (
        select(FUNCTION_RUNTIMES),
        select(&[Ingress::Private, Ingress::Public, Ingress::None][..]),
        select(catalog::FUNCTION_APP_SKUS),
        app_draft(),
    )
        .prop_map(|(runtime, ingress, sku, app)| DraftSpec::Function {
            runtime,
            ingress,
            sku,
            app,
        })
}

fn container_draft() -> impl Strategy<Value = DraftSpec> {
    (
        prop::option::of((any::<Index>(), image_path())),
        public_image(),
        any::<bool>(),
        prop_oneof![Just(8080u32), Just(80), Just(443), 1..=65_535u32],
        any::<bool>(),
        app_draft(),
    )
        .prop_map(
            |(from_registry, public_image, worker, target_port, dedicated, app)| {
                DraftSpec::Container {
                    from_registry,
                    public_image,
                    worker,
                    target_port,
                    dedicated,
                    app,
                }
            },
        )
}

/// A compute component on its own: what property 5 appends (a container app then gets a
/// dedicated environment, so the shared one never appears because of it).
fn compute_draft() -> impl Strategy<Value = DraftSpec> {
    prop_oneof![web_draft(), function_draft(), container_draft()]
}

fn storage_draft() -> impl Strategy<Value = DraftSpec> {
    (
        prop::collection::vec(container_name(), 0..4),
        prop::collection::vec(queue_name(), 0..4),
    )
        .prop_map(|(containers, queues)| DraftSpec::Storage { containers, queues })
}

fn vault_draft() -> impl Strategy<Value = DraftSpec> {
    prop::collection::vec(secret_name(), 0..4).prop_map(|secrets| DraftSpec::Vault { secrets })
}

fn admin_draft() -> impl Strategy<Value = AdminDraft> {
    (
        prop_oneof![
            2 => select(&["sql-admins", "Platform DBAs", "it's ${admin}", "a\\b", "é 🦀"][..])
                .prop_map(String::from),
            1 => user_text(),
        ]
        // The validator's rule: a display name, no control characters, at most 128 bytes.
        .prop_filter("a display name", |name| {
            !name.trim().is_empty() && !name.chars().any(char::is_control) && name.len() <= 128
        }),
        "[0-9a-fA-F]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-fA-F]{12}",
    )
        .prop_map(|(name, object_id)| AdminDraft { name, object_id })
}

fn cosmos_draft() -> impl Strategy<Value = DraftSpec> {
    prop::collection::vec(
        (
            cosmos_name(),
            prop::collection::vec((cosmos_name(), partition_key()), 0..3),
        ),
        0..3,
    )
    .prop_map(|databases| DraftSpec::Cosmos { databases })
}

fn service_bus_draft() -> impl Strategy<Value = DraftSpec> {
    (
        prop::collection::vec(messaging_name(), 0..3),
        prop::collection::vec(
            (
                messaging_name(),
                prop::collection::vec(messaging_name(), 0..3),
            ),
            0..3,
        ),
    )
        .prop_map(|(queues, topics)| DraftSpec::ServiceBus { queues, topics })
}

fn openai_draft() -> impl Strategy<Value = DraftSpec> {
    prop::collection::vec(
        (
            deployment_name(),
            prop_oneof![
                Just("gpt-4o-mini".to_string()),
                Just("text-embedding-3-large".to_string()),
                "[a-z0-9][a-z0-9.-]{0,12}",
            ],
            prop_oneof![
                Just("2024-07-18".to_string()),
                Just("1".to_string()),
                "[0-9a-z][0-9a-z.-]{0,10}",
            ],
            select(OPENAI_SKUS),
            prop_oneof![Just(10u32), 1..=10_000u32],
        )
            .prop_map(|(name, model, version, sku, capacity)| DeploymentDraft {
                name,
                model,
                version,
                sku,
                capacity,
            }),
        0..3,
    )
    .prop_map(|deployments| DraftSpec::OpenAi { deployments })
}

fn external_draft() -> impl Strategy<Value = DraftSpec> {
    (external_url(), any::<Index>()).prop_map(|(url, vault)| DraftSpec::External { url, vault })
}

/// Every kind, compute kinds and the common data kinds more often than the rest.
fn component_draft() -> BoxedStrategy<DraftSpec> {
    prop::strategy::Union::new_weighted(vec![
        (3, web_draft().boxed()),
        (2, function_draft().boxed()),
        (2, container_draft().boxed()),
        (3, storage_draft().boxed()),
        (3, vault_draft().boxed()),
        (
            1,
            (1..=90u32)
                .prop_map(|retention_days| DraftSpec::Registry { retention_days })
                .boxed(),
        ),
        (
            1,
            admin_draft()
                .prop_map(|admin| DraftSpec::Sql { admin })
                .boxed(),
        ),
        (
            1,
            (
                admin_draft(),
                prop::collection::vec(postgres_database_name(), 0..3),
            )
                .prop_map(|(admin, databases)| DraftSpec::Postgres { admin, databases })
                .boxed(),
        ),
        (1, cosmos_draft().boxed()),
        (1, service_bus_draft().boxed()),
        (
            1,
            (prop::collection::vec(messaging_name(), 0..3), 1..=32u32)
                .prop_map(|(hubs, partitions)| DraftSpec::EventHubs { hubs, partitions })
                .boxed(),
        ),
        (1, Just(DraftSpec::Redis).boxed()),
        (1, Just(DraftSpec::AppConfiguration).boxed()),
        (1, openai_draft().boxed()),
        (1, Just(DraftSpec::AiSearch).boxed()),
        (2, external_draft().boxed()),
    ])
    .boxed()
}

/// Base sizing picks (field, value) and per-environment ones (environment, field, value).
type SizingPicks = (Vec<(Index, Index)>, Vec<(Index, Index, Index)>);

fn sizing_picks() -> impl Strategy<Value = SizingPicks> {
    (
        prop::collection::vec((any::<Index>(), any::<Index>()), 0..3),
        prop::collection::vec((any::<Index>(), any::<Index>(), any::<Index>()), 0..3),
    )
}

fn draft() -> impl Strategy<Value = Draft> {
    (
        app_name(),
        prop::collection::btree_set(environment_name(), 1..=3)
            .prop_map(|set| set.into_iter().collect::<Vec<_>>())
            .prop_shuffle(),
        prop::option::of((any::<u8>(), any::<u32>())),
        prop::collection::vec(
            (component_name(), component_draft(), sizing_picks()),
            1..=MAX_COMPONENTS,
        ),
    )
        .prop_map(|(app, environments, address_space, components)| Draft {
            app,
            environments,
            address_space,
            components: components
                .into_iter()
                .map(|(name, spec, (base, overrides))| DraftComponent {
                    name,
                    spec,
                    base,
                    overrides,
                })
                .collect(),
        })
}

/// Keep the names in order whose key (e.g. their Bicep symbol, lowercased) is new.
fn unique_by(names: &[String], key: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .iter()
        .filter(|name| {
            let keys = key(name);
            if keys.iter().any(|k| seen.contains(k)) {
                return false;
            }
            seen.extend(keys);
            true
        })
        .cloned()
        .collect()
}

/// Keep the names in order that are new, and not in `taken`.
fn fresh(names: &[String], taken: &BTreeSet<String>) -> Vec<String> {
    unique_by(names, |name| vec![name.to_string()])
        .into_iter()
        .filter(|name| !taken.contains(name))
        .collect()
}

/// One value the catalogue allows for a sizing field.
fn sizing_value(spec: &catalog::SizingSpec, pick: Index) -> SizingValue {
    match spec.allowed {
        Allowed::Text(values) => SizingValue::Text(pick.get(values).to_string()),
        Allowed::Range(min, max) => {
            let span = usize::try_from(max - min + 1).expect("a small range");
            SizingValue::Int(min + pick.index(span) as i64)
        }
        Allowed::Values(values) => SizingValue::Int(*pick.get(values)),
    }
}

/// `spec` with base sizing values and per-environment overrides picked from the catalogue's
/// sizing fields for `kind`. Fields are set by their serde names, which are the catalogue's.
fn sized<T: serde::Serialize + serde::de::DeserializeOwned>(
    spec: T,
    kind: blueprint::Kind,
    environments: &[String],
    component: &DraftComponent,
) -> T {
    let sizing = catalog::kind_spec(kind).sizing;
    if sizing.is_empty() {
        return spec;
    }
    let json = |value: SizingValue| match value {
        SizingValue::Int(number) => serde_json::Value::from(number),
        SizingValue::Text(text) => serde_json::Value::from(text),
    };
    let mut value = serde_json::to_value(&spec).expect("kinds serialize");
    let object = value.as_object_mut().expect("kinds are tables");
    for (field, pick) in &component.base {
        let field = field.get(sizing);
        object.insert(field.field.to_string(), json(sizing_value(field, *pick)));
    }
    let mut overrides = serde_json::Map::new();
    for (environment, field, pick) in &component.overrides {
        let field = field.get(sizing);
        let fields = overrides
            .entry(environment.get(environments).clone())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        fields
            .as_object_mut()
            .expect("a table")
            .insert(field.field.to_string(), json(sizing_value(field, *pick)));
    }
    object.insert("environments".into(), serde_json::Value::Object(overrides));
    serde_json::from_value(value).expect("catalogue values deserialize")
}

/// A sizing field's value in one environment: its override, else the base value.
fn effective(
    overrides: &Overrides,
    environment: &str,
    field: &str,
    base: SizingValue,
) -> SizingValue {
    overrides
        .get(environment)
        .and_then(|fields| fields.get(field))
        .cloned()
        .unwrap_or(base)
}

fn set_override(overrides: &mut Overrides, environment: &str, field: &str, value: SizingValue) {
    overrides
        .entry(environment.to_string())
        .or_default()
        .insert(field.to_string(), value);
}

fn int(value: &SizingValue) -> i64 {
    match value {
        SizingValue::Int(number) => *number,
        SizingValue::Text(text) => panic!("`{text}` is not a count"),
    }
}

/// DTU databases take only fixed sizes (see validate_sql_size).
fn sql_sizes(sku: &str) -> Option<&'static [i64]> {
    const SMALL: &[i64] = &[1, 2, 5, 10, 20, 30, 40, 50, 100, 150, 200, 250];
    const LARGE: &[i64] = &[
        1, 2, 5, 10, 20, 30, 40, 50, 100, 150, 200, 250, 300, 400, 500, 750, 1024,
    ];
    match sku {
        "Basic" => Some(&[1, 2]),
        "S0" | "S1" | "S2" => Some(SMALL),
        "S3" | "P1" | "P2" => Some(LARGE),
        _ => None,
    }
}

const PREMIUM_EVENT_HUBS_CAPACITY: &[i64] = &[1, 2, 4, 8, 16];

/// The sizing rules that tie fields together, applied in every environment.
fn fix_sizing(spec: &mut ComponentSpec, environments: &[String]) {
    match spec {
        ComponentSpec::FunctionApp(function) if !function.is_flex_consumption() => {
            // Elastic Premium scales to 100 instances.
            let clamp = |n: i64| if n > 100 { 1 + (n - 1) % 100 } else { n };
            function.maximum_instances =
                u32::try_from(clamp(i64::from(function.maximum_instances))).expect("small");
            for fields in function.environments.values_mut() {
                if let Some(SizingValue::Int(n)) = fields.get_mut("maximum_instances") {
                    *n = clamp(*n);
                }
            }
        }
        ComponentSpec::ContainerApp(app) => {
            // Memory is twice the vCPUs; replicas are an ordered range.
            let memory_for = |cpu: &str| {
                let at = catalog::CONTAINER_APP_CPU
                    .iter()
                    .position(|c| *c == cpu)
                    .expect("a catalogue vCPU value");
                catalog::CONTAINER_APP_MEMORY[at].to_string()
            };
            app.memory = memory_for(&app.cpu);
            app.max_replicas = app.max_replicas.max(app.min_replicas.min(300)).max(1);
            for environment in environments {
                let cpu = effective(
                    &app.environments,
                    environment,
                    "cpu",
                    app.cpu.as_str().into(),
                );
                let memory = memory_for(&cpu.to_string());
                let base_memory = SizingValue::from(app.memory.as_str());
                if effective(&app.environments, environment, "memory", base_memory)
                    != SizingValue::Text(memory.clone())
                {
                    set_override(
                        &mut app.environments,
                        environment,
                        "memory",
                        memory.as_str().into(),
                    );
                }
                let min = int(&effective(
                    &app.environments,
                    environment,
                    "min_replicas",
                    app.min_replicas.into(),
                ));
                let max = int(&effective(
                    &app.environments,
                    environment,
                    "max_replicas",
                    app.max_replicas.into(),
                ));
                if min > max {
                    set_override(
                        &mut app.environments,
                        environment,
                        "min_replicas",
                        SizingValue::Int(max),
                    );
                }
            }
        }
        ComponentSpec::SqlDatabase(sql) => {
            if let Some(sizes) = sql_sizes(&sql.sku) {
                let at = sizes.len() - 1 - (sql.max_size_gb as usize % sizes.len());
                sql.max_size_gb = u32::try_from(sizes[at]).expect("small");
            }
            for environment in environments {
                let sku = effective(
                    &sql.environments,
                    environment,
                    "sku",
                    sql.sku.as_str().into(),
                );
                let size = int(&effective(
                    &sql.environments,
                    environment,
                    "max_size_gb",
                    sql.max_size_gb.into(),
                ));
                if let Some(sizes) = sql_sizes(&sku.to_string())
                    && !sizes.contains(&size)
                {
                    let fitting = sizes[size as usize % sizes.len()];
                    set_override(
                        &mut sql.environments,
                        environment,
                        "max_size_gb",
                        SizingValue::Int(fitting),
                    );
                }
            }
        }
        ComponentSpec::EventHubs(hubs) => {
            // Premium sells processing units in steps.
            let step = |n: i64| {
                *PREMIUM_EVENT_HUBS_CAPACITY
                    .iter()
                    .rev()
                    .find(|step| **step <= n)
                    .expect("capacity is at least 1")
            };
            if hubs.sku == "Premium" {
                hubs.capacity = u32::try_from(step(i64::from(hubs.capacity))).expect("small");
            }
            for environment in environments {
                let sku = effective(
                    &hubs.environments,
                    environment,
                    "sku",
                    hubs.sku.as_str().into(),
                );
                let capacity = int(&effective(
                    &hubs.environments,
                    environment,
                    "capacity",
                    hubs.capacity.into(),
                ));
                if sku.to_string() == "Premium" && !PREMIUM_EVENT_HUBS_CAPACITY.contains(&capacity)
                {
                    set_override(
                        &mut hubs.environments,
                        environment,
                        "capacity",
                        SizingValue::Int(step(capacity)),
                    );
                }
            }
        }
        _ => {}
    }
}

/// A target a compute component may connect to and the accesses the catalogue allows on it.
struct Candidate {
    target: Target,
    kind: blueprint::Kind,
    accesses: Vec<Access>,
}

/// Every target the blueprint's data components offer: for each component, the component
/// itself and each part it declares, wherever the catalogue has a target spec for it.
fn candidates(data: &Blueprint) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for component in &data.components {
        let spec = catalog::kind_spec(component.kind());
        let wholes = spec.target(None).map(|target| (None, target));
        let parts = component.spec.parts().into_iter().filter_map(|part| {
            spec.target(Some(part.kind))
                .map(|target| (Some(part.name), target))
        });
        for (part, target) in wholes.into_iter().chain(parts) {
            candidates.push(Candidate {
                target: Target {
                    component: component.name.clone(),
                    part,
                },
                kind: component.kind(),
                accesses: target.accesses().collect(),
            });
        }
    }
    candidates
}

/// Connections and plain settings of a compute component: only what the validator accepts,
/// i.e. one connection per target, and setting names that stay distinct. A setting two
/// connections to one target share (its identity-based connection) may repeat with the same
/// value; anything else must not, and nothing may take a reserved name.
fn wire(
    draft: &AppDraft,
    first: Option<(Target, Access)>,
    data: &bulwark::plan::ByName<'_>,
    candidates: &[Candidate],
) -> (Vec<Connection>, BTreeMap<String, String>) {
    let mut setting_names: BTreeMap<String, Option<bulwark::plan::SettingValue>> =
        blueprint::RESERVED_SETTINGS
            .iter()
            .map(|reserved| (reserved.to_string(), None))
            .collect();
    let mut connections: Vec<Connection> = Vec::new();
    let picks = draft
        .uses
        .iter()
        .filter(|_| !candidates.is_empty())
        .map(|(target, access)| {
            let candidate = target.get(candidates);
            (candidate.target.clone(), *access.get(&candidate.accesses))
        });
    for (target, access) in first.into_iter().chain(picks) {
        if connections.iter().any(|c| c.to == target) {
            continue;
        }
        let connection = Connection::new(target, access);
        let settings = bulwark::plan::connection_settings(data, &connection);
        let clashes = settings.iter().any(|(name, value)| {
            bulwark::plan::is_reserved_setting(name)
                || setting_names
                    .get(name)
                    .is_some_and(|existing| existing.as_ref() != Some(value))
        });
        if clashes {
            continue;
        }
        for (name, value) in settings {
            setting_names.insert(name, Some(value));
        }
        connections.push(connection);
    }
    let mut settings = BTreeMap::new();
    for (name, value) in &draft.settings {
        if !setting_names.contains_key(name) && !bulwark::plan::is_reserved_setting(name) {
            setting_names.insert(name.clone(), None);
            settings.insert(name.clone(), value.clone());
        }
    }
    (connections, settings)
}

/// A compute component from its draft, wired to the blueprint's data components.
fn compute_spec(
    draft: &DraftSpec,
    data: &Blueprint,
    candidates: &[Candidate],
    dedicated_only: bool,
) -> ComponentSpec {
    let lookup = bulwark::plan::by_name(data);
    match draft {
        DraftSpec::Web {
            runtime,
            public,
            health_check_path,
            app,
        } => {
            let (uses, settings) = wire(app, None, &lookup, candidates);
            let mut web = WebApp::new(*runtime).ingress(if *public {
                Ingress::Public
            } else {
                Ingress::Private
            });
            web.health_check_path = health_check_path.clone();
            web.uses = uses;
            web.settings = settings;
            web.into()
        }
        DraftSpec::Function {
            runtime,
            ingress,
            sku,
            app,
        } => {
            let (uses, settings) = wire(app, None, &lookup, candidates);
            let mut function = FunctionApp::new(*runtime).ingress(*ingress).sku(*sku);
            function.uses = uses;
            function.settings = settings;
            function.into()
        }
        DraftSpec::Container {
            from_registry,
            public_image,
            worker,
            target_port,
            dedicated,
            app,
        } => {
            let registries: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| c.kind == blueprint::Kind::ContainerRegistry)
                .collect();
            let pull = from_registry
                .as_ref()
                .filter(|_| !registries.is_empty())
                .map(|(pick, path)| (pick.get(&registries).target.clone(), path));
            let image = match &pull {
                Some((registry, path)) => format!("{}.azurecr.io/{path}", registry.component),
                None => public_image.clone(),
            };
            let first = pull.map(|(registry, _)| (registry, Access::Pull));
            let (uses, settings) = wire(app, first, &lookup, candidates);
            let mut container = ContainerApp::new(image)
                .ingress(if *worker {
                    Ingress::None
                } else {
                    Ingress::Private
                })
                .target_port(*target_port);
            if *dedicated || dedicated_only {
                container = container.dedicated_environment();
            }
            container.uses = uses;
            container.settings = settings;
            container.into()
        }
        other => unreachable!("not a compute draft: {other:?}"),
    }
}

fn admin_group(admin: &AdminDraft) -> AdminGroup {
    AdminGroup::new(admin.name.as_str(), admin.object_id.as_str())
}

/// Secret names: unique without case (Key Vault's rule) and as part symbols.
fn vault_secrets(secrets: &[String]) -> Vec<String> {
    unique_by(secrets, |secret| {
        vec![
            secret.to_ascii_lowercase(),
            naming::prefixed_symbol("x", secret).to_ascii_lowercase(),
        ]
    })
}

/// A data component from its draft; `None` when it cannot be made valid (an external service
/// without a key vault to keep its secret, or whose secret would clash with another).
fn data_spec(
    name: &str,
    draft: &DraftSpec,
    vaults: &[String],
    secrets: &mut SecretInputs,
) -> Option<ComponentSpec> {
    let part_symbol = |name: &str| vec![naming::prefixed_symbol("x", name).to_ascii_lowercase()];
    Some(match draft {
        DraftSpec::Storage { containers, queues } => {
            let containers = unique_by(containers, part_symbol);
            // A queue named like a container makes `storage.name` ambiguous (see
            // regression_a_queue_named_like_a_container_can_be_used).
            let queues: Vec<String> = unique_by(queues, part_symbol)
                .into_iter()
                .filter(|queue| !containers.contains(queue))
                .collect();
            Storage::new().containers(containers).queues(queues).into()
        }
        DraftSpec::Vault { secrets: names } => {
            let kept: Vec<String> = vault_secrets(names)
                .into_iter()
                .filter(|secret| secrets.add(name, secret))
                .collect();
            KeyVault::new().secrets(kept).into()
        }
        DraftSpec::Registry { retention_days } => {
            let mut registry = ContainerRegistry::new();
            registry.retention_days = *retention_days;
            registry.into()
        }
        DraftSpec::Sql { admin } => SqlDatabase::new(admin_group(admin)).into(),
        DraftSpec::Postgres { admin, databases } => Postgres::new(admin_group(admin))
            .databases(fresh(databases, &BTreeSet::new()))
            .into(),
        DraftSpec::Cosmos { databases } => {
            let mut cosmos = CosmosDb::new();
            let mut seen = BTreeSet::new();
            for (database, containers) in databases {
                if !seen.insert(database.clone()) {
                    continue;
                }
                cosmos.databases.entry(database.clone()).or_default();
                for (container, key) in containers {
                    cosmos = cosmos.container(database.as_str(), container.as_str(), key.as_str());
                }
            }
            cosmos.into()
        }
        DraftSpec::ServiceBus { queues, topics } => {
            let queues = fresh(queues, &BTreeSet::new());
            let taken: BTreeSet<String> = queues.iter().cloned().collect();
            let mut bus = ServiceBus::new().queues(queues);
            for (topic, subscriptions) in topics {
                if taken.contains(topic) || bus.topics.contains_key(topic) {
                    continue;
                }
                bus = bus.topic(topic.as_str(), fresh(subscriptions, &BTreeSet::new()));
            }
            bus.into()
        }
        DraftSpec::EventHubs { hubs, partitions } => {
            let mut event_hubs = EventHubs::new().hubs(fresh(hubs, &BTreeSet::new()));
            event_hubs.partitions = *partitions;
            event_hubs.into()
        }
        DraftSpec::Redis => Redis::new().into(),
        DraftSpec::AppConfiguration => AppConfiguration::new().into(),
        DraftSpec::OpenAi { deployments } => {
            let mut openai = OpenAi::new();
            for deployment in deployments {
                if openai.deployments.contains_key(&deployment.name) {
                    continue;
                }
                openai = openai.deployment(
                    deployment.name.as_str(),
                    deployment.model.as_str(),
                    deployment.version.as_str(),
                );
                let added = openai
                    .deployments
                    .get_mut(&deployment.name)
                    .expect("just added");
                added.sku = deployment.sku.to_string();
                added.capacity = deployment.capacity;
            }
            openai.into()
        }
        DraftSpec::AiSearch => AiSearch::new().into(),
        DraftSpec::External { url, vault } => {
            if vaults.is_empty() {
                return None;
            }
            let vault = vault.get(vaults);
            // The external's secret is named after it, in its vault.
            if !secrets.add(vault, name) {
                return None;
            }
            External::new(url.as_str(), vault.as_str()).into()
        }
        compute => unreachable!("not a data draft: {compute:?}"),
    })
}

/// The secrets of every vault: each must arrive in its own environment variable and
/// `@secure()` parameter, and a vault's secret names differ without case.
#[derive(Default)]
struct SecretInputs {
    variables: BTreeSet<String>,
    params: BTreeSet<String>,
    names: BTreeSet<(String, String)>,
}

impl SecretInputs {
    fn add(&mut self, vault: &str, secret: &str) -> bool {
        let variable = naming::setting_name(&[vault, secret]);
        let param = naming::secret_param(vault, secret).to_ascii_lowercase();
        let name = (vault.to_string(), secret.to_ascii_lowercase());
        if self.variables.contains(&variable)
            || self.params.contains(&param)
            || self.names.contains(&name)
        {
            return false;
        }
        self.variables.insert(variable);
        self.params.insert(param);
        self.names.insert(name);
        true
    }
}

fn assemble(draft: &Draft) -> Blueprint {
    // Component names: unique, and unique as (case-insensitive) Bicep symbols.
    let mut seen = BTreeSet::new();
    let components: Vec<&DraftComponent> = draft
        .components
        .iter()
        .filter(|c| seen.insert(naming::component_symbol(&c.name).to_ascii_lowercase()))
        .collect();
    let environments = &draft.environments;

    // Data components first, so connections can be resolved against them: vaults, then the
    // external services that keep their secrets in them, then the rest.
    let vaults: Vec<String> = components
        .iter()
        .filter(|c| matches!(c.spec, DraftSpec::Vault { .. }))
        .map(|c| c.name.clone())
        .collect();
    let mut secrets = SecretInputs::default();
    let mut data: BTreeMap<&str, ComponentSpec> = BTreeMap::new();
    let order = |c: &&&DraftComponent| match c.spec {
        DraftSpec::Vault { .. } => 0,
        DraftSpec::External { .. } => 1,
        _ => 2,
    };
    let mut data_drafts: Vec<&&DraftComponent> =
        components.iter().filter(|c| !c.spec.is_compute()).collect();
    data_drafts.sort_by_key(order);
    for component in data_drafts {
        // An external service without a vault to keep its secret becomes an (empty) vault.
        let spec = data_spec(&component.name, &component.spec, &vaults, &mut secrets)
            .unwrap_or_else(|| KeyVault::new().into());
        data.insert(&component.name, finish(spec, component, environments));
    }
    let mut data_only = Blueprint::builder(draft.app.as_str(), environments.iter().cloned());
    for (name, spec) in &data {
        data_only = data_only.component(*name, spec.clone());
    }
    let data_only = data_only.build();
    let candidates = candidates(&data_only);

    let compute = components.iter().filter(|c| c.spec.is_compute()).count();
    let mut builder = Blueprint::builder(draft.app.as_str(), environments.iter().cloned());
    if let Some((raw_prefix, raw_base)) = draft.address_space {
        builder = builder.address_space(fitting_address_space(compute, raw_prefix, raw_base));
    }
    for component in components {
        let spec = if component.spec.is_compute() {
            let spec = compute_spec(&component.spec, &data_only, &candidates, false);
            finish(spec, component, environments)
        } else {
            data[component.name.as_str()].clone()
        };
        builder = builder.component(component.name.as_str(), spec);
    }
    builder.build()
}

/// Sizing picks applied to a component's spec, then the rules that tie fields together.
fn finish(spec: ComponentSpec, draft: &DraftComponent, environments: &[String]) -> ComponentSpec {
    let kind = spec.kind();
    let mut spec = match spec {
        ComponentSpec::WebApp(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::FunctionApp(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::ContainerApp(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::Storage(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::SqlDatabase(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::Postgres(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::ServiceBus(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::EventHubs(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::Redis(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::AppConfiguration(s) => sized(s, kind, environments, draft).into(),
        ComponentSpec::AiSearch(s) => sized(s, kind, environments, draft).into(),
        unsized_kind => {
            assert!(
                catalog::kind_spec(kind).sizing.is_empty(),
                "{kind} has sizing fields the strategy does not set"
            );
            unsized_kind
        }
    };
    fix_sizing(&mut spec, environments);
    spec
}

/// An address space with room to spare: the private-endpoint /24, a /26 slot for the
/// shared Container Apps environment and a /26 slot per compute component, plus one more
/// (property 5 appends a compute component), doubled.
fn fitting_address_space(compute: usize, raw_prefix: u8, raw_base: u32) -> String {
    let needed = 2 * (256 + 64 * (compute as u64 + 2));
    let largest_prefix = (8..=24u8)
        .rev()
        .find(|prefix| 1u64 << (32 - prefix) >= needed)
        .expect("the components fit in a /8");
    let prefix = 8 + raw_prefix % (largest_prefix - 8 + 1);
    let base = raw_base & (u32::MAX << (32 - prefix));
    let [a, b, c, d] = base.to_be_bytes();
    format!("{a}.{b}.{c}.{d}/{prefix}")
}

fn valid_blueprint() -> impl Strategy<Value = Blueprint> {
    draft().prop_map(|draft| assemble(&draft))
}

/// `blueprint` and the same blueprint with one more compute component at the end: a fresh
/// name, no connections (a container app in a dedicated environment).
fn blueprint_and_one_more() -> impl Strategy<Value = (Blueprint, Blueprint)> {
    (
        valid_blueprint(),
        component_name(),
        compute_draft(),
        sizing_picks(),
    )
        .prop_map(|(blueprint, name, spec, (base, overrides))| {
            let taken: BTreeSet<String> = blueprint
                .components
                .iter()
                .map(|c| naming::component_symbol(&c.name).to_ascii_lowercase())
                .collect();
            let name = std::iter::once(name)
                .chain((0..).map(|n| format!("added{n}")))
                .find(|name| !taken.contains(&naming::component_symbol(name).to_ascii_lowercase()))
                .expect("a fresh name");
            let draft = DraftComponent {
                name: name.clone(),
                spec,
                base,
                overrides,
            };
            // Nothing to connect to, so no connections; a container app gets a dedicated
            // environment (the last argument).
            let empty = Blueprint::builder(blueprint.app.name.as_str(), ["x"]).build();
            let spec = compute_spec(&draft.spec, &empty, &[], true);
            let spec = finish(spec, &draft, &blueprint.app.environments);
            let mut more = blueprint.clone();
            more.components.push(blueprint::Component { name, spec });
            (blueprint, more)
        })
}

// ---------------------------------------------------------------------------------------------
// Helpers on blueprints and generated files
// ---------------------------------------------------------------------------------------------

fn errors(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} at {:?}: {}", d.code, d.path, d.message))
        .collect()
}

fn generate(blueprint: &Blueprint) -> Result<bulwark::Generated, TestCaseError> {
    bulwark::generate(blueprint, &Options::default()).map_err(|diagnostics| {
        TestCaseError::fail(format!(
            "generation failed: {:#?}\n{}",
            errors(&diagnostics),
            to_toml(blueprint)
        ))
    })
}

fn is_compute(kind: blueprint::Kind) -> bool {
    catalog::kind_spec(kind).compute
}

/// A compute component's ingress and plain settings, whatever its kind.
struct ComputeView<'a> {
    name: &'a str,
    kind: blueprint::Kind,
    ingress: Ingress,
    settings: &'a BTreeMap<String, String>,
    uses: &'a [Connection],
}

fn computes(blueprint: &Blueprint) -> impl Iterator<Item = ComputeView<'_>> {
    blueprint.components.iter().filter_map(|component| {
        let (ingress, settings) = match &component.spec {
            ComponentSpec::WebApp(spec) => (spec.ingress, &spec.settings),
            ComponentSpec::FunctionApp(spec) => (spec.ingress, &spec.settings),
            ComponentSpec::ContainerApp(spec) => (spec.ingress, &spec.settings),
            _ => return None,
        };
        Some(ComputeView {
            name: component.name.as_str(),
            kind: component.kind(),
            ingress,
            settings,
            uses: component.uses(),
        })
    })
}

/// Free text a blueprint carries into generated files, and the file it must appear in as a
/// string literal: plain settings and external URLs (main.bicep passes them to the apps),
/// database admin group names (the server's module).
fn free_text(blueprint: &Blueprint) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for app in computes(blueprint) {
        for (setting, value) in app.settings {
            out.push((
                format!("{}.{setting}", app.name),
                "main.bicep".to_string(),
                value.clone(),
            ));
        }
    }
    for component in &blueprint.components {
        let path = module_path(component.kind(), &component.name);
        match &component.spec {
            ComponentSpec::SqlDatabase(sql) => {
                out.push((component.name.clone(), path, sql.admin_group.name.clone()))
            }
            ComponentSpec::Postgres(pg) => {
                out.push((component.name.clone(), path, pg.admin_group.name.clone()))
            }
            ComponentSpec::External(external) => {
                let used = computes(blueprint).any(|app| {
                    app.uses
                        .iter()
                        .any(|connection| connection.to.component == component.name)
                });
                if used {
                    out.push((
                        component.name.clone(),
                        "main.bicep".to_string(),
                        external.url.clone(),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// The same blueprint with every free-text value replaced by a harmless one.
fn defanged(blueprint: &Blueprint) -> Blueprint {
    let mut copy = blueprint.clone();
    for component in &mut copy.components {
        let settings = match &mut component.spec {
            ComponentSpec::WebApp(web) => {
                if let Some(path) = &mut web.health_check_path {
                    *path = "/x".to_string();
                }
                &mut web.settings
            }
            ComponentSpec::FunctionApp(function) => &mut function.settings,
            ComponentSpec::ContainerApp(app) => &mut app.settings,
            ComponentSpec::SqlDatabase(sql) => {
                sql.admin_group.name = "admins".to_string();
                continue;
            }
            ComponentSpec::Postgres(pg) => {
                pg.admin_group.name = "admins".to_string();
                continue;
            }
            ComponentSpec::External(external) => {
                external.url = "https://example.com".to_string();
                continue;
            }
            _ => continue,
        };
        for value in settings.values_mut() {
            *value = "x".to_string();
        }
    }
    copy
}

fn module_path(kind: blueprint::Kind, name: &str) -> String {
    format!("modules/{kind}-{name}.bicep")
}

fn file<'a>(files: &'a FileSet, path: &str) -> Result<&'a str, TestCaseError> {
    files
        .get(path)
        .ok_or_else(|| TestCaseError::fail(format!("{path} was not generated")))
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The blueprint as a TOML file `bulwark generate` accepts, for reports and the round trip:
/// `[app]`, `[network]` when it is not the default, and one `[components.<name>]` table per
/// component, each serialized from the model's own serde form (so every kind and field is
/// written the way the loader reads it).
fn to_toml(blueprint: &Blueprint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "[app]\nname = {}\nenvironments = [{}]",
        toml_string(&blueprint.app.name),
        blueprint
            .app
            .environments
            .iter()
            .map(|environment| toml_string(environment))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if blueprint.network != blueprint::Network::default() {
        let mut document = toml::Table::new();
        document.insert(
            "network".into(),
            toml::Value::try_from(&blueprint.network).expect("the network serializes"),
        );
        let _ = write!(out, "\n{}", toml::to_string(&document).expect("TOML"));
    }
    for component in &blueprint.components {
        let mut components = toml::Table::new();
        components.insert(
            component.name.clone(),
            toml::Value::try_from(&component.spec).expect("components serialize"),
        );
        let mut document = toml::Table::new();
        document.insert("components".into(), toml::Value::Table(components));
        let _ = write!(out, "\n{}", toml::to_string(&document).expect("TOML"));
    }
    out
}
// ---------------------------------------------------------------------------------------------
// A small Bicep lexer with Bicep's own string rules (the tree-sitter grammar accepts raw line
// breaks and unknown escapes inside strings, so it cannot judge escaping on its own).
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Lexed {
    /// The file with the text of every string literal removed; interpolations are kept.
    skeleton: String,
    /// The file with `//` inside string literal text broken up as `/_`, for tree-sitter.
    masked: String,
    strings: Vec<StringLiteral>,
    interpolations: usize,
    errors: Vec<String>,
}

#[derive(Debug)]
struct StringLiteral {
    /// As written, quotes included.
    raw: String,
    /// The decoded text of a literal without interpolations.
    value: Option<String>,
}

struct Lexer<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    out: Lexed,
    /// Byte offsets of the second `/` of each `//` in string literal text.
    masks: Vec<usize>,
}

fn lex(text: &str) -> Lexed {
    let mut lexer = Lexer {
        text,
        chars: text.char_indices().collect(),
        pos: 0,
        out: Lexed::default(),
        masks: Vec::new(),
    };
    lexer.code(false);
    let mut masked = text.as_bytes().to_vec();
    for offset in &lexer.masks {
        masked[*offset] = b'_';
    }
    lexer.out.masked = String::from_utf8(masked).expect("an ASCII byte replaced an ASCII byte");
    lexer.out
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).map(|(_, c)| *c)
    }

    fn offset(&self) -> usize {
        self.chars
            .get(self.pos)
            .map_or(self.text.len(), |(offset, _)| *offset)
    }

    fn error(&mut self, what: &str) {
        let offset = self.offset();
        let line = self.text[..offset].matches('\n').count() + 1;
        self.out.errors.push(format!("line {line}: {what}"));
    }

    fn advance_copying(&mut self) {
        if let Some(c) = self.peek(0) {
            self.out.skeleton.push(c);
            self.pos += 1;
        }
    }

    /// Code up to the end of the text, or up to the `}` closing an interpolation.
    fn code(&mut self, nested: bool) {
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            match c {
                // Comment text is not code: the skeleton keeps the markers only, so text a
                // comment quotes (an admin group's name) is judged by where the comment ends.
                '/' if self.peek(1) == Some('/') => {
                    self.out.skeleton.push_str("//");
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                '/' if self.peek(1) == Some('*') => {
                    self.out.skeleton.push_str("/*");
                    while self.peek(0).is_some()
                        && !(self.peek(0) == Some('*') && self.peek(1) == Some('/'))
                    {
                        self.pos += 1;
                    }
                    if self.peek(0).is_none() {
                        self.error("unterminated block comment");
                    } else {
                        self.pos += 2;
                        self.out.skeleton.push_str("*/");
                    }
                }
                '\'' => self.string(),
                '{' => {
                    depth += 1;
                    self.advance_copying();
                }
                '}' if nested && depth == 0 => return,
                '}' => {
                    if depth == 0 {
                        self.error("unbalanced `}`");
                    }
                    depth = depth.saturating_sub(1);
                    self.advance_copying();
                }
                _ => self.advance_copying(),
            }
        }
        if nested {
            self.error("unterminated interpolation");
        }
    }

    fn string(&mut self) {
        let start = self.offset();
        if self.peek(1) == Some('\'') && self.peek(2) == Some('\'') {
            self.error("multi-line string (bulwark never writes one)");
        }
        self.out.skeleton.push('\'');
        self.pos += 1;
        let mut value = String::new();
        let mut interpolated = false;
        let mut after_slash = false;
        loop {
            let slash = self.peek(0) == Some('/');
            if slash && after_slash {
                self.masks.push(self.offset());
            }
            after_slash = slash;
            let Some(c) = self.peek(0) else {
                self.error("unterminated string");
                return;
            };
            match c {
                '\'' => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    let escaped = self.peek(1);
                    self.pos += 2;
                    match escaped {
                        Some('\\') => value.push('\\'),
                        Some('\'') => value.push('\''),
                        Some('n') => value.push('\n'),
                        Some('r') => value.push('\r'),
                        Some('t') => value.push('\t'),
                        Some('$') => value.push('$'),
                        Some('u') => match self.unicode_escape() {
                            Some(c) => value.push(c),
                            None => self.error("invalid \\u{…} escape"),
                        },
                        other => self.error(&format!("invalid escape \\{other:?}")),
                    }
                }
                '$' if self.peek(1) == Some('{') => {
                    self.out.interpolations += 1;
                    interpolated = true;
                    self.out.skeleton.push_str("${");
                    self.pos += 2;
                    self.code(true);
                    if self.peek(0) == Some('}') {
                        self.advance_copying();
                    }
                }
                '\n' | '\r' => {
                    self.error("line break inside a string");
                    self.pos += 1;
                }
                c => {
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
        self.out.skeleton.push('\'');
        let raw = self.text[start..self.offset()].to_string();
        self.out.strings.push(StringLiteral {
            raw,
            value: (!interpolated).then_some(value),
        });
    }

    /// `{hex}` after `\u`.
    fn unicode_escape(&mut self) -> Option<char> {
        if self.peek(0) != Some('{') {
            return None;
        }
        self.pos += 1;
        let mut hex = String::new();
        while let Some(c) = self.peek(0).filter(char::is_ascii_hexdigit) {
            hex.push(c);
            self.pos += 1;
        }
        if self.peek(0) != Some('}') || hex.is_empty() || hex.len() > 6 {
            return None;
        }
        self.pos += 1;
        char::from_u32(u32::from_str_radix(&hex, 16).ok()?)
    }
}

/// How a Bicep string literal holding `value` must be written: `\\`, `\'`, `\n`, `\r`, `\t`,
/// `\${`, and other control characters as `\u{…}`.
fn bicep_literal(value: &str) -> String {
    let mut out = String::from("'");
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// ERROR and MISSING nodes tree-sitter-bicep finds. Its grammar (1.1.0) lexes `//` at the
/// start of string content (right after the quote, an escape or an interpolation) as a
/// comment, so `'//'` and `'\n//'` are errors to it but valid Bicep; the lexer above judges
/// string text by Bicep's rules, so tree-sitter gets the file with `//` in string text masked.
fn tree_sitter_errors(text: &str) -> Vec<String> {
    common::bicep_syntax_errors(&lex(text).masked)
}

/// Syntax problems in one generated file: tree-sitter for `.bicep` files, the lexer for both
/// `.bicep` and `.bicepparam` files, JSON for `bicepconfig.json`.
fn syntax_problems(path: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if path.ends_with(".bicep") {
        problems.extend(
            tree_sitter_errors(text)
                .into_iter()
                .map(|e| format!("tree-sitter: {e}")),
        );
    }
    if path.ends_with(".bicep") || path.ends_with(".bicepparam") {
        problems.extend(lex(text).errors.into_iter().map(|e| format!("lexer: {e}")));
    }
    if path.ends_with(".json") && serde_json::from_str::<serde_json::Value>(text).is_err() {
        problems.push("not JSON".to_string());
    }
    problems
}

/// `keyword name` declarations at the start of a line: `param`, `var`, `resource`, `module`
/// and `output`.
fn declarations(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let keyword = words.next()?;
            let name = words.next()?;
            ["param", "var", "resource", "module", "output"]
                .contains(&keyword)
                .then_some((keyword, name))
        })
        .collect()
}

/// `param` declarations of a module file, and whether each has a default value.
fn module_params(text: &str) -> BTreeMap<String, bool> {
    text.lines()
        .filter(|line| line.starts_with("param "))
        .filter_map(|line| {
            let name = line.split_whitespace().nth(1)?;
            Some((name.to_string(), line.contains(" = ")))
        })
        .collect()
}

fn outputs(text: &str) -> BTreeSet<String> {
    declarations(text)
        .into_iter()
        .filter(|(keyword, _)| *keyword == "output")
        .map(|(_, name)| name.to_string())
        .collect()
}

#[derive(Debug)]
struct ModuleCall {
    symbol: String,
    path: String,
    /// Each argument's name and the first line of its value.
    params: BTreeMap<String, String>,
}

/// The `module` statements of main.bicep, read from the printer's one-property-per-line layout.
fn module_calls(main: &str) -> Vec<ModuleCall> {
    let mut calls: Vec<ModuleCall> = Vec::new();
    let mut in_params = false;
    for line in main.lines() {
        if let Some(rest) = line.strip_prefix("module ") {
            let mut words = rest.split_whitespace();
            let symbol = words.next().unwrap_or_default().to_string();
            let path = words
                .next()
                .unwrap_or_default()
                .trim_matches('\'')
                .to_string();
            calls.push(ModuleCall {
                symbol,
                path,
                params: BTreeMap::new(),
            });
            in_params = false;
        } else if line == "  params: {" {
            in_params = true;
        } else if line == "  }" || line == "}" {
            in_params = false;
        } else if in_params
            && let Some(entry) = line.strip_prefix("    ")
            && !entry.starts_with([' ', '/', '}', ']'])
            && let Some((key, value)) = entry.split_once(": ")
            && let Some(call) = calls.last_mut()
        {
            call.params.insert(key.to_string(), value.to_string());
        }
    }
    calls
}

/// `symbol.outputs.name` references in code (string literal text excluded).
fn output_references(skeleton: &str) -> Vec<(String, String)> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    skeleton
        .match_indices(".outputs.")
        .map(|(at, needle)| {
            let before = &skeleton[..at];
            let symbol_start = before.rfind(|c| !is_ident(c)).map_or(0, |i| i + 1);
            let after = &skeleton[at + needle.len()..];
            let name_end = after.find(|c| !is_ident(c)).unwrap_or(after.len());
            (
                before[symbol_start..].to_string(),
                after[..name_end].to_string(),
            )
        })
        .collect()
}

const PRIVILEGED_ROLE_GUIDS: &[(&str, &str)] = &[
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    (
        "User Access Administrator",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    ),
];

/// A top-level `resource` (or `module`) statement of a generated file, read from the
/// printer's layout: header line, body lines indented by two spaces per level, `}` at column 0.
#[derive(Debug)]
struct Block<'a> {
    symbol: &'a str,
    /// The resource type without its API version (a module's path for modules).
    ty: &'a str,
    /// The body between the header and the closing line.
    body: Vec<&'a str>,
}

fn blocks<'a>(text: &'a str, keyword: &str) -> Vec<Block<'a>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let prefix = format!("{keyword} ");
    for (at, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix(&prefix) else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let symbol = words.next().unwrap_or_default();
        let ty = words
            .next()
            .unwrap_or_default()
            .trim_matches('\'')
            .split('@')
            .next()
            .unwrap_or_default();
        let body = lines[at + 1..]
            .iter()
            .take_while(|line| !line.starts_with('}'))
            .copied()
            .collect();
        out.push(Block { symbol, ty, body });
    }
    out
}

fn resources(text: &str) -> Vec<Block<'_>> {
    blocks(text, "resource")
}

/// The scalar properties of an object's lines as (dotted path, value as written). Keys nest by
/// indentation (two spaces a level, `base` for the outermost keys); array items are `[]`.
fn properties(lines: &[&str], base: usize) -> Vec<(String, String)> {
    let is_key = |key: &str| {
        !key.is_empty()
            && (key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || (key.len() > 1 && key.starts_with('\'') && key.ends_with('\'')))
    };
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for line in lines {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with("//") || indent < base {
            continue;
        }
        let depth = (indent - base) / 2;
        stack.truncate(depth);
        if matches!(trimmed, "}" | "]" | "})" | "])") {
            continue;
        }
        let (key, value) = match trimmed.split_once(": ") {
            Some((key, value)) if is_key(key) => (key.trim_matches('\'').to_string(), value),
            _ => ("[]".to_string(), trimmed),
        };
        if matches!(value, "{" | "[") {
            stack.push(key);
        } else {
            let mut path = stack.clone();
            path.push(key);
            out.push((path.join("."), value.to_string()));
        }
    }
    out
}

fn property<'b>(properties: &'b [(String, String)], path: &str) -> Vec<&'b str> {
    properties
        .iter()
        .filter(|(p, _)| p == path)
        .map(|(_, value)| value.as_str())
        .collect()
}

/// The items of the array `key: [` found at `indent` in `lines`, each as its inner lines.
fn array_items<'a>(lines: &[&'a str], key: &str, indent: usize) -> Vec<Vec<&'a str>> {
    let opener = format!("{}{key}: [", " ".repeat(indent));
    let Some(start) = lines.iter().position(|line| *line == opener) else {
        return Vec::new();
    };
    let item_open = format!("{}{{", " ".repeat(indent + 2));
    let item_close = format!("{}}}", " ".repeat(indent + 2));
    let close = format!("{}]", " ".repeat(indent));
    let mut items = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in &lines[start + 1..] {
        if *line == close {
            break;
        }
        if *line == item_open {
            current = Some(Vec::new());
        } else if *line == item_close {
            items.extend(current.take());
        } else if let Some(item) = &mut current {
            item.push(line);
        }
    }
    items
}

/// One subnet as network.bicep declares it: inline in a VNet's `subnets` array or as a
/// `virtualNetworks/subnets` resource of its own.
#[derive(Debug)]
struct SubnetObject {
    name: String,
    /// `networkSecurityGroup.id` as written.
    nsg: Option<String>,
    address_prefix: Option<String>,
}

fn subnet_objects(network: &str) -> Vec<SubnetObject> {
    let mut out = Vec::new();
    let object = |props: Vec<(String, String)>| {
        let first = |path: &str| property(&props, path).first().map(|v| v.to_string());
        SubnetObject {
            name: first("name")
                .unwrap_or_default()
                .trim_matches('\'')
                .to_string(),
            nsg: first("properties.networkSecurityGroup.id"),
            address_prefix: first("properties.addressPrefix"),
        }
    };
    for block in resources(network) {
        match block.ty {
            "Microsoft.Network/virtualNetworks" => {
                for item in array_items(&block.body, "subnets", 4) {
                    out.push(object(properties(&item, 8)));
                }
            }
            "Microsoft.Network/virtualNetworks/subnets" => {
                out.push(object(properties(&block.body, 2)));
            }
            _ => {}
        }
    }
    out
}

/// `output name type = value` declarations: name → value.
fn output_values(text: &str) -> BTreeMap<&str, &str> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("output ")?;
            let (head, value) = rest.split_once(" = ")?;
            Some((head.split_whitespace().next()?, value))
        })
        .collect()
}

/// A private endpoint a module declares, with the zone ids its zone group points at.
#[derive(Debug)]
struct EndpointObject<'a> {
    symbol: &'a str,
    group_ids: Vec<String>,
    target: Option<String>,
    subnet: Option<String>,
    /// `privateDnsZoneId` values (module parameters) of the zone groups whose parent it is.
    zone_ids: Vec<String>,
}

fn endpoint_objects(module: &str) -> Vec<EndpointObject<'_>> {
    let blocks = resources(module);
    let mut endpoints: Vec<EndpointObject> = blocks
        .iter()
        .filter(|block| block.ty == "Microsoft.Network/privateEndpoints")
        .map(|block| {
            let props = properties(&block.body, 2);
            let connection = "properties.privateLinkServiceConnections.[].properties";
            EndpointObject {
                symbol: block.symbol,
                group_ids: property(&props, &format!("{connection}.groupIds.[]"))
                    .iter()
                    .map(|id| id.trim_matches('\'').to_string())
                    .collect(),
                target: property(&props, &format!("{connection}.privateLinkServiceId"))
                    .first()
                    .map(|id| id.trim_end_matches(".id").to_string()),
                subnet: property(&props, "properties.subnet.id")
                    .first()
                    .map(|id| id.to_string()),
                zone_ids: Vec::new(),
            }
        })
        .collect();
    for block in blocks
        .iter()
        .filter(|block| block.ty == "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    {
        let props = properties(&block.body, 2);
        let parent = property(&props, "parent");
        let zones = property(
            &props,
            "properties.privateDnsZoneConfigs.[].properties.privateDnsZoneId",
        );
        if let Some(endpoint) = endpoints
            .iter_mut()
            .find(|endpoint| parent.contains(&endpoint.symbol))
        {
            endpoint
                .zone_ids
                .extend(zones.iter().map(|zone| zone.to_string()));
        }
    }
    endpoints
}

/// Replace every CIDR string literal (`'a.b.c.d/n'`) with `'<cidr>'`.
fn mask_cidrs(text: &str) -> String {
    let is_cidr = |s: &str| {
        let Some((address, prefix)) = s.split_once('/') else {
            return false;
        };
        let octets: Vec<&str> = address.split('.').collect();
        octets.len() == 4
            && octets
                .iter()
                .all(|o| !o.is_empty() && o.len() <= 3 && o.chars().all(|c| c.is_ascii_digit()))
            && !prefix.is_empty()
            && prefix.len() <= 2
            && prefix.chars().all(|c| c.is_ascii_digit())
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\'') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        if let Some(end) = rest.find('\'')
            && is_cidr(&rest[..end])
        {
            out.push_str("<cidr>'");
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Hardened network-exposure values by resource type, from the facts table: the path of
/// `publicNetworkAccess` (and of a Container Apps environment's `internal` switch) and the
/// value it must have.
fn exposure_facts() -> BTreeMap<&'static str, Vec<(&'static str, &'static str)>> {
    const HARDENING: &str = include_str!("../src/catalog/facts/hardening.tsv");
    let mut facts: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for line in HARDENING.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let [ty, path, value, ..] = columns[..] else {
            continue;
        };
        let last = path.rsplit('.').next().unwrap_or_default();
        if last == "publicNetworkAccess"
            || (ty == "Microsoft.App/managedEnvironments" && path.ends_with(".internal"))
        {
            facts.entry(ty).or_default().push((path, value));
        }
    }
    facts
}

/// The first line where two texts differ, for failure messages.
fn first_difference(a: &str, b: &str) -> String {
    let (a_lines, b_lines): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = a_lines
        .iter()
        .zip(&b_lines)
        .position(|(x, y)| x != y)
        .unwrap_or(a_lines.len().min(b_lines.len()));
    format!(
        "line {}: `{}` became `{}`",
        at + 1,
        a_lines.get(at).unwrap_or(&"<end>"),
        b_lines.get(at).unwrap_or(&"<end>")
    )
}
// ---------------------------------------------------------------------------------------------
// Properties over generated blueprints
// ---------------------------------------------------------------------------------------------

#[test]
fn tricky_names_follow_the_naming_rules() {
    let lists = [
        (naming::APP_NAME, TRICKY_APP_NAMES),
        (naming::COMPONENT_NAME, TRICKY_COMPONENT_NAMES),
        (naming::ENVIRONMENT_NAME, TRICKY_ENVIRONMENTS),
        (naming::CONTAINER_NAME, TRICKY_STORAGE_PARTS),
        (naming::QUEUE_NAME, TRICKY_STORAGE_PARTS),
        (naming::SECRET_NAME, TRICKY_SECRETS),
        (naming::MESSAGING_NAME, TRICKY_PART_NAMES),
        (naming::COSMOS_NAME, TRICKY_PART_NAMES),
        (naming::POSTGRES_DATABASE_NAME, TRICKY_POSTGRES_DATABASES),
    ];
    for (rule, names) in lists {
        for name in names {
            assert!(
                rule.check(name).is_ok(),
                "{name} is not a valid {}",
                rule.what
            );
        }
    }
    for name in TRICKY_SETTINGS {
        assert!(naming::is_setting_name(name), "{name}");
    }
}

#[test]
fn the_literal_rules_round_trip_through_the_lexer() {
    for value in HOSTILE_TEXT {
        let literal = bicep_literal(value);
        let lexed = lex(&format!("var x = {literal}\n"));
        assert!(lexed.errors.is_empty(), "{literal}: {:?}", lexed.errors);
        assert_eq!(lexed.interpolations, 0, "{literal}");
        assert_eq!(lexed.strings.len(), 1, "{literal}");
        assert_eq!(lexed.strings[0].value.as_deref(), Some(*value), "{literal}");
    }
    let lexed = lex("var x = 'a${f('}', '${b}')}c\\${d}'\n");
    assert!(lexed.errors.is_empty(), "{:?}", lexed.errors);
    assert_eq!(lexed.interpolations, 2);
    assert_eq!(lexed.skeleton, "var x = '${f('', '${b}')}'\n");
    assert_eq!(
        lex("var x = '//a\\n//' // c\n").masked,
        "var x = '/_a\\n/_' // c\n"
    );
    assert_eq!(
        lex("// it's ${x}\nvar y = 1 /* '' */\n").skeleton,
        "//\nvar y = 1 /**/\n"
    );
    assert!(tree_sitter_errors("var x = '\\n//'\n").is_empty());
    assert!(!common::bicep_syntax_errors("var x = '\\n//'\n").is_empty());
    assert!(!lex("var x = 'a\nb'").errors.is_empty());
    assert!(!lex("var x = 'a\\qb'").errors.is_empty());
}

#[test]
fn the_file_readers_follow_the_printer() {
    let text = r#"resource pe 'Microsoft.Network/privateEndpoints@2025-05-01' = {
  name: 'pe'
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'blob'
        properties: {
          privateLinkServiceId: account.id
          groupIds: [
            'blob'
          ]
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = {
  parent: pe
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'z'
        properties: {
          privateDnsZoneId: blobZoneId
        }
      }
    ]
  }
}
"#;
    let endpoints = endpoint_objects(text);
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0].group_ids, ["blob"]);
    assert_eq!(endpoints[0].target.as_deref(), Some("account"));
    assert_eq!(endpoints[0].subnet.as_deref(), Some("subnetId"));
    assert_eq!(endpoints[0].zone_ids, ["blobZoneId"]);
    assert_eq!(
        mask_cidrs("addressPrefix: '10.0.1.0/26' // '10.0.0.0/16'\nx: '10.0.0.1'\n"),
        "addressPrefix: '<cidr>' // '<cidr>'\nx: '10.0.0.1'\n"
    );
    let facts = exposure_facts();
    assert_eq!(
        facts["Microsoft.DBforPostgreSQL/flexibleServers"],
        [("properties.network.publicNetworkAccess", "'Disabled'")]
    );
    assert!(
        facts["Microsoft.App/managedEnvironments"]
            .contains(&("properties.vnetConfiguration.internal", "true"))
    );
}

proptest! {
    #![proptest_config(config(BLUEPRINT_CASES))]

    /// The strategy only produces blueprints the validator accepts (warnings are fine), with
    /// components of every kind among them over a run.
    #[test]
    fn generated_blueprints_are_valid(blueprint in valid_blueprint()) {
        let errors = errors(&blueprint::validate(&blueprint));
        prop_assert!(errors.is_empty(), "{errors:#?}\n{}", to_toml(&blueprint));
    }

    /// Generation succeeds and every file is syntactically sound.
    #[test]
    fn generation_succeeds_and_every_file_parses(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        for (path, text) in &generated.files.files {
            let problems = syntax_problems(path, text);
            prop_assert!(problems.is_empty(), "{path}: {problems:#?}\n{}", to_toml(&blueprint));
        }
    }

    /// Same blueprint, same files. Subnet slots follow the declaration order of compute
    /// components, so reordering the components may move subnet ranges and nothing else;
    /// reordering only the other components changes nothing at all.
    #[test]
    fn generation_is_deterministic_and_ignores_component_order(
        (blueprint, shuffled, data_shuffled) in valid_blueprint().prop_flat_map(|blueprint| {
            let components = blueprint.components.clone();
            let data: Vec<usize> = (0..components.len())
                .filter(|at| !is_compute(components[*at].kind()))
                .collect();
            (Just(blueprint), Just(components).prop_shuffle(), Just(data).prop_shuffle())
        })
    ) {
        let first = generate(&blueprint)?;
        let second = generate(&blueprint)?;
        prop_assert_eq!(&first.files, &second.files);
        prop_assert_eq!(&first.plan, &second.plan);

        let mut reordered = blueprint.clone();
        reordered.components = shuffled;
        let third = generate(&reordered)?;
        prop_assert_eq!(
            first.files.paths().collect::<Vec<_>>(),
            third.files.paths().collect::<Vec<_>>()
        );
        for (path, text) in &first.files.files {
            let other = file(&third.files, path)?;
            let (masked, other_masked) = (mask_cidrs(text), mask_cidrs(other));
            prop_assert!(
                masked == other_masked,
                "{path} differs beyond subnet ranges after reordering components: {}\n{}",
                first_difference(&masked, &other_masked),
                to_toml(&reordered)
            );
        }

        // The non-compute components take each other's places; compute ones stay put.
        let mut data_reordered = blueprint.clone();
        let slots: Vec<usize> = (0..blueprint.components.len())
            .filter(|at| !is_compute(blueprint.components[*at].kind()))
            .collect();
        for (slot, from) in slots.iter().zip(&data_shuffled) {
            data_reordered.components[*slot] = blueprint.components[*from].clone();
        }
        let fourth = generate(&data_reordered)?;
        for (path, text) in &first.files.files {
            let other = file(&fourth.files, path)?;
            prop_assert!(
                text == other,
                "{path} changed when only non-compute components were reordered: {}\n{}",
                first_difference(text, other),
                to_toml(&data_reordered)
            );
        }
        prop_assert_eq!(&first.files, &fourth.files);
        prop_assert_eq!(&first.plan, &fourth.plan);
    }

    /// Free text (setting values, external URLs, admin group names) appears only as correctly
    /// escaped string literals: replacing it all with harmless text changes string literal
    /// text (and comments) and nothing else.
    #[test]
    fn user_strings_never_escape_their_quotes(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        let main = file(&generated.files, "main.bicep")?;
        let tree_sitter = tree_sitter_errors(main);
        prop_assert!(tree_sitter.is_empty(), "main.bicep: {tree_sitter:#?}");
        for (what, path, value) in free_text(&blueprint) {
            let lexed = lex(file(&generated.files, &path)?);
            prop_assert!(lexed.errors.is_empty(), "{path}: {:?}", lexed.errors);
            let literal = bicep_literal(&value);
            prop_assert!(
                lexed
                    .strings
                    .iter()
                    .any(|s| s.raw == literal && s.value.as_deref() == Some(value.as_str())),
                "{what}: {path} has no literal {literal}\n{}",
                to_toml(&blueprint)
            );
        }

        let plain = generate(&defanged(&blueprint))?;
        prop_assert_eq!(
            generated.files.paths().collect::<Vec<_>>(),
            plain.files.paths().collect::<Vec<_>>()
        );
        for (path, text) in &generated.files.files {
            if !(path.ends_with(".bicep") || path.ends_with(".bicepparam")) {
                continue;
            }
            let hostile = lex(text);
            let harmless = lex(file(&plain.files, path)?);
            prop_assert!(hostile.errors.is_empty(), "{path}: {:?}", hostile.errors);
            prop_assert_eq!(
                hostile.interpolations,
                harmless.interpolations,
                "{}: user text added interpolations",
                path
            );
            prop_assert_eq!(
                hostile.strings.len(),
                harmless.strings.len(),
                "{}: user text added or removed string literals",
                path
            );
            prop_assert!(
                hostile.skeleton == harmless.skeleton,
                "{path}: user text changed code outside string literals\n{}",
                to_toml(&blueprint)
            );
        }
    }

    /// The security baseline: Entra-only auth, TLS, no keys, narrow roles, one identity per
    /// compute component.
    #[test]
    fn the_security_baseline_holds(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_baseline(&blueprint, &generated)?;
    }

    /// Each compute component reaches the VNet through its own subnet (a shared container
    /// app through the shared environment's), the subnets fit and have NSGs, and every
    /// private endpoint's zone exists.
    #[test]
    fn the_network_plan_is_sound(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_network(&blueprint, &generated.plan, &generated.files)?;
    }

    /// Within each file, declared symbols are unique (parameters, variables and outputs also
    /// ignoring case, as ARM compares their names); main.bicep passes each module exactly the
    /// parameters it declares, and reads only outputs that exist.
    #[test]
    fn symbols_are_unique_and_modules_are_wired_consistently(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_symbols(&blueprint, &generated.files)?;
        check_wiring(&generated.files)?;
    }

    /// A compute component's settings have distinct names: no connection replaces a setting
    /// bulwark sets itself (AZURE_CLIENT_ID, the Application Insights ones) or another
    /// connection's.
    #[test]
    fn app_setting_names_are_distinct(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_app_settings(&blueprint, &generated.plan)?;
    }

    /// The TOML form of a builder blueprint loads back to the same blueprint.
    #[test]
    fn builder_blueprints_round_trip_through_toml(blueprint in valid_blueprint()) {
        let text = to_toml(&blueprint);
        let loaded = load::from_str(&text).map_err(|diagnostics| {
            TestCaseError::fail(format!("{diagnostics:#?}\n{text}"))
        })?;
        let sorted = |blueprint: &Blueprint| {
            let mut blueprint = blueprint.clone();
            blueprint.components.sort_by(|a, b| a.name.cmp(&b.name));
            blueprint
        };
        prop_assert_eq!(sorted(&loaded.blueprint), sorted(&blueprint), "{}", text);
    }

    // Private networking (issue "Private networking").

    /// Property 1: in every environment the subnets are pairwise disjoint and each lies
    /// inside one of the environment's address ranges.
    #[test]
    fn subnets_are_disjoint_and_inside_the_address_space(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_address_plan(&blueprint, &generated.plan)?;
    }

    /// Property 2: every subnet network.bicep declares has a network security group of its
    /// own.
    #[test]
    fn every_subnet_has_a_network_security_group(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_subnet_nsgs(&blueprint, &generated.plan, &generated.files)?;
    }

    /// Property 3: every data-plane resource has public network access disabled, in its
    /// type's own spelling, and a private endpoint for each sub-service in use.
    #[test]
    fn data_services_are_private_with_an_endpoint_per_sub_service(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_private_access(&blueprint, &generated.plan, &generated.files)?;
    }

    /// Property 4: every endpoint has a zone group pointing at the zones of its group id,
    /// wired from main.bicep to the DNS module's output for that zone, and every zone is
    /// linked to the VNet.
    #[test]
    fn every_endpoint_registers_in_its_zone(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_zones(&blueprint, &generated.plan, &generated.files)?;
    }

    /// Property 5: adding a compute component at the end of the blueprint leaves every
    /// existing subnet where it was, in every environment.
    #[test]
    fn adding_a_component_keeps_existing_subnet_ranges(
        (blueprint, more) in blueprint_and_one_more()
    ) {
        let errors = errors(&blueprint::validate(&more));
        prop_assert!(errors.is_empty(), "{errors:#?}\n{}", to_toml(&more));
        let before = generate(&blueprint)?;
        let after = generate(&more)?;
        for subnet in &before.plan.subnets {
            let kept = after.plan.subnets.iter().find(|s| s.name == subnet.name);
            prop_assert!(kept.is_some(), "subnet {} is gone\n{}", subnet.name, to_toml(&more));
            let kept = kept.expect("checked");
            for environment in &blueprint.app.environments {
                prop_assert_eq!(
                    subnet.prefix_in(environment),
                    kept.prefix_in(environment),
                    "subnet {} moved in {} when {} was added\n{}",
                    &subnet.name,
                    environment,
                    &more.components.last().expect("one more").name,
                    to_toml(&more)
                );
            }
        }
    }
}

fn check_symbols(blueprint: &Blueprint, files: &FileSet) -> Result<(), TestCaseError> {
    for (path, text) in &files.files {
        if !path.ends_with(".bicep") {
            continue;
        }
        let mut symbols: BTreeMap<&str, &str> = BTreeMap::new();
        let mut folded: BTreeMap<(&str, String), &str> = BTreeMap::new();
        for (keyword, name) in declarations(text) {
            if keyword != "output" {
                let previous = symbols.insert(name, keyword);
                prop_assert!(
                    previous.is_none(),
                    "{path}: `{name}` is declared twice ({} and {keyword})\n{}",
                    previous.unwrap_or_default(),
                    to_toml(blueprint)
                );
            }
            // BCP353: ARM does not tell apart parameters (variables, outputs) that differ
            // only in case.
            if matches!(keyword, "param" | "var" | "output") {
                let previous = folded.insert((keyword, name.to_ascii_lowercase()), name);
                prop_assert!(
                    previous.is_none(),
                    "{path}: {keyword} `{name}` clashes with `{}`\n{}",
                    previous.unwrap_or_default(),
                    to_toml(blueprint)
                );
            }
        }
    }
    Ok(())
}

fn check_wiring(files: &FileSet) -> Result<(), TestCaseError> {
    let main = file(files, "main.bicep")?;
    let calls = module_calls(main);
    for call in &calls {
        let module = file(files, &call.path)?;
        let declared = module_params(module);
        for argument in call.params.keys() {
            prop_assert!(
                declared.contains_key(argument),
                "{} passes `{argument}`, which {} does not declare",
                call.symbol,
                call.path
            );
        }
        for (param, has_default) in &declared {
            prop_assert!(
                *has_default || call.params.contains_key(param),
                "{} does not pass required parameter `{param}` of {}",
                call.symbol,
                call.path
            );
        }
    }
    for (symbol, output) in output_references(&lex(main).skeleton) {
        let call = calls.iter().find(|call| call.symbol == symbol);
        prop_assert!(
            call.is_some(),
            "main.bicep reads outputs of unknown `{symbol}`"
        );
        let module = file(files, &call.expect("checked").path)?;
        prop_assert!(
            outputs(module).contains(&output),
            "main.bicep reads `{symbol}.outputs.{output}`, which is not an output"
        );
    }
    Ok(())
}

fn check_app_settings(blueprint: &Blueprint, plan: &Plan) -> Result<(), TestCaseError> {
    for component in plan.components.iter().filter(|c| c.is_compute()) {
        let mut seen = BTreeSet::new();
        for setting in &component.app_settings {
            prop_assert!(
                seen.insert(setting.name.as_str()),
                "{} gets app setting `{}` twice\n{}",
                component.name,
                setting.name,
                to_toml(blueprint)
            );
        }
    }
    Ok(())
}

/// Literal values per kind that show its baseline: Entra-only auth, keys off, TLS 1.2.
fn hardened_values(spec: &ComponentSpec) -> &'static [&'static str] {
    match spec {
        ComponentSpec::WebApp(_) => &[
            "httpsOnly: true",
            "minTlsVersion: '1.2'",
            "ftpsState: 'Disabled'",
            "remoteDebuggingEnabled: false",
        ],
        ComponentSpec::FunctionApp(_) => &[
            "httpsOnly: true",
            "minTlsVersion: '1.2'",
            "allowSharedKeyAccess: false",
            "minimumTlsVersion: 'TLS1_2'",
        ],
        ComponentSpec::ContainerApp(app) if app.ingress != Ingress::None => {
            &["allowInsecure: false"]
        }
        ComponentSpec::ContainerApp(_) => &[],
        ComponentSpec::Storage(_) => &[
            "allowSharedKeyAccess: false",
            "minimumTlsVersion: 'TLS1_2'",
            "allowBlobPublicAccess: false",
        ],
        ComponentSpec::KeyVault(_) => &[
            "enableRbacAuthorization: true",
            "enablePurgeProtection: true",
        ],
        ComponentSpec::ContainerRegistry(_) => {
            &["adminUserEnabled: false", "anonymousPullEnabled: false"]
        }
        ComponentSpec::SqlDatabase(_) => &[
            "azureADOnlyAuthentication: true",
            "minimalTlsVersion: '1.2'",
        ],
        ComponentSpec::Postgres(_) => {
            &["activeDirectoryAuth: 'Enabled'", "passwordAuth: 'Disabled'"]
        }
        ComponentSpec::CosmosDb(_) => &[
            "disableLocalAuth: true",
            "disableKeyBasedMetadataWriteAccess: true",
            "minimalTlsVersion: 'Tls12'",
        ],
        ComponentSpec::ServiceBus(_) | ComponentSpec::EventHubs(_) => {
            &["disableLocalAuth: true", "minimumTlsVersion: '1.2'"]
        }
        ComponentSpec::Redis(_) => &[
            "accessKeysAuthentication: 'Disabled'",
            "minimumTlsVersion: '1.2'",
        ],
        ComponentSpec::AppConfiguration(_)
        | ComponentSpec::OpenAi(_)
        | ComponentSpec::AiSearch(_) => &["disableLocalAuth: true"],
        ComponentSpec::External(_) => &[],
    }
}

fn check_baseline(
    blueprint: &Blueprint,
    generated: &bulwark::Generated,
) -> Result<(), TestCaseError> {
    let files = &generated.files;
    let plan = &generated.plan;
    for component in &blueprint.components {
        let path = module_path(component.kind(), &component.name);
        let name = &component.name;
        if component.kind() == blueprint::Kind::External {
            prop_assert!(
                files.get(&path).is_none(),
                "{name}: an external deploys nothing"
            );
            continue;
        }
        let text = file(files, &path)?;
        let has = |needle: &str| text.contains(needle);
        for value in hardened_values(&component.spec) {
            prop_assert!(has(value), "{name} lacks `{value}`\n{}", to_toml(blueprint));
        }
        if matches!(
            component.kind(),
            blueprint::Kind::WebApp | blueprint::Kind::FunctionApp
        ) {
            prop_assert_eq!(
                text.matches("'Microsoft.Web/sites/basicPublishingCredentialsPolicies@")
                    .count(),
                2,
                "{}",
                name
            );
            prop_assert!(has("name: 'ftp'") && has("name: 'scm'"), "{name}");
            prop_assert_eq!(text.matches("allow: false").count(), 2, "{}", name);
        }
        if is_compute(component.kind()) {
            // Its own identity, declared in main.bicep and passed to its module only.
            let identity = format!("{}Identity.id", naming::component_symbol(name));
            let main = file(files, "main.bicep")?;
            let passed: Vec<ModuleCall> = module_calls(main)
                .into_iter()
                .filter(|call| call.params.get("identityId") == Some(&identity))
                .collect();
            prop_assert_eq!(passed.len(), 1, "{} identity goes to {:?}", name, passed);
            prop_assert_eq!(&passed[0].path, &path);
        }
    }

    for (path, text) in &files.files {
        if !(path.ends_with(".bicep") || path.ends_with(".bicepparam")) {
            continue;
        }
        let skeleton = lex(text).skeleton.to_ascii_lowercase();
        prop_assert!(!skeleton.contains("listkeys"), "{path} calls listKeys");
        for line in text.lines().filter(|line| line.starts_with("output ")) {
            prop_assert!(
                !line.to_ascii_lowercase().contains("connectionstring"),
                "{path} outputs a connection string: {line}"
            );
        }
        for (role, guid) in PRIVILEGED_ROLE_GUIDS {
            prop_assert!(!text.contains(guid), "{path} assigns {role}");
        }
        prop_assert!(!text.contains("db_owner"), "{path} grants db_owner");
    }
    for (path, text) in files
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".sql"))
    {
        // Grant scripts mention db_owner only in the comment that says it is never granted.
        let granted = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .any(|line| line.contains("db_owner"));
        prop_assert!(!granted, "{path} grants db_owner");
    }
    for assignment in &plan.role_assignments {
        prop_assert!(
            !catalog::PRIVILEGED_ROLES.contains(&assignment.role.name().as_str()),
            "{} gets {}",
            assignment.principal,
            assignment.role.name()
        );
        prop_assert!(!assignment.role.name().ends_with("Data Owner"));
    }

    // Each connection grants exactly the catalogue's roles for its access level, each carried
    // out the way its kind authorizes: RBAC (and a custom role), Cosmos DB data-plane role
    // assignments, Redis access policies, database grant scripts.
    let by_name = bulwark::plan::by_name(blueprint);
    let (mut arm, mut cosmos, mut redis, mut database) = (0, 0, 0, 0);
    for app in computes(blueprint) {
        for connection in app.uses {
            let target = by_name[connection.to.component.as_str()];
            let part = connection
                .to
                .part
                .as_deref()
                .and_then(|part| target.spec.part(part))
                .map(|part| part.kind);
            let grant = catalog::kind_spec(target.kind())
                .target(part)
                .and_then(|spec| spec.grant(connection.access))
                .expect("a validated connection");
            for role in grant.roles {
                match role {
                    Role::Arm(_) | Role::Custom(_) => arm += 1,
                    Role::CosmosData(_) => cosmos += 1,
                    Role::RedisAccessPolicy(_) => redis += 1,
                    Role::Database(_) => database += 1,
                }
            }
        }
    }
    let compute = computes(blueprint).count();
    let function_apps = computes(blueprint)
        .filter(|app| app.kind == blueprint::Kind::FunctionApp)
        .count();
    prop_assert_eq!(plan.role_assignments.len(), arm + cosmos + redis + compute);
    prop_assert_eq!(plan.database_grants.len(), database);
    let count = |needle: &str| -> usize {
        files
            .files
            .values()
            .map(|text| text.matches(needle).count())
            .sum()
    };
    // Every compute identity publishes telemetry, and a function app's identity works its own
    // host storage (blob, queue and table).
    prop_assert_eq!(
        count("'Microsoft.Authorization/roleAssignments@"),
        arm + compute + 3 * function_apps,
        "{}",
        to_toml(blueprint)
    );
    prop_assert_eq!(count("/sqlRoleAssignments@"), cosmos);
    prop_assert_eq!(count("/accessPolicyAssignments@"), redis);
    Ok(())
}

/// Property 1: in every environment, subnets are pairwise disjoint and each inside one of
/// its ranges.
fn check_address_plan(blueprint: &Blueprint, plan: &Plan) -> Result<(), TestCaseError> {
    for environment in &plan.environments {
        let ranges: Vec<Cidr> = plan.address_ranges_in(environment);
        prop_assert!(!ranges.is_empty(), "{environment} has no address range");
        for (index, subnet) in plan.subnets.iter().enumerate() {
            let prefix = subnet.prefix_in(environment);
            prop_assert!(
                ranges.iter().any(|range| range.contains(prefix)),
                "{environment}: {} ({prefix}) is outside {ranges:?}\n{}",
                subnet.name,
                to_toml(blueprint)
            );
            for other in &plan.subnets[index + 1..] {
                let other_prefix = other.prefix_in(environment);
                prop_assert!(
                    !prefix.overlaps(other_prefix),
                    "{environment}: {} ({prefix}) overlaps {} ({other_prefix})\n{}",
                    subnet.name,
                    other.name,
                    to_toml(blueprint)
                );
            }
        }
    }
    Ok(())
}

/// Property 2: every subnet object of network.bicep names a network security group declared
/// there, each its own, and the subnets are the plan's.
fn check_subnet_nsgs(
    blueprint: &Blueprint,
    plan: &Plan,
    files: &FileSet,
) -> Result<(), TestCaseError> {
    let network = file(files, "modules/network.bicep")?;
    let nsgs: BTreeSet<&str> = resources(network)
        .into_iter()
        .filter(|block| block.ty == "Microsoft.Network/networkSecurityGroups")
        .map(|block| block.symbol)
        .collect();
    let subnets = subnet_objects(network);
    let mut names: Vec<&str> = subnets.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    let mut planned: Vec<&str> = plan.subnets.iter().map(|s| s.name.as_str()).collect();
    planned.sort_unstable();
    prop_assert_eq!(
        &names,
        &planned,
        "network.bicep declares other subnets than planned"
    );
    let mut used = BTreeSet::new();
    for subnet in &subnets {
        let nsg = subnet.nsg.as_deref().and_then(|id| id.strip_suffix(".id"));
        prop_assert!(
            nsg.is_some_and(|nsg| nsgs.contains(nsg)),
            "subnet {} has no network security group ({:?})\n{}",
            subnet.name,
            subnet.nsg,
            to_toml(blueprint)
        );
        prop_assert!(
            used.insert(nsg.expect("checked")),
            "subnet {} shares its network security group",
            subnet.name
        );
    }
    Ok(())
}

/// The subnet a module call's `param` argument names, through network.bicep's outputs.
fn subnet_of<'a>(
    call: &ModuleCall,
    param: &str,
    subnet_outputs: &BTreeMap<&str, &'a str>,
) -> Option<&'a str> {
    let output = call.params.get(param)?.strip_prefix("network.outputs.")?;
    subnet_outputs.get(output).copied()
}

/// network.bicep's subnet id outputs: output name → subnet name, from
/// `resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, '<subnet>')`.
fn subnet_outputs(network: &str) -> BTreeMap<&str, &str> {
    output_values(network)
        .into_iter()
        .filter_map(|(name, value)| {
            let subnet = value
                .strip_suffix("')")
                .and_then(|rest| rest.rsplit_once(", '"))
                .map(|(_, subnet)| subnet)?;
            Some((name, subnet))
        })
        .collect()
}

fn check_network(blueprint: &Blueprint, plan: &Plan, files: &FileSet) -> Result<(), TestCaseError> {
    check_address_plan(blueprint, plan)?;
    check_subnet_nsgs(blueprint, plan, files)?;
    let network = file(files, "modules/network.bicep")?;

    // When every environment has the same range, network.bicep writes it as a literal.
    for object in subnet_objects(network) {
        let subnet = plan.subnets.iter().find(|s| s.name == object.name);
        let Some(subnet) = subnet else { continue };
        let ranges: BTreeSet<Cidr> = plan
            .environments
            .iter()
            .map(|environment| subnet.prefix_in(environment))
            .collect();
        if let (Some(literal), [range]) = (
            &object.address_prefix,
            &ranges.iter().collect::<Vec<_>>()[..],
        ) && literal.starts_with('\'')
        {
            prop_assert_eq!(literal, &format!("'{range}'"), "subnet {}", &subnet.name);
        }
    }

    let outputs = subnet_outputs(network);
    let mut seen_outputs = BTreeSet::new();
    for subnet in outputs.values() {
        prop_assert!(
            seen_outputs.insert(*subnet),
            "network.bicep has two outputs for subnet {subnet}\n{}",
            to_toml(blueprint)
        );
    }
    let calls = module_calls(file(files, "main.bicep")?);
    let call_of = |path: &str| calls.iter().find(|call| call.path == path);
    for app in computes(blueprint) {
        let path = module_path(app.kind, app.name);
        let call = call_of(&path);
        prop_assert!(call.is_some(), "main.bicep does not deploy {}", app.name);
        let call = call.expect("checked");
        let (via, param, expected) = match &blueprint
            .components
            .iter()
            .find(|c| c.name == app.name)
            .expect("a component")
            .spec
        {
            ComponentSpec::ContainerApp(container)
                if container.environment == blueprint::ContainerEnvironment::Shared =>
            {
                prop_assert_eq!(
                    call.params.get("environmentId").map(String::as_str),
                    Some("containerApps.outputs.environmentId"),
                    "{} does not run in the shared environment",
                    app.name
                );
                let shared = call_of("modules/container-apps.bicep");
                prop_assert!(shared.is_some(), "no shared Container Apps environment");
                (
                    shared.expect("checked"),
                    "infrastructureSubnetId",
                    bulwark::plan::CONTAINER_APPS_SUBNET.to_string(),
                )
            }
            ComponentSpec::ContainerApp(_) => (
                call,
                "infrastructureSubnetId",
                format!("{}-environment", app.name),
            ),
            _ => (
                call,
                "integrationSubnetId",
                format!("{}-integration", app.name),
            ),
        };
        let subnet = subnet_of(via, param, &outputs);
        prop_assert!(
            subnet == Some(expected.as_str()),
            "{} reaches the VNet through {subnet:?}, not {expected}\n{}",
            app.name,
            to_toml(blueprint)
        );
        let planned = plan.subnets.iter().find(|s| s.name == expected);
        prop_assert!(planned.is_some(), "{expected} is not planned");
    }

    let dns = files.get("modules/dns.bicep").unwrap_or_default();
    for component in &plan.components {
        for endpoint in &component.private_endpoints {
            for zone in &endpoint.zones {
                prop_assert!(plan.dns_zones.contains(zone));
                prop_assert!(
                    dns.contains(&format!("name: '{zone}'")),
                    "{}: zone {zone} is not in dns.bicep",
                    component.name,
                );
            }
        }
    }
    Ok(())
}

/// Expected private endpoint group ids of a component, from what it declares and uses (the
/// plan's list is checked against the files; this checks the plan against the blueprint).
fn expected_groups(spec: &ComponentSpec) -> Option<Vec<&'static str>> {
    let mut groups = Vec::new();
    match spec {
        ComponentSpec::Storage(storage) => {
            if !storage.containers.is_empty() {
                groups.push("blob");
            }
            if !storage.queues.is_empty() {
                groups.push("queue");
            }
        }
        ComponentSpec::FunctionApp(function) => {
            groups.extend(["blob", "queue", "table"]);
            if function.ingress == Ingress::Private {
                groups.push("sites");
            }
        }
        ComponentSpec::WebApp(web) => {
            if web.ingress == Ingress::Private {
                groups.push("sites");
            }
        }
        // The rest have one endpoint each (the plan says which group), or none.
        _ => return None,
    }
    groups.sort_unstable();
    Some(groups)
}

/// Property 3: public network access is off (in each type's spelling, from the facts) on
/// every resource of a component's module that has the switch, and each planned endpoint is
/// a private endpoint in the module with that group id, on the planned resource, in the
/// private-endpoint subnet.
fn check_private_access(
    blueprint: &Blueprint,
    plan: &Plan,
    files: &FileSet,
) -> Result<(), TestCaseError> {
    let facts = exposure_facts();
    let network = file(files, "modules/network.bicep")?;
    let outputs = subnet_outputs(network);
    let calls = module_calls(file(files, "main.bicep")?);
    let mut modules: Vec<(String, Option<&bulwark::plan::ComponentPlan>)> = plan
        .components
        .iter()
        .filter(|c| c.kind() != blueprint::Kind::External)
        .map(|c| (module_path(c.kind(), &c.name), Some(c)))
        .collect();
    if files.get("modules/container-apps.bicep").is_some() {
        modules.push(("modules/container-apps.bicep".to_string(), None));
    }
    for (path, component) in modules {
        let text = file(files, &path)?;
        let public = component.is_some_and(|c| {
            computes(blueprint).any(|app| app.name == c.name && app.ingress == Ingress::Public)
        });
        let blocks = resources(text);
        let mut switches = 0;
        for block in &blocks {
            let props = properties(&block.body, 2);
            let facts = facts.get(block.ty).map(Vec::as_slice).unwrap_or_default();
            for (prop_path, value) in &props {
                if prop_path.rsplit('.').next() != Some("publicNetworkAccess") {
                    continue;
                }
                let allowed = value == "'Disabled'"
                    || (public && block.ty == "Microsoft.Web/sites" && value == "'Enabled'");
                prop_assert!(
                    allowed,
                    "{path}: {} has {prop_path}: {value}\n{}",
                    block.symbol,
                    to_toml(blueprint)
                );
                prop_assert!(
                    facts.is_empty() || facts.iter().any(|(fact, _)| fact == prop_path),
                    "{path}: {} ({}) spells it {prop_path}, not {:?}",
                    block.symbol,
                    block.ty,
                    facts
                );
            }
            for (fact, hardened) in facts {
                switches += 1;
                let values = property(&props, fact);
                let site_public = public && block.ty == "Microsoft.Web/sites";
                prop_assert!(
                    values == [*hardened] || (site_public && values == ["'Enabled'"]),
                    "{path}: {} ({}) has {fact} = {values:?}, not {hardened}\n{}",
                    block.symbol,
                    block.ty,
                    to_toml(blueprint)
                );
            }
        }
        let Some(component) = component else { continue };
        if !is_compute(component.kind()) {
            prop_assert!(
                switches > 0,
                "{path} has no resource with a network access switch"
            );
        }

        // One private endpoint per planned endpoint, nothing else.
        let mut endpoints = endpoint_objects(text);
        prop_assert_eq!(
            endpoints.len(),
            component.private_endpoints.len(),
            "{}: {:?}",
            &path,
            endpoints
        );
        let call = calls.iter().find(|call| call.path == path);
        for planned in &component.private_endpoints {
            let at = endpoints.iter().position(|e| {
                e.group_ids == [planned.group_id] && e.target.as_deref() == Some(planned.target)
            });
            prop_assert!(
                at.is_some(),
                "{path}: no private endpoint for {} on {}\n{}",
                planned.group_id,
                planned.target,
                to_toml(blueprint)
            );
            let endpoint = endpoints.remove(at.expect("checked"));
            let target = blocks.iter().find(|b| b.symbol == planned.target);
            prop_assert!(
                target.is_some_and(|b| b.ty == planned.resource_type),
                "{path}: {} is not a {}",
                planned.target,
                planned.resource_type
            );
            if let Some(facts) = facts.get(planned.resource_type) {
                prop_assert!(
                    facts
                        .iter()
                        .any(|(fact, _)| fact.ends_with("publicNetworkAccess")),
                    "{} has no public access switch",
                    planned.resource_type
                );
            }
            let subnet = endpoint
                .subnet
                .as_ref()
                .zip(call)
                .and_then(|(param, call)| subnet_of(call, param, &outputs));
            prop_assert_eq!(
                subnet,
                Some(bulwark::plan::PRIVATE_ENDPOINT_SUBNET),
                "{}: endpoint {} is not in the private-endpoint subnet",
                &path,
                endpoint.symbol
            );
        }
        let planned_groups = {
            let mut groups: Vec<&str> = component
                .private_endpoints
                .iter()
                .map(|e| e.group_id)
                .collect();
            groups.sort_unstable();
            groups
        };
        // A public app's site is reached from outside the VNet (directly, or through Front
        // Door's private link): whether it also has a VNet endpoint is not this check's call.
        let planned_groups: Vec<&str> = planned_groups
            .into_iter()
            .filter(|group| !(public && *group == "sites"))
            .collect();
        match expected_groups(&component.spec) {
            Some(expected) => prop_assert_eq!(
                &planned_groups,
                &expected,
                "{} needs endpoints {:?}",
                &component.name,
                &expected
            ),
            None if !is_compute(component.kind()) => prop_assert_eq!(
                planned_groups.len(),
                1,
                "{} needs one endpoint",
                &component.name
            ),
            None => prop_assert!(planned_groups.is_empty(), "{}", &component.name),
        }
    }
    Ok(())
}

/// Property 4: each endpoint's zone group points, through a module parameter main.bicep
/// sets from the DNS module's outputs, at exactly the zones its group id registers in; every
/// zone of the plan is declared once in dns.bicep and linked to the VNet network.bicep
/// creates.
fn check_zones(blueprint: &Blueprint, plan: &Plan, files: &FileSet) -> Result<(), TestCaseError> {
    let main = file(files, "main.bicep")?;
    let calls = module_calls(main);
    if plan.dns_zones.is_empty() {
        prop_assert!(files.get("modules/dns.bicep").is_none());
        return Ok(());
    }
    let dns = file(files, "modules/dns.bicep")?;
    let dns_blocks = resources(dns);
    // Zone symbol → zone name.
    let zones: BTreeMap<&str, String> = dns_blocks
        .iter()
        .filter(|block| block.ty == "Microsoft.Network/privateDnsZones")
        .map(|block| {
            let props = properties(&block.body, 2);
            let name = property(&props, "name")
                .first()
                .map(|n| n.trim_matches('\'').to_string());
            (block.symbol, name.unwrap_or_default())
        })
        .collect();
    let mut declared: Vec<&str> = zones.values().map(String::as_str).collect();
    declared.sort_unstable();
    prop_assert_eq!(
        &declared,
        &plan.dns_zones,
        "dns.bicep declares other zones than planned"
    );

    // Every zone linked to the VNet: dns.bicep's `vnetId` comes from network.bicep's VNet.
    let dns_call = calls.iter().find(|call| call.path == "modules/dns.bicep");
    prop_assert!(dns_call.is_some(), "main.bicep does not deploy dns.bicep");
    let dns_call = dns_call.expect("checked");
    for (symbol, zone) in &zones {
        let links: Vec<Vec<(String, String)>> = dns_blocks
            .iter()
            .filter(|block| block.ty == "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
            .map(|block| properties(&block.body, 2))
            .filter(|props| property(props, "parent") == [*symbol])
            .collect();
        prop_assert_eq!(
            links.len(),
            1,
            "zone {} has {} VNet links",
            zone,
            links.len()
        );
        let vnet = property(&links[0], "properties.virtualNetwork.id");
        prop_assert_eq!(
            property(&links[0], "properties.registrationEnabled"),
            ["false"]
        );
        let argument = vnet.first().and_then(|param| dns_call.params.get(*param));
        let network_output = argument.and_then(|a| a.strip_prefix("network.outputs."));
        let network = file(files, "modules/network.bicep")?;
        let vnet_symbol = network_output
            .and_then(|output| output_values(network).get(output).copied())
            .and_then(|value| value.strip_suffix(".id"));
        prop_assert!(
            vnet_symbol.is_some_and(|symbol| resources(network)
                .iter()
                .any(|b| b.symbol == symbol && b.ty == "Microsoft.Network/virtualNetworks")),
            "zone {zone} is linked to {vnet:?} ({argument:?}), not the app's VNet"
        );
    }

    // Zone output name → zone name.
    let zone_outputs: BTreeMap<&str, &str> = output_values(dns)
        .into_iter()
        .filter_map(|(output, value)| {
            let zone = zones.get(value.strip_suffix(".id")?)?;
            Some((output, zone.as_str()))
        })
        .collect();
    for component in &plan.components {
        if component.private_endpoints.is_empty() {
            continue;
        }
        let path = module_path(component.kind(), &component.name);
        let call = calls.iter().find(|call| call.path == path);
        prop_assert!(call.is_some(), "main.bicep does not deploy {path}");
        let call = call.expect("checked");
        let endpoints = endpoint_objects(file(files, &path)?);
        for planned in &component.private_endpoints {
            let endpoint = endpoints.iter().find(|e| {
                e.group_ids == [planned.group_id] && e.target.as_deref() == Some(planned.target)
            });
            prop_assert!(
                endpoint.is_some(),
                "{path}: no endpoint for {}",
                planned.group_id
            );
            let mut registered: Vec<&str> = Vec::new();
            for param in &endpoint.expect("checked").zone_ids {
                let zone = call
                    .params
                    .get(param)
                    .and_then(|value| value.strip_prefix("dns.outputs."))
                    .and_then(|output| zone_outputs.get(output).copied());
                prop_assert!(
                    zone.is_some(),
                    "{path}: zone id `{param}` is not a DNS module zone output ({:?})\n{}",
                    call.params.get(param),
                    to_toml(blueprint)
                );
                registered.push(zone.expect("checked"));
            }
            registered.sort_unstable();
            let mut expected = planned.zones.clone();
            expected.sort_unstable();
            prop_assert_eq!(
                &registered,
                &expected,
                "{}: endpoint {} registers in other zones",
                &path,
                planned.group_id
            );
        }
    }
    Ok(())
}
// ---------------------------------------------------------------------------------------------
// No-panic fuzzing of the loader and everything after it
// ---------------------------------------------------------------------------------------------

const SHOP: &str = include_str!("../blueprints/shop.toml");

/// Load, validate, render diagnostics and, when loading succeeds, generate: the path a
/// blueprint file takes through `bulwark generate`. Nothing may panic; diagnostics must point
/// inside the text; generated files must parse.
fn exercise(bytes: &[u8]) -> Result<(), TestCaseError> {
    let text = std::str::from_utf8(bytes).ok();
    let show = |diagnostics: &[Diagnostic]| {
        if let Some(text) = text {
            let source = Source {
                name: "bulwark.toml",
                text,
            };
            let _ = render::render(diagnostics, Some(&source), false);
            let _ = render::render_short(diagnostics, Some(&source));
        } else {
            let _ = render::render(diagnostics, None, false);
        }
    };
    let check_spans = |diagnostics: &[Diagnostic]| -> Result<(), TestCaseError> {
        for diagnostic in diagnostics {
            if let Some(span) = &diagnostic.span {
                prop_assert!(
                    span.start <= span.end && span.end <= bytes.len(),
                    "{} points at {span:?}, outside the {} bytes of text",
                    diagnostic.code,
                    bytes.len()
                );
            }
        }
        Ok(())
    };
    let loaded = match load::from_bytes(bytes) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            prop_assert!(!diagnostics.is_empty(), "a failed load says why");
            prop_assert!(diagnostics.iter().any(Diagnostic::is_error));
            check_spans(&diagnostics)?;
            show(&diagnostics);
            return Ok(());
        }
    };
    prop_assert!(
        text.is_some(),
        "a blueprint loaded from bytes that are not UTF-8"
    );
    let mut diagnostics = blueprint::validate(&loaded.blueprint);
    loaded.source_map.resolve(&mut diagnostics);
    check_spans(&diagnostics)?;
    show(&diagnostics);
    match bulwark::generate(&loaded.blueprint, &Options::default()) {
        Ok(generated) => {
            for (path, text) in &generated.files.files {
                let problems = syntax_problems(path, text);
                prop_assert!(
                    problems.is_empty(),
                    "{path}: {problems:#?}\nfrom:\n{}",
                    String::from_utf8_lossy(bytes)
                );
            }
        }
        Err(mut diagnostics) => {
            prop_assert!(diagnostics.iter().any(Diagnostic::is_error));
            loaded.source_map.resolve(&mut diagnostics);
            check_spans(&diagnostics)?;
            show(&diagnostics);
        }
    }
    Ok(())
}

/// Lines and fragments that make TOML, blueprint-shaped or not.
const TOML_SNIPPETS: &[&str] = &[
    "[app]",
    "[network]",
    "[components]",
    "[components.web]",
    "[components.x]\nkind = \"web-app\"\nruntime = \"node:22\"",
    "[components.private-endpoints]\nkind = \"web-app\"\nruntime = \"python:3.12\"",
    "[components.other]\nkind = \"storage\"\nqueues = [\"service\"]",
    "[components.keys]\nkind = \"key-vault\"\nsecrets = [\"expiry\", \"key\", \"key-value\"]",
    "[[components]]",
    "[components.web.settings]\nA = \"${x}'\"",
    "name = \"shop\"",
    "name = \"\"",
    "environments = []",
    "environments = [\"dev\", \"dev\"]",
    "address_space = \"10.0.0.0/24\"",
    "address_space = \"10.0.0.1/16\"",
    "address_space = \"255.255.255.0/8\"",
    "address_space = \"0.0.0.0/8\"",
    "kind = \"storage\"",
    "kind = \"key-vault\"",
    "kind = \"web-app\"",
    "kind = \"function-app\"",
    "kind = 3",
    "runtime = \"node:18\"",
    "ingress = \"private\"",
    "ingress = \"public\"",
    "sku = \"F1\"",
    "sku = \"p0v3\"",
    "replication = \"GZRS\"",
    "health_check_path = \"/it's ${x}\"",
    "health_check_path = \"healthz\"",
    "settings = { A = \"'\\n${subscription().id}\\\\\", B = \"\\u0000\" }",
    "settings = { AZURE_CLIENT_ID = \"x\" }",
    "settings = { \"bad name\" = \"x\" }",
    "uses = [{ to = \"media\", access = \"read\" }]",
    "uses = [{ to = \"vault\", access = \"read-write\" }]",
    "uses = [{ to = \"vault.stripe-key\", access = \"send\" }]",
    "uses = [{ to = \"web\", access = \"read\" }]",
    "uses = [{ to = \"media.images\", access = \"read\" }, { to = \"media.images\", access = \"read-write\" }]",
    "uses = [{ to = \"nothing.at.all\", access = \"read\" }]",
    "uses = [{ to = \"\", access = \"\" }]",
    "containers = [\"images\", \"orders\"]",
    "queues = [\"images\", \"service\"]",
    "secrets = [\"Stripe-Key\", \"stripe-key\"]",
    "secrets = [\"expiry\"]",
    "unknown = 1",
    "x = { y = { z = [1, 2.5, true, 1979-05-27T07:32:00Z] } }",
    "# comment ${x}",
    "\"quoted key\" = 'literal'",
    "multi = \"\"\"\nline\n\"\"\"",
    "=",
    "[",
    "]",
    "{",
    "\"",
    "'",
    "\u{feff}",
    "\r\n",
    "é = 1",
];

const TOML_VALUES: &[&str] = &[
    "\"node:20\"",
    "\"python:3.13\"",
    "\"private\"",
    "\"read-write\"",
    "\"send\"",
    "\"receive\"",
    "\"B1\"",
    "\"LRS\"",
    "\"/\"",
    "\"/it's${x}\\\\\"",
    "[\"dev\", \"prod\", \"x\"]",
    "[\"images\", \"service\"]",
    "[\"expiry\", \"key\", \"key-value\"]",
    "{ A = \"'${x}\\n\" }",
    "[{ to = \"vault\", access = \"read\" }]",
    "[{ to = \"media.orders\", access = \"send-receive\" }]",
    "\"10.1.0.0/22\"",
    "\"\"",
    "\"x\"",
    "\"web\"",
    "\"media.images\"",
    "\"read\"",
    "\"send-receive\"",
    "\"node:22\"",
    "\"public\"",
    "\"10.0.0.0/22\"",
    "\"'${x}\\\\\"",
    "\"\\u0000\"",
    "0",
    "-1",
    "99999999999999999999",
    "1.5",
    "nan",
    "true",
    "[]",
    "[\"a\", \"a\"]",
    "[1, \"a\"]",
    "{}",
    "{ to = \"media\" }",
    "\"unterminated",
    "[",
    "{",
    "1979-05-27",
];

/// Values that suit a key of shop.toml, valid or nearly so.
const SUITED_VALUES: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "\"shop\"",
            "\"a1\"",
            "\"private-endpoints\"",
            "\"x\"",
            "\"Shop\"",
        ],
    ),
    (
        "environments",
        &[
            "[\"dev\"]",
            "[\"dev\", \"prod\", \"test\"]",
            "[\"a\", \"b\", \"c\", \"d\"]",
            "[]",
        ],
    ),
    (
        "kind",
        &["\"web-app\"", "\"storage\"", "\"key-vault\"", "\"webapp\""],
    ),
    (
        "runtime",
        &[
            "\"node:20\"",
            "\"python:3.11\"",
            "\"dotnet:9.0\"",
            "\"java:21\"",
            "\"node:18\"",
        ],
    ),
    ("ingress", &["\"private\"", "\"public\""]),
    ("sku", &["\"B1\"", "\"S3\"", "\"P5mv3\"", "\"F1\""]),
    (
        "health_check_path",
        &["\"/\"", "\"/${x}'\"", "\"/a\\\\b\"", "\"/ x\""],
    ),
    (
        "settings",
        &[
            "{ A = \"'${x}\\n\" }",
            "{ NODE_ENV = \"\\u0000\\\\\", B = \"//\" }",
            "{}",
        ],
    ),
    (
        "uses",
        &[
            "[{ to = \"media.images\", access = \"read-write\" }]",
            "[{ to = \"media.orders\", access = \"send-receive\" }, { to = \"vault\", access = \"read\" }]",
            "[{ to = \"vault.stripe-key\", access = \"read-write\" }]",
            "[{ to = \"media\", access = \"read\" }]",
            "[]",
        ],
    ),
    (
        "containers",
        &[
            "[\"images\"]",
            "[\"images\", \"service\"]",
            "[\"images\", \"orders\"]",
            "[]",
        ],
    ),
    (
        "queues",
        &[
            "[\"orders\"]",
            "[\"orders\", \"service\"]",
            "[\"orders\", \"private-endpoint\"]",
            "[]",
        ],
    ),
    (
        "secrets",
        &[
            "[\"stripe-key\"]",
            "[\"stripe-key\", \"expiry\"]",
            "[\"stripe-key\", \"key\", \"key-value\"]",
            "[\"stripe-key\", \"azure-client-id\"]",
        ],
    ),
    ("replication", &["\"LRS\"", "\"GZRS\"", "\"RAGRS\""]),
    (
        "address_space",
        &[
            "\"10.0.0.0/22\"",
            "\"10.0.0.0/24\"",
            "\"192.168.0.0/23\"",
            "\"10.0.0.1/16\"",
        ],
    ),
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteBytes(Index, usize),
    InsertBytes(Index, Vec<u8>),
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    InsertLine(Index, String),
    /// Replace the value of one `key = value` line: with a value that suits the key when the
    /// second index is there and the key is known, else with the given one.
    ReplaceValue(Index, String, Option<Index>),
}

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(TOML_VALUES).prop_map(String::from),
        1 => user_text().prop_map(|text| toml_string(&text)),
        1 => "[a-z0-9.:/-]{0,12}".prop_map(|text| toml_string(&text)),
    ]
}

fn toml_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(TOML_SNIPPETS).prop_map(String::from),
        2 => ("[a-z_]{1,16}", toml_value()).prop_map(|(key, value)| format!("{key} = {value}")),
        1 => "[a-z]{1,10}".prop_map(|name| format!("[components.{name}]")),
        1 => any::<String>(),
    ]
}

/// Mostly mutations that keep the text TOML, so a fair share of mutants loads and generates.
fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<Index>(), 1..16usize).prop_map(|(at, len)| Mutation::DeleteBytes(at, len)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::InsertBytes(at, bytes)),
        2 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (any::<Index>(), toml_line()).prop_map(|(at, line)| Mutation::InsertLine(at, line)),
        5 => (any::<Index>(), toml_value(), prop::option::weighted(0.75, any::<Index>()))
            .prop_map(|(at, value, suited)| Mutation::ReplaceValue(at, value, suited)),
    ]
}

fn split_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

fn mutate(mut bytes: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    match mutation {
        Mutation::DeleteBytes(at, len) => {
            if !bytes.is_empty() {
                let start = at.index(bytes.len());
                let end = (start + len).min(bytes.len());
                bytes.drain(start..end);
            }
            bytes
        }
        Mutation::InsertBytes(at, inserted) => {
            let start = at.index(bytes.len() + 1);
            bytes.splice(start..start, inserted.iter().copied());
            bytes
        }
        Mutation::DeleteLine(at) => {
            let mut lines = split_lines(&bytes);
            lines.remove(at.index(lines.len()));
            lines.join(&b'\n')
        }
        Mutation::DuplicateLine(at) => {
            let mut lines = split_lines(&bytes);
            let at = at.index(lines.len());
            lines.insert(at, lines[at].clone());
            lines.join(&b'\n')
        }
        Mutation::SwapLines(a, b) => {
            let mut lines = split_lines(&bytes);
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            lines.join(&b'\n')
        }
        Mutation::InsertLine(at, line) => {
            let mut lines = split_lines(&bytes);
            let at = at.index(lines.len() + 1);
            lines.insert(at, line.as_bytes().to_vec());
            lines.join(&b'\n')
        }
        Mutation::ReplaceValue(at, value, suited) => {
            let mut lines = split_lines(&bytes);
            let assignments: Vec<usize> = lines
                .iter()
                .enumerate()
                .filter(|(_, line)| line.windows(3).any(|w| w == b" = "))
                .map(|(index, _)| index)
                .collect();
            if assignments.is_empty() {
                return bytes;
            }
            let index = assignments[at.index(assignments.len())];
            let line = &mut lines[index];
            let split = line
                .windows(3)
                .position(|w| w == b" = ")
                .expect("the line has an assignment");
            let key = String::from_utf8_lossy(&line[..split]).trim().to_string();
            let opens_array = line[split + 3..].trim_ascii() == b"[";
            let value = suited
                .and_then(|pick| {
                    let (_, values) = SUITED_VALUES.iter().find(|(k, _)| *k == key)?;
                    Some(pick.get(values).to_string())
                })
                .unwrap_or_else(|| value.clone());
            line.truncate(split + 3);
            line.extend_from_slice(value.as_bytes());
            if opens_array {
                // The old value went on over the next lines, up to a lone `]`.
                let end = lines[index + 1..]
                    .iter()
                    .position(|line| line.trim_ascii() == b"]")
                    .map_or(index + 1, |offset| index + 2 + offset);
                lines.drain(index + 1..end);
            }
            lines.join(&b'\n')
        }
    }
}

#[test]
fn shop_toml_is_a_valid_seed_for_mutation() {
    let loaded = load::from_str(SHOP).expect("shop.toml loads");
    let generated = bulwark::generate(&loaded.blueprint, &Options::default());
    assert!(generated.is_ok(), "{:#?}", generated.err());
    exercise(SHOP.as_bytes()).expect("shop.toml goes through the whole pipeline");
}

proptest! {
    #![proptest_config(config(FUZZ_CASES))]

    #[test]
    fn loading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes)?;
    }

    #[test]
    fn loading_arbitrary_text_never_panics(
        text in prop_oneof![
            any::<String>(),
            prop::collection::vec(toml_line(), 0..24).prop_map(|lines| lines.join("\n")),
            prop::collection::vec(toml_line(), 0..12).prop_map(|lines| {
                format!("[app]\nname = \"a1\"\nenvironments = [\"dev\"]\n{}", lines.join("\n"))
            }),
        ]
    ) {
        exercise(text.as_bytes())?;
    }

    #[test]
    fn loading_mutated_shop_toml_never_panics(
        mutations in prop::collection::vec(mutation(), 1..4)
    ) {
        let bytes = mutations
            .iter()
            .fold(SHOP.as_bytes().to_vec(), mutate);
        exercise(&bytes)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Minimal blueprints for the bugs the properties above found, one test per root cause, so each
// stays visible while another is being fixed. They fail until the generator is fixed.
// ---------------------------------------------------------------------------------------------

type Check = fn(&Blueprint, &bulwark::Generated) -> Result<(), TestCaseError>;

/// Every case must validate, generate, and pass `check`; returns what went wrong per case.
fn failures(cases: Vec<(&str, Blueprint)>, check: Check) -> Vec<String> {
    let mut failures = Vec::new();
    for (what, blueprint) in cases {
        let problems = errors(&blueprint::validate(&blueprint));
        if !problems.is_empty() {
            failures.push(format!("{what}: rejected: {problems:?}"));
            continue;
        }
        match bulwark::generate(&blueprint, &Options::default()) {
            Err(diagnostics) => {
                failures.push(format!("{what}: not generated: {:?}", errors(&diagnostics)));
            }
            Ok(generated) => {
                if let Err(error) = check(&blueprint, &generated) {
                    failures.push(format!("{what}: {error}"));
                }
            }
        }
    }
    failures
}

fn one_vault(secrets: &[&str]) -> Blueprint {
    Blueprint::builder("ab", ["dev"])
        .component("vault", KeyVault::new().secrets(secrets.iter().copied()))
        .build()
}

fn one_storage(containers: &[&str], queues: &[&str]) -> Blueprint {
    Blueprint::builder("ab", ["dev"])
        .component(
            "media",
            Storage::new()
                .containers(containers.iter().copied())
                .queues(queues.iter().copied()),
        )
        .build()
}

/// plan_subnets tells the private-endpoint subnet from integration subnets by name, so a web
/// app named `private-endpoints` gets a second "private-endpoints" subnet: two NSGs with one
/// symbol, two outputs with one name, and the app integrates into the endpoint subnet.
#[test]
fn regression_a_web_app_named_private_endpoints_gets_its_own_subnet() {
    let blueprint = Blueprint::builder("ab", ["dev"])
        .component("private-endpoints", WebApp::new(Runtime::Node22))
        .build();
    let failed = failures(vec![("web app `private-endpoints`", blueprint)], |b, g| {
        check_network(b, &g.plan, &g.files)?;
        check_symbols(b, &g.files)
    });
    assert!(failed.is_empty(), "{failed:#?}");
}

/// Part symbols are `container…`, `queue…`, `secret…` + PascalCase(name), which can equal a
/// symbol the module declares itself.
#[test]
fn regression_part_names_do_not_clash_with_module_symbols() {
    let failed = failures(
        vec![
            ("queue `service`", one_storage(&[], &["service"])),
            (
                "queue `service-diagnostics`",
                one_storage(&[], &["service-diagnostics"]),
            ),
            (
                "queue `private-endpoint`",
                one_storage(&[], &["private-endpoint"]),
            ),
            ("secret `expiry`", one_vault(&["expiry"])),
            (
                "secrets `key` and `key-value`",
                one_vault(&["key", "key-value"]),
            ),
        ],
        |b, g| check_symbols(b, &g.files),
    );
    assert!(failed.is_empty(), "{failed:#?}");
}

/// Role assignment symbols concatenate scope and principal symbols without a separator.
#[test]
fn regression_role_assignment_symbols_are_unique() {
    let containers = Blueprint::builder("ab", ["dev"])
        .component("media", Storage::new().containers(["aaa", "aaa-bbb"]))
        .component(
            "bbb-web",
            WebApp::new(Runtime::Node22).uses("media.aaa", Access::Read),
        )
        .component(
            "web",
            WebApp::new(Runtime::Node22).uses("media.aaa-bbb", Access::Read),
        )
        .build();
    let secret = Blueprint::builder("ab", ["dev"])
        .component("vault", KeyVault::new().secrets(["x", "x-web-role"]))
        .component(
            "web",
            WebApp::new(Runtime::Node22).uses("vault.x", Access::Read),
        )
        .build();
    let failed = failures(
        vec![
            ("bbb-web→media.aaa and web→media.aaa-bbb", containers),
            ("secret `x-web-role` and web→vault.x", secret),
        ],
        |b, g| check_symbols(b, &g.files),
    );
    assert!(failed.is_empty(), "{failed:#?}");
}

/// main.bicep's secret parameters `<vault><Secret>Value` may differ only in case (BCP353):
/// the validator rejects such a pair instead of generating two parameters Bicep confuses.
#[test]
fn regression_secret_parameters_differ_in_more_than_case() {
    let blueprint = Blueprint::builder("ab", ["dev"])
        .component("vx", KeyVault::new().secrets(["yz"]))
        .component("vxy", KeyVault::new().secrets(["z"]))
        .build();
    let diagnostics = blueprint::validate(&blueprint);
    assert!(
        diagnostics.iter().any(|d| d.code == "ambiguous-secret"),
        "{:#?}",
        errors(&diagnostics)
    );
}

/// A connection to secret `azure-client-id` would add app setting AZURE_CLIENT_ID, which
/// bulwark already sets to the app's identity: the validator rejects it.
#[test]
fn regression_connections_cannot_replace_reserved_settings() {
    for reserved in blueprint::RESERVED_SETTINGS {
        let secret = reserved.to_ascii_lowercase().replace('_', "-");
        let blueprint = Blueprint::builder("ab", ["dev"])
            .component("vault", KeyVault::new().secrets([secret.as_str()]))
            .component(
                "web",
                WebApp::new(Runtime::Node22).uses(format!("vault.{secret}").as_str(), Access::Read),
            )
            .build();
        let diagnostics = blueprint::validate(&blueprint);
        assert!(
            diagnostics.iter().any(|d| d.code == "setting-collision"),
            "{reserved}: {:#?}",
            errors(&diagnostics)
        );
    }
}

/// A container and a queue of the same name would make `media.jobs` ambiguous (it used to
/// mean the container silently): the validator rejects the pair, and says only that.
#[test]
fn regression_a_queue_named_like_a_container_can_be_used() {
    let blueprint = Blueprint::builder("ab", ["dev"])
        .component(
            "media",
            Storage::new().containers(["jobs"]).queues(["jobs"]),
        )
        .component(
            "web",
            WebApp::new(Runtime::Node22).uses("media.jobs", Access::Send),
        )
        .build();
    let diagnostics = blueprint::validate(&blueprint);
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["ambiguous-part"], "{:#?}", errors(&diagnostics));
}

/// The strategy reaches every component kind and every (target, access) pair the catalogue
/// offers, and sizes components per environment (a fixed seed keeps this deterministic).
#[test]
fn the_strategy_covers_every_kind_and_access_level() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut kinds = BTreeSet::new();
    let mut grants = BTreeSet::new();
    let mut overrides = 0;
    for _ in 0..300 {
        let blueprint = valid_blueprint()
            .new_tree(&mut runner)
            .expect("a blueprint")
            .current();
        let by_name = bulwark::plan::by_name(&blueprint);
        for component in &blueprint.components {
            kinds.insert(component.kind());
            if component.spec.overrides().is_some_and(|o| !o.is_empty()) {
                overrides += 1;
            }
            for connection in component.uses() {
                let target = by_name[connection.to.component.as_str()];
                let part = connection
                    .to
                    .part
                    .as_deref()
                    .and_then(|part| target.spec.part(part))
                    .map(|part| part.kind);
                grants.insert((target.kind(), part, connection.access));
            }
        }
    }
    assert_eq!(kinds, blueprint::Kind::ALL.into_iter().collect());
    for spec in catalog::KINDS {
        for target in spec.targets {
            for access in target.accesses() {
                assert!(
                    grants.contains(&(spec.kind, target.part, access)),
                    "no connection to a {} {:?} with {access}",
                    spec.kind,
                    target.part
                );
            }
        }
    }
    assert!(
        overrides > 100,
        "only {overrides} components sized per environment"
    );
}

/// Module deployments are named `<app>-<component>`, and the concern modules `<app>-network`,
/// `<app>-dns`, `<app>-monitoring` and `<app>-policies`; a dedicated Container Apps
/// environment's DNS module is `<app>-<component>-dns`. All of them are deployments in the
/// one resource group, so a component named like a concern (`network`), or `<x>-dns` next to
/// a container app `<x>` with a dedicated environment, shares a deployment name: Bicep rejects
/// two modules with one name in one file (BCP122), and two nested deployments with one name
/// overwrite each other while they run. Not checked by the properties above (it would fail
/// them), hence this pinned blueprint.
#[test]
fn regression_module_deployment_names_are_unique() {
    let concern = Blueprint::builder("ab", ["dev"])
        .component("network", Storage::new().containers(["images"]))
        .build();
    let dns = Blueprint::builder("ab", ["dev"])
        .component(
            "jobs",
            ContainerApp::new(PUBLIC_IMAGES[0]).dedicated_environment(),
        )
        .component("jobs-dns", KeyVault::new())
        .build();
    let failed = failures(
        vec![
            ("storage `network`", concern),
            ("container app `jobs` (dedicated) and vault `jobs-dns`", dns),
        ],
        |_, g| check_deployment_names(&g.files),
    );
    assert!(failed.is_empty(), "{failed:#?}");
}

/// The literal `name` of every module statement in every file: deployments of one resource
/// group, so each must be unique.
fn check_deployment_names(files: &FileSet) -> Result<(), TestCaseError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, text) in &files.files {
        if !path.ends_with(".bicep") {
            continue;
        }
        for module in blocks(text, "module") {
            let props = properties(&module.body, 2);
            for name in property(&props, "name") {
                let previous = seen.insert(name.to_string(), format!("{path}: {}", module.symbol));
                prop_assert!(
                    previous.is_none(),
                    "deployment {name} is both {} and {path}: {}",
                    previous.unwrap_or_default(),
                    module.symbol
                );
            }
        }
    }
    Ok(())
}

/// tree-sitter-bicep (and so the CI checker's grammar, which is built from it) reads a `//`
/// comment that ends in a backslash as going on over the next line, as C does; the Bicep
/// compiler does not. Front Door's module writes a public app's health check path into a
/// comment, so `health_check_path = "/\\"` swallows the next line into the comment.
#[test]
fn regression_comments_never_end_in_a_backslash() {
    let blueprint = Blueprint::builder("ab", ["dev"])
        .component(
            "web",
            WebApp::new(Runtime::Node22)
                .ingress(Ingress::Public)
                .health_check_path("/\\"),
        )
        .build();
    let failed = failures(vec![("health check path `/\\`", blueprint)], |_, g| {
        for (path, text) in &g.files.files {
            let problems = syntax_problems(path, text);
            prop_assert!(problems.is_empty(), "{path}: {problems:#?}");
            for line in text.lines() {
                prop_assert!(
                    !(line.trim_start().starts_with("//") && line.ends_with('\\')),
                    "{path}: {line}"
                );
            }
        }
        Ok(())
    });
    assert!(failed.is_empty(), "{failed:#?}");
}

/// Subnet slots follow the declaration order of compute components, so swapping two web apps
/// may swap their subnet ranges, and nothing else: network.bicep declares its subnets and
/// NSGs in declaration order too, so their order in the file changes with it.
#[test]
fn regression_component_order_moves_only_subnet_ranges() {
    let web = || WebApp::new(Runtime::Node22);
    let ab = Blueprint::builder("ab", ["dev"])
        .component("aa", web())
        .component("bb", web())
        .build();
    let ba = Blueprint::builder("ab", ["dev"])
        .component("bb", web())
        .component("aa", web())
        .build();
    let generate = |blueprint: &Blueprint| {
        bulwark::generate(blueprint, &Options::default())
            .unwrap_or_else(|d| panic!("{:#?}", errors(&d)))
            .files
    };
    let (first, second) = (generate(&ab), generate(&ba));
    for (path, text) in &first.files {
        let (masked, other) = (mask_cidrs(text), mask_cidrs(&second.files[path]));
        assert!(
            masked == other,
            "{path}: {}",
            first_difference(&masked, &other)
        );
    }
}
