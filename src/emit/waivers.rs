//! Waivers: the policy exemptions that match each waived control, scoped to the one resource
//! whose setting the waiver weakens, expiring when the waiver does.

use super::common::param;
use super::infra::ConcernModule;
use super::{Context, Module, module_symbol};
use crate::bicep::{Expr, Item, Key, Property, Resource, Statement, StatementKind, Type, obj};
use crate::blueprint::{Control, Kind, PartKind};
use crate::catalog::naming::{self, part_symbol};
use crate::catalog::types::{self, ResourceType};
use crate::plan::ComponentPlan;
use crate::plan::governance::{PlannedGrant, PlannedWaiver};

/// The module output carrying the name of a waived component's resource.
const RESOURCE_NAME_OUTPUT: &str = "waivedResourceName";

/// The resource a waiver of the component weakens: its type and module symbol.
fn waived_resource(kind: Kind) -> Option<(ResourceType, &'static str)> {
    Some(match kind {
        Kind::Storage => (types::STORAGE_ACCOUNT, "account"),
        Kind::KeyVault => (types::KEY_VAULT, "vault"),
        Kind::ContainerRegistry => (types::CONTAINER_REGISTRY, "registry"),
        Kind::ServiceBus => (types::SERVICE_BUS_NAMESPACE, "namespace"),
        Kind::EventHubs => (types::EVENT_HUBS_NAMESPACE, "namespace"),
        Kind::WebApp | Kind::FunctionApp => (types::WEB_SITE, "site"),
        _ => return None,
    })
}

/// A waived component's module outputs its resource's name for the exemptions.
pub fn push_outputs(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let waived = (ctx.plan.governance)
        .waivers_of(&component.name)
        .next()
        .is_some();
    if let (true, Some((_, symbol))) = (waived, waived_resource(component.kind())) {
        module.output(RESOURCE_NAME_OUTPUT, Expr::path(&format!("{symbol}.name")));
    }
}

/// The module, when the blueprint has waivers.
pub fn waivers(ctx: &Context) -> Option<ConcernModule> {
    let plan = ctx.plan;
    if plan.governance.waivers.is_empty() {
        return None;
    }
    let mut args = Vec::new();
    let mut file = ctx.module_file();
    let mut declared: Vec<String> = Vec::new();
    for waiver in &plan.governance.waivers {
        let component = plan.component(&waiver.component)?;
        let (resource_type, _) = waived_resource(component.kind())?;
        let base = naming::component_symbol(&component.name);
        let existing = format!("{base}Resource");
        if !declared.contains(&existing) {
            let name_param = format!("{base}Name");
            args.push((
                param(
                    &name_param,
                    Type::String,
                    &format!(
                        "Name of the resource of {} a waiver applies to.",
                        component.name
                    ),
                ),
                Expr::path(&format!(
                    "{}.outputs.{RESOURCE_NAME_OUTPUT}",
                    module_symbol(&component.name)
                )),
            ));
            file.push(
                Resource::new(&existing, resource_type.name, resource_type.api_version)
                    .existing()
                    .prop("name", Expr::ident(&name_param)),
            );
            declared.push(existing.clone());
        }
        for policy in &waiver.policies {
            let short = &policy.guid[..8];
            let symbol = naming::prefixed_symbol(
                &format!(
                    "{base}{}",
                    heck::ToUpperCamelCase::to_upper_camel_case(waiver.control.as_str())
                ),
                short,
            );
            file.push(
                Statement::from(
                    Resource::new(
                        &symbol,
                        types::POLICY_EXEMPTION.name,
                        types::POLICY_EXEMPTION.api_version,
                    )
                    .prop("name", format!("waiver-{}-{short}", waiver.control))
                    .prop("scope", Expr::ident(&existing))
                    .prop(
                        "properties",
                        obj([
                            (
                                "policyAssignmentId",
                                Expr::call(
                                    "resourceId",
                                    vec![
                                        "Microsoft.Authorization/policyAssignments".into(),
                                        format!("{}-{short}", plan.app).into(),
                                    ],
                                ),
                            ),
                            ("exemptionCategory", "Waiver".into()),
                            ("expiresOn", format!("{}T23:59:59Z", waiver.expires).into()),
                            (
                                "displayName",
                                format!(
                                    "{}: {} waived for {}",
                                    plan.app, waiver.control, component.name
                                )
                                .into(),
                            ),
                            ("description", waiver.reason.as_str().into()),
                        ]),
                    ),
                )
                .with_comment(format!(
                    "{} ({}): {} until {}",
                    policy.display_name, waiver.because, waiver.control, waiver.expires
                )),
            );
        }
    }
    Some(ConcernModule { file, args })
}

