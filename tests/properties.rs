//! Property tests.
//!
//! The first half generates random *valid* blueprints through the builder API, random mixes
//! of all sixteen component kinds with random connections (any target and access level the
//! catalogue allows) and per-environment sizing, in every network mode (a created VNet, peered
//! with a hub or not, or existing VNets with one or two ranges and a route table or not; per
//! environment address spaces, VNets, hubs and subnet pins; created, central or
//! policy-managed DNS) and with governance (policy modes, locks and monitoring per
//! environment, the benchmark, tags, waivers of every control), and checks what every
//! generation must guarantee: it succeeds, its Bicep parses, it is deterministic, user text
//! stays inside string literals, the security baseline holds, the files are wired together
//! consistently, the network is private (the "Private networking" properties: disjoint
//! subnets inside the address space, an NSG on every subnet, public access off and a private
//! endpoint per sub-service, zone groups wired to linked zones, stable subnet ranges), the
//! VNet is the one the blueprint describes, and governance does what it says (waivers weaken
//! only what they name, policy effects are ones their definitions allow, locks sit where they
//! are asked for). The second half throws random bytes, random text and mutated copies of
//! `blueprints/shop.toml` at the loader and checks that nothing on the path to generated
//! files panics.
//!
//! Failure persistence is off so a failing run leaves no files behind; proptest prints the
//! minimal failing input, and `to_toml` below turns a blueprint into a file for the CLI. The
//! `regression_*` tests at the end pin the minimal blueprints of the bugs these properties
//! (and the probing around them) found, so each stays visible whatever the random seed; those
//! still open are `#[ignore]`d with the bug they show.

mod common;

use bulwark::blueprint::render::{self, Source};
use bulwark::blueprint::{
    self, Access, AdminGroup, AiSearch, AppConfiguration, Blueprint, ComponentSpec, Connection,
    ContainerApp, ContainerRegistry, Control, CosmosDb, Date, DnsMode, EventHubs, ExistingNetwork,
    External, FunctionApp, FunctionRuntime, Governance, GovernanceOverride, Grant, Ingress,
    KeyVault, Monitoring, MonitoringOverride, NetworkOverride, OpenAi, Overrides, PolicyMode,
    Postgres, Redis, RegistryImage, Runtime, SasRight, ServiceBus, SizingValue, SqlDatabase,
    Storage, Target, Waiver, WebApp, load,
};
use bulwark::catalog::naming::{self, NameRule};
use bulwark::catalog::{self, Allowed, Role, controls, facts};
use bulwark::plan::network::Cidr;
use bulwark::plan::{DnsPlan, Plan};
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

/// `repository:tag` in a registry of the blueprint, as Docker's reference grammar spells them.
fn image_path() -> BoxedStrategy<String> {
    "[a-z0-9]{1,8}(/[a-z0-9]{1,4}([._-][a-z0-9]{1,4})?)?:[A-Za-z0-9_][A-Za-z0-9._-]{0,7}".boxed()
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
        /// Pulled from a registry component of the blueprint when there is one (`repository:tag`,
        /// and whether the app also lists a `pull` connection to it); otherwise `public_image`.
        from_registry: Option<(Index, String, bool)>,
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
    components: Vec<DraftComponent>,
    network: NetworkDraft,
    governance: GovernanceDraft,
}

/// Raw prefix length and base address of a range, fitted to the blueprint by `assemble`.
type RawRange = (u8, u32);

/// How the app reaches its VNet.
#[derive(Debug, Clone)]
enum VnetDraft {
    /// bulwark creates the VNet: from `space` (else the default), peered with a hub when
    /// `peer` seeds its id.
    Created {
        space: Option<RawRange>,
        peer: Option<u32>,
        /// The hub only in `[network.environments.<env>]`, for every environment.
        peer_per_environment: bool,
    },
    /// Subnets go into a VNet the platform owns, in one range with room for them all and
    /// possibly a small second one (listed first or second), with a route table or not.
    Existing {
        range: RawRange,
        second: Option<(RawRange, bool)>,
        route_table: bool,
        seed: u32,
    },
}

/// A subnet pin: which planned subnet, how much larger than its minimum, which free slot.
#[derive(Debug, Clone)]
struct PinDraft {
    subnet: Index,
    larger: u8,
    slot: Index,
}

/// What one environment (by position) overrides.
#[derive(Debug, Clone)]
struct EnvironmentNetworkDraft {
    /// Its own address space, or its own existing VNet (big range, small range, id seed).
    own: Option<(RawRange, RawRange, u32)>,
    /// Another hub than `[network]`'s (when the VNet is peered).
    other_hub: Option<u32>,
    pins: Vec<PinDraft>,
}

#[derive(Debug, Clone)]
enum DnsDraft {
    Create,
    /// Central zones with an id for every zone the plan needs, plus extra zones from the facts.
    CentralIds {
        extra: Vec<Index>,
    },
    /// Central zones the estate's policy registers endpoints in: no ids.
    CentralPolicy,
}

#[derive(Debug, Clone)]
struct NetworkDraft {
    vnet: VnetDraft,
    /// Zipped with the environments.
    environments: Vec<EnvironmentNetworkDraft>,
    /// Pins in `[network.subnets]` (only when every environment shares its ranges).
    pins: Vec<PinDraft>,
    dns: DnsDraft,
}

#[derive(Debug, Clone)]
enum MonitoringDraft {
    /// The app's own workspace: retention and daily cap, per environment too.
    Own {
        retention_days: Option<u32>,
        daily_cap_gb: Option<u32>,
        environments: Vec<(Option<u32>, Option<u32>)>,
    },
    /// Central workspaces (by id seed): `[monitoring]`'s, else each environment's own.
    Central {
        workspace: Option<u32>,
        environments: Vec<Option<u32>>,
    },
}

/// A waiver of one (component, control) pair the blueprint offers, picked by `pick`.
#[derive(Debug, Clone)]
struct WaiverDraft {
    pick: Index,
    reason: String,
    expires: Date,
    allow_from: Vec<String>,
    /// For `local-auth`: entities (picked among the component's queues, topics and hubs)
    /// and rights (1 send, 2 listen, 3 both).
    grants: Vec<(Index, u8)>,
}

