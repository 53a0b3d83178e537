//! One validation for blueprints from TOML and from the builder. It speaks in logical paths;
//! the loader's source map turns them into file positions.

use super::diagnostic::{Anchor, Diagnostic, all_of, closest, list, one_of, shown};
use super::model::{Blueprint, Component, ComponentSpec, Connection, Kind, WebApp};
use crate::catalog::naming::{self, NameRule};
use crate::catalog::{self, PartKind};
use std::collections::{BTreeMap, BTreeSet};

/// App settings bulwark sets itself; a blueprint may not set them by hand.
pub const RESERVED_SETTINGS: &[&str] = &[
    "AZURE_CLIENT_ID",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
];

/// Words that suggest a plain setting carries a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "SECRET",
    "CONNECTION_STRING",
    "CONNSTR",
    "API_KEY",
    "TOKEN",
];

pub fn validate(blueprint: &Blueprint) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    diagnostics.extend(check_name(
        &naming::APP_NAME,
        &blueprint.app.name,
        "app.name".into(),
    ));
    for (index, environment) in blueprint.app.environments.iter().enumerate() {
        let path = format!("app.environments[{index}]");
        diagnostics.extend(check_name(&naming::ENVIRONMENT_NAME, environment, path));
    }
    for component in &blueprint.components {
        let path = format!("components.{}", component.name);
        // The caret goes under the name in `[components.<name>]`, not the whole header.
        diagnostics.extend(
            check_name(&naming::COMPONENT_NAME, &component.name, path).map(|d| Diagnostic {
                anchor: Anchor::Key,
                ..d
            }),
        );
    }

    if blueprint.app.environments.is_empty() {
        diagnostics.push(
            Diagnostic::error("no-environments", "the app declares no environments")
                .at("app.environments")
                .expected("at least one environment")
                .help(
                    "e.g. environments = [\"dev\", \"prod\"]; each gets its own .bicepparam file",
                ),
        );
    }
    duplicates(
        blueprint.app.environments.iter().map(String::as_str),
        |name, index| {
            Diagnostic::error(
                "duplicate-environment",
                format!("environment `{}` is listed twice", shown(name)),
            )
            .at(format!("app.environments[{index}]"))
            .expected("unique environment names")
            .help(format!("remove the second `{}`", shown(name)))
        },
        &mut diagnostics,
    );

    if let Err(problem) = crate::plan::network::parse_cidr(&blueprint.network.address_space) {
        diagnostics.push(
            Diagnostic::error(
                "invalid-address-space",
                format!(
                    "`{}` is not a usable address space: {problem}",
                    shown(&blueprint.network.address_space)
                ),
            )
            .at("network.address_space")
            .expected("an IPv4 CIDR block from /8 to /24, e.g. \"10.20.0.0/16\"")
            .help("pick a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) that does not overlap networks you peer with"),
        );
    }

    if blueprint.components.is_empty() {
        diagnostics.push(
            Diagnostic::error("no-components", "the blueprint declares no components")
                .expected("at least one component")
                .help(format!("known kinds: {}", list(Kind::ALL))),
        );
    }
    duplicates(
        blueprint.components.iter().map(|c| c.name.as_str()),
        |name, _| {
            Diagnostic::error(
                "duplicate-component",
                format!("component `{}` is declared twice", shown(name)),
            )
            .at_key(format!("components.{name}"))
            .expected("unique component names")
            .help("rename one of them, or merge them into one component")
        },
        &mut diagnostics,
    );
    symbol_collisions(
        blueprint.components.iter().map(|c| {
            (
                c.name.as_str(),
                naming::component_symbol(&c.name),
                format!("components.{}", c.name),
            )
        }),
        "component names",
        Anchor::Key,
        &mut diagnostics,
    );

    let by_name: BTreeMap<&str, &Component> = blueprint
        .components
        .iter()
        .map(|component| (component.name.as_str(), component))
        .collect();
    for component in &blueprint.components {
        validate_component(component, &by_name, &mut diagnostics);
    }
    validate_secret_inputs(blueprint, &by_name, &mut diagnostics);
    diagnostics
}

/// An `invalid-name` diagnostic when `name` breaks `rule`, offering a corrected name when
/// there is an obvious one.
fn check_name(rule: &NameRule, name: &str, path: String) -> Option<Diagnostic> {
    let problem = rule.check(name).err()?;
    let diagnostic = Diagnostic::error(
        "invalid-name",
        format!("`{}` is not a valid {}: {problem}", shown(name), rule.what),
    )
    .at(path)
    .expected(rule.rule);
    Some(match naming::suggest(rule, name) {
        Some(fixed) => diagnostic.help(format!("did you mean `{fixed}`?")),
        None => diagnostic.help(
            "names become part of Azure resource names and Bicep symbols, so only these characters are accepted",
        ),
    })
}

