//! Attacks on the files bulwark owns (issue: safe output). Each plants something in or
//! around a project (a tampered manifest, symlinks at every path bulwark touches, a library
//! template naming a file outside the library, a FIFO) and checks that nothing outside the
//! project's folders is read, written or deleted, and that the command says why it stopped.

#![cfg(unix)]

mod common;

use assert_cmd::Command;
use common::snapshot;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

fn bulwark() -> Command {
    let mut command = Command::cargo_bin("bulwark").unwrap();
    command.env("NO_COLOR", "1");
    command
}

/// A project folder with shop's blueprint, and a "victim" folder beside it that no command
/// may touch.
struct Setup {
    _root: tempfile::TempDir,
    project: PathBuf,
    victim: PathBuf,
}

fn setup() -> Setup {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("project");
    let victim = root.path().join("victim");
    fs::create_dir_all(&project).unwrap();
    fs::create_dir_all(&victim).unwrap();
    fs::copy(
        common::repo().join("blueprints/shop.toml"),
        project.join("bulwark.toml"),
    )
    .unwrap();
    fs::write(victim.join("precious.txt"), "do not touch\n").unwrap();
    Setup {
        _root: root,
        project,
        victim,
    }
}

fn generate(project: &Path) -> assert_cmd::assert::Assert {
    bulwark()
        .current_dir(project)
        .arg("generate")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
}

fn victim_untouched(setup: &Setup) {
    let entries: Vec<String> = fs::read_dir(&setup.victim)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        entries,
        ["precious.txt"],
        "something was written beside the project"
    );
    assert_eq!(
        fs::read_to_string(setup.victim.join("precious.txt")).unwrap(),
        "do not touch\n"
    );
}

