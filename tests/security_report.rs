//! Every claim SECURITY.md makes holds in the Bicep generated next to it, for every shipped
//! blueprint: the report is built from the plan and the Bicep from the emitter, so these tests
//! tie the two together. Each resource the report lists under Network exposure has that
//! setting in its module, and every resource with a public-network setting is listed; every
//! waiver shows up as one; each SAS rule of a `local-auth` waiver exists with exactly the
//! rights the report names; and monitoring is listed with public ingestion and query.

mod common;

use bulwark::blueprint::Control;
use bulwark::report::{PublicAccess, Report};
use bulwark::{FileSet, Generated};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn shipped() -> Vec<PathBuf> {
    let paths = common::shipped_blueprints();
    assert!(paths.len() >= 2);
    paths
}

/// The generated files, the report and its Markdown, as `generate` writes them.
fn generate(path: &Path) -> (Generated, Report, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = bulwark::blueprint::load::from_str_in(&text, path.parent().unwrap()).unwrap();
    let label = path.file_name().unwrap().to_string_lossy().into_owned();
    let generated = common::generate_full(path);
    let source = bulwark::report::Source {
        label: &label,
        text: &text,
        map: &loaded.source_map,
    };
    let report = bulwark::report::build(&loaded.blueprint, &generated.plan, &label, Some(&source));
    let markdown = report.render_markdown();
    (generated, report, markdown)
}

/// A top-level `resource` declaration of a generated file.
#[derive(Debug)]
struct Block<'a> {
    file: &'a str,
    symbol: &'a str,
    ty: &'a str,
    existing: bool,
    /// The comment lines right above it.
    comments: Vec<&'a str>,
    /// From the `resource` line to its closing brace.
    body: &'a str,
}

fn blocks(files: &FileSet) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    for (file, text) in &files.files {
        if !file.ends_with(".bicep") {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        let mut offset = 0;
        for (index, line) in lines.iter().enumerate() {
            let start = offset;
            offset += line.len() + 1;
            let Some(rest) = line.strip_prefix("resource ") else {
                continue;
            };
            let (symbol, rest) = rest.split_once(' ').unwrap();
            let type_ref = rest.strip_prefix('\'').unwrap().split('\'').next().unwrap();
            let (ty, _) = type_ref.split_once('@').unwrap();
            let end = text[start..]
                .find("\n}\n")
                .map_or(text.len(), |e| start + e + 2);
            let comments = lines[..index]
                .iter()
                .rev()
                .take_while(|l| l.starts_with("//"))
                .copied()
                .collect();
            out.push(Block {
                file,
                symbol,
                ty,
                existing: rest.contains("' existing = {"),
                comments,
                body: &text[start..end],
            });
        }
    }
    out
}

/// What a resource's public-network setting says, from its Bicep; `None` when it has none.
fn classify(block: &Block) -> Option<PublicAccess> {
    let body = block.body;
    if block.existing {
        return None;
    }
    if body.contains("publicNetworkAccess: 'Disabled'") {
        return Some(PublicAccess::Disabled);
    }
    if body.contains("publicNetworkAccess: 'Enabled'") {
        return Some(PublicAccess::Waived);
    }
    if body.contains("publicNetworkAccessForIngestion:")
        || body.contains("publicNetworkAccessForQuery:")
    {
        return Some(PublicAccess::IngestionAndQuery);
    }
    match block.ty {
        "Microsoft.Network/publicIPAddresses" => Some(PublicAccess::OutboundOnly),
        "Microsoft.Cdn/profiles" => Some(PublicAccess::InternetThroughWaf),
        // Resources with a public-network setting this test does not know yet fail below.
        _ if body.contains("publicNetworkAccess") => Some(PublicAccess::Waived),
        _ => None,
    }
}

