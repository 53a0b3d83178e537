//! How one of main.bicep's declarations reads in a later stage: a reference to an earlier
//! stage's module output becomes that output's own expression, and what it names is
//! declared `existing` (see the parent module).

use super::{Attempt, MainIndex, Unsplittable, limits, statement_bytes};
use crate::bicep::{self, Expr, File, Item, Key, Property, Statement, StatementKind, StrPart};
use std::collections::{BTreeMap, HashMap};

/// Rewrite one unit (a node, or all outputs) for stage `stage`.
pub(super) fn rewrite_unit(
    index: &MainIndex,
    main: &File,
    modules: &BTreeMap<String, File>,
    sizes: &mut limits::DeploymentSizes,
    placed: &HashMap<String, usize>,
    stage: usize,
    unit: &[usize],
) -> Result<Attempt, Unsplittable> {
    let mut rewriter = Rewriter {
        index,
        modules,
        placed,
        stage,
        existing: BTreeMap::new(),
    };
    let mut statements = Vec::new();
    let mut bytes = 0;
    let mut resources = 0;
    for &i in unit {
        let statement = &main.statements[i];
        let kind = match &statement.kind {
            StatementKind::Module(module) => {
                resources += 1;
                bytes += sizes.json_bytes(&module.path);
                let mut call = module.clone();
                call.body = rewriter.module_body(&module.body)?;
                StatementKind::Module(call)
            }
            StatementKind::Resource(resource) => {
                resources += 1;
                let mut copy = resource.clone();
                copy.condition = match &resource.condition {
                    Some(condition) => Some(rewriter.expr(condition, &Env::Main)?),
                    None => None,
                };
                copy.body = rewriter.properties(&resource.body, &Env::Main)?;
                StatementKind::Resource(copy)
            }
            StatementKind::Output { name, ty, value } => StatementKind::Output {
                name: name.clone(),
                ty: *ty,
                value: rewriter.expr(value, &Env::Main)?,
            },
            _ => unreachable!("only resources, modules and outputs are placed"),
        };
        let rewritten = Statement {
            comments: statement.comments.clone(),
            kind,
        };
        bytes += statement_bytes(&rewritten);
        statements.push((i, rewritten));
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
    index: &'a MainIndex<'a>,
    modules: &'a BTreeMap<String, File>,
    placed: &'a HashMap<String, usize>,
    stage: usize,
    existing: BTreeMap<String, Statement>,
}

fn property<'p>(body: &'p [Property], key: &str) -> Option<&'p Expr> {
    body.iter()
        .find(|p| matches!(&p.key, Key::Name(name) if name == key))
        .map(|p| &p.value)
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

    fn module_body(&mut self, body: &[Property]) -> Result<Vec<Property>, Unsplittable> {
        let mut out = Vec::new();
        for p in body {
            if matches!(&p.key, Key::Name(name) if name == "dependsOn")
                && let Expr::Array(items) = &p.value
            {
                // An earlier stage has finished before this one starts.
                let kept: Vec<Item> = items
                    .iter()
                    .filter(|item| !matches!(&item.value, Expr::Ident(s) if self.earlier(s)))
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    out.push(Property {
                        comments: p.comments.clone(),
                        key: p.key.clone(),
                        value: Expr::Array(kept),
                    });
                }
                continue;
            }
            out.push(self.property(p, &Env::Main)?);
        }
        Ok(out)
    }

    fn properties(&mut self, body: &[Property], env: &Env) -> Result<Vec<Property>, Unsplittable> {
        body.iter().map(|p| self.property(p, env)).collect()
    }

    fn property(&mut self, p: &Property, env: &Env) -> Result<Property, Unsplittable> {
        let key = match &p.key {
            Key::Name(name) => Key::Name(name.clone()),
            Key::Interpolated(parts) => Key::Interpolated(self.parts(parts, env)?),
        };
        Ok(Property {
            comments: p.comments.clone(),
            key,
            value: self.expr(&p.value, env)?,
        })
    }

    fn parts(&mut self, parts: &[StrPart], env: &Env) -> Result<Vec<StrPart>, Unsplittable> {
        parts
            .iter()
            .map(|part| {
                Ok(match part {
                    StrPart::Text(text) => StrPart::Text(text.clone()),
                    StrPart::Interp(inner) => StrPart::Interp(self.expr(inner, env)?),
                })
            })
            .collect()
    }

    fn expr(&mut self, expr: &Expr, env: &Env) -> Result<Expr, Unsplittable> {
        crate::counters::add(crate::counters::Counter::SplitSteps, 1);
        // `module.outputs.name` of an earlier stage's module: the output's own expression.
        if let (Env::Main, Expr::Member(base, output)) = (env, expr)
            && let Expr::Member(symbol, outputs) = base.as_ref()
            && outputs == "outputs"
            && let Expr::Ident(symbol) = symbol.as_ref()
            && self.earlier(symbol)
        {
            return self.inline_output(symbol, output, None);
        }
        // `module.outputs.name['key']` of an object output: only that entry's expression, so
        // the stage declares only what the entry reads.
        if let (Env::Main, Expr::Index(base, at)) = (env, expr)
            && let Expr::Str(key) = at.as_ref()
            && let [StrPart::Text(key)] = key.as_slice()
            && let Expr::Member(base, output) = base.as_ref()
            && let Expr::Member(symbol, outputs) = base.as_ref()
            && outputs == "outputs"
            && let Expr::Ident(symbol) = symbol.as_ref()
            && self.earlier(symbol)
        {
            return self.inline_output(symbol, output, Some(key));
        }
        Ok(match expr {
            Expr::Ident(name) => return self.ident(name, env),
            Expr::Str(parts) => Expr::Str(self.parts(parts, env)?),
            Expr::Int(_) | Expr::Bool(_) => expr.clone(),
            Expr::Array(items) => Expr::Array(
                items
                    .iter()
                    .map(|item| {
                        Ok(Item {
                            comments: item.comments.clone(),
                            value: self.expr(&item.value, env)?,
                        })
                    })
                    .collect::<Result<_, Unsplittable>>()?,
            ),
            Expr::Object(props) => Expr::Object(self.properties(props, env)?),
            Expr::Member(base, name) => {
                let base = self.expr(base, env)?;
                // `{ … }.name` as the object's value, so no object literal is indexed.
                if let Expr::Object(props) = &base
                    && let Some(value) = property(props, name)
                {
                    return Ok(value.clone());
                }
                base.member(name.clone())
            }
            Expr::Index(base, at) => {
                let base = self.expr(base, env)?;
                let at = self.expr(at, env)?;
                if let (Expr::Object(props), Expr::Str(key)) = (&base, &at)
                    && let [StrPart::Text(key)] = key.as_slice()
                    && let Some(value) = property(props, key)
                {
                    return Ok(value.clone());
                }
                base.index(at)
            }
            Expr::Call(function, args) => {
                let mut args: Vec<Expr> = args
                    .iter()
                    .map(|arg| self.expr(arg, env))
                    .collect::<Result<_, _>>()?;
                if let Env::Module { call, .. } = env {
                    let scope = property(&call.body, "scope");
                    match (function.as_str(), scope) {
                        // The module deployed into another resource group: say which.
                        ("resourceId", Some(Expr::Call(scope_fn, scope_args)))
                            if scope_fn == "resourceGroup" =>
                        {
                            let mut prefixed = Vec::new();
                            for arg in scope_args {
                                prefixed.push(self.expr(arg, &Env::Main)?);
                            }
                            prefixed.append(&mut args);
                            args = prefixed;
                        }
                        ("resourceId", Some(_))
                        | ("resourceGroup" | "subscription", Some(_))
                        | ("deployment", _) => {
                            return Err(Unsplittable(format!(
                                "an output of a module reads `{function}()` in the module's own scope"
                            )));
                        }
                        _ => {}
                    }
                }
                Expr::Call(function.clone(), args)
            }
            Expr::Equals(a, b) => {
                Expr::Equals(Box::new(self.expr(a, env)?), Box::new(self.expr(b, env)?))
            }
            Expr::Ternary(a, b, c) => Expr::Ternary(
                Box::new(self.expr(a, env)?),
                Box::new(self.expr(b, env)?),
                Box::new(self.expr(c, env)?),
            ),
        })
    }

    fn ident(&mut self, name: &str, env: &Env) -> Result<Expr, Unsplittable> {
        match env {
            Env::Main => {
                if self.earlier(name) {
                    let index = self.index;
                    let i = index.nodes[name];
                    match &index.main.statements[i].kind {
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
                Ok(Expr::ident(name))
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
                                (Some(value), _) => self.expr(value, &Env::Main),
                                (None, Some(default)) => self.expr(default, env),
                                (None, None) => Err(Unsplittable(format!(
                                    "module `{symbol}` is called without `{name}`"
                                ))),
                            };
                        }
                        StatementKind::Var { name: var, value } if var == name => {
                            return self.expr(value, env);
                        }
                        StatementKind::Resource(resource) if resource.symbol == name => {
                            let local = format!("{symbol}{}", upper_first(name));
                            if self.index.nodes.contains_key(local.as_str())
                                || self.index.params.contains_key(local.as_str())
                                || self.index.vars.contains_key(local.as_str())
                            {
                                return Err(Unsplittable(format!(
                                    "`{local}` is already a symbol of main.bicep"
                                )));
                            }
                            let scope = property(&call.body, "scope");
                            self.declare(local.clone(), resource, env, scope)?;
                            return Ok(Expr::ident(local));
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
        declared = declared.prop("name", self.expr(name, env)?);
        if let Some(parent) = property(&resource.body, "parent") {
            declared = declared.prop("parent", self.expr(parent, env)?);
        } else if let Some(scope) = property(&resource.body, "scope") {
            declared = declared.prop("scope", self.expr(scope, env)?);
        } else if let Some(scope) = call_scope {
            declared = declared.prop("scope", self.expr(scope, &Env::Main)?);
        }
        self.existing.insert(local, declared.into());
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
        let i = index.nodes[symbol];
        let StatementKind::Module(call) = &index.main.statements[i].kind else {
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
                Some(entry) => self.expr(entry, &env),
                None => Err(Unsplittable(format!(
                    "{} has no entry `{key}` in output `{output}`",
                    call.path
                ))),
            },
            (Some(key), _) => Ok(self.expr(value, &env)?.index(Expr::str(key))),
            (None, _) => self.expr(value, &env),
        }
    }
}
