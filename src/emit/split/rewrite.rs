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
use std::collections::{BTreeMap, HashMap};

/// Rewrite one unit (a node, or all outputs, each with its index in main.bicep) for stage
/// `stage`, holding already the `existing` declarations in `existing` (those of an attempt
/// for an earlier stage, when the unit is tried again in a new one).
pub(super) fn rewrite_unit(
    index: &MainIndex,
    modules: &BTreeMap<String, File>,
    sizes: &mut limits::DeploymentSizes,
    placed: &HashMap<String, usize>,
    stage: usize,
    unit: Vec<(usize, Statement)>,
    existing: BTreeMap<String, super::Existing>,
) -> Result<Attempt, Unsplittable> {
    let mut rewriter = Rewriter {
        index,
        modules,
        placed,
        stage,
        existing,
    };
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
    index: &'a MainIndex,
    modules: &'a BTreeMap<String, File>,
    placed: &'a HashMap<String, usize>,
    stage: usize,
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

fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Rewriter<'_> {
    /// Whether a main.bicep symbol belongs to an earlier stage.
    fn earlier(&self, symbol: &str) -> bool {
        self.placed
            .get(symbol)
            .is_some_and(|stage| *stage < self.stage)
    }

    fn module_body(&mut self, body: &mut Vec<Property>) -> Result<(), Unsplittable> {
        let mut at = 0;
        while at < body.len() {
            let p = &mut body[at];
            if matches!(&p.key, Key::Name(name) if name == "dependsOn")
                && let Expr::Array(items) = &mut p.value
            {
                // An earlier stage has finished before this one starts.
                items.retain(|item| !matches!(&item.value, Expr::Ident(s) if self.earlier(s)));
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
            && self.earlier(symbol)
        {
            *expr = self.inline_output(symbol, output, None)?;
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
            && self.earlier(symbol)
        {
            *expr = self.inline_output(symbol, output, Some(key))?;
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
                if self.earlier(name) {
                    let index = self.index;
                    match &index.view(name).kind {
                        StatementKind::Resource(resource) => {
                            self.declare(name.to_string(), resource, &Env::Main, None)?;
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
                            let local = format!("{symbol}{}", upper_first(name));
                            if self.index.declares(&local) {
                                return Err(Unsplittable(format!(
                                    "`{local}` is already a symbol of main.bicep"
                                )));
                            }
                            let scope = property(&call.body, "scope");
                            self.declare(local.clone(), resource, env, scope)?;
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

    /// Declare `resource` as `existing` under `local`, its name, parent and scope rewritten.
    /// `call_scope` is the scope the module call gave, for a resource without its own.
    fn declare(
        &mut self,
        local: String,
        resource: &bicep::Resource,
        env: &Env,
        call_scope: Option<&Expr>,
    ) -> Result<(), Unsplittable> {
        if self.existing.contains_key(&local) {
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
        let mut declared = bicep::Resource {
            symbol: local.clone(),
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
            .insert(local, super::Existing::new(declared.into()));
        Ok(())
    }

    /// The expression of `symbol.outputs.output` (or of its entry `key`) in this stage's terms.
    fn inline_output(
        &mut self,
        symbol: &str,
        output: &str,
        key: Option<&str>,
    ) -> Result<Expr, Unsplittable> {
        let index = self.index;
        let StatementKind::Module(call) = &index.view(symbol).kind else {
            return Err(Unsplittable(format!("`{symbol}` is not a module")));
        };
        let modules = self.modules;
        let file = modules
            .get(&call.path)
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
