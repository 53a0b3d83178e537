//! Plan → FileSet: `main.bicep`, one module per component and per concern, one
//! `.bicepparam` per environment and `bicepconfig.json`.

pub mod calls;
mod common;
pub mod delivery;
mod front_door;
mod infra;
mod kinds;
pub mod limits;
pub use delivery::{Delivery, DeliveryPath, deliveries, delivery_roles};
mod network;
pub mod perimeter;
pub mod split;
mod waivers;

use crate::bicep::{
    self, Expr, File, Param, ParamFile, Property, Resource, Statement, StatementKind, Type, interp,
    text,
};
use crate::blueprint::SizingValue;
use crate::catalog::{naming, types};
use crate::plan::{ComponentPlan, PerEnvironment, Plan, RoleAssignment, SecretInput, Sized};
use std::collections::{BTreeMap, BTreeSet};

/// The secure object parameter carrying Key Vault secret values (main.bicep, vault modules).
pub const SECRET_VALUES: &str = "secretValues";

/// main.bicep's object outputs, one key per app: its public URL, and the private link
/// connection Front Door waits for. Objects keep the outputs within ARM's 64 per template.
pub const URLS: &str = "urls";
pub const PRIVATE_LINK_APPROVALS: &str = "privateLinkApprovals";
/// With central DNS: each dedicated Container Apps environment's domain and static IP, for
/// the platform to register.
pub const ENVIRONMENT_DNS: &str = "environmentDns";
/// Each identity a database grant script names, keyed by component symbol: its client id
/// (Azure SQL users) and principal (object) id (PostgreSQL roles), so the scripts create
/// database principals without a directory lookup.
pub const DATABASE_IDENTITIES: &str = "databaseIdentities";
/// The app role assignments a platform team makes on the registrations it created: caller,
/// target, app role and the caller identity's principal id.
pub const APP_ROLE_ASSIGNMENTS: &str = "appRoleAssignments";

/// Which engine a grant script is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantEngine {
    /// Azure SQL Database, run with sqlcmd.
    Sql,
    /// PostgreSQL flexible server, run with psql.
    Postgres,
}

/// One generated grant script and what running it needs: the server's component, the script
/// path in the output directory, and for each identity it names the script variable and the
/// `databaseIdentities` key and field that fill it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantScript {
    pub engine: GrantEngine,
    pub component: String,
    pub path: String,
    /// The database sqlcmd connects to (SQL); psql connects to `postgres` and switches.
    pub database: String,
    pub admin_group: String,
    /// (script variable, `databaseIdentities` key, field)
    pub identities: Vec<(String, String, &'static str)>,
}

/// The script variable carrying a principal's id: `orders_client_id`, `orders_object_id`.
impl GrantEngine {
    /// The `databaseIdentities` field a script variable takes: SQL creates users from the
    /// client id, PostgreSQL roles from the object (principal) id.
    fn identity_field(self) -> &'static str {
        match self {
            GrantEngine::Sql => "clientId",
            GrantEngine::Postgres => "principalId",
        }
    }

    /// The shell words that set a principal's script variable from the deployment outputs
    /// in `$ids` (sqlcmd reads `name=value` pairs, psql `-v name=value`).
    pub fn variable_assignment(self, principal: &str) -> String {
        let flag = match self {
            GrantEngine::Sql => "",
            GrantEngine::Postgres => "-v ",
        };
        format!(
            "{flag}{}=\"$(jq -r '.[\"{}\"].{}' <<<\"$ids\")\"",
            grant_variable(principal, self),
            crate::catalog::naming::component_symbol(principal),
            self.identity_field()
        )
    }
}

pub fn grant_variable(principal: &str, engine: GrantEngine) -> String {
    let suffix = match engine {
        GrantEngine::Sql => "client_id",
        GrantEngine::Postgres => "object_id",
    };
    format!("{}_{suffix}", principal.replace('-', "_"))
}

/// The App Service and Functions apps with Key Vault references in their settings, in
/// component order: their modules output `siteId` so CI can refresh the references.
pub fn key_vault_reference_apps(plan: &Plan) -> Vec<&ComponentPlan> {
    use crate::blueprint::Kind;
    plan.components
        .iter()
        .filter(|component| matches!(component.kind(), Kind::WebApp | Kind::FunctionApp))
        .filter(|component| kinds::app_service::has_key_vault_references(component))
        .collect()
}