/// Rewrite the manifest so it claims `listed` (with the hash of its current content).
fn tamper_manifest(project: &Path, listed: &str, content_of: &Path) {
    let path = project.join("infra/.bulwark-manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let hash = bulwark::output::hash(&fs::read(content_of).unwrap());
    manifest["files"][listed] = serde_json::Value::String(hash);
    fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn a_manifest_listing_paths_outside_the_folder_deletes_nothing() {
    for listed in [
        "../../victim/precious.txt",
        "modules/../../../victim/precious.txt",
        "/VICTIM/precious.txt",
        "../bulwark.toml",
    ] {
        let setup = setup();
        generate(&setup.project).success();
        let listed = listed.replace("/VICTIM", &setup.victim.display().to_string());
        let target = if listed.ends_with("bulwark.toml") {
            setup.project.join("bulwark.toml")
        } else {
            setup.victim.join("precious.txt")
        };
        tamper_manifest(&setup.project, &listed, &target);
        let output = generate(&setup.project).code(3);
        let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
        assert!(
            stderr.contains("outside the output folder"),
            "{listed}: {stderr}"
        );
        victim_untouched(&setup);
        assert!(setup.project.join("bulwark.toml").exists(), "{listed}");
        // check does not offer the path as an orphan to delete either.
        let check = bulwark()
            .current_dir(&setup.project)
            .arg("check")
            .assert()
            .code(1);
        let stdout = String::from_utf8_lossy(&check.get_output().stdout).into_owned();
        assert!(!stdout.contains("orphaned: "), "{listed}: {stdout}");
        assert!(stdout.contains("outside the output folder"), "{stdout}");
    }
}

#[test]
fn a_symlinked_modules_folder_is_not_written_through() {
    let setup = setup();
    fs::create_dir_all(setup.project.join("infra")).unwrap();
    symlink(&setup.victim, setup.project.join("infra/modules")).unwrap();
    generate(&setup.project).code(3);
    victim_untouched(&setup);
    assert!(!setup.project.join("infra/.bulwark-manifest.json").exists());
}

#[test]
fn a_symlinked_generated_file_is_not_written_through() {
    let setup = setup();
    generate(&setup.project).success();
    let main = setup.project.join("infra/main.bicep");
    fs::remove_file(&main).unwrap();
    symlink(setup.victim.join("precious.txt"), &main).unwrap();
    generate(&setup.project).code(3);
    victim_untouched(&setup);
}

#[test]
fn a_symlink_at_the_old_staging_name_is_unlinked_not_followed() {
    let setup = setup();
    fs::create_dir_all(setup.project.join("infra")).unwrap();
    symlink(
        setup.victim.join("planted.txt"),
        setup.project.join("infra/.main.bicep.bulwark-tmp"),
    )
    .unwrap();
    generate(&setup.project).success();
    victim_untouched(&setup);
    assert!(
        fs::symlink_metadata(setup.project.join("infra/.main.bicep.bulwark-tmp")).is_err(),
        "the planted link is gone"
    );
}

#[test]
fn no_temporary_files_are_left_behind() {
    let setup = setup();
    generate(&setup.project).success();
    generate(&setup.project).success();
    let leftovers: Vec<String> = snapshot(&setup.project.join("infra"))
        .into_keys()
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap_or_default();
            name.starts_with(".tmp")
                || name.ends_with(".bulwark-tmp")
                || path.starts_with(".bulwark-staging")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_fifo_in_the_output_folder_is_refused_without_blocking() {
    let setup = setup();
    fs::create_dir_all(setup.project.join("infra")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(setup.project.join("infra/main.bicep"))
        .status()
        .unwrap();
    assert!(status.success());
    let output = generate(&setup.project).code(3);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn new_refuses_a_dangling_symlink_where_it_would_write() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("shop");
    fs::create_dir_all(&project).unwrap();
    let outside = root.path().join("outside.toml");
    symlink(&outside, project.join("bulwark.toml")).unwrap();
    bulwark()
        .arg("new")
        .arg(&project)
        .args(["--template", "shop"])
        .assert()
        .code(2);
    assert!(!outside.exists(), "new wrote through the dangling symlink");
    assert!(!project.join("infra").exists());
}

#[test]
fn new_refuses_a_symlinked_infra_folder() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("shop");
    let outside = root.path().join("outside");
    fs::create_dir_all(&project).unwrap();
    fs::create_dir_all(&outside).unwrap();
    symlink(&outside, project.join("infra")).unwrap();
    bulwark()
        .arg("new")
        .arg(&project)
        .args(["--template", "shop"])
        .assert()
        .code(2);
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn a_library_template_outside_the_library_is_refused_and_not_read() {
    let root = tempfile::tempdir().unwrap();
    let library = root.path().join("lib");
    fs::create_dir_all(&library).unwrap();
    fs::write(
        library.join("bulwark-library.toml"),
        "[library]\nname = \"evil\"\nversion = \"1.0.0\"\n\n[templates.secrets]\nfile = \"/proc/self/environ\"\n",
    )
    .unwrap();
    let output = bulwark()
        .arg("new")
        .arg(root.path().join("app"))
        .arg("--library")
        .arg(&library)
        .arg("--list")
        .env("BULWARK_CANARY", "canary-value-123")
        .assert()
        .failure();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.get_output().stdout),
        String::from_utf8_lossy(&output.get_output().stderr)
    );
    assert!(!all.contains("canary-value-123"), "{all}");
    assert!(all.contains("inside the library"), "{all}");
}

#[test]
fn a_crlf_checkout_of_a_file_no_longer_generated_is_still_removed() {
    let setup = setup();
    generate(&setup.project).success();
    // Drop the queue: its storage module changes and a module the manifest lists goes away;
    // simulate a CRLF checkout of every generated file first.
    for entry in fs::read_dir(setup.project.join("infra/modules")).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap().replace('\n', "\r\n");
        fs::write(&path, text).unwrap();
    }
    let blueprint = fs::read_to_string(setup.project.join("bulwark.toml")).unwrap();
    let without_vault = shop_without_vault(&blueprint);
    fs::write(setup.project.join("bulwark.toml"), &without_vault).unwrap();
    let output = generate(&setup.project).success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    assert!(
        !stdout.contains("kept modules/key-vault-vault.bicep"),
        "{stdout}"
    );
    assert!(
        !setup
            .project
            .join("infra/modules/key-vault-vault.bicep")
            .exists()
    );
}

#[test]
fn two_generates_at_once_leave_one_consistent_generation() {
    let setup = setup();
    let runs: Vec<std::thread::JoinHandle<bool>> = (0..2)
        .map(|_| {
            let project = setup.project.clone();
            std::thread::spawn(move || {
                bulwark()
                    .current_dir(project)
                    .arg("generate")
                    .output()
                    .unwrap()
                    .status
                    .success()
            })
        })
        .collect();
    for run in runs {
        assert!(run.join().unwrap());
    }
    // The manifest agrees with every file on disk.
    bulwark()
        .current_dir(&setup.project)
        .arg("check")
        .assert()
        .success();
}

#[test]
fn a_blueprint_that_is_a_device_or_too_large_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let output = bulwark()
        .current_dir(dir.path())
        .args(["validate", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(stderr.contains("not a regular file"), "{stderr}");
    let large = dir.path().join("large.toml");
    fs::write(&large, "# padding\n".repeat(1_000_000)).unwrap();
    let output = bulwark().arg("validate").arg(&large).assert().code(3);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(stderr.contains("larger than the 8 MiB"), "{stderr}");
}

#[test]
fn a_blueprint_can_come_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let shop = fs::read(common::repo().join("blueprints/shop.toml")).unwrap();
    bulwark()
        .current_dir(dir.path())
        .args(["generate", "-"])
        .write_stdin(shop)
        .assert()
        .success();
    assert!(dir.path().join("infra/main.bicep").exists());
}

#[test]
fn check_summarises_a_huge_edited_file_instead_of_diffing_it() {
    let setup = setup();
    generate(&setup.project).success();
    let huge = "param x string\n".repeat(200_000);
    fs::write(setup.project.join("infra/main.bicep"), huge).unwrap();
    let started = std::time::Instant::now();
    let output = bulwark()
        .current_dir(&setup.project)
        .arg("check")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    assert!(
        stdout.contains("summarised: 3000000 bytes"),
        "{}",
        &stdout[..stdout.len().min(2000)]
    );
    assert!(stdout.len() < 100_000, "{} bytes of output", stdout.len());
}

/// Kill `generate` after every step of its commit (each file replaced or removed, the
/// manifest); after each, `check` says a generation was interrupted, and the next
/// `generate` finishes it: the folder then holds exactly the new generation, nothing left
/// over.
#[test]
fn a_generate_killed_at_any_point_is_finished_by_the_next() {
    let setup = setup();
    generate(&setup.project).success();
    let old = snapshot(&setup.project.join("infra"));
    // The next generation changes files and removes the vault's module.
    let blueprint = fs::read_to_string(setup.project.join("bulwark.toml")).unwrap();
    let without_vault = shop_without_vault(&blueprint);
    let mut crashed = 0;
    let mut finished = false;
    for step in 0..200 {
        restore(&setup.project.join("infra"), &old);
        fs::write(setup.project.join("bulwark.toml"), &blueprint).unwrap();
        fs::write(setup.project.join("bulwark.toml"), &without_vault).unwrap();
        let run = bulwark()
            .current_dir(&setup.project)
            .arg("generate")
            .env("BULWARK_CRASH_AFTER", step.to_string())
            .output()
            .unwrap();
        if run.status.success() {
            finished = true;
            break;
        }
        crashed += 1;
        let check = bulwark()
            .current_dir(&setup.project)
            .arg("check")
            .output()
            .unwrap();
        assert_eq!(check.status.code(), Some(1), "step {step}");
        assert!(
            String::from_utf8_lossy(&check.stdout).contains("was interrupted"),
            "step {step}"
        );
        generate(&setup.project).success();
        bulwark()
            .current_dir(&setup.project)
            .arg("check")
            .assert()
            .success();
        assert!(
            !setup
                .project
                .join("infra/modules/key-vault-vault.bicep")
                .exists()
        );
        let files = snapshot(&setup.project.join("infra"));
        assert!(
            files.keys().all(|path| !path.contains(".tmp")
                && !path.contains("bulwark-commit")
                && !path.contains("bulwark-staging")),
            "step {step}: {:?}",
            files.keys()
        );
    }
    // Every changed file, the removed module and the manifest were a crash point.
    assert!(
        finished && crashed >= 5,
        "{crashed} crash points, finished: {finished}"
    );
}

/// shop's blueprint without its key vault (and the connection to it): the next generation
/// changes files and no longer has the vault's module.
fn shop_without_vault(blueprint: &str) -> String {
    blueprint
        .split("\n[components.")
        .filter(|block| !block.starts_with("vault]"))
        .collect::<Vec<_>>()
        .join("\n[components.")
        .replace("  { to = \"vault.stripe-key\", access = \"read\" },\n", "")
}

fn restore(dir: &Path, files: &std::collections::BTreeMap<String, Vec<u8>>) {
    fs::remove_dir_all(dir).unwrap();
    for (path, bytes) in files {
        let target = dir.join(path);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(target, bytes).unwrap();
    }
}

#[test]
fn a_symlinked_deployer_folder_is_not_written_through() {
    let setup = setup();
    fs::create_dir_all(setup.project.join("infra")).unwrap();
    symlink(&setup.victim, setup.project.join("infra/deployer")).unwrap();
    let output = bulwark()
        .current_dir(&setup.project)
        .arg("deployer")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(
        stderr.contains("infra/deployer: not a folder (a symlink or a file)"),
        "{stderr}"
    );
    victim_untouched(&setup);
}

/// A merge leaves conflict markers in the manifest: `generate` and `check` both say so and
/// give the way out, which works and moves no subnet (the lock keeps the address plan).
#[test]
fn a_merge_conflicted_manifest_names_the_way_out() {
    let setup = setup();
    generate(&setup.project).success();
    let lock = fs::read_to_string(setup.project.join("bulwark.lock")).unwrap();
    let path = setup.project.join("infra/.bulwark-manifest.json");
    let text = fs::read_to_string(&path).unwrap();
    let conflicted = text.replacen(
        "  \"files\": {\n",
        "<<<<<<< HEAD\n  \"files\": {\n=======\n  \"files\": {\n>>>>>>> feature\n",
        1,
    );
    fs::write(&path, conflicted).unwrap();
    let way_out = "rm infra/.bulwark-manifest.json && bulwark generate bulwark.toml --out infra --force`; the address plan is kept in bulwark.lock, so no subnet moves";
    let output = generate(&setup.project).code(3);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(
        stderr.contains("merge conflict markers (line 4)"),
        "{stderr}"
    );
    assert!(stderr.contains(way_out), "{stderr}");
    let check = bulwark()
        .current_dir(&setup.project)
        .arg("check")
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&check.get_output().stdout).into_owned();
    assert!(stdout.contains("merge conflict markers"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "fix: restore it from version control, or delete it and generate again: `{way_out}"
        )),
        "{stdout}"
    );
    // Following it.
    fs::remove_file(&path).unwrap();
    bulwark()
        .current_dir(&setup.project)
        .args(["generate", "bulwark.toml", "--out", "infra", "--force"])
        .assert()
        .success();
    bulwark()
        .current_dir(&setup.project)
        .arg("check")
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(setup.project.join("bulwark.lock")).unwrap(),
        lock
    );
}

