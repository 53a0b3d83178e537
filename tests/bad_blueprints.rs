//! The corpus of bad blueprints in `tests/bad/`: each one must be rejected by `generate` and
//! `validate` with exit code 2, its own diagnostic code, a `file:line:col` position, nothing
//! written and no panic. The full diagnostic of each (message, caret, expected, help) is a
//! snapshot in `tests/snapshots/`, so a change in wording or position shows up in review.
//!
//! Files are discovered from the directory, so a new bad blueprint is picked up automatically;
//! the table below must then say which diagnostic it expects.

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every file in `tests/bad`, the diagnostic code its first diagnostic must have, and where
/// that diagnostic points (`line:col`), or `None` where the whole file is the problem.
const EXPECTED: &[(&str, &str, Option<&str>)] = &[
    (
        "invisible-bidi-in-tag.toml",
        "bulwark::invisible-character",
        Some("7:15"),
    ),
    (
        "invisible-zero-width-in-name.toml",
        "bulwark::invisible-character",
        Some("6:16"),
    ),
    (
        "call-to-worker.toml",
        "bulwark::cannot-receive-calls",
        Some("9:16"),
    ),
    ("call-self.toml", "bulwark::self-connection", Some("9:16")),
    (
        "registration-bad-identifier-uri.toml",
        "bulwark::invalid-identifier-uri",
        Some("17:18"),
    ),
    (
        "registration-without-calls.toml",
        "bulwark::registration-without-calls",
        Some("10:17"),
    ),
    (
        "call-unknown-app-role.toml",
        "bulwark::unknown-part",
        Some("9:16"),
    ),
    (
        "app-role-bad-name.toml",
        "bulwark::invalid-name",
        Some("9:14"),
    ),
    (
        "call-cycle-dedicated.toml",
        "bulwark::call-cycle",
        Some("17:16"),
    ),
    (
        "call-with-read.toml",
        "bulwark::unsupported-access",
        Some("9:32"),
    ),
    (
        "waiver-expired.toml",
        "bulwark::expired-waiver",
        Some("20:11"),
    ),
    (
        "waiver-unknown-control.toml",
        "bulwark::unknown-value",
        Some("17:11"),
    ),
    (
        "waiver-wrong-kind.toml",
        "bulwark::control-not-waivable",
        Some("17:11"),
    ),
    (
        "waiver-public-without-ranges.toml",
        "bulwark::public-access-without-ranges",
        Some("17:11"),
    ),
    (
        "perimeter-waiver-on-shared-profile.toml",
        "bulwark::perimeter-rule-wider-than-waiver",
        Some("23:14"),
    ),
    (
        "perimeter-wrong-type.toml",
        "bulwark::wrong-type",
        Some("7:13"),
    ),
    (
        "perimeter-bad-id.toml",
        "bulwark::invalid-resource-id",
        Some("7:20"),
    ),
    (
        "waiver-private-range.toml",
        "bulwark::private-range-in-allow-from",
        Some("21:15"),
    ),
    (
        "waiver-bad-date.toml",
        "bulwark::invalid-value",
        Some("20:11"),
    ),
    (
        "waiver-without-reason.toml",
        "bulwark::waiver-without-reason",
        Some("19:10"),
    ),
    (
        "waiver-local-auth-without-grants.toml",
        "bulwark::local-auth-without-grants",
        Some("16:11"),
    ),
    (
        "waiver-grant-unknown-entity.toml",
        "bulwark::unknown-entity",
        Some("20:18"),
    ),
    (
        "waiver-grant-manage.toml",
        "bulwark::unknown-value",
        Some("15:48"),
    ),
    (
        "waiver-grant-subscription.toml",
        "bulwark::sas-on-subscription",
        Some("20:18"),
    ),
    (
        "waiver-grants-on-other-control.toml",
        "bulwark::grants-not-applicable",
        Some("20:10"),
    ),
    (
        "waiver-grant-without-rights.toml",
        "bulwark::grant-without-rights",
        Some("15:37"),
    ),
    (
        "waiver-grant-twice.toml",
        "bulwark::duplicate-grant",
        Some("17:10"),
    ),
    (
        "direct-ingress-without-waiver.toml",
        "bulwark::direct-ingress-without-waiver",
        Some("10:11"),
    ),
    (
        "missing-required-tag.toml",
        "bulwark::missing-required-tag",
        Some("7:27"),
    ),
    ("reserved-tag.toml", "bulwark::reserved-tag", Some("7:1")),
    (
        "retention-with-central-workspace.toml",
        "bulwark::setting-of-central-workspace",
        Some("8:18"),
    ),
    (
        "governance-unknown-environment.toml",
        "bulwark::unknown-environment",
        Some("6:26"),
    ),
    (
        "network-central-zone-missing.toml",
        "bulwark::missing-dns-zone",
        Some("8:1"),
    ),
    (
        "network-dns-zone-mismatch.toml",
        "bulwark::dns-zone-mismatch",
        Some("8:51"),
    ),
    (
        "network-dns-zones-without-central.toml",
        "bulwark::dns-zones-without-central-dns",
        Some("7:1"),
    ),
    (
        "network-existing-and-address-space.toml",
        "bulwark::address-space-with-existing-network",
        Some("7:17"),
    ),
    (
        "network-existing-bad-id.toml",
        "bulwark::invalid-resource-id",
        Some("7:24"),
    ),
    (
        "network-existing-ranges-overlap.toml",
        "bulwark::overlapping-address-ranges",
        Some("7:193"),
    ),
    (
        "network-mixed-modes.toml",
        "bulwark::mixed-network-modes",
        Some("7:1"),
    ),
    (
        "network-peer-existing.toml",
        "bulwark::peering-with-existing-network",
        Some("7:13"),
    ),
    (
        "network-dns-server-invalid.toml",
        "bulwark::invalid-ip-address",
        Some("8:31"),
    ),
    (
        "network-dns-server-duplicate.toml",
        "bulwark::duplicate-dns-server",
        Some("10:31"),
    ),
    (
        "network-firewall-invalid.toml",
        "bulwark::invalid-ip-address",
        Some("7:23"),
    ),
    (
        "network-firewall-existing.toml",
        "bulwark::egress-with-existing-network",
        Some("8:1"),
    ),
    (
        "network-dns-servers-existing.toml",
        "bulwark::dns-servers-with-existing-network",
        Some("9:15"),
    ),
    (
        "network-dns-servers-created-zones.toml",
        "bulwark::dns-servers-with-created-zones",
        Some("7:15"),
    ),
    (
        "network-firewall-one-environment.toml",
        "bulwark::network-differs-in-kind",
        Some("6:2"),
    ),
    (
        "network-pin-outside.toml",
        "bulwark::subnet-outside-address-space",
        Some("10:19"),
    ),
    (
        "network-pin-too-small.toml",
        "bulwark::subnet-too-small",
        Some("7:19"),
    ),
    (
        "network-pins-overlap.toml",
        "bulwark::overlapping-subnets",
        Some("8:19"),
    ),
    (
        "network-unknown-subnet-pin.toml",
        "bulwark::unknown-subnet",
        Some("7:1"),
    ),
    (
        "address-space-too-small.toml",
        "bulwark::address-space-too-small",
        Some("7:17"),
    ),
    (
        "ambiguous-secret.toml",
        "bulwark::ambiguous-secret",
        Some("12:12"),
    ),
    (
        "app-array-of-tables.toml",
        "bulwark::not-a-table",
        Some("2:1"),
    ),
    (
        "app-configuration-free.toml",
        "bulwark::unsupported-sku",
        Some("10:7"),
    ),
    (
        "app-name-too-long.toml",
        "bulwark::invalid-name",
        Some("3:8"),
    ),
    (
        "bicep-interpolation-component-name.toml",
        "bulwark::invalid-name",
        Some("6:13"),
    ),
    (
        "bicep-interpolation-secret-name.toml",
        "bulwark::invalid-name",
        Some("8:12"),
    ),
    (
        "bidi-control-in-name.toml",
        "bulwark::invisible-character",
        Some("6:13"),
    ),
    ("binary-garbage.toml", "bulwark::not-utf8", Some("1:1")),
    ("comments-only.toml", "bulwark::missing-app", Some("1:1")),
    (
        "component-name-symbol-collision.toml",
        "bulwark::symbol-collision",
        Some("10:13"),
    ),
    (
        "component-name-underscore.toml",
        "bulwark::invalid-name",
        Some("6:13"),
    ),
    (
        "component-name-uppercase.toml",
        "bulwark::invalid-name",
        Some("6:13"),
    ),
    (
        "components-inside-app.toml",
        "bulwark::unknown-field",
        Some("5:1"),
    ),
    (
        "components-not-table.toml",
        "bulwark::components-not-table",
        Some("2:14"),
    ),
    (
        "connection-empty-part.toml",
        "bulwark::invalid-target",
        Some("9:16"),
    ),
    (
        "worker-never-starts.toml",
        "bulwark::worker-never-starts",
        Some("7:13"),
    ),
    (
        "worker-event-hub-only.toml",
        "bulwark::unscalable-source",
        Some("11:1"),
    ),
    (
        "container-app-missing-target-port.toml",
        "bulwark::missing-target-port",
        Some("8:9"),
    ),
    (
        "container-app-resources.toml",
        "bulwark::invalid-resources",
        Some("10:10"),
    ),
    (
        "container-name-too-short.toml",
        "bulwark::invalid-name",
        Some("8:15"),
    ),
    (
        "container-name-uppercase.toml",
        "bulwark::invalid-name",
        Some("8:15"),
    ),
    (
        "cosmos-partition-key.toml",
        "bulwark::invalid-partition-key",
        Some("10:10"),
    ),
    (
        "duplicate-component.toml",
        "bulwark::duplicate-component",
        Some("14:13"),
    ),
    (
        "duplicate-connection.toml",
        "bulwark::duplicate-connection",
        Some("11:10"),
    ),
    (
        "duplicate-environment.toml",
        "bulwark::duplicate-environment",
        Some("4:32"),
    ),
    (
        "duplicate-secret-case.toml",
        "bulwark::duplicate-part",
        Some("8:26"),
    ),
    ("empty.toml", "bulwark::empty", None),
    (
        "environment-name-hyphen.toml",
        "bulwark::invalid-name",
        Some("4:24"),
    ),
    (
        "event-hubs-basic.toml",
        "bulwark::unsupported-sku",
        Some("9:7"),
    ),
    (
        "external-without-vault.toml",
        "bulwark::unknown-target",
        Some("9:9"),
    ),
    (
        "function-app-consumption.toml",
        "bulwark::unsupported-sku",
        Some("9:7"),
    ),
    (
        "image-registry-missing.toml",
        "bulwark::unknown-registry",
        Some("8:22"),
    ),
    (
        "image-registry-not-a-registry.toml",
        "bulwark::not-a-registry",
        Some("8:22"),
    ),
    (
        "image-repository-with-host.toml",
        "bulwark::repository-with-host",
        Some("8:45"),
    ),
    (
        "image-tag-without-registry-image.toml",
        "bulwark::image-tag-without-registry-image",
        Some("11:1"),
    ),
    (
        "image-without-registry.toml",
        "bulwark::image-without-registry",
        Some("8:9"),
    ),
    (
        "invalid-address-space.toml",
        "bulwark::invalid-address-space",
        Some("7:17"),
    ),
    (
        "invalid-health-check-path.toml",
        "bulwark::invalid-health-check-path",
        Some("9:21"),
    ),
    (
        "invalid-setting-name.toml",
        "bulwark::invalid-setting-name",
        Some("11:1"),
    ),
    (
        "invalid-toml-unclosed-array.toml",
        "bulwark::invalid-toml",
        Some("13:1"),
    ),
    (
        "invalid-toml-unclosed-string.toml",
        "bulwark::invalid-toml",
        Some("3:13"),
    ),
    (
        "kind-not-string.toml",
        "bulwark::kind-not-string",
        Some("7:8"),
    ),
    ("latin1-encoding.toml", "bulwark::not-utf8", Some("2:15")),
    (
        "library-bad-preset-value.toml",
        "bulwark::unknown-value",
        Some("12:11"),
    ),
    (
        "library-missing.toml",
        "bulwark::library-unavailable",
        Some("3:21"),
    ),
    (
        "library-preset-conflict.toml",
        "bulwark::preset-conflict",
        Some("11:10"),
    ),
    (
        "library-unknown-preset.toml",
        "bulwark::unknown-preset",
        Some("11:10"),
    ),
    (
        "library-version.toml",
        "bulwark::library-version",
        Some("3:56"),
    ),
    (
        "library-version-requirement.toml",
        "bulwark::bad-version-requirement",
        Some("3:56"),
    ),
    ("missing-access.toml", "bulwark::missing-field", Some("9:9")),
    ("missing-app.toml", "bulwark::missing-app", Some("1:1")),
    ("missing-kind.toml", "bulwark::missing-kind", Some("6:13")),
    (
        "missing-runtime.toml",
        "bulwark::missing-field",
        Some("6:1"),
    ),
    ("no-components.toml", "bulwark::no-components", Some("1:1")),
    (
        "no-environments.toml",
        "bulwark::no-environments",
        Some("4:16"),
    ),
    (
        "not-sizing-override.toml",
        "bulwark::not-sizing",
        Some("11:1"),
    ),
    ("part-required.toml", "bulwark::part-required", Some("9:16")),
    (
        "quote-injection-component-key.toml",
        "bulwark::invalid-name",
        Some("6:13"),
    ),
    (
        "quote-injection-container-name.toml",
        "bulwark::invalid-name",
        Some("8:15"),
    ),
    (
        "registry-read.toml",
        "bulwark::unsupported-access",
        Some("9:37"),
    ),
    (
        "reserved-setting.toml",
        "bulwark::reserved-setting",
        Some("9:39"),
    ),
    (
        "reserved-setting-lowercase.toml",
        "bulwark::reserved-setting",
        Some("9:14"),
    ),
    (
        "setting-key-vault-reference.toml",
        "bulwark::reference-in-setting",
        Some("10:28"),
    ),
    (
        "secret-in-empty-vault.toml",
        "bulwark::unknown-part",
        Some("9:16"),
    ),
    (
        "self-connection.toml",
        "bulwark::self-connection",
        Some("9:16"),
    ),
    (
        "service-bus-unknown-queue.toml",
        "bulwark::unknown-part",
        Some("9:16"),
    ),
    (
        "setting-collision.toml",
        "bulwark::setting-collision",
        Some("10:16"),
    ),
    (
        "sql-admin-object-id.toml",
        "bulwark::invalid-object-id",
        Some("8:50"),
    ),
    (
        "too-many-key-vaults.toml",
        "bulwark::too-many-deployments",
        Some("6:2"),
    ),
    (
        "unicode-container-name.toml",
        "bulwark::invalid-name",
        Some("8:15"),
    ),
    (
        "unknown-access.toml",
        "bulwark::unknown-value",
        Some("9:41"),
    ),
    (
        "unknown-environment-override.toml",
        "bulwark::unknown-environment",
        Some("10:30"),
    ),
    ("unknown-field.toml", "bulwark::unknown-field", Some("9:1")),
    ("unknown-kind.toml", "bulwark::unknown-kind", Some("7:8")),
    (
        "unknown-network-field.toml",
        "bulwark::unknown-field",
        Some("7:1"),
    ),
    ("unknown-part.toml", "bulwark::unknown-part", Some("9:16")),
    (
        "unknown-runtime.toml",
        "bulwark::unknown-value",
        Some("8:11"),
    ),
    (
        "unknown-target.toml",
        "bulwark::unknown-target",
        Some("9:16"),
    ),
    (
        "unknown-top-level-key.toml",
        "bulwark::unknown-table",
        Some("6:2"),
    ),
    (
        "unsupported-access.toml",
        "bulwark::unsupported-access",
        Some("9:41"),
    ),
    (
        "unsupported-sku.toml",
        "bulwark::unsupported-sku",
        Some("9:7"),
    ),
    ("uses-not-a-list.toml", "bulwark::wrong-type", Some("9:8")),
    (
        "uses-on-non-compute.toml",
        "bulwark::uses-on-non-compute",
        Some("9:1"),
    ),
    ("whitespace-only.toml", "bulwark::empty", None),
    ("wrong-type.toml", "bulwark::wrong-type", Some("4:16")),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The file names in `tests/bad`, sorted.
fn corpus() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("tests/bad"))
        .expect("tests/bad exists")
        .map(|entry| entry.expect("tests/bad is readable").path())
        .filter(|path| path.is_file())
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run `bulwark <args>` from the repository root (so diagnostics name `tests/bad/<file>`).
fn bulwark(args: &[&str]) -> Run {
    let output = Command::cargo_bin("bulwark")
        .expect("the bulwark binary is built")
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .args(args)
        .output()
        .expect("bulwark runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// What a bad blueprint demonstrates, for the snapshot's description: its first-line
/// comment, or a note for files that are wrong as a whole (empty, whitespace, binary).
fn description(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    match text.lines().next() {
        Some(line) if line.starts_with('#') => line.to_string(),
        _ => format!(
            "(no comment: the whole file, {} bytes, is the problem)",
            bytes.len()
        ),
    }
}

/// Control characters other than newlines, escaped, so snapshots stay plain text. Diagnostics
/// for binary input echo the file's bytes.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[test]
fn the_table_covers_every_bad_blueprint() {
    let files: BTreeSet<String> = corpus().into_iter().collect();
    let table: BTreeSet<String> = EXPECTED
        .iter()
        .map(|(file, _, _)| file.to_string())
        .collect();
    assert_eq!(
        EXPECTED.len(),
        table.len(),
        "a file is listed twice in EXPECTED"
    );
    let untested: Vec<_> = files.difference(&table).collect();
    let missing: Vec<_> = table.difference(&files).collect();
    assert!(
        untested.is_empty(),
        "add these files to EXPECTED: {untested:?}"
    );
    assert!(
        missing.is_empty(),
        "EXPECTED lists files not in tests/bad: {missing:?}"
    );
    assert!(
        files.len() >= 20,
        "the corpus needs at least 20 bad blueprints"
    );
}

#[test]
fn text_blueprints_say_what_they_demonstrate() {
    for file in corpus() {
        let path = repo().join("tests/bad").join(&file);
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        assert!(
            text.starts_with("# "),
            "{file}: the first line should be a comment saying what the file demonstrates"
        );
    }
}

#[test]
fn every_bad_blueprint_is_rejected_with_its_diagnostic() {
    for file in corpus() {
        let (_, code, position) = EXPECTED
            .iter()
            .find(|(name, _, _)| *name == file)
            .unwrap_or_else(|| panic!("{file} is not in EXPECTED"));
        let relative = format!("tests/bad/{file}");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("infra");
        let out_arg = out.to_str().unwrap();

        let generate = bulwark(&["generate", &relative, "--out", out_arg]);
        assert!(
            !generate.stderr.contains("panicked"),
            "{file}: generate panicked:\n{}",
            generate.stderr
        );
        assert_eq!(
            generate.code,
            Some(2),
            "{file}: generate should exit 2; stderr:\n{}",
            generate.stderr
        );
        assert!(
            !out.exists(),
            "{file}: generate wrote {} although the blueprint is bad",
            out.display()
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{file}: generate left files behind"
        );
        assert_eq!(
            generate.stdout, "",
            "{file}: generate printed to stdout as if it wrote something"
        );
        assert!(
            generate.stderr.contains(code),
            "{file}: expected diagnostic {code}; stderr:\n{}",
            generate.stderr
        );
        if let Some(position) = position {
            let located = format!("[{relative}:{position}]");
            assert!(
                generate.stderr.contains(&located),
                "{file}: expected the diagnostic at {located}; stderr:\n{}",
                generate.stderr
            );
        }
        assert!(
            generate.stderr.contains(&format!("{relative}: ")),
            "{file}: expected a summary line naming the file; stderr:\n{}",
            generate.stderr
        );

        let validate = bulwark(&["validate", &relative]);
        assert!(
            !validate.stderr.contains("panicked"),
            "{file}: validate panicked:\n{}",
            validate.stderr
        );
        assert_eq!(
            validate.code,
            Some(2),
            "{file}: validate should exit 2; stderr:\n{}",
            validate.stderr
        );
        assert!(
            validate.stderr.contains(code),
            "{file}: validate should report {code}; stderr:\n{}",
            validate.stderr
        );

        let name = Path::new(&file)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut settings = insta::Settings::clone_current();
        settings.set_description(printable(&description(
            &repo().join("tests/bad").join(&file),
        )));
        settings.set_omit_expression(true);
        settings.bind(|| {
            insta::assert_snapshot!(name, printable(&generate.stderr));
        });
    }
}
