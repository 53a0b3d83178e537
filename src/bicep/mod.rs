//! A small typed Bicep syntax tree and its one printer.
//!
//! Every string that reaches a generated file goes through [`Expr::Str`] and is escaped by the
//! printer, and only there: Bicep's `${…}` interpolation makes raw splicing an injection hole.
//! Identifiers and property keys are checked when they are printed, so a bad one is a bug that
//! fails loudly in tests rather than a file that does something else.

mod cloud;
mod printer;
mod text;

pub use printer::{print_file, print_param_file, print_statement_alone};
pub use text::Text;

/// One `.bicep` file: statements in order, each optionally preceded by comment lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct File {
    pub header: Vec<String>,
    pub statements: Vec<Statement>,
}

impl File {
    pub fn new(header: impl Into<String>) -> Self {
        Self {
            header: vec![header.into()],
            statements: Vec::new(),
        }
    }

    pub fn push(&mut self, statement: impl Into<Statement>) {
        self.statements.push(statement.into());
    }
}

/// A statement with the comment lines printed above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub comments: Vec<String>,
    pub kind: StatementKind,
}

impl Statement {
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comments.push(comment.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    TargetScope(String),
    /// `extension <alias>`: resource types of a Bicep extension, e.g. `microsoftGraphV1`,
    /// whose alias `bicepconfig.json` maps to a registry reference.
    Extension(String),
    Param(Param),
    Var {
        name: String,
        value: Expr,
    },
    Resource(Resource),
    Module(Module),
    Output {
        name: String,
        ty: Type,
        value: Expr,
    },
}

impl From<StatementKind> for Statement {
    fn from(kind: StatementKind) -> Self {
        Statement {
            comments: Vec::new(),
            kind,
        }
    }
}

macro_rules! into_statement {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Statement {
            fn from(value: $ty) -> Self {
                StatementKind::$ty(value).into()
            }
        }
    )*};
}
into_statement!(Param, Resource, Module);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    String,
    Int,
    Bool,
    Object,
    Array,
}

impl Type {
    fn keyword(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Int => "int",
            Type::Bool => "bool",
            Type::Object => "object",
            Type::Array => "array",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: Type,
    pub description: Option<String>,
    pub secure: bool,
    pub allowed: Vec<Expr>,
    pub default: Option<Expr>,
}

impl Param {
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Self {
            name: name.into(),
            ty,
            description: None,
            secure: false,
            allowed: Vec::new(),
            default: None,
        }
    }

    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    pub fn secure(mut self) -> Self {
        self.secure = true;
        self
    }

    pub fn allowed(mut self, values: Vec<Expr>) -> Self {
        self.allowed = values;
        self
    }

    pub fn default(mut self, value: impl Into<Expr>) -> Self {
        self.default = Some(value.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub symbol: String,
    /// `Namespace/type@api-version`.
    pub type_ref: String,
    pub existing: bool,
    /// Deployed only when this holds: `= if (condition) { … }`.
    pub condition: Option<Expr>,
    pub body: Vec<Property>,
}

impl Resource {
    pub fn new(symbol: impl Into<String>, type_name: &str, api_version: &str) -> Self {
        Self {
            symbol: symbol.into(),
            type_ref: [type_name, "@", api_version].concat(),
            existing: false,
            condition: None,
            body: Vec::new(),
        }
    }

    /// Deploy the resource only when `condition` holds.
    pub fn only_if(mut self, condition: Expr) -> Self {
        self.condition = Some(condition);
        self
    }

    pub fn existing(mut self) -> Self {
        self.existing = true;
        self
    }

    pub fn prop(mut self, key: &'static str, value: impl Into<Expr>) -> Self {
        self.body.push(Property::new(Text::from_static(key), value));
        self
    }

    pub fn prop_if(self, condition: bool, key: &'static str, value: impl Into<Expr>) -> Self {
        if condition {
            self.prop(key, value)
        } else {
            self
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub symbol: String,
    pub path: String,
    pub body: Vec<Property>,
}

impl Module {
    pub fn new(symbol: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            symbol: symbol.into(),
            path: path.into(),
            body: Vec::new(),
        }
    }

    pub fn prop(mut self, key: &'static str, value: impl Into<Expr>) -> Self {
        self.body.push(Property::new(Text::from_static(key), value));
        self
    }
}

/// An object property, with comment lines printed above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub comments: Vec<String>,
    pub key: Key,
    pub value: Expr,
}

/// A property key: a name (quoted when it is not an identifier) or an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Name(Text),
    Interpolated(Vec<StrPart>),
}

impl Property {
    pub fn new(key: impl Into<Text>, value: impl Into<Expr>) -> Self {
        Self {
            comments: Vec::new(),
            key: Key::Name(key.into()),
            value: value.into(),
        }
    }

