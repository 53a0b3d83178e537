//! What each connection grants: Azure RBAC role assignments and their scopes, grants inside
//! SQL Database and PostgreSQL, calls between compute components, and the roles a container
//! app's registry image and scale rules imply.

use super::{ByName, ComponentPlan, scale};
use crate::blueprint::{Access, Component, ComponentSpec, PartKind};
use crate::catalog::facts;
use crate::catalog::{self, Role};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Telemetry publishing on the app's Application Insights component.
    ApplicationInsights,
    Component(String),
    Part {
        component: String,
        kind: PartKind,
        name: String,
    },
}

impl Scope {
    pub fn component(&self) -> Option<&str> {
        match self {
            Scope::ApplicationInsights => None,
            Scope::Component(component) | Scope::Part { component, .. } => Some(component),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoleAssignment {
    pub principal: String,
    pub scope: Scope,
    pub access: Option<Access>,
    pub role: Role,
    /// The blueprint path that caused it.
    pub because: String,
}

impl RoleAssignment {
    /// The role definition GUID, for built-in Azure RBAC and Cosmos DB data roles.
    pub fn role_guid(&self) -> Option<&'static str> {
        match self.role {
            Role::Arm(name) | Role::CosmosData(name) => Some(facts::role(name).guid),
            _ => None,
        }
    }
}

/// One caller allowed to call one compute component with one of its Entra app roles.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub target: String,
    pub caller: String,
    /// The app role assigned: the one the connection names, or [`catalog::CALL_ROLE`].
    pub role: String,
    /// The blueprint path that caused it.
    pub because: String,
}

/// The app roles of a compute component that receives calls: `call`, then those it declares.
pub fn app_roles(spec: &ComponentSpec) -> Vec<String> {
    std::iter::once(catalog::CALL_ROLE.to_string())
        .chain(
            spec.parts()
                .into_iter()
                .filter(|part| part.kind == PartKind::AppRole)
                .map(|part| part.name)
                .filter(|name| name != catalog::CALL_ROLE),
        )
        .collect()
}

/// A grant the generated database script makes to an app's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseGrant {
    pub server: String,
    pub database: String,
    pub principal: String,
    pub access: Access,
    pub roles: &'static [&'static str],
    pub because: String,
}

/// The grants of every component, collected in name order.
#[derive(Debug, Default)]
pub(super) struct Grants {
    pub role_assignments: Vec<RoleAssignment>,
    pub database_grants: Vec<DatabaseGrant>,
    pub calls: Vec<Call>,
}

impl Grants {
    /// What one component's connections, registry image and scale rules grant it, and the
    /// telemetry role every compute component gets; `plan` is the component's own plan.
    pub fn add(&mut self, lookup: &ByName<'_>, component: &Component, plan: &ComponentPlan) {
        for (index, connection) in component.uses().iter().enumerate() {
            let because = format!("components.{}.uses[{index}]", component.name);
            let target = lookup[connection.to.component.as_str()];
            if connection.access == Access::Call {
                self.calls.push(Call {
                    target: target.name.clone(),
                    caller: component.name.clone(),
                    role: connection
                        .to
                        .part
                        .clone()
                        .unwrap_or_else(|| catalog::CALL_ROLE.to_string()),
                    because: because.clone(),
                });
                continue;
            }
            let grant = grant_for(target, connection.to.part.as_deref(), connection.access);
            for role in grant.roles {
                if let Role::Database(roles) = role {
                    let database = match &target.spec {
                        ComponentSpec::SqlDatabase(_) => target.name.clone(),
                        _ => connection.to.part.clone().unwrap_or_default(),
                    };
                    self.database_grants.push(DatabaseGrant {
                        server: target.name.clone(),
                        database,
                        principal: component.name.clone(),
                        access: connection.access,
                        roles,
                        because: because.clone(),
                    });
                    continue;
                }
                self.role_assignments.push(RoleAssignment {
                    principal: component.name.clone(),
                    scope: scope_for(target, connection.to.part.as_deref()),
                    access: Some(connection.access),
                    role: *role,
                    because: because.clone(),
                });
            }
        }
        self.role_assignments
            .extend(implied_pull(lookup, component));
        self.role_assignments
            .extend(scaler_roles((&plan.name, &plan.scale_rules)));
        if catalog::kind_spec(component.kind()).compute {
            self.role_assignments.push(RoleAssignment {
                principal: component.name.clone(),
                scope: Scope::ApplicationInsights,
                access: None,
                role: Role::Arm("Monitoring Metrics Publisher"),
                because: format!("components.{}", component.name),
            });
        }
    }