/// A range as Azure Storage's firewall takes it: a /32 as its address, a /31 as its two.
fn storage_rule_values(range: &str) -> Vec<String> {
    match crate::plan::network::parse_cidr_within(range, 1, 32) {
        Ok(cidr) if cidr.prefix >= 31 => (0..cidr.size())
            .map(|offset| {
                let [a, b, c, d] = (cidr.base + offset as u32).to_be_bytes();
                format!("{a}.{b}.{c}.{d}")
            })
            .collect(),
        _ => vec![range.to_string()],
    }
}

/// Set `path` (e.g. `["properties", "publicNetworkAccess"]`) in an object, adding missing
/// keys, with a comment on the property set.
fn set(properties: &mut Vec<Property>, path: &[&str], value: Expr, comment: &str) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let position = properties
        .iter()
        .position(|p| matches!(&p.key, Key::Name(name) if name == first));
    let index = match position {
        Some(index) => index,
        None => {
            properties.push(Property::new(*first, Expr::Object(Vec::new())));
            properties.len() - 1
        }
    };
    if rest.is_empty() {
        properties[index].value = value;
        properties[index].comments = vec![comment.to_string()];
        return;
    }
    if let Expr::Object(inner) = &mut properties[index].value {
        set(inner, rest, value, comment);
    }
}

/// The SAS authorization rule of a `local-auth` grant, on its one entity, with only the
/// granted rights: its module symbol (after its entity's) and statement.
fn sas_rule(waiver: &PlannedWaiver, grant: &PlannedGrant) -> Option<(String, Statement)> {
    let (prefix, ty) = match grant.kind {
        PartKind::Queue => ("queue", types::SERVICE_BUS_QUEUE_RULE),
        PartKind::Topic => ("topic", types::SERVICE_BUS_TOPIC_RULE),
        PartKind::EventHub => ("hub", types::EVENT_HUB_RULE),
        _ => return None,
    };
    let entity = part_symbol(prefix, &grant.entity);
    // Part symbols never hold `__` (blueprint names have no `--`), so this meets no entity's.
    let symbol = format!("{entity}__sas_rule");
    let rights = Expr::array(
        grant
            .rights
            .iter()
            .map(|right| Item::from(Expr::str(right.azure_name()))),
    );
    let statement = Statement::from(
        Resource::new(&symbol, ty.name, ty.api_version)
            .prop("parent", Expr::ident(&entity))
            .prop("name", grant.rule)
            .prop("properties", obj([("rights", rights)])),
    )
    .with_comment(format!(
        "WAIVED until {} ({}): a SAS key for this {} only, {}; never Manage",
        waiver.expires,
        grant.because,
        grant.kind,
        grant.rights_text()
    ))
    // MicrosoftDocs/azure-docs service-bus-sas.md (11/01/2022) and event-hubs/
    // authorize-access-shared-access-signature.md (03/13/2023): Azure creates the namespace
    // rule RootManageSharedAccessKey itself, with Manage on every entity.
    .with_comment(
        "Read its keys with listKeys on this rule and hand over only those; nothing here \
         outputs a key or uses the namespace's RootManageSharedAccessKey",
    );
    Some((entity, statement))
}

