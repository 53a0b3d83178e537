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
    let rows: Vec<&str> = section(&text, "checkov-skip")
        .lines()
        .filter(|l| l.starts_with("| `CKV"))
        .collect();
    assert!(!rows.is_empty());
    for row in rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert!(
            cells.len() >= 4 && cells[3].len() > 40,
            "a skipped check needs a reason: {row}"
        );
    }
}

#[test]
fn the_quick_start_commands_are_the_ones_ci_and_the_repo_use() {
    let text = std::fs::read_to_string(common::repo().join(README)).unwrap();
    assert!(text.contains("cargo run --release -- generate blueprints/shop.toml --out infra"));
    assert!(text.contains("cargo test --locked"));
    let ci = std::fs::read_to_string(common::repo().join(".ci/run")).unwrap();
    assert!(ci.contains("cargo test --locked"));
    assert!(common::repo().join("blueprints/shop.toml").is_file());
}
