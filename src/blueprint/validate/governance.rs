//! `[governance]`, `[monitoring]`, `[tags]` and `[deployment.environments.<env>] recover`:
//! tags Azure accepts and bulwark does not set itself, required tags given, monitoring
//! settings that fit the workspace design, and components that can be recovered. Waivers are
//! checked in `waivers`, called from here so their diagnostics follow.

use super::names::{duplicates, unknown_environment};
use super::waivers;
use crate::blueprint::diagnostic::{Diagnostic, closest, one_of, shown};
use crate::blueprint::model::{Blueprint, Component, Kind};
use std::collections::BTreeMap;

/// Tags bulwark sets itself on every resource.
const BULWARK_TAGS: &[&str] = &["app", "environment", "managed-by"];

/// `[governance]`, `[monitoring]`, `[tags]` and `[[waivers]]`.
/// `by_name`: the blueprint's components by name.
pub(super) fn validate_governance(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    today: crate::blueprint::Date,
    diagnostics: &mut Vec<Diagnostic>,
) {
    validate_tags(blueprint, diagnostics);
    validate_monitoring(blueprint, diagnostics);
    validate_recover(blueprint, by_name, diagnostics);
    waivers::validate_direct_ingress(blueprint, diagnostics);
    waivers::validate_waivers(blueprint, by_name, today, diagnostics);
}

/// `[tags]`: names Azure accepts, none twice without regard to case, none bulwark sets;
/// every `required_tags` entry given; `[governance.environments.<env>]` for known
/// environments.
fn validate_tags(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
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
}

/// `[monitoring]` and its per-environment overrides: a workspace id of the right type, and
/// retention and cap only for the app's own workspace, within what Log Analytics takes.
fn validate_monitoring(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    let environments = &blueprint.app.environments;
    let monitoring = &blueprint.monitoring;
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
}

/// The monitoring settings of `[monitoring]` or of one environment's override (`path`);
/// `central` when that environment's logs go to a central workspace.
fn check_monitoring(
    workspace: Option<&String>,
    retention: Option<u32>,
    cap: Option<u32>,
    central: bool,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
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
                    format!("`{field}` sets the app's own workspace, but logs go to a central one"),
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
}

/// Kinds whose deleted resources stay soft-deleted under their name, with purge protection
/// (so the name cannot be freed), and whose template can recover them: Key Vault
/// `properties.createMode: 'recover'`, App Configuration `properties.createMode: 'Recover'`.
const RECOVERABLE_KINDS: [Kind; 2] = [Kind::KeyVault, Kind::AppConfiguration];

/// `[deployment.environments.<env>] recover`: known environments, recoverable components.
fn validate_recover(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
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
            // Spelt out only for an entry that is wrong: each names every recoverable
            // component, so building them for every entry would grow with the square.
            let expected = || {
                if recoverable.is_empty() {
                    "a key-vault or app-configuration component".to_string()
                } else {
                    one_of(&recoverable)
                }
            };
            let help = || {
                if recoverable.is_empty() {
                    "only key-vault and app-configuration components can be recovered from soft delete, and the blueprint has none".to_string()
                } else {
                    format!(
                        "only key-vault and app-configuration components can be recovered from soft delete; here: {}",
                        crate::blueprint::diagnostic::all_of(recoverable.iter().copied())
                    )
                }
            };
            crate::counters::add(crate::counters::Counter::AppWideScans, 1);
            match by_name.get(name.as_str()).copied() {
                None => {
                    let diagnostic = Diagnostic::error(
                        "unknown-component",
                        format!("no component `{}` to recover", shown(name)),
                    )
                    .at(path)
                    .expected(expected());
                    diagnostics.push(match closest(name, recoverable.iter().copied()) {
                        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                        None => diagnostic.help(help()),
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
                        .expected(expected())
                        .help(help()),
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
