//! One validation for blueprints from TOML and from the builder. It speaks in logical paths;
//! the loader's source map turns them into file positions.

use super::diagnostic::{Anchor, Diagnostic, all_of, closest, list, one_of, shown};
use super::model::{
    AdminGroup, Blueprint, Component, ComponentSpec, Connection, ContainerApp, Image, Ingress,
    Kind, Part, PartKind, RegistryImage, SizingValue,
};
use super::settings::is_reserved_setting;
use crate::blueprint::Access;
use crate::catalog::naming::{self, NameRule};
use crate::catalog::{self, Allowed};
use std::collections::{BTreeMap, BTreeSet};

/// App settings bulwark sets itself; a blueprint may not set them by hand.
pub use super::settings::RESERVED_SETTINGS;

/// Words that suggest a plain setting carries a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "SECRET",
    "CONNECTION_STRING",
    "CONNSTR",
    "API_KEY",
    "TOKEN",
];

/// Validate against today's date (waivers expire).
pub fn validate(blueprint: &Blueprint) -> Vec<Diagnostic> {
    validate_on(blueprint, crate::blueprint::Date::today())
}

/// Validate as of `today`: everything a blueprint must satisfy before it is planned.
pub fn validate_on(blueprint: &Blueprint, today: crate::blueprint::Date) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    validate_governance(blueprint, today, &mut diagnostics);
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

    validate_network(blueprint, &mut diagnostics);

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
        validate_component(
            component,
            &blueprint.app.environments,
            &by_name,
            &mut diagnostics,
        );
    }
    validate_secret_inputs(blueprint, &by_name, &mut diagnostics);
    validate_call_cycles(blueprint, &by_name, &mut diagnostics);
    validate_registrations(blueprint, &mut diagnostics);
    validate_front_door_endpoints(blueprint, &mut diagnostics);
    diagnostics
}

/// Every public app gets its own endpoint in the app's one Front Door Premium profile, and a
/// profile holds at most 25 endpoints (limits.tsv; the profile usage API reports the same
/// limit): a 26th public app would fail at deployment, so it is refused here.
fn validate_front_door_endpoints(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    let most = crate::catalog::facts::limit("Front Door Premium", "endpoints per profile")
        .expect("limits.tsv has Front Door Premium endpoints per profile") as usize;
    let public: Vec<&Component> = blueprint
        .components
        .iter()
        .filter(|component| component.ingress() == Some(Ingress::Public))
        .collect();
    if let Some(first_over) = public.get(most) {
        diagnostics.push(
            Diagnostic::error(
                "too-many-public-apps",
                format!(
                    "{} apps have `ingress = \"public\"`, but one Front Door Premium profile holds at most {most} endpoints",
                    public.len()
                ),
            )
            .at(format!("components.{}.ingress", first_over.name))
            .expected(format!("at most {most} public apps in one blueprint"))
            .help("make the apps that only other apps call `private` (they reach each other inside the VNet), or split the application into several blueprints, each with its own Front Door"),
        );
    }
}

/// An `invalid-name` diagnostic when `name` breaks `rule`, offering a corrected name when
/// there is an obvious one.
/// An override table for an environment the app does not declare.
fn unknown_environment(environment: &str, path: String, environments: &[String]) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        "unknown-environment",
        format!("`{}` is not an environment of the app", shown(environment)),
    )
    .at_key(path)
    .expected(one_of(environments));
    match closest(environment, environments.iter().map(String::as_str)) {
        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
        None => diagnostic.help("add it to [app] environments, or remove these overrides"),
    }
}

/// Kinds whose deleted resources stay soft-deleted under their name, with purge protection
/// (so the name cannot be freed), and whose template can recover them: Key Vault
/// `properties.createMode: 'recover'`, App Configuration `properties.createMode: 'Recover'`.
pub const RECOVERABLE_KINDS: [Kind; 2] = [Kind::KeyVault, Kind::AppConfiguration];

/// `[deployment.environments.<env>] recover`: known environments, recoverable components.
fn validate_recover(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    let environments = &blueprint.app.environments;
    let recoverable: Vec<&str> = blueprint
        .components
        .iter()
        .filter(|c| RECOVERABLE_KINDS.contains(&c.kind()))
        .map(|c| c.name.as_str())
        .collect();
    for (environment, over) in &blueprint.deployment.environments {
        if !environments.contains(environment) {
            diagnostics.push(unknown_environment(
                environment,
                format!("deployment.environments.{environment}"),
                environments,
            ));
        }
        for (index, name) in over.recover.iter().enumerate() {
            let path = format!("deployment.environments.{environment}.recover[{index}]");
            let expected = if recoverable.is_empty() {
                "a key-vault or app-configuration component".to_string()
            } else {
                one_of(&recoverable)
            };
            let help = if recoverable.is_empty() {
                "only key-vault and app-configuration components can be recovered from soft delete, and the blueprint has none".to_string()
            } else {
                format!(
                    "only key-vault and app-configuration components can be recovered from soft delete; here: {}",
                    crate::blueprint::diagnostic::all_of(recoverable.iter().copied())
                )
            };
            match blueprint.components.iter().find(|c| &c.name == name) {
                None => {
                    let diagnostic = Diagnostic::error(
                        "unknown-component",
                        format!("no component `{}` to recover", shown(name)),
                    )
                    .at(path)
                    .expected(expected);
                    diagnostics.push(match closest(name, recoverable.iter().copied()) {
                        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                        None => diagnostic.help(help),
                    });
                }
                Some(component) if !RECOVERABLE_KINDS.contains(&component.kind()) => {
                    diagnostics.push(
                        Diagnostic::error(
                            "not-recoverable",
                            format!(
                                "`{}` is a {}, which has no soft delete to recover from",
                                shown(name),
                                component.kind()
                            ),
                        )
                        .at(path)
                        .expected(expected)
                        .help(help),
                    );
                }
                Some(_) => {}
            }
        }
        duplicates(
            over.recover.iter().map(String::as_str),
            |name, index| {
                Diagnostic::error(
                    "duplicate-recover",
                    format!("`{}` is listed twice", shown(name)),
                )
                .at(format!(
                    "deployment.environments.{environment}.recover[{index}]"
                ))
                .expected("each component once")
                .help(format!("remove the second `{}`", shown(name)))
            },
            diagnostics,
        );
    }
}

/// Tags bulwark sets itself on every resource.
const BULWARK_TAGS: &[&str] = &["app", "environment", "managed-by"];

