//! Every name bulwark generates fits its resource type's rule (length and characters, from
//! `src/catalog/facts/naming.tsv`) for the longest names validation accepts: app names of
//! 16 characters, component names of 20, environment names of 12 and part names at their
//! own maximum, in blueprints that use every component kind, public ingress, governance,
//! waivers, central DNS and peering. Names are read from the generated Bicep and evaluated
//! with `uniqueString()` at its 13 characters and `guid()` at its 36.

mod common;

use bulwark::catalog::facts;
use std::collections::BTreeMap;

/// The names a blueprint is built from: the longest by default, shorter in the property test.
#[derive(Debug, Clone)]
struct Names {
    app: String,
    environments: [String; 2],
    component_len: usize,
    part_len: usize,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            app: "contoso-payments".into(),
            environments: ["development1".into(), "production12".into()],
            component_len: 20,
            part_len: 63,
        }
    }
}

/// A name of exactly `len` characters that starts with `stem`, padded with `-x…` segments
/// so hyphens are exercised too.
fn long(stem: &str, len: usize) -> String {
    let mut name = stem.to_string();
    while name.len() < len {
        name.push(if name.len().is_multiple_of(4) {
            '-'
        } else {
            'x'
        });
    }
    if name.ends_with('-') {
        name.pop();
        name.push('z');
    }
    assert_eq!(name.len(), len);
    name
}

fn blueprint(network: &str, names: &Names) -> String {
    let component = |stem: &str| long(stem, names.component_len.max(stem.len()));
    let part = |stem: &str, max: usize| long(stem, names.part_len.clamp(stem.len() + 1, max));
    let [
        web,
        func,
        worker,
        api,
        store,
        vault,
        registry,
        sql,
        pg,
        cosmos,
        bus,
        hubs,
        cache,
        config,
        ai,
        search,
        ext,
    ] = [
        "web", "func", "worker", "api", "store", "vault", "registry", "sql", "pg", "cosmos", "bus",
        "hubs", "cache", "config", "ai", "search", "ext",
    ]
    .map(component);
    let container = part("c", 63);
    let queue = part("q", 63);
    let sb_queue = part("sq", 50);
    let topic = part("t", 50);
    let subscription = part("s", 50);
    let hub = part("h", 50);
    let database = part("d", 63).replace('-', "_");
    let cosmos_db = part("cd", 63);
    let cosmos_container = part("cc", 63);
    let secret = part("secret", 127);
    format!(
        r#"
[app]
name = "{app}"
environments = ["{env0}", "{env1}"]

{network}

[governance]
policy = "audit"
benchmark = true

[governance.environments.{env1}]
policy = "deny"
locks = true

[components.{web}]
kind = "web-app"
runtime = "node:22"
ingress = "public"
uses = [
  {{ to = "{store}.{container}", access = "read" }},
  {{ to = "{vault}.{secret}", access = "read" }},
  {{ to = "{sql}", access = "read-write" }},
  {{ to = "{cosmos}.{cosmos_db}/{cosmos_container}", access = "read-write" }},
  {{ to = "{cache}", access = "read-write" }},
  {{ to = "{config}", access = "read" }},
  {{ to = "{ai}", access = "use" }},
  {{ to = "{search}", access = "read" }},
  {{ to = "{ext}", access = "use" }},
]

[components.{func}]
kind = "function-app"
runtime = "python:3.12"
ingress = "none"
uses = [
  {{ to = "{bus}.{sb_queue}", access = "receive" }},
  {{ to = "{hubs}.{hub}", access = "send" }},
  {{ to = "{store}.{queue}", access = "send-receive" }},
]

[components.{worker}]
kind = "container-app"
image = "mcr.microsoft.com/k8se/quickstart:latest"
ingress = "none"
min_replicas = 1
uses = [
  {{ to = "{registry}", access = "pull" }},
  {{ to = "{bus}.{topic}/{subscription}", access = "receive" }},
  {{ to = "{pg}.{database}", access = "read" }},
]

[components.{api}]
kind = "container-app"
image = "mcr.microsoft.com/k8se/quickstart:latest"
ingress = "private"
environment = "dedicated"

[components.{store}]
kind = "storage"
containers = ["{container}"]
queues = ["{queue}"]

[components.{vault}]
kind = "key-vault"
secrets = ["{secret}"]

[components.{registry}]
kind = "container-registry"

[components.{sql}]
kind = "sql-database"
admin_group = {{ name = "sql-admins", object_id = "6f1c3a7e-2b4d-4c8e-9a0f-3d5e7b9c1a2f" }}

[components.{pg}]
kind = "postgres"
databases = ["{database}"]
admin_group = {{ name = "pg-admins", object_id = "0b8e4d2a-7c1f-4e6b-8d3a-5f9c2e1b7a4d" }}

[components.{cosmos}.databases.{cosmos_db}.containers]
{cosmos_container} = "/id"

[components.{cosmos}]
kind = "cosmos-db"

[components.{bus}]
kind = "service-bus"
queues = ["{sb_queue}"]
topics = {{ {topic} = ["{subscription}"] }}

[components.{hubs}]
kind = "event-hubs"
hubs = ["{hub}"]

[components.{cache}]
kind = "redis"

[components.{config}]
kind = "app-configuration"

[components.{ai}]
kind = "openai"
deployments = {{ {chat} = {{ model = "gpt-4o-mini", version = "2024-07-18" }} }}

[components.{search}]
kind = "ai-search"

[components.{ext}]
kind = "external"
url = "https://api.example.com"
vault = "{vault}"

[[waivers]]
control = "public-network-access"
component = "{registry}"
reason = "A vendor pushes images from one fixed range."
expires = 2027-06-30
allow_from = ["192.0.2.0/24"]

[[waivers]]
control = "shared-key-access"
component = "{store}"
reason = "A backup appliance signs with the account key."
expires = 2027-06-30
"#,
        env0 = names.environments[0],
        env1 = names.environments[1],
        chat = part("chat", 50),
        app = names.app,
    )
}

