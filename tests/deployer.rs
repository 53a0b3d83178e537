//! The deploying identity of every shipped blueprint: never Owner, User Access Administrator or
//! Contributor beyond the app's resource group; role-assignment rights always carry the ABAC
//! condition; and every kind of resource the generated Bicep deploys maps to a grant.

mod common;

use bulwark::deployer::{
    self, DNS_ZONE_JOIN, DeployerRole, FORBIDDEN_ROLES, Grant, GrantScope, HUB_PEERING,
    WORKSPACE_DESTINATION,
};
use bulwark::plan::DnsPlan;
use std::collections::BTreeSet;

fn shipped() -> Vec<std::path::PathBuf> {
    common::shipped_blueprints()
}

/// Resource types the generated Bicep declares (not `existing` ones), and the built-in role
/// definition GUIDs it assigns.
fn scan(files: &bulwark::emit::FileSet) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut types = BTreeSet::new();
    let mut roles = BTreeSet::new();
    for (path, text) in &files.files {
        if !path.ends_with(".bicep") {
            continue;
        }
        for line in text.lines() {
            let line = line.trim_start();
            if let Some(rest) = line.strip_prefix("resource ")
                && !line.contains("' existing")
                && let Some(start) = rest.find('\'')
            {
                let quoted = &rest[start + 1..];
                let end = quoted.find(['@', '\'']).unwrap();
                types.insert(quoted[..end].to_string());
            }
            let marker = "'Microsoft.Authorization/roleDefinitions', '";
            if let Some(at) = line.find(marker) {
                let guid = &line[at + marker.len()..];
                roles.insert(guid[..36].to_string());
            }
        }
    }
    (types, roles)
}

fn has(grants: &[Grant], role: DeployerRole, scope: impl Fn(&GrantScope) -> bool) -> bool {
    grants.iter().any(|g| g.role == role && scope(&g.scope))
}

#[test]
fn no_blueprint_grants_owner_user_access_administrator_or_unconstrained_rbac() {
    for path in shipped() {
        let generated = common::generate_full(&path);
        let grants = deployer::grants(&generated.plan);
        for grant in &grants {
            let name = grant.role.name();
            assert!(
                !FORBIDDEN_ROLES.contains(&name),
                "{}: grants {name}",
                path.display()
            );
            if name == "Contributor" {
                assert_eq!(
                    grant.scope,
                    GrantScope::AppResourceGroup,
                    "{}",
                    path.display()
                );
            }
            if name == "Role Based Access Control Administrator" {
                let condition = grant.condition.as_ref().unwrap_or_else(|| {
                    panic!("{}: RBAC administrator without a condition", path.display())
                });
                assert!(!condition.built_in.is_empty() || !condition.custom.is_empty());
            }
            assert!(
                !grant.environments.is_empty(),
                "{}: {grant:?}",
                path.display()
            );
        }
    }
}

