//! What the split keeps of each module file (see the parent module): a later stage inlines a
//! module's output, so it reads the outputs, and through them the variables, parameters
//! (name and default) and resources (symbol, type, condition, name, parent and scope) they
//! reach. Everything else is left out, so a generation does not keep every module's syntax
//! beside its text.

use crate::bicep::{self, Expr, File, Statement, StatementKind};
use std::collections::{HashMap, HashSet};

/// `file` cut down to what the split reads of it (described above), in its order.
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
                Some(Statement::from(resource))
            }
            _ => None,
        })
        .collect();
    let reached = reached_from_outputs(&statements);
    let mut position = 0;
    statements.retain(|_| {
        position += 1;
        reached[position - 1]
    });
    for statement in &mut statements {
        if let StatementKind::Resource(resource) = &mut statement.kind {
            resource.body.shrink_to_fit();
        }
    }
    // Collected in place: the vector keeps the whole file's capacity unless shrunk.
    statements.shrink_to_fit();
    File {
        header: Vec::new(),
        statements,
    }
}

/// The properties of a module's resource that a later stage's `existing` declaration reads.
pub(super) fn read_by_split(property: &bicep::Property) -> bool {
    match &property.key {
        bicep::Key::Name(key) => matches!(key.as_str(), "name" | "parent" | "scope"),
        bicep::Key::Interpolated(_) => false,
    }
}

/// Which statements an output reads, directly or through others: the split only ever looks
/// a name up while inlining an output, so nothing else of the module is needed.
fn reached_from_outputs(statements: &[Statement]) -> Vec<bool> {
    let declared: HashMap<&str, usize> = statements
        .iter()
        .enumerate()
        .filter_map(|(i, statement)| declared_name(statement).map(|name| (name, i)))
        .collect();
    let mut reached = vec![false; statements.len()];
    let mut pending: Vec<usize> = (0..statements.len())
        .filter(|i| matches!(statements[*i].kind, StatementKind::Output { .. }))
        .collect();
    let mut seen: HashSet<usize> = pending.iter().copied().collect();
    while let Some(i) = pending.pop() {
        reached[i] = true;
        statements[i].walk(&mut |expr| {
            if let Expr::Ident(name) = expr
                && let Some(&j) = declared.get(name.as_str())
                && seen.insert(j)
            {
                pending.push(j);
            }
        });
    }
    reached
}

/// The name a module statement declares that an expression can read.
fn declared_name(statement: &Statement) -> Option<&str> {
    match &statement.kind {
        StatementKind::Param(param) => Some(param.name.as_str()),
        StatementKind::Var { name, .. } => Some(name.as_str()),
        StatementKind::Resource(resource) => Some(resource.symbol.as_str()),
        _ => None,
    }
}
