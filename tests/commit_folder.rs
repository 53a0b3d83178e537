//! Issue 14: a generation into a folder that lacks `modules/` stages that folder whole and
//! renames it into place as one, instead of one rename per module. The files that arrive
//! must be exactly those of a commit file by file, a folder that appears meanwhile must not
//! be clobbered, and a commit killed at any step must still end in the whole new tree.

mod common;

use assert_cmd::Command;
use bulwark::counters::{self, Counter};
use bulwark::output::{self, OutputError, Transaction};
use common::snapshot;
use common::synthetic::{render_toml, synthetic};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The renames a commit of `files` makes file by file: each file and the manifest.
fn renames_file_by_file(generated: &bulwark::Generated) -> u64 {
    generated.files.files.len() as u64 + 1
}

/// The renames of a commit into an empty folder: each file outside a folder, each folder
/// once, the manifest.
fn renames_into_empty(generated: &bulwark::Generated) -> u64 {
    let paths = generated.files.files.keys();
    let loose = paths.clone().filter(|path| !path.contains('/')).count();
    let folders: std::collections::BTreeSet<&str> = paths
        .filter_map(|path| path.split_once('/').map(|(top, _)| top))
        .collect();
    assert!(folders.contains("modules"), "{folders:?}");
    (loose + folders.len()) as u64 + 1
}

#[test]
fn a_fresh_generation_renames_its_module_folder_once() {
    let generated = common::generate(&synthetic(12));
    let folders = tempfile::tempdir().unwrap();
    let (fresh, existing) = (
        folders.path().join("fresh"),
        folders.path().join("existing"),
    );
    // `modules/` already there (empty): its files are renamed into it one by one.
    fs::create_dir_all(existing.join("modules")).unwrap();
    counters::reset();
    output::write(
        &existing,
        &generated.files,
        &generated.manifest,
        None,
        false,
    )
    .unwrap();
    let file_by_file = counters::get(Counter::OutputRenames);
    counters::reset();
    output::write(&fresh, &generated.files, &generated.manifest, None, false).unwrap();
    let whole = counters::get(Counter::OutputRenames);
    if counters::ENABLED {
        assert_eq!(file_by_file, renames_file_by_file(&generated));
        assert_eq!(whole, renames_into_empty(&generated));
    }
    assert_eq!(snapshot(&fresh), snapshot(&existing));
    assert!(!fresh.join(output::STAGING).exists() && !fresh.join(output::JOURNAL).exists());
}

/// A transaction that staged every file of a fresh generation, not yet committed.
fn staged(dir: &Path, generated: &bulwark::Generated) -> Transaction<'static> {
    let mut transaction = Transaction::begin(dir, None, false).unwrap();
    for (path, text) in &generated.files.files {
        transaction.stage(path, text).unwrap();
    }
    transaction
}

#[test]
fn a_module_folder_that_appears_before_the_commit_is_not_clobbered() {
    let generated = common::generate(&synthetic(6));
    let folders = tempfile::tempdir().unwrap();
    let (expected, dir) = (folders.path().join("expected"), folders.path().join("dir"));
    output::write(
        &expected,
        &generated.files,
        &generated.manifest,
        None,
        false,
    )
    .unwrap();

    // Someone's own file in a `modules/` made after the folder was listed: it stays, and the
    // generated files join it one by one.
    let transaction = staged(&dir, &generated);
    fs::create_dir_all(dir.join("modules")).unwrap();
    fs::write(dir.join("modules/mine.txt"), "mine\n").unwrap();
    counters::reset();
    transaction.commit(&generated.manifest).unwrap();
    if counters::ENABLED {
        assert_eq!(
            counters::get(Counter::OutputRenames),
            renames_file_by_file(&generated)
        );
    }
    let mut after = snapshot(&dir);
    assert_eq!(after.remove("modules/mine.txt").unwrap(), b"mine\n");
    assert_eq!(after, snapshot(&expected));

    // A file of its own at a generated path is refused, as a probe at staging refuses it.
    fs::remove_dir_all(&dir).unwrap();
    let transaction = staged(&dir, &generated);
    let module = generated
        .files
        .files
        .keys()
        .find(|path| path.starts_with("modules/"));
    let module = module.unwrap();
    fs::create_dir_all(dir.join("modules")).unwrap();
    fs::write(dir.join(module), "mine\n").unwrap();
    match transaction.commit(&generated.manifest) {
        Err(OutputError::NotOwned { paths }) => assert_eq!(paths, std::slice::from_ref(module)),
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(dir.join(module)).unwrap(), b"mine\n");
    assert!(!dir.join(output::STAGING).exists() && !dir.join(output::JOURNAL).exists());
}