/// `[governance]`, `[monitoring]`, `[tags]` and `[[waivers]]`.
fn validate_governance(
    blueprint: &Blueprint,
    today: crate::blueprint::Date,
    diagnostics: &mut Vec<Diagnostic>,
) {
    use crate::blueprint::Control;
    let environments = &blueprint.app.environments;

    let mut lowercase: BTreeMap<String, &str> = BTreeMap::new();
    for (name, value) in &blueprint.tags {
        let path = format!("tags.{name}");
        // Azure compares tag names without case, so `Owner` and `owner` are one tag.
        if let Some(other) = lowercase.insert(name.to_lowercase(), name) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-tag",
                    format!(
                        "tags `{}` and `{}` are one tag to Azure, which ignores case in tag names",
                        shown(other),
                        shown(name)
                    ),
                )
                .at_key(path.clone())
                .expected("tag names that differ in more than case")
                .help("keep one of them"),
            );
            continue;
        }
        if BULWARK_TAGS.contains(&name.to_lowercase().as_str()) {
            diagnostics.push(
                Diagnostic::error("reserved-tag", format!("bulwark sets tag `{name}` itself"))
                    .at_key(path)
                    .expected(format!("a tag other than {}", one_of(BULWARK_TAGS)))
                    .help(
                        "`app` and `environment` come from [app]; `managed-by` is always `bulwark`",
                    ),
            );
            continue;
        }
        let bad_name = name.is_empty()
            || name.len() > 512
            || name
                .chars()
                .any(|c| "<>%&\\?/".contains(c) || c.is_control());
        if bad_name {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-tag",
                    format!("`{}` is not a tag name Azure accepts", shown(name)),
                )
                .at_key(path.clone())
                .expected("1-512 characters without < > % & \\ ? /")
                .help("e.g. `owner`, `cost-center`, `data-classification`"),
            );
        }
        if value.is_empty() || value.chars().count() > 256 {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-tag",
                    format!("tag `{}` needs a value of 1-256 characters", shown(name)),
                )
                .at(path)
                .expected("a value of 1-256 characters"),
            );
        }
    }
    for (index, name) in blueprint.governance.required_tags.iter().enumerate() {
        let given = blueprint
            .tags
            .keys()
            .any(|tag| tag.eq_ignore_ascii_case(name));
        if !given && !BULWARK_TAGS.contains(&name.to_lowercase().as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "missing-required-tag",
                    format!(
                        "tag `{}` is required but [tags] gives it no value",
                        shown(name)
                    ),
                )
                .at(format!("governance.required_tags[{index}]"))
                .expected(format!("[tags] {} = \"…\"", shown(name)))
                .help(match &blueprint.app.defaults {
                    Some(library) => format!(
                        "every resource carries the tags in [tags]; the requirement comes from [governance] or from the defaults of library `{library}`"
                    ),
                    None => {
                        "every resource carries the tags in [tags]; add a value for each required tag"
                            .to_string()
                    }
                }),
            );
        }
    }
    for environment in blueprint.governance.environments.keys() {
        if !environments.contains(environment) {
            diagnostics.push(unknown_environment(
                environment,
                format!("governance.environments.{environment}"),
                environments,
            ));
        }
    }

    let monitoring = &blueprint.monitoring;
    let check_monitoring = |workspace: Option<&String>,
                            retention: Option<u32>,
                            cap: Option<u32>,
                            central: bool,
                            path: &str,
                            diagnostics: &mut Vec<Diagnostic>| {
        if let Some(id) = workspace
            && let Err(problem) =
                crate::address::parse_resource_id(id, "Microsoft.OperationalInsights/workspaces")
        {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-resource-id",
                    format!("`{}` is not a Log Analytics workspace id: {problem}", shown(id)),
                )
                .at(format!("{path}.workspace_id"))
                .expected("/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>"),
            );
        }
        for (field, value) in [("retention_days", retention), ("daily_cap_gb", cap)] {
            let Some(value) = value else { continue };
            if central {
                diagnostics.push(
                    Diagnostic::error(
                        "setting-of-central-workspace",
                        format!(
                            "`{field}` sets the app's own workspace, but logs go to a central one"
                        ),
                    )
                    .at(format!("{path}.{field}"))
                    .expected(format!("no `{field}` with `workspace_id`"))
                    .help("the central workspace's owner sets its retention and cap"),
                );
            } else if field == "retention_days" && !(30..=730).contains(&value) {
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-retention",
                        format!("{value} days is outside what Log Analytics keeps"),
                    )
                    .at(format!("{path}.{field}"))
                    .expected("30 to 730 days"),
                );
            } else if field == "daily_cap_gb" && value == 0 {
                diagnostics.push(
                    Diagnostic::error("invalid-daily-cap", "a daily cap of 0 GB drops every log")
                        .at(format!("{path}.{field}"))
                        .expected("1 GB or more, or no cap"),
                );
            }
        }
    };
    for environment in environments {
        let settings = monitoring.in_environment(environment);
        let over = monitoring.environments.get(environment);
        let central = settings.workspace_id.is_some();
        let (path, workspace, retention, cap) = match over {
            Some(over) => (
                format!("monitoring.environments.{environment}"),
                over.workspace_id.as_ref(),
                over.retention_days,
                over.daily_cap_gb,
            ),
            None => continue,
        };
        check_monitoring(workspace, retention, cap, central, &path, diagnostics);
    }
    let everywhere_central = environments.iter().all(|environment| {
        monitoring
            .in_environment(environment)
            .workspace_id
            .is_some()
    });
    let anywhere_central = environments.iter().any(|environment| {
        monitoring
            .in_environment(environment)
            .workspace_id
            .is_some()
    });
    check_monitoring(
        monitoring.workspace_id.as_ref(),
        monitoring.retention_days,
        monitoring.daily_cap_gb,
        monitoring.workspace_id.is_some(),
        "monitoring",
        diagnostics,
    );
    if anywhere_central && !everywhere_central {
        diagnostics.push(
            Diagnostic::error(
                "mixed-monitoring-modes",
                "some environments log to a central workspace and others to their own",
            )
            .at_key("monitoring")
            .expected("`workspace_id` for every environment or for none")
            .help("environments may use different central workspaces, but the same design"),
        );
    }
    for environment in monitoring.environments.keys() {
        if !environments.contains(environment) {
            diagnostics.push(unknown_environment(
                environment,
                format!("monitoring.environments.{environment}"),
                environments,
            ));
        }
    }
    validate_recover(blueprint, diagnostics);

    for component in &blueprint.components {
        let direct = match &component.spec {
            crate::blueprint::ComponentSpec::WebApp(web) => web.ingress == Ingress::Direct,
            crate::blueprint::ComponentSpec::FunctionApp(f) => f.ingress == Ingress::Direct,
            _ => false,
        };
        let waived = blueprint
            .waivers
            .iter()
            .any(|w| w.control == Control::DirectPublicIngress && w.component == component.name);
        if direct && !waived {
            diagnostics.push(
                Diagnostic::error(
                    "direct-ingress-without-waiver",
                    format!("`{}` is reachable from the internet directly, which needs a waiver", component.name),
                )
                .at(format!("components.{}.ingress", component.name))
                .expected("`ingress = \"public\"` (through Front Door's WAF), or a `direct-public-ingress` waiver")
                .help("add [[waivers]] with control = \"direct-public-ingress\", this component, a reason and an expiry"),
            );
        }
        if waived && !direct {
            let index = blueprint
                .waivers
                .iter()
                .position(|w| {
                    w.control == Control::DirectPublicIngress && w.component == component.name
                })
                .unwrap_or_default();
            diagnostics.push(
                Diagnostic::error(
                    "waiver-without-effect",
                    format!(
                        "`{}` waives direct public ingress but is not `ingress = \"direct\"`",
                        component.name
                    ),
                )
                .at(format!("waivers[{index}].control"))
                .expected(format!("`ingress = \"direct\"` on `{}`", component.name))
                .help("remove the waiver, or set the component's ingress to \"direct\""),
            );
        }
    }

    let mut seen: Vec<(Control, &str)> = Vec::new();
    for (index, waiver) in blueprint.waivers.iter().enumerate() {
        let path = format!("waivers[{index}]");
        if seen.contains(&(waiver.control, waiver.component.as_str())) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-waiver",
                    format!(
                        "`{}` of `{}` is waived twice",
                        waiver.control,
                        shown(&waiver.component)
                    ),
                )
                .at(format!("{path}.control"))
                .expected("one waiver per control and component")
                .help("remove one of them"),
            );
        }
        seen.push((waiver.control, waiver.component.as_str()));
        if waiver.expires < today {
            diagnostics.push(
                Diagnostic::error(
                    "expired-waiver",
                    format!(
                        "the waiver of `{}` for `{}` expired on {}",
                        waiver.control,
                        shown(&waiver.component),
                        waiver.expires
                    ),
                )
                .at(format!("{path}.expires"))
                .expected("an expiry date that has not passed")
                .help("restore the control by removing the waiver, or renew it with a new date after review"),
            );
        } else if today.days_until(waiver.expires) <= 30 {
            diagnostics.push(
                Diagnostic::warning(
                    "waiver-expires-soon",
                    format!(
                        "the waiver of `{}` for `{}` expires on {}, in {}",
                        waiver.control,
                        shown(&waiver.component),
                        waiver.expires,
                        match today.days_until(waiver.expires) {
                            0 => "less than a day".to_string(),
                            1 => "1 day".to_string(),
                            days => format!("{days} days"),
                        }
                    ),
                )
                .at(format!("{path}.expires"))
                .help("after that day the blueprint no longer validates: fix the need for it, or renew it"),
            );
        }
        if waiver.reason.trim().chars().count() < 10 {
            diagnostics.push(
                Diagnostic::error("waiver-without-reason", "a waiver needs a reason a reviewer can judge")
                    .at(format!("{path}.reason"))
                    .expected("a sentence: who needs it, why, and what compensates")
                    .help("e.g. \"The vendor's scanner reads uploads from 203.0.113.0/24 (ticket SEC-1234)\""),
            );
        }
        let Some(component) = blueprint
            .components
            .iter()
            .find(|c| c.name == waiver.component)
        else {
            let names: Vec<&str> = blueprint
                .components
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            let diagnostic = Diagnostic::error(
                "unknown-component",
                format!(
                    "no component `{}` to waive a control of",
                    shown(&waiver.component)
                ),
            )
            .at(format!("{path}.component"))
            .expected(one_of(&names));
            diagnostics.push(match closest(&waiver.component, names.iter().copied()) {
                Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                None => diagnostic,
            });
            continue;
        };
        let kinds = crate::catalog::controls::kinds_for(waiver.control);
        if !kinds.contains(&component.kind()) {
            diagnostics.push(
                Diagnostic::error(
                    "control-not-waivable",
                    format!(
                        "`{}` cannot be waived for `{}`, a {}",
                        waiver.control,
                        shown(&waiver.component),
                        component.kind()
                    ),
                )
                .at(format!("{path}.control"))
                .expected(format!(
                    "a {} component",
                    kinds.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or ")
                ))
                .help("bulwark keeps this kind hardened; a need it cannot meet belongs in a separate, reviewed deployment"),
            );
        }
        let takes_ranges = matches!(
            waiver.control,
            Control::PublicNetworkAccess | Control::DirectPublicIngress
        );
        if !takes_ranges && !waiver.allow_from.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "allow-from-not-applicable",
                    format!(
                        "`allow_from` limits network access; `{}` is not about the network",
                        waiver.control
                    ),
                )
                .at(format!("{path}.allow_from"))
                .expected("no `allow_from`")
                .help("remove it"),
            );
        }
        validate_grants(waiver, component, &path, diagnostics);
        if waiver.control == Control::PublicNetworkAccess && waiver.allow_from.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "public-access-without-ranges",
                    "public network access on a data service needs the ranges it is for",
                )
                .at(format!("{path}.control"))
                .expected("`allow_from` with the public IPv4 ranges that need access")
                .help("e.g. allow_from = [\"203.0.113.0/24\"]; bulwark never opens a data service to the whole internet"),
            );
        }
        for (range_index, range) in waiver.allow_from.iter().enumerate() {
            let range_path = format!("{path}.allow_from[{range_index}]");
            match crate::address::parse_cidr_within(range, 1, 32) {
                Ok(cidr) if is_private(cidr) => diagnostics.push(
                    Diagnostic::error(
                        "private-range-in-allow-from",
                        format!("{cidr} is a private range; traffic from it never arrives from the internet"),
                    )
                    .at(range_path)
                    .expected("a public IPv4 range")
                    .help("private callers reach the service through its private endpoint already"),
                ),
                Ok(_) => {}
                Err(problem) => diagnostics.push(
                    Diagnostic::error("invalid-range", format!("`{}` is not an IPv4 range: {problem}", shown(range)))
                        .at(range_path)
                        .expected("an IPv4 CIDR block such as \"203.0.113.0/24\" (use /32 for one address)"),
                ),
            }
        }
    }
}

