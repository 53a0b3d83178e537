//! `bicepconfig.json`: the linter settings the generated Bicep is built with.

use super::calls;

/// Linter rules that guard security are errors; the rest stay at Bicep's defaults.
pub fn bicepconfig() -> String {
    bicepconfig_with(false)
}

/// [`bicepconfig`], with the Microsoft Graph extension's alias when the templates create app
/// registrations (service-to-service calls).
pub fn bicepconfig_with(graph: bool) -> String {
    const ERRORS: &[&str] = &[
        "adminusername-should-not-be-literal",
        "no-hardcoded-env-urls",
        "no-hardcoded-location",
        "outputs-should-not-contain-secrets",
        "protect-commandtoexecute-secrets",
        "secure-parameter-default",
        "secure-params-in-nested-deploy",
        "secure-secrets-in-params",
        "use-secure-value-for-secure-inputs",
    ];
    let rules: serde_json::Map<String, serde_json::Value> = ERRORS
        .iter()
        .map(|rule| (rule.to_string(), serde_json::json!({ "level": "error" })))
        .collect();
    let mut config = serde_json::json!({
        "analyzers": { "core": { "enabled": true, "rules": rules } }
    });
    if graph {
        config["extensions"] = serde_json::json!({
            calls::GRAPH_EXTENSION: calls::GRAPH_EXTENSION_REFERENCE
        });
    }
    let mut text = serde_json::to_string_pretty(&config).expect("static JSON serializes");
    text.push('\n');
    text
}
