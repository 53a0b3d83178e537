//! The network security perimeter: every generated resource of a type Microsoft lists as
//! onboarded (src/catalog/facts/perimeter.tsv) joins it, checked on the Bicep text of every
//! shipped blueprint; the access mode follows the policy mode per environment; a waiver's
//! ranges become one inbound rule on the waived resource's own profile and nothing wider; and
//! a platform's perimeter is joined, not created.

mod common;

use bulwark::catalog::facts;
use bulwark::deployer::{self, DeployerRole, GrantScope, PERIMETER_JOIN};
use std::collections::BTreeMap;

/// Per component kind: the resource types its module creates that join the perimeter, by the
/// module output main.bicep passes to it. The table is checked against perimeter.tsv below, so
/// a kind whose type Microsoft onboards cannot silently stay out.
const JOINS: &[(&str, &[(&str, &str)])] = &[
    ("storage", &[("Microsoft.Storage/storageAccounts", "id")]),
    ("key-vault", &[("Microsoft.KeyVault/vaults", "id")]),
    (
        "cosmos-db",
        &[("Microsoft.DocumentDB/databaseAccounts", "id")],
    ),
    ("event-hubs", &[("Microsoft.EventHub/namespaces", "id")]),
    ("sql-database", &[("Microsoft.Sql/servers", "id")]),
    ("openai", &[("Microsoft.CognitiveServices/accounts", "id")]),
    ("ai-search", &[("Microsoft.Search/searchServices", "id")]),
    (
        "function-app",
        &[("Microsoft.Storage/storageAccounts", "hostStorageId")],
    ),
    ("web-app", &[]),
    ("container-app", &[]),
    ("container-registry", &[]),
    ("postgres", &[]),
    ("service-bus", &[]),
    ("redis", &[]),
    ("app-configuration", &[]),
];

/// `resource <symbol> '<type>@<version>' = …` declarations that are not `existing`.
fn declared(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("resource ")?;
            if line.contains("' existing") {
                return None;
            }
            let (symbol, rest) = rest.split_once(' ')?;
            let ty = rest.trim_start_matches('\'').split('@').next()?;
            Some((symbol.to_string(), ty.to_string()))
        })
        .collect()
}

/// main.bicep's module symbol for each module file.
fn module_symbols(main: &str) -> BTreeMap<String, String> {
    main.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("module ")?;
            let (symbol, rest) = rest.split_once(' ')?;
            let path = rest.split('\'').nth(1)?;
            Some((path.to_string(), symbol.to_string()))
        })
        .collect()
}

/// The `resourceIds` argument main.bicep passes to the perimeter module.
fn perimeter_arguments(main: &str) -> Vec<String> {
    let Some(start) = main.find("module perimeter 'modules/perimeter.bicep'") else {
        return Vec::new();
    };
    let block = &main[start..];
    let block = &block[..block.find("\n}\n").unwrap()];
    block
        .lines()
        .filter(|line| line.contains("Module.outputs."))
        .map(|line| line.trim().to_string())
        .collect()
}

#[test]
fn the_kind_table_agrees_with_the_facts() {
    for (kind, joins) in JOINS {
        for (ty, _) in *joins {
            let fact = facts::perimeter_fact(ty).unwrap_or_else(|| panic!("{kind}: {ty}"));
            assert!(fact.kept_out.is_none(), "{kind}: {ty} is kept out");
        }
    }
    // Types the kinds create that are not onboarded really are absent from the facts.
    for ty in [
        "Microsoft.Web/sites",
        "Microsoft.App/containerApps",
        "Microsoft.ContainerRegistry/registries",
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "Microsoft.ServiceBus/namespaces",
        "Microsoft.Cache/redisEnterprise",
        "Microsoft.AppConfiguration/configurationStores",
    ] {
        assert!(facts::perimeter_fact(ty).is_none(), "{ty} is onboarded now");
    }
    // The workspace is onboarded but kept out, with its reason.
    let workspace = facts::perimeter_fact("Microsoft.OperationalInsights/workspaces").unwrap();
    assert!(workspace.kept_out.unwrap().contains("diagnostic settings"));
}

