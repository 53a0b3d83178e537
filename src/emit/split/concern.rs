//! Concern modules past ARM's 800 resources per template (limits.tsv, "resources (including
//! copy count)"): the resources a concern repeats per component (a subnet's NSG, a
//! perimeter association, an app's telemetry role) fill the concern's module up to the
//! limit, in declaration order, and the rest go, in the same order, to
//! `modules/<concern>-2.bicep`, `-3`, … called beside it from main.bicep. A component added
//! at the end of the blueprint therefore only ever lands in the last part.
//!
//! A part reads what another part deploys by id (`resourceId(…)`, the same string the
//! symbol's `.id` gives) or as an `existing` resource, and its module call waits for that
//! part (`dependsOn`); every part takes only the parameters, object entries and variables
//! it reads. Blueprints whose concern modules fit one template are not touched.

mod layout;

use super::{Budget, statement_bytes};
use crate::bicep::{self, Expr, File, Item, Key, Param, Property, Statement, StatementKind};
use crate::catalog::types;
use layout::{Layout, Writing};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The resource types a concern declares once per component or per part, which may move.
/// Each takes its diagnostic setting (`scope: <it>`) along.
fn repeated_types(concern: &str) -> &'static [&'static str] {
    match concern {
        "monitoring" => &[types::ROLE_ASSIGNMENT.name],
        "network" => &[types::NETWORK_SECURITY_GROUP.name],
        "perimeter" => &[types::PERIMETER_ASSOCIATION.name],
        _ => &[],
    }
}

/// One concern module as main.bicep calls it.
pub(crate) struct ConcernCall<'a> {
    /// `network`, `monitoring`, …: the module's symbol in main.bicep.
    pub symbol: &'a str,
    /// `modules/network.bicep`.
    pub path: &'a str,
    /// The ARM deployment name, `<app>.network`.
    pub deployment: &'a str,
    /// The call as main.bicep would make it undivided.
    pub call: bicep::Module,
    /// The module's own statements (parameters come from `args`).
    pub file: &'a File,
    /// Each parameter with the value main.bicep passes.
    pub args: &'a [(Param, Expr)],
}

/// One module of a divided concern: its call in main.bicep and its file.
pub(crate) struct Part {
    /// The module call main.bicep makes.
    pub call: bicep::Module,
    /// `modules/network.bicep`, `modules/network-2.bicep`, ….
    pub path: String,
    /// The module file, parameters first.
    pub file: File,
}

fn type_name(resource: &bicep::Resource) -> &str {
    resource
        .type_ref
        .split_once('@')
        .map_or(resource.type_ref.as_str(), |(name, _)| name)
}

fn property<'p>(body: &'p [Property], key: &str) -> Option<&'p Expr> {
    body.iter()
        .find(|p| matches!(&p.key, Key::Name(name) if name == key))
        .map(|p| &p.value)
}

fn resource_of(statement: &Statement) -> Option<&bicep::Resource> {
    match &statement.kind {
        StatementKind::Resource(resource) => Some(resource),
        _ => None,
    }
}

/// `modules/network.bicep` → `modules/network-2.bicep` for part `number` (1-based, ≥ 2).
fn part_path(path: &str, number: usize) -> String {
    let stem = path.strip_suffix(".bicep").unwrap_or(path);
    format!("{stem}-{number}.bicep")
}

/// The parts a concern is deployed as (described above). `None` when its module fits one
/// template, or when it cannot be divided (too many resources that do not repeat, or parts
/// that would wait for each other): the template limit check then refuses the blueprint.
fn divide(concern: &ConcernCall, budget: Budget) -> Option<Vec<Part>> {
    let statements = &concern.file.statements;
    let resources = statements.iter().filter_map(resource_of).count() as u64;
    if resources <= budget.resources {
        return None;
    }
    let groups = groups(concern.symbol, statements);
    let moving: BTreeSet<usize> = groups.iter().flatten().copied().collect();
    let head_resources = (0..statements.len())
        .filter(|i| !moving.contains(i) && resource_of(&statements[*i]).is_some())
        .count() as u64;
    if head_resources > budget.resources {
        return None;
    }
    let holders = pack(statements, &groups, budget)?;
    assemble(concern, &holders)
}

