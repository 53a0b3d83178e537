//! How one of main.bicep's declarations reads in a later stage: a reference to an earlier
//! stage's module output becomes that output's own expression, and what it names is
//! declared `existing` (see the parent module).
//!
//! A statement is rewritten in place, not copied: only what changes is built anew (an
//! inlined output, the `existing` declarations). Rewriting again for a later stage, after
//! more stages have closed, gives what rewriting the original for that stage would: what
//! the first pass inlined reads only stages before both (a module's arguments read only
//! what is placed before it), so it is left as it is, and its `existing` declarations are
//! carried over.

use super::{Attempt, MainIndex, Unsplittable, limits, print_counted};
use crate::bicep::{self, Expr, File, Key, Property, Statement, StatementKind, StrPart};
use std::collections::BTreeMap;

/// What a unit is rewritten against: main.bicep's index, each module call's file, where
/// each statement was placed, the stage being filled and the `existing` declarations it
/// already holds.
pub(super) struct Placing<'a> {
    pub(super) index: &'a MainIndex,
    /// By statement index: the module file a module call names (its split view).
    pub(super) module_files: &'a [Option<&'a File>],
    /// By statement index: the stage a resource or module call was placed in
    /// ([`NOT_PLACED`] until it is).
    pub(super) placed: &'a [usize],
    pub(super) stage: usize,
    /// The `existing` declarations the stage already holds, by symbol: a unit that needs
    /// one again reads it there, not build and print it anew (see `Rewriter::declare`).
    pub(super) held: &'a BTreeMap<String, super::Existing>,
}

/// The stage of a statement not placed yet.
pub(super) const NOT_PLACED: usize = usize::MAX;

/// Rewrite one unit (a node, or all outputs, each with its index in main.bicep) for the
/// stage of `placing`, holding already the `existing` declarations in `existing` (those of
/// an attempt for an earlier stage, when the unit is tried again in a new one).
pub(super) fn rewrite_unit(
    placing: &Placing,
    sizes: &mut limits::DeploymentSizes,
    unit: Vec<(usize, Statement)>,
    existing: BTreeMap<String, super::Existing>,
) -> Result<Attempt, Unsplittable> {
    let mut rewriter = Rewriter { placing, existing };
    let mut statements = Vec::with_capacity(unit.len());
    let mut bytes = 0;
    let mut resources = 0;
    for (i, mut statement) in unit {
        match &mut statement.kind {
            StatementKind::Module(module) => {
                resources += 1;
                bytes += sizes.json_bytes(&module.path);
                rewriter.module_body(&mut module.body)?;
            }
            StatementKind::Resource(resource) => {
                resources += 1;
                if let Some(condition) = &mut resource.condition {
                    rewriter.expr(condition, &Env::Main)?;
                }
                rewriter.properties(&mut resource.body, &Env::Main)?;
            }
            StatementKind::Output { value, .. } => rewriter.expr(value, &Env::Main)?,
            _ => unreachable!("only resources, modules and outputs are placed"),
        }
        let text = print_counted(&statement);
        bytes += limits::json_bytes_of(&text);
        statements.push((i, statement, text));
    }
    Ok(Attempt {
        statements,
        existing: rewriter.existing,
        bytes,
        resources,
    })
}

/// Where an expression's names are looked up: main.bicep, or a module file as called.
enum Env<'e> {
    Main,
    Module {
        /// The module call's symbol in main.bicep.
        symbol: &'e str,
        call: &'e bicep::Module,
        file: &'e File,
    },
}

struct Rewriter<'a> {
    placing: &'a Placing<'a>,
    existing: BTreeMap<String, super::Existing>,
}

fn property<'p>(body: &'p [Property], key: &str) -> Option<&'p Expr> {
    body.iter()
        .find(|p| matches!(&p.key, Key::Name(name) if name == key))
        .map(|p| &p.value)
}

/// The value of `key` in an object literal, taken out of it (the object is then dropped).
fn take_property(props: &mut Vec<Property>, key: &str) -> Option<Expr> {
    let at = props
        .iter()
        .position(|p| matches!(&p.key, Key::Name(name) if name == key))?;
    Some(props.swap_remove(at).value)
}

