//! The evaluator: runs the Python that model code uses — functions (`def`, `lambda`, default
//! and keyword arguments, `*args`/`**kwargs`, closures, bounded recursion), `for` over lists,
//! tuples, `range`, `enumerate`, `zip` and dict items, bounded `while`, `if/elif/else`,
//! comparisons and boolean operators, comprehensions, f-strings, `%` and `.format`, tuple
//! unpacking, augmented, attribute and subscript assignment, `assert`, imports — and hands
//! everything Keras to `build`. What it does not run is an error at its line and column naming
//! the construct; nothing is guessed. Everything is bounded: steps, calls, sizes.

use super::build::{Graph, Namer};
use super::python::{Lines, Pos, Program, SyntaxError, ast, error};
use super::value::{Shared, Value};
use ruff_text_size::Ranged;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Statements, loop iterations and calls a snippet may run (a teacher's endless loop is an
/// error, not a hang).
pub const MAX_STEPS: u64 = 1_000_000;
/// Nested calls of the snippet's own functions.
pub const MAX_CALL_DEPTH: usize = 64;
/// Items in one list, tuple, dict or `range`.
pub const MAX_ITEMS: usize = 100_000;
/// Characters in one string.
pub const MAX_STRING: usize = 1 << 20;
/// Everything a snippet may allocate over its run, in items (list items, or 8 bytes of string):
/// bounds what many collections below the per-collection limits add up to.
pub const MAX_ALLOCATION: u64 = 4_000_000;
/// Deepest nesting of lists, tuples and dicts printed as text.
const MAX_PRINT_DEPTH: usize = 64;

type Scope = Rc<RefCell<HashMap<String, Value>>>;

enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
}

/// A function the snippet defined.
struct Function<'a> {
    name: String,
    parameters: Option<&'a ast::Parameters>,
    body: FunctionBody<'a>,
    /// Defaults of the parameters that have one, by parameter name.
    defaults: HashMap<String, Value>,
    /// The scopes it was defined in (innermost last), for closures.
    enclosing: Vec<Scope>,
}

enum FunctionBody<'a> {
    Def(&'a [ast::Stmt]),
    Lambda(&'a ast::Expr),
}

struct Frame {
    locals: Scope,
    enclosing: Vec<Scope>,
    globals: HashSet<String>,
}

pub struct Eval<'a> {
    lines: &'a Lines,
    globals: Scope,
    frames: Vec<Frame>,
    functions: Vec<Function<'a>>,
    steps: u64,
    /// What the run has allocated so far (see [`MAX_ALLOCATION`]).
    allocated: u64,
    pub(super) graph: Graph,
    pub(super) namers: [Namer; 2],
    /// Keras 3's mask of a tensor (from `Embedding(mask_zero=True)`): the `NotEqual` output.
    /// `None`: a mask whose way on is not known.
    pub(super) masks: HashMap<super::value::TensorRef, Option<super::value::TensorRef>>,
}

/// Run the program; what it built.
pub fn run(program: &Program) -> Result<Graph, SyntaxError> {
    let mut ev = Eval {
        lines: &program.lines,
        globals: Rc::default(),
        frames: Vec::new(),
        functions: Vec::new(),
        steps: 0,
        allocated: 0,
        graph: Graph::default(),
        namers: [Namer::default(), Namer::default()],
        masks: HashMap::new(),
    };
    match ev.suite(&program.module.body)? {
        Flow::Normal => {}
        Flow::Return(_) => {}
        Flow::Break | Flow::Continue => {}
    }
    ev.graph.check()?;
    Ok(ev.graph)
}

const BUILTINS: [&str; 25] = [
    "set",
    "print",
    "len",
    "range",
    "enumerate",
    "zip",
    "int",
    "float",
    "str",
    "bool",
    "list",
    "tuple",
    "dict",
    "min",
    "max",
    "abs",
    "sum",
    "round",
    "sorted",
    "reversed",
    "any",
    "all",
    "isinstance",
    "display",
    "plot_model",
];

/// Model methods that only use the model: their arguments are not evaluated (they name
/// training data the snippet does not have).
pub(super) const MODEL_ONLY_METHODS: [&str; 14] = [
    "compile",
    "fit",
    "fit_generator",
    "evaluate",
    "predict",
    "predict_on_batch",
    "train_on_batch",
    "save",
    "save_weights",
    "load_weights",
    "count_params",
    "to_json",
    "get_weights",
    "set_weights",
];

impl<'a> Eval<'a> {
    pub(super) fn pos(&self, node: &impl Ranged) -> Pos {
        self.lines.at(node)
    }

    /// Count `items` against the run's allocation budget.
    fn spend(&mut self, items: usize, pos: Pos) -> Result<(), SyntaxError> {
        self.allocated = self.allocated.saturating_add(items as u64);
        if self.allocated > MAX_ALLOCATION {
            return Err(error(
                pos,
                format!("the code builds more than {MAX_ALLOCATION} items in all"),
            ));
        }
        Ok(())
    }