fn validate_component(
    component: &Component,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let path = format!("components.{}", component.name);
    match &component.spec {
        ComponentSpec::WebApp(web) => validate_web_app(&path, web, diagnostics),
        ComponentSpec::Storage(storage) => {
            validate_parts(
                &path,
                PartKind::Container,
                &storage.containers,
                &naming::CONTAINER_NAME,
                diagnostics,
            );
            validate_parts(
                &path,
                PartKind::Queue,
                &storage.queues,
                &naming::QUEUE_NAME,
                diagnostics,
            );
            for (index, queue) in storage.queues.iter().enumerate() {
                if storage.containers.contains(queue) {
                    diagnostics.push(
                        Diagnostic::error(
                            "ambiguous-part",
                            format!(
                                "`{}` is both a blob container and a queue of `{}`",
                                shown(queue),
                                shown(&component.name)
                            ),
                        )
                        .at(format!("{path}.queues[{index}]"))
                        .expected("container and queue names that differ")
                        .help(format!(
                            "a connection to `{}.{}` could mean either; rename one, e.g. `{}-queue`",
                            shown(&component.name),
                            shown(queue),
                            shown(queue)
                        )),
                    );
                }
            }
            if storage.containers.is_empty() && storage.queues.is_empty() {
                diagnostics.push(
                    Diagnostic::warning(
                        "empty-storage",
                        format!(
                            "storage `{}` declares no containers or queues",
                            shown(&component.name)
                        ),
                    )
                    .at(path.clone())
                    .expected("containers = [\"…\"] or queues = [\"…\"]")
                    .help(
                        "without them the account has no private endpoint, so nothing can reach it",
                    ),
                );
            }
        }
        ComponentSpec::KeyVault(vault) => {
            validate_parts(
                &path,
                PartKind::Secret,
                &vault.secrets,
                &naming::SECRET_NAME,
                diagnostics,
            );
        }
    }
    let mut seen_targets = BTreeSet::new();
    for (index, connection) in component.uses().iter().enumerate() {
        let connection_path = format!("{path}.uses[{index}]");
        if !seen_targets.insert(connection.to.clone()) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-connection",
                    format!(
                        "`{}` uses `{}` twice",
                        shown(&component.name),
                        shown(&connection.to.to_string())
                    ),
                )
                .at(format!("{connection_path}.to"))
                .expected("one connection per target")
                .help("combine them into one connection with the access level that covers both (e.g. `send-receive`)"),
            );
            continue;
        }
        validate_connection(
            component,
            connection,
            &connection_path,
            by_name,
            diagnostics,
        );
    }
}

