//! The everyday workflow end to end, through the binary: `new`, `check`, libraries and the CI
//! workflow `new` writes.

mod common;

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

fn bulwark(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("bulwark").unwrap();
    command.env("NO_COLOR", "1").current_dir(dir);
    command
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let output = bulwark(dir).args(args).output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn scaffold(template: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("app");
    let created = run(dir.path(), &["new", "app", "--template", template]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    (dir, project)
}

#[test]
fn new_works_for_every_built_in_template_and_check_then_passes() {
    let listed = run(Path::new("."), &["new", "--list"]);
    assert_eq!(listed.code, 0);
    let names: Vec<String> = listed
        .stdout
        .lines()
        .map(|line| line.split_whitespace().next().unwrap().to_string())
        .collect();
    assert!(names.len() >= 3, "{}", listed.stdout);
    for name in names {
        let (_dir, project) = scaffold(&name);
        for file in [
            "bulwark.toml",
            "infra/main.bicep",
            "infra/.bulwark-manifest.json",
            ".github/workflows/infra.yml",
            "README.md",
        ] {
            assert!(project.join(file).is_file(), "{name}: {file}");
        }
        let checked = run(&project, &["check"]);
        assert_eq!(
            checked.code, 0,
            "{name}: {}{}",
            checked.stdout, checked.stderr
        );
        assert!(checked.stdout.contains("in sync"), "{}", checked.stdout);
        let text = fs::read_to_string(project.join("bulwark.toml")).unwrap();
        assert!(
            text.contains("name = \"app\""),
            "the app takes the directory's name"
        );
    }
}

#[test]
fn new_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("README.md"), "mine\n").unwrap();
    let refused = run(dir.path(), &["new", "."]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("never overwrites"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("README.md")).unwrap(),
        "mine\n"
    );
    assert!(
        !dir.path().join("bulwark.toml").exists(),
        "nothing is written when new refuses"
    );
}

fn drift(project: &Path) -> Run {
    let result = run(project, &["check"]);
    assert_eq!(result.code, 1, "{}{}", result.stdout, result.stderr);
    assert!(
        result
            .stdout
            .trim_end()
            .ends_with("fix: bulwark generate bulwark.toml --out infra"),
        "{}",
        result.stdout
    );
    result
}

