//! Loading one `[components.<name>]` table: its `kind` read by hand, so a missing, wrong or
//! misspelt kind and a `uses` on a kind that makes no connections get tailored diagnostics;
//! then the kind's settings, from the table itself or merged over a library preset.

use super::PendingSourceMap;
use super::deserialize::{Located, deserialize_located, locator};
use super::resolve;
use crate::blueprint::diagnostic::{Diagnostic, closest, list, one_of, shown};
use crate::blueprint::{Component, ComponentSpec, Kind};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub(super) fn load_components(
    value: &Spanned<DeValue<'_>>,
    source_map: &PendingSourceMap<'_>,
    libraries: &resolve::Libraries,
    components: &mut Vec<Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(table) = value.get_ref().as_table() else {
        diagnostics.push(
            Diagnostic::error(
                "components-not-table",
                "`components` must be a table of components",
            )
            .with_span(value.span())
            .expected("[components.<name>] tables")
            .help("write each component as its own table, e.g. [components.web]"),
        );
        return;
    };
    for (name, body) in table.iter() {
        let path = format!("components.{}", name.get_ref());
        if let Some(component) =
            load_component(name, body, &path, source_map, libraries, diagnostics)
        {
            components.push(component);
        }
    }
}

fn load_component(
    name: &Spanned<std::borrow::Cow<'_, str>>,
    body: &Spanned<DeValue<'_>>,
    path: &str,
    source_map: &PendingSourceMap<'_>,
    libraries: &resolve::Libraries,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Component> {
    let shown_name = shown(name.get_ref());
    let Some(table) = body.get_ref().as_table() else {
        diagnostics.push(
            Diagnostic::error(
                "component-not-table",
                format!("component `{shown_name}` must be a table"),
            )
            .with_span(body.span())
            .expected("a table with `kind` and the kind's settings")
            .help(format!(
                "write it as [components.{shown_name}] with kind = \"…\""
            )),
        );
        return None;
    };
    let known_kinds = Kind::ALL.map(Kind::as_str);
    let Some((_, kind_value)) = table.iter().find(|(key, _)| key.get_ref() == "kind") else {
        diagnostics.push(
            Diagnostic::error(
                "missing-kind",
                format!("component `{shown_name}` has no `kind`"),
            )
            .with_span(name.span())
            .expected(format!("kind = one of {}", list(known_kinds)))
            .help("every component says what it is, e.g. kind = \"storage\""),
        );
        return None;
    };
    let Some(kind_text) = kind_value.get_ref().as_str() else {
        diagnostics.push(
            Diagnostic::error("kind-not-string", "`kind` must be a string")
                .with_span(kind_value.span())
                .expected(one_of(known_kinds))
                .help("quote it: kind = \"web-app\""),
        );
        return None;
    };
    let Some(kind) = Kind::parse(kind_text) else {
        let diagnostic = Diagnostic::error(
            "unknown-kind",
            format!("unknown component kind `{}`", shown(kind_text)),
        )
        .with_span(kind_value.span())
        .expected(one_of(known_kinds));
        diagnostics.push(match closest(kind_text, known_kinds) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic.help(format!(
                "bulwark knows these kinds: {}",
                known_kinds.join(", ")
            )),
        });
        return None;
    };

    let spec = crate::catalog::kind_spec(kind);
    if !spec.compute
        && let Some((key, _)) = table.iter().find(|(key, _)| key.get_ref() == "uses")
    {
        let target = if spec.target(None).is_some() {
            shown_name.clone()
        } else {
            format!(
                "{shown_name}.<{}>",
                crate::blueprint::validate::part_nouns(kind)
            )
        };
        diagnostics.push(
            Diagnostic::error("uses-on-non-compute", format!("a {kind} component cannot use other components"))
                .with_span(key.span())
                .expected("`uses` only on compute kinds")
                .help(format!(
                    "connections go from compute to data: put `uses = [{{ to = \"{target}\", access = \"…\" }}]` on the component that calls it (compute kinds: {})",
                    list(crate::catalog::compute_kinds())
                )),
        );
        return None;
    }

    let spec = match table.iter().find(|(key, _)| key.get_ref() == "preset") {
        Some((_, preset)) => {
            resolve::preset_component(kind, table, preset, path, source_map, libraries)
        }
        None => {
            let settings: DeTable<'_> = table
                .iter()
                .filter(|(key, _)| key.get_ref() != "kind")
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            let settings = Spanned::new(body.span(), DeValue::Table(settings));
            deserialize_kind(kind, settings, path, source_map).map_err(Some)
        }
    };
    match spec {
        Ok(spec) => Some(Component {
            name: name.get_ref().to_string(),
            spec,
        }),
        Err(diagnostic) => {
            diagnostics.extend(diagnostic.map(|d| *d));
            None
        }
    }
}

fn deserialize_kind(
    kind: Kind,
    settings: Spanned<DeValue<'_>>,
    path: &str,
    source_map: &PendingSourceMap<'_>,
) -> Result<ComponentSpec, Box<Diagnostic>> {
    deserialize_kind_located(kind, settings, path, &locator(source_map, path))
}

pub(super) fn deserialize_kind_located(
    kind: Kind,
    settings: Spanned<DeValue<'_>>,
    path: &str,
    map: &dyn Fn(&std::ops::Range<usize>) -> Located,
) -> Result<ComponentSpec, Box<Diagnostic>> {
    Ok(match kind {
        Kind::WebApp => ComponentSpec::WebApp(deserialize_located(settings, path, map)?),
        Kind::FunctionApp => ComponentSpec::FunctionApp(deserialize_located(settings, path, map)?),
        Kind::ContainerApp => {
            ComponentSpec::ContainerApp(deserialize_located(settings, path, map)?)
        }
        Kind::Storage => ComponentSpec::Storage(deserialize_located(settings, path, map)?),
        Kind::KeyVault => ComponentSpec::KeyVault(deserialize_located(settings, path, map)?),
        Kind::ContainerRegistry => {
            ComponentSpec::ContainerRegistry(deserialize_located(settings, path, map)?)
        }
        Kind::SqlDatabase => ComponentSpec::SqlDatabase(deserialize_located(settings, path, map)?),
        Kind::Postgres => ComponentSpec::Postgres(deserialize_located(settings, path, map)?),
        Kind::CosmosDb => ComponentSpec::CosmosDb(deserialize_located(settings, path, map)?),
        Kind::ServiceBus => ComponentSpec::ServiceBus(deserialize_located(settings, path, map)?),
        Kind::EventHubs => ComponentSpec::EventHubs(deserialize_located(settings, path, map)?),
        Kind::Redis => ComponentSpec::Redis(deserialize_located(settings, path, map)?),
        Kind::AppConfiguration => {
            ComponentSpec::AppConfiguration(deserialize_located(settings, path, map)?)
        }
        Kind::OpenAi => ComponentSpec::OpenAi(deserialize_located(settings, path, map)?),
        Kind::AiSearch => ComponentSpec::AiSearch(deserialize_located(settings, path, map)?),
        Kind::External => ComponentSpec::External(deserialize_located(settings, path, map)?),
    })
}