/// `grants` of a waiver: required on a `local-auth` waiver of Service Bus or Event Hubs, each
/// naming one queue, topic or event hub of the component with `send` and/or `listen`.
fn validate_grants(
    waiver: &crate::blueprint::Waiver,
    component: &Component,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    use crate::blueprint::Control;
    let kind = component.kind();
    let sas =
        waiver.control == Control::LocalAuth && matches!(kind, Kind::ServiceBus | Kind::EventHubs);
    if !sas {
        if !waiver.grants.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "grants-not-applicable",
                    format!(
                        "`grants` are the SAS rules of a `local-auth` waiver; this waiver is `{}` on a {kind}",
                        waiver.control
                    ),
                )
                .at(format!("{path}.grants"))
                .expected("no `grants`")
                .help("grants belong to a `local-auth` waiver of a service-bus or event-hubs component; remove them"),
            );
        }
        return;
    }
    let entities: Vec<Part> = component
        .spec
        .parts()
        .into_iter()
        .filter(|part| {
            matches!(
                part.kind,
                PartKind::Queue | PartKind::Topic | PartKind::EventHub
            )
        })
        .collect();
    let names: Vec<&str> = entities.iter().map(|part| part.name.as_str()).collect();
    let example = names.first().copied().unwrap_or("<entity>");
    if waiver.grants.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "local-auth-without-grants",
                format!(
                    "local auth on `{}` needs the entities and rights its SAS keys are for",
                    shown(&component.name)
                ),
            )
            .at(format!("{path}.control"))
            .expected(format!("`grants` naming each {} and its rights (`send`, `listen`)", sas_nouns(kind)))
            .help(format!(
                "without grants the only SAS key would be the namespace's RootManageSharedAccessKey, which can send, listen and manage every entity; e.g. grants = [{{ to = \"{example}\", rights = [\"send\"] }}]"
            )),
        );
        return;
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (index, grant) in waiver.grants.iter().enumerate() {
        let grant_path = format!("{path}.grants[{index}]");
        if grant.rights.is_empty() {
            diagnostics.push(
                Diagnostic::error("grant-without-rights", "a grant needs at least one right")
                    .at(format!("{grant_path}.rights"))
                    .expected("`send`, `listen` or both")
                    .help("`send` to send, `listen` to receive; `manage` is never granted"),
            );
        }
        let Some(entity) = entities.iter().find(|part| part.name == grant.to) else {
            diagnostics.push(unknown_grant_entity(
                component,
                &grant.to,
                &names,
                format!("{grant_path}.to"),
            ));
            continue;
        };
        if !seen.insert(entity.name.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-grant",
                    format!("`{}` is granted twice", shown(&grant.to)),
                )
                .at(format!("{grant_path}.to"))
                .expected("one grant per entity")
                .help("list both rights in one grant, e.g. rights = [\"send\", \"listen\"]"),
            );
        }
    }
}

/// A grant to something that is not a queue, topic or event hub of the waived component.
fn unknown_grant_entity(
    component: &Component,
    to: &str,
    names: &[&str],
    path: String,
) -> Diagnostic {
    let nouns = sas_nouns(component.kind());
    let subscription = component
        .spec
        .parts()
        .into_iter()
        .find(|part| part.kind == PartKind::Subscription && part.name == to);
    if let Some(subscription) = subscription {
        let topic = subscription.name.split('/').next().unwrap_or_default();
        return Diagnostic::error(
            "sas-on-subscription",
            format!(
                "Service Bus has no SAS rules on subscriptions, such as `{}`",
                shown(to)
            ),
        )
        .at(path)
        .expected(format!("the topic `{topic}`"))
        // MicrosoftDocs/azure-docs articles/service-bus-messaging/service-bus-sas.md (ms.date 11/01/2022):
        // rules on a subscription are not supported; rules on its topic secure it.
        .help(format!(
            "grant `listen` on `{topic}`: its rule covers every subscription of that topic"
        ));
    }
    let diagnostic = Diagnostic::error(
        "unknown-entity",
        format!(
            "`{}` declares no {nouns} named `{}`",
            shown(&component.name),
            shown(to)
        ),
    )
    .at(path)
    .expected(if names.is_empty() {
        format!(
            "a {nouns} of `{}` (it declares none)",
            shown(&component.name)
        )
    } else {
        one_of(names)
    });
    let unprefixed = to
        .strip_prefix(&format!("{}.", component.name))
        .filter(|rest| names.contains(rest));
    match (unprefixed, closest(to, names.iter().copied())) {
        (Some(rest), _) => diagnostic.help(format!(
            "did you mean `{rest}`? The waiver's `component` already names the namespace"
        )),
        (None, Some(near)) => diagnostic.help(format!("did you mean `{near}`?")),
        (None, None) => diagnostic.help(format!(
            "add `{}` to the {} of `{}`",
            shown(to),
            part_fields(component.kind()),
            shown(&component.name)
        )),
    }
}

/// What a SAS rule of a waiver can be scoped to.
fn sas_nouns(kind: Kind) -> &'static str {
    match kind {
        Kind::EventHubs => "event hub",
        _ => "queue or topic",
    }
}

/// RFC 1918 space, which never reaches a public endpoint.
fn is_private(cidr: crate::address::Cidr) -> bool {
    [(0x0A00_0000u32, 8u8), (0xAC10_0000, 12), (0xC0A8_0000, 16)]
        .into_iter()
        .any(|(base, prefix)| crate::address::Cidr { base, prefix }.contains(cidr))
}

/// In the platform's perimeter the app's resources share the platform's profile, so a
/// waiver's ranges could only become a rule on that profile, letting them reach every
/// resource the profile holds, not just the waived one.
fn validate_perimeter_openings(
    blueprint: &Blueprint,
    profile: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (index, waiver) in blueprint.waivers.iter().enumerate() {
        if waiver.control != crate::blueprint::Control::PublicNetworkAccess {
            continue;
        }
        let Some(component) = blueprint
            .components
            .iter()
            .find(|c| c.name == waiver.component)
        else {
            continue;
        };
        if !catalog::perimeter::kind_joins(component.kind()) {
            continue;
        }
        diagnostics.push(
            Diagnostic::error(
                "perimeter-rule-wider-than-waiver",
                format!(
                    "the waiver opens only `{}` to {}, but in the platform's perimeter that takes an inbound rule on profile `{}`, which would open every resource on the profile",
                    shown(&waiver.component),
                    waiver.allow_from.join(", "),
                    shown(profile)
                ),
            )
            .at(format!("waivers[{index}].allow_from"))
            .expected(format!(
                "a perimeter where `{}` has a profile of its own",
                shown(&waiver.component)
            ))
            .help("leave `[network] perimeter` out so bulwark creates the perimeter and gives the waived resource its own profile, or set `perimeter = false` and have the platform associate it with a profile of its own"),
        );
    }
}

