//! Loading a blueprint from TOML, keeping the span of every key and value.
//!
//! The document is parsed once into toml's spanned tree. The top level and each component's
//! `kind` are read by hand, so a wrong kind or a `uses` on a non-compute kind gets a tailored
//! diagnostic; everything below that is deserialized by serde from the spanned values, so
//! its errors (unknown field, wrong type, unknown variant) point at the exact text too.

use super::diagnostic::{Diagnostic, SourceMap, closest, list, one_of, shown};
use std::path::Path;

pub(super) mod resolve;
use super::model::{App, Blueprint, Component, ComponentSpec, Kind};
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

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
    if text.trim().is_empty() {
        return Err(vec![
            Diagnostic::error("empty", "the blueprint is empty")
                .with_span(0..0)
                .expected("an [app] table and at least one component")
                .help(MINIMAL_EXAMPLE),
        ]);
    }
    let root = DeTable::parse(text).map_err(|error| vec![toml_syntax_error(&error, text)])?;
    let mut source_map = SourceMap::default();
    record_table(&mut source_map, "", root.get_ref());
    source_map.index_lines(text);
    let table = root.get_ref();
    let entry = |name: &str| {
        table
            .iter()
            .find(|(key, _)| key.get_ref() == name)
            .map(|(_, value)| value)
    };

    let mut diagnostics = Vec::new();
    invisible_characters_in_table(table, text, &mut diagnostics);
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
    let network = resolve::network(
        entry("network"),
        defaults.clone(),
        &source_map,
        &mut diagnostics,
    );
    let governance = resolve::section::<crate::blueprint::Governance>(
        "governance",
        entry("governance"),
        defaults.clone(),
        &source_map,
        &mut diagnostics,
    );
    let monitoring = resolve::section::<crate::blueprint::Monitoring>(
        "monitoring",
        entry("monitoring"),
        defaults.clone(),
        &source_map,
        &mut diagnostics,
    );
    let deployment = resolve::section::<crate::blueprint::Deployment>(
        "deployment",
        entry("deployment"),
        defaults.clone(),
        &source_map,
        &mut diagnostics,
    );
    let tags = resolve::section::<std::collections::BTreeMap<String, String>>(
        "tags",
        entry("tags"),
        defaults.clone(),
        &source_map,
        &mut diagnostics,
    );
    let waivers = match entry("waivers") {
        Some(value) => {
            deserialize::<Vec<crate::blueprint::Waiver>>(value.clone(), "waivers", &source_map)
                .map_err(|d| diagnostics.push(*d))
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let mut components = Vec::new();
    if let Some(value) = entry("components") {
        load_components(
            value,
            &source_map,
            &libraries,
            &mut components,
            &mut diagnostics,
        );
    }

    if app.is_none() && entry("app").is_none() {
        diagnostics.push(
            Diagnostic::error("missing-app", "the blueprint has no [app] table")
                .with_span(0..0)
                .expected("[app] with `name` and `environments`")
                .help(MINIMAL_EXAMPLE),
        );
    }
    if entry("components").is_none() && diagnostics.is_empty() {
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
        Some(app) if diagnostics.is_empty() => {
            let libraries = libraries
                .loaded
                .values()
                .map(|l| (l.name().to_string(), l.version().to_string()))
                .collect();
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
                source_map,
            })
        }
        _ => {
            diagnostics.sort_by_key(|d| d.span.as_ref().map(|s| s.start));
            Err(diagnostics)
        }
    }
}

/// `[app]` and `[network]` must be single tables before their fields are read.
fn table_section<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    name: &str,
    source_map: &SourceMap,
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

fn load_components(
    value: &Spanned<DeValue<'_>>,
    source_map: &SourceMap,
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
    source_map: &SourceMap,
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
    source_map: &SourceMap,
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

/// Where a deserialization error points: the field's path, its span in the blueprint and,
/// when the value came from a library, which one.
pub(super) struct Located {
    path: String,
    span: std::ops::Range<usize>,
    note: Option<String>,
}

/// Where an error in the value at `path` points: the field it is about (not just the table
/// it is in), found by its span.
fn locator<'a>(
    source_map: &'a SourceMap,
    path: &'a str,
) -> impl Fn(&std::ops::Range<usize>) -> Located + 'a {
    move |span| Located {
        path: source_map
            .path_at(span)
            .filter(|p| p.starts_with(path))
            .unwrap_or_else(|| path.to_string()),
        span: span.clone(),
        note: None,
    }
}

fn deserialize<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    path: &str,
    source_map: &SourceMap,
) -> Result<T, Box<Diagnostic>> {
    deserialize_located(value, path, &locator(source_map, path))
}