    fn tick(&mut self, pos: Pos) -> Result<(), SyntaxError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(error(
                pos,
                format!("the code runs more than {MAX_STEPS} steps: an endless loop?"),
            ));
        }
        Ok(())
    }

    // ---- names ----

    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(frame) = self.frames.last()
            && !frame.globals.contains(name)
        {
            if let Some(v) = frame.locals.borrow().get(name) {
                return Some(v.clone());
            }
            for scope in frame.enclosing.iter().rev() {
                if let Some(v) = scope.borrow().get(name) {
                    return Some(v.clone());
                }
            }
        }
        if let Some(v) = self.globals.borrow().get(name) {
            return Some(v.clone());
        }
        BUILTINS
            .iter()
            .find(|b| **b == name)
            .map(|b| Value::Builtin(b))
    }

    fn bind(&mut self, name: &str, value: Value) {
        match self.frames.last() {
            Some(frame) if !frame.globals.contains(name) => {
                frame.locals.borrow_mut().insert(name.to_string(), value);
            }
            _ => {
                self.globals.borrow_mut().insert(name.to_string(), value);
            }
        }
    }

    fn unbind(&mut self, name: &str, pos: Pos) -> Result<(), SyntaxError> {
        let removed = match self.frames.last() {
            Some(frame) if !frame.globals.contains(name) => frame.locals.borrow_mut().remove(name),
            _ => self.globals.borrow_mut().remove(name),
        };
        removed
            .map(|_| ())
            .ok_or_else(|| error(pos, format!("`{name}` is not defined")))
    }

    // ---- statements ----

    fn suite(&mut self, body: &'a [ast::Stmt]) -> Result<Flow, SyntaxError> {
        for s in body {
            match self.statement(s)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn statement(&mut self, s: &'a ast::Stmt) -> Result<Flow, SyntaxError> {
        use ast::Stmt;
        let pos = self.pos(s);
        self.tick(pos)?;
        match s {
            Stmt::Import(i) => {
                for alias in &i.names {
                    let path = alias.name.as_str();
                    // `import a.b` binds `a`; `import a.b as c` binds a.b to c.
                    let (bound, value_path) = match &alias.asname {
                        Some(n) => (n.as_str(), path),
                        None => {
                            let first = path.split('.').next().unwrap_or(path);
                            (first, first)
                        }
                    };
                    let v = self.module(value_path);
                    self.bind(bound, v);
                }
            }
            Stmt::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                if i.level > 0 {
                    return Err(error(
                        pos,
                        "a relative import: the engine reads one self-contained file",
                    ));
                }
                let base = self.module(module);
                for alias in &i.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        for (n, v) in self.star_import(module, pos)? {
                            self.bind(&n, v);
                        }
                        continue;
                    }
                    let apos = self.pos(alias);
                    let v = match &base {
                        Value::Module(_) => {
                            // A submodule (`from tensorflow import keras`) or a member.
                            self.attribute(base.clone(), name, apos)?
                        }
                        _ => Value::Opaque(format!("`{name}` from `{module}`")),
                    };
                    let bound = alias.asname.as_ref().map(|a| a.as_str()).unwrap_or(name);
                    self.bind(bound, v);
                }
            }
            Stmt::Assign(a) => {
                let v = self.expr(&a.value)?;
                for target in &a.targets {
                    self.assign(target, v.clone())?;
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(value) = &a.value {
                    let v = self.expr(value)?;
                    self.assign(&a.target, v)?;
                }
            }
            Stmt::AugAssign(a) => {
                let current = self.expr(&a.target)?;
                let right = self.expr(&a.value)?;
                let v = match (&current, a.op) {
                    // `list += ...` extends the list in place.
                    (Value::List(items), ast::Operator::Add) => {
                        let extra = self.iterate(&right, self.pos(&*a.value))?;
                        self.grow(items, extra, pos)?;
                        current.clone()
                    }
                    _ => self.binary(a.op, current, right, pos)?,
                };
                self.assign(&a.target, v)?;
            }
            Stmt::Expr(e) => {
                if self.skipped_statement(&e.value)? {
                    return Ok(Flow::Normal);
                }
                self.expr(&e.value)?;
            }
            Stmt::FunctionDef(f) => {
                if let Some(d) = f.decorator_list.first() {
                    return Err(error(
                        self.pos(d),
                        "a decorated function: decorators are not supported",
                    ));
                }
                if f.is_async {
                    return Err(error(pos, "an `async` function is not supported"));
                }
                let v = self.function(
                    f.name.as_str(),
                    Some(&f.parameters),
                    FunctionBody::Def(&f.body),
                )?;
                self.bind(f.name.as_str(), v);
            }
            Stmt::ClassDef(c) => {
                return Err(error(
                    pos,
                    format!(
                        "a `class` definition (`{}`): custom layers and models are not supported",
                        c.name.as_str()
                    ),
                ));
            }
            Stmt::Return(r) => {
                if self.frames.is_empty() {
                    return Err(error(pos, "`return` outside a function"));
                }
                let v = match &r.value {
                    Some(e) => self.expr(e)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(v));
            }
            Stmt::If(i) => {
                if self.truthy_expr(&i.test)? {
                    return self.suite(&i.body);
                }
                for clause in &i.elif_else_clauses {
                    let take = match &clause.test {
                        Some(t) => self.truthy_expr(t)?,
                        None => true,
                    };
                    if take {
                        return self.suite(&clause.body);
                    }
                }
            }
            Stmt::For(f) => {
                if f.is_async {
                    return Err(error(pos, "`async for` is not supported"));
                }
                let iterable = self.expr(&f.iter)?;
                let items = self.iterate(&iterable, self.pos(&*f.iter))?;
                let mut broke = false;
                for item in items {
                    self.tick(pos)?;
                    self.assign(&f.target, item)?;
                    match self.suite(&f.body)? {
                        Flow::Break => {
                            broke = true;
                            break;
                        }
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Continue | Flow::Normal => {}
                    }
                }
                if !broke {
                    return self.suite(&f.orelse);
                }
            }
            Stmt::While(w) => {
                let mut broke = false;
                while self.truthy_expr(&w.test)? {
                    self.tick(pos)?;
                    match self.suite(&w.body)? {
                        Flow::Break => {
                            broke = true;
                            break;
                        }
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Continue | Flow::Normal => {}
                    }
                }
                if !broke {
                    return self.suite(&w.orelse);
                }
            }
            Stmt::Break(_) => return Ok(Flow::Break),
            Stmt::Continue(_) => return Ok(Flow::Continue),
            Stmt::Pass(_) => {}
            Stmt::Assert(a) => {
                if !self.truthy_expr(&a.test)? {
                    return Err(error(pos, "the code's `assert` fails"));
                }
            }
            Stmt::Global(g) => {
                if let Some(frame) = self.frames.last_mut() {
                    for n in &g.names {
                        frame.globals.insert(n.as_str().to_string());
                    }
                }
            }
            Stmt::Nonlocal(_) => {
                return Err(error(pos, "`nonlocal` is not supported"));
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    match t {
                        ast::Expr::Name(n) => self.unbind(n.id.as_str(), self.pos(t))?,
                        _ => {
                            return Err(error(
                                self.pos(t),
                                "`del` of anything but a name is not supported",
                            ));
                        }
                    }
                }
            }
            Stmt::With(w) => {
                // `with strategy.scope():`, `with tf.device(...)`: the body runs as written.
                for item in &w.items {
                    let v = self.expr(&item.context_expr)?;
                    if !matches!(v, Value::Opaque(_)) {
                        return Err(error(
                            self.pos(&item.context_expr),
                            format!("`with` {} is not supported", v.describe()),
                        ));
                    }
                    if let Some(target) = &item.optional_vars {
                        self.assign(target, v)?;
                    }
                }
                return self.suite(&w.body);
            }
            Stmt::Try(_) => {
                return Err(error(
                    pos,
                    "a `try` statement: the engine does not run exception handling",
                ));
            }
            Stmt::Raise(_) => return Err(error(pos, "the code raises an exception")),
            Stmt::Match(_) => return Err(error(pos, "a `match` statement is not supported")),
            Stmt::TypeAlias(_) => return Err(error(pos, "a `type` alias is not supported")),
            Stmt::IpyEscapeCommand(_) => {
                return Err(error(pos, "an IPython command is not Python"));
            }
        }
        Ok(Flow::Normal)
    }

    /// `print(...)` and `model.fit(...)` as statements: not run (they only use the model), but
    /// `print(model.summary())` still records the summary.
    fn skipped_statement(&mut self, e: &'a ast::Expr) -> Result<bool, SyntaxError> {
        let ast::Expr::Call(call) = e else {
            return Ok(false);
        };
        if let ast::Expr::Name(n) = &*call.func
            && matches!(n.id.as_str(), "print" | "display" | "plot_model")
            && matches!(self.lookup(n.id.as_str()), Some(Value::Builtin(_)))
        {
            for a in call.arguments.args.iter() {
                if let ast::Expr::Call(inner) = a
                    && let ast::Expr::Attribute(attr) = &*inner.func
                    && attr.attr.as_str() == "summary"
                {
                    self.expr(a)?;
                }
            }
            return Ok(true);
        }
        Ok(false)
    }

    fn function(
        &mut self,
        name: &str,
        parameters: Option<&'a ast::Parameters>,
        body: FunctionBody<'a>,
    ) -> Result<Value, SyntaxError> {
        let mut defaults = HashMap::new();
        if let Some(p) = parameters {
            for param in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
                if let Some(d) = &param.default {
                    let v = self.expr(d)?;
                    defaults.insert(param.parameter.name.as_str().to_string(), v);
                }
            }
        }
        let mut enclosing = Vec::new();
        if let Some(frame) = self.frames.last() {
            enclosing.extend(frame.enclosing.iter().cloned());
            enclosing.push(frame.locals.clone());
        }
        self.functions.push(Function {
            name: name.to_string(),
            parameters,
            body,
            defaults,
            enclosing,
        });
        Ok(Value::Function(self.functions.len() - 1))
    }

    /// Call the snippet's function `id`.
    fn call_function(
        &mut self,
        id: usize,
        positional: Vec<(Value, Pos)>,
        keywords: Vec<(String, Value, Pos)>,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        if self.frames.len() >= MAX_CALL_DEPTH {
            return Err(error(
                pos,
                format!("calls nest more than {MAX_CALL_DEPTH} deep: endless recursion?"),
            ));
        }
        self.tick(pos)?;
        let (name, parameters, enclosing) = {
            let f = &self.functions[id];
            (f.name.clone(), f.parameters, f.enclosing.clone())
        };
        let mut locals: HashMap<String, Value> = HashMap::new();
        let empty = ast::Parameters::default();
        let p = parameters.unwrap_or(&empty);
        let positional_params: Vec<&ast::ParameterWithDefault> =
            p.posonlyargs.iter().chain(&p.args).collect();
        let mut extra = Vec::new();
        for (i, (v, vpos)) in positional.into_iter().enumerate() {
            match positional_params.get(i) {
                Some(param) => {
                    locals.insert(param.parameter.name.as_str().to_string(), v);
                }
                None if p.vararg.is_some() => extra.push(v),
                None => {
                    return Err(error(
                        vpos,
                        format!(
                            "`{name}` takes {} positional argument(s)",
                            positional_params.len()
                        ),
                    ));
                }
            }
        }
        if let Some(v) = &p.vararg {
            locals.insert(v.name.as_str().to_string(), Value::Tuple(extra));
        }
        let mut extra_keywords = Vec::new();
        for (k, v, kpos) in keywords {
            let known = p
                .args
                .iter()
                .chain(&p.kwonlyargs)
                .any(|param| param.parameter.name.as_str() == k);
            if known {
                if locals.contains_key(&k) {
                    return Err(error(
                        kpos,
                        format!("`{name}` got two values for argument `{k}`"),
                    ));
                }
                locals.insert(k, v);
            } else if p.kwarg.is_some() {
                extra_keywords.push((Value::Str(k), v));
            } else {
                return Err(error(kpos, format!("`{name}` has no parameter `{k}`")));
            }
        }
        if let Some(k) = &p.kwarg {
            locals.insert(
                k.name.as_str().to_string(),
                Value::Dict(Shared::new(extra_keywords)),
            );
        }
        for param in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
            let n = param.parameter.name.as_str();
            if !locals.contains_key(n) {
                match self.functions[id].defaults.get(n) {
                    Some(d) => {
                        locals.insert(n.to_string(), d.clone());
                    }
                    None => {
                        return Err(error(
                            pos,
                            format!("`{name}` is called without its argument `{n}`"),
                        ));
                    }
                }
            }
        }
        self.frames.push(Frame {
            locals: Rc::new(RefCell::new(locals)),
            enclosing,
            globals: HashSet::new(),
        });
        let result = match self.functions[id].body {
            FunctionBody::Def(body) => self.suite(body).map(|flow| match flow {
                Flow::Return(v) => v,
                _ => Value::None,
            }),
            FunctionBody::Lambda(e) => self.expr(e),
        };
        self.frames.pop();
        result
    }

    // ---- assignment ----

    fn assign(&mut self, target: &'a ast::Expr, value: Value) -> Result<(), SyntaxError> {
        let pos = self.pos(target);
        match target {
            ast::Expr::Name(n) => {
                self.bind(n.id.as_str(), value);
                Ok(())
            }
            ast::Expr::Tuple(ast::ExprTuple { elts, .. })
            | ast::Expr::List(ast::ExprList { elts, .. }) => {
                let items = self.iterate(&value, pos)?;
                let starred = elts.iter().position(|e| e.is_starred_expr());
                match starred {
                    None => {
                        if items.len() != elts.len() {
                            return Err(error(
                                pos,
                                format!(
                                    "cannot unpack {} value(s) into {} name(s)",
                                    items.len(),
                                    elts.len()
                                ),
                            ));
                        }
                        for (t, v) in elts.iter().zip(items) {
                            self.assign(t, v)?;
                        }
                    }
                    Some(s) => {
                        let after = elts.len() - s - 1;
                        if items.len() < s + after {
                            return Err(error(pos, "not enough values to unpack"));
                        }
                        let mut items = items;
                        let tail = items.split_off(items.len() - after);
                        let middle = items.split_off(s);
                        for (t, v) in elts[..s].iter().zip(items) {
                            self.assign(t, v)?;
                        }
                        if let ast::Expr::Starred(st) = &elts[s] {
                            self.assign(&st.value, Value::list(middle))?;
                        }
                        for (t, v) in elts[s + 1..].iter().zip(tail) {
                            self.assign(t, v)?;
                        }
                    }
                }
                Ok(())
            }
            ast::Expr::Attribute(a) => {
                let obj = self.expr(&a.value)?;
                self.set_attribute(obj, a.attr.as_str(), value, pos)
            }
            ast::Expr::Subscript(s) => {
                let obj = self.expr(&s.value)?;
                let key = self.expr(&s.slice)?;
                match obj {
                    Value::List(items) => {
                        let mut items = items.get();
                        let i = index_of(&key, items.len(), pos)?;
                        items[i] = value;
                        Ok(())
                    }
                    Value::Dict(d) => {
                        let mut d = d.get();
                        match d.iter_mut().find(|(k, _)| *k == key) {
                            Some((_, v)) => *v = value,
                            None => {
                                if d.len() >= MAX_ITEMS {
                                    return Err(too_many(pos));
                                }
                                d.push((key, value));
                            }
                        }
                        Ok(())
                    }
                    // `os.environ["KERAS_BACKEND"] = "tensorflow"`: harmless.
                    Value::Opaque(_) => Ok(()),
                    other => Err(error(
                        pos,
                        format!("cannot assign to an item of {}", other.describe()),
                    )),
                }
            }
            _ => Err(error(pos, "cannot assign to this expression")),
        }
    }

    fn grow(
        &mut self,
        items: &Shared<Vec<Value>>,
        extra: Vec<Value>,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        self.spend(extra.len(), pos)?;
        let mut items = items.get();
        if items.len() + extra.len() > MAX_ITEMS {
            return Err(too_many(pos));
        }
        items.extend(extra);
        Ok(())
    }

    // ---- expressions ----

    fn truthy_expr(&mut self, e: &'a ast::Expr) -> Result<bool, SyntaxError> {
        let v = self.expr(e)?;
        truthy(&v, self.pos(e))
    }

    pub(super) fn expr(&mut self, e: &'a ast::Expr) -> Result<Value, SyntaxError> {
        use ast::Expr;
        let pos = self.pos(e);
        Ok(match e {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => match i.as_i64() {
                    Some(i) => Value::Int(i),
                    None => return Err(error(pos, "the integer is too large")),
                },
                ast::Number::Float(f) => Value::Float(*f),
                ast::Number::Complex { .. } => {
                    return Err(error(pos, "complex numbers are not supported"));
                }
            },
            Expr::StringLiteral(s) => Value::Str(s.value.to_str().to_string()),
            Expr::BytesLiteral(_) => return Err(error(pos, "bytes are not supported")),
            Expr::BooleanLiteral(b) => Value::Bool(b.value),
            Expr::NoneLiteral(_) => Value::None,
            Expr::EllipsisLiteral(_) => Value::Opaque("`...`".into()),
            Expr::FString(f) => Value::Str(self.fstring(&f.value, pos)?),
            Expr::TString(_) => return Err(error(pos, "template strings are not supported")),
            Expr::Name(n) => match self.lookup(n.id.as_str()) {
                Some(v) => v,
                None => return Err(error(pos, format!("`{}` is not defined", n.id.as_str()))),
            },
            Expr::Tuple(t) => Value::Tuple(self.elements(&t.elts, pos)?),
            Expr::List(l) => Value::list(self.elements(&l.elts, pos)?),
            Expr::Set(_) | Expr::SetComp(_) => {
                return Err(error(pos, "sets are not supported"));
            }
            Expr::Dict(d) => {
                let mut pairs: Vec<(Value, Value)> = Vec::new();
                for item in &d.items {
                    match &item.key {
                        Some(k) => {
                            let k = self.expr(k)?;
                            let v = self.expr(&item.value)?;
                            dict_insert(&mut pairs, k, v, pos)?;
                        }
                        None => match self.expr(&item.value)? {
                            Value::Dict(other) => {
                                for (k, v) in other.snapshot() {
                                    dict_insert(&mut pairs, k, v, pos)?;
                                }
                            }
                            other => {
                                return Err(error(
                                    pos,
                                    format!("cannot unpack {} into a dict", other.describe()),
                                ));
                            }
                        },
                    }
                }
                Value::Dict(Shared::new(pairs))
            }
            Expr::Attribute(a) => {
                let base = self.expr(&a.value)?;
                let at = self.pos(&a.attr);
                self.attribute(base, a.attr.as_str(), at)?
            }
            Expr::Subscript(s) => {
                let base = self.expr(&s.value)?;
                if let Expr::Slice(slice) = &*s.slice {
                    let bound = |ev: &mut Self,
                                 x: &'a Option<Box<Expr>>|
                     -> Result<Option<i64>, SyntaxError> {
                        match x {
                            None => Ok(None),
                            Some(x) => match ev.expr(x)? {
                                Value::Int(i) => Ok(Some(i)),
                                Value::None => Ok(None),
                                other => Err(error(
                                    ev.pos(&**x),
                                    format!(
                                        "a slice bound must be an integer, not {}",
                                        other.describe()
                                    ),
                                )),
                            },
                        }
                    };
                    let lower = bound(self, &slice.lower)?;
                    let upper = bound(self, &slice.upper)?;
                    let step = bound(self, &slice.step)?;
                    return slice_of(base, lower, upper, step, pos);
                }
                let key = self.expr(&s.slice)?;
                self.subscript(base, key, pos)?
            }
            Expr::Slice(_) => return Err(error(pos, "a slice outside `[...]`")),
            Expr::Call(c) => return self.call_expr(c, pos),
            Expr::UnaryOp(u) => {
                let v = self.expr(&u.operand)?;
                match (u.op, v) {
                    (ast::UnaryOp::Not, v) => Value::Bool(!truthy(&v, pos)?),
                    (ast::UnaryOp::USub, Value::Int(i)) => Value::Int(
                        i.checked_neg()
                            .ok_or_else(|| error(pos, "integer overflow"))?,
                    ),
                    (ast::UnaryOp::USub, Value::Float(f)) => Value::Float(-f),
                    (ast::UnaryOp::UAdd, v @ (Value::Int(_) | Value::Float(_))) => v,
                    (ast::UnaryOp::USub | ast::UnaryOp::UAdd, Value::Bool(b)) => {
                        let i = i64::from(b);
                        Value::Int(if u.op == ast::UnaryOp::USub { -i } else { i })
                    }
                    (ast::UnaryOp::Invert, Value::Int(i)) => Value::Int(!i),
                    (op, v) => {
                        return Err(error(
                            pos,
                            format!("cannot apply `{op}` to {}", v.describe()),
                        ));
                    }
                }
            }
            Expr::BinOp(b) => {
                let l = self.expr(&b.left)?;
                let r = self.expr(&b.right)?;
                self.binary(b.op, l, r, pos)?
            }
            Expr::BoolOp(b) => {
                let mut last = Value::None;
                for (i, v) in b.values.iter().enumerate() {
                    last = self.expr(v)?;
                    let t = truthy(&last, self.pos(v))?;
                    let stop = match b.op {
                        ast::BoolOp::And => !t,
                        ast::BoolOp::Or => t,
                    };
                    if stop || i + 1 == b.values.len() {
                        break;
                    }
                }
                last
            }
            Expr::Compare(c) => {
                let mut left = self.expr(&c.left)?;
                for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
                    let r = self.expr(right)?;
                    if !compare(*op, &left, &r, pos)? {
                        return Ok(Value::Bool(false));
                    }
                    left = r;
                }
                Value::Bool(true)
            }
            Expr::If(i) => {
                if self.truthy_expr(&i.test)? {
                    self.expr(&i.body)?
                } else {
                    self.expr(&i.orelse)?
                }
            }
            Expr::Named(n) => {
                let v = self.expr(&n.value)?;
                self.assign(&n.target, v.clone())?;
                v
            }
            Expr::Lambda(l) => self.function(
                "<lambda>",
                l.parameters.as_deref(),
                FunctionBody::Lambda(&l.body),
            )?,
            Expr::ListComp(c) => self.list_comprehension(&c.elt, &c.generators, pos)?,
            // Consumed at once (by `sum`, `tuple`, `any`): a list has the same values.
            Expr::Generator(g) => self.list_comprehension(&g.elt, &g.generators, pos)?,
            Expr::DictComp(c) => {
                let mut out = Vec::new();
                self.comprehension(&c.generators, pos, &mut |ev| {
                    let k = match &c.key {
                        Some(k) => ev.expr(k)?,
                        None => return Err(error(pos, "`**` in a dict comprehension")),
                    };
                    let v = ev.expr(&c.value)?;
                    dict_insert(&mut out, k, v, pos)
                })?;
                Value::Dict(Shared::new(out))
            }
            Expr::Starred(_) => return Err(error(pos, "`*` is not allowed here")),
            Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) => {
                return Err(error(pos, "generators and `await` are not supported"));
            }
            Expr::IpyEscapeCommand(_) => {
                return Err(error(pos, "an IPython command is not Python"));
            }
        })
    }

    /// Items of a tuple or list display, with `*iterable` expanded.
    fn elements(&mut self, elts: &'a [ast::Expr], pos: Pos) -> Result<Vec<Value>, SyntaxError> {
        let mut out = Vec::with_capacity(elts.len());
        for e in elts {
            if let ast::Expr::Starred(s) = e {
                let v = self.expr(&s.value)?;
                out.extend(self.iterate(&v, self.pos(e))?);
            } else {
                out.push(self.expr(e)?);
            }
            if out.len() > MAX_ITEMS {
                return Err(too_many(pos));
            }
        }
        Ok(out)
    }

    /// `[elt for ... in ... if ...]` as a list.
    fn list_comprehension(
        &mut self,
        elt: &'a ast::Expr,
        generators: &'a [ast::Comprehension],
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        let mut out = Vec::new();
        self.comprehension(generators, pos, &mut |ev| {
            out.push(ev.expr(elt)?);
            ev.spend(1, pos)?;
            if out.len() > MAX_ITEMS {
                return Err(too_many(pos));
            }
            Ok(())
        })?;
        Ok(Value::list(out))
    }

    /// Runs `each` for every combination of a comprehension's `for`s that passes its `if`s.
    /// As in Python 3, the loop variables are the comprehension's own: whatever the names
    /// meant before, they mean again after.
    fn comprehension(
        &mut self,
        generators: &'a [ast::Comprehension],
        pos: Pos,
        each: &mut dyn FnMut(&mut Self) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        let mut names = Vec::new();
        for g in generators {
            target_names(&g.target, &mut names);
        }
        let saved: Vec<(&str, Option<Value>)> =
            names.iter().map(|n| (*n, self.local_binding(n))).collect();
        let result = self.comprehension_loops(generators, pos, each);
        for (n, v) in saved {
            match v {
                Some(v) => self.bind(n, v),
                None => {
                    let _ = self.unbind(n, pos);
                }
            }
        }
        result
    }

    /// The value `name` has in the scope an assignment would bind it in.
    fn local_binding(&self, name: &str) -> Option<Value> {
        match self.frames.last() {
            Some(frame) if !frame.globals.contains(name) => {
                frame.locals.borrow().get(name).cloned()
            }
            _ => self.globals.borrow().get(name).cloned(),
        }
    }

    fn comprehension_loops(
        &mut self,
        generators: &'a [ast::Comprehension],
        pos: Pos,
        each: &mut dyn FnMut(&mut Self) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        let Some((first, rest)) = generators.split_first() else {
            return each(self);
        };
        let iterable = self.expr(&first.iter)?;
        for item in self.iterate(&iterable, self.pos(&first.iter))? {
            self.tick(pos)?;
            self.assign(&first.target, item)?;
            let mut keep = true;
            for cond in &first.ifs {
                if !self.truthy_expr(cond)? {
                    keep = false;
                    break;
                }
            }
            if keep {
                self.comprehension_loops(rest, pos, each)?;
            }
        }
        Ok(())
    }

    fn fstring(&mut self, value: &'a ast::FStringValue, pos: Pos) -> Result<String, SyntaxError> {
        let mut out = String::new();
        for part in value.iter() {
            match part {
                ast::FStringPart::Literal(l) => out.push_str(l.as_str()),
                ast::FStringPart::FString(f) => self.interpolated(&f.elements, &mut out, pos)?,
            }
            if out.len() > MAX_STRING {
                return Err(error(pos, "the string is too long"));
            }
        }
        Ok(out)
    }

    fn interpolated(
        &mut self,
        elements: &'a ast::InterpolatedStringElements,
        out: &mut String,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        for element in elements.iter() {
            match element {
                ast::InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                ast::InterpolatedStringElement::Interpolation(i) => {
                    let v = self.expr(&i.expression)?;
                    let mut spec = String::new();
                    if let Some(s) = &i.format_spec {
                        self.interpolated(&s.elements, &mut spec, pos)?;
                    }
                    if let Some(debug) = &i.debug_text {
                        out.push_str(debug.leading());
                        out.push_str(&self.lines_text(i.expression.range()));
                        out.push_str(debug.trailing());
                    }
                    let v = match i.conversion {
                        ast::ConversionFlag::Repr | ast::ConversionFlag::Ascii => {
                            Value::Str(repr(&v, pos)?)
                        }
                        ast::ConversionFlag::Str => Value::Str(to_str(&v, pos)?),
                        ast::ConversionFlag::None if i.debug_text.is_some() && spec.is_empty() => {
                            Value::Str(repr(&v, pos)?)
                        }
                        ast::ConversionFlag::None => v,
                    };
                    out.push_str(&format_value(&v, &spec, pos)?);
                }
            }
            if out.len() > MAX_STRING {
                return Err(error(pos, "the string is too long"));
            }
        }
        Ok(())
    }

    fn lines_text(&self, range: ruff_text_size::TextRange) -> String {
        self.lines.text(range).to_string()
    }

    fn call_expr(&mut self, c: &'a ast::ExprCall, pos: Pos) -> Result<Value, SyntaxError> {
        // `model.fit(x_train, ...)`: arguments name data the snippet does not have.
        if let ast::Expr::Attribute(a) = &*c.func
            && MODEL_ONLY_METHODS.contains(&a.attr.as_str())
        {
            let obj = self.expr(&a.value)?;
            if matches!(obj, Value::Model(_) | Value::Layer(_)) {
                return Ok(Value::Opaque(format!(
                    "the result of `{}()`",
                    a.attr.as_str()
                )));
            }
            let f = self.attribute(obj, a.attr.as_str(), self.pos(&*c.func))?;
            let (positional, keywords) = self.arguments(&c.arguments)?;
            return self.call(f, positional, keywords, pos);
        }
        let f = self.expr(&c.func)?;
        let (positional, keywords) = self.arguments(&c.arguments)?;
        self.call(f, positional, keywords, pos)
    }

    #[allow(clippy::type_complexity)]
    fn arguments(
        &mut self,
        arguments: &'a ast::Arguments,
    ) -> Result<(Vec<(Value, Pos)>, Vec<(String, Value, Pos)>), SyntaxError> {
        let mut positional = Vec::new();
        for a in arguments.args.iter() {
            let p = self.pos(a);
            if let ast::Expr::Starred(s) = a {
                let v = self.expr(&s.value)?;
                for item in self.iterate(&v, p)? {
                    positional.push((item, p));
                }
            } else {
                positional.push((self.expr(a)?, p));
            }
        }
        let mut keywords: Vec<(String, Value, Pos)> = Vec::new();
        for k in arguments.keywords.iter() {
            let p = self.pos(k);
            match &k.arg {
                Some(name) => {
                    let v = self.expr(&k.value)?;
                    if keywords.iter().any(|(n, _, _)| n == name.as_str()) {
                        return Err(error(
                            p,
                            format!("keyword argument `{}` repeated", name.as_str()),
                        ));
                    }
                    keywords.push((name.as_str().to_string(), v, p));
                }
                None => match self.expr(&k.value)? {
                    Value::Dict(d) => {
                        for (key, v) in d.snapshot() {
                            let Value::Str(key) = key else {
                                return Err(error(p, "`**` needs a dict with string keys"));
                            };
                            if keywords.iter().any(|(n, _, _)| *n == key) {
                                return Err(error(p, format!("keyword argument `{key}` repeated")));
                            }
                            keywords.push((key, v, p));
                        }
                    }
                    other => {
                        return Err(error(
                            p,
                            format!("`**` needs a dict, not {}", other.describe()),
                        ));
                    }
                },
            }
        }
        Ok((positional, keywords))
    }

    /// Call any callable value.
    pub(super) fn call(
        &mut self,
        f: Value,
        positional: Vec<(Value, Pos)>,
        keywords: Vec<(String, Value, Pos)>,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        match f {
            Value::Function(id) => self.call_function(id, positional, keywords, pos),
            Value::Partial(f, mut bound, mut bound_keywords) => {
                bound.extend(positional);
                for (k, v, p) in keywords {
                    bound_keywords.retain(|(b, _, _)| *b != k);
                    bound_keywords.push((k, v, p));
                }
                self.call(*f, bound, bound_keywords, pos)
            }
            Value::Builtin("partial") => {
                let mut positional = positional.into_iter();
                let Some((f, _)) = positional.next() else {
                    return Err(error(pos, "`partial` takes a function"));
                };
                Ok(Value::Partial(Box::new(f), positional.collect(), keywords))
            }
            Value::Builtin(name) => self.builtin(name, positional, keywords, pos),
            Value::Method(obj, method) => match *obj {
                Value::List(_) | Value::Dict(_) | Value::Str(_) | Value::Tuple(_) => {
                    self.python_method(*obj, &method, positional, keywords, pos)
                }
                other => self.keras_method(other, &method, positional, keywords, pos),
            },
            other => self.keras_call(other, positional, keywords, pos),
        }
    }

    fn attribute(&mut self, base: Value, attr: &str, pos: Pos) -> Result<Value, SyntaxError> {
        match &base {
            Value::Str(_) | Value::List(_) | Value::Dict(_) | Value::Tuple(_) => {
                const METHODS: [&str; 22] = [
                    "format",
                    "join",
                    "upper",
                    "lower",
                    "replace",
                    "split",
                    "startswith",
                    "endswith",
                    "strip",
                    "title",
                    "append",
                    "extend",
                    "insert",
                    "pop",
                    "index",
                    "count",
                    "reverse",
                    "copy",
                    "items",
                    "keys",
                    "values",
                    "get",
                ];
                if METHODS.contains(&attr) || attr == "update" {
                    Ok(Value::Method(Box::new(base), attr.to_string()))
                } else {
                    Err(error(
                        pos,
                        format!(
                            "{} has no attribute `{attr}` the engine knows",
                            base.describe()
                        ),
                    ))
                }
            }
            _ => self.keras_attribute(base, attr, pos),
        }
    }

    fn subscript(&mut self, base: Value, key: Value, pos: Pos) -> Result<Value, SyntaxError> {
        match base {
            Value::Tuple(items) => Ok(items[index_of(&key, items.len(), pos)?].clone()),
            Value::List(items) => {
                let items = items.get();
                Ok(items[index_of(&key, items.len(), pos)?].clone())
            }
            Value::Str(s) => {
                let chars: Vec<char> = s.chars().collect();
                Ok(Value::Str(
                    chars[index_of(&key, chars.len(), pos)?].to_string(),
                ))
            }
            Value::Dict(d) => d
                .get()
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| error(pos, format!("the dict has no key {}", key.describe()))),
            other => self.keras_subscript(other, key, pos),
        }
    }

    /// The items `for` goes over.
    pub(super) fn iterate(&mut self, v: &Value, pos: Pos) -> Result<Vec<Value>, SyntaxError> {
        match v {
            Value::Tuple(items) => Ok(items.clone()),
            Value::List(items) => Ok(items.snapshot()),
            Value::Dict(d) => Ok(d.get().iter().map(|(k, _)| k.clone()).collect()),
            Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
            other => Err(error(
                pos,
                format!("cannot iterate over {}", other.describe()),
            )),
        }
    }

    fn binary(
        &mut self,
        op: ast::Operator,
        l: Value,
        r: Value,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        use ast::Operator as O;
        match (op, &l, &r) {
            (O::Mod, Value::Str(f), _) => Ok(Value::Str(percent_format(f, &r, pos)?)),
            (O::Add, Value::Str(a), Value::Str(b)) => {
                self.spend((a.len() + b.len()) / 8 + 1, pos)?;
                if a.len() + b.len() > MAX_STRING {
                    return Err(error(pos, "the string is too long"));
                }
                Ok(Value::Str(format!("{a}{b}")))
            }
            (O::Mult, Value::Str(s), Value::Int(n)) | (O::Mult, Value::Int(n), Value::Str(s)) => {
                let n = usize::try_from(*n).unwrap_or(0);
                self.spend(s.len().saturating_mul(n) / 8 + 1, pos)?;
                if s.len().saturating_mul(n) > MAX_STRING {
                    return Err(error(pos, "the string is too long"));
                }
                Ok(Value::Str(s.repeat(n)))
            }
            (O::Add, Value::Tuple(a), Value::Tuple(b)) => {
                if a.len() + b.len() > MAX_ITEMS {
                    return Err(too_many(pos));
                }
                Ok(Value::Tuple([a.clone(), b.clone()].concat()))
            }
            (O::Add, Value::List(a), Value::List(b)) => {
                let (a, b) = (a.snapshot(), b.snapshot());
                if a.len() + b.len() > MAX_ITEMS {
                    return Err(too_many(pos));
                }
                Ok(Value::list([a, b].concat()))
            }
            (O::Mult, Value::List(_) | Value::Tuple(_), Value::Int(n))
            | (O::Mult, Value::Int(n), Value::List(_) | Value::Tuple(_)) => {
                let seq = if matches!(l, Value::Int(_)) { &r } else { &l };
                let items = seq.items().unwrap_or_default();
                let n = usize::try_from(*n).unwrap_or(0);
                self.spend(items.len().saturating_mul(n), pos)?;
                if items.len().saturating_mul(n) > MAX_ITEMS {
                    return Err(too_many(pos));
                }
                let mut out = Vec::with_capacity(items.len() * n);
                for _ in 0..n {
                    out.extend(items.iter().cloned());
                }
                Ok(match seq {
                    Value::List(_) => Value::list(out),
                    _ => Value::Tuple(out),
                })
            }
            (O::Add, Value::Tensor(a), Value::Tensor(b)) => self.tensor_add(*a, *b, pos),
            (_, Value::Tensor(_), _) | (_, _, Value::Tensor(_)) => Err(error(
                pos,
                format!(
                    "`{op}` on tensors (other than `+` of two tensors of one shape) makes a TensorFlow operation layer, which the engine does not model: use a Keras layer (`layers.Add`, `layers.Multiply`, ...)"
                ),
            )),
            _ => arithmetic(op, l, r, pos),
        }
    }

    fn python_method(
        &mut self,
        obj: Value,
        method: &str,
        positional: Vec<(Value, Pos)>,
        keywords: Vec<(String, Value, Pos)>,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        let arg = |i: usize| positional.get(i).map(|(v, _)| v.clone());
        let no_keywords = |what: &str| -> Result<(), SyntaxError> {
            match keywords.first() {
                Some((k, _, p)) => Err(error(*p, format!("`{what}` takes no argument `{k}`"))),
                None => Ok(()),
            }
        };
        match (&obj, method) {
            (Value::Str(s), "format") => {
                Ok(Value::Str(brace_format(s, &positional, &keywords, pos)?))
            }
            (Value::Str(s), "join") => {
                no_keywords("join")?;
                let items = match arg(0) {
                    Some(v) => self.iterate(&v, pos)?,
                    None => return Err(error(pos, "`join` takes one argument")),
                };
                let parts = items
                    .iter()
                    .map(|v| match v {
                        Value::Str(s) => Ok(s.clone()),
                        other => Err(error(
                            pos,
                            format!("`join` needs strings, not {}", other.describe()),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let out = parts.join(s);
                if out.len() > MAX_STRING {
                    return Err(error(pos, "the string is too long"));
                }
                Ok(Value::Str(out))
            }
            (Value::Str(s), "upper") => Ok(Value::Str(s.to_uppercase())),
            (Value::Str(s), "lower") => Ok(Value::Str(s.to_lowercase())),
            (Value::Str(s), "title") => Ok(Value::Str(title(s))),
            (Value::Str(s), "strip") => Ok(Value::Str(s.trim().to_string())),
            (Value::Str(s), "replace") => match (arg(0), arg(1)) {
                (Some(Value::Str(a)), Some(Value::Str(b))) if !a.is_empty() => {
                    let out = s.replace(&a, &b);
                    if out.len() > MAX_STRING {
                        return Err(error(pos, "the string is too long"));
                    }
                    Ok(Value::Str(out))
                }
                _ => Err(error(pos, "`replace` takes two strings")),
            },
            (Value::Str(s), "split") => match arg(0) {
                None => Ok(Value::list(
                    s.split_whitespace().map(|p| Value::Str(p.into())).collect(),
                )),
                Some(Value::Str(sep)) if !sep.is_empty() => Ok(Value::list(
                    s.split(sep.as_str())
                        .map(|p| Value::Str(p.into()))
                        .collect(),
                )),
                _ => Err(error(pos, "`split` takes a separator string")),
            },
            (Value::Str(s), "startswith" | "endswith") => match arg(0) {
                Some(Value::Str(p)) => Ok(Value::Bool(if method == "startswith" {
                    s.starts_with(p.as_str())
                } else {
                    s.ends_with(p.as_str())
                })),
                _ => Err(error(pos, format!("`{method}` takes a string"))),
            },
            (Value::List(items), "append") => {
                no_keywords("append")?;
                match positional.as_slice() {
                    [(v, _)] => {
                        self.grow(items, vec![v.clone()], pos)?;
                        Ok(Value::None)
                    }
                    _ => Err(error(pos, "`append` takes one argument")),
                }
            }
            (Value::List(items), "extend") => {
                let extra = match arg(0) {
                    Some(v) => self.iterate(&v, pos)?,
                    None => return Err(error(pos, "`extend` takes one argument")),
                };
                self.grow(items, extra, pos)?;
                Ok(Value::None)
            }
            (Value::List(items), "insert") => match (arg(0), arg(1)) {
                (Some(Value::Int(i)), Some(v)) => {
                    let mut list = items.get();
                    if list.len() >= MAX_ITEMS {
                        return Err(too_many(pos));
                    }
                    let n = list.len() as i64;
                    let at = if i < 0 { (n + i).max(0) } else { i.min(n) };
                    list.insert(at as usize, v);
                    Ok(Value::None)
                }
                _ => Err(error(pos, "`insert` takes an index and a value")),
            },
            (Value::List(items), "pop") => {
                let mut list = items.get();
                let i = match arg(0) {
                    None => {
                        if list.is_empty() {
                            return Err(error(pos, "pop from an empty list"));
                        }
                        list.len() - 1
                    }
                    Some(k) => index_of(&k, list.len(), pos)?,
                };
                Ok(list.remove(i))
            }
            (Value::List(items), "reverse") => {
                items.get().reverse();
                Ok(Value::None)
            }
            (Value::List(items), "copy") => Ok(Value::list(items.snapshot())),
            (Value::List(_) | Value::Tuple(_), "index" | "count") => {
                let items = obj.items().unwrap_or_default();
                let Some(x) = arg(0) else {
                    return Err(error(pos, format!("`{method}` takes one argument")));
                };
                if method == "count" {
                    Ok(Value::Int(items.iter().filter(|v| **v == x).count() as i64))
                } else {
                    items
                        .iter()
                        .position(|v| *v == x)
                        .map(|i| Value::Int(i as i64))
                        .ok_or_else(|| error(pos, format!("{} is not in the list", x.describe())))
                }
            }
            (Value::Dict(d), "items") => Ok(Value::list(
                d.get()
                    .iter()
                    .map(|(k, v)| Value::Tuple(vec![k.clone(), v.clone()]))
                    .collect(),
            )),
            (Value::Dict(d), "keys") => Ok(Value::list(
                d.get().iter().map(|(k, _)| k.clone()).collect(),
            )),
            (Value::Dict(d), "values") => Ok(Value::list(
                d.get().iter().map(|(_, v)| v.clone()).collect(),
            )),
            (Value::Dict(d), "get") => {
                let key = arg(0).unwrap_or(Value::None);
                Ok(d.get()
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| arg(1).unwrap_or(Value::None)))
            }
            (Value::Dict(d), "copy") => Ok(Value::Dict(Shared::new(d.snapshot()))),
            (Value::Dict(d), "update") => {
                let mut extra: Vec<(Value, Value)> = match arg(0) {
                    Some(Value::Dict(o)) => o.snapshot(),
                    None => Vec::new(),
                    Some(other) => {
                        return Err(error(
                            pos,
                            format!("`update` takes a dict, not {}", other.describe()),
                        ));
                    }
                };
                extra.extend(
                    keywords
                        .iter()
                        .map(|(k, v, _)| (Value::Str(k.clone()), v.clone())),
                );
                let mut pairs = d.snapshot();
                for (k, v) in extra {
                    dict_insert(&mut pairs, k, v, pos)?;
                }
                *d.get() = pairs;
                Ok(Value::None)
            }
            _ => Err(error(
                pos,
                format!(
                    "{} has no method `{method}` the engine knows",
                    obj.describe()
                ),
            )),
        }
    }

    fn builtin(
        &mut self,
        name: &str,
        positional: Vec<(Value, Pos)>,
        keywords: Vec<(String, Value, Pos)>,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        if let Some((k, _, p)) = keywords.iter().find(|(k, _, _)| {
            let allowed = (matches!(name, "sorted" | "max" | "min") && k == "reverse")
                || (name == "enumerate" && k == "start")
                || name == "print";
            !allowed
        }) {
            return Err(error(*p, format!("`{name}` takes no argument `{k}` here")));
        }
        let args: Vec<Value> = positional.iter().map(|(v, _)| v.clone()).collect();
        let one = || -> Result<Value, SyntaxError> {
            match args.as_slice() {
                [v] => Ok(v.clone()),
                _ => Err(error(pos, format!("`{name}` takes one argument"))),
            }
        };
        match name {
            "print" | "display" | "plot_model" => Ok(Value::None),
            "len" => {
                let v = one()?;
                match &v {
                    Value::Str(s) => Ok(Value::Int(s.chars().count() as i64)),
                    Value::Dict(d) => Ok(Value::Int(d.get().len() as i64)),
                    _ => match v.items() {
                        Some(items) => Ok(Value::Int(items.len() as i64)),
                        None => Err(error(pos, format!("`len` of {}", v.describe()))),
                    },
                }
            }
            "range" => {
                let ints = args
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => Ok(*i),
                        other => Err(error(
                            pos,
                            format!("`range` needs integers, not {}", other.describe()),
                        )),
                    })
                    .collect::<Result<Vec<i64>, _>>()?;
                let (start, stop, step) = match ints.as_slice() {
                    [stop] => (0, *stop, 1),
                    [start, stop] => (*start, *stop, 1),
                    [start, stop, step] if *step != 0 => (*start, *stop, *step),
                    _ => return Err(error(pos, "`range` takes 1 to 3 integers (step not 0)")),
                };
                let count = if step > 0 {
                    (stop.saturating_sub(start).max(0) as u64).div_ceil(step as u64)
                } else {
                    (start.saturating_sub(stop).max(0) as u64).div_ceil(step.unsigned_abs())
                };
                if count > MAX_ITEMS as u64 {
                    return Err(too_many(pos));
                }
                self.spend(count as usize, pos)?;
                Ok(Value::list(
                    (0..count as i64)
                        .map(|k| Value::Int(start + k * step))
                        .collect(),
                ))
            }
            "enumerate" => {
                let keyword_start = keywords
                    .iter()
                    .find(|(k, _, _)| k == "start")
                    .map(|(_, v, _)| v.clone());
                let (v, start) = match (args.as_slice(), keyword_start) {
                    ([v], Some(Value::Int(s))) => (v.clone(), s),
                    ([_], Some(_)) => {
                        return Err(error(pos, "`enumerate` start must be an integer"));
                    }
                    (args, _) => match args {
                        [v] => (v.clone(), 0),
                        [v, Value::Int(s)] => (v.clone(), *s),
                        _ => return Err(error(pos, "`enumerate` takes an iterable and a start")),
                    },
                };
                let items = self.iterate(&v, pos)?;
                Ok(Value::list(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, x)| Value::Tuple(vec![Value::Int(start + i as i64), x]))
                        .collect(),
                ))
            }
            "zip" => {
                let lists = args
                    .iter()
                    .map(|v| self.iterate(v, pos))
                    .collect::<Result<Vec<_>, _>>()?;
                let n = lists.iter().map(|l| l.len()).min().unwrap_or(0);
                Ok(Value::list(
                    (0..n)
                        .map(|i| Value::Tuple(lists.iter().map(|l| l[i].clone()).collect()))
                        .collect(),
                ))
            }
            "reversed" => {
                let mut items = self.iterate(&one()?, pos)?;
                items.reverse();
                Ok(Value::list(items))
            }
            "sorted" => {
                let mut items = self.iterate(&one()?, pos)?;
                let mut failed = None;
                items.sort_by(|a, b| match order(a, b) {
                    Some(o) => o,
                    None => {
                        failed = Some(());
                        std::cmp::Ordering::Equal
                    }
                });
                if failed.is_some() {
                    return Err(error(pos, "`sorted` of values that cannot be compared"));
                }
                if keywords
                    .iter()
                    .any(|(_, v, _)| matches!(v, Value::Bool(true)))
                {
                    items.reverse();
                }
                Ok(Value::list(items))
            }
            "list" => match args.as_slice() {
                [] => Ok(Value::list(vec![])),
                [v] => Ok(Value::list(self.iterate(v, pos)?)),
                _ => Err(error(pos, "`list` takes one argument")),
            },
            // A set's items in first-seen order: Python's own order is by hash (random for
            // strings), so code that depends on it is sorted or only counted.
            "set" => {
                let items = match args.as_slice() {
                    [] => vec![],
                    [v] => self.iterate(v, pos)?,
                    _ => return Err(error(pos, "`set` takes one argument")),
                };
                let mut unique: Vec<Value> = Vec::new();
                for v in items {
                    if !matches!(
                        v,
                        Value::Str(_)
                            | Value::Int(_)
                            | Value::Bool(_)
                            | Value::None
                            | Value::Tuple(_)
                    ) {
                        return Err(error(pos, format!("{} cannot be in a set", v.describe())));
                    }
                    if !unique.iter().any(|u| equal(u, &v)) {
                        unique.push(v);
                    }
                }
                Ok(Value::list(unique))
            }
            "tuple" => match args.as_slice() {
                [] => Ok(Value::Tuple(vec![])),
                [v] => Ok(Value::Tuple(self.iterate(v, pos)?)),
                _ => Err(error(pos, "`tuple` takes one argument")),
            },
            "dict" => {
                let mut pairs = Vec::new();
                if let Some(v) = args.first() {
                    for item in self.iterate(v, pos)? {
                        match item.items().as_deref() {
                            Some([k, v]) => dict_insert(&mut pairs, k.clone(), v.clone(), pos)?,
                            _ => return Err(error(pos, "`dict` needs pairs")),
                        }
                    }
                }
                for (k, v, _) in keywords {
                    dict_insert(&mut pairs, Value::Str(k), v, pos)?;
                }
                Ok(Value::Dict(Shared::new(pairs)))
            }
            "int" => match one()? {
                Value::Int(i) => Ok(Value::Int(i)),
                Value::Bool(b) => Ok(Value::Int(i64::from(b))),
                Value::Float(f) if f.is_finite() && f.abs() < 9.0e18 => {
                    Ok(Value::Int(f.trunc() as i64))
                }
                Value::Str(s) => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::Int)
                    .map_err(|_| error(pos, format!("`int` of the string '{s}'"))),
                other => Err(error(pos, format!("`int` of {}", other.describe()))),
            },
            "float" => match one()? {
                Value::Int(i) => Ok(Value::Float(i as f64)),
                Value::Float(f) => Ok(Value::Float(f)),
                other => Err(error(pos, format!("`float` of {}", other.describe()))),
            },
            "str" => Ok(Value::Str(to_str(&one()?, pos)?)),
            "bool" => Ok(Value::Bool(truthy(&one()?, pos)?)),
            "abs" => match one()? {
                Value::Int(i) => i
                    .checked_abs()
                    .map(Value::Int)
                    .ok_or_else(|| error(pos, "integer overflow")),
                Value::Float(f) => Ok(Value::Float(f.abs())),
                other => Err(error(pos, format!("`abs` of {}", other.describe()))),
            },
            "round" => match args.as_slice() {
                [Value::Int(i)] => Ok(Value::Int(*i)),
                [Value::Float(f)] if f.is_finite() && f.abs() < 9.0e18 => {
                    // Python rounds half to even.
                    let r = f.round();
                    let r = if (f - f.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
                        r - f.signum()
                    } else {
                        r
                    };
                    Ok(Value::Int(r as i64))
                }
                _ => Err(error(pos, "`round` takes one number here")),
            },
            "min" | "max" | "sum" | "any" | "all" => {
                let items = match args.as_slice() {
                    [v] => self.iterate(v, pos)?,
                    _ if name == "min" || name == "max" => args.clone(),
                    _ => return Err(error(pos, format!("`{name}` takes one iterable"))),
                };
                match name {
                    "any" | "all" => {
                        let mut result = name == "all";
                        for v in &items {
                            let t = truthy(v, pos)?;
                            if name == "any" && t {
                                result = true;
                                break;
                            }
                            if name == "all" && !t {
                                result = false;
                                break;
                            }
                        }
                        Ok(Value::Bool(result))
                    }
                    "sum" => items.into_iter().try_fold(Value::Int(0), |acc, v| {
                        arithmetic(ast::Operator::Add, acc, v, pos)
                    }),
                    _ => {
                        let mut best: Option<Value> = None;
                        for v in items {
                            best = Some(match best {
                                None => v,
                                Some(b) => {
                                    let o = order(&v, &b).ok_or_else(|| {
                                        error(
                                            pos,
                                            format!("`{name}` of values that cannot be compared"),
                                        )
                                    })?;
                                    let better = if name == "min" { o.is_lt() } else { o.is_gt() };
                                    if better { v } else { b }
                                }
                            });
                        }
                        best.ok_or_else(|| error(pos, format!("`{name}` of an empty sequence")))
                    }
                }
            }
            "isinstance" => Err(error(pos, "`isinstance` is not supported")),
            _ => Err(error(pos, format!("the builtin `{name}` is not supported"))),
        }
    }
}

