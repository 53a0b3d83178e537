//! The app settings a compute component gets from its connections: endpoints and names
//! spelled the way the Azure SDKs and Functions identity-based connections read them, and Key
//! Vault references for secrets. Never a key, never a connection string with a secret. The
//! names are part of the blueprint's contract (an app reads them; a blueprint may not set the
//! reserved ones), so they live with the blueprint and the planner re-exports them.

use super::{Access, Component, ComponentSpec, Connection, ContainerEnvironment, Part, PartKind};
use crate::catalog::naming::setting_name;
use std::collections::BTreeMap;

/// Where a setting's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Literal(String),
    /// The client id of the app's own identity.
    IdentityClientId,
    /// The name of the app's own identity (PostgreSQL logs in with it).
    IdentityName,
    /// `<output of the target's module><suffix>`.
    Output {
        component: String,
        output: &'static str,
        suffix: String,
    },
    /// A Key Vault reference App Service resolves with the app's identity.
    SecretReference {
        vault: String,
        secret: String,
    },
    /// The private HTTPS URL of a compute component another one calls.
    CallUrl {
        component: String,
        host: CallHost,
    },
    /// The Entra audience (App ID URI) of a called component's app registration, with a
    /// suffix (`/.default` for the scope Azure Identity's `get_token` takes).
    CallAudience {
        app: String,
        component: String,
        suffix: &'static str,
        /// The target's registration was created by a platform team: its Application ID URI
        /// comes from the blueprint (a parameter per environment), not from the deployment.
        pre_created: bool,
    },
}

/// Where a called component's host name comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallHost {
    /// An App Service site: `<name>.azurewebsites.net`, its name computed from this prefix
    /// the way its module names it (never read from the module, so apps may call each other).
    Site { name_prefix: String },
    /// A container app in the app's shared environment: its name and the environment's domain.
    SharedEnvironment,
    /// A container app in its own environment: its module's `fqdn` output.
    DedicatedEnvironment,
}

/// Settings bulwark sets on every compute component itself; a blueprint may not set them.
const RESERVED: &[&str] = &[
    "AZURE_CLIENT_ID",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_WORKER_RUNTIME",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID",
];

/// The prefix of the function host's storage connection settings.
const FUNCTION_HOST_STORAGE: &str = "AzureWebJobsStorage";

/// Settings bulwark owns: the list above and the function host's storage connection.
/// App setting names are compared without case: App Service treats `azure_client_id` and
/// `AZURE_CLIENT_ID` as one setting.
pub fn is_reserved_setting(name: &str) -> bool {
    RESERVED
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(name))
        || name
            .as_bytes()
            .get(..FUNCTION_HOST_STORAGE.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(FUNCTION_HOST_STORAGE.as_bytes()))
}

/// The exact names bulwark reserves, shown to users when they collide with one.
pub const RESERVED_SETTINGS: &[&str] = RESERVED;

fn output(component: &str, output: &'static str) -> SettingValue {
    SettingValue::Output {
        component: component.to_string(),
        output,
        suffix: String::new(),
    }
}

fn literal(text: impl Into<String>) -> SettingValue {
    SettingValue::Literal(text.into())
}

/// Identity-based connection settings a Functions trigger or an SDK client builder reads
/// under one prefix: `<PREFIX>__<key>`, `<PREFIX>__credential`, `<PREFIX>__clientId`.
fn identity_connection(
    prefix: &str,
    key: &str,
    value: SettingValue,
) -> Vec<(String, SettingValue)> {
    vec![
        (format!("{prefix}__{key}"), value),
        (format!("{prefix}__credential"), literal("managedidentity")),
        (
            format!("{prefix}__clientId"),
            SettingValue::IdentityClientId,
        ),
    ]
}

