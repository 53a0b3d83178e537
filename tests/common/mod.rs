//! Helpers shared by the integration tests.
#![allow(dead_code)]

use bulwark::{FileSet, Options};
use std::path::{Path, PathBuf};

pub mod staged;
pub mod synthetic;

/// Every file under `dir` (not its folders), by `/`-joined relative path, with its bytes:
/// what the file-safety tests compare before and after a run.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_string_lossy();
                files.insert(relative.into_owned(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped blueprints, `blueprints/*.toml`, sorted.
pub fn shipped_blueprints() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo().join("blueprints"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    paths
}

/// Load a blueprint file and generate it the way the CLI does (header names the file).
pub fn generate_file(path: &Path) -> FileSet {
    generate_full(path).files
}

/// The date the shipped blueprints' waivers are checked against in tests, so snapshots do
/// not change with the calendar (CI's `generate` step checks them against the real date).
pub fn today() -> bulwark::blueprint::Date {
    bulwark::blueprint::Date::parse("2026-11-29").unwrap()
}

/// Generate a blueprint built in code, the way the CLI does (waivers checked against
/// [`today`]); panics with the diagnostics if it does not generate.
pub fn generate(blueprint: &bulwark::Blueprint) -> bulwark::Generated {
    try_generate(blueprint).unwrap_or_else(|d| panic!("{d:#?}"))
}

pub fn try_generate(blueprint: &bulwark::Blueprint) -> Result<bulwark::Generated, bulwark::Error> {
    bulwark::generate(
        blueprint,
        &Options {
            today: today(),
            ..Options::default()
        },
    )
}

/// Load and generate a blueprint file, keeping the manifest and the plan.
pub fn generate_full(path: &Path) -> bulwark::Generated {
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = bulwark::blueprint::load::from_str_in(&text, path.parent().unwrap())
        .unwrap_or_else(|d| panic!("{} does not load: {d:#?}", path.display()));
    let label = path.file_name().unwrap().to_string_lossy().into_owned();
    bulwark::generate(
        &loaded.blueprint,
        &Options {
            blueprint_label: label,
            today: today(),
            ..Options::default()
        },
    )
    .unwrap_or_else(|d| panic!("{} does not generate: {d:#?}", path.display()))
}

/// Generate a loaded blueprint with `options` and add its security report, citing `text`
/// (the text it was loaded from) as `bulwark.toml`: what the CLI's `generate` writes.
pub fn generate_with_report(
    loaded: &bulwark::blueprint::load::Loaded,
    text: &str,
    options: &Options,
) -> bulwark::Generated {
    let mut generated =
        bulwark::generate(&loaded.blueprint, options).unwrap_or_else(|d| panic!("{d:#?}"));
    let source = bulwark::report::Source {
        label: "bulwark.toml",
        text,
        map: &loaded.source_map,
    };
    bulwark::add_report(&mut generated, &loaded.blueprint, &source);
    generated
}

/// Syntax errors the independent tree-sitter Bicep grammar finds: `line:col: kind` for every
/// ERROR or MISSING node.
pub fn bicep_syntax_errors(text: &str) -> Vec<String> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .expect("the Bicep grammar loads");
    // The stock tree-sitter-bicep 1.1.0 grammar predates `extension <alias>` statements (the
    // shared validator's patched grammar parses them): blanked, so positions stay.
    let blanked: String = text
        .split_inclusive('\n')
        .map(|line| {
            if line.starts_with("extension ") {
                " ".repeat(line.trim_end_matches('\n').len()) + "\n"
            } else {
                line.to_string()
            }
        })
        .collect();
    let text = blanked.as_str();
    let tree = parser.parse(text, None).expect("the parser returns a tree");
    let mut errors = Vec::new();
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let at = node.start_position();
            let snippet: String = text[node.byte_range()].chars().take(60).collect();
            errors.push(format!(
                "{}:{}: {} `{}`",
                at.row + 1,
                at.column + 1,
                node.kind(),
                snippet
            ));
        }
        if node.has_error() {
            stack.extend(node.children(&mut cursor));
        }
    }
    errors.sort();
    errors
}
