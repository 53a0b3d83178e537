//! The architecture as a Mermaid flowchart, built from the plan: compute components in their
//! subnets inside the VNet, a private endpoint per component in the private-endpoint subnet
//! with a dotted link to the service it reaches, the private DNS zones its records go to,
//! Front Door in front of public apps, and one edge per caller and target labelled with every
//! access level and role between them (app-role calls as thick edges). Role assignments are
//! edge labels, never nodes, so the picture stays readable at 30 components.
//!
//! Only flowchart syntax from before Mermaid 10 is used (`flowchart`, `subgraph id["title"]`,
//! quoted labels, `-->|"label"|`, `-.-`, `==>`, entity codes): GitHub bundles its own Mermaid,
//! which lags upstream (tracked v10.x in 2026, per mermaid.aidalabs.kr/guides/
//! mermaid-in-github-readme). Every text from the blueprint goes through [`label`].

use crate::blueprint::{ComponentSpec, Control, Ingress, Kind, PartKind};
use crate::plan::{DnsPlan, PerEnvironment, Plan, Scope, SubnetPurpose};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Counts of what a diagram draws, to keep an eye on its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub nodes: usize,
    pub edges: usize,
    pub groups: usize,
}

impl Size {
    /// Counts the node, edge and subgraph lines of a diagram [`mermaid`] wrote.
    pub fn of(diagram: &str) -> Size {
        let mut size = Size {
            nodes: 0,
            edges: 0,
            groups: 0,
        };
        // Statements are indented; a label's second line is not.
        for line in diagram.lines().filter(|l| l.starts_with("  ")) {
            let line = line.trim_start();
            let second = line.split(' ').nth(1).unwrap_or_default();
            if line.starts_with("subgraph ") {
                size.groups += 1;
            } else if ["-->", "-.-", "==>"].iter().any(|a| second.starts_with(a)) {
                size.edges += 1;
            } else if line != "end" {
                size.nodes += 1;
            }
        }
        size
    }
}

/// The Mermaid source of the plan's architecture diagram (`flowchart TB`), ending in a newline.
pub fn mermaid(plan: &Plan) -> String {
    let mut diagram = Diagram {
        out: String::from("flowchart TB\n"),
        ids: Ids::new(plan),
    };
    let public = public_apps(plan);
    let waived_open = waived_open(plan);
    diagram.internet(plan, &public, &waived_open);
    let placed = diagram.vnet(plan);
    diagram.services(plan, &placed);
    diagram.dns_zones(plan);
    diagram.monitoring(plan);
    // Edges: ingress first, then endpoints, then connections, each in plan order.
    diagram.ingress_edges(&public, &waived_open);
    diagram.endpoint_edges(plan);
    diagram.connection_edges(plan);
    diagram.call_edges(plan);
    diagram.out
}

/// Public apps, behind Front Door.
fn public_apps(plan: &Plan) -> Vec<&str> {
    plan.components
        .iter()
        .filter(|c| ingress(&c.spec) == Some(Ingress::Public))
        .map(|c| c.name.as_str())
        .collect()
}

/// Components a waiver opens to the internet, with the waiver in words.
fn waived_open(plan: &Plan) -> Vec<(&str, String)> {
    plan.governance
        .waivers
        .iter()
        .filter(|w| {
            matches!(
                w.control,
                Control::PublicNetworkAccess | Control::DirectPublicIngress
            )
        })
        .map(|w| {
            let from = if w.allow_from.is_empty() {
                "the internet".to_string()
            } else {
                w.allow_from.join(", ")
            };
            (
                w.component.as_str(),
                format!("WAIVED until {}: {} from {from}", w.expires, w.control),
            )
        })
        .collect()
}

/// The diagram being written, and the node ids of its components.
struct Diagram {
    out: String,
    ids: Ids,
}

