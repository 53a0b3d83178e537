//! Loading a blueprint from TOML, keeping the span of every key and value.
//!
//! The document is parsed once into toml's spanned tree. The top level and each component's
//! `kind` are read by hand, so a wrong kind or a `uses` on a non-compute kind gets a tailored
//! diagnostic; everything below that is deserialized by serde from the spanned values, so
//! its errors (unknown field, wrong type, unknown variant) point at the exact text too.
//!
//! This file reads the top level; `document` checks the text and maps its spans,
//! `component` reads each component, `deserialize` turns serde's errors into diagnostics and
//! `resolve` brings in libraries, their defaults and presets.

use super::diagnostic::{Diagnostic, SourceMap, closest, list, one_of, shown};
use super::{App, Blueprint, Deployment, Governance, Kind, Monitoring, Network, Waiver};
use deserialize::deserialize;
use document::PendingSourceMap;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

mod component;
mod deserialize;
mod document;
pub(super) mod resolve;

/// A blueprint loaded from text, with the map from logical paths back to the text.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The blueprint, as the builder would have built it.
    pub blueprint: Blueprint,
    /// Where each logical path is in the text, to point diagnostics at lines.
    pub source_map: SourceMap,
}

/// The top-level tables a blueprint may have (`bulwark schema` lists the same, by test).
pub const TOP_LEVEL_KEYS: [&str; 9] = [
    "app",
    "network",
    "components",
    "libraries",
    "governance",
    "monitoring",
    "deployment",
    "tags",
    "waivers",
];

const MINIMAL_EXAMPLE: &str = "a blueprint starts with\n  [app]\n  name = \"shop\"\n  environments = [\"dev\"]\n\nthen one [components.<name>] table per component, with a `kind`";

/// Load a blueprint from raw bytes; anything that is not UTF-8 is a diagnostic, not a panic.
/// Libraries are looked up relative to the current directory.
pub fn from_bytes(bytes: &[u8]) -> Result<Loaded, Vec<Diagnostic>> {
    from_bytes_in(bytes, Path::new("."))
}

/// [`from_bytes`] for a blueprint in directory `base`, which its library paths are relative to.
pub fn from_bytes_in(bytes: &[u8], base: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_str_in(text, base),
        Err(error) => {
            let at = error.valid_up_to();
            let byte = bytes.get(at).copied().unwrap_or_default();
            let binary = bytes
                .iter()
                .take(8192)
                .any(|b| *b == 0 || (*b < 0x20 && !b"\t\n\r".contains(b)));
            let help = if binary {
                format!(
                    "byte {at} (0x{byte:02X}) is not UTF-8 and the file holds control bytes: is this a binary file? A blueprint is UTF-8 TOML"
                )
            } else {
                format!(
                    "byte {at} (0x{byte:02X}) is not UTF-8; if the file was saved as Latin-1 or Windows-1252, save it again as UTF-8"
                )
            };
            Err(vec![
                Diagnostic::error("not-utf8", "the blueprint is not UTF-8 text")
                    .with_span(at..at)
                    .expected("UTF-8 encoded TOML")
                    .help(help),
            ])
        }
    }
}

/// Load a blueprint from TOML text, resolving library paths from the current directory.
/// Any error comes back as diagnostics with spans into `text`; validation is separate
/// (see [`validate`](crate::blueprint::validate)).
pub fn from_str(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    from_str_in(text, Path::new("."))
}

/// Load a blueprint from TOML text, resolving `[libraries]` paths relative to `base`
/// (the blueprint's folder).
pub fn from_str_in(text: &str, base: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    load_text(text, base, text.len() >= document::PARALLEL_FROM_BYTES)
}

/// [`from_str_in`], the source map recorded on a second thread when `parallel`: the same
/// result either way.
fn load_text(text: &str, base: &Path, parallel: bool) -> Result<Loaded, Vec<Diagnostic>> {
    if text.trim().is_empty() {
        return Err(vec![
            Diagnostic::error("empty", "the blueprint is empty")
                .with_span(0..0)
                .expected("an [app] table and at least one component")
                .help(MINIMAL_EXAMPLE),
        ]);
    }
    let root =
        DeTable::parse(text).map_err(|error| vec![document::toml_syntax_error(&error, text)])?;
    std::thread::scope(|scope| {
        let source_map = PendingSourceMap::record(scope, root.get_ref(), text, parallel);
        read_document(root.get_ref(), text, base, source_map)
    })
}

