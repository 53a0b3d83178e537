//! One blueprint, several deployments: when main.bicep and the modules Bicep inlines into it
//! would break ARM's per-template limits (limits.tsv: 800 resources, 4 MB), its top-level
//! declarations are packed, in dependency order, into stages `main.bicep`, `main-2.bicep`, …
//! deployed one after another into the same resource group.
//!
//! A later stage cannot read an earlier stage's module outputs through its deployment record:
//! ARM trims a resource group's deployment history to 600 entries once it passes 700, oldest
//! first (limits.tsv, "deployments per scope in deployment history"), and a large estate
//! writes hundreds of nested deployments. So each stage reads what it needs from Azure itself:
//! a reference to an earlier module's output is replaced by that output's own expression, with
//! the module's resources declared `existing` (same name, parent and scope) and its parameters
//! replaced by the arguments the call passed. Each stage is thus a plain template that
//! deploys once the stages before it have.

pub mod concern;
mod rewrite;
mod stage;
mod view;

use super::limits;
use crate::bicep::{self, Expr, File, Statement, StatementKind};
use rewrite::{NOT_PLACED, Placing, rewrite_unit};
#[cfg(test)]
use stage::join_statements;
use stage::{Attempt, Existing, StageBuild};
use std::collections::{BTreeMap, BinaryHeap, HashMap};
pub use view::split_view;

/// The template of stage `index` (0-based): `main.bicep`, then `main-2.bicep`, ….
pub fn stage_template(index: usize) -> String {
    if index == 0 {
        "main.bicep".to_string()
    } else {
        format!("main-{}.bicep", index + 1)
    }
}

/// The parameter file of stage `index` for one environment.
pub fn stage_param_file(index: usize, environment: &str) -> String {
    let template = stage_template(index);
    let stem = template.trim_end_matches(".bicep");
    format!("{stem}.{environment}.bicepparam")
}

/// The stage templates among generated paths, in deployment order.
pub fn stage_templates<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut stages: Vec<(usize, String)> = paths
        .into_iter()
        .filter_map(|path| {
            if path == "main.bicep" {
                return Some((1, path.to_string()));
            }
            let number = path.strip_prefix("main-")?.strip_suffix(".bicep")?;
            let number: usize = number.parse().ok()?;
            (number >= 2).then(|| (number, path.to_string()))
        })
        .collect();
    stages.sort();
    stages.into_iter().map(|(_, path)| path).collect()
}

/// Why a deployment could not be split; the template-limit diagnostic then stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsplittable(pub String);

/// What one stage may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Resources, `existing` declarations and module calls.
    pub resources: u64,
    /// Estimated compiled JSON of the stage and every module it inlines.
    pub json_bytes: u64,
}

impl Budget {
    /// ARM's limits, with a tenth of the size kept back: the size is an estimate.
    pub fn arm() -> Self {
        let limit = |name: &str| {
            crate::catalog::facts::limit("ARM template", name)
                .unwrap_or_else(|| panic!("bulwark bug: limits.tsv has no ARM template `{name}`"))
        };
        Budget {
            resources: limit("resources (including copy count)"),
            json_bytes: limit("template size") * 1024 * 1024 / 10 * 9,
        }
    }
}

/// A stage's template, printed, with what the caller's `observe` took of its statements
/// before they were dropped.
pub struct PrintedStage<K> {
    pub text: String,
    pub kept: K,
}

