//! The concern modules a plan needs (monitoring, network, DNS, the shared Container Apps
//! environment, Front Door, perimeter, policies, waivers), each with its call in main.bicep
//! and the outputs main.bicep adds for it.

use super::infra::ConcernModule;
use super::{
    Context, MainOutput, Written, common, concern_file, front_door, infra, module_call,
    module_symbol, perimeter, split, waivers,
};
use crate::bicep::{self, Expr, File, Statement};
use crate::plan::Plan;

/// What the concerns add to main.bicep.
pub struct Concerns {
    /// (name, module, comment above its call), in main.bicep's order.
    pub modules: Vec<(&'static str, ConcernModule, &'static str)>,
    /// Outputs main.bicep adds for concerns: name, value and the comment above it.
    pub outputs: Vec<(String, Expr, String)>,
    /// Entries of main.bicep's object outputs (Front Door's URLs and approvals).
    pub grouped_outputs: Vec<MainOutput>,
}

/// Every concern module the plan needs, in main.bicep's order.
pub fn concerns(ctx: &Context) -> Concerns {
    let plan = ctx.plan;
    // Outputs main.bicep adds for concerns, each with the comment above it.
    let mut concern_outputs: Vec<(String, Expr, String)> = Vec::new();
    let mut concerns = vec![
        (
            "monitoring",
            infra::monitoring(ctx),
            "Log Analytics and Application Insights",
        ),
        (
            "network",
            infra::network(ctx),
            if plan.network.existing {
                "Subnets and their NSGs in the platform's VNet"
            } else {
                "VNet, subnets, their NSGs and outbound"
            },
        ),
    ];
    let create_dns = plan.network.dns == crate::plan::DnsPlan::Create;
    if create_dns && !plan.dns_zones.is_empty() {
        concerns.push((
            "dns",
            infra::dns(ctx),
            "Private DNS zones linked to the VNet",
        ));
    }
    if plan.shared_container_environment {
        concerns.push((
            "containerApps",
            infra::shared_container_environment(ctx),
            "The app's internal Container Apps environment",
        ));
        if create_dns {
            concerns.push((
                "containerAppsDns",
                infra::container_apps_dns(ctx),
                "DNS for the environment's apps, inside the VNet",
            ));
        } else {
            for (name, output, what) in [
                ("containerAppsDomain", "defaultDomain", "zone"),
                ("containerAppsStaticIp", "staticIp", "wildcard A record"),
            ] {
                concern_outputs.push((
                    name.to_string(),
                    Expr::path(&format!("containerApps.outputs.{output}")),
                    format!("Central DNS: the platform adds this {what} for the shared Container Apps environment"),
                ));
            }
        }
    }
    let mut grouped_outputs: Vec<MainOutput> = Vec::new();
    if let Some((concern, outputs)) = front_door::front_door(ctx) {
        grouped_outputs.extend(outputs);
        concerns.push((
            "frontDoor",
            concern,
            "Front Door Premium with a WAF policy: the only way in from the internet",
        ));
    }
    if let Some(concern) = perimeter::perimeter(ctx) {
        concerns.push((
            "perimeter",
            concern,
            "Network security perimeter: the second wall around the PaaS resources, with its access logs",
        ));
    }
    let deny = plan.governance.deny_environments();
    concerns.push((
        "policies",
        infra::policy(ctx),
        if deny.is_empty() {
            "Built-in policy assignments guarding the baseline (audit)"
        } else {
            "Built-in policy assignments guarding the baseline (deny where the environment says so)"
        },
    ));
    if let Some(concern) = waivers::waivers(ctx) {
        concerns.push((
            "waivers",
            concern,
            "Policy exemptions for the blueprint's waivers, each expiring with its waiver",
        ));
    }
    Concerns {
        modules: concerns,
        outputs: concern_outputs,
        grouped_outputs,
    }
}

/// Each concern's call in main.bicep and its module file; and the DNS module a dedicated
/// Container Apps environment calls from its component's module.
pub fn push_calls(
    ctx: &Context,
    main: &mut File,
    modules: Vec<(&'static str, ConcernModule, &'static str)>,
    written: &mut Written,
) {
    let plan = ctx.plan;
    for (name, concern, what) in modules {
        let path = format!("modules/{}.bicep", heck::ToKebabCase::to_kebab_case(name));
        // A dot, which component names never have, keeps these deployment names apart from
        // the components' `<app>-<component>` (a component may be called `network`).
        let deployment = format!("{}.{}", plan.app, heck::ToKebabCase::to_kebab_case(name));
        let mut call = module_call(name, &path, &deployment, &concern.args);
        if name == "network"
            && let Some(scope) = network_scope(plan, main)
        {
            call = call.prop("scope", scope);
        }
        if name == "perimeter"
            && let Some(scope) = perimeter::scope(ctx)
        {
            call = call.prop("scope", scope);
        }
        let mut waived: Vec<String> = plan
            .governance
            .waivers
            .iter()
            .map(|w| module_symbol(&w.component))
            .collect();
        waived.sort();
        waived.dedup();
        // Assignments land after the resources they judge and exemptions after both, so a
        // deny never meets a waived setting before its exemption exists.
        let after: Vec<String> = match name {
            "policies" => waived,
            "waivers" => vec!["policies".to_string()],
            _ => Vec::new(),
        };
        if !after.is_empty() {
            call = call.prop(
                "dependsOn",
                Expr::array(
                    after
                        .iter()
                        .map(|s| bicep::Item::from(Expr::ident(s.as_str()))),
                ),
            );
        }
        let whole = |concern| concern_file(ctx, concern);
        let parts = split::concern::parts(name, &path, &deployment, call, concern, whole);
        for (number, part) in parts.into_iter().enumerate() {
            let comment = match number {
                0 => what.to_string(),
                n => format!("{what} (part {} of the module)", n + 1),
            };
            main.push(Statement::from(part.call).with_comment(comment));
            written.module(part.path, part.file);
        }
    }

    // A dedicated Container Apps environment calls the DNS module from its component's
    // module, so the file exists whenever any container app does.
    let create_dns = plan.network.dns == crate::plan::DnsPlan::Create;
    let any_container_app = plan
        .components
        .iter()
        .any(|c| c.kind() == crate::blueprint::Kind::ContainerApp);
    if any_container_app && !plan.shared_container_environment && create_dns {
        let file = concern_file(ctx, infra::container_apps_dns(ctx));
        written.module("modules/container-apps-dns.bicep".to_string(), file);
    }
}

/// The resource group of the existing VNet the network module deploys into: literal when
/// every environment uses the same VNet, else looked up in a per-environment table.
fn network_scope(plan: &Plan, main: &mut File) -> Option<Expr> {
    if !plan.network.existing {
        return None;
    }
    let mut by_environment = common::ByEnvironment::new(
        "vnetResourceGroups",
        "The resource group of each environment's existing VNet",
    );
    let part = |part: fn(&crate::plan::network::ResourceId) -> &String| {
        plan.network.per_environment(|vnet| {
            let id = &vnet
                .existing
                .as_ref()
                .expect("existing in every environment")
                .vnet;
            Expr::str(part(id).as_str())
        })
    };
    let subscription = by_environment.value("subscriptionId", part(|id| &id.subscription));
    let group = by_environment.value("resourceGroup", part(|id| &id.resource_group));
    if let Some(table) = by_environment.statement() {
        main.push(table);
    }
    Some(Expr::call("resourceGroup", vec![subscription, group]))
}
