//! Running the snippet: statements evaluated in order into layers, nodes (a layer applied to
//! tensors) and models, with each layer's auto-name as Keras 2 and Keras 3 would assign it.

use super::layers::{self, Built, Registry, Shape, args::INPUT_SHAPE_ARGS};
use super::python::{Expr, ExprKind, Pos, Stmt, StmtKind, SyntaxError, error};
use super::value::{Args, LayerId, TensorRef, Value};
use std::collections::HashMap;

/// Largest input dimension accepted (far beyond any image or sequence in an exam).
const MAX_DIM: i64 = 1 << 32;

/// A constructed layer.
#[derive(Clone, Debug)]
pub struct LayerDef {
    pub args: Args,
    /// Auto-names per Keras version (`[keras2, keras3]`), or the explicit name twice.
    pub names: [String; 2],
    /// Nodes (calls) of this layer, in order.
    pub nodes: Vec<usize>,
}

/// One call of a layer on tensors.
#[derive(Clone, Debug)]
pub struct Node {
    pub layer: LayerId,
    /// Input tensors in the order of the call signature (Keras 2's order).
    pub inputs: Vec<TensorRef>,
    /// Keras 3 records a call's tensors as `tree.flatten((args, kwargs))`: positional first,
    /// then keyword arguments sorted by name (`key`, `query`, `value`).
    pub keras3_inputs: Vec<TensorRef>,
    pub built: Built,
}

impl Node {
    /// The inputs in the order the given Keras version lists them.
    pub fn inputs_for(&self, keras3: bool) -> &[TensorRef] {
        if keras3 {
            &self.keras3_inputs
        } else {
            &self.inputs
        }
    }
}

#[derive(Clone, Debug)]
pub enum ModelKind {
    Functional {
        inputs: Vec<TensorRef>,
        outputs: Vec<TensorRef>,
    },
    Sequential {
        layers: Vec<LayerId>,
        /// The InputLayer node, once the input shape is known.
        input: Option<TensorRef>,
        /// Built only from Embedding's `input_length`, which Keras 3 ignores.
        keras3_unbuilt: bool,
    },
}

#[derive(Clone, Debug)]
pub struct ModelDef {
    pub kind: ModelKind,
    pub names: [String; 2],
    pub pos: Pos,
}

/// Everything the snippet built.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub layers: Vec<LayerDef>,
    pub nodes: Vec<Node>,
    pub models: Vec<ModelDef>,
    /// The model `summary()` was called on last, else the last model built.
    pub summarised: Option<usize>,
}

impl Registry for Graph {
    fn args_of(&self, id: LayerId) -> &Args {
        &self.layers[id].args
    }
}

/// Auto-naming as Keras does it: a counter per base name, shared by layers and models.
#[derive(Default)]
struct Namer {
    counts: HashMap<String, usize>,
}

impl Namer {
    /// `base`, `base_1`, … (`zero_based`), or `base_1`, `base_2`, … (Keras 2's `input_1`).
    fn next(&mut self, base: &str, zero_based: bool) -> String {
        let n = self.counts.entry(base.to_string()).or_insert(0);
        let name = match (*n, zero_based) {
            (0, true) => base.to_string(),
            (k, true) => format!("{base}_{k}"),
            (k, false) => format!("{base}_{}", k + 1),
        };
        *n += 1;
        name
    }
}

/// Keras' `to_snake_case` (Keras 2: `[a-z0-9]+` in the first rule; Keras 3: `[a-z]+`).
fn snake_case(class: &str, keras3: bool) -> String {
    use regex::Regex;
    use std::sync::OnceLock;
    static RULES: OnceLock<[Regex; 3]> = OnceLock::new();
    let [first2, first3, second] = RULES.get_or_init(|| {
        [
            Regex::new("(.)([A-Z][a-z0-9]+)").expect("valid"),
            Regex::new("(.)([A-Z][a-z]+)").expect("valid"),
            Regex::new("([a-z])([A-Z])").expect("valid"),
        ]
    });
    let first = if keras3 { first3 } else { first2 };
    let step = first.replace_all(class, "${1}_${2}");
    second.replace_all(&step, "${1}_${2}").to_lowercase()
}

struct Eval {
    env: HashMap<String, Value>,
    graph: Graph,
    namers: [Namer; 2],
}

