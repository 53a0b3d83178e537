//! The blueprint: the typed model, TOML loading with spans, the builder API and validation.

mod builder;
pub mod diagnostic;
mod governance;
mod kinds;
#[doc(hidden)]
pub mod library;
pub mod load;
mod model;
pub mod render;
#[doc(hidden)]
pub mod scale;
pub mod schema;
#[doc(hidden)]
pub mod settings;
mod validate;

pub use builder::BlueprintBuilder;
pub use diagnostic::{Diagnostic, Severity, SourceMap};
pub use governance::*;
pub use load::Loaded;
pub use model::*;
pub use validate::{
    RESERVED_SETTINGS, counted_resource_types, fewest_deployments, front_threads,
    resource_group_limits, resource_type_limits, validate, validate_on, validate_on_threads,
};

pub use schema::{SCHEMA_VERSION, json_schema, library_json_schema};
