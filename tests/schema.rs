//! `bulwark schema` against what bulwark itself accepts and rejects: every shipped blueprint,
//! every project `new` creates (built-in templates and a library's), the test library, and the
//! README's examples are valid under it; the bad blueprints JSON Schema can express are
//! invalid, each at the key that is wrong; and its tables agree with the loader's.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::Path;

mod common;

fn schema(args: &[&str]) -> Value {
    let output = Command::cargo_bin("bulwark")
        .unwrap()
        .arg("schema")
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::new(schema).expect("the schema is a valid 2020-12 schema")
}

/// TOML as the JSON an editor validates: dates and times as their text.
fn to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(text) => Value::String(text),
        toml::Value::Integer(number) => json!(number),
        toml::Value::Float(number) => json!(number),
        toml::Value::Boolean(flag) => Value::Bool(flag),
        toml::Value::Datetime(datetime) => Value::String(datetime.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        toml::Value::Table(table) => {
            Value::Object(table.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    to_json(toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The schema's errors for `instance`, as `path: message` lines.
fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

fn assert_valid(validator: &jsonschema::Validator, what: &str, instance: &Value) {
    let errors = errors(validator, instance);
    assert!(
        errors.is_empty(),
        "{what} is valid for bulwark but not under its schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn every_shipped_blueprint_is_valid() {
    let validator = validator(&schema(&[]));
    let blueprints = common::shipped_blueprints();
    assert!(blueprints.len() >= 8);
    for path in blueprints {
        assert_valid(&validator, &path.display().to_string(), &read(&path));
    }
}

#[test]
fn every_project_new_creates_is_valid() {
    let validator = validator(&schema(&[]));
    let library = common::repo().join("tests/libraries/platform");
    let dir = tempfile::tempdir().unwrap();
    let mut projects = vec![];
    for template in ["shop", "docs", "retail"] {
        projects.push((template.to_string(), vec!["--template", template]));
    }
    projects.push((
        "starter".to_string(),
        vec![
            "--library",
            library.to_str().unwrap(),
            "--template",
            "platform/starter",
        ],
    ));
    // `new --list` names every built-in template; each must be covered above.
    let list = Command::cargo_bin("bulwark")
        .unwrap()
        .args(["new", "--list"])
        .output()
        .unwrap();
    for line in String::from_utf8(list.stdout).unwrap().lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        assert!(
            projects.iter().any(|(p, _)| p == name),
            "template {name} is not checked against the schema"
        );
    }
    for (name, args) in projects {
        let project = dir.path().join(format!("p-{name}"));
        Command::cargo_bin("bulwark")
            .unwrap()
            .arg("new")
            .arg(&project)
            .args(&args)
            .arg("--no-git")
            .assert()
            .success();
        let blueprint = project.join("bulwark.toml");
        assert_valid(&validator, &format!("`new` {name}"), &read(&blueprint));
    }
}

#[test]
fn the_test_library_and_its_templates_are_valid() {
    let library = common::repo().join("tests/libraries/platform");
    let library_validator = validator(&schema(&["--library"]));
    assert_valid(
        &library_validator,
        "tests/libraries/platform",
        &read(&library.join("bulwark-library.toml")),
    );
    let validator = validator(&schema(&[]));
    for entry in std::fs::read_dir(library.join("templates")).unwrap() {
        let path = entry.unwrap().path();
        assert_valid(&validator, &path.display().to_string(), &read(&path));
    }
}

#[test]
fn the_library_schema_rejects_what_the_loader_rejects() {
    let validator = validator(&schema(&["--library"]));
    let good = json!({
        "library": { "name": "platform", "version": "1.4.0" },
        "presets": { "web": { "kind": "web-app", "sku": "P1v3" } },
    });
    assert_valid(&validator, "a preset without runtime", &good);
    for (bad, at) in [
        (
            json!({ "library": { "name": "p", "version": "1.4" } }),
            "/library/version",
        ),
        (
            json!({ "library": { "name": "p", "version": "1.0.0" }, "presets": { "web": { "kind": "web-app", "skew": "P1v3" } } }),
            "/presets/web",
        ),
        (
            json!({ "library": { "name": "p", "version": "1.0.0" }, "presets": { "web": { "kind": "web-app", "sku": "F1" } } }),
            "/presets/web/sku",
        ),
        (
            json!({ "library": { "name": "p", "version": "1.0.0" }, "templat": {} }),
            "",
        ),
    ] {
        let errors = errors(&validator, &bad);
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("{at}: "))),
            "{bad} should fail at `{at}`: {errors:?}"
        );
    }
}

/// The README's TOML examples: whole blueprints as they are, the library manifest against
/// the library schema, and fragments with a minimal `[app]` (and a component when they
/// declare none) around them.
#[test]
fn the_readme_examples_are_valid() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let blueprint = validator(&schema(&[]));
    let library = validator(&schema(&["--library"]));
    let mut checked = 0;
    for block in readme.split("```toml\n").skip(1) {
        let text = block.split("```").next().unwrap();
        // One example shows two alternatives for the same key: not a document.
        let Ok(value) = toml::from_str::<toml::Value>(text) else {
            continue;
        };
        let mut value = to_json(value);
        if value.get("library").is_some() {
            assert_valid(&library, &format!("README example\n{text}"), &value);
            checked += 1;
            continue;
        }
        let object = value.as_object_mut().unwrap();
        if object.contains_key("libraries") {
            continue; // needs its library's preset for the required settings: checked above
        }
        object
            .entry("app")
            .or_insert(json!({ "name": "readme", "environments": ["dev", "prod"] }));
        let components = object
            .entry("components")
            .or_insert(json!({ "web": { "kind": "web-app", "runtime": "node:22" } }));
        // A fragment that only overrides a component declared elsewhere has no `kind`.
        if components
            .as_object()
            .unwrap()
            .values()
            .any(|c| c.get("kind").is_none())
        {
            continue;
        }
        assert_valid(&blueprint, &format!("README example\n{text}"), &value);
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} README examples checked");
}