/// The weaker settings of the component's waivers, applied to its hardened resource: the
/// only place a waiver changes generated Bicep, so removing one restores the literal.
pub fn apply(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let Some((_, symbol)) = waived_resource(component.kind()) else {
        return;
    };
    let mut rules: Vec<(String, Statement)> = Vec::new();
    for waiver in ctx.plan.governance.waivers_of(&component.name) {
        let comment = format!(
            "WAIVED until {} ({}): {}",
            waiver.expires, waiver.because, waiver.reason
        );
        let Some(resource) =
            module
                .file
                .statements
                .iter_mut()
                .find_map(|statement| match &mut statement.kind {
                    StatementKind::Resource(resource) if resource.symbol == symbol => {
                        Some(resource)
                    }
                    _ => None,
                })
        else {
            continue;
        };
        let body = &mut resource.body;
        match waiver.control {
            Control::PublicNetworkAccess => {
                open_public_network_access(body, waiver, component.kind(), &comment);
            }
            Control::SharedKeyAccess => {
                set(
                    body,
                    &["properties", "allowSharedKeyAccess"],
                    true.into(),
                    &comment,
                );
            }
            Control::LocalAuth => {
                set(
                    body,
                    &["properties", "disableLocalAuth"],
                    false.into(),
                    &comment,
                );
                rules.extend(
                    waiver
                        .grants
                        .iter()
                        .filter_map(|grant| sas_rule(waiver, grant)),
                );
            }
            Control::DirectPublicIngress => open_direct_public_ingress(body, waiver, &comment),
        }
    }
    // Each rule right after the entity it is scoped to.
    for (entity, rule) in rules {
        let statements = &mut module.file.statements;
        let at = statements
            .iter()
            .position(|statement| {
                matches!(&statement.kind, StatementKind::Resource(resource) if resource.symbol == entity)
            })
            .map_or(statements.len(), |index| index + 1);
        statements.insert(at, rule);
    }
}

/// `public-network-access`: public access on, and the resource's firewall allowing only the
/// waiver's `allow_from` ranges, in the shape each kind's firewall takes.
fn open_public_network_access(
    body: &mut Vec<Property>,
    waiver: &PlannedWaiver,
    kind: Kind,
    comment: &str,
) {
    let ranges = |rule: &dyn Fn(&str) -> Expr| {
        Expr::array(
            waiver
                .allow_from
                .iter()
                .map(|range| Item::from(rule(range))),
        )
    };
    set(
        body,
        &["properties", "publicNetworkAccess"],
        "Enabled".into(),
        comment,
    );
    let (acl, rules) = match kind {
        // Storage's firewall takes single addresses without a prefix, and no /31.
        Kind::Storage => (
            "networkAcls",
            Expr::array(
                waiver
                    .allow_from
                    .iter()
                    .flat_map(|range| storage_rule_values(range))
                    .map(|value| {
                        Item::from(obj([("value", value.into()), ("action", "Allow".into())]))
                    }),
            ),
        ),
        Kind::KeyVault => (
            "networkAcls",
            ranges(&|range| obj([("value", range.into())])),
        ),
        _ => (
            "networkRuleSet",
            ranges(&|range| obj([("action", "Allow".into()), ("value", range.into())])),
        ),
    };
    set(
        body,
        &["properties", acl, "ipRules"],
        rules,
        &format!(
            "Only these ranges, everything else denied ({})",
            waiver.because
        ),
    );
}

/// `direct-public-ingress`: an App Service site open to the internet, or to `allow_from`
/// only, with its deployment (SCM) site kept closed.
fn open_direct_public_ingress(body: &mut Vec<Property>, waiver: &PlannedWaiver, comment: &str) {
    set(
        body,
        &["properties", "publicNetworkAccess"],
        "Enabled".into(),
        comment,
    );
    let restricted = !waiver.allow_from.is_empty();
    let rules: Vec<Item> = waiver
        .allow_from
        .iter()
        .enumerate()
        .map(|(index, range)| {
            Item::from(obj([
                ("name", format!("allow-{}", index + 1).into()),
                ("ipAddress", range.as_str().into()),
                ("action", "Allow".into()),
                ("priority", (100 + index as i64).into()),
            ]))
        })
        .collect();
    set(
        body,
        &["properties", "siteConfig", "ipSecurityRestrictions"],
        Expr::Array(rules),
        &format!(
            "Access restrictions from the waiver's allow_from ({})",
            waiver.because
        ),
    );
    set(
        body,
        &[
            "properties",
            "siteConfig",
            "ipSecurityRestrictionsDefaultAction",
        ],
        if restricted { "Deny" } else { "Allow" }.into(),
        &format!(
            "Public ingress: {}",
            if restricted {
                "only allow_from"
            } else {
                "the internet"
            }
        ),
    );
    set(
        body,
        &[
            "properties",
            "siteConfig",
            "scmIpSecurityRestrictionsDefaultAction",
        ],
        "Deny".into(),
        "The deployment (SCM) site stays closed to the internet: deploy through the private endpoint",
    );
    set(
        body,
        &[
            "properties",
            "siteConfig",
            "scmIpSecurityRestrictionsUseMain",
        ],
        false.into(),
        "The deployment (SCM) site has its own, closed, restrictions",
    );
}