pub(super) fn deserialize_located<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    path: &str,
    locate: &dyn Fn(&std::ops::Range<usize>) -> Located,
) -> Result<T, Box<Diagnostic>> {
    let whole = value.span();
    T::deserialize(ValueDeserializer::from(value)).map_err(|error| {
        let message = error.message().trim().to_string();
        let located = locate(&error.span().unwrap_or(whole));
        let at = located.path;
        let mut diagnostic = Diagnostic::error("invalid-value", format!("in `{at}`: {message}"))
            .with_span(located.span);
        diagnostic.path = Some(at.clone());
        let mut diagnostic = describe_serde_error(diagnostic, &message, &at);
        if let Some(note) = located.note {
            diagnostic.message = format!("{} ({note})", diagnostic.message);
        }
        let _ = path;
        Box::new(diagnostic)
    })
}

/// Turn serde's one-line messages into plain words, an expectation and a hint.
fn describe_serde_error(diagnostic: Diagnostic, message: &str, at: &str) -> Diagnostic {
    let backticked: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if message.starts_with("unknown field") {
        let (found, expected) = backticked
            .split_first()
            .map_or(("", &[][..]), |(f, e)| (*f, e));
        // The span is the unknown key itself; name the table it sits in.
        let suffix = format!(".{found}");
        let at = at.strip_suffix(&suffix).unwrap_or(at);
        let diagnostic = Diagnostic {
            code: "unknown-field",
            message: format!("`{at}` has no field `{}`", shown(found)),
            ..diagnostic
        }
        .expected(one_of(expected.iter()));
        let section = at.split('.').next().unwrap_or(at);
        return match closest(found, expected.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None if TOP_LEVEL_KEYS.contains(&found) && !at.contains('.') => {
                let table = if found == "components" {
                    "[components.<name>] tables"
                } else {
                    "its own [network] table"
                };
                diagnostic.help(format!(
                    "every key after [{section}] belongs to [{section}] until the next table header: write `{found}` as {table} after [{section}]"
                ))
            }
            None => {
                diagnostic.help("remove it; `bulwark schema` prints every field each kind takes")
            }
        };
    }
    if message.starts_with("unknown variant") {
        let (found, expected) = backticked
            .split_first()
            .map_or(("", &[][..]), |(f, e)| (*f, e));
        let diagnostic = Diagnostic {
            code: "unknown-value",
            message: format!("`{}` is not a valid value for `{at}`", shown(found)),
            ..diagnostic
        }
        .expected(one_of(expected.iter()));
        // SAS rights of a waiver's grant: name Azure's words for what they would mean.
        if at.contains(".rights[") {
            match found.to_ascii_lowercase().as_str() {
                "manage" => {
                    return diagnostic.help(
                        "a waiver never grants Manage: it can create and delete entities; grant `send` and/or `listen`",
                    );
                }
                "receive" => {
                    return diagnostic
                        .help("did you mean `listen`? SAS calls the right to receive Listen");
                }
                _ => {}
            }
        }
        return match closest(found, expected.iter().copied()) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic.help("`bulwark schema` lists the values each field takes"),
        };
    }
    if message.starts_with("missing field") {
        let field = backticked.first().copied().unwrap_or("");
        return Diagnostic {
            code: "missing-field",
            message: format!("`{at}` is missing `{field}`"),
            ..diagnostic
        }
        .expected(format!("`{field} = …`"))
        .help(format!(
            "add `{field} = …`; `bulwark schema` documents each field"
        ));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let found = plain_type(found);
        let expected = plain_type(expected);
        return Diagnostic {
            code: "wrong-type",
            message: format!("`{at}` must be {expected}, not {found}"),
            ..diagnostic
        }
        .expected(expected.clone())
        .help(match expected.as_str() {
            "a list" if at.ends_with("uses") => {
                "write a list in brackets, e.g. [{ to = \"media.images\", access = \"read\" }]"
                    .to_string()
            }
            "a list" => "write a list in brackets, e.g. [\"dev\", \"prod\"]".to_string(),
            "a string" => "write it in double quotes".to_string(),
            "a table" => "write it as a table: { key = \"value\" } or a [section]".to_string(),
            _ => "`bulwark schema` documents each field".to_string(),
        });
    }
    diagnostic
}

/// serde's type vocabulary in TOML's words.
fn plain_type(serde: &str) -> String {
    let word = serde.split_whitespace().next().unwrap_or(serde);
    match word {
        "a" | "an" => plain_type(serde.split_once(' ').map_or(serde, |(_, rest)| rest)),
        "sequence" => "a list".into(),
        "map" | "struct" => "a table".into(),
        "string" | "str" | "char" => "a string".into(),
        "integer" | "i64" | "u64" | "u32" | "i32" => "an integer".into(),
        "boolean" | "bool" => "a boolean".into(),
        "floating" | "f64" => "a number".into(),
        _ => serde.to_string(),
    }
}

