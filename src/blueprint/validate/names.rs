//! Names: the app's, its environments' and its components', each by its naming rule, listed
//! once, and distinct as Bicep symbols; and the shared checks other files use for names
//! (`check_name`, `duplicates`, `symbol_collisions`, `unknown_environment`).

use crate::blueprint::diagnostic::{Anchor, Diagnostic, closest, list, one_of, shown};
use crate::blueprint::model::{Blueprint, Kind};
use crate::catalog::naming::{self, NameRule};
use std::collections::{BTreeMap, BTreeSet};

/// `app.name`, the environments and the component names: each follows its naming rule, and
/// the app declares at least one environment, each once.
pub(super) fn validate_app_names(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
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
        diagnostics,
    );
}

/// At least one component, each declared once, and no two whose Bicep symbols differ only in
/// case.
pub(super) fn validate_component_names(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
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
        diagnostics,
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
        diagnostics,
    );
}

/// An `invalid-name` diagnostic when `name` breaks `rule`, offering a corrected name when
/// there is an obvious one.
pub(super) fn check_name(rule: &NameRule, name: &str, path: String) -> Option<Diagnostic> {
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

/// An override table for an environment the app does not declare.
pub(super) fn unknown_environment(
    environment: &str,
    path: String,
    environments: &[String],
) -> Diagnostic {
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

/// A diagnostic for every name that repeats one before it, with its index.
pub(super) fn duplicates<'a>(
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
pub(super) fn symbol_collisions<'a>(
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
