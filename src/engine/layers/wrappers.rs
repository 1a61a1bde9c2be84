//! Wrappers: TimeDistributed (the inner layer on every time step) and Bidirectional (the inner
//! recurrent layer twice, merged by `merge_mode`).

use super::{Built, Registry, Shape, Weights, build, single, sum};
use crate::engine::python::{SyntaxError, error};
use crate::engine::value::Args;

pub fn time_distributed(
    args: &Args,
    inputs: &[Shape],
    registry: &dyn Registry,
) -> Result<Built, SyntaxError> {
    args.only(1, &["layer"])?;
    let inner = registry.args_of(args.layer(0, "layer")?);
    let input = single(args, inputs)?;
    if input.len() < 3 {
        return Err(error(
            args.pos,
            "TimeDistributed needs an input of rank 3 or more",
        ));
    }
    // The inner layer sees (batch, rest...) without the time axis.
    let mut step = vec![input[0]];
    step.extend_from_slice(&input[2..]);
    let built = build(inner, &[step], registry)?;
    let outputs = built
        .outputs
        .into_iter()
        .map(|o| {
            let mut s = vec![input[0], input[1]];
            s.extend_from_slice(&o[1..]);
            s
        })
        .collect();
    Ok(Built {
        outputs,
        weights: built.weights,
    })
}

pub fn bidirectional(
    args: &Args,
    inputs: &[Shape],
    registry: &dyn Registry,
) -> Result<Built, SyntaxError> {
    args.only(2, &["layer", "merge_mode", "backward_layer", "weights"])?;
    let inner = registry.args_of(args.layer(0, "layer")?);
    if !matches!(inner.class.as_str(), "LSTM" | "GRU" | "SimpleRNN") {
        return Err(error(
            args.pos,
            "Bidirectional wraps an LSTM, GRU or SimpleRNN",
        ));
    }
    let merge = match args.value(1, "merge_mode") {
        Some((crate::engine::value::Value::None, _)) => "none".to_string(),
        _ => args.string(1, "merge_mode", "concat", &["concat", "sum", "mul", "ave"])?,
    };
    let built = build(inner, inputs, registry)?;
    if built.outputs.len() > 1 {
        return Err(error(
            args.pos,
            "Bidirectional with return_state=True is not supported",
        ));
    }
    let one = built.outputs[0].clone();
    let outputs = match merge.as_str() {
        "concat" => {
            let mut s = one.clone();
            let last = s.last_mut().expect("rank >= 2");
            *last = last.map(|d| d * 2);
            vec![s]
        }
        "none" => vec![one.clone(), one],
        _ => vec![one],
    };
    let w = &built.weights;
    Ok(Built {
        outputs,
        weights: Weights {
            trainable: sum(args, &[w.trainable, w.trainable])?,
            non_trainable: sum(args, &[w.non_trainable, w.non_trainable])?,
            formula: format!("2 x ({})", w.formula),
        },
    })
}