/// Names a statement may call without the engine modelling them.
const SKIPPED_CALLS: [&str; 4] = ["print", "plot_model", "display", "len"];
const SKIPPED_METHODS: [&str; 12] = [
    "summary",
    "compile",
    "fit",
    "evaluate",
    "predict",
    "save",
    "save_weights",
    "load_weights",
    "count_params",
    "get_layer",
    "build",
    "to_json",
];

pub fn run(statements: &[Stmt]) -> Result<Graph, SyntaxError> {
    let mut ev = Eval {
        env: HashMap::new(),
        graph: Graph::default(),
        namers: [Namer::default(), Namer::default()],
    };
    for s in statements {
        ev.statement(s)?;
    }
    Ok(ev.graph)
}

fn canonical_module(path: &str) -> Option<String> {
    let p = path
        .strip_prefix("tensorflow.")
        .or_else(|| path.strip_prefix("tf."))
        .unwrap_or(path);
    let p = p.strip_prefix("python.").unwrap_or(p);
    let p = if let Some(rest) = p.strip_prefix("tf_keras") {
        format!("keras{rest}")
    } else {
        p.to_string()
    };
    match p.as_str() {
        "tensorflow" | "tf" => Some("tensorflow".into()),
        "keras" | "keras.layers" | "keras.models" => Some(p),
        s if s.starts_with("keras.") => Some(s.to_string()),
        _ => None,
    }
}

impl Eval {
    fn statement(&mut self, s: &Stmt) -> Result<(), SyntaxError> {
        match &s.kind {
            StmtKind::Import(items) => {
                for (path, bound) in items {
                    // `import tensorflow.keras` binds `tensorflow`; `import a.b as c` binds a.b.
                    let first = path.split('.').next().unwrap_or(path);
                    let bound_path = if bound == first { first } else { path.as_str() };
                    let value = match canonical_module(bound_path) {
                        Some(m) => Value::Module(m),
                        None => Value::Opaque(format!("the module `{bound_path}`")),
                    };
                    self.env.insert(bound.clone(), value);
                }
            }
            StmtKind::FromImport(module, items) => {
                for (name, bound) in items {
                    let value = match canonical_module(module) {
                        Some(m) => self.attribute(Value::Module(m), name, s.pos)?,
                        None => Value::Opaque(format!("`{name}` from `{module}`")),
                    };
                    self.env.insert(bound.clone(), value);
                }
            }
            StmtKind::Assign(name, e) => {
                let v = self.expr(e)?;
                self.env.insert(name.clone(), v);
            }
            StmtKind::Expr(e) => {
                if self.skipped(e)? {
                    return Ok(());
                }
                self.expr(e)?;
            }
        }
        Ok(())
    }

    /// Statements that only use the model (`model.summary()`, `model.compile(...)`, `print`).
    fn skipped(&mut self, e: &Expr) -> Result<bool, SyntaxError> {
        let ExprKind::Call { func, .. } = &e.kind else {
            return Ok(false);
        };
        match &func.kind {
            ExprKind::Name(n)
                if SKIPPED_CALLS.contains(&n.as_str()) && !self.env.contains_key(n) =>
            {
                Ok(true)
            }
            ExprKind::Attr(obj, method) if SKIPPED_METHODS.contains(&method.as_str()) => {
                if let Value::Model(m) = self.expr(obj)? {
                    if method == "summary" {
                        self.graph.summarised = Some(m);
                    }
                    return Ok(true);
                }
                Ok(false)
            }
            _ => Ok(false),
        }
    }

    fn attribute(&mut self, base: Value, attr: &str, pos: Pos) -> Result<Value, SyntaxError> {
        Ok(match base {
            Value::Module(m) => {
                let path = format!("{m}.{attr}");
                match (m.as_str(), attr) {
                    ("tensorflow", "keras") => Value::Module("keras".into()),
                    ("keras" | "keras.models", "Model" | "Sequential") => Value::Class(attr.into()),
                    ("keras" | "keras.layers", "Input") => Value::Class("Input".into()),
                    ("keras.layers", class) => {
                        if layers::is_known(class) {
                            Value::Class(class.into())
                        } else {
                            return Err(error(
                                pos,
                                format!("unknown layer `{class}`: the engine does not support it"),
                            ));
                        }
                    }
                    ("keras", "layers" | "models") => Value::Module(path),
                    ("tensorflow" | "keras", _) => Value::Opaque(format!("`{path}`")),
                    _ => Value::Opaque(format!("`{path}`")),
                }
            }
            Value::Model(id) => Value::Method(id, attr.to_string()),
            Value::Opaque(what) => Value::Opaque(format!("{what}.{attr}")),
            other => {
                return Err(error(
                    pos,
                    format!(
                        "{} has no attribute `{attr}` the engine knows",
                        other.describe()
                    ),
                ));
            }
        })
    }

