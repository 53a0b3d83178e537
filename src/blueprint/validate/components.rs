//! One component's own checks, by kind: ingress a kind can serve, SKUs and sizes Azure
//! offers in every environment, partition keys, model deployments, admin groups and external
//! services. Parts, sizing, container apps and connections have files of their own.

use super::connections::validate_uses;
use super::container_apps::validate_container_app;
use super::names::check_name;
use super::parts::validate_parts;
use super::secrets::validate_settings;
use super::sizing::validate_sizing;
use crate::blueprint::diagnostic::{Anchor, Diagnostic, closest, one_of, shown};
use crate::blueprint::model::{AdminGroup, Component, ComponentSpec, Ingress, Kind, SizingValue};
use crate::catalog::{self, naming};
use std::collections::BTreeMap;

/// Everything about one component: its parts, sizing, kind-specific settings and connections.
pub(super) fn validate_component(
    component: &Component,
    environments: &[String],
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let path = format!("components.{}", component.name);
    validate_parts(component, &path, diagnostics);
    validate_sizing(component, environments, &path, diagnostics);
    validate_spec(component, environments, by_name, &path, diagnostics);
    validate_uses(component, &path, by_name, diagnostics);
}

/// What only the component's kind must check.
fn validate_spec(
    component: &Component,
    environments: &[String],
    by_name: &BTreeMap<&str, &Component>,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match &component.spec {
        ComponentSpec::WebApp(web) => {
            if web.ingress == Ingress::None {
                diagnostics.push(
                    Diagnostic::error("unsupported-ingress", "a web app always serves HTTP")
                        .at(format!("{path}.ingress"))
                        .expected("`private`, `public` or `direct`")
                        .help("for a background worker without ingress, use a function-app or a container-app"),
                );
            }
            validate_health_check(path, web.health_check_path.as_deref(), diagnostics);
            validate_settings(path, &web.settings, diagnostics);
        }
        ComponentSpec::FunctionApp(function) => {
            validate_function_app(path, function, environments, diagnostics);
        }
        ComponentSpec::ContainerApp(app) => {
            validate_container_app(path, app, environments, by_name, diagnostics)
        }
        ComponentSpec::Storage(storage)
            if storage.containers.is_empty() && storage.queues.is_empty() =>
        {
            diagnostics.push(
                Diagnostic::warning(
                    "empty-storage",
                    format!(
                        "storage `{}` declares no containers or queues",
                        shown(&component.name)
                    ),
                )
                .at(path)
                .expected("containers = [\"…\"] or queues = [\"…\"]")
                .help("without them the account has no private endpoint, so nothing can reach it"),
            );
        }
        ComponentSpec::SqlDatabase(sql) => {
            validate_admin_group(path, &sql.admin_group, diagnostics);
            validate_sql_size(path, sql, environments, diagnostics);
        }
        ComponentSpec::Postgres(postgres) => {
            validate_admin_group(path, &postgres.admin_group, diagnostics);
            if postgres.databases.is_empty() {
                diagnostics.push(
                    Diagnostic::warning(
                        "no-databases",
                        format!(
                            "postgres `{}` declares no databases",
                            shown(&component.name)
                        ),
                    )
                    .at(path)
                    .expected("databases = [\"…\"]")
                    .help("connections name a database, e.g. `to = \"pg.orders\"`"),
                );
            }
        }
        ComponentSpec::CosmosDb(cosmos) => {
            validate_partition_keys(path, cosmos, diagnostics);
        }
        ComponentSpec::EventHubs(hubs) => {
            let premium = hubs.sku == "Premium"
                || hubs
                    .environments
                    .values()
                    .any(|o| o.get("sku") == Some(&SizingValue::Text("Premium".into())));
            if premium {
                validate_event_hubs_premium(path, hubs, environments, diagnostics);
            }
            if !(1..=32).contains(&hubs.partitions) {
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-partitions",
                        format!("{} partitions is out of range", hubs.partitions),
                    )
                    .at(format!("{path}.partitions"))
                    .expected("1 to 32 partitions")
                    .help("partitions cap parallel consumers; 2-4 suit most apps"),
                );
            }
        }
        ComponentSpec::OpenAi(openai) => {
            validate_openai_deployments(path, openai, diagnostics);
        }
        ComponentSpec::External(external) => {
            validate_external(component, external, by_name, path, diagnostics)
        }
        _ => {}
    }
}

