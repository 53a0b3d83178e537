//! The only place Bicep text is produced. Two-space indentation, one property or item per
//! line, LF line endings, one trailing newline.

use super::cloud;
use super::{Expr, File, Item, Key, Param, ParamFile, Property, Statement, StatementKind, StrPart};
use std::cell::Cell;
use std::fmt::Write as _;

/// The text being printed, and whether cloud host names in string literals are written
/// through `environment()` (in `.bicep` files; `.bicepparam` files take plain values).
struct Out {
    text: String,
    portable_hosts: bool,
}

/// Files up to this size are printed into a buffer kept for the next file: growing a fresh
/// `String` by doubling cost a dozen reallocations per file. Longer files (the stage
/// templates) are rare and printed into their own, not kept, so peak memory does not grow.
const KEPT_BUFFER: usize = 256 * 1024;

thread_local! {
    /// The kept buffer of this thread (files are printed on the emit worker threads too).
    static BUFFER: Cell<String> = const { Cell::new(String::new()) };
}

impl Out {
    fn new(portable_hosts: bool) -> Self {
        let mut text = BUFFER.take();
        text.clear();
        Self {
            text,
            portable_hosts,
        }
    }

    /// The text at its exact size (copied out of the kept buffer): a generation holds every
    /// file's text until it is written, so none may keep spare capacity.
    fn finish(mut self) -> String {
        if self.text.capacity() > KEPT_BUFFER {
            self.text.shrink_to_fit();
            return self.text;
        }
        let text = self.text.as_str().to_owned();
        BUFFER.set(self.text);
        text
    }
}

impl std::ops::Deref for Out {
    type Target = String;
    fn deref(&self) -> &String {
        &self.text
    }
}

impl std::ops::DerefMut for Out {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.text
    }
}

pub fn print_file(file: &File) -> String {
    let mut out = Out::new(true);
    for line in &file.header {
        push_comment(&mut out, 0, line);
    }
    for (index, statement) in file.statements.iter().enumerate() {
        if index > 0 || !file.header.is_empty() {
            out.push('\n');
        }
        for comment in &statement.comments {
            push_comment(&mut out, 0, comment);
        }
        print_statement(&mut out, &statement.kind);
    }
    out.finish()
}

/// One statement as [`print_file`] prints it in a file of its own, with no header: its
/// comments, then the statement. For measuring a statement without copying it into a file.
pub fn print_statement_alone(statement: &Statement) -> String {
    let mut out = Out::new(true);
    for comment in &statement.comments {
        push_comment(&mut out, 0, comment);
    }
    print_statement(&mut out, &statement.kind);
    out.finish()
}

pub fn print_param_file(file: &ParamFile) -> String {
    let mut out = Out::new(false);
    for line in &file.header {
        push_comment(&mut out, 0, line);
    }
    out.push_str("using ");
    quote_into(&mut out, &file.using);
    out.push('\n');
    if !file.assignments.is_empty() {
        out.push('\n');
    }
    for (name, value) in &file.assignments {
        out.push_str("param ");
        out.push_str(ident(name));
        out.push_str(" = ");
        print_expr(&mut out, 0, value);
        out.push('\n');
    }
    out.finish()
}

fn print_statement(out: &mut Out, statement: &StatementKind) {
    match statement {
        StatementKind::TargetScope(scope) => {
            out.push_str("targetScope = ");
            quote_into(out, scope);
            out.push('\n');
        }
        StatementKind::Extension(alias) => {
            out.push_str("extension ");
            out.push_str(alias);
            out.push('\n');
        }
        StatementKind::Param(param) => print_param(out, param),
        StatementKind::Var { name, value } => {
            out.push_str("var ");
            out.push_str(ident(name));
            out.push_str(" = ");
            print_expr(out, 0, value);
            out.push('\n');
        }
        StatementKind::Resource(resource) => {
            out.push_str("resource ");
            out.push_str(ident(&resource.symbol));
            out.push(' ');
            quote_into(out, &resource.type_ref);
            out.push_str(if resource.existing {
                " existing = "
            } else {
                " = "
            });
            if let Some(condition) = &resource.condition {
                out.push_str("if (");
                print_expr(out, 0, condition);
                out.push_str(") ");
            }
            print_object(out, 0, &resource.body);
            out.push('\n');
        }
        StatementKind::Module(module) => {
            out.push_str("module ");
            out.push_str(ident(&module.symbol));
            out.push(' ');
            quote_into(out, &module.path);
            out.push_str(" = ");
            print_object(out, 0, &module.body);
            out.push('\n');
        }
        StatementKind::Output { name, ty, value } => {
            out.push_str("output ");
            out.push_str(ident(name));
            out.push(' ');
            out.push_str(ty.keyword());
            out.push_str(" = ");
            print_expr(out, 0, value);
            out.push('\n');
        }
    }
}

