//! The architecture diagram (SECURITY.md, `explain --format mermaid`): it draws every
//! component once, every connection and call as one labelled edge per caller and target, and
//! stays small for a 30-component blueprint; text cannot break out of its labels; and every
//! shipped blueprint's diagram renders with the Mermaid CLI when `BULWARK_MERMAID_CLI` names
//! one (CI installs it, see `.ci/run`).

mod common;

use assert_cmd::Command;
use bulwark::report::diagram::{self, Size};
use std::path::Path;

fn diagram_of(path: &Path) -> (bulwark::Generated, String) {
    let generated = common::generate_full(path);
    let text = diagram::mermaid(&generated.plan);
    (generated, text)
}

/// The statements, trimmed: an indented line and the unindented lines that continue its label.
fn statements(text: &str) -> Vec<String> {
    let mut statements: Vec<String> = Vec::new();
    for line in text.lines().skip(1) {
        match line.strip_prefix("  ") {
            Some(statement) => statements.push(statement.trim().to_string()),
            None => {
                let last = statements
                    .last_mut()
                    .expect("a label continues a statement");
                last.push('\n');
                last.push_str(line);
            }
        }
    }
    statements
}

#[test]
fn orders_draws_front_door_endpoints_zones_connections_and_calls() {
    let (_, text) = diagram_of(&common::repo().join("blueprints/orders.toml"));
    assert!(text.starts_with("flowchart TB\n"), "{text}");
    let lines = statements(&text);
    for expected in [
        "internet -->|\"HTTPS\"| frontdoor",
        "frontdoor -->|\"private link\"| c_web",
        "pe_c_store -.- c_store",
        "subnet2 -.-|\"a zone group per endpoint: its A record in its group#39;s zone\"| dns",
        "zone1[\"privatelink.blob.core.windows.net\"]",
        "c_api -->|\"read-write: Storage Blob Data Contributor on blob container orders\"| c_store",
        "c_web ==>|\"call: app role orders-read\"| c_api",
        "c_catalog ==>|\"call: app role orders-write\"| c_api",
        "c_pricing ==>|\"call: app role call\"| c_catalog",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "no `{expected}` in\n{text}"
        );
    }
    // The web app sits in its integration subnet, inside the VNet.
    let vnet = text.find("subgraph vnet[").unwrap();
    let subnet = text.find("outbound of web\"]").unwrap();
    let web = text.find("c_web[\"web\nweb-app\"]").unwrap();
    assert!(vnet < subnet && subnet < web, "{text}");
}

#[test]
fn every_shipped_diagram_draws_each_component_once_and_each_connection() {
    for path in common::shipped_blueprints() {
        let (generated, text) = diagram_of(&path);
        let plan = &generated.plan;
        let lines = statements(&text);
        for component in &plan.components {
            let id = format!(
                "c_{}",
                component
                    .name
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            );
            let nodes = lines
                .iter()
                .filter(|line| {
                    line.starts_with(&format!("{id}[")) || line.starts_with(&format!("{id}("))
                })
                .count();
            assert_eq!(
                nodes,
                1,
                "{}: {id} drawn {nodes} times\n{text}",
                path.display()
            );
        }
        let edge = |from: &str, arrow: &str, to: &str| {
            let from = format!("c_{} {arrow}", from.replace('-', "_"));
            let to = format!("| c_{}", to.replace('-', "_"));
            lines
                .iter()
                .any(|l| l.starts_with(&from) && l.ends_with(&to))
        };
        for assignment in &plan.role_assignments {
            if let Some(target) = assignment.scope.component() {
                let role = assignment.role.name();
                assert!(
                    edge(&assignment.principal, "-->", target),
                    "{}: no edge {} -> {target} ({role})\n{text}",
                    path.display(),
                    assignment.principal
                );
            }
        }
        for call in &plan.calls {
            assert!(
                edge(&call.caller, "==>", &call.target),
                "{}: no call edge {} -> {}\n{text}",
                path.display(),
                call.caller,
                call.target
            );
        }
        for grant in &plan.database_grants {
            assert!(edge(&grant.principal, "-->", &grant.server), "{text}");
        }
        // Role assignments are labels, never nodes: one node per component, private endpoint
        // node and zone, plus at most the internet, Front Door and monitoring.
        let size = Size::of(&text);
        let endpoints = plan
            .components
            .iter()
            .filter(|c| !c.private_endpoints.is_empty())
            .count();
        assert!(
            size.nodes <= plan.components.len() + endpoints + plan.dns_zones.len() + 3,
            "{}: {size:?}\n{text}",
            path.display()
        );
        // Mermaid keywords never start a statement by accident.
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with("click ") && !l.starts_with("style ")),
            "{text}"
        );
    }
}

