//! A model as one Keras version presents it: its layers in `model.layers` order (Keras orders a
//! functional model by depth from the inputs, ties by discovery order from the outputs — tf-keras
//! `functional._map_graph_network`, Keras 3 `ops.function.map_graph`), each layer's name under
//! that version's auto-naming, output shapes, weights and inbound connections.

use super::build::{Graph, ModelKind};
use super::layers::{Shape, Weights};
use super::value::{LayerId, TensorRef};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which Keras prints the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Keras {
    /// tf-keras 2.x (`TF_USE_LEGACY_KERAS=1`).
    V2,
    /// Keras 3.
    V3,
}

impl Keras {
    fn index(self) -> usize {
        match self {
            Keras::V2 => 0,
            Keras::V3 => 1,
        }
    }
}

/// One row of the summary.
#[derive(Clone, Debug)]
pub struct Row {
    pub layer: LayerId,
    pub name: String,
    pub class: String,
    /// Output shapes; `None` while a Sequential model is unbuilt.
    pub outputs: Option<Vec<Shape>>,
    pub weights: Weights,
    /// `name[node][tensor]` of every input.
    pub inbound: Vec<String>,
    /// Receptive field (height, width) of the centre output unit (see `receptive`).
    pub receptive_field: Option<(u64, u64)>,
}

/// A model as one Keras version shows it.
#[derive(Clone, Debug)]
pub struct Network {
    pub name: String,
    pub keras: Keras,
    pub sequential_class: bool,
    /// Printed without the "Connected to" column.
    pub sequential_like: bool,
    /// A Sequential model without an input shape has no shapes and no weights yet.
    pub built: bool,
    pub rows: Vec<Row>,
    pub trainable: u64,
    pub non_trainable: u64,
    /// Non-trainable weights stored as int64 (Normalization's `count`): 8 bytes, not 4, in
    /// the memory sizes Keras prints.
    pub int64: u64,
}

impl Network {
    pub fn total(&self) -> u64 {
        self.trainable + self.non_trainable
    }
}

/// Post-order DFS from the outputs (tf-keras `_build_map`); a layer's index is when it is
/// first seen.
struct Traversal<'a> {
    graph: &'a Graph,
    keras3: bool,
    finished: HashSet<usize>,
    order: Vec<usize>,
    layer_index: HashMap<LayerId, i64>,
}

impl Traversal<'_> {
    fn visit(&mut self, node: usize) {
        if self.finished.contains(&node) {
            return;
        }
        let layer = self.graph.nodes[node].layer;
        let next = self.layer_index.len() as i64;
        self.layer_index.entry(layer).or_insert(next);
        for t in self.graph.nodes[node].inputs_for(self.keras3) {
            self.visit(t.node);
        }
        self.finished.insert(node);
        self.order.push(node);
    }
}

pub(super) fn ordered_layers(
    graph: &Graph,
    inputs: &[TensorRef],
    outputs: &[TensorRef],
    keras3: bool,
) -> (Vec<LayerId>, bool) {
    let mut walk = Traversal {
        graph,
        keras3,
        finished: HashSet::new(),
        order: Vec::new(),
        layer_index: HashMap::new(),
    };
    for t in outputs {
        walk.visit(t.node);
    }
    let Traversal {
        order,
        mut layer_index,
        ..
    } = walk;
    let mut node_depth: HashMap<usize, usize> = HashMap::new();
    let mut layer_depth: HashMap<LayerId, usize> = HashMap::new();
    for &node in order.iter().rev() {
        let layer = graph.nodes[node].layer;
        let depth =
            (*node_depth.entry(node).or_insert(0)).max(*layer_depth.get(&layer).unwrap_or(&0));
        layer_depth.insert(layer, depth);
        node_depth.insert(node, depth);
        for t in graph.nodes[node].inputs_for(keras3) {
            let previous = *node_depth.get(&t.node).unwrap_or(&0);
            node_depth.insert(t.node, previous.max(depth + 1));
        }
    }
    for t in inputs {
        let layer = graph.nodes[t.node].layer;
        if let std::collections::hash_map::Entry::Vacant(e) = layer_depth.entry(layer) {
            e.insert(0);
            layer_index.insert(layer, -1);
            node_depth.insert(t.node, 0);
        }
    }
    let mut by_depth: BTreeMap<usize, Vec<LayerId>> = BTreeMap::new();
    for (layer, depth) in &layer_depth {
        by_depth.entry(*depth).or_default().push(*layer);
    }
    let mut layers = Vec::new();
    for (_, mut at_depth) in by_depth.into_iter().rev() {
        at_depth.sort_by_key(|l| layer_index[l]);
        layers.extend(at_depth);
    }
    // Sequential-like: one node per depth, each with at most one input tensor.
    let mut nodes_by_depth: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (node, depth) in &node_depth {
        nodes_by_depth.entry(*depth).or_default().push(*node);
    }
    let sequential_like = nodes_by_depth
        .values()
        .all(|nodes| nodes.len() == 1 && graph.nodes[nodes[0]].inputs_for(keras3).len() <= 1);
    (layers, sequential_like)
}

