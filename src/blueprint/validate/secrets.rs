//! App settings and secrets: plain settings that are not secrets, references or names
//! bulwark reserves; and secret inputs and connection settings that do not collide.

use crate::blueprint::diagnostic::{Diagnostic, all_of, shown};
use crate::blueprint::model::{Blueprint, Component, ComponentSpec, Kind};
use crate::blueprint::settings::{
    RESERVED_SETTINGS, SettingValue, is_reserved_setting, settings_for,
};
use crate::catalog::naming;
use std::collections::{BTreeMap, BTreeSet};

/// Words that suggest a plain setting carries a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "SECRET",
    "CONNECTION_STRING",
    "CONNSTR",
    "API_KEY",
    "TOKEN",
];

/// The plain `settings` of an app (at `path`).
pub(super) fn validate_settings(
    path: &str,
    settings: &BTreeMap<String, String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (name, value) in settings {
        let setting_path = format!("{path}.settings.{name}");
        // App Service resolves a value of this form as a reference to a Key Vault secret or
        // an App Configuration key (Learn: "Use Key Vault references", "App Configuration
        // references"): a secret the security report would not show, read with the app's
        // identity. Secrets go through a key-vault component and a `uses` connection.
        let reference = value.trim_start().to_ascii_lowercase();
        if ["@microsoft.keyvault(", "@microsoft.appconfiguration("]
            .iter()
            .any(|prefix| reference.starts_with(prefix))
        {
            diagnostics.push(
                Diagnostic::error(
                    "reference-in-setting",
                    format!("`{name}` is a Key Vault or App Configuration reference written as a plain setting"),
                )
                .at(setting_path.clone())
                .expected("a plain value; references are generated from connections")
                .help("declare the secret in a key-vault component and add `{ to = \"<vault>.<secret>\", access = \"read\" }` to `uses`: bulwark writes the reference and grants the app exactly that secret"),
            );
        }
        if !naming::is_setting_name(name) {
            let fixed: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '_')
                .to_string();
            let diagnostic = Diagnostic::error(
                "invalid-setting-name",
                format!("`{}` is not a valid app setting name", shown(name)),
            )
            .at_key(setting_path)
            .expected("letters, digits and underscores, not starting with a digit");
            diagnostics.push(if naming::is_setting_name(&fixed) {
                diagnostic.help(format!(
                    "did you mean `{fixed}`? App settings become environment variables"
                ))
            } else {
                diagnostic.help("app settings become environment variables, e.g. `NODE_ENV`")
            });
        } else if is_reserved_setting(name) {
            diagnostics.push(
                Diagnostic::error("reserved-setting", format!("`{name}` is set by bulwark"))
                    .at_key(setting_path)
                    .expected("a setting name bulwark does not generate")
                    .help(format!("bulwark sets {} (and the function host's `AzureWebJobsStorage*`) itself; remove this entry", all_of(RESERVED_SETTINGS))),
            );
        } else if SECRET_WORDS
            .iter()
            .any(|word| name.to_ascii_uppercase().contains(word))
        {
            diagnostics.push(
                Diagnostic::warning("secret-in-setting", format!("`{name}` looks like a secret in a plain setting"))
                    .at_key(setting_path)
                    .expected("non-secret configuration")
                    .help("declare it as a secret of a key-vault component and add `{ to = \"<vault>.<secret>\", access = \"read\" }` to `uses`; the app then gets a Key Vault reference"),
            );
        }
    }
}

/// Secret values arrive as environment variables and `@secure()` parameters named after
/// vault and secret, and each connection's settings must not collide; all must be
/// unambiguous. A duplicate already reported (the same secret or connection twice) is not
/// reported again.
pub(super) fn validate_secret_inputs(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    validate_secret_names(blueprint, by_name, diagnostics);
    for component in &blueprint.components {
        validate_setting_collisions(&blueprint.app.name, component, by_name, diagnostics);
    }
}

/// Every secret a vault of the blueprint holds, once: `(vault, secret, path)`, the vaults'
/// own secrets first, then each external's.
fn vault_secrets<'a>(
    blueprint: &'a Blueprint,
    by_name: &BTreeMap<&str, &Component>,
) -> Vec<(&'a str, String, String)> {
    let mut vault_secrets: Vec<(&str, String, String)> = Vec::new();
    for component in &blueprint.components {
        if let ComponentSpec::KeyVault(vault) = &component.spec {
            let mut seen = BTreeSet::new();
            for (index, secret) in vault.secrets.iter().enumerate() {
                if seen.insert(secret.to_ascii_lowercase()) {
                    vault_secrets.push((
                        &component.name,
                        secret.clone(),
                        format!("components.{}.secrets[{index}]", component.name),
                    ));
                }
            }
        }
    }
    for component in &blueprint.components {
        if let ComponentSpec::External(external) = &component.spec
            && by_name
                .get(external.vault.as_str())
                .is_some_and(|vault| vault.kind() == Kind::KeyVault)
        {
            vault_secrets.push((
                &external.vault,
                component.name.clone(),
                format!("components.{}", component.name),
            ));
        }
    }
    vault_secrets
}