fn validate_web_app(path: &str, web: &WebApp, diagnostics: &mut Vec<Diagnostic>) {
    if !catalog::APP_SERVICE_SKUS.contains(&web.sku.as_str()) {
        let rejected = catalog::APP_SERVICE_SKUS_REJECTED
            .iter()
            .find(|(sku, _)| sku.eq_ignore_ascii_case(&web.sku));
        let mut diagnostic = Diagnostic::error(
            "unsupported-sku",
            format!(
                "App Service plan SKU `{}` cannot meet the baseline",
                shown(&web.sku)
            ),
        )
        .at(format!("{path}.sku"))
        .expected(one_of(catalog::APP_SERVICE_SKUS));
        diagnostic = match (
            rejected,
            closest(&web.sku, catalog::APP_SERVICE_SKUS.iter().copied()),
        ) {
            (Some((_, why)), _) => diagnostic.help(format!(
                "{why}; `B1` is the smallest SKU that has both, `{}` the default",
                WebApp::DEFAULT_SKU
            )),
            (None, Some(near)) => diagnostic.help(format!(
                "did you mean `{near}`? (SKU names are case-sensitive)"
            )),
            (None, None) => diagnostic
                .help("private endpoints and VNet integration need Basic, Standard or Premium v3"),
        };
        diagnostics.push(diagnostic);
    }
    if let Some(health) = &web.health_check_path {
        let valid = health.starts_with('/')
            && health.len() <= 512
            && health.chars().all(|c| c.is_ascii_graphic());
        if !valid {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-health-check-path",
                    format!("`{}` is not a usable health check path", shown(health)),
                )
                .at(format!("{path}.health_check_path"))
                .expected("a URL path starting with `/`, without spaces")
                .help("e.g. health_check_path = \"/healthz\"; App Service requests it on every instance"),
            );
        }
    }
    for name in web.settings.keys() {
        let setting_path = format!("{path}.settings.{name}");
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
        } else if RESERVED_SETTINGS.contains(&name.as_str()) {
            diagnostics.push(
                Diagnostic::error("reserved-setting", format!("`{name}` is set by bulwark"))
                    .at_key(setting_path)
                    .expected("a setting name bulwark does not generate")
                    .help(format!(
                        "bulwark sets {} itself; remove this entry",
                        all_of(RESERVED_SETTINGS)
                    )),
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

fn validate_parts(
    path: &str,
    part: PartKind,
    names: &[String],
    rule: &NameRule,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (index, name) in names.iter().enumerate() {
        diagnostics.extend(check_name(
            rule,
            name,
            format!("{path}.{}[{index}]", part.field()),
        ));
    }
    // Key Vault secret names are case-insensitive; the others are lowercase already.
    let lowered: Vec<String> = names.iter().map(|name| name.to_ascii_lowercase()).collect();
    duplicates(
        lowered.iter().map(String::as_str),
        |name, index| {
            Diagnostic::error(
                "duplicate-part",
                format!(
                    "{} `{}` is declared twice",
                    part.noun(),
                    shown(&names[index])
                ),
            )
            .at(format!("{path}.{}[{index}]", part.field()))
            .expected(format!("unique {} names", part.noun()))
            .help(if part == PartKind::Secret {
                format!("remove the second `{name}`; Key Vault compares secret names without case")
            } else {
                format!("remove the second `{name}`")
            })
        },
        diagnostics,
    );
    symbol_collisions(
        names.iter().enumerate().map(|(index, name)| {
            (
                name.as_str(),
                naming::prefixed_symbol("x", name),
                format!("{path}.{}[{index}]", part.field()),
            )
        }),
        &format!("{} names", part.noun()),
        Anchor::Value,
        diagnostics,
    );
}

fn validate_connection(
    component: &Component,
    connection: &Connection,
    path: &str,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let to_path = format!("{path}.to");
    let target_name = connection.to.component.as_str();
    if target_name.is_empty() || connection.to.part.as_deref() == Some("") {
        let example = by_name
            .values()
            .find_map(|c| {
                declared_parts(c)
                    .first()
                    .map(|part| format!("{}.{part}", c.name))
            })
            .unwrap_or_else(|| "media.images".to_string());
        diagnostics.push(
            Diagnostic::error(
                "invalid-target",
                format!(
                    "`{}` is not a connection target",
                    shown(&connection.to.to_string())
                ),
            )
            .at(to_path)
            .expected("`<component>` or `<component>.<part>`")
            .help(format!("e.g. to = \"{example}\"")),
        );
        return;
    }
    let Some(target) = by_name.get(target_name) else {
        let names: Vec<&str> = by_name
            .keys()
            .copied()
            .filter(|name| *name != component.name)
            .collect();
        let mut diagnostic = Diagnostic::error(
            "unknown-target",
            format!(
                "`{}` uses `{}`, which is not a component",
                shown(&component.name),
                shown(target_name)
            ),
        )
        .at(to_path)
        .expected(one_of(&names));
        diagnostic = match closest(target_name, names.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic.help(format!(
                "declare it as [components.{}] with a `kind`",
                shown(target_name)
            )),
        };
        diagnostics.push(diagnostic);
        return;
    };
    if target.name == component.name {
        diagnostics.push(
            Diagnostic::error(
                "self-connection",
                format!("`{}` uses itself", shown(&component.name)),
            )
            .at(to_path)
            .expected("another component")
            .help("a component needs no role to reach itself; remove this connection"),
        );
        return;
    }
    let spec = catalog::kind_spec(target.kind());
    if spec.targets.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "not-a-target",
                format!("a {} cannot be the target of a connection", target.kind()),
            )
            .at(to_path)
            .expected(format!("a component of kind {}", list(targetable_kinds())))
            .help("connections grant data-plane roles; calling another app is a network route, not a role"),
        );
        return;
    }

    if let (ComponentSpec::Storage(storage), Some(part)) = (&target.spec, &connection.to.part)
        && storage.containers.contains(part)
        && storage.queues.contains(part)
    {
        return; // reported once, as `ambiguous-part`, on the storage component
    }
    let part = match &connection.to.part {
        None => None,
        Some(part_name) => match find_part(target, part_name) {
            Some(kind) => Some(kind),
            None => {
                diagnostics.push(unknown_part(target, part_name, to_path));
                return;
            }
        },
    };
    let Some(target_spec) = spec.target(part) else {
        let parts: Vec<String> = spec
            .targets
            .iter()
            .filter_map(|t| t.part)
            .map(|p| p.noun().to_string())
            .collect();
        let declared: Vec<String> = declared_parts(target)
            .iter()
            .map(|n| format!("{}.{n}", target.name))
            .collect();
        diagnostics.push(
            Diagnostic::error(
                "part-required",
                format!(
                    "a connection to {} `{}` must name one {}",
                    target.kind(),
                    target.name,
                    parts.join(" or ")
                ),
            )
            .at(to_path)
            .expected(if declared.is_empty() {
                format!("`{}.<name>` (it declares none yet)", target.name)
            } else {
                one_of(&declared)
            })
            .help("bulwark scopes each role to the one resource a connection names, never to the whole account"),
        );
        return;
    };
    if target_spec.grant(connection.access).is_none() {
        let supported: Vec<&str> = target_spec.accesses().map(|a| a.as_str()).collect();
        let what = match part {
            Some(part) => format!("a {part}"),
            None => format!("a {}", target.kind()),
        };
        let mut diagnostic = Diagnostic::error(
            "unsupported-access",
            format!("{what} does not support access `{}`", connection.access),
        )
        .at(format!("{path}.access"))
        .expected(one_of(&supported));
        diagnostic = match closest(connection.access.as_str(), supported.iter().copied()) {
            Some(near) => diagnostic.help(format!(
                "did you mean `{near}`? The README's access table lists the role behind each level"
            )),
            None => diagnostic.help(format!(
                "`{}` is {what}; the README's access table lists the role behind each level",
                connection.to
            )),
        };
        diagnostics.push(diagnostic);
    }
}

