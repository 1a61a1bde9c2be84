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

/// ConvLSTM1D/2D/3D on `(batch, time, spatial..., channels)`: four gates, each a convolution
/// of the input (`k x c_in x f`) and of the state (`k x f x f`, stride 1, same padding) plus a
/// bias: `4 x (k x c_in x f + k x f x f + f)`.
pub fn conv_lstm(args: &Args, inputs: &[Shape], _: &dyn Registry) -> Result<Built, SyntaxError> {
    args.only(
        4,
        &[
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "data_format",
            "dilation_rate",
            "use_bias",
            "return_sequences",
            "return_state",
            "go_backwards",
            "stateful",
            "unit_forget_bias",
        ],
    )?;
    let n = super::conv::spatial(&args.class);
    super::conv::channels_last(args)?;
    let filters = args.size(0, "filters", None)?;
    let kernel = args.sizes(1, "kernel_size", n, None)?;
    let strides = args.sizes(2, "strides", n, Some(1))?;
    let padding = args.string(3, "padding", "valid", &["valid", "same"])?;
    let dilation = args.sizes(usize::MAX, "dilation_rate", n, Some(1))?;
    let use_bias = args.bool(usize::MAX, "use_bias", true)?;
    let sequences = args.bool(usize::MAX, "return_sequences", false)?;
    let state = args.bool(usize::MAX, "return_state", false)?;
    let input = rank(args, inputs, n + 3)?;
    let c = channels(args, input)?;
    // Spatial axes: drop the time axis, slide the window, put the channels back.
    let spatial_in: Shape = std::iter::once(input[0])
        .chain(input[2..].iter().copied())
        .collect();
    let mut out = super::windows_out(args, &spatial_in, &kernel, &strides, &dilation, &padding)?;
    out.push(Some(filters));
    let k = product(args, &kernel)?;
    let input_kernel = product(args, &[k, c, filters])?;
    let state_kernel = product(args, &[k, filters, filters])?;
    let bias = if use_bias { filters } else { 0 };
    let per_gate = sum(args, &[input_kernel, state_kernel, bias])?;
    let count = product(args, &[4, per_gate])?;
    let ks = super::times(&kernel);
    let formula = if use_bias {
        format!("4 x ({ks} x {c} x {filters} + {ks} x {filters} x {filters} + {filters})")
    } else {
        format!("4 x ({ks} x {c} x {filters} + {ks} x {filters} x {filters})")
    };
    let sequence_out: Shape = if sequences {
        let mut s = vec![out[0], input[1]];
        s.extend(out[1..].iter().copied());
        s
    } else {
        out.clone()
    };
    let mut outputs = vec![sequence_out];
    if state {
        outputs.push(out.clone());
        outputs.push(out);
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