/// The names an assignment target binds.
fn target_names<'e>(target: &'e ast::Expr, out: &mut Vec<&'e str>) {
    match target {
        ast::Expr::Name(n) => out.push(n.id.as_str()),
        ast::Expr::Tuple(ast::ExprTuple { elts, .. })
        | ast::Expr::List(ast::ExprList { elts, .. }) => {
            for e in elts {
                target_names(e, out);
            }
        }
        ast::Expr::Starred(s) => target_names(&s.value, out),
        _ => {}
    }
}

fn too_many(pos: Pos) -> SyntaxError {
    error(
        pos,
        format!("more than {MAX_ITEMS} items in one collection"),
    )
}

fn dict_insert(
    pairs: &mut Vec<(Value, Value)>,
    k: Value,
    v: Value,
    pos: Pos,
) -> Result<(), SyntaxError> {
    if !matches!(
        k,
        Value::Str(_)
            | Value::Int(_)
            | Value::Bool(_)
            | Value::None
            | Value::Tuple(_)
            | Value::Float(_)
    ) {
        return Err(error(pos, format!("{} cannot be a dict key", k.describe())));
    }
    match pairs.iter_mut().find(|(key, _)| *key == k) {
        Some((_, old)) => *old = v,
        None => {
            if pairs.len() >= MAX_ITEMS {
                return Err(too_many(pos));
            }
            pairs.push((k, v));
        }
    }
    Ok(())
}