fn toml_syntax_error(error: &toml::de::Error, text: &str) -> Diagnostic {
    let message = error.message().trim();
    let span = error.span().unwrap_or(0..0);
    let span = span.start.min(text.len())..span.end.min(text.len());
    let (what, expected) = match message.split_once(", expected ") {
        Some((what, expected)) => (what, expected.to_string()),
        None => (message, "valid TOML (https://toml.io)".to_string()),
    };
    if message.contains("duplicate key") {
        return duplicate_key(span, text);
    }
    let diagnostic = Diagnostic::error("invalid-toml", format!("invalid TOML: {what}"))
        .with_span(span)
        .expected(expected);
    if what.contains("carriage return") {
        diagnostic.help("the file ends its lines with a bare carriage return (CR, old Mac line endings); save it with LF (or CRLF) line endings")
    } else if what.contains("array") {
        diagnostic.help("an array opened earlier may be missing its closing `]`, or two items a comma between them")
    } else if what.contains("string") {
        diagnostic.help("a string opened here has no closing quote on this line")
    } else {
        diagnostic.help("check quotes, brackets and `key = value` pairs near the caret")
    }
}

/// TOML rejects a key or table declared twice; name the component when that is what it is.
fn duplicate_key(span: std::ops::Range<usize>, text: &str) -> Diagnostic {
    let key = text.get(span.clone()).unwrap_or("").trim_matches('"');
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    if line.trim_start().starts_with("[components.") {
        let header = format!("[components.{key}]");
        let first_line = text
            .lines()
            .position(|l| l.trim() == header)
            .filter(|index| {
                text.lines()
                    .take(*index)
                    .map(|l| l.len() + 1)
                    .sum::<usize>()
                    < line_start
            })
            .map(|index| index + 1);
        let help = match first_line {
            Some(first) => {
                format!("the first {header} is on line {first}; rename one, or merge them")
            }
            None => "rename one of them, or merge them".to_string(),
        };
        return Diagnostic::error(
            "duplicate-component",
            format!("component `{}` is declared twice", shown(key)),
        )
        .with_span(span)
        .expected("unique component names")
        .help(help);
    }
    Diagnostic::error(
        "duplicate-key",
        format!("invalid TOML: `{}` is set twice", shown(key)),
    )
    .with_span(span)
    .expected("each key once per table")
    .help("remove one of them; a table header may also appear only once")
}

/// Every key and string of the document that holds an invisible formatting character (see
/// [`super::diagnostic::is_invisible_format`]): names, tags and settings all reach the
/// Bicep, parameter files or tags, so each is refused where it is written.
fn invisible_characters_in_table(table: &DeTable<'_>, text: &str, out: &mut Vec<Diagnostic>) {
    for (key, value) in table.iter() {
        invisible_characters(key.get_ref(), key.span(), text, "key", out);
        invisible_characters_in_value(value, text, out);
    }
}

fn invisible_characters_in_value(
    value: &Spanned<DeValue<'_>>,
    text: &str,
    out: &mut Vec<Diagnostic>,
) {
    match value.get_ref() {
        DeValue::String(string) => invisible_characters(string, value.span(), text, "string", out),
        DeValue::Table(table) => invisible_characters_in_table(table, text, out),
        DeValue::Array(items) => {
            for item in items {
                invisible_characters_in_value(item, text, out);
            }
        }
        _ => {}
    }
}

fn invisible_characters(
    value: &str,
    span: std::ops::Range<usize>,
    text: &str,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(c) = value
        .chars()
        .find(|c| super::diagnostic::is_invisible_format(*c))
    else {
        return;
    };
    // Point at the character itself when it is written as is (not as a `\u` escape).
    let span = text
        .get(span.clone())
        .and_then(|raw| raw.find(c))
        .map_or(span.clone(), |at| {
            span.start + at..span.start + at + c.len_utf8()
        });
    out.push(
        Diagnostic::error(
            "invisible-character",
            format!(
                "this {what} holds U+{:04X} {}, an invisible character: `{}`",
                u32::from(c),
                super::diagnostic::invisible_name(c),
                shown(value)
            ),
        )
        .with_span(span)
        .expected("visible text, without bidirectional-override or zero-width characters")
        .help(format!(
            "delete it (most editors show nothing there), leaving `{}`; such characters make names, tags and settings read differently from what they are in the generated Bicep and in review",
            shown(
                &value
                    .chars()
                    .filter(|c| !super::diagnostic::is_invisible_format(*c))
                    .collect::<String>()
            )
        )),
    );
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

    #[test]
    fn serde_types_read_as_toml_words() {
        assert_eq!(plain_type("a sequence"), "a list");
        assert_eq!(plain_type("struct App"), "a table");
        assert_eq!(plain_type("string \"dev\""), "a string");
    }
}