#[test]
fn every_generated_resource_kind_maps_to_a_grant() {
    for path in shipped() {
        let generated = common::generate_full(&path);
        let plan = &generated.plan;
        let grants = deployer::grants(plan);
        let (types, assigned) = scan(&generated.files);
        let app = |scope: &GrantScope| *scope == GrantScope::AppResourceGroup;
        for resource_type in &types {
            if resource_type.starts_with("Microsoft.Graph/") {
                // Not an Azure resource: covered by Graph application permissions instead.
                assert!(
                    deployer::required_role(resource_type).is_none()
                        && !deployer::graph_permissions(plan).is_empty(),
                    "{}: {resource_type} needs the Graph permissions listed",
                    path.display()
                );
                continue;
            }
            let role = deployer::required_role(resource_type).unwrap_or_else(|| {
                panic!(
                    "{}: no deployer permission is mapped for {resource_type}",
                    path.display()
                )
            });
            assert!(
                has(&grants, role, app),
                "{}: {resource_type} needs {} on the app's resource group",
                path.display(),
                role.name()
            );
        }
        // Role assignments: every role the output assigns is allowed by the condition.
        let allowed = deployer::assignable_roles(plan);
        for guid in &assigned {
            assert!(
                allowed.built_in.contains(&guid.as_str()),
                "{}: the output assigns {guid}, which the condition does not allow",
                path.display()
            );
        }
        // Across scopes.
        let network = &plan.network;
        if types.contains("Microsoft.Network/virtualNetworks/virtualNetworkPeerings") {
            for vnet in network.environments.values() {
                let hub = vnet.peer_with.as_ref().expect("peering without a hub");
                assert!(has(
                    &grants,
                    DeployerRole::Custom(&HUB_PEERING),
                    |s| matches!(
                        s, GrantScope::Resource { id, .. } if *id == hub.id
                    )
                ));
            }
        }
        if types.contains("Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
            && let DnsPlan::Central(zones) = &network.dns
        {
            for id in zones.values() {
                assert!(
                    has(&grants, DeployerRole::Custom(&DNS_ZONE_JOIN), |s| matches!(
                        s, GrantScope::Resource { id: scope, .. } if scope == id
                    )),
                    "{}: no join grant on {id}",
                    path.display()
                );
            }
        }
        if types.contains("Microsoft.Insights/diagnosticSettings")
            && let Some(central) = &plan.governance.monitoring.central
        {
            for id in central.values() {
                assert!(
                    has(
                        &grants,
                        DeployerRole::Custom(&WORKSPACE_DESTINATION),
                        |s| matches!(
                            s, GrantScope::Resource { id: scope, .. } if scope == id
                        )
                    ),
                    "{}: no destination grant on {id}",
                    path.display()
                );
            }
        }
        for vnet in network.environments.values() {
            if let Some(existing) = &vnet.existing {
                let in_group = |s: &GrantScope| {
                    matches!(s, GrantScope::ResourceGroup { subscription, resource_group }
                        if *subscription == existing.vnet.subscription
                            && *resource_group == existing.vnet.resource_group)
                };
                assert!(has(
                    &grants,
                    DeployerRole::BuiltIn("Network Contributor"),
                    in_group
                ));
                assert!(has(
                    &grants,
                    DeployerRole::BuiltIn("Monitoring Contributor"),
                    in_group
                ));
            }
        }
    }
}

// ---- The bootstrap `bulwark deployer` writes, judged on its Bicep text. ----

const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const USER_ACCESS_ADMINISTRATOR: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const RBAC_ADMINISTRATOR: &str = "f58310d9-a9f6-439a-9e8d-f62e7b41a168";

fn bootstrap_of(path: &std::path::Path) -> (bulwark::Generated, bulwark::FileSet) {
    let generated = common::generate_full(path);
    let label = path.file_name().unwrap().to_string_lossy().into_owned();
    let files = deployer::bootstrap(&generated.plan, &label)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (generated, files)
}

/// The top-level `resource` blocks of a file: (the comment lines above it, the block's text).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut comments = String::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(block) = &mut current {
            block.push_str(line);
            block.push('\n');
            if line == "}" {
                found.push((std::mem::take(&mut comments), current.take().unwrap()));
            }
        } else if line.starts_with("resource ") {
            current = Some(format!("{line}\n"));
        } else if let Some(comment) = line.strip_prefix("// ") {
            comments.push_str(comment);
            comments.push('\n');
        } else if line.is_empty() {
            comments.clear();
        }
    }
    found
}

fn assignments(text: &str) -> Vec<String> {
    blocks(text)
        .into_iter()
        .map(|(_, block)| block)
        .filter(|block| block.contains("'Microsoft.Authorization/roleAssignments@"))
        .collect()
}

/// The symbol of the role definition whose display name starts with `name`, and its actions.
fn custom_role_in(text: &str, name: &str) -> Option<(String, Vec<String>)> {
    blocks(text).into_iter().find_map(|(_, block)| {
        if !block.contains(&format!("roleName: '{name} (")) {
            return None;
        }
        let symbol = block.split_whitespace().nth(1).unwrap().to_string();
        let after = block.split_once("        actions: [\n").unwrap().1;
        let actions = after
            .lines()
            .take_while(|line| line.trim() != "]")
            .map(|line| line.trim().trim_matches('\'').to_string())
            .collect();
        Some((symbol, actions))
    })
}

/// The role definition reference a grant's assignment carries in `text`, after checking a
/// custom role is defined there with exactly its actions.
fn role_reference(text: &str, role: DeployerRole) -> String {
    let guid = match role {
        DeployerRole::BuiltIn(_) => format!("'{}'", role.guid().unwrap()),
        DeployerRole::Custom(custom) => {
            let (symbol, actions) = custom_role_in(text, custom.name)
                .unwrap_or_else(|| panic!("{} is not defined", custom.name));
            assert_eq!(actions, custom.actions, "{}", custom.name);
            format!("{symbol}.name")
        }
    };
    format!(
        "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {guid})"
    )
}