/// `[network]`: ranges that parse, ids of the right type, modes that fit together.
fn validate_network(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    use crate::address::{Cidr, parse_cidr, parse_cidr_within, parse_resource_id};
    let network = &blueprint.network;
    let environments = &blueprint.app.environments;
    let check_space = |text: &str, path: String, diagnostics: &mut Vec<Diagnostic>| {
        if let Err(problem) = parse_cidr(text) {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-address-space",
                    format!("`{}` is not a usable address space: {problem}", shown(text)),
                )
                .at(path)
                .expected("an IPv4 CIDR block from /8 to /24, e.g. \"10.20.0.0/16\"")
                .help("pick a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) that does not overlap networks you peer with"),
            );
        }
    };
    let check_id = |text: &str, ty: &str, path: String, diagnostics: &mut Vec<Diagnostic>| {
        if let Err(problem) = parse_resource_id(text, ty) {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-resource-id",
                    format!("`{}` is not a resource id of a {ty}: {problem}", shown(text)),
                )
                .at(path)
                .expected(format!(
                    "/subscriptions/<subscription id>/resourceGroups/<group>/providers/{ty}/<name>"
                ))
                .help("copy it from the resource's JSON view in the portal, or `az resource show --query id`"),
            );
        }
    };
    let check_existing = |existing: &crate::blueprint::ExistingNetwork,
                          path: &str,
                          diagnostics: &mut Vec<Diagnostic>| {
        check_id(
            &existing.vnet_id,
            "Microsoft.Network/virtualNetworks",
            format!("{path}.vnet_id"),
            diagnostics,
        );
        if let Some(table) = &existing.route_table_id {
            check_id(
                table,
                "Microsoft.Network/routeTables",
                format!("{path}.route_table_id"),
                diagnostics,
            );
        }
        if existing.address_ranges.is_empty() {
            diagnostics.push(
                    Diagnostic::error("no-address-ranges", "no address ranges to carve subnets from")
                        .at(format!("{path}.address_ranges"))
                        .expected("the VNet ranges bulwark may use, e.g. [\"10.20.4.0/23\"]")
                        .help("ask the VNet's owner for free ranges; bulwark creates its subnets only inside them"),
                );
        }
        let mut seen: Vec<Cidr> = Vec::new();
        for (index, range) in existing.address_ranges.iter().enumerate() {
            let range_path = format!("{path}.address_ranges[{index}]");
            match parse_cidr_within(range, 8, 28) {
                Ok(cidr) => {
                    if let Some(other) = seen.iter().find(|other| other.overlaps(cidr)) {
                        diagnostics.push(
                            Diagnostic::error(
                                "overlapping-address-ranges",
                                format!("{cidr} overlaps {other}, listed before it"),
                            )
                            .at(range_path)
                            .expected("address ranges that do not overlap")
                            .help("list each free range once"),
                        );
                    } else {
                        seen.push(cidr);
                    }
                }
                Err(problem) => diagnostics.push(
                    Diagnostic::error(
                        "invalid-address-space",
                        format!(
                            "`{}` is not a usable address range: {problem}",
                            shown(range)
                        ),
                    )
                    .at(range_path)
                    .expected("an IPv4 CIDR block from /8 to /28, e.g. \"10.20.4.0/23\""),
                ),
            }
        }
    };

    check_space(
        &network.address_space,
        "network.address_space".into(),
        diagnostics,
    );
    if let Some(existing) = &network.existing {
        check_existing(existing, "network.existing", diagnostics);
        if network.address_space != crate::blueprint::Network::DEFAULT_ADDRESS_SPACE {
            diagnostics.push(
                Diagnostic::error(
                    "address-space-with-existing-network",
                    "`address_space` is for a VNet bulwark creates, but `existing` names a VNet to use",
                )
                .at("network.address_space")
                .expected("either `address_space` or `existing`")
                .help("with an existing VNet, list the ranges bulwark may use in `existing.address_ranges`"),
            );
        }
        if network.peer_with.is_some() {
            diagnostics.push(
                Diagnostic::error(
                    "peering-with-existing-network",
                    "`peer_with` peers a VNet bulwark creates; an existing VNet is peered by its owner",
                )
                .at("network.peer_with")
                .expected("no `peer_with` with `existing`")
                .help("remove `peer_with`; the platform team's VNet keeps its own peerings"),
            );
        }
    }
    if let Some(peer) = &network.peer_with {
        check_id(
            peer,
            "Microsoft.Network/virtualNetworks",
            "network.peer_with".into(),
            diagnostics,
        );
    }
    if let crate::blueprint::PerimeterSetting::Existing(existing) = &network.perimeter {
        check_id(
            &existing.id,
            crate::catalog::types::NETWORK_SECURITY_PERIMETER.name,
            "network.perimeter.id".into(),
            diagnostics,
        );
        // Azure/bicep-types-az generated/network/microsoft.network/2025-05-01/types.json:
        // profile names have at most 80 characters, pattern
        // (^[a-zA-Z0-9]+[a-zA-Z0-9_.-]*[a-zA-Z0-9_]+$)|(^[a-zA-Z0-9]$).
        let profile = existing.profile.as_str();
        let well_formed = (1..=80).contains(&profile.len())
            && profile
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            && profile.starts_with(|c: char| c.is_ascii_alphanumeric())
            && profile.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        if !well_formed {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-perimeter-profile",
                    format!("`{}` is not a profile name", shown(&existing.profile)),
                )
                .at("network.perimeter.profile")
                .expected("a profile name of 1-80 letters, digits, `_`, `.` and `-`, starting with a letter or digit, e.g. \"apps\"")
                .help("list them with `az network perimeter profile list --perimeter-name <name> -g <group>`"),
            );
        }
        validate_perimeter_openings(blueprint, &existing.profile, diagnostics);
    }
    check_hub_settings(
        &network.dns_servers,
        network.egress.as_ref(),
        "network",
        network.existing.is_some(),
        diagnostics,
    );
    // Zones resolve through Azure-provided DNS from the VNets they are linked to; a spoke
    // asking the hub's resolver gets answers from the hub's links, not the spoke's
    // (Microsoft Learn azure/private-link/private-endpoint-dns-integration, "Virtual network
    // workloads without Azure Private Resolver"; azure/dns/private-resolver-endpoints-rulesets).
    let any_servers = !network.dns_servers.is_empty()
        || network
            .environments
            .values()
            .any(|o| o.dns_servers.as_ref().is_some_and(|s| !s.is_empty()));
    if any_servers && network.dns == crate::blueprint::DnsMode::Create {
        let path = if network.dns_servers.is_empty() {
            network
                .environments
                .iter()
                .find(|(_, o)| o.dns_servers.as_ref().is_some_and(|s| !s.is_empty()))
                .map(|(environment, _)| format!("network.environments.{environment}.dns_servers"))
                .unwrap_or_else(|| "network.dns_servers".to_string())
        } else {
            "network.dns_servers".to_string()
        };
        diagnostics.push(
            Diagnostic::error(
                "dns-servers-with-created-zones",
                "the hub's DNS servers cannot see the private DNS zones bulwark creates and links to this VNet",
            )
            .at(path)
            .expected("`dns = \"central\"` with `dns_servers`: the hub's resolver answers from the platform's zones")
            .help("add `dns = \"central\"` (and `dns_zones`) to [network], or remove `dns_servers` to use the created zones through Azure-provided DNS"),
        );
    }
    match network.dns {
        crate::blueprint::DnsMode::Create if !network.dns_zones.is_empty() => {
            diagnostics.push(
                Diagnostic::error(
                    "dns-zones-without-central-dns",
                    "`dns_zones` names the platform's zones, but `dns` creates the app's own",
                )
                .at_key("network.dns_zones")
                .expected("`dns = \"central\"` with `dns_zones`")
                .help("add `dns = \"central\"` to [network], or remove `dns_zones`"),
            );
        }
        _ => {}
    }
    for (zone, id) in &network.dns_zones {
        let path = format!("network.dns_zones.{zone}");
        match parse_resource_id(id, "Microsoft.Network/privateDnsZones") {
            Ok(parsed) if !parsed.name.eq_ignore_ascii_case(zone) => diagnostics.push(
                Diagnostic::error(
                    "dns-zone-mismatch",
                    format!(
                        "the id names zone `{}`, not `{}`",
                        shown(&parsed.name),
                        shown(zone)
                    ),
                )
                .at(path)
                .expected(format!("the id of the private DNS zone {}", shown(zone)))
                .help("each key is a zone name and its value that zone's resource id"),
            ),
            Ok(_) => {}
            Err(_) => check_id(id, "Microsoft.Network/privateDnsZones", path, diagnostics),
        }
    }

    let mut with_route_table = Vec::new();
    let mut with_peering = Vec::new();
    let mut with_firewall = Vec::new();
    for environment in environments {
        let settings = network.in_environment(environment);
        with_firewall.push(settings.egress.is_some());
        with_route_table.push(
            settings
                .existing
                .as_ref()
                .is_some_and(|e| e.route_table_id.is_some()),
        );
        with_peering.push(settings.peer_with.is_some());
    }
    for (environment, over) in &network.environments {
        let path = format!("network.environments.{environment}");
        if !environments.contains(environment) {
            diagnostics.push(unknown_environment(environment, path.clone(), environments));
            continue;
        }
        if let Some(space) = &over.address_space {
            check_space(space, format!("{path}.address_space"), diagnostics);
            if network.existing.is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        "address-space-with-existing-network",
                        "`address_space` is for a VNet bulwark creates, but [network] names an existing VNet",
                    )
                    .at(format!("{path}.address_space"))
                    .expected("`existing` here too, with its own `address_ranges`")
                    .help("an app uses existing VNets in every environment or in none"),
                );
            }
        }
        if let Some(existing) = &over.existing {
            check_existing(existing, &format!("{path}.existing"), diagnostics);
            if network.existing.is_none() {
                diagnostics.push(
                    Diagnostic::error(
                        "mixed-network-modes",
                        format!("{environment} uses an existing VNet, but the other environments get one bulwark creates"),
                    )
                    .at_key(format!("{path}.existing"))
                    .expected("`existing` in [network] too (its values serve the other environments)")
                    .help("an app uses existing VNets in every environment or in none"),
                );
            }
        }
        check_hub_settings(
            over.dns_servers.as_deref().unwrap_or_default(),
            over.egress.as_ref(),
            &path,
            network.existing.is_some() || over.existing.is_some(),
            diagnostics,
        );
        if let Some(peer) = &over.peer_with {
            check_id(
                peer,
                "Microsoft.Network/virtualNetworks",
                format!("{path}.peer_with"),
                diagnostics,
            );
            if network.existing.is_some() || over.existing.is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        "peering-with-existing-network",
                        "`peer_with` peers a VNet bulwark creates; an existing VNet is peered by its owner",
                    )
                    .at(format!("{path}.peer_with"))
                    .expected("no `peer_with` with `existing`")
                    .help("remove `peer_with`; the platform team's VNet keeps its own peerings"),
                );
            }
        }
    }
    for (flags, what, path) in [
        (&with_route_table, "a route table", "route_table_id"),
        (&with_peering, "a hub peering", "peer_with"),
        (&with_firewall, "egress through a firewall", "egress"),
    ] {
        if flags.iter().any(|f| *f) && !flags.iter().all(|f| *f) {
            diagnostics.push(
                Diagnostic::error(
                    "network-differs-in-kind",
                    format!("some environments have {what} and others do not"),
                )
                .at_key("network")
                .expected(format!("`{path}` in every environment or in none"))
                .help("environments may use different values, but the same network design"),
            );
        }
    }
}

/// `dns_servers` and `egress` of `[network]` or of one environment's override (`table`):
/// IPv4 addresses, for a VNet bulwark creates.
fn check_hub_settings(
    dns_servers: &[String],
    egress: Option<&crate::blueprint::Egress>,
    table: &str,
    existing: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen = BTreeSet::new();
    for (index, server) in dns_servers.iter().enumerate() {
        let path = format!("{table}.dns_servers[{index}]");
        match parse_ipv4(server) {
            Ok(address) if !seen.insert(address) => diagnostics.push(
                Diagnostic::error(
                    "duplicate-dns-server",
                    format!("{address} is listed twice"),
                )
                .at(path)
                .expected("each DNS server once")
                .help("list the hub's resolvers in the order the VNet should try them"),
            ),
            Ok(_) => {}
            Err(problem) => diagnostics.push(
                Diagnostic::error(
                    "invalid-ip-address",
                    format!("`{}` is not a DNS server address: {problem}", shown(server)),
                )
                .at(path)
                .expected("the IPv4 address of the hub's DNS resolver or firewall DNS proxy, e.g. \"10.0.0.4\"")
                .help("it must resolve the platform's private DNS zones (privatelink.*) for the spoke"),
            ),
        }
    }
    if let Some(firewall) = egress.map(|e| &e.firewall)
        && let Err(problem) = parse_ipv4(firewall)
    {
        diagnostics.push(
            Diagnostic::error(
                "invalid-ip-address",
                format!("`{}` is not a firewall address: {problem}", shown(firewall)),
            )
            .at(format!("{table}.egress.firewall"))
            .expected("the private IPv4 address of the hub's firewall, e.g. \"10.0.0.4\"")
            .help("Azure Firewall shows it as its private IP; for another appliance, its internal load balancer's or NIC's private IP"),
        );
    }
    if existing {
        if !dns_servers.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "dns-servers-with-existing-network",
                    "`dns_servers` sets the DNS of a VNet bulwark creates; an existing VNet's DNS belongs to its owner",
                )
                .at(format!("{table}.dns_servers"))
                .expected("no `dns_servers` with `existing`")
                .help("remove `dns_servers`; the platform team sets the DNS servers of its VNet"),
            );
        }
        if egress.is_some() {
            diagnostics.push(
                Diagnostic::error(
                    "egress-with-existing-network",
                    "`egress` creates a route table in a VNet bulwark creates; in an existing VNet use the platform's route table",
                )
                .at_key(format!("{table}.egress"))
                .expected("`existing.route_table_id` instead of `egress`")
                .help("name the route table that sends 0.0.0.0/0 to the hub firewall in `existing.route_table_id`"),
            );
        }
    }
}

