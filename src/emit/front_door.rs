//! Public ingress: Azure Front Door Premium with a WAF policy in prevention mode and a
//! private link origin per public app, so the apps keep public network access disabled.

use super::common::{self, bounded_prefix, env_suffixed, param, unique_name};
use super::infra::ConcernModule;
use super::{Context, MainOutput, PRIVATE_LINK_APPROVALS, URLS};
use crate::bicep::{
    Expr, Item, Property, Resource, Statement, StatementKind, Type, interp, obj, text,
};
use crate::blueprint::{ComponentSpec, Ingress};
use crate::catalog::{facts, naming, types};
use crate::plan::ComponentPlan;

/// The Default Rule Set and bot protection, each at the newest version front_door_waf.tsv
/// documents for Front Door Premium (DRS 2.2, Bot Manager 1.1 today).
const DEFAULT_RULE_SET: &str = "Microsoft_DefaultRuleSet";
const BOT_MANAGER_RULE_SET: &str = "Microsoft_BotManagerRuleSet";
/// An endpoint's host name is `<name>-<hash>.z01.azurefd.net` and must fit one DNS label.
const MAX_ENDPOINT_NAME: usize = 46;
/// Characters `uniqueString()` adds to a name.
const HASH: usize = 13;
/// `afd-<app>-<environment>`: the profile, unique in the resource group.
const PROFILE_PREFIX: &str = "afd-";

/// A public app and the path Front Door probes on it.
struct PublicApp<'a> {
    name: &'a str,
    symbol: String,
    probe_path: &'a str,
}

fn public_app(component: &ComponentPlan) -> Option<PublicApp<'_>> {
    let probe_path = match &component.spec {
        ComponentSpec::WebApp(web) if web.ingress == Ingress::Public => {
            web.health_check_path.as_deref().unwrap_or("/")
        }
        ComponentSpec::FunctionApp(function) if function.ingress == Ingress::Public => "/",
        _ => return None,
    };
    Some(PublicApp {
        name: &component.name,
        symbol: naming::component_symbol(&component.name),
        probe_path,
    })
}

/// The Front Door module's object parameter of origins and object output of host names.
const ORIGINS: &str = "origins";
const ENDPOINT_HOST_NAMES: &str = "endpointHostNames";

/// The Front Door module, when any compute component has `ingress = "public"`, with the
/// outputs main.bicep adds for it (each public app's URL and its pending private link).
pub fn front_door(ctx: &Context) -> Option<(ConcernModule, Vec<MainOutput>)> {
    let apps: Vec<PublicApp> = ctx
        .plan
        .components
        .iter()
        .filter(|component| component.is_compute())
        .filter_map(public_app)
        .collect();
    if apps.is_empty() {
        return None;
    }
    let app = &ctx.plan.app;
    let mut args = super::infra::regional_args();
    let mut file = ctx.module_file();
    push_profile_and_waf(app, &mut file);

    // One object parameter and one object output for all public apps, however many there
    // are (ARM allows 256 parameters and 64 outputs per template; limits.tsv).
    let mut origins = Vec::new();
    let mut host_names = Vec::new();
    let mut main_outputs = Vec::new();
    for public in &apps {
        let module = super::module_symbol(public.name);
        origins.push(
            Property::new(
                public.symbol.as_str(),
                obj([
                    ("siteId", Expr::path(&format!("{module}.outputs.siteId"))),
                    (
                        "hostName",
                        Expr::path(&format!("{module}.outputs.hostName")),
                    ),
                ]),
            )
            .with_comment(format!(
                "{}: its site is the private link target, its default host name the origin",
                public.name
            )),
        );
        let origin = Expr::ident(ORIGINS).member(public.symbol.as_str());
        push_app(
            ctx,
            &mut file,
            public,
            &origin.clone().member("siteId"),
            &origin.member("hostName"),
        );
        host_names.push(Property::new(
            public.symbol.as_str(),
            Expr::path(&format!("{}Endpoint.properties.hostName", public.symbol)),
        ));
        main_outputs.push((
            URLS,
            public.symbol.clone(),
            Expr::interp([
                text("https://"),
                interp(
                    Expr::path(&format!("frontDoor.outputs.{ENDPOINT_HOST_NAMES}"))
                        .member(public.symbol.as_str()),
                ),
            ]),
        ));
        main_outputs.push((
            PRIVATE_LINK_APPROVALS,
            public.symbol.clone(),
            approval_hint(public),
        ));
    }
    args.push((
        param(
            ORIGINS,
            Type::Object,
            "Per public app: the resource id of its site (the private link target) and its default host name.",
        ),
        Expr::object(origins),
    ));
    let outputs = vec![
        StatementKind::Output {
            name: ENDPOINT_HOST_NAMES.into(),
            ty: Type::Object,
            value: Expr::object(host_names),
        }
        .into(),
    ];

    file.push(security_policy(&apps));
    file.statements.extend(outputs);
    Some((ConcernModule { file, args }, main_outputs))
}

