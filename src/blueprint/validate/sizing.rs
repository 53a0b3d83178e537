//! Sizing (SKUs, capacity, replicas): values a kind offers, in the base table and in each
//! environment's overrides, which may only name declared environments and sizing fields.

use super::images::check_override_image_tag;
use super::names::unknown_environment;
use crate::blueprint::diagnostic::{Diagnostic, closest, one_of, shown};
use crate::blueprint::model::{Component, ComponentSpec, ContainerApp, Kind, SizingValue};
use crate::catalog::{self, Allowed};

/// Sizing fields: base values and per-environment overrides take only allowed values, and
/// overrides name declared environments and sizing fields of the kind.
pub(super) fn validate_sizing(
    component: &Component,
    environments: &[String],
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let spec = catalog::kind_spec(component.kind());
    for (field, value) in component.spec.sizing() {
        if let Some(sizing) = spec.sizing_spec(field) {
            diagnostics.extend(check_sizing(
                sizing,
                &value,
                format!("{path}.{field}"),
                component.kind(),
            ));
        }
    }
    let Some(overrides) = component.spec.overrides() else {
        return;
    };
    for (environment, fields) in overrides {
        let env_path = format!("{path}.environments.{environment}");
        if !environments.contains(environment) {
            diagnostics.push(unknown_environment(
                environment,
                env_path.clone(),
                environments,
            ));
            continue;
        }
        for (field, value) in fields {
            let field_path = format!("{env_path}.{field}");
            if let ComponentSpec::ContainerApp(app) = &component.spec
                && field == ContainerApp::IMAGE_TAG
            {
                diagnostics.extend(check_override_image_tag(app, value, field_path));
                continue;
            }
            match spec.sizing_spec(field) {
                Some(sizing) => {
                    diagnostics.extend(check_sizing(sizing, value, field_path, component.kind()))
                }
                None => {
                    let mut fields: Vec<&str> = spec.sizing.iter().map(|s| s.field).collect();
                    if component.kind() == Kind::ContainerApp {
                        fields.push(ContainerApp::IMAGE_TAG);
                    }
                    let diagnostic = Diagnostic::error(
                        "not-sizing",
                        format!(
                            "`{}` cannot differ per environment for a {}",
                            shown(field),
                            component.kind()
                        ),
                    )
                    .at_key(field_path)
                    .expected(if fields.is_empty() {
                        "nothing: this kind has no sizing".to_string()
                    } else {
                        one_of(&fields)
                    });
                    let image_field = component.kind() == Kind::ContainerApp
                        && (field.contains("tag") || field == "image");
                    diagnostics.push(match closest(field, fields.iter().copied()) {
                        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                        None if image_field => diagnostic.help(format!(
                            "a registry image's tag varies per environment as `{} = \"…\"`; the rest of the image is the same everywhere",
                            ContainerApp::IMAGE_TAG
                        )),
                        None => diagnostic.help("only sizing (SKUs, capacity, replicas) varies by environment; everything else is the same everywhere"),
                    });
                }
            }
        }
    }
}

/// One sizing value (at `path`) against what the kind allows for its field.
fn check_sizing(
    spec: &catalog::SizingSpec,
    value: &SizingValue,
    path: String,
    kind: Kind,
) -> Option<Diagnostic> {
    let field = spec.field;
    match (&spec.allowed, value) {
        (Allowed::Text(allowed), SizingValue::Text(text)) => {
            if allowed.contains(&text.as_str()) {
                return None;
            }
            let diagnostic = Diagnostic::error(
                "unsupported-sku",
                format!(
                    "`{}` is not a {} a {kind} can use",
                    shown(text),
                    if field == "sku" { "SKU" } else { field }
                ),
            )
            .at(path)
            .expected(one_of(*allowed));
            Some(match spec.rejected.iter().find(|(bad, _)| bad.eq_ignore_ascii_case(text)) {
                Some((_, why)) => diagnostic.help(format!("{why}; `{}` is the smallest that meets the baseline", allowed[0])),
                None => match closest(text, allowed.iter().copied()) {
                    Some(near) => diagnostic.help(format!("did you mean `{near}`? (values are case-sensitive)")),
                    None => diagnostic.help(format!("bulwark offers only values that meet the baseline; `{}` is the smallest", allowed[0])),
                },
            })
        }
        (Allowed::Range(min, max), SizingValue::Int(number)) => (number < min || number > max)
            .then(|| {
                Diagnostic::error("out-of-range", format!("{field} {number} is out of range"))
                    .at(path)
                    .expected(format!("{min} to {max}"))
                    .help(format!(
                        "{field} sizes the {kind}; start small and raise it per environment"
                    ))
            }),
        (Allowed::Values(allowed), SizingValue::Int(number)) => {
            (!allowed.contains(number)).then(|| {
                Diagnostic::error("out-of-range", format!("{field} {number} is not offered"))
                    .at(path)
                    .expected(one_of(allowed.iter()))
                    .help(format!(
                        "Azure offers a {kind}'s {field} only in these steps"
                    ))
            })
        }
        (Allowed::Text(_), SizingValue::Int(_)) => Some(
            Diagnostic::error("wrong-type", format!("`{field}` must be a string"))
                .at(path)
                .expected("a string in double quotes")
                .help("write it in double quotes"),
        ),
        (_, SizingValue::Text(_)) => Some(
            Diagnostic::error("wrong-type", format!("`{field}` must be a number"))
                .at(path)
                .expected("a number without quotes")
                .help("write the number without quotes"),
        ),
    }
}
