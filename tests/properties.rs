//! Property tests.
//!
//! The first half generates random *valid* blueprints through the builder API and checks
//! what every generation must guarantee: it succeeds, its Bicep parses, it is deterministic,
//! user text stays inside string literals, the security baseline holds, the address plan is
//! sound and the files are wired together consistently. The second half throws random bytes,
//! random text and mutated copies of `blueprints/shop.toml` at the loader and checks that
//! nothing on the path to generated files panics.
//!
//! Failure persistence is off so a failing run leaves no files behind; proptest prints the
//! minimal failing input, and `to_toml` below turns a blueprint into a file for the CLI. The
//! `regression_*` tests at the end pin the minimal blueprints of the bugs these properties
//! found, so each stays visible whatever the random seed.

mod common;

use bulwark::blueprint::render::{self, Source};
use bulwark::blueprint::{
    self, Access, Blueprint, ComponentSpec, Connection, Ingress, KeyVault, Replication, Runtime,
    Storage, Target, WebApp, load,
};
use bulwark::catalog::naming::{self, NameRule};
use bulwark::catalog::{self, PartKind};
use bulwark::plan::Plan;
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

const REPLICATIONS: &[Replication] = &[
    Replication::Lrs,
    Replication::Zrs,
    Replication::Grs,
    Replication::Gzrs,
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

// ---------------------------------------------------------------------------------------------
// Blueprint drafts: raw random material, turned into a valid blueprint by `assemble`, which
// drops whatever would break a rule (duplicates, collisions) and resolves connections.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum DraftSpec {
    Web {
        runtime: Runtime,
        public: bool,
        sku: &'static str,
        health_check_path: Option<String>,
        settings: Vec<(String, String)>,
        /// (target, access) picks, resolved against the targets the blueprint declares.
        uses: Vec<(Index, Index)>,
    },
    Storage {
        containers: Vec<String>,
        queues: Vec<String>,
        replication: Replication,
    },
    Vault {
        secrets: Vec<String>,
    },
}

#[derive(Debug, Clone)]
struct Draft {
    app: String,
    environments: Vec<String>,
    /// Raw prefix length and base address, fitted to the number of web apps.
    address_space: Option<(u8, u32)>,
    components: Vec<(String, DraftSpec)>,
}

fn web_draft() -> impl Strategy<Value = DraftSpec> {
    (
        select(RUNTIMES),
        any::<bool>(),
        select(catalog::APP_SERVICE_SKUS),
        prop::option::of(health_check_path()),
        prop::collection::vec((setting_name(), user_text()), 0..4),
        prop::collection::vec((any::<Index>(), any::<Index>()), 0..5),
    )
        .prop_map(
            |(runtime, public, sku, health_check_path, settings, uses)| DraftSpec::Web {
                runtime,
                public,
                sku,
                health_check_path,
                settings,
                uses,
            },
        )
}

fn storage_draft() -> impl Strategy<Value = DraftSpec> {
    (
        prop::collection::vec(container_name(), 0..4),
        prop::collection::vec(queue_name(), 0..4),
        select(REPLICATIONS),
    )
        .prop_map(|(containers, queues, replication)| DraftSpec::Storage {
            containers,
            queues,
            replication,
        })
}

fn vault_draft() -> impl Strategy<Value = DraftSpec> {
    prop::collection::vec(secret_name(), 0..4).prop_map(|secrets| DraftSpec::Vault { secrets })
}

