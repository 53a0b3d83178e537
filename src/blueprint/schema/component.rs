//! The schema of a component: its `kind` selects one `if`/`then` branch per kind, each the
//! kind's settings with the validator's name rules on its parts, the catalogue's sizing
//! values and the fields that may differ per environment.

use crate::blueprint::{
    AiSearch, AppConfiguration, ComponentSpec, ContainerApp, ContainerRegistry, CosmosDb,
    EventHubs, External, FunctionApp, KeyVault, Kind, OpenAi, PartKind, Postgres, Redis,
    ServiceBus, SqlDatabase, Storage, WebApp,
};
use crate::catalog::{self, Allowed, naming};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};
use std::borrow::Cow;

/// The settings schema of one kind, inline (its nested types stay references).
fn settings_schema(kind: Kind, generator: &mut SchemaGenerator) -> Schema {
    match kind {
        Kind::WebApp => WebApp::json_schema(generator),
        Kind::FunctionApp => FunctionApp::json_schema(generator),
        Kind::ContainerApp => ContainerApp::json_schema(generator),
        Kind::Storage => Storage::json_schema(generator),
        Kind::KeyVault => KeyVault::json_schema(generator),
        Kind::ContainerRegistry => ContainerRegistry::json_schema(generator),
        Kind::SqlDatabase => SqlDatabase::json_schema(generator),
        Kind::Postgres => Postgres::json_schema(generator),
        Kind::CosmosDb => CosmosDb::json_schema(generator),
        Kind::ServiceBus => ServiceBus::json_schema(generator),
        Kind::EventHubs => EventHubs::json_schema(generator),
        Kind::Redis => Redis::json_schema(generator),
        Kind::AppConfiguration => AppConfiguration::json_schema(generator),
        Kind::OpenAi => OpenAi::json_schema(generator),
        Kind::AiSearch => AiSearch::json_schema(generator),
        Kind::External => External::json_schema(generator),
    }
}