/// A unicast IPv4 address a VNet can use as a DNS server or next hop.
fn parse_ipv4(text: &str) -> Result<std::net::Ipv4Addr, String> {
    let address: std::net::Ipv4Addr = text
        .parse()
        .map_err(|_| "expected four decimal numbers 0-255 separated by dots".to_string())?;
    if address.is_unspecified()
        || address.is_broadcast()
        || address.is_loopback()
        || address.is_multicast()
        || address.is_link_local()
    {
        return Err(format!(
            "{address} is not a unicast address a host in a VNet can have"
        ));
    }
    Ok(address)
}

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
    environments: &[String],
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let path = format!("components.{}", component.name);
    validate_parts(component, &path, diagnostics);
    validate_sizing(component, environments, &path, diagnostics);
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
            validate_health_check(&path, web.health_check_path.as_deref(), diagnostics);
            validate_settings(&path, &web.settings, diagnostics);
        }
        ComponentSpec::FunctionApp(function) => {
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
                    None => diagnostic.help("Flex Consumption (`FC1`) and Elastic Premium (`EP1`-`EP3`) integrate with a VNet"),
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
            validate_settings(&path, &function.settings, diagnostics);
        }
        ComponentSpec::ContainerApp(app) => {
            validate_container_app(&path, app, environments, by_name, diagnostics)
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
                .at(path.clone())
                .expected("containers = [\"…\"] or queues = [\"…\"]")
                .help("without them the account has no private endpoint, so nothing can reach it"),
            );
        }
        ComponentSpec::SqlDatabase(sql) => {
            validate_admin_group(&path, &sql.admin_group, diagnostics);
            validate_sql_size(&path, sql, environments, diagnostics);
        }
        ComponentSpec::Postgres(postgres) => {
            validate_admin_group(&path, &postgres.admin_group, diagnostics);
            if postgres.databases.is_empty() {
                diagnostics.push(
                    Diagnostic::warning(
                        "no-databases",
                        format!(
                            "postgres `{}` declares no databases",
                            shown(&component.name)
                        ),
                    )
                    .at(path.clone())
                    .expected("databases = [\"…\"]")
                    .help("connections name a database, e.g. `to = \"pg.orders\"`"),
                );
            }
        }
        ComponentSpec::CosmosDb(cosmos) => {
            for (database, body) in &cosmos.databases {
                for (container, key) in &body.containers {
                    let valid = key.starts_with('/')
                        && key.len() > 1
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c));
                    if !valid {
                        diagnostics.push(
                            Diagnostic::error("invalid-partition-key", format!("`{}` is not a partition key path", shown(key)))
                                .at(format!("{path}.databases.{database}.containers.{container}"))
                                .expected("a path starting with `/`, e.g. \"/customerId\"")
                                .help("the partition key is the JSON property that spreads the container's items"),
                        );
                    }
                }
            }
        }
        ComponentSpec::EventHubs(hubs) => {
            let premium = hubs.sku == "Premium"
                || hubs
                    .environments
                    .values()
                    .any(|o| o.get("sku") == Some(&SizingValue::Text("Premium".into())));
            if premium {
                validate_event_hubs_premium(&path, hubs, environments, diagnostics);
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
                            Diagnostic::error("invalid-model", format!("`{}` is not a {what}", shown(value)))
                                .at(format!("{deployment_path}.{field}"))
                                .expected("letters, digits, dots and hyphens, e.g. `gpt-4o-mini` / `2024-07-18`")
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
                        .help(
                            closest(&deployment.sku, SKUS.iter().copied()).map_or(
                                "`Standard` keeps data in the account's region".to_string(),
                                |near| format!("did you mean `{near}`?"),
                            ),
                        ),
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
        ComponentSpec::External(external) => {
            validate_external(component, external, by_name, &path, diagnostics)
        }
        _ => {}
    }
    let mut seen_targets = BTreeSet::new();
    for (index, connection) in component.uses().iter().enumerate() {
        let connection_path = format!("{path}.uses[{index}]");
        if !seen_targets.insert(connection.to.clone()) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-connection",
                    format!("`{}` uses `{}` twice", shown(&component.name), shown(&connection.to.to_string())),
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

fn validate_settings(
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

fn validate_container_app(
    path: &str,
    app: &ContainerApp,
    environments: &[String],
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if matches!(app.ingress, Ingress::Public | Ingress::Direct) {
        diagnostics.push(
            Diagnostic::error(
                "unsupported-ingress",
                "container apps run in an internal environment",
            )
            .at(format!("{path}.ingress"))
            .expected("`private` (reachable in the VNet) or `none`")
            .help("for internet traffic put a web-app with ingress = \"public\" in front of it"),
        );
    }
    match &app.image {
        Image::Reference(reference) => {
            validate_image_reference(path, reference, by_name, diagnostics)
        }
        Image::Registry(image) => validate_registry_image(path, image, by_name, diagnostics),
    }
    if let Some(port) = app.target_port
        && !(1..=65_535).contains(&port)
    {
        diagnostics.push(
            Diagnostic::error("invalid-port", format!("{port} is not a port"))
                .at(format!("{path}.target_port"))
                .expected("1 to 65535")
                .help("the port the container listens on, e.g. 8080"),
        );
    }
    // Ingress sends traffic to one port, and only the image knows which: a guessed default
    // would deploy an app whose every request fails. Known sample images bring their port.
    if app.ingress != Ingress::None && app.effective_target_port().is_none() {
        diagnostics.push(
            Diagnostic::error(
                "missing-target-port",
                "a container app with ingress needs the port its container listens on",
            )
            .at(format!("{path}.image"))
            .expected("`target_port = <port>` next to the image")
            .help("set `target_port` to the port the image serves HTTP on (bulwark cannot read it from the image), or `ingress = \"none\"` for a worker"),
        );
    }
    validate_worker_starts(path, app, environments, by_name, diagnostics);
    // cpu/memory must be a Consumption-profile pair and replicas an ordered range, in every
    // environment after overrides.
    for environment in environments {
        let value = |field: &str, base: SizingValue| {
            app.environments
                .get(environment)
                .and_then(|o| o.get(field))
                .cloned()
                .unwrap_or(base)
        };
        let cpu = value("cpu", SizingValue::Text(app.cpu.clone())).to_string();
        let memory = value("memory", SizingValue::Text(app.memory.clone())).to_string();
        let cpu_index = catalog::CONTAINER_APP_CPU.iter().position(|c| *c == cpu);
        let memory_index = catalog::CONTAINER_APP_MEMORY
            .iter()
            .position(|m| *m == memory);
        if let (Some(cpu_index), Some(memory_index)) = (cpu_index, memory_index)
            && cpu_index != memory_index
        {
            diagnostics.push(
                Diagnostic::error("invalid-resources", format!("{cpu} vCPU with {memory} is not a Consumption profile size in `{environment}`"))
                    .at(format!("{path}.memory"))
                    .expected(format!("memory = \"{}\" for {cpu} vCPU", catalog::CONTAINER_APP_MEMORY[cpu_index]))
                    .help("on the Consumption profile memory is twice the vCPUs, in Gi"),
            );
        }
        let min = value(
            "min_replicas",
            SizingValue::Int(i64::from(app.min_replicas)),
        );
        let max = value(
            "max_replicas",
            SizingValue::Int(i64::from(app.max_replicas)),
        );
        if let (SizingValue::Int(min), SizingValue::Int(max)) = (&min, &max)
            && min > max
        {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-replicas",
                    format!("min_replicas {min} is above max_replicas {max} in `{environment}`"),
                )
                .at(format!("{path}.min_replicas"))
                .expected(format!("at most {max}"))
                .help("min_replicas = 0 lets the app scale to zero when idle"),
            );
        }
    }
}

/// A container app that scales to zero must have something that starts it again. Without
/// ingress and without a scale rule it never does: "If ingress is disabled and you don't
/// define a minReplicas or a custom scale rule, then your container app will scale to zero and
/// have no way of starting back up" (learn.microsoft.com/azure/container-apps/scale-app,
/// "Default scale rule"). bulwark derives rules from Service Bus and storage queue `receive`
/// connections; an event hub gives none (KEDA needs the consumer's checkpoint container:
/// keda.sh/docs/2.21/scalers/azure-event-hub), so its events would wait for another source to
/// wake the app. An app with ingress is started by requests (the default HTTP rule, which
/// bulwark writes out next to derived rules).
fn validate_worker_starts(
    path: &str,
    app: &ContainerApp,
    environments: &[String],
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let name = path.trim_start_matches("components.");
    let sources = super::scale::event_sources(app, by_name);
    let scaled_to_zero: Vec<&str> = environments
        .iter()
        .filter(|environment| {
            let min = app
                .environments
                .get(environment.as_str())
                .and_then(|o| o.get("min_replicas"))
                .cloned()
                .unwrap_or(SizingValue::Int(i64::from(app.min_replicas)));
            matches!(min, SizingValue::Int(0))
        })
        .map(String::as_str)
        .collect();
    if scaled_to_zero.is_empty() {
        return;
    }
    // The override that sets 0, else `min_replicas` (or, when defaulted, the component's
    // name: a missing path falls back to its parent).
    let at = |diagnostic: Diagnostic, environment: &str| {
        if app
            .environments
            .get(environment)
            .is_some_and(|o| o.contains_key("min_replicas"))
        {
            diagnostic.at(format!("{path}.environments.{environment}.min_replicas"))
        } else {
            diagnostic.at_key(format!("{path}.min_replicas"))
        }
    };
    let first = scaled_to_zero[0];
    let envs = scaled_to_zero
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let fix = if scaled_to_zero.len() == environments.len() {
        "set `min_replicas = 1`".to_string()
    } else {
        format!("set `min_replicas = 1` in `[{path}.environments.{first}]`")
    };
    // With ingress, requests start the app (the HTTP rule); a worker has only its rules.
    if app.ingress != Ingress::None {
        return;
    }
    if let Some(hub) = sources.iter().find(|source| !source.source.scalable()) {
        let diagnostic = Diagnostic::error(
            "unscalable-source",
            format!(
                "`{name}` scales to zero in {envs}, but events from the event hub it receives from (components.{name}.uses[{}]) cannot start it",
                hub.index
            ),
        )
        .expected("at least one replica while the app reads an event hub")
        .help(format!(
            "{fix}: KEDA's Event Hubs scaler reads the consumer's checkpoints from a blob container bulwark does not model, so bulwark derives no scale rule from an event hub"
        ));
        diagnostics.push(at(diagnostic, first));
        return;
    }
    if sources.is_empty() {
        let diagnostic = Diagnostic::error(
            "worker-never-starts",
            format!(
                "`{name}` has no ingress and no scale rule, and scales to zero in {envs}: once it stops, nothing starts it again"
            ),
        )
        .expected("`min_replicas` of 1 or more, or a `receive` connection bulwark can scale on")
        .help(format!(
            "{fix}, or add a `receive` (or `send-receive`) connection to a Service Bus queue or subscription or a storage queue; bulwark derives a KEDA scale rule from it"
        ));
        diagnostics.push(at(diagnostic, first));
    }
}

/// Whether the first `/`-separated part of an image reference is a registry host: Docker's
/// reference grammar takes it as one only when it contains `.` or `:` or is `localhost`;
/// anything else is a Docker Hub repository (distribution/reference normalize.go
/// `splitDockerDomain`, commit 4ca14034c406).
fn names_registry_host(reference: &str) -> bool {
    match reference.split_once('/') {
        Some((first, _)) => first.contains(['.', ':']) || first == "localhost",
        None => false,
    }
}

/// A reference written out in full: plain characters, and a registry host in front.
fn validate_image_reference(
    path: &str,
    reference: &str,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let plain = !reference.is_empty()
        && reference.len() <= 512
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "./:-_@".contains(c));
    if !plain {
        diagnostics.push(
            Diagnostic::error(
                "invalid-image",
                format!("`{}` is not a container image reference", shown(reference)),
            )
            .at(format!("{path}.image"))
            .expected("`registry/repository:tag` or `…@sha256:digest`")
            .help("e.g. image = \"myregistry.azurecr.io/api:1.4.2\""),
        );
        return;
    }
    if names_registry_host(reference) {
        return;
    }
    // Offer the registry form with this image's own repository and tag, in the blueprint's
    // registry when it has one.
    let (repository, tag) = match reference.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') && !repository.contains('@') => {
            (repository, tag)
        }
        _ => (reference.split('@').next().unwrap_or(reference), "<tag>"),
    };
    let registries = registry_names(by_name);
    let registry = registries.first().copied().unwrap_or("<registry>");
    let table = format!(
        "image = {{ registry = \"{registry}\", repository = \"{repository}\", tag = \"{tag}\" }}"
    );
    let help = if registries.is_empty() {
        format!(
            "name the registry: `mcr.microsoft.com/…`, `ghcr.io/…`; or add a container-registry component and use `{table}`"
        )
    } else {
        format!(
            "name the registry: `mcr.microsoft.com/…`; or use `{table}` to pull from this blueprint's container-registry component with the app's identity"
        )
    };
    diagnostics.push(
        Diagnostic::error(
            "image-without-registry",
            format!(
                "`{}` does not name its registry, so it would be pulled from Docker Hub",
                shown(reference)
            ),
        )
        .at(format!("{path}.image"))
        .expected("`<registry host>/<repository>:<tag>`, or { registry, repository, tag }")
        .help(help),
    );
}

