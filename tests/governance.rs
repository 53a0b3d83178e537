//! Governance over every shipped blueprint: diagnostics everywhere they are supported,
//! policy assignments only of known built-ins with effects their definitions allow, and
//! waivers that expire and leave no trace once removed.

mod common;

use bulwark::blueprint::{Date, load};
use bulwark::catalog::facts::{self, FACTS};
use bulwark::plan::governance::effect_parameter;
use bulwark::{FileSet, Options};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn shipped() -> Vec<PathBuf> {
    common::shipped_blueprints()
}

/// `resource <symbol> '<type>@<version>' [existing] = …` declarations: symbol → (type, existing).
fn resources(text: &str) -> BTreeMap<String, (String, bool)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("resource ")?;
            let (symbol, rest) = rest.split_once(' ')?;
            let type_ref = rest.strip_prefix('\'')?.split('\'').next()?;
            let (ty, _) = type_ref.split_once('@')?;
            let existing = rest.contains("' existing =");
            Some((symbol.to_string(), (ty.to_string(), existing)))
        })
        .collect()
}

/// The body of the resource declared as `symbol`: its lines up to the closing brace.
fn body<'a>(text: &'a str, symbol: &str) -> &'a str {
    let start = text
        .find(&format!("resource {symbol} "))
        .unwrap_or_else(|| panic!("no resource {symbol}"));
    let end = text[start..]
        .find("\n}\n")
        .map_or(text.len(), |e| start + e);
    &text[start..end]
}