#[test]
fn every_bootstrap_grants_no_owner_no_subscription_contributor_and_only_conditioned_rbac_admin() {
    for path in shipped() {
        let (generated, files) = bootstrap_of(&path);
        let shown = path.display();
        let main = files.get("main.bicep").unwrap();
        assert!(main.contains("targetScope = 'subscription'"), "{shown}");
        assert!(
            assignments(main).is_empty(),
            "{shown}: main.bicep assigns a role at subscription scope"
        );
        let mut rbac_administrators = 0;
        for (file, text) in &files.files {
            if !file.ends_with(".bicep") {
                continue;
            }
            for forbidden in [OWNER, USER_ACCESS_ADMINISTRATOR] {
                assert!(
                    !text.contains(forbidden),
                    "{shown}: {file} names {forbidden}"
                );
            }
            if !assignments(text).is_empty() {
                // Role assignments only in modules main.bicep deploys to a resource group.
                assert!(!text.contains("targetScope"), "{shown}: {file}");
                assert!(
                    main.contains(&format!("'{file}' = {{"))
                        && main
                            .split(&format!("'{file}' = {{"))
                            .nth(1)
                            .unwrap()
                            .lines()
                            .find(|line| line.trim_start().starts_with("scope:"))
                            .unwrap()
                            .contains("resourceGroup("),
                    "{shown}: {file} is not deployed to a resource group"
                );
            }
            for block in assignments(text) {
                if block.contains(&format!("'{CONTRIBUTOR}'")) {
                    assert!(
                        file.starts_with("modules/app-"),
                        "{shown}: Contributor outside the app's resource group in {file}"
                    );
                }
                if block.contains(&format!("'{RBAC_ADMINISTRATOR}'")) {
                    rbac_administrators += 1;
                    assert!(
                        block.contains("conditionVersion: '2.0'"),
                        "{shown}: {block}"
                    );
                    let condition = block
                        .lines()
                        .find_map(|line| line.trim().strip_prefix("condition: "))
                        .unwrap_or_else(|| panic!("{shown}: unconditioned RBAC admin: {block}"));
                    assert!(condition.contains("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals"));
                    assert!(condition.contains(
                        "@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\\'ServicePrincipal\\'}"
                    ));
                    assert!(condition.contains(
                        "@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId]"
                    ));
                    // It allows exactly the roles the app's output assigns.
                    let allowed = deployer::assignable_roles(&generated.plan);
                    for guid in &allowed.built_in {
                        assert_eq!(condition.matches(guid).count(), 2, "{shown}: {guid}");
                    }
                    for forbidden in [
                        OWNER,
                        USER_ACCESS_ADMINISTRATOR,
                        RBAC_ADMINISTRATOR,
                        CONTRIBUTOR,
                    ] {
                        assert!(
                            !condition.contains(forbidden),
                            "{shown}: allows {forbidden}"
                        );
                    }
                }
            }
            for (_, block) in blocks(text) {
                if block.contains("'Microsoft.Authorization/roleDefinitions@") {
                    assert!(!block.contains("'*'"), "{shown}: {block}");
                    assert!(
                        !block.contains("'Microsoft.Authorization/*'"),
                        "{shown}: {block}"
                    );
                    assert!(
                        block.contains("assignableScopes: [\n      resourceGroup().id\n    ]"),
                        "{shown}: {block}"
                    );
                }
            }
        }
        // One RBAC administrator per environment whenever the output assigns roles.
        let assigns = !deployer::assignable_roles(&generated.plan)
            .built_in
            .is_empty();
        let expected = if assigns {
            generated.plan.environments.len()
        } else {
            0
        };
        assert_eq!(rbac_administrators, expected, "{shown}");
    }
}

