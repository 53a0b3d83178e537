//! Machine-readable output (`--format json|sarif`), GitHub annotations and the command-line
//! conventions (colour, --quiet/--verbose, completions, man page), end to end.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

/// bulwark with a neutral environment: no colour settings, not in GitHub Actions.
fn bulwark(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("bulwark").unwrap();
    command
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE");
    command
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = bulwark(dir);
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Check `value` against definition `name` of schemas/output.schema.json.
fn assert_matches_schema(name: &str, value: &Value) {
    let mut schema: Value = serde_json::from_str(
        &fs::read_to_string(common::repo().join("schemas/output.schema.json")).unwrap(),
    )
    .unwrap();
    schema["$ref"] = Value::String(format!("#/$defs/{name}"));
    let validator = jsonschema::validator_for(&schema).expect("the output schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} output does not match the schema:\n{}\n{value:#}",
        errors.join("\n")
    );
}

/// Check a SARIF log: it deserializes into serde-sarif's types (generated from the SARIF
/// 2.1.0 JSON schema) and serializes back to the same JSON, so it has no property the
/// standard does not define, every required one, and the right types; plus the rules GitHub
/// code scanning applies (a rule for each result's `ruleId`, at its `ruleIndex`).
fn assert_valid_sarif(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).unwrap();
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(value.clone())
        .unwrap_or_else(|error| panic!("not SARIF 2.1.0: {error}\n{text}"));
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        value,
        "SARIF with properties the standard does not define"
    );
    assert_eq!(value["version"], "2.1.0");
    for run in value["runs"].as_array().unwrap() {
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"], "{result:#}");
            assert!(
                ["error", "warning", "note"].contains(&result["level"].as_str().unwrap()),
                "{result:#}"
            );
            if let Some(region) = result["locations"][0]["physicalLocation"].get("region") {
                assert!(region["startLine"].as_u64().unwrap() >= 1, "{result:#}");
            }
        }
    }
    value
}

/// A folder with a valid blueprint (the shop), an invalid one and none at `missing.toml`.
fn three_blueprints() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        common::repo().join("blueprints/shop.toml"),
        dir.path().join("shop.toml"),
    )
    .unwrap();
    fs::write(
        dir.path().join("bad.toml"),
        "[app]\nname = \"bad\"\nenvironments = [\"dev\"]\n\n[components.web]\nkind = \"web-ap\"\nruntime = \"node:22\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn validate_takes_several_blueprints_and_the_worst_exit_code() {
    let dir = three_blueprints();
    let text = run(dir.path(), &["validate", "shop.toml", "bad.toml"], &[]);
    assert_eq!(text.code, 2, "{}", text.stderr);
    assert!(text.stderr.contains("shop.toml: valid (3 components)"));
    assert!(text.stderr.contains("unknown component kind `web-ap`"));
    assert!(text.stderr.contains("bad.toml: 1 error"));
    // An unreadable blueprint is an I/O error, worse than an invalid one.
    let missing = run(
        dir.path(),
        &["validate", "shop.toml", "bad.toml", "missing.toml"],
        &[],
    );
    assert_eq!(missing.code, 3, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("cannot read blueprint missing.toml")
    );
    assert_eq!(run(dir.path(), &["validate", "shop.toml"], &[]).code, 0);
}

