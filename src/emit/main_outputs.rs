//! The outputs of main.bicep: the concerns' own, the identities the database grant scripts
//! name, the app role assignments a platform team makes, and the object outputs grouping
//! each app's URL, private link approval and Container Apps DNS.

use super::{
    APP_ROLE_ASSIGNMENTS, DATABASE_IDENTITIES, ENVIRONMENT_DNS, MainOutput, PRIVATE_LINK_APPROVALS,
    URLS, identity_symbol,
};
use crate::bicep::{Expr, File, Property, Statement, StatementKind, Type};
use crate::catalog::naming;
use crate::plan::Plan;

/// Every output of main.bicep, in order: the concerns' (name, value, comment), database
/// identities, app role assignments, then the object outputs from `grouped_outputs`.
pub fn push(
    plan: &Plan,
    main: &mut File,
    concern_outputs: Vec<(String, Expr, String)>,
    grouped_outputs: &[MainOutput],
) {
    for (name, value, comment) in concern_outputs {
        let output = Statement::from(StatementKind::Output {
            name,
            ty: Type::String,
            value,
        });
        main.push(if comment.is_empty() {
            output
        } else {
            output.with_comment(comment)
        });
    }
    push_database_identities(plan, main);
    push_app_role_assignments(plan, main);
    push_grouped(main, grouped_outputs);
}

/// Each identity a database grant script names: its client id and principal id.
fn push_database_identities(plan: &Plan, main: &mut File) {
    let mut database_principals: Vec<&str> = plan
        .database_grants
        .iter()
        .map(|grant| grant.principal.as_str())
        .collect();
    database_principals.sort_unstable();
    database_principals.dedup();
    if !database_principals.is_empty() {
        let identities = database_principals.iter().map(|principal| {
            let identity = identity_symbol(principal);
            Property::new(
                naming::component_symbol(principal),
                Expr::object([
                    Property::new(
                        "clientId",
                        Expr::path(&format!("{identity}.properties.clientId")),
                    ),
                    Property::new(
                        "principalId",
                        Expr::path(&format!("{identity}.properties.principalId")),
                    ),
                ]),
            )
        });
        main.push(
            Statement::from(StatementKind::Output {
                name: DATABASE_IDENTITIES.into(),
                ty: Type::Object,
                value: Expr::object(identities),
            })
            .with_comment("For the database grant scripts: they create each identity's database principal from these ids, with no directory lookup"),
        );
    }
}

/// The app role assignments on registrations a platform team created.
fn push_app_role_assignments(plan: &Plan, main: &mut File) {
    let platform_assignments: Vec<crate::bicep::Item> = plan
        .calls
        .iter()
        .filter(|call| plan.pre_created_registration(call))
        .map(|call| {
            crate::bicep::Item::from(Expr::object([
                Property::new("caller", Expr::str(call.caller.as_str())),
                Property::new("target", Expr::str(call.target.as_str())),
                Property::new("appRole", Expr::str(call.role.as_str())),
                Property::new(
                    "principalId",
                    Expr::path(&format!(
                        "{}.properties.principalId",
                        identity_symbol(&call.caller)
                    )),
                ),
            ]))
        })
        .collect();
    if !platform_assignments.is_empty() {
        main.push(
            Statement::from(StatementKind::Output {
                name: APP_ROLE_ASSIGNMENTS.into(),
                ty: Type::Array,
                value: Expr::array(platform_assignments),
            })
            .with_comment("For the platform team that created these apps' registrations: assign each caller identity its app role (README: Pre-created registrations)"),
        );
    }
}

/// One object output per group that has entries, keys sorted.
fn push_grouped(main: &mut File, grouped_outputs: &[MainOutput]) {
    for group in [URLS, PRIVATE_LINK_APPROVALS, ENVIRONMENT_DNS] {
        let mut values: Vec<(String, Expr)> = grouped_outputs
            .iter()
            .filter(|(name, _, _)| *name == group)
            .map(|(_, key, value)| (key.clone(), value.clone()))
            .collect();
        if values.is_empty() {
            continue;
        }
        values.sort_by(|a, b| a.0.cmp(&b.0));
        main.push(StatementKind::Output {
            name: group.into(),
            ty: Type::Object,
            value: Expr::object(
                values
                    .into_iter()
                    .map(|(key, value)| Property::new(key, value)),
            ),
        });
    }
}
