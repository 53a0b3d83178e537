//! The README states facts the code owns; these tests keep them the same.

mod common;

const README: &str = "README.md";

/// The byte range between `<!-- marker:start -->` and `<!-- marker:end -->`.
fn section_range(text: &str, marker: &str) -> std::ops::Range<usize> {
    let start = format!("<!-- {marker}:start -->\n");
    let end = format!("<!-- {marker}:end -->");
    let from = text
        .find(&start)
        .unwrap_or_else(|| panic!("README lacks {start}"))
        + start.len();
    let to = text[from..]
        .find(&end)
        .unwrap_or_else(|| panic!("README lacks {end}"))
        + from;
    from..to
}

fn section<'a>(text: &'a str, marker: &str) -> &'a str {
    &text[section_range(text, marker)]
}

/// The README's builder example, compiled and run by
/// [`the_builder_example_is_code_that_compiles_and_runs`].
fn builder_example(out: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    // builder-example:start
    use bulwark::blueprint::{Access, Blueprint, Ingress, Runtime, Storage, WebApp};

    let blueprint = Blueprint::builder("shop", ["dev", "prod"])
        .component(
            "web",
            WebApp::new(Runtime::Node22)
                .ingress(Ingress::Public)
                .uses("media.images", Access::Read)
                .sku_in("prod", "P1v3")
                .instances_in("prod", 2),
        )
        .component("media", Storage::new().containers(["images"]))
        .build();
    let generated = bulwark::generate(&blueprint, &bulwark::Options::default())?;
    bulwark::output::write(out, &generated.files, &generated.manifest, None, false)?;
    // builder-example:end
    Ok(())
}

/// The Rust block under "Rust builder API" is the body of [`builder_example`], which this
/// test runs: it writes `main.bicep` with the prod SKU. `BULWARK_BLESS=1` rewrites the README.
#[test]
fn the_builder_example_is_code_that_compiles_and_runs() {
    let out = tempfile::tempdir().unwrap();
    builder_example(out.path()).unwrap();
    let prod = std::fs::read_to_string(out.path().join("main.prod.bicepparam")).unwrap();
    assert!(prod.contains("'P1v3'"), "{prod}");

    let source = include_str!("readme.rs");
    let start = source.find("    // builder-example:start\n").unwrap();
    let body = &source[start..];
    let body =
        &body[body.find('\n').unwrap() + 1..body.find("    // builder-example:end").unwrap()];
    let dedented: String = body
        .lines()
        .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
        .collect();
    let expected = format!("```rust\n{dedented}```\n");
    let readme_path = common::repo().join(README);
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let current = section(&readme, "builder-example");
    if current != expected && std::env::var_os("BULWARK_BLESS").is_some() {
        let mut updated = readme.clone();
        updated.replace_range(section_range(&readme, "builder-example"), &expected);
        std::fs::write(&readme_path, updated).unwrap();
        return;
    }
    assert_eq!(
        current, expected,
        "run BULWARK_BLESS=1 cargo test --test readme"
    );
}

/// `BULWARK_BLESS=1 cargo test --test readme` rewrites the generated README sections.
#[test]
fn the_access_table_is_generated_from_the_catalogue() {
    let path = common::repo().join(README);
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = bulwark::catalog::access_table_markdown();
    let current = section(&text, "access-table");
    if current != expected && std::env::var_os("BULWARK_BLESS").is_some() {
        let mut updated = text.clone();
        updated.replace_range(section_range(&text, "access-table"), &expected);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        current, expected,
        "README's access table is stale: run BULWARK_BLESS=1 cargo test --test readme"
    );
}

/// `BULWARK_BLESS=1 cargo test --test readme` rewrites the generated README sections.
#[test]
fn the_kinds_table_is_generated_from_the_catalogue() {
    let path = common::repo().join(README);
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = bulwark::catalog::kinds_table_markdown();
    let current = section(&text, "kinds-table");
    if current != expected && std::env::var_os("BULWARK_BLESS").is_some() {
        let mut updated = text.clone();
        updated.replace_range(section_range(&text, "kinds-table"), &expected);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        current, expected,
        "README's kinds table is stale: run BULWARK_BLESS=1 cargo test --test readme"
    );
}

