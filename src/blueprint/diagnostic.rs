//! Diagnostics for bad blueprints: what is wrong, where, what was expected and a hint.
//!
//! Validation speaks in logical paths (`components.web.uses[0].to`) so it serves the TOML
//! loader and the Rust builder alike; a [`SourceMap`] turns a path into a span when the
//! blueprint came from a file.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// Whether a diagnostic stops generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The blueprint cannot be generated until this is fixed.
    Error,
    /// Generation goes ahead; the diagnostic says what deserves a look.
    Warning,
}

/// Which part of a `key = value` entry a diagnostic points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The key: the entry is misplaced or misspelt.
    Key,
    /// The value: the key is right, what it is set to is not.
    Value,
}

/// One problem with a blueprint, found by the loader, validation, planning or the template
/// limits: a stable code, a message, where it is, what was expected and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether it stops generation.
    pub severity: Severity,
    /// Stable identifier, e.g. `unknown-kind`; tests and tooling match on it.
    pub code: &'static str,
    /// What is wrong, in one sentence that names the values involved.
    pub message: String,
    /// Logical location, e.g. `components.web.uses[0].to`.
    pub path: Option<String>,
    /// Whether `span` should point at the key or at the value of the entry at `path`.
    pub anchor: Anchor,
    /// Byte range in the blueprint text, when it came from a file.
    pub span: Option<Range<usize>>,
    /// What was expected, shown at the caret.
    pub expected: Option<String>,
    /// How to fix it, when there is something better to say than `expected`.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a stable `code` (kebab-case) and a message; add a location with [`at`](Self::at).
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            path: None,
            anchor: Anchor::Value,
            span: None,
            expected: None,
            help: None,
        }
    }

    /// A warning: generation goes ahead.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    /// Point at the value of the entry at a logical path, e.g. `components.web.uses[0].to`.
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Point at the key of the entry at a logical path: for an unknown or misplaced key.
    pub fn at_key(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self.anchor = Anchor::Key;
        self
    }

    /// Point at a byte range of the blueprint text directly.
    pub fn with_span(mut self, span: Range<usize>) -> Self {
        self.span = Some(span);
        self
    }

    /// What would have been accepted, shown at the caret.
    pub fn expected(mut self, text: impl Into<String>) -> Self {
        self.expected = Some(text.into());
        self
    }

    /// A hint on how to fix it.
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    /// Whether it stops generation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where a key (`None` for an array item) and its value are in the text.
pub(crate) type KeyAndValueSpans = (Option<Range<usize>>, Range<usize>);

/// Logical path → byte ranges of the key and the value, recorded while loading TOML.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    entries: BTreeMap<String, KeyAndValueSpans>,
    /// Where each line of the text the spans point into starts (one scan when loading), so
    /// a line number is a binary search, not a scan from the start of the text (issue 14).
    line_starts: Vec<usize>,
}

