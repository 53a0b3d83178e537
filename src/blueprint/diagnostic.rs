//! Diagnostics for bad blueprints: what is wrong, where, what was expected and a hint.
//!
//! Validation speaks in logical paths (`components.web.uses[0].to`) so it serves the TOML
//! loader and the Rust builder alike; a [`SourceMap`] turns a path into a span when the
//! blueprint came from a file.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// Which part of a `key = value` entry a diagnostic points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Key,
    Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier, e.g. `unknown-kind`; tests and tooling match on it.
    pub code: &'static str,
    pub message: String,
    /// Logical location, e.g. `components.web.uses[0].to`.
    pub path: Option<String>,
    pub anchor: Anchor,
    /// Byte range in the blueprint text, when it came from a file.
    pub span: Option<Range<usize>>,
    /// What was expected, shown at the caret.
    pub expected: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
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

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn at_key(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self.anchor = Anchor::Key;
        self
    }

    pub fn with_span(mut self, span: Range<usize>) -> Self {
        self.span = Some(span);
        self
    }

    pub fn expected(mut self, text: impl Into<String>) -> Self {
        self.expected = Some(text.into());
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Logical path → byte ranges of the key and the value, recorded while loading TOML.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    entries: BTreeMap<String, (Option<Range<usize>>, Range<usize>)>,
}

impl SourceMap {
    pub(crate) fn insert(&mut self, path: String, key: Option<Range<usize>>, value: Range<usize>) {
        self.entries.insert(path, (key, value));
    }

    pub fn value_span(&self, path: &str) -> Option<Range<usize>> {
        self.entries.get(path).map(|(_, value)| value.clone())
    }

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

/// `did you mean …?` for a misspelt name, when one candidate is close enough.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(input, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `a`, `b` and `c`-style list for messages.
pub fn list(items: impl IntoIterator<Item = impl fmt::Display>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| format!("`{item}`")).collect();
    match items.as_slice() {
        [] => "none".to_string(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} or {}", rest.join(", "), last),
    }
}