fn unknown_part(target: &Component, part_name: &str, to_path: String) -> Diagnostic {
    let declared = declared_parts(target);
    let diagnostic = Diagnostic::error(
        "unknown-part",
        format!(
            "`{}` declares no {} named `{}`",
            target.name,
            part_nouns(target.kind()),
            shown(part_name)
        ),
    )
    .at(to_path)
    .expected(if declared.is_empty() {
        format!(
            "a {} that `{}` declares (it declares none)",
            part_nouns(target.kind()),
            target.name
        )
    } else {
        one_of(
            declared
                .iter()
                .map(|name| format!("{}.{name}", target.name)),
        )
    });
    match closest(part_name, declared.iter().map(String::as_str)) {
        Some(near) => diagnostic.help(format!("did you mean `{}.{near}`?", target.name)),
        None => diagnostic.help(format!(
            "add `{}` to the {} of component `{}`",
            shown(part_name),
            part_fields(target.kind()),
            target.name
        )),
    }
}

fn find_part(target: &Component, name: &str) -> Option<PartKind> {
    match &target.spec {
        ComponentSpec::Storage(storage) => {
            if storage.containers.iter().any(|c| c == name) {
                Some(PartKind::Container)
            } else if storage.queues.iter().any(|q| q == name) {
                Some(PartKind::Queue)
            } else {
                None
            }
        }
        ComponentSpec::KeyVault(vault) => vault
            .secrets
            .iter()
            .any(|s| s == name)
            .then_some(PartKind::Secret),
        ComponentSpec::WebApp(_) => None,
    }
}

fn declared_parts(target: &Component) -> Vec<String> {
    match &target.spec {
        ComponentSpec::Storage(storage) => storage
            .containers
            .iter()
            .chain(&storage.queues)
            .cloned()
            .collect(),
        ComponentSpec::KeyVault(vault) => vault.secrets.clone(),
        ComponentSpec::WebApp(_) => Vec::new(),
    }
}

fn part_nouns(kind: Kind) -> &'static str {
    match kind {
        Kind::Storage => "container or queue",
        Kind::KeyVault => "secret",
        Kind::WebApp => "part",
    }
}

fn part_fields(kind: Kind) -> &'static str {
    match kind {
        Kind::Storage => "`containers` (or `queues`)",
        Kind::KeyVault => "`secrets`",
        Kind::WebApp => "`settings`",
    }
}

fn targetable_kinds() -> Vec<Kind> {
    catalog::KINDS
        .iter()
        .filter(|spec| !spec.targets.is_empty())
        .map(|spec| spec.kind)
        .collect()
}

