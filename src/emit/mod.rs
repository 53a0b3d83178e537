//! Plan → FileSet: `main.bicep`, one module per component and per concern, one
//! `.bicepparam` per environment and `bicepconfig.json`.

mod bicepconfig;
pub use bicepconfig::{bicepconfig, bicepconfig_with};
pub mod calls;
mod common;
mod components;
pub use components::threads_for;
mod concerns;
mod database_grants;
pub mod delivery;
mod front_door;
mod infra;
mod kinds;
pub mod limits;
mod main_head;
mod main_outputs;
pub use database_grants::{GrantEngine, GrantScript, grant_scripts, grant_variable};
pub use delivery::{Delivery, DeliveryPath, deliveries, delivery_roles};
mod network;
pub mod perimeter;
pub mod split;
mod stage_files;
mod waivers;

use crate::bicep::{self, Expr, File, Param, Property, Statement, StatementKind, Type};
use crate::blueprint::SizingValue;
use crate::catalog::naming;
use crate::plan::{ComponentPlan, PerEnvironment, Plan, RoleAssignment, SecretInput, Sized};
use std::collections::BTreeMap;

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
    /// How the files are digested for the sink ([`Digest`]).
    digest: Digest,
    /// Role assignments by the component they are scoped to (or one of its parts).
    inbound: BTreeMap<&'a str, Vec<&'a RoleAssignment>>,
    /// Secret inputs by (component, secret).
    secret_inputs: BTreeMap<(&'a str, &'a str), &'a SecretInput>,
}

