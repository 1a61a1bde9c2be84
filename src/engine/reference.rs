//! The answer key of a "fill in the summary" question: every row Keras prints, with the layer's
//! inputs traced to the rows that produce them, so a row can be recomputed from a student's own
//! (possibly wrong) input shape — error carried forward.

use super::build::Graph;
use super::layers::{self, Built, Shape, Weights};
use super::network::{Keras, network};
use super::python::SyntaxError;
use super::summary::keras2::{Cells, render_cells};
use super::value::LayerId;

/// Where a row's input comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Producer {
    /// Output `tensor` of the row at this index.
    Row { row: usize, tensor: usize },
    /// A model input without a row of its own (a Sequential model's input).
    Fixed(Shape),
}

/// One row of the reference summary.
#[derive(Clone, Debug)]
pub struct RefRow {
    pub name: String,
    pub class: String,
    pub layer: LayerId,
    pub outputs: Vec<Shape>,
    pub weights: Weights,
    pub producers: Vec<Producer>,
}

/// The reference summary of an exam's network.
#[derive(Clone, Debug)]
pub struct Reference {
    pub keras: Keras,
    pub name: String,
    pub rows: Vec<RefRow>,
    pub total: u64,
    pub trainable: u64,
    pub non_trainable: u64,
    /// The filled template (Keras 2 layout, this version's layer names): a perfect answer.
    pub filled: String,
    graph: Graph,
}

impl Reference {
    /// This row's layer built on other input shapes (the student's own), if Keras would accept
    /// them.
    pub fn rebuild(&self, row: usize, inputs: &[Shape]) -> Option<Built> {
        let layer = &self.graph.layers[self.rows[row].layer];
        layers::build(&layer.args, inputs, &self.graph).ok()
    }

    /// The reference shapes of a row's inputs.
    pub fn input_shapes(&self, row: usize) -> Vec<Shape> {
        self.rows[row]
            .producers
            .iter()
            .map(|p| match p {
                Producer::Row { row, tensor } => self.rows[*row].outputs[*tensor].clone(),
                Producer::Fixed(shape) => shape.clone(),
            })
            .collect()
    }
}

fn error(message: String) -> SyntaxError {
    SyntaxError {
        pos: super::python::Pos { line: 1, column: 1 },
        message,
    }
}

/// Compile the exam's snippet into the reference of `keras`' summary.
pub fn reference(source: &str, keras: Keras) -> Result<Reference, SyntaxError> {
    let graph = super::run(source)?;
    super::refused_by(&graph, keras)?;
    let net = network(&graph, keras).ok_or_else(|| error("the snippet builds no model".into()))?;
    let filled = match network(&graph, Keras::V2) {
        Some(v2) => render_cells(&v2, Cells::Filled).map_err(error)?,
        None => String::new(),
    };
    if !net.built {
        return Err(error(
            "the model has no input shape, so Keras cannot print its summary".into(),
        ));
    }
    let index_of = |layer: LayerId| net.rows.iter().position(|r| r.layer == layer);
    let rows = net
        .rows
        .iter()
        .map(|r| {
            let node = graph.layers[r.layer].nodes.last().map(|n| &graph.nodes[*n]);
            let producers = node
                .map(|n| {
                    n.inputs
                        .iter()
                        .map(|t| {
                            let producer = graph.nodes[t.node].layer;
                            match index_of(producer) {
                                Some(row) => Producer::Row {
                                    row,
                                    tensor: t.index,
                                },
                                None => Producer::Fixed(
                                    graph.nodes[t.node].built.outputs[t.index].clone(),
                                ),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            RefRow {
                name: r.name.clone(),
                class: r.class.clone(),
                layer: r.layer,
                outputs: r.outputs.clone().unwrap_or_default(),
                weights: r.weights.clone(),
                producers,
            }
        })
        .collect();
    Ok(Reference {
        keras,
        name: net.name.clone(),
        rows,
        total: net.total(),
        trainable: net.trainable,
        non_trainable: net.non_trainable,
        filled,
        graph,
    })
}
