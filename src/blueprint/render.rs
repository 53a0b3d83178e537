//! Rendering diagnostics as text: file:line:col, the line with a caret, what was expected
//! and a hint. The CLI prints what this returns.

use super::diagnostic::{Diagnostic, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;

/// Where the blueprint text came from, for diagnostics that point into it.
pub struct Source<'a> {
    /// The name shown before `:line:col`, usually the file's path.
    pub name: &'a str,
    /// The text the diagnostics' spans index.
    pub text: &'a str,
}

/// Render diagnostics as a terminal report: `file:line:col`, the line with a caret under
/// the span, what was expected and the hint; `color` adds ANSI styles. Diagnostics without
/// a span (or without `source`) show their logical path instead.
pub fn render(diagnostics: &[Diagnostic], source: Option<&Source<'_>>, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let long_lines = match (&diagnostic.span, source) {
            (Some(span), Some(source)) => has_long_lines(source.text, span),
            _ => false,
        };
        let report = Report {
            diagnostic,
            source: source
                .filter(|_| !long_lines)
                .map(|s| NamedSource::new(s.name, s.text.to_string())),
            text_len: source.map_or(0, |s| s.text.len()),
        };
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}\n", diagnostic.message));
        }
        match (&diagnostic.span, &diagnostic.path, source) {
            (None, Some(path), _) => out.push_str(&format!("  at: {path}\n")),
            (Some(_), _, Some(source)) if source.text.is_empty() => {
                out.push_str(&format!("  at: {}:1:1\n", source.name));
            }
            (Some(span), _, Some(source)) if long_lines => {
                let (line, column) = line_column(source.text, span.start);
                out.push_str(&format!(
                    "  at: {}:{line}:{column} (the line is too long to show)\n",
                    source.name
                ));
            }
            _ => {}
        }
        out.push('\n');
    }
    out
}

/// The longest source line a diagnostic shows with a caret; past it (a megabyte of value on
/// one line) the location is given in words, so the output stays as short as the message.
const MAX_SHOWN_LINE: usize = 400;

/// Whether the lines a caret would show for `span` (with one line of context each side)
/// include one longer than [`MAX_SHOWN_LINE`].
fn has_long_lines(text: &str, span: &std::ops::Range<usize>) -> bool {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
    // From the start of the line before the span to the end of the line after it.
    let line_start = text[..start].rfind('\n').unwrap_or(0);
    let from = text[..line_start].rfind('\n').map_or(0, |at| at + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |at| end + at + 1);
    let to = text[line_end.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |at| line_end + at);
    text[from..to]
        .split('\n')
        .any(|line| line.len() > MAX_SHOWN_LINE)
}

/// One line per diagnostic, `file:line:col: severity[code]: message`, for logs and tests.
pub fn render_short(diagnostics: &[Diagnostic], source: Option<&Source<'_>>) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let severity = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let location = match (source, &diagnostic.span, &diagnostic.path) {
            (Some(source), Some(span), _) => {
                let (line, column) = line_column(source.text, span.start);
                format!("{}:{line}:{column}", source.name)
            }
            (_, _, Some(path)) => path.clone(),
            _ => "blueprint".to_string(),
        };
        out.push_str(&format!(
            "{location}: {severity}[{}]: {}\n",
            diagnostic.code, diagnostic.message
        ));
    }
    out
}

/// One GitHub Actions workflow command per diagnostic (`::warning file=…,line=…,col=…::…`),
/// which a workflow run shows as an annotation on the file and in the run's summary. `file`
/// is the blueprint's path from the repository root; `None` leaves the location out.
pub fn render_github(
    diagnostics: &[Diagnostic],
    source: Option<&Source<'_>>,
    file: Option<&str>,
) -> String {
    // Escaping as actions/toolkit packages/core/src/command.ts does: `%`, CR and LF in the
    // message; also `:` and `,` in a property, which would end it.
    let data = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |text: &str| data(text).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for diagnostic in diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = Vec::new();
        if let Some(file) = file {
            properties.push(format!("file={}", property(file)));
            if let (Some(source), Some(span)) = (source, &diagnostic.span) {
                let (line, column) = line_column(source.text, span.start);
                properties.push(format!("line={line},col={column}"));
            }
        }
        properties.push(format!(
            "title={}",
            property(&format!("bulwark {}", diagnostic.code))
        ));
        let mut message = diagnostic.message.clone();
        if let Some(help) = &diagnostic.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            data(&message)
        ));
    }
    out
}

