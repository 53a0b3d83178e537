//! A compute component's app settings in the plan: what its connections give it (the names
//! and values live in `blueprint::settings`) and the blueprint's plain settings.

use super::{AppSetting, ByName};
pub use crate::blueprint::settings::{
    CallHost, RESERVED_SETTINGS, SettingValue, call_settings, connection_settings,
    is_reserved_setting, settings_for,
};
use crate::blueprint::{Component, ComponentSpec};

/// A compute component's settings: each connection's (a setting two connections to the
/// same target share is written once), then the blueprint's plain settings.
pub fn app_settings(app: &str, components: &ByName<'_>, component: &Component) -> Vec<AppSetting> {
    let (uses, plain) = match &component.spec {
        ComponentSpec::WebApp(spec) => (&spec.uses, &spec.settings),
        ComponentSpec::FunctionApp(spec) => (&spec.uses, &spec.settings),
        ComponentSpec::ContainerApp(spec) => (&spec.uses, &spec.settings),
        _ => return Vec::new(),
    };
    let mut settings: Vec<AppSetting> = Vec::new();
    for (index, connection) in uses.iter().enumerate() {
        let because = (
            format!("components.{}.uses[{index}]", component.name),
            format!(
                "{} {} {}",
                component.name,
                connection.access.verb(),
                connection.to
            ),
        );
        for (name, value) in settings_for(app, components, connection) {
            if settings
                .iter()
                .any(|existing| existing.name == name && existing.value == value)
            {
                continue;
            }
            settings.push(AppSetting {
                name,
                value,
                because: because.clone(),
            });
        }
    }
    for (name, value) in plain {
        settings.push(AppSetting {
            name: name.clone(),
            value: SettingValue::Literal(value.clone()),
            because: (
                format!("components.{}.settings.{name}", component.name),
                "plain setting from the blueprint".to_string(),
            ),
        });
    }
    settings
}