fn print_param(out: &mut Out, param: &Param) {
    if param.secure {
        out.push_str("@secure()\n");
    }
    if let Some(description) = &param.description {
        out.push_str("@description(");
        quote_into(out, description);
        out.push_str(")\n");
    }
    if !param.allowed.is_empty() {
        out.push_str("@allowed(");
        let items: Vec<Item> = param.allowed.iter().cloned().map(Item::from).collect();
        print_array(out, 0, &items);
        out.push_str(")\n");
    }
    out.push_str("param ");
    out.push_str(ident(&param.name));
    out.push(' ');
    out.push_str(param.ty.keyword());
    if let Some(default) = &param.default {
        out.push_str(" = ");
        print_expr(out, 0, default);
    }
    out.push('\n');
}

fn print_expr(out: &mut Out, indent: usize, expr: &Expr) {
    match expr {
        Expr::Str(parts) => print_string(out, indent, parts),
        Expr::Int(value) => {
            let _ = write!(out, "{value}");
        }
        Expr::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Expr::Array(items) => print_array(out, indent, items),
        Expr::Object(props) => print_object(out, indent, props),
        Expr::Ident(name) => out.push_str(ident(name)),
        Expr::Member(base, member) => {
            print_expr(out, indent, base);
            if is_identifier(member) {
                out.push('.');
                out.push_str(member);
            } else {
                out.push('[');
                quote_into(out, member);
                out.push(']');
            }
        }
        Expr::Call(name, args) => {
            out.push_str(ident(name));
            out.push('(');
            for (index, arg) in args.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                print_expr(out, indent, arg);
            }
            out.push(')');
        }
        Expr::Equals(left, right) => {
            print_expr(out, indent, left);
            out.push_str(" == ");
            print_expr(out, indent, right);
        }
        Expr::Ternary(condition, then, otherwise) => {
            print_expr(out, indent, condition);
            out.push_str(" ? ");
            print_expr(out, indent, then);
            out.push_str(" : ");
            print_expr(out, indent, otherwise);
        }
        Expr::Index(base, index) => {
            print_expr(out, indent, base);
            out.push('[');
            print_expr(out, indent, index);
            out.push(']');
        }
    }
}

fn print_string(out: &mut Out, indent: usize, parts: &[StrPart]) {
    out.push('\'');
    for part in parts {
        match part {
            StrPart::Text(text) if out.portable_hosts => {
                cloud::for_each_piece(text, |piece| match piece {
                    cloud::Piece::Text(text) => escape_into(out, text),
                    cloud::Piece::Host(expr) => {
                        out.push_str("${");
                        out.push_str(expr);
                        out.push('}');
                    }
                });
            }
            StrPart::Text(text) => escape_into(out, text),
            StrPart::Interp(expr) => {
                out.push_str("${");
                print_expr(out, indent, expr);
                out.push('}');
            }
        }
    }
    out.push('\'');
}

fn print_array(out: &mut Out, indent: usize, items: &[Item]) {
    if items.is_empty() {
        out.push_str("[]");
        return;
    }
    out.push_str("[\n");
    for item in items {
        for comment in &item.comments {
            push_comment(out, indent + 1, comment);
        }
        push_indent(out, indent + 1);
        print_expr(out, indent + 1, &item.value);
        out.push('\n');
    }
    push_indent(out, indent);
    out.push(']');
}

fn print_object(out: &mut Out, indent: usize, props: &[Property]) {
    if props.is_empty() {
        out.push_str("{}");
        return;
    }
    out.push_str("{\n");
    for prop in props {
        for comment in &prop.comments {
            push_comment(out, indent + 1, comment);
        }
        push_indent(out, indent + 1);
        match &prop.key {
            Key::Name(name) if is_identifier(name) => out.push_str(name),
            Key::Name(name) => quote_into(out, name),
            Key::Interpolated(parts) => print_string(out, indent + 1, parts),
        }
        out.push_str(": ");
        print_expr(out, indent + 1, &prop.value);
        out.push('\n');
    }
    push_indent(out, indent);
    out.push('}');
}

fn push_indent(out: &mut String, indent: usize) {
    // One copy for the usual depths instead of a push per level.
    const SPACES: &str = "                                ";
    let width = indent * 2;
    if width <= SPACES.len() {
        out.push_str(&SPACES[..width]);
    } else {
        for _ in 0..indent {
            out.push_str("  ");
        }
    }
}

/// Comments cannot carry a line break, or the rest of the line would become code; nor end
/// in a backslash, which some Bicep grammars read as joining the next line to the comment.
fn push_comment(out: &mut String, indent: usize, text: &str) {
    push_indent(out, indent);
    out.push_str("//");
    if !text.is_empty() {
        out.push(' ');
        // Printable ASCII, nearly every comment, is copied whole; anything else is
        // checked character by character.
        if text.bytes().all(|b| matches!(b, b' '..=b'~')) {
            out.push_str(text);
        } else {
            out.extend(text.chars().map(|c| {
                if c.is_control()
                    || matches!(c, '\u{2028}' | '\u{2029}')
                    || crate::text::is_invisible_format(c)
                {
                    ' '
                } else {
                    c
                }
            }));
        }
        if text.ends_with('\\') {
            out.push(' ');
        }
    }
    out.push('\n');
}