#[test]
fn every_checkov_skip_has_a_reason() {
    let text = std::fs::read_to_string(common::repo().join(README)).unwrap();
    for marker in ["checkov-skip", "checkov-waived"] {
        let rows: Vec<&str> = section(&text, marker)
            .lines()
            .filter(|l| l.starts_with("| `CKV"))
            .collect();
        assert!(!rows.is_empty(), "{marker}");
        for row in rows {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            assert!(
                cells.len() >= 4 && cells[3].len() > 40,
                "a skipped check needs a reason: {row}"
            );
        }
    }
}

#[test]
fn the_quick_start_commands_are_the_ones_ci_and_the_repo_use() {
    let text = std::fs::read_to_string(common::repo().join(README)).unwrap();
    assert!(text.contains("cargo run --release -- generate blueprints/shop.toml --out ../infra"));
    assert!(text.contains("cargo test --locked"));
    let ci = std::fs::read_to_string(common::repo().join(".ci/run")).unwrap();
    assert!(ci.contains("cargo test --locked"));
    assert!(common::repo().join("blueprints/shop.toml").is_file());
}

/// The worked example of "The network" shows the ranges `claims.toml` really gets.
#[test]
fn the_network_example_matches_the_claims_blueprint() {
    let text = std::fs::read_to_string(common::repo().join(README)).unwrap();
    let generated = common::generate_full(&common::repo().join("blueprints/claims.toml"));
    let start = text.find("## The network").expect("README has The network");
    let rows: Vec<Vec<&str>> = text[start..]
        .lines()
        .skip_while(|line| !line.starts_with("| subnet |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| line.split('|').map(str::trim).collect())
        .collect();
    let subnets = &generated.plan.subnets;
    assert_eq!(rows.len(), subnets.len(), "one row per subnet");
    for (row, subnet) in rows.iter().zip(subnets) {
        assert_eq!(row[1], format!("`{}`", subnet.name));
        assert_eq!(
            row[2],
            subnet.prefix_in("dev").to_string(),
            "{}",
            subnet.name
        );
        assert_eq!(
            row[3],
            subnet.prefix_in("prod").to_string(),
            "{}",
            subnet.name
        );
    }
}

/// The report excerpt in the README is what `bulwark explain blueprints/invoices.toml`
/// prints: its waivers and one component. `BULWARK_BLESS=1` rewrites it.
#[test]
fn the_report_excerpt_is_the_invoices_report() {
    let path = common::repo().join("blueprints/invoices.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = bulwark::blueprint::load::from_str_in(&text, path.parent().unwrap()).unwrap();
    let options = bulwark::Options {
        blueprint_label: "invoices.toml".into(),
        today: common::today(),
        ..bulwark::Options::default()
    };
    let generated = bulwark::generate(&loaded.blueprint, &options).unwrap();
    let source = bulwark::report::Source {
        label: "invoices.toml",
        text: &text,
        map: &loaded.source_map,
    };
    let report = bulwark::report::build(
        &loaded.blueprint,
        &generated.plan,
        "invoices.toml",
        Some(&source),
    )
    .render_markdown();
    let between = |from: &str, to: &str| -> String {
        let start = report
            .find(from)
            .unwrap_or_else(|| panic!("report lacks {from}"));
        let end = report[start..].find(to).map_or(report.len(), |e| start + e);
        report[start..end].to_string()
    };
    let expected = format!(
        "```markdown\n{}…\n\n{}```\n",
        between("## Waivers", "## Components"),
        between("### scans", "### vault")
    );
    let readme_path = common::repo().join(README);
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let current = section(&readme, "report-excerpt");
    if current != expected && std::env::var_os("BULWARK_BLESS").is_some() {
        let mut updated = readme.clone();
        updated.replace_range(section_range(&readme, "report-excerpt"), &expected);
        std::fs::write(&readme_path, updated).unwrap();
        return;
    }
    assert_eq!(
        current, expected,
        "run BULWARK_BLESS=1 cargo test --test readme"
    );
}

/// The README says what stays public, and it is what the generated Bicep has: monitoring
/// keeps public ingestion and query with Entra ID only ingestion; no sentence claims every
/// data-plane resource is private.
#[test]
fn the_readme_says_what_stays_public_as_the_bicep_does() {
    let text = std::fs::read_to_string(common::repo().join(README)).unwrap();
    assert!(
        !text.contains("every data-plane resource has public network access"),
        "README still claims every data-plane resource is private"
    );
    let start = text
        .find("### What stays public")
        .expect("README has What stays public");
    let end = text[start..]
        .find("\n### ")
        .map_or(text.len(), |e| start + e);
    let section = &text[start..end];
    for claim in [
        "**Log Analytics and Application Insights** accept ingestion and query over public",
        "`publicNetworkAccessForIngestion` and `publicNetworkAccessForQuery` are\n  `'Enabled'`",
        "`disableLocalAuth: true` on the workspace, `DisableLocalAuth: true` on\n  Application Insights",
    ] {
        assert!(section.contains(claim), "README lacks: {claim}");
    }
    // shop.toml has its own workspace; invoices.toml logs centrally.
    let shop = common::generate_file(&common::repo().join("blueprints/shop.toml"));
    let monitoring = shop.get("modules/monitoring.bicep").unwrap();
    for resource in ["workspace", "appInsights"] {
        let at = monitoring
            .find(&format!("\nresource {resource} "))
            .unwrap_or_else(|| panic!("no {resource}"));
        let body = &monitoring[at..at + monitoring[at..].find("\n}\n").unwrap()];
        assert!(
            body.contains("publicNetworkAccessForIngestion: 'Enabled'"),
            "{resource}"
        );
        assert!(
            body.contains("publicNetworkAccessForQuery: 'Enabled'"),
            "{resource}"
        );
        assert!(
            body.contains("disableLocalAuth: true") || body.contains("DisableLocalAuth: true"),
            "{resource}"
        );
    }
}

#[test]
fn the_inline_checkov_suppressions_are_the_ones_the_readme_explains() {
    let text = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let listed: Vec<&str> = section(&text, "checkov-inline")
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .collect();
    let emitted: Vec<&str> = bulwark::emit::calls::CHECKOV_INLINE
        .iter()
        .map(|(check, _)| *check)
        .collect();
    assert_eq!(listed, emitted);
}

/// The README's diagram is `bulwark explain --format mermaid` of `blueprints/orders.toml`
/// (`docs/orders-architecture.png` is its rendering); `BULWARK_BLESS=1` rewrites it.
#[test]
fn the_diagram_excerpt_is_the_orders_diagram() {
    let generated = common::generate_full(&common::repo().join("blueprints/orders.toml"));
    let expected = format!(
        "```mermaid\n{}```\n",
        bulwark::report::diagram::mermaid(&generated.plan)
    );
    let readme_path = common::repo().join(README);
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    assert!(readme.contains("](docs/orders-architecture.png)"));
    assert!(
        common::repo()
            .join("docs/orders-architecture.png")
            .is_file()
    );
    let current = section(&readme, "diagram-excerpt");
    if current != expected && std::env::var_os("BULWARK_BLESS").is_some() {
        let mut updated = readme.clone();
        updated.replace_range(section_range(&readme, "diagram-excerpt"), &expected);
        std::fs::write(&readme_path, updated).unwrap();
        return;
    }
    assert_eq!(
        current, expected,
        "run BULWARK_BLESS=1 cargo test --test readme"
    );
}
