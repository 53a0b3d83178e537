//! `[[waivers]]`: each waiver once, with a reason and a date that has not passed, for a
//! component and control that can be waived, with the network ranges (`allow_from`) or SAS
//! grants (`grants`) its control takes; and `ingress = "direct"` only with its waiver.

use super::parts::part_fields;
use crate::blueprint::diagnostic::{Diagnostic, closest, one_of, shown};
use crate::blueprint::model::{Blueprint, Component, Ingress, Kind, Part, PartKind};
use crate::blueprint::{ComponentSpec, Control, Waiver};
use crate::catalog;
use std::collections::{BTreeMap, BTreeSet};

/// `ingress = "direct"` needs a `direct-public-ingress` waiver, and that waiver needs a
/// component with `ingress = "direct"`.
pub(super) fn validate_direct_ingress(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    // By component, the position of its first direct-public-ingress waiver: gathered once,
    // not looked for among all the waivers for each component.
    let mut waived_at: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, waiver) in blueprint.waivers.iter().enumerate() {
        if waiver.control == Control::DirectPublicIngress {
            waived_at.entry(waiver.component.as_str()).or_insert(index);
        }
    }
    for component in &blueprint.components {
        let direct = match &component.spec {
            ComponentSpec::WebApp(web) => web.ingress == Ingress::Direct,
            ComponentSpec::FunctionApp(f) => f.ingress == Ingress::Direct,
            _ => false,
        };
        crate::counters::add(crate::counters::Counter::AppWideScans, 1);
        let waiver = waived_at.get(component.name.as_str()).copied();
        if direct && waiver.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "direct-ingress-without-waiver",
                    format!("`{}` is reachable from the internet directly, which needs a waiver", component.name),
                )
                .at(format!("components.{}.ingress", component.name))
                .expected("`ingress = \"public\"` (through Front Door's WAF), or a `direct-public-ingress` waiver")
                .help("add [[waivers]] with control = \"direct-public-ingress\", this component, a reason and an expiry"),
            );
        }
        if let (Some(index), false) = (waiver, direct) {
            diagnostics.push(
                Diagnostic::error(
                    "waiver-without-effect",
                    format!(
                        "`{}` waives direct public ingress but is not `ingress = \"direct\"`",
                        component.name
                    ),
                )
                .at(format!("waivers[{index}].control"))
                .expected(format!("`ingress = \"direct\"` on `{}`", component.name))
                .help("remove the waiver, or set the component's ingress to \"direct\""),
            );
        }
    }
}

/// Every `[[waivers]]` entry, in order.
pub(super) fn validate_waivers(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    today: crate::blueprint::Date,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen: BTreeSet<(Control, &str)> = BTreeSet::new();
    for (index, waiver) in blueprint.waivers.iter().enumerate() {
        let path = format!("waivers[{index}]");
        crate::counters::add(crate::counters::Counter::AppWideScans, 1);
        if !seen.insert((waiver.control, waiver.component.as_str())) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-waiver",
                    format!(
                        "`{}` of `{}` is waived twice",
                        waiver.control,
                        shown(&waiver.component)
                    ),
                )
                .at(format!("{path}.control"))
                .expected("one waiver per control and component")
                .help("remove one of them"),
            );
        }
        validate_waiver_terms(waiver, today, &path, diagnostics);
        let Some(component) = by_name.get(waiver.component.as_str()).copied() else {
            let names: Vec<&str> = blueprint
                .components
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            let diagnostic = Diagnostic::error(
                "unknown-component",
                format!(
                    "no component `{}` to waive a control of",
                    shown(&waiver.component)
                ),
            )
            .at(format!("{path}.component"))
            .expected(one_of(&names));
            diagnostics.push(match closest(&waiver.component, names.iter().copied()) {
                Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                None => diagnostic,
            });
            continue;
        };
        validate_waiver_scope(waiver, component, &path, diagnostics);
    }
}

/// A waiver's expiry (passed, or within 30 days) and its reason.
fn validate_waiver_terms(
    waiver: &Waiver,
    today: crate::blueprint::Date,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if waiver.expires < today {
        diagnostics.push(
            Diagnostic::error(
                "expired-waiver",
                format!(
                    "the waiver of `{}` for `{}` expired on {}",
                    waiver.control,
                    shown(&waiver.component),
                    waiver.expires
                ),
            )
            .at(format!("{path}.expires"))
            .expected("an expiry date that has not passed")
            .help("restore the control by removing the waiver, or renew it with a new date after review"),
        );
    } else if today.days_until(waiver.expires) <= 30 {
        diagnostics.push(
            Diagnostic::warning(
                "waiver-expires-soon",
                format!(
                    "the waiver of `{}` for `{}` expires on {}, in {}",
                    waiver.control,
                    shown(&waiver.component),
                    waiver.expires,
                    match today.days_until(waiver.expires) {
                        0 => "less than a day".to_string(),
                        1 => "1 day".to_string(),
                        days => format!("{days} days"),
                    }
                ),
            )
            .at(format!("{path}.expires"))
            .help("after that day the blueprint no longer validates: fix the need for it, or renew it"),
        );
    }
    if waiver.reason.trim().chars().count() < 10 {
        diagnostics.push(
            Diagnostic::error(
                "waiver-without-reason",
                "a waiver needs a reason a reviewer can judge",
            )
            .at(format!("{path}.reason"))
            .expected("a sentence: who needs it, why, and what compensates")
            .help(
                "e.g. \"The vendor's scanner reads uploads from 203.0.113.0/24 (ticket SEC-1234)\"",
            ),
        );
    }
}