/// A Python index (negative from the end) checked against `len`.
fn index_of(key: &Value, len: usize, pos: Pos) -> Result<usize, SyntaxError> {
    let i = match key {
        Value::Int(i) => *i,
        Value::Bool(b) => i64::from(*b),
        other => {
            return Err(error(
                pos,
                format!("an index must be an integer, not {}", other.describe()),
            ));
        }
    };
    let n = len as i64;
    let k = if i < 0 { n + i } else { i };
    if (0..n).contains(&k) {
        Ok(k as usize)
    } else {
        Err(error(pos, format!("index {i} is out of range")))
    }
}

fn slice_of(
    base: Value,
    lower: Option<i64>,
    upper: Option<i64>,
    step: Option<i64>,
    pos: Pos,
) -> Result<Value, SyntaxError> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(error(pos, "a slice step cannot be zero"));
    }
    let take = |n: usize| -> Vec<usize> {
        let n = n as i64;
        let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
        let norm = |v: i64| if v < 0 { v + n } else { v };
        let mut out = Vec::new();
        if step > 0 {
            let start = clamp(lower.map(norm).unwrap_or(0), 0, n);
            let stop = clamp(upper.map(norm).unwrap_or(n), 0, n);
            let mut i = start;
            while i < stop {
                out.push(i as usize);
                i += step;
            }
        } else {
            let start = clamp(lower.map(norm).unwrap_or(n - 1), -1, n - 1);
            let stop = clamp(upper.map(norm).unwrap_or(-1), -1, n - 1);
            let mut i = start;
            while i > stop {
                out.push(i as usize);
                i += step;
            }
        }
        out
    };
    match base {
        Value::Tuple(items) => Ok(Value::Tuple(
            take(items.len())
                .into_iter()
                .map(|i| items[i].clone())
                .collect(),
        )),
        Value::List(items) => {
            let items = items.snapshot();
            Ok(Value::list(
                take(items.len())
                    .into_iter()
                    .map(|i| items[i].clone())
                    .collect(),
            ))
        }
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(Value::Str(
                take(chars.len()).into_iter().map(|i| chars[i]).collect(),
            ))
        }
        Value::Tensor(_) => Err(error(
            pos,
            "slicing a tensor makes a TensorFlow operation layer, which the engine does not model",
        )),
        other => Err(error(pos, format!("cannot slice {}", other.describe()))),
    }
}

