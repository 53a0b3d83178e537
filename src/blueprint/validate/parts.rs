//! Parts (containers, queues, secrets, databases, topics, hubs, app roles): names by their
//! kind's rule, no two alike in one component; and how diagnostics name a kind's parts.

use super::names::check_name;
use crate::blueprint::diagnostic::{Anchor, Diagnostic, shown};
use crate::blueprint::model::{Component, Kind, Part, PartKind};
use crate::catalog::naming;
use std::collections::BTreeMap;

/// Part names: each follows its kind's rule, and no two parts of a component share a name.
pub(super) fn validate_parts(component: &Component, path: &str, diagnostics: &mut Vec<Diagnostic>) {
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

/// The fields that declare a kind's parts, for "add it to …" help.
pub(super) fn part_fields(kind: Kind) -> &'static str {
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

/// What a kind's parts are called, for "declares no … named" messages.
pub(in crate::blueprint) fn part_nouns(kind: Kind) -> &'static str {
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