/// Split `main` into stages that each fit `budget`. `modules` holds every module file's
/// [`split_view`] by path (as main.bicep names it) and `sizes` the size of every printed
/// module. `None` when main.bicep fits one stage as it is; then, as on an error, main.bicep
/// stands as the caller printed it.
///
/// main.bicep's statements are consumed as they are placed: each is rewritten for its stage
/// in place, printed once (that print sizes it and is its part of the stage's text), shown
/// to `observe` (which gathers into the stage's `K` what the caller needs) and dropped; only
/// what a later stage reads of a resource or module call stays (see `MainIndex`). A stage
/// holds printed pieces, joined when it closes, so no stage is printed twice and no stage's
/// syntax is held beside main.bicep's.
pub fn split<K: Default>(
    main: File,
    modules: &BTreeMap<String, File>,
    sizes: &mut limits::DeploymentSizes,
    budget: Budget,
    mut observe: impl FnMut(&mut K, &Statement),
) -> Result<Option<Vec<PrintedStage<K>>>, Unsplittable> {
    let File { header, statements } = main;
    let (mut index, shared) = MainIndex::new(statements);
    let module_files = index.module_files(modules);
    let order = index.order()?;
    let outputs = index.outputs();
    // Parameters and variables are repeated in every stage that uses them.
    let fixed_bytes: u64 = shared
        .iter()
        .filter(|s| {
            matches!(
                s.statement.kind,
                StatementKind::Param(_) | StatementKind::Var { .. } | StatementKind::TargetScope(_)
            )
        })
        .map(|s| limits::json_bytes_of(&s.text))
        .sum();
    // Stages already closed: their bodies printed, headers to come once their count is known.
    let mut closed: Vec<PrintedStage<K>> = Vec::new();
    let mut stage: StageBuild<K> = StageBuild::default();
    // By statement index, the stage each resource and module call went to.
    let mut placed: Vec<usize> = vec![NOT_PLACED; index.statements.len()];
    let units = order
        .into_iter()
        .map(|i| vec![i])
        .chain((!outputs.is_empty()).then_some(outputs));
    for unit in units {
        let taken = (unit.iter())
            .map(|&i| (i, index.take(i, module_files[i])))
            .collect();
        let placing = Placing {
            index: &index,
            module_files: &module_files,
            placed: &placed,
            stage: closed.len(),
            held: stage.existing(),
        };
        let mut attempt = rewrite_unit(&placing, sizes, taken, BTreeMap::new())?;
        let mut totals = stage.totals_with(&mut attempt);
        if !totals.fit(fixed_bytes, budget) && !stage.pieces.is_empty() {
            let full = std::mem::take(&mut stage);
            // Tried again in the new stage, where the one just closed is earlier too; the
            // declarations the unit found in that stage are carried over like its own.
            let Attempt {
                statements,
                mut existing,
                ..
            } = attempt;
            full.lend_existing(statements.iter().map(|(_, s, _)| s), &mut existing);
            closed.push(full.close(&shared, &mut observe));
            let again = statements.into_iter().map(|(i, s, _)| (i, s)).collect();
            let placing = Placing {
                index: &index,
                module_files: &module_files,
                placed: &placed,
                stage: closed.len(),
                held: stage.existing(),
            };
            attempt = rewrite_unit(&placing, sizes, again, existing)?;
            totals = stage.totals_with(&mut attempt);
        }
        if !totals.fit(fixed_bytes, budget) {
            return Err(Unsplittable(format!(
                "{} alone does not fit one deployment",
                describe(&attempt.statements[0].1)
            )));
        }
        for (i, statement, _) in &attempt.statements {
            if symbol_of(statement).is_some() {
                placed[*i] = closed.len();
            }
        }
        stage.add(attempt, totals, &index, &mut observe);
    }
    if closed.is_empty() {
        return Ok(None);
    }
    closed.push(stage.close(&shared, &mut observe));
    let count = closed.len();
    let large = index.statements.len() >= super::components::PARALLEL_FROM;
    drop_aside(index, large);
    Ok(Some(
        closed
            .into_iter()
            .enumerate()
            .map(|(number, stage)| PrintedStage {
                text: with_header(&header, number, count, &stage.text),
                kept: stage.kept,
            })
            .collect(),
    ))
}

/// Drop `value` on a thread of its own when it is `large` (a tree of many small
/// allocations, whose freeing would hold up the calling thread, the generation's critical
/// path); where no thread can be started, here.
pub(crate) fn drop_aside<T: Send + 'static>(value: T, large: bool) {
    if large {
        // A failed spawn drops the closure, and `value` with it, here.
        let _ = std::thread::Builder::new().spawn(move || drop(value));
    }
}