/// The Premium profile and its WAF policy, each with its diagnostics where supported.
fn push_profile_and_waf(app: &str, file: &mut crate::bicep::File) {
    let profile_name = env_suffixed(format!("{PROFILE_PREFIX}{app}-"));
    file.push(
        Statement::from(
            Resource::new(
                "profile",
                types::FRONT_DOOR_PROFILE.name,
                types::FRONT_DOOR_PROFILE.api_version,
            )
            .prop("name", profile_name)
            .prop("location", "global")
            .prop("tags", Expr::ident("tags"))
            .prop("sku", obj([("name", "Premium_AzureFrontDoor".into())]))
            .prop(
                "properties",
                obj([("originResponseTimeoutSeconds", 60i64.into())]),
            ),
        )
        .with_comment(
            "Premium: the Front Door tier with private link origins and managed WAF rule sets",
        ),
    );
    common::push_diagnostics_file(file, "profile", types::FRONT_DOOR_PROFILE);
    file.push(
        Statement::from(
            Resource::new(
                "wafPolicy",
                types::FRONT_DOOR_WAF_POLICY.name,
                types::FRONT_DOOR_WAF_POLICY.api_version,
            )
            // WAF policy names allow letters and digits only.
            .prop(
                "name",
                env_suffixed(naming::compact(&["waf", app], 100)),
            )
            .prop("location", "global")
            .prop("tags", Expr::ident("tags"))
            .prop("sku", obj([("name", "Premium_AzureFrontDoor".into())]))
            .prop("properties", waf_properties()),
        )
        .with_comment(
            "WAF in prevention mode: Microsoft's Default Rule Set and bot protection block attacks before they reach an app",
        ),
    );
}

/// The WAF policy on every endpoint and path.
fn security_policy(apps: &[PublicApp]) -> Statement {
    Statement::from(
        Resource::new(
            "securityPolicy",
            types::FRONT_DOOR_SECURITY_POLICY.name,
            types::FRONT_DOOR_SECURITY_POLICY.api_version,
        )
        .prop("parent", Expr::ident("profile"))
        .prop("name", "waf")
        .prop(
            "properties",
            obj([(
                "parameters",
                obj([
                    ("type", "WebApplicationFirewall".into()),
                    ("wafPolicy", obj([("id", Expr::path("wafPolicy.id"))])),
                    (
                        "associations",
                        Expr::array([Item::from(obj([
                            (
                                "domains",
                                Expr::array(apps.iter().map(|public| {
                                    Item::from(obj([(
                                        "id",
                                        Expr::path(&format!("{}Endpoint.id", public.symbol)),
                                    )]))
                                })),
                            ),
                            ("patternsToMatch", Expr::array([Item::from("/*")])),
                        ]))]),
                    ),
                ]),
            )]),
        ),
    )
    .with_comment("Every endpoint, every path, goes through the WAF policy")
}