/// Two branches each record a subnet in the lock and conflict: both commands say how to
/// resolve it; keeping both sides' lines then generates.
#[test]
fn a_merge_conflicted_lock_says_how_to_resolve_it() {
    let setup = setup();
    generate(&setup.project).success();
    let path = setup.project.join("bulwark.lock");
    let lock = fs::read_to_string(&path).unwrap();
    let conflicted = lock.replacen(
        "\n[subnets.prod]\n",
        "<<<<<<< HEAD\nadmin-integration = \"10.0.1.64/26\"\n=======\nreports-integration = \"10.0.1.64/26\"\n>>>>>>> feature\n\n[subnets.prod]\n",
        1,
    );
    assert_ne!(conflicted, lock);
    fs::write(&path, &conflicted).unwrap();
    for command in ["generate", "check"] {
        let output = bulwark()
            .current_dir(&setup.project)
            .arg(command)
            .assert()
            .code(3);
        let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
        assert!(
            stderr.contains(
                "bulwark.lock is not a bulwark address plan lock: it has merge conflict markers"
            ) && stderr.contains("keep the subnet lines of both sides, remove the markers"),
            "{command}: {stderr}"
        );
    }
    let resolved: String = conflicted
        .lines()
        .filter(|line| {
            !line.starts_with("<<<<<<<") && *line != "=======" && !line.starts_with(">>>>>>>")
        })
        .map(|line| format!("{line}\n"))
        .collect();
    fs::write(&path, resolved).unwrap();
    generate(&setup.project).success();
    bulwark()
        .current_dir(&setup.project)
        .arg("check")
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&path).unwrap(), lock);
}