/// The grant scripts a plan generates, in component order.
pub fn grant_scripts(plan: &Plan) -> Vec<GrantScript> {
    use crate::blueprint::ComponentSpec;
    plan.components
        .iter()
        .filter_map(|component| {
            let (engine, admin_group, folder) = match &component.spec {
                ComponentSpec::SqlDatabase(spec) => (GrantEngine::Sql, &spec.admin_group, "sql"),
                ComponentSpec::Postgres(spec) => {
                    (GrantEngine::Postgres, &spec.admin_group, "postgres")
                }
                _ => return None,
            };
            let mut principals: Vec<&str> = plan
                .database_grants
                .iter()
                .filter(|grant| grant.server == component.name)
                .map(|grant| grant.principal.as_str())
                .collect();
            if principals.is_empty() {
                return None;
            }
            principals.sort_unstable();
            principals.dedup();
            let field = match engine {
                GrantEngine::Sql => "clientId",
                GrantEngine::Postgres => "principalId",
            };
            Some(GrantScript {
                engine,
                component: component.name.clone(),
                path: format!("{folder}/{}.sql", component.name),
                database: match engine {
                    GrantEngine::Sql => component.name.clone(),
                    GrantEngine::Postgres => "postgres".into(),
                },
                admin_group: admin_group.name.clone(),
                identities: principals
                    .iter()
                    .map(|principal| {
                        (
                            grant_variable(principal, engine),
                            naming::component_symbol(principal),
                            field,
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}

/// A value main.bicep outputs: the object output it goes in, its key there, and the value.
pub type MainOutput = (&'static str, String, Expr);

pub const GENERATOR: &str = concat!("bulwark ", env!("CARGO_PKG_VERSION"));

/// Generated files by path relative to the output directory. Paths use `/`, contents use LF
/// and end with one newline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    /// Path (relative, `/`-separated, e.g. `modules/web.bicep`) → content, in path order
    /// so that output is deterministic.
    pub files: BTreeMap<String, String>,
}

impl FileSet {
    /// The content of the file at `path`, if the generation produced one.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Every path, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

/// How [`generate`](crate::generate) runs: `Options::default()` is what a fresh `bulwark
/// generate` does; set fields with struct update syntax (`..Options::default()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How the header names the blueprint, e.g. `bulwark.toml`.
    pub blueprint_label: String,
    /// Subnet ranges an earlier generation laid out (from its manifest): kept where they
    /// still fit, so existing subnets never move.
    pub previous_address_plan: crate::plan::AddressRecord,
    /// The date waivers are checked against; today by default.
    pub today: crate::blueprint::Date,
    /// Generate even when the templates break ARM's per-deployment limits (resources,
    /// parameters, outputs, template size): for benchmarks of estates larger than one
    /// deployment, never for output that is meant to deploy.
    pub ignore_template_limits: bool,
    /// What one deployment may hold before the templates are split into stages; ARM's limits
    /// when `None`. Smaller budgets are for tests that split small blueprints.
    #[doc(hidden)]
    pub stage_budget: Option<split::Budget>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            blueprint_label: "bulwark.toml".to_string(),
            previous_address_plan: Default::default(),
            today: crate::blueprint::Date::today(),
            ignore_template_limits: false,
            stage_budget: None,
        }
    }
}

pub struct Context<'a> {
    pub plan: &'a Plan,
    pub options: &'a Options,
    /// Role assignments by the component they are scoped to (or one of its parts).
    inbound: BTreeMap<&'a str, Vec<&'a RoleAssignment>>,
    /// Secret inputs by (component, secret).
    secret_inputs: BTreeMap<(&'a str, &'a str), &'a SecretInput>,
}

impl<'a> Context<'a> {
    fn new(plan: &'a Plan, options: &'a Options) -> Self {
        let mut inbound: BTreeMap<&str, Vec<&RoleAssignment>> = BTreeMap::new();
        for assignment in &plan.role_assignments {
            if let Some(component) = assignment.scope.component() {
                inbound.entry(component).or_default().push(assignment);
            }
        }
        let secret_inputs = plan
            .secret_inputs
            .iter()
            .map(|input| ((input.component.as_str(), input.secret.as_str()), input))
            .collect();
        Context {
            plan,
            options,
            inbound,
            secret_inputs,
        }
    }
}

impl Context<'_> {
    fn header(&self) -> String {
        format!(
            "Generated by {GENERATOR} from {}. Do not edit: change the blueprint and run `bulwark generate`.",
            self.options.blueprint_label
        )
    }

    fn module_file(&self) -> File {
        File::new(self.header())
    }
}

/// A component module: its file, the parameters it takes with the value main.bicep passes
/// for each (kept together so the two can never disagree), and what it adds to main.bicep
/// and the parameter files.
pub struct Module {
    pub path: String,
    pub symbol: String,
    pub deployment_name: String,
    pub file: File,
    params: Vec<(Param, Expr)>,
    outputs: Vec<Statement>,
    /// Parameters of main.bicep whose value differs per environment.
    main_params: Vec<MainParam>,
    /// Outputs of main.bicep, e.g. a public app's URL.
    main_outputs: Vec<MainOutput>,
    /// Other files the component needs, e.g. a database grant script.
    extra_files: Vec<(String, String)>,
}

/// A parameter of main.bicep set per environment in the `.bicepparam` files.
#[derive(Debug, Clone, PartialEq)]
pub struct MainParam {
    pub name: String,
    pub description: String,
    pub values: BTreeMap<String, SizingValue>,
}

impl Module {
    fn new(ctx: &Context, component: &ComponentPlan) -> Self {
        let mut file = ctx.module_file();
        file.header.push(format!(
            "{}: {} ({})",
            component.name,
            component.kind(),
            crate::catalog::kind_spec(component.kind()).summary
        ));
        Module {
            path: component_module_path(component),
            symbol: module_symbol(&component.name),
            deployment_name: format!("{}-{}", ctx.plan.app, component.name),
            file,
            params: Vec::new(),
            outputs: Vec::new(),
            main_params: Vec::new(),
            main_outputs: Vec::new(),
            extra_files: Vec::new(),
        }
    }

    /// A module parameter and the value main.bicep passes for it.
    pub fn param(&mut self, param: Param, value: Expr) {
        self.params.push((param, value));
    }

    pub fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|(param, _)| param.name == name)
    }

    pub fn push(&mut self, statement: impl Into<Statement>) {
        self.file.push(statement);
    }

    pub fn output(&mut self, name: &str, value: Expr) {
        self.outputs.push(
            StatementKind::Output {
                name: name.to_string(),
                ty: Type::String,
                value,
            }
            .into(),
        );
    }

    pub fn main_output(&mut self, group: &'static str, key: String, value: Expr) {
        self.main_outputs.push((group, key, value));
    }

    pub fn extra_file(&mut self, path: String, text: String) {
        self.extra_files.push((path, text));
    }

    /// A sizing field of the component: a literal when every environment agrees, otherwise a
    /// module parameter fed by a main.bicep parameter that each `.bicepparam` sets.
    pub fn sized(&mut self, component: &ComponentPlan, field: &str) -> Expr {
        match component.sizing.get(field) {
            Some(sized) => {
                let sized = sized.clone();
                self.sized_as(component, field, &sized)
            }
            None => panic!(
                "bulwark bug: {} has no sizing field {field}",
                component.kind()
            ),
        }
    }

    /// Like [`Module::sized`] for a value derived from sizing fields (a tier from a SKU).
    pub fn sized_as(&mut self, component: &ComponentPlan, name: &str, sized: &Sized) -> Expr {
        match sized {
            PerEnvironment::Same(value) => sizing_literal(value),
            PerEnvironment::Each(values) => {
                let main_name = format!("{}_{name}", naming::component_symbol(&component.name));
                let ty = match values.values().next() {
                    Some(SizingValue::Int(_)) => Type::Int,
                    _ => Type::String,
                };
                if !self.has_param(name) {
                    self.param(
                        Param::new(name, ty).description(format!(
                            "{name} of {} in the environment being deployed.",
                            component.name
                        )),
                        Expr::ident(&main_name),
                    );
                    self.main_params.push(MainParam {
                        name: main_name,
                        description: format!(
                            "{name} of {} ({}), set per environment.",
                            component.name,
                            component.path()
                        ),
                        values: values.clone(),
                    });
                }
                Expr::ident(name)
            }
        }
    }

    /// The finished module file: parameters first, then resources, then outputs.
    fn finish(&self) -> File {
        let mut file = File {
            header: self.file.header.clone(),
            statements: Vec::new(),
        };
        let is_extension = |s: &&Statement| matches!(s.kind, StatementKind::Extension(_));
        // Extensions first: the resource types they bring are used below.
        file.statements
            .extend(self.file.statements.iter().filter(is_extension).cloned());
        file.statements.extend(
            self.params
                .iter()
                .map(|(param, _)| Statement::from(param.clone())),
        );
        file.statements.extend(
            self.file
                .statements
                .iter()
                .filter(|s| !is_extension(s))
                .cloned(),
        );
        file.statements.extend(self.outputs.iter().cloned());
        file
    }
}

pub fn sizing_literal(value: &SizingValue) -> Expr {
    match value {
        SizingValue::Int(number) => Expr::Int(*number),
        SizingValue::Text(text) => Expr::str(text.as_str()),
    }
}

/// `modules/<kind>-<name>.bicep`: the module of a component.
pub fn component_module_path(component: &ComponentPlan) -> String {
    format!("modules/{}-{}.bicep", component.kind(), component.name)
}

pub fn identity_symbol(component: &str) -> String {
    format!("{}Identity", naming::component_symbol(component))
}

pub fn module_symbol(component: &str) -> String {
    format!("{}Module", naming::component_symbol(component))
}

fn module_call(
    symbol: &str,
    path: &str,
    deployment: &str,
    args: &[(Param, Expr)],
) -> bicep::Module {
    let mut call = bicep::Module::new(symbol, path).prop("name", deployment);
    if !args.is_empty() {
        call = call.prop(
            "params",
            Expr::object(
                args.iter()
                    .map(|(param, value)| Property::new(param.name.clone(), value.clone())),
            ),
        );
    }
    call
}

fn concern_file(ctx: &Context, concern: &infra::ConcernModule) -> File {
    let mut file = ctx.module_file();
    file.statements.extend(
        concern
            .args
            .iter()
            .map(|(param, _)| Statement::from(param.clone())),
    );
    file.statements
        .extend(concern.file.statements.iter().cloned());
    file
}

pub fn emit(plan: &Plan, options: &Options) -> FileSet {
    let ctx = Context::new(plan, options);
    let mut files = BTreeMap::new();
    // Module files as syntax, for splitting a deployment too large for one template.
    let mut module_files: BTreeMap<String, File> = BTreeMap::new();
    let mut main = ctx.module_file();
    main.push(StatementKind::TargetScope("resourceGroup".into()));
    main.push(
        Param::new("environmentName", Type::String)
            .description("Environment to deploy; each has a main.<environment>.bicepparam file.")
            .allowed(
                plan.environments
                    .iter()
                    .map(|e| Expr::str(e.as_str()))
                    .collect(),
            ),
    );
    main.push(
        Param::new("location", Type::String)
            .description("Azure region for every regional resource.")
            .default(Expr::path("resourceGroup().location")),
    );
    if !plan.secret_inputs.is_empty() {
        // One secure object rather than a parameter per secret: ARM allows 256 parameters.
        main.push(Param::new(SECRET_VALUES, Type::Object).secure().description(
            "Key Vault secret values, one key per secret; the parameter files read each from an environment variable (see the README).",
        ));
        main.push(
            Param::new("secretExpiry", Type::Int)
                .description("Expiry of every Key Vault secret this deployment sets, as Unix time; one year from deployment by default.")
                .default(Expr::call(
                    "dateTimeToEpoch",
                    vec![Expr::call("dateTimeAdd", vec![Expr::call("utcNow", vec![]), "P1Y".into()])],
                )),
        );
    }
    main.push(StatementKind::Var {
        name: "tags".into(),
        value: Expr::object(
            [
                Property::new("app", plan.app.as_str()),
                Property::new("environment", Expr::ident("environmentName")),
                Property::new("managed-by", "bulwark"),
            ]
            .into_iter()
            .chain(
                plan.governance
                    .tags
                    .iter()
                    .map(|(name, value)| Property::new(name.clone(), value.as_str())),
            ),
        ),
    });
    if let PerEnvironment::Each(locks) = plan.governance.locks() {
        let locked: Vec<&str> = locks
            .iter()
            .filter(|(_, locked)| **locked)
            .map(|(environment, _)| environment.as_str())
            .collect();
        main.push(
            Statement::from(StatementKind::Var {
                name: common::LOCK_VARIABLE.into(),
                value: infra::environment_in(&locked),
            })
            .with_comment("Environments whose blueprint asks for locks on stateful resources"),
        );
    }

    for component in plan.components.iter().filter(|c| c.is_compute()) {
        main.push(
            Statement::from(
                Resource::new(
                    identity_symbol(&component.name),
                    types::USER_ASSIGNED_IDENTITY.name,
                    types::USER_ASSIGNED_IDENTITY.api_version,
                )
                .prop(
                    "name",
                    Expr::interp([
                        text(format!("id-{}-{}-", plan.app, component.name)),
                        interp(Expr::ident("environmentName")),
                    ]),
                )
                .prop("location", Expr::ident("location"))
                .prop("tags", Expr::ident("tags")),
            )
            .with_comment(format!(
                "{}: its own user-assigned identity ({})",
                component.name,
                component.path()
            )),
        );
    }

    // Outputs main.bicep adds for concerns, each with the comment above it.
    let mut concern_outputs: Vec<(String, Expr, String)> = Vec::new();
    let mut concerns = vec![
        (
            "monitoring",
            infra::monitoring(&ctx),
            "Log Analytics and Application Insights",
        ),
        (
            "network",
            infra::network(&ctx),
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
            infra::dns(&ctx),
            "Private DNS zones linked to the VNet",
        ));
    }
    if plan.shared_container_environment {
        concerns.push((
            "containerApps",
            infra::shared_container_environment(&ctx),
            "The app's internal Container Apps environment",
        ));
        if create_dns {
            concerns.push((
                "containerAppsDns",
                infra::container_apps_dns(&ctx),
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
    if let Some((concern, outputs)) = front_door::front_door(&ctx) {
        grouped_outputs.extend(outputs);
        concerns.push((
            "frontDoor",
            concern,
            "Front Door Premium with a WAF policy: the only way in from the internet",
        ));
    }
    if let Some(concern) = perimeter::perimeter(&ctx) {
        concerns.push((
            "perimeter",
            concern,
            "Network security perimeter: the second wall around the PaaS resources, with its access logs",
        ));
    }
    let deny = plan.governance.deny_environments();
    concerns.push((
        "policies",
        infra::policy(&ctx),
        if deny.is_empty() {
            "Built-in policy assignments guarding the baseline (audit)"
        } else {
            "Built-in policy assignments guarding the baseline (deny where the environment says so)"
        },
    ));
    if let Some(concern) = waivers::waivers(&ctx) {
        concerns.push((
            "waivers",
            concern,
            "Policy exemptions for the blueprint's waivers, each expiring with its waiver",
        ));
    }
    for (name, concern, what) in &concerns {
        let path = format!("modules/{}.bicep", heck::ToKebabCase::to_kebab_case(*name));
        // A dot, which component names never have, keeps these deployment names apart from
        // the components' `<app>-<component>` (a component may be called `network`).
        let deployment = format!("{}.{}", plan.app, heck::ToKebabCase::to_kebab_case(*name));
        let mut call = module_call(name, &path, &deployment, &concern.args);
        if *name == "network"
            && let Some(scope) = network_scope(plan, &mut main)
        {
            call = call.prop("scope", scope);
        }
        if *name == "perimeter"
            && let Some(scope) = perimeter::scope(&ctx)
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
        let after: Vec<String> = match *name {
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
        for (number, part) in split::concern::parts(name, &path, &deployment, call, concern, || {
            concern_file(&ctx, concern)
        })
        .into_iter()
        .enumerate()
        {
            let comment = match number {
                0 => what.to_string(),
                n => format!("{what} (part {} of the module)", n + 1),
            };
            main.push(Statement::from(part.call).with_comment(comment));
            files.insert(part.path.clone(), bicep::print_file(&part.file));
            module_files.insert(part.path, part.file);
        }
    }

    // A dedicated Container Apps environment calls the DNS module from its component's
    // module, so the file exists whenever any container app does.
    let any_container_app = plan
        .components
        .iter()
        .any(|c| c.kind() == crate::blueprint::Kind::ContainerApp);
    if any_container_app && !plan.shared_container_environment && create_dns {
        let file = concern_file(&ctx, &infra::container_apps_dns(&ctx));
        files.insert(
            "modules/container-apps-dns.bicep".to_string(),
            bicep::print_file(&file),
        );
        module_files.insert("modules/container-apps-dns.bicep".to_string(), file);
    }
    let modules: Vec<(Module, &ComponentPlan)> = plan
        .components
        .iter()
        .filter_map(|component| kinds::emit(&ctx, component).map(|module| (module, component)))
        .collect();
    let main_params: Vec<&MainParam> = modules
        .iter()
        .flat_map(|(module, _)| &module.main_params)
        .collect();
    for (module, component) in &modules {
        main.push(
            Statement::from(module_call(
                &module.symbol,
                &module.path,
                &module.deployment_name,
                &module.params,
            ))
            .with_comment(format!(
                "{}: {} ({})",
                component.name,
                component.kind(),
                component.path()
            )),
        );
        let file = module.finish();
        files.insert(module.path.clone(), bicep::print_file(&file));
        module_files.insert(module.path.clone(), file);
        for (path, text) in &module.extra_files {
            files.insert(path.clone(), text.clone());
        }
    }
    for (name, value, comment) in concern_outputs {
        let output = Statement::from(StatementKind::Output {
            name,
            ty: Type::String,
            value,
        });
        main.push(if comment.is_empty() {
            output
        } else {
            output.with_comment(comment)
        });
    }
    for (module, _) in &modules {
        grouped_outputs.extend(module.main_outputs.iter().cloned());
    }
    let mut database_principals: Vec<&str> = plan
        .database_grants
        .iter()
        .map(|grant| grant.principal.as_str())
        .collect();
    database_principals.sort_unstable();
    database_principals.dedup();
    if !database_principals.is_empty() {
        let identities = database_principals.iter().map(|principal| {
            let identity = identity_symbol(principal);
            Property::new(
                naming::component_symbol(principal),
                Expr::object([
                    Property::new(
                        "clientId",
                        Expr::path(&format!("{identity}.properties.clientId")),
                    ),
                    Property::new(
                        "principalId",
                        Expr::path(&format!("{identity}.properties.principalId")),
                    ),
                ]),
            )
        });
        main.push(
            Statement::from(StatementKind::Output {
                name: DATABASE_IDENTITIES.into(),
                ty: Type::Object,
                value: Expr::object(identities),
            })
            .with_comment("For the database grant scripts: they create each identity's database principal from these ids, with no directory lookup"),
        );
    }
    let platform_assignments: Vec<crate::bicep::Item> = plan
        .calls
        .iter()
        .filter(|call| plan.pre_created_registration(call))
        .map(|call| {
            crate::bicep::Item::from(Expr::object([
                Property::new("caller", Expr::str(call.caller.as_str())),
                Property::new("target", Expr::str(call.target.as_str())),
                Property::new("appRole", Expr::str(call.role.as_str())),
                Property::new(
                    "principalId",
                    Expr::path(&format!(
                        "{}.properties.principalId",
                        identity_symbol(&call.caller)
                    )),
                ),
            ]))
        })
        .collect();
    if !platform_assignments.is_empty() {
        main.push(
            Statement::from(StatementKind::Output {
                name: APP_ROLE_ASSIGNMENTS.into(),
                ty: Type::Array,
                value: Expr::array(platform_assignments),
            })
            .with_comment("For the platform team that created these apps' registrations: assign each caller identity its app role (README: Pre-created registrations)"),
        );
    }
    for group in [URLS, PRIVATE_LINK_APPROVALS, ENVIRONMENT_DNS] {
        let mut values: Vec<(String, Expr)> = grouped_outputs
            .iter()
            .filter(|(name, _, _)| *name == group)
            .map(|(_, key, value)| (key.clone(), value.clone()))
            .collect();
        if values.is_empty() {
            continue;
        }
        values.sort_by(|a, b| a.0.cmp(&b.0));
        main.push(StatementKind::Output {
            name: group.into(),
            ty: Type::Object,
            value: Expr::object(
                values
                    .into_iter()
                    .map(|(key, value)| Property::new(key, value)),
            ),
        });
    }
    // Parameters set per environment go with the other parameters, before the variables.
    let position = main
        .statements
        .iter()
        .position(|statement| matches!(statement.kind, StatementKind::Var { .. }))
        .unwrap_or(main.statements.len());
    for (offset, param) in main_params.iter().enumerate() {
        let ty = match param.values.values().next() {
            Some(SizingValue::Int(_)) => Type::Int,
            _ => Type::String,
        };
        let mut allowed: Vec<&SizingValue> = param.values.values().collect();
        allowed.sort();
        allowed.dedup();
        main.statements.insert(
            position + offset,
            Param::new(&param.name, ty)
                .description(param.description.clone())
                .allowed(allowed.into_iter().map(sizing_literal).collect())
                .into(),
        );
    }
    files.insert("main.bicep".into(), bicep::print_file(&main));
    let mut stages = vec![main];
    let too_large = match options.stage_budget {
        Some(_) => true,
        None => !limits::check(&FileSet {
            files: files.clone(),
        })
        .is_empty(),
    };
    if too_large {
        // Too large for one deployment: deploy it in stages if it can be split; if it
        // cannot, the limit check refuses it.
        let budget = options.stage_budget.unwrap_or_else(split::Budget::arm);
        if let Ok(split) = split::split(&stages[0], &module_files, &files, budget) {
            stages = split;
        }
    }

    for (index, stage) in stages.iter().enumerate() {
        let template = split::stage_template(index);
        files.insert(template.clone(), bicep::print_file(stage));
        let declared: BTreeSet<&str> = stage
            .statements
            .iter()
            .filter_map(|statement| match &statement.kind {
                StatementKind::Param(param) => Some(param.name.as_str()),
                _ => None,
            })
            .collect();
        let used_secrets = secret_members(stage);
        for environment in &plan.environments {
            let mut assignments = Vec::new();
            if declared.contains("environmentName") {
                assignments.push((
                    "environmentName".to_string(),
                    Expr::str(environment.as_str()),
                ));
            }
            for param in main_params
                .iter()
                .filter(|p| declared.contains(p.name.as_str()))
            {
                assignments.push((
                    param.name.clone(),
                    sizing_literal(&param.values[environment]),
                ));
            }
            if declared.contains(SECRET_VALUES) {
                let values = plan
                    .secret_inputs
                    .iter()
                    .filter(|input| used_secrets.contains(input.param.as_str()))
                    .map(|input| {
                        Property::new(
                            input.param.as_str(),
                            Expr::call(
                                "readEnvironmentVariable",
                                vec![input.variable.as_str().into()],
                            ),
                        )
                    });
                assignments.push((SECRET_VALUES.to_string(), Expr::object(values)));
            }
            let file = ParamFile {
                header: vec![ctx.header()],
                using: template.clone(),
                assignments,
            };
            files.insert(
                split::stage_param_file(index, environment),
                bicep::print_param_file(&file),
            );
        }
    }
    files.insert(
        "bicepconfig.json".into(),
        bicepconfig_with(plan.creates_registrations()),
    );
    FileSet { files }
}

/// The keys of the secret-values object a template reads (`secretValues.<key>`).
fn secret_members(file: &File) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for statement in &file.statements {
        statement.walk(&mut |expr| {
            if let Expr::Member(base, name) = expr
                && matches!(base.as_ref(), Expr::Ident(symbol) if symbol == SECRET_VALUES)
            {
                found.insert(name.clone());
            }
        });
    }
    found
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

/// Linter rules that guard security are errors; the rest stay at Bicep's defaults.
pub fn bicepconfig() -> String {
    bicepconfig_with(false)
}

/// [`bicepconfig`], with the Microsoft Graph extension's alias when the templates create app
/// registrations (service-to-service calls).
pub fn bicepconfig_with(graph: bool) -> String {
    const ERRORS: &[&str] = &[
        "adminusername-should-not-be-literal",
        "no-hardcoded-env-urls",
        "no-hardcoded-location",
        "outputs-should-not-contain-secrets",
        "protect-commandtoexecute-secrets",
        "secure-parameter-default",
        "secure-params-in-nested-deploy",
        "secure-secrets-in-params",
        "use-secure-value-for-secure-inputs",
    ];
    let rules: serde_json::Map<String, serde_json::Value> = ERRORS
        .iter()
        .map(|rule| (rule.to_string(), serde_json::json!({ "level": "error" })))
        .collect();
    let mut config = serde_json::json!({
        "analyzers": { "core": { "enabled": true, "rules": rules } }
    });
    if graph {
        config["extensions"] = serde_json::json!({
            calls::GRAPH_EXTENSION: calls::GRAPH_EXTENSION_REFERENCE
        });
    }
    let mut text = serde_json::to_string_pretty(&config).expect("static JSON serializes");
    text.push('\n');
    text
}