/// No two secrets read from one environment variable or one `@secure()` parameter.
fn validate_secret_names(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut inputs: BTreeMap<String, String> = BTreeMap::new();
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    let vault_secrets = vault_secrets(blueprint, by_name);
    for (vault, secret, path) in vault_secrets {
        let variable = naming::setting_name(&[vault, &secret]);
        if let Some(other) = inputs.insert(variable.clone(), path.clone()) {
            diagnostics.push(
                Diagnostic::error(
                    "ambiguous-secret",
                    format!(
                        "two secrets would both be read from environment variable `{variable}`"
                    ),
                )
                .at(path)
                .expected(
                    "vault and secret names that differ after upper-casing and replacing hyphens",
                )
                .help(format!("the other one is `{other}`; rename one of them")),
            );
            continue;
        }
        let param = naming::secret_param(vault, &secret);
        if let Some(other) = params.insert(param.to_ascii_lowercase(), path.clone()) {
            diagnostics.push(
                Diagnostic::error(
                    "ambiguous-secret",
                    format!("two secrets would both become the Bicep parameter `{param}`"),
                )
                .at(path)
                .expected("vault and secret names that still differ without hyphens and case")
                .help(format!("the other one is `{other}`; rename one of them")),
            );
        }
    }
}

/// Where a setting of an app comes from, described only when two collide: formatting a path
/// for every setting of every app was most of this check.
#[derive(Clone, Copy)]
enum Origin<'a> {
    Plain(&'a str),
    Bulwark,
    /// The connection at this index of `uses`.
    Connection(usize),
}

impl Origin<'_> {
    fn describe(self, component: &str) -> String {
        match self {
            Origin::Plain(key) => format!("`components.{component}.settings.{key}`"),
            Origin::Bulwark => "bulwark itself".to_string(),
            Origin::Connection(index) => format!("`{}`", connection_path(component, index)),
        }
    }
}

fn connection_path(component: &str, index: usize) -> String {
    format!("components.{component}.uses[{index}].to")
}

/// The settings of one app of app `app`: its plain settings, the reserved names and the
/// settings each connection gives must not share a name.
fn validate_setting_collisions(
    app: &str,
    component: &Component,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let plain = match &component.spec {
        ComponentSpec::WebApp(spec) => &spec.settings,
        ComponentSpec::FunctionApp(spec) => &spec.settings,
        ComponentSpec::ContainerApp(spec) => &spec.settings,
        _ => return,
    };
    let mut settings: BTreeMap<String, (Origin<'_>, Option<SettingValue>)> = plain
        .keys()
        .map(|k| (k.clone(), (Origin::Plain(k), None)))
        .collect();
    for reserved in RESERVED_SETTINGS {
        settings
            .entry(reserved.to_string())
            .or_insert((Origin::Bulwark, None));
    }
    let mut seen = BTreeSet::new();
    for (index, connection) in component.uses().iter().enumerate() {
        if !seen.insert(&connection.to) {
            continue;
        }
        for (setting, value) in settings_for(app, by_name, connection) {
            let clash = match settings.get(&setting) {
                // Two connections to one target share its identity-based settings.
                Some((_, Some(existing))) if *existing == value => None,
                Some((other, _)) => Some(*other),
                None => None,
            };
            if let Some(other) =
                clash.or_else(|| is_reserved_setting(&setting).then_some(Origin::Bulwark))
            {
                diagnostics.push(
                    Diagnostic::error(
                        "setting-collision",
                        format!(
                            "two settings of `{}` would be named `{setting}`",
                            component.name
                        ),
                    )
                    .at(connection_path(&component.name, index))
                    .expected("connections and settings whose setting names differ")
                    .help(format!(
                        "the other one comes from {}; rename the secret, part or setting",
                        other.describe(&component.name)
                    )),
                );
                break;
            }
            settings.insert(setting, (Origin::Connection(index), Some(value)));
        }
    }
}