#[derive(Debug, Clone)]
struct GovernanceDraft {
    policy: PolicyMode,
    locks: bool,
    benchmark: bool,
    /// Zipped with the environments.
    environments: Vec<(Option<PolicyMode>, Option<bool>)>,
    tags: Vec<(String, String)>,
    /// Tags (by index) that are required; `None` requires one bulwark sets itself.
    required: Vec<Option<Index>>,
    monitoring: MonitoringDraft,
    waivers: Vec<WaiverDraft>,
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
        prop::option::of((any::<Index>(), image_path(), any::<bool>())),
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

fn raw_range() -> impl Strategy<Value = RawRange> {
    (any::<u8>(), any::<u32>())
}

fn pin_draft() -> impl Strategy<Value = PinDraft> {
    (any::<Index>(), 0..=2u8, any::<Index>()).prop_map(|(subnet, larger, slot)| PinDraft {
        subnet,
        larger,
        slot,
    })
}

fn vnet_draft() -> impl Strategy<Value = VnetDraft> {
    prop_oneof![
        3 => (
            prop::option::of(raw_range()),
            prop::option::weighted(0.3, any::<u32>()),
            prop::bool::weighted(0.2),
        )
            .prop_map(|(space, peer, peer_per_environment)| VnetDraft::Created {
                space,
                peer,
                peer_per_environment,
            }),
        2 => (
            raw_range(),
            prop::option::of((raw_range(), any::<bool>())),
            any::<bool>(),
            any::<u32>(),
        )
            .prop_map(|(range, second, route_table, seed)| VnetDraft::Existing {
                range,
                second,
                route_table,
                seed,
            }),
    ]
}

fn environment_network_draft() -> impl Strategy<Value = EnvironmentNetworkDraft> {
    (
        prop::option::weighted(0.3, (raw_range(), raw_range(), any::<u32>())),
        prop::option::weighted(0.3, any::<u32>()),
        prop::collection::vec(pin_draft(), 0..=2),
    )
        .prop_map(|(own, other_hub, pins)| EnvironmentNetworkDraft {
            own,
            other_hub,
            pins,
        })
}

fn dns_draft() -> impl Strategy<Value = DnsDraft> {
    prop_oneof![
        3 => Just(DnsDraft::Create),
        2 => prop::collection::vec(any::<Index>(), 0..4)
            .prop_map(|extra| DnsDraft::CentralIds { extra }),
        1 => Just(DnsDraft::CentralPolicy),
    ]
}

fn network_draft() -> impl Strategy<Value = NetworkDraft> {
    (
        vnet_draft(),
        prop::collection::vec(environment_network_draft(), 3),
        prop::collection::vec(pin_draft(), 0..=3),
        dns_draft(),
    )
        .prop_map(|(vnet, environments, pins, dns)| NetworkDraft {
            vnet,
            environments,
            pins,
            dns,
        })
}

fn policy_mode() -> impl Strategy<Value = PolicyMode> {
    prop_oneof![Just(PolicyMode::Audit), Just(PolicyMode::Deny)]
}

const TRICKY_TAG_NAMES: &[&str] = &[
    "owner",
    "cost-center",
    "data-classification",
    "it's",
    "${owner}",
    "a b",
    "x:y",
    "é",
    "🦀",
    "1",
    "apps",
    "tags",
    "'",
    "\"",
    "#",
];

/// Tag names the validator accepts: 1-512 characters, none of `<>%&\?/` and no control
/// characters.
fn tag_name() -> BoxedStrategy<String> {
    prop_oneof![
        2 => select(TRICKY_TAG_NAMES).prop_map(String::from),
        1 => "[A-Za-z0-9 _.:'${}#@+=-]{1,12}",
    ]
    .boxed()
}

/// Tag values: 1-256 characters of anything.
fn tag_value() -> BoxedStrategy<String> {
    prop_oneof![
        2 => select(&["finance-platform@contoso.example", "CC-4711", "confidential"][..])
            .prop_map(String::from),
        1 => user_text().prop_filter("a tag value", |v| {
            !v.is_empty() && v.chars().count() <= 256
        }),
    ]
    .boxed()
}

fn monitoring_draft() -> impl Strategy<Value = MonitoringDraft> {
    let retention = prop::option::of(prop_oneof![Just(30u32), Just(730), 30..=730u32]);
    let cap = prop::option::of(prop_oneof![Just(1u32), 1..=500u32]);
    prop_oneof![
        2 => (
            retention.clone(),
            cap.clone(),
            prop::collection::vec((retention, cap), 3),
        )
            .prop_map(|(retention_days, daily_cap_gb, environments)| MonitoringDraft::Own {
                retention_days,
                daily_cap_gb,
                environments,
            }),
        1 => (
            prop::option::of(any::<u32>()),
            prop::collection::vec(prop::option::of(any::<u32>()), 3),
        )
            .prop_map(|(workspace, environments)| MonitoringDraft::Central {
                workspace,
                environments,
            }),
    ]
}

/// Public IPv4 ranges (nothing inside RFC 1918 space).
fn public_range() -> BoxedStrategy<String> {
    prop_oneof![
        1 => select(&["203.0.113.0/24", "198.51.100.0/26", "8.8.8.8/32", "1.0.0.0/8"][..])
            .prop_map(String::from),
        2 => (any::<u32>(), 1..=32u8).prop_filter_map("a public range", |(base, prefix)| {
            let cidr = Cidr {
                base: base & (u32::MAX << (32 - u32::from(prefix))),
                prefix,
            };
            let private = [(0x0A00_0000u32, 8u8), (0xAC10_0000, 12), (0xC0A8_0000, 16)]
                .into_iter()
                .any(|(base, prefix)| Cidr { base, prefix }.contains(cidr));
            (!private).then(|| cidr.to_string())
        }),
    ]
    .boxed()
}

/// A reason a reviewer can judge (10 characters or more), hostile text included, at the
/// start or at the end.
fn waiver_reason() -> BoxedStrategy<String> {
    prop_oneof![
        2 => select(&[
            "The OCR vendor (contract FIN-2291) fetches scans from its egress ranges.",
            "The SAP connector (ticket ERP-5120) supports only SAS keys until 2027.",
            "It's needed for ${reasons} \\ see 'SEC-1'",
        ][..])
            .prop_map(String::from),
        1 => (user_text(), any::<bool>()).prop_map(|(text, first)| if first {
            format!("{text} (ticket SEC-1234)")
        } else {
            format!("Ticket SEC-1234: {text}")
        }),
    ]
    .boxed()
}

/// Expiry dates far in the future, so the waivers stay valid whatever today is.
fn far_future() -> impl Strategy<Value = Date> {
    prop_oneof![
        Just(Date::new(2099, 12, 31).expect("a date")),
        (2090..=2099u16, 1..=12u8, 1..=28u8)
            .prop_map(|(y, m, d)| Date::new(y, m, d).expect("a date")),
    ]
}

fn waiver_draft() -> impl Strategy<Value = WaiverDraft> {
    (
        any::<Index>(),
        waiver_reason(),
        far_future(),
        prop::collection::vec(public_range(), 0..=3),
        prop::collection::vec((any::<Index>(), 1..=3u8), 1..=3),
    )
        .prop_map(|(pick, reason, expires, allow_from, grants)| WaiverDraft {
            pick,
            reason,
            expires,
            allow_from,
            grants,
        })
}

fn governance_draft() -> impl Strategy<Value = GovernanceDraft> {
    (
        (policy_mode(), any::<bool>(), any::<bool>()),
        prop::collection::vec(
            (
                prop::option::of(policy_mode()),
                prop::option::of(any::<bool>()),
            ),
            3,
        ),
        prop::collection::vec((tag_name(), tag_value()), 0..4),
        prop::collection::vec(prop::option::weighted(0.8, any::<Index>()), 0..3),
        monitoring_draft(),
        prop::collection::vec(waiver_draft(), 0..4),
    )
        .prop_map(
            |((policy, locks, benchmark), environments, tags, required, monitoring, waivers)| {
                GovernanceDraft {
                    policy,
                    locks,
                    benchmark,
                    environments,
                    tags,
                    required,
                    monitoring,
                    waivers,
                }
            },
        )
}

fn draft() -> impl Strategy<Value = Draft> {
    (
        app_name(),
        prop::collection::btree_set(environment_name(), 1..=3)
            .prop_map(|set| set.into_iter().collect::<Vec<_>>())
            .prop_shuffle(),
        prop::collection::vec(
            (component_name(), component_draft(), sizing_picks()),
            1..=MAX_COMPONENTS,
        ),
        network_draft(),
        governance_draft(),
    )
        .prop_map(
            |(app, environments, components, network, governance)| Draft {
                app,
                environments,
                network,
                governance,
                components: components
                    .into_iter()
                    .map(|(name, spec, (base, overrides))| DraftComponent {
                        name,
                        spec,
                        base,
                        overrides,
                    })
                    .collect(),
            },
        )
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
                } else if app.min_replicas >= 1 && min < 1 {
                    // A draft kept at one replica (a worker nothing could start again) keeps
                    // it in every environment, or validation refuses it (worker-never-starts).
                    set_override(
                        &mut app.environments,
                        environment,
                        "min_replicas",
                        SizingValue::Int(1),
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

/// Each compute component calls the compute component before it that has ingress: the app as
/// a whole, or (every other one) an app role the target then declares. A chain, so no ring of
/// calls; a call whose settings would collide with the caller's others is left out.
fn add_calls(app: &str, specs: &mut [(String, ComponentSpec)]) {
    const ROLE: &str = "role-a";
    let mut previous: Option<usize> = None;
    for index in 0..specs.len() {
        let ingress = blueprint::Component {
            name: specs[index].0.clone(),
            spec: specs[index].1.clone(),
        }
        .ingress();
        let Some(ingress) = ingress else { continue };
        if let Some(target) = previous {
            let name = specs[target].0.clone();
            let to = if index % 2 == 1 {
                name.clone()
            } else {
                match &mut specs[target].1 {
                    ComponentSpec::WebApp(spec) => spec.app_roles = vec![ROLE.into()],
                    ComponentSpec::FunctionApp(spec) => spec.app_roles = vec![ROLE.into()],
                    ComponentSpec::ContainerApp(spec) => spec.app_roles = vec![ROLE.into()],
                    _ => unreachable!("compute"),
                }
                format!("{name}.{ROLE}")
            };
            let components: Vec<blueprint::Component> = specs
                .iter()
                .map(|(name, spec)| blueprint::Component {
                    name: name.clone(),
                    spec: spec.clone(),
                })
                .collect();
            let by_name: bulwark::plan::ByName<'_> =
                components.iter().map(|c| (c.name.as_str(), c)).collect();
            let caller = &components[index];
            let plain: Vec<&String> = match &caller.spec {
                ComponentSpec::WebApp(spec) => spec.settings.keys().collect(),
                ComponentSpec::FunctionApp(spec) => spec.settings.keys().collect(),
                ComponentSpec::ContainerApp(spec) => spec.settings.keys().collect(),
                _ => Vec::new(),
            };
            let mut taken: BTreeSet<String> = plain.into_iter().cloned().collect();
            for connection in caller.uses() {
                for (setting, _) in bulwark::plan::settings_for(app, &by_name, connection) {
                    taken.insert(setting);
                }
            }
            let call = Connection::new(Target::parse(&to), Access::Call);
            let clashes = bulwark::plan::settings_for(app, &by_name, &call)
                .iter()
                .any(|(setting, _)| {
                    taken.contains(setting) || bulwark::plan::is_reserved_setting(setting)
                });
            if !clashes {
                match &mut specs[index].1 {
                    ComponentSpec::WebApp(spec) => spec.uses.push(call),
                    ComponentSpec::FunctionApp(spec) => spec.uses.push(call),
                    ComponentSpec::ContainerApp(spec) => spec.uses.push(call),
                    _ => unreachable!("compute"),
                }
            }
        }
        if ingress != Ingress::None {
            previous = Some(index);
        }
    }
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
                .map(|(pick, path, explicit)| {
                    (pick.get(&registries).target.clone(), path, explicit)
                });
            let image: blueprint::Image = match &pull {
                Some((registry, path, _)) => {
                    let (repository, tag) = path.split_once(':').expect("image_path has a tag");
                    RegistryImage::new(registry.component.as_str(), repository, tag).into()
                }
                None => public_image.as_str().into(),
            };
            let first = pull
                .filter(|(_, _, explicit)| **explicit)
                .map(|(registry, _, _)| (registry, Access::Pull));
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
            // A worker that nothing could start again (no scale rule, or an event hub no rule
            // covers) is refused; such drafts keep one replica, the others scale to zero.
            let sources = bulwark::plan::scale::sources("draft", &container, &lookup);
            if *worker && (sources.is_empty() || sources.iter().any(|s| !s.source.scalable())) {
                container.min_replicas = 1;
            }
            container.into()
        }
        other => unreachable!("not a compute draft: {other:?}"),
    }
}

/// A worker that nothing could start again (no scale rule, or an event hub no rule covers)
/// is refused; after sizing picked its replicas, such workers keep one in every environment.
fn keep_unstartable_workers_running(blueprint: &mut Blueprint, environments: &[String]) {
    let unstartable: Vec<String> = {
        let lookup = bulwark::plan::by_name(blueprint);
        blueprint
            .components
            .iter()
            .filter_map(|component| match &component.spec {
                ComponentSpec::ContainerApp(app) if app.ingress == Ingress::None => {
                    let sources = bulwark::plan::scale::sources(&component.name, app, &lookup);
                    (sources.is_empty() || sources.iter().any(|s| !s.source.scalable()))
                        .then(|| component.name.clone())
                }
                _ => None,
            })
            .collect()
    };
    for component in &mut blueprint.components {
        let ComponentSpec::ContainerApp(app) = &mut component.spec else {
            continue;
        };
        if !unstartable.contains(&component.name) {
            continue;
        }
        app.min_replicas = app.min_replicas.max(1);
        app.max_replicas = app.max_replicas.max(1);
        for environment in environments {
            for field in ["min_replicas", "max_replicas"] {
                let value = int(&effective(
                    &app.environments,
                    environment,
                    field,
                    1u32.into(),
                ));
                if value < 1 {
                    set_override(
                        &mut app.environments,
                        environment,
                        field,
                        SizingValue::Int(1),
                    );
                }
            }
        }
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
    let mut specs: Vec<(String, ComponentSpec)> = components
        .iter()
        .map(|component| {
            let spec = if component.spec.is_compute() {
                let spec = compute_spec(&component.spec, &data_only, &candidates, false);
                finish(spec, component, environments)
            } else {
                data[component.name.as_str()].clone()
            };
            (component.name.clone(), spec)
        })
        .collect();
    add_calls(&draft.app, &mut specs);
    // Waivers first: a direct-public-ingress waiver makes its app `ingress = "direct"`.
    let waivers = resolve_waivers(&draft.governance.waivers, &mut specs);
    let pinnable = pinnable_subnets(&specs);
    let mut builder = Blueprint::builder(draft.app.as_str(), environments.iter().cloned());
    for (name, spec) in specs {
        builder = builder.component(name, spec);
    }
    builder = apply_governance(builder, &draft.governance, environments, waivers);
    let (builder, route_table) =
        apply_network(builder, &draft.network, environments, compute, &pinnable);
    let mut blueprint = builder.build();
    keep_unstartable_workers_running(&mut blueprint, environments);
    if let (Some(existing), Some(table)) = (&mut blueprint.network.existing, route_table) {
        existing.route_table_id = Some(table);
    }
    if let DnsDraft::CentralIds { extra } = &draft.network.dns {
        // The zones the plan needs (all of them when it fails), and the extra ones.
        blueprint.network.dns_zones = needed_zones(&blueprint)
            .into_iter()
            .chain(known_zones(extra))
            .map(|zone| (zone.to_string(), zone_id(zone)))
            .collect();
    }
    blueprint
}

// ---------------------------------------------------------------------------------------------
// Network and governance of a generated blueprint
// ---------------------------------------------------------------------------------------------

const VIRTUAL_NETWORK: &str = "Microsoft.Network/virtualNetworks";
const ROUTE_TABLE: &str = "Microsoft.Network/routeTables";
const WORKSPACE: &str = "Microsoft.OperationalInsights/workspaces";

/// Resource group and resource names `parse_resource_id` accepts, dots and parentheses
/// included.
const ID_GROUPS: &[&str] = &["rg-hub-network", "rg.spoke(1)", "RG_Net-2"];
const ID_NAMES: &[&str] = &["vnet-hub", "vnet.spoke(prod)", "a", "Net_1-x", "réseau"];

/// A subscription id (a GUID) from a seed.
fn subscription(seed: u32) -> String {
    let hex = format!(
        "{seed:08x}{:08x}{:08x}{:08x}",
        seed.rotate_left(8) ^ 0x5a5a_5a5a,
        !seed,
        seed.wrapping_mul(2_654_435_761)
    );
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A resource id of type `ty` from a seed: subscription, group and name all vary with it.
fn resource_id(seed: u32, ty: &str) -> String {
    let group = ID_GROUPS[seed as usize % ID_GROUPS.len()];
    let name = ID_NAMES[(seed as usize / ID_GROUPS.len()) % ID_NAMES.len()];
    format!(
        "/subscriptions/{}/resourceGroups/{group}/providers/{ty}/{name}",
        subscription(seed)
    )
}

/// The id of a private DNS zone in the platform's DNS resource group.
fn zone_id(zone: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/{zone}",
        subscription(0x00d5_2026)
    )
}

/// Every private DNS zone the facts name (sorted, unique).
fn all_zones() -> Vec<&'static str> {
    let mut zones: Vec<&'static str> = facts::FACTS
        .private_links
        .iter()
        .flat_map(|link| link.zones.iter().copied())
        .filter(|zone| {
            zone.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        })
        .collect();
    zones.sort_unstable();
    zones.dedup();
    zones
}

/// The zones of the facts that `picks` choose.
fn known_zones(picks: &[Index]) -> Vec<&'static str> {
    let zones = all_zones();
    let mut picked: Vec<&'static str> = picks.iter().map(|pick| *pick.get(&zones)).collect();
    picked.sort_unstable();
    picked.dedup();
    picked
}

/// The zones the blueprint's private endpoints register in, by the plan (which is what the
/// validator leaves to it); every zone when the plan fails, for generation to report.
fn needed_zones(blueprint: &Blueprint) -> Vec<&'static str> {
    let mut policy_dns = blueprint.clone();
    policy_dns.network.dns_zones.clear();
    match bulwark::plan::plan(&policy_dns, &Default::default()) {
        Ok(plan) => plan.dns_zones,
        Err(_) => all_zones(),
    }
}

/// With central DNS and zone ids, an id for every zone the plan needs (extra ones stay).
fn add_missing_zone_ids(blueprint: &mut Blueprint) {
    if blueprint.network.dns != DnsMode::Central || blueprint.network.dns_zones.is_empty() {
        return;
    }
    for zone in needed_zones(blueprint) {
        blueprint
            .network
            .dns_zones
            .entry(zone.to_string())
            .or_insert_with(|| zone_id(zone));
    }
}

/// The subnets the plan lays out for these components, each with the smallest size (longest
/// prefix) a pin may give it.
fn pinnable_subnets(specs: &[(String, ComponentSpec)]) -> Vec<(String, u8)> {
    let endpoints = bulwark::plan::EndpointDemand::of_specs(specs.iter().map(|(_, spec)| spec));
    // Room for the compute component property 5 appends: at most four endpoints (a function
    // app's host storage blob, queue and table, and its site).
    let with_one_more = bulwark::plan::EndpointDemand {
        endpoints: endpoints.endpoints + 4,
        addresses: endpoints.addresses + 4,
    };
    let mut subnets = vec![(
        bulwark::plan::PRIVATE_ENDPOINT_SUBNET.to_string(),
        with_one_more.minimum_prefix(),
    )];
    for (name, spec) in specs {
        let subnet = match spec {
            // Flex Consumption integrates like Container Apps: a /27 at least.
            ComponentSpec::FunctionApp(function) if function.is_flex_consumption() => {
                (format!("{name}-integration"), 27)
            }
            ComponentSpec::WebApp(_) | ComponentSpec::FunctionApp(_) => {
                (format!("{name}-integration"), 28)
            }
            ComponentSpec::ContainerApp(app)
                if app.environment == blueprint::ContainerEnvironment::Dedicated =>
            {
                (format!("{name}-environment"), 27)
            }
            ComponentSpec::ContainerApp(_) => {
                (bulwark::plan::CONTAINER_APPS_SUBNET.to_string(), 27)
            }
            _ => continue,
        };
        if !subnets.contains(&subnet) {
            subnets.push(subnet);
        }
    }
    subnets
}

/// An address range with room to spare: the private-endpoint /24, a /26 slot for the
/// shared Container Apps environment and a /26 slot per compute component, plus one more
/// (property 5 appends a compute component), doubled. The laid-out subnets stay in its lower
/// half, so pins go in the upper half.
fn fitting_range(compute: usize, (raw_prefix, raw_base): RawRange) -> Cidr {
    let needed = 2 * (256 + 64 * (compute as u64 + 2));
    let largest_prefix = (8..=24u8)
        .rev()
        .find(|prefix| 1u64 << (32 - prefix) >= needed)
        .expect("the components fit in a /8");
    let prefix = 8 + raw_prefix % (largest_prefix - 8 + 1);
    Cidr {
        base: raw_base & (u32::MAX << (32 - prefix)),
        prefix,
    }
}

/// A small range (a /24 to a /28) in the block of `big`'s size next to it, so the two never
/// overlap.
fn small_range((raw_prefix, raw_base): RawRange, big: Cidr) -> Cidr {
    let prefix = 24 + raw_prefix % 5;
    let sibling = big.base ^ (1u32 << (32 - u32::from(big.prefix)));
    let blocks = 1u32 << (prefix - big.prefix);
    let size = 1u32 << (32 - prefix);
    Cidr {
        base: sibling + (raw_base % blocks) * size,
        prefix,
    }
}