/// What a waiver of `component` may waive and open: a control its kind can waive,
/// `allow_from` only for a network control (and required for public network access), public
/// IPv4 ranges, and the grants of a `local-auth` waiver.
fn validate_waiver_scope(
    waiver: &Waiver,
    component: &Component,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let kinds = crate::catalog::controls::kinds_for(waiver.control);
    if !kinds.contains(&component.kind()) {
        diagnostics.push(
            Diagnostic::error(
                "control-not-waivable",
                format!(
                    "`{}` cannot be waived for `{}`, a {}",
                    waiver.control,
                    shown(&waiver.component),
                    component.kind()
                ),
            )
            .at(format!("{path}.control"))
            .expected(format!(
                "a {} component",
                kinds.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or ")
            ))
            .help("bulwark keeps this kind hardened; a need it cannot meet belongs in a separate, reviewed deployment"),
        );
    }
    let takes_ranges = matches!(
        waiver.control,
        Control::PublicNetworkAccess | Control::DirectPublicIngress
    );
    if !takes_ranges && !waiver.allow_from.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "allow-from-not-applicable",
                format!(
                    "`allow_from` limits network access; `{}` is not about the network",
                    waiver.control
                ),
            )
            .at(format!("{path}.allow_from"))
            .expected("no `allow_from`")
            .help("remove it"),
        );
    }
    validate_grants(waiver, component, path, diagnostics);
    if waiver.control == Control::PublicNetworkAccess && waiver.allow_from.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "public-access-without-ranges",
                "public network access on a data service needs the ranges it is for",
            )
            .at(format!("{path}.control"))
            .expected("`allow_from` with the public IPv4 ranges that need access")
            .help("e.g. allow_from = [\"203.0.113.0/24\"]; bulwark never opens a data service to the whole internet"),
        );
    }
    for (range_index, range) in waiver.allow_from.iter().enumerate() {
        let range_path = format!("{path}.allow_from[{range_index}]");
        match crate::address::parse_cidr_within(range, 1, 32) {
            Ok(cidr) if is_private(cidr) => diagnostics.push(
                Diagnostic::error(
                    "private-range-in-allow-from",
                    format!(
                        "{cidr} is a private range; traffic from it never arrives from the internet"
                    ),
                )
                .at(range_path)
                .expected("a public IPv4 range")
                .help("private callers reach the service through its private endpoint already"),
            ),
            Ok(_) => {}
            Err(problem) => diagnostics.push(
                Diagnostic::error(
                    "invalid-range",
                    format!("`{}` is not an IPv4 range: {problem}", shown(range)),
                )
                .at(range_path)
                .expected(
                    "an IPv4 CIDR block such as \"203.0.113.0/24\" (use /32 for one address)",
                ),
            ),
        }
    }
}

/// `grants` of a waiver: required on a `local-auth` waiver of Service Bus or Event Hubs, each
/// naming one queue, topic or event hub of the component with `send` and/or `listen`.
fn validate_grants(
    waiver: &Waiver,
    component: &Component,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let kind = component.kind();
    let sas =
        waiver.control == Control::LocalAuth && matches!(kind, Kind::ServiceBus | Kind::EventHubs);
    if !sas {
        if !waiver.grants.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "grants-not-applicable",
                    format!(
                        "`grants` are the SAS rules of a `local-auth` waiver; this waiver is `{}` on a {kind}",
                        waiver.control
                    ),
                )
                .at(format!("{path}.grants"))
                .expected("no `grants`")
                .help("grants belong to a `local-auth` waiver of a service-bus or event-hubs component; remove them"),
            );
        }
        return;
    }
    let entities: Vec<Part> = component
        .spec
        .parts()
        .into_iter()
        .filter(|part| {
            matches!(
                part.kind,
                PartKind::Queue | PartKind::Topic | PartKind::EventHub
            )
        })
        .collect();
    let names: Vec<&str> = entities.iter().map(|part| part.name.as_str()).collect();
    let example = names.first().copied().unwrap_or("<entity>");
    if waiver.grants.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "local-auth-without-grants",
                format!(
                    "local auth on `{}` needs the entities and rights its SAS keys are for",
                    shown(&component.name)
                ),
            )
            .at(format!("{path}.control"))
            .expected(format!("`grants` naming each {} and its rights (`send`, `listen`)", sas_nouns(kind)))
            .help(format!(
                "without grants the only SAS key would be the namespace's RootManageSharedAccessKey, which can send, listen and manage every entity; e.g. grants = [{{ to = \"{example}\", rights = [\"send\"] }}]"
            )),
        );
        return;
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (index, grant) in waiver.grants.iter().enumerate() {
        let grant_path = format!("{path}.grants[{index}]");
        if grant.rights.is_empty() {
            diagnostics.push(
                Diagnostic::error("grant-without-rights", "a grant needs at least one right")
                    .at(format!("{grant_path}.rights"))
                    .expected("`send`, `listen` or both")
                    .help("`send` to send, `listen` to receive; `manage` is never granted"),
            );
        }
        let Some(entity) = entities.iter().find(|part| part.name == grant.to) else {
            diagnostics.push(unknown_grant_entity(
                component,
                &grant.to,
                &names,
                format!("{grant_path}.to"),
            ));
            continue;
        };
        if !seen.insert(entity.name.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-grant",
                    format!("`{}` is granted twice", shown(&grant.to)),
                )
                .at(format!("{grant_path}.to"))
                .expected("one grant per entity")
                .help("list both rights in one grant, e.g. rights = [\"send\", \"listen\"]"),
            );
        }
    }
}