    /// A property whose key is computed, e.g. `'${identityId}': {}`.
    pub fn interpolated(key: impl IntoIterator<Item = StrPart>, value: impl Into<Expr>) -> Self {
        Self {
            comments: Vec::new(),
            key: Key::Interpolated(key.into_iter().collect()),
            value: value.into(),
        }
    }

    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comments.push(comment.into());
        self
    }
}

/// An array item, with comment lines printed above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub comments: Vec<String>,
    pub value: Expr,
}

impl<T: Into<Expr>> From<T> for Item {
    fn from(value: T) -> Self {
        Item {
            comments: Vec::new(),
            value: value.into(),
        }
    }
}

impl Item {
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comments.push(comment.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Text(Text),
    Interp(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A string; text parts are escaped by the printer, `Interp` parts become `${…}`.
    Str(Vec<StrPart>),
    Int(i64),
    Bool(bool),
    Array(Vec<Item>),
    Object(Vec<Property>),
    /// A parameter, variable, resource, module or loop symbol.
    Ident(Text),
    /// `base.member`
    Member(Box<Expr>, Text),
    /// `name(args…)`
    Call(Text, Vec<Expr>),
    /// `left == right`
    Equals(Box<Expr>, Box<Expr>),
    /// `base[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `condition ? then : otherwise`
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Call `visit` on this expression and on every expression inside it, interpolations and
    /// computed keys included, outer first.
    pub fn walk(&self, visit: &mut dyn FnMut(&Expr)) {
        visit(self);
        match self {
            Expr::Str(parts) => walk_parts(parts, visit),
            Expr::Array(items) => items.iter().for_each(|item| item.value.walk(visit)),
            Expr::Object(props) => props.iter().for_each(|p| p.walk(visit)),
            Expr::Member(base, _) => base.walk(visit),
            Expr::Call(_, args) => args.iter().for_each(|arg| arg.walk(visit)),
            Expr::Equals(a, b) | Expr::Index(a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            Expr::Ternary(a, b, c) => {
                a.walk(visit);
                b.walk(visit);
                c.walk(visit);
            }
            Expr::Ident(_) | Expr::Int(_) | Expr::Bool(_) => {}
        }
    }

    pub fn str(text: impl Into<Text>) -> Self {
        Expr::Str(vec![StrPart::Text(text.into())])
    }

    /// An interpolated string built from literal text and expressions.
    pub fn interp(parts: impl IntoIterator<Item = StrPart>) -> Self {
        Expr::Str(parts.into_iter().collect())
    }

    pub fn ident(name: impl Into<Text>) -> Self {
        Expr::Ident(name.into())
    }

    /// `a.b.c` from a dotted path of identifiers; the first may be a call without
    /// arguments, as in `resourceGroup().id`.
    pub fn path(dotted: &str) -> Self {
        let mut parts = dotted.split('.');
        let head = parts.next().unwrap_or_default();
        let first = match head.strip_suffix("()") {
            Some(function) => Expr::call(function, Vec::new()),
            None => Expr::ident(head),
        };
        parts.fold(first, |base, member| base.member(member))
    }

    pub fn member(self, name: impl Into<Text>) -> Self {
        Expr::Member(Box::new(self), name.into())
    }

    pub fn call(name: impl Into<Text>, args: Vec<Expr>) -> Self {
        Expr::Call(name.into(), args)
    }

    /// `self ? then : otherwise`
    pub fn ternary(self, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Self {
        Expr::Ternary(
            Box::new(self),
            Box::new(then.into()),
            Box::new(otherwise.into()),
        )
    }

    /// `self[index]`, e.g. a per-environment table indexed by `environmentName`.
    pub fn index(self, index: impl Into<Expr>) -> Self {
        Expr::Index(Box::new(self), Box::new(index.into()))
    }

    pub fn equals(self, other: impl Into<Expr>) -> Self {
        Expr::Equals(Box::new(self), Box::new(other.into()))
    }

    pub fn array(items: impl IntoIterator<Item = Item>) -> Self {
        Expr::Array(items.into_iter().collect())
    }

    pub fn object(props: impl IntoIterator<Item = Property>) -> Self {
        Expr::Object(props.into_iter().collect())
    }
}

fn walk_parts(parts: &[StrPart], visit: &mut dyn FnMut(&Expr)) {
    for part in parts {
        if let StrPart::Interp(inner) = part {
            inner.walk(visit);
        }
    }
}

impl Property {
    /// [`Expr::walk`] over the key's interpolations and the value.
    pub fn walk(&self, visit: &mut dyn FnMut(&Expr)) {
        if let Key::Interpolated(parts) = &self.key {
            walk_parts(parts, visit);
        }
        self.value.walk(visit);
    }
}

impl Statement {
    /// [`Expr::walk`] over every expression of the statement.
    pub fn walk(&self, visit: &mut dyn FnMut(&Expr)) {
        match &self.kind {
            StatementKind::Param(param) => param.default.iter().for_each(|e| e.walk(visit)),
            StatementKind::Var { value, .. } | StatementKind::Output { value, .. } => {
                value.walk(visit)
            }
            StatementKind::Resource(resource) => {
                resource.condition.iter().for_each(|e| e.walk(visit));
                resource.body.iter().for_each(|p| p.walk(visit));
            }
            StatementKind::Module(module) => module.body.iter().for_each(|p| p.walk(visit)),
            StatementKind::TargetScope(_) | StatementKind::Extension(_) => {}
        }
    }
}

/// Shorthand for `Expr::object` from `(key, value)` pairs.
pub fn obj<const N: usize>(pairs: [(&'static str, Expr); N]) -> Expr {
    Expr::Object(
        pairs
            .into_iter()
            .map(|(k, v)| Property::new(Text::from_static(k), v))
            .collect(),
    )
}

/// Shorthand for a literal text part of an interpolated string.
pub fn text(value: impl Into<Text>) -> StrPart {
    StrPart::Text(value.into())
}

/// Shorthand for an expression part of an interpolated string.
pub fn interp(value: impl Into<Expr>) -> StrPart {
    StrPart::Interp(value.into())
}

impl From<&str> for Expr {
    fn from(value: &str) -> Self {
        Expr::str(value)
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Self {
        Expr::str(value)
    }
}

impl From<bool> for Expr {
    fn from(value: bool) -> Self {
        Expr::Bool(value)
    }
}

impl From<i64> for Expr {
    fn from(value: i64) -> Self {
        Expr::Int(value)
    }
}

impl From<u32> for Expr {
    fn from(value: u32) -> Self {
        Expr::Int(i64::from(value))
    }
}

/// One `.bicepparam` file: `using` a template and assigning its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamFile {
    pub header: Vec<String>,
    pub using: String,
    pub assignments: Vec<(String, Expr)>,
}

#[cfg(test)]
mod tests;