/// A function app: a plan that meets the baseline, and at most 100 instances on Elastic
/// Premium.
fn validate_function_app(
    path: &str,
    function: &crate::blueprint::FunctionApp,
    environments: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    if !catalog::FUNCTION_APP_SKUS.contains(&function.sku.as_str()) {
        let rejected = catalog::FUNCTION_APP_REJECTED
            .iter()
            .find(|(sku, _)| sku.eq_ignore_ascii_case(&function.sku));
        let diagnostic = Diagnostic::error(
            "unsupported-sku",
            format!(
                "function app plan `{}` cannot meet the baseline",
                shown(&function.sku)
            ),
        )
        .at(format!("{path}.sku"))
        .expected(one_of(catalog::FUNCTION_APP_SKUS));
        diagnostics.push(match rejected {
            Some((_, why)) => diagnostic.help(*why),
            None => diagnostic.help(
                "Flex Consumption (`FC1`) and Elastic Premium (`EP1`-`EP3`) integrate with a VNet",
            ),
        });
    }
    if !function.is_flex_consumption() {
        for environment in environments {
            let maximum = function
                .environments
                .get(environment)
                .and_then(|o| o.get("maximum_instances"))
                .cloned()
                .unwrap_or(SizingValue::Int(i64::from(function.maximum_instances)));
            if let SizingValue::Int(maximum) = maximum
                && maximum > 100
            {
                diagnostics.push(
                    Diagnostic::error("out-of-range", format!("Elastic Premium scales to 100 instances, not {maximum} (in `{environment}`)"))
                        .at(format!("{path}.maximum_instances"))
                        .expected("1 to 100 on Elastic Premium")
                        .help("Flex Consumption (`FC1`) scales to 1000"),
                );
            }
        }
    }
    validate_settings(path, &function.settings, diagnostics);
}

/// Cosmos DB containers: partition key paths.
fn validate_partition_keys(
    path: &str,
    cosmos: &crate::blueprint::CosmosDb,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (database, body) in &cosmos.databases {
        for (container, key) in &body.containers {
            let valid = key.starts_with('/')
                && key.len() > 1
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c));
            if !valid {
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-partition-key",
                        format!("`{}` is not a partition key path", shown(key)),
                    )
                    .at(format!(
                        "{path}.databases.{database}.containers.{container}"
                    ))
                    .expected("a path starting with `/`, e.g. \"/customerId\"")
                    .help(
                        "the partition key is the JSON property that spreads the container's items",
                    ),
                );
            }
        }
    }
}

/// Azure OpenAI deployments: names, model names and versions, SKUs and capacity.
fn validate_openai_deployments(
    path: &str,
    openai: &crate::blueprint::OpenAi,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (name, deployment) in &openai.deployments {
        let deployment_path = format!("{path}.deployments.{name}");
        diagnostics.extend(
            check_name(&naming::DEPLOYMENT_NAME, name, deployment_path.clone()).map(|d| {
                Diagnostic {
                    anchor: Anchor::Key,
                    ..d
                }
            }),
        );
        for (field, what, value) in [
            ("model", "model name", &deployment.model),
            ("version", "model version", &deployment.version),
        ] {
            if value.is_empty()
                || !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
            {
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-model",
                        format!("`{}` is not a {what}", shown(value)),
                    )
                    .at(format!("{deployment_path}.{field}"))
                    .expected(
                        "letters, digits, dots and hyphens, e.g. `gpt-4o-mini` / `2024-07-18`",
                    )
                    .help("use the model name and version Azure OpenAI lists for your region"),
                );
            }
        }
        const SKUS: &[&str] = &[
            "Standard",
            "GlobalStandard",
            "DataZoneStandard",
            "ProvisionedManaged",
            "GlobalProvisionedManaged",
            "DataZoneProvisionedManaged",
        ];
        if !SKUS.contains(&deployment.sku.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "unknown-value",
                    format!("`{}` is not a deployment SKU", shown(&deployment.sku)),
                )
                .at(format!("{deployment_path}.sku"))
                .expected(one_of(SKUS))
                .help(closest(&deployment.sku, SKUS.iter().copied()).map_or(
                    "`Standard` keeps data in the account's region".to_string(),
                    |near| format!("did you mean `{near}`?"),
                )),
            );
        }
        if !(1..=10_000).contains(&deployment.capacity) {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-capacity",
                    format!("capacity {} is out of range", deployment.capacity),
                )
                .at(format!("{deployment_path}.capacity"))
                .expected("1 to 10000 (thousands of tokens per minute)")
                .help("start small; quota is per region and subscription"),
            );
        }
    }
}

