//! The bootstrap's grant modules: one per environment in the app's resource group, and one
//! per resource group the platform owns, with the grants there (on the group, or on
//! resources in it looked up as `existing`).

use super::principal_param;
use super::roles::{
    built_in, custom_role, grant_symbol, role_assignment, role_symbol, subscription_role,
    with_condition,
};
use crate::bicep::{self, Expr, File, Param, Resource, Type};
use crate::catalog::types;
use crate::deployer::{DeployerRole, Grant, GrantScope};
use crate::plan::Plan;
use crate::plan::network::parse_resource_id;
use std::collections::BTreeMap;

/// The grants of one environment in its app resource group.
pub(super) fn app_group_module(
    header: &str,
    plan: &Plan,
    all: &[Grant],
    environment: &str,
) -> File {
    let mut file = File::new(header);
    file.push(Param::new("principalId", Type::String).description(format!(
        "Principal id of the {environment} deploying identity."
    )));
    let principal = Expr::ident("principalId");
    let scope_id = Expr::path("resourceGroup().id");
    for grant in all.iter().filter(|grant| {
        grant.scope == GrantScope::AppResourceGroup
            && grant.environments.iter().any(|e| e == environment)
    }) {
        let symbol = grant_symbol(grant.role, None);
        let role_definition = match grant.role {
            DeployerRole::BuiltIn(_) => built_in(grant.role),
            DeployerRole::Custom(role) => {
                let definition = role_symbol(role);
                file.push(custom_role(&definition, role, &plan.app, scope_id.clone()));
                subscription_role(Expr::path(&format!("{definition}.name")))
            }
        };
        let mut assignment = role_assignment(
            &symbol,
            scope_id.clone(),
            &principal,
            &role_definition,
            grant,
            None,
        );
        if let Some(roles) = &grant.condition {
            assignment = with_condition(assignment, roles, &plan.app);
        }
        file.push(bicep::Statement::from(assignment).with_comment(comment(grant)));
    }
    file
}

/// The grants at one resource group the platform owns: on the group itself (an existing VNet's
/// group) or on resources in it, looked up as `existing`.
pub(super) fn platform_module(
    header: &str,
    app: &str,
    scope_grants: &[&Grant],
) -> Result<File, String> {
    let mut file = File::new(header);
    for environment in scope_environments(scope_grants) {
        file.push(
            Param::new(principal_param(&environment), Type::String).description(format!(
                "Principal id of the {environment} deploying identity."
            )),
        );
    }
    let mut defined: Vec<&'static str> = Vec::new();
    let mut existing: Vec<(String, String)> = Vec::new();
    for grant in scope_grants {
        let (scope_symbol, scope_id) = match &grant.scope {
            GrantScope::ResourceGroup { .. } => (None, Expr::path("resourceGroup().id")),
            GrantScope::Resource { id, resource_type } => {
                let symbol = match existing.iter().position(|(known, _)| known == id) {
                    Some(index) => format!("target{}", index + 1),
                    None => {
                        let parsed = parse_resource_id(id, resource_type)
                            .map_err(|problem| format!("`{id}`: {problem}"))?;
                        let api_version = types::ALL
                            .iter()
                            .find(|ty| ty.name.eq_ignore_ascii_case(resource_type))
                            .map(|ty| ty.api_version)
                            .ok_or_else(|| format!("no API version known for {resource_type}"))?;
                        existing.push((id.clone(), resource_type.clone()));
                        let symbol = format!("target{}", existing.len());
                        file.push(
                            bicep::Statement::from(
                                Resource::new(symbol.clone(), resource_type, api_version)
                                    .existing()
                                    .prop("name", parsed.name.as_str()),
                            )
                            .with_comment(id.clone()),
                        );
                        symbol
                    }
                };
                (Some(symbol.clone()), Expr::path(&format!("{symbol}.id")))
            }
            GrantScope::AppResourceGroup => unreachable!("platform scopes only"),
        };
        let role_definition = match grant.role {
            DeployerRole::BuiltIn(_) => built_in(grant.role),
            DeployerRole::Custom(role) => {
                let definition = role_symbol(role);
                if !defined.contains(&role.name) {
                    defined.push(role.name);
                    file.push(custom_role(
                        &definition,
                        role,
                        app,
                        Expr::path("resourceGroup().id"),
                    ));
                }
                subscription_role(Expr::path(&format!("{definition}.name")))
            }
        };
        for environment in &grant.environments {
            let symbol = grant_symbol(
                grant.role,
                Some((scope_symbol.as_deref().unwrap_or("group"), environment)),
            );
            let assignment = role_assignment(
                &symbol,
                scope_id.clone(),
                &Expr::ident(principal_param(environment)),
                &role_definition,
                grant,
                scope_symbol.as_deref(),
            );
            file.push(
                bicep::Statement::from(assignment)
                    .with_comment(format!("{environment}: {}", comment(grant))),
            );
        }
    }
    Ok(file)
}

fn comment(grant: &Grant) -> String {
    format!("{}: {}", grant.role.name(), grant.reason)
}

/// A resource group the platform owns (grouped without case, as Azure compares names).
pub(super) struct PlatformGroup {
    pub(super) subscription: String,
    pub(super) resource_group: String,
}

/// The grants outside the app's resource group, by the resource group they land in.
pub(super) fn platform_scopes(all: &[Grant]) -> Result<Vec<(PlatformGroup, Vec<&Grant>)>, String> {
    let mut scopes: BTreeMap<(String, String), (PlatformGroup, Vec<&Grant>)> = BTreeMap::new();
    for grant in all {
        let (subscription, resource_group) = match &grant.scope {
            GrantScope::AppResourceGroup => continue,
            GrantScope::ResourceGroup {
                subscription,
                resource_group,
            } => (subscription.clone(), resource_group.clone()),
            GrantScope::Resource { id, resource_type } => {
                let parsed = parse_resource_id(id, resource_type)
                    .map_err(|problem| format!("`{id}`: {problem}"))?;
                (parsed.subscription, parsed.resource_group)
            }
        };
        let key = (
            subscription.to_ascii_lowercase(),
            resource_group.to_ascii_lowercase(),
        );
        scopes
            .entry(key)
            .or_insert_with(|| {
                (
                    PlatformGroup {
                        subscription,
                        resource_group,
                    },
                    Vec::new(),
                )
            })
            .1
            .push(grant);
    }
    Ok(scopes.into_values().collect())
}

pub(super) fn scope_environments(scope_grants: &[&Grant]) -> Vec<String> {
    let mut environments: Vec<String> = scope_grants
        .iter()
        .flat_map(|grant| grant.environments.iter().cloned())
        .collect();
    environments.sort();
    environments.dedup();
    environments
}