/// The comment heading stage `number` (0-based) of `count`.
fn stage_line(number: usize, count: usize) -> String {
    if number + 1 < count {
        format!(
            "Stage {} of {count}: one ARM deployment cannot hold this application; deploy the stages in order, {} next.",
            number + 1,
            stage_template(number + 1)
        )
    } else {
        format!("Stage {count} of {count}, the last: its outputs are the application's outputs.")
    }
}

/// A stage's whole text from its body (its statements printed without a header): main.bicep's
/// header and the stage's line, then the blank line `bicep::print_file` puts between a
/// header and the first statement, then the body. Byte for byte what printing the stage
/// with its header gives (tested below); the body is printed first because the header names
/// the number of stages, known only once the last has closed.
fn with_header(main_header: &[String], number: usize, count: usize, body: &str) -> String {
    let mut header = main_header.to_vec();
    header.push(stage_line(number, count));
    let header = bicep::print_file(&File {
        header,
        statements: Vec::new(),
    });
    let mut text = String::with_capacity(header.len() + 1 + body.len());
    text.push_str(&header);
    text.push('\n');
    text.push_str(body);
    text
}

fn describe(statement: &Statement) -> String {
    match &statement.kind {
        StatementKind::Module(module) => format!("module `{}`", module.symbol),
        StatementKind::Resource(resource) => format!("resource `{}`", resource.symbol),
        StatementKind::Output { name, .. } => format!("output `{name}`"),
        _ => "a declaration".to_string(),
    }
}

/// The compiled size of one statement, estimated as for whole templates.
fn statement_bytes(statement: &Statement) -> u64 {
    limits::json_bytes_of(&bicep::print_statement_alone(statement))
}

/// One statement printed alone, as it reads in its stage (counted: the split prints each
/// statement once, and joins the prints into the stage's text).
fn print_counted(statement: &Statement) -> String {
    crate::counters::add(crate::counters::Counter::SplitStatementPrints, 1);
    bicep::print_statement_alone(statement)
}

fn symbol_of(statement: &Statement) -> Option<&str> {
    match &statement.kind {
        StatementKind::Resource(resource) => Some(resource.symbol.as_str()),
        StatementKind::Module(module) => Some(module.symbol.as_str()),
        _ => None,
    }
}

/// A statement every stage may repeat (target scope, extension, parameter, variable), taken
/// out of main.bicep and printed once, with the others of its kind that it reads.
struct SharedStatement {
    statement: Statement,
    text: String,
    /// Positions among the shared statements of those its expressions name.
    reads: Vec<usize>,
}

/// main.bicep's resources, module calls and outputs, and where each symbol is declared.
struct MainIndex {
    /// Each statement whole until it is placed in a stage; from then on, for a resource or
    /// module call, only what a later stage reads of it (see [`view_of`]); nothing for an
    /// output, and nothing for the shared statements, which are kept apart.
    statements: Vec<Option<Statement>>,
    /// Resource and module symbols → statement index.
    nodes: HashMap<String, usize>,
    /// Parameter and variable names → position among the shared statements.
    shared_names: HashMap<String, usize>,
}

