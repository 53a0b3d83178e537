//! Loading a blueprint from TOML, keeping the span of every key and value.
//!
//! The document is parsed once into toml's spanned tree. The top level and each component's
//! `kind` are read by hand, so a wrong kind or a `uses` on a non-compute kind gets a tailored
//! diagnostic; everything below that is deserialized by serde from the spanned values, so
//! its errors (unknown field, wrong type, unknown variant) point at the exact text too.

use super::diagnostic::{Diagnostic, SourceMap, closest, list};
use super::model::{App, Blueprint, Component, ComponentSpec, Kind, Network};
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// A blueprint loaded from text, with the map from logical paths back to the text.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub blueprint: Blueprint,
    pub source_map: SourceMap,
}

const TOP_LEVEL_KEYS: [&str; 3] = ["app", "network", "components"];

const MINIMAL_EXAMPLE: &str = "a blueprint starts with\n  [app]\n  name = \"shop\"\n  environments = [\"dev\"]\n\nthen one [components.<name>] table per component, with a `kind`; `bulwark new` writes one for you";

/// Load a blueprint from raw bytes; anything that is not UTF-8 is a diagnostic, not a panic.
pub fn from_bytes(bytes: &[u8]) -> Result<Loaded, Vec<Diagnostic>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_str(text),
        Err(error) => {
            let at = error.valid_up_to();
            Err(vec![
                Diagnostic::error("not-utf8", "the blueprint is not UTF-8 text")
                    .with_span(at..at)
                    .expected("UTF-8 encoded TOML")
                    .help(format!(
                        "byte {at} starts an invalid UTF-8 sequence; is this a binary file? Save the blueprint as UTF-8 TOML"
                    )),
            ])
        }
    }
}

pub fn from_str(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    if text.trim().is_empty() {
        return Err(vec![
            Diagnostic::error("empty", "the blueprint is empty")
                .with_span(0..text.len())
                .expected("an [app] table and at least one component")
                .help(MINIMAL_EXAMPLE),
        ]);
    }
    let root = DeTable::parse(text).map_err(|error| vec![toml_syntax_error(&error, text)])?;
    let mut source_map = SourceMap::default();
    record_table(&mut source_map, "", root.get_ref());

    let mut diagnostics = Vec::new();
    let mut app = None;
    let mut network = Network::default();
    let mut components = Vec::new();
    let mut saw_components = false;

    for (key, value) in root.get_ref().iter() {
        match key.get_ref().as_ref() {
            "app" => {
                app = deserialize::<App>(value.clone(), "app")
                    .map_err(|d| diagnostics.push(*d))
                    .ok();
            }
            "network" => {
                if let Ok(parsed) = deserialize::<Network>(value.clone(), "network")
                    .map_err(|d| diagnostics.push(*d))
                {
                    network = parsed;
                }
            }
            "components" => {
                saw_components = true;
                load_components(value, &mut components, &mut diagnostics);
            }
            other => {
                let mut diagnostic =
                    Diagnostic::error("unknown-table", format!("unknown top-level key `{other}`"))
                        .with_span(key.span())
                        .expected(format!("one of {}", list(TOP_LEVEL_KEYS)));
                if let Some(near) = closest(other, TOP_LEVEL_KEYS) {
                    diagnostic = diagnostic.help(format!("did you mean `{near}`?"));
                }
                diagnostics.push(diagnostic);
            }
        }
    }

    if app.is_none()
        && !diagnostics.iter().any(|d| d.path.as_deref() == Some("app"))
        && !root.get_ref().iter().any(|(key, _)| key.get_ref() == "app")
    {
        diagnostics.push(
            Diagnostic::error("missing-app", "the blueprint has no [app] table")
                .with_span(0..0)
                .expected("[app] with `name` and `environments`")
                .help(MINIMAL_EXAMPLE),
        );
    }
    if !saw_components && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::error("no-components", "the blueprint declares no components")
                .with_span(0..0)
                .expected("at least one [components.<name>] table")
                .help(format!(
                    "add e.g.\n  [components.web]\n  kind = \"web-app\"\n  runtime = \"node:22\"\nknown kinds: {}",
                    list(Kind::ALL)
                )),
        );
    }

    match app {
        Some(app) if diagnostics.is_empty() => Ok(Loaded {
            blueprint: Blueprint {
                app,
                network,
                components,
            },
            source_map,
        }),
        _ => {
            diagnostics.sort_by_key(|d| d.span.as_ref().map(|s| s.start));
            Err(diagnostics)
        }
    }
}

fn load_components(
    value: &Spanned<DeValue<'_>>,
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
        if let Some(component) = load_component(name, body, &path, diagnostics) {
            components.push(component);
        }
    }
}

