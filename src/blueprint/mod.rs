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
        /// Blueprint libraries by name: `platform = { path = "../platform", version = "1" }`.
        #[serde(default)]
        libraries: Option<std::collections::BTreeMap<String, LibraryImport>>,
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
        tags: Option<std::collections::BTreeMap<String, String>>,
        /// Controls weakened on purpose, each with a reason and an expiry.
        #[serde(default)]
        waivers: Option<Vec<Waiver>>,
        /// Components by name; each has a `kind` and that kind's settings.
        components: std::collections::BTreeMap<String, ComponentSpec>,
    }
    #[derive(schemars::JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    struct LibraryImport {
        /// The folder holding the library's bulwark-library.toml, relative to the blueprint.
        path: String,
        /// The versions accepted, e.g. "1" or "1.4".
        #[serde(default)]
        version: Option<String>,
    }
    let schema = schemars::schema_for!(BlueprintFile);
    serde_json::to_value(schema).expect("a schema always serializes")
}