/// An existing VNet with room for the subnets in its (first or second) big range, and the
/// big range (where pins go).
fn existing_network(
    compute: usize,
    range: RawRange,
    second: Option<(RawRange, bool)>,
    route_table: bool,
    seed: u32,
) -> (ExistingNetwork, Cidr) {
    let big = fitting_range(compute, range);
    let mut address_ranges = vec![big.to_string()];
    if let Some((raw, first)) = second {
        let small = small_range(raw, big).to_string();
        if first {
            address_ranges.insert(0, small);
        } else {
            address_ranges.push(small);
        }
    }
    let existing = ExistingNetwork {
        vnet_id: resource_id(seed, VIRTUAL_NETWORK),
        address_ranges,
        route_table_id: route_table.then(|| resource_id(seed.wrapping_add(1), ROUTE_TABLE)),
    };
    (existing, big)
}

/// Resolve pins to (subnet, range) in the upper half of `big`, which laid-out subnets never
/// reach: each pin takes one of the first eight blocks of its own size there that no earlier
/// pin overlaps (aligned, so no host bits are set), and is marked used.
fn place_pins(
    pins: &[PinDraft],
    pinnable: &[(String, u8)],
    big: Cidr,
    used: &mut Vec<Cidr>,
) -> BTreeMap<String, String> {
    let upper = Cidr {
        base: big.base + u32::try_from(big.size() / 2).expect("inside the range"),
        prefix: big.prefix + 1,
    };
    let mut placed = BTreeMap::new();
    for pin in pins {
        let (subnet, minimum) = pin.subnet.get(pinnable);
        let prefix = minimum - pin.larger;
        if placed.contains_key(subnet) || prefix < upper.prefix {
            continue;
        }
        let size = 1u64 << (32 - u32::from(prefix));
        let free: Vec<Cidr> = (0..(upper.size() / size).min(8))
            .map(|index| Cidr {
                base: upper.base + u32::try_from(index * size).expect("inside the range"),
                prefix,
            })
            .filter(|block| !used.iter().any(|other| other.overlaps(*block)))
            .collect();
        if free.is_empty() {
            continue;
        }
        let block = *pin.slot.get(&free);
        used.push(block);
        placed.insert(subnet.clone(), block.to_string());
    }
    placed
}

/// `[network]` from its draft; returns the route table id to set on `[network.existing]`
/// (the builder has no method for it).
fn apply_network(
    mut builder: blueprint::BlueprintBuilder,
    draft: &NetworkDraft,
    environments: &[String],
    compute: usize,
    pinnable: &[(String, u8)],
) -> (blueprint::BlueprintBuilder, Option<String>) {
    let hub = |seed: u32| resource_id(seed, VIRTUAL_NETWORK);
    let mut overrides: Vec<NetworkOverride> = vec![NetworkOverride::default(); environments.len()];
    // The range of each environment that pins come from.
    let mut bigs: Vec<Cidr> = Vec::new();
    let mut route_table = None;
    match &draft.vnet {
        VnetDraft::Created {
            space,
            peer,
            peer_per_environment,
        } => {
            let base = match space {
                Some(raw) => {
                    let space = fitting_range(compute, *raw);
                    builder = builder.address_space(space.to_string());
                    space
                }
                None => {
                    bulwark::plan::network::parse_cidr(blueprint::Network::DEFAULT_ADDRESS_SPACE)
                        .expect("the default parses")
                }
            };
            if let (Some(seed), false) = (peer, peer_per_environment) {
                builder = builder.peer_with(hub(*seed));
            }
            for (over, environment) in overrides.iter_mut().zip(&draft.environments) {
                let big = match environment.own {
                    Some((raw, _, _)) => {
                        let own = fitting_range(compute, raw);
                        over.address_space = Some(own.to_string());
                        own
                    }
                    None => base,
                };
                match (peer, peer_per_environment) {
                    (Some(seed), true) => {
                        over.peer_with = Some(hub(environment.other_hub.unwrap_or(*seed)));
                    }
                    (Some(_), false) => over.peer_with = environment.other_hub.map(hub),
                    (None, _) => {}
                }
                bigs.push(big);
            }
        }
        VnetDraft::Existing {
            range,
            second,
            route_table: with_table,
            seed,
        } => {
            let (existing, base) = existing_network(compute, *range, *second, *with_table, *seed);
            builder = builder.existing_network(existing.vnet_id, existing.address_ranges);
            route_table = existing.route_table_id;
            for (over, environment) in overrides.iter_mut().zip(&draft.environments) {
                let big = match environment.own {
                    Some((raw, small, seed)) => {
                        let second = second.map(|(_, first)| (small, first));
                        let (own, big) = existing_network(compute, raw, second, *with_table, seed);
                        over.existing = Some(own);
                        big
                    }
                    None => base,
                };
                bigs.push(big);
            }
        }
    }

    // Pins in [network.subnets] hold in every environment, so only when all share a range;
    // an environment's own pins take other slots (and may replace a shared pin).
    let mut used = Vec::new();
    if bigs.iter().all(|big| *big == bigs[0]) {
        for (subnet, range) in place_pins(&draft.pins, pinnable, bigs[0], &mut used) {
            builder = builder.pin_subnet(subnet, range);
        }
    }
    for ((over, environment), big) in overrides.iter_mut().zip(&draft.environments).zip(&bigs) {
        let mut taken = used.clone();
        over.subnets = place_pins(&environment.pins, pinnable, *big, &mut taken);
    }
    for (environment, over) in environments.iter().zip(overrides) {
        if over != NetworkOverride::default() {
            builder = builder.network_in(environment.as_str(), over);
        }
    }
    if !matches!(draft.dns, DnsDraft::Create) {
        builder = builder.central_dns(Vec::<(String, String)>::new());
    }
    (builder, route_table)
}

