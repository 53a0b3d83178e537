//! The security report as Markdown: the Tera template rendered over the report, with every
//! `<` outside a code span escaped so blueprint text cannot put markup into SECURITY.md.

use super::Report;

const TEMPLATE: &str = include_str!("../../templates/security-report.md.tera");

impl Report {
    pub fn render_markdown(&self) -> String {
        render(&tera::Context::from_serialize(self).expect("a report serializes"))
    }

    /// [`Report::render_markdown`], the report let go as soon as its values are in the
    /// template's context, so a large estate's report is not held twice while it renders.
    pub fn into_markdown(self) -> String {
        let context = tera::Context::from_serialize(&self).expect("a report serializes");
        drop(self);
        render(&context)
    }
}

fn render(context: &tera::Context) -> String {
    let text = tera::Tera::one_off(TEMPLATE, context, false)
        .expect("the embedded report template renders");
    let mut text = escape_html(&text);
    // One trailing newline, however the template ends.
    while text.ends_with("\n\n") {
        text.pop();
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    // Held with the generated files until they are written: no spare capacity.
    text.shrink_to_fit();
    text
}

/// The report with every `<` that Markdown could read as HTML (a tag, a comment, an
/// autolink) written as `&lt;`, so text from the blueprint (a tag value, a waiver's reason)
/// cannot put markup into SECURITY.md. A `<` is left as it is only inside a code span that
/// closes on the same line and in the same table cell (`` `id-app-<env>` ``), where Markdown
/// shows it as text; a span a backtick in the text could unbalance is not trusted.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let table_row = line.starts_with('|');
        let mut rest = line;
        while !rest.is_empty() {
            // One table cell (up to an unescaped `|`), or the whole line.
            let end = if table_row {
                cell_end(rest)
            } else {
                rest.len()
            };
            escape_segment(&rest[..end], &mut out);
            rest = &rest[end..];
        }
    }
    out
}

/// The length of `text` up to and including its first unescaped `|` after the first byte.
fn cell_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut index = 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'|' => return index + 1,
            _ => index += 1,
        }
    }
    text.len()
}

fn escape_segment(segment: &str, out: &mut String) {
    let mut rest = segment;
    while let Some(open) = rest.find('`') {
        let run = rest[open..].bytes().take_while(|b| *b == b'`').count();
        let after = &rest[open + run..];
        // The closing run: exactly as many backticks.
        let mut close = None;
        let mut search = 0;
        while let Some(found) = after[search..].find('`') {
            let at = search + found;
            let length = after[at..].bytes().take_while(|b| *b == b'`').count();
            if length == run {
                close = Some(at);
                break;
            }
            search = at + length;
        }
        match close {
            Some(close) => {
                push_escaped(&rest[..open], out);
                out.push_str(&rest[open..open + run + close + run]);
                rest = &after[close + run..];
            }
            None => {
                push_escaped(&rest[..open + run], out);
                rest = after;
            }
        }
    }
    push_escaped(rest, out);
}

fn push_escaped(text: &str, out: &mut String) {
    out.push_str(&text.replace('<', "&lt;"));
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn markup_is_escaped_outside_code_spans_only() {
        assert_eq!(
            escape_html("a <img src=x onerror=alert(1)> `id-<env>` b\n"),
            "a &lt;img src=x onerror=alert(1)> `id-<env>` b\n"
        );
        // A backtick in the text that leaves a span unclosed does not hide markup.
        assert_eq!(escape_html("`x <b>\n"), "`x &lt;b>\n");
        // A span does not reach across table cells.
        assert_eq!(escape_html("| `a | <b> ` |\n"), "| `a | &lt;b> ` |\n");
        assert_eq!(
            escape_html("| `<env>` | <!-- x --> |\n"),
            "| `<env>` | &lt;!-- x --> |\n"
        );
    }
}