/// The container-registry components of the blueprint, by name.
fn registry_names<'a>(by_name: &BTreeMap<&'a str, &Component>) -> Vec<&'a str> {
    by_name
        .iter()
        .filter(|(_, c)| c.kind() == Kind::ContainerRegistry)
        .map(|(name, _)| *name)
        .collect()
}

/// `{ registry, repository, tag }`: a container-registry component of the blueprint, a
/// repository and a tag as Docker's reference grammar spells them.
fn validate_registry_image(
    path: &str,
    image: &RegistryImage,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let registries = registry_names(by_name);
    let registry_path = format!("{path}.image.registry");
    let expected = if registries.is_empty() {
        "a container-registry component (the blueprint has none)".to_string()
    } else {
        one_of(&registries)
    };
    match by_name.get(image.registry.as_str()) {
        None => {
            let diagnostic = Diagnostic::error(
                "unknown-registry",
                format!(
                    "the image comes from `{}`, which is not a component",
                    shown(&image.registry)
                ),
            )
            .at(registry_path)
            .expected(expected);
            let near = closest(&image.registry, registries.iter().copied());
            diagnostics.push(match near {
                Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                None => diagnostic.help(format!(
                    "declare it as [components.{}] with kind = \"container-registry\"",
                    shown(&image.registry)
                )),
            });
        }
        Some(component) if component.kind() != Kind::ContainerRegistry => {
            let diagnostic = Diagnostic::error(
                "not-a-registry",
                format!(
                    "the image comes from `{}`, which is a {}, not a container-registry",
                    shown(&image.registry),
                    component.kind()
                ),
            )
            .at(registry_path)
            .expected(expected);
            diagnostics.push(match registries.as_slice() {
                [] => diagnostic.help(
                    "add a component with kind = \"container-registry\" and name it here, or write the image's full reference (`mcr.microsoft.com/…`)",
                ),
                _ => diagnostic.help(
                    "`registry` names the container-registry component that holds the image",
                ),
            });
        }
        Some(_) => {}
    }
    let repository_path = format!("{path}.image.repository");
    if let Some((host, rest)) = image
        .repository
        .split_once('/')
        .filter(|_| names_registry_host(&image.repository))
    {
        diagnostics.push(
            Diagnostic::error(
                "repository-with-host",
                format!(
                    "the repository starts with the registry host `{}`",
                    shown(host)
                ),
            )
            .at(repository_path)
            .expected("the repository inside the registry, e.g. `payroll/runs`")
            .help(format!(
                "write repository = \"{}\": bulwark puts the login server of `{}` in front",
                shown(rest),
                shown(&image.registry)
            )),
        );
    } else if !is_repository(&image.repository) {
        let diagnostic = Diagnostic::error(
            "invalid-repository",
            format!("`{}` is not a repository name", shown(&image.repository)),
        )
        .at(repository_path)
        .expected("lowercase letters and digits, separated by `.`, `_`, `__`, `-` or `/`, e.g. `payroll/runs`");
        diagnostics.push(
            if image.repository.contains(':') || image.repository.contains('@') {
                diagnostic.help("the tag goes in `tag`, not in `repository`")
            } else {
                diagnostic.help("Docker repository names are lowercase, and each part between `/` starts and ends with a letter or digit")
            },
        );
    }
    diagnostics.extend(check_image_tag(&image.tag, format!("{path}.image.tag")));
}

/// A repository path as Docker's reference grammar has it: components of lowercase letters
/// and digits joined by `.`, `_`, `__` or dashes, separated by `/` (distribution/reference
/// regexp.go `remoteName`, commit 00a09fa37992).
fn is_repository(repository: &str) -> bool {
    let alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let component_ok = |component: &str| {
        let chars: Vec<char> = component.chars().collect();
        if !chars.first().is_some_and(|c| alphanumeric(*c))
            || !chars.last().is_some_and(|c| alphanumeric(*c))
        {
            return false;
        }
        // Between alphanumeric runs: one `.`, one or two `_`, or any number of `-`.
        let mut index = 0;
        while index < chars.len() {
            if alphanumeric(chars[index]) {
                index += 1;
                continue;
            }
            let start = index;
            while index < chars.len() && !alphanumeric(chars[index]) {
                index += 1;
            }
            let run: String = chars[start..index].iter().collect();
            if !(run == "." || run == "_" || run == "__" || run.chars().all(|c| c == '-')) {
                return false;
            }
        }
        true
    };
    repository.len() <= 255 && repository.split('/').all(component_ok)
}

/// A tag as Docker's reference grammar has it: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
/// (distribution/reference regexp.go `tag`, commit 00a09fa37992).
fn check_image_tag(tag: &str, path: String) -> Option<Diagnostic> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let valid = tag.len() <= 128
        && tag.chars().next().is_some_and(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-');
    (!valid).then(|| {
        Diagnostic::error(
            "invalid-image-tag",
            format!("`{}` is not an image tag", shown(tag)),
        )
        .at(path)
        .expected("1-128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, e.g. `1.8.2`")
        .help("Docker tags take no `/`, `:` or `@`; a digest pin is written as a full reference (`…@sha256:…`)")
    })
}

/// `image_tag` in `[components.<app>.environments.<env>]`: the registry image's tag there.
fn check_override_image_tag(
    app: &ContainerApp,
    value: &SizingValue,
    path: String,
) -> Option<Diagnostic> {
    if let Image::Reference(reference) = &app.image {
        return Some(
            Diagnostic::error(
                "image-tag-without-registry-image",
                format!(
                    "`{}` sets the tag of a registry image, but `image` is the full reference `{}`",
                    ContainerApp::IMAGE_TAG,
                    shown(reference)
                ),
            )
            .at_key(path)
            .expected("image = { registry = \"…\", repository = \"…\", tag = \"…\" }")
            .help("write the image in registry form to vary its tag per environment"),
        );
    }
    match value {
        SizingValue::Text(tag) => check_image_tag(tag, path),
        SizingValue::Int(_) => Some(
            Diagnostic::error(
                "wrong-type",
                format!("`{}` must be a string", ContainerApp::IMAGE_TAG),
            )
            .at(path)
            .expected("a string in double quotes")
            .help("write it in double quotes: image_tag = \"2\""),
        ),
    }
}

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

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

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