/// A symlink planted at the lock's name is neither followed out of the blueprint's folder
/// for reading nor written through.
#[test]
fn a_symlinked_lock_is_not_followed_outside() {
    let setup = setup();
    symlink(
        setup.victim.join("precious.txt"),
        setup.project.join("bulwark.lock"),
    )
    .unwrap();
    let output = generate(&setup.project).code(3);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(stderr.contains("bulwark.lock"), "{stderr}");
    victim_untouched(&setup);
    // Nor a dangling one.
    fs::remove_file(setup.project.join("bulwark.lock")).unwrap();
    symlink(
        setup.victim.join("new.txt"),
        setup.project.join("bulwark.lock"),
    )
    .unwrap();
    generate(&setup.project).code(3);
    victim_untouched(&setup);
}

/// HTML in the blueprint reaches SECURITY.md as text, not markup: here a tag value that
/// closes the code span it is shown in with a backtick; bulwark's own `<env>` placeholders
/// in code spans stay as they are.
#[test]
fn html_in_the_blueprint_is_escaped_in_the_security_report() {
    let setup = setup();
    let path = setup.project.join("bulwark.toml");
    let text = fs::read_to_string(&path).unwrap();
    let tagged = text.replacen(
        "[components.",
        "[tags]\nowner = \"x` <img src=x onerror=alert(1)> `y\"\n\n[components.",
        1,
    );
    assert_ne!(tagged, text);
    fs::write(&path, tagged).unwrap();
    generate(&setup.project).success();
    let report = fs::read_to_string(setup.project.join("infra/SECURITY.md")).unwrap();
    assert!(!report.contains("<img"), "{report}");
    assert!(
        report.contains("`x` &lt;img src=x onerror=alert(1)> `y`"),
        "{report}"
    );
    assert!(report.contains("-<env>`"), "{report}");
}