#[test]
fn every_diagnosable_resource_has_a_diagnostic_setting_with_supported_categories() {
    let mut checked = 0;
    for path in shipped() {
        let files = common::generate_file(&path);
        for (file, text) in &files.files {
            if !file.ends_with(".bicep") {
                continue;
            }
            let declared = resources(text);
            let settings: Vec<(&String, &str)> = declared
                .iter()
                .filter(|(_, (ty, _))| ty == "Microsoft.Insights/diagnosticSettings")
                .map(|(symbol, _)| (symbol, body(text, symbol)))
                .collect();
            for (symbol, (ty, existing)) in &declared {
                let Some(support) = facts::diagnostic_support(ty) else {
                    continue;
                };
                if *existing || !(support.all_logs || support.all_metrics) {
                    continue;
                }
                // Storage accounts log on their services; the account itself has metrics.
                let scoped: Vec<&str> = settings
                    .iter()
                    .filter(|(_, body)| body.contains(&format!("  scope: {symbol}\n")))
                    .map(|(_, body)| *body)
                    .collect();
                assert_eq!(
                    scoped.len(),
                    1,
                    "{}: {file}: {symbol} ({ty}) needs exactly one diagnostic setting",
                    path.display()
                );
                let setting = scoped[0];
                assert_eq!(
                    setting.contains("categoryGroup: 'allLogs'"),
                    support.all_logs,
                    "{}: {file}: {symbol} ({ty}) logs",
                    path.display()
                );
                assert_eq!(
                    setting.contains("category: 'AllMetrics'"),
                    support.all_metrics,
                    "{}: {file}: {symbol} ({ty}) metrics",
                    path.display()
                );
                assert!(
                    !setting.contains("category: '") || setting.contains("category: 'AllMetrics'"),
                    "{file}: {symbol}: only category groups and AllMetrics"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} resources checked");
}

#[test]
fn every_policy_assignment_is_a_known_built_in_with_an_allowed_effect() {
    let mut checked = 0;
    for path in shipped() {
        let files = common::generate_file(&path);
        let text = files.get("modules/policies.bicep").unwrap();
        for (symbol, (ty, _)) in resources(text) {
            assert_eq!(ty, "Microsoft.Authorization/policyAssignments");
            let body = body(text, &symbol);
            let (kind, guid) = ["policyDefinitions", "policySetDefinitions"]
                .into_iter()
                .find_map(|kind| {
                    let marker = format!("'Microsoft.Authorization/{kind}', '");
                    let at = body.find(&marker)? + marker.len();
                    Some((kind, &body[at..at + 36]))
                })
                .unwrap_or_else(|| panic!("{symbol}: no definition id"));
            let policy = FACTS
                .policies
                .get(guid)
                .unwrap_or_else(|| panic!("{}: {guid} is not a known built-in", path.display()));
            if kind == "policySetDefinitions" {
                assert_eq!(guid, bulwark::catalog::BENCHMARK_INITIATIVE);
                assert!(
                    !body.contains("parameters:"),
                    "initiatives keep their defaults"
                );
                continue;
            }
            let (parameter, allowed) = effect_parameter(policy);
            let at = body
                .find(&format!("    {parameter}: {{\n        value: "))
                .unwrap_or_else(|| panic!("{symbol}: no {parameter} parameter"));
            let line = body[at..].lines().nth(1).unwrap();
            let effects: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
            assert!(!effects.is_empty(), "{symbol}: {line}");
            for effect in effects {
                assert!(
                    allowed.contains(&effect),
                    "{}: {} is assigned with {effect}, not one of {allowed:?}",
                    path.display(),
                    policy.display_name
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} assignments checked");
}

fn generate_text(text: &str, today: Date) -> Result<FileSet, bulwark::Error> {
    let loaded = load::from_str_in(text, &common::repo().join("blueprints")).unwrap();
    bulwark::generate(
        &loaded.blueprint,
        &Options {
            today,
            ..Options::default()
        },
    )
    .map(|generated| generated.files)
}

fn invoices() -> String {
    std::fs::read_to_string(common::repo().join("blueprints/invoices.toml")).unwrap()
}

#[test]
fn an_expired_waiver_fails_validation() {
    let text = invoices();
    let before = Date::parse("2027-06-30").unwrap();
    let after = Date::parse("2027-07-01").unwrap();
    assert!(generate_text(&text, before).is_ok());
    let diagnostics = generate_text(&text, after).unwrap_err().into_diagnostics();
    let expired: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code == "expired-waiver")
        .collect();
    assert_eq!(expired.len(), 1, "{diagnostics:#?}");
    assert_eq!(expired[0].path.as_deref(), Some("waivers[1].expires"));
    assert!(expired[0].message.contains("expired on 2027-06-30"));
}

#[test]
fn a_waiver_weakens_only_its_control_and_removing_it_restores_the_hardened_literal() {
    let today = Date::parse("2026-11-29").unwrap();
    let with = generate_text(&invoices(), today).unwrap();
    let text = invoices();
    let without_text = &text[..text.find("[[waivers]]").unwrap()];
    let without = generate_text(without_text, today).unwrap();

    let storage = without.get("modules/storage-scans.bicep").unwrap();
    assert!(storage.contains("publicNetworkAccess: 'Disabled'"));
    assert!(!storage.contains("ipRules"));
    let bus = without.get("modules/service-bus-bus.bicep").unwrap();
    assert!(bus.contains("disableLocalAuth: true"));
    assert!(
        !bus.contains("authorizationRules@"),
        "no SAS rule without its waiver"
    );
    assert!(without.get("modules/waivers.bicep").is_none());
    assert!(!without.files.values().any(|t| t.contains("WAIVED")));

    let waived_storage = with.get("modules/storage-scans.bicep").unwrap();
    assert!(waived_storage.contains("publicNetworkAccess: 'Enabled'"));
    assert!(waived_storage.contains("value: '198.51.100.0/26'"));
    let waived_bus = with.get("modules/service-bus-bus.bicep").unwrap();
    assert!(waived_bus.contains("disableLocalAuth: false"));
    // The grant's one rule: on the invoices queue, Send only.
    assert_eq!(waived_bus.matches("authorizationRules@").count(), 1);
    assert!(waived_bus.contains(
        "resource queue_invoices__sas_rule 'Microsoft.ServiceBus/namespaces/queues/authorizationRules@2024-01-01' = {\n  parent: queue_invoices\n  name: 'waiver-local-auth'\n  properties: {\n    rights: [\n      'Send'\n    ]\n  }\n}\n"
    ));
    let exemptions = with.get("modules/waivers.bicep").unwrap();
    assert_eq!(exemptions.matches("policyExemptions@").count(), 2);
    assert!(exemptions.contains("expiresOn: '2027-09-30T23:59:59Z'"));

    // In the perimeter, the waived account gets a profile of its own with the waiver's
    // ranges; without the waiver it shares the app's profile and no rule exists.
    let perimeter = with.get("modules/perimeter.bicep").unwrap();
    assert!(perimeter.contains("name: 'waiver-scans'"));
    assert_eq!(perimeter.matches("accessRules@").count(), 1);
    let bare = without.get("modules/perimeter.bicep").unwrap();
    assert!(!bare.contains("accessRules@"));
    assert!(!bare.contains("waiver-"));

    // Nothing else differs: the files the waivers do not touch are identical.
    for (path, text) in &without.files {
        let touched = [
            "main.bicep",
            "modules/storage-scans.bicep",
            "modules/service-bus-bus.bicep",
            "modules/perimeter.bicep",
        ];
        if !touched.contains(&path.as_str()) {
            assert_eq!(with.get(path), Some(text.as_str()), "{path} changed");
        }
    }
}

#[test]
fn direct_ingress_is_public_only_where_its_waiver_says() {
    let files = common::generate_file(&common::repo().join("blueprints/kiosk.toml"));
    let web = files.get("modules/web-app-web.bicep").unwrap();
    assert!(web.contains("publicNetworkAccess: 'Enabled'"));
    assert!(web.contains("ipAddress: '198.51.100.0/26'"));
    assert!(web.contains("ipSecurityRestrictionsDefaultAction: 'Deny'"));
    assert!(web.contains("scmIpSecurityRestrictionsDefaultAction: 'Deny'"));
    assert!(
        web.contains("groupIds: [\n"),
        "a direct app keeps its private endpoint"
    );
    let jobs = files.get("modules/function-app-jobs.bicep").unwrap();
    assert!(jobs.contains("ipSecurityRestrictionsDefaultAction: 'Allow'"));
    assert!(jobs.contains("scmIpSecurityRestrictionsDefaultAction: 'Deny'"));
    let main = files.get("main.bicep").unwrap();
    assert!(main.contains("output urls object = {"));
    assert!(main.contains("\n  web: 'https://${webModule.outputs.hostName}'\n"));
    assert!(
        files.get("modules/front-door.bicep").is_none(),
        "no public app, no Front Door"
    );
    let exemptions = files.get("modules/waivers.bicep").unwrap();
    // One exemption per exempted policy: two apps, storage, registry (two), vault, hubs.
    assert_eq!(
        exemptions.matches("policyExemptions@").count(),
        7,
        "{exemptions}"
    );
}