    /// Role assignments sorted by scope, principal and role; calls sorted, each once.
    pub fn sorted(mut self) -> Self {
        // The role's name is a new String: build it only when scope and principal tie.
        self.role_assignments.sort_by(|a, b| {
            (&a.scope, &a.principal)
                .cmp(&(&b.scope, &b.principal))
                .then_with(|| a.role.name().cmp(&b.role.name()))
        });
        self.calls.sort();
        self.calls
            .dedup_by(|a, b| (&a.target, &a.caller, &a.role) == (&b.target, &b.caller, &b.role));
        // An app that receives calls is reached through its `sites` private endpoint, which
        // every App Service app has (code delivery); callers stay inside the VNet while outside
        // users of a public app keep coming through Front Door.
        self
    }
}

/// The `pull` a container app's registry image implies: the catalogue's pull role (AcrPull)
/// scoped to exactly that registry. None when a `pull` or `push` connection to the registry
/// already grants it (AcrPush also pulls: facts/roles.tsv, built-in-roles.md @00a583295ba7).
fn implied_pull(lookup: &ByName<'_>, component: &Component) -> Vec<RoleAssignment> {
    let ComponentSpec::ContainerApp(app) = &component.spec else {
        return Vec::new();
    };
    let Some(image) = app.image.registry() else {
        return Vec::new();
    };
    let connected = component.uses().iter().any(|connection| {
        connection.to.component == image.registry
            && matches!(connection.access, Access::Pull | Access::Push)
    });
    if connected {
        return Vec::new();
    }
    let target = lookup[image.registry.as_str()];
    grant_for(target, None, Access::Pull)
        .roles
        .iter()
        .map(|role| RoleAssignment {
            principal: component.name.clone(),
            scope: Scope::Component(image.registry.clone()),
            access: Some(Access::Pull),
            role: *role,
            because: format!("components.{}.image.registry", component.name),
        })
        .collect()
}

/// What the KEDA scalers need beyond the roles the receiving connection already grants, on the
/// same entity:
/// - Service Bus: the scaler reads message counts from the entity's runtime properties, which
///   takes Manage rights ("Manage access is required for KEDA to be able to get metrics from
///   Service Bus": keda.sh/docs/2.21/scalers/azure-service-bus, keda-docs @a55c5d345e2c). In
///   Entra ID the only built-in role with them is Azure Service Bus Data Owner (roles.tsv: the
///   Sender and Receiver roles carry send and receive only), so it is assigned on exactly the
///   queue or subscription, never the namespace.
/// - Storage queues: `azure-queue` reads the queue's approximate message count from its
///   properties (queueLengthStrategy `all`, the default: keda.sh/docs/2.21/scalers/
///   azure-storage-queue); Message Processor grants peek, retrieve and delete only
///   (roles.tsv), so a `receive` connection adds Storage Queue Data Reader on the queue.
///   `send-receive` (Storage Queue Data Contributor) already reads the queue.
fn scaler_roles((principal, rules): (&str, &[scale::ScaleRulePlan])) -> Vec<RoleAssignment> {
    rules
        .iter()
        .filter_map(|rule| {
            let (component, kind, name, role) = match &rule.source {
                scale::ScaleSource::ServiceBusQueue { namespace, queue } => (
                    namespace,
                    PartKind::Queue,
                    queue.clone(),
                    "Azure Service Bus Data Owner",
                ),
                scale::ScaleSource::ServiceBusSubscription {
                    namespace,
                    topic,
                    subscription,
                } => (
                    namespace,
                    PartKind::Subscription,
                    format!("{topic}/{subscription}"),
                    "Azure Service Bus Data Owner",
                ),
                scale::ScaleSource::StorageQueue { account, queue }
                    if rule.access == Access::Receive =>
                {
                    (
                        account,
                        PartKind::Queue,
                        queue.clone(),
                        "Storage Queue Data Reader",
                    )
                }
                _ => return None,
            };
            Some(RoleAssignment {
                principal: principal.to_string(),
                scope: Scope::Part {
                    component: component.clone(),
                    kind,
                    name,
                },
                access: Some(rule.access),
                role: Role::Arm(role),
                because: rule.because.clone(),
            })
        })
        .collect()
}

/// The grant the catalogue gives for a validated connection.
fn grant_for(target: &Component, part: Option<&str>, access: Access) -> &'static catalog::Grant {
    let part_kind = part
        .and_then(|part| target.spec.part(part))
        .map(|part| part.kind);
    catalog::kind_spec(target.kind())
        .target(part_kind)
        .and_then(|spec| spec.grant(access))
        .expect("validated: the target supports the access level")
}

/// Where a connection's role applies. An external service's role applies to its secret,
/// which lives in its vault.
fn scope_for(target: &Component, part: Option<&str>) -> Scope {
    if let ComponentSpec::External(external) = &target.spec {
        return Scope::Part {
            component: external.vault.clone(),
            kind: PartKind::Secret,
            name: target.name.clone(),
        };
    }
    match part.and_then(|name| target.spec.part(name)) {
        Some(part) => Scope::Part {
            component: target.name.clone(),
            kind: part.kind,
            name: part.name,
        },
        None => Scope::Component(target.name.clone()),
    }
}