#[test]
fn every_onboarded_resource_of_every_shipped_blueprint_joins_the_perimeter() {
    let mut kinds_seen = std::collections::BTreeSet::new();
    for path in common::shipped_blueprints() {
        let generated = common::generate_full(&path);
        let files = &generated.files;
        let main = files.get("main.bicep").unwrap();
        let symbols = module_symbols(main);
        let arguments = perimeter_arguments(main);
        let perimeter = files.get("modules/perimeter.bicep");
        let mut expected = 0;
        for (file, text) in &files.files {
            let Some(stem) = file
                .strip_prefix("modules/")
                .and_then(|f| f.strip_suffix(".bicep"))
            else {
                continue;
            };
            let Some((kind, joins)) = JOINS
                .iter()
                .find(|(kind, _)| stem.starts_with(&format!("{kind}-")))
            else {
                continue;
            };
            kinds_seen.insert(*kind);
            for (symbol, ty) in declared(text) {
                let onboarded = facts::perimeter_fact(&ty).is_some_and(|f| f.kept_out.is_none());
                let Some((_, output)) = joins.iter().find(|(t, _)| *t == ty) else {
                    assert!(
                        !onboarded
                            || ty == "Microsoft.Storage/storageAccounts" && *kind == "function-app",
                        "{}: {file} declares {ty}, onboarded, but the table says {kind} has none",
                        path.display()
                    );
                    continue;
                };
                expected += 1;
                assert!(
                    text.contains(&format!("output {output} string = {symbol}.id")),
                    "{}: {file} does not output the id of {symbol} ({ty})",
                    path.display()
                );
                let module = &symbols[file];
                assert!(
                    arguments
                        .iter()
                        .any(|a| a.ends_with(&format!(": {module}.outputs.{output}"))),
                    "{}: {symbol} of {file} is not passed to the perimeter: {arguments:?}",
                    path.display()
                );
            }
        }
        assert_eq!(arguments.len(), expected, "{}", path.display());
        if expected > 0 {
            let perimeter = perimeter.expect("a perimeter module");
            assert_eq!(
                perimeter.matches("resourceAssociations@").count(),
                expected,
                "{}",
                path.display()
            );
            assert_eq!(
                perimeter.matches("accessMode: ").count(),
                expected,
                "every association has its mode"
            );
        }
        // The workspace never joins, so "What stays public" stays true.
        if let Some(perimeter) = perimeter {
            assert!(!perimeter.contains("workspaces"));
            assert!(!perimeter.contains("subscriptions:"));
            assert!(!perimeter.contains("fullyQualifiedDomainNames"));
            assert!(!perimeter.contains("serviceTags"));
        }
    }
    assert!(
        kinds_seen.len() >= 15,
        "shipped blueprints cover {kinds_seen:?}"
    );
}

const SMALL: &str = r#"
[app]
name = "shop"
environments = ["dev", "staging", "prod"]

[components.web]
kind = "web-app"
runtime = "node:22"
uses = [{ to = "media.images", access = "read" }, { to = "vault.key", access = "read" }]

[components.media]
kind = "storage"
containers = ["images"]

[components.vault]
kind = "key-vault"
secrets = ["key"]
"#;

fn generate_text(text: &str) -> bulwark::Generated {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulwark.toml");
    std::fs::write(&path, text).unwrap();
    common::generate_full(&path)
}

/// SECURITY.md as `generate` writes it.
fn report_of(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = bulwark::blueprint::load::from_str_in(&text, path.parent().unwrap()).unwrap();
    let generated = common::generate_full(path);
    let source = bulwark::report::Source {
        label: "bulwark.toml",
        text: &text,
        map: &loaded.source_map,
    };
    bulwark::report::build(
        &loaded.blueprint,
        &generated.plan,
        "bulwark.toml",
        Some(&source),
    )
    .render_markdown()
}

fn report_text(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulwark.toml");
    std::fs::write(&path, text).unwrap();
    report_of(&path)
}

#[test]
fn learning_where_policy_audits_and_enforced_where_it_denies() {
    let audit = generate_text(SMALL);
    let perimeter = audit.files.get("modules/perimeter.bicep").unwrap();
    assert_eq!(perimeter.matches("accessMode: 'Learning'").count(), 2);
    assert!(!perimeter.contains("Enforced"));

    let deny = generate_text(&format!("{SMALL}\n[governance]\npolicy = \"deny\"\n"));
    let perimeter = deny.files.get("modules/perimeter.bicep").unwrap();
    assert_eq!(perimeter.matches("accessMode: 'Enforced'").count(), 2);
    assert!(!perimeter.contains("Learning"));

    let mixed = generate_text(&format!(
        "{SMALL}\n[governance.environments.staging]\npolicy = \"deny\"\n[governance.environments.prod]\npolicy = \"deny\"\n"
    ));
    let perimeter = mixed.files.get("modules/perimeter.bicep").unwrap();
    assert!(perimeter.contains(
        "var accessMode = contains([\n  'prod'\n  'staging'\n], environmentName) ? 'Enforced' : 'Learning'"
    ), "{perimeter}");
    assert_eq!(perimeter.matches("accessMode: accessMode").count(), 2);
    let report = report_text(&format!(
        "{SMALL}\n[governance.environments.staging]\npolicy = \"deny\"\n[governance.environments.prod]\npolicy = \"deny\"\n"
    ));
    assert!(report.contains("| dev | transition (Learning)"));
    assert!(report.contains("| prod | enforced"));
}