/// Part names: each follows its kind's rule, and no two parts of a component share a name.
fn validate_parts(component: &Component, path: &str, diagnostics: &mut Vec<Diagnostic>) {
    let parts = component.spec.parts();
    for part in &parts {
        let rule = naming::part_rule(component.kind(), part.kind);
        let last = part.name.rsplit('/').next().unwrap_or(&part.name);
        let part_path = format!("{path}.{}", part.path);
        if let Some(diagnostic) = check_name(rule, last, part_path) {
            let keyed = matches!(part.kind, PartKind::Topic | PartKind::CosmosContainer)
                || (part.kind == PartKind::Database && component.kind() == Kind::CosmosDb);
            diagnostics.push(if keyed {
                Diagnostic {
                    anchor: Anchor::Key,
                    ..diagnostic
                }
            } else {
                diagnostic
            });
        }
    }
    let mut seen: BTreeMap<String, &Part> = BTreeMap::new();
    for part in &parts {
        // Key Vault secret names are case-insensitive; the others are lowercase already.
        match seen.get(&part.name.to_ascii_lowercase()) {
            Some(first) if first.kind == part.kind => diagnostics.push(
                Diagnostic::error(
                    "duplicate-part",
                    format!("{} `{}` is declared twice", part.kind, shown(&part.name)),
                )
                .at(format!("{path}.{}", part.path))
                .expected(format!("unique {} names", part.kind))
                .help(if part.kind == PartKind::Secret {
                    format!(
                        "remove the second `{}`; Key Vault compares secret names without case",
                        shown(&part.name)
                    )
                } else {
                    format!("remove the second `{}`", shown(&part.name))
                }),
            ),
            Some(first) => diagnostics.push(
                Diagnostic::error(
                    "ambiguous-part",
                    format!(
                        "`{}` is both a {} and a {} of `{}`",
                        shown(&part.name),
                        first.kind,
                        part.kind,
                        shown(&component.name)
                    ),
                )
                .at(format!("{path}.{}", part.path))
                .expected(format!(
                    "{} and {} names that differ",
                    first.kind, part.kind
                ))
                .help(format!(
                    "a connection to `{}.{}` could mean either; rename one, e.g. `{}-{}`",
                    shown(&component.name),
                    shown(&part.name),
                    shown(&part.name),
                    part.kind.noun().rsplit(' ').next().unwrap_or("part")
                )),
            ),
            None => {
                seen.insert(part.name.to_ascii_lowercase(), part);
            }
        }
    }
}

/// Sizing fields: base values and per-environment overrides take only allowed values, and
/// overrides name declared environments and sizing fields of the kind.
fn validate_sizing(
    component: &Component,
    environments: &[String],
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let spec = catalog::kind_spec(component.kind());
    for (field, value) in component.spec.sizing() {
        if let Some(sizing) = spec.sizing_spec(field) {
            diagnostics.extend(check_sizing(
                sizing,
                &value,
                format!("{path}.{field}"),
                component.kind(),
            ));
        }
    }
    let Some(overrides) = component.spec.overrides() else {
        return;
    };
    for (environment, fields) in overrides {
        let env_path = format!("{path}.environments.{environment}");
        if !environments.contains(environment) {
            diagnostics.push(unknown_environment(
                environment,
                env_path.clone(),
                environments,
            ));
            continue;
        }
        for (field, value) in fields {
            let field_path = format!("{env_path}.{field}");
            if let ComponentSpec::ContainerApp(app) = &component.spec
                && field == ContainerApp::IMAGE_TAG
            {
                diagnostics.extend(check_override_image_tag(app, value, field_path));
                continue;
            }
            match spec.sizing_spec(field) {
                Some(sizing) => {
                    diagnostics.extend(check_sizing(sizing, value, field_path, component.kind()))
                }
                None => {
                    let mut fields: Vec<&str> = spec.sizing.iter().map(|s| s.field).collect();
                    if component.kind() == Kind::ContainerApp {
                        fields.push(ContainerApp::IMAGE_TAG);
                    }
                    let diagnostic = Diagnostic::error(
                        "not-sizing",
                        format!(
                            "`{}` cannot differ per environment for a {}",
                            shown(field),
                            component.kind()
                        ),
                    )
                    .at_key(field_path)
                    .expected(if fields.is_empty() {
                        "nothing: this kind has no sizing".to_string()
                    } else {
                        one_of(&fields)
                    });
                    let image_field = component.kind() == Kind::ContainerApp
                        && (field.contains("tag") || field == "image");
                    diagnostics.push(match closest(field, fields.iter().copied()) {
                        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                        None if image_field => diagnostic.help(format!(
                            "a registry image's tag varies per environment as `{} = \"…\"`; the rest of the image is the same everywhere",
                            ContainerApp::IMAGE_TAG
                        )),
                        None => diagnostic.help("only sizing (SKUs, capacity, replicas) varies by environment; everything else is the same everywhere"),
                    });
                }
            }
        }
    }
}

fn check_sizing(
    spec: &catalog::SizingSpec,
    value: &SizingValue,
    path: String,
    kind: Kind,
) -> Option<Diagnostic> {
    let field = spec.field;
    match (&spec.allowed, value) {
        (Allowed::Text(allowed), SizingValue::Text(text)) => {
            if allowed.contains(&text.as_str()) {
                return None;
            }
            let diagnostic = Diagnostic::error(
                "unsupported-sku",
                format!(
                    "`{}` is not a {} a {kind} can use",
                    shown(text),
                    if field == "sku" { "SKU" } else { field }
                ),
            )
            .at(path)
            .expected(one_of(*allowed));
            Some(match spec.rejected.iter().find(|(bad, _)| bad.eq_ignore_ascii_case(text)) {
                Some((_, why)) => diagnostic.help(format!("{why}; `{}` is the smallest that meets the baseline", allowed[0])),
                None => match closest(text, allowed.iter().copied()) {
                    Some(near) => diagnostic.help(format!("did you mean `{near}`? (values are case-sensitive)")),
                    None => diagnostic.help(format!("bulwark offers only values that meet the baseline; `{}` is the smallest", allowed[0])),
                },
            })
        }
        (Allowed::Range(min, max), SizingValue::Int(number)) => (number < min || number > max)
            .then(|| {
                Diagnostic::error("out-of-range", format!("{field} {number} is out of range"))
                    .at(path)
                    .expected(format!("{min} to {max}"))
                    .help(format!(
                        "{field} sizes the {kind}; start small and raise it per environment"
                    ))
            }),
        (Allowed::Values(allowed), SizingValue::Int(number)) => {
            (!allowed.contains(number)).then(|| {
                Diagnostic::error("out-of-range", format!("{field} {number} is not offered"))
                    .at(path)
                    .expected(one_of(allowed.iter()))
                    .help(format!(
                        "Azure offers a {kind}'s {field} only in these steps"
                    ))
            })
        }
        (Allowed::Text(_), SizingValue::Int(_)) => Some(
            Diagnostic::error("wrong-type", format!("`{field}` must be a string"))
                .at(path)
                .expected("a string in double quotes")
                .help("write it in double quotes"),
        ),
        (_, SizingValue::Text(_)) => Some(
            Diagnostic::error("wrong-type", format!("`{field}` must be a number"))
                .at(path)
                .expected("a number without quotes")
                .help("write the number without quotes"),
        ),
    }
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
    if target_name.is_empty()
        || connection
            .to
            .part
            .as_deref()
            .is_some_and(|part| part.is_empty() || part.ends_with('/'))
    {
        let example = by_name
            .values()
            .find_map(|c| {
                c.spec
                    .parts()
                    .first()
                    .map(|part| format!("{}.{}", c.name, part.name))
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
        let diagnostic = Diagnostic::error(
            "unknown-target",
            format!(
                "`{}` uses `{}`, which is not a component",
                shown(&component.name),
                shown(target_name)
            ),
        )
        .at(to_path)
        .expected(one_of(&names));
        diagnostics.push(match closest(target_name, names.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic.help(format!(
                "declare it as [components.{}] with a `kind`",
                shown(target_name)
            )),
        });
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
            .help(if connection.access == Access::Call {
                "an app calls its own code in-process, with no token and no app role; remove this connection"
            } else {
                "a component needs no role to reach itself; remove this connection"
            }),
        );
        return;
    }
    let spec = catalog::kind_spec(target.kind());
    if spec.targets.is_empty() {
        diagnostics.push(
            Diagnostic::error("not-a-target", format!("a {} cannot be the target of a connection", target.kind()))
                .at(to_path)
                .expected(format!("a component of kind {}", list(targetable_kinds())))
                .help("connections grant data-plane roles; calling another app is a network route, not a role"),
        );
        return;
    }
    let parts = target.spec.parts();
    let part = match &connection.to.part {
        None => None,
        Some(part_name) => {
            let matching: Vec<&Part> = parts
                .iter()
                .filter(|part| part.name == *part_name)
                .collect();
            match matching.as_slice() {
                [] => {
                    diagnostics.push(unknown_part(target, part_name, to_path));
                    return;
                }
                [part] => Some(part.kind),
                _ => return, // reported once, as `ambiguous-part`, on the target
            }
        }
    };
    let Some(target_spec) = spec.target(part) else {
        let message = match part {
            Some(part) => format!(
                "a connection cannot name a {part} of {} `{}`",
                target.kind(),
                target.name
            ),
            None => {
                let nouns: Vec<&str> = spec
                    .targets
                    .iter()
                    .filter_map(|t| t.part)
                    .map(|p| p.noun())
                    .collect();
                format!(
                    "a connection to {} `{}` must name one {}",
                    target.kind(),
                    target.name,
                    nouns.join(" or ")
                )
            }
        };
        let allowed: Vec<String> = parts
            .iter()
            .filter(|p| spec.target(Some(p.kind)).is_some())
            .map(|p| format!("{}.{}", target.name, p.name))
            .collect();
        diagnostics.push(
            Diagnostic::error("part-required", message)
                .at(to_path)
                .expected(if allowed.is_empty() {
                    format!("`{}.<name>` (it declares none yet)", target.name)
                } else {
                    one_of(&allowed)
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
        let diagnostic = Diagnostic::error(
            "unsupported-access",
            format!("{what} does not support access `{}`", connection.access),
        )
        .at(format!("{path}.access"))
        .expected(one_of(&supported));
        diagnostics.push(match closest(connection.access.as_str(), supported.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`? The README's access table lists the role behind each level")),
            None => diagnostic.help(format!(
                "`{}` is {what}; the README's access table lists the role behind each level",
                connection.to
            )),
        });
        return;
    }
    if connection.access == Access::Call && target.ingress() == Some(Ingress::None) {
        diagnostics.push(
            Diagnostic::error(
                "cannot-receive-calls",
                format!(
                    "`{}` calls `{}`, which has no ingress",
                    shown(&component.name),
                    target.name
                ),
            )
            .at(to_path)
            .expected("a web-app, function-app or container-app with ingress `private` or `public`")
            .help(format!(
                "give `{}` an ingress (e.g. `ingress = \"private\"`), or reach it through a queue it receives from",
                target.name
            )),
        );
    }
}

/// A pre-created app registration (`[components.<name>.registration.<env>]`): only on an
/// app that receives calls, one per environment, with a client id and an Application ID URI
/// in a form Entra accepts (learn.microsoft.com/entra/identity-platform/
/// identifier-uri-restrictions: `api://…` or `https://…`).
fn validate_registrations(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    let environments = &blueprint.app.environments;
    for component in &blueprint.components {
        let registration = component.registration();
        if registration.is_empty() {
            continue;
        }
        let path = format!("components.{}.registration", component.name);
        let called = blueprint.components.iter().any(|caller| {
            caller
                .uses()
                .iter()
                .any(|c| c.access == Access::Call && c.to.component == component.name)
        });
        if !called {
            diagnostics.push(
                Diagnostic::error(
                    "registration-without-calls",
                    format!(
                        "`{}` has a pre-created app registration but nothing calls it",
                        component.name
                    ),
                )
                .at_key(path.clone())
                .expected(
                    "a registration only on an app another component calls (`access = \"call\"`)",
                )
                .help("remove the registration table, or add the connection that calls this app"),
            );
        }
        for (environment, entry) in registration {
            let entry_path = format!("{path}.{environment}");
            if !environments.contains(environment) {
                diagnostics.push(unknown_environment(
                    environment,
                    entry_path.clone(),
                    environments,
                ));
                continue;
            }
            if !is_guid(&entry.client_id) {
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-client-id",
                        format!("`{}` is not an application (client) id", shown(&entry.client_id)),
                    )
                    .at(format!("{entry_path}.client_id"))
                    .expected("a GUID like 00000000-0000-0000-0000-000000000000")
                    .help("`az ad app list --display-name <name> --query \"[].appId\" -o tsv` prints it"),
                );
            }
            let uri = entry.identifier_uri.as_str();
            let well_formed = ["api://", "https://"].iter().any(|scheme| {
                uri.strip_prefix(scheme)
                    .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
            }) && !uri.ends_with('/')
                && !uri.contains(['*', '?', '#', ' '])
                && !uri.chars().any(char::is_control);
            if !well_formed {
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-identifier-uri",
                        format!("`{}` is not an Application ID URI callers can request tokens for", shown(uri)),
                    )
                    .at(format!("{entry_path}.identifier_uri"))
                    .expected("`api://<tenant id or client id>/<name>` or `https://<verified domain>/<name>`, without a trailing `/`, `*`, `?` or `#`")
                    .help("use the registration's `identifierUris` entry (Expose an API → Application ID URI); callers request `<uri>/.default`"),
                );
            }
        }
        let missing: Vec<&str> = environments
            .iter()
            .filter(|environment| !registration.contains_key(*environment))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "missing-registration",
                    format!(
                        "`{}` has pre-created app registrations, but none for {}",
                        component.name,
                        missing.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .at_key(path.clone())
                .expected(format!(
                    "one `[{path}.<env>]` table per environment: {}",
                    environments.join(", ")
                ))
                .help("each environment has its own registration (tokens for dev must not open prod); add the missing tables, or remove them all to let the deployment create the registrations"),
            );
        }
    }
}

