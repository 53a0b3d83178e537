//! Resolving a blueprint against its libraries: opening them, applying a library's defaults
//! to `[network]`, and merging component presets.
//!
//! Precedence, lowest first: bulwark's defaults, then the library's (`[defaults]` or the
//! preset), then the blueprint. Tables (`settings`, `environments`, `network`) merge key by
//! key; any other value the blueprint sets replaces the library's.
//!
//! A merged table is written out as TOML and parsed again, so serde's errors keep their
//! spans; a span is then mapped back to the blueprint when the value came from it, or to the
//! `preset = …` / `defaults = …` line when it came from the library.

use super::PendingSourceMap;
use super::component::deserialize_kind_located;
use super::deserialize::{Located, deserialize_located};
use super::table_section;
use crate::blueprint::diagnostic::{Anchor, Diagnostic, SourceMap, closest, one_of, shown};
use crate::blueprint::library::{Library, LibraryError, parse_requirement};
use crate::blueprint::model::{ComponentSpec, Kind, Network};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The libraries a blueprint declares: those that opened, and the names of those that did
/// not (already reported, so what refers to them stays quiet).
#[derive(Default)]
pub struct Libraries {
    pub loaded: BTreeMap<String, Library>,
    pub failed: std::collections::BTreeSet<String>,
}