#[test]
fn thirty_components_stay_readable() {
    let generated = common::generate(&common::synthetic::synthetic(30));
    let text = diagram::mermaid(&generated.plan);
    let size = Size::of(&text);
    let plan = &generated.plan;
    let pairs: std::collections::BTreeSet<(&str, &str)> = plan
        .role_assignments
        .iter()
        .filter_map(|a| Some((a.principal.as_str(), a.scope.component()?)))
        .collect();
    println!(
        "30 components: {} nodes, {} edges, {} groups; {} role assignments drawn as {} edges",
        size.nodes,
        size.edges,
        size.groups,
        plan.role_assignments.len(),
        pairs.len()
    );
    // 30 components, 30 private endpoint nodes, the DNS zones, the internet, Front Door
    // (some web apps are public) and the monitoring node.
    assert_eq!(size.nodes, 30 + 30 + plan.dns_zones.len() + 3, "{text}");
    // One edge per caller and target, never one per role assignment.
    assert!(pairs.len() < plan.role_assignments.len());
    // Besides: each private endpoint to its service, one DNS edge, and the internet to Front
    // Door to each public app.
    let public = text.matches("frontdoor -->").count();
    assert_eq!(size.edges, pairs.len() + 30 + 1 + 1 + public, "{text}");
    // The README states these.
    assert_eq!(
        (size.nodes, size.edges, plan.role_assignments.len()),
        (67, 54, 35)
    );
}

#[test]
fn explain_prints_the_diagram_alone() {
    let dir = tempfile::tempdir().unwrap();
    let blueprint = dir.path().join("bulwark.toml");
    std::fs::copy(common::repo().join("blueprints/orders.toml"), &blueprint).unwrap();
    let output = Command::cargo_bin("bulwark")
        .unwrap()
        .args(["explain", "--format", "mermaid"])
        .arg(&blueprint)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).unwrap();
    let (_, expected) = diagram_of(&common::repo().join("blueprints/orders.toml"));
    assert_eq!(printed, expected);
    // SECURITY.md carries the same diagram in a mermaid block.
    let report = Command::cargo_bin("bulwark")
        .unwrap()
        .args(["explain"])
        .arg(&blueprint)
        .output()
        .unwrap();
    let report = String::from_utf8(report.stdout).unwrap();
    assert!(
        report.contains(&format!("```mermaid\n{expected}```\n")),
        "{report}"
    );
}

/// Text written to break out of a label: quotes, brackets, a click handler, a directive,
/// HTML, a Markdown string, KaTeX, a Markdown list.
const HOSTILE: &str = "x\"]; click c_a href \"javascript:alert(1)\"\n%%{init: {\"securityLevel\": \"loose\"}}%%<img src=x onerror=alert(1)> `md` $$x$$\n1. - *a*";

fn hostile_diagram() -> String {
    let text = diagram::label(HOSTILE);
    format!(
        "flowchart TB\n  c_a[\"{text}\"] -->|\"{text}\"| c_b\n  subgraph s[\"{text}\"]\n    c_b\n  end\n"
    )
}

