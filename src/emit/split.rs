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

use super::limits;
use crate::bicep::{self, Expr, File, Statement, StatementKind};
use rewrite::rewrite_unit;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

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

/// What the split reads of a module file (see `rewrite`: a later stage inlines a module's
/// output, declaring the resources it names `existing`): parameters by name and default,
/// variables and outputs whole, resources by symbol, type, condition, name, parent and
/// scope. Everything else (the resources' settings, comments, the header) is left out, so a
/// generation does not keep every module's syntax beside its text.
pub fn split_view(file: File) -> File {
    let mut statements: Vec<Statement> = file
        .statements
        .into_iter()
        .filter_map(|statement| match statement.kind {
            // A parameter is read for its name and default, not its description.
            StatementKind::Param(param) => Some(Statement::from(bicep::Param {
                default: param.default,
                ..bicep::Param::new(param.name, param.ty)
            })),
            StatementKind::Var { .. } | StatementKind::Output { .. } => {
                Some(Statement::from(statement.kind))
            }
            StatementKind::Resource(mut resource) => {
                resource.body.retain(read_by_split);
                resource.body.shrink_to_fit();
                Some(Statement::from(resource))
            }
            _ => None,
        })
        .collect();
    // Collected in place: the vector keeps the whole file's capacity unless shrunk.
    statements.shrink_to_fit();
    File {
        header: Vec::new(),
        statements,
    }
}

/// The properties of a module's resource that a later stage's `existing` declaration reads.
fn read_by_split(property: &bicep::Property) -> bool {
    match &property.key {
        bicep::Key::Name(key) => matches!(key.as_str(), "name" | "parent" | "scope"),
        bicep::Key::Interpolated(_) => false,
    }
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

/// A stage's template, printed, with what the caller's `keep` took of its syntax before
/// that was dropped.
pub struct PrintedStage<K> {
    pub text: String,
    pub kept: K,
}

/// Split `main` into stages that each fit `budget`. `modules` holds every module file by
/// path (as main.bicep names it) and `sizes` the size of every printed module. `None` when
/// main.bicep fits one stage as it is.
///
/// Each stage is printed as soon as the next one begins and its syntax dropped (`keep`
/// takes what the caller needs of it first), so a large estate never holds every stage's
/// syntax beside main.bicep's.
pub fn split<K>(
    main: &File,
    modules: &BTreeMap<String, File>,
    sizes: &mut limits::DeploymentSizes,
    budget: Budget,
    mut keep: impl FnMut(&File) -> K,
) -> Result<Option<Vec<PrintedStage<K>>>, Unsplittable> {
    let index = MainIndex::new(main);
    let order = index.order()?;
    let outputs: Vec<usize> = (0..main.statements.len())
        .filter(|i| matches!(main.statements[*i].kind, StatementKind::Output { .. }))
        .collect();
    // Parameters and variables are repeated in every stage that uses them.
    let fixed_bytes: u64 = main
        .statements
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                StatementKind::Param(_) | StatementKind::Var { .. } | StatementKind::TargetScope(_)
            )
        })
        .map(statement_bytes)
        .sum();

    // What every stage may repeat, found once: going through all of main.bicep for each
    // stage would make the split quadratic, as the number of stages grows with the estate.
    let shared: Vec<&Statement> = main
        .statements
        .iter()
        .filter(|statement| {
            matches!(
                statement.kind,
                StatementKind::TargetScope(_)
                    | StatementKind::Extension(_)
                    | StatementKind::Param(_)
                    | StatementKind::Var { .. }
            )
        })
        .collect();
    // Stages already closed: their bodies printed, headers to come once their count is known.
    let mut closed: Vec<PrintedStage<K>> = Vec::new();
    let mut stages: Vec<StageBuild> = vec![StageBuild::default()];
    let mut placed: HashMap<String, usize> = HashMap::new();
    let units: Vec<Vec<usize>> = order
        .into_iter()
        .map(|i| vec![i])
        .chain((!outputs.is_empty()).then_some(outputs))
        .collect();
    for unit in units {
        let mut attempt = rewrite_unit(
            &index,
            main,
            modules,
            sizes,
            &placed,
            stages.len() - 1,
            &unit,
        )?;
        let current = stages.last().expect("one stage at least");
        let mut totals = current.totals_with(&attempt);
        if !totals.fit(fixed_bytes, budget) && !current.statements.is_empty() {
            let full = std::mem::take(stages.last_mut().expect("one stage at least"));
            closed.push(full.close(&shared, &mut keep));
            stages.push(StageBuild::default());
            attempt = rewrite_unit(
                &index,
                main,
                modules,
                sizes,
                &placed,
                stages.len() - 1,
                &unit,
            )?;
            totals = stages.last().expect("the new stage").totals_with(&attempt);
        }
        if !totals.fit(fixed_bytes, budget) {
            return Err(Unsplittable(format!(
                "{} alone does not fit one deployment",
                describe(&main.statements[unit[0]])
            )));
        }
        let stage_number = stages.len();
        let current = stages.last_mut().expect("one stage at least");
        for &i in &unit {
            if let Some(symbol) = index.symbol_of(i) {
                placed.insert(symbol.to_string(), stage_number - 1);
            }
        }
        current.add(attempt, totals);
    }
    if stages.len() == 1 {
        return Ok(None);
    }
    let last = stages.pop().expect("one stage at least");
    closed.push(last.close(&shared, &mut keep));
    let count = closed.len();
    Ok(Some(
        closed
            .into_iter()
            .enumerate()
            .map(|(number, stage)| PrintedStage {
                text: with_header(&main.header, number, count, &stage.text),
                kept: stage.kept,
            })
            .collect(),
    ))
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

