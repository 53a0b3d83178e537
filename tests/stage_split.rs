//! Issue 14: the stage split prints each stage once and holds text, not syntax. Counted in
//! debug builds (`bulwark::counters`), so a regression fails on any machine: a stage printed
//! again when it closes doubles the statements printed, and a stage that keeps its
//! statements' syntax until it closes no longer drops each one as it is placed.

mod common;

use bulwark::counters::{self, Counter};
use bulwark::emit::split::{Budget, stage_templates};
use common::synthetic::{render_toml, synthetic};

/// Top-level statements of a printed template: (all of them, those the split places —
/// resources other than `existing` declarations, module calls and outputs).
fn statements(text: &str) -> (u64, u64) {
    let (mut all, mut placed) = (0, 0);
    for line in text.lines() {
        let keyword = line.split(' ').next().unwrap_or_default();
        match keyword {
            "targetScope" | "extension" | "param" | "var" => all += 1,
            "resource" if line.contains(" existing = ") => all += 1,
            "resource" | "module" | "output" => {
                all += 1;
                placed += 1;
            }
            _ => {}
        }
    }
    (all, placed)
}

/// 120 synthetic components under a small stage budget (several stages), generated with
/// the counters reset just before.
fn generate_in_stages() -> bulwark::Generated {
    let text = render_toml(&synthetic(120));
    let loaded = bulwark::blueprint::load::from_str(&text).expect("the synthetic TOML loads");
    let options = bulwark::Options {
        today: common::today(),
        stage_budget: Some(Budget {
            json_bytes: 200 * 1024,
            ..Budget::arm()
        }),
        ..bulwark::Options::default()
    };
    counters::reset();
    bulwark::generate(&loaded.blueprint, &options).expect("it generates")
}

#[test]
fn each_statement_is_printed_once_and_dropped_as_it_is_placed() {
    if !counters::ENABLED {
        eprintln!("skipped: counters count in debug builds only");
        return;
    }
    let generated = generate_in_stages();
    let prints = counters::get(Counter::SplitStatementPrints);
    let released = counters::get(Counter::SplitStatementsReleased);
    let stages = stage_templates(generated.files.paths());
    assert!(stages.len() >= 4, "several stages, not {}", stages.len());
    let (mut all, mut placed) = (0, 0);
    for stage in &stages {
        let (stage_all, stage_placed) = statements(&generated.files.files[stage]);
        all += stage_all;
        placed += stage_placed;
    }
    eprintln!(
        "{} stages: {all} statements ({placed} placed), {prints} prints",
        stages.len()
    );
    // Parameters and variables are printed once however many stages repeat them; a unit
    // that does not fit is printed again for the next stage, once per stage at most.
    assert!(
        prints <= all + stages.len() as u64,
        "{prints} statements printed for {all} in the stages: a stage printed twice?"
    );
    assert!(
        prints >= placed,
        "every placed statement is printed ({prints} < {placed})"
    );
    assert_eq!(
        released, placed,
        "each placed statement's syntax is dropped as it is placed, not kept to the end"
    );
}

/// `existing` declarations of a stage's template.
fn existing_declarations(text: &str) -> u64 {
    (text.lines())
        .filter(|line| line.starts_with("resource ") && line.contains(" existing = "))
        .count() as u64
}

/// A stage that already declares an earlier stage's resource `existing` lends that
/// declaration to every later statement reading it: each is built once per stage, not
/// once per statement (most statements read the same shared zones, workspace and
/// identities), and a unit moved on to a new stage takes along, not rebuilds, those it read.
#[test]
fn each_existing_declaration_is_built_once_per_stage() {
    if !counters::ENABLED {
        eprintln!("skipped: counters count in debug builds only");
        return;
    }
    let generated = generate_in_stages();
    let built = counters::get(Counter::SplitExistingBuilt);
    let stages = stage_templates(generated.files.paths());
    assert!(stages.len() >= 4, "several stages, not {}", stages.len());
    let declared: u64 = (stages.iter())
        .map(|stage| existing_declarations(&generated.files.files[stage]))
        .sum();
    eprintln!(
        "{} stages: {declared} existing declarations, {built} built",
        stages.len()
    );
    assert!(declared > 0, "later stages read earlier ones' resources");
    // Fewer than declared: those a moved unit takes along are copied, not built.
    assert!(
        built <= declared,
        "{built} declarations built for {declared} in the stages: built per statement?"
    );
}