/// Open the libraries of `[libraries]`: `name = { path = "…", version = "1.4" }`.
pub fn libraries(
    value: &Spanned<DeValue<'_>>,
    base: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Libraries {
    let mut libraries = Libraries::default();

    let Some(table) = value.get_ref().as_table() else {
        diagnostics.push(
            Diagnostic::error("not-a-table", "`libraries` must be a table of libraries")
                .with_span(value.span())
                .expected("[libraries] with `name = { path = \"…\" }` entries")
                .help("e.g. platform = { path = \"../platform-library\", version = \"1\" }"),
        );
        return libraries;
    };
    for (name, entry) in table.iter() {
        let name_text = name.get_ref().to_string();
        libraries.failed.insert(name_text.clone());
        if let Some(library) = library_entry(name, entry, base, diagnostics) {
            libraries.failed.remove(&name_text);
            libraries.loaded.insert(name_text, library);
        }
    }
    libraries
}

/// One entry of `[libraries]`, `name = { path = "…", version = "…" }`: the library it names,
/// opened and checked against its name and the version required; `None` once reported.
fn library_entry(
    name: &Spanned<std::borrow::Cow<'_, str>>,
    entry: &Spanned<DeValue<'_>>,
    base: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Library> {
    let name_text = name.get_ref().to_string();
    let Some(entry_table) = entry.get_ref().as_table() else {
        diagnostics.push(
            Diagnostic::error(
                "not-a-table",
                format!("library `{}` must be a table", shown(&name_text)),
            )
            .with_span(entry.span())
            .expected("{ path = \"…\", version = \"…\" }")
            .help(format!(
                "e.g. {} = {{ path = \"../{}\" }}",
                shown(&name_text),
                shown(&name_text)
            )),
        );
        return None;
    };
    let field = |key: &str| {
        entry_table
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v)
    };
    for (key, _) in entry_table.iter() {
        if !["path", "version"].contains(&key.get_ref().as_ref()) {
            diagnostics.push(
                Diagnostic::error(
                    "unknown-field",
                    format!(
                        "library `{name_text}` has no field `{}`",
                        shown(key.get_ref())
                    ),
                )
                .with_span(key.span())
                .expected("`path` or `version`")
                .help("a library entry names its folder and, optionally, the version it needs"),
            );
        }
    }
    let Some(path_value) = field("path").filter(|v| v.get_ref().as_str().is_some()) else {
        diagnostics.push(
            Diagnostic::error(
                "missing-field",
                format!("library `{name_text}` has no `path`"),
            )
            .with_span(entry.span())
            .expected("path = \"<folder with bulwark-library.toml>\"")
            .help("the path is relative to the blueprint's folder"),
        );
        return None;
    };
    let library = open_library(name, path_value, base, diagnostics)?;
    if let Some(version) = field("version")
        && !version_matches(&name_text, &library, path_value, version, diagnostics)
    {
        return None;
    }
    Some(library)
}

/// The library at `path` (relative to the blueprint's folder `base`), when it opens and is
/// named as the blueprint names it.
fn open_library(
    name: &Spanned<std::borrow::Cow<'_, str>>,
    path_value: &Spanned<DeValue<'_>>,
    base: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Library> {
    let name_text = name.get_ref().to_string();
    let relative = path_value.get_ref().as_str().unwrap_or_default();
    let library = match Library::open(&crate::blueprint::library::normalize(&base.join(relative))) {
        Ok(library) => library,
        Err(error) => {
            let help = match &error {
                LibraryError::Unreadable { .. } => format!(
                    "the path is relative to the blueprint's folder; `{relative}` should hold bulwark-library.toml"
                ),
                LibraryError::Invalid { .. } => {
                    "fix the library's manifest, or ask its owners to".to_string()
                }
            };
            diagnostics.push(
                Diagnostic::error(
                    "library-unavailable",
                    format!("library `{name_text}`: {error}"),
                )
                .with_span(path_value.span())
                .expected("a folder with a bulwark-library.toml")
                .help(help),
            );
            return None;
        }
    };
    if library.name() != name_text {
        diagnostics.push(
            Diagnostic::error(
                "library-name",
                format!(
                    "the library at `{relative}` is named `{}`, not `{name_text}`",
                    library.name()
                ),
            )
            .with_span(name.span())
            .expected(format!("`{}`", library.name()))
            .help(format!(
                "declare it as {} = {{ path = \"{relative}\" }}",
                library.name()
            )),
        );
        return None;
    }
    Some(library)
}

/// Whether `library` meets the `version = "…"` requirement the blueprint writes for it
/// (reported when it does not, or when the requirement does not parse).
fn version_matches(
    name_text: &str,
    library: &Library,
    path_value: &Spanned<DeValue<'_>>,
    version: &Spanned<DeValue<'_>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let relative = path_value.get_ref().as_str().unwrap_or_default();
    let Some(wanted) = version.get_ref().as_str() else {
        diagnostics.push(
            Diagnostic::error(
                "wrong-type",
                format!("the version of library `{name_text}` must be a string"),
            )
            .with_span(version.span())
            .expected("a version in double quotes, e.g. \"1.4\"")
            .help(
                "write it in double quotes, e.g. version = \"1.4\": unquoted, 1.4 is a number, and 1.40 would be the same number",
            ),
        );
        return false;
    };
    let requirement = match parse_requirement(wanted) {
        Ok(requirement) => requirement,
        Err(problem) => {
            diagnostics.push(
                Diagnostic::error(
                    "bad-version-requirement",
                    format!(
                        "`{}` is not a version requirement for library `{name_text}`: {problem}",
                        shown(wanted)
                    ),
                )
                .with_span(version.span())
                .expected("a requirement as in Cargo: \"1.4\" (same as ^1.4), \"~1.4.2\", \"=1.4.2\" or \">=1.4, <3\"")
                .help(format!(
                    "write version = \"{}\" to accept {} and its compatible releases",
                    compatible(library.version()),
                    library.version()
                )),
            );
            return false;
        }
    };
    // Library::open accepts only semantic versions, so this always parses.
    let have = semver::Version::parse(library.version().trim()).ok();
    if !have.is_some_and(|have| requirement.matches(&have)) {
        diagnostics.push(
            Diagnostic::error(
                "library-version",
                format!(
                    "library `{name_text}` is version {}, the blueprint needs {wanted} ({requirement})",
                    library.version()
                ),
            )
            .with_span(version.span())
            .expected(format!("a version matching {requirement}"))
            .help(format!(
                "update the library at `{relative}` (e.g. `git submodule update --remote`), or require version = \"{}\"",
                compatible(library.version())
            )),
        );
        return false;
    }
    true
}

/// The requirement that accepts `version` and its compatible releases: `1.4` for 1.4.0
/// (`^1.4`), `0.3` for 0.3.1.
fn compatible(version: &str) -> String {
    match semver::Version::parse(version.trim()) {
        Ok(version) if version.major == 0 && version.minor == 0 => version.to_string(),
        Ok(version) => format!("{}.{}", version.major, version.minor),
        Err(_) => version.to_string(),
    }
}

/// The `[defaults]` of the library `[app] defaults` names, and where that name is written.
#[derive(Clone)]
pub struct Defaults<'a> {
    library: &'a Library,
    span: Range<usize>,
}

/// Top-level tables a library's `[defaults]` may set.
pub const DEFAULTABLE_SECTIONS: &[&str] =
    &["network", "governance", "monitoring", "deployment", "tags"];

pub fn defaults<'a>(
    name: &str,
    span: Range<usize>,
    libraries: &'a Libraries,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Defaults<'a>> {
    let Some(library) = libraries.loaded.get(name) else {
        diagnostics.extend(unknown_library(name, span, libraries));
        return None;
    };
    for key in library.manifest.defaults.keys() {
        if !DEFAULTABLE_SECTIONS.contains(&key.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "unsupported-default",
                    format!("library `{name}` sets defaults for `{key}`, which this bulwark does not take from libraries"),
                )
                .with_span(span.clone())
                .expected(format!("library defaults for {}", super::one_of(DEFAULTABLE_SECTIONS)))
                .help(format!("remove `{key}` from [defaults] in {}", library.manifest_path().display())),
            );
        }
    }
    Some(Defaults { library, span })
}

