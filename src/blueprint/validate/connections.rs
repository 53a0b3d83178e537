//! Connections (`uses`): each target once, a component that exists and can be a target, a
//! part it declares where the target's kind needs one, and an access level the target
//! supports.

use super::parts::{part_fields, part_nouns};
use crate::blueprint::Access;
use crate::blueprint::diagnostic::{Diagnostic, closest, list, one_of, shown};
use crate::blueprint::model::{Component, Connection, Ingress, Kind, Part, PartKind};
use crate::catalog::{self, KindSpec};
use std::collections::{BTreeMap, BTreeSet};

/// The connections of `component` (at `path`), in order; a target named twice is reported
/// once and not checked again.
pub(super) fn validate_uses(
    component: &Component,
    path: &str,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
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

/// One connection: a target that names a component other than its own.
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
    validate_target(component, connection, target, path, diagnostics);
}

/// A connection to `target`: a kind that can be a target, a part it declares where the kind
/// needs one, and an access level the target supports.
fn validate_target(
    component: &Component,
    connection: &Connection,
    target: &Component,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let to_path = format!("{path}.to");
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
        diagnostics.push(part_required(target, spec, part, &parts, to_path));
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

/// A connection that names no part of a kind that needs one, or a part the kind cannot grant
/// a role on.
fn part_required(
    target: &Component,
    spec: &KindSpec,
    part: Option<PartKind>,
    parts: &[Part],
    to_path: String,
) -> Diagnostic {
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
    Diagnostic::error("part-required", message)
            .at(to_path)
            .expected(if allowed.is_empty() {
                format!("`{}.<name>` (it declares none yet)", target.name)
            } else {
                one_of(&allowed)
            })
            .help("bulwark scopes each role to the one resource a connection names, never to the whole account")
}

/// A connection to a part `target` does not declare, naming the parts it does.
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

/// The kinds a connection can target.
fn targetable_kinds() -> Vec<Kind> {
    catalog::KINDS
        .iter()
        .filter(|spec| !spec.targets.is_empty())
        .map(|spec| spec.kind)
        .collect()
}