#[test]
fn validate_json_has_every_blueprint_and_its_diagnostics() {
    let dir = three_blueprints();
    let out = run(
        dir.path(),
        &[
            "validate",
            "shop.toml",
            "bad.toml",
            "missing.toml",
            "--format",
            "json",
        ],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_matches_schema("validate", &value);
    // Positions as the text output gives them: bad.toml:6:8.
    let diagnostic = &value["blueprints"][1]["diagnostics"][0];
    assert_eq!(
        (&diagnostic["line"], &diagnostic["column"]),
        (&Value::from(6), &Value::from(8))
    );
    insta::assert_json_snapshot!("validate_json", value);
}

#[test]
fn validate_sarif_is_sarif_2_1_0() {
    let dir = three_blueprints();
    let out = run(
        dir.path(),
        &[
            "validate",
            "shop.toml",
            "bad.toml",
            "missing.toml",
            "--format",
            "sarif",
        ],
        &[],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    let value = assert_valid_sarif(&out.stdout);
    let results = value["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{value:#}");
    insta::assert_json_snapshot!("validate_sarif", value);
}

#[test]
fn explain_sarif_lists_the_security_findings() {
    let dir = tempfile::tempdir().unwrap();
    // The kiosk's waivers, with an expiry far enough away that no warning depends on the
    // calendar.
    let text = fs::read_to_string(common::repo().join("blueprints/kiosk.toml"))
        .unwrap()
        .replace("expires = 2027-06-30", "expires = 2099-06-30");
    fs::write(dir.path().join("kiosk.toml"), text).unwrap();
    let out = run(
        dir.path(),
        &["explain", "kiosk.toml", "--format", "sarif"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value = assert_valid_sarif(&out.stdout);
    let rules: Vec<&str> = value["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["ruleId"].as_str().unwrap())
        .collect();
    for rule in [
        "waiver",
        "shared-access-key",
        "public-network-access",
        "audit-only-policy",
    ] {
        assert!(rules.contains(&rule), "{rule}: {rules:?}");
    }
    insta::assert_json_snapshot!("explain_sarif", value);

    // An invalid blueprint: its diagnostics, as SARIF too.
    fs::write(dir.path().join("bad.toml"), "[app]\nname = 1\n").unwrap();
    let bad = run(
        dir.path(),
        &["explain", "bad.toml", "--format", "sarif"],
        &[],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let value = assert_valid_sarif(&bad.stdout);
    assert_eq!(value["runs"][0]["results"][0]["level"], "error");
}

#[test]
fn generate_and_check_json_follow_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        common::repo().join("blueprints/shop.toml"),
        dir.path().join("bulwark.toml"),
    )
    .unwrap();
    let generated = run(dir.path(), &["generate", "--format", "json"], &[]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let value: Value = serde_json::from_str(&generated.stdout).unwrap();
    assert_matches_schema("generate", &value);
    assert_eq!(value["ok"], true);
    assert_eq!(value["written"].as_array().unwrap().len(), 14);
    assert_eq!(value["lock_written"], true);
    insta::assert_json_snapshot!("generate_json", value);

    let checked = run(dir.path(), &["check", "--format", "json"], &[]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    let value: Value = serde_json::from_str(&checked.stdout).unwrap();
    assert_matches_schema("check", &value);

    // A file it cannot write for: the error in words, with the way out.
    fs::write(
        dir.path().join("infra/.bulwark-manifest.json"),
        "<<<<<<< ours\n",
    )
    .unwrap();
    let broken = run(dir.path(), &["generate", "--format", "json"], &[]);
    assert_eq!(broken.code, 3, "{}", broken.stderr);
    let value: Value = serde_json::from_str(&broken.stdout).unwrap();
    assert_matches_schema("generate", &value);
    assert_eq!(value["ok"], false);
    assert!(
        value["error"]
            .as_str()
            .unwrap()
            .contains("restore it from version control"),
        "{value:#}"
    );

    // Invalid: the diagnostics, in the same shapes.
    fs::write(dir.path().join("bulwark.toml"), "[app]\nname = 1\n").unwrap();
    for command in ["generate", "check"] {
        let failed = run(dir.path(), &[command, "--format", "json"], &[]);
        assert_eq!(failed.code, 2, "{}", failed.stderr);
        let value: Value = serde_json::from_str(&failed.stdout).unwrap();
        assert_matches_schema(command, &value);
        assert_eq!(value["diagnostics"][0]["severity"], "error", "{value:#}");
    }
}

#[test]
fn lib_and_new_list_json_follow_the_schema() {
    let repo = common::repo();
    let library = repo.join("tests/libraries/platform");
    let listed = run(
        &repo,
        &[
            "lib",
            "list",
            "--library",
            "tests/libraries/platform",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let value: Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_matches_schema("lib_list", &value);
    insta::assert_json_snapshot!("lib_list_json", value);

    let name = value["libraries"][0]["name"].as_str().unwrap().to_string();
    let preset = value["libraries"][0]["presets"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    for shown in [name.clone(), format!("{name}/{preset}")] {
        let out = run(
            &repo,
            &[
                "lib",
                "show",
                &shown,
                "--library",
                library.to_str().unwrap(),
                "--format",
                "json",
            ],
            &[],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_matches_schema("lib_show", &serde_json::from_str(&out.stdout).unwrap());
    }

    let templates = run(
        &repo,
        &[
            "new",
            "--list",
            "--library",
            "tests/libraries/platform",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(templates.code, 0, "{}", templates.stderr);
    let value: Value = serde_json::from_str(&templates.stdout).unwrap();
    assert_matches_schema("new_list", &value);
    insta::assert_json_snapshot!("new_list_json", value);
}

#[test]
fn errors_are_github_annotations_unless_stdout_is_data() {
    let dir = three_blueprints();
    let workspace = dir.path().to_str().unwrap();
    let env = [("GITHUB_ACTIONS", "true"), ("GITHUB_WORKSPACE", workspace)];
    let text = run(dir.path(), &["validate", "shop.toml", "bad.toml"], &env);
    assert_eq!(text.code, 2);
    assert!(
        text.stdout.starts_with(
            "::error file=bad.toml,line=6,col=8,title=bulwark unknown-kind::unknown component kind `web-ap`"
        ),
        "{}",
        text.stdout
    );
    // `generate` and `explain` report the same error; explain's output is data.
    let generated = run(dir.path(), &["generate", "bad.toml"], &env);
    assert!(generated.stdout.starts_with("::error file=bad.toml,line=6"));
    for args in [
        &["explain", "bad.toml"][..],
        &["validate", "bad.toml", "--format", "json"],
        &["validate", "bad.toml", "--format", "sarif"],
    ] {
        let data = run(dir.path(), args, &env);
        assert!(
            !data.stdout.contains("::error"),
            "{args:?}: {}",
            data.stdout
        );
    }
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let dir = three_blueprints();
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["validate", "bad.toml"];
        all.extend_from_slice(args);
        run(dir.path(), &all, env).stderr.contains('\x1b')
    };
    // Not a terminal: no colour, unless asked for.
    assert!(!coloured(&[], &[]));
    assert!(coloured(&["--color", "always"], &[]));
    assert!(coloured(&["--color=always"], &[("NO_COLOR", "1")]));
    assert!(!coloured(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    assert!(coloured(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!coloured(
        &[],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    ));
    // An empty NO_COLOR does not count (no-color.org).
    assert!(coloured(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]));
}

#[test]
fn quiet_and_verbose() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        common::repo().join("blueprints/shop.toml"),
        dir.path().join("bulwark.toml"),
    )
    .unwrap();
    let quiet = run(dir.path(), &["--quiet", "generate"], &[]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    let verbose = run(dir.path(), &["generate", "-v"], &[]);
    assert!(
        verbose.stdout.contains("infra: unchanged main.bicep\n"),
        "{}",
        verbose.stdout
    );
    assert!(verbose.stdout.contains("0 written, 14 unchanged"));
    let validated = run(dir.path(), &["validate", "-q"], &[]);
    assert_eq!((validated.code, validated.stderr.as_str()), (0, ""));
    let both = run(dir.path(), &["validate", "-q", "-v"], &[]);
    assert_eq!(both.code, 2, "--quiet and --verbose conflict");
}

#[test]
fn completions_and_man_page() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_bulwark()"),
        ("zsh", "#compdef bulwark"),
        ("fish", "complete -c bulwark"),
    ] {
        let out = run(dir.path(), &["completions", shell], &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains(marker), "{shell}");
        assert!(out.stdout.contains("validate"), "{shell}");
    }
    let man = run(dir.path(), &["man"], &[]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.starts_with(".ie \\n(.g .ds Aq") || man.stdout.contains(".TH bulwark"));
    assert!(man.stdout.contains("validate"));
}

/// The README's example diagnostic is what `validate --format json` prints;
/// `BULWARK_BLESS=1` rewrites it.
#[test]
fn the_readme_shows_a_diagnostic_as_printed() {
    let dir = three_blueprints();
    let out = run(
        dir.path(),
        &["validate", "bad.toml", "--format", "json"],
        &[],
    );
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    let expected = format!(
        "```json\n{}\n```\n",
        serde_json::to_string_pretty(&value["blueprints"][0]["diagnostics"][0]).unwrap()
    );
    let path = common::repo().join("README.md");
    let text = fs::read_to_string(&path).unwrap();
    let (start, end) = (
        "<!-- diagnostic-json:start -->\n",
        "<!-- diagnostic-json:end -->",
    );
    let from = text.find(start).expect("README has the example") + start.len();
    let to = from + text[from..].find(end).unwrap();
    if text[from..to] != expected && std::env::var_os("BULWARK_BLESS").is_some() {
        let mut updated = text.clone();
        updated.replace_range(from..to, &expected);
        fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(text[from..to], expected, "BULWARK_BLESS=1 rewrites it");
}

/// The checks above can fail: a document missing a field, or with one SARIF does not define.
#[test]
fn the_schema_checks_reject_what_does_not_conform() {
    let caught = |check: fn()| std::panic::catch_unwind(check).is_err();
    assert!(caught(|| assert_matches_schema(
        "new_list",
        &serde_json::json!({ "templates": [{ "name": "shop" }] })
    )));
    assert!(caught(|| {
        assert_valid_sarif(r#"{"version": "2.1.0", "runs": [], "extra": 1}"#);
    }));
    assert!(caught(|| {
        assert_valid_sarif(r#"{"version": "2.1.0", "runs": [{"results": []}]}"#);
    }));
}