impl<'a> Context<'a> {
    fn new(plan: &'a Plan, options: &'a Options, digest: Digest) -> Self {
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
            digest,
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

    /// The finished module file: parameters first, then resources, then outputs. Takes the
    /// syntax out of the module (moved, not cloned): only the call and main.bicep's parts stay.
    fn finish(&mut self) -> File {
        let header = std::mem::take(&mut self.file.header);
        let body = std::mem::take(&mut self.file.statements);
        let params = self.params.iter().map(|(param, _)| param.clone());
        let is_extension = |s: &Statement| matches!(s.kind, StatementKind::Extension(_));
        let (extensions, rest): (Vec<Statement>, Vec<Statement>) =
            body.into_iter().partition(is_extension);
        let mut statements = Vec::with_capacity(
            extensions.len() + self.params.len() + rest.len() + self.outputs.len(),
        );
        // Extensions first: the resource types they bring are used below.
        statements.extend(extensions);
        statements.extend(params.map(Statement::from));
        statements.extend(rest);
        statements.append(&mut self.outputs);
        File { header, statements }
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

/// A concern's module file, its statements moved into it (not copied: the concern modules
/// are a large part of what the calling thread builds while the workers build components).
fn concern_file(ctx: &Context, concern: infra::ConcernModule) -> File {
    let mut file = ctx.module_file();
    let body = concern.file.statements;
    file.statements.reserve(concern.args.len() + body.len());
    file.statements
        .extend((concern.args.into_iter()).map(|(param, _)| Statement::from(param)));
    file.statements.extend(body);
    file
}

/// Where a generation's files go as soon as each is final: path, text and the text's
/// [`Digest`], in the order emit produces them (not path order). `lib::generate` collects
/// them into a [`FileSet`]; the CLI writes them while emit goes on.
pub type Sink<'s> = dyn FnMut(String, String, String) + 's;

/// The digest of a file's text the sink receives: `output::hash` for `lib` (which emit, a
/// floor below, does not import). Emit takes it so that the component modules are digested
/// on the worker threads that print them, not on the calling thread.
pub type Digest = fn(&[u8]) -> String;

/// The files of a generation being emitted: those still kept back by path (main.bicep
/// until the stage split is decided, then the stages and their parameter files), of each
/// module file what the stage split reads ([`split::split_view`]), and what the limit
/// checks read of every template already handed on to the sink, whose text is gone.
struct Written<'s> {
    files: BTreeMap<String, String>,
    module_files: BTreeMap<String, File>,
    memo: limits::TemplateMemo,
    digest: Digest,
    sink: &'s mut Sink<'s>,
}

impl<'s> Written<'s> {
    fn new(digest: Digest, sink: &'s mut Sink<'s>) -> Self {
        Written {
            files: BTreeMap::new(),
            module_files: BTreeMap::new(),
            memo: limits::TemplateMemo::default(),
            digest,
            sink,
        }
    }

    /// A module file at `path`: printed and handed on, its syntax cut to what the split reads.
    fn module(&mut self, path: String, file: File) {
        let text = bicep::print_file(&file);
        self.module_files
            .insert(path.clone(), split::split_view(file));
        self.hand_on(path, text);
    }

    /// A final file, to the sink with its digest; a template is read for the limit checks
    /// first, as its text does not come back.
    fn hand_on(&mut self, path: String, text: String) {
        if path.ends_with(".bicep") {
            self.memo.read(&path, &text);
        }
        let digest = (self.digest)(text.as_bytes());
        (self.sink)(path, text, digest);
    }

    /// A file finished on a worker, digested and scanned there: only recorded here.
    fn hand_on_finished(&mut self, file: components::Finished) {
        if let Some(scanned) = file.scanned {
            self.memo.record(&file.path, scanned);
        }
        (self.sink)(file.path, file.text, file.digest);
    }
}

/// The whole generation: main.bicep's head, the concern modules, one module per component,
/// main.bicep's outputs, then the templates (in stages when too large) with their parameter
/// files, and bicepconfig.json. Each module is printed as soon as it is built and its syntax
/// dropped, so memory holds the text of the files and little more. The component modules
/// are built on several threads when there are enough of them (`emit::components`), taken
/// back in component order, so the output does not depend on the threads.
pub fn emit(plan: &Plan, options: &Options) -> FileSet {
    emit_on_threads(
        plan,
        options,
        components::threads_for(plan.components.len()),
    )
}

/// [`emit`] with the component modules built on `threads` threads (1: on the calling
/// thread only), for tests that the output does not depend on them.
#[doc(hidden)]
pub fn emit_on_threads(plan: &Plan, options: &Options, threads: usize) -> FileSet {
    let mut files = FileSet::default();
    // No digests are kept: none are made.
    let no_digest: Digest = |_| String::new();
    let sink = &mut |path, text, _| {
        files.files.insert(path, text);
    };
    emit_into(plan, options, threads, no_digest, sink, &mut || {});
    files
}

/// [`emit`], handing each file to `sink` as soon as it is final (see [`Sink`]) with its
/// `digest`, instead of collecting them: component modules as the in-order component loop
/// takes them, the stage templates and parameter files last. Returns what the
/// template-limit checks read of every template handed on, so `lib::generate`'s final check
/// needs no text again. `components_built` is called once the component workers are done,
/// before the stage split: from then on the calling thread alone works on the templates, so
/// a caller can start work of its own (the security report) on the core that frees up.
#[doc(hidden)]
pub fn emit_streaming(
    plan: &Plan,
    options: &Options,
    digest: Digest,
    sink: &mut Sink<'_>,
    components_built: &mut dyn FnMut(),
) -> limits::TemplateMemo {
    let threads = components::threads_for(plan.components.len());
    emit_into(plan, options, threads, digest, sink, components_built)
}

/// What the calling thread assembles while the component modules are built.
struct Assembly<'s> {
    main: File,
    written: Written<'s>,
    concern_outputs: Vec<(String, Expr, String)>,
    grouped_outputs: Vec<MainOutput>,
    main_params: Vec<MainParam>,
}

fn emit_into<'s>(
    plan: &Plan,
    options: &Options,
    threads: usize,
    digest: Digest,
    sink: &'s mut Sink<'s>,
    components_built: &mut dyn FnMut(),
) -> limits::TemplateMemo {
    let ctx = Context::new(plan, options, digest);
    let mut main = ctx.module_file();
    main_head::push_parameters(&ctx, &mut main);
    main_head::push_identities(plan, &mut main);
    let mut assembly = Assembly {
        main,
        written: Written::new(digest, sink),
        concern_outputs: Vec::new(),
        grouped_outputs: Vec::new(),
        main_params: Vec::new(),
    };
    // The concern modules are built while the workers start on the component modules;
    // their calls still come first in main.bicep, their files first to the sink.
    let concerns_first = |assembly: &mut Assembly<'s>| {
        let concerns = concerns::concerns(&ctx);
        let (main, written) = (&mut assembly.main, &mut assembly.written);
        concerns::push_calls(&ctx, main, concerns.modules, written);
        // The concern modules are handed on: only what main.bicep adds for them stays.
        assembly.concern_outputs = concerns.outputs;
        assembly.grouped_outputs = concerns.grouped_outputs;
    };
    let take_component = |assembly: &mut Assembly<'s>, mut built: components::Built| {
        assembly.main.push(built.call);
        let written = &mut assembly.written;
        (written.module_files).insert(built.module.path.clone(), built.split_view);
        written.hand_on_finished(built.module);
        for file in built.extra_files {
            written.hand_on_finished(file);
        }
        assembly.grouped_outputs.append(&mut built.main_outputs);
        assembly.main_params.append(&mut built.main_params);
    };
    let components = &plan.components;
    components::build_all(
        &ctx,
        components,
        threads,
        &mut assembly,
        concerns_first,
        take_component,
    );
    components_built();
    let Assembly {
        mut main,
        mut written,
        concern_outputs: outputs,
        grouped_outputs,
        main_params,
    } = assembly;
    main_outputs::push(plan, &mut main, outputs, &grouped_outputs);

    let main_params: Vec<&MainParam> = main_params.iter().collect();
    main_head::insert_environment_params(&mut main, &main_params);
    written
        .files
        .insert("main.bicep".into(), bicep::print_file(&main));
    // The split reads the modules through the memo: their texts were handed on.
    let mut memo = std::mem::take(&mut written.memo);
    let stages = stage_files::stages(main, &mut written, options, &mut memo);
    written.memo = memo;
    let large = written.module_files.len() >= components::PARALLEL_FROM;
    split::drop_aside(std::mem::take(&mut written.module_files), large);
    let staged = stages.len() > 1;
    stage_files::write(&ctx, stages, &main_params, &mut written.files);
    let files = std::mem::take(&mut written.files);
    if staged {
        // Every template is new to the memo (main.bicep's first text was forgotten).
        for file in components::finish_files(&ctx, files.into_iter().collect()) {
            written.hand_on_finished(file);
        }
    } else {
        files
            .into_iter()
            .for_each(|(path, text)| written.hand_on(path, text));
    }
    written.hand_on(
        "bicepconfig.json".into(),
        bicepconfig_with(plan.creates_registrations()),
    );
    written.memo
}