fn bulwark() -> Command {
    let mut command = Command::cargo_bin("bulwark").unwrap();
    command.env("NO_COLOR", "1");
    command
}

/// A project with a small synthetic blueprint; its clean generation's `infra/` and lock.
fn project() -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>, Vec<u8>) {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("bulwark.toml"), render_toml(&synthetic(4))).unwrap();
    bulwark()
        .current_dir(root.path())
        .arg("generate")
        .assert()
        .success();
    let infra = snapshot(&root.path().join("infra"));
    let lock = fs::read(root.path().join("bulwark.lock")).unwrap();
    (root, infra, lock)
}

/// Run `generate` in a fresh project, killed after `step` steps of its commit.
fn crash_fresh(project: &Path, step: usize) -> bool {
    let _ = fs::remove_dir_all(project.join("infra"));
    let _ = fs::remove_file(project.join("bulwark.lock"));
    let run = bulwark()
        .current_dir(project)
        .arg("generate")
        .env("BULWARK_CRASH_AFTER", step.to_string())
        .output()
        .unwrap();
    run.status.success()
}

/// Kill a fresh generation after every step of its commit (the journal, the lock, the
/// module folder's one rename, each other file, the manifest): the next `generate` finishes
/// it into exactly the clean generation, nothing staged left over.
#[test]
fn a_fresh_generation_killed_at_any_step_is_finished_by_the_next() {
    let (root, clean, lock) = project();
    let project = root.path();
    for step in 0..100 {
        if crash_fresh(project, step) {
            // The journal, the lock, the folder, a loose file and the manifest at least.
            assert!(step >= 5, "{step} crash points");
            assert_eq!(snapshot(&project.join("infra")), clean);
            return;
        }
        bulwark()
            .current_dir(project)
            .arg("generate")
            .assert()
            .success();
        assert_eq!(snapshot(&project.join("infra")), clean, "step {step}");
        assert_eq!(fs::read(project.join("bulwark.lock")).unwrap(), lock);
    }
    panic!("generate never finished");
}

/// Killed before its module folder is renamed, a generation whose staged copy of a module
/// is then lost is refused, not finished with a module missing. One killed just after the
/// folder's rename is finished (the modules checked where they arrived).
#[test]
fn recovery_checks_a_staged_folder_file_by_file() {
    let (root, clean, _) = project();
    let project = root.path();
    let infra = project.join("infra");
    // Steps: before the journal, the lock, then the module folder.
    assert!(!crash_fresh(project, 2));
    let staged = infra.join(output::STAGING).join("d0");
    assert!(infra.join(output::JOURNAL).is_file() && staged.is_dir());
    let module = fs::read_dir(&staged)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::remove_file(module).unwrap();
    let refused = bulwark()
        .current_dir(project)
        .arg("generate")
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(stderr.contains("cannot be finished"), "{stderr}");

    assert!(!crash_fresh(project, 3));
    assert!(infra.join("modules").is_dir() && !staged.exists());
    bulwark()
        .current_dir(project)
        .arg("generate")
        .assert()
        .success();
    assert_eq!(snapshot(&infra), clean);
}

/// A journal naming a folder that is not one name of the output folder is refused whole.
#[test]
fn a_journal_with_a_nested_or_outside_folder_is_refused() {
    let (root, _, _) = project();
    let infra = root.path().join("infra");
    for folder in ["../victim", "modules/x"] {
        let journal = serde_json::json!({
            "version": 3,
            "write": [],
            "folders": [folder],
            "remove": [],
            "manifest": "sha256:00",
        });
        fs::write(infra.join(output::JOURNAL), journal.to_string()).unwrap();
        let refused = bulwark()
            .current_dir(root.path())
            .arg("generate")
            .assert()
            .code(3);
        let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
        assert!(
            stderr.contains("journal") || stderr.contains("outside"),
            "{stderr}"
        );
    }
}