impl SourceMap {
    /// Record where the lines of `text` (the text the spans point into) start.
    pub(crate) fn index_lines(&mut self, text: &str) {
        crate::counters::add(crate::counters::Counter::LineScanBytes, text.len() as u64);
        self.line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(newline, _)| newline + 1))
            .collect();
    }

    /// The 1-based line of byte `offset` in `text`, the text this map was recorded from:
    /// looked up in the line index, or counted when the map has none.
    pub fn line_of(&self, text: &str, offset: usize) -> usize {
        let offset = offset.min(text.len());
        if self.line_starts.is_empty() {
            crate::counters::add(crate::counters::Counter::LineScanBytes, offset as u64);
            return text.as_bytes()[..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
        }
        self.line_starts.partition_point(|start| *start <= offset)
    }

    /// Add the spans of many paths (path → key and value span), a later entry for a path
    /// replacing an earlier one. Into an empty map they are sorted once and the map built in
    /// one pass, rather than searched for each.
    pub(crate) fn extend(&mut self, entries: Vec<(String, KeyAndValueSpans)>) {
        if self.entries.is_empty() {
            // `collect` sorts stably and keeps the last of equal keys, as inserting would.
            self.entries = entries.into_iter().collect();
        } else {
            self.entries.extend(entries);
        }
    }

    /// The byte range of the value at a logical path, if the text spelt it out.
    pub fn value_span(&self, path: &str) -> Option<Range<usize>> {
        self.entries.get(path).map(|(_, value)| value.clone())
    }

    /// The path whose value (or key) is exactly `span`, the deepest when several are.
    pub fn path_at(&self, span: &Range<usize>) -> Option<String> {
        self.entries
            .iter()
            .filter(|(_, (key, value))| value == span || key.as_ref() == Some(span))
            .map(|(path, _)| path)
            .max_by_key(|path| path.len())
            .cloned()
    }

    /// Like [`SourceMap::path_at`], also saying whether `span` is the key or the value.
    pub fn locate(&self, span: &Range<usize>) -> Option<(String, Anchor)> {
        self.entries
            .iter()
            .filter_map(|(path, (key, value))| {
                if key.as_ref() == Some(span) {
                    Some((path, Anchor::Key))
                } else if value == span {
                    Some((path, Anchor::Value))
                } else {
                    None
                }
            })
            .max_by_key(|(path, _)| path.len())
            .map(|(path, anchor)| (path.clone(), anchor))
    }

    /// The byte range of the key at a logical path, if the text spelt it out.
    pub fn key_span(&self, path: &str) -> Option<Range<usize>> {
        self.entries.get(path).and_then(|(key, _)| key.clone())
    }

    /// Fill in spans for diagnostics that only know their path. A path that has no entry
    /// (a defaulted field) falls back to its nearest recorded parent.
    pub fn resolve(&self, diagnostics: &mut [Diagnostic]) {
        for diagnostic in diagnostics.iter_mut().filter(|d| d.span.is_none()) {
            let Some(path) = diagnostic.path.clone() else {
                continue;
            };
            let mut candidate = path.as_str();
            loop {
                let span = match diagnostic.anchor {
                    Anchor::Key => self
                        .key_span(candidate)
                        .or_else(|| self.value_span(candidate)),
                    Anchor::Value => self.value_span(candidate),
                };
                if let Some(span) = span {
                    diagnostic.span = Some(span);
                    break;
                }
                match parent_path(candidate) {
                    Some(parent) => candidate = parent,
                    None => break,
                }
            }
        }
    }
}

fn parent_path(path: &str) -> Option<&str> {
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

/// `did you mean …?` for a misspelt name: the closest candidate by spelling, or else one
/// that has the input as a hyphen-separated word (`write` → `read-write`).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    candidates
        .iter()
        .map(|candidate| (strsim::jaro_winkler(input, candidate), *candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
        .or_else(|| {
            let input = input.to_ascii_lowercase();
            candidates.into_iter().find(|candidate| {
                !input.is_empty() && candidate.split('-').any(|word| word == input)
            })
        })
}

/// `one of `a`, `b` or `c``, or just `` `a` `` when there is one.
pub fn one_of(items: impl IntoIterator<Item = impl fmt::Display>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| item.to_string()).collect();
    match items.len() {
        0 => "none".to_string(),
        1 => format!("`{}`", items[0]),
        _ => format!("one of {}", list(items)),
    }
}

/// `a`, `b` or `c`: a choice.
pub fn list(items: impl IntoIterator<Item = impl fmt::Display>) -> String {
    join(items, "or")
}

/// `a`, `b` and `c`: all of them.
pub fn all_of(items: impl IntoIterator<Item = impl fmt::Display>) -> String {
    join(items, "and")
}

fn join(items: impl IntoIterator<Item = impl fmt::Display>, conjunction: &str) -> String {
    let items: Vec<String> = items.into_iter().map(|item| format!("`{item}`")).collect();
    match items.as_slice() {
        [] => "none".to_string(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} {conjunction} {}", rest.join(", "), last),
    }
}

pub use crate::text::{invisible_name, is_hidden, is_invisible_format, shown};