/// The report's Network exposure table and the Bicep agree, both ways: per module and
/// resource type, the same settings; and each setting means what the report says.
#[test]
fn every_exposure_claim_holds_in_the_bicep_and_every_exposed_resource_is_listed() {
    let mut checked = 0;
    for path in shipped() {
        let name = path.display().to_string();
        let (generated, report, _) = generate(&path);
        let files = &generated.files;
        let blocks = blocks(files);

        let mut claimed: BTreeMap<(String, String), Vec<PublicAccess>> = BTreeMap::new();
        for row in &report.exposure {
            claimed
                .entry((row.module.clone(), row.resource_type.clone()))
                .or_default()
                .push(row.access);
        }
        let mut found: BTreeMap<(String, String), Vec<PublicAccess>> = BTreeMap::new();
        for block in &blocks {
            if let Some(access) = classify(block) {
                found
                    .entry((block.file.to_string(), block.ty.to_string()))
                    .or_default()
                    .push(access);
            }
        }
        for list in claimed.values_mut().chain(found.values_mut()) {
            list.sort_by_key(|a| format!("{a:?}"));
        }
        assert_eq!(claimed, found, "{name}: Network exposure vs the Bicep");

        for block in blocks.iter().filter(|b| classify(b).is_some()) {
            let body = block.body;
            let at = format!("{name}: {} {}", block.file, block.symbol);
            match classify(block).unwrap() {
                PublicAccess::Disabled => {}
                PublicAccess::Waived => {
                    // Opened only by a waiver, with its comment on the setting.
                    let line = body
                        .lines()
                        .position(|l| l.trim() == "publicNetworkAccess: 'Enabled'")
                        .unwrap_or_else(|| panic!("{at}: an unknown public setting"));
                    let above = body.lines().nth(line - 1).unwrap().trim();
                    assert!(above.starts_with("// WAIVED until "), "{at}: {above}");
                }
                PublicAccess::IngestionAndQuery => {
                    for setting in [
                        "publicNetworkAccessForIngestion: 'Enabled'",
                        "publicNetworkAccessForQuery: 'Enabled'",
                    ] {
                        assert!(body.contains(setting), "{at}: {setting}");
                    }
                    // "Entra ID only (local auth disabled)".
                    assert!(
                        body.contains("disableLocalAuth: true")
                            || body.contains("DisableLocalAuth: true"),
                        "{at}: local auth"
                    );
                    assert_eq!(block.file, "modules/monitoring.bicep", "{at}");
                }
                PublicAccess::OutboundOnly => {
                    // Outbound only: nothing but its NAT gateway (and its diagnostic setting)
                    // refers to the address, so no listener sits behind it.
                    let uses: Vec<&Block> = blocks
                        .iter()
                        .filter(|b| b.symbol != block.symbol)
                        .filter(|b| {
                            b.file == block.file
                                && (b.body.contains(&format!("{}.id", block.symbol))
                                    || b.body.contains(&format!("scope: {}\n", block.symbol)))
                        })
                        .collect();
                    assert!(!uses.is_empty(), "{at}: unused");
                    for user in uses {
                        assert!(
                            matches!(
                                user.ty,
                                "Microsoft.Network/natGateways"
                                    | "Microsoft.Insights/diagnosticSettings"
                            ),
                            "{at} is used by {} ({})",
                            user.symbol,
                            user.ty
                        );
                    }
                }
                PublicAccess::InternetThroughWaf => {
                    let file = files.get(block.file).unwrap();
                    assert!(file.contains("mode: 'Prevention'"), "{at}: WAF mode");
                    assert!(
                        file.contains("'Microsoft.Cdn/profiles/securityPolicies@"),
                        "{at}: WAF attached"
                    );
                    assert!(file.contains("httpsRedirect: 'Enabled'"), "{at}: HTTPS");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} resources checked");
}

/// Every waiver is listed, on its component and in the table; each one that opens network
/// access shows up as such under Network exposure, and the Bicep has the weaker value.
#[test]
fn every_waived_resource_is_listed_as_waived() {
    let mut checked = 0;
    for path in shipped() {
        let name = path.display().to_string();
        let (generated, report, _) = generate(&path);
        let waivers = &generated.plan.governance.waivers;
        assert_eq!(report.waivers.len(), waivers.len(), "{name}");
        for waiver in waivers {
            let component = report
                .components
                .iter()
                .find(|c| c.name == waiver.component)
                .unwrap();
            assert!(
                component.waived.contains(&waiver.control.to_string()),
                "{name}: {} does not say it is waived",
                waiver.component
            );
            let module = generated
                .files
                .get(&format!(
                    "modules/{}-{}.bicep",
                    component.kind, waiver.component
                ))
                .unwrap();
            assert!(
                module.contains(&format!(
                    "// WAIVED until {} ({})",
                    waiver.expires, waiver.because
                )),
                "{name}: {} has no WAIVED comment",
                waiver.component
            );
            let opens = matches!(
                waiver.control,
                Control::PublicNetworkAccess | Control::DirectPublicIngress
            );
            let rows: Vec<_> = report
                .exposure
                .iter()
                .filter(|row| row.access == PublicAccess::Waived)
                .filter(|row| row.resource == waiver.component)
                .collect();
            assert_eq!(
                rows.len(),
                usize::from(opens),
                "{name}: {}",
                waiver.component
            );
            for row in rows {
                assert!(row.detail.contains(&waiver.expires.to_string()), "{name}");
                for range in &waiver.allow_from {
                    assert!(row.detail.contains(range.as_str()), "{name}: {range}");
                }
            }
            if !opens {
                assert!(
                    component
                        .exposure
                        .contains("public network access disabled")
                        || component.exposure.contains("No inbound traffic"),
                    "{name}: {}: {}",
                    waiver.component,
                    component.exposure
                );
            }
            checked += 1;
        }
        // No resource is opened without a waiver.
        for row in report
            .exposure
            .iter()
            .filter(|r| r.access == PublicAccess::Waived)
        {
            assert!(
                waivers.iter().any(|w| w.component == row.resource),
                "{name}: {} is open without a waiver",
                row.resource
            );
        }
        // A component that says "public network access disabled" has only such resources.
        for component in &report.components {
            if !component
                .exposure
                .contains("public network access disabled")
            {
                continue;
            }
            for row in report.exposure.iter().filter(|row| {
                row.resource == component.name
                    || row.resource.starts_with(&format!("{} ", component.name))
            }) {
                assert_eq!(
                    row.access,
                    PublicAccess::Disabled,
                    "{name}: {} says disabled",
                    row.resource
                );
            }
        }
    }
    assert!(checked >= 8, "only {checked} waivers checked");
}

/// Each SAS key the report lists is an authorization rule on that one entity with exactly
/// those rights, never Manage; no other rule exists, and nothing reads or outputs a key.
#[test]
fn every_sas_key_in_the_report_is_an_entity_rule_with_only_its_rights() {
    let mut checked = 0;
    for path in shipped() {
        let name = path.display().to_string();
        let (generated, report, markdown) = generate(&path);
        let files = &generated.files;
        let blocks = blocks(files);
        let rules: Vec<&Block> = blocks
            .iter()
            .filter(|b| b.ty.ends_with("/authorizationRules"))
            .collect();
        assert_eq!(rules.len(), report.sas_keys.len(), "{name}: SAS rules");
        for key in &report.sas_keys {
            let (ty, prefix) = match key.entity_kind.as_str() {
                "queue" => (
                    "Microsoft.ServiceBus/namespaces/queues/authorizationRules",
                    "queue",
                ),
                "topic" => (
                    "Microsoft.ServiceBus/namespaces/topics/authorizationRules",
                    "topic",
                ),
                "event hub" => (
                    "Microsoft.EventHub/namespaces/eventhubs/authorizationRules",
                    "hub",
                ),
                other => panic!("{name}: a rule on a {other}"),
            };
            let parent = bulwark::catalog::naming::part_symbol(prefix, &key.entity);
            let rule = rules
                .iter()
                .find(|b| {
                    b.file == key.module
                        && b.ty == ty
                        && b.body.contains(&format!("\n  parent: {parent}\n"))
                })
                .unwrap_or_else(|| panic!("{name}: no rule on {parent} in {}", key.module));
            assert!(
                rule.body.contains(&format!("\n  name: '{}'\n", key.rule)),
                "{name}"
            );
            let rights: Vec<&str> = rule
                .body
                .lines()
                .skip_while(|l| l.trim() != "rights: [")
                .skip(1)
                .take_while(|l| l.trim() != "]")
                .map(|l| l.trim().trim_matches('\''))
                .collect();
            assert_eq!(rights, key.rights, "{name}: rights on {parent}");
            assert!(!rights.contains(&"Manage"), "{name}");
            assert!(
                rule.comments.iter().any(|c| c.contains("WAIVED until")),
                "{name}: the rule says which waiver it is for"
            );
            // The namespace the rule lives in has local auth on, by that waiver.
            let module = files.get(&key.module).unwrap();
            assert!(module.contains("disableLocalAuth: false"), "{name}");
            assert!(markdown.contains(&key.keys_command), "{name}");
            checked += 1;
        }
        for (file, text) in &files.files {
            assert!(!text.contains("listKeys("), "{name}: {file} reads keys");
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                assert!(
                    !line.contains("RootManageSharedAccessKey"),
                    "{name}: {file} uses the root key: {line}"
                );
            }
        }
        if report.sas_keys.is_empty() {
            assert!(!markdown.contains("### SAS keys"), "{name}");
        } else {
            assert!(markdown.contains("RootManageSharedAccessKey"), "{name}");
        }
    }
    assert!(checked >= 2, "only {checked} SAS keys checked");
}

/// The monitoring resources are listed as public for ingestion and query, and the Markdown
/// explains why, naming Log Analytics only where the app has its own workspace.
#[test]
fn monitoring_is_listed_as_public_ingestion_and_query() {
    for path in shipped() {
        let name = path.display().to_string();
        let (generated, report, markdown) = generate(&path);
        let monitoring = generated.files.get("modules/monitoring.bicep").unwrap();
        let own = monitoring.contains("'Microsoft.OperationalInsights/workspaces@");
        assert_eq!(report.own_workspace, own, "{name}");
        let public: Vec<&str> = report
            .exposure
            .iter()
            .filter(|row| row.access == PublicAccess::IngestionAndQuery)
            .map(|row| row.resource_type.as_str())
            .collect();
        let mut expected = vec!["Microsoft.Insights/components"];
        if own {
            expected.insert(0, "Microsoft.OperationalInsights/workspaces");
        }
        assert_eq!(public, expected, "{name}");
        assert!(
            markdown.contains("**What stays public, and why.**"),
            "{name}"
        );
        assert_eq!(
            markdown.contains("Log Analytics and Application Insights accept ingestion and query over public endpoints"),
            own,
            "{name}"
        );
        assert!(!markdown.contains("every data-plane resource"), "{name}");
    }
}

/// The report drawn on two threads (the template parsed and the diagram drawn beside the
/// rows, as `generate` does from 100 components on) is the one drawn on one, for every
/// shipped blueprint, with and without deployment stages.
#[test]
fn the_report_is_the_same_on_one_thread_or_two() {
    for path in shipped() {
        let text = std::fs::read_to_string(&path).unwrap();
        let loaded = bulwark::blueprint::load::from_str_in(&text, path.parent().unwrap()).unwrap();
        let label = path.file_name().unwrap().to_string_lossy().into_owned();
        let generated = common::generate_full(&path);
        let source = bulwark::report::Source {
            label: &label,
            text: &text,
            map: &loaded.source_map,
        };
        let markdown = |stages: &[&str], threads| {
            let stages = stages.iter().map(ToString::to_string).collect();
            bulwark::report::markdown_of(
                &loaded.blueprint,
                &generated.plan,
                &label,
                Some(&source),
                stages,
                threads,
            )
        };
        let built =
            bulwark::report::build(&loaded.blueprint, &generated.plan, &label, Some(&source));
        assert_eq!(markdown(&[], 2), built.render_markdown(), "{label}");
        assert_eq!(markdown(&[], 1), markdown(&[], 2), "{label}");
        let stages = ["stage-1", "stage-2"];
        assert_eq!(markdown(&stages, 1), markdown(&stages, 2), "{label}");
        assert!(markdown(&stages, 2).contains("-stage-2`"), "{label}");
        // Prepared without the stages (beside the stage split), finished with them.
        let prepared =
            || bulwark::report::prepare(&loaded.blueprint, &generated.plan, &label, Some(&source));
        assert_eq!(prepared().finish(Vec::new()), markdown(&[], 1), "{label}");
        let names = stages.iter().map(ToString::to_string).collect();
        assert_eq!(prepared().finish(names), markdown(&stages, 1), "{label}");
    }
}