/// Through the builder API (no file, so no diagnostic position), an invisible character
/// still never reaches the Bicep as itself: the printer writes it as an escape.
#[test]
fn invisible_characters_from_the_builder_api_are_escaped_in_the_bicep() {
    use bulwark::blueprint::{Blueprint, Runtime, WebApp};
    let blueprint = Blueprint::builder("shop", ["dev"])
        .tag("owner", "team-\u{202e}nimda")
        .component("web", WebApp::new(Runtime::Node22))
        .build();
    let generated = bulwark::generate(&blueprint, &bulwark::Options::default()).unwrap();
    for (path, text) in &generated.files.files {
        assert!(
            !text
                .chars()
                .any(bulwark::blueprint::diagnostic::is_invisible_format),
            "{path}"
        );
    }
    let main = generated.files.get("main.bicep").unwrap();
    assert!(main.contains("'team-\\u{202E}nimda'"), "{main}");
}

/// Each message the adversarial review found unclear, as it reads now.
mod messages {
    use super::*;

    fn validate(dir: &Path, text: &str) -> String {
        let path = dir.join("bulwark.toml");
        fs::write(&path, text).unwrap();
        let output = bulwark().arg("validate").arg(&path).output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    fn retail_with(from: &str, to: &str) -> String {
        let text = fs::read_to_string(common::repo().join("blueprints/retail.toml")).unwrap();
        let edited = text.replacen(from, to, 1);
        assert_ne!(edited, text, "{from}");
        edited
    }

    #[test]
    fn a_dangling_symlink_out_says_what_it_is() {
        let setup = setup();
        symlink(setup.victim.join("gone"), setup.project.join("infra")).unwrap();
        let output = generate(&setup.project).code(3);
        let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
        assert!(
            stderr.contains("infra: a symlink to") && stderr.contains("which does not exist"),
            "{stderr}"
        );
        assert!(!stderr.contains("File exists"), "{stderr}");
        victim_untouched(&setup);
    }

    #[test]
    fn an_unquoted_library_version_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let library = common::repo().join("tests/libraries/platform");
        let text = format!(
            "[app]\nname = \"shop\"\nenvironments = [\"dev\"]\n\n[libraries]\nplatform = {{ path = \"{}\", version = 1.4 }}\n\n[components.web]\nkind = \"web-app\"\nruntime = \"node:22\"\n",
            library.display()
        );
        let stderr = validate(dir.path(), &text);
        assert!(
            stderr.contains("the version of library `platform` must be a string"),
            "{stderr}"
        );
        assert!(stderr.contains("version = \"1.4\""), "{stderr}");
        assert!(!stderr.contains("needs \n"), "{stderr}");
    }