impl MainIndex {
    fn new(statements: Vec<Statement>) -> (Self, Vec<SharedStatement>) {
        let mut index = MainIndex {
            statements: Vec::with_capacity(statements.len()),
            nodes: HashMap::new(),
            shared_names: HashMap::new(),
        };
        let mut shared = Vec::new();
        for (i, statement) in statements.into_iter().enumerate() {
            let name = match &statement.kind {
                StatementKind::Resource(resource) => {
                    index.nodes.insert(resource.symbol.clone(), i);
                    None
                }
                StatementKind::Module(module) => {
                    index.nodes.insert(module.symbol.clone(), i);
                    None
                }
                StatementKind::Param(param) => Some(&param.name),
                StatementKind::Var { name, .. } => Some(name),
                StatementKind::TargetScope(_) | StatementKind::Extension(_) => None,
                StatementKind::Output { .. } => {
                    index.statements.push(Some(statement));
                    continue;
                }
            };
            if let StatementKind::Resource(_) | StatementKind::Module(_) = statement.kind {
                index.statements.push(Some(statement));
                continue;
            }
            if let Some(name) = name {
                index.shared_names.insert(name.clone(), shared.len());
            }
            index.statements.push(None);
            shared.push(SharedStatement {
                text: print_counted(&statement),
                statement,
                reads: Vec::new(),
            });
        }
        for one in &mut shared {
            let mut reads = Vec::new();
            statement_idents(&one.statement, &mut |name| {
                reads.extend(index.shared_names.get(name).copied());
            });
            one.reads = reads;
        }
        (index, shared)
    }

    /// By statement index, the file each module call names (looked up once, not for every
    /// reference to one of its outputs).
    fn module_files<'m>(&self, modules: &'m BTreeMap<String, File>) -> Vec<Option<&'m File>> {
        (self.statements.iter())
            .map(|statement| match statement.as_ref().map(|s| &s.kind) {
                Some(StatementKind::Module(module)) => modules.get(&module.path),
                _ => None,
            })
            .collect()
    }

    /// The statement at `i` for placing it; what later stages read of it stays behind.
    /// `module_file` is the file it calls, if it is a module call.
    fn take(&mut self, i: usize, module_file: Option<&File>) -> Statement {
        let slot = &mut self.statements[i];
        let statement = slot.take().expect("each statement is placed once");
        *slot = view_of(&statement, module_file);
        statement
    }

    /// What is left of the resource or module call at `i` once an earlier stage placed it.
    fn view_at(&self, i: usize) -> &Statement {
        self.statements[i]
            .as_ref()
            .expect("an earlier stage's resource or module call keeps its view")
    }

    /// Whether main.bicep declares `name` (a resource, module, parameter or variable).
    fn declares(&self, name: &str) -> bool {
        self.nodes.contains_key(name) || self.shared_names.contains_key(name)
    }

    fn outputs(&self) -> Vec<usize> {
        (0..self.statements.len())
            .filter(|i| {
                matches!(
                    self.statements[*i].as_ref().map(|s| &s.kind),
                    Some(StatementKind::Output { .. })
                )
            })
            .collect()
    }

    /// Resources and module calls in dependency order, earliest declaration first among
    /// those ready (Kahn's algorithm); outputs are placed after everything.
    fn order(&self) -> Result<Vec<usize>, Unsplittable> {
        let statements = &self.statements;
        let nodes: Vec<usize> = (0..statements.len())
            .filter(|i| statements[*i].as_ref().and_then(symbol_of).is_some())
            .collect();
        // By statement index: dense, so vectors rather than maps.
        let mut waiting: Vec<usize> = vec![0; statements.len()];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); statements.len()];
        // One buffer for every node's dependencies, sorted and deduplicated (a symbol is
        // usually read several times).
        let mut deps = Vec::new();
        for &i in &nodes {
            let statement = statements[i].as_ref().expect("nodes are whole");
            statement_idents(statement, &mut |name| {
                if let Some(&j) = self.nodes.get(name)
                    && j != i
                {
                    deps.push(j);
                }
            });
            deps.sort_unstable();
            deps.dedup();
            waiting[i] = deps.len();
            for j in deps.drain(..) {
                dependents[j].push(i);
            }
        }
        let mut ready: BinaryHeap<std::cmp::Reverse<usize>> = nodes
            .iter()
            .filter(|i| waiting[**i] == 0)
            .map(|i| std::cmp::Reverse(*i))
            .collect();
        let mut order = Vec::with_capacity(nodes.len());
        while let Some(std::cmp::Reverse(i)) = ready.pop() {
            order.push(i);
            for &j in &dependents[i] {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    ready.push(std::cmp::Reverse(j));
                }
            }
        }
        if order.len() != nodes.len() {
            return Err(Unsplittable("main.bicep has a dependency cycle".into()));
        }
        Ok(order)
    }
}