/// The blueprint in a parsed document, whose source map may still be being recorded.
fn read_document(
    table: &DeTable<'_>,
    text: &str,
    base: &Path,
    source_map: PendingSourceMap<'_>,
) -> Result<Loaded, Vec<Diagnostic>> {
    let entry = |name: &str| top_level(table, name);

    let mut diagnostics = Vec::new();
    document::invisible_characters_in_table(table, text, &mut diagnostics);
    unknown_top_level_keys(table, &mut diagnostics);

    let libraries = match entry("libraries") {
        Some(value) => resolve::libraries(value, base, &mut diagnostics),
        None => resolve::Libraries::default(),
    };
    let app = entry("app").and_then(|value| {
        table_section::<App>(value, "app", &source_map)
            .map_err(|d| diagnostics.push(*d))
            .ok()
    });
    let defaults = app
        .as_ref()
        .and_then(|app| app.defaults.as_deref())
        .and_then(|name| {
            let span = source_map.value_span("app.defaults").unwrap_or(0..0);
            resolve::defaults(name, span, &libraries, &mut diagnostics)
        });
    let sections = Sections::load(table, defaults, &source_map, &mut diagnostics);
    let mut components = Vec::new();
    if let Some(value) = entry("components") {
        component::load_components(
            value,
            &source_map,
            &libraries,
            &mut components,
            &mut diagnostics,
        );
    }
    missing_app_or_components(table, app.is_none(), &mut diagnostics);

    match app {
        Some(app) if diagnostics.is_empty() => {
            let libraries = libraries
                .loaded
                .values()
                .map(|l| (l.name().to_string(), l.version().to_string()))
                .collect();
            let Sections {
                network,
                governance,
                monitoring,
                deployment,
                tags,
                waivers,
            } = sections;
            Ok(Loaded {
                blueprint: Blueprint {
                    app,
                    network,
                    components,
                    libraries,
                    governance,
                    monitoring,
                    deployment,
                    tags,
                    waivers,
                },
                source_map: source_map.into_inner(),
            })
        }
        _ => {
            diagnostics.sort_by_key(|d| d.span.as_ref().map(|s| s.start));
            Err(diagnostics)
        }
    }
}

/// The value of the top-level key `name`, if the document has it.
fn top_level<'t, 'a>(table: &'t DeTable<'a>, name: &str) -> Option<&'t Spanned<DeValue<'a>>> {
    table
        .iter()
        .find(|(key, _)| key.get_ref() == name)
        .map(|(_, value)| value)
}

/// A diagnostic for each top-level key that is not one of [`TOP_LEVEL_KEYS`].
fn unknown_top_level_keys(table: &DeTable<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for (key, _) in table.iter() {
        let other = key.get_ref().as_ref();
        if TOP_LEVEL_KEYS.contains(&other) {
            continue;
        }
        let diagnostic = Diagnostic::error(
            "unknown-table",
            format!("unknown top-level key `{}`", shown(other)),
        )
        .with_span(key.span())
        .expected(one_of(TOP_LEVEL_KEYS));
        diagnostics.push(match closest(other, TOP_LEVEL_KEYS) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic.help(
                "a blueprint has an [app] table, [components.<name>] tables, and optional [libraries], [network], [governance], [monitoring], [deployment], [tags] and [[waivers]]",
            ),
        });
    }
}

/// The top-level tables besides `[app]`, `[libraries]` and the components, each with the
/// defaults of the library `[app] defaults` names under the blueprint's own values.
struct Sections {
    network: Network,
    governance: Governance,
    monitoring: Monitoring,
    deployment: Deployment,
    tags: BTreeMap<String, String>,
    waivers: Vec<Waiver>,
}