/// What a caller needs to call a compute component: its private URL, the audience of its
/// app registration and the scope to request a token for (`<audience>/.default`, what Azure
/// Identity's `get_token`/`getToken` takes; learn.microsoft.com/entra/identity-platform/
/// scopes-oidc#the-default-scope). Never a secret: the caller's identity gets the token.
pub fn call_settings(app: &str, target: &Component) -> Vec<(String, SettingValue)> {
    let name = target.name.as_str();
    let host = match &target.spec {
        ComponentSpec::WebApp(_) => CallHost::Site {
            name_prefix: format!("app-{app}-{name}-"),
        },
        ComponentSpec::FunctionApp(_) => CallHost::Site {
            name_prefix: format!("func-{app}-{name}-"),
        },
        ComponentSpec::ContainerApp(spec) => match spec.environment {
            ContainerEnvironment::Shared => CallHost::SharedEnvironment,
            ContainerEnvironment::Dedicated => CallHost::DedicatedEnvironment,
        },
        _ => return Vec::new(),
    };
    let pre_created = !target.registration().is_empty();
    let audience = |suffix| SettingValue::CallAudience {
        app: app.to_string(),
        component: name.to_string(),
        suffix,
        pre_created,
    };
    vec![
        (
            setting_name(&[name, "url"]),
            SettingValue::CallUrl {
                component: name.to_string(),
                host,
            },
        ),
        (setting_name(&[name, "audience"]), audience("")),
        (setting_name(&[name, "scope"]), audience("/.default")),
    ]
}

/// The settings one connection of a compute component in app `app` gives it, in order.
pub fn settings_for(
    app: &str,
    components: &BTreeMap<&str, &Component>,
    connection: &Connection,
) -> Vec<(String, SettingValue)> {
    match components.get(connection.to.component.as_str()) {
        Some(target) if connection.access == Access::Call => call_settings(app, target),
        _ => connection_settings(components, connection),
    }
}

/// The settings one connection gives its app, in order.
pub fn connection_settings(
    components: &BTreeMap<&str, &Component>,
    connection: &Connection,
) -> Vec<(String, SettingValue)> {
    let Some(target) = components.get(connection.to.component.as_str()) else {
        return Vec::new();
    };
    let name = target.name.as_str();
    // Only the identity-based connections use the bare prefix: made when they need it.
    let prefix = || setting_name(&[name]);
    let part = connection
        .to
        .part
        .as_deref()
        .and_then(|part| target.spec.part(part));
    let part_setting = |words: &[&str]| component_setting(name, words);
    match (&target.spec, part) {
        (ComponentSpec::Storage(_), Some(part)) => storage_settings(name, &prefix(), &part),
        (ComponentSpec::KeyVault(_), Some(part)) => vec![(
            setting_name(&[&part.name]),
            SettingValue::SecretReference {
                vault: name.to_string(),
                secret: part.name,
            },
        )],
        (ComponentSpec::KeyVault(_), None) => {
            vec![(part_setting(&["uri"]), output(name, "vaultUri"))]
        }
        (ComponentSpec::ContainerRegistry(_), _) => vec![(
            part_setting(&["login", "server"]),
            output(name, "loginServer"),
        )],
        (ComponentSpec::SqlDatabase(_), _) => vec![
            (part_setting(&["server"]), output(name, "serverFqdn")),
            (part_setting(&["database"]), output(name, "databaseName")),
        ],
        (ComponentSpec::Postgres(_), part) => {
            let mut settings = vec![
                (part_setting(&["host"]), output(name, "host")),
                (part_setting(&["user"]), SettingValue::IdentityName),
            ];
            if let Some(part) = part {
                settings.push((
                    part_setting(&[&part.name, "database"]),
                    literal(part.name.as_str()),
                ));
            }
            settings
        }
        (ComponentSpec::CosmosDb(_), part) => cosmos_settings(name, &prefix(), part),
        (ComponentSpec::ServiceBus(_), part) | (ComponentSpec::EventHubs(_), part) => {
            messaging_settings(name, &prefix(), part)
        }
        (ComponentSpec::Redis(_), _) => {
            vec![
                (part_setting(&["host"]), output(name, "hostName")),
                (part_setting(&["port"]), literal("10000")),
            ]
        }
        (ComponentSpec::AppConfiguration(_), _) | (ComponentSpec::AiSearch(_), _) => {
            vec![(part_setting(&["endpoint"]), output(name, "endpoint"))]
        }
        (ComponentSpec::OpenAi(openai), _) => {
            let mut settings = vec![(part_setting(&["endpoint"]), output(name, "endpoint"))];
            for deployment in openai.deployments.keys() {
                settings.push((
                    part_setting(&[deployment, "deployment"]),
                    literal(deployment.as_str()),
                ));
            }
            settings
        }
        (ComponentSpec::External(external), _) => vec![
            (part_setting(&["url"]), literal(external.url.as_str())),
            (
                part_setting(&["secret"]),
                SettingValue::SecretReference {
                    vault: external.vault.clone(),
                    secret: name.to_string(),
                },
            ),
        ],
        (
            ComponentSpec::WebApp(_)
            | ComponentSpec::FunctionApp(_)
            | ComponentSpec::ContainerApp(_),
            _,
        ) => Vec::new(),
        (ComponentSpec::Storage(_), None) => Vec::new(),
    }
}