pub(super) fn truthy(v: &Value, pos: Pos) -> Result<bool, SyntaxError> {
    Ok(match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::None => false,
        Value::Tuple(items) => !items.is_empty(),
        Value::List(items) => !items.get().is_empty(),
        Value::Dict(d) => !d.get().is_empty(),
        Value::Module(_)
        | Value::Class(_)
        | Value::Layer(_)
        | Value::Model(_)
        | Value::Function(_)
        | Value::Builtin(_)
        | Value::Method(..)
        | Value::Partial(..) => true,
        Value::Tensor(_) | Value::Opaque(_) => {
            return Err(error(
                pos,
                format!("cannot tell whether {} is true", v.describe()),
            ));
        }
    })
}

/// Python's ordering of numbers and of strings; `None` where Python raises.
fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Tuple(x), Value::Tuple(y)) => {
            for (p, q) in x.iter().zip(y) {
                match order(p, q)? {
                    std::cmp::Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => num(a)?.partial_cmp(&num(b)?),
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (
            Value::Int(_) | Value::Float(_) | Value::Bool(_),
            Value::Int(_) | Value::Float(_) | Value::Bool(_),
        ) => order(a, b) == Some(std::cmp::Ordering::Equal),
        _ => a == b,
    }
}

fn compare(op: ast::CmpOp, l: &Value, r: &Value, pos: Pos) -> Result<bool, SyntaxError> {
    use ast::CmpOp as C;
    let ordered = |want: fn(std::cmp::Ordering) -> bool| -> Result<bool, SyntaxError> {
        order(l, r).map(want).ok_or_else(|| {
            error(
                pos,
                format!("cannot compare {} with {}", l.describe(), r.describe()),
            )
        })
    };
    match op {
        C::Eq => Ok(equal(l, r)),
        C::NotEq => Ok(!equal(l, r)),
        C::Lt => ordered(|o| o.is_lt()),
        C::LtE => ordered(|o| o.is_le()),
        C::Gt => ordered(|o| o.is_gt()),
        C::GtE => ordered(|o| o.is_ge()),
        C::Is | C::IsNot => {
            let same = match (l, r) {
                (Value::None, Value::None) => true,
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::None | Value::Bool(_), _) | (_, Value::None | Value::Bool(_)) => false,
                (Value::List(a), Value::List(b)) => a.same(b),
                (Value::Layer(a), Value::Layer(b)) => a == b,
                (Value::Model(a), Value::Model(b)) => a == b,
                (Value::Tensor(a), Value::Tensor(b)) => a == b,
                _ => {
                    return Err(error(
                        pos,
                        format!(
                            "`is` between {} and {} is not supported",
                            l.describe(),
                            r.describe()
                        ),
                    ));
                }
            };
            Ok(same == (op == C::Is))
        }
        C::In | C::NotIn => {
            let found = match r {
                Value::Str(s) => match l {
                    Value::Str(sub) => s.contains(sub.as_str()),
                    _ => return Err(error(pos, "`in` a string needs a string")),
                },
                Value::Dict(d) => d.get().iter().any(|(k, _)| equal(k, l)),
                _ => match r.items() {
                    Some(items) => items.iter().any(|v| equal(v, l)),
                    None => return Err(error(pos, format!("`in` {}", r.describe()))),
                },
            };
            Ok(found == (op == C::In))
        }
    }
}