/// What a later stage reads of a resource or module call of main.bicep: of a resource, its
/// symbol, type, condition, name, parent and scope (to declare it `existing`); of a module
/// call, its path, scope and the arguments its outputs can read (those the module's view
/// keeps a parameter for). Copied before the statement is rewritten for its own stage.
fn view_of(statement: &Statement, module_file: Option<&File>) -> Option<Statement> {
    match &statement.kind {
        StatementKind::Resource(resource) => Some(Statement::from(bicep::Resource {
            symbol: resource.symbol.clone(),
            type_ref: resource.type_ref.clone(),
            existing: resource.existing,
            condition: resource.condition.clone(),
            body: (resource.body.iter())
                .filter(|p| view::read_by_split(p))
                .cloned()
                .collect(),
        })),
        StatementKind::Module(module) => {
            let read = |key: &str| {
                module_file.is_some_and(|file| {
                    file.statements.iter().any(
                        |s| matches!(&s.kind, StatementKind::Param(param) if param.name == key),
                    )
                })
            };
            let body = (module.body.iter())
                .filter_map(|p| {
                    match &p.key {
                    bicep::Key::Name(key) if key == "scope" => Some(p.clone()),
                    bicep::Key::Name(key) if key == "params" => Some(bicep::Property {
                        comments: Vec::new(),
                        key: p.key.clone(),
                        value: match &p.value {
                            Expr::Object(args) => Expr::Object(
                                (args.iter())
                                    .filter(|arg| {
                                        matches!(&arg.key, bicep::Key::Name(name) if read(name))
                                    })
                                    .cloned()
                                    .collect(),
                            ),
                            other => other.clone(),
                        },
                    }),
                    _ => None,
                }
                })
                .collect();
            Some(Statement::from(bicep::Module {
                symbol: module.symbol.clone(),
                path: module.path.clone(),
                body,
            }))
        }
        _ => None,
    }
}

/// Every identifier a statement reads, including inside interpolations.
fn statement_idents(statement: &Statement, visit: &mut dyn FnMut(&str)) {
    statement.walk(&mut |expr| {
        crate::counters::add(crate::counters::Counter::SplitSteps, 1);
        if let Expr::Ident(name) = expr {
            visit(name);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bicep::{Param, Resource, Type};

    /// A stage printed statement by statement, the prints joined, its header put in front
    /// once the number of stages is known, reads exactly as the whole stage printed at once.
    #[test]
    fn a_header_put_in_front_of_the_joined_statements_prints_as_the_whole_file() {
        let mut body = File {
            header: Vec::new(),
            statements: Vec::new(),
        };
        body.push(StatementKind::TargetScope("resourceGroup".into()));
        body.push(Statement::from(Param::new("environmentName", Type::String)).with_comment("Why"));
        body.push(
            Statement::from(
                Resource::new("vault", "Microsoft.KeyVault/vaults", "2023-07-01")
                    .only_if(Expr::Ident("deployVault".into()))
                    .prop("name", Expr::str("kv-x")),
            )
            .with_comment("Deployed by an earlier stage; read here by name"),
        );
        let main_header = vec![
            "Generated by bulwark; do not edit.".to_string(),
            String::new(),
        ];
        let prints: Vec<String> = body.statements.iter().map(print_counted).collect();
        let joined = join_statements(&prints.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(joined, bicep::print_file(&body));
        for (number, count) in [(0, 3), (1, 3), (2, 3)] {
            let mut whole = body.clone();
            whole.header = main_header.clone();
            whole.header.push(stage_line(number, count));
            assert_eq!(
                with_header(&main_header, number, count, &joined),
                bicep::print_file(&whole)
            );
        }
    }
}