impl Diagram {
    fn line(&mut self, indent: usize, text: &str) {
        self.indent(indent);
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn indent(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
    }

    /// A component's node line, written in place (one per component: no string of its own).
    fn node_line(&mut self, indent: usize, component: &crate::plan::ComponentPlan) {
        self.indent(indent);
        node(&self.ids, component, &mut self.out);
        self.out.push('\n');
    }

    /// The internet and Front Door, when anything is reachable from the internet.
    fn internet(&mut self, plan: &Plan, public: &[&str], waived_open: &[(&str, String)]) {
        if !public.is_empty() || !waived_open.is_empty() {
            self.line(1, "internet((\"Internet\"))");
        }
        if !public.is_empty() {
            // Front Door Premium with a WAF in Prevention mode reaches the app over private link
            // (see `emit::front_door`).
            self.line(
                1,
                &format!(
                    "frontdoor{{{{\"Front Door Premium {}\nWAF in Prevention mode, HTTPS only\"}}}}",
                    label(&format!("afd-{}-<env>", plan.app))
                ),
            );
        }
    }

    /// The VNet, its subnets and what sits in them; returns the components placed there.
    fn vnet<'a>(&mut self, plan: &'a Plan) -> BTreeSet<&'a str> {
        // The VNet: one per environment, with the same subnets.
        let vnet_title = if plan.network.existing {
            "the platform's VNet".to_string()
        } else {
            format!("VNet vnet-{}-<env>", plan.app)
        };
        let ranges = match plan.network.per_environment(|vnet| {
            vnet.ranges
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }) {
            PerEnvironment::Same(ranges) => ranges,
            PerEnvironment::Each(each) => each
                .iter()
                .map(|(environment, ranges)| format!("{environment} {ranges}"))
                .collect::<Vec<_>>()
                .join("; "),
        };
        let vnet_title = if ranges.is_empty() {
            vnet_title
        } else {
            format!("{vnet_title} · {ranges}")
        };
        self.line(1, &format!("subgraph vnet[\"{}\"]", label(&vnet_title)));
        // Each subnet's components, in plan order, grouped once: a pass over all components
        // per subnet grew with their square.
        let mut in_subnet: BTreeMap<&str, Vec<&'a crate::plan::ComponentPlan>> = BTreeMap::new();
        for component in &plan.components {
            if let Some(subnet) = component.subnet.as_deref() {
                in_subnet.entry(subnet).or_default().push(component);
            }
        }
        // A set: `services` asks about every component (a list grew with their square).
        let mut placed = BTreeSet::new();
        for (index, subnet) in plan.subnets.iter().enumerate() {
            let range = match subnet.prefix() {
                PerEnvironment::Same(range) => range.to_string(),
                PerEnvironment::Each(each) => each
                    .iter()
                    .map(|(environment, range)| format!("{environment} {range}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let purpose = match &subnet.purpose {
                SubnetPurpose::PrivateEndpoints => "private endpoints".to_string(),
                SubnetPurpose::Integration { component, .. } => format!("outbound of {component}"),
                SubnetPurpose::ContainerEnvironment { component: None } => {
                    format!("Container Apps environment cae-{}-<env>", plan.app)
                }
                SubnetPurpose::ContainerEnvironment {
                    component: Some(component),
                } => format!("Container Apps environment of {component}"),
            };
            self.line(
                2,
                &format!(
                    "subgraph subnet{index}[\"{}\"]",
                    label(&format!("{} · {range} · {purpose}", subnet.name))
                ),
            );
            if subnet.purpose == SubnetPurpose::PrivateEndpoints {
                self.endpoint_nodes(plan);
            }
            for component in in_subnet.remove(subnet.name.as_str()).unwrap_or_default() {
                self.node_line(3, component);
                placed.insert(component.name.as_str());
            }
            self.line(2, "end");
        }
        self.line(1, "end");
        placed
    }

    /// One node per component with private endpoints, in the private-endpoint subnet.
    fn endpoint_nodes(&mut self, plan: &Plan) {
        for component in plan
            .components
            .iter()
            .filter(|c| !c.private_endpoints.is_empty())
        {
            // A function app's host storage has endpoints of its own, in the same node.
            let (own, host): (Vec<_>, Vec<_>) = component
                .private_endpoints
                .iter()
                .partition(|e| e.target != "hostStorage");
            let groups_of = |endpoints: &[&crate::plan::PrivateEndpoint]| {
                endpoints
                    .iter()
                    .map(|e| e.group_id)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut groups = groups_of(&own);
            if !host.is_empty() {
                let host = format!("host storage: {}", groups_of(&host));
                groups = if groups.is_empty() {
                    host
                } else {
                    format!("{groups}; {host}")
                };
            }
            self.line(
                3,
                &format!(
                    "{}[\"{}\"]",
                    self.ids.endpoint(&component.name),
                    label(&format!("private endpoint {}: {groups}", component.name))
                ),
            );
        }
    }

    /// Everything else: the services reached through their private endpoints, compute
    /// that has no subnet of its own, and third parties.
    fn services(&mut self, plan: &Plan, placed: &BTreeSet<&str>) {
        let services: Vec<_> = plan
            .components
            .iter()
            .filter(|c| c.kind() != Kind::External && !placed.contains(c.name.as_str()))
            .collect();
        if !services.is_empty() {
            self.line(
                1,
                &format!(
                    "subgraph services[\"{}\"]",
                    label("Azure services · public network access disabled unless waived")
                ),
            );
            for component in services {
                self.node_line(2, component);
            }
            self.line(1, "end");
        }
        for component in plan
            .components
            .iter()
            .filter(|c| c.kind() == Kind::External)
        {
            self.node_line(1, component);
        }
    }

    /// Private DNS zones, as the network plan places them.
    fn dns_zones(&mut self, plan: &Plan) {
        if !plan.dns_zones.is_empty() {
            let title = match &plan.network.dns {
                DnsPlan::Create => "Private DNS zones · the app's, linked to the VNet",
                DnsPlan::Central(central) if central.is_empty() => {
                    "Private DNS zones · the platform's; its policy registers the endpoints"
                }
                DnsPlan::Central(_) => "Private DNS zones · the platform's",
            };
            self.line(1, &format!("subgraph dns[\"{}\"]", label(title)));
            for (index, zone) in plan.dns_zones.iter().enumerate() {
                self.line(2, &format!("zone{index}[\"{}\"]", label(zone)));
            }
            self.line(1, "end");
        }
    }

    /// Log Analytics and Application Insights.
    fn monitoring(&mut self, plan: &Plan) {
        let compute = plan.components.iter().any(|c| c.is_compute());
        self.line(
            1,
            &format!(
                "monitoring[\"{}\"]",
                [
                    if plan.governance.monitoring.central.is_some() {
                        "central Log Analytics workspace, Application Insights"
                    } else {
                        "Log Analytics, Application Insights"
                    },
                    "diagnostic logs of every resource",
                    if compute {
                        "telemetry of every app (Monitoring Metrics Publisher)"
                    } else {
                        ""
                    },
                ]
                .iter()
                .filter(|words| !words.is_empty())
                .map(|words| label(words))
                .collect::<Vec<_>>()
                .join("\n")
            ),
        );
    }

    /// Internet to Front Door to the public apps, and to what waivers open.
    fn ingress_edges(&mut self, public: &[&str], waived_open: &[(&str, String)]) {
        if !public.is_empty() {
            self.line(1, "internet -->|\"HTTPS\"| frontdoor");
            for name in public {
                self.line(
                    1,
                    &format!(
                        "frontdoor -->|\"private link\"| {}",
                        self.ids.component(name)
                    ),
                );
            }
        }
        for (name, words) in waived_open {
            self.line(
                1,
                &format!(
                    "internet -.->|\"{}\"| {}",
                    label(words),
                    self.ids.component(name)
                ),
            );
        }
    }

    /// Each private endpoint to its service, and the endpoints' subnet to the DNS zones.
    fn endpoint_edges(&mut self, plan: &Plan) {
        for component in plan
            .components
            .iter()
            .filter(|c| !c.private_endpoints.is_empty())
        {
            let endpoint = self.ids.endpoint(&component.name);
            self.line(
                1,
                &format!("{endpoint} -.- {}", self.ids.component(&component.name)),
            );
        }
        // One edge for every endpoint's DNS record, not one per endpoint and zone.
        let endpoint_subnet = plan
            .subnets
            .iter()
            .position(|s| s.purpose == SubnetPurpose::PrivateEndpoints);
        if let (Some(index), false) = (endpoint_subnet, plan.dns_zones.is_empty()) {
            let words = if plan.network.dns.registers() {
                "a zone group per endpoint: its A record in its group's zone"
            } else {
                "the estate's DNS policy registers each endpoint"
            };
            self.line(1, &format!("subnet{index} -.-|\"{}\"| dns", label(words)));
        }
    }

    /// One edge per (caller, target) pair, its label every access level and role between them.
    fn connection_edges(&mut self, plan: &Plan) {
        let mut connections: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for assignment in &plan.role_assignments {
            let Some(target) = assignment.scope.component() else {
                continue; // telemetry, in the monitoring node
            };
            // `<access>: <role>[ on <kind> <name>]`, written into one string.
            let mut words = String::new();
            if let Some(access) = assignment.access {
                let _ = write!(words, "{access}: ");
            }
            words.push_str(&assignment.role.name());
            if let Scope::Part { kind, name, .. } = &assignment.scope {
                let _ = write!(words, " on {kind} {name}");
            }
            connections
                .entry((assignment.principal.as_str(), target))
                .or_default()
                .push(words);
        }
        for grant in &plan.database_grants {
            connections
                .entry((grant.principal.as_str(), grant.server.as_str()))
                .or_default()
                .push(format!(
                    "{}: {} in database {}",
                    grant.access,
                    grant.roles.join(" + "),
                    grant.database
                ));
        }
        // An external service's role is on its secret, named after it, in its vault.
        for assignment in &plan.role_assignments {
            if let Scope::Part {
                component: vault,
                kind: PartKind::Secret,
                name,
            } = &assignment.scope
                && let Some(ComponentSpec::External(external)) =
                    plan.component(name).map(|c| &c.spec)
                && &external.vault == vault
            {
                connections
                    .entry((assignment.principal.as_str(), name.as_str()))
                    .or_default()
                    .push("HTTPS with its secret from Key Vault".to_string());
            }
        }
        for ((principal, target), mut words) in connections {
            words.sort();
            words.dedup();
            // `<principal> -->|"<words, one per line>"| <target>`, written in place.
            self.indent(1);
            self.out.push_str(self.ids.component(principal));
            self.out.push_str(" -->|\"");
            for (index, words) in words.iter().enumerate() {
                if index > 0 {
                    self.out.push('\n');
                }
                label_into(words, &mut self.out);
            }
            self.out.push_str("\"| ");
            self.out.push_str(self.ids.component(target));
            self.out.push('\n');
        }
    }

    /// App-role calls, as thick edges.
    fn call_edges(&mut self, plan: &Plan) {
        let mut calls: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for call in &plan.calls {
            calls
                .entry((call.caller.as_str(), call.target.as_str()))
                .or_default()
                .push(call.role.as_str());
        }
        for ((caller, target), roles) in calls {
            self.line(
                1,
                &format!(
                    "{} ==>|\"{}\"| {}",
                    self.ids.component(caller),
                    label(&format!("call: app role {}", roles.join(", "))),
                    self.ids.component(target)
                ),
            );
        }
    }
}

fn ingress(spec: &ComponentSpec) -> Option<Ingress> {
    match spec {
        ComponentSpec::WebApp(web) => Some(web.ingress),
        ComponentSpec::FunctionApp(function) => Some(function.ingress),
        _ => None,
    }
}

/// A component's node: a box for compute, a cylinder for data, a stadium for third parties.
fn node(ids: &Ids, component: &crate::plan::ComponentPlan, out: &mut String) {
    let (open, close) = if component.is_compute() {
        ("[\"", "\"]")
    } else if component.kind() == Kind::External {
        ("([\"", "\"])")
    } else {
        ("[(\"", "\")]")
    };
    out.push_str(ids.component(&component.name));
    out.push_str(open);
    label_into(&component.name, out);
    out.push('\n');
    label_into(&component.kind().to_string(), out);
    out.push_str(close);
}

/// Node ids: `c_` and the component name with anything but ASCII letters and digits as `_`
/// (a name never lands in the id verbatim, so no name is a keyword, an arrow or a
/// statement), made unique with a number where two names map to one id.
struct Ids {
    components: BTreeMap<String, String>,
}

impl Ids {
    fn new(plan: &Plan) -> Ids {
        let mut components = BTreeMap::new();
        let mut taken = std::collections::BTreeSet::new();
        for component in &plan.components {
            let base: String = component
                .name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let mut id = format!("c_{base}");
            let mut number = 2;
            while !taken.insert(id.clone()) {
                id = format!("c_{base}_{number}");
                number += 1;
            }
            components.insert(component.name.clone(), id);
        }
        Ids { components }
    }

    fn component(&self, name: &str) -> &str {
        self.components
            .get(name)
            .map_or("c_unknown", String::as_str)
    }

    fn endpoint(&self, name: &str) -> String {
        format!("pe_{}", self.component(name))
    }
}

/// Text safe inside a quoted Mermaid label, in Mermaid 10 and 11 alike. Only ASCII letters,
/// digits, spaces and `,:/()·` stay as they are, with `.` and `-` unless they start a line
/// (Mermaid 11 reads labels as Markdown, where `1.` or `- ` starts a list); every other
/// character is an entity code (`#34;`), which Mermaid turns back into the character after
/// parsing. So no text closes the quotes, starts a comment or a `%%{init}%%` directive, a
/// Markdown string, KaTeX, HTML, a link or a click handler.
pub fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    label_into(text, &mut out);
    out
}

/// [`label`], appended to `out`.
fn label_into(text: &str, out: &mut String) {
    // Only digits so far: a `.` now would make a Markdown list item.
    let mut leading_digits = true;
    for (index, c) in text.chars().enumerate() {
        let keep = c.is_ascii_alphanumeric()
            || matches!(c, ' ' | ',' | ':' | '/' | '(' | ')' | '·')
            || (c == '.' && !leading_digits)
            || (c == '-' && index > 0);
        if keep {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", c as u32);
        }
        leading_digits &= c.is_ascii_digit();
    }
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_keep_plain_text_and_encode_the_rest() {
        assert_eq!(label("web-app: read"), "web-app: read");
        assert_eq!(
            label("\"]; click a call alert(1) %%{init}%%"),
            "#34;#93;#59; click a call alert(1) #37;#37;#123;init#125;#37;#37;"
        );
        assert_eq!(label("<b>`x`</b>"), "#60;b#62;#96;x#96;#60;/b#62;");
        assert_eq!(label("1. x"), "1#46; x");
        assert_eq!(label("10.0.0.0/24 a.b - c"), "10#46;0.0.0/24 a.b - c");
        assert_eq!(label(".x -y"), "#46;x -y");
        assert_eq!(label("-x"), "#45;x");
        assert_eq!(label("é\n$$"), "#233;#10;#36;#36;");
    }
}