impl Sections {
    fn load(
        table: &DeTable<'_>,
        defaults: Option<resolve::Defaults<'_>>,
        source_map: &PendingSourceMap<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Sections {
        let entry = |name: &str| top_level(table, name);
        let network = resolve::network(entry("network"), defaults.clone(), source_map, diagnostics);
        let governance = resolve::section::<Governance>(
            "governance",
            entry("governance"),
            defaults.clone(),
            source_map,
            diagnostics,
        );
        let monitoring = resolve::section::<Monitoring>(
            "monitoring",
            entry("monitoring"),
            defaults.clone(),
            source_map,
            diagnostics,
        );
        let deployment = resolve::section::<Deployment>(
            "deployment",
            entry("deployment"),
            defaults.clone(),
            source_map,
            diagnostics,
        );
        let tags = resolve::section::<BTreeMap<String, String>>(
            "tags",
            entry("tags"),
            defaults.clone(),
            source_map,
            diagnostics,
        );
        let waivers = match entry("waivers") {
            Some(value) => deserialize::<Vec<Waiver>>(value.clone(), "waivers", source_map)
                .map_err(|d| diagnostics.push(*d))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        Sections {
            network,
            governance,
            monitoring,
            deployment,
            tags,
            waivers,
        }
    }
}

/// A blueprint needs an `[app]` table and at least one component; a missing `[components]`
/// is reported only when nothing else is wrong.
fn missing_app_or_components(table: &DeTable<'_>, no_app: bool, diagnostics: &mut Vec<Diagnostic>) {
    if no_app && top_level(table, "app").is_none() {
        diagnostics.push(
            Diagnostic::error("missing-app", "the blueprint has no [app] table")
                .with_span(0..0)
                .expected("[app] with `name` and `environments`")
                .help(MINIMAL_EXAMPLE),
        );
    }
    if top_level(table, "components").is_none() && diagnostics.is_empty() {
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
}

/// `[app]` and `[network]` must be single tables before their fields are read.
fn table_section<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    name: &str,
    source_map: &PendingSourceMap<'_>,
) -> Result<T, Box<Diagnostic>> {
    match value.get_ref() {
        DeValue::Table(_) => deserialize(value.clone(), name, source_map),
        DeValue::Array(_) => Err(Box::new(
            Diagnostic::error(
                "not-a-table",
                format!("`[[{name}]]` declares a list of {name} tables"),
            )
            .with_span(value.span())
            .expected(format!("a single [{name}] table"))
            .help(format!(
                "a blueprint has one [{name}] table: write `[{name}]`, with single brackets"
            )),
        )),
        other => Err(Box::new(
            Diagnostic::error(
                "not-a-table",
                format!("`{name}` must be a table, not {}", type_name(other)),
            )
            .with_span(value.span())
            .expected(format!("a [{name}] table"))
            .help(format!(
                "write `[{name}]` on its own line and its fields below it"
            )),
        )),
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
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

    /// The source map recorded on a second thread is the one recorded here, and so are the
    /// diagnostics that read it, for a blueprint that loads and for one with errors deep in
    /// it and in its last component.
    #[test]
    fn a_source_map_recorded_beside_the_loader_is_the_same() {
        let mut text = String::from("[app]\nname = \"big\"\nenvironments = [\"dev\"]\n");
        for index in 0..200 {
            text.push_str(&format!(
                "\n[components.web{index:03}]\nkind = \"web-app\"\nruntime = \"node:22\"\n\
                 uses = [{{ to = \"store{index:03}.files\", access = \"read\" }}]\n\
                 \n[components.store{index:03}]\nkind = \"storage\"\ncontainers = [\"files\"]\n"
            ));
        }
        assert!(text.len() >= document::PARALLEL_FROM_BYTES);
        let broken = text.replace(
            "runtime = \"node:22\"\nuses = [{ to = \"store100",
            "runtime = 22\nuses = [{ to = \"store100",
        ) + "\n[components.last]\nkind = \"storage\"\nreplication = \"nowhere\"\n";
        for text in [text.as_str(), broken.as_str()] {
            let here = format!("{:?}", load_text(text, Path::new("."), false));
            let beside = format!("{:?}", load_text(text, Path::new("."), true));
            assert_eq!(here, beside);
        }
        let errors = load_text(&broken, Path::new("."), true).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            (errors.iter()).any(|e| e.path.as_deref() == Some("components.web100.runtime")),
            "{errors:?}"
        );
    }
}
