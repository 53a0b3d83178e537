//! The JSON Schemas `bulwark schema` prints: the blueprint's and the library manifest's.
//!
//! Both are derived from the types the loader deserializes (schemars, beside serde), and the
//! rules the validator applies are added from the same tables it reads: the name rules of
//! [`crate::catalog::naming`], the sizing values of the catalogue, the loader's top-level
//! keys and kinds. A component's settings are selected by its `kind` with `if`/`then`, so an
//! editor points at the bad key inside the component rather than at the whole table.

use super::{App, ComponentSpec, Deployment, Governance, Monitoring, Network, Waiver};
use crate::catalog::naming;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};
use std::collections::BTreeMap;

mod component;

/// The version of the blueprint format the schemas describe; part of their `$id`.
pub const SCHEMA_VERSION: &str = "1";

/// Where the blueprint schema says it lives (its `$id`).
pub fn blueprint_schema_id() -> String {
    format!("https://bulwark-bicep.github.io/schema/v{SCHEMA_VERSION}/blueprint.json")
}

/// Where the library manifest schema says it lives (its `$id`).
pub fn library_schema_id() -> String {
    format!("https://bulwark-bicep.github.io/schema/v{SCHEMA_VERSION}/library.json")
}

// The validator's value rules, as patterns (each names the check it mirrors).