/// One public app's endpoint: its public host name, unique to the app and environment.
fn endpoint_resource(app: &str, public: &PublicApp, endpoint: &str) -> Statement {
    Statement::from(
        Resource::new(
            endpoint,
            types::FRONT_DOOR_ENDPOINT.name,
            types::FRONT_DOOR_ENDPOINT.api_version,
        )
        .prop("parent", Expr::ident("profile"))
        .prop(
            "name",
            unique_name(
                bounded_prefix(
                    &format!("fde-{app}-{}", public.name),
                    MAX_ENDPOINT_NAME - HASH,
                ),
                public.name,
            ),
        )
        .prop("location", "global")
        .prop("tags", Expr::ident("tags"))
        .prop(
            "properties",
            obj([
                ("enabledState", "Enabled".into()),
                // The generated host name can only come back to this tenant.
                ("autoGeneratedDomainNameLabelScope", "TenantReuse".into()),
            ]),
        ),
    )
    .with_comment(format!(
        "{}: its public address (blueprint: ingress = \"public\")",
        public.name
    ))
}

/// One public app's route: HTTPS to the app, plain HTTP redirected.
fn route(public: &PublicApp, endpoint: &str, group: &str, origin: &str) -> Statement {
    let symbol = &public.symbol;
    Statement::from(
        Resource::new(
            format!("{symbol}Route"),
            types::FRONT_DOOR_ROUTE.name,
            types::FRONT_DOOR_ROUTE.api_version,
        )
        .prop("parent", Expr::ident(endpoint))
        .prop("name", public.name)
        .prop(
            "properties",
            obj([
                (
                    "originGroup",
                    obj([("id", Expr::path(&format!("{group}.id")))]),
                ),
                (
                    "supportedProtocols",
                    Expr::array([Item::from("Http"), Item::from("Https")]),
                ),
                ("patternsToMatch", Expr::array([Item::from("/*")])),
                ("forwardingProtocol", "HttpsOnly".into()),
                ("httpsRedirect", "Enabled".into()),
                ("linkToDefaultDomain", "Enabled".into()),
                ("enabledState", "Enabled".into()),
            ]),
        )
        // A route references only its origin group; an empty group fails to deploy.
        .prop("dependsOn", Expr::array([Item::from(Expr::ident(origin))])),
    )
    .with_comment(format!(
        "{}: HTTPS only to the app; plain HTTP is redirected to HTTPS",
        public.name
    ))
}

fn waf_properties() -> Expr {
    let (drs, drs_version) = (
        DEFAULT_RULE_SET,
        facts::front_door_rule_set_version(DEFAULT_RULE_SET),
    );
    let (bots, bots_version) = (
        BOT_MANAGER_RULE_SET,
        facts::front_door_rule_set_version(BOT_MANAGER_RULE_SET),
    );
    obj([
        (
            "policySettings",
            obj([
                ("enabledState", "Enabled".into()),
                ("mode", "Prevention".into()),
                ("requestBodyCheck", "Enabled".into()),
                ("customBlockResponseStatusCode", 403i64.into()),
            ]),
        ),
        (
            "managedRules",
            obj([(
                "managedRuleSets",
                Expr::array([
                    Item::from(obj([
                        ("ruleSetType", drs.into()),
                        ("ruleSetVersion", drs_version.into()),
                        ("ruleSetAction", "Block".into()),
                    ])),
                    // Each bot rule carries its own action: block bad bots, allow verified
                    // good ones, log unknown ones.
                    Item::from(obj([
                        ("ruleSetType", bots.into()),
                        ("ruleSetVersion", bots_version.into()),
                    ])),
                ]),
            )]),
        ),
    ])
}

