//! The parts of the report that grow with the blueprint, written as Markdown in Rust: the row
//! lines of the tables with a row per component, endpoint, role or subnet, and the
//! per-component sections. Everything else, every heading, table header and sentence, is in
//! `templates/security-report.md.tera`, which places these texts as `{{ rows.<name> }}`.
//!
//! Why not in the template: rendering a Tera loop costs a context value per field and a
//! lookup per `{{ }}`; at a few hundred components that was most of the report's cost (issue
//! 14). The lines here hold no wording of their own beyond the component sections' labels:
//! a table row is its cells in the order of the template's header, and each writer below
//! names the header it fills. The template's escaping pass still runs over the whole text.

use crate::report::{
    AccessRow, CallRow, Cite, ComponentRow, DeliveryRow, EndpointRow, EntryRow, ExposureRow,
    PerimeterAssociationRow, PlatformRow, Report, SubnetRow,
};

/// The texts the template places as `{{ rows.<name> }}`, each empty when its table has no
/// rows (so `{% if rows.<name> %}` reads as "has rows").
pub(super) fn written(report: &Report) -> Vec<(&'static str, String)> {
    let members = report
        .perimeter
        .as_ref()
        .map_or(&[][..], |perimeter| &perimeter.associations);
    vec![
        ("entry_points", lines(&report.entry_points, entry_point)),
        ("code_delivery", lines(&report.code_delivery, delivery)),
        ("exposure", lines(&report.exposure, exposure)),
        ("perimeter_members", lines(members, perimeter_member)),
        ("components", lines(&report.components, component)),
        ("access", lines(&report.access, access)),
        ("calls", lines(&report.calls, call)),
        (
            "private_endpoints",
            lines(&report.private_endpoints, private_endpoint),
        ),
        ("subnets", lines(&report.subnets, subnet)),
        ("platform", lines(&report.platform, platform)),
    ]
}

fn lines<T>(rows: &[T], write: fn(&T, &mut String)) -> String {
    let mut out = String::new();
    for row in rows {
        write(row, &mut out);
    }
    out
}

/// `| a | b | … |` and a newline, the cells as they are (the rows escaped them when built).
fn table_row(cells: &[&str], out: &mut String) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(cell);
        out.push_str(" |");
    }
    out.push('\n');
}

/// [`table_row`] with a last "because of" cell: the cited key as code, or `-` when nothing
/// in the blueprint is (written in place: a row per role, endpoint or component).
fn cited_row(cells: &[&str], from: &Option<Cite>, out: &mut String) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(cell);
        out.push_str(" |");
    }
    match from {
        Some(cite) => {
            out.push_str(" `");
            out.push_str(&cite.key);
            out.push_str("` |\n");
        }
        None => out.push_str(" - |\n"),
    }
}

/// `| component | path | protection | address | because of |`
fn entry_point(e: &EntryRow, out: &mut String) {
    cited_row(
        &[&e.component, &e.path, &e.protection, &e.output],
        &e.from,
        out,
    );
}

/// `| component | kind | path | because of |`
fn delivery(d: &DeliveryRow, out: &mut String) {
    cited_row(&[&d.component, &d.kind, &d.path], &d.from, out);
}

/// `| resource | type | module | from public networks | because of |`
fn exposure(e: &ExposureRow, out: &mut String) {
    cited_row(
        &[&e.resource, &e.resource_type, &e.module, &e.detail],
        &e.from,
        out,
    );
}

/// `| member | type | profile | onboarding | because of |`
fn perimeter_member(a: &PerimeterAssociationRow, out: &mut String) {
    cited_row(
        &[&a.resource, &a.resource_type, &a.profile, &a.availability],
        &a.from,
        out,
    );
}

/// `| principal | scope | role | access | because of |`
fn access(a: &AccessRow, out: &mut String) {
    cited_row(&[&a.principal, &a.scope, &a.role, &a.access], &a.from, out);
}

/// `| caller | target | app role | route | caller's settings | because of |`
fn call(c: &CallRow, out: &mut String) {
    cited_row(
        &[&c.caller, &c.target, &c.role, &c.route, &c.settings],
        &c.from,
        out,
    );
}

/// `| component | group | DNS zones | registration | because of |`
fn private_endpoint(p: &EndpointRow, out: &mut String) {
    let zones = p.zones.join(", ");
    cited_row(
        &[&p.component, &p.group, &zones, &p.registration],
        &p.from,
        out,
    );
}

/// `| subnet | ranges | role and inbound rules |`
fn subnet(s: &SubnetRow, out: &mut String) {
    table_row(&[&s.name, &s.ranges.join(", "), &s.purpose], out);
}

/// `| need | what | because of |`
fn platform(p: &PlatformRow, out: &mut String) {
    cited_row(&[&p.need, &p.what], &p.from, out);
}

/// One component's section under "## Components": its heading, what it is, and one item per
/// control; the lock, outbound path, policies and waivers only where they apply.
fn component(c: &ComponentRow, out: &mut String) {
    out.push_str("\n### ");
    out.push_str(&c.name);
    out.push_str(" (");
    out.push_str(&c.kind);
    out.push(')');
    if let Some(cite) = &c.from {
        out.push_str(", `");
        out.push_str(&cite.key);
        out.push('`');
    }
    out.push_str("\n\n");
    out.push_str(&c.what);
    out.push_str(".\n");
    let mut item = |label: &str, text: &str| {
        out.push_str("\n- **");
        out.push_str(label);
        out.push_str("**: ");
        out.push_str(text);
    };
    item("Identity", &c.identity);
    item("Network exposure", &c.exposure);
    if c.outbound != "-" {
        item("Outbound", &c.outbound);
    }
    item("Authentication", &c.authentication);
    item("Encryption in transit", &c.transport);
    item("Logging", &c.logging);
    if c.locked != "-" {
        item("Lock", &c.locked);
    }
    if !c.policies.is_empty() {
        item("Policy", &c.policies.join("; "));
    }
    if !c.waived.is_empty() {
        item("Waived", &format!("{} (see Waivers)", c.waived.join(", ")));
    }
    out.push('\n');
}