/// The weights of model `m` used as a layer: every weight of its layers (nested models
/// included), non-trainable where the model or the layer is frozen.
/// Keras 2 (tf-keras) asks each model for its trainable weights, and a frozen model has none;
/// Keras 3 keeps a flag per variable, which `trainable = ...` sets at the time it runs (a layer
/// re-enabled inside a frozen model counts as trainable again).
pub fn model_weights(graph: &Graph, m: usize, keras: Keras) -> Weights {
    let model = &graph.models[m];
    let layer_ids: Vec<LayerId> = match &model.kind {
        ModelKind::Functional { inputs, outputs } => {
            ordered_layers(graph, inputs, outputs, false).0
        }
        ModelKind::Sequential { layers, .. } => layers.clone(),
    };
    let (mut trainable, mut non_trainable) = (0u64, 0u64);
    let mut terms = Vec::new();
    for id in layer_ids {
        let def = &graph.layers[id];
        let w = match (def.model, def.nodes.first()) {
            (Some(inner), _) if inner != m => model_weights(graph, inner, keras),
            (_, Some(n)) => graph.nodes[*n].built.weights.clone(),
            (_, None) => Weights::none(),
        };
        let frozen = match keras {
            Keras::V2 => !model.trainable[0] || !def.trainable[0],
            Keras::V3 => def.model.is_none() && !def.trainable[1],
        };
        let t = if frozen { 0 } else { w.trainable };
        let nt = if frozen { w.total() } else { w.non_trainable };
        trainable = trainable.saturating_add(t);
        non_trainable = non_trainable.saturating_add(nt);
        if w.total() > 0 {
            terms.push(w.total().to_string());
        }
    }
    Weights {
        trainable,
        non_trainable,
        formula: if terms.is_empty() {
            "0".into()
        } else {
            terms.join(" + ")
        },
    }
}

