//! A stage being filled (see the parent module): what it holds is already printed, each
//! statement once, and joined when the stage closes; its syntax is dropped as it is added.

use super::{
    Budget, MainIndex, PrintedStage, SharedStatement, limits, print_counted, statement_idents,
};
use crate::bicep::{Expr, Statement, StatementKind};
use std::collections::{BTreeMap, BTreeSet};

/// An `existing` declaration of an earlier stage's resource, printed once when a stage is
/// sized with it, that print kept for the stage's text.
#[derive(Clone)]
pub(super) struct Existing {
    statement: Statement,
    text: Option<String>,
}

impl Existing {
    pub(super) fn new(statement: Statement) -> Self {
        Existing {
            statement: statement.with_comment("Deployed by an earlier stage; read here by name"),
            text: None,
        }
    }

    /// The declaration printed (its comment line does not count in the estimated size).
    fn text(&mut self) -> &str {
        self.text
            .get_or_insert_with(|| print_counted(&self.statement))
    }
}

/// Statements rewritten for one stage (index in main.bicep, syntax, text), with the
/// `existing` declarations they need.
pub(super) struct Attempt {
    pub(super) statements: Vec<(usize, Statement, String)>,
    pub(super) existing: BTreeMap<String, Existing>,
    /// Compiled size of the statements and of the modules they inline.
    pub(super) bytes: u64,
    /// Resources and module calls among the statements.
    pub(super) resources: u64,
}

/// A stage's resources and estimated size, parameters and variables left out.
#[derive(Clone, Copy)]
pub(super) struct Totals {
    resources: u64,
    bytes: u64,
}

impl Totals {
    /// Whether a stage of these totals, with `fixed_bytes` of parameters and variables,
    /// fits `budget`.
    pub(super) fn fit(self, fixed_bytes: u64, budget: Budget) -> bool {
        self.resources <= budget.resources && fixed_bytes + self.bytes <= budget.json_bytes
    }
}

/// A stage being filled: its statements and `existing` declarations already printed, the
/// shared statements they read, and what the caller's `observe` gathered of them.
#[derive(Default)]
pub(super) struct StageBuild<K> {
    /// Each statement's index in main.bicep and its print.
    pub(super) pieces: Vec<(usize, String)>,
    /// Each `existing` declaration, printed, by symbol; its syntax is kept (unlike the
    /// statements') for a unit that needs it to take along to the next stage.
    existing: BTreeMap<String, Existing>,
    /// Positions of the shared statements the stage names.
    used: BTreeSet<usize>,
    bytes: u64,
    resources: u64,
    kept: K,
}

impl<K> StageBuild<K> {
    /// The `existing` declarations the stage holds, by symbol.
    pub(super) fn existing(&self) -> &BTreeMap<String, Existing> {
        &self.existing
    }