/// Where each kind declares the names of its parts: a list field (`Items`), the keys of a
/// table (`Keys`), or the keys of a table under each key of another (`NestedKeys`). The
/// rule each follows is [`naming::part_rule`], the validator's.
enum Names {
    Items(&'static str),
    Keys(&'static str),
    NestedKeys(&'static str, &'static str),
    KeysAndItems(&'static str),
}

fn part_names(kind: Kind) -> Vec<(Names, PartKind)> {
    use Names::{Items, Keys, KeysAndItems, NestedKeys};
    match kind {
        Kind::Storage => vec![
            (Items("containers"), PartKind::Container),
            (Items("queues"), PartKind::Queue),
        ],
        Kind::KeyVault => vec![(Items("secrets"), PartKind::Secret)],
        Kind::Postgres => vec![(Items("databases"), PartKind::Database)],
        Kind::CosmosDb => vec![
            (Keys("databases"), PartKind::Database),
            (
                NestedKeys("databases", "containers"),
                PartKind::CosmosContainer,
            ),
        ],
        Kind::ServiceBus => vec![
            (Items("queues"), PartKind::Queue),
            (KeysAndItems("topics"), PartKind::Topic),
        ],
        Kind::EventHubs => vec![(Items("hubs"), PartKind::EventHub)],
        Kind::WebApp | Kind::FunctionApp | Kind::ContainerApp => {
            vec![(Items("app_roles"), PartKind::AppRole)]
        }
        _ => Vec::new(),
    }
}

/// The schema of a sizing value the catalogue allows for `kind`'s `field`.
fn sizing_rule(allowed: &Allowed) -> Map<String, Value> {
    let mut rule = Map::new();
    match allowed {
        Allowed::Text(values) => {
            rule.insert("type".into(), json!("string"));
            rule.insert("enum".into(), json!(values));
        }
        Allowed::Range(min, max) => {
            rule.insert("type".into(), json!("integer"));
            rule.insert("minimum".into(), json!(min));
            rule.insert("maximum".into(), json!(max));
        }
        Allowed::Values(values) => {
            rule.insert("type".into(), json!("integer"));
            rule.insert("enum".into(), json!(values));
        }
    }
    rule
}

/// The branch of one kind: its settings, `kind` itself and `preset`, name rules on its
/// parts, the catalogue's sizing values, and which fields may differ per environment.
fn kind_branch(kind: Kind, generator: &mut SchemaGenerator) -> Value {
    let mut settings = settings_schema(kind, generator).to_value();
    let spec = catalog::kind_spec(kind);
    let required = settings
        .as_object_mut()
        .and_then(|s| s.remove("required"))
        .unwrap_or_else(|| json!([]));
    let properties = settings["properties"]
        .as_object_mut()
        .expect("every kind's settings are a struct");
    for sizing in spec.sizing {
        if let Some(property) = properties
            .get_mut(sizing.field)
            .and_then(Value::as_object_mut)
        {
            for (key, value) in sizing_rule(&sizing.allowed) {
                if key == "type" && property.contains_key("$ref") {
                    continue;
                }
                property.insert(key, value);
            }
        }
    }
    add_part_name_rules(kind, properties);
    add_environments(kind, spec, properties);
    properties.insert(
        "kind".into(),
        json!({ "const": kind.as_str(), "description": spec.summary }),
    );
    properties.insert(
        "preset".into(),
        json!({
            "type": "string",
            "pattern": "^[^/\\s]+/[^/\\s]+$",
            "description": "A preset of a library in [libraries], `<library>/<preset>`, whose settings this component starts from; its own settings win.",
            "examples": ["platform/web-standard"],
        }),
    );
    let object = settings.as_object_mut().expect("a struct's schema");
    object.remove("title");
    // With a preset, the preset may supply the required settings.
    if required.as_array().is_some_and(|r| !r.is_empty()) {
        object.insert(
            "allOf".into(),
            json!([{
                "if": { "not": { "required": ["preset"] } },
                "then": { "required": required },
            }]),
        );
    }
    json!({
        "if": { "properties": { "kind": { "const": kind.as_str() } }, "required": ["kind"] },
        "then": settings,
    })
}

/// The validator's name rules on the names of `kind`'s parts, in its settings' properties.
fn add_part_name_rules(kind: Kind, properties: &mut Map<String, Value>) {
    for (names, part) in part_names(kind) {
        let rule = naming::part_rule(kind, part).json_schema();
        match names {
            Names::Items(field) => {
                if let Some(property) = properties.get_mut(field) {
                    property["items"] = rule;
                }
            }
            Names::Keys(field) => {
                if let Some(property) = properties.get_mut(field) {
                    property["propertyNames"] = rule;
                }
            }
            Names::KeysAndItems(field) => {
                if let Some(property) = properties.get_mut(field) {
                    property["propertyNames"] = rule.clone();
                    let subscription = naming::part_rule(kind, PartKind::Subscription);
                    property["additionalProperties"] = json!({
                        "type": "array",
                        "items": subscription.json_schema(),
                    });
                }
            }
            Names::NestedKeys(outer, inner) => {
                if let Some(property) = properties.get_mut(outer) {
                    // The inner table is a referenced type; narrow it here, for this kind.
                    property["additionalProperties"] = json!({
                        "allOf": [property["additionalProperties"].take()],
                        "properties": { inner: { "propertyNames": rule } },
                    });
                }
            }
        }
    }
}

/// `environments`, for kinds that size anything: per environment, only the catalogue's
/// sizing fields (and a container app's image tag), with the values the catalogue allows.
fn add_environments(kind: Kind, spec: &catalog::KindSpec, properties: &mut Map<String, Value>) {
    if !properties.contains_key("environments") {
        return;
    }
    let mut fields: Map<String, Value> = spec
        .sizing
        .iter()
        .map(|sizing| {
            (
                sizing.field.to_string(),
                Value::Object(sizing_rule(&sizing.allowed)),
            )
        })
        .collect();
    if kind == Kind::ContainerApp {
        fields.insert(
            ContainerApp::IMAGE_TAG.into(),
            json!({ "type": "string", "description": "The tag of a registry image in this environment." }),
        );
    }
    properties.insert(
        "environments".into(),
        json!({
            "description": "Sizing per environment (environment name → field → value); only these fields may differ.",
            "type": "object",
            "propertyNames": naming::ENVIRONMENT_NAME.json_schema(),
            "additionalProperties": {
                "type": "object",
                "additionalProperties": false,
                "properties": fields,
            },
        }),
    );
}

impl JsonSchema for ComponentSpec {
    fn schema_name() -> Cow<'static, str> {
        "ComponentSpec".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let kinds: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
        let branches: Vec<Value> = Kind::ALL
            .iter()
            .map(|kind| kind_branch(*kind, generator))
            .collect();
        let descriptions: Vec<String> = Kind::ALL
            .iter()
            .map(|kind| format!("`{kind}`: {}", catalog::kind_spec(*kind).summary))
            .collect();
        Schema::try_from(json!({
            "description": "A component: its `kind` selects which settings it takes.",
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": {
                    "type": "string",
                    "enum": kinds,
                    "description": format!("What the component is. {}", descriptions.join("; ")),
                },
            },
            "allOf": branches,
        }))
        .expect("an object is a schema")
    }
}