/// The model `graph.summarised` (or the last one) as `keras` shows it; `None` if there is none.
pub fn network(graph: &Graph, keras: Keras) -> Option<Network> {
    let model_id = graph.summarised.or(graph.models.len().checked_sub(1))?;
    let model = &graph.models[model_id];
    let v = keras.index();
    let (layer_ids, sequential_class, sequential_like, built) = match &model.kind {
        ModelKind::Functional { inputs, outputs } => {
            let (layers, like) = ordered_layers(graph, inputs, outputs, keras == Keras::V3);
            (layers, false, like, true)
        }
        ModelKind::Sequential {
            layers,
            input,
            keras3_unbuilt,
        } => (
            {
                // A layer added twice: tf-keras lists (and counts) it once, Keras 3 twice.
                let mut seen = HashSet::new();
                layers
                    .iter()
                    .copied()
                    .filter(|l| keras == Keras::V3 || seen.insert(*l))
                    .collect()
            },
            true,
            true,
            input.is_some() && !(keras == Keras::V3 && *keras3_unbuilt),
        ),
    };
    let in_model: Option<HashSet<usize>> = match &model.kind {
        ModelKind::Functional { outputs, .. } => {
            let mut seen = HashSet::new();
            let mut stack: Vec<usize> = outputs.iter().map(|t| t.node).collect();
            while let Some(n) = stack.pop() {
                if seen.insert(n) {
                    stack.extend(
                        graph.nodes[n]
                            .inputs_for(keras == Keras::V3)
                            .iter()
                            .map(|t| t.node),
                    );
                }
            }
            Some(seen)
        }
        ModelKind::Sequential { .. } => None,
    };
    let rows: Vec<Row> = layer_ids
        .iter()
        .map(|&id| {
            let def = &graph.layers[id];
            // The layer's calls inside this model (a shared layer has several).
            let calls: Vec<usize> = def
                .nodes
                .iter()
                .copied()
                .filter(|n| in_model.as_ref().is_none_or(|set| set.contains(n)))
                .collect();
            let node = calls.first().or(def.nodes.last()).map(|n| &graph.nodes[*n]);
            let inbound = calls
                .iter()
                .flat_map(|n| graph.nodes[*n].inputs_for(keras == Keras::V3))
                .map(|t| {
                    let producer = &graph.layers[graph.nodes[t.node].layer];
                    let node_index = producer
                        .nodes
                        .iter()
                        .position(|x| *x == t.node)
                        .unwrap_or(0);
                    format!("{}[{}][{}]", producer.names[v], node_index, t.index)
                })
                .collect();
            Row {
                layer: id,
                name: def.names[v].clone(),
                class: match (def.args.class.as_str(), keras) {
                    ("TensorAdd", Keras::V2) => "TFOpLambda".into(),
                    ("TensorAdd", Keras::V3) => "Add".into(),
                    (c, _) => c.to_string(),
                },
                outputs: if built {
                    node.map(|n| n.built.outputs.clone())
                } else {
                    None
                },
                weights: match (node, def.model) {
                    (Some(_), Some(m)) if built => {
                        let w = model_weights(graph, m, keras);
                        // Keras 3's row of a frozen model: its `trainable_weights` are none,
                        // though the totals count each variable's own flag.
                        if keras == Keras::V3 && !graph.models[m].trainable[1] {
                            Weights {
                                trainable: 0,
                                non_trainable: w.total(),
                                formula: w.formula,
                            }
                        } else {
                            w
                        }
                    }
                    _ => match node {
                        Some(n) if built && !def.trainable[v] => Weights {
                            trainable: 0,
                            non_trainable: n.built.weights.total(),
                            formula: n.built.weights.formula.clone(),
                        },
                        Some(n) if built => n.built.weights.clone(),
                        _ => Weights {
                            trainable: 0,
                            non_trainable: 0,
                            formula: "0".into(),
                        },
                    },
                },
                inbound,
                receptive_field: match def.nodes.last() {
                    Some(n) if built => super::receptive::receptive_field(graph, *n),
                    _ => None,
                },
            }
        })
        .collect();
    // Totals by each weight's own flag (a nested model's row may say otherwise in Keras 3),
    // each layer once (Keras 3 lists a layer added twice twice), and none trainable in a
    // frozen model — whatever its layers' rows say.
    let counted = |r: &Row| match graph.layers[r.layer].model {
        Some(m) if model.trainable[v] && built => model_weights(graph, m, keras),
        _ => r.weights.clone(),
    };
    let mut seen = HashSet::new();
    let (mut trainable, mut non_trainable) = (0u64, 0u64);
    for r in rows.iter().filter(|r| seen.insert(r.layer)) {
        let w = counted(r);
        if model.trainable[v] {
            trainable += w.trainable;
            non_trainable += w.non_trainable;
        } else {
            non_trainable += w.total();
        }
    }
    Some(Network {
        name: model.names[v].clone(),
        keras,
        sequential_class,
        sequential_like,
        built,
        int64: layer_ids.iter().map(|l| int64_weights(graph, *l)).sum(),
        rows,
        trainable,
        non_trainable,
    })
}

/// Int64 weights of a layer (Normalization's count), nested models included.
fn int64_weights(graph: &Graph, layer: LayerId) -> u64 {
    let def = &graph.layers[layer];
    match def.model {
        Some(m) => match &graph.models[m].kind {
            ModelKind::Functional { inputs, outputs } => {
                ordered_layers(graph, inputs, outputs, false)
                    .0
                    .iter()
                    .filter(|l| **l != layer)
                    .map(|l| int64_weights(graph, *l))
                    .sum()
            }
            ModelKind::Sequential { layers, .. } => layers
                .iter()
                .filter(|l| **l != layer)
                .map(|l| int64_weights(graph, *l))
                .sum(),
        },
        None => match def.nodes.first() {
            Some(n)
                if def.args.class == "Normalization"
                    && graph.nodes[*n].built.weights.total() > 0 =>
            {
                1
            }
            _ => 0,
        },
    }
}