/// Premium Event Hubs sells processing units in steps of 1, 2, 4, 8 and 16.
fn validate_event_hubs_premium(
    path: &str,
    hubs: &crate::blueprint::EventHubs,
    environments: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for environment in environments {
        let value = |field: &str, base: SizingValue| {
            hubs.environments
                .get(environment)
                .and_then(|o| o.get(field))
                .cloned()
                .unwrap_or(base)
        };
        let sku = value("sku", SizingValue::Text(hubs.sku.clone()));
        let capacity = value("capacity", SizingValue::Int(i64::from(hubs.capacity)));
        if let (SizingValue::Text(sku), SizingValue::Int(capacity)) = (&sku, &capacity)
            && sku == "Premium"
            && ![1, 2, 4, 8, 16].contains(capacity)
        {
            diagnostics.push(
                Diagnostic::error("out-of-range", format!("Premium Event Hubs has no capacity {capacity} (in `{environment}`)"))
                    .at(format!("{path}.capacity"))
                    .expected("1, 2, 4, 8 or 16 processing units on Premium")
                    .help("Standard takes 1 to 40 throughput units; Premium sells processing units in steps"),
            );
        }
    }
}

/// DTU databases take only fixed sizes, up to 2 GB on Basic and 250 GB on S0-S2.
fn validate_sql_size(
    path: &str,
    sql: &crate::blueprint::SqlDatabase,
    environments: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    const SMALL: &[i64] = &[1, 2, 5, 10, 20, 30, 40, 50, 100, 150, 200, 250];
    const LARGE: &[i64] = &[
        1, 2, 5, 10, 20, 30, 40, 50, 100, 150, 200, 250, 300, 400, 500, 750, 1024,
    ];
    for environment in environments {
        let value = |field: &str, base: SizingValue| {
            sql.environments
                .get(environment)
                .and_then(|o| o.get(field))
                .cloned()
                .unwrap_or(base)
        };
        let sku = value("sku", SizingValue::Text(sql.sku.clone())).to_string();
        let SizingValue::Int(size) =
            value("max_size_gb", SizingValue::Int(i64::from(sql.max_size_gb)))
        else {
            continue;
        };
        let allowed: &[i64] = match sku.as_str() {
            "Basic" => &[1, 2],
            "S0" | "S1" | "S2" => SMALL,
            "S3" | "P1" | "P2" => LARGE,
            _ => continue,
        };
        if !allowed.contains(&size) {
            let largest = allowed[allowed.len() - 1];
            diagnostics.push(
                Diagnostic::error("out-of-range", format!("{sku} databases have no {size} GB size (in `{environment}`)"))
                    .at(format!("{path}.max_size_gb"))
                    .expected(one_of(allowed.iter()))
                    .help(format!("set max_size_gb = {largest} (or smaller) for {sku}; vCore SKUs like GP_S_Gen5_1 take any size")),
            );
        }
    }
}

