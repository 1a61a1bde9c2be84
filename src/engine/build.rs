//! Running the snippet: statements evaluated in order into layers, nodes (a layer applied to
//! tensors) and models, with each layer's auto-name as Keras 2 and Keras 3 would assign it.

use super::eval::Eval;
use super::layers::{self, Built, Registry, Shape, args::INPUT_SHAPE_ARGS};
use super::python::{Pos, SyntaxError, error};
use super::value::{Args, LayerId, TensorRef, Value};
use std::collections::HashMap;

/// Largest input dimension accepted (far beyond any image or sequence in an exam).
const MAX_DIM: i64 = 1 << 32;
/// Most layers one snippet may make (the largest Keras application has under 1,000).
pub const MAX_LAYERS: usize = 10_000;

/// A constructed layer.
#[derive(Clone, Debug)]
pub struct LayerDef {
    pub args: Args,
    /// Auto-names per Keras version (`[keras2, keras3]`), or the explicit name twice.
    pub names: [String; 2],
    /// Nodes (calls) of this layer, in order.
    pub nodes: Vec<usize>,
    /// `trainable=False` (or `layer.trainable = False`): its weights count as non-trainable.
    /// Per version (`[keras2, keras3]`): their setters differ on models (see
    /// `set_model_trainable`).
    pub trainable: [bool; 2],
    /// A model used as a layer (nested): which.
    pub model: Option<usize>,
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
    pub trainable: [bool; 2],
    /// The layer standing for this model where it is used as a layer.
    pub layer: Option<LayerId>,
}

/// Everything the snippet built.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub layers: Vec<LayerDef>,
    pub nodes: Vec<Node>,
    pub models: Vec<ModelDef>,
    /// The model `summary()` was called on last, else the last model built.
    pub summarised: Option<usize>,
    /// Code only Keras 2 runs (`layers.experimental.preprocessing`, `layer.output_shape`):
    /// where, and why Keras 3 refuses it.
    pub keras3_refusal: Option<SyntaxError>,
    /// Code Keras 2 refuses (`Sequential(..., trainable=False)`).
    pub keras2_refusal: Option<SyntaxError>,
}

impl Graph {
    /// Internal consistency, checked after every run: each node's input shapes are its
    /// producers' outputs, every tensor refers to an earlier node, and each layer's nodes are
    /// its own. A failure is a bug of the engine, reported rather than printed as a summary.
    pub fn check(&self) -> Result<(), SyntaxError> {
        let bug = |what: String| {
            error(
                Pos { line: 1, column: 1 },
                format!("internal check failed ({what}): please report this model"),
            )
        };
        for (id, node) in self.nodes.iter().enumerate() {
            if !self
                .layers
                .get(node.layer)
                .is_some_and(|l| l.nodes.contains(&id))
            {
                return Err(bug(format!("node {id} is not its layer's")));
            }
            for t in node.inputs.iter().chain(&node.keras3_inputs) {
                if t.node >= id || t.index >= self.nodes[t.node].built.outputs.len() {
                    return Err(bug(format!("node {id} reads a tensor that does not exist")));
                }
            }
            // Keras 3 may list more (a mask), never fewer.
            if node.inputs.iter().any(|t| !node.keras3_inputs.contains(t)) {
                return Err(bug(format!("node {id} has two different input lists")));
            }
        }
        Ok(())
    }
}

impl Registry for Graph {
    fn args_of(&self, id: LayerId) -> &Args {
        &self.layers[id].args
    }
}

/// Auto-naming as Keras does it: a counter per base name, shared by layers and models.
#[derive(Default)]
pub(super) struct Namer {
    counts: HashMap<String, usize>,
}

impl Namer {
    /// `base`, `base_1`, … (`zero_based`), or `base_1`, `base_2`, … (Keras 2's `input_1`).
    pub(super) fn next(&mut self, base: &str, zero_based: bool) -> String {
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
    // tf-keras names its ConvLSTM layers by hand (`conv_lstm2d`), not by the rule.
    if !keras3 && let Some(n) = class.strip_prefix("ConvLSTM") {
        return format!("conv_lstm{}", n.to_lowercase());
    }
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

/// Layer classes under another name (`MaxPool2D is MaxPooling2D`): Keras prints and auto-names
/// them by the class they are.
const ALIASES: [(&str, &str); 17] = [
    ("MaxPool1D", "MaxPooling1D"),
    ("MaxPool2D", "MaxPooling2D"),
    ("MaxPool3D", "MaxPooling3D"),
    ("AvgPool1D", "AveragePooling1D"),
    ("AvgPool2D", "AveragePooling2D"),
    ("AvgPool3D", "AveragePooling3D"),
    ("GlobalMaxPool1D", "GlobalMaxPooling1D"),
    ("GlobalMaxPool2D", "GlobalMaxPooling2D"),
    ("GlobalMaxPool3D", "GlobalMaxPooling3D"),
    ("GlobalAvgPool1D", "GlobalAveragePooling1D"),
    ("GlobalAvgPool2D", "GlobalAveragePooling2D"),
    ("GlobalAvgPool3D", "GlobalAveragePooling3D"),
    ("Convolution1D", "Conv1D"),
    ("Convolution2D", "Conv2D"),
    ("Convolution3D", "Conv3D"),
    ("Convolution2DTranspose", "Conv2DTranspose"),
    ("SeparableConvolution2D", "SeparableConv2D"),
];

/// Functional merges (`layers.add([a, b])`): the layer class each makes and calls.
const MERGE_FUNCTIONS: [(&str, &str); 8] = [
    ("add", "Add"),
    ("subtract", "Subtract"),
    ("multiply", "Multiply"),
    ("average", "Average"),
    ("maximum", "Maximum"),
    ("minimum", "Minimum"),
    ("concatenate", "Concatenate"),
    ("dot", "Dot"),
];

/// Keras classes the engine refuses by name, with why.
fn refused_class(class: &str) -> Option<&'static str> {
    Some(match class {
        "Lambda" => {
            "a `Lambda` layer runs arbitrary Python: the engine cannot know its output shape"
        }
        "Layer" => "a custom layer (a subclass of `Layer`) is not supported",
        "TFSMLayer" | "TorchModuleWrapper" | "JaxLayer" | "FlaxLayer" => {
            "a layer wrapping foreign code is not supported"
        }
        _ => return None,
    })
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
    let p = p
        .strip_prefix("keras.api.")
        .map(|r| format!("keras.{r}"))
        .unwrap_or(p);
    match p.as_str() {
        "tensorflow" | "tf" => Some("tensorflow".into()),
        "keras.layers.experimental.preprocessing" | "keras.layers.preprocessing" => {
            Some("keras.layers".into())
        }
        "keras.src" | "keras.src.layers" => Some(p.replace(".src", "")),
        s if s == "keras" || s.starts_with("keras.") => Some(s.to_string()),
        _ => None,
    }
}

impl Eval<'_> {
    /// The value `import path` binds.
    pub(super) fn module(&self, path: &str) -> Value {
        match canonical_module(path) {
            Some(m) if m.starts_with("keras.applications") => Value::Opaque(format!(
                "`{path}` (keras.applications models are not supported)"
            )),
            Some(m) => Value::Module(m),
            None if path == "functools" => Value::Module("functools".into()),
            None => Value::Opaque(format!("the module `{path}`")),
        }
    }