/// Bad blueprints JSON Schema can express (names, enums, ranges, patterns, required keys,
/// types, unknown keys): each is invalid under the schema. The rest of `tests/bad` needs
/// the whole blueprint (references between components, overlapping ranges, expired dates,
/// waivers) or is not TOML; the test also fails when the schema starts rejecting one of
/// those, so this list stays exact.
const EXPRESSIBLE: &[(&str, &str)] = &[
    ("app-array-of-tables.toml", "/app"),
    (
        "app-configuration-free.toml",
        "/components/settings/environments/prod/sku",
    ),
    ("app-name-too-long.toml", "/app/name"),
    ("app-role-bad-name.toml", "/components/api/app_roles/0"),
    ("bicep-interpolation-component-name.toml", "/components"),
    (
        "bicep-interpolation-secret-name.toml",
        "/components/vault/secrets/0",
    ),
    ("bidi-control-in-name.toml", "/components"),
    ("comments-only.toml", ""),
    ("component-name-underscore.toml", "/components"),
    ("component-name-uppercase.toml", "/components"),
    ("components-inside-app.toml", "/app"),
    ("components-not-table.toml", "/components"),
    ("connection-empty-part.toml", "/components/web/uses/0/to"),
    (
        "container-name-too-short.toml",
        "/components/media/containers/0",
    ),
    (
        "container-name-uppercase.toml",
        "/components/media/containers/0",
    ),
    (
        "cosmos-partition-key.toml",
        "/components/catalog/databases/shop/containers/orders",
    ),
    ("duplicate-environment.toml", "/app/environments"),
    ("empty.toml", ""),
    ("environment-name-hyphen.toml", "/app/environments/1"),
    ("event-hubs-basic.toml", "/components/stream/sku"),
    ("invalid-address-space.toml", "/network/address_space"),
    (
        "invalid-health-check-path.toml",
        "/components/web/health_check_path",
    ),
    ("invalid-setting-name.toml", "/components/web/settings"),
    ("invisible-zero-width-in-name.toml", "/components"),
    ("kind-not-string.toml", "/components/vault/kind"),
    ("library-bad-preset-value.toml", "/components/web/runtime"),
    ("missing-access.toml", "/components/web/uses/0"),
    ("missing-app.toml", ""),
    ("missing-kind.toml", "/components/media"),
    ("missing-runtime.toml", "/components/web"),
    ("network-dns-server-invalid.toml", "/network/dns_servers/1"),
    ("network-existing-bad-id.toml", "/network/existing/vnet_id"),
    ("network-firewall-invalid.toml", "/network/egress/firewall"),
    ("no-components.toml", ""),
    ("no-environments.toml", "/app/environments"),
    (
        "not-sizing-override.toml",
        "/components/web/environments/prod",
    ),
    ("perimeter-bad-id.toml", "/network/perimeter/id"),
    ("perimeter-wrong-type.toml", "/network/perimeter"),
    ("quote-injection-component-key.toml", "/components"),
    (
        "quote-injection-container-name.toml",
        "/components/media/containers/0",
    ),
    (
        "sql-admin-object-id.toml",
        "/components/ledger/admin_group/object_id",
    ),
    (
        "unicode-container-name.toml",
        "/components/media/containers/0",
    ),
    ("unknown-access.toml", "/components/web/uses/0/access"),
    ("unknown-field.toml", "/components/web"),
    ("unknown-kind.toml", "/components/media/kind"),
    ("unknown-network-field.toml", "/network"),
    ("unknown-runtime.toml", "/components/web/runtime"),
    ("unknown-top-level-key.toml", ""),
    ("unsupported-sku.toml", "/components/web/sku"),
    ("uses-not-a-list.toml", "/components/web/uses"),
    ("uses-on-non-compute.toml", "/components/media"),
    ("waiver-bad-date.toml", "/waivers/0/expires"),
    ("waiver-grant-manage.toml", "/waivers/0/grants/0/rights/1"),
    ("waiver-unknown-control.toml", "/waivers/0/control"),
    ("whitespace-only.toml", ""),
    ("wrong-type.toml", "/app/environments"),
];