    /// Copies of this stage's declarations that `statements` or the declarations in
    /// `existing` read, directly or through another (a declaration's parent is declared
    /// with it), into `existing`: a unit's, for it to take to the next stage when it does
    /// not fit this one. A unit's rewrite did not build those the stage held; every one it
    /// needs is named in its statements or its own declarations.
    pub(super) fn lend_existing<'s>(
        &self,
        statements: impl IntoIterator<Item = &'s Statement>,
        existing: &mut BTreeMap<String, Existing>,
    ) {
        let mut pending: Vec<String> = Vec::new();
        let read = |statement: &Statement, pending: &mut Vec<String>| {
            statement.walk(&mut |expr| {
                if let Expr::Ident(name) = expr
                    && self.existing.contains_key(name.as_str())
                {
                    pending.push(name.to_string());
                }
            });
        };
        // The unit's own declarations too: one it built may name one the stage held.
        for statement in statements {
            read(statement, &mut pending);
        }
        for declaration in existing.values() {
            read(&declaration.statement, &mut pending);
        }
        while let Some(symbol) = pending.pop() {
            if existing.contains_key(&symbol) {
                continue;
            }
            let declaration = &self.existing[&symbol];
            read(&declaration.statement, &mut pending);
            existing.insert(symbol, declaration.clone());
        }
    }

    /// What the stage would hold with `attempt` added: each `existing` declaration it does
    /// not hold yet printed once to size it, here and not again when it is added.
    pub(super) fn totals_with(&self, attempt: &mut Attempt) -> Totals {
        let mut totals = Totals {
            resources: self.resources + attempt.resources,
            bytes: self.bytes + attempt.bytes,
        };
        for (symbol, existing) in &mut attempt.existing {
            if !self.existing.contains_key(symbol) {
                totals.resources += 1;
                totals.bytes += limits::json_bytes_of(existing.text());
            }
        }
        totals
    }

    /// Add `attempt`; `totals` is what [`totals_with`](Self::totals_with) found for it.
    /// Its syntax is shown to `observe`, and dropped.
    pub(super) fn add(
        &mut self,
        attempt: Attempt,
        totals: Totals,
        index: &MainIndex,
        observe: &mut impl FnMut(&mut K, &Statement),
    ) {
        self.resources = totals.resources;
        self.bytes = totals.bytes;
        for (symbol, mut existing) in attempt.existing {
            if self.existing.contains_key(&symbol) {
                continue;
            }
            existing.text();
            self.note(&existing.statement, index, observe);
            self.existing.insert(symbol, existing);
        }
        for (i, statement, text) in attempt.statements {
            self.note(&statement, index, observe);
            self.pieces.push((i, text));
            crate::counters::add(crate::counters::Counter::SplitStatementsReleased, 1);
        }
    }

    /// `statement` joins the stage: the caller sees it, and the shared statements it names
    /// are kept for the stage.
    fn note(
        &mut self,
        statement: &Statement,
        index: &MainIndex,
        observe: &mut impl FnMut(&mut K, &Statement),
    ) {
        observe(&mut self.kept, statement);
        statement_idents(statement, &mut |name| {
            self.used.extend(index.shared_names.get(name).copied());
        });
    }

    /// The stage's template without its header (see [`with_header`]): the parameters and
    /// variables it uses (directly, or through a variable or a default), the earlier stages'
    /// resources it reads, then its own declarations in main.bicep's order, their prints
    /// joined as `bicep::print_file` separates statements.
    pub(super) fn close(
        mut self,
        shared: &[SharedStatement],
        observe: &mut impl FnMut(&mut K, &Statement),
    ) -> PrintedStage<K> {
        let mut pending: Vec<usize> = self.used.iter().copied().collect();
        while let Some(position) = pending.pop() {
            crate::counters::add(crate::counters::Counter::SplitSteps, 1);
            for &read in &shared[position].reads {
                if self.used.insert(read) {
                    pending.push(read);
                }
            }
        }
        self.pieces.sort_by_key(|(i, _)| *i);
        let mut pieces: Vec<&str> =
            Vec::with_capacity(shared.len() + self.existing.len() + self.pieces.len());
        for (position, statement) in shared.iter().enumerate() {
            let keep = match &statement.statement.kind {
                StatementKind::TargetScope(_) | StatementKind::Extension(_) => true,
                StatementKind::Param(_) | StatementKind::Var { .. } => {
                    self.used.contains(&position)
                }
                _ => false,
            };
            if keep {
                observe(&mut self.kept, &statement.statement);
                pieces.push(&statement.text);
            }
        }
        pieces.extend(
            (self.existing.values()).map(|e| e.text.as_deref().expect("printed when added")),
        );
        pieces.extend(self.pieces.iter().map(|(_, text)| text.as_str()));
        let text = join_statements(&pieces);
        let existing = std::mem::take(&mut self.existing);
        let large = existing.len() >= 64;
        super::drop_aside(existing, large);
        PrintedStage {
            text,
            kept: self.kept,
        }
    }
}

/// Statements printed alone, joined as `bicep::print_file` prints them in a file without a
/// header: a blank line between one and the next.
pub(super) fn join_statements(pieces: &[&str]) -> String {
    pieces.join("\n")
}