const CREATED_NETWORK: &str = r#"[network]
address_space = "10.60.0.0/16""#;

fn central_network() -> String {
    let mut text = String::from(
        "[network]\naddress_space = \"10.60.0.0/16\"\ndns = \"central\"\npeer_with = \"/subscriptions/00000000-0000-0000-0000-00000000a1b2/resourceGroups/rg-hub-network-with-a-long-name/providers/Microsoft.Network/virtualNetworks/vnet-hub-with-a-long-name\"\n\n[network.dns_zones]\n",
    );
    let mut zones: Vec<&str> = facts::FACTS
        .private_links
        .iter()
        .flat_map(|link| link.zones.iter().copied())
        .filter(|zone| !zone.contains('{'))
        .collect();
    zones.sort_unstable();
    zones.dedup();
    for zone in zones {
        text.push_str(&format!(
            "\"{zone}\" = \"/subscriptions/00000000-0000-0000-0000-00000000a1b2/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/{zone}\"\n"
        ));
    }
    text
}

/// A generated name as Azure will see it, or `None` when it comes from something the test
/// cannot evaluate (a parameter given at deploy time, another resource's property).
fn evaluate(expr: &str, environment: &str) -> Option<String> {
    let mut parser = Parser {
        text: expr.as_bytes(),
        at: 0,
        environment,
    };
    let value = parser.expr()?;
    (parser.at == parser.text.len()).then_some(value)
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
    environment: &'a str,
}

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        while self.text.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        if self.text[self.at..].starts_with(token.as_bytes()) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Option<String> {
        self.skip_spaces();
        match self.text.get(self.at)? {
            b'\'' => self.string(),
            b'0'..=b'9' => {
                let start = self.at;
                while self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
                    self.at += 1;
                }
                Some(String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
            }
            _ => self.reference(),
        }
    }

    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            match *self.text.get(self.at)? {
                b'\'' => {
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push(char::from(*self.text.get(self.at + 1)?));
                    self.at += 2;
                }
                b'$' if self.text.get(self.at + 1) == Some(&b'{') => {
                    self.at += 2;
                    out.push_str(&self.expr()?);
                    if !self.eat("}") {
                        return None;
                    }
                }
                _ => {
                    let rest = std::str::from_utf8(&self.text[self.at..]).ok()?;
                    let c = rest.chars().next()?;
                    out.push(c);
                    self.at += c.len_utf8();
                }
            }
        }
    }

    fn reference(&mut self) -> Option<String> {
        let start = self.at;
        while self
            .text
            .get(self.at)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'(' | b')'))
        {
            let so_far = &self.text[start..self.at];
            match self.text[self.at] {
                b'(' if !so_far.ends_with(b"environment") => break,
                b')' if !so_far.ends_with(b"environment(") => break,
                _ => {}
            }
            self.at += 1;
        }
        let name = std::str::from_utf8(&self.text[start..self.at]).ok()?;
        if self.text.get(self.at) == Some(&b'(') {
            self.at += 1;
            let mut args = Vec::new();
            loop {
                args.push(self.expr());
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return None;
                }
            }
            let value = self.call(name, args);
            // A member of a call's result (`resourceGroup().id`) is not a name's text.
            if self.text.get(self.at) == Some(&b'.') {
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
                {
                    self.at += 1;
                }
                return None;
            }
            return value;
        }
        match name {
            "environmentName" => Some(self.environment.to_string()),
            "environment().suffixes.storage" => Some("core.windows.net".into()),
            "environment().suffixes.sqlServerHostname" => Some(".database.windows.net".into()),
            _ => None,
        }
    }

    fn call(&mut self, name: &str, args: Vec<Option<String>>) -> Option<String> {
        match name {
            // uniqueString returns 13 lowercase letters and digits (Bicep's string functions).
            "uniqueString" => Some("a1b2c3d4e5f6g".into()),
            "guid" => Some("0f4c3b1a-1111-4c4c-8d8d-0123456789ab".into()),
            "take" => {
                let text = args.first()?.clone()?;
                let count: usize = args.get(1)?.as_ref()?.parse().ok()?;
                Some(text.chars().take(count).collect())
            }
            "replace" => {
                let text = args.first()?.clone()?;
                Some(text.replace(args.get(1)?.as_ref()?, args.get(2)?.as_ref()?))
            }
            "toLower" => Some(args.first()?.clone()?.to_lowercase()),
            "substring" => {
                let text = args.first()?.clone()?;
                let from: usize = args.get(1)?.as_ref()?.parse().ok()?;
                Some(text.chars().skip(from).collect())
            }
            _ => None,
        }
    }
}