    #[test]
    fn a_tab_in_an_admin_group_name_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let text = retail_with("\"retail-sql-admins\"", "\"retail\\tadmins\"");
        let stderr = validate(dir.path(), &text);
        assert!(
            stderr.contains("holds a control character (U+0009, a tab)"),
            "{stderr}"
        );
        assert!(!stderr.contains("needs its display name"), "{stderr}");
    }

    #[test]
    fn a_bad_model_name_is_not_a_model_model() {
        let dir = tempfile::tempdir().unwrap();
        let text = retail_with("model = \"gpt-4o-mini\"", "model = \"gpt 4o\"");
        let stderr = validate(dir.path(), &text);
        assert!(stderr.contains("`gpt 4o` is not a model name"), "{stderr}");
        assert!(!stderr.contains("model model"), "{stderr}");
    }

    #[test]
    fn cr_only_line_endings_report_real_lines() {
        let dir = tempfile::tempdir().unwrap();
        let stderr = validate(
            dir.path(),
            "[app]\rname = \"shop\"\renvironments = [\"dev\"]\r",
        );
        assert!(stderr.contains("bulwark.toml:2:1]"), "{stderr}");
        assert!(stderr.contains(" 2 │ name = \"shop\""), "{stderr}");
        assert!(!stderr.contains(" 0 │"), "{stderr}");
        assert!(stderr.contains("old Mac line endings"), "{stderr}");
    }

    #[test]
    fn a_megabyte_bad_value_is_not_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let text = retail_with(
            "runtime = \"node:22\"",
            &format!("runtime = \"{}\"", "x".repeat(1_000_000)),
        );
        let stderr = validate(dir.path(), &text);
        assert!(stderr.len() < 2_000, "{} bytes of errors", stderr.len());
        assert!(
            stderr.contains("(the line is too long to show)"),
            "{stderr}"
        );
    }

    #[test]
    fn new_keeps_a_library_path_with_a_quote_and_quotes_the_cd_hint() {
        let root = tempfile::tempdir().unwrap();
        let library = root.path().join("lib\"q");
        fs::create_dir_all(&library).unwrap();
        let source = common::repo().join("tests/libraries/platform");
        for entry in fs::read_dir(&source).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                fs::copy(entry.path(), library.join(entry.file_name())).unwrap();
            } else {
                // One level of template folders is all the test library has.
                let sub = library.join(entry.file_name());
                fs::create_dir_all(&sub).unwrap();
                for file in fs::read_dir(entry.path()).unwrap() {
                    let file = file.unwrap();
                    fs::copy(file.path(), sub.join(file.file_name())).unwrap();
                }
            }
        }
        let output = bulwark()
            .current_dir(root.path())
            .args([
                "new",
                "my proj",
                "--library",
                "lib\"q",
                "--template",
                "platform/starter",
            ])
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
        assert!(stdout.contains("  cd 'my proj'\n"), "{stdout}");
        let blueprint = fs::read_to_string(root.path().join("my proj/bulwark.toml")).unwrap();
        assert!(blueprint.contains("path = '../lib\"q'"), "{blueprint}");
        bulwark()
            .current_dir(root.path().join("my proj"))
            .arg("check")
            .assert()
            .success();
    }
}