#[test]
fn a_waiver_gets_its_own_profile_with_exactly_its_ranges() {
    let files = common::generate_file(&common::repo().join("blueprints/invoices.toml"));
    let perimeter = files.get("modules/perimeter.bicep").unwrap();
    // One rule, inbound, with the waiver's two ranges and nothing else.
    assert_eq!(perimeter.matches("accessRules@").count(), 1);
    assert!(perimeter.contains(
        "  parent: waiverScansProfile\n  name: 'allow-from-waiver'\n  properties: {\n    direction: 'Inbound'\n    addressPrefixes: [\n      '198.51.100.0/26'\n      '203.0.113.128/25'\n    ]\n  }\n"
    ));
    // Only the waived account joins that profile; the rest share the app's, which has no rule.
    assert_eq!(perimeter.matches("id: waiverScansProfile.id").count(), 1);
    let scans = &perimeter[perimeter.find("resource scansAssociation").unwrap()..];
    assert!(scans[..scans.find("\n}\n").unwrap()].contains("waiverScansProfile.id"));
    assert_eq!(perimeter.matches("id: appProfile.id").count(), 2);
    // The access logs go to the workspace.
    assert!(perimeter.contains("scope: perimeter"));
    assert!(perimeter.contains("categoryGroup: 'allLogs'"));
    let report = report_of(&common::repo().join("blueprints/invoices.toml"));
    assert!(report.contains(
        "| waiver-scans | allow-from-waiver | inbound | 198.51.100.0/26, 203.0.113.128/25 | scans | `waivers[0]` |"
    ));
}

const PLATFORM: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-platform";

#[test]
fn a_platforms_perimeter_is_joined_not_created() {
    let generated = generate_text(&format!(
        "{SMALL}\n[network]\nperimeter = {{ id = \"{PLATFORM}\", profile = \"apps\" }}\n"
    ));
    let main = generated.files.get("main.bicep").unwrap();
    assert!(main.contains(
        "scope: resourceGroup('00000000-0000-0000-0000-000000000000', 'rg-platform-nsp')"
    ));
    let perimeter = generated.files.get("modules/perimeter.bicep").unwrap();
    assert!(perimeter.contains(
        "resource perimeter 'Microsoft.Network/networkSecurityPerimeters@2025-05-01' existing = {\n  name: 'nsp-platform'\n}"
    ));
    assert!(
        perimeter
            .contains("profiles@2025-05-01' existing = {\n  parent: perimeter\n  name: 'apps'\n}")
    );
    assert!(!perimeter.contains("accessRules@"));
    assert!(!perimeter.contains("diagnosticSettings@"));
    // Associations name the app and the environment: the platform's perimeter holds others.
    assert!(perimeter.contains("name: 'shop-media-${environmentName}'"));
    assert_eq!(perimeter.matches("id: appsProfile.id").count(), 2);

    // The deploying identity may join resources there, and nothing more.
    let grants = deployer::grants(&generated.plan);
    let join: Vec<_> = grants
        .iter()
        .filter(|g| g.role == DeployerRole::Custom(&PERIMETER_JOIN))
        .collect();
    assert_eq!(join.len(), 1);
    assert_eq!(
        join[0].scope,
        GrantScope::ResourceGroup {
            subscription: "00000000-0000-0000-0000-000000000000".into(),
            resource_group: "rg-platform-nsp".into(),
        }
    );
    assert_eq!(join[0].environments, ["dev", "prod", "staging"]);
    assert!(
        PERIMETER_JOIN
            .actions
            .contains(&"Microsoft.Network/networkSecurityPerimeters/profiles/join/action")
    );
    assert!(
        !PERIMETER_JOIN
            .actions
            .iter()
            .any(|a| a.contains("accessRules"))
    );

    // A created perimeter needs no grant outside the app's resource group.
    let created = generate_text(SMALL);
    assert!(
        !deployer::grants(&created.plan)
            .iter()
            .any(|g| g.role == DeployerRole::Custom(&PERIMETER_JOIN))
    );
}

#[test]
fn perimeter_false_leaves_it_to_the_platform() {
    let generated = generate_text(&format!("{SMALL}\n[network]\nperimeter = false\n"));
    assert!(generated.files.get("modules/perimeter.bicep").is_none());
    assert!(
        !generated
            .files
            .get("main.bicep")
            .unwrap()
            .contains("perimeter")
    );
    assert!(
        !generated
            .files
            .get("modules/storage-media.bicep")
            .unwrap()
            .contains("output id string")
    );
    let report = report_text(&format!("{SMALL}\n[network]\nperimeter = false\n"));
    assert!(report.contains("None: `[network] perimeter = false`"));
}