#[test]
fn the_schema_rejects_the_bad_blueprints_it_can_express() {
    let validator = validator(&schema(&[]));
    let mut unexpected = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(common::repo().join("tests/bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not UTF-8: not a document an editor validates
        };
        let Ok(value) = toml::from_str::<toml::Value>(&text) else {
            continue; // not TOML: the editor's TOML parser reports it
        };
        let errors = errors(&validator, &to_json(value));
        match EXPRESSIBLE.iter().find(|(file, _)| *file == name) {
            Some((_, at)) => {
                let prefix = format!("{at}: ");
                if !errors
                    .iter()
                    .any(|e| e.starts_with(&prefix) || at.is_empty())
                {
                    unexpected.push(format!(
                        "{name}: expected an error at `{at}`, got {errors:?}"
                    ));
                }
                if errors.is_empty() {
                    unexpected.push(format!("{name}: accepted by the schema"));
                }
            }
            None if !errors.is_empty() => unexpected.push(format!(
                "{name}: now rejected by the schema ({errors:?}): add it to EXPRESSIBLE"
            )),
            None => {}
        }
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

/// A typo inside a component is reported at the component's keys, not as "not valid under
/// any of the schemas" for the whole table: the branch is selected by `kind`.
#[test]
fn an_error_inside_a_component_points_into_it() {
    let validator = validator(&schema(&[]));
    let blueprint = json!({
        "app": { "name": "shop", "environments": ["dev"] },
        "components": { "web": { "kind": "web-app", "runtime": "node:22", "skew": "P1v3" } },
    });
    let errors = errors(&validator, &blueprint);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("/components/web: "), "{errors:?}");
    assert!(errors[0].contains("skew"), "{errors:?}");
    assert!(!errors[0].contains("any of"), "{errors:?}");
}

#[test]
fn the_schema_lists_the_loaders_tables() {
    let schema = schema(&[]);
    let mut keys = bulwark::blueprint::schema::top_level_keys();
    keys.sort();
    let mut loader: Vec<String> = bulwark::blueprint::load::TOP_LEVEL_KEYS
        .iter()
        .map(|k| k.to_string())
        .collect();
    loader.sort();
    assert_eq!(keys, loader);
    let kinds: Vec<&str> = schema["$defs"]["ComponentSpec"]["properties"]["kind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let known: Vec<&str> = bulwark::blueprint::Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(kinds, known);
    // Documented variants are `const` branches of a `oneOf`, the others one `enum`.
    let mut access: Vec<&str> = Vec::new();
    for branch in schema["$defs"]["Access"]["oneOf"].as_array().unwrap() {
        access.extend(branch["const"].as_str());
        for value in branch["enum"].as_array().into_iter().flatten() {
            access.push(value.as_str().unwrap());
        }
    }
    access.sort();
    let mut levels: Vec<&str> = bulwark::blueprint::Access::ALL
        .iter()
        .map(|a| a.as_str())
        .collect();
    levels.sort();
    assert_eq!(access, levels);
    assert_eq!(
        schema["$id"],
        json!(bulwark::blueprint::schema::blueprint_schema_id())
    );
    assert!(schema["$id"].as_str().unwrap().contains("/v1/"));
}

/// Each name rule as a schema accepts exactly the names the validator's check accepts.
#[test]
fn the_name_patterns_agree_with_the_name_rules() {
    use bulwark::catalog::naming::*;
    let samples = [
        "a",
        "ab",
        "web",
        "web-app",
        "web--app",
        "-web",
        "web-",
        "Web",
        "wEB",
        "web_app",
        "_web",
        "1web",
        "web1",
        "9",
        "a1-b2-c3",
        "x".repeat(16).as_str(),
        &"x".repeat(17),
        &"x".repeat(20),
        &"x".repeat(21),
        &"y".repeat(63),
        &"y".repeat(64),
        "é",
        "web app",
        "web.app",
        "web\u{200b}",
        "shop/orders",
    ]
    .map(String::from);
    for rule in [
        APP_NAME,
        COMPONENT_NAME,
        ENVIRONMENT_NAME,
        CONTAINER_NAME,
        QUEUE_NAME,
        SECRET_NAME,
        POSTGRES_DATABASE_NAME,
        COSMOS_NAME,
        MESSAGING_NAME,
        APP_ROLE_NAME,
        DEPLOYMENT_NAME,
    ] {
        let validator = validator(&rule.json_schema());
        for name in &samples {
            assert_eq!(
                validator.is_valid(&json!(name)),
                rule.check(name).is_ok(),
                "{} `{name}`",
                rule.what
            );
        }
    }
}

/// `new` wires editors up: the blueprint's first line points Taplo at the schema file it
/// writes beside it, which is `bulwark schema`'s output; the project is in sync for `check`.
#[test]
fn new_writes_the_schema_and_points_the_blueprint_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("shop");
    let new = Command::cargo_bin("bulwark")
        .unwrap()
        .args(["new", "--no-git"])
        .arg(&project)
        .output()
        .unwrap();
    let stdout = String::from_utf8(new.stdout).unwrap();
    assert!(new.status.success(), "{stdout}");
    assert!(
        stdout.contains("bulwark.schema.json (its schema, for editors)"),
        "{stdout}"
    );
    let blueprint = std::fs::read_to_string(project.join("bulwark.toml")).unwrap();
    assert_eq!(
        blueprint.lines().next(),
        Some("#:schema ./bulwark.schema.json")
    );
    let written: Value =
        serde_json::from_slice(&std::fs::read(project.join("bulwark.schema.json")).unwrap())
            .unwrap();
    assert_eq!(written, schema(&[]));
    Command::cargo_bin("bulwark")
        .unwrap()
        .arg("check")
        .arg(project.join("bulwark.toml"))
        .assert()
        .code(0);
}

/// `init` keeps a blueprint it finds as it is, writes the schema beside it and says how to
/// point the blueprint at it.
#[test]
fn init_writes_the_schema_beside_a_kept_blueprint() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    let own = std::fs::read_to_string(common::repo().join("blueprints/shop.toml")).unwrap();
    std::fs::write(root.join("bulwark.toml"), &own).unwrap();
    let init = Command::cargo_bin("bulwark")
        .unwrap()
        .current_dir(root)
        .arg("init")
        .output()
        .unwrap();
    let stdout = String::from_utf8(init.stdout).unwrap();
    assert!(init.status.success(), "{stdout}");
    assert!(
        stdout.contains("created bulwark.schema.json (the blueprint's schema, for editors); add `#:schema ./bulwark.schema.json` as the first line of bulwark.toml"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("bulwark.toml")).unwrap(),
        own
    );
    assert!(root.join("bulwark.schema.json").is_file());
    Command::cargo_bin("bulwark")
        .unwrap()
        .current_dir(root)
        .arg("check")
        .assert()
        .code(0);
}