fn load_component(
    name: &Spanned<std::borrow::Cow<'_, str>>,
    body: &Spanned<DeValue<'_>>,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Component> {
    let Some(table) = body.get_ref().as_table() else {
        diagnostics.push(
            Diagnostic::error(
                "component-not-table",
                format!("component `{}` must be a table", name.get_ref()),
            )
            .with_span(body.span())
            .expected("a table with `kind` and the kind's settings")
            .help(format!(
                "write it as [components.{}] with kind = \"…\"",
                name.get_ref()
            )),
        );
        return None;
    };
    let known_kinds = Kind::ALL.map(Kind::as_str);
    let Some((_, kind_value)) = table.iter().find(|(key, _)| key.get_ref() == "kind") else {
        diagnostics.push(
            Diagnostic::error(
                "missing-kind",
                format!("component `{}` has no `kind`", name.get_ref()),
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
                .expected(format!("one of {}", list(known_kinds))),
        );
        return None;
    };
    let Some(kind) = Kind::parse(kind_text) else {
        let mut diagnostic = Diagnostic::error(
            "unknown-kind",
            format!("unknown component kind `{kind_text}`"),
        )
        .with_span(kind_value.span())
        .expected(format!("one of {}", list(known_kinds)));
        diagnostic = match closest(kind_text, known_kinds) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic.help(format!(
                "bulwark knows these kinds: {}",
                known_kinds.join(", ")
            )),
        };
        diagnostics.push(diagnostic);
        return None;
    };

    if !crate::catalog::kind_spec(kind).compute
        && let Some((key, _)) = table.iter().find(|(key, _)| key.get_ref() == "uses")
    {
        diagnostics.push(
                Diagnostic::error(
                    "uses-on-non-compute",
                    format!("a {kind} component cannot use other components"),
                )
                .with_span(key.span())
                .expected("`uses` only on compute kinds")
                .help(format!(
                    "connections go from compute to data: put `uses = [{{ to = \"{}\", access = \"…\" }}]` on the component that calls it (compute kinds: {})",
                    name.get_ref(),
                    list(crate::catalog::compute_kinds())
                )),
            );
        return None;
    }

    let settings: DeTable<'_> = table
        .iter()
        .filter(|(key, _)| key.get_ref() != "kind")
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let settings = Spanned::new(body.span(), DeValue::Table(settings));
    let spec = match kind {
        Kind::WebApp => deserialize(settings, path).map(ComponentSpec::WebApp),
        Kind::Storage => deserialize(settings, path).map(ComponentSpec::Storage),
        Kind::KeyVault => deserialize(settings, path).map(ComponentSpec::KeyVault),
    };
    match spec {
        Ok(spec) => Some(Component {
            name: name.get_ref().to_string(),
            spec,
        }),
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            None
        }
    }
}

fn deserialize<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    path: &str,
) -> Result<T, Box<Diagnostic>> {
    let whole = value.span();
    T::deserialize(ValueDeserializer::from(value)).map_err(|error| {
        let message = error.message().trim().to_string();
        let mut diagnostic = Diagnostic::error("invalid-value", format!("in `{path}`: {message}"))
            .with_span(error.span().unwrap_or(whole));
        diagnostic.path = Some(path.to_string());
        Box::new(describe_serde_error(diagnostic, &message))
    })
}

/// Turn serde's one-line messages into an expectation and a hint.
fn describe_serde_error(diagnostic: Diagnostic, message: &str) -> Diagnostic {
    let backticked: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if let Some(rest) = message.strip_prefix("unknown field") {
        let _ = rest;
        let (found, expected) = backticked
            .split_first()
            .map_or(("", &[][..]), |(f, e)| (*f, e));
        let diagnostic = Diagnostic {
            code: "unknown-field",
            ..diagnostic
        }
        .expected(format!("one of {}", list(expected.iter())));
        return match closest(found, expected.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => {
                diagnostic.help("remove it; `bulwark schema` prints every field each kind takes")
            }
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant") {
        let _ = rest;
        let (found, expected) = backticked
            .split_first()
            .map_or(("", &[][..]), |(f, e)| (*f, e));
        let diagnostic = Diagnostic {
            code: "unknown-value",
            ..diagnostic
        }
        .expected(format!("one of {}", list(expected.iter())));
        return match closest(found, expected.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic,
        };
    }
    if message.starts_with("missing field") {
        let field = backticked.first().copied().unwrap_or("");
        return Diagnostic {
            code: "missing-field",
            ..diagnostic
        }
        .expected(format!("a `{field}` entry"))
        .help(format!(
            "add `{field} = …`; `bulwark schema` documents each field"
        ));
    }
    if message.starts_with("invalid type") {
        let expected = message
            .rsplit("expected ")
            .next()
            .unwrap_or("another type")
            .to_string();
        return Diagnostic {
            code: "wrong-type",
            ..diagnostic
        }
        .expected(expected);
    }
    diagnostic
}

fn toml_syntax_error(error: &toml::de::Error, text: &str) -> Diagnostic {
    let message = error.message().trim();
    let span = error.span().unwrap_or(0..0);
    let span = span.start.min(text.len())..span.end.min(text.len());
    let mut diagnostic = Diagnostic::error("invalid-toml", format!("invalid TOML: {message}"))
        .with_span(span)
        .expected("valid TOML (https://toml.io)");
    if message.contains("duplicate key") {
        diagnostic = Diagnostic { code: "duplicate-key", ..diagnostic }
            .help("each key, and each [components.<name>] table, may appear only once; component names must be unique");
    } else {
        diagnostic =
            diagnostic.help("check quotes, brackets and `key = value` pairs near the caret");
    }
    diagnostic
}

fn record_table(map: &mut SourceMap, prefix: &str, table: &DeTable<'_>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        map.insert(path.clone(), Some(key.span()), value.span());
        record_value(map, &path, value);
    }
}

fn record_value(map: &mut SourceMap, path: &str, value: &Spanned<DeValue<'_>>) {
    match value.get_ref() {
        DeValue::Table(table) => record_table(map, path, table),
        DeValue::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{index}]");
                map.insert(item_path.clone(), None, item.span());
                record_value(map, &item_path, item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_map_knows_nested_array_items() {
        let text = "[app]\nname = \"a\"\nenvironments = [\"dev\"]\n[components.web]\nkind = \"web-app\"\nruntime = \"node:22\"\nuses = [{ to = \"x.y\", access = \"read\" }]\n";
        let loaded = from_str(text).unwrap();
        let span = loaded
            .source_map
            .value_span("components.web.uses[0].to")
            .unwrap();
        assert_eq!(&text[span], "\"x.y\"");
    }
}