#[test]
fn hostile_text_stays_inside_its_label() {
    let text = hostile_diagram();
    assert_eq!(statements(&text).len(), 4, "{text}");
    for forbidden in ['"', '<', '>', '`', '%', '$', '\n', '[', ']', '{', '}', '*'] {
        assert!(!diagram::label(HOSTILE).contains(forbidden), "{forbidden}");
    }
}

/// Renders every shipped blueprint's diagram, the synthetic 30-component one and the hostile
/// one with each Mermaid CLI in `BULWARK_MERMAID_CLI` (paths separated by `:`; the browser
/// comes from `PUPPETEER_EXECUTABLE_PATH`). Unset: skipped with a note; CI sets it.
#[test]
fn every_shipped_diagram_renders_with_mermaid() {
    let Some(tools) = std::env::var_os("BULWARK_MERMAID_CLI") else {
        eprintln!(
            "BULWARK_MERMAID_CLI is not set: the Mermaid rendering test is skipped (.ci/run sets it)"
        );
        return;
    };
    let mut diagrams: Vec<(String, String, Vec<String>)> = common::shipped_blueprints()
        .iter()
        .map(|path| {
            let (generated, text) = diagram_of(path);
            let names = generated
                .plan
                .components
                .iter()
                .map(|c| c.name.clone())
                .collect();
            (
                path.file_stem().unwrap().to_string_lossy().into_owned(),
                text,
                names,
            )
        })
        .collect();
    let synthetic = common::generate(&common::synthetic::synthetic(30));
    diagrams.push((
        "synthetic-30".into(),
        diagram::mermaid(&synthetic.plan),
        synthetic
            .plan
            .components
            .iter()
            .map(|c| c.name.clone())
            .collect(),
    ));
    diagrams.push((
        "hostile".into(),
        hostile_diagram(),
        vec!["javascript:alert(1)".into()],
    ));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("puppeteer.json");
    // Root in a container has no user namespaces for Chromium's sandbox.
    std::fs::write(&config, r#"{"args": ["--no-sandbox"]}"#).unwrap();
    let mut markdown = String::new();
    for (name, text, _) in &diagrams {
        markdown.push_str(&format!("# {name}\n\n```mermaid\n{text}```\n\n"));
    }
    let input = dir.path().join("diagrams.md");
    std::fs::write(&input, markdown).unwrap();
    for tool in std::env::split_paths(&tools) {
        let out = dir
            .path()
            .join(format!("rendered-{}", tool.display()).replace(['/', '\\'], "_"));
        std::fs::create_dir_all(&out).unwrap();
        let output = std::process::Command::new(&tool)
            .arg("--puppeteerConfigFile")
            .arg(&config)
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(out.join("diagrams.md"))
            .output()
            .unwrap_or_else(|e| panic!("{} does not run: {e}", tool.display()));
        assert!(
            output.status.success(),
            "{} failed to render:\n{}\n{}",
            tool.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        // The CLI writes diagrams-<n>.svg for the n-th block.
        for (index, (name, _, names)) in diagrams.iter().enumerate() {
            let svg = std::fs::read_to_string(out.join(format!("diagrams-{}.svg", index + 1)))
                .unwrap_or_else(|e| panic!("{} wrote no SVG for {name}: {e}", tool.display()));
            assert!(!svg.contains("Syntax error"), "{name}: {}", tool.display());
            for component in names.iter().filter(|_| name != "hostile") {
                assert!(
                    svg.contains(component.as_str()),
                    "{name}: `{component}` not drawn by {}",
                    tool.display()
                );
            }
            if name == "hostile" {
                // Drawn as text: no element, no link, no handler came out of it.
                assert!(!svg.contains("<img"), "{svg}");
                assert!(!svg.contains("href=\"javascript"), "{svg}");
                assert!(svg.contains("javascript:alert(1)"), "{svg}");
            }
        }
        println!("{}: {} diagrams rendered", tool.display(), diagrams.len());
    }
}