/// An IPv4 address (`validate::parse_ipv4`).
pub const IPV4: &str = concat!(
    "^",
    "0*(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])",
    "(\\.0*(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$"
);
/// An IPv4 CIDR block with any prefix (`address::parse_cidr_within`).
pub const CIDR: &str = concat!(
    "^",
    "0*(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])",
    "(\\.0*(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}",
    "/0*(3[0-2]|[12]?[0-9])$"
);
/// An address space: an IPv4 CIDR block from /8 to /24 (`address::parse_cidr`).
pub const ADDRESS_SPACE: &str = concat!(
    "^",
    "0*(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])",
    "(\\.0*(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}",
    "/0*(2[0-4]|1[0-9]|[89])$"
);
/// The resource id of a `resource_type` resource as `address::parse_resource_id`
/// reads it: fixed words in any case (written `[sS]…`, since JSON Schema patterns have no
/// case-insensitive flag), a GUID subscription.
fn resource_id_pattern(resource_type: &str) -> String {
    let any_case = |word: &str| -> String {
        word.chars()
            .map(|c| {
                if c.is_ascii_alphabetic() {
                    format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                } else if c == '.' {
                    "\\.".to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    };
    format!(
        "^/{}/{}/{}/[^/]+/{}/{}/[^/]+$",
        any_case("subscriptions"),
        &GUID[1..GUID.len() - 1],
        any_case("resourceGroups"),
        any_case("providers"),
        any_case(resource_type),
    )
}

/// `vnet_id`: a virtual network's resource id.
pub(super) fn vnet_id(schema: &mut Schema) {
    schema.insert(
        "pattern".into(),
        json!(resource_id_pattern("Microsoft.Network/virtualNetworks")),
    );
}

/// A network security perimeter's resource id.
pub(super) fn perimeter_id(schema: &mut Schema) {
    schema.insert(
        "pattern".into(),
        json!(resource_id_pattern(
            "Microsoft.Network/networkSecurityPerimeters"
        )),
    );
}
/// A GUID, such as an Entra object id (`validate::is_guid`).
pub const GUID: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
/// A health check path: `/` then printable ASCII, no spaces (`validate_health_check`).
pub const HEALTH_CHECK_PATH: &str = "^/[!-~]*$";
/// An app setting name (`naming::is_setting_name`).
pub const SETTING_NAME: &str = "^[A-Za-z_][A-Za-z0-9_]*$";
/// A Cosmos DB partition key path (the validator's `invalid-partition-key` check).
pub const PARTITION_KEY: &str = "^/[A-Za-z0-9/_-]+$";
/// A connection's target: a component name, then optionally `.` and a part (which may be
/// `topic/subscription` or `database/container`).
pub const TARGET: &str = "^[a-z][a-z0-9-]*(\\.[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)?)?$";

/// A blueprint as the loader reads it: the top-level tables it knows (a test checks they
/// are the loader's own list).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, title = "bulwark blueprint")]
#[allow(dead_code)]
struct BlueprintFile {
    app: App,
    /// Blueprint libraries by name: `platform = { path = "../platform", version = "1" }`.
    #[serde(default)]
    libraries: Option<BTreeMap<String, LibraryImport>>,
    #[serde(default)]
    network: Option<Network>,
    #[serde(default)]
    governance: Option<Governance>,
    #[serde(default)]
    monitoring: Option<Monitoring>,
    #[serde(default)]
    deployment: Option<Deployment>,
    /// Tags on every resource that takes tags: name = value.
    #[serde(default)]
    tags: Option<BTreeMap<String, String>>,
    /// Controls weakened on purpose, each with a reason and an expiry.
    #[serde(default)]
    waivers: Option<Vec<Waiver>>,
    /// Components by name; each has a `kind` and that kind's settings.
    #[schemars(transform = component_names)]
    components: BTreeMap<String, ComponentSpec>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct LibraryImport {
    /// The folder holding the library's bulwark-library.toml, relative to the blueprint.
    path: String,
    /// The versions accepted, a semver requirement such as "1" or "1.4".
    #[serde(default)]
    version: Option<String>,
}

/// The top-level keys of `BlueprintFile`, for the test that they are the loader's.
pub fn top_level_keys() -> Vec<String> {
    let schema = json_schema();
    schema["properties"]
        .as_object()
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

/// JSON Schema 2020-12, without the `null` schemars offers for an `Option`: TOML has no null,
/// a missing key is how a TOML file leaves an option out, and a `$ref` alone lets an editor
/// point at the bad key inside the table instead of "not valid under any of the schemas".
fn generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .with_transform(without_null)
        .into_generator()
}

fn without_null(schema: &mut Schema) {
    schemars::transform::transform_subschemas(&mut without_null, schema);
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".into(), only);
        }
    }
    let Some(Value::Array(branches)) = object.get("anyOf") else {
        return;
    };
    let null = json!({ "type": "null" });
    if branches.len() == 2 && branches.contains(&null) {
        let kept = branches.iter().find(|b| **b != null).cloned();
        object.remove("anyOf");
        if let Some(Value::Object(kept)) = kept {
            for (key, value) in kept {
                object.entry(key).or_insert(value);
            }
        }
    }
}

/// The JSON Schema of the blueprint file format (what `bulwark schema` prints).
pub fn json_schema() -> Value {
    let mut schema = generator().into_root_schema_for::<BlueprintFile>();
    let object = schema.ensure_object();
    object.insert("$id".into(), json!(blueprint_schema_id()));
    object.insert(
        "description".into(),
        json!(format!(
            "A bulwark blueprint (format version {SCHEMA_VERSION}, bulwark {}): an Azure application's components and the connections between them.",
            env!("CARGO_PKG_VERSION")
        )),
    );
    object.insert(
        "examples".into(),
        json!([{
            "app": { "name": "shop", "environments": ["dev", "prod"] },
            "components": {
                "web": {
                    "kind": "web-app",
                    "runtime": "node:22",
                    "uses": [{ "to": "media.images", "access": "read" }]
                },
                "media": { "kind": "storage", "containers": ["images"] }
            }
        }]),
    );
    schema.to_value()
}

/// The JSON Schema of `bulwark-library.toml` (what `bulwark schema --library` prints): a
/// preset is a component's settings with its `kind`, checked as a component is.
pub fn library_json_schema() -> Value {
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields, title = "bulwark library")]
    #[allow(dead_code)]
    struct LibraryFile {
        library: LibraryInfo,
        /// Organisation defaults for blueprints whose `[app]` says `defaults = "<name>"`:
        /// the sections a blueprint's own values override.
        #[serde(default)]
        defaults: Option<LibraryDefaults>,
        /// Component presets by name, used as `preset = "<library>/<name>"`: a `kind` and
        /// that kind's settings (those a blueprint sets win; required ones may be left to it).
        #[serde(default)]
        #[schemars(transform = preset_names)]
        presets: Option<BTreeMap<String, ComponentSpec>>,
        /// Whole blueprints `bulwark new --library` offers, by name.
        #[serde(default)]
        templates: Option<BTreeMap<String, TemplateEntry>>,
    }
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    struct LibraryInfo {
        /// The library's name, as blueprints import it in `[libraries]`.
        name: String,
        /// Its semantic version, e.g. "1.4.0".
        #[schemars(regex(pattern = r"^\d+\.\d+\.\d+([-+].*)?$"))]
        version: String,
        #[serde(default)]
        description: Option<String>,
    }
    /// The sections a library may set defaults for (the loader's `DEFAULTABLE_SECTIONS`).
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    struct LibraryDefaults {
        #[serde(default)]
        network: Option<Network>,
        #[serde(default)]
        governance: Option<Governance>,
        #[serde(default)]
        monitoring: Option<Monitoring>,
        #[serde(default)]
        deployment: Option<Deployment>,
        #[serde(default)]
        tags: Option<BTreeMap<String, String>>,
    }
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    struct TemplateEntry {
        /// The blueprint file, relative to the library.
        file: String,
        #[serde(default)]
        description: Option<String>,
    }
    let mut schema = generator().into_root_schema_for::<LibraryFile>();
    let object = schema.ensure_object();
    object.insert("$id".into(), json!(library_schema_id()));
    object.insert(
        "description".into(),
        json!(format!(
            "A bulwark blueprint library, bulwark-library.toml (format version {SCHEMA_VERSION}): presets, organisation defaults and templates."
        )),
    );
    object.insert(
        "examples".into(),
        json!([{
            "library": { "name": "platform", "version": "1.4.0" },
            "presets": { "web-standard": { "kind": "web-app", "runtime": "node:22", "sku": "P1v3" } },
            "templates": { "starter": { "file": "templates/starter.toml" } }
        }]),
    );
    // Required settings of a preset's kind may be left to the blueprint that uses it.
    strip_required_in_presets(&mut schema);
    schema.to_value()
}