/// The endpoint, origin group, private link origin and route of one public app.
fn push_app(
    ctx: &Context,
    file: &mut crate::bicep::File,
    public: &PublicApp,
    site_id: &Expr,
    origin_host: &Expr,
) {
    let app = &ctx.plan.app;
    let symbol = &public.symbol;
    let endpoint = format!("{symbol}Endpoint");
    let group = format!("{symbol}OriginGroup");
    let origin = format!("{symbol}Origin");
    file.push(endpoint_resource(app, public, &endpoint));
    file.push(
        Statement::from(
            Resource::new(
                &group,
                types::FRONT_DOOR_ORIGIN_GROUP.name,
                types::FRONT_DOOR_ORIGIN_GROUP.api_version,
            )
            .prop("parent", Expr::ident("profile"))
            .prop("name", public.name)
            .prop(
                "properties",
                obj([
                    (
                        "loadBalancingSettings",
                        obj([
                            ("sampleSize", 4i64.into()),
                            ("successfulSamplesRequired", 3i64.into()),
                            ("additionalLatencyInMilliseconds", 50i64.into()),
                        ]),
                    ),
                    (
                        "healthProbeSettings",
                        obj([
                            ("probePath", public.probe_path.into()),
                            ("probeRequestType", "HEAD".into()),
                            ("probeProtocol", "Https".into()),
                            ("probeIntervalInSeconds", 100i64.into()),
                        ]),
                    ),
                    ("sessionAffinityState", "Disabled".into()),
                    (
                        "trafficRestorationTimeToHealedOrNewEndpointsInMinutes",
                        10i64.into(),
                    ),
                ]),
            ),
        )
        .with_comment(format!(
            "{}: probed over HTTPS on {}",
            public.name, public.probe_path
        )),
    );
    file.push(
        Statement::from(
            Resource::new(
                &origin,
                types::FRONT_DOOR_ORIGIN.name,
                types::FRONT_DOOR_ORIGIN.api_version,
            )
            .prop("parent", Expr::ident(&group))
            .prop("name", "site")
            .prop(
                "properties",
                obj([
                    ("hostName", origin_host.clone()),
                    ("originHostHeader", origin_host.clone()),
                    ("httpPort", 80i64.into()),
                    ("httpsPort", 443i64.into()),
                    ("priority", 1i64.into()),
                    ("weight", 1000i64.into()),
                    ("enabledState", "Enabled".into()),
                    ("enforceCertificateNameCheck", true.into()),
                    (
                        "sharedPrivateLinkResource",
                        obj([
                            ("privateLink", obj([("id", site_id.clone())])),
                            ("groupId", "sites".into()),
                            ("privateLinkLocation", Expr::ident("location")),
                            (
                                "requestMessage",
                                Expr::interp([
                                    text(format!("Azure Front Door {PROFILE_PREFIX}{app}-")),
                                    interp(Expr::ident("environmentName")),
                                    text(format!(
                                        " (bulwark, app {app}) asks to reach {} privately",
                                        public.name
                                    )),
                                ]),
                            ),
                        ]),
                    ),
                ]),
            ),
        )
        .with_comment(format!(
            "{}: reached through a private link to the site, which keeps public network access disabled; the connection waits for approval on the site",
            public.name
        )),
    );
    file.push(route(public, &endpoint, &group, &origin));
}

/// What the operator runs once per environment: Front Door's private endpoint connection
/// to the site starts Pending, and its name is only known after deployment, so no template
/// can approve it.
fn approval_hint(public: &PublicApp) -> Expr {
    Expr::interp([
        text(format!(
            "Front Door reaches {} once you approve its pending private endpoint connection: az network private-endpoint-connection list --id ",
            public.name
        )),
        interp(Expr::path(&format!(
            "{}.outputs.siteId",
            super::module_symbol(public.name)
        ))),
        text(
            " --query \"[?properties.privateLinkServiceConnectionState.status=='Pending'].[id, properties.privateLinkServiceConnectionState.description]\" -o tsv, then for the Azure Front Door request: az network private-endpoint-connection approve --id <id>",
        ),
    ])
}