/// The repeated resources, each with its diagnostic settings, in declaration order.
fn groups(concern: &str, statements: &[Statement]) -> Vec<Vec<usize>> {
    let repeated = repeated_types(concern);
    let mut roots: Vec<Vec<usize>> = Vec::new();
    let mut root_of: HashMap<&str, usize> = HashMap::new();
    for (i, statement) in statements.iter().enumerate() {
        if let Some(resource) = resource_of(statement)
            && !resource.existing
            && resource.condition.is_none()
            && repeated.contains(&type_name(resource))
        {
            root_of.insert(resource.symbol.as_str(), roots.len());
            roots.push(vec![i]);
        }
    }
    for (i, statement) in statements.iter().enumerate() {
        if let Some(resource) = resource_of(statement)
            && type_name(resource) == types::DIAGNOSTIC_SETTING.name
            && let Some(Expr::Ident(target)) = property(&resource.body, "scope")
            && let Some(&group) = root_of.get(target.as_str())
        {
            roots[group].push(i);
        }
    }
    roots
}

/// Which module (0 = the concern's own) holds each statement: the concern's own module
/// keeps everything that does not repeat, and parts 2, 3, … take the repeated groups in
/// order, each up to the resource budget (counting the `existing` declarations it needs)
/// and a quarter of the deployment size, so that a stage holds several. What a part holds
/// depends only on the groups before it: one added at the end never moves the others.
fn pack(statements: &[Statement], groups: &[Vec<usize>], budget: Budget) -> Option<Vec<usize>> {
    let symbols: HashMap<&str, usize> = statements
        .iter()
        .enumerate()
        .filter_map(|(i, s)| resource_of(s).map(|r| (r.symbol.as_str(), i)))
        .collect();
    let mut holder = vec![0; statements.len()];
    let mut module = 1;
    let (mut count, mut bytes) = (0u64, 0u64);
    let mut existing: BTreeSet<usize> = BTreeSet::new();
    for group in groups {
        // Resources of other groups or the head this group reads, declared `existing`.
        let mut reads: BTreeSet<usize> = BTreeSet::new();
        for &i in group {
            statements[i].walk(&mut |expr| {
                if let Expr::Ident(name) = expr
                    && let Some(&j) = symbols.get(name.as_str())
                    && !group.contains(&j)
                {
                    reads.insert(j);
                }
            });
        }
        let group_bytes: u64 = group.iter().map(|i| statement_bytes(&statements[*i])).sum();
        let fits = |count: u64, bytes: u64, existing: &BTreeSet<usize>| {
            let added = reads.difference(existing).count() as u64;
            count + group.len() as u64 + added <= budget.resources
                && bytes + group_bytes <= budget.json_bytes / 4
        };
        if !fits(count, bytes, &existing) {
            if count == 0 {
                return None;
            }
            module += 1;
            (count, bytes) = (0, 0);
            existing.clear();
            if !fits(count, bytes, &existing) {
                return None;
            }
        }
        count += group.len() as u64 + reads.difference(&existing).count() as u64;
        bytes += group_bytes;
        existing.extend(reads);
        for &i in group {
            holder[i] = module;
        }
    }
    Some(holder)
}

