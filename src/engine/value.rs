//! Values the snippet computes with: Python literals and containers, functions it defines,
//! modules and classes it names, layers it constructs, tensors layers produce, and models.

use super::python::Pos;
use std::sync::{Arc, Mutex, MutexGuard};

/// Index of a constructed layer in the network under construction.
pub type LayerId = usize;

/// A tensor: output `index` of node `node`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TensorRef {
    pub node: usize,
    pub index: usize,
}

/// A mutable Python object (a list or a dict): shared by every name bound to it, as in Python.
/// Thread-safe so that a compiled rubric (which keeps layer arguments) can be shared.
#[derive(Clone, Default)]
pub struct Shared<T>(Arc<Mutex<T>>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Arc::new(Mutex::new(value)))
    }

    pub fn get(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn same(&self, other: &Shared<T>) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: Clone> Shared<T> {
    pub fn snapshot(&self) -> T {
        self.get().clone()
    }
}

impl<T: PartialEq + Clone> PartialEq for Shared<T> {
    fn eq(&self, other: &Shared<T>) -> bool {
        self.same(other) || self.snapshot() == other.snapshot()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    Tuple(Vec<Value>),
    List(Shared<Vec<Value>>),
    Dict(Shared<Vec<(Value, Value)>>),
    /// A module path: `keras`, `keras.layers`, `tensorflow`.
    Module(String),
    /// A class or function of Keras: a layer class, `Model`, `Sequential`, `Input`, or a
    /// functional merge (`add`, `concatenate`).
    Class(String),
    /// A constructed layer (called or not).
    Layer(LayerId),
    Tensor(TensorRef),
    Model(usize),
    /// A method bound to its object (`model.add`, `names.append`, `'{}'.format`).
    Method(Box<Value>, String),
    /// A function the snippet defines (`def` or `lambda`): its index in the evaluator.
    Function(usize),
    /// A Python builtin (`len`, `range`, `print`, `functools.partial`).
    Builtin(&'static str),
    /// `functools.partial(f, *args, **kwargs)`.
    Partial(Box<Value>, Vec<(Value, Pos)>, Vec<(String, Value, Pos)>),
    /// Something the engine does not model (an optimizer, a `print` result); fine where it
    /// is not used, an error where a layer needs it.
    Opaque(String),
}

impl Value {
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Shared::new(items))
    }

    /// The items of a tuple or list.
    pub fn items(&self) -> Option<Vec<Value>> {
        match self {
            Value::Tuple(items) => Some(items.clone()),
            Value::List(items) => Some(items.snapshot()),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Value::Int(i) => format!("the integer {i}"),
            Value::Float(f) => format!("the number {f}"),
            Value::Str(s) => {
                let short: String = s.chars().take(40).collect();
                format!("the string '{short}'")
            }
            Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Value::None => "None".into(),
            Value::Tuple(_) => "a tuple".into(),
            Value::List(_) => "a list".into(),
            Value::Dict(_) => "a dict".into(),
            Value::Module(m) => format!("the module `{m}`"),
            Value::Class(c) => format!("`{c}`"),
            Value::Layer(_) => "a layer".into(),
            Value::Tensor(_) => "a tensor".into(),
            Value::Model(_) => "a model".into(),
            Value::Method(_, m) => format!("the method `{m}`"),
            Value::Function(_) => "a function".into(),
            Value::Builtin(b) => format!("the builtin `{b}`"),
            Value::Partial(f, _, _) => format!("a partial of {}", f.describe()),
            Value::Opaque(what) => what.clone(),
        }
    }
}

/// The arguments of a layer constructor, with where each was written.
#[derive(Clone, Debug)]
pub struct Args {
    pub class: String,
    pub pos: Pos,
    pub positional: Vec<(Value, Pos)>,
    pub keywords: Vec<(String, Value, Pos)>,
}