/// The main.bicep symbol of resource `name` of the module called `symbol`: `symbol` then
/// `name` with its first letter upper-cased, built in one allocation (this runs for every
/// reference to a module's output).
fn module_local(symbol: &str, name: &str) -> String {
    let mut local = String::with_capacity(symbol.len() + name.len() + 2);
    local.push_str(symbol);
    let mut chars = name.chars();
    if let Some(first) = chars.next() {
        local.extend(first.to_uppercase());
        local.push_str(chars.as_str());
    }
    local
}

impl Rewriter<'_> {
    /// The statement index of a main.bicep resource or module call of an earlier stage.
    fn earlier(&self, symbol: &str) -> Option<usize> {
        let placing = self.placing;
        let at = *placing.index.nodes.get(symbol)?;
        (placing.placed[at] < placing.stage).then_some(at)
    }

    fn module_body(&mut self, body: &mut Vec<Property>) -> Result<(), Unsplittable> {
        let mut at = 0;
        while at < body.len() {
            let p = &mut body[at];
            if matches!(&p.key, Key::Name(name) if name == "dependsOn")
                && let Expr::Array(items) = &mut p.value
            {
                // An earlier stage has finished before this one starts.
                items.retain(
                    |item| !matches!(&item.value, Expr::Ident(s) if self.earlier(s).is_some()),
                );
                if items.is_empty() {
                    body.remove(at);
                    continue;
                }
            } else {
                self.property(p, &Env::Main)?;
            }
            at += 1;
        }
        Ok(())
    }

    fn properties(&mut self, body: &mut [Property], env: &Env) -> Result<(), Unsplittable> {
        body.iter_mut().try_for_each(|p| self.property(p, env))
    }

    fn property(&mut self, p: &mut Property, env: &Env) -> Result<(), Unsplittable> {
        if let Key::Interpolated(parts) = &mut p.key {
            self.parts(parts, env)?;
        }
        self.expr(&mut p.value, env)
    }

    fn parts(&mut self, parts: &mut [StrPart], env: &Env) -> Result<(), Unsplittable> {
        parts.iter_mut().try_for_each(|part| match part {
            StrPart::Text(_) => Ok(()),
            StrPart::Interp(inner) => self.expr(inner, env),
        })
    }

    /// `expr` from a module file or a view, which stay as they are: a copy, rewritten.
    fn copied(&mut self, expr: &Expr, env: &Env) -> Result<Expr, Unsplittable> {
        let mut copy = expr.clone();
        self.expr(&mut copy, env)?;
        Ok(copy)
    }

    fn expr(&mut self, expr: &mut Expr, env: &Env) -> Result<(), Unsplittable> {
        crate::counters::add(crate::counters::Counter::SplitSteps, 1);
        // `module.outputs.name` of an earlier stage's module: the output's own expression.
        if let (Env::Main, Expr::Member(base, output)) = (env, &*expr)
            && let Expr::Member(symbol, outputs) = base.as_ref()
            && outputs == "outputs"
            && let Expr::Ident(symbol) = symbol.as_ref()
            && let Some(at) = self.earlier(symbol)
        {
            *expr = self.inline_output(at, output, None)?;
            return Ok(());
        }
        // `module.outputs.name['key']` of an object output: only that entry's expression, so
        // the stage declares only what the entry reads.
        if let (Env::Main, Expr::Index(base, at)) = (env, &*expr)
            && let Expr::Str(key) = at.as_ref()
            && let [StrPart::Text(key)] = key.as_slice()
            && let Expr::Member(base, output) = base.as_ref()
            && let Expr::Member(symbol, outputs) = base.as_ref()
            && outputs == "outputs"
            && let Expr::Ident(symbol) = symbol.as_ref()
            && let Some(at) = self.earlier(symbol)
        {
            *expr = self.inline_output(at, output, Some(key))?;
            return Ok(());
        }
        match expr {
            Expr::Ident(name) => {
                if let Some(replaced) = self.ident(name, env)? {
                    *expr = replaced;
                }
            }
            Expr::Str(parts) => self.parts(parts, env)?,
            Expr::Int(_) | Expr::Bool(_) => {}
            Expr::Array(items) => {
                for item in items {
                    self.expr(&mut item.value, env)?;
                }
            }
            Expr::Object(props) => self.properties(props, env)?,
            Expr::Member(base, name) => {
                self.expr(base, env)?;
                // `{ … }.name` as the object's value, so no object literal is indexed.
                if let Expr::Object(props) = base.as_mut()
                    && let Some(value) = take_property(props, name)
                {
                    *expr = value;
                }
            }
            Expr::Index(base, at) => {
                self.expr(base, env)?;
                self.expr(at, env)?;
                if let (Expr::Object(props), Expr::Str(key)) = (base.as_mut(), at.as_ref())
                    && let [StrPart::Text(key)] = key.as_slice()
                    && let Some(value) = take_property(props, key)
                {
                    *expr = value;
                }
            }
            Expr::Call(function, args) => {
                for arg in args.iter_mut() {
                    self.expr(arg, env)?;
                }
                if let Env::Module { call, .. } = env {
                    self.module_scoped_call(function, args, call)?;
                }
            }
            Expr::Equals(a, b) => {
                self.expr(a, env)?;
                self.expr(b, env)?;
            }
            Expr::Ternary(a, b, c) => {
                self.expr(a, env)?;
                self.expr(b, env)?;
                self.expr(c, env)?;
            }
        }
        Ok(())
    }

    /// A function a module output calls, read from main.bicep's stage: `resourceId` of a
    /// module deployed into another resource group says which; what names the module's own
    /// scope cannot be carried.
    fn module_scoped_call(
        &mut self,
        function: &str,
        args: &mut Vec<Expr>,
        call: &bicep::Module,
    ) -> Result<(), Unsplittable> {
        let scope = property(&call.body, "scope");
        match (function, scope) {
            ("resourceId", Some(Expr::Call(scope_fn, scope_args)))
                if scope_fn == "resourceGroup" =>
            {
                let mut prefixed = Vec::with_capacity(scope_args.len() + args.len());
                for arg in scope_args {
                    prefixed.push(self.copied(arg, &Env::Main)?);
                }
                prefixed.append(args);
                *args = prefixed;
                Ok(())
            }
            ("resourceId", Some(_))
            | ("resourceGroup" | "subscription", Some(_))
            | ("deployment", _) => Err(Unsplittable(format!(
                "an output of a module reads `{function}()` in the module's own scope"
            ))),
            _ => Ok(()),
        }
    }

    /// What a name reads as in this stage: `None` when it stays (a main.bicep symbol, its
    /// resource declared `existing` when an earlier stage deploys it).
    fn ident(&mut self, name: &str, env: &Env) -> Result<Option<Expr>, Unsplittable> {
        match env {
            Env::Main => {
                if let Some(at) = self.earlier(name) {
                    let index = self.placing.index;
                    match &index.view_at(at).kind {
                        StatementKind::Resource(resource) => {
                            self.declare(name, resource, &Env::Main, None)?;
                        }
                        _ => {
                            return Err(Unsplittable(format!(
                                "module `{name}` is used other than through its outputs"
                            )));
                        }
                    }
                }
                Ok(None)
            }
            Env::Module { symbol, call, file } => {
                for statement in &file.statements {
                    match &statement.kind {
                        StatementKind::Param(param) if param.name == name => {
                            let passed =
                                property(&call.body, "params").and_then(|params| match params {
                                    Expr::Object(props) => property(props, name),
                                    _ => None,
                                });
                            return match (passed, &param.default) {
                                (Some(value), _) => self.copied(value, &Env::Main).map(Some),
                                (None, Some(default)) => self.copied(default, env).map(Some),
                                (None, None) => Err(Unsplittable(format!(
                                    "module `{symbol}` is called without `{name}`"
                                ))),
                            };
                        }
                        StatementKind::Var { name: var, value } if var == name => {
                            return self.copied(value, env).map(Some);
                        }
                        StatementKind::Resource(resource) if resource.symbol == name => {
                            let local = module_local(symbol, name);
                            if self.declared(&local) {
                                return Ok(Some(Expr::ident(local)));
                            }
                            if self.placing.index.declares(&local) {
                                return Err(Unsplittable(format!(
                                    "`{local}` is already a symbol of main.bicep"
                                )));
                            }
                            let scope = property(&call.body, "scope");
                            self.declare(&local, resource, env, scope)?;
                            return Ok(Some(Expr::ident(local)));
                        }
                        _ => {}
                    }
                }
                Err(Unsplittable(format!(
                    "an output of module `{symbol}` reads `{name}`, which the split cannot carry"
                )))
            }
        }
    }

    /// Whether the unit or the stage already declares `local`: a declaration the stage
    /// holds is not built again, it would read the same (what it reads is placed before
    /// the resource or module call it stands for, so before any stage that declares it),
    /// and building, printing and dropping it again for each statement that reads it was
    /// most of the split's work. (A unit tried again in a new stage takes along those of
    /// the old stage it reads: see `StageBuild::lend_existing`.)
    fn declared(&self, local: &str) -> bool {
        self.existing.contains_key(local) || self.placing.held.contains_key(local)
    }

    /// Declare `resource` as `existing` under `local` (unless it is [`declared`](Self::declared)),
    /// its name, parent and scope rewritten. `call_scope` is the scope the module call gave,
    /// for a resource without its own.
    fn declare(
        &mut self,
        local: &str,
        resource: &bicep::Resource,
        env: &Env,
        call_scope: Option<&Expr>,
    ) -> Result<(), Unsplittable> {
        if self.declared(local) {
            return Ok(());
        }
        if resource.condition.is_some() {
            return Err(Unsplittable(format!(
                "`{}` is deployed on a condition",
                resource.symbol
            )));
        }
        let name = property(&resource.body, "name")
            .ok_or_else(|| Unsplittable(format!("`{}` has no name", resource.symbol)))?;
        crate::counters::add(crate::counters::Counter::SplitExistingBuilt, 1);
        let mut declared = bicep::Resource {
            symbol: local.to_string(),
            type_ref: resource.type_ref.clone(),
            existing: true,
            condition: None,
            body: Vec::new(),
        };
        declared = declared.prop("name", self.copied(name, env)?);
        if let Some(parent) = property(&resource.body, "parent") {
            declared = declared.prop("parent", self.copied(parent, env)?);
        } else if let Some(scope) = property(&resource.body, "scope") {
            declared = declared.prop("scope", self.copied(scope, env)?);
        } else if let Some(scope) = call_scope {
            declared = declared.prop("scope", self.copied(scope, &Env::Main)?);
        }
        self.existing
            .insert(local.to_string(), super::Existing::new(declared.into()));
        Ok(())
    }

    /// The expression of `symbol.outputs.output` (or of its entry `key`) in this stage's
    /// terms, `symbol` being main.bicep's statement `at`.
    fn inline_output(
        &mut self,
        at: usize,
        output: &str,
        key: Option<&str>,
    ) -> Result<Expr, Unsplittable> {
        let placing = self.placing;
        let view = placing.index.view_at(at);
        let StatementKind::Module(call) = &view.kind else {
            let symbol = super::symbol_of(view).unwrap_or_default();
            return Err(Unsplittable(format!("`{symbol}` is not a module")));
        };
        let symbol = call.symbol.as_str();
        let file = placing.module_files[at]
            .ok_or_else(|| Unsplittable(format!("no module file {}", call.path)))?;
        let value = file
            .statements
            .iter()
            .find_map(|statement| match &statement.kind {
                StatementKind::Output { name, value, .. } if name == output => Some(value),
                _ => None,
            })
            .ok_or_else(|| Unsplittable(format!("{} has no output `{output}`", call.path)))?;
        let env = Env::Module { symbol, call, file };
        match (key, value) {
            (Some(key), Expr::Object(props)) => match property(props, key) {
                Some(entry) => self.copied(entry, &env),
                None => Err(Unsplittable(format!(
                    "{} has no entry `{key}` in output `{output}`",
                    call.path
                ))),
            },
            (Some(key), _) => Ok(self.copied(value, &env)?.index(Expr::str(key))),
            (None, _) => self.copied(value, &env),
        }
    }
}