/// Key Vault references become app settings named after the secret, and secret values arrive
/// as environment variables named after vault and secret; both must be unambiguous. A
/// duplicate already reported (the same secret or connection twice) is not reported again.
fn validate_secret_inputs(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut inputs: BTreeMap<String, String> = BTreeMap::new();
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    for component in &blueprint.components {
        let ComponentSpec::KeyVault(vault) = &component.spec else {
            continue;
        };
        let mut seen = BTreeSet::new();
        for (index, secret) in vault.secrets.iter().enumerate() {
            if !seen.insert(secret.to_ascii_lowercase()) {
                continue;
            }
            let variable = naming::setting_name(&[&component.name, secret]);
            let path = format!("components.{}.secrets[{index}]", component.name);
            if let Some(other) = inputs.insert(variable.clone(), path.clone()) {
                diagnostics.push(
                    Diagnostic::error(
                        "ambiguous-secret",
                        format!("two secrets would both be read from environment variable `{variable}`"),
                    )
                    .at(path)
                    .expected("vault and secret names that differ after upper-casing and replacing hyphens")
                    .help(format!("the other one is `{other}`; rename one of them")),
                );
                continue;
            }
            let param = naming::secret_param(&component.name, secret);
            if let Some(other) = params.insert(param.to_ascii_lowercase(), path.clone()) {
                diagnostics.push(
                    Diagnostic::error(
                        "ambiguous-secret",
                        format!("two secrets would both become the Bicep parameter `{param}`"),
                    )
                    .at(path.clone())
                    .expected("vault and secret names that still differ without hyphens and case")
                    .help(format!("the other one is `{other}`; rename one of them")),
                );
                continue;
            }
        }
    }
    for component in &blueprint.components {
        let ComponentSpec::WebApp(web) = &component.spec else {
            continue;
        };
        let mut settings: BTreeMap<String, String> = web
            .settings
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    format!("components.{}.settings.{k}", component.name),
                )
            })
            .collect();
        for reserved in RESERVED_SETTINGS {
            settings
                .entry(reserved.to_string())
                .or_insert_with(|| "bulwark itself".to_string());
        }
        let mut seen = BTreeSet::new();
        for (index, connection) in web.uses.iter().enumerate() {
            if !seen.insert(&connection.to) {
                continue;
            }
            let Some(setting) = crate::plan::connection_setting_name(by_name, connection) else {
                continue;
            };
            let path = format!("components.{}.uses[{index}].to", component.name);
            if let Some(other) = settings.insert(setting.clone(), path.clone()) {
                let other = if other == "bulwark itself" {
                    other
                } else {
                    format!("`{other}`")
                };
                diagnostics.push(
                    Diagnostic::error(
                        "setting-collision",
                        format!(
                            "two settings of `{}` would be named `{setting}`",
                            component.name
                        ),
                    )
                    .at(path)
                    .expected("connections and settings whose setting names differ")
                    .help(format!(
                        "the other one comes from {other}; rename the secret, part or setting"
                    )),
                );
            }
        }
    }
}

fn duplicates<'a>(
    names: impl Iterator<Item = &'a str>,
    diagnostic: impl Fn(&str, usize) -> Diagnostic,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen = BTreeSet::new();
    for (index, name) in names.enumerate() {
        if !seen.insert(name) {
            diagnostics.push(diagnostic(name, index));
        }
    }
}

/// Names that differ only in hyphens or case (`order-api` and `orderapi`) give Bicep symbols
/// that differ only in case, and Bicep compares symbols without regard to case.
fn symbol_collisions<'a>(
    entries: impl Iterator<Item = (&'a str, String, String)>,
    what: &str,
    anchor: Anchor,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen: BTreeMap<String, (&str, String)> = BTreeMap::new();
    for (name, symbol, path) in entries {
        match seen.get(&symbol.to_ascii_lowercase()) {
            Some((other, other_symbol)) if *other != name && !other.eq_ignore_ascii_case(name) => {
                let mut diagnostic = Diagnostic::error(
                    "symbol-collision",
                    format!("{what} `{}` and `{}` are too alike", shown(other), shown(name)),
                )
                .at(path)
                .expected("names that still differ without hyphens and case")
                .help(if *other_symbol == symbol {
                    format!("both become the Bicep symbol `{symbol}`; rename one")
                } else {
                    format!(
                        "they become the Bicep symbols `{other_symbol}` and `{symbol}`, which Bicep treats as the same name; rename one"
                    )
                });
                diagnostic.anchor = anchor;
                diagnostics.push(diagnostic);
            }
            _ => {
                seen.insert(symbol.to_ascii_lowercase(), (name, symbol));
            }
        }
    }
}
