//! The security report as Markdown: the Tera template rendered over the report, with every
//! `<` outside a code span escaped so blueprint text cannot put markup into SECURITY.md.
//!
//! The template gets the report's small parts as values and the parts that grow with the
//! blueprint as text already written ([`rows`]): Tera then walks a few dozen values instead
//! of tens of thousands, and no JSON copy of the whole report is built to render it.

use super::{Cite, PerimeterReport};
use super::{
    DeployerRow, DeploymentRow, EnvironmentRow, GraphPermissionRow, PerimeterKeptOutRow,
    PerimeterModeRow, PerimeterRuleRow, PolicyRow, PublicAccess, Report, SasKeyRow, WaiverRow,
};
use serde::Serialize;
use std::collections::BTreeMap;

mod rows;

const TEMPLATE: &str = include_str!("../../templates/security-report.md.tera");

impl Report {
    pub fn render_markdown(&self) -> String {
        Template::parse().render(&context(self, rows::written(self)))
    }

    /// [`Report::render_markdown`], the report let go as soon as its values are in the
    /// template's context, so a large estate's report is not held twice while it renders.
    pub fn into_markdown(self) -> String {
        self.into_markdown_with(&Template::parse())
    }

    /// [`Report::into_markdown`] with a template parsed already (on another thread, while
    /// this report was built: see [`super::markdown_of`]).
    pub(super) fn into_markdown_with(self, template: &Template) -> String {
        let context = context(&self, rows::written(&self));
        drop(self);
        template.render(&context)
    }

    /// The report as the template will read it, all but its stages, which only the stage
    /// split decides ([`Prepared::finish`] adds them): the report is let go here, so what
    /// waits for the split is the written rows' text, not the rows.
    pub(super) fn into_prepared(self, template: Template) -> Prepared {
        let document = document(&self, rows::written(&self));
        drop(self);
        Prepared { document, template }
    }
}

/// A security report ready to render but for its deployment's stages (see
/// [`super::prepare`]).
pub struct Prepared {
    document: serde_json::Value,
    template: Template,
}

impl Prepared {
    /// The report's Markdown, with `stages` (the stage templates, when there is more than
    /// one) in its deployment row: what [`super::markdown_of`] renders.
    pub fn finish(mut self, stages: Vec<String>) -> String {
        if stages.len() > 1 {
            self.document["deployment"]["stages"] = serde_json::Value::from(stages);
        }
        let context = tera::Context::from_value(self.document).expect("the report is an object");
        self.template.render(&context)
    }
}

/// The report's template, parsed. Parsing it is a fixed cost of about a fifth of a large
/// estate's report (Tera's parser reads the template's prose a character at a time), and
/// needs nothing from the report, so it can run beside the report's building.
pub(super) struct Template(tera::Tera);

/// The name the template is registered under (no `.html`: Tera escapes nothing in it).
const TEMPLATE_NAME: &str = "security-report.md";

impl Template {
    pub(super) fn parse() -> Template {
        let mut tera = tera::Tera::default();
        tera.add_raw_template(TEMPLATE_NAME, TEMPLATE)
            .expect("the embedded report template parses");
        Template(tera)
    }

    fn render(&self, context: &tera::Context) -> String {
        let text = self
            .0
            .render(TEMPLATE_NAME, context)
            .expect("the embedded report template renders");
        finish(text)
    }
}

/// What the template reads: the report's small parts, borrowed, and the written rows.
#[derive(Serialize)]
struct Document<'a> {
    app: &'a str,
    blueprint: &'a str,
    generator: &'a str,
    diagram: &'a str,
    environments: &'a [EnvironmentRow],
    tags: &'a BTreeMap<String, String>,
    waivers: &'a [WaiverRow],
    sas_keys: &'a [SasKeyRow],
    /// A waiver opens a data service to public ranges (said when no app is public).
    waived_exposure: bool,
    own_workspace: bool,
    perimeter: Option<Perimeter<'a>>,
    deployer: &'a [DeployerRow],
    graph_permissions: &'a [GraphPermissionRow],
    deployment: &'a DeploymentRow,
    benchmark: bool,
    policies: &'a [PolicyRow],
}

/// [`PerimeterReport`] without its members, which are a written table (`rows.perimeter_members`).
#[derive(Serialize)]
struct Perimeter<'a> {
    perimeter: &'a str,
    created: bool,
    profile: &'a Option<String>,
    from: &'a Option<Cite>,
    modes: &'a [PerimeterModeRow],
    rules: &'a [PerimeterRuleRow],
    kept_out: &'a [PerimeterKeptOutRow],
}

impl<'a> Perimeter<'a> {
    fn of(report: &'a PerimeterReport) -> Self {
        Perimeter {
            perimeter: &report.perimeter,
            created: report.created,
            profile: &report.profile,
            from: &report.from,
            modes: &report.modes,
            rules: &report.rules,
            kept_out: &report.kept_out,
        }
    }
}

fn context(report: &Report, rows: Vec<(&str, String)>) -> tera::Context {
    tera::Context::from_value(document(report, rows)).expect("the report is an object")
}

/// What the template reads, as the value the context is made of.
fn document(report: &Report, rows: Vec<(&str, String)>) -> serde_json::Value {
    let document = Document {
        app: &report.app,
        blueprint: &report.blueprint,
        generator: &report.generator,
        diagram: &report.diagram,
        environments: &report.environments,
        tags: &report.tags,
        waivers: &report.waivers,
        sas_keys: &report.sas_keys,
        waived_exposure: report
            .exposure
            .iter()
            .any(|row| row.access == PublicAccess::Waived),
        own_workspace: report.own_workspace,
        perimeter: report.perimeter.as_ref().map(Perimeter::of),
        deployer: &report.deployer,
        graph_permissions: &report.graph_permissions,
        deployment: &report.deployment,
        benchmark: report.benchmark,
        policies: &report.policies,
    };
    let mut value = serde_json::to_value(&document).expect("a report serializes");
    // The written rows are moved in, not copied: they are most of the report's text.
    let texts = rows
        .into_iter()
        .map(|(name, text)| (name.to_string(), serde_json::Value::String(text)))
        .collect();
    value["rows"] = serde_json::Value::Object(texts);
    value
}