/// The setting named after component `name` and `words`: `<NAME>_<WORD>_…`.
fn component_setting(name: &str, words: &[&str]) -> String {
    let mut all = vec![name];
    all.extend_from_slice(words);
    setting_name(&all)
}

/// A storage account's blob container or queue: the service endpoint the SDKs and Functions
/// triggers read under the account's prefix, and the container's or queue's URL.
fn storage_settings(name: &str, prefix: &str, part: &Part) -> Vec<(String, SettingValue)> {
    let part_setting = |words: &[&str]| component_setting(name, words);
    if part.kind == PartKind::Container {
        let mut settings =
            identity_connection(prefix, "blobServiceUri", output(name, "blobEndpoint"));
        settings.push((
            part_setting(&[&part.name, "url"]),
            SettingValue::Output {
                component: name.to_string(),
                output: "blobEndpoint",
                suffix: part.name.clone(),
            },
        ));
        settings
    } else {
        let mut settings =
            identity_connection(prefix, "queueServiceUri", output(name, "queueEndpoint"));
        settings.push((
            part_setting(&[&part.name, "queue", "url"]),
            SettingValue::Output {
                component: name.to_string(),
                output: "queueEndpoint",
                suffix: part.name.clone(),
            },
        ));
        settings
    }
}

/// A Cosmos DB account: its endpoint, and the database (and container) a connection names.
fn cosmos_settings(name: &str, prefix: &str, part: Option<Part>) -> Vec<(String, SettingValue)> {
    let part_setting = |words: &[&str]| component_setting(name, words);
    let mut settings = identity_connection(prefix, "accountEndpoint", output(name, "endpoint"));
    if let Some(part) = part {
        match part.name.split_once('/') {
            Some((database, container)) => {
                settings.push((part_setting(&[database, "database"]), literal(database)));
                settings.push((
                    part_setting(&[database, container, "container"]),
                    literal(container),
                ));
            }
            None => settings.push((
                part_setting(&[&part.name, "database"]),
                literal(part.name.as_str()),
            )),
        }
    }
    settings
}

/// A Service Bus or Event Hubs namespace: its fully qualified name, and the queue, topic
/// (and subscription) or event hub a connection names.
fn messaging_settings(name: &str, prefix: &str, part: Option<Part>) -> Vec<(String, SettingValue)> {
    let part_setting = |words: &[&str]| component_setting(name, words);
    let mut settings = identity_connection(
        prefix,
        "fullyQualifiedNamespace",
        output(name, "fullyQualifiedNamespace"),
    );
    if let Some(part) = part {
        let setting = match part.kind {
            PartKind::Queue => part_setting(&[&part.name, "queue"]),
            PartKind::Topic => part_setting(&[&part.name, "topic"]),
            PartKind::Subscription => {
                let (topic, subscription) = part.name.split_once('/').unwrap_or((&part.name, ""));
                settings.push((part_setting(&[topic, "topic"]), literal(topic)));
                part_setting(&[topic, subscription, "subscription"])
            }
            _ => part_setting(&[&part.name, "event", "hub"]),
        };
        let value = part
            .name
            .rsplit('/')
            .next()
            .unwrap_or(&part.name)
            .to_string();
        settings.push((setting, literal(value)));
    }
    settings
}