/// The parts' files and calls, from which module holds each statement.
fn assemble(concern: &ConcernCall, holder: &[usize]) -> Option<Vec<Part>> {
    let statements = &concern.file.statements;
    let count = holder.iter().max().copied().unwrap_or(0) + 1;
    if count == 1 {
        return None;
    }
    let layout = Layout {
        statements,
        holder,
        symbols: statements
            .iter()
            .enumerate()
            .filter_map(|(i, s)| resource_of(s).map(|r| (r.symbol.as_str(), i)))
            .collect(),
    };
    let paths: Vec<String> = (0..count)
        .map(|m| match m {
            0 => concern.path.to_string(),
            m => part_path(concern.path, m + 1),
        })
        .collect();
    let mut writings: Vec<Writing> = (0..count).map(|_| Writing::default()).collect();
    for (i, statement) in statements.iter().enumerate() {
        // Variables are copied where they are read; outputs stay with the concern's module.
        if matches!(statement.kind, StatementKind::Var { .. }) {
            continue;
        }
        let module = holder[i];
        let writing = &mut writings[module];
        let kind = match &statement.kind {
            StatementKind::Resource(resource) => {
                let mut copy = resource.clone();
                copy.body = layout.properties(&resource.body, module, writing);
                StatementKind::Resource(copy)
            }
            StatementKind::Output { name, ty, value } => StatementKind::Output {
                name: name.clone(),
                ty: *ty,
                value: layout.expr(value, module, writing),
            },
            other => other.clone(),
        };
        writing.statements.push(Statement {
            comments: statement.comments.clone(),
            kind,
        });
    }
    let mut files = Vec::new();
    for (module, mut writing) in writings.into_iter().enumerate() {
        let mut declared = Vec::new();
        let mut seen = BTreeSet::new();
        // Declaring one may need another (a parent): round after round, each declaring
        // those the rounds before added, until nothing new is needed (not a search from the
        // start of the set for each declaration). What each declares does not depend on the
        // order, and they are sorted below.
        loop {
            let round: Vec<usize> = writing.existing.difference(&seen).copied().collect();
            if round.is_empty() {
                break;
            }
            for i in round {
                seen.insert(i);
                let from = paths[holder[i]].trim_start_matches("modules/").to_string();
                declared.push((i, layout.existing(i, module, &mut writing, &from)));
            }
        }
        declared.sort_by_key(|(i, _)| *i);
        let mut body: Vec<Statement> = declared.into_iter().map(|(_, s)| s).collect();
        body.append(&mut writing.statements);
        files.push((body, writing.after));
    }
    // A part that waits for one that waits for it cannot be deployed.
    for (module, (_, after)) in files.iter().enumerate() {
        for &other in after {
            if other != module && files[other].1.contains(&module) {
                return None;
            }
        }
    }
    let symbols: Vec<String> = (0..count)
        .map(|m| match m {
            0 => concern.symbol.to_string(),
            m => format!("{}{}", concern.symbol, m + 1),
        })
        .collect();
    Some(
        files
            .into_iter()
            .enumerate()
            .map(|(module, (body, after))| {
                let (file, args) = finish(concern, body, module, count);
                let mut call = if module == 0 {
                    concern.call.clone()
                } else {
                    bicep::Module::new(&symbols[module], &paths[module]).prop(
                        "name",
                        format!("{}-{}", concern.deployment, module + 1).as_str(),
                    )
                };
                set_args(&mut call, &args);
                if module > 0
                    && let Some(scope) = property(&concern.call.body, "scope")
                {
                    call = call.prop("scope", scope.clone());
                }
                let waits: Vec<Item> = after
                    .iter()
                    .filter(|m| **m != module)
                    .map(|m| Item::from(Expr::ident(symbols[*m].as_str())))
                    .collect();
                add_depends_on(&mut call, waits);
                Part {
                    call,
                    path: paths[module].clone(),
                    file,
                }
            })
            .collect(),
    )
}

/// The parameters a module body reads, by name, with the object entries read through
/// `name.entry` (`None` once the whole object is read).
fn reads(body: &[Statement]) -> BTreeMap<String, Option<BTreeSet<String>>> {
    let mut whole: BTreeSet<String> = BTreeSet::new();
    let mut entries: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut members: BTreeSet<*const Expr> = BTreeSet::new();
    for statement in body {
        statement.walk(&mut |expr| match expr {
            Expr::Member(base, entry) => {
                if let Expr::Ident(name) = base.as_ref() {
                    members.insert(base.as_ref() as *const Expr);
                    entries
                        .entry(name.to_string())
                        .or_default()
                        .insert(entry.to_string());
                }
            }
            Expr::Ident(name) if !members.contains(&(expr as *const Expr)) => {
                whole.insert(name.to_string());
            }
            _ => {}
        });
    }
    let mut read: BTreeMap<String, Option<BTreeSet<String>>> = entries
        .into_iter()
        .map(|(name, entries)| (name, Some(entries)))
        .collect();
    for name in whole {
        read.insert(name, None);
    }
    read
}

