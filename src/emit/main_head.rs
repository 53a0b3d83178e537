//! The head of main.bicep: its target scope, the parameters every deployment takes, the tags
//! and lock variables, one user-assigned identity per compute component, and the parameters
//! whose value differs per environment.

use super::{Context, MainParam, SECRET_VALUES, common, identity_symbol, infra, sizing_literal};
use crate::bicep::{
    Expr, File, Param, Property, Resource, Statement, StatementKind, Type, interp, text,
};
use crate::blueprint::SizingValue;
use crate::catalog::types;
use crate::plan::{PerEnvironment, Plan};

/// Target scope, parameters (environment, location, secret values) and the `tags` and lock
/// variables.
pub fn push_parameters(ctx: &Context, main: &mut File) {
    let plan = ctx.plan;
    main.push(StatementKind::TargetScope("resourceGroup".into()));
    main.push(
        Param::new("environmentName", Type::String)
            .description("Environment to deploy; each has a main.<environment>.bicepparam file.")
            .allowed(
                plan.environments
                    .iter()
                    .map(|e| Expr::str(e.as_str()))
                    .collect(),
            ),
    );
    main.push(
        Param::new("location", Type::String)
            .description("Azure region for every regional resource.")
            .default(Expr::path("resourceGroup().location")),
    );
    if !plan.secret_inputs.is_empty() {
        // One secure object rather than a parameter per secret: ARM allows 256 parameters.
        main.push(Param::new(SECRET_VALUES, Type::Object).secure().description(
            "Key Vault secret values, one key per secret; the parameter files read each from an environment variable (see the README).",
        ));
        main.push(
            Param::new("secretExpiry", Type::Int)
                .description("Expiry of every Key Vault secret this deployment sets, as Unix time; one year from deployment by default.")
                .default(Expr::call(
                    "dateTimeToEpoch",
                    vec![Expr::call("dateTimeAdd", vec![Expr::call("utcNow", vec![]), "P1Y".into()])],
                )),
        );
    }
    main.push(StatementKind::Var {
        name: "tags".into(),
        value: Expr::object(
            [
                Property::new("app", plan.app.as_str()),
                Property::new("environment", Expr::ident("environmentName")),
                Property::new("managed-by", "bulwark"),
            ]
            .into_iter()
            .chain(
                plan.governance
                    .tags
                    .iter()
                    .map(|(name, value)| Property::new(name.clone(), value.as_str())),
            ),
        ),
    });
    if let PerEnvironment::Each(locks) = plan.governance.locks() {
        let locked: Vec<&str> = locks
            .iter()
            .filter(|(_, locked)| **locked)
            .map(|(environment, _)| environment.as_str())
            .collect();
        main.push(
            Statement::from(StatementKind::Var {
                name: common::LOCK_VARIABLE.into(),
                value: infra::environment_in(&locked),
            })
            .with_comment("Environments whose blueprint asks for locks on stateful resources"),
        );
    }
}

/// One user-assigned identity per compute component, declared in main.bicep so every module
/// that grants it a role can name its principal.
pub fn push_identities(plan: &Plan, main: &mut File) {
    for component in plan.components.iter().filter(|c| c.is_compute()) {
        main.push(
            Statement::from(
                Resource::new(
                    identity_symbol(&component.name),
                    types::USER_ASSIGNED_IDENTITY.name,
                    types::USER_ASSIGNED_IDENTITY.api_version,
                )
                .prop(
                    "name",
                    Expr::interp([
                        text(format!("id-{}-{}-", plan.app, component.name)),
                        interp(Expr::ident("environmentName")),
                    ]),
                )
                .prop("location", Expr::ident("location"))
                .prop("tags", Expr::ident("tags")),
            )
            .with_comment(format!(
                "{}: its own user-assigned identity ({})",
                component.name,
                component.path()
            )),
        );
    }
}

/// The parameters set per environment (the components' sizing that differs), declared with
/// the other parameters, before the variables.
pub fn insert_environment_params(main: &mut File, main_params: &[&MainParam]) {
    let position = main
        .statements
        .iter()
        .position(|statement| matches!(statement.kind, StatementKind::Var { .. }))
        .unwrap_or(main.statements.len());
    for (offset, param) in main_params.iter().enumerate() {
        let ty = match param.values.values().next() {
            Some(SizingValue::Int(_)) => Type::Int,
            _ => Type::String,
        };
        let mut allowed: Vec<&SizingValue> = param.values.values().collect();
        allowed.sort();
        allowed.dedup();
        main.statements.insert(
            position + offset,
            Param::new(&param.name, ty)
                .description(param.description.clone())
                .allowed(allowed.into_iter().map(sizing_literal).collect())
                .into(),
        );
    }
}
