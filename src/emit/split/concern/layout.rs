//! How the parts of a divided concern read each other: another part's resource by
//! `resourceId(…)` or declared `existing`, and which parts each waits for.

use super::{property, resource_of, type_name};
use crate::bicep::{self, Expr, Item, Key, Property, Statement, StrPart};
use std::collections::{BTreeSet, HashMap};

/// What the modules of a divided concern know about each other.
pub(super) struct Layout<'a> {
    pub(super) statements: &'a [Statement],
    pub(super) holder: &'a [usize],
    pub(super) symbols: HashMap<&'a str, usize>,
}

/// One module being written: its statements and what it reads from the others.
#[derive(Default)]
pub(super) struct Writing {
    pub(super) statements: Vec<Statement>,
    /// Statement indices of other modules' resources declared `existing` here.
    pub(super) existing: BTreeSet<usize>,
    /// Modules this one waits for.
    pub(super) after: BTreeSet<usize>,
}

impl Layout<'_> {
    fn foreign(&self, name: &str, module: usize) -> Option<usize> {
        self.symbols
            .get(name)
            .copied()
            .filter(|&i| self.holder[i] != module)
    }

    fn wait_for(&self, i: usize, writing: &mut Writing) {
        if resource_of(&self.statements[i]).is_some_and(|r| !r.existing) {
            writing.after.insert(self.holder[i]);
        }
    }

    /// `resourceId('<type>', <parent names…>, <name>)` of a resource, when its name and
    /// its parents' names say where it is (no `scope:` of its own).
    fn resource_id(&self, i: usize, module: usize, writing: &mut Writing) -> Option<Expr> {
        let mut segments = Vec::new();
        let mut at = i;
        loop {
            let resource = resource_of(&self.statements[at])?;
            if property(&resource.body, "scope").is_some() {
                return None;
            }
            segments.push(property(&resource.body, "name")?.clone());
            match property(&resource.body, "parent") {
                Some(Expr::Ident(parent)) => at = *self.symbols.get(parent.as_str())?,
                Some(_) => return None,
                None => break,
            }
        }
        segments.reverse();
        let mut args = vec![Expr::str(type_name(resource_of(&self.statements[i])?))];
        for segment in segments {
            args.push(self.expr(&segment, module, writing));
        }
        Some(Expr::call("resourceId", args))
    }

    /// `expr` as module `module` reads it.
    pub(super) fn expr(&self, expr: &Expr, module: usize, writing: &mut Writing) -> Expr {
        if let Expr::Member(base, member) = expr
            && member == "id"
            && let Expr::Ident(name) = base.as_ref()
            && let Some(i) = self.foreign(name, module)
            && let Some(id) = self.resource_id(i, module, writing)
        {
            self.wait_for(i, writing);
            return id;
        }
        match expr {
            Expr::Ident(name) => {
                if let Some(i) = self.foreign(name, module) {
                    self.wait_for(i, writing);
                    self.declare(i, module, writing);
                }
                expr.clone()
            }
            Expr::Str(parts) => Expr::Str(self.parts(parts, module, writing)),
            Expr::Int(_) | Expr::Bool(_) => expr.clone(),
            Expr::Array(items) => Expr::Array(
                items
                    .iter()
                    .map(|item| Item {
                        comments: item.comments.clone(),
                        value: self.expr(&item.value, module, writing),
                    })
                    .collect(),
            ),
            Expr::Object(props) => Expr::Object(self.properties(props, module, writing)),
            Expr::Member(base, name) => {
                Expr::Member(Box::new(self.expr(base, module, writing)), name.clone())
            }
            Expr::Index(base, at) => Expr::Index(
                Box::new(self.expr(base, module, writing)),
                Box::new(self.expr(at, module, writing)),
            ),
            Expr::Call(function, args) => Expr::Call(
                function.clone(),
                args.iter()
                    .map(|arg| self.expr(arg, module, writing))
                    .collect(),
            ),
            Expr::Equals(a, b) => Expr::Equals(
                Box::new(self.expr(a, module, writing)),
                Box::new(self.expr(b, module, writing)),
            ),
            Expr::Ternary(a, b, c) => Expr::Ternary(
                Box::new(self.expr(a, module, writing)),
                Box::new(self.expr(b, module, writing)),
                Box::new(self.expr(c, module, writing)),
            ),
        }
    }

    fn parts(&self, parts: &[StrPart], module: usize, writing: &mut Writing) -> Vec<StrPart> {
        parts
            .iter()
            .map(|part| match part {
                StrPart::Text(_) => part.clone(),
                StrPart::Interp(inner) => StrPart::Interp(self.expr(inner, module, writing)),
            })
            .collect()
    }

    pub(super) fn properties(
        &self,
        props: &[Property],
        module: usize,
        writing: &mut Writing,
    ) -> Vec<Property> {
        let mut out = Vec::new();
        for p in props {
            let value = if matches!(&p.key, Key::Name(name) if name == "dependsOn")
                && let Expr::Array(items) = &p.value
            {
                // Another module's resource: the module call waits for that module instead.
                let kept: Vec<Item> = items
                    .iter()
                    .filter(|item| match &item.value {
                        Expr::Ident(name) => match self.foreign(name, module) {
                            Some(i) => {
                                self.wait_for(i, writing);
                                false
                            }
                            None => true,
                        },
                        _ => true,
                    })
                    .cloned()
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                Expr::Array(kept)
            } else {
                self.expr(&p.value, module, writing)
            };
            let key = match &p.key {
                Key::Name(name) => Key::Name(name.clone()),
                Key::Interpolated(parts) => Key::Interpolated(self.parts(parts, module, writing)),
            };
            out.push(Property {
                comments: p.comments.clone(),
                key,
                value,
            });
        }
        out
    }

    /// Declare statement `i` (another module's resource) `existing` in this module.
    fn declare(&self, i: usize, module: usize, writing: &mut Writing) {
        writing.existing.insert(i);
        if let Some(resource) = resource_of(&self.statements[i]) {
            for key in ["name", "parent", "scope"] {
                if let Some(value) = property(&resource.body, key) {
                    // Reading it declares what it names (a parent) in turn.
                    self.expr(value, module, writing);
                }
            }
        }
    }

    /// The `existing` declaration of statement `i`, its name, parent and scope as written.
    pub(super) fn existing(
        &self,
        i: usize,
        module: usize,
        writing: &mut Writing,
        from: &str,
    ) -> Statement {
        let resource = resource_of(&self.statements[i]).expect("only resources are declared");
        let mut declared = bicep::Resource {
            symbol: resource.symbol.clone(),
            type_ref: resource.type_ref.clone(),
            existing: true,
            condition: None,
            body: Vec::new(),
        };
        for key in ["name", "parent", "scope"] {
            if let Some(value) = property(&resource.body, key) {
                let value = self.expr(value, module, writing);
                declared = declared.prop(key, value);
            }
        }
        Statement::from(declared).with_comment(format!("Deployed by {from}; read here by name"))
    }
}
