//! The blueprint: the typed model, TOML loading with spans, the builder API and validation.

mod builder;
pub mod diagnostic;
mod governance;
mod kinds;
pub mod library;
pub mod load;
mod model;
pub mod render;
mod validate;

pub use builder::BlueprintBuilder;
pub use diagnostic::{Diagnostic, Severity, SourceMap};
pub use governance::*;
pub use load::Loaded;
pub use model::*;
pub use validate::{RESERVED_SETTINGS, validate, validate_on};

/// The JSON Schema of the blueprint file format (what `bulwark schema` prints).
pub fn json_schema() -> serde_json::Value {
    #[derive(schemars::JsonSchema)]
    #[schemars(deny_unknown_fields, title = "bulwark blueprint")]
    #[allow(dead_code)]
    struct BlueprintFile {
        app: App,
        #[serde(default)]
        network: Option<Network>,
        /// Components by name; each has a `kind` and that kind's settings.
        components: std::collections::BTreeMap<String, ComponentSpec>,
    }
    let schema = schemars::schema_for!(BlueprintFile);
    serde_json::to_value(schema).expect("a schema always serializes")
}
