//! Protecting stateful resources: the delete lock in the environments that ask for locks,
//! and the create mode that recovers a soft-deleted predecessor.

use super::param;
use crate::bicep::{Expr, Property, Resource, Statement, Type, obj};
use crate::catalog::types;
use crate::emit::{Context, Module};
use crate::plan::{ComponentPlan, PerEnvironment};

/// The main.bicep variable saying whether this environment locks stateful resources.
pub const LOCK_VARIABLE: &str = "lockStatefulResources";

/// A `CanNotDelete` lock on a stateful component's main resource (the one its private
/// endpoints attach to), in the environments whose blueprint asks for locks.
pub fn push_lock(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    if component.is_compute() {
        return;
    }
    let Some(target) = component.private_endpoints.first().map(|e| e.target) else {
        return;
    };
    let condition = match ctx.plan.governance.locks() {
        PerEnvironment::Same(false) => return,
        PerEnvironment::Same(true) => None,
        PerEnvironment::Each(_) => {
            module.param(
                param(
                    LOCK_VARIABLE,
                    Type::Bool,
                    "Whether this environment locks stateful resources against deletion.",
                ),
                Expr::ident(LOCK_VARIABLE),
            );
            Some(Expr::ident(LOCK_VARIABLE))
        }
    };
    let mut lock = Resource::new(
        "deleteLock",
        types::MANAGEMENT_LOCK.name,
        types::MANAGEMENT_LOCK.api_version,
    )
    .prop("scope", Expr::ident(target))
    .prop("name", "do-not-delete")
    .prop(
        "properties",
        obj([
            ("level", "CanNotDelete".into()),
            (
                "notes",
                format!(
                    "{} holds state; bulwark locks it (blueprint: [governance] locks). Remove the lock deliberately before deleting.",
                    component.name
                )
                .into(),
            ),
        ]),
    );
    if let Some(condition) = condition {
        lock = lock.only_if(condition);
    }
    module.push(
        Statement::from(lock)
            .with_comment("Stateful: a CanNotDelete lock guards it against accidental deletion"),
    );
}

/// `properties.createMode` of a kind that can recover a soft-deleted predecessor of the same
/// name, when `[deployment.environments.<env>] recover` names the component: `recover` in
/// those environments and `default` in the others (a parameter each `.bicepparam` sets when
/// they differ). None when no environment recovers it, so the property stays unset.
pub fn create_mode(
    ctx: &Context,
    component: &ComponentPlan,
    module: &mut Module,
    recover: &str,
    default: &str,
) -> Option<Property> {
    let recovering = ctx.plan.deployment.recovering(&component.name);
    if recovering.is_empty() {
        return None;
    }
    let modes = PerEnvironment::from_map(
        ctx.plan
            .environments
            .iter()
            .map(|environment| {
                let mode = if recovering.contains(environment) {
                    recover
                } else {
                    default
                };
                (
                    environment.clone(),
                    crate::blueprint::SizingValue::Text(mode.to_string()),
                )
            })
            .collect(),
    );
    let value = module.sized_as(component, "createMode", &modes);
    Some(
        Property::new("createMode", value).with_comment(format!(
            "`{recover}` recovers the soft-deleted {} of this name ([deployment.environments.<env>] recover)",
            component.kind()
        )),
    )
}
