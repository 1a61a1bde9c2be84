//! Values the snippet computes with: Python literals, modules and classes it names, layers it
//! constructs, tensors layers produce, and models.

use super::python::Pos;

/// Index of a constructed layer in the network under construction.
pub type LayerId = usize;

/// A tensor: output `index` of node `node`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorRef {
    pub node: usize,
    pub index: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A module path: `keras`, `keras.layers`, `tensorflow`.
    Module(String),
    /// A class or function of Keras: a layer class, `Model`, `Sequential`, `Input`.
    Class(String),
    /// A constructed, not yet called, layer.
    Layer(LayerId),
    Tensor(TensorRef),
    Model(usize),
    /// A bound method of a model (`model.add`, `model.summary`).
    Method(usize, String),
    /// Something the engine does not model (an optimizer, a `print` result); fine in a
    /// statement that is skipped, an error where a layer needs it.
    Opaque(String),
}

impl Value {
    pub fn describe(&self) -> String {
        match self {
            Value::Int(i) => format!("the integer {i}"),
            Value::Float(f) => format!("the number {f}"),
            Value::Str(s) => format!("the string '{s}'"),
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
