//! SARIF 2.1.0 documents: blueprint diagnostics (`validate --format sarif`) and the security
//! findings of the report (`explain --format sarif`), for code-scanning dashboards.
//! Structure per the OASIS SARIF 2.1.0 standard (sarifLog → runs[] → tool.driver.rules[],
//! results[] with ruleId, level, message.text and physicalLocation.region), as GitHub code
//! scanning reads it (docs.github.com, "SARIF support for code scanning").

use super::Reported;
use bulwark::blueprint::render::line_column;
use bulwark::blueprint::{Diagnostic, Severity};
use bulwark::report::{PublicAccess, Report};
use serde_json::{Value, json};

/// The schema a SARIF 2.1.0 log names (the copy GitHub's documentation uses).
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// One result before it is written: its rule, level, message and place in the blueprint.
struct Finding {
    rule: &'static str,
    level: &'static str,
    message: String,
    /// The blueprint's path as given (`-` for standard input: no location).
    file: String,
    /// 1-based start and exclusive end (line, column), or a line alone.
    region: Option<Value>,
}

/// A rule's description, for the rules of the security findings.
struct Rule {
    id: &'static str,
    level: &'static str,
    description: &'static str,
}

const FINDING_RULES: &[Rule] = &[
    Rule {
        id: "waiver",
        level: "warning",
        description: "A waiver weakens one hardened control of one component until it expires.",
    },
    Rule {
        id: "shared-access-key",
        level: "warning",
        description: "A `local-auth` waiver creates a SAS authorization rule: a shared key that grants access without Entra ID.",
    },
    Rule {
        id: "public-network-access",
        level: "warning",
        description: "A waiver opens the resource's public network access (`publicNetworkAccess: 'Enabled'`).",
    },
    Rule {
        id: "internet-entry-point",
        level: "note",
        description: "The component is reachable from the internet: through Front Door and its WAF, or directly under a waiver.",
    },
    Rule {
        id: "audit-only-policy",
        level: "note",
        description: "In this environment Azure Policy reports non-compliant resources but does not deny them (`policy = \"audit\"`).",
    },
];

/// A SARIF log of blueprint diagnostics.
pub fn diagnostics(reported: &[Reported]) -> Value {
    log(diagnostic_findings(reported), &[])
}

/// A SARIF log of the security findings of a blueprint's report, with its diagnostics
/// (warnings) too. `line_of` gives the line of a blueprint key, for findings whose report
/// row cites none.
pub fn findings(
    report: &Report,
    file: &str,
    line_of: &dyn Fn(&str) -> Option<usize>,
    reported: &[Reported],
) -> Value {
    let at = |line: Option<usize>| line.map(|line| json!({ "startLine": line }));
    let cited = |from: &Option<bulwark::report::Cite>| at(from.as_ref().map(|cite| cite.line));
    let mut found = Vec::new();
    let mut push = |rule: &'static str, message: String, region: Option<Value>| {
        let level = FINDING_RULES
            .iter()
            .find(|r| r.id == rule)
            .map_or("note", |r| r.level);
        found.push(Finding {
            rule,
            level,
            message,
            file: file.to_string(),
            region,
        });
    };
    for waiver in &report.waivers {
        push(
            "waiver",
            format!(
                "{}: `{}` waived until {}: {} (weakened: {})",
                waiver.component, waiver.control, waiver.expires, waiver.reason, waiver.weakened
            ),
            cited(&waiver.from),
        );
    }
    for key in &report.sas_keys {
        push(
            "shared-access-key",
            format!(
                "{}: SAS rule `{}` on {} `{}` ({}) until {}",
                key.component,
                key.rule,
                key.entity_kind,
                key.entity,
                key.rights.join(", "),
                key.expires
            ),
            cited(&key.from),
        );
    }
    for row in &report.exposure {
        if row.access == PublicAccess::Waived {
            push(
                "public-network-access",
                format!(
                    "{} ({}) accepts public network traffic: {}",
                    row.resource, row.resource_type, row.detail
                ),
                cited(&row.from),
            );
        }
    }
    for entry in &report.entry_points {
        push(
            "internet-entry-point",
            format!(
                "{} is reachable from the internet: {}; {}",
                entry.component, entry.path, entry.protection
            ),
            cited(&entry.from),
        );
    }
    for environment in &report.environments {
        if environment.policy == "audit" {
            let line = line_of(&format!(
                "governance.environments.{}.policy",
                environment.name
            ))
            .or_else(|| line_of("governance.policy"))
            .or_else(|| line_of("app.environments"));
            push(
                "audit-only-policy",
                format!(
                    "environment `{}`: Azure Policy audits non-compliant resources but does not deny them",
                    environment.name
                ),
                at(line),
            );
        }
    }
    found.extend(diagnostic_findings(reported));
    log(found, FINDING_RULES)
}

fn diagnostic_findings(reported: &[Reported]) -> Vec<Finding> {
    reported
        .iter()
        .flat_map(|file| {
            file.diagnostics
                .iter()
                .map(|diagnostic| diagnostic_finding(diagnostic, file))
        })
        .collect()
}

fn diagnostic_finding(diagnostic: &Diagnostic, file: &Reported) -> Finding {
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let region = diagnostic.span.as_ref().map(|span| {
        let (start_line, start_column) = line_column(&file.text, span.start);
        let (end_line, end_column) = line_column(&file.text, span.end);
        json!({
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
        })
    });
    Finding {
        rule: diagnostic.code,
        level: match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        message,
        file: file.name.clone(),
        region,
    }
}

/// A blueprint path as a SARIF artifact URI: from the repository root in GitHub Actions
/// (as annotations name it), `/`-separated, with anything but unreserved characters and `/`
/// percent-encoded (RFC 3986).
fn uri(file: &str) -> Option<String> {
    let path = super::annotation_file(file)?;
    Some(
        path.bytes()
            .map(|byte| {
                if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
                    (byte as char).to_string()
                } else {
                    format!("%{byte:02X}")
                }
            })
            .collect(),
    )
}

fn log(found: Vec<Finding>, described: &[Rule]) -> Value {
    // Rules: the described ones first, then each diagnostic code in order of name.
    let mut ids: Vec<&'static str> = described.iter().map(|rule| rule.id).collect();
    let mut codes: Vec<&'static str> = found
        .iter()
        .map(|finding| finding.rule)
        .filter(|rule| !ids.contains(rule))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    ids.extend(codes);
    let rules: Vec<Value> = ids
        .iter()
        .map(|id| match described.iter().find(|rule| rule.id == *id) {
            Some(rule) => json!({
                "id": rule.id,
                "shortDescription": { "text": rule.description },
                "defaultConfiguration": { "level": rule.level },
                "properties": { "tags": ["security"] },
            }),
            None => json!({
                "id": id,
                "shortDescription": { "text": format!("bulwark blueprint diagnostic `{id}`") },
            }),
        })
        .collect();
    let results: Vec<Value> = found
        .iter()
        .map(|finding| {
            let mut result = json!({
                "ruleId": finding.rule,
                "ruleIndex": ids.iter().position(|id| *id == finding.rule),
                "level": finding.level,
                "message": { "text": finding.message },
            });
            if let Some(uri) = uri(&finding.file) {
                let mut physical = json!({ "artifactLocation": { "uri": uri } });
                if let Some(region) = &finding.region {
                    physical["region"] = region.clone();
                }
                result["locations"] = json!([{ "physicalLocation": physical }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "bulwark",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/bulwark-bicep/bulwark",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