/// `health_check_path`: a URL path App Service can request.
fn validate_health_check(path: &str, health: Option<&str>, diagnostics: &mut Vec<Diagnostic>) {
    let Some(health) = health else { return };
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
            .help(
                "e.g. health_check_path = \"/healthz\"; App Service requests it on every instance",
            ),
        );
    }
}

/// `admin_group`: an Entra group display name on one line and a GUID object id.
fn validate_admin_group(path: &str, group: &AdminGroup, diagnostics: &mut Vec<Diagnostic>) {
    let name = &group.name;
    let problem = if name.trim().is_empty() {
        Some("the admin group needs its display name".to_string())
    } else if let Some(c) = name.chars().find(|c| c.is_control()) {
        Some(format!(
            "the admin group's name `{}` holds a control character (U+{:04X}{}); a display name is one line of text",
            shown(name),
            u32::from(c),
            match c {
                '\t' => ", a tab",
                '\n' | '\r' => ", a line break",
                _ => "",
            }
        ))
    } else if name.chars().count() > 128 {
        Some(format!(
            "the admin group's name is {} characters long, more than the 128 a group display name may have",
            name.chars().count()
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        diagnostics.push(
            Diagnostic::error("invalid-admin-group", problem)
                .at(format!("{path}.admin_group.name"))
                .expected("the Entra group's display name, up to 128 characters on one line")
                .help("the group whose members administer the server; keep it small"),
        );
    }
    if !is_guid(&group.object_id) {
        diagnostics.push(
            Diagnostic::error(
                "invalid-object-id",
                format!("`{}` is not an object id", shown(&group.object_id)),
            )
            .at(format!("{path}.admin_group.object_id"))
            .expected("a GUID like 00000000-0000-0000-0000-000000000000")
            .help("`az ad group show --group <name> --query id -o tsv` prints it"),
        );
    }
}

/// A GUID in its 8-4-4-4-12 hexadecimal form.
pub(super) fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// An external service: an https URL, and a key-vault component for its secret whose
/// secrets do not already use the external's name.
fn validate_external(
    component: &Component,
    external: &crate::blueprint::External,
    by_name: &BTreeMap<&str, &Component>,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let host = external
        .url
        .strip_prefix("https://")
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    let url_ok = matches!(host, Some(host) if !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c)))
        && !external
            .url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if !url_ok {
        diagnostics.push(
            Diagnostic::error(
                "invalid-url",
                format!("`{}` is not an https URL", shown(&external.url)),
            )
            .at(format!("{path}.url"))
            .expected("`https://host/…`")
            .help("bulwark only wires external services over TLS"),
        );
    }
    match by_name.get(external.vault.as_str()) {
        Some(vault) if vault.kind() == Kind::KeyVault => {
            if vault.spec.part(&component.name).is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        "setting-collision",
                        format!(
                            "vault `{}` already declares a secret `{}`",
                            vault.name, component.name
                        ),
                    )
                    .at(format!("{path}.vault"))
                    .expected("an external whose name is not a secret of its vault")
                    .help("the external's secret is named after the external; rename one of them"),
                );
            }
        }
        Some(other) => diagnostics.push(
            Diagnostic::error(
                "not-a-vault",
                format!("`{}` is a {}, not a key-vault", other.name, other.kind()),
            )
            .at(format!("{path}.vault"))
            .expected("a key-vault component")
            .help("the external's secret lives in a key-vault component of this blueprint"),
        ),
        None => {
            let vaults: Vec<&str> = by_name
                .values()
                .filter(|c| c.kind() == Kind::KeyVault)
                .map(|c| c.name.as_str())
                .collect();
            let diagnostic = Diagnostic::error(
                "unknown-target",
                format!("`{}` is not a component", shown(&external.vault)),
            )
            .at(format!("{path}.vault"))
            .expected(if vaults.is_empty() {
                "a key-vault component (there is none yet)".to_string()
            } else {
                one_of(&vaults)
            });
            diagnostics.push(match closest(&external.vault, vaults.iter().copied()) {
                Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                None => diagnostic.help("declare one: [components.vault] kind = \"key-vault\""),
            });
        }
    }
}
