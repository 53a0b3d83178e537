//! The TOML document itself: its syntax errors (a key or component declared twice named as
//! such), invisible characters in its keys and strings, and the source map from every
//! logical path to its span.

use crate::blueprint::diagnostic::{
    Diagnostic, KeyAndValueSpans, SourceMap, invisible_name, is_invisible_format, shown,
};
use std::fmt::Write as _;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub(super) fn toml_syntax_error(error: &toml::de::Error, text: &str) -> Diagnostic {
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
/// [`is_invisible_format`]): names, tags and settings all reach the
/// Bicep, parameter files or tags, so each is refused where it is written.
pub(super) fn invisible_characters_in_table(
    table: &DeTable<'_>,
    text: &str,
    out: &mut Vec<Diagnostic>,
) {
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
    // Every invisible formatting character is outside ASCII: most values need no decoding.
    if value.is_ascii() {
        return;
    }
    let Some(c) = value.chars().find(|c| is_invisible_format(*c)) else {
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
                invisible_name(c),
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
                    .filter(|c| !is_invisible_format(*c))
                    .collect::<String>()
            )
        )),
    );
}

/// Record the span of every key and item under `table` (paths start with `prefix`).
/// One path buffer grows and shrinks along the walk, and the map is built from all the
/// entries at once: a `format!`ed path and a sorted-map insertion per key was a quarter of
/// loading.
pub(super) fn record_table(map: &mut SourceMap, prefix: &str, table: &DeTable<'_>) {
    let mut entries = Vec::new();
    let mut path = String::from(prefix);
    record_table_entries(&mut entries, &mut path, table);
    map.extend(entries);
}

type Entry = (String, KeyAndValueSpans);

fn record_table_entries(entries: &mut Vec<Entry>, path: &mut String, table: &DeTable<'_>) {
    for (key, value) in table.iter() {
        let parent = path.len();
        if parent > 0 {
            path.push('.');
        }
        path.push_str(key.get_ref());
        entries.push((path.clone(), (Some(key.span()), value.span())));
        record_value_entries(entries, path, value);
        path.truncate(parent);
    }
}

fn record_value_entries(entries: &mut Vec<Entry>, path: &mut String, value: &Spanned<DeValue<'_>>) {
    match value.get_ref() {
        DeValue::Table(table) => record_table_entries(entries, path, table),
        DeValue::Array(items) => {
            let parent = path.len();
            for (index, item) in items.iter().enumerate() {
                write!(path, "[{index}]").expect("writing to a String");
                entries.push((path.clone(), (None, item.span())));
                record_value_entries(entries, path, item);
                path.truncate(parent);
            }
        }
        _ => {}
    }
}

/// The document's source map while the loader reads the document: from about a hundred
/// components on, recorded on a second thread (the loader's first steps have no other work
/// for it), otherwise here. The loader reads the map only to point an error at the text and
/// for `app.defaults`; the first such read waits for it ([`Deref`](std::ops::Deref)), and
/// [`PendingSourceMap::into_inner`] takes it whole at the end.
pub(crate) struct PendingSourceMap<'scope> {
    map: std::cell::OnceCell<SourceMap>,
    worker: std::cell::Cell<Option<Worker<'scope>>>,
}

type Worker<'scope> = std::thread::ScopedJoinHandle<'scope, (SourceMap, crate::counters::Counts)>;

/// From this size of blueprint text on (about a hundred components of the synthetic mix, as
/// `emit::components::PARALLEL_FROM`), the map is recorded on a thread of its own.
pub(super) const PARALLEL_FROM_BYTES: usize = 16 * 1024;

impl<'scope> PendingSourceMap<'scope> {
    /// The map of `table`, parsed from `text`: on a thread of `scope` when `parallel`.
    pub(super) fn record<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        table: &'env DeTable<'env>,
        text: &'env str,
        parallel: bool,
    ) -> Self {
        let pending = PendingSourceMap {
            map: std::cell::OnceCell::new(),
            worker: std::cell::Cell::new(None),
        };
        let record = move || {
            let mut map = SourceMap::default();
            record_table(&mut map, "", table);
            map.index_lines(text);
            map
        };
        if parallel {
            // A thread that cannot be started leaves the map to be recorded here.
            let spawned = std::thread::Builder::new()
                .spawn_scoped(scope, move || (record(), crate::counters::take()));
            match spawned {
                Ok(worker) => pending.worker.set(Some(worker)),
                Err(_) => drop(pending.map.set(record())),
            }
        } else {
            let _ = pending.map.set(record());
        }
        pending
    }

    /// The whole map, once recorded.
    pub(super) fn into_inner(self) -> SourceMap {
        // Reading it waits for the worker, if it records the map.
        let _ = &*self;
        self.map.into_inner().unwrap_or_default()
    }
}

impl std::ops::Deref for PendingSourceMap<'_> {
    type Target = SourceMap;

    fn deref(&self) -> &SourceMap {
        self.map.get_or_init(|| {
            let worker = self
                .worker
                .take()
                .expect("a map not recorded here is recorded on its worker");
            crate::counters::join_counted(worker)
        })
    }
}