/// `resource`/`module` declarations with their type and `name:` expression.
fn declarations(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let ty = if let Some(rest) = line.strip_prefix("resource ") {
            if line.contains(" existing ") {
                continue;
            }
            let quoted = rest.split('\'').nth(1).unwrap_or_default();
            quoted.split('@').next().unwrap_or_default().to_string()
        } else if line.starts_with("module ") {
            "Microsoft.Resources/deployments".to_string()
        } else {
            continue;
        };
        let name = lines[index + 1..]
            .iter()
            .take_while(|l| **l != "}")
            .find_map(|l| l.strip_prefix("  name: "));
        if let Some(name) = name {
            out.push((ty, name.to_string()));
        }
    }
    out
}

/// Child types naming.tsv leaves out: `Some(rule)` where Microsoft documents one, `None`
/// where nothing is documented (and why the generated name is safe).
fn extra_rule(ty: &str) -> Option<Option<facts::NameLimits>> {
    match ty {
        // resource-name-rules (Microsoft.Network): virtualNetworks / virtualNetworkPeerings,
        // parent virtual network, 1-80, alphanumerics, underscores, periods and hyphens.
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings" => {
            Some(Some(facts::NameLimits {
                min: Some(1),
                max: Some(80),
                characters: facts::NameCharacters::AlphanumericsAnd("_.-"),
            }))
        }
        // Azure/bicep-types-az generated/network/microsoft.network/2025-05-01/types.json: every
        // perimeter type's name has maxLength 80 and pattern
        // (^[a-zA-Z0-9]+[a-zA-Z0-9_.-]*[a-zA-Z0-9_]+$)|(^[a-zA-Z0-9]$).
        "Microsoft.Network/networkSecurityPerimeters"
        | "Microsoft.Network/networkSecurityPerimeters/profiles"
        | "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules"
        | "Microsoft.Network/networkSecurityPerimeters/resourceAssociations" => {
            Some(Some(facts::NameLimits {
                min: Some(1),
                max: Some(80),
                characters: facts::NameCharacters::AlphanumericsAnd("_.-"),
            }))
        }
        // A record names are DNS labels (the Container Apps wildcard `*`); no ARM rule documented.
        "Microsoft.Network/privateDnsZones/A" => Some(None),
        // Named with guid() by bulwark; the type's own name rule is not documented.
        "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments" => Some(None),
        _ => None,
    }
}