fn draft() -> impl Strategy<Value = Draft> {
    (
        app_name(),
        prop::collection::btree_set(environment_name(), 1..=3)
            .prop_map(|set| set.into_iter().collect::<Vec<_>>())
            .prop_shuffle(),
        prop::option::of((any::<u8>(), any::<u32>())),
        prop::collection::vec(
            (
                component_name(),
                prop_oneof![web_draft(), storage_draft(), vault_draft()],
            ),
            1..=12,
        ),
    )
        .prop_map(|(app, environments, address_space, components)| Draft {
            app,
            environments,
            address_space,
            components,
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

/// A target a web app may connect to, the accesses the catalogue allows on it, and the app
/// setting the connection adds.
struct Candidate {
    target: Target,
    accesses: Vec<Access>,
    settings: Vec<(String, bulwark::plan::SettingValue)>,
}

fn assemble(draft: &Draft) -> Blueprint {
    // Component names: unique, and unique as (case-insensitive) Bicep symbols.
    let mut seen = BTreeSet::new();
    let components: Vec<(String, DraftSpec)> = draft
        .components
        .iter()
        .filter(|(name, _)| seen.insert(naming::component_symbol(name).to_ascii_lowercase()))
        .cloned()
        .collect();

    // Data components first, so connections can be resolved against them.
    let part_symbol = |name: &str| vec![naming::prefixed_symbol("x", name).to_ascii_lowercase()];
    let mut variables = BTreeSet::new();
    let mut data: Vec<(String, ComponentSpec)> = Vec::new();
    for (name, spec) in &components {
        match spec {
            DraftSpec::Storage {
                containers,
                queues,
                replication,
            } => {
                let containers = unique_by(containers, part_symbol);
                // A queue named like a container makes `storage.name` ambiguous (see
                // regression_a_queue_named_like_a_container_can_be_used).
                let queues: Vec<String> = unique_by(queues, part_symbol)
                    .into_iter()
                    .filter(|queue| !containers.contains(queue))
                    .collect();
                data.push((
                    name.clone(),
                    ComponentSpec::Storage(
                        Storage::new()
                            .containers(containers)
                            .queues(queues)
                            .replication(*replication),
                    ),
                ));
            }
            DraftSpec::Vault { secrets } => {
                let secrets: Vec<String> = unique_by(secrets, |secret| {
                    vec![
                        secret.to_ascii_lowercase(),
                        naming::prefixed_symbol("x", secret).to_ascii_lowercase(),
                    ]
                })
                .into_iter()
                // Secret values arrive in environment variables that must stay unambiguous.
                .filter(|secret| variables.insert(naming::setting_name(&[name, secret])))
                .collect();
                data.push((
                    name.clone(),
                    ComponentSpec::KeyVault(KeyVault::new().secrets(secrets)),
                ));
            }
            DraftSpec::Web { .. } => {}
        }
    }

    let mut data_only = Blueprint::builder(draft.app.as_str(), ["x"]);
    for (name, spec) in &data {
        data_only = data_only.component(name.as_str(), spec.clone());
    }
    let data_only = data_only.build();
    let mut candidates = Vec::new();
    let mut candidate = |component: &str, kind, part: Option<(PartKind, &str)>| {
        let target = Target {
            component: component.to_string(),
            part: part.map(|(_, name)| name.to_string()),
        };
        let accesses: Vec<Access> = catalog::kind_spec(kind)
            .target(part.map(|(kind, _)| kind))
            .expect("the catalogue accepts this target")
            .accesses()
            .collect();
        let settings = bulwark::plan::connection_settings(
            &bulwark::plan::by_name(&data_only),
            &Connection::new(target.clone(), accesses[0]),
        );
        candidates.push(Candidate {
            target,
            accesses,
            settings,
        });
    };
    for (name, spec) in &data {
        match spec {
            ComponentSpec::Storage(storage) => {
                for container in &storage.containers {
                    candidate(
                        name,
                        blueprint::Kind::Storage,
                        Some((PartKind::Container, container)),
                    );
                }
                for queue in &storage.queues {
                    candidate(
                        name,
                        blueprint::Kind::Storage,
                        Some((PartKind::Queue, queue)),
                    );
                }
            }
            ComponentSpec::KeyVault(vault) => {
                candidate(name, blueprint::Kind::KeyVault, None);
                for secret in &vault.secrets {
                    candidate(
                        name,
                        blueprint::Kind::KeyVault,
                        Some((PartKind::Secret, secret)),
                    );
                }
            }
            ComponentSpec::WebApp(_) => {}
            other => unreachable!("the strategy generates no {}", other.kind()),
        }
    }

    let web_count = components
        .iter()
        .filter(|(_, spec)| matches!(spec, DraftSpec::Web { .. }))
        .count();
    let mut builder = Blueprint::builder(draft.app.as_str(), draft.environments.iter().cloned());
    if let Some((raw_prefix, raw_base)) = draft.address_space {
        builder = builder.address_space(fitting_address_space(web_count, raw_prefix, raw_base));
    }
    for (name, spec) in &components {
        builder = match spec {
            DraftSpec::Web {
                runtime,
                public,
                sku,
                health_check_path,
                settings,
                uses,
            } => {
                let mut web = WebApp::new(*runtime)
                    .ingress(if *public {
                        Ingress::Public
                    } else {
                        Ingress::Private
                    })
                    .sku(*sku);
                if let Some(path) = health_check_path {
                    web = web.health_check_path(path.as_str());
                }
                let mut targets = BTreeSet::new();
                // Only what the validator asks for: connections with distinct setting names,
                // plain settings that are neither reserved nor taken by a connection.
                // A setting two connections to one target share (its identity-based
                // connection) may repeat with the same value; anything else must not.
                let mut setting_names: BTreeMap<String, Option<bulwark::plan::SettingValue>> =
                    blueprint::RESERVED_SETTINGS
                        .iter()
                        .map(|reserved| (reserved.to_string(), None))
                        .collect();
                if !candidates.is_empty() {
                    for (target, access) in uses {
                        let candidate = target.get(&candidates);
                        let clashes = candidate.settings.iter().any(|(name, value)| {
                            setting_names
                                .get(name)
                                .is_some_and(|existing| existing.as_ref() != Some(value))
                        });
                        if targets.contains(&candidate.target) || clashes {
                            continue;
                        }
                        targets.insert(candidate.target.clone());
                        for (name, value) in &candidate.settings {
                            setting_names.insert(name.clone(), Some(value.clone()));
                        }
                        web = web.uses(
                            candidate.target.to_string().as_str(),
                            *access.get(&candidate.accesses),
                        );
                    }
                }
                for (name, value) in settings {
                    if !setting_names.contains_key(name)
                        && !bulwark::plan::is_reserved_setting(name)
                    {
                        setting_names.insert(name.clone(), None);
                        web = web.setting(name.as_str(), value.as_str());
                    }
                }
                builder.component(name.as_str(), web)
            }
            DraftSpec::Storage { .. } | DraftSpec::Vault { .. } => {
                let spec = data
                    .iter()
                    .find(|(data_name, _)| data_name == name)
                    .map(|(_, spec)| spec.clone())
                    .expect("every data component was assembled");
                builder.component(name.as_str(), spec)
            }
        };
    }
    builder.build()
}

/// An address space with room for the private-endpoint /24 and a /26 per web app.
fn fitting_address_space(web_apps: usize, raw_prefix: u8, raw_base: u32) -> String {
    let needed = 256 + 64 * web_apps as u64;
    let largest_prefix = (8..=24u8)
        .rev()
        .find(|prefix| 1u64 << (32 - prefix) >= needed)
        .expect("twelve web apps fit in a /8");
    let prefix = 8 + raw_prefix % (largest_prefix - 8 + 1);
    let base = raw_base & (u32::MAX << (32 - prefix));
    let [a, b, c, d] = base.to_be_bytes();
    format!("{a}.{b}.{c}.{d}/{prefix}")
}

fn valid_blueprint() -> impl Strategy<Value = Blueprint> {
    draft().prop_map(|draft| assemble(&draft))
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

fn webs(blueprint: &Blueprint) -> impl Iterator<Item = (&str, &WebApp)> {
    blueprint
        .components
        .iter()
        .filter_map(|component| match &component.spec {
            ComponentSpec::WebApp(web) => Some((component.name.as_str(), web)),
            _ => None,
        })
}

/// The same blueprint with every free-text value replaced by a harmless one.
fn defanged(blueprint: &Blueprint) -> Blueprint {
    let mut copy = blueprint.clone();
    for component in &mut copy.components {
        if let ComponentSpec::WebApp(web) = &mut component.spec {
            for value in web.settings.values_mut() {
                *value = "x".to_string();
            }
            if let Some(path) = &mut web.health_check_path {
                *path = "/x".to_string();
            }
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

fn serde_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("enums serialize as strings")
}

fn toml_list<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| toml_string(item)).collect();
    format!("[{}]", items.join(", "))
}

/// The blueprint as a TOML file `bulwark generate` accepts, for reports and the round trip.
fn to_toml(blueprint: &Blueprint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "[app]\nname = {}\nenvironments = {}",
        toml_string(&blueprint.app.name),
        toml_list(&blueprint.app.environments)
    );
    if blueprint.network != blueprint::Network::default() {
        let _ = writeln!(
            out,
            "\n[network]\naddress_space = {}",
            toml_string(&blueprint.network.address_space)
        );
    }
    for component in &blueprint.components {
        let _ = writeln!(
            out,
            "\n[components.{}]\nkind = {}",
            component.name,
            toml_string(component.kind().as_str())
        );
        match &component.spec {
            ComponentSpec::WebApp(web) => {
                let _ = writeln!(out, "runtime = {}", toml_string(&serde_name(&web.runtime)));
                let _ = writeln!(out, "ingress = {}", toml_string(&serde_name(&web.ingress)));
                let _ = writeln!(out, "sku = {}", toml_string(&web.sku));
                if let Some(path) = &web.health_check_path {
                    let _ = writeln!(out, "health_check_path = {}", toml_string(path));
                }
                if !web.settings.is_empty() {
                    let settings: Vec<String> = web
                        .settings
                        .iter()
                        .map(|(name, value)| format!("{name} = {}", toml_string(value)))
                        .collect();
                    let _ = writeln!(out, "settings = {{ {} }}", settings.join(", "));
                }
                if !web.uses.is_empty() {
                    let _ = writeln!(out, "uses = [");
                    for connection in &web.uses {
                        let _ = writeln!(
                            out,
                            "  {{ to = {}, access = {} }},",
                            toml_string(&connection.to.to_string()),
                            toml_string(connection.access.as_str())
                        );
                    }
                    let _ = writeln!(out, "]");
                }
            }
            ComponentSpec::Storage(storage) => {
                let _ = writeln!(out, "containers = {}", toml_list(&storage.containers));
                let _ = writeln!(out, "queues = {}", toml_list(&storage.queues));
                let _ = writeln!(
                    out,
                    "replication = {}",
                    toml_string(&serde_name(&storage.replication))
                );
            }
            ComponentSpec::KeyVault(vault) => {
                let _ = writeln!(out, "secrets = {}", toml_list(&vault.secrets));
            }
            other => unreachable!("the strategy generates no {}", other.kind()),
        }
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
                '/' if self.peek(1) == Some('/') => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.advance_copying();
                    }
                }
                '/' if self.peek(1) == Some('*') => {
                    while self.peek(0).is_some()
                        && !(self.peek(0) == Some('*') && self.peek(1) == Some('/'))
                    {
                        self.advance_copying();
                    }
                    if self.peek(0).is_none() {
                        self.error("unterminated block comment");
                    } else {
                        self.advance_copying();
                        self.advance_copying();
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
    assert!(tree_sitter_errors("var x = '\\n//'\n").is_empty());
    assert!(!common::bicep_syntax_errors("var x = '\\n//'\n").is_empty());
    assert!(!lex("var x = 'a\nb'").errors.is_empty());
    assert!(!lex("var x = 'a\\qb'").errors.is_empty());
}

proptest! {
    #![proptest_config(config(BLUEPRINT_CASES))]

    /// The strategy only produces blueprints the validator accepts (warnings are fine).
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

    /// Same blueprint, same files; and the order of components never matters.
    #[test]
    fn generation_is_deterministic_and_ignores_component_order(
        (blueprint, shuffled) in valid_blueprint().prop_flat_map(|blueprint| {
            let components = blueprint.components.clone();
            (Just(blueprint), Just(components).prop_shuffle())
        })
    ) {
        let first = generate(&blueprint)?;
        let second = generate(&blueprint)?;
        prop_assert_eq!(&first.files, &second.files);
        prop_assert_eq!(&first.plan, &second.plan);
        let mut reordered = blueprint.clone();
        reordered.components = shuffled;
        let third = generate(&reordered)?;
        for (path, text) in &first.files.files {
            prop_assert_eq!(Some(text.as_str()), third.files.get(path), "{}", path);
        }
        prop_assert_eq!(&first.files, &third.files);
    }

    /// Plain setting values (and health check paths) appear only as correctly escaped string
    /// literals: replacing them all with `x` changes string literal text and nothing else.
    #[test]
    fn user_strings_never_escape_their_quotes(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        let main = file(&generated.files, "main.bicep")?;
        let lexed_main = lex(main);
        let tree_sitter = tree_sitter_errors(main);
        prop_assert!(tree_sitter.is_empty(), "main.bicep: {tree_sitter:#?}");
        prop_assert!(lexed_main.errors.is_empty(), "{:?}", lexed_main.errors);
        for (name, web) in webs(&blueprint) {
            for (setting, value) in &web.settings {
                let literal = bicep_literal(value);
                prop_assert!(
                    lexed_main
                        .strings
                        .iter()
                        .any(|s| s.raw == literal && s.value.as_deref() == Some(value.as_str())),
                    "{name}.{setting}: main.bicep has no literal {literal}"
                );
            }
        }

        let plain = generate(&defanged(&blueprint))?;
        prop_assert_eq!(
            generated.files.paths().collect::<Vec<_>>(),
            plain.files.paths().collect::<Vec<_>>()
        );
        for (path, text) in &generated.files.files {
            if path.ends_with(".json") {
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
                "{path}: user text changed code outside string literals"
            );
        }
    }

    /// The security baseline: network isolation, Entra-only auth, TLS, no keys, narrow roles.
    #[test]
    fn the_security_baseline_holds(blueprint in valid_blueprint()) {
        let generated = generate(&blueprint)?;
        let files = &generated.files;
        let plan = &generated.plan;
        for component in &blueprint.components {
            let text = file(files, &module_path(component.kind(), &component.name))?;
            let has = |needle: &str| text.contains(needle);
            let name = &component.name;
            match &component.spec {
                ComponentSpec::Storage(_) => {
                    prop_assert!(has("publicNetworkAccess: 'Disabled'"), "{name}");
                    prop_assert!(!has("publicNetworkAccess: 'Enabled'"), "{name}");
                    prop_assert!(has("allowSharedKeyAccess: false"), "{name}");
                }
                ComponentSpec::KeyVault(_) => {
                    prop_assert!(has("publicNetworkAccess: 'Disabled'"), "{name}");
                    prop_assert!(!has("publicNetworkAccess: 'Enabled'"), "{name}");
                    prop_assert!(has("enableRbacAuthorization: true"), "{name}");
                    prop_assert!(has("enablePurgeProtection: true"), "{name}");
                }
                ComponentSpec::WebApp(web) => {
                    prop_assert!(has("httpsOnly: true"), "{name}");
                    prop_assert!(has("minTlsVersion: '1.2'"), "{name}");
                    prop_assert!(has("ftpsState: 'Disabled'"), "{name}");
                    prop_assert_eq!(
                        text.matches("'Microsoft.Web/sites/basicPublishingCredentialsPolicies@")
                            .count(),
                        2,
                        "{}",
                        name
                    );
                    prop_assert!(has("name: 'ftp'") && has("name: 'scm'"), "{name}");
                    prop_assert_eq!(text.matches("allow: false").count(), 2, "{}", name);
                    let planned = plan
                        .components
                        .iter()
                        .find(|c| &c.name == name)
                        .expect("every component is planned");
                    if web.ingress == Ingress::Private {
                        prop_assert!(has("publicNetworkAccess: 'Disabled'"), "{name}");
                        prop_assert!(!has("publicNetworkAccess: 'Enabled'"), "{name}");
                        prop_assert!(has("'Microsoft.Network/privateEndpoints@"), "{name}");
                        prop_assert!(
                            planned.private_endpoints.iter().any(|pe| pe.group_id == "sites"),
                            "{name}"
                        );
                    } else {
                        prop_assert!(has("publicNetworkAccess: 'Enabled'"), "{name}");
                    }
                }
            other => unreachable!("the strategy generates no {}", other.kind()),
            }
        }

        for (path, text) in &files.files {
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
        }
        for assignment in &plan.role_assignments {
            prop_assert!(
                !catalog::PRIVILEGED_ROLES.contains(&assignment.role.name().as_str()),
                "{} gets {}",
                assignment.principal,
                assignment.role.name()
            );
        }

        let connections: usize = webs(&blueprint).map(|(_, web)| web.uses.len()).sum();
        let web_apps = webs(&blueprint).count();
        prop_assert_eq!(plan.role_assignments.len(), connections + web_apps);
        let emitted: usize = files
            .files
            .values()
            .map(|text| text.matches("'Microsoft.Authorization/roleAssignments@").count())
            .sum();
        prop_assert_eq!(emitted, connections + web_apps);
    }

    /// Subnets fit the address space without overlapping, each has an NSG, each web app
    /// integrates through its own delegated subnet, and every private endpoint's zone exists.
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

    /// A web app's settings have distinct names: no connection replaces a setting bulwark
    /// sets itself (AZURE_CLIENT_ID, the Application Insights ones) or another connection's.
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

fn check_network(blueprint: &Blueprint, plan: &Plan, files: &FileSet) -> Result<(), TestCaseError> {
    for (index, subnet) in plan.subnets.iter().enumerate() {
        prop_assert!(
            plan.address_space.contains(subnet.prefix),
            "{} ({}) is outside {}",
            subnet.name,
            subnet.prefix,
            plan.address_space
        );
        for other in &plan.subnets[index + 1..] {
            prop_assert!(
                !subnet.prefix.overlaps(other.prefix),
                "{} ({}) overlaps {} ({})",
                subnet.name,
                subnet.prefix,
                other.name,
                other.prefix
            );
        }
    }

    let network = file(files, "modules/network.bicep")?;
    let lines: Vec<&str> = network.lines().collect();
    let nsgs: BTreeSet<&str> = declarations(network)
        .into_iter()
        .filter(|(keyword, _)| *keyword == "resource")
        .map(|(_, name)| name)
        .filter(|name| {
            lines.iter().any(|line| {
                line.starts_with(&format!(
                    "resource {name} 'Microsoft.Network/networkSecurityGroups@"
                ))
            })
        })
        .collect();
    prop_assert_eq!(
        network.matches("networkSecurityGroup: {").count(),
        plan.subnets.len()
    );
    for subnet in &plan.subnets {
        let prefix_line = format!("addressPrefix: '{}'", subnet.prefix);
        let at = lines.iter().position(|line| line.trim() == prefix_line);
        prop_assert!(
            at.is_some(),
            "network.bicep has no subnet {}",
            subnet.prefix
        );
        let at = at.expect("checked");
        let indent = lines[at].len() - lines[at].trim_start().len();
        let block: Vec<&str> = lines[at..]
            .iter()
            .take_while(|line| line.len() - line.trim_start().len() >= indent)
            .copied()
            .collect();
        let nsg = block
            .windows(2)
            .find(|pair| pair[0].trim() == "networkSecurityGroup: {")
            .and_then(|pair| pair[1].trim().strip_prefix("id: "))
            .and_then(|id| id.strip_suffix(".id"));
        prop_assert!(
            nsg.is_some_and(|nsg| nsgs.contains(nsg)),
            "subnet {} has no network security group of its own",
            subnet.prefix
        );
    }

    // Output name → subnet name, from `output x string = resourceId(…, vnet.name, 'subnet')`.
    let mut subnet_outputs: BTreeMap<&str, &str> = BTreeMap::new();
    for line in network.lines().filter(|line| line.starts_with("output ")) {
        let name = line.split_whitespace().nth(1).unwrap_or_default();
        if let Some(subnet) = line
            .strip_suffix("')")
            .and_then(|rest| rest.rsplit_once(", '"))
            .map(|(_, subnet)| subnet)
        {
            let previous = subnet_outputs.insert(name, subnet);
            prop_assert!(
                previous.is_none(),
                "network.bicep has two outputs named `{name}` (subnets {} and {subnet})\n{}",
                previous.unwrap_or_default(),
                to_toml(blueprint)
            );
        }
    }
    let calls = module_calls(file(files, "main.bicep")?);
    for (name, _) in webs(blueprint) {
        let call = calls
            .iter()
            .find(|call| call.path == module_path(blueprint::Kind::WebApp, name));
        prop_assert!(call.is_some(), "main.bicep does not deploy {name}");
        let argument = call
            .expect("checked")
            .params
            .get("integrationSubnetId")
            .and_then(|value| value.strip_prefix("network.outputs."));
        let subnet = argument.and_then(|output| subnet_outputs.get(output));
        let expected = format!("{name}-integration");
        prop_assert!(
            subnet == Some(&expected.as_str()),
            "web app {name} integrates through {subnet:?} (output {argument:?}), not {expected}\n{}",
            to_toml(blueprint)
        );
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
