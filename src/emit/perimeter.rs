//! `modules/perimeter.bicep`: the network security perimeter of the environment (or the
//! platform's), its profiles and access rules, its access logs, and an association for every
//! generated resource whose type is onboarded (see `plan::perimeter`).

use super::common::{self, regional};
use super::infra::{ConcernModule, environment_in, environment_param};
use super::{Context, module_symbol};
use crate::bicep::{Expr, Item, Param, Property, Resource, Statement, StatementKind, Type, obj};
use crate::catalog::naming;
use crate::catalog::types;
use crate::plan::perimeter::{AccessMode, Association, PerimeterMode, PerimeterPlan};

/// The module parameter carrying the ids of the resources that join, by association key.
pub const RESOURCE_IDS: &str = "resourceIds";

/// `scans`, `matcherHostStorage`: an association's key in `resourceIds` and its symbol stem.
pub fn association_key(association: &Association) -> String {
    naming::component_symbol(&association.label.replace(' ', "-"))
}

fn profile_symbol(name: &str) -> String {
    format!("{}Profile", naming::component_symbol(name))
}

/// The access mode of the environment being deployed: a literal when every environment
/// agrees, else the `accessMode` variable.
fn access_mode(perimeter: &PerimeterPlan, file: &mut crate::bicep::File) -> Expr {
    let mut modes: Vec<AccessMode> = perimeter.access.values().copied().collect();
    modes.sort();
    modes.dedup();
    if let [one] = modes.as_slice() {
        return Expr::str(one.as_str());
    }
    let enforced: Vec<&str> = perimeter
        .access
        .iter()
        .filter(|(_, mode)| **mode == AccessMode::Enforced)
        .map(|(environment, _)| environment.as_str())
        .collect();
    file.push(
        Statement::from(StatementKind::Var {
            name: "accessMode".into(),
            value: environment_in(&enforced).ternary("Enforced", "Learning"),
        })
        .with_comment("Enforced where the blueprint's policy denies, transition (Learning) where it audits: watch the access logs before enforcing"),
    );
    Expr::ident("accessMode")
}

/// The module and what main.bicep passes it, or `None` when nothing joins a perimeter or the
/// blueprint turns it off.
pub fn perimeter(ctx: &Context) -> Option<ConcernModule> {
    let perimeter = ctx.plan.perimeter.as_ref()?;
    let created = perimeter.mode == PerimeterMode::Create;
    if perimeter.associations.is_empty() && !created {
        return None;
    }
    let mut file = ctx.module_file();
    let mut args = Vec::new();
    if created {
        args.push((common::location_param(), Expr::ident("location")));
        args.push((common::tags_param(), Expr::ident("tags")));
    }
    args.push(environment_param());
    if created {
        args.push((
            common::workspace_param(),
            Expr::path("monitoring.outputs.workspaceId"),
        ));
    }
    if !perimeter.associations.is_empty() {
        args.push((
            Param::new(RESOURCE_IDS, Type::Object)
                .description("Ids of the app's resources that join the perimeter, by association."),
            Expr::object(perimeter.associations.iter().map(|association| {
                Property::new(
                    association_key(association),
                    Expr::path(&format!(
                        "{}.outputs.{}",
                        module_symbol(&association.component),
                        association.output
                    )),
                )
            })),
        ));
    }
    let mode = access_mode(perimeter, &mut file);
    match &perimeter.mode {
        PerimeterMode::Create => {
            own_perimeter(ctx, perimeter, &mut file);
        }
        PerimeterMode::Existing { id, profile } => {
            file.push(
                Statement::from(
                    Resource::new(
                        "perimeter",
                        types::NETWORK_SECURITY_PERIMETER.name,
                        types::NETWORK_SECURITY_PERIMETER.api_version,
                    )
                    .existing()
                    .prop("name", id.name.as_str()),
                )
                .with_comment("The platform's perimeter (blueprint: [network] perimeter); its rules and access logs are the platform's"),
            );
            file.push(
                Resource::new(
                    profile_symbol(profile),
                    types::PERIMETER_PROFILE.name,
                    types::PERIMETER_PROFILE.api_version,
                )
                .existing()
                .prop("parent", Expr::ident("perimeter"))
                .prop("name", profile.as_str()),
            );
        }
    }
    associations(ctx, perimeter, &mode, &mut file);
    // environmentName is always read: by the perimeter's name, or the associations' names.
    Some(ConcernModule { file, args })
}

