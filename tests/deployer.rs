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