/// The bootstrap makes exactly the role assignments `deployer::grants` derives, each at its
/// scope: every grant is there once per environment, and nothing else is.
#[test]
fn every_bootstrap_makes_exactly_the_derived_grants_at_their_scopes() {
    for path in shipped() {
        let (generated, files) = bootstrap_of(&path);
        let shown = path.display();
        let main = files.get("main.bicep").unwrap();
        let grants = deployer::grants(&generated.plan);
        let mut expected = 0;
        for grant in &grants {
            expected += grant.environments.len();
            match &grant.scope {
                GrantScope::AppResourceGroup => {
                    for environment in &grant.environments {
                        let file = format!("modules/app-{environment}.bicep");
                        let text = files.get(&file).unwrap();
                        let reference = role_reference(text, grant.role);
                        assert!(
                            assignments(text)
                                .iter()
                                .any(|block| block.contains(&reference)
                                    && block.contains("principalId: principalId")),
                            "{shown}: {file} lacks {}",
                            grant.role.name()
                        );
                        assert!(main.contains(&format!(
                            "scope: resourceGroup(subscription_{environment}, resourceGroup_{environment})"
                        )));
                    }
                }
                GrantScope::ResourceGroup { .. } | GrantScope::Resource { .. } => {
                    let (subscription, group, id) = match &grant.scope {
                        GrantScope::ResourceGroup {
                            subscription,
                            resource_group,
                        } => (subscription.clone(), resource_group.clone(), None),
                        GrantScope::Resource { id, .. } => {
                            let parts: Vec<&str> = id.split('/').collect();
                            (parts[2].to_string(), parts[4].to_string(), Some(id.clone()))
                        }
                        GrantScope::AppResourceGroup => unreachable!(),
                    };
                    let call = format!("scope: resourceGroup('{subscription}', '{group}')");
                    let before = main.split(&call).next().unwrap();
                    let file = before
                        .rsplit("module ")
                        .next()
                        .unwrap()
                        .split('\'')
                        .nth(1)
                        .unwrap_or_else(|| panic!("{shown}: no module at {call}"));
                    let text = files.get(file).unwrap();
                    let reference = role_reference(text, grant.role);
                    let target = id.map(|id| {
                        let (comments, block) = blocks(text)
                            .into_iter()
                            .find(|(comments, _)| comments.lines().any(|c| c == id))
                            .unwrap_or_else(|| panic!("{shown}: {file} does not look up {id}"));
                        assert!(block.contains("' existing = {"), "{comments}");
                        block.split_whitespace().nth(1).unwrap().to_string()
                    });
                    for environment in &grant.environments {
                        assert!(
                            assignments(text).iter().any(|block| {
                                block.contains(&reference)
                                    && block.contains(&format!(
                                        "principalId: principal_{environment}\n"
                                    ))
                                    && match &target {
                                        Some(target) => {
                                            block.contains(&format!("scope: {target}\n"))
                                        }
                                        None => !block.contains("  scope:"),
                                    }
                            }),
                            "{shown}: {file} lacks {} for {environment} at {}",
                            grant.role.name(),
                            grant.scope.describe()
                        );
                    }
                }
            }
        }
        let made: usize = files
            .files
            .values()
            .map(|text| assignments(text).len())
            .sum();
        assert_eq!(
            made, expected,
            "{shown}: role assignments beyond the derived grants"
        );
    }
}

#[test]
fn every_environment_gets_its_own_identity_federated_with_its_github_environment() {
    for path in shipped() {
        let (generated, files) = bootstrap_of(&path);
        let main = files.get("main.bicep").unwrap();
        let identity = files.get("modules/identity.bicep").unwrap();
        assert!(identity.contains(&format!("issuer: '{}'", deployer::GITHUB_ISSUER)));
        assert!(identity.contains(
            "subject: 'repo:${githubOrganization}/${githubRepository}:environment:${environmentName}'"
        ));
        assert!(identity.contains(&format!("      '{}'\n", deployer::TOKEN_EXCHANGE_AUDIENCE)));
        for environment in &generated.plan.environments {
            assert!(main.contains(&format!(
                "module identity_{environment} 'modules/identity.bicep'"
            )));
            assert!(main.contains(&format!("    environmentName: '{environment}'\n")));
        }
        assert_eq!(
            main.matches("'modules/identity.bicep' = {").count(),
            generated.plan.environments.len()
        );
    }
}

#[test]
fn bootstrap_snapshot() {
    let (_, files) = bootstrap_of(&common::repo().join("blueprints/invoices.toml"));
    let mut all = String::new();
    for (path, text) in &files.files {
        all.push_str(&format!("==> {path} <==\n{text}\n"));
    }
    insta::assert_snapshot!("deployer-bootstrap-invoices", all);
}