/// A grant to something that is not a queue, topic or event hub of the waived component.
fn unknown_grant_entity(
    component: &Component,
    to: &str,
    names: &[&str],
    path: String,
) -> Diagnostic {
    let nouns = sas_nouns(component.kind());
    let subscription = component
        .spec
        .parts()
        .into_iter()
        .find(|part| part.kind == PartKind::Subscription && part.name == to);
    if let Some(subscription) = subscription {
        let topic = subscription.name.split('/').next().unwrap_or_default();
        return Diagnostic::error(
            "sas-on-subscription",
            format!(
                "Service Bus has no SAS rules on subscriptions, such as `{}`",
                shown(to)
            ),
        )
        .at(path)
        .expected(format!("the topic `{topic}`"))
        // MicrosoftDocs/azure-docs articles/service-bus-messaging/service-bus-sas.md (ms.date 11/01/2022):
        // rules on a subscription are not supported; rules on its topic secure it.
        .help(format!(
            "grant `listen` on `{topic}`: its rule covers every subscription of that topic"
        ));
    }
    let diagnostic = Diagnostic::error(
        "unknown-entity",
        format!(
            "`{}` declares no {nouns} named `{}`",
            shown(&component.name),
            shown(to)
        ),
    )
    .at(path)
    .expected(if names.is_empty() {
        format!(
            "a {nouns} of `{}` (it declares none)",
            shown(&component.name)
        )
    } else {
        one_of(names)
    });
    let unprefixed = to
        .strip_prefix(&format!("{}.", component.name))
        .filter(|rest| names.contains(rest));
    match (unprefixed, closest(to, names.iter().copied())) {
        (Some(rest), _) => diagnostic.help(format!(
            "did you mean `{rest}`? The waiver's `component` already names the namespace"
        )),
        (None, Some(near)) => diagnostic.help(format!("did you mean `{near}`?")),
        (None, None) => diagnostic.help(format!(
            "add `{}` to the {} of `{}`",
            shown(to),
            part_fields(component.kind()),
            shown(&component.name)
        )),
    }
}

/// What a SAS rule of a waiver can be scoped to.
fn sas_nouns(kind: Kind) -> &'static str {
    match kind {
        Kind::EventHubs => "event hub",
        _ => "queue or topic",
    }
}

/// RFC 1918 space, which never reaches a public endpoint.
fn is_private(cidr: crate::address::Cidr) -> bool {
    [(0x0A00_0000u32, 8u8), (0xAC10_0000, 12), (0xC0A8_0000, 16)]
        .into_iter()
        .any(|(base, prefix)| crate::address::Cidr { base, prefix }.contains(cidr))
}

/// In the platform's perimeter the app's resources share the platform's profile, so a
/// waiver's ranges could only become a rule on that profile, letting them reach every
/// resource the profile holds, not just the waived one.
pub(super) fn validate_perimeter_openings(
    blueprint: &Blueprint,
    profile: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (index, waiver) in blueprint.waivers.iter().enumerate() {
        if waiver.control != Control::PublicNetworkAccess {
            continue;
        }
        let Some(component) = blueprint
            .components
            .iter()
            .find(|c| c.name == waiver.component)
        else {
            continue;
        };
        if !catalog::perimeter::kind_joins(component.kind()) {
            continue;
        }
        diagnostics.push(
            Diagnostic::error(
                "perimeter-rule-wider-than-waiver",
                format!(
                    "the waiver opens only `{}` to {}, but in the platform's perimeter that takes an inbound rule on profile `{}`, which would open every resource on the profile",
                    shown(&waiver.component),
                    waiver.allow_from.join(", "),
                    shown(profile)
                ),
            )
            .at(format!("waivers[{index}].allow_from"))
            .expected(format!(
                "a perimeter where `{}` has a profile of its own",
                shown(&waiver.component)
            ))
            .help("leave `[network] perimeter` out so bulwark creates the perimeter and gives the waived resource its own profile, or set `perimeter = false` and have the platform associate it with a profile of its own"),
        );
    }
}