/// The diagnostics as bulwark's JSON output shows them: one object each with `code`,
/// `severity` (`error` or `warning`), `message`, `file`, 1-based `line` and `column` (in
/// characters) of the start and `end_line`/`end_column` of the end when the diagnostic points
/// into the text (else null), the logical `path` (e.g. `components.web.kind`), `expected`
/// and `help`. The shape is documented in schemas/output.schema.json.
pub fn to_json(diagnostics: &[Diagnostic], source: &Source<'_>) -> Vec<serde_json::Value> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let position = |offset: usize| line_column(source.text, offset);
            let (start, end) = match &diagnostic.span {
                Some(span) => (Some(position(span.start)), Some(position(span.end))),
                _ => (None, None),
            };
            serde_json::json!({
                "code": diagnostic.code,
                "severity": match diagnostic.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "message": diagnostic.message,
                "file": source.name,
                "line": start.map(|(line, _)| line),
                "column": start.map(|(_, column)| column),
                "end_line": end.map(|(line, _)| line),
                "end_column": end.map(|(_, column)| column),
                "path": diagnostic.path,
                "expected": diagnostic.expected,
                "help": diagnostic.help,
            })
        })
        .collect()
}

/// The blueprint text as it is safe to show in a terminal: control characters and invisible
/// or bidirectional formatting characters become `?` or U+FFFD of the same byte length, so
/// spans still point at the same text. A carriage return not followed by a line feed (a
/// file saved with old Mac line endings) becomes a line feed, so lines are counted as the
/// editor shows them.
pub fn displayable(text: &str) -> String {
    // Almost every blueprint is printable ASCII with line feeds and tabs: nothing to replace,
    // and a byte check is far cheaper than decoding each character (the CLI renders every
    // blueprint it reads).
    if text
        .bytes()
        .all(|b| matches!(b, b' '..=b'~' | b'\n' | b'\t'))
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() != Some(&'\n') => out.push('\n'),
            '\n' | '\t' | '\r' => out.push(c),
            c if super::diagnostic::is_hidden(c) => match c.len_utf8() {
                3 => out.push('\u{fffd}'),
                width => out.extend(std::iter::repeat_n('?', width)),
            },
            c => out.push(c),
        }
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<NamedSource<String>>,
    text_len: usize,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl Report<'_> {
    /// An empty file has no line to point at; its diagnostic says everything in words.
    fn has_caret(&self) -> bool {
        self.source.is_some() && self.diagnostic.span.is_some() && self.text_len > 0
    }
}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("bulwark::{}", self.diagnostic.code)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let expected = self.diagnostic.expected.as_ref();
        match (&self.diagnostic.help, self.has_caret()) {
            // Without a caret to hang it on, "expected" joins the help text.
            (help, false) if expected.is_some() => {
                let expected = format!("expected {}", expected.unwrap());
                Some(Box::new(match help {
                    Some(help) => format!("{expected}\n{help}"),
                    None => expected,
                }))
            }
            (Some(help), _) => Some(Box::new(help.clone())),
            (None, _) => None,
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        if !self.has_caret() {
            return None;
        }
        self.source
            .as_ref()
            .map(|source| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diagnostic.span.as_ref()?;
        if !self.has_caret() {
            return None;
        }
        let start = span.start.min(self.text_len);
        let end = span.end.clamp(start, self.text_len);
        let label = self
            .diagnostic
            .expected
            .as_ref()
            .map(|e| format!("expected {e}"));
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label,
            SourceSpan::from(start..end),
        ))))
    }
}