pub(super) fn arithmetic(
    op: ast::Operator,
    l: Value,
    r: Value,
    pos: Pos,
) -> Result<Value, SyntaxError> {
    use ast::Operator as O;
    let overflow = || error(pos, "integer overflow");
    let as_int = |v: &Value| match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    };
    if let (Some(a), Some(b)) = (as_int(&l), as_int(&r)) {
        return Ok(match op {
            O::Add => Value::Int(a.checked_add(b).ok_or_else(overflow)?),
            O::Sub => Value::Int(a.checked_sub(b).ok_or_else(overflow)?),
            O::Mult => Value::Int(a.checked_mul(b).ok_or_else(overflow)?),
            O::FloorDiv | O::Mod | O::Div if b == 0 => return Err(error(pos, "division by zero")),
            O::FloorDiv => Value::Int(floor_div(a, b).ok_or_else(overflow)?),
            O::Mod => Value::Int(python_mod(a, b).ok_or_else(overflow)?),
            O::Div => Value::Float(a as f64 / b as f64),
            O::Pow if b < 0 => Value::Float((a as f64).powf(b as f64)),
            O::Pow => Value::Int(
                u32::try_from(b)
                    .ok()
                    .and_then(|e| a.checked_pow(e))
                    .ok_or_else(overflow)?,
            ),
            O::BitAnd => Value::Int(a & b),
            O::BitOr => Value::Int(a | b),
            O::BitXor => Value::Int(a ^ b),
            O::LShift | O::RShift => {
                let s = u32::try_from(b)
                    .ok()
                    .filter(|s| *s < 63)
                    .ok_or_else(overflow)?;
                if op == O::LShift {
                    Value::Int(a.checked_mul(1i64 << s).ok_or_else(overflow)?)
                } else {
                    Value::Int(a >> s)
                }
            }
            O::MatMult => return Err(error(pos, "`@` on integers")),
        });
    }
    let as_float = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    if let (Some(a), Some(b)) = (as_float(&l), as_float(&r)) {
        return Ok(Value::Float(match op {
            O::Add => a + b,
            O::Sub => a - b,
            O::Mult => a * b,
            O::Div | O::FloorDiv | O::Mod if b == 0.0 => {
                return Err(error(pos, "division by zero"));
            }
            O::Div => a / b,
            O::FloorDiv => (a / b).floor(),
            O::Mod => a - b * (a / b).floor(),
            O::Pow => a.powf(b),
            _ => return Err(error(pos, format!("`{op}` on numbers is not supported"))),
        }));
    }
    Err(error(
        pos,
        format!("cannot compute {} {op} {}", l.describe(), r.describe()),
    ))
}