/// Make every write of `generate` fail in turn, from the first staged file on, as a disk
/// that fills up would (`BULWARK_FAIL_WRITE`): the run stops with the error, and the folder
/// and the lock are then either wholly the old generation (a failure while staging or
/// recording the journal: what was staged is removed), or `check` says a generation was
/// interrupted and the next `generate` finishes it (a failure writing the lock after the
/// journal); no temporary or staged file is ever left.
#[test]
fn a_generate_whose_writes_fail_leaves_the_old_generation_or_a_finishable_one() {
    let setup = setup();
    generate(&setup.project).success();
    let infra = setup.project.join("infra");
    let lock = setup.project.join("bulwark.lock");
    let old = snapshot(&infra);
    let old_lock = fs::read(&lock).unwrap();
    let blueprint = fs::read_to_string(setup.project.join("bulwark.toml")).unwrap();
    // Files change, the vault's module goes and a new subnet changes the lock.
    let next = format!(
        "{}\n[components.admin]\nkind = \"web-app\"\nruntime = \"node:22\"\n",
        shop_without_vault(&blueprint)
    );
    fs::write(setup.project.join("bulwark.toml"), &next).unwrap();
    let (mut untouched, mut finished_later) = (0, 0);
    for write in 0..200 {
        restore(&infra, &old);
        fs::write(&lock, &old_lock).unwrap();
        let run = bulwark()
            .current_dir(&setup.project)
            .arg("generate")
            .env("BULWARK_FAIL_WRITE", write.to_string())
            .output()
            .unwrap();
        if run.status.success() {
            // Each staged file, the staged manifest and the journal left the old generation;
            // the lock, written after the journal, left one the next run finished.
            assert!(
                untouched >= 5 && finished_later >= 1,
                "{untouched} {finished_later}"
            );
            return;
        }
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        assert_eq!(run.status.code(), Some(3), "write {write}: {stderr}");
        assert!(
            stderr.contains("injected by BULWARK_FAIL_WRITE"),
            "{stderr}"
        );
        let leftovers = |files: &std::collections::BTreeMap<String, Vec<u8>>| {
            files.keys().any(|path| path.contains(".tmp"))
        };
        let staged = |files: &std::collections::BTreeMap<String, Vec<u8>>| {
            files
                .keys()
                .any(|path| path.starts_with(".bulwark-staging/"))
        };
        let after = snapshot(&infra);
        assert!(!leftovers(&after), "write {write}: {:?}", after.keys());
        // Staged files stay only with the journal that finishes them.
        assert!(
            !staged(&after) || after.contains_key(".bulwark-commit.json"),
            "write {write}: {:?}",
            after.keys()
        );
        assert!(
            !leftovers(&snapshot(&setup.project)),
            "write {write}: a temporary file beside the blueprint"
        );
        if after == old && fs::read(&lock).unwrap() == old_lock {
            untouched += 1;
            continue;
        }
        let check = bulwark()
            .current_dir(&setup.project)
            .arg("check")
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&check.stdout).contains("was interrupted"),
            "write {write}: neither old nor recoverable"
        );
        generate(&setup.project).success();
        bulwark()
            .current_dir(&setup.project)
            .arg("check")
            .assert()
            .success();
        assert!(
            fs::read_to_string(&lock)
                .unwrap()
                .contains("admin-integration"),
            "write {write}"
        );
        let finished = snapshot(&infra);
        assert!(!leftovers(&finished) && !staged(&finished), "write {write}");
        finished_later += 1;
    }
    panic!("generate never succeeded");
}

/// A generation stopped after its journal, whose staged copy of a file is then lost (as a
/// power failure could lose it, since files are not fsynced): the next `generate` refuses
/// to finish it and says how to recover, rather than taking the old file for the new one.
/// A journal naming a path outside the folder is refused as a whole.
#[test]
fn a_journal_with_a_lost_staged_file_or_an_outside_path_is_refused() {
    let setup = setup();
    generate(&setup.project).success();
    let blueprint = fs::read_to_string(setup.project.join("bulwark.toml")).unwrap();
    fs::write(
        setup.project.join("bulwark.toml"),
        shop_without_vault(&blueprint),
    )
    .unwrap();
    let infra = setup.project.join("infra");
    let crashed = bulwark()
        .current_dir(&setup.project)
        .arg("generate")
        .env("BULWARK_CRASH_AFTER", "1")
        .output()
        .unwrap();
    assert!(!crashed.status.success());
    assert!(infra.join(".bulwark-commit.json").is_file());
    fs::remove_file(infra.join(".bulwark-staging/0")).unwrap();
    let refused = generate(&setup.project).code(3);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(stderr.contains("cannot be finished"), "{stderr}");
    assert!(stderr.contains("generate --force"), "{stderr}");

    let journal = serde_json::json!({
        "version": 2,
        "write": [["../victim/precious.txt", "sha256:00"]],
        "remove": ["../victim/precious.txt"],
        "manifest": "sha256:00",
    });
    fs::write(infra.join(".bulwark-commit.json"), journal.to_string()).unwrap();
    let refused = generate(&setup.project).code(3);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(stderr.contains("outside the output folder"), "{stderr}");
    victim_untouched(&setup);
}