/// A part's file (header, the parameters and variables it reads, its body) and its args.
fn finish(
    concern: &ConcernCall,
    body: Vec<Statement>,
    module: usize,
    count: usize,
) -> (File, Vec<(Param, Expr)>) {
    // Variables read, directly or through another variable, in their original order.
    let vars: Vec<&Statement> = concern
        .file
        .statements
        .iter()
        .filter(|s| matches!(s.kind, StatementKind::Var { .. }))
        .collect();
    let mut read = reads(&body);
    let mut used_vars: BTreeSet<usize> = BTreeSet::new();
    loop {
        let before = used_vars.len();
        for (v, statement) in vars.iter().enumerate() {
            if let StatementKind::Var { name, .. } = &statement.kind
                && read.contains_key(name)
                && used_vars.insert(v)
            {
                // A variable may pass on any entry of what it reads: all of it is kept.
                for name in reads(std::slice::from_ref(*statement)).into_keys() {
                    read.insert(name, None);
                }
            }
        }
        if used_vars.len() == before {
            break;
        }
    }
    let mut args = Vec::new();
    for (param, value) in concern.args {
        let Some(entries) = read.get(&param.name) else {
            continue;
        };
        let value = match (entries, value) {
            (Some(entries), Expr::Object(props)) => Expr::Object(
                props
                    .iter()
                    .filter(|p| matches!(&p.key, Key::Name(key) if entries.contains(key.as_str())))
                    .cloned()
                    .collect(),
            ),
            _ => value.clone(),
        };
        args.push((param.clone(), value));
    }
    let mut header = concern.file.header.clone();
    header.push(format!(
        "Part {} of {count} of the {} concern: one template holds at most 800 resources (ARM), so its repeated resources are shared out over {} and its parts.",
        module + 1,
        concern.symbol,
        concern.path.trim_start_matches("modules/"),
    ));
    let mut statements: Vec<Statement> = args
        .iter()
        .map(|(param, _)| Statement::from(param.clone()))
        .collect();
    statements.extend(used_vars.into_iter().map(|v| vars[v].clone()));
    statements.extend(body);
    (File { header, statements }, args)
}

/// Replace the call's `params` with `args` (dropping it when empty), in place.
fn set_args(call: &mut bicep::Module, args: &[(Param, Expr)]) {
    let params = (!args.is_empty()).then(|| {
        Expr::object(
            args.iter()
                .map(|(param, value)| Property::new(param.name.clone(), value.clone())),
        )
    });
    let position = call
        .body
        .iter()
        .position(|p| matches!(&p.key, Key::Name(name) if name == "params"));
    match (position, params) {
        (Some(at), Some(params)) => call.body[at].value = params,
        (Some(at), None) => {
            call.body.remove(at);
        }
        (None, Some(params)) => {
            // After `name`, as module_call writes it.
            let at = call.body.len().min(1);
            call.body.insert(at, Property::new("params", params));
        }
        (None, None) => {}
    }
}

fn add_depends_on(call: &mut bicep::Module, waits: Vec<Item>) {
    if waits.is_empty() {
        return;
    }
    match call
        .body
        .iter_mut()
        .find(|p| matches!(&p.key, Key::Name(name) if name == "dependsOn"))
    {
        Some(Property {
            value: Expr::Array(items),
            ..
        }) => items.extend(waits),
        _ => *call = call.clone().prop("dependsOn", Expr::Array(waits)),
    }
}

/// The modules of one concern as main.bicep calls them: the concern's own module (`call`,
/// its file made by `whole` from `module`, which it consumes) when it fits one template or
/// cannot be divided, else its parts.
pub(crate) fn parts(
    symbol: &str,
    path: &str,
    deployment: &str,
    call: bicep::Module,
    module: super::super::infra::ConcernModule,
    whole: impl FnOnce(super::super::infra::ConcernModule) -> File,
) -> Vec<Part> {
    let concern = ConcernCall {
        symbol,
        path,
        deployment,
        call,
        file: &module.file,
        args: &module.args,
    };
    if let Some(parts) = divide(&concern, Budget::arm()) {
        return parts;
    }
    let call = concern.call;
    vec![Part {
        call,
        path: path.to_string(),
        file: whole(module),
    }]
}