/// A perimeter of the app's own: its profiles with their access rules, and its access logs.
fn own_perimeter(ctx: &Context, perimeter: &PerimeterPlan, file: &mut crate::bicep::File) {
    let app = &ctx.plan.app;
    file.push(
    Statement::from(regional(
        Resource::new(
            "perimeter",
            types::NETWORK_SECURITY_PERIMETER.name,
            types::NETWORK_SECURITY_PERIMETER.api_version,
        ),
        common::env_suffixed(format!("nsp-{app}-")),
    ))
    .with_comment("PaaS resources in the perimeter reach each other; from outside, only private endpoints and the access rules below get in (blueprint: [network] perimeter, default)"),
);
    for profile in &perimeter.profiles {
        let symbol = profile_symbol(&profile.name);
        let comment = if profile.name == PerimeterPlan::APP_PROFILE {
            "The app's profile: no access rules, nothing from outside but private endpoints"
                .to_string()
        } else {
            format!(
                "A profile of its own for {}, so its waiver's ranges open nothing else",
                profile.name.trim_start_matches("waiver-")
            )
        };
        file.push(
            Statement::from(
                Resource::new(
                    &symbol,
                    types::PERIMETER_PROFILE.name,
                    types::PERIMETER_PROFILE.api_version,
                )
                .prop("parent", Expr::ident("perimeter"))
                .prop("name", profile.name.as_str()),
            )
            .with_comment(comment),
        );
        for rule in &profile.rules {
            file.push(
            Statement::from(
                Resource::new(
                    format!("{}AllowFromWaiver", naming::component_symbol(&rule.component)),
                    types::PERIMETER_ACCESS_RULE.name,
                    types::PERIMETER_ACCESS_RULE.api_version,
                )
                .prop("parent", Expr::ident(symbol.as_str()))
                .prop("name", rule.name.as_str())
                .prop(
                    "properties",
                    obj([
                        ("direction", "Inbound".into()),
                        (
                            "addressPrefixes",
                            Expr::array(
                                rule.address_prefixes
                                    .iter()
                                    .map(|p| Item::from(p.as_str())),
                            ),
                        ),
                    ]),
                ),
            )
            .with_comment(format!(
                "Inbound from the ranges of the public-network-access waiver on {} ({}), and nothing wider",
                rule.component, rule.because
            )),
        );
        }
    }
    // Access logs: the perimeter's categories come as the allLogs group
    // (Azure/bicep-registry-modules avm/res/network/network-security-perimeter
    // main.bicep defaults to categoryGroup 'allLogs'; categories in
    // MicrosoftDocs/azure-docs articles/private-link/network-security-perimeter-diagnostic-logs.md).
    file.push(
        Statement::from(
            Resource::new(
                "perimeterDiagnostics",
                types::DIAGNOSTIC_SETTING.name,
                types::DIAGNOSTIC_SETTING.api_version,
            )
            .prop("name", "to-log-analytics")
            .prop("scope", Expr::ident("perimeter"))
            .prop(
                "properties",
                obj([
                    ("workspaceId", Expr::ident(common::WORKSPACE_ID)),
                    (
                        "logs",
                        Expr::array([Item::from(obj([
                            ("categoryGroup", "allLogs".into()),
                            ("enabled", true.into()),
                        ]))]),
                    ),
                ]),
            ),
        )
        .with_comment(
            "Perimeter access logs (allowed and denied, inbound and outbound) to the workspace",
        ),
    );
}

/// One association per resource that joins the perimeter, in the profile it belongs to.
fn associations(
    ctx: &Context,
    perimeter: &PerimeterPlan,
    mode: &Expr,
    file: &mut crate::bicep::File,
) {
    let app = &ctx.plan.app;
    for association in &perimeter.associations {
        let key = association_key(association);
        let name = match perimeter.mode {
            PerimeterMode::Create => {
                Expr::str(format!("{app}-{}", association.label.replace(' ', "-")))
            }
            // The platform's perimeter holds other apps and environments too.
            PerimeterMode::Existing { .. } => {
                common::env_suffixed(format!("{app}-{}-", association.label.replace(' ', "-")))
            }
        };
        file.push(
            Statement::from(
                Resource::new(
                    format!("{key}Association"),
                    types::PERIMETER_ASSOCIATION.name,
                    types::PERIMETER_ASSOCIATION.api_version,
                )
                .prop("parent", Expr::ident("perimeter"))
                .prop("name", name)
                .prop(
                    "properties",
                    obj([
                        (
                            "privateLinkResource",
                            obj([("id", Expr::path(&format!("{RESOURCE_IDS}.{key}")))]),
                        ),
                        (
                            "profile",
                            obj([(
                                "id",
                                Expr::path(&format!("{}.id", profile_symbol(&association.profile))),
                            )]),
                        ),
                        ("accessMode", mode.clone()),
                    ]),
                ),
            )
            .with_comment(format!(
                "{} ({}, {}; {})",
                association.label,
                association.resource_type,
                association.availability.to_lowercase(),
                association.because
            )),
        );
    }
}

/// Where main.bicep deploys the module: the platform perimeter's resource group.
pub fn scope(ctx: &Context) -> Option<Expr> {
    match &ctx.plan.perimeter.as_ref()?.mode {
        PerimeterMode::Create => None,
        PerimeterMode::Existing { id, .. } => Some(Expr::call(
            "resourceGroup",
            vec![
                Expr::str(id.subscription.as_str()),
                Expr::str(id.resource_group.as_str()),
            ],
        )),
    }
}