/// Python's `//` on integers: rounded towards negative infinity.
fn floor_div(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    Some(if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

/// Python's `%` on integers: the sign of the divisor.
fn python_mod(a: i64, b: i64) -> Option<i64> {
    let r = a.checked_rem(b)?;
    Some(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if c.is_alphabetic() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = true;
        }
    }
    out
}

/// `str(v)` as Python prints it.
pub(super) fn to_str(v: &Value, pos: Pos) -> Result<String, SyntaxError> {
    Ok(match v {
        Value::Str(s) => s.clone(),
        _ => repr(v, pos)?,
    })
}

/// Python's float repr: shortest round-trip digits, `1.0` not `1`, exponents past 1e16.
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        // Rust: 1e-5, 1.5e20; Python: 1e-05, 1.5e+20.
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

pub(super) fn repr(v: &Value, pos: Pos) -> Result<String, SyntaxError> {
    let text = repr_at(v, pos, 0)?;
    if text.len() > MAX_STRING {
        return Err(error(pos, "the string is too long"));
    }
    Ok(text)
}

fn repr_at(v: &Value, pos: Pos, depth: usize) -> Result<String, SyntaxError> {
    if depth > MAX_PRINT_DEPTH {
        return Err(error(
            pos,
            "the value is nested too deeply to print (a list that contains itself?)",
        ));
    }
    let join = |items: &[Value]| -> Result<String, SyntaxError> {
        let mut out = String::new();
        for (k, i) in items.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            out.push_str(&repr_at(i, pos, depth + 1)?);
            if out.len() > MAX_STRING {
                return Err(error(pos, "the string is too long"));
            }
        }
        Ok(out)
    };
    Ok(match v {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::None => "None".into(),
        Value::Str(s) => {
            if s.contains('\'') && !s.contains('"') {
                format!("\"{s}\"")
            } else {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        }
        Value::Tuple(items) if items.len() == 1 => {
            format!("({},)", repr_at(&items[0], pos, depth + 1)?)
        }
        Value::Tuple(items) => format!("({})", join(items)?),
        Value::List(items) => format!("[{}]", join(&items.snapshot())?),
        Value::Dict(d) => {
            let parts = d
                .snapshot()
                .iter()
                .map(|(k, v)| {
                    Ok(format!(
                        "{}: {}",
                        repr_at(k, pos, depth + 1)?,
                        repr_at(v, pos, depth + 1)?
                    ))
                })
                .collect::<Result<Vec<_>, SyntaxError>>()?;
            format!("{{{}}}", parts.join(", "))
        }
        other => {
            return Err(error(
                pos,
                format!("the engine cannot print {} as text", other.describe()),
            ));
        }
    })
}

/// Format `v` by a format spec: `[[fill]align][sign][0][width][,|_][.precision][type]`.
fn format_value(v: &Value, spec: &str, pos: Pos) -> Result<String, SyntaxError> {
    if spec.is_empty() {
        return to_str(v, pos);
    }
    let bad = || error(pos, format!("the format `{spec}` is not supported"));
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let (mut fill, mut align) = (' ', None);
    if chars.len() >= 2 && matches!(chars[1], '<' | '>' | '^' | '=') {
        fill = chars[0];
        align = Some(chars[1]);
        i = 2;
    } else if matches!(chars.first(), Some('<' | '>' | '^' | '=')) {
        align = Some(chars[0]);
        i = 1;
    }
    let mut sign = None;
    if matches!(chars.get(i), Some('+' | '-' | ' ')) {
        sign = chars.get(i).copied();
        i += 1;
    }
    if chars.get(i) == Some(&'0') {
        fill = '0';
        if align.is_none() {
            align = Some('=');
        }
        i += 1;
    }
    let mut width = 0usize;
    while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
        width = width
            .checked_mul(10)
            .and_then(|w| w.checked_add(d as usize))
            .ok_or_else(bad)?;
        i += 1;
    }
    if width > 1000 {
        return Err(bad());
    }
    let mut grouping = None;
    if matches!(chars.get(i), Some(',' | '_')) {
        grouping = chars.get(i).copied();
        i += 1;
    }
    let mut precision = None;
    if chars.get(i) == Some(&'.') {
        i += 1;
        let mut p = 0usize;
        let start = i;
        while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
            p = p * 10 + d as usize;
            i += 1;
            if p > 100 {
                return Err(bad());
            }
        }
        if i == start {
            return Err(bad());
        }
        precision = Some(p);
    }
    let kind = chars.get(i).copied();
    if i + usize::from(kind.is_some()) != chars.len() {
        return Err(bad());
    }
    let group = |digits: &str, sep: char| -> String {
        let mut out = String::new();
        for (k, c) in digits.chars().enumerate() {
            if k > 0 && (digits.len() - k).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    };
    let (body, numeric, negative) = match (v, kind) {
        (Value::Str(s), None | Some('s')) => {
            let s = match precision {
                Some(p) => s.chars().take(p).collect(),
                None => s.clone(),
            };
            (s, false, false)
        }
        (Value::Int(n), None | Some('d')) if precision.is_none() => {
            let digits = n.unsigned_abs().to_string();
            let digits = match grouping {
                Some(g) => group(&digits, g),
                None => digits,
            };
            (digits, true, *n < 0)
        }
        (Value::Int(_) | Value::Float(_), Some('f' | 'F' | '%' | 'e') | None) => {
            let mut f = match v {
                Value::Int(n) => *n as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            };
            if kind == Some('%') {
                f *= 100.0;
            }
            let text = match (kind, precision) {
                (None, None) => float_repr(f.abs()),
                (Some('e'), p) => {
                    let s = format!("{:.*e}", p.unwrap_or(6), f.abs());
                    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                    let (sg, d) = match e.strip_prefix('-') {
                        Some(d) => ('-', d),
                        None => ('+', e),
                    };
                    format!("{m}e{sg}{d:0>2}")
                }
                (_, p) => format!("{:.*}", p.unwrap_or(6), f.abs()),
            };
            let text = match grouping {
                Some(g) => {
                    let (int, frac) = text
                        .split_once('.')
                        .map(|(a, b)| (a.to_string(), format!(".{b}")))
                        .unwrap_or((text.clone(), String::new()));
                    format!("{}{frac}", group(&int, g))
                }
                None => text,
            };
            let text = if kind == Some('%') {
                format!("{text}%")
            } else {
                text
            };
            (text, true, f < 0.0)
        }
        _ => return Err(bad()),
    };
    let sign_text = match (negative, sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    };
    let len = body.chars().count() + sign_text.len();
    let pad = width.saturating_sub(len);
    let padding: String = std::iter::repeat_n(fill, pad).collect();
    let align = align.unwrap_or(if numeric { '>' } else { '<' });
    Ok(match align {
        '<' => format!("{sign_text}{body}{padding}"),
        '^' => {
            let left: String = std::iter::repeat_n(fill, pad / 2).collect();
            let right: String = std::iter::repeat_n(fill, pad - pad / 2).collect();
            format!("{left}{sign_text}{body}{right}")
        }
        '=' => format!("{sign_text}{padding}{body}"),
        _ => format!("{padding}{sign_text}{body}"),
    })
}

