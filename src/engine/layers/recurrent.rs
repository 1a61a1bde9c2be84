//! Recurrent layers: SimpleRNN `u(d + u) + u`, LSTM `4 x (u(d + u) + u)`, GRU
//! `3 x (u(d + u) + 2u)` with `reset_after=True` (Keras' default) or `3 x (u(d + u) + u)`.

use super::{Built, Registry, Shape, Weights, channels, product, rank, sum};
use crate::engine::python::SyntaxError;
use crate::engine::value::Args;

/// Output shapes and weights of a recurrent layer on a `(batch, time, features)` input.
pub fn rnn(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        1,
        &[
            "units",
            "use_bias",
            "return_sequences",
            "return_state",
            "go_backwards",
            "stateful",
            "unroll",
            "reset_after",
            "unit_forget_bias",
            "time_major",
            "implementation",
            "use_cudnn",
        ],
    )?;
    let u = args.size(0, "units", None)?;
    let use_bias = args.bool(usize::MAX, "use_bias", true)?;
    let sequences = args.bool(usize::MAX, "return_sequences", false)?;
    let state = args.bool(usize::MAX, "return_state", false)?;
    let input = rank(args, inputs, 3)?;
    let d = channels(args, input)?;
    let (gates, bias_per_gate) = match args.class.as_str() {
        "LSTM" => (4, 1),
        "GRU" => (
            3,
            if args.bool(usize::MAX, "reset_after", true)? {
                2
            } else {
                1
            },
        ),
        _ => (1, 1),
    };
    let kernels = product(args, &[u, sum(args, &[d, u])?])?;
    let bias = if use_bias {
        product(args, &[u, bias_per_gate])?
    } else {
        0
    };
    let per_gate = sum(args, &[kernels, bias])?;
    let count = product(args, &[gates, per_gate])?;
    let inner = match (use_bias, bias_per_gate) {
        (false, _) => format!("({d} + {u}) x {u}"),
        (true, 1) => format!("({d} + {u} + 1) x {u}"),
        (true, b) => format!("({d} + {u} + {b}) x {u}"),
    };
    let formula = if gates == 1 {
        inner
    } else {
        format!("{gates} x {inner}")
    };
    let out = if sequences {
        vec![input[0], input[1], Some(u)]
    } else {
        vec![input[0], Some(u)]
    };
    let mut outputs = vec![out];
    if state {
        let states = if args.class == "LSTM" { 2 } else { 1 };
        outputs.extend(std::iter::repeat_n(vec![input[0], Some(u)], states));
    }
    Ok(Built {
        outputs,
        weights: Weights {
            trainable: count,
            non_trainable: 0,
            formula,
        },
    })
}