/// The library schema's component branches: a preset needs only its `kind`.
fn strip_required_in_presets(schema: &mut Schema) {
    if let Some(presets) = schema.pointer_mut("/properties/presets") {
        presets["additionalProperties"] = json!({ "$ref": "#/$defs/Preset" });
    }
    let Some(definitions) = schema
        .get_mut("$defs")
        .and_then(|defs| defs.as_object_mut())
    else {
        return;
    };
    let Some(mut preset) = definitions.get("ComponentSpec").cloned() else {
        return;
    };
    if let Some(branches) = preset.get_mut("allOf").and_then(Value::as_array_mut) {
        for branch in branches {
            if let Some(then) = branch.get_mut("then").and_then(Value::as_object_mut) {
                then.remove("allOf");
                if let Some(properties) = then.get_mut("properties").and_then(Value::as_object_mut)
                {
                    properties.remove("preset");
                }
            }
        }
    }
    definitions.insert("Preset".into(), preset);
    definitions.remove("ComponentSpec");
}

/// `[network] subnets`: subnet name → IPv4 CIDR block.
pub(super) fn subnet_pins(schema: &mut Schema) {
    schema.insert(
        "additionalProperties".into(),
        json!({ "type": "string", "pattern": CIDR }),
    );
}

/// App settings: names that work as environment variables.
pub(super) fn setting_names(schema: &mut Schema) {
    schema.insert(
        "propertyNames".into(),
        json!({ "type": "string", "pattern": SETTING_NAME }),
    );
}

/// Cosmos DB containers: container name → partition key path.
pub(super) fn partition_keys(schema: &mut Schema) {
    schema.insert(
        "additionalProperties".into(),
        json!({ "type": "string", "pattern": PARTITION_KEY, "examples": ["/customerId"] }),
    );
}

pub(super) fn app_rules(schema: &mut Schema) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(name) = properties.get_mut("name") {
        with_rule(name, &naming::APP_NAME);
    }
    if let Some(environments) = properties.get_mut("environments") {
        environments["minItems"] = json!(1);
        environments["uniqueItems"] = json!(true);
        environments["items"] = naming::ENVIRONMENT_NAME.json_schema();
        environments["examples"] = json!([["dev", "prod"]]);
    }
}

fn component_names(schema: &mut Schema) {
    schema.insert("propertyNames".into(), naming::COMPONENT_NAME.json_schema());
    schema.insert("minProperties".into(), json!(1));
}

fn preset_names(schema: &mut Schema) {
    schema.insert(
        "propertyNames".into(),
        json!({ "type": "string", "pattern": "^[^/\\s]+$" }),
    );
}

/// Add a name rule to a property schema, keeping its description.
fn with_rule(property: &mut Value, rule: &naming::NameRule) {
    let description = property.get("description").cloned();
    let mut rule = rule.json_schema();
    if let Some(description) = description {
        rule["description"] = description;
    }
    *property = rule;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_defaults_are_the_sections_the_loader_takes_defaults_for() {
        let schema = library_json_schema();
        let mut keys: Vec<&str> = schema["$defs"]["LibraryDefaults"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut sections = super::super::load::resolve::DEFAULTABLE_SECTIONS.to_vec();
        sections.sort_unstable();
        assert_eq!(keys, sections);
        assert!(schema["$defs"].get("ComponentSpec").is_none());
        assert!(schema["$defs"]["Preset"]["allOf"].is_array());
    }
}