fn check(blueprint_text: &str, names: &Names) -> BTreeMap<String, usize> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulwark.toml");
    std::fs::write(&path, blueprint_text).unwrap();
    let files = common::generate_file(&path);
    let mut problems = Vec::new();
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    for (file, text) in files.files.iter().filter(|(f, _)| f.ends_with(".bicep")) {
        for (ty, expr) in declarations(text) {
            let limits = match (facts::name_limits(&ty), extra_rule(&ty)) {
                (Some(limits), _) => *limits,
                (None, Some(Some(limits))) => limits,
                (None, Some(None)) => continue,
                (None, None) => {
                    problems.push(format!("{file}: {ty} has no rule in naming.tsv"));
                    continue;
                }
            };
            for environment in &names.environments {
                let Some(name) = evaluate(&expr, environment) else {
                    continue;
                };
                *checked.entry(ty.clone()).or_default() += 1;
                let len = name.chars().count();
                if limits.max.is_some_and(|max| len > max)
                    || limits.min.is_some_and(|min| len < min)
                {
                    problems.push(format!(
                        "{file}: {ty} name `{name}` has {len} characters; Azure allows {:?}..{:?}",
                        limits.min, limits.max
                    ));
                }
                if !limits.characters.allows(&name) {
                    problems.push(format!(
                        "{file}: {ty} name `{name}` breaks its rule ({:?})",
                        limits.characters
                    ));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    checked
}

#[test]
fn longest_names_fit_azure_rules_with_a_created_network() {
    let names = Names::default();
    let checked = check(&blueprint(CREATED_NETWORK, &names), &names);
    // Every kind's main resource and the children that carry generated names were read.
    for ty in [
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.Insights/diagnosticSettings",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Authorization/policyAssignments",
        "Microsoft.Authorization/policyExemptions",
        "Microsoft.Authorization/locks",
        "Microsoft.Resources/deployments",
        "Microsoft.Web/sites",
        "Microsoft.Web/serverfarms",
        "Microsoft.App/containerApps",
        "Microsoft.App/managedEnvironments",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.KeyVault/vaults",
        "Microsoft.ContainerRegistry/registries",
        "Microsoft.Sql/servers",
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "Microsoft.DocumentDB/databaseAccounts",
        "Microsoft.ServiceBus/namespaces",
        "Microsoft.EventHub/namespaces",
        "Microsoft.Cache/redisEnterprise",
        "Microsoft.AppConfiguration/configurationStores",
        "Microsoft.CognitiveServices/accounts",
        "Microsoft.Search/searchServices",
        "Microsoft.Cdn/profiles",
        "Microsoft.Cdn/profiles/afdEndpoints",
        "Microsoft.Cdn/profiles/originGroups",
        "Microsoft.Cdn/profiles/originGroups/origins",
        "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
    ] {
        let found = checked
            .keys()
            .any(|checked| checked.eq_ignore_ascii_case(ty));
        assert!(found, "no {ty} name was checked: {checked:#?}");
    }
}

#[test]
fn longest_names_fit_azure_rules_with_central_dns_and_peering() {
    let names = Names::default();
    check(&blueprint(&central_network(), &names), &names);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Any lengths validation accepts, not only the longest: names that are cut and hashed
    /// at one length and kept whole at another both fit.
    #[test]
    fn names_of_any_accepted_length_fit_azure_rules(
        app in "[a-z][a-z0-9]{1,6}(-[a-z0-9]{1,3}){0,2}",
        first in "[a-z][a-z0-9]{0,11}",
        second in "[a-z][a-z0-9]{0,11}",
        component_len in 6usize..=20,
        part_len in 3usize..=63,
        central in proptest::bool::ANY,
    ) {
        proptest::prop_assume!(first != second);
        let names = Names { app, environments: [first, second], component_len, part_len };
        let network = if central { central_network() } else { CREATED_NETWORK.to_string() };
        check(&blueprint(&network, &names), &names);
    }
}