/// `'...' % args`: `%s %r %d %i %f %e %x %%` with flags, width and precision.
fn percent_format(f: &str, args: &Value, pos: Pos) -> Result<String, SyntaxError> {
    let values: Vec<Value> = match args {
        Value::Tuple(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut next = values.into_iter();
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        let mut kind = None;
        for c in chars.by_ref() {
            if c.is_ascii_alphabetic() || c == '%' {
                kind = Some(c);
                break;
            }
            spec.push(c);
        }
        let kind = kind.ok_or_else(|| error(pos, "an incomplete `%` format"))?;
        if kind == '%' {
            out.push('%');
            continue;
        }
        let v = next
            .next()
            .ok_or_else(|| error(pos, "not enough arguments for the `%` format"))?;
        let spec = spec.replacen('-', "<", 1);
        let py = match kind {
            's' => format_value(&Value::Str(to_str(&v, pos)?), &spec, pos)?,
            'r' => format_value(&Value::Str(repr(&v, pos)?), &spec, pos)?,
            'd' | 'i' | 'u' => {
                let n = match v {
                    Value::Int(n) => n,
                    Value::Bool(b) => i64::from(b),
                    Value::Float(f) if f.is_finite() && f.abs() < 9.0e18 => f.trunc() as i64,
                    other => return Err(error(pos, format!("`%d` of {}", other.describe()))),
                };

                format_value(&Value::Int(n), &spec, pos)?
            }
            'f' | 'F' | 'e' => {
                let spec = if spec.contains('.') {
                    format!("{spec}{kind}")
                } else {
                    format!("{spec}.6{kind}")
                };
                format_value(&v, &spec.to_lowercase(), pos)?
            }
            'x' => match v {
                Value::Int(n) if n >= 0 => format!("{n:x}"),
                _ => return Err(error(pos, "`%x` needs a non-negative integer")),
            },
            other => {
                return Err(error(
                    pos,
                    format!("the `%{other}` format is not supported"),
                ));
            }
        };
        out.push_str(&py);
        if out.len() > MAX_STRING {
            return Err(error(pos, "the string is too long"));
        }
    }
    if next.next().is_some() {
        return Err(error(pos, "not all arguments converted by the `%` format"));
    }
    Ok(out)
}

/// `'{}_{name}'.format(...)`.
fn brace_format(
    f: &str,
    positional: &[(Value, Pos)],
    keywords: &[(String, Value, Pos)],
    pos: Pos,
) -> Result<String, SyntaxError> {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    field.push(c);
                }
                if !closed {
                    return Err(error(pos, "an unclosed `{` in the format string"));
                }
                let (name, spec) = field.split_once(':').unwrap_or((&field, ""));
                let (name, conversion) = match name.split_once('!') {
                    Some((n, c)) => (n, Some(c)),
                    None => (name, None),
                };
                let v = if name.is_empty() {
                    auto += 1;
                    positional.get(auto - 1).map(|(v, _)| v.clone())
                } else if let Ok(i) = name.parse::<usize>() {
                    positional.get(i).map(|(v, _)| v.clone())
                } else {
                    keywords
                        .iter()
                        .find(|(k, _, _)| k == name)
                        .map(|(_, v, _)| v.clone())
                };
                let v = v.ok_or_else(|| {
                    error(pos, format!("`format` has no argument for `{{{field}}}`"))
                })?;
                let v = match conversion {
                    Some("r") => Value::Str(repr(&v, pos)?),
                    Some("s") => Value::Str(to_str(&v, pos)?),
                    None => v,
                    Some(other) => {
                        return Err(error(
                            pos,
                            format!("the conversion `!{other}` is not supported"),
                        ));
                    }
                };
                out.push_str(&format_value(&v, spec, pos)?);
            }
            '}' => return Err(error(pos, "a single `}` in the format string")),
            c => out.push(c),
        }
        if out.len() > MAX_STRING {
            return Err(error(pos, "the string is too long"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::python;

    /// Run `src`; the value bound to `name`, or the error.
    fn value(src: &str, name: &str) -> Result<Value, SyntaxError> {
        python::with_stack(src.len(), || {
            let program = python::parse(src)?;
            let mut ev = Eval {
                lines: &program.lines,
                globals: Rc::default(),
                frames: Vec::new(),
                functions: Vec::new(),
                steps: 0,
                allocated: 0,
                graph: Graph::default(),
                namers: [Namer::default(), Namer::default()],
                masks: HashMap::new(),
            };
            ev.suite(&program.module.body)?;
            let v = ev.globals.borrow().get(name).cloned();
            Ok(v.unwrap_or(Value::Str("<unbound>".into())))
        })
    }

    fn show(src: &str) -> String {
        match value(src, "r") {
            Ok(v) => repr(&v, Pos::default()).unwrap_or_else(|e| e.message),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn functions_defaults_keywords_varargs_and_closures() {
        let src = "def f(a, b=2, *rest, c=10, **kw):\n    return (a, b, rest, c, kw)\nr = [f(1), f(1, 3, 4, 5), f(1, c=0, d=7)]\n";
        assert_eq!(
            show(src),
            "[(1, 2, (), 10, {}), (1, 3, (4, 5), 10, {}), (1, 2, (), 0, {'d': 7})]"
        );
        let src = "def outer(n):\n    def inner(x):\n        return x * n\n    return inner\nr = outer(3)(4)\n";
        assert_eq!(show(src), "12");
        let src = "def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\nr = fact(10)\n";
        assert_eq!(show(src), "3628800");
        let src = "sq = lambda x, y=1: x * x + y\nr = sq(3)\n";
        assert_eq!(show(src), "10");
        let src = "def f(a):\n    pass\nr = f(1, 2)\n";
        assert_eq!(
            show(src),
            "error: line 3, column 10: `f` takes 1 positional argument(s)"
        );
        let src = "def f(a):\n    return f(a)\nr = f(1)\n";
        assert_eq!(
            show(src),
            "error: line 2, column 12: calls nest more than 64 deep: endless recursion?"
        );
    }

    #[test]
    fn loops_conditions_and_comprehensions() {
        let src = "r = []\nfor i, (a, b) in enumerate(zip([1, 2, 3], 'xyz')):\n    if i == 1:\n        continue\n    elif a >= 3 and b != 'q':\n        r.append(b * a)\n    else:\n        r.append(a)\n";
        assert_eq!(show(src), "[1, 'zzz']");
        let src =
            "d = {'a': 1, 'b': 2}\nr = sorted(k + str(v) for k, v in d.items() if v is not None)\n";
        assert_eq!(show(src), "['a1', 'b2']");
        let src = "n = 0\nwhile True:\n    n += 3\n    if n > 10:\n        break\nr = n\n";
        assert_eq!(show(src), "12");
        let src = "r = {i: i ** 2 for i in range(10, 0, -3)}\n";
        assert_eq!(show(src), "{10: 100, 7: 49, 4: 16, 1: 1}");
        let src = "n = 64\nsizes = [n * 2 for n in (16, 32)]\nr = (n, sizes)\n";
        assert_eq!(show(src), "(64, [32, 64])");
        let src = "sizes = [k for k in range(2)]\nr = k\n";
        assert_eq!(show(src), "error: line 2, column 5: `k` is not defined");
        let src = "for i in range(3):\n    pass\nelse:\n    r = i\n";
        assert_eq!(show(src), "2");
        let src = "x = 0\nwhile x >= 0:\n    x += 1\n";
        assert!(
            show(src).contains("more than 1000000 steps"),
            "{}",
            show(src)
        );
        let src = "a = []\na.append(a)\nr = str(a)\n";
        assert_eq!(
            show(src),
            "error: line 3, column 5: the value is nested too deeply to print (a list that contains itself?)"
        );
        let src = "r = [[0] * 100000 for _ in range(100)]\n";
        assert_eq!(
            show(src),
            "error: line 1, column 6: the code builds more than 4000000 items in all"
        );
        let src = "r = list(range(10 ** 9))\n";
        assert_eq!(
            show(src),
            "error: line 1, column 10: more than 100000 items in one collection"
        );
    }

    #[test]
    fn strings_format_like_python() {
        let src = "i, n = 3, 'conv'\nr = [f'{n}_{i}', f'{n!r}', f'{i:03d}', f'{2/3:.2f}', f'{i=}', '%s_%02d' % (n, i), '{}-{name}'.format(i, name=n), 'block' + str(i), f'{1e-5}', f'{12345678:,}']\n";
        assert_eq!(
            show(src),
            "['conv_3', \"'conv'\", '003', '0.67', 'i=3', 'conv_03', '3-conv', 'block3', '1e-05', '12,345,678']"
        );
        let src = "r = 'x' * 10 ** 7\n";
        assert_eq!(show(src), "error: line 1, column 5: the string is too long");
    }

    #[test]
    fn assignment_forms() {
        let src = "a, *b, c = [1, 2, 3, 4]\nr = (a, b, c)\n";
        assert_eq!(show(src), "(1, [2, 3], 4)");
        let src = "x = [1, 2]\ny = x\ny += [3]\nx[0] = 9\nd = {}\nd['k'] = x[-1]\nr = (x, d)\n";
        assert_eq!(show(src), "([9, 2, 3], {'k': 3})");
        let src = "import os\nos.environ['KERAS_BACKEND'] = 'tensorflow'\nr = 1\n";
        assert_eq!(show(src), "1");
        let src =
            "r = 7 // -2, -7 % 3, 2 ** -1, 10 / 4, True + 1, not [], 1 < 2 < 3, 3 in (1, 2)\n";
        assert_eq!(show(src), "(-4, 2, 0.5, 2.5, 2, True, True, False)");
        let src = "r = 1\nassert r == 2, 'no'\n";
        assert_eq!(
            show(src),
            "error: line 2, column 1: the code's `assert` fails"
        );
    }

    #[test]
    fn refused_constructs_say_what_they_are() {
        for (src, message) in [
            (
                "class A:\n    pass\n",
                "line 1, column 1: a `class` definition (`A`): custom layers and models are not supported",
            ),
            (
                "try:\n    x = 1\nexcept Exception:\n    pass\n",
                "line 1, column 1: a `try` statement: the engine does not run exception handling",
            ),
            ("x = {1, 2}\n", "line 1, column 5: sets are not supported"),
            ("x = 1 +\n", "line 1, column 8: expected an expression"),
            ("x = a != b\n", "line 1, column 5: `a` is not defined"),
            (
                "@dec\ndef f():\n    pass\n",
                "line 1, column 1: a decorated function: decorators are not supported",
            ),
        ] {
            assert_eq!(value(src, "x").unwrap_err().to_string(), message, "{src}");
        }
    }
}