/// A single-quoted Bicep string literal with every special character escaped.
#[cfg(test)]
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    quote_into(&mut out, text);
    out
}

/// [`quote`], written straight into the text being printed.
fn quote_into(out: &mut String, text: &str) {
    out.push('\'');
    escape_into(out, text);
    out.push('\'');
}

/// Bytes [`escape_into`] copies as they are without looking further: printable ASCII but the
/// quote, the backslash and `$` (plain unless `{` follows).
const PLAIN_ASCII: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = b' ';
    while byte <= b'~' {
        table[byte as usize] = !matches!(byte, b'\\' | b'\'' | b'$');
        byte += 1;
    }
    table
};

/// Copies runs of plain text whole and escapes only the characters that need it. Scans bytes:
/// printable ASCII, nearly all of every literal, is decided without decoding a `char`.
fn escape_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut plain_from = 0;
    let mut at = 0;
    while at < bytes.len() {
        // The run of printable ASCII that needs no escape, skipped in one pass.
        at += bytes[at..]
            .iter()
            .position(|byte| !PLAIN_ASCII[usize::from(*byte)])
            .unwrap_or(bytes.len() - at);
        let Some(&byte) = bytes.get(at) else {
            break;
        };
        let (c, width) = if byte.is_ascii() {
            (char::from(byte), 1)
        } else {
            let c = text[at..].chars().next().expect("at is a char boundary");
            (c, c.len_utf8())
        };
        let plain = match c {
            '\\' | '\'' => false,
            '$' => bytes.get(at + 1) != Some(&b'{'),
            ' '..='~' => true,
            // Invisible formatting characters (bidirectional overrides, zero-width) are
            // written as escapes, so the text reads as what it is. Blueprints refuse them;
            // this keeps the builder API and libraries from slipping them through.
            c => !(c.is_control() || crate::text::is_invisible_format(c)),
        };
        if plain {
            at += width;
            continue;
        }
        out.push_str(&text[plain_from..at]);
        at += width;
        plain_from = at;
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\$"),
            c => {
                let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
            }
        }
    }
    out.push_str(&text[plain_from..]);
}

/// Checked by byte: an identifier is ASCII, and a byte of a multi-byte character is never an
/// ASCII letter, digit or `_`, so any such byte refuses the name as its `char` would.
pub(crate) fn is_identifier(name: &str) -> bool {
    match name.as_bytes() {
        [first, rest @ ..] => {
            (first.is_ascii_alphabetic() || *first == b'_')
                && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        }
        [] => false,
    }
}

/// Symbols are derived from validated names; anything else is a generator bug.
fn ident(name: &str) -> &str {
    assert!(
        is_identifier(name),
        "bulwark bug: `{name}` is not a Bicep identifier"
    );
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Escaping as it was written before the byte scan: one `char` at a time.
    fn escaped_char_by_char(text: &str) -> String {
        let mut out = String::new();
        for (at, c) in text.char_indices() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '$' if text[at + 1..].starts_with('{') => out.push_str("\\$"),
                c if c.is_control() || crate::text::is_invisible_format(c) => {
                    let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        out
    }

    const AWKWARD: &[&str] = &[
        "",
        "plain text, nothing to escape",
        "it's a \\ path",
        "${not} interpolated, $ alone, trailing $",
        "ends in ${",
        "line\nbreak\r\ttab\u{7f}del\u{1}",
        "é ü 漢字 🙂 and \u{200b}zero\u{202e}width\u{feff}",
        "$",
        "'",
    ];

    #[test]
    fn the_byte_scan_escapes_as_the_char_scan_did() {
        for text in AWKWARD {
            let mut out = String::new();
            escape_into(&mut out, text);
            assert_eq!(out, escaped_char_by_char(text), "{text:?}");
        }
    }

    #[test]
    fn identifiers_are_checked_by_byte_as_by_char() {
        for name in [
            "a",
            "_",
            "a1_b",
            "A",
            "",
            "1a",
            "a-b",
            "é",
            "aé",
            "a\u{200b}",
            "a b",
        ] {
            let mut chars = name.chars();
            let by_char = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
            assert_eq!(is_identifier(name), by_char, "{name:?}");
        }
    }

    #[test]
    fn comments_copied_whole_or_char_by_char_read_alike() {
        for text in AWKWARD.iter().chain(&["deep\\", "a\u{2028}b"]) {
            let mut out = String::new();
            push_comment(&mut out, 3, text);
            let cleaned: String = text
                .chars()
                .map(|c| {
                    let hidden = c.is_control()
                        || matches!(c, '\u{2028}' | '\u{2029}')
                        || crate::text::is_invisible_format(c);
                    if hidden { ' ' } else { c }
                })
                .collect();
            let mut expected = "      //".to_string();
            if !text.is_empty() {
                expected.push(' ');
                expected.push_str(&cleaned);
                if text.ends_with('\\') {
                    expected.push(' ');
                }
            }
            expected.push('\n');
            assert_eq!(out, expected, "{text:?}");
        }
    }
}
