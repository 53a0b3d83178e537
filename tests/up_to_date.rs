//! The up-to-date fast path (issue 14): `generate` and `check` into a folder whose manifest
//! records the fingerprint of the same inputs, with every file still at its recorded hash,
//! generate nothing; anything else (a hand edit, a changed blueprint, library or lock, a
//! waiver) takes the full path, so the fast path never hides a change.

mod common;

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

fn bulwark(project: &Path) -> Command {
    let mut command = Command::cargo_bin("bulwark").unwrap();
    command.env("NO_COLOR", "1").current_dir(project);
    command
}

/// What `generate --verbose` says when it generated nothing.
const FAST: &str = "inputs unchanged since the last generation";

/// intranet's blueprint in `project/`, with its library copied to `platform/` beside it.
fn intranet() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("project");
    let library = root.path().join("platform");
    fs::create_dir_all(&project).unwrap();
    fs::create_dir_all(&library).unwrap();
    let source = common::repo().join("tests/libraries/platform/bulwark-library.toml");
    fs::copy(source, library.join("bulwark-library.toml")).unwrap();
    let blueprint = fs::read_to_string(common::repo().join("blueprints/intranet.toml"))
        .unwrap()
        .replace("../tests/libraries/platform", "../platform");
    fs::write(project.join("bulwark.toml"), blueprint).unwrap();
    (root, project)
}

/// `generate --verbose`: its standard output, after checking it succeeded.
fn generate(project: &Path) -> String {
    let run = bulwark(project)
        .args(["--verbose", "generate"])
        .assert()
        .success();
    String::from_utf8(run.get_output().stdout.clone()).unwrap()
}

/// Every file of `dir` with its inode: a file replaced through a rename gets a new one.
fn inodes(dir: &Path) -> Vec<(PathBuf, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                found.push((entry.path(), entry.metadata().unwrap().ino()));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_second_generate_generates_nothing_and_writes_nothing() {
    let (_root, project) = intranet();
    let first = generate(&project);
    assert!(!first.contains(FAST), "{first}");
    let manifest = fs::read_to_string(project.join("infra/.bulwark-manifest.json")).unwrap();
    assert!(
        manifest.contains("\"fingerprint\": \"sha256:"),
        "{manifest}"
    );
    assert!(manifest.contains("\"../platform\""), "{manifest}");
    let before = inodes(&project.join("infra"));
    let second = generate(&project);
    assert!(second.contains(FAST), "{second}");
    assert!(second.contains("unchanged main.bicep"), "{second}");
    assert_eq!(
        inodes(&project.join("infra")),
        before,
        "a file was rewritten"
    );
    let check = bulwark(&project).arg("check").assert().success();
    let stdout = String::from_utf8(check.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("is in sync with bulwark.toml (15 files)"),
        "{stdout}"
    );
}

#[test]
fn a_hand_edited_file_is_still_caught() {
    let (_root, project) = intranet();
    generate(&project);
    let main = project.join("infra/main.bicep");
    let text = fs::read_to_string(&main).unwrap();
    fs::write(&main, text.replacen("param", "param ", 1)).unwrap();
    let refused = bulwark(&project).arg("generate").assert().code(2);
    let stderr = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("edited by hand"), "{stderr}");
    let check = bulwark(&project).arg("check").assert().code(1);
    let stdout = String::from_utf8(check.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("changed: infra/main.bicep"), "{stdout}");
}

#[test]
fn a_changed_blueprint_library_or_lock_takes_the_full_path() {
    let (root, project) = intranet();
    generate(&project);
    let fingerprint = || {
        let text = fs::read_to_string(project.join("infra/.bulwark-manifest.json")).unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        manifest["inputs"]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = fingerprint();

    // A comment changes no file, but the inputs differ: generated again, fingerprint renewed.
    let blueprint = project.join("bulwark.toml");
    let text = fs::read_to_string(&blueprint).unwrap();
    fs::write(&blueprint, format!("# reviewed\n{text}")).unwrap();
    let out = generate(&project);
    assert!(!out.contains(FAST), "{out}");
    assert!(out.contains("0 written"), "{out}");
    let second = fingerprint();
    assert_ne!(first, second);
    assert!(generate(&project).contains(FAST));

    // A new library version is generated again, and the manifest says which.
    let library = root.path().join("platform/bulwark-library.toml");
    let manifest = fs::read_to_string(&library).unwrap();
    fs::write(&library, manifest.replace("1.4.0", "1.4.1")).unwrap();
    let check = bulwark(&project).arg("check").assert().code(1);
    let stdout = String::from_utf8(check.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("library platform is now 1.4.1"), "{stdout}");
    let out = generate(&project);
    assert!(!out.contains(FAST), "{out}");
    assert!(generate(&project).contains(FAST));

    // A lock edited by hand (a subnet moved) is laid out again from the full path.
    let lock = project.join("bulwark.lock");
    let recorded = fs::read_to_string(&lock).unwrap();
    fs::write(&lock, format!("{recorded}\n# moved\n")).unwrap();
    let out = generate(&project);
    assert!(!out.contains(FAST), "{out}");
    assert_eq!(fs::read_to_string(&lock).unwrap(), recorded);
}

#[test]
fn an_interrupted_generation_or_a_waiver_is_never_taken_as_up_to_date() {
    let (_root, project) = intranet();
    generate(&project);
    fs::create_dir_all(project.join("infra/.bulwark-staging")).unwrap();
    let out = generate(&project);
    assert!(!out.contains(FAST), "{out}");
    assert!(!project.join("infra/.bulwark-staging").exists());

    // Waivers expire with the date, not the files: no fingerprint is recorded.
    let kiosk = tempfile::tempdir().unwrap();
    let blueprint = fs::read_to_string(common::repo().join("blueprints/kiosk.toml")).unwrap();
    assert!(blueprint.contains("[[waivers]]"), "kiosk has a waiver");
    fs::write(kiosk.path().join("bulwark.toml"), blueprint).unwrap();
    generate(kiosk.path());
    let manifest = fs::read_to_string(kiosk.path().join("infra/.bulwark-manifest.json")).unwrap();
    assert!(!manifest.contains("fingerprint"), "{manifest}");
    assert!(!generate(kiosk.path()).contains(FAST));
}