fn unknown_library(name: &str, span: Range<usize>, libraries: &Libraries) -> Option<Diagnostic> {
    if libraries.failed.contains(name) {
        return None;
    }
    let names: Vec<&str> = libraries.loaded.keys().map(String::as_str).collect();
    let diagnostic = Diagnostic::error(
        "unknown-library",
        format!("no library `{}` in [libraries]", shown(name)),
    )
    .with_span(span)
    .expected(if names.is_empty() {
        "a library declared in [libraries]".to_string()
    } else {
        one_of(&names)
    });
    Some(match closest(name, names.iter().copied()) {
        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
        None => diagnostic.help(format!(
            "declare it: [libraries] {} = {{ path = \"…\" }}",
            shown(name)
        )),
    })
}

/// `[network]` with the library's defaults under the blueprint's own values.
pub fn network(
    value: Option<&Spanned<DeValue<'_>>>,
    defaults: Option<Defaults<'_>>,
    source_map: &PendingSourceMap<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Network {
    section::<Network>("network", value, defaults, source_map, diagnostics)
}

/// A top-level table (`[network]`, `[governance]`, `[monitoring]`, `[tags]`) with the
/// library's defaults for it under the blueprint's own values.
pub fn section<T: DeserializeOwned + Default>(
    key: &str,
    value: Option<&Spanned<DeValue<'_>>>,
    defaults: Option<Defaults<'_>>,
    source_map: &PendingSourceMap<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> T {
    let library_section = defaults
        .as_ref()
        .and_then(|d| d.library.manifest.defaults.get(key))
        .and_then(|v| v.as_table());
    let result = match (value, library_section, &defaults) {
        (Some(value), None, _) => table_section::<T>(value, key, source_map),
        (None, None, _) => Ok(T::default()),
        (blueprint, Some(library), Some(defaults)) => {
            let mut merged = library.clone();
            if let Some(blueprint) = blueprint.and_then(|v| v.get_ref().as_table()) {
                merge(&mut merged, to_table(blueprint));
            }
            let note = format!("from the defaults of library `{}`", defaults.library.name());
            reparse(
                &merged,
                key,
                source_map,
                defaults.span.clone(),
                &note,
                |value, locate| deserialize_located::<T>(value, key, locate),
            )
        }
        (_, Some(_), None) => unreachable!("library defaults come with their library"),
    };
    result.unwrap_or_else(|diagnostic| {
        diagnostics.push(*diagnostic);
        T::default()
    })
}

/// A component that names `preset = "<library>/<preset>"`: the preset's settings under the
/// component's own.
pub fn preset_component(
    kind: Kind,
    table: &DeTable<'_>,
    preset: &Spanned<DeValue<'_>>,
    path: &str,
    source_map: &PendingSourceMap<'_>,
    libraries: &Libraries,
) -> Result<ComponentSpec, Option<Box<Diagnostic>>> {
    let Some(reference) = preset.get_ref().as_str() else {
        return Err(Some(Box::new(
            Diagnostic::error("wrong-type", "`preset` must be a string")
                .with_span(preset.span())
                .expected("\"<library>/<preset>\"")
                .help("e.g. preset = \"platform/web-standard\""),
        )));
    };
    let Some((library_name, preset_name)) = reference.split_once('/') else {
        return Err(Some(Box::new(
            Diagnostic::error("invalid-preset", format!("`{}` does not name a library and a preset", shown(reference)))
                .with_span(preset.span())
                .expected("\"<library>/<preset>\"")
                .help("e.g. preset = \"platform/web-standard\"; `bulwark lib list` shows what libraries offer"),
        )));
    };
    let Some(library) = libraries.loaded.get(library_name) else {
        return Err(unknown_library(library_name, preset.span(), libraries).map(Box::new));
    };
    let Some(preset_table) = library.manifest.presets.get(preset_name) else {
        let names: Vec<&str> = library
            .manifest
            .presets
            .keys()
            .map(String::as_str)
            .collect();
        let diagnostic = Diagnostic::error(
            "unknown-preset",
            format!(
                "library `{library_name}` {} has no preset `{}`",
                library.version(),
                shown(preset_name)
            ),
        )
        .with_span(preset.span())
        .expected(if names.is_empty() {
            format!("a preset of `{library_name}` (it has none)")
        } else {
            one_of(names.iter().map(|n| format!("{library_name}/{n}")))
        });
        return Err(Some(Box::new(
            match closest(preset_name, names.iter().copied()) {
                Some(near) => diagnostic.help(format!(
                    "did you mean `{library_name}/{near}`? (in {})",
                    library.manifest_path().display()
                )),
                None => diagnostic.help(format!(
                    "the library's presets are in {}",
                    library.manifest_path().display()
                )),
            },
        )));
    };
    let preset_kind = preset_table
        .get("kind")
        .and_then(toml::Value::as_str)
        .unwrap_or_default();
    if preset_kind != kind.as_str() {
        return Err(Some(Box::new(
            Diagnostic::error(
                "preset-conflict",
                format!("the component is a {kind} but preset `{reference}` is a {preset_kind}"),
            )
            .with_span(preset.span())
            .expected(format!("a {kind} preset"))
            .help(format!(
                "the component's kind is set here; the preset's at {}: change one so they agree",
                library.preset_location(preset_name)
            )),
        )));
    }
    let mut merged = preset_table.clone();
    merged.remove("kind");
    let mut own = to_table(table);
    own.remove("kind");
    own.remove("preset");
    merge(&mut merged, own);
    let note = format!(
        "from preset `{reference}` at {}",
        library.preset_location(preset_name)
    );
    reparse(
        &merged,
        path,
        source_map,
        preset.span(),
        &note,
        |value, locate| deserialize_kind_located(kind, value, path, locate),
    )
    .map_err(Some)
}

/// Serialize a merged table, parse it again with spans, and deserialize it, mapping every
/// error back to the blueprint (or to `fallback`, the line that brought the library in).
fn reparse<T>(
    merged: &toml::Table,
    path: &str,
    source_map: &PendingSourceMap<'_>,
    fallback: Range<usize>,
    note: &str,
    deserialize: impl FnOnce(
        Spanned<DeValue<'_>>,
        &dyn Fn(&Range<usize>) -> Located,
    ) -> Result<T, Box<Diagnostic>>,
) -> Result<T, Box<Diagnostic>> {
    let text = toml::to_string(merged).map_err(|error| {
        Box::new(
            Diagnostic::error(
                "invalid-value",
                format!("cannot merge `{path}` with its library: {error}"),
            )
            .with_span(fallback.clone())
            .expected("values TOML can hold")
            .help(note.to_string()),
        )
    })?;
    let root = DeTable::parse(&text).map_err(|error| {
        Box::new(
            Diagnostic::error(
                "invalid-value",
                format!(
                    "cannot merge `{path}` with its library: {}",
                    error.message()
                ),
            )
            .with_span(fallback.clone())
            .expected("values TOML can hold")
            .help(note.to_string()),
        )
    })?;
    let mut merged_map = SourceMap::default();
    super::document::record_table(&mut merged_map, "", root.get_ref());
    let locate = |span: &Range<usize>| {
        let relative = merged_map.locate(span);
        let full = match &relative {
            Some((relative, _)) => format!("{path}.{relative}"),
            None => path.to_string(),
        };
        let in_blueprint = match &relative {
            Some((_, Anchor::Key)) => source_map.key_span(&full),
            Some((_, Anchor::Value)) => source_map.value_span(&full),
            None => None,
        };
        match in_blueprint {
            Some(span) => Located {
                path: full,
                span,
                note: None,
            },
            None => Located {
                path: full,
                span: fallback.clone(),
                note: Some(note.to_string()),
            },
        }
    };
    let span = root.span();
    deserialize(
        Spanned::new(span, DeValue::Table(root.into_inner())),
        &locate,
    )
}

/// `merged` with `own` on top: tables merge key by key, everything else is replaced.
fn merge(merged: &mut toml::Table, own: toml::Table) {
    for (key, value) in own {
        match (merged.get_mut(&key), value) {
            (Some(toml::Value::Table(base)), toml::Value::Table(top)) => merge(base, top),
            (_, value) => {
                merged.insert(key, value);
            }
        }
    }
}

fn to_table(table: &DeTable<'_>) -> toml::Table {
    table
        .iter()
        .map(|(key, value)| (key.get_ref().to_string(), to_value(value.get_ref())))
        .collect()
}

/// A parsed TOML value without its spans.
fn to_value(value: &DeValue<'_>) -> toml::Value {
    match value {
        DeValue::String(text) => toml::Value::String(text.to_string()),
        DeValue::Integer(integer) => {
            let digits: String = integer.as_str().chars().filter(|c| *c != '_').collect();
            let number = i64::from_str_radix(digits.trim_start_matches('+'), integer.radix())
                .unwrap_or_default();
            toml::Value::Integer(number)
        }
        DeValue::Float(float) => {
            let text: String = float.as_str().chars().filter(|c| *c != '_').collect();
            let number = match text.trim_start_matches('+') {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" | "-nan" => f64::NAN,
                other => other.parse().unwrap_or_default(),
            };
            toml::Value::Float(number)
        }
        DeValue::Boolean(flag) => toml::Value::Boolean(*flag),
        DeValue::Datetime(datetime) => toml::Value::Datetime(*datetime),
        DeValue::Array(items) => {
            toml::Value::Array(items.iter().map(|item| to_value(item.get_ref())).collect())
        }
        DeValue::Table(table) => toml::Value::Table(to_table(table)),
    }
}