    /// `from module import *`.
    pub(super) fn star_import(
        &mut self,
        module: &str,
        pos: Pos,
    ) -> Result<Vec<(String, Value)>, SyntaxError> {
        let Some(m) = canonical_module(module) else {
            return Err(error(
                pos,
                format!("`from {module} import *`: the engine cannot know what it binds"),
            ));
        };
        let mut names: Vec<(String, Value)> = Vec::new();
        let layers_like = matches!(m.as_str(), "keras.layers");
        if layers_like {
            for class in layers::classes() {
                names.push((class.to_string(), Value::Class(class.to_string())));
            }
            for (alias, class) in ALIASES {
                names.push((alias.to_string(), Value::Class(class.to_string())));
            }
            for (f, _) in MERGE_FUNCTIONS {
                names.push((f.to_string(), Value::Class(format!("fn:{f}"))));
            }
            names.push(("Input".into(), Value::Class("Input".into())));
        }
        if matches!(m.as_str(), "keras.models" | "keras") {
            names.push(("Model".into(), Value::Class("Model".into())));
            names.push(("Sequential".into(), Value::Class("Sequential".into())));
        }
        if m == "keras" {
            names.push(("Input".into(), Value::Class("Input".into())));
            names.push(("layers".into(), Value::Module("keras.layers".into())));
        }
        if names.is_empty() {
            return Err(error(
                pos,
                format!("`from {module} import *`: the engine cannot know what it binds"),
            ));
        }
        Ok(names)
    }

