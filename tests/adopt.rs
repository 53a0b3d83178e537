//! Working in a real repository and CI: `init` in an existing repository or a monorepo
//! folder, `new`'s `git init`, paths relative to the blueprint, library version requirements,
//! warnings and GitHub annotations from `check`, and a SECURITY.md that comment edits leave
//! alone.

mod common;

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::cargo_bin("bulwark").unwrap();
    command
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE")
        .current_dir(dir)
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, &[])
}

fn git_available() -> bool {
    std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

fn git(dir: &Path, args: &[&str]) {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A repository without running git: a `.git` folder is what bulwark looks for.
fn fake_repository(dir: &Path) {
    fs::create_dir_all(dir.join(".git")).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` (but `.git`), relative, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(root, &entry.path(), out);
            } else {
                out.push((
                    entry.path().strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(entry.path()).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn yaml(path: &Path) -> yaml_rust2::Yaml {
    yaml_rust2::YamlLoader::load_from_str(&fs::read_to_string(path).unwrap())
        .unwrap()
        .remove(0)
}

#[test]
fn init_in_a_monorepo_folder_puts_the_workflow_at_the_root_and_skips_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fake_repository(root);
    fs::write(root.join("README.md"), "# the monorepo\n").unwrap();
    fs::create_dir_all(root.join("services/shop")).unwrap();
    fs::write(root.join("services/shop/README.md"), "# shop\n").unwrap();

    let init = run(root, &["init", "services/shop"]);
    assert_eq!(init.code, 0, "{}{}", init.stdout, init.stderr);
    for line in [
        "created services/shop/bulwark.toml from template shop",
        "created services/shop/bulwark.schema.json (the blueprint's schema, for editors)",
        "created services/shop/bulwark.lock (the address plan)",
        "created services/shop/infra/ (14 files",
        "created .github/workflows/infra-services-shop.yml (runs in services/shop/)",
        "kept services/shop/README.md (it exists); created services/shop/INFRASTRUCTURE.md",
    ] {
        assert!(init.stdout.contains(line), "{line}\n{}", init.stdout);
    }
    // Nothing of the user's changed; nothing landed outside the folder and the workflows.
    assert_eq!(
        fs::read_to_string(root.join("README.md")).unwrap(),
        "# the monorepo\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("services/shop/README.md")).unwrap(),
        "# shop\n"
    );
    let files: Vec<PathBuf> = snapshot(root).into_iter().map(|(path, _)| path).collect();
    for path in &files {
        assert!(
            path.starts_with("services/shop")
                || path.starts_with(".github/workflows")
                || path == Path::new(".github/dependabot.yml")
                || path == Path::new("README.md"),
            "init wrote {}",
            path.display()
        );
    }
    assert!(!root.join("services/shop/.github").exists());

    // The workflow runs in the folder and triggers on its files.
    let workflow = yaml(&root.join(".github/workflows/infra-services-shop.yml"));
    assert_eq!(
        workflow["defaults"]["run"]["working-directory"].as_str(),
        Some("services/shop")
    );
    assert_eq!(workflow["name"].as_str(), Some("infra (services/shop)"));
    for event in ["pull_request", "push"] {
        let paths: Vec<&str> = workflow["on"][event]["paths"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|path| path.as_str().unwrap())
            .collect();
        assert!(paths.contains(&"services/shop/bulwark.toml"), "{paths:?}");
        assert!(paths.contains(&"services/shop/infra/**"), "{paths:?}");
        assert!(
            paths.contains(&".github/workflows/infra-services-shop.yml"),
            "{paths:?}"
        );
    }
    let notes = fs::read_to_string(root.join("services/shop/INFRASTRUCTURE.md")).unwrap();
    assert!(
        notes.contains("`.github/workflows/infra-services-shop.yml` (at the repository root, running in `services/shop/`)"),
        "{notes}"
    );

    // The workflow's check step, where the workflow runs it, finds the project in sync.
    let steps = workflow["jobs"]["check"]["steps"].as_vec().unwrap();
    let check_step = steps
        .iter()
        .find_map(|step| {
            step["run"]
                .as_str()
                .filter(|run| run.starts_with("bulwark check"))
        })
        .unwrap();
    let args: Vec<&str> = check_step.split_whitespace().skip(1).collect();
    let checked = run(&root.join("services/shop"), &args);
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);

    // Again: everything exists, so everything is skipped, and nothing changes.
    let before = snapshot(root);
    let again = run(root, &["init", "services/shop"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    for line in [
        "kept services/shop/bulwark.toml (it exists)",
        "kept services/shop/bulwark.lock (it exists)",
        "skipped services/shop/infra/ (it exists)",
        "skipped .github/workflows/infra-services-shop.yml (it exists",
        "skipped services/shop/README.md and services/shop/INFRASTRUCTURE.md (they exist)",
    ] {
        assert!(again.stdout.contains(line), "{line}\n{}", again.stdout);
    }
    assert!(snapshot(root) == before, "a second init changed files");
}

#[test]
fn init_keeps_an_existing_blueprint_and_generates_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fake_repository(root);
    fs::copy(
        common::repo().join("blueprints/docs.toml"),
        root.join("bulwark.toml"),
    )
    .unwrap();
    let original = fs::read_to_string(root.join("bulwark.toml")).unwrap();
    let init = run(root, &["init"]);
    assert_eq!(init.code, 0, "{}{}", init.stdout, init.stderr);
    assert!(
        init.stdout.contains("kept bulwark.toml (it exists)"),
        "{}",
        init.stdout
    );
    assert!(
        init.stdout
            .contains("created .github/workflows/infra.yml\n"),
        "{}",
        init.stdout
    );
    assert_eq!(
        fs::read_to_string(root.join("bulwark.toml")).unwrap(),
        original
    );
    let workflow = yaml(&root.join(".github/workflows/infra.yml"));
    assert!(
        workflow["defaults"].is_badvalue(),
        "no working directory at the root"
    );
    let checked = run(root, &["check"]);
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
    assert!(checked.stdout.contains("in sync"));
}

#[test]
fn init_refuses_outside_a_repository_and_folders_a_workflow_would_misread() {
    let dir = tempfile::tempdir().unwrap();
    let outside = run(dir.path(), &["init"]);
    assert_eq!(outside.code, 2);
    assert!(
        outside.stderr.contains("is not in a git repository")
            && outside.stderr.contains("help: run `git init`"),
        "{}",
        outside.stderr
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

    fake_repository(dir.path());
    let spaced = run(dir.path(), &["init", "my shop"]);
    assert_eq!(spaced.code, 2, "{}", spaced.stderr);
    assert!(spaced.stderr.contains("misread"), "{}", spaced.stderr);
    assert!(!dir.path().join("my shop").exists());
}

#[test]
fn init_from_a_clean_clone_passes_the_workflows_check() {
    if !git_available() {
        eprintln!("git is not installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    fs::create_dir_all(origin.join("apps/web")).unwrap();
    git(&origin, &["init", "--quiet"]);
    fs::write(origin.join("README.md"), "# mono\n").unwrap();
    // A library the blueprint imports, as a folder of the repository.
    copy_dir(
        &common::repo().join("tests/libraries/platform"),
        &origin.join("libs/platform"),
    );
    let init = run(
        &origin,
        &[
            "init",
            "apps/web",
            "--library",
            "libs/platform",
            "--template",
            "platform/starter",
        ],
    );
    assert_eq!(init.code, 0, "{}{}", init.stdout, init.stderr);
    let blueprint = fs::read_to_string(origin.join("apps/web/bulwark.toml")).unwrap();
    assert!(
        blueprint.contains("path = \"../../libs/platform\""),
        "{blueprint}"
    );
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "--quiet", "-m", "infra"]);
    let clone = dir.path().join("clone");
    git(
        dir.path(),
        &[
            "clone",
            "--quiet",
            origin.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    let workflow = yaml(&clone.join(".github/workflows/infra-apps-web.yml"));
    let folder = workflow["defaults"]["run"]["working-directory"]
        .as_str()
        .unwrap();
    let checked = run(
        &clone.join(folder),
        &["check", "bulwark.toml", "--out", "infra"],
    );
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
}

#[test]
fn new_starts_a_git_repository_unless_told_not_to_or_already_in_one() {
    if !git_available() {
        eprintln!("git is not installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let created = run(dir.path(), &["new", "app"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        created
            .stdout
            .starts_with("initialized a git repository in app (branch main)\n"),
        "{}",
        created.stdout
    );
    assert!(created.stdout.contains("git add . && git commit"));
    assert!(dir.path().join("app/.git").is_dir());

    let plain = run(dir.path(), &["new", "plain", "--no-git"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(!dir.path().join("plain/.git").exists());
    assert!(!plain.stdout.contains("git add"), "{}", plain.stdout);

    // Inside a repository: no repository in a repository, and a pointer to `init`.
    let nested = run(&dir.path().join("app"), &["new", "nested"]);
    assert_eq!(nested.code, 0, "{}", nested.stderr);
    assert!(!dir.path().join("app/nested/.git").exists());
    assert!(
        nested.stdout.contains("`bulwark init`"),
        "{}",
        nested.stdout
    );
}

#[test]
fn new_without_git_says_how_to_do_it_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let created = run_with(dir.path(), &["new", "app"], &[("PATH", "/nonexistent")]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        created
            .stdout
            .contains("git is not installed: run `git init --initial-branch=main` in app yourself"),
        "{}",
        created.stdout
    );
    assert!(dir.path().join("app/infra/main.bicep").is_file());
}

#[test]
fn out_and_lock_are_relative_to_the_blueprint_not_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path();
    fs::create_dir_all(parent.join("sub")).unwrap();
    fs::copy(
        common::repo().join("blueprints/shop.toml"),
        parent.join("sub/bulwark.toml"),
    )
    .unwrap();

    let generated = run(parent, &["generate", "sub/bulwark.toml"]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    assert!(parent.join("sub/infra/main.bicep").is_file());
    assert!(parent.join("sub/bulwark.lock").is_file());
    assert!(!parent.join("infra").exists());

    let checked = run(parent, &["check", "sub/bulwark.toml"]);
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
    assert!(
        checked
            .stdout
            .contains("sub/infra is in sync with sub/bulwark.toml (14 files)"),
        "{}",
        checked.stdout
    );
    // The same from inside the folder, with the folder spelled out.
    let inside = run(
        &parent.join("sub"),
        &["check", "bulwark.toml", "--out", "infra"],
    );
    assert_eq!(inside.code, 0, "{}", inside.stdout);

    // The fix `check` prints works from where it ran.
    fs::write(parent.join("sub/infra/main.bicep"), "// edited\n").unwrap();
    let drifted = run(parent, &["check", "sub/bulwark.toml"]);
    assert_eq!(drifted.code, 1);
    assert!(
        drifted.stdout.contains("changed: sub/infra/main.bicep"),
        "{}",
        drifted.stdout
    );
    let fix = drifted
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("fix: "))
        .unwrap()
        .to_string();
    assert_eq!(fix, "bulwark generate sub/bulwark.toml --out infra");
    let args: Vec<&str> = fix.split_whitespace().skip(1).collect();
    let mut args = args.clone();
    args.push("--force");
    assert_eq!(run(parent, &args).code, 0);
    assert_eq!(run(parent, &["check", "sub/bulwark.toml"]).code, 0);

    // explain and deployer read and write beside the blueprint too.
    let explained = run(parent, &["explain", "sub/bulwark.toml"]);
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    let deployer = run(parent, &["deployer", "sub/bulwark.toml"]);
    assert_eq!(deployer.code, 0, "{}", deployer.stderr);
    assert!(parent.join("sub/infra/deployer/main.bicep").is_file());

    // An explicit relative --lock is beside the blueprint; an absolute --out stays absolute.
    let elsewhere = tempfile::tempdir().unwrap();
    let absolute = elsewhere.path().join("out");
    let locked = run(
        parent,
        &[
            "generate",
            "sub/bulwark.toml",
            "--out",
            absolute.to_str().unwrap(),
            "--lock",
            "locks/shop.lock",
        ],
    );
    assert_eq!(locked.code, 0, "{}", locked.stderr);
    assert!(absolute.join("main.bicep").is_file());
    assert!(parent.join("sub/locks/shop.lock").is_file());
    assert!(!parent.join("locks").exists());
}

/// A library, a blueprint that requires a version of it, and the project folder around them.
fn library_project(requirement: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &common::repo().join("tests/libraries/platform"),
        &dir.path().join("platform"),
    );
    let text = fs::read_to_string(common::repo().join("blueprints/intranet.toml"))
        .unwrap()
        .replace(
            "platform = { path = \"../tests/libraries/platform\", version = \"1.4\" }",
            &format!("platform = {{ path = \"../platform\", version = \"{requirement}\" }}"),
        );
    assert!(text.contains("path = \"../platform\""));
    fs::create_dir_all(dir.path().join("apps")).unwrap();
    fs::write(dir.path().join("apps/intranet.toml"), text).unwrap();
    dir
}

fn set_library_version(dir: &Path, version: &str) {
    let manifest = dir.join("platform/bulwark-library.toml");
    let text: String = fs::read_to_string(&manifest)
        .unwrap()
        .lines()
        .map(|line| {
            if line.starts_with("version = ") {
                format!("version = \"{version}\"\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    assert!(text.contains(&format!("version = \"{version}\"")));
    fs::write(manifest, text).unwrap();
}

#[test]
fn a_library_requirement_is_a_semver_requirement_and_a_new_version_is_reported() {
    let dir = library_project("1.4");
    // Libraries resolve from the blueprint's folder, whatever the working directory.
    let generated = run(dir.path(), &["generate", "apps/intranet.toml"]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let manifest =
        fs::read_to_string(dir.path().join("apps/infra/.bulwark-manifest.json")).unwrap();
    assert!(manifest.contains("\"platform\": \"1.4.0\""), "{manifest}");

    // A compatible release: "1.4" means ^1.4, so 1.5.0 is accepted; check sees the change,
    // generate says it.
    set_library_version(dir.path(), "1.5.0");
    let checked = run(dir.path(), &["check", "apps/intranet.toml"]);
    assert_eq!(checked.code, 1, "{}{}", checked.stdout, checked.stderr);
    assert!(
        checked
            .stdout
            .contains("library platform is now 1.5.0 (was 1.4.0)"),
        "{}",
        checked.stdout
    );
    let regenerated = run(dir.path(), &["generate", "apps/intranet.toml"]);
    assert_eq!(regenerated.code, 0, "{}", regenerated.stderr);
    assert!(
        regenerated
            .stdout
            .contains("apps/infra: library platform resolved to 1.5.0 (was 1.4.0)"),
        "{}",
        regenerated.stdout
    );
    assert_eq!(run(dir.path(), &["check", "apps/intranet.toml"]).code, 0);

    // A major release is not compatible.
    set_library_version(dir.path(), "2.0.0");
    let refused = run(dir.path(), &["check", "apps/intranet.toml"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("library `platform` is version 2.0.0, the blueprint needs 1.4 (^1.4)"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("version = \"2.0\""),
        "{}",
        refused.stderr
    );

    // Tilde takes patch releases only.
    let tilde = library_project("~1.4.0");
    set_library_version(tilde.path(), "1.4.7");
    assert_eq!(
        run(tilde.path(), &["validate", "apps/intranet.toml"]).code,
        0
    );
    set_library_version(tilde.path(), "1.5.0");
    assert_eq!(
        run(tilde.path(), &["validate", "apps/intranet.toml"]).code,
        2
    );

    // A library whose own version is not a semantic version is refused with the reason.
    let loose = library_project("1");
    set_library_version(loose.path(), "1.4");
    let invalid = run(loose.path(), &["validate", "apps/intranet.toml"]);
    assert_eq!(invalid.code, 2);
    assert!(
        invalid
            .stderr
            .contains("is not a semantic version MAJOR.MINOR.PATCH"),
        "{}",
        invalid.stderr
    );
}

/// `bulwark::blueprint::Date` `days` from today, as a blueprint writes it.
fn date_in(days: i64) -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    bulwark::blueprint::Date::from_days_since_epoch((seconds / 86_400) as i64 + days).to_string()
}

#[test]
fn check_shows_warnings_and_annotates_them_in_github_actions() {
    let dir = tempfile::tempdir().unwrap();
    let soon = date_in(10);
    let text = fs::read_to_string(common::repo().join("blueprints/kiosk.toml"))
        .unwrap()
        .replace("2027-06-30", &soon);
    fs::create_dir_all(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/kiosk.toml"), &text).unwrap();
    assert_eq!(run(dir.path(), &["generate", "sub/kiosk.toml"]).code, 0);

    let checked = run(dir.path(), &["check", "sub/kiosk.toml"]);
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
    let warning =
        format!("the waiver of `direct-public-ingress` for `web` expires on {soon}, in 10 days");
    assert!(checked.stderr.contains(&warning), "{}", checked.stderr);
    assert!(
        checked.stderr.contains("sub/kiosk.toml:"),
        "{}",
        checked.stderr
    );
    assert!(!checked.stdout.contains("::warning"), "{}", checked.stdout);

    let line = text
        .lines()
        .position(|line| line == format!("expires = {soon}"))
        .unwrap()
        + 1;
    let workspace = dir.path().to_str().unwrap();
    let in_actions = run_with(
        dir.path(),
        &["check", "sub/kiosk.toml"],
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_WORKSPACE", workspace)],
    );
    assert_eq!(in_actions.code, 0, "{}", in_actions.stderr);
    let annotation = format!(
        "::warning file=sub/kiosk.toml,line={line},col=11,title=bulwark waiver-expires-soon::{warning}%0Ahelp: "
    );
    assert!(
        in_actions
            .stdout
            .lines()
            .any(|l| l.starts_with(&annotation)),
        "{annotation}\n{}",
        in_actions.stdout
    );
    // Run from the folder, the path is still the one from the repository root.
    let from_folder = run_with(
        &dir.path().join("sub"),
        &["check", "kiosk.toml"],
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_WORKSPACE", workspace)],
    );
    assert!(
        from_folder
            .stdout
            .contains("::warning file=sub/kiosk.toml,line="),
        "{}",
        from_folder.stdout
    );
    // JSON output stays JSON.
    let json = run_with(
        dir.path(),
        &["check", "sub/kiosk.toml", "--format", "json"],
        &[("GITHUB_ACTIONS", "true")],
    );
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["in_sync"], true);
}

/// Comments and blank lines before every table of the blueprint.
fn with_comments(text: &str) -> String {
    let mut out = String::from("# Reviewed by the platform team.\n\n");
    for line in text.lines() {
        if line.starts_with('[') {
            out.push_str("\n# A note about the next table.\n\n");
        }
        out.push_str(line);
        out.push('\n');
        if line.starts_with("name") {
            out.push_str("   \n");
        }
    }
    out
}

#[test]
fn comments_and_blank_lines_in_a_shipped_blueprint_are_no_drift() {
    let library = common::repo().join("tests/libraries/platform");
    for shipped in common::shipped_blueprints() {
        let name = shipped.file_name().unwrap().to_str().unwrap().to_string();
        let dir = tempfile::tempdir().unwrap();
        let text = fs::read_to_string(&shipped).unwrap().replace(
            "\"../tests/libraries/platform\"",
            &format!("{:?}", library.to_str().unwrap()),
        );
        let blueprint = dir.path().join(&name);
        fs::write(&blueprint, &text).unwrap();
        let generated = run(dir.path(), &["generate", &name]);
        assert_eq!(generated.code, 0, "{name}: {}", generated.stderr);
        let security = fs::read_to_string(dir.path().join("infra/SECURITY.md")).unwrap();

        fs::write(&blueprint, with_comments(&text)).unwrap();
        let checked = run(dir.path(), &["check", &name]);
        assert_eq!(
            checked.code, 0,
            "{name}: a comment is drift:\n{}",
            checked.stdout
        );
        let explained = run(dir.path(), &["explain", &name]);
        assert_eq!(explained.stdout, security, "{name}");
        // The JSON keeps the line as extra data, and it moved with the comments.
        let json = run(dir.path(), &["explain", &name, "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let first = &report["components"][0]["from"];
        assert!(
            first["key"].as_str().unwrap().starts_with("components."),
            "{name}: {first}"
        );
        assert!(first["line"].as_u64().unwrap() > 1, "{name}: {first}");
    }
}