/// Where each top-level symbol of main.bicep is declared.
struct MainIndex<'a> {
    main: &'a File,
    /// Resource and module symbols → statement index.
    nodes: HashMap<&'a str, usize>,
    params: HashMap<&'a str, usize>,
    vars: HashMap<&'a str, usize>,
}

impl<'a> MainIndex<'a> {
    fn new(main: &'a File) -> Self {
        let mut index = MainIndex {
            main,
            nodes: HashMap::new(),
            params: HashMap::new(),
            vars: HashMap::new(),
        };
        for (i, statement) in main.statements.iter().enumerate() {
            match &statement.kind {
                StatementKind::Resource(resource) => {
                    index.nodes.insert(resource.symbol.as_str(), i);
                }
                StatementKind::Module(module) => {
                    index.nodes.insert(module.symbol.as_str(), i);
                }
                StatementKind::Param(param) => {
                    index.params.insert(param.name.as_str(), i);
                }
                StatementKind::Var { name, .. } => {
                    index.vars.insert(name.as_str(), i);
                }
                _ => {}
            }
        }
        index
    }

    fn symbol_of(&self, i: usize) -> Option<&'a str> {
        match &self.main.statements[i].kind {
            StatementKind::Resource(resource) => Some(resource.symbol.as_str()),
            StatementKind::Module(module) => Some(module.symbol.as_str()),
            _ => None,
        }
    }

    /// Resources and module calls in dependency order, earliest declaration first among
    /// those ready (Kahn's algorithm); outputs are placed after everything.
    fn order(&self) -> Result<Vec<usize>, Unsplittable> {
        let statements = &self.main.statements;
        let nodes: Vec<usize> = (0..statements.len())
            .filter(|i| self.symbol_of(*i).is_some())
            .collect();
        let mut waiting: HashMap<usize, usize> = HashMap::new();
        let mut dependents: HashMap<usize, Vec<usize>> = HashMap::new();
        for &i in &nodes {
            let mut deps = BTreeSet::new();
            statement_idents(&statements[i], &mut |name| {
                if let Some(&j) = self.nodes.get(name)
                    && j != i
                {
                    deps.insert(j);
                }
            });
            waiting.insert(i, deps.len());
            for j in deps {
                dependents.entry(j).or_default().push(i);
            }
        }
        let mut ready: BinaryHeap<std::cmp::Reverse<usize>> = nodes
            .iter()
            .filter(|i| waiting[i] == 0)
            .map(|i| std::cmp::Reverse(*i))
            .collect();
        let mut order = Vec::with_capacity(nodes.len());
        while let Some(std::cmp::Reverse(i)) = ready.pop() {
            order.push(i);
            for &j in dependents.get(&i).map(Vec::as_slice).unwrap_or_default() {
                let count = waiting.get_mut(&j).expect("every node counted");
                *count -= 1;
                if *count == 0 {
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

/// Every identifier a statement reads, including inside interpolations.
fn statement_idents(statement: &Statement, visit: &mut dyn FnMut(&str)) {
    statement.walk(&mut |expr| {
        crate::counters::add(crate::counters::Counter::SplitSteps, 1);
        if let Expr::Ident(name) = expr {
            visit(name);
        }
    });
}

/// Statements rewritten for one stage, with the `existing` declarations they need.
struct Attempt {
    statements: Vec<(usize, Statement)>,
    existing: BTreeMap<String, Statement>,
    /// Compiled size of the statements and of the modules they inline.
    bytes: u64,
    /// Resources and module calls among the statements.
    resources: u64,
}

/// A stage's resources and estimated size, parameters and variables left out.
#[derive(Clone, Copy)]
struct Totals {
    resources: u64,
    bytes: u64,
}

impl Totals {
    /// Whether a stage of these totals, with `fixed_bytes` of parameters and variables,
    /// fits `budget`.
    fn fit(self, fixed_bytes: u64, budget: Budget) -> bool {
        self.resources <= budget.resources && fixed_bytes + self.bytes <= budget.json_bytes
    }
}

#[derive(Default)]
struct StageBuild {
    statements: Vec<(usize, Statement)>,
    existing: BTreeMap<String, Statement>,
    bytes: u64,
    resources: u64,
}

impl StageBuild {
    fn new_existing<'b>(&self, attempt: &'b Attempt) -> impl Iterator<Item = &'b Statement> {
        attempt
            .existing
            .iter()
            .filter(|(symbol, _)| !self.existing.contains_key(*symbol))
            .map(|(_, statement)| statement)
    }

    /// What the stage would hold with `attempt` added: each `existing` declaration it does
    /// not hold yet printed once to size it, here and not again when it is added.
    fn totals_with(&self, attempt: &Attempt) -> Totals {
        let mut totals = Totals {
            resources: self.resources + attempt.resources,
            bytes: self.bytes + attempt.bytes,
        };
        for statement in self.new_existing(attempt) {
            totals.resources += 1;
            totals.bytes += statement_bytes(statement);
        }
        totals
    }

    /// Add `attempt`; `totals` is what [`totals_with`](Self::totals_with) found for it.
    fn add(&mut self, attempt: Attempt, totals: Totals) {
        self.resources = totals.resources;
        self.bytes = totals.bytes;
        for (symbol, statement) in attempt.existing {
            self.existing.entry(symbol).or_insert(statement);
        }
        self.statements.extend(attempt.statements);
    }

    /// The stage printed without its header (see [`with_header`]), with what `keep` takes
    /// of its syntax, which is then dropped.
    fn close<K>(self, shared: &[&Statement], keep: &mut impl FnMut(&File) -> K) -> PrintedStage<K> {
        let file = self.finish(shared);
        PrintedStage {
            text: bicep::print_file(&file),
            kept: keep(&file),
        }
    }

    /// The stage's template: the parameters and variables it uses, the earlier stages'
    /// resources it reads, then its own declarations in main.bicep's order.
    /// `shared` holds main.bicep's target scope, extensions, parameters and variables. Its
    /// header is left out, as it waits for the number of stages.
    fn finish(mut self, shared: &[&Statement]) -> File {
        self.statements.sort_by_key(|(i, _)| *i);
        let body: Vec<Statement> = self
            .existing
            .into_values()
            .map(|statement| {
                statement.with_comment("Deployed by an earlier stage; read here by name")
            })
            .chain(self.statements.into_iter().map(|(_, s)| s))
            .collect();
        // Variables and parameters used, directly or through a variable or a default.
        let mut used: BTreeSet<String> = BTreeSet::new();
        for statement in &body {
            statement_idents(statement, &mut |name| {
                used.insert(name.to_string());
            });
        }
        loop {
            let before = used.len();
            for statement in shared {
                crate::counters::add(crate::counters::Counter::SplitSteps, 1);
                let name = match &statement.kind {
                    StatementKind::Var { name, .. } => name,
                    StatementKind::Param(param) => &param.name,
                    _ => continue,
                };
                if used.contains(name) {
                    let mut more = Vec::new();
                    statement_idents(statement, &mut |n| more.push(n.to_string()));
                    used.extend(more);
                }
            }
            if used.len() == before {
                break;
            }
        }
        let mut file = File {
            header: Vec::new(),
            statements: Vec::new(),
        };
        for statement in shared {
            crate::counters::add(crate::counters::Counter::SplitSteps, 1);
            let keep = match &statement.kind {
                StatementKind::TargetScope(_) | StatementKind::Extension(_) => true,
                StatementKind::Param(param) => used.contains(&param.name),
                StatementKind::Var { name, .. } => used.contains(name),
                _ => false,
            };
            if keep {
                file.statements.push((*statement).clone());
            }
        }
        file.statements.extend(body);
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bicep::{Param, Resource, Type};

    /// A stage printed body first, its header put in front once the number of stages is
    /// known, reads exactly as the whole stage printed at once.
    #[test]
    fn a_header_put_in_front_of_the_body_prints_as_the_whole_file() {
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
        for (number, count) in [(0, 3), (1, 3), (2, 3)] {
            let mut whole = body.clone();
            whole.header = main_header.clone();
            whole.header.push(stage_line(number, count));
            assert_eq!(
                with_header(&main_header, number, count, &bicep::print_file(&body)),
                bicep::print_file(&whole)
            );
        }
    }
}