/// Calls whose URL setting reads the target's module (a container app in a dedicated
/// environment, whose domain only its module knows) make the caller's module wait for the
/// target's. A ring of such calls would make the modules wait for each other, which ARM
/// refuses; other calls, cycles included, read nothing from the target's module.
fn validate_call_cycles(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    fn waits_on<'a>(
        component: &'a Component,
        by_name: &BTreeMap<&str, &Component>,
    ) -> Vec<(usize, &'a str)> {
        component
            .uses()
            .iter()
            .enumerate()
            .filter(|(_, connection)| connection.access == Access::Call)
            .filter(|(_, connection)| {
                by_name.get(connection.to.component.as_str()).is_some_and(|target| {
                    matches!(&target.spec, ComponentSpec::ContainerApp(app) if app.environment == crate::blueprint::ContainerEnvironment::Dedicated)
                })
            })
            .map(|(index, connection)| (index, connection.to.component.as_str()))
            .filter(|(_, target)| *target != component.name)
            .collect()
    }
    for start in &blueprint.components {
        for (index, first) in waits_on(start, by_name) {
            // Does `first` lead back to `start` through dedicated-environment calls?
            let mut seen = BTreeSet::new();
            let mut stack = vec![vec![start.name.as_str(), first]];
            while let Some(path) = stack.pop() {
                let last = *path.last().expect("non-empty");
                if last == start.name {
                    // Report each ring once: at its alphabetically first member.
                    if path.iter().all(|name| *name >= start.name.as_str()) {
                        diagnostics.push(
                            Diagnostic::error(
                                "call-cycle",
                                format!("the calls {} wait on each other's deployments", path.join(" → ")),
                            )
                            .at(format!("components.{}.uses[{index}].to", start.name))
                            .expected("no ring of calls to container apps in dedicated environments")
                            .help("a caller reads a dedicated environment's domain from its deployment; put one of these apps in the shared environment (`environment = \"shared\"`), whose domain every app can read"),
                        );
                    }
                    break;
                }
                if !seen.insert(last) {
                    continue;
                }
                if let Some(next) = by_name.get(last) {
                    for (_, target) in waits_on(next, by_name) {
                        let mut longer = path.clone();
                        longer.push(target);
                        stack.push(longer);
                    }
                }
            }
        }
    }
}

fn unknown_part(target: &Component, part_name: &str, to_path: String) -> Diagnostic {
    let spec = catalog::kind_spec(target.kind());
    let declared: Vec<String> = target
        .spec
        .parts()
        .into_iter()
        .filter(|p| spec.target(Some(p.kind)).is_some())
        .map(|p| p.name)
        .collect();
    let nouns = part_nouns(target.kind());
    let diagnostic = Diagnostic::error(
        "unknown-part",
        format!(
            "`{}` declares no {nouns} named `{}`",
            target.name,
            shown(part_name)
        ),
    )
    .at(to_path)
    .expected(if declared.is_empty() {
        format!(
            "a {nouns} that `{}` declares (it declares none)",
            target.name
        )
    } else {
        one_of(
            declared
                .iter()
                .map(|name| format!("{}.{name}", target.name)),
        )
    });
    let add = format!(
        "add `{}` to the {} of `{}`",
        shown(part_name),
        part_fields(target.kind()),
        target.name
    );
    match closest(part_name, declared.iter().map(String::as_str)) {
        Some(near) => diagnostic.help(format!("did you mean `{}.{near}`?", target.name)),
        None if spec.target(None).is_some() => {
            diagnostic.help(format!("{add}, or connect to `{}` as a whole", target.name))
        }
        None => diagnostic.help(add),
    }
}

fn part_fields(kind: Kind) -> &'static str {
    match kind {
        Kind::Storage => "`containers` (or `queues`)",
        Kind::KeyVault => "`secrets`",
        Kind::Postgres => "`databases`",
        Kind::CosmosDb => "`databases`",
        Kind::ServiceBus => "`queues` (or `topics`)",
        Kind::EventHubs => "`hubs`",
        Kind::WebApp | Kind::FunctionApp | Kind::ContainerApp => "`app_roles`",
        _ => "declarations",
    }
}

pub(super) fn part_nouns(kind: Kind) -> &'static str {
    match kind {
        Kind::Storage => "container or queue",
        Kind::KeyVault => "secret",
        Kind::Postgres => "database",
        Kind::CosmosDb => "database or database/container",
        Kind::ServiceBus => "queue, topic or topic/subscription",
        Kind::EventHubs => "event hub",
        Kind::WebApp | Kind::FunctionApp | Kind::ContainerApp => "app role",
        _ => "part",
    }
}

fn targetable_kinds() -> Vec<Kind> {
    catalog::KINDS
        .iter()
        .filter(|spec| !spec.targets.is_empty())
        .map(|spec| spec.kind)
        .collect()
}

/// Secret values arrive as environment variables and `@secure()` parameters named after
/// vault and secret, and each connection's settings must not collide; all must be
/// unambiguous. A duplicate already reported (the same secret or connection twice) is not
/// reported again.
fn validate_secret_inputs(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut inputs: BTreeMap<String, String> = BTreeMap::new();
    let mut params: BTreeMap<String, String> = BTreeMap::new();
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
    for component in &blueprint.components {
        let plain = match &component.spec {
            ComponentSpec::WebApp(spec) => &spec.settings,
            ComponentSpec::FunctionApp(spec) => &spec.settings,
            ComponentSpec::ContainerApp(spec) => &spec.settings,
            _ => continue,
        };
        let mut settings: BTreeMap<String, (String, Option<super::settings::SettingValue>)> = plain
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    (
                        format!("`components.{}.settings.{k}`", component.name),
                        None,
                    ),
                )
            })
            .collect();
        for reserved in RESERVED_SETTINGS {
            settings
                .entry(reserved.to_string())
                .or_insert_with(|| ("bulwark itself".to_string(), None));
        }
        let mut seen = BTreeSet::new();
        for (index, connection) in component.uses().iter().enumerate() {
            if !seen.insert(&connection.to) {
                continue;
            }
            let path = format!("components.{}.uses[{index}].to", component.name);
            for (setting, value) in
                super::settings::settings_for(&blueprint.app.name, by_name, connection)
            {
                let clash = match settings.get(&setting) {
                    // Two connections to one target share its identity-based settings.
                    Some((_, Some(existing))) if *existing == value => None,
                    Some((other, _)) => Some(other.clone()),
                    None => None,
                };
                if let Some(other) = clash
                    .or_else(|| is_reserved_setting(&setting).then(|| "bulwark itself".to_string()))
                {
                    diagnostics.push(
                        Diagnostic::error(
                            "setting-collision",
                            format!(
                                "two settings of `{}` would be named `{setting}`",
                                component.name
                            ),
                        )
                        .at(path.clone())
                        .expected("connections and settings whose setting names differ")
                        .help(format!(
                            "the other one comes from {other}; rename the secret, part or setting"
                        )),
                    );
                    break;
                }
                settings.insert(setting, (format!("`{path}`"), Some(value)));
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