#[test]
fn a_hand_edit_is_drift_with_a_unified_diff() {
    let (_dir, project) = scaffold("shop");
    let module = project.join("infra/modules/storage-media.bicep");
    let text = fs::read_to_string(&module)
        .unwrap()
        .replace("allowSharedKeyAccess: false", "allowSharedKeyAccess: true");
    fs::write(&module, text).unwrap();
    let result = drift(&project);
    assert!(
        result
            .stdout
            .contains("changed: infra/modules/storage-media.bicep"),
        "{}",
        result.stdout
    );
    assert!(
        result
            .stdout
            .contains("-    allowSharedKeyAccess: true\n+    allowSharedKeyAccess: false"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_deleted_file_is_missing() {
    let (_dir, project) = scaffold("shop");
    fs::remove_file(project.join("infra/main.dev.bicepparam")).unwrap();
    let result = drift(&project);
    assert!(
        result.stdout.contains("missing: infra/main.dev.bicepparam"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_removed_component_leaves_an_orphan() {
    let (_dir, project) = scaffold("shop");
    let blueprint = project.join("bulwark.toml");
    let text = fs::read_to_string(&blueprint)
        .unwrap()
        .replace("  { to = \"vault.stripe-key\", access = \"read\" },\n", "")
        .replace(
            "[components.vault]\nkind = \"key-vault\"\nsecrets = [\"stripe-key\"]\n",
            "",
        );
    fs::write(&blueprint, text).unwrap();
    let result = drift(&project);
    assert!(
        result
            .stdout
            .contains("orphaned: infra/modules/key-vault-vault.bicep"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("changed: infra/main.bicep"),
        "a blueprint edit changes main.bicep: {}",
        result.stdout
    );
    assert_eq!(run(&project, &["generate"]).code, 0);
    assert_eq!(run(&project, &["check"]).code, 0, "generate is the fix");
}

#[test]
fn an_edited_blueprint_is_drift() {
    let (_dir, project) = scaffold("shop");
    let blueprint = project.join("bulwark.toml");
    let text = fs::read_to_string(&blueprint).unwrap().replace(
        "queues = [\"orders\"]",
        "queues = [\"orders\", \"returns\"]",
    );
    fs::write(&blueprint, text).unwrap();
    let result = drift(&project);
    assert!(
        result
            .stdout
            .contains("changed: infra/modules/storage-media.bicep"),
        "{}",
        result.stdout
    );
}

#[test]
fn windows_line_endings_are_not_drift() {
    let (_dir, project) = scaffold("shop");
    let main = project.join("infra/main.bicep");
    let text = fs::read_to_string(&main).unwrap().replace('\n', "\r\n");
    fs::write(&main, text).unwrap();
    assert_eq!(run(&project, &["check"]).code, 0);
}

#[test]
fn check_on_an_invalid_blueprint_exits_2() {
    let (_dir, project) = scaffold("shop");
    fs::write(project.join("bulwark.toml"), "[app]\nname = \"Shop\"\n").unwrap();
    let result = run(&project, &["check"]);
    assert_eq!(result.code, 2, "{}", result.stderr);
}

#[test]
fn check_speaks_json() {
    let (_dir, project) = scaffold("shop");
    fs::remove_file(project.join("infra/bicepconfig.json")).unwrap();
    let result = run(&project, &["check", "--format", "json"]);
    assert_eq!(result.code, 1);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(report["in_sync"], false);
    assert_eq!(report["missing"][0], "bicepconfig.json");
    assert_eq!(report["fix"], "bulwark generate bulwark.toml --out infra");
}

/// A copy of the sample library beside a project that uses it.
fn project_with_library() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("platform");
    fs::create_dir_all(library.join("templates")).unwrap();
    let source = common::repo().join("tests/libraries/platform");
    fs::copy(
        source.join("bulwark-library.toml"),
        library.join("bulwark-library.toml"),
    )
    .unwrap();
    fs::copy(
        source.join("templates/starter.toml"),
        library.join("templates/starter.toml"),
    )
    .unwrap();
    let created = run(
        dir.path(),
        &[
            "new",
            "app",
            "--template",
            "platform/starter",
            "--library",
            "platform",
        ],
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let project = dir.path().join("app");
    (dir, project, library)
}

#[test]
fn a_library_template_scaffolds_a_project_that_uses_the_library() {
    let (_dir, project, _library) = project_with_library();
    let text = fs::read_to_string(project.join("bulwark.toml")).unwrap();
    assert!(
        text.contains("platform = { path = \"../platform\", version = \"1.4\" }"),
        "{text}"
    );
    assert_eq!(run(&project, &["check"]).code, 0);
    let manifest = fs::read_to_string(project.join("infra/.bulwark-manifest.json")).unwrap();
    assert!(manifest.contains("\"platform\": \"1.4.0\""), "{manifest}");
}

#[test]
fn a_library_version_change_is_drift() {
    let (_dir, project, library) = project_with_library();
    let manifest = library.join("bulwark-library.toml");
    let text = fs::read_to_string(&manifest)
        .unwrap()
        .replace("version = \"1.4.0\"", "version = \"1.4.1\"");
    fs::write(&manifest, text).unwrap();
    let result = drift(&project);
    assert!(
        result
            .stdout
            .contains("library platform is now 1.4.1 (was 1.4.0)"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_library_preset_change_is_drift_in_the_bicep() {
    let (_dir, project, library) = project_with_library();
    let manifest = library.join("bulwark-library.toml");
    let text = fs::read_to_string(&manifest)
        .unwrap()
        .replace("sku = \"P0v3\"", "sku = \"P1v3\"");
    fs::write(&manifest, text).unwrap();
    let result = drift(&project);
    assert!(
        result
            .stdout
            .contains("changed: infra/modules/web-app-web.bicep"),
        "{}",
        result.stdout
    );
}

#[test]
fn lib_list_and_show_browse_a_library() {
    let (_dir, project, _library) = project_with_library();
    let listed = run(&project, &["lib", "list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stdout.contains("platform 1.4.0"),
        "{}",
        listed.stdout
    );
    assert!(
        listed
            .stdout
            .contains("preset   platform/web-standard (web-app)"),
        "{}",
        listed.stdout
    );
    assert!(
        listed.stdout.contains("template platform/starter"),
        "{}",
        listed.stdout
    );
    let shown = run(&project, &["lib", "show", "platform/web-standard"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.contains("runtime = \"node:22\""),
        "{}",
        shown.stdout
    );
    let missing = run(&project, &["lib", "show", "platform/nope"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("web-standard"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_ci_workflow_is_pinned_least_privilege_yaml() {
    let (_dir, project) = scaffold("shop");
    let text = fs::read_to_string(project.join(".github/workflows/infra.yml")).unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    let workflow = &docs[0];
    assert_eq!(workflow["permissions"]["contents"].as_str(), Some("read"));
    assert!(
        workflow["permissions"]["id-token"].is_badvalue(),
        "no id-token at the top level"
    );
    let jobs = workflow["jobs"].as_hash().unwrap();
    assert!(jobs.len() >= 3);
    for (name, job) in jobs {
        let steps = job["steps"].as_vec().unwrap();
        let logs_in = steps.iter().any(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with("azure/login@"))
        });
        let permissions = job["permissions"].as_hash().unwrap();
        assert_eq!(
            job["permissions"]["contents"].as_str(),
            Some("read"),
            "{name:?}"
        );
        if logs_in {
            assert_eq!(
                job["permissions"]["id-token"].as_str(),
                Some("write"),
                "{name:?} logs in with OIDC"
            );
            assert_eq!(permissions.len(), 2, "{name:?} asks for nothing else");
        } else {
            assert_eq!(permissions.len(), 1, "{name:?} needs no token");
        }
        for step in steps {
            if let Some(uses) = step["uses"].as_str() {
                let (_, reference) = uses.split_once('@').unwrap();
                assert!(
                    reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit()),
                    "{uses} is not pinned to a commit"
                );
            }
        }
    }
    assert!(text.contains("bulwark check bulwark.toml --out infra"));
    assert!(
        text.contains("VAULT_STRIPE_KEY: ${{ secrets.VAULT_STRIPE_KEY }}"),
        "secret values come from GitHub secrets"
    );
    assert!(text.contains("az deployment group what-if"));
}

/// The address plan the lock beside the blueprint records: environment → subnet → range.
fn address_plan(project: &Path) -> serde_json::Value {
    let text = fs::read_to_string(project.join("bulwark.lock")).unwrap();
    serde_json::to_value(bulwark::output::parse_lock(&text).unwrap()).unwrap()
}

fn insert_after_app_table(project: &Path, component: &str) {
    let path = project.join("bulwark.toml");
    let text = fs::read_to_string(&path).unwrap();
    // Declared first, so without the manifest it would take the first free slot.
    let position = text.find("[components.").unwrap();
    let mut edited = text.clone();
    edited.insert_str(position, component);
    fs::write(&path, edited).unwrap();
}

#[test]
fn subnets_keep_their_ranges_when_components_come_and_go() {
    let (_dir, project) = scaffold("retail");
    let before = address_plan(&project);
    assert!(
        before.as_object().is_some_and(|envs| !envs.is_empty()),
        "{before}"
    );

    // A new web app declared before every other component.
    insert_after_app_table(
        &project,
        "[components.admin]\nkind = \"web-app\"\nruntime = \"node:22\"\n\n",
    );
    let generated = run(&project, &["generate"]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let after = address_plan(&project);
    for (environment, subnets) in before.as_object().unwrap() {
        for (subnet, range) in subnets.as_object().unwrap() {
            assert_eq!(
                &after[environment][subnet], range,
                "{environment}/{subnet} moved"
            );
        }
        let new = &after[environment]["admin-integration"];
        assert!(new.is_string(), "{after}");
        assert!(
            !subnets
                .as_object()
                .unwrap()
                .values()
                .any(|range| range == new),
            "the new subnet reuses a range: {after}"
        );
    }

    // Removing it again frees its range and moves nothing else.
    let path = project.join("bulwark.toml");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace(
            "[components.admin]\nkind = \"web-app\"\nruntime = \"node:22\"\n\n",
            "",
        ),
    )
    .unwrap();
    assert_eq!(run(&project, &["generate"]).code, 0);
    assert_eq!(address_plan(&project), before);
    assert_eq!(run(&project, &["check"]).code, 0);
}

#[test]
fn deleting_the_manifest_or_the_output_keeps_subnets_where_they_were() {
    let (_dir, project) = scaffold("retail");
    let before = address_plan(&project);
    insert_after_app_table(
        &project,
        "[components.admin]\nkind = \"web-app\"\nruntime = \"node:22\"\n\n",
    );
    fs::remove_file(project.join("infra/.bulwark-manifest.json")).unwrap();
    let generated = run(&project, &["generate", "--force"]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let after = address_plan(&project);
    for (environment, subnets) in before.as_object().unwrap() {
        for (subnet, range) in subnets.as_object().unwrap() {
            assert_eq!(&after[environment][subnet], range, "{environment}/{subnet}");
        }
    }
    fs::remove_dir_all(project.join("infra")).unwrap();
    assert_eq!(run(&project, &["generate"]).code, 0);
    assert_eq!(address_plan(&project), after);
    assert_eq!(run(&project, &["check"]).code, 0);
}

/// Before the lock, the manifest held the address plan: a project generated by that version
/// keeps its subnets, and its next generation writes the lock.
#[test]
fn an_address_plan_in_an_older_manifest_is_kept() {
    let (_dir, project) = scaffold("retail");
    let before = address_plan(&project);
    let path = project.join("infra/.bulwark-manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    manifest["address_plan"] = before.clone();
    fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    fs::remove_file(project.join("bulwark.lock")).unwrap();
    insert_after_app_table(
        &project,
        "[components.admin]\nkind = \"web-app\"\nruntime = \"node:22\"\n\n",
    );
    let checked = run(&project, &["check"]);
    assert_eq!(checked.code, 1);
    assert!(
        checked
            .stdout
            .contains("address plan lock: bulwark.lock: it is missing"),
        "{}",
        checked.stdout
    );
    assert_eq!(run(&project, &["generate"]).code, 0);
    let after = address_plan(&project);
    for (environment, subnets) in before.as_object().unwrap() {
        for (subnet, range) in subnets.as_object().unwrap() {
            assert_eq!(&after[environment][subnet], range, "{environment}/{subnet}");
        }
    }
    let manifest = fs::read_to_string(&path).unwrap();
    assert!(!manifest.contains("address_plan"), "{manifest}");
}

#[test]
fn without_a_lock_or_manifest_subnets_follow_declaration_order() {
    let (_dir, project) = scaffold("retail");
    let before = address_plan(&project);
    fs::remove_dir_all(project.join("infra")).unwrap();
    fs::remove_file(project.join("bulwark.lock")).unwrap();
    insert_after_app_table(
        &project,
        "[components.admin]\nkind = \"web-app\"\nruntime = \"node:22\"\n\n",
    );
    assert_eq!(run(&project, &["generate"]).code, 0);
    let after = address_plan(&project);
    // From scratch the first-declared app takes the first slot after the endpoints, which
    // was the storefront's, declared first in the template.
    let first = before["dev"]["storefront-integration"].clone();
    assert_eq!(after["dev"]["admin-integration"], first, "{after}");
}

#[test]
fn a_library_can_require_tags_every_app_must_give() {
    let (_dir, project, _library) = project_with_library();
    let path = project.join("bulwark.toml");
    let text = fs::read_to_string(&path).unwrap();
    let untagged = text.replace("cost-center = \"CC-0000\"\n", "");
    assert_ne!(text, untagged, "the starter template tags its resources");
    fs::write(&path, untagged).unwrap();
    let result = run(&project, &["validate"]);
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("tag `cost-center` is required but [tags] gives it no value"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("the defaults of library `platform`"),
        "the diagnostic says where the requirement comes from: {}",
        result.stderr
    );
}

#[test]
fn grant_scripts_need_no_directory_lookup_and_the_workflow_runs_them() {
    let (_dir, project) = scaffold("retail");
    let sql = fs::read_to_string(project.join("infra/sql/ledger.sql")).unwrap();
    assert!(!sql.contains("FROM EXTERNAL PROVIDER"), "{sql}");
    assert!(sql.contains("WITH SID = ' + CONVERT(NVARCHAR(34), @sid, 1) + N', TYPE = E;"));
    assert!(
        sql.contains("CAST(TRY_CAST(N'$(orders_client_id)' AS UNIQUEIDENTIFIER) AS VARBINARY(16))")
    );
    assert!(!sql.contains("[db_owner]"));
    let pg = fs::read_to_string(project.join("infra/postgres/reports.sql")).unwrap();
    assert!(pg.contains("pgaadauth_create_principal_with_oid(%L, %L, %L, false, false)"));
    assert!(!pg.contains("pgaadauth_create_principal("), "{pg}");
    let main = fs::read_to_string(project.join("infra/main.bicep")).unwrap();
    assert!(main.contains("output databaseIdentities object = {"));

    let text = fs::read_to_string(project.join(".github/workflows/infra.yml")).unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    let jobs = &docs[0]["jobs"];
    let deploy_steps = jobs["deploy"]["steps"].as_vec().unwrap();
    let position = |name: &str| {
        deploy_steps
            .iter()
            .position(|step| step["name"].as_str() == Some(name))
    };
    let refresh = position("Refresh Key Vault references").expect("a refresh step");
    assert!(refresh > position("az stack group create").unwrap());
    let script = deploy_steps[refresh]["run"].as_str().unwrap();
    assert!(script.contains("for deployment in app-orders app-storefront; do"));
    assert!(script.contains("/config/configreferences/appsettings/refresh?api-version=2022-03-01"));

    let grants = &jobs["database-grants"];
    assert_eq!(grants["needs"].as_str(), Some("deploy"));
    assert_eq!(grants["runs-on"][0].as_str(), Some("self-hosted"));
    let runs: Vec<&str> = grants["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|step| step["run"].as_str())
        .collect();
    assert_eq!(runs.len(), 2, "one step per grant script");
    assert!(runs[0].contains("-i infra/sql/ledger.sql"));
    assert!(
        runs[0].contains("-v orders_client_id=\"$(jq -er '.[\"orders\"].clientId' <<<\"$ids\")\"")
    );
    assert!(runs[1].contains("-f infra/postgres/reports.sql"));
    assert!(runs[1].contains("-v indexer_object_id="));
}

#[test]
fn a_workflow_without_databases_has_no_grant_job_and_only_code_delivery_in_the_vnet() {
    let (_dir, project) = scaffold("docs");
    let text = fs::read_to_string(project.join(".github/workflows/infra.yml")).unwrap();
    assert!(!text.contains("database-grants"));
    assert!(!text.contains("DATABASE_ADMIN_CLIENT_ID"));
    assert!(
        !text.contains("sqlcmd"),
        "no database tools asked of the runner"
    );
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    let in_vnet: Vec<&str> = docs[0]["jobs"]
        .as_hash()
        .unwrap()
        .iter()
        .filter(|(_, job)| job["runs-on"][0].as_str() == Some("self-hosted"))
        .filter_map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        in_vnet,
        ["deliver-code"],
        "only code delivery needs the VNet"
    );
    assert!(
        text.contains("Refresh Key Vault references"),
        "docs reads its vault's secrets through Key Vault references"
    );
}

/// What every generated workflow promises (issue 12): actions pinned to the commits in
/// `scaffold::ACTIONS` with the release in a comment, `timeout-minutes` on every job, no
/// expression expanded inside a `run:` script, a what-if of every environment into the job
/// summary, and the release binary of this very version, checked, before `cargo install`.
fn assert_ci_ready(name: &str, text: &str, environments: &[String]) {
    let pins: Vec<String> = bulwark::scaffold::ACTIONS
        .iter()
        .map(|(_, action, commit, release)| format!("{action}@{commit} # {release}"))
        .collect();
    for line in text.lines().filter(|line| line.contains("uses:")) {
        let uses = line.split_once("uses: ").unwrap().1;
        let (reference, release) = uses.split_once(" # ").expect("a version comment");
        let commit = reference.split_once('@').unwrap().1;
        assert!(
            commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{name}: {line}"
        );
        assert!(release.starts_with('v'), "{name}: {line}");
        assert!(
            pins.iter().any(|pin| pin == uses),
            "{name}: {uses} is not a known pin"
        );
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(text).expect("valid YAML");
    let jobs = docs[0]["jobs"].as_hash().unwrap();
    for (job_name, job) in jobs {
        let minutes = job["timeout-minutes"].as_i64();
        assert!(
            minutes.is_some_and(|m| (1..=360).contains(&m)),
            "{name}: {job_name:?} has no timeout-minutes"
        );
        for step in job["steps"].as_vec().unwrap() {
            if let Some(script) = step["run"].as_str() {
                assert!(
                    !script.contains("${{"),
                    "{name}: {job_name:?} expands an expression inside run:\n{script}"
                );
            }
        }
    }
    let what_if = &docs[0]["jobs"]["what-if"];
    let matrix: Vec<&str> = what_if["strategy"]["matrix"]["environment"]
        .as_vec()
        .expect("a what-if per environment")
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(matrix, environments, "{name}");
    assert_eq!(
        what_if["environment"].as_str(),
        Some("${{ matrix.environment }}")
    );
    let what_if_run = what_if["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find_map(|step| step["run"].as_str())
        .unwrap();
    assert!(
        what_if_run.contains(">> \"$GITHUB_STEP_SUMMARY\""),
        "{name}"
    );
    assert!(
        what_if_run.contains("az deployment group what-if"),
        "{name}"
    );

    let check = docs[0]["jobs"]["check"]["steps"].as_vec().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let download = check
        .iter()
        .find(|step| step["id"].as_str() == Some("download"))
        .expect("the release binary is downloaded");
    assert_eq!(download["env"]["BULWARK_VERSION"].as_str(), Some(version));
    let script = download["run"].as_str().unwrap();
    assert!(script.contains("sha256sum --check --strict"), "{script}");
    assert!(script.contains("\"$RELEASES/v$BULWARK_VERSION/$asset.sha256\""));
    let install = check
        .iter()
        .find(|step| {
            step["run"]
                .as_str()
                .is_some_and(|run| run.starts_with("cargo install"))
        })
        .expect("cargo install when there is no release binary");
    assert_eq!(
        install["run"].as_str(),
        Some("cargo install bulwark-bicep --locked --version \"$BULWARK_VERSION\"")
    );
    assert_eq!(install["env"]["BULWARK_VERSION"].as_str(), Some(version));
    assert_eq!(
        install["if"].as_str(),
        Some("steps.download.outputs.found != 'true'")
    );
    assert!(
        check.iter().any(|step| step["uses"]
            .as_str()
            .is_some_and(|uses| uses.starts_with("actions/cache@"))),
        "{name}: the fallback build is cached"
    );
}

#[test]
fn every_template_gets_a_ci_ready_workflow_and_a_dependabot_config() {
    let listed = run(Path::new("."), &["new", "--list"]);
    for line in listed.stdout.lines() {
        let template = line.split_whitespace().next().unwrap();
        let (_dir, project) = scaffold(template);
        let text = fs::read_to_string(project.join(".github/workflows/infra.yml")).unwrap();
        let blueprint: toml::Table =
            toml::from_str(&fs::read_to_string(project.join("bulwark.toml")).unwrap()).unwrap();
        let environments: Vec<String> = blueprint["app"]["environments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect();
        assert_ci_ready(template, &text, &environments);
        assert!(
            !text.contains("submodules"),
            "{template}: no library, no submodules"
        );

        let dependabot = fs::read_to_string(project.join(".github/dependabot.yml"))
            .expect("new writes a Dependabot config");
        let docs = yaml_rust2::YamlLoader::load_from_str(&dependabot).unwrap();
        let update = &docs[0]["updates"][0];
        assert_eq!(docs[0]["version"].as_i64(), Some(2));
        assert_eq!(update["package-ecosystem"].as_str(), Some("github-actions"));
        assert_eq!(update["directory"].as_str(), Some("/"));
        assert!(update["cooldown"]["default-days"].as_i64().unwrap() >= 7);
    }
}

#[test]
fn every_shipped_blueprint_gets_a_ci_ready_workflow() {
    // Database grants, images, code delivery, stacks on and off: every job the workflow has.
    for path in common::shipped_blueprints() {
        let generated = common::generate_full(&path);
        let text = fs::read_to_string(&path).unwrap();
        let files =
            bulwark::scaffold::project_files_from(&generated, "bulwark.toml", &text, "infra");
        let workflow = &files
            .iter()
            .find(|(file, _)| file == ".github/workflows/infra.yml")
            .unwrap()
            .1;
        assert_ci_ready(
            &path.display().to_string(),
            workflow,
            &generated.plan.environments,
        );
        assert!(
            files
                .iter()
                .any(|(file, _)| file == ".github/dependabot.yml")
        );
    }
}

#[test]
fn the_readme_says_how_to_require_approval_for_production() {
    let (_dir, project) = scaffold("shop");
    let readme = fs::read_to_string(project.join("README.md")).unwrap();
    assert!(readme.contains("Required reviewers"), "{readme}");
    assert!(
        readme.contains("Settings → Environments → prod"),
        "{readme}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let output = std::process::Command::new("git")
        .args([
            "-c",
            "protocol.file.allow=always",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_library_in_a_submodule_is_checked_out_and_watched_and_check_passes_in_a_clean_clone() {
    let dir = tempfile::tempdir().unwrap();
    // The platform team's library, in its own repository.
    let library = dir.path().join("platform-library");
    fs::create_dir_all(library.join("templates")).unwrap();
    let source = common::repo().join("tests/libraries/platform");
    for file in ["bulwark-library.toml", "templates/starter.toml"] {
        fs::copy(source.join(file), library.join(file)).unwrap();
    }
    git(&library, &["init", "--quiet"]);
    git(&library, &["add", "."]);
    git(&library, &["commit", "--quiet", "-m", "platform 1.4.0"]);
    // The app repository, with the library as a submodule at platform/.
    let app = dir.path().join("app");
    fs::create_dir_all(&app).unwrap();
    git(&app, &["init", "--quiet"]);
    git(
        &app,
        &[
            "submodule",
            "add",
            "--quiet",
            library.to_str().unwrap(),
            "platform",
        ],
    );
    let created = run(
        dir.path(),
        &[
            "new",
            "app",
            "--template",
            "platform/starter",
            "--library",
            "app/platform",
        ],
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let blueprint = fs::read_to_string(app.join("bulwark.toml")).unwrap();
    assert!(
        blueprint.contains("platform = { path = \"platform\""),
        "{blueprint}"
    );
    let text = fs::read_to_string(app.join(".github/workflows/infra.yml")).unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
    let checkout = &docs[0]["jobs"]["check"]["steps"][0];
    assert!(
        checkout["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/checkout@")
    );
    assert_eq!(checkout["with"]["submodules"].as_bool(), Some(true));
    for trigger in ["pull_request", "push"] {
        let paths: Vec<&str> = docs[0]["on"][trigger]["paths"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(paths.contains(&"platform/**"), "{trigger}: {paths:?}");
    }
    let readme = fs::read_to_string(app.join("README.md")).unwrap();
    assert!(readme.contains("It checks out submodules"), "{readme}");
    git(&app, &["add", "."]);
    git(&app, &["commit", "--quiet", "-m", "infra"]);

    // What the check job does: a clean clone with its submodules, then bulwark check.
    let clone = dir.path().join("clone");
    git(
        dir.path(),
        &[
            "clone",
            "--quiet",
            "--recurse-submodules",
            app.to_str().unwrap(),
            "clone",
        ],
    );
    let checked = run(&clone, &["check", "bulwark.toml", "--out", "infra"]);
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
    // Without the submodules, the library is missing: why the workflow fetches them.
    let bare = dir.path().join("bare");
    git(
        dir.path(),
        &["clone", "--quiet", app.to_str().unwrap(), "bare"],
    );
    let unchecked = run(&bare, &["check", "bulwark.toml", "--out", "infra"]);
    assert_ne!(unchecked.code, 0);
    assert!(
        format!("{}{}", unchecked.stdout, unchecked.stderr).contains("library-unavailable"),
        "{}{}",
        unchecked.stdout,
        unchecked.stderr
    );
}

#[test]
fn a_library_outside_the_repository_is_named_in_the_workflow_and_readme() {
    let (_dir, project, _library) = project_with_library();
    let text = fs::read_to_string(project.join(".github/workflows/infra.yml")).unwrap();
    assert!(!text.contains("submodules"), "{text}");
    assert!(
        text.contains("# A library of the blueprint lies outside this repository")
            && text.contains("      # ../platform\n"),
        "{text}"
    );
    assert!(!text.contains("\"../platform/**\""), "{text}");
    let readme = fs::read_to_string(project.join("README.md")).unwrap();
    assert!(
        readme.contains("CI cannot read the library at `../platform`"),
        "{readme}"
    );
}