/// The waivers of a draft, each naming a (component, control) pair the catalogue allows
/// (once); a `direct-public-ingress` waiver makes its app `ingress = "direct"`.
fn resolve_waivers(drafts: &[WaiverDraft], specs: &mut [(String, ComponentSpec)]) -> Vec<Waiver> {
    let offers: Vec<(usize, Control)> = specs
        .iter()
        .enumerate()
        .flat_map(|(at, (_, spec))| {
            let kind = spec.kind();
            controls::WAIVABLE
                .iter()
                .filter(move |waivable| waivable.kind == kind)
                .map(move |waivable| (at, waivable.control))
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut waivers = Vec::new();
    for draft in drafts.iter().filter(|_| !offers.is_empty()) {
        let (at, control) = *draft.pick.get(&offers);
        if !seen.insert((at, control)) {
            continue;
        }
        let mut allow_from: Vec<String> = Vec::new();
        for range in &draft.allow_from {
            if !allow_from.contains(range) {
                allow_from.push(range.clone());
            }
        }
        match control {
            Control::PublicNetworkAccess if allow_from.is_empty() => {
                allow_from.push("203.0.113.0/24".to_string());
            }
            Control::PublicNetworkAccess | Control::DirectPublicIngress => {}
            Control::SharedKeyAccess | Control::LocalAuth => allow_from.clear(),
        }
        // A local-auth waiver names the entities its SAS keys are for, each once.
        let mut grants: Vec<Grant> = Vec::new();
        if control == Control::LocalAuth {
            let entities: Vec<String> = specs[at]
                .1
                .parts()
                .into_iter()
                .filter(|part| {
                    matches!(
                        part.kind,
                        blueprint::PartKind::Queue
                            | blueprint::PartKind::Topic
                            | blueprint::PartKind::EventHub
                    )
                })
                .map(|part| part.name)
                .collect();
            if entities.is_empty() {
                continue;
            }
            for (entity, rights) in &draft.grants {
                let to = entity.get(&entities).clone();
                if grants.iter().any(|g| g.to == to) {
                    continue;
                }
                let rights = match rights {
                    1 => vec![SasRight::Send],
                    2 => vec![SasRight::Listen],
                    _ => vec![SasRight::Listen, SasRight::Send],
                };
                grants.push(Grant::new(to, rights));
            }
        }
        if control == Control::DirectPublicIngress {
            match &mut specs[at].1 {
                ComponentSpec::WebApp(web) => web.ingress = Ingress::Direct,
                ComponentSpec::FunctionApp(function) => function.ingress = Ingress::Direct,
                other => unreachable!("direct ingress for a {}", other.kind()),
            }
        }
        waivers.push(Waiver {
            control,
            component: specs[at].0.clone(),
            reason: draft.reason.clone(),
            expires: draft.expires,
            allow_from,
            grants,
        });
    }
    waivers
}

/// Tags bulwark sets itself on every resource.
const BULWARK_TAGS: &[&str] = &["app", "environment", "managed-by"];

/// `[governance]`, `[monitoring]`, `[tags]` and `[[waivers]]` from the draft.
fn apply_governance(
    mut builder: blueprint::BlueprintBuilder,
    draft: &GovernanceDraft,
    environments: &[String],
    waivers: Vec<Waiver>,
) -> blueprint::BlueprintBuilder {
    let mut governance = Governance {
        policy: draft.policy,
        locks: draft.locks,
        benchmark: draft.benchmark,
        ..Governance::default()
    };
    for (environment, (policy, locks)) in environments.iter().zip(&draft.environments) {
        if policy.is_some() || locks.is_some() {
            governance.environments.insert(
                environment.clone(),
                GovernanceOverride {
                    policy: *policy,
                    locks: *locks,
                },
            );
        }
    }
    // Tag names differ without case (Azure compares them so) and from bulwark's own.
    let mut seen: BTreeSet<String> = BULWARK_TAGS.iter().map(|t| t.to_string()).collect();
    let tags: Vec<&(String, String)> = draft
        .tags
        .iter()
        .filter(|(name, _)| seen.insert(name.to_lowercase()))
        .collect();
    for (name, value) in &tags {
        builder = builder.tag(name.as_str(), value.as_str());
    }
    for pick in &draft.required {
        let name = match pick {
            Some(pick) if !tags.is_empty() => pick.get(&tags).0.clone(),
            _ => "environment".to_string(),
        };
        if !governance.required_tags.contains(&name) {
            governance.required_tags.push(name);
        }
    }

    let workspace = |seed: u32| resource_id(seed, WORKSPACE);
    let mut monitoring = Monitoring::default();
    match &draft.monitoring {
        MonitoringDraft::Own {
            retention_days,
            daily_cap_gb,
            environments: per,
        } => {
            monitoring.retention_days = *retention_days;
            monitoring.daily_cap_gb = *daily_cap_gb;
            for (environment, (retention_days, daily_cap_gb)) in environments.iter().zip(per) {
                if retention_days.is_some() || daily_cap_gb.is_some() {
                    monitoring.environments.insert(
                        environment.clone(),
                        MonitoringOverride {
                            workspace_id: None,
                            retention_days: *retention_days,
                            daily_cap_gb: *daily_cap_gb,
                        },
                    );
                }
            }
        }
        MonitoringDraft::Central {
            workspace: base,
            environments: per,
        } => {
            monitoring.workspace_id = base.map(workspace);
            for (at, (environment, seed)) in environments.iter().zip(per).enumerate() {
                // Without [monitoring]'s workspace, every environment names its own.
                let seed = match (base, seed) {
                    (None, None) => Some(at as u32),
                    _ => *seed,
                };
                if let Some(seed) = seed {
                    monitoring.environments.insert(
                        environment.clone(),
                        MonitoringOverride {
                            workspace_id: Some(workspace(seed)),
                            ..MonitoringOverride::default()
                        },
                    );
                }
            }
        }
    }
    builder = builder.governance(governance).monitoring(monitoring);
    for waiver in waivers {
        builder = builder.waiver(waiver);
    }
    builder
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
            // Sizing may have scaled an added worker to zero: keep it startable, as for the
            // blueprint's own components.
            keep_unstartable_workers_running(&mut more, &blueprint.app.environments);
            // Central DNS with ids names the zones the new component's endpoints need too.
            add_missing_zone_ids(&mut more);
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
    bulwark::generate(blueprint, &Options::default()).map_err(|error| {
        TestCaseError::fail(format!(
            "generation failed: {:#?}\n{}",
            errors(error.diagnostics()),
            to_toml(blueprint)
        ))
    })
}

fn is_compute(kind: blueprint::Kind) -> bool {
    catalog::kind_spec(kind).compute
}

/// A compute component's plain settings, whatever its kind.
struct ComputeView<'a> {
    name: &'a str,
    kind: blueprint::Kind,
    settings: &'a BTreeMap<String, String>,
    uses: &'a [Connection],
}

fn computes(blueprint: &Blueprint) -> impl Iterator<Item = ComputeView<'_>> {
    blueprint.components.iter().filter_map(|component| {
        let settings = match &component.spec {
            ComponentSpec::WebApp(spec) => &spec.settings,
            ComponentSpec::FunctionApp(spec) => &spec.settings,
            ComponentSpec::ContainerApp(spec) => &spec.settings,
            _ => return None,
        };
        Some(ComputeView {
            name: component.name.as_str(),
            kind: component.kind(),
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
    // Tag values go into main.bicep's `tags`, waiver reasons into their exemptions.
    for (name, value) in &blueprint.tags {
        out.push((
            format!("tags.{name}"),
            "main.bicep".to_string(),
            value.clone(),
        ));
    }
    for (index, waiver) in blueprint.waivers.iter().enumerate() {
        out.push((
            format!("waivers[{index}].reason"),
            "modules/waivers.bicep".to_string(),
            waiver.reason.clone(),
        ));
    }
    out
}

/// The same blueprint with every free-text value replaced by a harmless one.
fn defanged(blueprint: &Blueprint) -> Blueprint {
    let mut copy = blueprint.clone();
    for value in copy.tags.values_mut() {
        *value = "x".to_string();
    }
    for waiver in &mut copy.waivers {
        waiver.reason = "A harmless reason.".to_string();
    }
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
/// `[app]`, `[network]`, `[governance]`, `[monitoring]` and `[tags]` when they are not the
/// defaults, `[[waivers]]`, and one `[components.<name>]` table per component, each
/// serialized from the model's own serde form (so every kind and field is written the way the
/// loader reads it).
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
    let mut document = toml::Table::new();
    if blueprint.governance != Governance::default() {
        document.insert(
            "governance".into(),
            toml::Value::try_from(&blueprint.governance).expect("governance serializes"),
        );
    }
    if blueprint.monitoring != Monitoring::default() {
        document.insert(
            "monitoring".into(),
            toml::Value::try_from(&blueprint.monitoring).expect("monitoring serializes"),
        );
    }
    if !blueprint.tags.is_empty() {
        document.insert(
            "tags".into(),
            toml::Value::try_from(&blueprint.tags).expect("tags serialize"),
        );
    }
    if !blueprint.waivers.is_empty() {
        document.insert(
            "waivers".into(),
            toml::Value::try_from(&blueprint.waivers).expect("waivers serialize"),
        );
    }
    if !document.is_empty() {
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
    /// The file with `//` and `/*` inside string literal text broken up as `/_`, for
    /// tree-sitter.
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
    /// Byte offsets of the second `/` of each `//`, and of the `*` of each `/*`, in string
    /// literal text.
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
            let next = self.peek(0);
            if after_slash && matches!(next, Some('/' | '*')) {
                self.masks.push(self.offset());
            }
            after_slash = next == Some('/');
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
/// `\${`, and other control characters and invisible formatting characters as `\u{…}`.
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
            c if c.is_control() || bulwark::blueprint::diagnostic::is_invisible_format(c) => {
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
/// comment, so `'//'` and `'\n//'` are errors to it but valid Bicep, and likewise `/*`: a
/// `'/*'` and a later `'*/'` read as one block comment; the lexer above judges string text by
/// Bicep's rules, so tree-sitter gets the file with `//` and `/*` in string text masked.
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
    /// Every property under `properties` (paths without that prefix).
    props: Vec<(String, String)>,
}

/// The plan's name of a subnet network.bicep names: a created VNet's subnets go by it, an
/// existing VNet's are `snet-<app>-<subnet>-${environmentName}`.
fn planned_subnet_name(app: &str, name: &str) -> String {
    name.strip_prefix(&format!("snet-{app}-"))
        .and_then(|rest| rest.strip_suffix("-${environmentName}"))
        .unwrap_or(name)
        .to_string()
}

fn subnet_objects(network: &str, app: &str) -> Vec<SubnetObject> {
    let mut out = Vec::new();
    let object = |props: Vec<(String, String)>| {
        let first = |path: &str| property(&props, path).first().map(|v| v.to_string());
        SubnetObject {
            name: planned_subnet_name(app, first("name").unwrap_or_default().trim_matches('\'')),
            nsg: first("properties.networkSecurityGroup.id"),
            address_prefix: first("properties.addressPrefix"),
            props: props
                .iter()
                .filter_map(|(path, value)| {
                    Some((path.strip_prefix("properties.")?.to_string(), value.clone()))
                })
                .collect(),
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

/// `mask_cidrs`, and the address plan's shape: whether a subnet's range is one literal or
/// differs per environment (in `addressPlan`) depends on where it lands in each environment,
/// so the table and the references into it are masked too.
fn mask_address_plan(text: &str) -> String {
    let masked = mask_cidrs(text);
    let mut out = String::with_capacity(masked.len());
    let mut in_table = false;
    for line in masked.lines() {
        if line == "var addressPlan = {" {
            in_table = true;
            out.push_str("var addressPlan = <masked>\n");
            continue;
        }
        if in_table {
            in_table = line != "}";
            continue;
        }
        // `addressPrefix`, and NSG rules' `sourceAddressPrefix`/`destinationAddressPrefix`
        // that name a subnet's own range.
        match line.find("ddressPrefix: ") {
            Some(at) => {
                let key = &line[..at + "ddressPrefix: ".len()];
                let _ = writeln!(out, "{key}<masked>");
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
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
    let block = "var a = {\n  o: '/*'\n}\nvar b = [\n  '*/'\n]\n";
    assert!(tree_sitter_errors(block).is_empty());
    assert!(!common::bicep_syntax_errors(block).is_empty());
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

/// Two environments in existing VNets (one of them with a second range and a pin), central
/// DNS with zone ids, deny and locks in prod, the benchmark, and three waivers.
fn governed_blueprint() -> Blueprint {
    let group = |name: &str| format!("/subscriptions/{}/resourceGroups/{name}", subscription(1));
    let zone = |zone: &str| (zone.to_string(), zone_id(zone));
    let waiver = |control, component: &str, allow_from: &[&str]| Waiver {
        control,
        component: component.to_string(),
        reason: format!("{component} needs it (ticket SEC-1)."),
        expires: Date::new(2099, 12, 31).expect("a date"),
        allow_from: allow_from.iter().map(|r| r.to_string()).collect(),
        grants: if control == Control::LocalAuth {
            vec![Grant::new("jobs", [SasRight::Send])]
        } else {
            Vec::new()
        },
    };
    let prod = ExistingNetwork {
        vnet_id: format!(
            "{}/providers/{VIRTUAL_NETWORK}/spoke-prod",
            group("rg-prod")
        ),
        address_ranges: vec!["10.2.0.0/22".into()],
        route_table_id: None,
    };
    Blueprint::builder("ab", ["dev", "prod"])
        .component("web", WebApp::new(Runtime::Node22).ingress(Ingress::Direct))
        .component("media", Storage::new().containers(["images"]))
        .component("bus", ServiceBus::new().queues(["jobs"]))
        .existing_network(
            format!("{}/providers/{VIRTUAL_NETWORK}/spoke-dev", group("rg-dev")),
            ["10.1.0.0/22", "10.9.0.0/26"],
        )
        .network_in(
            "dev",
            NetworkOverride {
                subnets: [("web-integration".to_string(), "10.1.2.0/26".to_string())].into(),
                ..NetworkOverride::default()
            },
        )
        .network_in(
            "prod",
            NetworkOverride {
                existing: Some(prod),
                ..NetworkOverride::default()
            },
        )
        .central_dns([
            zone("privatelink.blob.core.windows.net"),
            zone("privatelink.azurewebsites.net"),
            zone("privatelink.servicebus.windows.net"),
        ])
        .governance(Governance {
            benchmark: true,
            environments: [(
                "prod".to_string(),
                GovernanceOverride {
                    policy: Some(PolicyMode::Deny),
                    locks: Some(true),
                },
            )]
            .into(),
            ..Governance::default()
        })
        .waiver(waiver(
            Control::PublicNetworkAccess,
            "media",
            &["203.0.113.0/24"],
        ))
        .waiver(waiver(Control::DirectPublicIngress, "web", &[]))
        .waiver(waiver(Control::LocalAuth, "bus", &[]))
        .build()
}

type FileCheck = fn(&Blueprint, &Plan, &FileSet) -> Result<(), TestCaseError>;

/// The checks behind the network and governance properties pass on a blueprint that uses
/// every feature, and each fails when the files lose what it guards.
#[test]
fn the_network_and_governance_checks_catch_what_they_guard() {
    let blueprint = governed_blueprint();
    let errors = errors(&blueprint::validate(&blueprint));
    assert!(errors.is_empty(), "{errors:#?}");
    let generated = bulwark::generate(&blueprint, &Options::default())
        .unwrap_or_else(|error| panic!("{:#?}", self::errors(error.diagnostics())));
    let vnet: FileCheck = check_vnet;
    let dns: FileCheck = check_dns;
    let private: FileCheck = check_private_access;
    let waivers: FileCheck = |b, _, files| check_waivers(b, files);
    let effects: FileCheck = |b, _, files| check_policy_effects(b, files);
    let locks: FileCheck = |b, _, files| check_locks(b, files);
    for (what, check) in [
        ("vnet", vnet),
        ("dns", dns),
        ("private", private),
        ("waivers", waivers),
        ("effects", effects),
        ("locks", locks),
    ] {
        if let Err(error) = check(&blueprint, &generated.plan, &generated.files) {
            panic!("{what}: {error}");
        }
    }
    let drop_first_depends_on = |text: &str| {
        let at = text.find("  dependsOn: [\n").expect("a dependsOn");
        let end = at + text[at..].find("  ]\n").expect("its end") + 4;
        format!("{}{}", &text[..at], &text[end..])
    };
    // As main.bicep writes them: the storage suffix through `environment()`.
    let blob_zone = zone_id("privatelink.blob.${environment().suffixes.storage}");
    let queue_zone = zone_id("privatelink.queue.${environment().suffixes.storage}");
    type Mutation<'a> = (
        &'a str,
        &'a str,
        Box<dyn Fn(&str) -> String + 'a>,
        FileCheck,
    );
    let replace = |from: &'static str, to: &'static str| -> Box<dyn Fn(&str) -> String> {
        Box::new(move |text: &str| {
            assert!(text.contains(from), "no `{from}` to mutate");
            text.replacen(from, to, 1)
        })
    };
    let mutations: Vec<Mutation> = vec![
        (
            "no scope",
            "main.bicep",
            Box::new(|text: &str| {
                text.lines()
                    .filter(|line| !line.starts_with("  scope: resourceGroup("))
                    .map(|line| format!("{line}\n"))
                    .collect()
            }),
            vnet,
        ),
        (
            "a pin moved",
            "modules/network.bicep",
            replace("'10.1.2.0/26'", "'10.1.3.0/26'"),
            vnet,
        ),
        (
            "subnets not chained",
            "modules/network.bicep",
            Box::new(drop_first_depends_on),
            vnet,
        ),
        (
            "a NAT gateway gone",
            "modules/network.bicep",
            replace("id: natGateway.id", "id: null"),
            vnet,
        ),
        (
            "another zone's id",
            "main.bicep",
            Box::new(move |text: &str| text.replacen(&blob_zone, &queue_zone, 1)),
            dns,
        ),
        (
            "public access",
            "modules/service-bus-bus.bicep",
            replace(
                "publicNetworkAccess: 'Disabled'",
                "publicNetworkAccess: 'Enabled'",
            ),
            private,
        ),
        (
            "a later expiry",
            "modules/waivers.bicep",
            replace(
                "expiresOn: '2099-12-31T23:59:59Z'",
                "expiresOn: '2100-12-31T23:59:59Z'",
            ),
            waivers,
        ),
        (
            "another range",
            "modules/storage-media.bicep",
            replace("value: '203.0.113.0/24'", "value: '0.0.0.0/0'"),
            waivers,
        ),
        (
            "no comment",
            "modules/service-bus-bus.bicep",
            replace("// WAIVED until", "// until"),
            waivers,
        ),
        (
            "deny everywhere",
            "modules/policies.bicep",
            replace("value: enforce ? 'Deny' : 'Audit'", "value: 'Deny'"),
            effects,
        ),
        (
            "deny in dev",
            "modules/policies.bicep",
            replace(
                "var enforce = environmentName == 'prod'",
                "var enforce = environmentName == 'dev'",
            ),
            effects,
        ),
        (
            "locked everywhere",
            "modules/storage-media.bicep",
            replace(" = if (lockStatefulResources) {", " = {"),
            locks,
        ),
        (
            "locked in dev",
            "main.bicep",
            replace(
                "var lockStatefulResources = environmentName == 'prod'",
                "var lockStatefulResources = environmentName == 'dev'",
            ),
            locks,
        ),
    ];
    for (what, path, mutate, check) in mutations {
        let mut files = generated.files.clone();
        let text = files.files.get_mut(path).expect("a generated file");
        *text = mutate(text);
        assert!(
            check(&blueprint, &generated.plan, &files).is_err(),
            "{what} in {path} went unnoticed"
        );
    }
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
            let (masked, other_masked) = (mask_address_plan(text), mask_address_plan(other));
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
        // A file may not carry invisible formatting characters (the builder takes them, and
        // the Bicep escapes them): the loader refuses those blueprints, and only for them.
        if text.chars().any(bulwark::blueprint::diagnostic::is_invisible_format) {
            let diagnostics = load::from_str(&text).err().unwrap_or_default();
            prop_assert!(
                !diagnostics.is_empty()
                    && diagnostics.iter().all(|d| d.code == "invisible-character"),
                "{diagnostics:#?}\n{text}"
            );
            return Ok(());
        }
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
    /// linked to the VNet. With central DNS (governance issue, property 2): no zone anywhere,
    /// and each zone group points at the blueprint's id for its zone, or, when the estate's
    /// policy registers endpoints, no zone group at all.
    #[test]
    fn every_endpoint_registers_in_its_zone(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_dns(&blueprint, &generated.plan, &generated.files)?;
    }

    // Network modes and governance (issue "Private networking and governance").

    /// Properties 1 and 3: network.bicep deploys the VNet of each environment as the
    /// blueprint says (created from its address space and peered with its hub, or existing,
    /// deployed into its resource group with subnets as child resources one after another
    /// and no peering), the plan's subnets at the plan's ranges (pins kept), outbound through
    /// the route table or else a NAT gateway.
    #[test]
    fn the_vnet_is_the_one_the_blueprint_describes(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_vnet(&blueprint, &generated.plan, &generated.files)?;
    }

    /// Property 4: each waiver weakens only its control of its component, with a comment and
    /// a policy exemption per exempted policy that expires with it; without the waivers
    /// (direct ingress back to Front Door) nothing is waived and public network access is
    /// disabled everywhere.
    #[test]
    fn waivers_weaken_only_what_they_name_and_nothing_once_removed(
        blueprint in valid_blueprint()
    ) {
        let generated = generate(&blueprint)?;
        check_waivers(&blueprint, &generated.files)?;
        let plain = unwaived(&blueprint);
        let restored = generate(&plain)?;
        check_waivers(&plain, &restored.files)?;
        for (path, text) in &restored.files.files {
            for line in text.lines() {
                let Some((_, value)) = line.trim_start().split_once("publicNetworkAccess: ")
                else {
                    continue;
                };
                prop_assert_eq!(value, "'Disabled'", "{} without waivers\n{}", path, to_toml(&plain));
            }
        }
        for waiver in &blueprint.waivers {
            let kind = blueprint
                .components
                .iter()
                .find(|c| c.name == waiver.component)
                .expect("validated")
                .kind();
            let module = file(&restored.files, &module_path(kind, &waiver.component))?;
            let hardened = controls::waivable(waiver.control, kind).expect("validated").hardened;
            if waiver.control != Control::DirectPublicIngress {
                prop_assert!(module.contains(hardened), "{} lacks `{hardened}` again", &waiver.component);
            }
        }
    }

    /// Property 5: every assignment passes an effect its definition allows, the one its
    /// environment's mode asks for, and `'Deny'` appears only where an environment says deny.
    #[test]
    fn policy_effects_are_ones_their_definitions_allow(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_policy_effects(&blueprint, &generated.files)?;
    }

    /// Property 6: data components are locked exactly when, and where, an environment asks.
    #[test]
    fn data_components_are_locked_exactly_where_asked(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        check_locks(&blueprint, &generated.files)?;
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
        // As `bulwark generate` does: the ranges the last generation recorded are kept.
        let after = bulwark::generate(
            &more,
            &Options {
                previous_address_plan: before.address_plan.clone(),
                ..Options::default()
            },
        )
        .map_err(|diagnostics| {
            TestCaseError::fail(format!("{diagnostics:#?}\n{}", to_toml(&more)))
        })?;
        // The private-endpoint subnet must grow when the new component's endpoints no longer
        // fit it (bulwark sizes it from its endpoints); every other subnet stays put.
        let demand = bulwark::plan::EndpointDemand::of(&more);
        for subnet in &before.plan.subnets {
            let outgrown = subnet.name == bulwark::plan::PRIVATE_ENDPOINT_SUBNET
                && blueprint
                    .app
                    .environments
                    .iter()
                    .any(|environment| subnet.prefix_in(environment).size() < demand.addresses);
            if outgrown {
                continue;
            }
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
        // A waiver trades its control's hardened literal for the weaker one.
        let weakened: Vec<(&str, &str)> = blueprint
            .waivers
            .iter()
            .filter(|waiver| waiver.component == *name)
            .filter_map(|waiver| match waiver.control {
                Control::SharedKeyAccess => {
                    Some(("allowSharedKeyAccess: false", "allowSharedKeyAccess: true"))
                }
                Control::LocalAuth => Some(("disableLocalAuth: true", "disableLocalAuth: false")),
                Control::PublicNetworkAccess | Control::DirectPublicIngress => None,
            })
            .collect();
        for value in hardened_values(&component.spec) {
            let value = weakened
                .iter()
                .find(|(hardened, _)| hardened == value)
                .map_or(*value, |(_, weaker)| *weaker);
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
        // The one Data Owner bulwark assigns: Service Bus, for a container app's KEDA scale
        // rule (the scaler reads message counts with Manage rights), on exactly the queue or
        // subscription the app receives from, never the namespace.
        if assignment.role.name().ends_with("Data Owner") {
            prop_assert_eq!(assignment.role.name(), "Azure Service Bus Data Owner");
            prop_assert!(
                matches!(
                    &assignment.scope,
                    bulwark::plan::Scope::Part {
                        kind: blueprint::PartKind::Queue | blueprint::PartKind::Subscription,
                        ..
                    }
                ),
                "{:?}",
                assignment.scope
            );
            let app = plan.component(&assignment.principal).expect("a component");
            prop_assert!(
                app.scale_rules
                    .iter()
                    .any(|rule| rule.because == assignment.because),
                "{} gets Data Owner without a scale rule",
                assignment.principal
            );
        }
    }

    // Each connection grants exactly the catalogue's roles for its access level, each carried
    // out the way its kind authorizes: RBAC (and a custom role), Cosmos DB data-plane role
    // assignments, Redis access policies, database grant scripts.
    let by_name = bulwark::plan::by_name(blueprint);
    let (mut arm, mut cosmos, mut redis, mut database, mut app_role) = (0, 0, 0, 0, 0);
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
                    Role::AppRole => app_role += 1,
                }
            }
        }
    }
    // A registry image implies `pull` on its registry unless a connection already grants it.
    for component in &blueprint.components {
        if let blueprint::ComponentSpec::ContainerApp(app) = &component.spec
            && let Some(image) = app.image.registry()
            && !app.uses.iter().any(|c| {
                c.to.component == image.registry && matches!(c.access, Access::Pull | Access::Push)
            })
        {
            arm += 1;
        }
    }
    // A container app's scale rules add what the KEDA scaler needs on the same entity: Data
    // Owner on a Service Bus queue or subscription, Queue Data Reader on a storage queue it
    // only receives from.
    for component in &plan.components {
        for rule in &component.scale_rules {
            match rule.source {
                bulwark::plan::scale::ScaleSource::StorageQueue { .. }
                    if rule.access != Access::Receive => {}
                _ => arm += 1,
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
    // host storage (blob, queue and table); the deploying identity writes each Elastic
    // Premium app's package (code delivery).
    let elastic_premium = blueprint
        .components
        .iter()
        .filter(|c| matches!(&c.spec, ComponentSpec::FunctionApp(f) if !f.is_flex_consumption()))
        .count();
    prop_assert_eq!(
        count("'Microsoft.Authorization/roleAssignments@"),
        arm + compute + 3 * function_apps + elastic_premium,
        "{}",
        to_toml(blueprint)
    );
    prop_assert_eq!(count("/sqlRoleAssignments@"), cosmos);
    prop_assert_eq!(count("/accessPolicyAssignments@"), redis);
    // A call assigns one Entra app role (the same role twice, once).
    prop_assert!(plan.calls.len() <= app_role);
    prop_assert_eq!(
        count("'Microsoft.Graph/appRoleAssignedTo@"),
        plan.calls.len()
    );
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
    let subnets = subnet_objects(network, &blueprint.app.name);
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
    subnet_outputs: &'a BTreeMap<String, String>,
) -> Option<&'a str> {
    let output = call.params.get(param)?.strip_prefix("network.outputs.")?;
    subnet_outputs.get(output).map(String::as_str)
}

/// network.bicep's subnet id outputs: output name → subnet name, from
/// `resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, '<subnet>')` (a
/// created VNet) or `<subnet resource>.id` (an existing one).
fn subnet_outputs(network: &str, app: &str) -> BTreeMap<String, String> {
    let subnet_resources: BTreeMap<&str, String> = resources(network)
        .into_iter()
        .filter(|block| block.ty == "Microsoft.Network/virtualNetworks/subnets")
        .filter_map(|block| {
            let props = properties(&block.body, 2);
            let name = property(&props, "name")
                .first()?
                .trim_matches('\'')
                .to_string();
            Some((block.symbol, planned_subnet_name(app, &name)))
        })
        .collect();
    // Compute subnets are keys of one object output: `subnetIds['<subnet>']`.
    let mut values: Vec<(String, &str)> = output_values(network)
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    let mut lines = network.lines();
    if lines.any(|line| line == "output subnetIds object = {") {
        for line in lines.take_while(|line| *line != "}") {
            if let Some((key, value)) = line.trim_start().split_once(": ") {
                let key = key.trim_matches('\'');
                values.push((format!("subnetIds['{key}']"), value));
            }
        }
    }
    values
        .into_iter()
        .filter_map(|(name, value)| {
            let subnet = match value.strip_suffix(".id") {
                Some(symbol) => subnet_resources.get(symbol)?.clone(),
                None => value
                    .strip_suffix("')")
                    .and_then(|rest| rest.rsplit_once(", '"))
                    .map(|(_, subnet)| subnet.to_string())?,
            };
            Some((name, subnet))
        })
        .collect()
}

fn check_network(blueprint: &Blueprint, plan: &Plan, files: &FileSet) -> Result<(), TestCaseError> {
    check_address_plan(blueprint, plan)?;
    check_subnet_nsgs(blueprint, plan, files)?;
    let network = file(files, "modules/network.bicep")?;

    // When every environment has the same range, network.bicep writes it as a literal.
    for object in subnet_objects(network, &blueprint.app.name) {
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

    let outputs = subnet_outputs(network, &blueprint.app.name);
    let mut seen_outputs = BTreeSet::new();
    for subnet in outputs.values() {
        prop_assert!(
            seen_outputs.insert(subnet.as_str()),
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

    // Zones of its own only with created DNS (central DNS: see check_dns).
    let dns = files.get("modules/dns.bicep").unwrap_or_default();
    for component in plan
        .components
        .iter()
        .filter(|_| plan.network.dns == DnsPlan::Create)
    {
        for endpoint in &component.private_endpoints {
            for zone in &endpoint.zones {
                prop_assert!(plan.dns_zones.contains(zone));
                prop_assert!(
                    in_public_cloud(dns).contains(&format!("name: '{zone}'")),
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
        // Every App Service app has a `sites` endpoint, whatever its ingress: code is
        // deployed through it.
        ComponentSpec::FunctionApp(_) => {
            groups.extend(["blob", "queue", "table", "sites"]);
        }
        ComponentSpec::WebApp(_) => {
            groups.push("sites");
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
    let outputs = subnet_outputs(network, &blueprint.app.name);
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
        // Only a waiver opens public network access, and only on the resource it names.
        let opened = component.and_then(|c| {
            blueprint
                .waivers
                .iter()
                .any(|w| {
                    w.component == c.name
                        && matches!(
                            w.control,
                            Control::PublicNetworkAccess | Control::DirectPublicIngress
                        )
                })
                .then(|| waived_type(c.kind()))
        });
        let blocks = resources(text);
        let mut switches = 0;
        for block in &blocks {
            let props = properties(&block.body, 2);
            let facts = facts.get(block.ty).map(Vec::as_slice).unwrap_or_default();
            let waived = opened == Some(block.ty);
            for (prop_path, value) in &props {
                if prop_path.rsplit('.').next() != Some("publicNetworkAccess") {
                    continue;
                }
                let allowed = value == "'Disabled'" || (waived && value == "'Enabled'");
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
                prop_assert!(
                    values == [*hardened] || (waived && values == ["'Enabled'"]),
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
                .map(|n| in_public_cloud(n.trim_matches('\'')));
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
// Network modes and governance: readers and checks
// ---------------------------------------------------------------------------------------------

/// The resource type a waiver of a component of `kind` weakens.
fn waived_type(kind: blueprint::Kind) -> &'static str {
    use blueprint::Kind;
    match kind {
        Kind::Storage => "Microsoft.Storage/storageAccounts",
        Kind::KeyVault => "Microsoft.KeyVault/vaults",
        Kind::ContainerRegistry => "Microsoft.ContainerRegistry/registries",
        Kind::ServiceBus => "Microsoft.ServiceBus/namespaces",
        Kind::EventHubs => "Microsoft.EventHub/namespaces",
        Kind::WebApp | Kind::FunctionApp => "Microsoft.Web/sites",
        _ => "<not waivable>",
    }
}

/// The weaker property line a waiver of `control` writes.
fn weakened_line(control: Control) -> &'static str {
    match control {
        Control::PublicNetworkAccess | Control::DirectPublicIngress => {
            "publicNetworkAccess: 'Enabled'"
        }
        Control::SharedKeyAccess => "allowSharedKeyAccess: true",
        Control::LocalAuth => "disableLocalAuth: false",
    }
}

/// Bicep text with the `environment()` host expressions bulwark writes replaced by their
/// values in the public cloud, so it can be compared with the names a blueprint gives.
fn in_public_cloud(text: &str) -> String {
    text.replace("${environment().suffixes.storage}", "core.windows.net")
        .replace(
            "${environment().suffixes.sqlServerHostname}",
            ".database.windows.net",
        )
        .replace("${environment().suffixes.keyvaultDns}", ".vault.azure.net")
}

/// A Bicep string literal of text without quotes or backslashes (ids, ranges, dates).
fn literal(text: &str) -> String {
    format!("'{text}'")
}

/// Environment → key → value as written, from `var <name> = { <environment>: { … } }` (an
/// array value as its items joined by `, `).
type EnvironmentTable = BTreeMap<String, BTreeMap<String, String>>;

fn environment_table(text: &str, var: &str) -> EnvironmentTable {
    let opener = format!("var {var} = {{");
    let lines: Vec<&str> = text.lines().collect();
    let mut table = EnvironmentTable::new();
    let Some(start) = lines.iter().position(|line| *line == opener) else {
        return table;
    };
    let unquote = |key: &str| key.trim_matches('\'').to_string();
    let mut environment = String::new();
    let mut array: Option<(String, Vec<String>)> = None;
    for line in &lines[start + 1..] {
        if *line == "}" {
            break;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some((key, items)) = &mut array {
            if indent == 4 && trimmed == "]" {
                table
                    .entry(environment.clone())
                    .or_default()
                    .insert(key.clone(), items.join(", "));
                array = None;
            } else {
                items.push(trimmed.to_string());
            }
            continue;
        }
        match (indent, trimmed.split_once(": ")) {
            (2, _) if trimmed.ends_with(": {") => {
                environment = unquote(trimmed.trim_end_matches(": {"));
            }
            (4, Some((key, "["))) => array = Some((unquote(key), Vec::new())),
            (4, Some((key, value))) => {
                table
                    .entry(environment.clone())
                    .or_default()
                    .insert(unquote(key), value.to_string());
            }
            _ => {}
        }
    }
    table
}

/// The value of `expr` in each environment: `<var>[environmentName].key` (or `['key']`) looks
/// it up in the table, anything else is the same everywhere.
fn in_each(
    expr: &str,
    var: &str,
    table: &EnvironmentTable,
    environments: &[String],
) -> BTreeMap<String, String> {
    let key = expr
        .strip_prefix(&format!("{var}[environmentName]"))
        .and_then(|rest| {
            rest.strip_prefix('.').map(str::to_string).or_else(|| {
                rest.strip_prefix("['")
                    .and_then(|rest| rest.strip_suffix("']"))
                    .map(str::to_string)
            })
        });
    environments
        .iter()
        .map(|environment| {
            let value = match &key {
                Some(key) => table
                    .get(environment)
                    .and_then(|values| values.get(key))
                    .cloned()
                    .unwrap_or_else(|| format!("<no {var}.{environment}.{key}>")),
                None => expr.to_string(),
            };
            (environment.clone(), value)
        })
        .collect()
}

/// The environments a `var <name> = environmentName == 'x'` or `contains([…],
/// environmentName)` statement holds for: the string literals up to the next blank line.
fn condition_environments(text: &str, var: &str) -> Option<BTreeSet<String>> {
    let opener = format!("var {var} = ");
    let start = text.lines().position(|line| line.starts_with(&opener))?;
    let statement: Vec<&str> = text
        .lines()
        .skip(start)
        .take_while(|line| !line.is_empty())
        .collect();
    Some(
        lex(&statement.join("\n"))
            .strings
            .into_iter()
            .filter_map(|s| s.value)
            .collect(),
    )
}

/// Symbols declared `resource <symbol> '<type>' existing = {`.
fn existing_symbols(text: &str) -> BTreeSet<&str> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("resource ")?;
            if rest.ends_with("' existing = {") {
                rest.split_whitespace().next()
            } else {
                None
            }
        })
        .collect()
}

/// The header line of the resource `symbol` declares.
fn header<'a>(text: &'a str, symbol: &str) -> Option<&'a str> {
    let prefix = format!("resource {symbol} ");
    text.lines().find(|line| line.starts_with(&prefix))
}

/// (subscription, resource group, name) of a resource id.
fn id_parts(id: &str) -> (&str, &str, &str) {
    let parts: Vec<&str> = id.split('/').collect();
    (parts[2], parts[4], parts[parts.len() - 1])
}

/// Property 1 for every network mode, and property 3: network.bicep deploys the VNet the
/// blueprint describes in each environment (created, or existing in its resource group), with
/// the plan's subnets at the plan's ranges, and the plan keeps the blueprint's ranges and pins.
fn check_vnet(blueprint: &Blueprint, plan: &Plan, files: &FileSet) -> Result<(), TestCaseError> {
    let app = &blueprint.app.name;
    let environments = &blueprint.app.environments;
    let network = file(files, "modules/network.bicep")?;
    let table = environment_table(network, "addressPlan");
    let each = |expr: &str| in_each(expr, "addressPlan", &table, environments);
    let settings: Vec<(&String, blueprint::EnvironmentNetwork)> = environments
        .iter()
        .map(|environment| (environment, blueprint.network.in_environment(environment)))
        .collect();
    let existing_mode = blueprint.network.existing.is_some();

    // The plan takes the blueprint's ranges and keeps its pins.
    for (environment, settings) in &settings {
        let ranges: Vec<String> = plan
            .address_ranges_in(environment)
            .iter()
            .map(Cidr::to_string)
            .collect();
        prop_assert_eq!(
            &ranges,
            &settings.ranges,
            "{} plans other ranges",
            environment
        );
        for (subnet, (range, _)) in &settings.pins {
            let planned = plan.subnets.iter().find(|s| &s.name == subnet);
            prop_assert!(
                planned.is_some_and(|s| s.prefix_in(environment).to_string() == *range),
                "{environment}: subnet {subnet} is pinned to {range}, planned at {:?}\n{}",
                planned.map(|s| s.prefix_in(environment)),
                to_toml(blueprint)
            );
        }
    }

    // One VNet, declared `existing` or created, and no other anywhere.
    let declared = resources(network);
    let of_type = |ty: &str| -> Vec<&Block> { declared.iter().filter(|b| b.ty == ty).collect() };
    let vnets = of_type(VIRTUAL_NETWORK);
    prop_assert_eq!(
        vnets.len(),
        1,
        "network.bicep declares {} VNets",
        vnets.len()
    );
    let vnet = vnets[0];
    prop_assert_eq!(
        existing_symbols(network).contains(vnet.symbol),
        existing_mode,
        "the VNet is {} `existing`\n{}",
        if existing_mode {
            "not declared"
        } else {
            "declared"
        },
        to_toml(blueprint)
    );
    let mut peerings = Vec::new();
    for (path, text) in &files.files {
        if !path.ends_with(".bicep") {
            continue;
        }
        for block in resources(text) {
            prop_assert!(
                block.ty != VIRTUAL_NETWORK || path == "modules/network.bicep",
                "{path} declares a VNet"
            );
            if block.ty == "Microsoft.Network/virtualNetworks/virtualNetworkPeerings" {
                peerings.push((path.clone(), block.symbol, properties(&block.body, 2)));
            }
        }
    }
    let main = file(files, "main.bicep")?;
    let network_call = blocks(main, "module")
        .into_iter()
        .find(|call| call.ty == "modules/network.bicep");
    prop_assert!(
        network_call.is_some(),
        "main.bicep does not deploy network.bicep"
    );
    let scope = network_call
        .expect("checked")
        .body
        .iter()
        .find_map(|line| line.strip_prefix("  scope: "));
    let subnet_resources = of_type("Microsoft.Network/virtualNetworks/subnets");
    let vnet_props = properties(&vnet.body, 2);
    let route_tables: Vec<Option<&String>> = settings
        .iter()
        .map(|(_, s)| s.existing.as_ref().and_then(|e| e.route_table_id.as_ref()))
        .collect();
    let with_table = route_tables.iter().all(Option::is_some);

    if existing_mode {
        prop_assert!(
            peerings.is_empty(),
            "an existing VNet is peered by its owner, not bulwark: {:?}",
            peerings
        );
        // Each environment's VNet by name, in its own resource group.
        let names = each(
            property(&vnet_props, "name")
                .first()
                .copied()
                .unwrap_or_default(),
        );
        prop_assert!(
            scope.is_some(),
            "the network module has no scope\n{}",
            to_toml(blueprint)
        );
        let arguments: Vec<&str> = scope
            .expect("checked")
            .strip_prefix("resourceGroup(")
            .and_then(|rest| rest.strip_suffix(')'))
            .map(|rest| rest.split(", ").collect())
            .unwrap_or_default();
        prop_assert_eq!(arguments.len(), 2, "scope {:?}", scope);
        let groups_table = environment_table(main, "vnetResourceGroups");
        let subscriptions = in_each(
            arguments[0],
            "vnetResourceGroups",
            &groups_table,
            environments,
        );
        let groups = in_each(
            arguments[1],
            "vnetResourceGroups",
            &groups_table,
            environments,
        );
        for (environment, settings) in &settings {
            let id = &settings
                .existing
                .as_ref()
                .expect("existing everywhere")
                .vnet_id;
            let (subscription, group, name) = id_parts(id);
            prop_assert_eq!(&names[*environment], &literal(name), "{} VNet", environment);
            prop_assert_eq!(&subscriptions[*environment], &literal(subscription));
            prop_assert_eq!(
                &groups[*environment],
                &literal(group),
                "{} group",
                environment
            );
        }
        // Subnets are child resources of the VNet, each waiting for the one before.
        prop_assert_eq!(subnet_resources.len(), plan.subnets.len());
        prop_assert!(array_items(&vnet.body, "subnets", 4).is_empty());
        for (at, subnet) in subnet_resources.iter().enumerate() {
            let props = properties(&subnet.body, 2);
            prop_assert_eq!(
                property(&props, "parent"),
                [vnet.symbol],
                "{}",
                subnet.symbol
            );
            let expected: Vec<&str> = subnet_resources[..at]
                .last()
                .map(|before| before.symbol)
                .into_iter()
                .collect();
            prop_assert_eq!(
                property(&props, "dependsOn.[]"),
                expected,
                "subnet {} is not chained to the one before",
                subnet.symbol
            );
        }
    } else {
        prop_assert!(scope.is_none(), "a created VNet has scope {:?}", scope);
        prop_assert!(
            subnet_resources.is_empty(),
            "subnets outside the created VNet"
        );
        let spaces = match property(&vnet_props, "properties.addressSpace.addressPrefixes").first()
        {
            Some(reference) => each(reference),
            None => {
                let items = property(&vnet_props, "properties.addressSpace.addressPrefixes.[]");
                in_each(&items.join(", "), "addressPlan", &table, environments)
            }
        };
        for (environment, settings) in &settings {
            let expected: Vec<String> = settings.ranges.iter().map(|r| literal(r)).collect();
            prop_assert_eq!(
                &spaces[*environment],
                &expected.join(", "),
                "{} address space\n{}",
                environment,
                to_toml(blueprint)
            );
        }
        // Peered with each environment's hub, or not at all.
        let hubs: Vec<Option<&String>> =
            settings.iter().map(|(_, s)| s.peer_with.as_ref()).collect();
        if hubs.iter().all(Option::is_none) {
            prop_assert!(
                peerings.is_empty(),
                "peerings without a hub: {:?}",
                peerings
            );
        } else {
            prop_assert_eq!(peerings.len(), 1, "{:?}", peerings);
            let (path, _, props) = &peerings[0];
            prop_assert_eq!(path.as_str(), "modules/network.bicep");
            prop_assert_eq!(property(props, "parent"), [vnet.symbol]);
            let remote = each(
                property(props, "properties.remoteVirtualNetwork.id")
                    .first()
                    .copied()
                    .unwrap_or_default(),
            );
            for ((environment, _), hub) in settings.iter().zip(&hubs) {
                let hub = hub.expect("a hub in every environment (validated)");
                prop_assert_eq!(&remote[*environment], &literal(hub), "{} hub", environment);
            }
            prop_assert_eq!(property(props, "properties.allowGatewayTransit"), ["false"]);
            prop_assert_eq!(property(props, "properties.useRemoteGateways"), ["false"]);
        }
    }

    // The plan's subnets at the plan's ranges, outbound through the route table or the NAT
    // gateway.
    let nat = of_type("Microsoft.Network/natGateways");
    let compute = plan
        .subnets
        .iter()
        .any(|s| s.purpose != bulwark::plan::SubnetPurpose::PrivateEndpoints);
    if with_table {
        prop_assert!(nat.is_empty(), "a NAT gateway next to the route table");
        prop_assert!(of_type("Microsoft.Network/publicIPAddresses").is_empty());
    } else {
        prop_assert_eq!(nat.len(), usize::from(compute), "NAT gateways");
    }
    for object in subnet_objects(network, app) {
        let planned = plan.subnets.iter().find(|s| s.name == object.name);
        prop_assert!(planned.is_some(), "subnet {} is not planned", object.name);
        let planned = planned.expect("checked");
        let prefixes = each(object.address_prefix.as_deref().unwrap_or_default());
        for environment in environments {
            prop_assert_eq!(
                &prefixes[environment],
                &literal(&planned.prefix_in(environment).to_string()),
                "{}: subnet {} is not at its planned range\n{}",
                environment,
                &planned.name,
                to_toml(blueprint)
            );
        }
        let table_ids = property(&object.props, "routeTable.id");
        let nat_ids = property(&object.props, "natGateway.id");
        if planned.purpose == bulwark::plan::SubnetPurpose::PrivateEndpoints {
            prop_assert!(table_ids.is_empty() && nat_ids.is_empty());
        } else if with_table {
            prop_assert!(nat_ids.is_empty(), "{}", &planned.name);
            let ids = each(table_ids.first().copied().unwrap_or_default());
            for ((environment, _), table) in settings.iter().zip(&route_tables) {
                let table = table.expect("checked");
                prop_assert_eq!(
                    &ids[*environment],
                    &literal(table),
                    "{} route table",
                    environment
                );
            }
        } else {
            prop_assert!(table_ids.is_empty(), "{}", &planned.name);
            prop_assert_eq!(
                nat_ids,
                [format!("{}.id", nat[0].symbol)],
                "{}",
                &planned.name
            );
        }
    }
    Ok(())
}

/// Property 2: with created zones, property 4 of the private networking issue; with central
/// zones, no zone anywhere and each endpoint's zone group points at the blueprint's id for
/// its zones (a literal in main.bicep); with policy-managed zones, no zone groups either.
fn check_dns(blueprint: &Blueprint, plan: &Plan, files: &FileSet) -> Result<(), TestCaseError> {
    if blueprint.network.dns == DnsMode::Create {
        prop_assert_eq!(&plan.network.dns, &DnsPlan::Create);
        return check_zones(blueprint, plan, files);
    }
    let given = &blueprint.network.dns_zones;
    match &plan.network.dns {
        DnsPlan::Central(ids) => {
            // The given id of every zone the endpoints use (none without ids).
            let zones: Vec<&str> = ids.keys().copied().collect();
            let expected: &[&str] = if given.is_empty() {
                &[]
            } else {
                &plan.dns_zones
            };
            prop_assert_eq!(&zones[..], expected, "planned zone ids {:?}", ids);
            for (zone, id) in ids {
                prop_assert_eq!(Some(id), given.get(*zone), "zone {}", zone);
            }
        }
        DnsPlan::Create => prop_assert!(false, "central DNS planned as created zones"),
    }
    prop_assert!(
        files.get("modules/dns.bicep").is_none(),
        "dns.bicep with central DNS"
    );
    let mut groups_anywhere = 0;
    for (path, text) in &files.files {
        if !path.ends_with(".bicep") {
            continue;
        }
        for block in resources(text) {
            prop_assert!(
                !block.ty.starts_with("Microsoft.Network/privateDnsZones"),
                "{path}: {} is a {} with central DNS\n{}",
                block.symbol,
                block.ty,
                to_toml(blueprint)
            );
            if block.ty == "Microsoft.Network/privateEndpoints/privateDnsZoneGroups" {
                groups_anywhere += 1;
            }
        }
    }
    if given.is_empty() {
        prop_assert_eq!(groups_anywhere, 0, "zone groups with policy-managed DNS");
    }
    let main = file(files, "main.bicep")?;
    let calls = module_calls(main);
    let mut endpoints_anywhere = 0;
    for component in plan
        .components
        .iter()
        .filter(|c| !c.private_endpoints.is_empty())
    {
        let path = module_path(component.kind(), &component.name);
        let endpoints = endpoint_objects(file(files, &path)?);
        endpoints_anywhere += endpoints.len();
        if given.is_empty() {
            continue;
        }
        let call = calls.iter().find(|call| call.path == path);
        prop_assert!(call.is_some(), "main.bicep does not deploy {path}");
        let call = call.expect("checked");
        for planned in &component.private_endpoints {
            let endpoint = endpoints.iter().find(|e| {
                e.group_ids == [planned.group_id] && e.target.as_deref() == Some(planned.target)
            });
            prop_assert!(
                endpoint.is_some(),
                "{path}: no endpoint for {}",
                planned.group_id
            );
            let mut ids: Vec<String> = endpoint
                .expect("checked")
                .zone_ids
                .iter()
                .map(|param| {
                    call.params
                        .get(param)
                        .map(|value| in_public_cloud(value))
                        .unwrap_or_else(|| format!("<no argument {param}>"))
                })
                .collect();
            ids.sort();
            let mut expected: Vec<String> = planned
                .zones
                .iter()
                .map(|zone| {
                    given
                        .get(*zone)
                        .map_or_else(|| format!("<no id for {zone}>"), |id| literal(id))
                })
                .collect();
            expected.sort();
            prop_assert_eq!(
                &ids,
                &expected,
                "{}: endpoint {} does not register in the given zones\n{}",
                &path,
                planned.group_id,
                to_toml(blueprint)
            );
        }
    }
    if !given.is_empty() {
        prop_assert_eq!(
            groups_anywhere,
            endpoints_anywhere,
            "one zone group per endpoint"
        );
    }
    // The platform's DNS gets each Container Apps environment's domain and address.
    let outputs = outputs(main);
    for component in &blueprint.components {
        if let ComponentSpec::ContainerApp(app) = &component.spec
            && app.environment == blueprint::ContainerEnvironment::Dedicated
        {
            // Keys of the `environmentDns` object output.
            let symbol = naming::component_symbol(&component.name);
            prop_assert!(
                outputs.contains("environmentDns"),
                "main.bicep lacks environmentDns"
            );
            for suffix in ["Domain", "StaticIp"] {
                let key = format!("\n  {symbol}{suffix}: ");
                prop_assert!(main.contains(&key), "environmentDns lacks {symbol}{suffix}");
            }
        }
    }
    for output in ["containerAppsDomain", "containerAppsStaticIp"] {
        prop_assert_eq!(
            outputs.contains(output),
            plan.shared_container_environment,
            "main.bicep output {}",
            output
        );
    }
    Ok(())
}

/// Property 4: each waiver weakens its control on the resource it names, with a `// WAIVED
/// until` comment and only for `allow_from`; one policy exemption per policy the weaker
/// setting violates, scoped to that resource, expiring with the waiver; assignments after
/// the waived resources, exemptions after the assignments. Without waivers: none of it.
fn check_waivers(blueprint: &Blueprint, files: &FileSet) -> Result<(), TestCaseError> {
    if blueprint.waivers.is_empty() {
        prop_assert!(
            files.get("modules/waivers.bicep").is_none(),
            "waivers.bicep without waivers"
        );
        for (path, text) in &files.files {
            prop_assert!(
                !text.contains("WAIVED"),
                "{path} says WAIVED without waivers"
            );
        }
        return Ok(());
    }
    let app = &blueprint.app.name;
    let main = file(files, "main.bicep")?;
    let calls = module_calls(main);
    let waivers_file = file(files, "modules/waivers.bicep")?;
    let policies = file(files, "modules/policies.bicep")?;
    let waivers_call = calls
        .iter()
        .find(|call| call.path == "modules/waivers.bicep");
    prop_assert!(
        waivers_call.is_some(),
        "main.bicep does not deploy waivers.bicep"
    );
    let waivers_call = waivers_call.expect("checked");
    let exemption_blocks = resources(waivers_file);
    let exemptions: Vec<(&str, Vec<(String, String)>)> = exemption_blocks
        .iter()
        .filter(|block| block.ty == "Microsoft.Authorization/policyExemptions")
        .map(|block| (block.symbol, properties(&block.body, 2)))
        .collect();
    let mut expected_exemptions = 0;
    let mut waived_modules = BTreeSet::new();
    for (index, waiver) in blueprint.waivers.iter().enumerate() {
        let component = blueprint
            .components
            .iter()
            .find(|c| c.name == waiver.component)
            .expect("validated");
        let kind = component.kind();
        let path = module_path(kind, &component.name);
        let text = file(files, &path)?;
        let lines: Vec<&str> = text.lines().collect();

        // The weaker value, right under its comment, in the resource of the waived type.
        let marker = format!("// WAIVED until {} (waivers[{index}]): ", waiver.expires);
        let at = lines
            .iter()
            .position(|line| line.trim_start().starts_with(&marker));
        prop_assert!(
            at.is_some(),
            "{path} has no `{marker}`\n{}",
            to_toml(blueprint)
        );
        let at = at.expect("checked");
        prop_assert_eq!(
            lines.get(at + 1).map(|line| line.trim_start()),
            Some(weakened_line(waiver.control)),
            "{}: waivers[{}]",
            &path,
            index
        );
        let owner = lines[..at]
            .iter()
            .rev()
            .find_map(|line| line.strip_prefix("resource "))
            .and_then(|rest| rest.split_whitespace().next());
        let block = resources(text)
            .into_iter()
            .find(|block| Some(block.symbol) == owner);
        prop_assert!(
            block.as_ref().is_some_and(|b| b.ty == waived_type(kind)),
            "{path}: waivers[{index}] weakens {owner:?}, not the {}",
            waived_type(kind)
        );
        let block = block.expect("checked");
        let props = properties(&block.body, 2);
        let ranges: Vec<String> = waiver.allow_from.iter().map(|r| literal(r)).collect();
        match waiver.control {
            Control::PublicNetworkAccess => {
                let acl = if kind == blueprint::Kind::ContainerRegistry {
                    "networkRuleSet"
                } else {
                    "networkAcls"
                };
                prop_assert_eq!(
                    property(&props, &format!("properties.{acl}.defaultAction")),
                    ["'Deny'"],
                    "{}: everything else is denied",
                    &path
                );
                // One address may be written without its /32 (Azure Storage takes no /32, see
                // regression_storage_ip_rules_take_single_addresses_without_a_prefix).
                let one_address = |value: &str| value.replace("/32'", "'");
                let rules: Vec<String> =
                    property(&props, &format!("properties.{acl}.ipRules.[].value"))
                        .into_iter()
                        .map(one_address)
                        .collect();
                // Storage takes no /31 either: bulwark writes its two addresses.
                let expected: Vec<String> = if kind == blueprint::Kind::Storage {
                    waiver
                        .allow_from
                        .iter()
                        .flat_map(|range| match range.strip_suffix("/31") {
                            Some(base) => {
                                let (head, last) = base.rsplit_once('.').expect("IPv4");
                                let last: u8 = last.parse().expect("an octet");
                                vec![format!("{head}.{last}"), format!("{head}.{}", last + 1)]
                            }
                            None => vec![range.clone()],
                        })
                        .map(|r| one_address(&literal(&r)))
                        .collect()
                } else {
                    ranges.iter().map(|r| one_address(r)).collect()
                };
                prop_assert_eq!(rules, expected, "{}: only allow_from", &path);
            }
            Control::DirectPublicIngress => {
                let config = "properties.siteConfig";
                prop_assert_eq!(
                    property(
                        &props,
                        &format!("{config}.ipSecurityRestrictions.[].ipAddress")
                    ),
                    ranges.clone(),
                    "{}: only allow_from",
                    &path
                );
                let default = if ranges.is_empty() {
                    "'Allow'"
                } else {
                    "'Deny'"
                };
                prop_assert_eq!(
                    property(
                        &props,
                        &format!("{config}.ipSecurityRestrictionsDefaultAction")
                    ),
                    [default]
                );
                prop_assert_eq!(
                    property(
                        &props,
                        &format!("{config}.scmIpSecurityRestrictionsDefaultAction")
                    ),
                    ["'Deny'"]
                );
            }
            Control::LocalAuth => {
                // One SAS rule per grant, on that entity, with exactly its rights.
                let rules: Vec<_> = resources(text)
                    .into_iter()
                    .filter(|block| block.ty.ends_with("/authorizationRules"))
                    .collect();
                prop_assert_eq!(rules.len(), waiver.grants.len(), "{}: SAS rules", &path);
                prop_assert!(!text.contains("'Manage'"), "{}: Manage granted", &path);
                for grant in &waiver.grants {
                    let prefix = if kind == blueprint::Kind::EventHubs {
                        "hub"
                    } else if matches!(&component.spec, ComponentSpec::ServiceBus(bus) if bus.topics.contains_key(&grant.to))
                    {
                        "topic"
                    } else {
                        "queue"
                    };
                    let entity = naming::part_symbol(prefix, &grant.to);
                    let rule = rules.iter().find(|block| {
                        property(&properties(&block.body, 2), "parent") == [entity.as_str()]
                    });
                    prop_assert!(rule.is_some(), "{}: no SAS rule on {}", &path, &entity);
                    let props = properties(&rule.expect("checked").body, 2);
                    prop_assert_eq!(property(&props, "name"), [literal(controls::SAS_RULE_NAME)]);
                    let mut rights: Vec<SasRight> = grant.rights.clone();
                    rights.sort();
                    rights.dedup();
                    let expected: Vec<String> = rights
                        .iter()
                        .map(|right| literal(right.azure_name()))
                        .collect();
                    prop_assert_eq!(
                        property(&props, "properties.rights.[]"),
                        expected,
                        "{}: rights on {}",
                        &path,
                        &entity
                    );
                }
            }
            Control::SharedKeyAccess => {}
        }

        // The exemptions' scope: the same resource, by the name the module outputs.
        let call = calls.iter().find(|call| call.path == path);
        prop_assert!(call.is_some(), "main.bicep does not deploy {path}");
        let call = call.expect("checked");
        waived_modules.insert(call.symbol.clone());
        let name = format!("{}.name", block.symbol);
        prop_assert_eq!(
            output_values(text).get("waivedResourceName").copied(),
            Some(name.as_str()),
            "{}",
            &path
        );
        let scope = exemption_blocks.iter().find(|existing| {
            existing.ty == waived_type(kind)
                && existing_symbols(waivers_file).contains(existing.symbol)
                && property(&properties(&existing.body, 2), "name")
                    .first()
                    .and_then(|param| waivers_call.params.get(*param))
                    == Some(&format!("{}.outputs.waivedResourceName", call.symbol))
        });
        prop_assert!(
            scope.is_some(),
            "waivers.bicep has no existing {} for {}\n{}",
            waived_type(kind),
            &component.name,
            to_toml(blueprint)
        );
        let scope = scope.expect("checked").symbol;

        let waivable = controls::waivable(waiver.control, kind).expect("validated");
        for guid in waivable.policies {
            expected_exemptions += 1;
            let assignment = format!("{app}-{}", &guid[..8]);
            let id =
                format!("resourceId('Microsoft.Authorization/policyAssignments', '{assignment}')");
            let matching: Vec<&(&str, Vec<(String, String)>)> = exemptions
                .iter()
                .filter(|(_, props)| {
                    property(props, "properties.policyAssignmentId") == [id.as_str()]
                        && property(props, "scope") == [scope]
                })
                .collect();
            prop_assert_eq!(
                matching.len(),
                1,
                "waivers[{}]: {} exemptions from {}",
                index,
                matching.len(),
                &assignment
            );
            let props = &matching[0].1;
            prop_assert_eq!(
                property(props, "properties.expiresOn"),
                [literal(&format!("{}T23:59:59Z", waiver.expires))]
            );
            prop_assert_eq!(
                property(props, "properties.exemptionCategory"),
                ["'Waiver'"]
            );
            prop_assert!(
                policies.contains(&format!("\n  name: '{assignment}'\n")),
                "waivers[{index}] exempts from {assignment}, which is not assigned"
            );
        }
    }
    prop_assert_eq!(
        exemptions.len(),
        expected_exemptions,
        "waivers.bicep has other exemptions"
    );
    // A deny assignment arrives after the resources it would block, the exemptions after it.
    let depends = |path: &str| -> Vec<String> {
        blocks(main, "module")
            .into_iter()
            .find(|call| call.ty == path)
            .map(|call| {
                property(&properties(&call.body, 2), "dependsOn.[]")
                    .into_iter()
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let after = depends("modules/policies.bicep");
    for module in &waived_modules {
        prop_assert!(
            after.contains(module),
            "policies.bicep is not deployed after {module}: {after:?}"
        );
    }
    prop_assert!(depends("modules/waivers.bicep").contains(&"policies".to_string()));
    Ok(())
}

/// The blueprint without its waivers: direct ingress back to Front Door.
fn unwaived(blueprint: &Blueprint) -> Blueprint {
    let mut copy = blueprint.clone();
    copy.waivers.clear();
    for component in &mut copy.components {
        match &mut component.spec {
            ComponentSpec::WebApp(web) if web.ingress == Ingress::Direct => {
                web.ingress = Ingress::Public;
            }
            ComponentSpec::FunctionApp(function) if function.ingress == Ingress::Direct => {
                function.ingress = Ingress::Public;
            }
            _ => {}
        }
    }
    copy
}

/// Property 5: each policy assignment passes exactly the effect parameter its definition
/// reads, with an effect it allows: in each environment the one `effect_for` gives for that
/// environment's mode (`Deny` only where it says `deny`); the benchmark initiative only when
/// asked for, with its defaults.
fn check_policy_effects(blueprint: &Blueprint, files: &FileSet) -> Result<(), TestCaseError> {
    use bulwark::plan::governance::{effect_for, effect_parameter};
    let text = file(files, "modules/policies.bicep")?;
    let environments = &blueprint.app.environments;
    let deny: BTreeSet<&String> = environments
        .iter()
        .filter(|e| blueprint.governance.policy_in(e) == PolicyMode::Deny)
        .collect();
    let enforce = condition_environments(text, "enforce");
    let mixed = !deny.is_empty() && deny.len() < environments.len();
    prop_assert_eq!(
        enforce
            .as_ref()
            .map(|set| set.iter().collect::<BTreeSet<_>>()),
        mixed.then(|| deny.clone()),
        "`enforce` names other environments than say deny"
    );
    let mut benchmarks = 0;
    for block in resources(text) {
        prop_assert_eq!(block.ty, "Microsoft.Authorization/policyAssignments");
        let props = properties(&block.body, 2);
        let definition = property(&props, "properties.policyDefinitionId")
            .first()
            .copied()
            .unwrap_or_default();
        let parsed = ["policyDefinitions", "policySetDefinitions"]
            .into_iter()
            .find_map(|kind| {
                let rest = definition.strip_prefix(&format!(
                    "tenantResourceId('Microsoft.Authorization/{kind}', '"
                ))?;
                Some((kind, rest.strip_suffix("')")?))
            });
        prop_assert!(
            parsed.is_some(),
            "{}: definition {}",
            block.symbol,
            definition
        );
        let (kind, guid) = parsed.expect("checked");
        let parameters: BTreeSet<&str> = props
            .iter()
            .filter_map(|(path, _)| path.strip_prefix("properties.parameters."))
            .filter_map(|rest| rest.split('.').next())
            .collect();
        if kind == "policySetDefinitions" {
            benchmarks += 1;
            prop_assert_eq!(guid, catalog::BENCHMARK_INITIATIVE);
            prop_assert!(parameters.is_empty(), "the initiative keeps its defaults");
            continue;
        }
        let policy = facts::FACTS.policies.get(guid);
        prop_assert!(
            policy.is_some(),
            "{} assigns unknown {}",
            block.symbol,
            guid
        );
        let policy = policy.expect("checked");
        let (parameter, allowed) = effect_parameter(policy);
        prop_assert_eq!(
            parameters,
            BTreeSet::from([parameter]),
            "{} passes other parameters than {}",
            &policy.display_name,
            parameter
        );
        let value = property(&props, &format!("properties.parameters.{parameter}.value"));
        prop_assert_eq!(value.len(), 1, "{}", &policy.display_name);
        let value = value[0];
        let literals: Vec<String> = lex(value)
            .strings
            .into_iter()
            .filter_map(|s| s.value)
            .collect();
        for effect in &literals {
            prop_assert!(
                allowed.contains(&effect.as_str()),
                "{} is assigned with {effect}, not one of {allowed:?}",
                &policy.display_name
            );
        }
        for environment in environments {
            let effect = match (value.strip_prefix("enforce ? "), &literals[..]) {
                (Some(_), [yes, no]) => {
                    let enforced = enforce
                        .as_ref()
                        .is_some_and(|set| set.contains(environment));
                    if enforced { yes } else { no }
                }
                (None, [effect]) => effect,
                _ => {
                    prop_assert!(false, "{}: effect {}", &policy.display_name, value);
                    unreachable!()
                }
            };
            let mode = blueprint.governance.policy_in(environment);
            prop_assert_eq!(
                effect.as_str(),
                effect_for(policy, mode),
                "{} in {} ({:?})",
                &policy.display_name,
                environment,
                mode
            );
        }
    }
    prop_assert_eq!(
        benchmarks,
        usize::from(blueprint.governance.benchmark),
        "benchmarks"
    );
    prop_assert_eq!(
        text.contains("'Deny'"),
        !deny.is_empty(),
        "'Deny' in policies.bicep, deny in {:?}",
        deny
    );
    Ok(())
}

/// Whether a component holds state bulwark locks: every data component (not an external
/// service), except a storage account without containers or queues, which has no private
/// endpoint and so nothing that could reach it (the validator warns: `empty-storage`).
fn locked_kind(spec: &ComponentSpec) -> bool {
    match spec {
        ComponentSpec::Storage(storage) => {
            !storage.containers.is_empty() || !storage.queues.is_empty()
        }
        ComponentSpec::External(_) => false,
        other => !is_compute(other.kind()),
    }
}

/// Property 6: a data component's module has a `CanNotDelete` lock exactly when some
/// environment asks for locks, on a resource it declares, deployed only in those environments.
fn check_locks(blueprint: &Blueprint, files: &FileSet) -> Result<(), TestCaseError> {
    let environments = &blueprint.app.environments;
    let locked: BTreeSet<String> = environments
        .iter()
        .filter(|e| blueprint.governance.locks_in(e))
        .cloned()
        .collect();
    let mixed = !locked.is_empty() && locked.len() < environments.len();
    let main = file(files, "main.bicep")?;
    let condition = condition_environments(main, "lockStatefulResources");
    if mixed {
        prop_assert_eq!(condition.as_ref(), Some(&locked), "locked environments");
    } else {
        prop_assert!(condition.is_none(), "a lock condition without mixed locks");
    }
    let calls = module_calls(main);
    for component in &blueprint.components {
        if component.kind() == blueprint::Kind::External {
            continue;
        }
        let path = module_path(component.kind(), &component.name);
        let text = file(files, &path)?;
        let blocks = resources(text);
        let locks: Vec<&Block> = blocks
            .iter()
            .filter(|block| block.ty == "Microsoft.Authorization/locks")
            .collect();
        let expected = locked_kind(&component.spec) && !locked.is_empty();
        prop_assert_eq!(
            locks.len(),
            usize::from(expected),
            "{}: locks in {:?}\n{}",
            &path,
            &locked,
            to_toml(blueprint)
        );
        let Some(lock) = locks.first() else { continue };
        let props = properties(&lock.body, 2);
        prop_assert_eq!(property(&props, "properties.level"), ["'CanNotDelete'"]);
        let scope = property(&props, "scope");
        prop_assert!(
            scope.len() == 1
                && blocks.iter().any(|b| b.symbol == scope[0])
                && !existing_symbols(text).contains(scope[0]),
            "{path}: the lock's scope {scope:?} is not a resource the module deploys"
        );
        let header = header(text, lock.symbol).unwrap_or_default();
        if mixed {
            prop_assert!(
                header.ends_with(" = if (lockStatefulResources) {"),
                "{path}: {header}"
            );
            let call = calls.iter().find(|call| call.path == path);
            prop_assert_eq!(
                call.and_then(|call| call.params.get("lockStatefulResources"))
                    .map(String::as_str),
                Some("lockStatefulResources"),
                "{}",
                &path
            );
        } else {
            prop_assert!(header.ends_with("' = {"), "{path}: {header}");
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
        Err(error) => {
            let mut diagnostics = error.into_diagnostics();
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
            Err(error) => {
                failures.push(format!(
                    "{what}: not generated: {:?}",
                    errors(error.diagnostics())
                ));
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

/// The strategy reaches every network mode and governance feature (a fixed seed keeps this
/// deterministic): created VNets (own space, peered, per-environment spaces and hubs),
/// existing ones (two ranges either way round, route tables, per-environment VNets), pins in
/// `[network.subnets]` and per environment, the three DNS modes, policy, locks and monitoring
/// per environment, tags, and a waiver of every control for every kind that has it.
#[test]
fn the_strategy_covers_every_network_mode_and_governance_feature() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut waived = BTreeSet::new();
    for _ in 0..300 {
        let blueprint = valid_blueprint()
            .new_tree(&mut runner)
            .expect("a blueprint")
            .current();
        let network = &blueprint.network;
        let environments = &blueprint.app.environments;
        let overrides = network.environments.values();
        let governance = &blueprint.governance;
        let mut count = |feature: &'static str, present: bool| {
            *seen.entry(feature).or_default() += usize::from(present);
        };
        count("created", network.existing.is_none());
        count(
            "created with its own space",
            network.existing.is_none() && network.address_space != "10.0.0.0/16",
        );
        count("peered", network.peer_with.is_some());
        count(
            "hub per environment",
            overrides.clone().any(|o| o.peer_with.is_some()),
        );
        count(
            "hubs only per environment",
            network.peer_with.is_none() && overrides.clone().any(|o| o.peer_with.is_some()),
        );
        count(
            "space per environment",
            overrides.clone().any(|o| o.address_space.is_some()),
        );
        count("existing", network.existing.is_some());
        let ranges = network.existing.as_ref().map(|e| &e.address_ranges);
        count("existing, two ranges", ranges.is_some_and(|r| r.len() == 2));
        count(
            "existing, small range first",
            ranges.is_some_and(|r| r.len() == 2 && r[0].ends_with(|c: char| "45678".contains(c))),
        );
        count(
            "existing with a route table",
            network
                .existing
                .as_ref()
                .is_some_and(|e| e.route_table_id.is_some()),
        );
        count(
            "existing per environment",
            overrides.clone().any(|o| o.existing.is_some()),
        );
        count("pins", !network.subnets.is_empty());
        count(
            "pins per environment",
            overrides.clone().any(|o| !o.subnets.is_empty()),
        );
        count(
            "a pin replaced in one environment",
            overrides.clone().any(|o| {
                o.subnets
                    .keys()
                    .any(|name| network.subnets.contains_key(name))
            }),
        );
        count("dns create", network.dns == DnsMode::Create);
        count("dns central with ids", !network.dns_zones.is_empty());
        count(
            "dns central by policy",
            network.dns == DnsMode::Central && network.dns_zones.is_empty(),
        );
        let deny = environments
            .iter()
            .filter(|e| governance.policy_in(e) == PolicyMode::Deny)
            .count();
        count("deny somewhere", deny > 0);
        count(
            "deny in some environments only",
            deny > 0 && deny < environments.len(),
        );
        let locked = environments
            .iter()
            .filter(|e| governance.locks_in(e))
            .count();
        count("locks everywhere", locked == environments.len());
        count(
            "locks in some environments only",
            locked > 0 && locked < environments.len(),
        );
        count("benchmark", governance.benchmark);
        count("tags", !blueprint.tags.is_empty());
        count("required tags", !governance.required_tags.is_empty());
        count(
            "central workspace",
            blueprint
                .monitoring
                .in_environment(&environments[0])
                .workspace_id
                .is_some(),
        );
        count(
            "workspace per environment",
            blueprint
                .monitoring
                .environments
                .values()
                .any(|o| o.workspace_id.is_some()),
        );
        count(
            "retention or cap per environment",
            blueprint
                .monitoring
                .environments
                .values()
                .any(|o| o.retention_days.is_some() || o.daily_cap_gb.is_some()),
        );
        count("several waivers", blueprint.waivers.len() > 1);
        for waiver in &blueprint.waivers {
            let kind = blueprint
                .components
                .iter()
                .find(|c| c.name == waiver.component)
                .expect("a component")
                .kind();
            waived.insert((waiver.control, kind, waiver.allow_from.is_empty()));
        }
    }
    for (feature, times) in &seen {
        assert!(
            *times >= 5,
            "only {times} blueprints with {feature}: {seen:#?}"
        );
    }
    for waivable in controls::WAIVABLE {
        let with_ranges = matches!(
            waivable.control,
            Control::PublicNetworkAccess | Control::DirectPublicIngress
        );
        assert!(
            waived.contains(&(waivable.control, waivable.kind, !with_ranges)),
            "no {} waiver for a {}",
            waivable.control,
            waivable.kind
        );
        if waivable.control == Control::DirectPublicIngress {
            assert!(
                waived.contains(&(waivable.control, waivable.kind, true)),
                "no {} waiver without allow_from for a {}",
                waivable.control,
                waivable.kind
            );
        }
    }
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
            .unwrap_or_else(|error| panic!("{:#?}", errors(error.diagnostics())))
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

/// `peer_with` peers a VNet bulwark creates. With an existing VNet the validator rejects it in
/// `[network]` (`peering-with-existing-network`), but in `[network.environments.<env>]` (in
/// every environment, so `network-differs-in-kind` does not fire either) it passes, and
/// generation drops it without a word: no peering, no diagnostic. Not generated by the
/// strategy (it would be a valid blueprint whose hub is ignored).
#[test]
fn regression_existing_vnets_take_no_hub_per_environment() {
    let group = format!("/subscriptions/{}/resourceGroups/rg-net", subscription(1));
    let blueprint = Blueprint::builder("ab", ["dev"])
        .component("web", WebApp::new(Runtime::Node22))
        .existing_network(
            format!("{group}/providers/{VIRTUAL_NETWORK}/spoke"),
            ["10.1.0.0/22"],
        )
        .network_in(
            "dev",
            NetworkOverride {
                peer_with: Some(format!("{group}/providers/{VIRTUAL_NETWORK}/hub")),
                ..NetworkOverride::default()
            },
        )
        .build();
    let diagnostics = blueprint::validate(&blueprint);
    assert!(
        diagnostics
            .iter()
            .any(|d| d.is_error() && d.path.as_deref().is_some_and(|p| p.contains("peer_with"))),
        "accepted: {:#?}",
        errors(&diagnostics)
    );
}

/// Azure compares tag names without case, the validator does not: `App` gets past the
/// reserved-tag check and lands in main.bicep's `tags` next to bulwark's own `app`, and
/// `Owner` next to `owner`, so the two names of each pair collide on every resource (Azure
/// rejects the tags or keeps one value; which is not checked here). The strategy keeps tag
/// names apart without case so the properties stay meaningful.
#[test]
fn regression_tag_names_differ_without_case() {
    let web = || WebApp::new(Runtime::Node22);
    let cases = [
        (
            "`App` next to bulwark's `app`",
            Blueprint::builder("ab", ["dev"])
                .component("web", web())
                .tag("App", "finance")
                .build(),
        ),
        (
            "`Owner` and `owner`",
            Blueprint::builder("ab", ["dev"])
                .component("web", web())
                .tag("Owner", "a@contoso.example")
                .tag("owner", "b@contoso.example")
                .build(),
        ),
    ];
    let accepted: Vec<&str> = cases
        .iter()
        .filter(|(_, blueprint)| errors(&blueprint::validate(blueprint)).is_empty())
        .map(|(what, _)| *what)
        .collect();
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
}

/// Azure Storage's firewall takes no /31 or /32 range (one address is an IP rule without a
/// prefix), and the validator's own hint for `allow_from` says "use /32 for one address"; a
/// public-network-access waiver on a storage account writes the range verbatim into
/// `networkAcls.ipRules`, so deploying the account fails.
#[test]
fn regression_storage_ip_rules_take_single_addresses_without_a_prefix() {
    let blueprint = Blueprint::builder("ab", ["dev"])
        .component("media", Storage::new().containers(["images"]))
        .waiver(Waiver {
            control: Control::PublicNetworkAccess,
            component: "media".to_string(),
            reason: "One vendor address reads the scans (ticket SEC-1).".to_string(),
            expires: Date::new(2099, 12, 31).expect("a date"),
            allow_from: vec!["198.51.100.7/32".to_string()],
            grants: Vec::new(),
        })
        .build();
    let failed = failures(vec![("allow_from 198.51.100.7/32", blueprint)], |_, g| {
        let text = file(&g.files, "modules/storage-media.bicep")?;
        let props = resources(text)
            .into_iter()
            .find(|block| block.ty == "Microsoft.Storage/storageAccounts")
            .map(|block| properties(&block.body, 2))
            .unwrap_or_default();
        let rules = property(&props, "properties.networkAcls.ipRules.[].value");
        prop_assert_eq!(rules, ["'198.51.100.7'"]);
        Ok(())
    });
    assert!(failed.is_empty(), "{failed:#?}");
}
