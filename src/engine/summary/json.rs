//! The summary as JSON — a stable contract: `{name, layers: [{name, class, output_shape,
//! params, trainable_params, non_trainable_params, formula, inbound, receptive_field}],
//! total_params, trainable_params, non_trainable_params}`. `output_shape` is a list with `null`
//! for unknown sizes, a list of lists for several outputs (and, in Keras 2, for InputLayer, as
//! Keras 2 reports it), `null` while a Sequential model is unbuilt.

use crate::engine::layers::Shape;
use crate::engine::network::{Keras, Network, Row};
use serde::Serialize;

#[derive(Serialize)]
pub struct SummaryJson {
    pub name: String,
    pub layers: Vec<LayerJson>,
    pub total_params: u64,
    pub trainable_params: u64,
    pub non_trainable_params: u64,
}

#[derive(Serialize)]
pub struct LayerJson {
    pub name: String,
    pub class: String,
    pub output_shape: serde_json::Value,
    pub params: u64,
    pub trainable_params: u64,
    pub non_trainable_params: u64,
    /// The parameter count's computation in the exam's notation (`3 x 3 x 16 x 32 + 32`).
    pub formula: String,
    /// `name[node][tensor]` of each input.
    pub inbound: Vec<String>,
    /// `[height, width]` of the centre unit's receptive field, or `null`.
    pub receptive_field: Option<[u64; 2]>,
}

fn shape_json(shape: &Shape) -> serde_json::Value {
    serde_json::Value::Array(
        shape
            .iter()
            .map(|d| {
                d.map(serde_json::Value::from)
                    .unwrap_or(serde_json::Value::Null)
            })
            .collect(),
    )
}

fn output_shape(row: &Row, keras: Keras) -> serde_json::Value {
    match &row.outputs {
        None => serde_json::Value::Null,
        Some(outputs)
            if outputs.len() == 1 && !(keras == Keras::V2 && row.class == "InputLayer") =>
        {
            shape_json(&outputs[0])
        }
        Some(outputs) => serde_json::Value::Array(outputs.iter().map(shape_json).collect()),
    }
}

pub fn summary_json(net: &Network) -> SummaryJson {
    SummaryJson {
        name: net.name.clone(),
        layers: net
            .rows
            .iter()
            .map(|r| LayerJson {
                name: r.name.clone(),
                class: r.class.clone(),
                output_shape: output_shape(r, net.keras),
                params: r.weights.total(),
                trainable_params: r.weights.trainable,
                non_trainable_params: r.weights.non_trainable,
                formula: r.weights.formula.clone(),
                inbound: r.inbound.clone(),
                receptive_field: r.receptive_field.map(|(h, w)| [h, w]),
            })
            .collect(),
        total_params: net.total(),
        trainable_params: net.trainable,
        non_trainable_params: net.non_trainable,
    }
}