    fn expr(&mut self, e: &Expr) -> Result<Value, SyntaxError> {
        Ok(match &e.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::None => Value::None,
            ExprKind::Name(n) => match self.env.get(n) {
                Some(v) => v.clone(),
                None => return Err(error(e.pos, format!("`{n}` is not defined"))),
            },
            ExprKind::Tuple(items) => Value::Tuple(
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::List(items) => Value::List(
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Dict(pairs) => Value::Dict(
                pairs
                    .iter()
                    .map(|(k, v)| Ok((self.expr(k)?, self.expr(v)?)))
                    .collect::<Result<_, SyntaxError>>()?,
            ),
            ExprKind::Attr(base, attr) => {
                let b = self.expr(base)?;
                self.attribute(b, attr, e.pos)?
            }
            ExprKind::Neg(inner) => match self.expr(inner)? {
                Value::Int(i) => Value::Int(
                    i.checked_neg()
                        .ok_or_else(|| error(e.pos, "integer overflow"))?,
                ),
                Value::Float(f) => Value::Float(-f),
                other => return Err(error(e.pos, format!("cannot negate {}", other.describe()))),
            },
            ExprKind::BinOp(op, l, r) => {
                let (l, r) = (self.expr(l)?, self.expr(r)?);
                arithmetic(op, l, r, e.pos)?
            }
            ExprKind::Index(base, index) => {
                let (b, i) = (self.expr(base)?, self.expr(index)?);
                match (b, i) {
                    (Value::Tuple(items) | Value::List(items), Value::Int(i)) => {
                        let n = items.len() as i64;
                        let k = if i < 0 { n + i } else { i };
                        items
                            .get(usize::try_from(k).unwrap_or(usize::MAX))
                            .cloned()
                            .ok_or_else(|| error(e.pos, format!("index {i} is out of range")))?
                    }
                    (b, _) => return Err(error(e.pos, format!("cannot index {}", b.describe()))),
                }
            }
            ExprKind::Call { func, args, kwargs } => {
                let f = self.expr(func)?;
                let positional: Vec<(Value, Pos)> = args
                    .iter()
                    .map(|a| Ok((self.expr(a)?, a.pos)))
                    .collect::<Result<_, SyntaxError>>()?;
                let keywords: Vec<(String, Value, Pos)> = kwargs
                    .iter()
                    .map(|(k, v, p)| Ok((k.clone(), self.expr(v)?, *p)))
                    .collect::<Result<_, SyntaxError>>()?;
                self.call(f, positional, keywords, e.pos)?
            }
        })
    }

    fn call(
        &mut self,
        f: Value,
        positional: Vec<(Value, Pos)>,
        keywords: Vec<(String, Value, Pos)>,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        match f {
            Value::Class(class) => {
                let args = Args {
                    class: class.clone(),
                    pos,
                    positional,
                    keywords,
                };
                match class.as_str() {
                    "Input" => self.input(args),
                    "Model" => self.functional(args),
                    "Sequential" => self.sequential(args),
                    _ => Ok(Value::Layer(self.new_layer(args)?)),
                }
            }
            Value::Layer(id) => self.apply(id, positional, keywords, pos),
            Value::Method(model, method) if method == "add" => {
                let layer = match positional.first() {
                    Some((Value::Layer(l), _)) => *l,
                    Some((Value::Tensor(t), _)) if self.is_input_node(*t) => {
                        self.graph.nodes[t.node].layer
                    }
                    _ => return Err(error(pos, "model.add takes a layer")),
                };
                self.sequential_add(model, layer, pos)?;
                Ok(Value::None)
            }
            Value::Opaque(what) => Ok(Value::Opaque(format!("the result of {what}()"))),
            other => Err(error(
                pos,
                format!("{} cannot be called here", other.describe()),
            )),
        }
    }

    fn new_layer(&mut self, args: Args) -> Result<LayerId, SyntaxError> {
        let explicit = match args.keywords.iter().find(|(k, _, _)| k == "name") {
            Some((_, Value::Str(s), _)) => Some(s.clone()),
            Some((_, Value::None, _)) | None => None,
            Some((_, v, p)) => {
                return Err(error(
                    *p,
                    format!("`name` must be a string, not {}", v.describe()),
                ));
            }
        };
        let names = match explicit {
            Some(n) => [n.clone(), n],
            None if args.class == "InputLayer" => [
                self.namers[0].next("input", false),
                self.namers[1].next("input_layer", true),
            ],
            None => [
                self.namers[0].next(&snake_case(&args.class, false), true),
                self.namers[1].next(&snake_case(&args.class, true), true),
            ],
        };
        // Keras 3's MultiHeadAttention creates its Dropout when constructed.
        if args.class == "MultiHeadAttention" {
            self.namers[1].next("dropout", true);
        }
        self.graph.layers.push(LayerDef {
            args,
            names,
            nodes: Vec::new(),
        });
        Ok(self.graph.layers.len() - 1)
    }

    fn is_input_node(&self, t: TensorRef) -> bool {
        self.graph.layers[self.graph.nodes[t.node].layer].args.class == "InputLayer"
    }

    /// Shape `(None, ...)` from `shape=`/`batch_shape=` of `Input` or `InputLayer`.
    fn input_shape(&self, args: &Args) -> Result<Shape, SyntaxError> {
        let dims = |v: &Value, p: Pos| -> Result<Vec<Option<u64>>, SyntaxError> {
            let items = match v {
                Value::Tuple(items) | Value::List(items) => items.clone(),
                Value::Int(_) => vec![v.clone()],
                other => {
                    return Err(error(
                        p,
                        format!("a shape must be a tuple, not {}", other.describe()),
                    ));
                }
            };
            items
                .iter()
                .map(|d| match d {
                    Value::Int(i) if (1..=MAX_DIM).contains(i) => Ok(Some(*i as u64)),
                    Value::None => Ok(None),
                    other => Err(error(
                        p,
                        format!(
                            "shape sizes must be positive integers or None, not {}",
                            other.describe()
                        ),
                    )),
                })
                .collect()
        };
        if let Some((v, p)) = args
            .value(0, "shape")
            .or_else(|| args.value(usize::MAX, "input_shape"))
        {
            let mut s = vec![None];
            s.extend(dims(v, p)?);
            return Ok(s);
        }
        if let Some((v, p)) = args
            .value(usize::MAX, "batch_shape")
            .or_else(|| args.value(usize::MAX, "batch_input_shape"))
        {
            return dims(v, p);
        }
        Err(error(
            args.pos,
            format!("{}: `shape` is required", args.class),
        ))
    }

    fn input(&mut self, mut args: Args) -> Result<Value, SyntaxError> {
        args.only(
            1,
            &[
                "shape",
                "batch_size",
                "batch_shape",
                "sparse",
                "tensor",
                "ragged",
                "optional",
            ],
        )?;
        let shape = self.input_shape(&args)?;
        args.class = "InputLayer".into();
        let id = self.new_layer(args)?;
        Ok(Value::Tensor(self.add_node(id, vec![], vec![shape])?))
    }

    fn add_node(
        &mut self,
        layer: LayerId,
        inputs: Vec<TensorRef>,
        shapes: Vec<Shape>,
    ) -> Result<TensorRef, SyntaxError> {
        let built = layers::build(&self.graph.layers[layer].args, &shapes, &self.graph)?;
        self.graph.nodes.push(Node {
            layer,
            keras3_inputs: inputs.clone(),
            inputs,
            built,
        });
        let node = self.graph.nodes.len() - 1;
        self.graph.layers[layer].nodes.push(node);
        Ok(TensorRef { node, index: 0 })
    }

    fn shape_of(&self, t: TensorRef) -> Shape {
        self.graph.nodes[t.node].built.outputs[t.index].clone()
    }

    fn tensors(&self, v: &Value, p: Pos) -> Result<Vec<TensorRef>, SyntaxError> {
        match v {
            Value::Tensor(t) => Ok(vec![*t]),
            Value::List(items) | Value::Tuple(items) => items
                .iter()
                .map(|i| match i {
                    Value::Tensor(t) => Ok(*t),
                    other => Err(error(
                        p,
                        format!("expected a tensor, not {}", other.describe()),
                    )),
                })
                .collect(),
            other => Err(error(
                p,
                format!("a layer is called on tensors, not on {}", other.describe()),
            )),
        }
    }

    fn apply(
        &mut self,
        id: LayerId,
        positional: Vec<(Value, Pos)>,
        keywords: Vec<(String, Value, Pos)>,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        if !self.graph.layers[id].nodes.is_empty() {
            return Err(error(
                pos,
                format!(
                    "layer `{}` is called a second time: shared layers are not supported",
                    self.graph.layers[id].names[0]
                ),
            ));
        }
        let class = self.graph.layers[id].args.class.clone();
        let mut inputs = Vec::new();
        let mut keras3_order = Vec::new();
        if class == "MultiHeadAttention" {
            // layer(query, value[, key]) or keywords query=, value=, key=.
            let mut by_name: HashMap<&str, (Value, Pos)> = HashMap::new();
            for (i, (v, p)) in positional.iter().enumerate() {
                let name = ["query", "value", "key"]
                    .get(i)
                    .copied()
                    .ok_or_else(|| error(*p, "MultiHeadAttention takes query, value and key"))?;
                by_name.insert(name, (v.clone(), *p));
            }
            for (k, v, p) in &keywords {
                match k.as_str() {
                    "query" | "value" | "key" => {
                        by_name.insert(k.as_str(), (v.clone(), *p));
                    }
                    "training" | "attention_mask" | "use_causal_mask" => {}
                    _ => {
                        return Err(error(
                            *p,
                            format!("MultiHeadAttention call argument `{k}` is not supported"),
                        ));
                    }
                }
            }
            // Keras 3 order: positional arguments, then keywords sorted by name.
            let mut keyword_names: Vec<&str> = keywords
                .iter()
                .map(|(k, _, _)| k.as_str())
                .filter(|k| matches!(*k, "query" | "value" | "key"))
                .collect();
            keyword_names.sort_unstable();
            let positional_names = ["query", "value", "key"];
            for name in positional_names
                .iter()
                .take(positional.len())
                .chain(keyword_names.iter())
            {
                if let Some((v, p)) = by_name.get(name) {
                    keras3_order.extend(self.tensors(v, *p)?);
                }
            }
            for name in ["query", "value", "key"] {
                if let Some((v, p)) = by_name.get(name) {
                    inputs.extend(self.tensors(v, *p)?);
                } else if name != "key" {
                    return Err(error(pos, format!("MultiHeadAttention needs `{name}`")));
                }
            }
        } else {
            let Some((v, p)) = positional.first() else {
                return Err(error(pos, "a layer is called on its input tensor(s)"));
            };
            if positional.len() > 1 {
                return Err(error(
                    positional[1].1,
                    "a layer takes its inputs as one argument (a list for several)",
                ));
            }
            for (k, _, p) in &keywords {
                if !matches!(k.as_str(), "training" | "mask") {
                    return Err(error(*p, format!("call argument `{k}` is not supported")));
                }
            }
            inputs = self.tensors(v, *p)?;
        }
        let shapes: Vec<Shape> = inputs.iter().map(|t| self.shape_of(*t)).collect();
        let first = self.add_node(id, inputs.clone(), shapes)?;
        if !keras3_order.is_empty() {
            self.graph.nodes[first.node].keras3_inputs = keras3_order;
        }
        let outputs = self.graph.nodes[first.node].built.outputs.len();
        if outputs == 1 {
            Ok(Value::Tensor(first))
        } else {
            Ok(Value::List(
                (0..outputs)
                    .map(|index| {
                        Value::Tensor(TensorRef {
                            node: first.node,
                            index,
                        })
                    })
                    .collect(),
            ))
        }
    }

    fn model_name(&mut self, args: &Args, base: [&str; 2]) -> Result<[String; 2], SyntaxError> {
        match args.value(usize::MAX, "name") {
            Some((Value::Str(s), _)) => Ok([s.clone(), s.clone()]),
            Some((Value::None, _)) | None => Ok([
                self.namers[0].next(base[0], true),
                self.namers[1].next(base[1], true),
            ]),
            Some((v, p)) => Err(error(
                p,
                format!("`name` must be a string, not {}", v.describe()),
            )),
        }
    }

    fn functional(&mut self, args: Args) -> Result<Value, SyntaxError> {
        args.only(2, &["inputs", "outputs", "name"])?;
        let (iv, ip) = args
            .value(0, "inputs")
            .ok_or_else(|| error(args.pos, "Model: `inputs` is required"))?;
        let inputs = self.tensors(iv, ip)?;
        let (ov, op) = args
            .value(1, "outputs")
            .ok_or_else(|| error(args.pos, "Model: `outputs` is required"))?;
        let outputs = self.tensors(ov, op)?;
        for (t, p) in inputs.iter().map(|t| (t, ip)) {
            if !self.is_input_node(*t) {
                return Err(error(p, "Model inputs must come from Input(...)"));
            }
        }
        let names = self.model_name(&args, ["model", "functional"])?;
        self.graph.models.push(ModelDef {
            kind: ModelKind::Functional { inputs, outputs },
            names,
            pos: args.pos,
        });
        Ok(Value::Model(self.graph.models.len() - 1))
    }

    fn sequential(&mut self, args: Args) -> Result<Value, SyntaxError> {
        args.only(2, &["layers", "name"])?;
        let names = self.model_name(&args, ["sequential", "sequential"])?;
        let pos = args.pos;
        self.graph.models.push(ModelDef {
            kind: ModelKind::Sequential {
                layers: vec![],
                input: None,
                keras3_unbuilt: false,
            },
            names,
            pos,
        });
        let model = self.graph.models.len() - 1;
        if let Some((v, p)) = args.value(0, "layers") {
            let items = match v {
                Value::List(items) | Value::Tuple(items) => items.clone(),
                Value::None => vec![],
                other => {
                    return Err(error(
                        p,
                        format!(
                            "Sequential takes a list of layers, not {}",
                            other.describe()
                        ),
                    ));
                }
            };
            for item in items {
                let layer = match item {
                    Value::Layer(l) => l,
                    Value::Tensor(t) if self.is_input_node(t) => self.graph.nodes[t.node].layer,
                    other => {
                        return Err(error(
                            p,
                            format!("Sequential takes layers, not {}", other.describe()),
                        ));
                    }
                };
                self.sequential_add(model, layer, p)?;
            }
        }
        Ok(Value::Model(model))
    }

    fn sequential_add(
        &mut self,
        model: usize,
        layer: LayerId,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        let ModelKind::Sequential {
            layers: list,
            input,
            mut keras3_unbuilt,
        } = self.graph.models[model].kind.clone()
        else {
            return Err(error(pos, "`add` is a method of Sequential models"));
        };
        let args = self.graph.layers[layer].args.clone();
        let mut input = input;
        let mut list = list;
        if args.class == "InputLayer" {
            if !list.is_empty() || input.is_some() {
                return Err(error(pos, "an Input must come first in a Sequential model"));
            }
            let t = match self.graph.layers[layer].nodes.first() {
                Some(n) => TensorRef { node: *n, index: 0 },
                None => {
                    let shape = self.input_shape(&args)?;
                    self.add_node(layer, vec![], vec![shape])?
                }
            };
            self.graph.models[model].kind = ModelKind::Sequential {
                layers: list,
                input: Some(t),
                keras3_unbuilt,
            };
            return Ok(());
        }
        if list.is_empty() && input.is_none() {
            // `input_shape=` (or Dense's `input_dim=`, Embedding's `input_length=`) on the first layer.
            let shape = if INPUT_SHAPE_ARGS.iter().any(|a| args.has(usize::MAX, a)) {
                if let Some((Value::Int(d), _)) = args
                    .value(usize::MAX, "input_dim")
                    .filter(|_| args.class != "Embedding")
                {
                    Some(vec![None, Some(*d as u64)])
                } else {
                    // Keywords only: a layer's first positional argument is not a shape.
                    let mut keywords_only = args.clone();
                    keywords_only.positional.clear();
                    Some(self.input_shape(&keywords_only)?)
                }
            } else {
                None
            };
            let shape = match (shape, args.value(usize::MAX, "input_length")) {
                (None, Some((Value::Int(n), _))) if args.class == "Embedding" => {
                    // Keras 2 builds from `input_length`; Keras 3 ignores it (deprecated).
                    keras3_unbuilt = true;
                    Some(vec![None, Some(*n as u64)])
                }
                (s, _) => s,
            };
            if let Some(shape) = shape {
                let mut input_args = args.clone();
                input_args.class = "InputLayer".into();
                input_args.keywords = vec![(
                    "name".into(),
                    Value::Str(format!("{}_input", self.graph.layers[layer].names[0])),
                    pos,
                )];
                input_args.positional.clear();
                let input_layer = self.new_layer(input_args)?;
                input = Some(self.add_node(input_layer, vec![], vec![shape])?);
            }
        }
        if let Some(previous) = list
            .last()
            .and_then(|l| self.graph.layers[*l].nodes.last())
            .map(|n| TensorRef { node: *n, index: 0 })
            .or(input)
        {
            if self.graph.nodes[previous.node].built.outputs.len() != 1 {
                return Err(error(pos, "a Sequential layer must have one output"));
            }
            let shape = self.shape_of(previous);
            self.add_node(layer, vec![previous], vec![shape])?;
        }
        list.push(layer);
        self.graph.models[model].kind = ModelKind::Sequential {
            layers: list,
            input,
            keras3_unbuilt,
        };
        Ok(())
    }
}

fn arithmetic(op: &str, l: Value, r: Value, pos: Pos) -> Result<Value, SyntaxError> {
    let overflow = || error(pos, "integer overflow");
    match (l, r) {
        (Value::Int(a), Value::Int(b)) => Ok(match op {
            "+" => Value::Int(a.checked_add(b).ok_or_else(overflow)?),
            "-" => Value::Int(a.checked_sub(b).ok_or_else(overflow)?),
            "*" => Value::Int(a.checked_mul(b).ok_or_else(overflow)?),
            "//" | "%" if b == 0 => return Err(error(pos, "division by zero")),
            "//" => Value::Int(a.div_euclid(b)),
            "%" => Value::Int(a.rem_euclid(b)),
            "/" if b == 0 => return Err(error(pos, "division by zero")),
            "/" => Value::Float(a as f64 / b as f64),
            "**" => Value::Int(
                u32::try_from(b)
                    .ok()
                    .and_then(|e| a.checked_pow(e))
                    .ok_or_else(overflow)?,
            ),
            _ => return Err(error(pos, format!("operator `{op}` is not supported"))),
        }),
        (Value::Int(a), Value::Float(b)) => float_op(op, a as f64, b, pos),
        (Value::Float(a), Value::Int(b)) => float_op(op, a, b as f64, pos),
        (Value::Float(a), Value::Float(b)) => float_op(op, a, b, pos),
        (Value::Tuple(a), Value::Tuple(b)) if op == "+" => Ok(Value::Tuple([a, b].concat())),
        (Value::List(a), Value::List(b)) if op == "+" => Ok(Value::List([a, b].concat())),
        (l, r) => Err(error(
            pos,
            format!("cannot compute {} {op} {}", l.describe(), r.describe()),
        )),
    }
}

fn float_op(op: &str, a: f64, b: f64, pos: Pos) -> Result<Value, SyntaxError> {
    Ok(Value::Float(match op {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" if b != 0.0 => a / b,
        "**" => a.powf(b),
        _ => {
            return Err(error(
                pos,
                format!("operator `{op}` is not supported on numbers here"),
            ));
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_keras() {
        for (class, k2) in [
            ("Conv2D", "conv2d"),
            ("BatchNormalization", "batch_normalization"),
            ("MaxPooling2D", "max_pooling2d"),
            ("PReLU", "p_re_lu"),
            ("LeakyReLU", "leaky_re_lu"),
            ("SimpleRNN", "simple_rnn"),
            ("Conv2DTranspose", "conv2d_transpose"),
            ("LSTM", "lstm"),
            ("UpSampling2D", "up_sampling2d"),
        ] {
            assert_eq!(snake_case(class, false), k2, "{class}");
        }
    }
}