/// The rendered template escaped, with one trailing newline.
fn finish(text: String) -> String {
    let mut text = escape_html(text);
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
///
/// Only the lines holding a `<` are looked at (most hold none), and the text is copied only
/// when one of them changes.
fn escape_html(text: String) -> String {
    let mut escaped: Option<String> = None;
    // `text[..copied]` is in `escaped` already.
    let mut copied = 0;
    let mut search = 0;
    let mut line_escaped = String::new();
    while let Some(found) = text[search..].find('<') {
        let at = search + found;
        let start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
        let end = text[at..]
            .find('\n')
            .map_or(text.len(), |newline| at + newline + 1);
        let line = &text[start..end];
        line_escaped.clear();
        escape_line(line, &mut line_escaped);
        if line_escaped != line {
            let out = escaped.get_or_insert_with(|| String::with_capacity(text.len() + 64));
            out.push_str(&text[copied..start]);
            out.push_str(&line_escaped);
            copied = end;
        }
        search = end;
    }
    match escaped {
        Some(mut out) => {
            out.push_str(&text[copied..]);
            out
        }
        None => text,
    }
}

/// [`escape_html`] of one line.
fn escape_line(line: &str, out: &mut String) {
    let table_row = line.starts_with('|');
    let mut rest = line;
    while !rest.is_empty() {
        // One table cell (up to an unescaped `|`), or the whole line.
        let end = if table_row {
            cell_end(rest)
        } else {
            rest.len()
        };
        escape_segment(&rest[..end], out);
        rest = &rest[end..];
    }
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
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        out.push_str("&lt;");
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::{context, escape_html, rows};
    use crate::report::Report;

    /// The report of a shipped blueprint (shop: public apps, a waiver, calls, a perimeter).
    fn shop_report() -> Report {
        let text = include_str!("../../blueprints/shop.toml");
        let loaded = crate::blueprint::load::from_str_in(text, std::path::Path::new("."))
            .expect("shop loads");
        let options = crate::Options {
            today: crate::blueprint::Date::parse("2026-11-29").unwrap(),
            ..crate::Options::default()
        };
        let generated = crate::generate(&loaded.blueprint, &options).expect("shop generates");
        crate::report::build(&loaded.blueprint, &generated.plan, "shop.toml", None)
    }

    fn values(value: &serde_json::Value) -> usize {
        1 + match value {
            serde_json::Value::Array(items) => items.iter().map(values).sum(),
            serde_json::Value::Object(fields) => fields.values().map(values).sum(),
            _ => 0,
        }
    }

    /// What Tera walks stays the same however many components, endpoints, roles and subnets
    /// there are: their rows reach it as text (a value per row field cost most of a large
    /// estate's report).
    #[test]
    fn the_template_context_does_not_grow_with_the_rows() {
        let mut report = shop_report();
        let count = |report: &Report| values(&context(report, rows::written(report)).into_json());
        let before = count(&report);
        report.components.extend(report.components.clone());
        report.access.extend(report.access.clone());
        report.calls.extend(report.calls.clone());
        report.exposure.extend(report.exposure.clone());
        report.entry_points.extend(report.entry_points.clone());
        report.code_delivery.extend(report.code_delivery.clone());
        report
            .private_endpoints
            .extend(report.private_endpoints.clone());
        report.subnets.extend(report.subnets.clone());
        report.platform.extend(report.platform.clone());
        let perimeter = report.perimeter.as_mut().expect("shop has a perimeter");
        perimeter
            .associations
            .extend(perimeter.associations.clone());
        assert_eq!(count(&report), before);
    }

    /// Text in a row written in Rust is escaped as the template's text is: a `<` outside a
    /// code span of its own cell becomes `&lt;`, one inside stays.
    #[test]
    fn markup_in_written_rows_is_escaped_as_before() {
        let mut report = shop_report();
        report.components[0].exposure = "<img src=x> and `id-<env>`".to_string();
        report.access[0].scope = "<b> `kv-<env>`".to_string();
        report.access[0].role = "`unclosed <i>".to_string();
        let markdown = report.render_markdown();
        assert!(markdown.contains("\n- **Network exposure**: &lt;img src=x> and `id-<env>`\n"));
        let access = &report.access[0];
        let expected = format!(
            "| {} | &lt;b> `kv-<env>` | `unclosed &lt;i> |",
            access.principal
        );
        assert!(markdown.contains(&expected), "{markdown}");
    }

    #[test]
    fn markup_is_escaped_outside_code_spans_only() {
        assert_eq!(
            escape_html("a <img src=x onerror=alert(1)> `id-<env>` b\n".to_string()),
            "a &lt;img src=x onerror=alert(1)> `id-<env>` b\n"
        );
        // A backtick in the text that leaves a span unclosed does not hide markup.
        assert_eq!(escape_html("`x <b>\n".to_string()), "`x &lt;b>\n");
        // A span does not reach across table cells.
        assert_eq!(
            escape_html("| `a | <b> ` |\n".to_string()),
            "| `a | &lt;b> ` |\n"
        );
        assert_eq!(
            escape_html("| `<env>` | <!-- x --> |\n".to_string()),
            "| `<env>` | &lt;!-- x --> |\n"
        );
    }
}