    pub(super) fn keras_attribute(
        &mut self,
        base: Value,
        attr: &str,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        Ok(match base {
            Value::Module(m) => {
                let path = format!("{m}.{attr}");
                match (m.as_str(), attr) {
                    ("tensorflow", "keras") => Value::Module("keras".into()),
                    ("functools", "partial") => Value::Builtin("partial"),
                    ("keras" | "keras.models", "Model" | "Sequential") => Value::Class(attr.into()),
                    ("keras" | "keras.layers", "Input") => Value::Class("Input".into()),
                    ("keras", "applications") | ("keras.applications", _) => {
                        return Err(error(
                            pos,
                            "`keras.applications` models are not supported: paste the model's own layers instead",
                        ));
                    }
                    ("keras.layers", "experimental") => {
                        self.keras3_refused(pos, "`layers.experimental` exists in Keras 2 only (Keras 3 has these layers in `keras.layers`)");
                        Value::Module("keras.layers.experimental".into())
                    }
                    ("keras.layers.experimental", "preprocessing") => {
                        Value::Module("keras.layers".into())
                    }
                    ("keras.layers", class) => {
                        let class = ALIASES
                            .iter()
                            .find(|(a, _)| *a == class)
                            .map(|(_, c)| *c)
                            .unwrap_or(class);
                        if let Some((f, _)) = MERGE_FUNCTIONS.iter().find(|(f, _)| *f == class) {
                            Value::Class(format!("fn:{f}"))
                        } else if let Some(why) = refused_class(class) {
                            return Err(error(pos, why));
                        } else if layers::is_known(class)
                            && !matches!(class, "TensorAdd" | "NotEqual")
                        {
                            Value::Class(class.into())
                        } else {
                            return Err(error(
                                pos,
                                format!("unknown layer `{class}`: the engine does not support it"),
                            ));
                        }
                    }
                    ("keras", "layers" | "models" | "backend" | "utils") => Value::Module(path),
                    ("keras.backend", "clear_session") | ("keras.utils", "clear_session") => {
                        Value::Class("clear_session".into())
                    }
                    ("keras.backend", "int_shape") => {
                        self.keras3_refused(pos, "`keras.backend.int_shape` exists in Keras 2 only (Keras 3: `tensor.shape`)");
                        Value::Class("int_shape".into())
                    }
                    _ => Value::Opaque(format!("`{path}`")),
                }
            }
            Value::Model(id) => match attr {
                "add" | "build" | "summary" | "get_layer" | "pop" => {
                    Value::Method(Box::new(Value::Model(id)), attr.to_string())
                }
                "layers" => Value::list(
                    self.model_layers(id)
                        .into_iter()
                        .map(Value::Layer)
                        .collect(),
                ),
                "input" | "inputs" | "output" | "outputs" => {
                    let (inputs, outputs) = self.model_ends(id, pos)?;
                    let list = if attr.starts_with("input") {
                        inputs
                    } else {
                        outputs
                    };
                    if attr.ends_with('s') {
                        Value::list(list.into_iter().map(Value::Tensor).collect())
                    } else if list.len() == 1 {
                        Value::Tensor(list[0])
                    } else {
                        Value::list(list.into_iter().map(Value::Tensor).collect())
                    }
                }
                "input_shape" | "output_shape" => {
                    let (inputs, outputs) = self.model_ends(id, pos)?;
                    let list = if attr == "input_shape" {
                        inputs
                    } else {
                        outputs
                    };
                    let shapes: Vec<Value> = list
                        .iter()
                        .map(|t| shape_value(&self.shape_of(*t)))
                        .collect();
                    if shapes.len() == 1 {
                        shapes.into_iter().next().unwrap_or(Value::None)
                    } else {
                        Value::list(shapes)
                    }
                }
                "name" => same_name(&self.graph.models[id].names, "model", pos)?,
                "trainable" => trainable_value(self.graph.models[id].trainable, pos)?,
                _ => Value::Opaque(format!("`model.{attr}`")),
            },
            Value::Layer(id) => match attr {
                "output" | "input" => {
                    let nodes = &self.graph.layers[id].nodes;
                    let [node] = nodes.as_slice() else {
                        return Err(error(
                            pos,
                            format!(
                                "the layer `{}` has {} call(s): `.{attr}` needs exactly one",
                                self.graph.layers[id].names[0],
                                nodes.len()
                            ),
                        ));
                    };
                    let id = *node;
                    let node = &self.graph.nodes[id];
                    let list: Vec<TensorRef> = if attr == "output" {
                        (0..node.built.outputs.len())
                            .map(|index| TensorRef { node: id, index })
                            .collect()
                    } else if node.inputs.is_empty() {
                        vec![TensorRef { node: id, index: 0 }]
                    } else {
                        node.inputs.clone()
                    };
                    if list.len() == 1 {
                        Value::Tensor(list[0])
                    } else {
                        Value::list(list.into_iter().map(Value::Tensor).collect())
                    }
                }
                "name" => same_name(&self.graph.layers[id].names, "layer", pos)?,
                "trainable" => trainable_value(self.graph.layers[id].trainable, pos)?,
                "output_shape" => {
                    self.keras3_refused(pos, "`layer.output_shape` exists in Keras 2 only (Keras 3: `layer.output.shape`)");
                    let [node] = self.graph.layers[id].nodes.as_slice() else {
                        return Err(error(
                            pos,
                            "`layer.output_shape` of a layer called more or less than once",
                        ));
                    };
                    let outputs = self.graph.nodes[*node].built.outputs.clone();
                    match outputs.as_slice() {
                        [one] => shape_value(one),
                        many => Value::list(many.iter().map(shape_value).collect()),
                    }
                }
                _ => Value::Opaque(format!("`layer.{attr}`")),
            },
            Value::Tensor(t) => match attr {
                "shape" => shape_value(&self.shape_of(t)),
                "dtype" => Value::Opaque("a dtype".into()),
                _ => {
                    return Err(error(
                        pos,
                        format!("the engine does not know the tensor attribute `{attr}`"),
                    ));
                }
            },
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

    pub(super) fn set_attribute(
        &mut self,
        obj: Value,
        attr: &str,
        value: Value,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        match (&obj, attr, &value) {
            (Value::Layer(id), "trainable", Value::Bool(b)) => {
                match self.graph.layers[*id].model {
                    Some(m) => self.set_model_trainable(m, *b),
                    None => self.graph.layers[*id].trainable = [*b, *b],
                }
                Ok(())
            }
            (Value::Model(id), "trainable", Value::Bool(b)) => {
                self.set_model_trainable(*id, *b);
                Ok(())
            }
            (Value::Layer(_) | Value::Model(_), "trainable", other) => Err(error(
                pos,
                format!(
                    "`trainable` must be True or False, not {}",
                    other.describe()
                ),
            )),
            (Value::Opaque(_), _, _) => Ok(()),
            _ => Err(error(
                pos,
                format!("the engine cannot set `{attr}` on {}", obj.describe()),
            )),
        }
    }

    pub(super) fn keras_subscript(
        &mut self,
        base: Value,
        _key: Value,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        match base {
            Value::Tensor(_) => Err(error(
                pos,
                "indexing a tensor makes a TensorFlow operation layer, which the engine does not model",
            )),
            Value::Opaque(what) => Ok(Value::Opaque(format!("{what}[...]"))),
            other => Err(error(pos, format!("cannot index {}", other.describe()))),
        }
    }

    /// A layer the snippet does not construct itself (an implicit InputLayer, an operation
    /// row), named as each version names it, without arguments.
    fn internal_layer(&mut self, class: &str, names: [String; 2], pos: Pos) -> LayerId {
        self.graph.layers.push(LayerDef {
            args: Args {
                class: class.into(),
                pos,
                positional: vec![],
                keywords: vec![],
            },
            names,
            nodes: Vec::new(),
            trainable: [true; 2],
            model: None,
        });
        self.graph.layers.len() - 1
    }

    /// `a + b` on two tensors of one shape: a layer of its own in both versions' summaries.
    pub(super) fn tensor_add(
        &mut self,
        a: TensorRef,
        b: TensorRef,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        let (sa, sb) = (self.shape_of(a), self.shape_of(b));
        if sa != sb {
            return Err(error(
                pos,
                format!(
                    "`+` on tensors of shapes {} and {} broadcasts, which the engine does not model",
                    layers::show(&sa),
                    layers::show(&sb)
                ),
            ));
        }
        if self.graph.layers.len() >= MAX_LAYERS {
            return Err(error(
                pos,
                format!("the code makes more than {MAX_LAYERS} layers"),
            ));
        }
        let names = [
            self.namers[0].next("tf.__operators__.add", true),
            self.namers[1].next("add", true),
        ];
        let id = self.internal_layer("TensorAdd", names, pos);
        Ok(Value::Tensor(self.add_node(
            id,
            vec![a, b],
            vec![sa, sb],
        )?))
    }

    /// Keras 3's masks (`Embedding(mask_zero=True)`): the embedding's `compute_mask` makes a
    /// `NotEqual` operation on its input (a row of Keras 3's summary); a layer whose call takes
    /// a mask gets it as one more input (after the others: `call(x, initial_state=.., mask=..)`
    /// flattens keywords by name) and passes it on when it returns sequences; Dropout and
    /// Dense pass it on untouched. Anywhere else a mask leads is not modelled: Keras 3 refused.
    /// Keras 2 keeps masks out of its graph, so none of this shows there.
    fn keras3_mask(
        &mut self,
        layer: LayerId,
        output: TensorRef,
        masked: Vec<Option<TensorRef>>,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        let args = self.graph.layers[layer].args.clone();
        let class = args.class.as_str();
        let node = output.node;
        let inputs = self.graph.nodes[node].inputs.len();
        if inputs > 1 && masked.len() == 1 && matches!(class, "SimpleRNN" | "LSTM" | "GRU") {
            // Called with `initial_state`: Keras 3 does not pass the mask to it (measured);
            // where the output's mask goes is unknown, so it may go no further.
            self.masks.insert(TensorRef { node, index: 0 }, None);
            return Ok(());
        }
        if masked.contains(&None) {
            // An unknown mask: passed on by Dropout and Dense, refused anywhere else.
            if matches!(class, "Dropout" | "Dense") && inputs == 1 {
                self.masks.insert(TensorRef { node, index: 0 }, None);
            } else if self.graph.keras3_refusal.is_none() {
                self.graph.keras3_refusal = Some(error(
                    pos,
                    format!(
                        "the mask of Embedding(mask_zero=True) reaches {class} here: Keras 3 adds mask operations to the summary that the engine does not model"
                    ),
                ));
            }
            return Ok(());
        }
        let masked: Vec<TensorRef> = masked.into_iter().flatten().collect();
        if !masked.is_empty() {
            let sequences = |a: &Args| {
                matches!(
                    a.value(usize::MAX, "return_sequences"),
                    Some((Value::Bool(true), _))
                )
            };
            let passes_on = match class {
                _ if masked.len() > 1 || inputs > 1 => None,
                "SimpleRNN" | "LSTM" | "GRU" => Some((true, sequences(&args))),
                "Bidirectional" => {
                    let inner = args
                        .layer(0, "layer")
                        .map(|l| self.graph.layers[l].args.clone());
                    Some((true, inner.as_ref().is_ok_and(sequences)))
                }
                "GlobalAveragePooling1D" => Some((true, false)),
                "Dropout" | "Dense" => Some((false, true)),
                _ => None,
            };
            match passes_on {
                Some((takes, keeps)) => {
                    if takes {
                        self.graph.nodes[node].keras3_inputs.push(masked[0]);
                    }
                    if keeps {
                        self.masks
                            .insert(TensorRef { node, index: 0 }, Some(masked[0]));
                    }
                }
                None => {
                    if self.graph.keras3_refusal.is_none() {
                        self.graph.keras3_refusal = Some(error(
                            pos,
                            format!(
                                "the mask of Embedding(mask_zero=True) reaches {class} here: Keras 3 adds mask operations to the summary that the engine does not model"
                            ),
                        ));
                    }
                }
            }
        }
        if class == "Embedding"
            && matches!(
                args.value(usize::MAX, "mask_zero"),
                Some((Value::Bool(true), _))
            )
        {
            let source = self.graph.nodes[node].inputs[0];
            let shape = self.shape_of(source);
            let names = [String::new(), self.namers[1].next("not_equal", true)];
            let id = self.internal_layer("NotEqual", names, pos);
            let mask = self.add_node(id, vec![source], vec![shape])?;
            self.masks.insert(output, Some(mask));
        }
        Ok(())
    }

    /// Keras 3 rebuilds a Sequential model with an input on every `add` (and once after its
    /// constructor), and each build makes an internal Functional that takes an auto-name.
    fn keras3_rebuilt(&mut self, model: usize) {
        if let ModelKind::Sequential {
            layers,
            input: Some(_),
            ..
        } = &self.graph.models[model].kind
            && !layers.is_empty()
        {
            self.namers[1].next("functional", true);
        }
    }

    /// `Model(..., trainable=False)`, `Sequential(..., trainable=False)`.
    fn model_trainable_argument(&mut self, model: usize, args: &Args) -> Result<(), SyntaxError> {
        match args.value(usize::MAX, "trainable") {
            Some((Value::Bool(b), _)) => {
                // tf-keras applies it like the setter; Keras 3 only records the model's flag
                // (its layers' weights stay as they are: measured).
                let b = *b;
                self.set_model_trainable_in(model, b, 0);
                self.graph.models[model].trainable[1] = b;
                Ok(())
            }
            None => Ok(()),
            Some((v, p)) => Err(error(
                p,
                format!("`trainable` must be True or False, not {}", v.describe()),
            )),
        }
    }

    /// Keras' `trainable` setter on a model. tf-keras sets the model and every layer in it,
    /// nested models too; Keras 3 does the same but does nothing when the flag already has
    /// that value (measured: `model.trainable = True` does not re-enable a frozen nested model).
    fn set_model_trainable(&mut self, model: usize, trainable: bool) {
        self.set_model_trainable_in(model, trainable, 0);
        self.set_model_trainable_in(model, trainable, 1);
    }

    fn set_model_trainable_in(&mut self, model: usize, trainable: bool, v: usize) {
        if v == 1 && self.graph.models[model].trainable[1] == trainable {
            return;
        }
        self.graph.models[model].trainable[v] = trainable;
        if let Some(l) = self.graph.models[model].layer {
            self.graph.layers[l].trainable[v] = trainable;
        }
        for layer in self.model_layers(model) {
            match self.graph.layers[layer].model {
                Some(inner) if inner != model => self.set_model_trainable_in(inner, trainable, v),
                _ => self.graph.layers[layer].trainable[v] = trainable,
            }
        }
    }

    /// The layer that stands for model `m` inside another model.
    fn model_layer(&mut self, m: usize) -> LayerId {
        if let Some(l) = self.graph.models[m].layer {
            return l;
        }
        let model = &self.graph.models[m];
        let class = match model.kind {
            ModelKind::Sequential { .. } => "Sequential",
            ModelKind::Functional { .. } => "Functional",
        };
        let def = LayerDef {
            args: Args {
                class: class.into(),
                pos: model.pos,
                positional: vec![],
                keywords: vec![],
            },
            names: model.names.clone(),
            nodes: Vec::new(),
            trainable: model.trainable,
            model: Some(m),
        };
        self.graph.layers.push(def);
        let id = self.graph.layers.len() - 1;
        self.graph.models[m].layer = Some(id);
        id
    }

    /// What calling model `m` on tensors of `shapes` gives: its outputs (it must be called on
    /// the shapes it was built for; an unbuilt Sequential model is built on them).
    fn model_built(&mut self, m: usize, shapes: &[Shape], pos: Pos) -> Result<Built, SyntaxError> {
        if let ModelKind::Sequential { input: None, .. } = self.graph.models[m].kind {
            let [shape] = shapes else {
                return Err(error(pos, "a Sequential model takes one input"));
            };
            self.sequential_build_dims(m, shape.clone(), pos)?;
        }
        let (inputs, outputs) = self.model_ends(m, pos)?;
        let expected: Vec<Shape> = inputs.iter().map(|t| self.shape_of(*t)).collect();
        if expected.as_slice() != shapes {
            let show = |s: &[Shape]| s.iter().map(layers::show).collect::<Vec<_>>().join(", ");
            return Err(error(
                pos,
                format!(
                    "the model `{}` is built for {} and called on {}: the engine does not rebuild a model for new shapes",
                    self.graph.models[m].names[0],
                    show(&expected),
                    show(shapes)
                ),
            ));
        }
        Ok(Built {
            outputs: outputs.iter().map(|t| self.shape_of(*t)).collect(),
            weights: layers::Weights::none(),
        })
    }

    /// Note code Keras 3 refuses (the first such place is reported).
    fn keras3_refused(&mut self, pos: Pos, why: &str) {
        if self.graph.keras3_refusal.is_none() {
            self.graph.keras3_refusal = Some(error(pos, why));
        }
    }

    /// The layers of model `id` in `model.layers` order (Keras 2's order).
    fn model_layers(&self, id: usize) -> Vec<LayerId> {
        match &self.graph.models[id].kind {
            ModelKind::Sequential { layers, .. } => layers.clone(),
            ModelKind::Functional { inputs, outputs } => {
                super::network::ordered_layers(&self.graph, inputs, outputs, false).0
            }
        }
    }

    fn model_ends(
        &self,
        id: usize,
        pos: Pos,
    ) -> Result<(Vec<TensorRef>, Vec<TensorRef>), SyntaxError> {
        match &self.graph.models[id].kind {
            ModelKind::Functional { inputs, outputs } => Ok((inputs.clone(), outputs.clone())),
            ModelKind::Sequential { layers, input, .. } => {
                let output = layers
                    .last()
                    .and_then(|l| self.graph.layers[*l].nodes.last())
                    .map(|n| TensorRef { node: *n, index: 0 })
                    .or(*input);
                match (input, output) {
                    (Some(i), Some(o)) => Ok((vec![*i], vec![o])),
                    _ => Err(error(pos, "the Sequential model has no input shape yet")),
                }
            }
        }
    }

    pub(super) fn keras_call(
        &mut self,
        f: Value,
        positional: Vec<(Value, Pos)>,
        keywords: Vec<(String, Value, Pos)>,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        match f {
            Value::Class(class) if class == "clear_session" => {
                self.namers = [Namer::default(), Namer::default()];
                Ok(Value::None)
            }
            Value::Class(class) if class == "int_shape" => match positional.as_slice() {
                [(Value::Tensor(t), _)] => Ok(shape_value(&self.shape_of(*t))),
                _ => Err(error(pos, "`int_shape` takes a tensor")),
            },
            Value::Class(class) if class.starts_with("fn:") => {
                let f = &class[3..];
                let layer_class = MERGE_FUNCTIONS
                    .iter()
                    .find(|(n, _)| *n == f)
                    .map(|(_, c)| *c)
                    .unwrap_or("Add");
                // layers.add(inputs, **kwargs) == layers.Add(**kwargs)(inputs)
                let mut positional = positional;
                let mut keywords = keywords;
                let inputs = if positional.is_empty() {
                    match keywords.iter().position(|(k, _, _)| k == "inputs") {
                        Some(i) => {
                            let (_, v, p) = keywords.remove(i);
                            (v, p)
                        }
                        None => return Err(error(pos, format!("`{f}` takes its input tensors"))),
                    }
                } else {
                    positional.remove(0)
                };
                let args = Args {
                    class: layer_class.to_string(),
                    pos,
                    positional,
                    keywords,
                };
                let id = self.new_layer(args)?;
                self.apply(id, vec![inputs], vec![], pos)
            }
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
            Value::Model(m) => {
                let id = self.model_layer(m);
                if !self.graph.layers[id].nodes.is_empty() {
                    return Err(error(
                        pos,
                        "a model called as a layer a second time: the engine does not model a shared nested model",
                    ));
                }
                self.apply(id, positional, keywords, pos)
            }
            Value::Opaque(what) => Ok(Value::Opaque(format!("the result of {what}()"))),
            other => Err(error(
                pos,
                format!("{} cannot be called here", other.describe()),
            )),
        }
    }

    pub(super) fn keras_method(
        &mut self,
        obj: Value,
        method: &str,
        positional: Vec<(Value, Pos)>,
        keywords: Vec<(String, Value, Pos)>,
        pos: Pos,
    ) -> Result<Value, SyntaxError> {
        let Value::Model(model) = obj else {
            return Err(error(
                pos,
                format!(
                    "{} has no method `{method}` the engine knows",
                    obj.describe()
                ),
            ));
        };
        match method {
            "add" => {
                let layer = match positional.first() {
                    Some((Value::Layer(l), _)) => *l,
                    Some((Value::Tensor(t), _)) if self.is_input_node(*t) => {
                        self.graph.nodes[t.node].layer
                    }
                    Some((Value::Model(m), _)) if *m != model => self.model_layer(*m),
                    _ => return Err(error(pos, "model.add takes a layer")),
                };
                self.sequential_add(model, layer, pos)?;
                self.keras3_rebuilt(model);
                Ok(Value::None)
            }
            "summary" => {
                for (k, v, p) in &keywords {
                    let harmless = match (k.as_str(), v) {
                        ("print_fn" | "line_length" | "positions", _) => false,
                        ("expand_nested" | "show_trainable", Value::Bool(false)) => true,
                        ("expand_nested" | "show_trainable", _) => false,
                        _ => false,
                    };
                    if !harmless {
                        return Err(error(
                            *p,
                            format!(
                                "`summary({k}=...)` changes the layout: the engine prints the default summary only"
                            ),
                        ));
                    }
                }
                if let Some((_, p)) = positional.first() {
                    return Err(error(
                        *p,
                        "`summary(...)` with arguments: the engine prints the default summary only",
                    ));
                }
                self.graph.summarised = Some(model);
                Ok(Value::None)
            }
            "build" => {
                let shape = match (
                    positional.first(),
                    keywords.iter().find(|(k, _, _)| k == "input_shape"),
                ) {
                    (Some((v, p)), _) | (None, Some((_, v, p))) => (v.clone(), *p),
                    (None, None) => return Ok(Value::None),
                };
                self.sequential_build(model, shape.0, shape.1, pos)?;
                Ok(Value::None)
            }
            "get_layer" => {
                let by_name = positional.first().map(|(v, _)| v.clone()).or_else(|| {
                    keywords
                        .iter()
                        .find(|(k, _, _)| k == "name")
                        .map(|(_, v, _)| v.clone())
                });
                let by_index = keywords
                    .iter()
                    .find(|(k, _, _)| k == "index")
                    .map(|(_, v, _)| v.clone());
                let layers = self.model_layers(model);
                match (by_name, by_index) {
                    (Some(Value::Str(name)), _) => {
                        let found: Vec<LayerId> = layers
                            .iter()
                            .copied()
                            .filter(|l| self.graph.layers[*l].names.contains(&name))
                            .collect();
                        match found.as_slice() {
                            [one]
                                if self.graph.layers[*one].names[0]
                                    == self.graph.layers[*one].names[1] =>
                            {
                                Ok(Value::Layer(*one))
                            }
                            [_] => Err(error(
                                pos,
                                format!(
                                    "the layer `{name}` has another name in the other Keras version: name it explicitly"
                                ),
                            )),
                            _ => Err(error(pos, format!("the model has no layer `{name}`"))),
                        }
                    }
                    (_, Some(Value::Int(i))) => usize::try_from(i)
                        .ok()
                        .and_then(|i| layers.get(i))
                        .map(|l| Value::Layer(*l))
                        .ok_or_else(|| error(pos, format!("the model has no layer {i}"))),
                    _ => Err(error(pos, "`get_layer` takes a name or an index")),
                }
            }
            _ => Err(error(
                pos,
                format!("the model method `{method}` is not supported"),
            )),
        }
    }

    /// `model.build(input_shape)` of a Sequential model not yet built.
    fn sequential_build(
        &mut self,
        model: usize,
        shape: Value,
        shape_pos: Pos,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        let ModelKind::Sequential {
            layers: list,
            input,
            ..
        } = self.graph.models[model].kind.clone()
        else {
            return Ok(());
        };
        if input.is_some() {
            return Ok(());
        }
        if list.is_empty() {
            return Err(error(pos, "`build` of a Sequential model without layers"));
        }
        let dims = shape_dims(&shape, shape_pos)?;
        self.sequential_build_dims(model, dims, pos)
    }

    /// Build the unbuilt Sequential `model` on inputs of shape `dims`.
    fn sequential_build_dims(
        &mut self,
        model: usize,
        dims: Shape,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        let ModelKind::Sequential { layers: list, .. } = self.graph.models[model].kind.clone()
        else {
            return Ok(());
        };
        let Some(first) = list.first().copied() else {
            return Err(error(pos, "a Sequential model without layers"));
        };
        let names = [
            format!("{}_input", self.graph.layers[first].names[0]),
            self.namers[1].next("input_layer", true),
        ];
        let input_layer = self.internal_layer("InputLayer", names, pos);
        let mut previous = self.add_node(input_layer, vec![], vec![dims])?;
        for layer in &list {
            if self.graph.nodes[previous.node].built.outputs.len() != 1 {
                return Err(error(pos, "a Sequential layer must have one output"));
            }
            let s = self.shape_of(previous);
            previous = self.add_node(*layer, vec![previous], vec![s])?;
        }
        if let ModelKind::Sequential { input, .. } = &mut self.graph.models[model].kind {
            *input = Some(TensorRef {
                node: self.graph.layers[input_layer].nodes[0],
                index: 0,
            });
        }
        self.keras3_rebuilt(model);
        Ok(())
    }

    fn new_layer(&mut self, args: Args) -> Result<LayerId, SyntaxError> {
        if self.graph.layers.len() >= MAX_LAYERS {
            return Err(error(
                args.pos,
                format!("the code makes more than {MAX_LAYERS} layers"),
            ));
        }
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
        let trainable = match args.value(usize::MAX, "trainable") {
            Some((Value::Bool(b), _)) => *b,
            None => true,
            Some((v, p)) => {
                return Err(error(
                    p,
                    format!("`trainable` must be True or False, not {}", v.describe()),
                ));
            }
        };
        self.graph.layers.push(LayerDef {
            args,
            names,
            nodes: Vec::new(),
            trainable: [trainable; 2],
            model: None,
        });
        Ok(self.graph.layers.len() - 1)
    }

    fn is_input_node(&self, t: TensorRef) -> bool {
        self.graph.layers[self.graph.nodes[t.node].layer].args.class == "InputLayer"
    }

    /// Shape `(None, ...)` from `shape=`/`batch_shape=` of `Input` or `InputLayer`.
    fn input_shape(&self, args: &Args) -> Result<Shape, SyntaxError> {
        let dims = shape_dims;
        if let Some((v, p)) = args
            .value(0, "shape")
            .or_else(|| args.value(usize::MAX, "input_shape"))
        {
            let batch = match args.value(usize::MAX, "batch_size") {
                Some((Value::Int(n), _)) if (1..=MAX_DIM).contains(n) => Some(*n as u64),
                Some((Value::None, _)) | None => None,
                Some((other, p)) => {
                    return Err(error(
                        p,
                        format!(
                            "`batch_size` must be a positive integer, not {}",
                            other.describe()
                        ),
                    ));
                }
            };
            let mut s = vec![batch];
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
        if let Some((Value::Int(_), p)) = args.value(0, "shape") {
            self.keras3_refused(
                p,
                "`Input(shape=4)` is Keras 2 only: Keras 3 needs a tuple, `shape=(4,)`",
            );
        }
        args.class = "InputLayer".into();
        let id = self.new_layer(args)?;
        Ok(Value::Tensor(self.add_node(id, vec![], vec![shape])?))
    }

    /// A node of `layer` reading `inputs`, built on `shapes` (the shapes of the first inputs:
    /// an RNN's initial states are inputs its build does not see).
    fn add_node(
        &mut self,
        layer: LayerId,
        inputs: Vec<TensorRef>,
        shapes: Vec<Shape>,
    ) -> Result<TensorRef, SyntaxError> {
        let built = match self.graph.layers[layer].model {
            Some(m) => {
                let pos = self.graph.layers[layer].args.pos;
                self.model_built(m, &shapes, pos)?
            }
            None => layers::build(&self.graph.layers[layer].args, &shapes, &self.graph)?,
        };
        if let Some(first) = self.graph.layers[layer].nodes.first() {
            // A shared layer: Keras prints one output shape for all its calls, or "multiple".
            if self.graph.nodes[*first].built.outputs != built.outputs {
                return Err(error(
                    self.graph.layers[layer].args.pos,
                    format!(
                        "the shared layer `{}` gives different output shapes on its calls: Keras prints them as \"multiple\", which the engine does not model",
                        self.graph.layers[layer].names[0]
                    ),
                ));
            }
        }
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
            Value::List(_) | Value::Tuple(_) => v
                .items()
                .unwrap_or_default()
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
        let class = self.graph.layers[id].args.class.clone();
        let mut inputs = Vec::new();
        let mut state_inputs = Vec::new();
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
            inputs = self.tensors(v, *p)?;
            for (k, value, p) in &keywords {
                match (k.as_str(), value) {
                    ("training" | "mask", Value::None | Value::Bool(_)) => {}
                    ("initial_state", _)
                        if matches!(class.as_str(), "SimpleRNN" | "LSTM" | "GRU")
                            && inputs.len() == 1 =>
                    {
                        // The states are inputs of the call: Keras lists them after the
                        // sequence (`lstm[0][1]`); each is `(batch, units)`.
                        let units = self.graph.layers[id].args.size(0, "units", None)?;
                        let states = self.tensors(value, *p)?;
                        let wanted = if class == "LSTM" { 2 } else { 1 };
                        if states.len() != wanted {
                            return Err(error(
                                *p,
                                format!(
                                    "{class} takes {wanted} initial state tensor(s), got {}",
                                    states.len()
                                ),
                            ));
                        }
                        for t in &states {
                            let shape = self.shape_of(*t);
                            if shape.len() != 2 || shape[1] != Some(units) {
                                return Err(error(
                                    *p,
                                    format!(
                                        "an initial state of {class}({units}) must be (None, {units}), not {}",
                                        layers::show(&shape)
                                    ),
                                ));
                            }
                        }
                        state_inputs = states;
                    }
                    _ => {
                        return Err(error(
                            *p,
                            format!("call argument `{k}` is not supported here"),
                        ));
                    }
                }
            }
        }
        let shapes: Vec<Shape> = inputs.iter().map(|t| self.shape_of(*t)).collect();
        let masked: Vec<Option<TensorRef>> = inputs
            .iter()
            .filter_map(|t| self.masks.get(t))
            .copied()
            .collect();
        inputs.extend(state_inputs);
        let first = self.add_node(id, inputs.clone(), shapes)?;
        if !keras3_order.is_empty() {
            self.graph.nodes[first.node].keras3_inputs = keras3_order;
        }
        self.keras3_mask(id, first, masked, pos)?;
        let outputs = self.graph.nodes[first.node].built.outputs.len();
        if outputs == 1 {
            Ok(Value::Tensor(first))
        } else {
            Ok(Value::list(
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
            trainable: [true; 2],
            layer: None,
        });
        let model = self.graph.models.len() - 1;
        self.model_trainable_argument(model, &args)?;
        Ok(Value::Model(model))
    }

    fn sequential(&mut self, args: Args) -> Result<Value, SyntaxError> {
        if let Some((_, p)) = args.value(usize::MAX, "trainable")
            && self.graph.keras2_refusal.is_none()
        {
            self.graph.keras2_refusal = Some(error(
                p,
                "`Sequential(trainable=...)` is Keras 3 only: tf-keras' Sequential takes no `trainable`",
            ));
        }
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
            trainable: [true; 2],
            layer: None,
        });
        let model = self.graph.models.len() - 1;
        if let Some((v, p)) = args.value(0, "layers") {
            let items = match v {
                Value::List(_) | Value::Tuple(_) => v.items().unwrap_or_default(),
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
                    Value::Model(m) if m != model => self.model_layer(m),
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
        self.keras3_rebuilt(model);
        self.model_trainable_argument(model, &args)?;
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
            // A model added first brings its own input shape.
            let shape = match (shape, self.graph.layers[layer].model) {
                (None, Some(m)) => match self.model_ends(m, pos) {
                    Ok((inputs, _)) if inputs.len() == 1 => Some(self.shape_of(inputs[0])),
                    _ => None,
                },
                (s, _) => s,
            };
            let shape = match (shape, args.value(usize::MAX, "input_length")) {
                (None, Some((Value::Int(n), _))) if args.class == "Embedding" => {
                    // Keras 2 builds from `input_length`; Keras 3 ignores it (deprecated).
                    keras3_unbuilt = true;
                    Some(vec![None, Some(*n as u64)])
                }
                (None, None | Some((Value::None, _))) if args.class == "Embedding" => {
                    // tf-keras' Embedding always declares `input_shape=(input_length,)`, so a
                    // Keras 2 Sequential model starting with one is built on `(None, None)`.
                    keras3_unbuilt = true;
                    Some(vec![None, None])
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
                // Keras 3 makes this InputLayer without a name: it takes an auto-name.
                self.graph.layers[input_layer].names[1] = self.namers[1].next("input_layer", true);
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

/// `x.name` where both versions agree (auto-names differ: `model` / `functional`).
fn same_name(names: &[String; 2], what: &str, pos: Pos) -> Result<Value, SyntaxError> {
    let [k2, k3] = names;
    if k2 != k3 {
        return Err(error(
            pos,
            format!(
                "the {what}'s name is `{k2}` in Keras 2 and `{k3}` in Keras 3: name it to use its name"
            ),
        ));
    }
    Ok(Value::Str(k2.clone()))
}

/// `x.trainable` where both versions agree.
fn trainable_value(flags: [bool; 2], pos: Pos) -> Result<Value, SyntaxError> {
    if flags[0] != flags[1] {
        return Err(error(
            pos,
            "`trainable` differs between Keras 2 and Keras 3 here: the engine does not run code that depends on it",
        ));
    }
    Ok(Value::Bool(flags[0]))
}

/// A shape as Python sees it: a tuple of ints and `None`.
fn shape_value(shape: &Shape) -> Value {
    Value::Tuple(
        shape
            .iter()
            .map(|d| match d {
                Some(v) => Value::Int(*v as i64),
                None => Value::None,
            })
            .collect(),
    )
}

/// A full shape (batch included) from a tuple of sizes and `None`.
fn shape_dims(v: &Value, p: Pos) -> Result<Shape, SyntaxError> {
    let items = match v {
        Value::Int(_) => vec![v.clone()],
        other => other.items().ok_or_else(|| {
            error(
                p,
                format!("a shape must be a tuple, not {}", other.describe()),
            )
        })?,
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
